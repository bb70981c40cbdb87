#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check-json.py SCHEMA_DIR MANIFEST: validates the documents test-json.sh
saved against docs/schema, one TAP line per document.

MANIFEST lines are tab-separated: FILE SCHEMA EXPECTED_RC RC DESCRIPTION.
A run that exited 0 must match SCHEMA; any other must match
error.schema.json; and the exit status must be the expected one.  Works
with Debian 12's python3-jsonschema (4.10, RefResolver) and later ones
(referencing.Registry)."""
import json
import os
import sys

import jsonschema

schema_dir, manifest = sys.argv[1], sys.argv[2]
schemas = {}
for name in sorted(os.listdir(schema_dir)):
    if name.endswith(".schema.json"):
        with open(os.path.join(schema_dir, name)) as f:
            schemas[name] = json.load(f)

cls = jsonschema.Draft202012Validator
for name, s in schemas.items():
    cls.check_schema(s)

try:
    if os.environ.get("DDACTL_JSONSCHEMA_OLD"):
        raise ImportError("told to use RefResolver")
    from referencing import Registry, Resource

    registry = Registry().with_resources(
        (name, Resource.from_contents(s)) for name, s in schemas.items())

    def validator(name):
        return cls(schemas[name], registry=registry)
except ImportError:
    import warnings

    warnings.simplefilter("ignore", DeprecationWarning)

    def validator(name):
        return cls(schemas[name], resolver=jsonschema.RefResolver(
            base_uri=name, referrer=schemas[name], store=dict(schemas)))

n = failed = 0
used = set()
with open(manifest) as f:
    for line in f:
        path, schema, want_rc, rc, desc = line.rstrip("\n").split("\t", 4)
        n += 1
        problems = []
        if rc != want_rc:
            problems.append(f"exit status {rc}, expected {want_rc}")
        name = schema + ".schema.json" if rc == "0" else "error.schema.json"
        used.add(name)
        try:
            with open(path) as d:
                doc = json.load(d)
        except ValueError as e:
            problems.append(f"not one JSON document: {e}")
        else:
            if name not in schemas:
                problems.append(f"no schema {name}")
            else:
                for e in validator(name).iter_errors(doc):
                    where = "/".join(str(p) for p in e.absolute_path)
                    problems.append(f"{name} at /{where}: {e.message}")
        if problems:
            failed += 1
            print(f"not ok {n} - {desc} ({name})")
            for p in problems[:5]:
                print(f"# {p}")
        else:
            print(f"ok {n} - {desc} ({name})")

# A schema no test reaches is a schema nothing keeps honest.
for name in sorted(set(schemas) - used - {"common.schema.json"}):
    n += 1
    failed += 1
    print(f"not ok {n} - {name} is validated by some test")
print(f"1..{n}")
sys.exit(1 if failed else 0)
