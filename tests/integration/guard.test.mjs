// The listener's defences, one defect each: request framing (Content-Length,
// chunked bodies), WebSocket upgrade checks, TLS 1.2 cipher suites, handshake
// and header deadlines, per-address connection caps, dropping idle
// connections when full, and logins checked off the event loop (busy answer,
// clients that leave before the answer).

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import crypto from 'node:crypto';
import { Server, PASSWORD, CA, HOST, installHooks, sleep } from './lib.mjs';

installHooks();

const HANDSHAKE_S = 2;
const BODY_S = 2;
const PER_ADDR = 6;

let server;

before(async () => {
    server = new Server({
        name: 'guard',
        config: { handshake_timeout_s: HANDSHAKE_S, body_timeout_s: BODY_S, max_connections_per_addr: PER_ADDR },
    });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
});

/**
 * Sends raw bytes over TLS and collects everything until the server closes
 * (or timeoutMs). Resolves {text, closed, ms}.
 */
function rawTls(payload, { timeoutMs = 8000, localAddress = '127.0.0.1', drip = null } = {}) {
    return new Promise((resolve, reject) => {
        const t0 = performance.now();
        const s = tls.connect({ host: HOST, port: server.port, ca: CA, servername: 'localhost', localAddress }, async () => {
            if (drip) {
                for (const b of payload) {
                    if (s.destroyed) return;
                    s.write(Buffer.from([b]));
                    await sleep(drip);
                }
            } else {
                s.write(payload);
            }
        });
        const chunks = [];
        let closed = false;
        s.on('data', (c) => chunks.push(c));
        const done = () => resolve({ text: Buffer.concat(chunks).toString('utf8'), closed, ms: performance.now() - t0 });
        s.on('end', () => { closed = true; });
        s.on('close', () => { closed = true; clearTimeout(timer); done(); });
        s.on('error', (e) => { if (!chunks.length && e.code !== 'ECONNRESET') reject(e); });
        const timer = setTimeout(() => { s.destroy(); }, timeoutMs);
    });
}

function statusOf(text) {
    const m = text.match(/^HTTP\/1\.[01] (\d{3})/);
    return m ? Number(m[1]) : null;
}

function jsonOf(text) {
    const i = text.indexOf('\r\n\r\n');
    try { return JSON.parse(text.slice(i + 4)); } catch { return undefined; }
}

function post(path, headers, body = '') {
    const head = [`POST ${path} HTTP/1.1`, `Host: ${HOST}:${server.port}`, 'Content-Type: application/json', ...headers].join('\r\n');
    return Buffer.from(`${head}\r\n\r\n${body}`);
}

// ---------------------------------------------------------------- framing

for (const [value, what] of [['-1', 'negative'], ['abc', 'non-numeric'], ['99999999999999999999999', 'overflowing'], ['1 2', 'two numbers']]) {
    test(`Content-Length ${what} (${value}) → 400 bad_length at once, connection closed`, async () => {
        const r = await rawTls(post('/api/login', [`Content-Length: ${value}`]));
        assert.equal(statusOf(r.text), 400, r.text);
        assert.equal(jsonOf(r.text)?.error?.code, 'bad_length', r.text);
        assert.ok(r.closed, 'the server hangs up: the rest of the stream cannot be framed');
        assert.ok(r.ms < 3000, `answered in ${r.ms} ms`);
    });
}

test('Content-Length over the body cap → 413 too_big before any body is sent', async () => {
    const r = await rawTls(post('/api/login', ['Content-Length: 10000000']));
    assert.equal(statusOf(r.text), 413, r.text);
    assert.equal(jsonOf(r.text)?.error?.code, 'too_big');
    assert.ok(r.closed);
});

test('a chunked REST body → 411 length_required (not bad_json), connection closed', async () => {
    const body = JSON.stringify({ username: 'anna', password: PASSWORD });
    const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const r = await rawTls(post('/api/login', ['Transfer-Encoding: chunked'], chunked));
    assert.equal(statusOf(r.text), 411, r.text);
    assert.equal(jsonOf(r.text)?.error?.code, 'length_required', r.text);
    assert.ok(r.closed);
    // The same request with a Content-Length works.
    const ok = await server.request('POST', '/api/login', { rawBody: body });
    assert.equal(ok.status, 200, ok.text);
});

