#!/bin/sh
# Checks that the source folders depend downward only:
#   base/ <- media/ <- signaling/ <- server/
# A file may include headers of its own folder and of the folders below it,
# never of a folder above it, and never another folder's internal header
# (*_int.h); headers are named folder/name.h, never through "..". Prints
# every offending include as FILE:LINE: reason and exits 1.
#   mk/layers.sh [ROOT]   (default: the current directory)
set -u
root="${1:-.}"
layers="base media signaling server"

files=""
for dir in $layers; do
    for f in "$root/$dir"/*.c "$root/$dir"/*.h; do
        [ -f "$f" ] && files="$files $f"
    done
done
[ -n "$files" ] || { echo "layers: no sources under $root" >&2; exit 2; }

# shellcheck disable=SC2086 # $files: paths without spaces, one word each
awk -v layers="$layers" -v root="$root/" '
BEGIN { n = split(layers, l, " "); for (i = 1; i <= n; i++) rank[l[i]] = i }
FNR == 1 {
    name = substr(FILENAME, length(root) + 1)
    own = name; sub(/\/.*/, "", own)
}
/^[ \t]*#[ \t]*include[ \t]*"[^"]*\.\.\// {
    printf "%s:%d: includes a path with \"..\": name headers as folder/name.h\n", name, FNR
    bad = 1
    next
}
/^[ \t]*#[ \t]*include[ \t]*"[a-z_]+\/[^"]+"/ {
    inc = $0
    sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc)
    to = inc; sub(/\/.*/, "", to)
    if (!(to in rank)) next
    if (rank[to] > rank[own]) {
        printf "%s:%d: includes %s from %s/, a folder above %s/\n", name, FNR, inc, to, own
        bad = 1
    } else if (to != own && inc ~ /_int\.h$/) {
        printf "%s:%d: includes %s, an internal header of %s/\n", name, FNR, inc, to
        bad = 1
    }
}
END { exit bad }
' $files
