#!/bin/sh
# Starts Debian's Janus (package janus) for the side-by-side benchmark with
# the configuration of this folder, in the foreground (the caller keeps its
# PID and stops it):
#   tests/load/janus/run.sh WORK_DIR HTTP_PORT RTP_MIN-RTP_MAX CERT KEY ICE_IP
# WORK_DIR gets the filled-in configuration and Janus's log (janus.log).
# ICE_IP: the one address Janus gathers candidates on. libnice leaves out
# loopback, so the benchmark runs in a network namespace of its own with a
# veth pair and gives Janus (and samtale) that pair's address.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work="$1"
http_port="$2"
rtp_ports="$3"
cert="$4"
key="$5"
ice_ip="$6"
libdir=$(dirname "$(find /usr/lib -path '*/janus/plugins/libjanus_videoroom.so' | head -n 1)")
[ -f "$libdir/libjanus_videoroom.so" ] || { echo "janus is not installed (apt-get install janus)" >&2; exit 1; }
base=$(dirname "$libdir")
mkdir -p "$work/conf"
for f in "$here"/*.jcfg; do
    sed -e "s|@CONF_DIR@|$work/conf|" -e "s|@PLUGINS_DIR@|$base/plugins|" \
        -e "s|@TRANSPORTS_DIR@|$base/transports|" -e "s|@HTTP_PORT@|$http_port|" \
        -e "s|@RTP_PORTS@|$rtp_ports|" -e "s|@CERT@|$cert|" -e "s|@KEY@|$key|" -e "s|@ICE_IP@|$ice_ip|" \
        "$f" >"$work/conf/$(basename "$f")"
done
exec janus -F "$work/conf" -C "$work/conf/janus.jcfg" -o -L "$work/janus.log" -N
