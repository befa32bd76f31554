// Helpers for the integration tests: start the real samtale binary on a free
// port with a temporary data directory, talk to it over HTTPS and WSS (with
// certificate verification against the development CA), and stop it by PID.
//
// Used by tests/integration/*.test.mjs, run from the repository root as
//   SAMTALE_BIN=build/debug/samtale node --test tests/integration/X.test.mjs

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { after, afterEach } from 'node:test';
import WebSocket from 'ws';

export { sleep };

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.resolve(REPO_ROOT, process.env.SAMTALE_BIN || 'build/debug/samtale');
export const CA_PATH = path.join(REPO_ROOT, 'certs/dev/ca.pem');
export const CA = fs.readFileSync(CA_PATH);

export const HOST = '127.0.0.1';
export const DEFAULT_TIMEOUT = 5000;

const SERVERS = new Set();

/** A free TCP port on 127.0.0.1 (listen on port 0, read it, close). */
export function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on('error', reject);
        srv.listen(0, HOST, () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

/** Runs the samtale CLI synchronously (e.g. `user add`) and returns the result. */
export function cli(args, { input, dataDir } = {}) {
    const full = dataDir ? [...args, '--data', dataDir] : args;
    const r = spawnSync(BIN, full, {
        cwd: REPO_ROOT,
        input: input ?? '',
        encoding: 'utf8',
        timeout: 20000,
    });
    return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

function configText(config) {
    return Object.entries(config).map(([k, v]) => `${k} = ${v}\n`).join('');
}

/**
 * One samtale server process. `new Server({config: {resume_seconds: 5}})`,
 * then `await server.start()`. `config` becomes a `key = value` file passed
 * with --config. The data directory survives stop() so the same instance can
 * be started again (restart tests); cleanup() stops and removes it.
 */
export class Server {
    constructor({ config = null, name = 'samtale', webRoot = 'web-client', env = null } = {}) {
        this.name = name;
        this.env = env; // extra environment variables of the process
        // Ephemeral media ports, so servers never collide with each other.
        this.config = { media_port_min: 0, media_port_max: 0, workers: 2, ...(config ?? {}) };
        config = this.config;
        this.webRoot = webRoot;
        this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'samtale-it-'));
        this.configPath = null;
        {
            this.configPath = path.join(this.dataDir, 'test.conf');
            fs.writeFileSync(this.configPath, configText(config));
        }
        this.proc = null;
        this.port = null;
        this.log = []; // [stream, line] from every run of this instance
        this.stdoutText = '';
        this.exit = null; // {code, signal} of the last run
        this.starts = 0;
        SERVERS.add(this);
    }

    get origin() {
        return `https://${HOST}:${this.port}`;
    }

    get wsUrl() {
        return `wss://${HOST}:${this.port}/ws`;
    }

    get running() {
        return this.proc !== null && this.exit === null;
    }

    /** Starts the server (on a new free port unless keepPort) and waits for /healthz. */
    async start({ keepPort = false, timeoutMs = 10000 } = {}) {
        assert.ok(fs.existsSync(BIN), `server binary ${BIN} does not exist (build it with make)`);
        if (!keepPort || !this.port) this.port = await freePort();
        const args = ['serve', '--listen', `${HOST}:${this.port}`, '--data', this.dataDir,
            '--tls-cert', 'certs/dev/server.pem', '--tls-key', 'certs/dev/server.key',
            '--web-root', this.webRoot];
        if (this.configPath) args.push('--config', this.configPath);
        this.starts++;
        this.exit = null;
        this.stdoutText = '';
        this.log.push(['cmd', `start #${this.starts}: ${BIN} ${args.join(' ')}`]);
        const env = this.env ? { ...process.env, ...this.env } : process.env;
        const proc = spawn(BIN, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
        this.proc = proc;
        this.exited = new Promise((resolve) => {
            proc.on('exit', (code, signal) => {
                this.exit = { code, signal };
                this.log.push(['exit', `code=${code} signal=${signal}`]);
                resolve(this.exit);
            });
            proc.on('error', (err) => {
                this.exit = { code: null, signal: null, error: err };
                this.log.push(['exit', `spawn error: ${err.message}`]);
                resolve(this.exit);
            });
        });
        const collect = (stream, label) => {
            let buf = '';
            stream.setEncoding('utf8');
            stream.on('data', (chunk) => {
                if (label === 'stdout') this.stdoutText += chunk;
                buf += chunk;
                let i;
                while ((i = buf.indexOf('\n')) >= 0) {
                    this.log.push([label, buf.slice(0, i)]);
                    buf = buf.slice(i + 1);
                }
                if (this.log.length > 5000) this.log.splice(0, this.log.length - 4000);
            });
            stream.on('end', () => { if (buf) this.log.push([label, buf]); });
        };
        collect(proc.stdout, 'stdout');
        collect(proc.stderr, 'stderr');

        const deadline = Date.now() + timeoutMs;
        for (;;) {
            if (this.exit) throw new Error(`server exited during start (${JSON.stringify(this.exit)})\n${this.logTail()}`);
            try {
                const r = await this.request('GET', '/healthz', { timeoutMs: 1000 });
                if (r.status === 200) break;
            } catch { /* not up yet */ }
            if (Date.now() > deadline) {
                await this.stop();
                throw new Error(`server did not answer GET /healthz with 200 within ${timeoutMs} ms\n${this.logTail()}`);
            }
            await sleep(50);
        }
        return this;
    }

    /** Sends `signal` (SIGTERM) to the PID, SIGKILL after killAfterMs; returns {code, signal}. */
    async stop({ signal = 'SIGTERM', killAfterMs = 5000 } = {}) {
        if (!this.proc) return this.exit;
        if (this.exit) return this.exit;
        try { process.kill(this.proc.pid, signal); } catch { /* already gone */ }
        const timer = new Promise((resolve) => {
            const t = setTimeout(() => resolve('timeout'), killAfterMs);
            this.exited.then(() => { clearTimeout(t); resolve('exited'); });
        });
        if ((await timer) === 'timeout') {
            this.log.push(['cmd', `no exit ${killAfterMs} ms after ${signal}: SIGKILL`]);
            try { process.kill(this.proc.pid, 'SIGKILL'); } catch { /* gone */ }
            await this.exited;
            this.exit = { ...this.exit, killed: true };
        }
        return this.exit;
    }

    /** Stops the server and removes the data directory. */
    async cleanup() {
        try { await this.stop(); } finally {
            fs.rmSync(this.dataDir, { recursive: true, force: true });
            SERVERS.delete(this);
        }
    }

    logTail(n = 120) {
        const lines = this.log.slice(-n).map(([s, l]) => `[${this.name} ${s}] ${l}`);
        return lines.join('\n');
    }

    /** `samtale user add USERNAME --name NAME --data DIR` with the password on stdin. */
    addUser(username, displayName, password) {
        const r = cli(['user', 'add', username, '--name', displayName], { input: `${password}\n`, dataDir: this.dataDir });
        assert.equal(r.status, 0, `user add ${username} failed: ${r.stderr}${r.stdout}${r.error ?? ''}`);
        return r;
    }

    /** One HTTPS request. Returns {status, headers, text, json}. body: object → JSON. */
    request(method, urlPath, { body, rawBody, headers = {}, cookie, timeoutMs = 10000 } = {}) {
        const h = { ...headers };
        let payload = null;
        if (rawBody !== undefined) {
            payload = Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody);
            if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json';
        } else if (body !== undefined) {
            payload = Buffer.from(JSON.stringify(body));
            h['Content-Type'] = 'application/json';
        }
        // Like a browser: an explicit length, also 0 for a POST/PUT/DELETE without a body.
        if (payload) h['Content-Length'] = String(payload.length);
        else if (method !== 'GET' && method !== 'HEAD') h['Content-Length'] = '0';
        if (cookie) h.Cookie = cookie;
        return new Promise((resolve, reject) => {
            const req = https.request({
                host: HOST, port: this.port, method, path: urlPath, headers: h, ca: CA, agent: false,
            }, (res) => {
                const chunks = [];
                res.on('data', (c) => chunks.push(c));
                res.on('end', () => {
                    const text = Buffer.concat(chunks).toString('utf8');
                    let json;
                    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
                    resolve({ status: res.statusCode, headers: res.headers, text, json });
                });
                res.on('error', reject);
            });
            req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${urlPath}: no answer within ${timeoutMs} ms`)));
            req.on('error', (err) => {
                if (String(err.code).startsWith('HPE_')) {
                    err.message = `${method} ${urlPath}: the server's answer is not valid HTTP (${err.code}: ${err.message})`;
                }
                reject(err);
            });
            if (payload) req.write(payload);
            req.end();
        });
    }

    /** Logs in and returns an Api bound to the session cookie. */
    async login(username, password) {
        const r = await this.request('POST', '/api/login', { body: { username, password } });
        assert.equal(r.status, 200, `login ${username}: ${r.status} ${r.text}`);
        const cookie = sessionCookie(r.headers);
        assert.ok(cookie, `login ${username}: no samtale_session cookie in ${JSON.stringify(r.headers['set-cookie'])}`);
        return new Api(this, cookie, r);
    }

    /** Connects a WebSocket client (with a same-origin Origin header by default). */
    async connect(opts = {}) {
        return WsClient.connect(this.wsUrl, { origin: this.origin, ...opts });
    }

    /** Connects and joins with `token`; waits for "joined". Returns the client (client.joined holds it). */
    async join(token, name, { timeoutMs = DEFAULT_TIMEOUT } = {}) {
        const c = await this.connect();
        c.label = name;
        c.send({ type: 'join', token, name });
        const m = await c.waitFor((x) => x.type === 'joined' || x.type === 'error', { timeoutMs, desc: `joined for ${name}` });
        if (m.type === 'error') {
            c.close();
            throw new Error(`join as ${name} refused: ${JSON.stringify(m)}`);
        }
        c.joined = m;
        c.id = m.you?.id;
        c.resumeToken = m.resume_token;
        return c;
    }

    /** Connects and resumes with a resume token; waits for "joined" (throws on an error answer). */
    async resume(resumeToken, { label = 'resumed', timeoutMs = DEFAULT_TIMEOUT } = {}) {
        const c = await this.connect();
        c.label = label;
        c.send({ type: 'resume', resume_token: resumeToken });
        const m = await c.waitFor((x) => x.type === 'joined' || x.type === 'error', { timeoutMs, desc: `joined (resume) for ${label}` });
        if (m.type === 'error') {
            c.close();
            throw new Error(`resume as ${label} refused: ${JSON.stringify(m)}`);
        }
        c.joined = m;
        c.id = m.you?.id;
        c.resumeToken = m.resume_token || resumeToken;
        return c;
    }

    /** Connects, sends join and returns the error message the server answers with. */
    async joinError(token, name = 'Someone', { timeoutMs = DEFAULT_TIMEOUT } = {}) {
        const c = await this.connect();
        try {
            c.send({ type: 'join', token, name });
            return await c.waitFor((x) => x.type === 'error' || x.type === 'joined', { timeoutMs, desc: 'join answer' });
        } finally {
            c.close();
        }
    }
}

