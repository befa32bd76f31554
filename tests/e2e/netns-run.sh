#!/bin/sh
# Runs a command inside a fresh network namespace that has only loopback, so
# the server, Chromium and the test talk over 127.0.0.1 and nothing can leave
# the machine. The namespace is deleted afterwards, whatever happens.
#   tests/e2e/netns-run.sh COMMAND [ARGS...]
set -eu
ns="samtale-e2e-$$"
ip netns add "$ns"
trap 'ip netns delete "$ns" 2>/dev/null || true' EXIT INT TERM
ip netns exec "$ns" ip link set lo up
SAMTALE_NETNS="$ns" ip netns exec "$ns" "$@"
