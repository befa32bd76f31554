#!/bin/sh
# Runs the whole suite and prints one closing line "N passed, N failed".
#   tests/run.sh BUILD_DIR FUZZ_DIR
# Environment: SAMTALE_ONLY=unit|fuzz|integration|e2e runs one part;
#              SAMTALE_NO_FUZZ=1 skips the fuzz part (the asan build has no fuzzers).
set -u
build="$1"
fuzzdir="$2"
only="${SAMTALE_ONLY:-}"
passed=0
failed=0
failures=""
log_dir="build/test-logs"
mkdir -p "$log_dir"

record() { # name status
    if [ "$2" -eq 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures="$failures $1"
    fi
}

run_part() { [ -z "$only" ] || [ "$only" = "$1" ]; }

# Unit tests: each cmocka test case counts.
if run_part unit; then
    for t in "$build"/tests/test_*; do
        [ -x "$t" ] || continue
        name=$(basename "$t")
        out="$log_dir/$name.log"
        "$t" >"$out" 2>&1
        rc=$?
        cat "$out"
        ok=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -n 1)
        bad=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -n 1)
        passed=$((passed + ${ok:-0}))
        failed=$((failed + ${bad:-0}))
        if [ $rc -ne 0 ] && [ "${bad:-0}" -eq 0 ]; then
            # crashed or sanitizer report: count the binary as one failure
            failed=$((failed + 1))
        fi
        [ $rc -ne 0 ] && failures="$failures $name"
    done
    # The source folders depend downward only (mk/layers.sh); each check counts.
    out="$log_dir/layers.log"
    sh tests/unit/test_layers.sh >"$out" 2>&1
    rc=$?
    cat "$out"
    ok=$(sed -n 's/^layers: \([0-9]*\) passed.*/\1/p' "$out")
    bad=$(sed -n 's/^layers: [0-9]* passed, \([0-9]*\) failed/\1/p' "$out")
    passed=$((passed + ${ok:-0}))
    failed=$((failed + ${bad:-0}))
    [ $rc -ne 0 ] && [ "${bad:-0}" -eq 0 ] && failed=$((failed + 1))
    [ $rc -ne 0 ] && failures="$failures layers"
fi

# Fuzz targets: replay the committed corpus, then a short smoke run.
if run_part fuzz && [ -z "${SAMTALE_NO_FUZZ:-}" ]; then
    for f in "$fuzzdir"/fuzz_*; do
        [ -x "$f" ] || continue
        name=$(basename "$f")
        sh tests/fuzz/run.sh "$fuzzdir" "${SAMTALE_FUZZ_SMOKE_SECONDS:-10}" "$name" \
            >"$log_dir/$name.log" 2>&1
        rc=$?
        tail -n 3 "$log_dir/$name.log"
        echo "fuzz $name: $([ $rc -eq 0 ] && echo ok || echo FAILED)"
        record "$name" $rc
    done
fi

# node:test files; each test case counts. $1: part name, rest: command prefix.
run_node_tests() {
    part="$1"
    shift
    for t in tests/"$part"/*.test.mjs; do
        [ -f "$t" ] || continue
        name=$(basename "$t" .test.mjs)
        out="$log_dir/$part-$name.log"
        SAMTALE_BIN="$build/samtale" "$@" node --test --test-reporter=tap "$t" >"$out" 2>&1
        rc=$?
        grep -E '^(not )?ok|^# (pass|fail)' "$out"
        ok=$(sed -n 's/^# pass \([0-9]*\)/\1/p' "$out" | tail -n 1)
        bad=$(sed -n 's/^# fail \([0-9]*\)/\1/p' "$out" | tail -n 1)
        passed=$((passed + ${ok:-0}))
        failed=$((failed + ${bad:-0}))
        if [ $rc -ne 0 ] && [ "${bad:-0}" -eq 0 ]; then
            failed=$((failed + 1))
        fi
        if [ $rc -ne 0 ]; then
            failures="$failures $part/$name"
            tail -n 80 "$out"
        fi
    done
}

# Integration tests: the real binary over HTTPS and WSS.
run_part integration && run_node_tests integration env
# End-to-end tests: real Chromium and Firefox ESR against the real server, inside a network
# namespace of their own that has only loopback.
run_part e2e && run_node_tests e2e sh tests/e2e/netns-run.sh

[ -n "$failures" ] && echo "failed:$failures (logs in $log_dir)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
