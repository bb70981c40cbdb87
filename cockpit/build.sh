#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# cockpit/build.sh OUTDIR: the page as Cockpit serves it, in OUTDIR
# (manifest.json, index.html, page.css, src/*.js, patternfly/ with the CSS
# and the fonts it names).  `build.sh --install DIR` is meson's install
# step: DIR under the install prefix, and DESTDIR.  PatternFly comes from node_modules, installed
# with `npm ci` from package-lock.json when missing; or, where there is no
# network (the Debian build), from cockpit/vendor/patternfly, which
# scripts/deb.sh fills beforehand with `cockpit/build.sh --vendor`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

pf_from_npm() {
	local pf=$here/node_modules/@patternfly/patternfly
	if [ ! -f "$pf/patternfly.css" ]; then
		(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
	fi
	echo "$pf"
}

# copy_pf SRC DEST: the stylesheet and only the woff2 fonts it names
# (browsers that take woff2 never fetch the woff fallbacks)
copy_pf() {
	local src=$1 dest=$2 f
	mkdir -p "$dest"
	cp "$src/patternfly.css" "$dest/patternfly.css"
	grep -o 'url("\./assets/[^"]*\.woff2")' "$src/patternfly.css" | sed 's/^url("\.\///; s/")$//' | sort -u |
		while read -r f; do
			mkdir -p "$dest/$(dirname "$f")"
			cp "$src/$f" "$dest/$f"
		done
}

if [ "${1:-}" = --vendor ]; then
	rm -rf "$here/vendor/patternfly"
	copy_pf "$(pf_from_npm)" "$here/vendor/patternfly"
	exit 0
fi

if [ "${1:-}" = --install ]; then
	dir=${2:?usage: $0 --install DIR}
	case $dir in
	/*) out=${DESTDIR:-}$dir ;;
	*) out=${MESON_INSTALL_DESTDIR_PREFIX:?not run by meson install}/$dir ;;
	esac
	echo "Installing the Cockpit page to $out"
	set -- "$out"
fi

out=${1:?usage: $0 OUTDIR | --vendor | --install DIR}
rm -rf "$out"
mkdir -p "$out/src"
cp "$here/manifest.json" "$here/index.html" "$here/page.css" "$out/"
cp "$here"/src/*.js "$out/src/"
if [ -f "$here/vendor/patternfly/patternfly.css" ]; then
	cp -r "$here/vendor/patternfly" "$out/patternfly"
else
	copy_pf "$(pf_from_npm)" "$out/patternfly"
fi
