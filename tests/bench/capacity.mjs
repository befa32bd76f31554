// The capacity benchmark: samtale against Janus's VideoRoom under the same
// load from the native generator (tests/load/, samtale-load), with the limit
// probe (bench_probe) as the floor, in one run. Not a test: it prints tables
// and, with --write, puts them into docs/BENCHMARKS.md between the capacity
// markers. Run by `make bench` through tests/bench/capacity.sh, which puts it
// in a network namespace of its own (root).
//
//   tests/bench/capacity.sh [--scenarios a,b,c,d] [--servers samtale,janus]
//       [--seconds 20] [--warmup 8] [--steps 5,10,...] [--churn-seconds 600]
//       [--perf] [--write docs/BENCHMARKS.md]
//
// Each server runs pinned to CPU 0 (samtale with one media worker), the
// generator pinned to CPU 1, one scenario at a time:
//   a  50 three-party meetings, simulcast VP8 (three layers) and Opus
//   b  the most three-party meetings each server carries at < 0.5 % loss
//      (steps of meetings; each step a fresh generator run)
//   c  an audio-only load
//   d  churn: generator runs of a few meetings each start every few seconds
//      and end after their lifetime, against both servers at once, with
//      the servers' RSS sampled throughout
// Every figure comes from the generator's JSON report (the server's CPU
// time per thread and RSS from /proc, the generator's own CPU time, what
// arrived and how late) or from the probe's JSON line.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
process.env.SAMTALE_BIN ??= 'build/release/samtale';
const { Server, PASSWORD, CA_PATH, sleep } = await import('../integration/lib.mjs');

const LOAD_BIN = path.join(ROOT, process.env.SAMTALE_LOAD_BIN ?? 'build/release/load/samtale-load');
const PROBE_BIN = path.join(ROOT, process.env.SAMTALE_PROBE_BIN ?? 'build/release/bench/bench_probe');
const ICE_IP = process.env.CAPACITY_ICE_IP ?? '';
const JANUS_HTTP_PORT = 24188;
const JANUS_RTP = '24200-27999';
const SERVER_CPU = '0';
const GEN_CPU = '1';
const LOSS_LIMIT_PCT = 0.5;
const GEN_SATURATED = 0.9; // share of its core above which the generator is the limit

function option(name, def) {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}
const SCENARIOS = option('scenarios', 'a,b,c,d').split(',');
const SERVERS = option('servers', 'samtale,janus').split(',');
const SECONDS = Number(option('seconds', '20'));
const CHURN_SECONDS = Number(option('churn-seconds', '600'));
// Steady runs wait this long after setup before measuring: the servers'
// retransmission caches are filled (first touched memory costs page
// faults) and the bandwidth estimators have settled, as in a meeting
// that has run for a while.
const WARMUP = option('warmup', '8');
const SEARCH_SECONDS = 10; // b's steps measure this long each
const STEPS = option('steps', '5,10,20,30,45,60,80,100,130,160,200').split(',').map(Number);
const WRITE = option('write', '');
// With --perf, scenario a's samtale run is profiled (perf record -g on the
// server's process through the measuring window) and the top symbols shown.
const PERF = process.argv.includes('--perf');

// The camera every participant publishes in a, b and d: 640×360 at 30 fps
// in three simulcast layers, as a meeting tile; the servers forward the top.
const VIDEO = ['--video', '--simulcast', '--video-size', '640x360', '--fps', '30',
    '--video-bitrates', '100,300,800'];

function log(msg) {
    process.stderr.write(`capacity: ${msg}\n`);
}

function die(msg) {
    log(msg);
    process.exit(1);
}

function pin(pid, cpu) {
    const r = spawnSync('taskset', ['-a', '-p', '-c', cpu, String(pid)], { encoding: 'utf8' });
    if (r.status !== 0) die(`taskset ${pid}: ${r.stderr}`);
}

function rssKb(pid) {
    try {
        const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
        return m ? Number(m[1]) : 0;
    } catch {
        return 0;
    }
}

/* ---- the servers ---- */