/** Extracts "samtale_session=VALUE" from Set-Cookie headers (or null). */
export function sessionCookie(headers) {
    const list = headers['set-cookie'] ?? [];
    for (const c of list) {
        const first = c.split(';')[0].trim();
        if (first.startsWith('samtale_session=')) return first;
    }
    return null;
}

/** Parses one Set-Cookie value into {name, value, attrs: {lowercased: value|true}}. */
export function parseSetCookie(str) {
    const parts = str.split(';').map((s) => s.trim());
    const [name, ...rest] = parts[0].split('=');
    const attrs = {};
    for (const p of parts.slice(1)) {
        if (!p) continue;
        const i = p.indexOf('=');
        if (i < 0) attrs[p.toLowerCase()] = true;
        else attrs[p.slice(0, i).toLowerCase()] = p.slice(i + 1);
    }
    return { name, value: rest.join('='), attrs };
}

/** REST calls as a logged-in caseworker. */
export class Api {
    constructor(server, cookie, loginResponse) {
        this.server = server;
        this.cookie = cookie;
        this.loginResponse = loginResponse;
        this.user = loginResponse?.json?.user;
    }

    req(method, urlPath, opts = {}) {
        return this.server.request(method, urlPath, { cookie: this.cookie, ...opts });
    }

    /** Request that must answer `status`; returns the parsed JSON body. */
    async expect(status, method, urlPath, opts = {}) {
        const r = await this.req(method, urlPath, opts);
        assert.equal(r.status, status, `${method} ${urlPath} → ${r.status} ${r.text}`);
        return r.json;
    }

