#!/bin/sh
# Runs the capacity benchmark (tests/bench/capacity.mjs) inside a network
# namespace of its own: loopback for samtale and the generator, and a veth
# pair whose first address Janus gathers on (libnice leaves out loopback).
# Nothing can leave the machine; the namespace is deleted afterwards,
# whatever happens. Needs root.
#   tests/bench/capacity.sh [capacity.mjs arguments]
set -eu
# No core files in the working tree if a server under test crashes.
ulimit -c 0
[ "$(id -u)" -eq 0 ] || { echo "capacity: needs root (ip netns)" >&2; exit 1; }
ns="capbench$$"
ip netns add "$ns"
trap 'ip netns delete "$ns" 2>/dev/null || true' EXIT INT TERM
ip -n "$ns" link set lo up
ip -n "$ns" link add v0 type veth peer name v1
ip -n "$ns" addr add 10.79.0.1/24 dev v0
ip -n "$ns" addr add 10.79.0.2/24 dev v1
ip -n "$ns" link set v0 up
ip -n "$ns" link set v1 up
CAPACITY_ICE_IP=10.79.0.1 ip netns exec "$ns" node "$(dirname "$0")/capacity.mjs" "$@"
