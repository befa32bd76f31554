#!/bin/sh
# Tests mk/layers.sh: the tree passes, and a copy of it with one planted
# upward include, another folder's internal header or a path through "..",
# fails naming the file and line. Prints "layers: N passed, N failed"; exits 1 on any failure.
set -u
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d "${TMPDIR:-/tmp}/samtale-layers.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

check() { # name, then the command that must hold
    name="$1"
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "ok layers: $name"
    else
        failed=$((failed + 1))
        echo "FAILED layers: $name"
    fi
}

# A copy of the layered folders to plant violations in, fresh for each case.
fresh() {
    rm -rf "$tmp/tree"
    mkdir -p "$tmp/tree"
    cp -R base media signaling server "$tmp/tree/"
}

# plant FILE LINE: appends an include line to FILE of the copy
plant() { printf '%s\n' "$2" >>"$tmp/tree/$1"; }
lines() { wc -l <"$tmp/tree/$1" | tr -d ' '; }
fails_with() { # what the checker must print; it must also exit 1
    sh mk/layers.sh "$tmp/tree" >"$tmp/out" 2>&1
    rc=$?
    [ $rc -eq 1 ] && grep -qF "$1" "$tmp/out"
}

check "the tree depends downward only" sh mk/layers.sh .

fresh
check "an unchanged copy passes" sh mk/layers.sh "$tmp/tree"

fresh
plant media/rtp.c '#include "signaling/sdp.h"'
check "media/ including signaling/ fails" fails_with "media/rtp.c:$(lines media/rtp.c): includes signaling/sdp.h"

fresh
plant base/err.c '  #  include "server/config.h"'
check "base/ including server/ fails" fails_with "base/err.c:$(lines base/err.c): includes server/config.h"

fresh
plant signaling/sfu.h '#include "server/config.h" /* comment */'
check "a header including upward fails" fails_with "signaling/sfu.h:$(lines signaling/sfu.h): includes server/config.h"

fresh
plant server/api.c '#include "media/router_int.h"'
check "another folder's _int.h fails" fails_with "server/api.c:$(lines server/api.c): includes media/router_int.h, an internal header"

fresh
plant media/rtp.h '#include "../server/config.h"'
check "a path through .. fails" fails_with "media/rtp.h:$(lines media/rtp.h): includes a path with \"..\""

fresh
plant media/router.c '#include "media/router_int.h"'
plant server/api.c '#include "base/err.h"'
check "its own _int.h and a lower folder pass" sh mk/layers.sh "$tmp/tree"

echo "layers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
