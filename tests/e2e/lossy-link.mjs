// One participant on its own, impaired link, for end-to-end tests that run
// inside tests/e2e/netns-run.sh's namespace (the "test namespace"):
//
//   test namespace                          lossy namespace (made here)
//   server on 127.0.0.1 ─ relay/proxy on 10.213.0.1 ══veth══ 10.213.0.2 ─ Chromium
//
// - LossyNamespace: a second network namespace joined to the test namespace
//   by a veth pair (10.213.0.0/30, test-only addresses in namespaces we
//   create; neither has any other route). delete() removes it by name; it is
//   also removed when the process exits.
// - UdpImpairer: this kernel has no netem qdisc (tc answers "Specified qdisc
//   kind is unknown"; no fq either, so no EDT/BPF delay), so loss and delay
//   are applied in user space: a relay on 10.213.0.1:PORT for each of the
//   server's UDP media ports forwards to 127.0.0.1:PORT, dropping each
//   datagram with probability `loss` (independently) and holding it
//   `delayMs` (in order, no queue limit), in both directions (like netem on
//   both ends of the veth); `loss` may be {up, down} to impair one
//   direction only ("up": from the lossy participant to the server).
//   `rate` {up, down} (bits/s, 0 = none; setRate() changes it while running)
//   limits a direction like a slow link: a token bucket one datagram deep
//   (so nothing bursts past the rate: each datagram leaves when the one
//   before it has been "on the wire" for its size at the rate; a datagram
//   counts its UDP payload plus 28 bytes of IPv4 and UDP headers) with a
//   drop-tail queue of `queueMs` worth of bytes in front of it. It
//   runs in a worker thread, so the test's own work does not delay
//   datagrams; describe() reports how late it forwarded them. The server
//   announces 10.213.0.1 as a second media address
//   (media_public_addresses), so the lossy browser's ICE checks go through
//   the relay; the server sees the relay's 127.0.0.1 address as the peer.
// - TcpProxy: HTTPS/WSS from the lossy namespace to the server (which
//   listens on 127.0.0.1 only) through 10.213.0.1:PORT, unimpaired.
// - launchChromiumIn(ns): Debian's Chromium started inside the namespace
//   (`ip netns exec NS /usr/bin/chromium` as playwright's executable).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { chromium } from 'playwright-core';

export const LINK = { server: '10.213.0.1', lossy: '10.213.0.2', prefix: 30 };

const FLAGS = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    '--allow-loopback-in-peer-connection',
    '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows', '--mute-audio',
];