async function startSamtale() {
    const server = new Server({
        name: 'capacity',
        config: {
            workers: 1,
            max_connections: 100000,
            max_connections_per_addr: 100000,
            login_attempts_per_min: 1000,
            ws_rate_per_sec: 1000,
            ws_rate_burst: 10000,
            log_level: 'warn',
        },
    });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start({ timeoutMs: 20000 });
    pin(server.proc.pid, SERVER_CPU);
    const pwFile = path.join(server.dataDir, 'bench-password');
    fs.writeFileSync(pwFile, `${PASSWORD}\n`, { mode: 0o600 });
    return {
        name: 'samtale',
        pid: server.proc.pid,
        args: ['--url', server.origin, '--user', 'anna', '--password-file', pwFile, '--ca', CA_PATH],
        request: (method, urlPath) => server.request(method, urlPath),
        stop: () => server.cleanup(),
    };
}

async function startJanus() {
    if (!ICE_IP) die('Janus needs the veth address (run through tests/bench/capacity.sh)');
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'capacity-janus-'));
    const key = path.join(work, 'key.pem');
    const cert = path.join(work, 'cert.pem');
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
        '-nodes', '-days', '2', '-subj', '/CN=capacity', '-keyout', key, '-out', cert], { encoding: 'utf8' });
    if (r.status !== 0) die(`openssl: ${r.stderr}`);
    const proc = spawn('sh', [path.join(ROOT, 'tests/load/janus/run.sh'), work, String(JANUS_HTTP_PORT), JANUS_RTP,
        cert, key, ICE_IP], { stdio: 'ignore' });
    let exited = false;
    proc.on('exit', () => { exited = true; });
    const url = `http://127.0.0.1:${JANUS_HTTP_PORT}`;
    for (let i = 0; ; i++) {
        try {
            if ((await fetch(`${url}/janus/info`)).ok) break;
        } catch { /* not up yet */ }
        if (exited || i > 150) {
            let tail = '';
            try { tail = fs.readFileSync(path.join(work, 'janus.log'), 'utf8').slice(-2000); } catch { /* none */ }
            die(`Janus did not come up:\n${tail}`);
        }
        await sleep(100);
    }
    pin(proc.pid, SERVER_CPU); // run.sh execs Janus: the PID is Janus itself
    return {
        name: 'janus',
        pid: proc.pid,
        args: ['--server', 'janus', '--janus-url', url],
        stop: async () => {
            if (!exited) {
                proc.kill('SIGTERM');
                for (let i = 0; i < 50 && !exited; i++) await sleep(100);
                if (!exited) proc.kill('SIGKILL');
            }
            fs.rmSync(work, { recursive: true, force: true });
        },
    };
}

const STARTERS = { samtale: startSamtale, janus: startJanus };

/* ---- the generator ---- */

/* The namespace's UDP buffer overflows (/proc/net/snmp): where a loss came
 * from when a receiver fell behind. */
/* Receive drops on the UDP sockets of process pid (/proc/net/udp's drops
 * column for the socket inodes among its descriptors). */
function socketDrops(pid) {
    const inodes = new Set();
    try {
        for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
            try {
                const m = fs.readlinkSync(`/proc/${pid}/fd/${fd}`).match(/^socket:\[(\d+)\]$/);
                if (m) inodes.add(m[1]);
            } catch { /* closed meanwhile */ }
        }
    } catch {
        return 0;
    }
    let drops = 0;
    for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
        let text = '';
        try { text = fs.readFileSync(file, 'utf8'); } catch { continue; }
        for (const line of text.split('\n').slice(1)) {
            const f = line.trim().split(/\s+/);
            if (f.length >= 13 && inodes.has(f[9])) drops += Number(f[12]);
        }
    }
    return drops;
}

function udpErrors() {
    const lines = fs.readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
    const names = lines[0].split(/\s+/);
    const vals = lines[1].split(/\s+/).map(Number);
    const get = (n) => vals[names.indexOf(n)] ?? 0;
    return { rcvbuf: get('RcvbufErrors'), sndbuf: get('SndbufErrors') };
}

let runNo = 0;

/* Runs samtale-load against srv to its end and returns its JSON report, or
 * {failed: reason} when it did not finish cleanly. */