    async createMeeting(body) {
        return this.expect(201, 'POST', '/api/meetings', { body });
    }

    async audit(meetingId) {
        const j = await this.expect(200, 'GET', `/api/meetings/${meetingId}/audit`);
        assert.ok(Array.isArray(j?.events), `audit: no events array: ${JSON.stringify(j)}`);
        return j.events;
    }
}

/**
 * A WebSocket client that queues incoming JSON messages. next(type) and
 * waitFor(predicate) take messages out of the queue with a bounded wait.
 * Every message ever received stays in `history`.
 */
export class WsClient {
    constructor(ws) {
        this.ws = ws;
        this.queue = [];
        this.history = [];
        this.waiters = [];
        this.closeInfo = null;
        this.label = '';
        this.closedPromise = new Promise((resolve) => {
            ws.on('close', (code, reason) => {
                this.closeInfo = { code, reason: reason.toString() };
                resolve(this.closeInfo);
                this._wake();
            });
        });
        ws.on('message', (data, isBinary) => {
            let msg;
            const text = data.toString('utf8');
            try { msg = JSON.parse(text); } catch { msg = { type: '__not_json', raw: text.slice(0, 200), binary: isBinary }; }
            if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) msg = { type: '__not_object', raw: text.slice(0, 200) };
            this.queue.push(msg);
            this.history.push(msg);
            this._wake();
        });
        ws.on('error', (err) => { this.lastError = err; });
    }

    static connect(url, { origin, timeoutMs = DEFAULT_TIMEOUT, ...rest } = {}) {
        return new Promise((resolve, reject) => {
            const ws = new WebSocket(url, { ca: CA, origin, handshakeTimeout: timeoutMs, ...rest });
            const client = new WsClient(ws);
            const fail = (err) => reject(new Error(`WebSocket ${url}: ${err.message}`));
            ws.once('open', () => { ws.off('error', fail); resolve(client); });
            ws.once('error', fail);
            ws.once('unexpected-response', (req, res) => {
                reject(new Error(`WebSocket ${url}: upgrade refused with HTTP ${res.statusCode}`));
                req.destroy();
            });
        });
    }

    _wake() {
        for (const w of [...this.waiters]) w();
    }

    get isOpen() {
        return this.ws.readyState === WebSocket.OPEN;
    }

    send(obj) {
        this.ws.send(JSON.stringify(obj));
    }

    sendRaw(data, { binary = false } = {}) {
        this.ws.send(data, { binary });
    }

    /**
     * Waits for the first queued message matching `pred` and removes it,
     * together with any earlier queued messages of the same type (so an old
     * roster can never be matched after a newer one). Throws after timeoutMs,
     * or at once if the connection closes without a match.
     */
    waitFor(pred, { timeoutMs = DEFAULT_TIMEOUT, desc = 'message' } = {}) {
        return new Promise((resolve, reject) => {
            let timer;
            const check = () => {
                const i = this.queue.findIndex((m) => {
                    try { return pred(m); } catch { return false; }
                });
                if (i >= 0) {
                    const m = this.queue[i];
                    this.queue = this.queue.filter((x, j) => j > i || (j < i && x.type !== m.type));
                    done();
                    resolve(m);
                    return;
                }
                if (this.closeInfo) {
                    done();
                    reject(new Error(`${this.label || 'client'}: connection closed (${this.closeInfo.code} ${this.closeInfo.reason}) while waiting for ${desc}; unconsumed: ${this.describeQueue()}`));
                }
            };
            const done = () => {
                clearTimeout(timer);
                this.waiters = this.waiters.filter((w) => w !== check);
            };
            timer = setTimeout(() => {
                done();
                reject(new Error(`${this.label || 'client'}: timed out after ${timeoutMs} ms waiting for ${desc}; unconsumed: ${this.describeQueue()}`));
            }, timeoutMs);
            this.waiters.push(check);
            check();
        });
    }

    /** The next message of this type (earlier messages of other types stay queued). */
    next(type, timeoutMs = DEFAULT_TIMEOUT) {
        return this.waitFor((m) => m.type === type, { timeoutMs, desc: `"${type}"` });
    }

    /** The next error message; asserts its code when given. */
    async error(code, timeoutMs = DEFAULT_TIMEOUT) {
        const m = await this.next('error', timeoutMs);
        if (code) assert.equal(m.code, code, `${this.label || 'client'}: expected error ${code}, got ${JSON.stringify(m)}`);
        return m;
    }

    /** The next roster whose participants satisfy pred(participants, roster). */
    roster(pred = () => true, { timeoutMs = DEFAULT_TIMEOUT, desc = 'roster' } = {}) {
        return this.waitFor((m) => m.type === 'roster' && Array.isArray(m.participants) && pred(m.participants, m), { timeoutMs, desc });
    }

    /** Sends ping and waits for pong. */
    async ping(timeoutMs = DEFAULT_TIMEOUT) {
        this.send({ type: 'ping' });
        return this.next('pong', timeoutMs);
    }

    /** Asserts that no message of `type` arrives within ms (looks at the queue too). */
    async expectNone(type, ms = 500) {
        await sleep(ms);
        const m = this.queue.find((x) => x.type === type);
        assert.equal(m, undefined, `${this.label || 'client'}: unexpected ${type}: ${JSON.stringify(m)}`);
    }

    /** Removes all queued messages (optionally only one type). */
    drain(type) {
        this.queue = type ? this.queue.filter((m) => m.type !== type) : [];
    }

    /** Waits until the server closes the connection; returns {code, reason}. */
    async closed(timeoutMs = DEFAULT_TIMEOUT) {
        if (this.closeInfo) return this.closeInfo;
        let timer;
        const t = new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`${this.label || 'client'}: connection not closed within ${timeoutMs} ms; unconsumed: ${this.describeQueue()}`)), timeoutMs);
        });
        try { return await Promise.race([this.closedPromise, t]); } finally { clearTimeout(timer); }
    }

    describeQueue() {
        const s = this.queue.map((m) => (m.type === 'error' ? `error(${m.code})` : m.type)).join(', ');
        return `[${s}]`;
    }

    close() {
        try { this.ws.close(); } catch { /* ignore */ }
    }

    /** Drops the TCP connection without a close frame. */
    terminate() {
        this.ws.terminate();
    }
}

