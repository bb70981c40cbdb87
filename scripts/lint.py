#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The source rules the compiler cannot check (scripts/lint.sh runs this).

  host-path   A string literal naming a host path ("/sys/...", "proc/%u/fd",
              "/dev/kvm") that is not the path argument of a hostpath.h
              function.  Such a path is opened past DDACTL_ROOT, so the
              tests' fake trees cannot stand in for the host.
  state-name  strcmp()/streq() of a literal state name (the SQL CHECK
              lists of src/lib/state/*.c): states are compared as enums.

Only src/ is checked, and src/lib/basic/hostpath.c is the door itself;
tests/ and bench/ build fake trees and spell their paths on purpose.
A line that must stay says why in a comment holding "lint-ok: <reason>",
on that line or the one above.

Prints file:line: rule: text, one a line; exits 1 when anything was found.
"""
import argparse
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOOR = "src/lib/basic/hostpath.c"

# Root-relative or absolute: "sys/bus/...", "/proc/self/fd", "dev/kvm".
HOST_PATH = re.compile(r'^/?(sys|proc|dev)(/|$)')
# Names that are states although no CHECK lists them: error codes and VM
# status that the CLI used to compare by strcmp.
EXTRA_STATES = {"quarantined", "running"}
CMP_FUNCS = ("strcmp", "strncmp", "strcasecmp", "streq")
# A literal compared with a path read from the host (a link target, a
# mount source) is a name, not a path opened; so is a size.
COMPARE_FUNCS = set(CMP_FUNCS) | {"strstr", "memcmp", "sizeof"}


def strip_comments(text):
    """Comments become spaces (newlines kept, so lines still count), and
    the text of each comment is returned by line for lint-ok markers."""
    out, notes = [], {}
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if text.startswith("/*", i) or text.startswith("//", i):
            if text[i + 1] == "*":
                end = text.find("*/", i + 2)
                end = n if end < 0 else end + 2
            else:
                end = text.find("\n", i)
                end = n if end < 0 else end
            body = text[i:end]
            for k, part in enumerate(body.split("\n")):
                notes[line + k] = notes.get(line + k, "") + part
            out.append(re.sub(r"[^\n]", " ", body))
            line += body.count("\n")
            i = end
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            line += text[i:j + 1].count("\n")
            i = j + 1
            continue
        out.append(c)
        line += c == "\n"
        i += 1
    return "".join(out), notes


def literals(code):
    """(offset, value) of each string literal, adjacent ones joined."""
    for m in re.finditer(r'"((?:[^"\\\n]|\\.)*)"', code):
        yield m.start(), m.group(1)


def enclosing_call(code, pos):
    """Name of the function whose argument list holds pos, or ''."""
    depth = 0
    for i in range(pos - 1, -1, -1):
        c = code[i]
        if c == ")":
            depth += 1
        elif c == "(":
            if depth == 0:
                m = re.search(r"([A-Za-z_]\w*)\s*$", code[:i])
                return m.group(1) if m else ""
            depth -= 1
        elif c in ";{}" and depth == 0:
            return ""
    return ""


def hostpath_funcs():
    """Every hostpath.h function that takes a path (fmt or name)."""
    text = (ROOT / "src/lib/basic/hostpath.h").read_text()
    names = set()
    for m in re.finditer(r"\b(dda_\w+)\s*\(([^)]*)\)", text):
        if re.search(r"\b(fmt|name|path)\b", m.group(2)):
            names.add(m.group(1))
    # it formats into a buffer and resolves nothing against the root
    names.discard("dda_pathf")
    return names


def local_doors(code, doors):
    """A file's own helpers that hand a path parameter on to a door
    (count_dir(rel, ...) calling dda_opendir("%s", rel))."""
    found = set()
    defs = re.finditer(r"^[A-Za-z_][\w \t\*]*?\b(\w+)\s*\(([^)]*)\)\s*\{(.*?)^\}", code, re.M | re.S)
    for m in defs:
        params = re.findall(r"const\s+char\s*\*\s*(\w+)", m.group(2))
        for p in params:
            if re.search(r"\b(%s)\s*\([^;]*\b%s\b" % ("|".join(sorted(doors)), p), m.group(3)):
                found.add(m.group(1))
    return found


def state_names():
    names = set(EXTRA_STATES)
    for f in sorted((ROOT / "src/lib/state").glob("*.c")):
        for m in re.finditer(r"CHECK\s*\(\s*state\s+IN\s*\(([^)]*)\)", f.read_text()):
            names.update(re.findall(r"'([^']*)'", m.group(1)))
    return names


def waived(notes, line):
    return "lint-ok:" in notes.get(line, "") or "lint-ok:" in notes.get(line - 1, "")


def check_file(path, rel, doors, states, rules, found):
    code, notes = strip_comments(path.read_text())
    line_of = lambda off: code.count("\n", 0, off) + 1
    if "host-path" in rules and rel != DOOR:
        ok = doors | local_doors(code, doors) | COMPARE_FUNCS
        for off, s in literals(code):
            if not HOST_PATH.search(s):
                continue
            line = line_of(off)
            if waived(notes, line) or enclosing_call(code, off) in ok:
                continue
            # #define DEV "sys/bus/pci/devices/%s/": every use must be a door's
            macro = re.match(r"[ \t]*#[ \t]*define[ \t]+(\w+)", code[code.rfind("\n", 0, off) + 1:off])
            if macro:
                for u in re.finditer(r"\b%s\b" % macro.group(1), code[off:]):
                    at = off + u.start()
                    if enclosing_call(code, at) not in ok and not waived(notes, line_of(at)):
                        found.append(f"{rel}:{line_of(at)}: host-path: {macro.group(1)} (\"{s}\") outside hostpath.h's functions")
                continue
            found.append(f"{rel}:{line}: host-path: \"{s}\" outside hostpath.h's functions")
    if "state-name" in rules:
        alt = "|".join(re.escape(s) for s in sorted(states))
        pat = re.compile(r"\b(%s)\s*\([^;{}]*?\"(%s)\"" % ("|".join(CMP_FUNCS), alt))
        for m in pat.finditer(code):
            line = line_of(m.start())
            if not waived(notes, line):
                found.append(f"{rel}:{line}: state-name: {m.group(1)}() against state \"{m.group(2)}\"")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rule", action="append", choices=["host-path", "state-name"],
                    help="run only this rule (repeatable)")
    ap.add_argument("files", nargs="*", help="files to check (default: src/**/*.[ch])")
    args = ap.parse_args()
    rules = set(args.rule or ["host-path", "state-name"])
    if args.files:
        files = [pathlib.Path(f).resolve() for f in args.files]
    else:
        out = subprocess.run(["git", "-C", str(ROOT), "ls-files", "src/*.c", "src/*.h"],
                             capture_output=True, text=True, check=True).stdout
        files = [ROOT / f for f in out.split()]
    doors, states = hostpath_funcs(), state_names()
    found = []
    for f in files:
        check_file(f, str(f.relative_to(ROOT)), doors, states, rules, found)
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