function generate(srv, args, { seconds, timeoutMs, onMeasuring }) {
    const json = path.join(os.tmpdir(), `capacity-${process.pid}-${++runNo}.json`);
    const all = [...srv.args, ...args, '--seconds', String(seconds), '--server-pid', String(srv.pid),
        '--json', json, '--setup-timeout', '90'];
    const udp0 = udpErrors();
    const srvDrops0 = socketDrops(srv.pid);
    return new Promise((resolve) => {
        const proc = spawn('taskset', ['-c', GEN_CPU, LOAD_BIN, ...all], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let told = false;
        proc.stdout.on('data', (d) => { out += d; });
        proc.stderr.on('data', (d) => {
            out += d;
            if (!told && onMeasuring && out.includes('everyone is ready; measuring')) {
                told = true;
                onMeasuring();
            }
        });
        const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs ?? (seconds + 180) * 1000);
        proc.on('exit', (code, signal) => {
            clearTimeout(timer);
            let report = null;
            try { report = JSON.parse(fs.readFileSync(json, 'utf8')); } catch { /* none */ }
            fs.rmSync(json, { force: true });
            const udp1 = udpErrors();
            if (report) {
                report.udp_errors = { rcvbuf: udp1.rcvbuf - udp0.rcvbuf, sndbuf: udp1.sndbuf - udp0.sndbuf,
                    server: socketDrops(srv.pid) - srvDrops0 };
            }
            if (code !== 0 || !report) {
                const why = out.trim().split('\n').slice(-4).join(' | ');
                resolve({ failed: `exit ${code ?? signal}: ${why}`, report });
            } else {
                resolve(report);
            }
        });
    });
}

/* The figures of one generator run. */
function figures(r) {
    const cpuUs = r.server.cpu_us; // the whole process, every thread
    const workers = r.server.threads.filter((t) => /^media-/.test(t.thread)); // samtale's; Janus has none
    const worker = workers.length ? workers.reduce((a, t) => a + t.cpu_us, 0) : null;
    const v = r.video;
    return {
        participants: r.participants,
        meetings: r.meetings,
        seconds: r.seconds,
        fwdPps: r.received.window_pps, // in the window, as the CPU time
        fwdMbps: r.received.window_bps / 1e6,
        inPps: r.sent.pps,
        loss: r.loss_pct,
        p50: r.delay_p50_us / 1000,
        p99: r.delay_p99_us / 1000,
        joinP50: r.join_to_first_p50_us / 1000,
        firstFrameP50: v ? v.join_to_first_frame_p50_us / 1000 : null,
        corrupt: v ? v.corrupt : 0,
        decodeErrors: r.decode_errors + (v ? v.decode_errors : 0),
        freezes: v ? v.freezes : 0,
        serverCore: cpuUs / 1e6 / r.seconds,
        workerCore: worker === null ? null : worker / 1e6 / r.seconds,
        usPerPkt: r.received.window_packets ? cpuUs / r.received.window_packets : 0,
        rssMb: r.server.rss_kb / 1024,
        genCore: r.generator.cpu_us / 1e6 / r.seconds,
        streamsOk: r.received.streams === r.received.streams_wanted,
        // The simulcast layer each received camera ended on (0 lowest).
        layers: r.participant_list.flatMap((p) => p.received).filter((x) => x.video)
            .reduce((a, x) => { a[x.video.layer] = (a[x.video.layer] ?? 0) + 1; return a; }, {}),
        udpRcvbuf: r.udp_errors?.rcvbuf ?? 0,
        udpServer: r.udp_errors?.server ?? 0,
    };
}

/* ---- the limit probe ---- */

function probe() {
    const r = spawnSync(PROBE_BIN, ['--rounds', '3'], { encoding: 'utf8', timeout: 120000 });
    const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('{"probe"'));
    if (r.status !== 0 || !line) die(`bench_probe failed: ${r.stderr}`);
    const p = JSON.parse(line).probe;
    return { gsoNs: p.gso.ns_per_pkt, plainNs: p.plain.ns_per_pkt };
}

/* ---- scenarios ---- */

async function withServer(name, fn) {
    const srv = await STARTERS[name]();
    try {
        await sleep(1000);
        return await fn(srv);
    } finally {
        await srv.stop();
    }
}

/* perf record on pid for `seconds`; resolves to the top symbols by self
 * time (perf report --no-children) and by time including what they call
 * (--children: which syscalls and which of our functions hold the time),
 * or to why there are none. */
