// HTTP seen from outside with curl: security headers on every kind of
// response, MIME types, path traversal, the Prometheus /metrics text and the
// TLS versions accepted.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Server, PASSWORD, installHooks, curl, freePort, sleep, REPO_ROOT } from './lib.mjs';

installHooks();

let server;
let base;
let tmp;
const SECRET = 'top-secret-outside-web-root-5f3a';

before(async () => {
    // A web root of our own, so the test does not depend on the web client's files.
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samtale-www-'));
    const www = path.join(tmp, 'www');
    fs.mkdirSync(path.join(www, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(www, 'index.html'), '<!doctype html><title>samtale test</title><p>index-marker</p>\n');
    fs.writeFileSync(path.join(www, 'app.js'), 'export const marker = "js-marker";\n');
    fs.writeFileSync(path.join(www, 'style.css'), 'body { color: black; } /* css-marker */\n');
    fs.writeFileSync(path.join(www, 'm.wasm'), Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
    fs.writeFileSync(path.join(www, 'sub', 'page.html'), '<!doctype html><p>sub-marker</p>\n');
    fs.writeFileSync(path.join(tmp, 'secret.txt'), `${SECRET}\n`);

    server = new Server({ name: 'http', webRoot: www });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
    base = server.origin;
});

after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function get(p, extra = []) {
    const r = curl([...extra, `${base}${p}`]);
    assert.equal(r.code, 0, `curl ${p} failed: ${r.stderr}`);
    return r;
}

/** The headers every response must carry. */
function assertSecurityHeaders(r, what) {
    const h = r.headers;
    const csp = h['content-security-policy'];
    assert.ok(csp, `${what}: Content-Security-Policy present`);
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim()).filter(Boolean)
        .map((d) => { const [k, ...v] = d.split(/\s+/); return [k.toLowerCase(), v]; }));
    assert.deepEqual(directives['default-src'], ["'self'"], `${what}: default-src 'self' in ${csp}`);
    // Scripts only from our origin; WebAssembly may be compiled (the background blur's model), nothing may be eval'd.
    assert.deepEqual(directives['script-src'], ["'self'", "'wasm-unsafe-eval'"], `${what}: script-src in ${csp}`);
    for (const [name, sources] of Object.entries(directives)) {
        for (const s of sources) {
            assert.notEqual(s, '*', `${what}: wildcard source in ${name}`);
            const url = s.match(/^(?:https?|wss?):\/\/([^/:]+)/i);
            if (url) assert.ok(['127.0.0.1', 'localhost'].includes(url[1]), `${what}: third-party origin ${s} in ${name}`);
            assert.ok(!/^(https?|wss?|data|blob):?$/i.test(s) || ['img-src', 'media-src'].includes(name),
                `${what}: scheme-wide source ${s} in ${name} allows any origin`);
        }
    }
    const hsts = h['strict-transport-security'];
    assert.match(hsts ?? '', /max-age=(\d+)/i, `${what}: Strict-Transport-Security`);
    assert.ok(Number(hsts.match(/max-age=(\d+)/i)[1]) > 0, `${what}: HSTS max-age > 0`);
    assert.equal(h['x-content-type-options'], 'nosniff', `${what}: X-Content-Type-Options`);
    assert.equal(h['referrer-policy'], 'no-referrer', `${what}: Referrer-Policy`);
    assert.equal((h['x-frame-options'] ?? '').toUpperCase(), 'DENY', `${what}: X-Frame-Options`);
    const pp = h['permissions-policy'];
    assert.ok(pp, `${what}: Permissions-Policy present`);
    const features = Object.fromEntries(pp.split(',').map((x) => x.trim()).filter(Boolean)
        .map((x) => { const i = x.indexOf('='); return [x.slice(0, i).trim(), x.slice(i + 1).trim()]; }));
    for (const f of ['camera', 'microphone', 'display-capture']) {
        assert.equal(features[f], '(self)', `${what}: Permissions-Policy ${f}=(self) in ${pp}`);
    }
}