test('a request body that trickles in beyond body_timeout_s → 408 timeout', async () => {
    const body = JSON.stringify({ username: 'anna', password: 'x'.repeat(60) });
    const head = post('/api/login', [`Content-Length: ${body.length}`]);
    // Headers at once, then one body byte every 250 ms: ~20 s if let be.
    const payload = Buffer.concat([head, Buffer.from(body)]);
    const r = await new Promise((resolve, reject) => {
        const t0 = performance.now();
        const s = tls.connect({ host: HOST, port: server.port, ca: CA, servername: 'localhost' }, async () => {
            s.write(head);
            for (let i = head.length; i < payload.length && !s.destroyed; i++) {
                s.write(payload.subarray(i, i + 1));
                await sleep(250);
            }
        });
        const chunks = [];
        s.on('data', (c) => chunks.push(c));
        s.on('error', () => {});
        s.on('close', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - t0 }));
        setTimeout(() => { s.destroy(); reject(new Error('no answer within 15 s')); }, 15000);
    });
    assert.equal(statusOf(r.text), 408, r.text);
    assert.equal(jsonOf(r.text)?.error?.code, 'timeout');
    assert.ok(r.ms < (BODY_S + 3) * 1000, `closed after ${r.ms} ms`);
});

// ---------------------------------------------------------------- WebSocket upgrade

function upgrade(headers) {
    return Buffer.from([
        'GET /ws HTTP/1.1', `Host: ${HOST}:${server.port}`, 'Connection: Upgrade', 'Upgrade: websocket',
        `Origin: https://${HOST}:${server.port}`, ...headers, '', '',
    ].join('\r\n'));
}

