// Benchmark: the server's CPU time per forwarded packet and its memory per
// participant, for a 3-party meeting of real Chromium peers (the bots of
// tests/e2e/bot.mjs: fake camera 640×480 with simulcast q/h/f, microphone,
// everyone subscribed to everyone). Not a test: it prints figures.
//
//   make release
//   sh tests/e2e/netns-run.sh node tests/load/bench-meeting.mjs [--runs 3] [--warmup 15] [--seconds 30]
//
// SAMTALE_BIN selects the server binary (default build/release/samtale).
// Per run: a fresh server (2 media workers) is started and left idle for
// 6 s (idle RSS, and its idle CPU over the last 5 s); three bots meet; after the warm-up the server process's
// CPU time (utime+stime from /proc/PID/stat, in clock ticks; and the sum of
// its threads' /proc/PID/task/*/schedstat run time, in ns, as a finer
// cross-check), its RSS (VmRSS from /proc/PID/status) and the media packet
// counters of /metrics are read, again after the measuring window. Printed:
// CPU µs per forwarded packet (samtale_media_packets_total{direction="out"}
// difference) and RSS per participant ((RSS with 3 participants − idle RSS)
// / 3), per run, and the medians over the runs; on servers that report them,
// datagrams per UDP send call and GSO sends per second
// (samtale_media_send_calls_total, samtale_media_gso_sends_total).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
process.env.SAMTALE_BIN ??= 'build/release/samtale';
const { Server, PASSWORD, sleep, BIN } = await import('../integration/lib.mjs');
const { launchChromium } = await import('../e2e/browser.mjs');
const { meetingOfBots, describeOutbound } = await import('../e2e/bot.mjs');

function arg(name, def) {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : def;
}
const RUNS = arg('runs', 1);
const WARMUP_S = arg('warmup', 15);
const SECONDS = arg('seconds', 30);
const PARTICIPANTS = 3;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

function cpuTicks(pid) {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
    return Number(f[11]) + Number(f[12]); // utime (14), stime (15)
}

function runNs(pid) {
    let ns = 0;
    for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
        try { ns += Number(fs.readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]); } catch { /* thread gone */ }
    }
    return ns;
}

function rssKb(pid) {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
    return Number(m[1]);
}

function metric(text, re) {
    let sum = 0;
    for (const line of text.split('\n')) if (re.test(line)) sum += Number(line.split(' ').pop());
    return sum;
}

async function sample(server) {
    const pid = server.proc.pid;
    const text = (await server.request('GET', '/metrics')).text;
    return {
        at: process.hrtime.bigint(),
        ticks: cpuTicks(pid),
        runNs: runNs(pid),
        rssKb: rssKb(pid),
        out: metric(text, /^samtale_media_packets_total\{.*direction="out"/),
        in: metric(text, /^samtale_media_packets_total\{.*direction="in"/),
        bytesOut: metric(text, /^samtale_media_bytes_total\{.*direction="out"/),
        sendCalls: metric(text, /^samtale_media_send_calls_total\{/), // 0 on servers without it
        gsoSends: metric(text, /^samtale_media_gso_sends_total\{/),
    };
}

async function oneRun(n) {
    const server = new Server({ name: `bench-${n}` });
    let browser;
    let bots = [];
    try {
        server.addUser('anna', 'Anna Jensen', PASSWORD);
        await server.start();
        const api = await server.login('anna', PASSWORD);
        await sleep(1000);
        const idle0 = await sample(server);
        await sleep(5000);
        const idle = await sample(server);
        const idleCpuPct = +((((idle.runNs - idle0.runNs) / 1e9) / (Number(idle.at - idle0.at) / 1e9)) * 100).toFixed(2);
        browser = await launchChromium();
        bots = await meetingOfBots(api, server.origin, ['Ada', 'Bo', 'Cy'], { browsers: browser, timeoutMs: 40000 });
        await sleep(WARMUP_S * 1000);
        const a = await sample(server);
        await sleep(SECONDS * 1000);
        const b = await sample(server);
        const wall = Number(b.at - a.at) / 1e9;
        const out = b.out - a.out;
        const r = {
            run: n,
            seconds: +wall.toFixed(1),
            packetsOutPerS: Math.round(out / wall),
            packetsInPerS: Math.round((b.in - a.in) / wall),
            kbitOutPerS: Math.round(((b.bytesOut - a.bytesOut) * 8) / wall / 1000),
            packetsPerSendCall: b.sendCalls > a.sendCalls ? +(out / (b.sendCalls - a.sendCalls)).toFixed(2) : null,
            gsoSendsPerS: b.sendCalls > a.sendCalls ? +((b.gsoSends - a.gsoSends) / wall).toFixed(1) : null,
            cpuPct: +((((b.ticks - a.ticks) / CLK_TCK) / wall) * 100).toFixed(1),
            cpuUsPerPacket: +((((b.ticks - a.ticks) / CLK_TCK) * 1e6) / out).toFixed(2),
            cpuUsPerPacketSchedstat: +(((b.runNs - a.runNs) / 1e3) / out).toFixed(2),
            idleCpuPct,
            idleRssKb: idle.rssKb,
            rssKb: b.rssKb,
            rssPerParticipantKb: Math.round((b.rssKb - idle.rssKb) / PARTICIPANTS),
            publishers: [],
        };
        for (const bot of bots) r.publishers.push(`${bot.name}: ${describeOutbound(await bot.outbound())}`);
        return r;
    } finally {
        for (const bot of bots) await bot.close();
        await browser?.close().catch(() => {});
        await server.cleanup();
    }
}

function median(xs) {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

if (!process.env.SAMTALE_NETNS) {
    console.error('run inside a namespace: sh tests/e2e/netns-run.sh node tests/load/bench-meeting.mjs');
    process.exit(2);
}
console.log(`bench-meeting: ${path.relative(ROOT, BIN)}, ${PARTICIPANTS} Chromium participants, warm-up ${WARMUP_S} s, window ${SECONDS} s, ${RUNS} run(s), CLK_TCK ${CLK_TCK}`);
const results = [];
for (let i = 1; i <= RUNS; i++) {
    const r = await oneRun(i);
    results.push(r);
    console.log(`run ${i}: ${r.cpuUsPerPacket} µs CPU per forwarded packet (schedstat ${r.cpuUsPerPacketSchedstat} µs), ` +
        `${r.packetsOutPerS} packets/s out, ${r.packetsInPerS} in, ${r.kbitOutPerS} kbit/s out, ` +
        `${r.packetsPerSendCall ?? '(not reported)'} datagrams per UDP send call (${r.gsoSendsPerS ?? '-'} GSO sends/s), server CPU ${r.cpuPct}% of a core (idle server ${r.idleCpuPct}%); ` +
        `RSS idle ${r.idleRssKb} kB, with ${PARTICIPANTS} participants ${r.rssKb} kB → ${r.rssPerParticipantKb} kB per participant`);
    for (const p of r.publishers) console.log(`  ${p}`);
}
const keys = ['cpuUsPerPacket', 'cpuUsPerPacketSchedstat', 'packetsOutPerS', 'packetsInPerS', 'kbitOutPerS', 'packetsPerSendCall', 'cpuPct', 'idleCpuPct', 'idleRssKb', 'rssKb', 'rssPerParticipantKb'];
const med = Object.fromEntries(keys.map((k) => [k, median(results.map((r) => r[k]))]));
console.log(`median of ${RUNS}: ${JSON.stringify(med)}`);
console.log(`bench-meeting result: ${JSON.stringify({ median: med, runs: results.map(({ publishers, ...r }) => r) })}`);