function profile(pid, seconds) {
    const data = path.join(os.tmpdir(), `capacity-perf-${process.pid}.data`);
    const report = (extra, limit) => {
        const rep = spawnSync('perf', ['report', '-i', data, '--stdio', ...extra, '--sort', 'dso,symbol',
            '-g', 'none', '--percent-limit', limit], { encoding: 'utf8', maxBuffer: 64 << 20 });
        const lines = (rep.stdout ?? '').split('\n').filter((l) => /^\s+[0-9.]+%/.test(l)).slice(0, 25);
        return lines.length ? lines.map((l) => l.trim().replace(/\s+/g, ' ')).join('\n')
            : `perf report gave nothing: ${rep.stderr}`;
    };
    return new Promise((resolve) => {
        const rec = spawn('perf', ['record', '-q', '-F', '499', '-g', '-p', String(pid), '-o', data, '--', 'sleep',
            String(seconds)], { stdio: 'ignore' });
        rec.on('error', (e) => resolve(`perf is not available: ${e.message}`));
        rec.on('exit', () => {
            const self = report(['--no-children'], '1.5');
            const total = report(['--children'], '8');
            fs.rmSync(data, { force: true });
            resolve(`${self}\n\nincluding callees (children, self), entries >= 8 %:\n${total}`);
        });
    });
}

/* samtale's media worker counters (/metrics), summed over workers: how
 * much each wakeup and system call carried. null for a server without them. */
const COUNTERS = {
    in: /^samtale_media_packets_total\{.*direction="in"\} (\d+)/,
    out: /^samtale_media_packets_total\{.*direction="out"\} (\d+)/,
    wakeups: /^samtale_media_wakeups_total\{.*\} (\d+)/,
    recv: /^samtale_media_recv_calls_total\{.*\} (\d+)/,
    send: /^samtale_media_send_calls_total\{.*\} (\d+)/,
    gso: /^samtale_media_gso_datagrams_total\{.*\} (\d+)/,
};

async function mediaCounters(srv) {
    if (typeof srv.request !== 'function') return null;
    const r = await srv.request('GET', '/metrics').catch(() => null);
    if (!r || r.status !== 200) return null;
    const c = Object.fromEntries(Object.keys(COUNTERS).map((k) => [k, 0]));
    for (const line of r.text.split('\n'))
        for (const [k, re] of Object.entries(COUNTERS)) {
            const m = re.exec(line);
            if (m) c[k] += Number(m[1]);
        }
    return c;
}

function perCall(a, b) {
    if (!a || !b) return null;
    const d = Object.fromEntries(Object.keys(a).map((k) => [k, b[k] - a[k]]));
    return {
        inPerWakeup: d.in / Math.max(1, d.wakeups),
        inPerRecv: d.in / Math.max(1, d.recv),
        outPerSend: d.out / Math.max(1, d.send),
        gsoShare: d.gso / Math.max(1, d.out),
        wakeupsPerSec: d.wakeups,
    };
}

async function steady(name, args, meetings, { perf = false, seconds = SECONDS } = {}) {
    return withServer(name, async (srv) => {
        log(`${name}: ${meetings} meetings ${args.join(' ')}`);
        let prof = null;
        let c0 = null;
        let t0 = 0;
        const onMeasuring = () => {
            t0 = Date.now();
            c0 = mediaCounters(srv);
            if (perf) prof = profile(srv.pid, Math.max(1, seconds - 2));
        };
        const r = await generate(srv, ['--meetings', String(meetings), '--parties', '3', '--warmup', WARMUP, ...args],
            { seconds, onMeasuring });
        if (r.failed) return { failed: r.failed };
        const f = figures(r);
        // From the start of the window to the generator's end (its teardown adds little).
        f.calls = perCall(await c0, await mediaCounters(srv));
        if (f.calls) f.calls.wakeupsPerSec /= Math.max(1, (Date.now() - t0) / 1000);
        if (prof) f.profile = await prof;
        return f;
    });
}

/* b: meetings stepped up until loss reaches the limit, a run fails, or the
 * generator's core is the limit. */