function run(cmd, args) {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10000 });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.error ?? ''}`);
    return r.stdout;
}

export class LossyNamespace {
    constructor(name = `samtale-lossy-${process.pid}`) {
        this.name = name;
        this.hostIf = 'st-srv0'; // in the test namespace (private to this test file)
        this.nsIf = 'st-lossy0';
        this.deleted = false;
        this.onExit = () => this.delete();
        this.onSignal = (sig) => {
            this.delete();
            process.kill(process.pid, sig); // the default action, now that the handler is gone
        };
    }

    exec(...args) {
        return run('ip', ['netns', 'exec', this.name, ...args]);
    }

    create() {
        if (!process.env.SAMTALE_NETNS) throw new Error('LossyNamespace runs inside tests/e2e/netns-run.sh');
        process.on('exit', this.onExit);
        for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(sig, this.onSignal);
        run('ip', ['netns', 'add', this.name]);
        try {
            run('ip', ['link', 'add', this.hostIf, 'type', 'veth', 'peer', 'name', this.nsIf]);
            run('ip', ['link', 'set', this.nsIf, 'netns', this.name]);
            // No IPv6 on the link: its link-local addresses would appear a moment
            // after the link comes up, and Chromium aborts requests under way
            // with ERR_NETWORK_CHANGED when an address changes.
            const noV6 = (dev) => `f=/proc/sys/net/ipv6/conf/${dev}/disable_ipv6; [ ! -e $f ] || echo 1 > $f`;
            run('sh', ['-c', noV6(this.hostIf)]);
            this.exec('sh', '-c', noV6(this.nsIf));
            run('ip', ['addr', 'add', `${LINK.server}/${LINK.prefix}`, 'dev', this.hostIf]);
            run('ip', ['link', 'set', this.hostIf, 'up']);
            this.exec('ip', 'link', 'set', 'lo', 'up');
            this.exec('ip', 'addr', 'add', `${LINK.lossy}/${LINK.prefix}`, 'dev', this.nsIf);
            this.exec('ip', 'link', 'set', this.nsIf, 'up');
        } catch (e) {
            this.delete();
            throw e;
        }
        return this;
    }

    /** Deletes the namespace by name (its veth pair goes with it); safe to call twice. */
    delete() {
        if (this.deleted) return;
        this.deleted = true;
        process.off('exit', this.onExit);
        for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.off(sig, this.onSignal);
        spawnSync('ip', ['netns', 'delete', this.name], { timeout: 10000 });
        spawnSync('ip', ['link', 'delete', this.hostIf], { timeout: 10000, stdio: 'ignore' }); // normally gone already
    }
}

// Shared counters of the relay thread (Float64Array slots).
const C = { upSeen: 0, upDropped: 1, downSeen: 2, downDropped: 3, lateN: 4, lateSum: 5, lateMax: 6, lateOver10: 7, upBytes: 8, downBytes: 9, upQueueDropped: 10, downQueueDropped: 11 };
const N_COUNTERS = 12;
const IP_UDP_BYTES = 28;

/*
 * The relay itself, run in a worker thread (eval'd from its source text, so
 * it must be self-contained) so that it keeps time while the test's main
 * thread is busy with the browsers: {ports, listenAddr, targetAddr, loss,
 * delayMs, seed, counters} come in as workerData; 'ready' / 'error:...'
 * go back; 'close' ends it.
 */
function relayThread() {
    /* eslint-disable no-undef */
    const { parentPort, workerData } = require('node:worker_threads');
    const dgram = require('node:dgram');
    const { ports, listenAddr, targetAddr, loss, delayMs, seed, queueMs } = workerData;
    const n = new Float64Array(workerData.counters);
    const C = { upSeen: 0, upDropped: 1, downSeen: 2, downDropped: 3, lateN: 4, lateSum: 5, lateMax: 6, lateOver10: 7, upBytes: 8, downBytes: 9, upQueueDropped: 10, downQueueDropped: 11 };
    const IP_UDP_BYTES = 28;
    // mulberry32: a run's losses can be replayed with its seed.
    let a = seed >>> 0;
    const random = () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const sockets = [];
    const flows = new Map(); // "port|addr:port" -> upstream socket
    let closed = false;
    // Loss: independent per datagram; delay: fixed, in arrival order (one
    // FIFO per direction, so nothing is reordered), no queue limit.
    const queues = { up: [], down: [] };
    const timers = { up: null, down: null };
    const flush = (dir) => {
        timers[dir] = null;
        const q = queues[dir];
        const now = performance.now();
        while (q.length && q[0].due <= now + 0.5) {
            const item = q.shift();
            const late = Math.max(0, now - item.due);
            n[C.lateN]++;
            n[C.lateSum] += late;
            if (late > n[C.lateMax]) n[C.lateMax] = late;
            if (late > 10) n[C.lateOver10]++;
            if (!closed) item.send();
        }
        if (q.length) timers[dir] = setTimeout(flush, Math.max(0, q[0].due - performance.now()), dir);
    };
    const delayed = (dir, send) => {
        queues[dir].push({ due: performance.now() + delayMs, send });
        if (!timers[dir]) timers[dir] = setTimeout(flush, delayMs, dir);
    };
    // The rate limit: per direction a FIFO of {bytes, send} drained at
    // `rate` bit/s, one datagram at a time ("free" is when the link is idle
    // again), dropping at the tail when `queueMs` worth of bytes wait.
    const links = {
        up: { rate: workerData.rate.up, free: 0, queue: [], bytes: 0, timer: null },
        down: { rate: workerData.rate.down, free: 0, queue: [], bytes: 0, timer: null },
    };
    const drain = (dir) => {
        const l = links[dir];
        l.timer = null;
        let now = performance.now();
        while (l.queue.length) {
            if (l.rate > 0 && l.free > now + 0.5) break;
            const item = l.queue.shift();
            l.bytes -= item.bytes;
            l.free = Math.max(l.free, now) + (l.rate > 0 ? (item.bytes * 8 * 1000) / l.rate : 0);
            if (!closed) delayed(dir, item.send);
            now = performance.now();
        }
        if (l.queue.length) l.timer = setTimeout(drain, Math.max(0, l.free - now), dir);
    };
    const limited = (dir, size, send) => {
        const l = links[dir];
        const bytes = size + IP_UDP_BYTES;
        n[dir === 'up' ? C.upBytes : C.downBytes] += bytes;
        if (l.rate <= 0 && !l.queue.length) {
            delayed(dir, send);
            return;
        }
        if (l.rate > 0 && l.bytes + bytes > (l.rate * queueMs) / 8000) {
            n[dir === 'up' ? C.upQueueDropped : C.downQueueDropped]++;
            return;
        }
        l.queue.push({ bytes, send });
        l.bytes += bytes;
        if (!l.timer) drain(dir);
    };
    const impair = (dir, size, send) => {
        n[dir === 'up' ? C.upSeen : C.downSeen]++;
        if (random() < loss[dir]) {
            n[dir === 'up' ? C.upDropped : C.downDropped]++;
            return;
        }
        limited(dir, size, send);
    };
    let pending = ports.length;
    for (const port of ports) {
        const front = dgram.createSocket('udp4');
        sockets.push(front);
        front.once('error', (e) => parentPort.postMessage(`error:${port}: ${e.message}`));
        front.on('message', (msg, rinfo) => {
            const key = `${port}|${rinfo.address}:${rinfo.port}`;
            let up = flows.get(key);
            if (!up) {
                up = dgram.createSocket('udp4');
                up.on('error', () => {});
                up.on('message', (back) => impair('down', back.length, () => front.send(back, rinfo.port, rinfo.address)));
                up.bind(0, targetAddr);
                flows.set(key, up);
                sockets.push(up);
            }
            impair('up', msg.length, () => up.send(msg, port, targetAddr));
        });
        front.bind(port, listenAddr, () => {
            front.removeAllListeners('error');
            front.on('error', () => {});
            if (--pending === 0) parentPort.postMessage('ready');
        });
    }
    parentPort.on('message', (m) => {
        if (m && m.rate) {
            for (const dir of ['up', 'down']) {
                links[dir].rate = m.rate[dir];
                if (links[dir].timer) clearTimeout(links[dir].timer);
                drain(dir);
            }
            return;
        }
        if (m !== 'close') return;
        for (const l of Object.values(links)) if (l.timer) clearTimeout(l.timer);
        closed = true;
        for (const t of Object.values(timers)) if (t) clearTimeout(t);
        for (const s of sockets) {
            try { s.close(); } catch { /* closed */ }
        }
        parentPort.close();
    });
}

/**
 * UDP relay with loss and delay between `listenAddr`:PORT and
 * `targetAddr`:PORT for each of `ports`; one upstream socket per client
 * address, so the server sees each client as its own 127.0.0.1 peer. It
 * runs in a thread of its own: on the test's main thread, playwright's
 * traffic delayed datagrams by tens of milliseconds (reported by describe()
 * as "late").
 */
export class UdpImpairer {
    constructor({ ports, listenAddr = LINK.server, targetAddr = '127.0.0.1', loss = 0.07, delayMs = 50, seed = Date.now() & 0xffffffff, rate = { up: 0, down: 0 }, queueMs = 500 }) {
        Object.assign(this, { ports, listenAddr, targetAddr, delayMs, seed, queueMs });
        this.rate = { up: rate.up ?? 0, down: rate.down ?? 0 };
        this.loss = typeof loss === 'number' ? { up: loss, down: loss } : { up: loss.up ?? 0, down: loss.down ?? 0 };
        for (const p of Object.values(this.loss)) {
            if (!(p >= 0 && p < 1)) throw new Error(`loss must be in [0, 1): ${JSON.stringify(loss)}`);
        }
        this.shared = new SharedArrayBuffer(N_COUNTERS * 8);
        this.n = new Float64Array(this.shared);
        this.worker = null;
    }

    async start() {
        const { ports, listenAddr, targetAddr, loss, delayMs, seed, rate, queueMs } = this;
        this.worker = new Worker(`(${relayThread.toString()})()`, {
            eval: true,
            workerData: { ports, listenAddr, targetAddr, loss, delayMs, seed, rate, queueMs, counters: this.shared },
        });
        await new Promise((resolve, reject) => {
            this.worker.once('error', reject);
            this.worker.on('message', (m) => {
                if (m === 'ready') resolve();
                else if (String(m).startsWith('error:')) reject(new Error(`relay: ${m}`));
            });
        });
        return this;
    }

    /** Changes the rate limit per direction (bits/s, 0 = none) while running. */
    setRate({ up = 0, down = 0 }) {
        this.rate = { up, down };
        this.worker?.postMessage({ rate: this.rate });
    }

    /**
     * Datagrams seen and dropped (at random, and by a full rate-limit queue)
     * per direction ("up": towards the server), and bytes offered (with
     * IPv4 and UDP headers).
     */
    get counts() {
        const n = this.n;
        return {
            up: { seen: n[C.upSeen], dropped: n[C.upDropped], queueDropped: n[C.upQueueDropped], bytes: n[C.upBytes] },
            down: { seen: n[C.downSeen], dropped: n[C.downDropped], queueDropped: n[C.downQueueDropped], bytes: n[C.downBytes] },
        };
    }

    /** How late the relay forwarded datagrams, beyond delayMs: its own jitter. */
    get late() {
        const n = this.n;
        return { n: n[C.lateN], avgMs: n[C.lateSum] / Math.max(1, n[C.lateN]), maxMs: n[C.lateMax], over10: n[C.lateOver10] };
    }

    /** Percent dropped per direction and the relay's own lateness, for the figures. */
    describe() {
        const c = this.counts;
        const l = this.late;
        const pct = (x) => (x.seen ? ((100 * x.dropped) / x.seen).toFixed(1) : '0');
        return `relay: up ${c.up.seen} datagrams, ${pct(c.up)}% dropped; down ${c.down.seen}, ${pct(c.down)}% dropped; ` +
            `delay ${this.delayMs} ms each way (late by ${l.avgMs.toFixed(1)} ms on average, ${l.maxMs.toFixed(0)} ms at most, ` +
            `${l.over10} datagrams by over 10 ms); seed ${this.seed}`;
    }

    close() {
        if (!this.worker) return;
        this.worker.postMessage('close');
        this.worker.unref();
        this.worker = null;
    }
}

/** Plain TCP forwarding from listenAddr:listenPort to targetAddr:targetPort (HTTPS and WSS pass through). */
export class TcpProxy {
    constructor({ listenAddr = LINK.server, listenPort = 0, targetAddr = '127.0.0.1', targetPort }) {
        Object.assign(this, { listenAddr, listenPort, targetAddr, targetPort });
        this.sockets = new Set();
    }

    async start() {
        this.server = net.createServer((client) => {
            const upstream = net.connect(this.targetPort, this.targetAddr);
            for (const s of [client, upstream]) {
                this.sockets.add(s);
                s.on('close', () => this.sockets.delete(s));
                s.on('error', () => { client.destroy(); upstream.destroy(); });
            }
            client.pipe(upstream);
            upstream.pipe(client);
        });
        await new Promise((resolve, reject) => {
            this.server.once('error', reject);
            this.server.listen(this.listenPort, this.listenAddr, resolve);
        });
        this.port = this.server.address().port;
        return this;
    }

    get origin() {
        return `https://${this.listenAddr}:${this.port}`;
    }

    close() {
        for (const s of this.sockets) s.destroy();
        this.server?.close();
    }
}

