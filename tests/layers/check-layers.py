#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The library's layers hold: from each layer's own compile command, a
header of every layer below (and its own) compiles, and a header of every
layer above does not.  This is the compiler's refusal that keeps calls
pointing down (docs/ARCHITECTURE.md); the test fails if a meson change
widens an include path.

usage: check-layers.py BUILD_DIR SOURCE_DIR
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile

LAYERS = ["basic", "pci", "host", "state", "vm", "report"]


def main():
    build, source = sys.argv[1], sys.argv[2]
    lib = os.path.join(source, "src", "lib")
    with open(os.path.join(build, "compile_commands.json")) as f:
        commands = json.load(f)

    headers = {}
    for layer in LAYERS:
        hs = sorted(h for h in os.listdir(os.path.join(lib, layer)) if h.endswith(".h"))
        if not hs:
            sys.exit(f"layer {layer} has no header")
        headers[layer] = hs

    failures = 0
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, layer in enumerate(LAYERS):
            own = os.path.realpath(os.path.join(lib, layer))
            cmd = next((c for c in commands
                        if os.path.dirname(os.path.realpath(os.path.join(c["directory"], c["file"]))) == own),
                       None)
            if cmd is None:
                sys.exit(f"no compile command for a source of src/lib/{layer}")
            argv = shlex.split(cmd["command"])
            # Keep the compiler and every flag; drop the output and the file.
            keep, skip = [], False
            for a in argv:
                if skip:
                    skip = False
                    continue
                if a in ("-o", "-MF", "-MQ", "-c"):
                    skip = True
                    continue
                if a in ("-MD",) or a == cmd["file"]:
                    continue
                keep.append(a)
            for j, other in enumerate(LAYERS):
                for h in headers[other]:
                    probe = os.path.join(tmp, f"{layer}-{other}-{h}.c")
                    with open(probe, "w") as f:
                        f.write(f'#include "{h}"\nint probe_{j};\n')
                    r = subprocess.run(keep + ["-fsyntax-only", "-fdiagnostics-color=never", probe], cwd=cmd["directory"],
                                       capture_output=True, text=True)
                    visible = r.returncode == 0
                    want = j <= i
                    checked += 1
                    if visible != want:
                        failures += 1
                        what = "cannot include" if want else "can include"
                        print(f"layer {layer} {what} {other}/{h}:\n{r.stderr.strip()}")
    print(f"{checked} include probes, {failures} wrong")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