/** Finds a participant by name in a participants array. */
export function byName(participants, name) {
    return participants.find((p) => p.name === name);
}

/** Audit kinds in order: asserts that `expected` is a subsequence of `events`. Returns the matched events. */
export function assertSubsequence(events, expected, msg = 'audit log') {
    const out = [];
    let i = 0;
    for (const exp of expected) {
        while (i < events.length && !matches(events[i], exp)) i++;
        assert.ok(i < events.length, `${msg}: no ${JSON.stringify(exp)} after ${JSON.stringify(out.at(-1) ?? null)}; events: ${JSON.stringify(events.map((e) => [e.kind, e.role, e.display_name, e.detail]))}`);
        out.push(events[i]);
        i++;
    }
    return out;
}

function matches(ev, exp) {
    if (typeof exp === 'string') return ev.kind === exp;
    return Object.entries(exp).every(([k, v]) => ev[k] === v);
}

/**
 * Registers the hooks every test file wants: print the servers' logs after a
 * failing test, and stop every server and remove its data directory at the end.
 */
export function installHooks() {
    afterEach((t) => {
        if (t.passed === false) {
            for (const s of SERVERS) console.error(`--- server log (${s.name}, last lines) after failing test "${t.name}":\n${s.logTail()}`);
        }
    });
    // Every server must stop cleanly on SIGTERM: exit code 0. Under ASan this
    // is also where LeakSanitizer reports leaks (non-zero exit).
    after(async () => {
        const bad = [];
        for (const s of [...SERVERS]) {
            const exit = await s.stop();
            if (exit && (exit.killed || exit.code !== 0)) bad.push(`${s.name}: ${JSON.stringify(exit)}\n${s.logTail(60)}`);
            await s.cleanup();
        }
        assert.deepEqual(bad, [], 'servers must exit with code 0 on SIGTERM');
    });
}