async function search(name) {
    const steps = STEPS;
    const tried = [];
    let best = null;
    let stop = 'the generator\'s largest run (200 meetings) passed';
    for (const m of steps) {
        const f = await steady(name, [...VIDEO, '--decode', '2'], m, { seconds: SEARCH_SECONDS });
        tried.push({ meetings: m, ...f });
        if (f.failed) { stop = `${m} meetings: the run failed (${f.failed})`; break; }
        log(`${name}: ${m} meetings: loss ${f.loss.toFixed(3)} %, server ${(f.serverCore * 100).toFixed(0)} % of a core, ` +
            `generator ${(f.genCore * 100).toFixed(0)} %`);
        if (f.loss >= LOSS_LIMIT_PCT || !f.streamsOk) {
            stop = `${m} meetings: loss ${f.loss.toFixed(2)} %${f.streamsOk ? '' : ', streams missing'}`;
            break;
        }
        best = { meetings: m, ...f };
        if (f.genCore >= GEN_SATURATED) {
            stop = `${m} meetings: the generator used ${(f.genCore * 100).toFixed(0)} % of its core (generator-limited)`;
            break;
        }
    }
    return { best, tried, stop };
}

/* d: against every server at once; a generator run of `perRun` meetings
 * starts every `every` seconds and lasts `life` seconds. */
async function churn(names) {
    const every = 20;
    const life = 45;
    const perRun = 4;
    const servers = [];
    for (const n of names) servers.push({ srv: await STARTERS[n](), samples: [], runs: [], live: new Set() });
    await sleep(2000);
    for (const s of servers) s.idleKb = rssKb(s.srv.pid);
    const t0 = Date.now();
    let nextStart = 0;
    let nextSample = 0;
    const started = [];
    while (Date.now() - t0 < CHURN_SECONDS * 1000) {
        const t = (Date.now() - t0) / 1000;
        if (t >= nextSample) {
            for (const s of servers) s.samples.push([t, rssKb(s.srv.pid)]);
            nextSample += 5;
        }
        if (t >= nextStart && t + life <= CHURN_SECONDS) {
            for (const s of servers) {
                const p = generate(s.srv, ['--meetings', String(perRun), '--parties', '3', ...VIDEO,
                    '--video-size', '320x180', '--video-bitrates', '60,150,400', '--decode', '10'],
                { seconds: life - 10 }).then((r) => { s.runs.push(r); });
                started.push(p);
            }
            nextStart += every;
        }
        await sleep(250);
    }
    await Promise.all(started);
    await sleep(5000);
    const out = [];
    for (const s of servers) {
        const endKb = rssKb(s.srv.pid);
        await s.srv.stop();
        out.push({ name: s.srv.name, idleKb: s.idleKb, endKb, samples: s.samples, runs: s.runs, perRun, every, life });
    }
    return out;
}

/* ---- the tables ---- */

const fmt = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));

function steadyTable(rows, probeNs) {
    const head = '| server | participants | forwarded pkt/s | forwarded Mbit/s | loss | delay p50 / p99 | ' +
        'join → first packet / first decoded frame p50 | server CPU (media worker) | µs per forwarded packet | × probe | RSS | generator CPU | checks |\n' +
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n';
    return head + rows.map(([name, f]) => {
        if (f.failed) return `| ${name} | failed: ${f.failed.replace(/\|/g, '/')} |||||||||||\n`;
        const checks = `${f.streamsOk ? 'all streams' : 'streams missing'}, ${f.decodeErrors} decode errors, ${f.corrupt} corrupt frames, UDP receive-buffer drops: ${f.udpServer} at the server, ${f.udpRcvbuf - f.udpServer} at the generator` +
            (Object.keys(f.layers).length ? `; cameras ended on layer ${Object.entries(f.layers).map(([l, n]) => `${l}: ${n}`).join(', ')}` : '');
        return `| ${name} | ${f.participants} | ${Math.round(f.fwdPps)} | ${fmt(f.fwdMbps)} | ${fmt(f.loss, 3)} % | ` +
            `${fmt(f.p50, 2)} / ${fmt(f.p99, 2)} ms | ${fmt(f.joinP50, 0)} / ${fmt(f.firstFrameP50, 0)} ms | ${fmt(f.serverCore * 100, 0)} % ` +
            `${f.workerCore === null ? "" : `(${fmt(f.workerCore * 100, 0)} %)`} | ${fmt(f.usPerPkt, 2)} | ${fmt(f.usPerPkt * 1000 / probeNs, 1)} | ` +
            `${fmt(f.rssMb, 0)} MB | ${fmt(f.genCore * 100, 0)} % | ${checks} |\n`;
    }).join('') + `| limit probe | (same packet rate) | | | | | | ${rows.filter(([, f]) => !f.failed).map(([n, f]) =>
        `${fmt(f.fwdPps * probeNs / 1e7, 0)} % at ${n}'s rate`).join(', ')} | ${fmt(probeNs / 1000, 2)} | 1.0 | | | |\n`;
}