test('security headers on /, a static file, /api/me 401, a 404, /healthz, /metrics', () => {
    const cases = [
        ['/', 200], ['/app.js', 200], ['/style.css', 200], ['/api/me', 401],
        ['/no-such-file.html', 404], ['/api/no-such-route', 404], ['/healthz', 200], ['/metrics', 200],
    ];
    for (const [p, status] of cases) {
        const r = get(p);
        assert.equal(r.status, status, `${p}: ${r.statusLine}`);
        assertSecurityHeaders(r, p);
    }
    // Also on a POST error and on a refused cross-origin request.
    const bad = get('/api/login', ['-X', 'POST', '-H', 'Content-Type: application/json', '--data-raw', '{bad']);
    assert.equal(bad.status, 400);
    assertSecurityHeaders(bad, 'POST /api/login bad_json');
    const xo = get('/api/login', ['-X', 'POST', '-H', 'Content-Type: application/json', '-H', 'Origin: https://evil.example', '--data-raw', '{"username":"a","password":"b"}']);
    assert.equal(xo.status, 403);
    assertSecurityHeaders(xo, 'cross-origin POST');
});

test('static files: content, MIME types and Cache-Control', () => {
    const idx = get('/');
    assert.match(idx.body, /index-marker/);
    assert.match(idx.headers['content-type'], /^text\/html;\s*charset=utf-8$/i);
    assert.ok(idx.headers['cache-control'], '/ has Cache-Control');

    const direct = get('/index.html');
    assert.equal(direct.status, 200);
    assert.match(direct.body, /index-marker/);

    const js = get('/app.js');
    assert.match(js.body, /js-marker/);
    assert.match(js.headers['content-type'], /^text\/javascript(;\s*charset=utf-8)?$/i);
    assert.ok(js.headers['cache-control'], '.js has Cache-Control');

    const wasm = get('/m.wasm');
    assert.equal(wasm.status, 200);
    assert.match(wasm.headers['content-type'], /^application\/wasm$/i, 'WebAssembly is served as application/wasm (streaming compile)');

    const css = get('/style.css');
    assert.match(css.body, /css-marker/);
    assert.match(css.headers['content-type'], /^text\/css(;\s*charset=utf-8)?$/i);
    assert.ok(css.headers['cache-control'], '.css has Cache-Control');

    const sub = get('/sub/page.html');
    assert.equal(sub.status, 200);
    assert.match(sub.body, /sub-marker/);

    const api = get('/healthz');
    assert.match(api.headers['content-type'], /^application\/json/);
    const err = get('/api/me');
    assert.match(err.headers['content-type'], /^application\/json/);
    assert.equal(JSON.parse(err.body).error.code, 'not_logged_in');
    const nf = get('/api/nothing');
    assert.equal(JSON.parse(nf.body).error.code, 'not_found');
});

test('invitation URLs (/join#token) load the web client', () => {
    const r = get('/join');
    assert.equal(r.status, 200, r.statusLine);
    assert.match(r.headers['content-type'], /^text\/html/i);
    assertSecurityHeaders(r, '/join');
});

test('path traversal is refused', () => {
    const attempts = [
        '/../secret.txt',
        '/sub/../../secret.txt',
        '/%2e%2e/secret.txt',
        '/%2E%2E/secret.txt',
        '/sub/%2e%2e/%2e%2e/secret.txt',
        '/..%2fsecret.txt',
        '/..%5csecret.txt',
        '/sub/..%2f..%2fsecret.txt',
        '/....//secret.txt',
        '/%252e%252e/secret.txt',
        '/../../../../../../etc/passwd',
        '/%00/../secret.txt',
        '//etc/passwd',
        '/.%2e/.%2e/etc/passwd',
    ];
    const index = get('/').body;
    for (const p of attempts) {
        const r = curl(['--path-as-is', `${base}${p}`]);
        if (r.code !== 0) continue; // refused at the HTTP level, even better
        assert.ok(!r.body.includes(SECRET), `${p}: leaked the file outside the web root`);
        assert.ok(!/root:.*:0:0:/.test(r.body), `${p}: leaked /etc/passwd`);
        // Refused with a 4xx, or (after the HTTP library collapsed the dots
        // into a path inside the web root) answered by the single-page
        // fallback with index.html: nothing outside the web root either way.
        const fallback = r.status === 200 && r.body === index;
        assert.ok((r.status >= 400 && r.status < 500) || fallback, `${p}: expected 4xx or the index fallback, got ${r.statusLine}`);
        assertSecurityHeaders(r, p);
    }
    const r = get('/healthz');
    assert.equal(r.status, 200, 'server fine after traversal attempts');
});

// ---- Prometheus text format, strictly.

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
const LABEL_VALUE = '"(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const SAMPLE_RE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL}=${LABEL_VALUE})(?:,${LABEL}=${LABEL_VALUE})*,?)?\\})? (\\S+)(?: (-?\\d+))?$`);
const VALUE_RE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|NaN|[+-]Inf)$/;

