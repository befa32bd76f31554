// TURN credentials over the real server (docs/PROTOCOL.md, "TURN relay"):
// who gets "ice_servers" and when (with admission, on request when admitted
// or with a valid link before joining; never in the lobby), that the
// credential is the REST scheme's HMAC over the username with the configured
// secret and expires turn_ttl_seconds later, that each issue is fresh, that
// the secret never reaches the log, and that bad settings stop the server
// with a clear message. Without TURN settings the list is empty and nothing
// is pushed.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Server, PASSWORD, BIN, installHooks } from './lib.mjs';

installHooks();

const SECRET = 'itest-turn-secret-0123456789abcdef';
const URLS = ['turn:turn.example.dk:3478?transport=udp', 'turn:turn.example.dk:3478?transport=tcp', 'turns:turn.example.dk:443?transport=tcp'];
const TTL = 600;

let server;
let plain; // a server without TURN
let m;
let secretFile;

before(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samtale-turn-'));
    secretFile = path.join(dir, 'turn.secret');
    fs.writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
    server = new Server({ name: 'turn', config: { turn_secret_file: secretFile, turn_urls: URLS.join(','), turn_ttl_seconds: TTL } });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
    const api = await server.login('anna', PASSWORD);
    m = await api.createMeeting({ title: 'TURN', roles: ['citizen'] });
    plain = new Server({ name: 'turn-off' });
    plain.addUser('anna', 'Anna Jensen', PASSWORD);
    await plain.start();
});

/** Checks one ice_servers message against the settings; returns its username. */
function checkCredentials(msg, t0) {
    assert.equal(msg.type, 'ice_servers');
    assert.equal(msg.ice_servers.length, 1, JSON.stringify(msg));
    const s = msg.ice_servers[0];
    assert.deepEqual(s.urls, URLS);
    const [expiry, id] = s.username.split(':');
    assert.match(id, /^[A-Za-z0-9_-]{32}$/, 'an opaque random id, no name');
    const now = Math.floor(Date.now() / 1000);
    assert.ok(Number(expiry) >= Math.floor(t0 / 1000) + TTL && Number(expiry) <= now + TTL, `expiry ${expiry} is now + ${TTL}`);
    assert.equal(msg.expires_at, Number(expiry) * 1000);
    const want = crypto.createHmac('sha1', SECRET).update(s.username).digest('base64');
    assert.equal(s.credential, want, 'base64(HMAC-SHA1(secret, username))');
    return s.username;
}

test('the host gets ice_servers right before admitted, and fresh ones on request', async () => {
    const t0 = Date.now();
    const host = await server.join(m.host_link.token, 'Anna Jensen');
    const first = await host.waitFor((x) => x.type === 'ice_servers' || x.type === 'admitted', { desc: 'ice_servers or admitted' });
    assert.equal(first.type, 'ice_servers', 'the credentials come before "admitted"');
    const u1 = checkCredentials(first, t0);
    await host.next('admitted');
    host.send({ type: 'ice_servers' });
    const u2 = checkCredentials(await host.next('ice_servers'), t0);
    assert.notEqual(u1, u2, 'every issue is a new credential');
    const logged = server.log.map(([, l]) => l).join('\n');
    assert.ok(logged.includes(`TURN credentials ${u1} for meeting`), 'the username is logged for the operator');
    host.close();
});

test('a guest in the lobby gets none; on admission it does', async () => {
    const host = await server.join(m.host_link.token, 'Anna Jensen');
    await host.next('admitted');
    const citizen = await server.join(m.links[0].token, 'Mette Hansen');
    await citizen.next('lobby');
    citizen.send({ type: 'ice_servers', token: m.links[0].token });
    const e = await citizen.error('wrong_state');
    assert.equal(e.ref, 'ice_servers');
    assert.ok(!citizen.history.some((x) => x.type === 'ice_servers'), 'nothing pushed to the lobby');
    const t0 = Date.now();
    host.send({ type: 'admit', participant_id: citizen.id });
    const got = await citizen.waitFor((x) => x.type === 'ice_servers' || x.type === 'admitted', { desc: 'ice_servers' });
    assert.equal(got.type, 'ice_servers');
    checkCredentials(got, t0);
    await citizen.next('admitted');
    // A resume is a new admission: fresh credentials again.
    citizen.terminate();
    const back = await server.resume(citizen.resumeToken);
    checkCredentials(await back.next('ice_servers'), t0);
    await back.next('admitted');
    back.close();
    host.close();
});

test('before joining: a valid link gets credentials (the pre-call check), others do not', async () => {
    const c = await server.connect();
    const t0 = Date.now();
    c.send({ type: 'ice_servers', token: m.links[0].token });
    checkCredentials(await c.next('ice_servers'), t0);
    c.send({ type: 'ice_servers' });
    assert.equal((await c.error('invalid_token')).ref, 'ice_servers');
    c.send({ type: 'ice_servers', token: 'A'.repeat(32) });
    await c.error('invalid_token');
    c.send({ type: 'ice_servers', token: 42 });
    await c.error('invalid_token');
    c.close();
});

test('the secret never reaches the log', () => {
    const logged = server.log.map(([, l]) => l).join('\n');
    assert.ok(logged.includes('TURN: 3 URLs'), 'the settings are summarised at start');
    assert.ok(!logged.includes(SECRET), 'secret in the log');
});

test('without TURN settings: an empty list on request, nothing pushed', async () => {
    const api = await plain.login('anna', PASSWORD);
    const pm = await api.createMeeting({ title: 'No TURN', roles: [] });
    const host = await plain.join(pm.host_link.token, 'Anna Jensen');
    await host.next('admitted');
    host.send({ type: 'ice_servers' });
    const msg = await host.next('ice_servers');
    assert.deepEqual(msg.ice_servers, []);
    assert.equal(msg.expires_at, undefined);
    assert.equal(host.history.filter((x) => x.type === 'ice_servers').length, 1, 'only the answer');
    host.close();
});

test('bad TURN settings stop the server with a message naming them', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samtale-turn-bad-'));
    const cases = [
        [{ turn_urls: 'turn:t.example.dk' }, /turn_urls is set but no turn_secret/],
        [{ turn_secret: SECRET }, /turn_urls is empty/],
        [{ turn_secret: SECRET, turn_urls: 'turns:t.example.dk?transport=udp' }, /turns: runs over TLS/],
        [{ turn_secret: 'short', turn_urls: 'turn:t.example.dk' }, /too short/],
        [{ turn_secret: SECRET, turn_secret_file: secretFile, turn_urls: 'turn:t.example.dk' }, /use one/],
        [{ turn_secret_file: path.join(dir, 'missing'), turn_urls: 'turn:t.example.dk' }, /turn_secret_file: cannot open/],
        [{ turn_secret: SECRET, turn_urls: 'turn:t.example.dk', turn_ttl_seconds: 10 }, /turn_ttl_seconds: 10 is out of range/],
    ];
    for (const [cfg, want] of cases) {
        const file = path.join(dir, 'bad.conf');
        fs.writeFileSync(file, Object.entries(cfg).map(([k, v]) => `${k} = ${v}\n`).join(''));
        const r = spawnSync(BIN, ['serve', '--config', file, '--data', path.join(dir, 'data')], { encoding: 'utf8', timeout: 10000 });
        assert.notEqual(r.status, 0, `${JSON.stringify(cfg)} was accepted`);
        assert.match(r.stderr, want, JSON.stringify(cfg));
        assert.ok(!r.stderr.includes(SECRET), 'the secret is not printed');
    }
    fs.rmSync(dir, { recursive: true, force: true });
});