function searchTable(results, probeNs) {
    let t = '| server | most meetings at < 0.5 % loss | forwarded pkt/s there | server CPU there | µs per forwarded packet | meetings per core (extrapolated from µs/pkt) | delay p50 / p99 at about half of it | why the search stopped |\n' +
        '| --- | --- | --- | --- | --- | --- | --- | --- |\n';
    for (const [name, r] of results) {
        const b = r.best;
        if (!b) { t += `| ${name} | none | | | | | | ${r.stop} |\n`; continue; }
        const perMeeting = b.fwdPps / b.meetings;
        const perCore = 1e6 / (b.usPerPkt * perMeeting);
        const ok = r.tried.filter((x) => !x.failed && x.meetings <= b.meetings);
        const half = ok.reduce((a, x) => (Math.abs(x.meetings - b.meetings / 2) < Math.abs(a.meetings - b.meetings / 2) ? x : a), ok[0]);
        t += `| ${name} | ${b.meetings} | ${Math.round(b.fwdPps)} | ${fmt(b.serverCore * 100, 0)} % | ${fmt(b.usPerPkt, 2)} | ` +
            `${fmt(perCore, 0)} | ${fmt(half.p50, 2)} / ${fmt(half.p99, 2)} ms (${half.meetings} meetings) | ${r.stop.replace(/\|/g, '/')} |\n`;
    }
    const any = results.find(([, r]) => r.best);
    if (any) {
        const perMeeting = any[1].best.fwdPps / any[1].best.meetings;
        t += `| limit probe | | | | ${fmt(probeNs / 1000, 2)} | ${fmt(1e9 / (probeNs * perMeeting), 0)} | | the probe's cost per packet |\n`;
    }
    t += '\nSteps (meetings: loss, server CPU, generator CPU, UDP receive-buffer drops at the server / at the generator):\n\n';
    for (const [name, r] of results) {
        t += `* ${name}: ` + r.tried.map((s) => s.failed ? `${s.meetings}: failed`
            : `${s.meetings}: ${fmt(s.loss, 2)} %, ${fmt(s.serverCore * 100, 0)} %, ${fmt(s.genCore * 100, 0)} %, ${s.udpServer} / ${s.udpRcvbuf - s.udpServer}`).join('; ') + '\n';
    }
    return t;
}

/* Least-squares slope of RSS over time, in kB per minute. */
function slopeKbPerMin(samples) {
    const n = samples.length;
    if (n < 2) return 0;
    const mx = samples.reduce((a, [x]) => a + x, 0) / n;
    const my = samples.reduce((a, [, y]) => a + y, 0) / n;
    let num = 0;
    let den = 0;
    for (const [x, y] of samples) { num += (x - mx) * (y - my); den += (x - mx) ** 2; }
    return den ? (num / den) * 60 : 0;
}

function churnTable(results) {
    let t = '| server | generator runs (ok / failed) | meetings started and ended | RSS idle → at 2 min → max → last sample → after the last run | RSS slope after 2 min | loss (mean of runs) | decode errors / corrupt frames | first failure |\n' +
        '| --- | --- | --- | --- | --- | --- | --- | --- |\n';
    for (const r of results) {
        const ok = r.runs.filter((x) => !x.failed);
        const failed = r.runs.length - ok.length;
        const after2 = r.samples.filter(([x]) => x >= 120);
        const at2 = after2.length ? after2[0][1] : NaN;
        const max = Math.max(...r.samples.map(([, y]) => y));
        const last = r.samples.length ? r.samples[r.samples.length - 1][1] : NaN;
        const loss = ok.length ? ok.reduce((a, x) => a + x.loss_pct, 0) / ok.length : NaN;
        const dec = ok.reduce((a, x) => a + x.decode_errors + (x.video ? x.video.decode_errors : 0), 0);
        const cor = ok.reduce((a, x) => a + (x.video ? x.video.corrupt : 0), 0);
        const mb = (kb) => fmt(kb / 1024, 1);
        t += `| ${r.name} | ${ok.length} / ${failed} | ${r.runs.length * r.perRun} | ${mb(r.idleKb)} → ${mb(at2)} → ${mb(max)} → ` +
            `${mb(last)} → ${mb(r.endKb)} MB | ${fmt(slopeKbPerMin(after2), 0)} kB/min | ${fmt(loss, 3)} % | ${dec} / ${cor} | ` +
            `${(r.runs.find((x) => x.failed)?.failed ?? '–').replace(/\|/g, '/').slice(0, 300)} |\n`;
    }
    return t;
}