/** Parses Prometheus text format 0.0.4; throws on anything not strictly right. */
function parsePrometheus(text) {
    assert.ok(text.endsWith('\n'), 'metrics text ends with a newline');
    const families = new Map(); // name → {help, type, samples: []}
    const finished = new Set();
    let current = null;
    const seen = new Set();
    const lines = text.split('\n');
    lines.pop();
    lines.forEach((line, i) => {
        const where = `line ${i + 1}: ${JSON.stringify(line)}`;
        if (line === '') return;
        if (line.startsWith('#')) {
            const m = line.match(new RegExp(`^# (HELP|TYPE) (${NAME}) ?(.*)$`));
            if (!m) return; // other comments are allowed
            const [, kind, name, rest] = m;
            if (current && current !== name) finished.add(current);
            assert.ok(!finished.has(name), `${where}: family ${name} appears again after other families`);
            const f = families.get(name) ?? { help: null, type: null, samples: [] };
            families.set(name, f);
            assert.equal(f.samples.length, 0, `${where}: ${kind} after samples of ${name}`);
            if (kind === 'HELP') {
                assert.equal(f.help, null, `${where}: second HELP`);
                f.help = rest;
            } else {
                assert.equal(f.type, null, `${where}: second TYPE`);
                assert.match(rest, /^(counter|gauge|histogram|summary|untyped)$/, `${where}: metric type`);
                f.type = rest;
            }
            current = name;
            return;
        }
        const m = line.match(SAMPLE_RE);
        assert.ok(m, `${where}: not "name{labels} value"`);
        const [, name, labelText, value] = m;
        assert.match(value, VALUE_RE, `${where}: value is not a number`);
        let family = name;
        if (!families.has(family)) {
            const base = name.replace(/_(bucket|sum|count)$/, '');
            if (families.has(base) && ['histogram', 'summary'].includes(families.get(base).type)) family = base;
        }
        const f = families.get(family);
        assert.ok(f, `${where}: sample without # HELP / # TYPE for ${name}`);
        assert.ok(f.help !== null, `${where}: no # HELP for ${family} before its samples`);
        assert.ok(f.type !== null, `${where}: no # TYPE for ${family} before its samples`);
        assert.equal(current, family, `${where}: sample of ${family} outside its family's block`);
        const labels = {};
        if (labelText) {
            for (const lm of labelText.matchAll(new RegExp(`(${LABEL})=(${LABEL_VALUE})`, 'g'))) {
                assert.ok(!(lm[1] in labels), `${where}: label ${lm[1]} twice`);
                labels[lm[1]] = JSON.parse(lm[2]);
            }
        }
        const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
        assert.ok(!seen.has(key), `${where}: duplicate series`);
        seen.add(key);
        const v = value === '+Inf' ? Infinity : value === '-Inf' ? -Infinity : Number(value);
        if (f.type === 'counter') assert.ok(v >= 0, `${where}: negative counter`);
        f.samples.push({ name, labels, value: v });
    });
    return families;
}

