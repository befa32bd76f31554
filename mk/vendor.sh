#!/bin/sh
# Front-end libraries the web client serves from its own origin. They come from
# npm, pinned by mk/web/package-lock.json, and only the files listed in
# mk/web/vendor.list are copied to web-client/vendor/ (not kept in git), so the
# web root never exposes a whole node_modules tree.
set -eu
web=mk/web
if [ ! -d "$web/node_modules" ] || [ "$web/package-lock.json" -nt "$web/node_modules" ]; then
    (cd "$web" && npm ci --omit=optional --no-audit --no-fund --loglevel=error)
    mkdir -p "$web/node_modules"
    touch "$web/node_modules"
fi
out=web-client/vendor
rm -rf "$out.new"
mkdir -p "$out.new"
grep -v '^[[:space:]]*\(#\|$\)' "$web/vendor.list" | while read -r src dest; do
    [ -e "$web/node_modules/$src" ] || { echo "vendor.sh: missing $src" >&2; exit 1; }
    mkdir -p "$out.new/$(dirname "$dest")"
    cp -R "$web/node_modules/$src" "$out.new/$dest"
done
rm -rf "$out"
mv "$out.new" "$out"