test('WebSocket upgrade with Sec-WebSocket-Version: 99 → 426 with Sec-WebSocket-Version: 13', async () => {
    const r = await rawTls(upgrade(['Sec-WebSocket-Version: 99', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==']), { timeoutMs: 3000 });
    assert.equal(statusOf(r.text), 426, r.text);
    assert.match(r.text, /\r\nsec-websocket-version: 13\r\n/i);
});

for (const key of ['!!!', 'dGhlIHNhbXBsZSBub25jZQ', 'dGhlIHNhbXBsZSBub25jZQAAAAAA']) {
    test(`WebSocket upgrade with Sec-WebSocket-Key: ${key} → 400`, async () => {
        const r = await rawTls(upgrade(['Sec-WebSocket-Version: 13', `Sec-WebSocket-Key: ${key}`]), { timeoutMs: 3000 });
        assert.equal(statusOf(r.text), 400, r.text);
        assert.doesNotMatch(r.text, /101 Switching/);
    });
}

test('a correct WebSocket upgrade still gets 101 with the RFC 6455 accept value', async () => {
    const key = crypto.randomBytes(16).toString('base64');
    const r = await rawTls(upgrade(['Sec-WebSocket-Version: 13', `Sec-WebSocket-Key: ${key}`]), { timeoutMs: 1500 });
    assert.equal(statusOf(r.text), 101, r.text);
    const accept = crypto.createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    assert.match(r.text, new RegExp(`sec-websocket-accept: ${accept.replace(/[+/]/g, '\\$&')}`, 'i'));
});

// ---------------------------------------------------------------- TLS

function tlsHandshake(opts) {
    return new Promise((resolve) => {
        const s = tls.connect({ host: HOST, port: server.port, ca: CA, servername: 'localhost', ...opts }, () => {
            const c = s.getCipher();
            s.destroy();
            resolve({ ok: true, cipher: c.standardName || c.name, version: s.getProtocol?.() });
        });
        s.on('error', (e) => resolve({ ok: false, error: e.message }));
    });
}

test('TLS 1.2 with CBC-SHA1 suites is refused; AEAD suites and TLS 1.3 are accepted', async () => {
    for (const cipher of ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA', 'AES128-SHA', 'AES128-GCM-SHA256']) {
        const r = await tlsHandshake({ maxVersion: 'TLSv1.2', ciphers: cipher });
        assert.equal(r.ok, false, `${cipher} must be refused, got ${JSON.stringify(r)}`);
    }
    const gcm = await tlsHandshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256' });
    assert.ok(gcm.ok, JSON.stringify(gcm));
    const chacha = await tlsHandshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305' });
    assert.ok(chacha.ok, JSON.stringify(chacha));
    const v13 = await tlsHandshake({ minVersion: 'TLSv1.3' });
    assert.ok(v13.ok, JSON.stringify(v13));
});

// ---------------------------------------------------------------- deadlines and caps

/** A TCP connection; resolves when the server closes it, with the time it took (or null after waitMs). */
function heldOpen(localAddress, { send = null, waitMs = 10000 } = {}) {
    return new Promise((resolve) => {
        const t0 = performance.now();
        const s = net.connect({ host: HOST, port: server.port, localAddress });
        let got = 0;
        s.on('connect', () => { if (send) s.write(send); });
        s.on('data', (d) => { got += d.length; });
        s.on('error', () => {});
        const timer = setTimeout(() => { s.destroy(); resolve({ ms: null, got }); }, waitMs);
        s.on('close', () => { clearTimeout(timer); resolve({ ms: performance.now() - t0, got }); });
    });
}

test('a silent TCP connection is closed after handshake_timeout_s', async () => {
    const r = await heldOpen('127.0.0.2');
    assert.ok(r.ms !== null, 'the server must close it');
    assert.ok(r.ms >= (HANDSHAKE_S - 1) * 1000 && r.ms < (HANDSHAKE_S + 2) * 1000, `closed after ${r.ms} ms`);
});

test('request headers dribbled after the TLS handshake are cut off after handshake_timeout_s', async () => {
    const t0 = performance.now();
    const closedAt = await new Promise((resolve) => {
        const s = tls.connect({ host: HOST, port: server.port, ca: CA, servername: 'localhost', localAddress: '127.0.0.3' }, async () => {
            const line = Buffer.from(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(200)}`);
            for (const b of line) {
                if (s.destroyed) return;
                s.write(Buffer.from([b]));
                await sleep(100);
            }
        });
        s.on('error', () => {});
        s.on('close', () => resolve(performance.now() - t0));
        setTimeout(() => { s.destroy(); resolve(null); }, 20000);
    });
    assert.ok(closedAt !== null && closedAt < (HANDSHAKE_S + 2) * 1000, `closed after ${closedAt} ms`);
});

test(`max_connections_per_addr = ${PER_ADDR}: the next connection from that address is refused, others are served`, async () => {
    const addr = '127.0.0.40';
    const held = [];
    for (let i = 0; i < PER_ADDR; i++) {
        const s = net.connect({ host: HOST, port: server.port, localAddress: addr });
        s.on('error', () => {});
        held.push(s);
        await new Promise((r) => s.once('connect', r));
    }
    await sleep(100);
    try {
        const extra = await heldOpen(addr, { waitMs: 1000 });
        assert.ok(extra.ms !== null && extra.ms < 500, `the extra connection is closed at once (${extra.ms} ms)`);
        const other = await server.request('GET', '/healthz');
        assert.equal(other.status, 200);
    } finally {
        for (const s of held) s.destroy();
    }
    await sleep(200);
    const again = await rawTls(Buffer.from(`GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`), { localAddress: addr, timeoutMs: 1000 });
    assert.equal(statusOf(again.text), 200, 'after the others closed, the address is served again');
});

// ---------------------------------------------------------------- logins off the loop

test('a login whose client hangs up before the answer: no crash, the next login works', async () => {
    const body = JSON.stringify({ username: 'anna', password: 'wrong password 1' });
    for (let i = 0; i < 6; i++) {
        const s = tls.connect({ host: HOST, port: server.port, ca: CA, servername: 'localhost', localAddress: `127.0.0.${60 + i}` }, () => {
            s.write(post('/api/login', [`Content-Length: ${body.length}`], body));
            setTimeout(() => s.destroy(), 5); // long before scrypt is done
        });
        s.on('error', () => {});
    }
    await sleep(1500);
    const ok = await server.login('anna', PASSWORD);
    assert.ok(ok.cookie);
    assert.equal((await server.request('GET', '/healthz')).status, 200);
});

test('logins beyond the check pool and its queue → 503 busy with Retry-After', async () => {
    const busy = new Server({ name: 'guard-busy', config: { login_threads: 1, login_queue: 1 } });
    busy.addUser('anna', 'Anna Jensen', PASSWORD);
    await busy.start();
    try {
        const body = JSON.stringify({ username: 'anna', password: 'wrong password 1' });
        const one = (i) => new Promise((resolve) => {
            const req = https.request({
                host: HOST, port: busy.port, method: 'POST', path: '/api/login', ca: CA, agent: false, localAddress: `127.0.0.${70 + i}`,
                headers: { 'Content-Type': 'application/json', 'Content-Length': body.length },
            }, (res) => {
                let text = '';
                res.on('data', (c) => { text += c; });
                res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
            });
            req.on('error', (e) => resolve({ status: 0, text: e.message }));
            req.end(body);
        });
        const rs = await Promise.all(Array.from({ length: 8 }, (_, i) => one(i)));
        const busyOnes = rs.filter((r) => r.status === 503);
        assert.ok(busyOnes.length >= 1, `statuses ${rs.map((r) => r.status)}`);
        assert.ok(rs.filter((r) => r.status === 401).length >= 2, `statuses ${rs.map((r) => r.status)}`);
        assert.ok(rs.every((r) => r.status === 401 || r.status === 503), `statuses ${rs.map((r) => r.status)}`);
        for (const r of busyOnes) {
            assert.equal(JSON.parse(r.text).error.code, 'busy');
            assert.ok(Number(r.headers['retry-after']) >= 1, JSON.stringify(r.headers));
        }
        const m = await busy.request('GET', '/metrics');
        assert.match(m.text, /samtale_errors_total\{code="busy"\} [1-9]/);
    } finally {
        await busy.cleanup();
    }
});