/** A fresh caseworker password of the right shape for tests. */
export const PASSWORD = 'correct horse battery 1';

/**
 * Settings that turn the phone bridge on, on a free loopback port: SIP only
 * from loopback, the dial-in number shown with PINs, and (withTrunk) a
 * "trunk" that is loopback's discard port, so "Call" is offered.
 */
export async function phoneConfig({ withTrunk = false } = {}) {
    const port = await freePort();
    const rtp = 30000 + 20 * (port % 1000);
    return {
        sip_listen: `127.0.0.1:${port}`,
        sip_allow: '127.0.0.1/32',
        sip_rtp_port_min: rtp,
        sip_rtp_port_max: rtp + 19,
        sip_dial_in_number: '"+45 70 20 30 40"',
        ...(withTrunk ? { sip_trunk_proxy: '127.0.0.1:9' } : {}),
    };
}

/** Starts a server with one caseworker ("anna") and returns {server, api}. */
export async function startWithUser({ config, name, username = 'anna', displayName = 'Anna Jensen' } = {}) {
    const server = new Server({ config, name });
    server.addUser(username, displayName, PASSWORD);
    await server.start();
    const api = await server.login(username, PASSWORD);
    return { server, api };
}

/** Runs curl with the dev CA and returns {status, code, headers, body, stderr} (headers lowercased). */
export function curl(args) {
    const r = spawnSync('curl', ['-sS', '-D', '-', '--cacert', CA_PATH, ...args], { encoding: 'utf8', timeout: 20000, cwd: REPO_ROOT });
    const out = r.stdout ?? '';
    // Header blocks end at the first blank line; skip 1xx interim blocks.
    let rest = out;
    let head = '';
    for (;;) {
        const m = rest.match(/\r?\n\r?\n/);
        if (!m) { head = rest; rest = ''; break; }
        head = rest.slice(0, m.index);
        rest = rest.slice(m.index + m[0].length);
        if (!/^HTTP\/\S+ 1\d\d/.test(head)) break;
    }
    const lines = head.split(/\r?\n/);
    const statusLine = lines.shift() ?? '';
    const sm = statusLine.match(/^HTTP\/\S+ (\d{3})/);
    const headers = {};
    for (const l of lines) {
        const i = l.indexOf(':');
        if (i <= 0) continue;
        const k = l.slice(0, i).trim().toLowerCase();
        const v = l.slice(i + 1).trim();
        headers[k] = headers[k] ? `${headers[k]}, ${v}` : v;
    }
    return { code: r.status, status: sm ? Number(sm[1]) : null, statusLine, headers, body: rest, stderr: r.stderr ?? '' };
}
