#!/bin/sh
# End-to-end check of samtale-load's Janus mode (make janus-check; needs
# root and Debian's janus, which `sh mk/deps.sh bench` installs; not part of
# make test). In a network namespace of its own (libnice leaves out
# loopback, so Janus gathers on a veth pair's address) it starts Janus with
# tests/load/janus/, runs the generator against it and checks the report:
# everyone receives every other participant of its meeting, loss under 1 %,
# no decode errors, no SRTP authentication failures. With video
# (JANUS_CHECK_VIDEO=1: simulcast VP8 at 320x180, 15 fps, and one meeting
# unless JANUS_CHECK_MEETINGS says otherwise) also: every camera of the
# others decoded, on the top layer Janus was asked for, with no corrupt
# frame and no decode error. Everything it starts is stopped by its PID and
# the namespace removed, also on failure.
#   tests/load/janus-check.sh [SAMTALE_LOAD_BIN]
# Environment: JANUS_CHECK_VIDEO (0), JANUS_CHECK_MEETINGS (2, or 1 with
# video), JANUS_CHECK_PARTIES (3), JANUS_CHECK_SECONDS (8); where it runs:
# JANUS_CHECK_NS (the namespace's name, lgjanus<PID>), JANUS_CHECK_ICE_IP
# and JANUS_CHECK_PEER_IP (the veth pair's addresses in one /24: 10.77.0.1,
# Janus's, and 10.77.0.2), JANUS_CHECK_HTTP_PORT (Janus's HTTP API on
# 127.0.0.1, 18188) and JANUS_CHECK_RTP_PORTS (Janus's RTP range,
# 42000-42999). Exit code 0 when every check passed.
set -eu
bin=${1:-build/debug/load/samtale-load}
video=${JANUS_CHECK_VIDEO:-0}
if [ "$video" = 1 ]; then
    meetings=${JANUS_CHECK_MEETINGS:-1}
    fps=15
    vflags="--video --video-size 320x180 --fps $fps --video-bitrates 40,100,250"
else
    meetings=${JANUS_CHECK_MEETINGS:-2}
    fps=0
    vflags=""
fi
parties=${JANUS_CHECK_PARTIES:-3}
seconds=${JANUS_CHECK_SECONDS:-8}
here=$(cd "$(dirname "$0")" && pwd)
ns=${JANUS_CHECK_NS:-lgjanus$$}
ice_ip=${JANUS_CHECK_ICE_IP:-10.77.0.1}
peer_ip=${JANUS_CHECK_PEER_IP:-10.77.0.2}
http_port=${JANUS_CHECK_HTTP_PORT:-18188}
rtp_ports=${JANUS_CHECK_RTP_PORTS:-42000-42999}

[ "$(id -u)" -eq 0 ] || { echo "janus-check: needs root (ip netns)" >&2; exit 1; }
command -v janus >/dev/null 2>&1 || { echo "janus-check: janus is not installed (sh mk/deps.sh bench)" >&2; exit 1; }
[ -x "$bin" ] || { echo "janus-check: $bin does not exist (make)" >&2; exit 1; }