/* The issue's targets against what this run measured (samtale's figures;
 * "–" where the scenario did not run). */
function targets(got, probeNs) {
    const rows = [];
    const sam = (list) => list?.find(([n]) => n === 'samtale')?.[1];
    const jan = (list) => list?.find(([n]) => n === 'janus')?.[1];
    const b = sam(got.b)?.best;
    const jb = jan(got.b)?.best;
    if (b) {
        const pps = 1e6 / b.usPerPkt;
        rows.push(['≥ 200,000 forwarded packets/s per worker core', `${Math.round(pps)} (from ${fmt(b.usPerPkt, 2)} µs per packet at ${b.meetings} meetings)`]);
        rows.push(['within 1.25× of the limit probe', `${fmt(b.usPerPkt * 1000 / probeNs, 2)}×`]);
        const half = sam(got.b).tried.filter((x) => !x.failed && x.meetings <= b.meetings)
            .reduce((a, x) => (Math.abs(x.meetings - b.meetings / 2) < Math.abs(a.meetings - b.meetings / 2) ? x : a));
        rows.push(['forwarding delay p99 < 2 ms at half the maximum load', `${fmt(half.p99, 2)} ms at ${half.meetings} meetings (end to end through the generator)`]);
    }
    if (b && jb) {
        const perCore = (x) => 1e6 / (x.usPerPkt * (x.fwdPps / x.meetings));
        rows.push(['≥ 5× the meetings per core of Janus at the same loss threshold',
            `${fmt(b.meetings / jb.meetings, 1)}× measured (${b.meetings} vs ${jb.meetings}); ${fmt(perCore(b) / perCore(jb), 1)}× by CPU per packet`]);
    }
    const a = sam(got.a);
    if (a && !a.failed) rows.push(['join to first decoded frame p50 < 1 s, 150 participants joining at once', `${fmt(a.firstFrameP50, 0)} ms in (a)`]);
    const d = got.d?.find((x) => x.name === 'samtale');
    const firsts = (d?.runs ?? []).filter((x) => !x.failed && x.video).map((x) => x.video.join_to_first_frame_p50_us / 1000)
        .sort((x, y) => x - y);
    if (firsts.length) {
        rows.push(['join to first decoded frame p50 < 1 s, meetings joining a running server',
            `${fmt(firsts[(firsts.length - 1) >> 1], 0)} ms (median of the churn runs' p50s; 12 participants join at once)`]);
    }
    if (d) rows.push(['flat RSS over the churn run', `${fmt(slopeKbPerMin(d.samples.filter(([x]) => x >= 120)), 0)} kB/min after the first 2 min`]);
    if (!rows.length) return '';
    return '### Targets (samtale, this run)\n\n| target | measured |\n| --- | --- |\n' +
        rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n') + '\n';
}

/* ---- main ---- */

function machine() {
    const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m) ?? [])[1] ?? 'unknown CPU';
    const git = spawnSync('git', ['-C', ROOT, 'describe', '--always', '--dirty'], { encoding: 'utf8' }).stdout.trim();
    const janus = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'janus'], { encoding: 'utf8' }).stdout.trim();
    return `${os.cpus().length} vCPUs (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}, ` +
        `commit ${git}, Janus ${janus || 'not installed'}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

for (const f of [LOAD_BIN, PROBE_BIN, process.env.SAMTALE_BIN]) {
    if (!fs.existsSync(path.resolve(ROOT, f))) die(`${f} does not exist (make MODE=release)`);
}
if (os.cpus().length < 2) die('needs two CPUs: the server on one, the generator on the other');
for (const s of SERVERS) if (!STARTERS[s]) die(`unknown server ${s}`);

const started = Date.now();
const md = [];
const command = `sh tests/bench/capacity.sh ${process.argv.slice(2).join(' ')}`.trim();
md.push(`Command: \`${command}\` (as root; \`make bench-capacity\`, the last step of \`make bench\`, runs it with \`--perf --write docs/BENCHMARKS.md\`). Machine: ${machine()}.`);
md.push(`Server pinned to CPU ${SERVER_CPU} (samtale: one media worker; Janus: the whole process), generator (release build, ` +
    `one media thread) pinned to CPU ${GEN_CPU}; each steady run measures ${SECONDS} s (b's steps ${SEARCH_SECONDS} s), ` +
    `${WARMUP} s after everyone's media flows. ` +
    'Video: 640×360 at 30 fps in three simulcast layers (100/300/800 kbit/s), Opus 32 kbit/s, 20 ms; ' +
    'both servers forward the top layer. "× probe" is the server\'s CPU per forwarded packet over the limit probe\'s ' +
    '(GSO variant, median of 3 rounds, three-party shape of 1100–1200-byte packets).');

