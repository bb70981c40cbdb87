#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# scripts/deb.sh [OUTDIR]: `make deb`.  Builds ddactl_VERSION_ARCH.deb and
# cockpit-ddactl_VERSION_all.deb with
# `dpkg-buildpackage -us -uc -b` into OUTDIR (default build-deb/), and
# nothing anywhere else: dpkg-buildpackage writes its results next to the
# source tree and dh its work files into it, so it runs on a copy of this
# checkout in OUTDIR (the files git tracks or would add, edits included; no
# build directory), which is deleted once the package is built.
# DEB_BUILD_OPTIONS (e.g. nocheck: no unit tests) is passed on.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build-deb}
quietly=$top/scripts/quietly.sh
cd "$top"

python3 tests/unit/test-deb-version.py debian/changelog >/dev/null
version=$(dpkg-parsechangelog -S Version)
arch=$(dpkg-architecture -q DEB_HOST_ARCH)
src=$out/ddactl-$version

# cockpit-ddactl's PatternFly, from npm by the lock file, now: the package
# build itself has no network.  cockpit/vendor is git-ignored, so it is
# copied in by name below.
bash cockpit/build.sh --vendor

rm -rf "$out"
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do
		# a tracked file deleted in the work tree is not part of it
		if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
	done |
	tar --null -T - -cf - | tar -C "$src" -xf -
cp -r cockpit/vendor "$src/cockpit/"

(cd "$src" && "$quietly" dpkg-buildpackage -us -uc -b)
rm -rf "$src"
echo "$out/ddactl_${version}_$arch.deb"
echo "$out/cockpit-ddactl_${version}_all.deb"