work=$(mktemp -d)
janus_pid=""
gen_pid=""
cleanup() {
    for pid in $gen_pid $janus_pid; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$ns"
ip -n "$ns" link add v0 type veth peer name v1
ip -n "$ns" addr add "$ice_ip/24" dev v0
ip -n "$ns" addr add "$peer_ip/24" dev v1
ip -n "$ns" link set v0 up
ip -n "$ns" link set v1 up
ip -n "$ns" link set lo up

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=janus-check -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

# ip netns exec and run.sh both exec: $! is Janus itself.
ip netns exec "$ns" sh "$here/janus/run.sh" "$work" "$http_port" "$rtp_ports" \
    "$work/cert.pem" "$work/key.pem" "$ice_ip" >/dev/null 2>&1 &
janus_pid=$!

# Janus answers its info request once its HTTP transport is up (<= 15 s).
i=0
until ip netns exec "$ns" curl -sf -o /dev/null "http://127.0.0.1:$http_port/janus/info"; do
    i=$((i + 1))
    if [ "$i" -gt 150 ] || ! kill -0 "$janus_pid" 2>/dev/null; then
        echo "janus-check: Janus did not come up; its log:" >&2
        tail -n 30 "$work/janus.log" >&2 2>/dev/null || true
        exit 1
    fi
    sleep 0.1
done

set +e
# shellcheck disable=SC2086 # $vflags: several words
ip netns exec "$ns" "$bin" $vflags --server janus --janus-url "http://127.0.0.1:$http_port" \
    --meetings "$meetings" --parties "$parties" --seconds "$seconds" \
    --server-pid "$janus_pid" --json "$work/report.json" >"$work/out.txt" 2>&1 &
gen_pid=$!
wait "$gen_pid"
rc=$?
gen_pid=""
set -e
cat "$work/out.txt"
if [ "$rc" -ne 0 ] || [ ! -s "$work/report.json" ]; then
    echo "janus-check: samtale-load failed (exit $rc); Janus's log:" >&2
    tail -n 30 "$work/janus.log" >&2 2>/dev/null || true
    exit 1
fi

node -e '
const fs = require("fs");
const [file, m, k, s, f] = process.argv.slice(1);
const r = JSON.parse(fs.readFileSync(file, "utf8"));
const M = Number(m), K = Number(k), S = Number(s), FPS = Number(f);
const bad = [];
const want = (ok, what) => { if (!ok) bad.push(what); };
const kinds = FPS > 0 ? 2 : 1;
const ids = (list) => JSON.stringify(list.map((x) => x.from).sort((a, b) => a - b));
want(r.participants === M * K, `participants ${r.participants}, wanted ${M * K}`);
want(r.received.streams_wanted === M * K * (K - 1) * kinds && r.received.streams === r.received.streams_wanted,
     `streams received ${r.received.streams} of ${r.received.streams_wanted}`);
for (const p of r.participant_list) {
    const others = [];
    for (let q = 0; q < K; q++) if (q !== p.party) others.push({from: p.meeting * K + q});
    const audio = p.received.filter((x) => x.kind !== "video");
    const cams = p.received.filter((x) => x.kind === "video");
    want(ids(audio) === ids(others), `participant ${p.participant} hears ${ids(audio)}, wants ${ids(others)}`);
    for (const x of audio)
        want(x.packets >= S * 50 * 0.6, `participant ${p.participant} got ${x.packets} packets from ${x.from}`);
    if (FPS === 0)
        continue;
    want(ids(cams) === ids(others), `participant ${p.participant} sees ${ids(cams)}, wants ${ids(others)}`);
    for (const x of cams) {
        const who = `participant ${p.participant} from ${x.from}`;
        const v = x.video;
        if (!v) { bad.push(`${who}: no video checker`); continue; }
        want(v.corrupt === 0, `${who}: ${v.corrupt} corrupt frames`);
        want(v.decode_errors === 0, `${who}: ${v.decode_errors} decode errors`);
        want(v.join_to_first_frame_us >= 0, `${who}: no frame shown`);
        want(v.frames_decoded >= S * FPS * 0.3, `${who}: ${v.frames_decoded} frames decoded`);
        want(v.layer === 2, `${who}: ends on layer ${v.layer}, not the top one (2)`);
    }
}
want(r.loss_pct < 1, `loss ${r.loss_pct} %`);
want(r.decode_errors === 0, `${r.decode_errors} decode errors`);
want(r.auth_failures === 0, `${r.auth_failures} SRTP authentication failures`);
want(r.decoded_streams === r.received.streams, `decoded ${r.decoded_streams} of ${r.received.streams} streams`);
if (FPS > 0) {
    const v = r.video || {};
    want(v.streams === M * K * (K - 1) && v.streams_decoded === v.streams,
         `cameras decoded ${v.streams_decoded} of ${v.streams}`);
    want(v.corrupt === 0 && v.decode_errors === 0, `video: ${v.corrupt} corrupt, ${v.decode_errors} decode errors`);
}
const janus = r.server.threads.reduce((a, t) => a + t.cpu_us, 0);
console.log(`janus-check: ${r.participants} participants${FPS > 0 ? " with video" : ""}, ${r.seconds.toFixed(1)} s: ` +
            `loss ${r.loss_pct.toFixed(3)} %, ` +
            `delay p50 ${(r.delay_p50_us / 1000).toFixed(2)} ms p99 ${(r.delay_p99_us / 1000).toFixed(2)} ms, ` +
            `Janus CPU ${(janus / 1000).toFixed(1)} ms, generator CPU ${(r.generator.cpu_us / 1000).toFixed(1)} ms`);
if (bad.length) {
    console.error("janus-check: FAILED\n  " + bad.join("\n  "));
    process.exit(1);
}
console.log("janus-check: ok");
' "$work/report.json" "$meetings" "$parties" "$seconds" "$fps"