/** Chromium inside namespace `ns` (a playwright BrowserContext); close() removes its profile and wrapper. */
export async function launchChromiumIn(ns, { extraArgs = [] } = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samtale-chromium-ns-'));
    const wrapper = path.join(dir, 'chromium-in-ns.sh');
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} /usr/bin/chromium "$@"\n`, { mode: 0o755 });
    const profile = path.join(dir, 'profile');
    fs.mkdirSync(profile);
    let context;
    try {
        context = await chromium.launchPersistentContext(profile, {
            executablePath: wrapper,
            headless: true,
            args: [...FLAGS, ...extraArgs],
            ignoreHTTPSErrors: true,
            viewport: { width: 360, height: 640 },
            locale: 'da-DK', // the tests read Danish
        });
    } catch (e) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw e;
    }
    const close = context.close.bind(context);
    context.close = async () => {
        try { await close(); } finally { fs.rmSync(dir, { recursive: true, force: true }); }
    };
    return context;
}

/** The server's UDP media ports, from its log ("worker N: udp ADDR port P, tcp port T"). */
export function serverUdpPorts(server) {
    const ports = [];
    for (const [, line] of server.log) {
        const m = line.match(/worker \d+: udp \S+ port (\d+)/);
        if (m) ports.push(Number(m[1]));
    }
    return [...new Set(ports)];
}
