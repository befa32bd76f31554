#!/bin/sh
# Runs fuzz targets: replays tests/fuzz/corpus/<target>/ and then fuzzes for
# SECONDS, writing new inputs to build/fuzz-corpus/<target>/ (the committed
# corpus stays as it is; copy interesting finds there by hand).
#   tests/fuzz/run.sh FUZZ_DIR SECONDS [TARGET]
set -eu
dir="$1"
seconds="$2"
only="${3:-}"
status=0
for f in "$dir"/fuzz_*; do
    [ -x "$f" ] || continue
    name=$(basename "$f")
    [ -n "$only" ] && [ "$name" != "$only" ] && continue
    seeds="tests/fuzz/corpus/${name#fuzz_}"
    work="build/fuzz-corpus/${name#fuzz_}"
    mkdir -p "$seeds" "$work"
    echo "== $name: replaying $(ls "$seeds" | wc -l) seeds"
    "$f" -runs=0 "$seeds" || status=1
    echo "== $name: fuzzing for ${seconds}s"
    "$f" -max_total_time="$seconds" -max_len=70000 -timeout=10 -rss_limit_mb=1024 \
        -artifact_prefix="build/fuzz-corpus/${name}-" "$work" "$seeds" || status=1
done
exit $status
