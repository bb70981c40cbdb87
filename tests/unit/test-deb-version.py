#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""test-deb-version.py CHANGELOG [VERSION]

meson.build's project version is the one source of the version: the top
entry of debian/changelog (a native package, so no Debian revision) must
name the same one, or the .deb would carry a version the binary does not
print.  VERSION is meson.project_version() under meson test; without it
(make deb, before there is a build directory) meson is asked.
"""
import json
import os
import re
import subprocess
import sys

changelog = sys.argv[1]
if len(sys.argv) > 2:
    version = sys.argv[2]
else:
    srcdir = os.path.dirname(os.path.dirname(os.path.abspath(changelog)))
    info = subprocess.run(['meson', 'introspect', '--projectinfo', os.path.join(srcdir, 'meson.build')],
                          check=True, capture_output=True, text=True).stdout
    version = json.loads(info)['version']

with open(changelog, encoding='utf-8') as f:
    top = f.readline()
m = re.match(r'ddactl \(([^)]+)\) ', top)
if not m:
    sys.exit(f"not ok: {changelog}'s first line is not a ddactl entry: {top.strip()!r}")
if m.group(1) != version:
    sys.exit(f'not ok: {changelog} says {m.group(1)}, meson.build says {version}; '
             'add a debian/changelog entry (dch -v) for the new version')
print(f'ok: debian/changelog and meson.build both say {version}')
