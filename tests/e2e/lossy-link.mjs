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
//   datagram with probability `loss` and holding it `delayMs`, in both
//   directions, independently (like netem on both ends of the veth). The
//   server announces 10.213.0.1 as a second media address
//   (media_public_addresses), so the lossy browser's ICE checks go through
//   the relay; the server sees the relay's 127.0.0.1 address as the peer.
// - TcpProxy: HTTPS/WSS from the lossy namespace to the server (which
//   listens on 127.0.0.1 only) through 10.213.0.1:PORT, unimpaired.
// - launchChromiumIn(ns): Debian's Chromium started inside the namespace
//   (`ip netns exec NS /usr/bin/chromium` as playwright's executable).
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
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

/** A small seeded PRNG (mulberry32), so a run's losses can be replayed with its seed. */
function prng(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/**
 * UDP relay with loss and delay between `listenAddr`:PORT and
 * `targetAddr`:PORT for each of `ports`; one upstream socket per client
 * address, so the server sees each client as its own 127.0.0.1 peer.
 */
export class UdpImpairer {
    constructor({ ports, listenAddr = LINK.server, targetAddr = '127.0.0.1', loss = 0.07, delayMs = 50, seed = Date.now() & 0xffffffff }) {
        Object.assign(this, { ports, listenAddr, targetAddr, loss, delayMs, seed });
        this.random = prng(seed);
        this.fronts = [];
        this.flows = new Map(); // "port|addr:port" → upstream socket
        this.timers = new Set();
        this.closed = false;
        this.counts = { up: { seen: 0, dropped: 0 }, down: { seen: 0, dropped: 0 } };
    }

    async start() {
        for (const port of this.ports) {
            const front = dgram.createSocket('udp4');
            await new Promise((resolve, reject) => {
                front.once('error', reject);
                front.bind(port, this.listenAddr, () => { front.off('error', reject); resolve(); });
            });
            front.on('error', () => {});
            front.on('message', (msg, rinfo) => this.fromClient(front, port, msg, rinfo));
            this.fronts.push(front);
        }
        return this;
    }

    impair(dir, send) {
        const c = this.counts[dir];
        c.seen++;
        if (this.random() < this.loss) {
            c.dropped++;
            return;
        }
        const t = setTimeout(() => {
            this.timers.delete(t);
            if (!this.closed) send();
        }, this.delayMs);
        this.timers.add(t);
    }

    fromClient(front, port, msg, rinfo) {
        const key = `${port}|${rinfo.address}:${rinfo.port}`;
        let up = this.flows.get(key);
        if (!up) {
            up = dgram.createSocket('udp4');
            up.on('error', () => {});
            up.on('message', (back) => this.impair('down', () => front.send(back, rinfo.port, rinfo.address)));
            up.bind(0, this.targetAddr);
            this.flows.set(key, up);
        }
        this.impair('up', () => up.send(msg, port, this.targetAddr));
    }

    /** Percent dropped per direction, for the figures. */
    describe() {
        const pct = (c) => (c.seen ? ((100 * c.dropped) / c.seen).toFixed(1) : '0');
        return `relay: up ${this.counts.up.seen} datagrams, ${pct(this.counts.up)}% dropped; down ${this.counts.down.seen}, ${pct(this.counts.down)}% dropped; ` +
            `delay ${this.delayMs} ms each way; seed ${this.seed}`;
    }

    close() {
        this.closed = true;
        for (const t of this.timers) clearTimeout(t);
        this.timers.clear();
        for (const s of [...this.fronts, ...this.flows.values()]) {
            try { s.close(); } catch { /* closed */ }
        }
        this.fronts = [];
        this.flows.clear();
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
export async function launchChromiumIn(ns) {
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
            args: FLAGS,
            ignoreHTTPSErrors: true,
            viewport: { width: 360, height: 640 },
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