log('limit probe');
const pr = probe();
md.push(`Limit probe: ${fmt(pr.gsoNs, 0)} ns per forwarded packet with GSO, ${fmt(pr.plainNs, 0)} ns with plain sendmmsg.`);

const got = {}; // per scenario, for the targets
if (SCENARIOS.includes('a')) {
    const rows = [];
    got.a = rows;
    for (const s of SERVERS) rows.push([s, await steady(s, [...VIDEO, '--decode', '5'], 50, { perf: PERF && s === 'samtale' })]);
    md.push(`### (a) 50 three-party meetings, simulcast video and audio\n\n${steadyTable(rows, pr.gsoNs)}`);
    for (const [s, f] of rows) {
        if (f.profile) {
            if (f.calls)
                md.push(`What samtale's media worker did per wakeup and system call in (a) (its /metrics counters over the window): ` +
                    `${fmt(f.calls.wakeupsPerSec, 0)} wakeups/s, ${fmt(f.calls.inPerWakeup, 1)} datagrams received per wakeup, ` +
                    `${fmt(f.calls.inPerRecv, 1)} per recvmmsg, ${fmt(f.calls.outPerSend, 1)} sent per send call, ` +
                    `${fmt(f.calls.gsoShare * 100, 0)} % of datagrams sent in GSO runs.`);
            md.push(`Where ${s}'s time went in (a) (\`perf record -F 499 -g\` on the process through the window; ` +
                `\`perf report --no-children --sort dso,symbol\`, entries ≥ 1.5 % of samples):\n\n\`\`\`\n${f.profile}\n\`\`\``);
        }
    }
}
if (SCENARIOS.includes('b')) {
    const res = [];
    got.b = res;
    for (const s of SERVERS) res.push([s, await search(s)]);
    md.push(`### (b) The most three-party meetings on one core at < ${LOSS_LIMIT_PCT} % loss (video as in a)\n\n${searchTable(res, pr.gsoNs)}`);
}
if (SCENARIOS.includes('c')) {
    const rows = [];
    for (const s of SERVERS) rows.push([s, await steady(s, ['--decode', '10'], 150)]);
    md.push(`### (c) Audio only: 150 three-party meetings\n\n${steadyTable(rows, pr.gsoNs)}`);
}
if (SCENARIOS.includes('d')) {
    const res = await churn(SERVERS);
    got.d = res;
    md.push(`### (d) Churn for ${CHURN_SECONDS} s\n\nBoth servers at once (each on CPU ${SERVER_CPU}); for each, a ` +
        `generator run of ${res[0].perRun} three-party meetings (320×180 video, Opus) starts every ${res[0].every} s and ` +
        `ends after about ${res[0].life} s (login, meetings created, joined, media, hosts end the meetings). RSS sampled every 5 s.\n\n` +
        churnTable(res));
}
md.push(targets(got, pr.gsoNs));
md.push(`The whole run took ${fmt((Date.now() - started) / 60000, 1)} min.`);

const text = md.join('\n\n') + '\n';
process.stdout.write(`\n${text}`);
if (WRITE) {
    const file = path.resolve(ROOT, WRITE);
    const doc = fs.readFileSync(file, 'utf8');
    const begin = '<!-- capacity:begin (written by make bench) -->';
    const end = '<!-- capacity:end -->';
    const i = doc.indexOf(begin);
    const j = doc.indexOf(end);
    if (i < 0 || j < i) die(`${WRITE} has no capacity markers`);
    fs.writeFileSync(file, doc.slice(0, i + begin.length) + '\n' + text + doc.slice(j));
    log(`wrote ${WRITE}`);
}