function sample(families, name, labels = {}) {
    const f = families.get(name);
    if (!f) return undefined;
    return f.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

test('/metrics is strict Prometheus text and counts what happens', async () => {
    const api = await server.login('anna', PASSWORD);
    const m = await api.createMeeting({ title: 'Metrikmøde', roles: ['citizen'] });
    const host = await server.join(m.host_link.token, 'Anna Jensen');
    await host.next('admitted');
    const guest = await server.join(m.links[0].token, 'Mette Hansen');
    await guest.next('lobby');
    guest.sendRaw('{not json');
    await guest.error('bad_json');
    await host.ping();

    const r = get('/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^text\/plain;\s*version=0\.0\.4(;\s*charset=utf-8)?$/i);
    const fam = parsePrometheus(r.body);

    const want = {
        samtale_ws_connections: 'gauge',
        samtale_meetings_live: 'gauge',
        samtale_participants: 'gauge',
        samtale_ws_messages_received_total: 'counter',
        samtale_ws_messages_sent_total: 'counter',
        samtale_errors_total: 'counter',
        samtale_http_requests_total: 'counter',
    };
    for (const [name, type] of Object.entries(want)) {
        assert.ok(fam.has(name), `metric family ${name} present`);
        assert.equal(fam.get(name).type, type, `${name} is a ${type}`);
        assert.ok(fam.get(name).help.length > 0, `${name} has HELP text`);
    }
    assert.ok(sample(fam, 'samtale_ws_connections')?.value >= 2, 'two WebSocket connections open');
    assert.ok(sample(fam, 'samtale_meetings_live')?.value >= 1, 'one live meeting');
    for (const state of ['lobby', 'admitted', 'reconnecting']) {
        assert.ok(sample(fam, 'samtale_participants', { state }), `samtale_participants{state="${state}"} present`);
    }
    assert.ok(sample(fam, 'samtale_participants', { state: 'lobby' }).value >= 1);
    assert.ok(sample(fam, 'samtale_participants', { state: 'admitted' }).value >= 1);
    assert.ok(sample(fam, 'samtale_ws_messages_received_total')?.value >= 4);
    assert.ok(sample(fam, 'samtale_ws_messages_sent_total')?.value >= 4);
    assert.ok(sample(fam, 'samtale_errors_total', { code: 'bad_json' })?.value >= 1, 'bad_json counted');
    assert.ok(sample(fam, 'samtale_http_requests_total', { status: '200' })?.value >= 1, 'HTTP 200s counted');
    assert.ok(sample(fam, 'samtale_http_requests_total', { status: '404' })?.value >= 1, 'HTTP 404s counted');

    host.send({ type: 'end' });
    await guest.closed();
    await host.closed();
});

test('the Prometheus parser itself rejects malformed text', () => {
    const good = '# HELP a_total Things.\n# TYPE a_total counter\na_total{code="x"} 3\na_total{code="y"} 4.5e1\n';
    assert.equal(parsePrometheus(good).get('a_total').samples.length, 2);
    const bad = [
        'a_total 1\n', // no HELP/TYPE
        '# HELP a x\n# TYPE a gauge\na one\n', // not a number
        '# HELP a x\n# TYPE a gauge\na{b=unquoted} 1\n',
        '# HELP a x\n# TYPE a gauge\n1a 1\n',
        '# HELP a x\n# TYPE a gauge\na 1', // no final newline
        '# HELP a x\n# TYPE a gauge\na 1\n# HELP b y\n# TYPE b gauge\nb 1\na 2\n', // family split
        '# TYPE a gauge\n# HELP a x\na 1\na 2\n', // duplicate series
        '# HELP a x\n# TYPE a thing\na 1\n',
    ];
    for (const t of bad) assert.throws(() => parsePrometheus(t), `should reject ${JSON.stringify(t)}`);
});

// ---- TLS versions

async function startTls11Control() {
    const port = await freePort();
    const proc = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', 'certs/dev/server.pem',
        '-key', 'certs/dev/server.key', '-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0', '-www', '-quiet'],
    { cwd: REPO_ROOT, stdio: 'ignore' });
    return { port, proc };
}

const TLS11 = ['--tlsv1.0', '--tls-max', '1.1', '--ciphers', 'DEFAULT@SECLEVEL=0'];

test('TLS 1.1 is refused (with a control showing this curl can speak TLS 1.1)', async (t) => {
    // Control: an openssl server that only speaks TLS 1.1 must accept this
    // curl, or the refusal below would prove nothing.
    const ctl = await startTls11Control();
    let controlOk = false;
    try {
        for (let i = 0; i < 50 && !controlOk; i++) {
            const r = curl([...TLS11, `https://127.0.0.1:${ctl.port}/`]);
            controlOk = r.code === 0;
            if (!controlOk) await sleep(100);
        }
    } finally {
        ctl.proc.kill('SIGTERM');
    }
    if (!controlOk) {
        t.skip('this machine\'s curl/OpenSSL cannot negotiate TLS 1.1 at all; the refusal check would be vacuous');
        return;
    }
    const r = curl([...TLS11, `${base}/healthz`]);
    assert.notEqual(r.code, 0, `TLS 1.1 handshake must fail, got ${r.statusLine}`);
    assert.equal(r.status, null);
});

test('TLS 1.2 and TLS 1.3 are accepted', () => {
    const r12 = curl(['--tlsv1.2', '--tls-max', '1.2', `${base}/healthz`]);
    assert.equal(r12.code, 0, r12.stderr);
    assert.equal(r12.status, 200);
    const r13 = curl(['--tlsv1.3', `${base}/healthz`]);
    assert.equal(r13.code, 0, r13.stderr);
    assert.equal(r13.status, 200);
});
