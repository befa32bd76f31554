// Hostile and broken clients: bad WebSocket messages, floods, wrong tokens,
// the participant cap, bad REST requests, cross-origin requests and login
// guessing. None of it may take the server down or disturb other people.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Server, WsClient, PASSWORD, installHooks, sleep } from './lib.mjs';

installHooks();

const LOGIN_LIMIT = 10;
const CONFIG = { login_attempts_per_min: LOGIN_LIMIT, ws_rate_per_sec: 20, ws_rate_burst: 40 };

let server;
let anna;
let bob;
let meeting;
let host;
let guest; // admitted citizen

function expectApiError(r, status, code, what) {
    assert.equal(r.status, status, `${what}: expected ${status} ${code}, got ${r.status} ${r.text}`);
    assert.equal(r.json?.error?.code, code, `${what}: error code in ${r.text}`);
    assert.equal(typeof r.json.error.message, 'string', `${what}: error.message`);
}

before(async () => {
    server = new Server({ name: 'hostile', config: CONFIG });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    server.addUser('bob', 'Bo Bendtsen', PASSWORD);
    await server.start();
    anna = await server.login('anna', PASSWORD);
    bob = await server.login('bob', PASSWORD);
    meeting = await anna.createMeeting({ title: 'Fjendtlig test', roles: ['citizen', 'interpreter', 'advocate', 'akasse'] });
    host = await server.join(meeting.host_link.token, 'Anna Jensen');
    await host.next('admitted');
    guest = await server.join(meeting.links[0].token, 'Mette Hansen');
    await guest.next('lobby');
    host.send({ type: 'admit', participant_id: guest.id });
    await guest.next('admitted');
});

// ---------------------------------------------------------------- WebSocket

test('WS before join: bad JSON, non-objects, missing type, wrong state', async () => {
    const c = await server.connect();
    c.label = 'pre-join';
    c.sendRaw('{"type": "ping",');
    await c.error('bad_json');
    c.sendRaw('not json');
    await c.error('bad_json');
    for (const raw of ['[1,2,3]', '[]', '[{"type":"ping"}]']) {
        c.sendRaw(raw);
        const e = await c.error('bad_message');
        assert.equal(typeof e.message, 'string');
    }
    c.send({ token: 'x', name: 'y' });
    await c.error('bad_message');
    c.send({ type: 5 });
    await c.error('bad_message');
    c.send({ type: 'chat', text: 'hej' });
    await c.error('wrong_state');
    c.send({ type: 'admit', participant_id: guest.id });
    await c.error('wrong_state');
    c.send({ type: 'leave' });
    await c.error('wrong_state');
    await c.ping();
    assert.ok(c.isOpen, 'errors do not close the connection');
    c.close();
});

test('WS top-level JSON scalars (valid JSON, not an object) → bad_message', async () => {
    const c = await server.connect();
    c.label = 'scalars';
    for (const raw of ['"join"', '42', 'null', 'true']) {
        c.sendRaw(raw);
        const e = await c.next('error');
        assert.equal(e.code, 'bad_message', `${raw}: ${JSON.stringify(e)}`);
    }
    await c.ping();
    c.close();
});

test('WS upgrade from a foreign Origin or on another path is refused', async () => {
    await assert.rejects(server.connect({ origin: 'https://evil.example' }), /upgrade refused|Unexpected server response|socket hang up|ECONNRESET|closed/i);
    await assert.rejects(WsClient.connect(`wss://127.0.0.1:${server.port}/api/me`, { origin: server.origin }), /./);
    await guest.ping();
});

test('WS binary frames → bad_message', async () => {
    const c = await server.connect();
    c.sendRaw(Buffer.from('{"type":"ping"}'), { binary: true });
    await c.error('bad_message');
    c.sendRaw(Buffer.from([0, 1, 2, 255, 254]), { binary: true });
    await c.error('bad_message');
    await c.ping();
    c.close();
});

test('WS join with wrong tokens and bad names', async () => {
    const c = await server.connect();
    c.label = 'wrong-tokens';
    c.send({ type: 'join', token: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', name: 'X' });
    await c.error('invalid_token');
    c.send({ type: 'join', token: '../../etc/passwd', name: 'X' });
    await c.error('invalid_token');
    c.send({ type: 'join', token: '', name: 'X' });
    const e1 = await c.next('error');
    assert.ok(['invalid_token', 'bad_message'].includes(e1.code), JSON.stringify(e1));
    for (const token of [42, null, { a: 1 }, ['x']]) {
        c.send({ type: 'join', token, name: 'X' });
        const e = await c.next('error');
        assert.ok(['invalid_token', 'bad_message'].includes(e.code), `token ${JSON.stringify(token)}: ${JSON.stringify(e)}`);
    }
    c.send({ type: 'join', name: 'X' });
    const e2 = await c.next('error');
    assert.ok(['invalid_token', 'bad_message'].includes(e2.code), JSON.stringify(e2));

    const good = meeting.links[1].token; // interpreter
    for (const name of ['', 'x'.repeat(65), 'æ'.repeat(33), 'bell\u0007', 'two\nlines', 'tab\there', '\u007f', 42, null]) {
        c.send({ type: 'join', token: good, name });
        const e = await c.error('bad_message');
        assert.ok(e, `name ${JSON.stringify(name)}`);
    }
    c.send({ type: 'resume', resume_token: 'nope-nope-nope-nope-nope-nope-00' });
    await c.error('resume_failed');
    await c.ping();

    // After all that the same connection can still join (64 bytes of UTF-8 is allowed).
    c.send({ type: 'join', token: good, name: 'æ'.repeat(32) });
    const j = await c.next('joined');
    assert.equal(j.you.name, 'æ'.repeat(32));
    await c.next('lobby');
    c.send({ type: 'join', token: good, name: 'Again' });
    await c.error('wrong_state');
    c.send({ type: 'resume', resume_token: j.resume_token });
    await c.error('wrong_state');
    c.send({ type: 'leave' });
    await c.next('left');
    await c.closed();
});

test('WS join with a NUL character in the name ("\\u0000") → bad_json: NUL is refused anywhere', async () => {
    const c = await server.connect();
    c.send({ type: 'join', token: meeting.links[1].token, name: 'nul\u0000byte' });
    const e = await c.next('error');
    assert.equal(e.code, 'bad_json', JSON.stringify(e));
    await c.ping();
    c.close();
});

test('WS after join: unknown type, bad fields, not_found', async () => {
    guest.send({ type: 'teleport' });
    await guest.error('unknown_type');
    guest.send({ type: 'chat' });
    await guest.error('bad_message');
    guest.send({ type: 'chat', text: '' });
    await guest.error('bad_message');
    guest.send({ type: 'chat', text: 'x'.repeat(2001) });
    await guest.error('bad_message');
    guest.send({ type: 'chat', text: 42 });
    await guest.error('bad_message');
    guest.send({ type: 'hand', raised: 'yes' });
    await guest.error('bad_message');
    guest.send({ type: 'media_state', mic: 'loud' });
    await guest.error('bad_message');
    host.send({ type: 'admit', participant_id: 987654 });
    await host.error('not_found');
    host.send({ type: 'mute_request', participant_id: guest.id, kind: 'voice' });
    await host.error('bad_message');
    await guest.ping();
    await host.ping();

    // 2000 bytes is the largest chat: "ø" is 2 bytes.
    guest.send({ type: 'chat', text: 'ø'.repeat(1000) });
    const m = await host.waitFor((x) => x.type === 'chat' && x.from === guest.id, { desc: 'max-size chat' });
    assert.equal(m.text, 'ø'.repeat(1000));
});

test('WS 70 KiB message → too_big, the connection stays usable', async () => {
    guest.send({ type: 'chat', text: 'x'.repeat(70 * 1024) });
    await guest.error('too_big');
    await guest.ping();
    guest.send({ type: 'chat', text: 'still here after too_big' });
    await host.waitFor((x) => x.type === 'chat' && x.text === 'still here after too_big', { desc: 'chat after too_big' });
    // A raw 70 KiB frame that is not even JSON: too_big as well (size is checked first).
    guest.sendRaw('{'.repeat(70 * 1024));
    await guest.error('too_big');
    await guest.ping();
    assert.ok(guest.isOpen);
});

test('WS guest host-actions → not_permitted', async () => {
    const actions = [
        { type: 'admit', participant_id: guest.id },
        { type: 'deny', participant_id: host.id },
        { type: 'remove', participant_id: host.id },
        { type: 'mute_request', participant_id: host.id, kind: 'mic' },
        { type: 'lock', locked: true },
        { type: 'end' },
    ];
    for (const a of actions) {
        guest.send(a);
        const e = await guest.error('not_permitted');
        assert.equal(e.ref, a.type, `ref names the refused message type: ${JSON.stringify(e)}`);
    }
    await guest.ping();
    await host.ping();
    // Nothing happened: the host is still there, the meeting is not locked.
    host.send({ type: 'hand', raised: true });
    const r = await guest.roster((ps) => ps.some((p) => p.id === host.id && p.hand === true));
    assert.equal(r.meeting.locked, false);
});

test('WS flood of 500 messages: rate limited, others unaffected', async () => {
    const flooder = await server.join(meeting.links[2].token, 'Flood Flodsen');
    await flooder.next('lobby');
    host.send({ type: 'admit', participant_id: flooder.id });
    await flooder.next('admitted');
    const observer = await server.join(meeting.links[3].token, 'Olga Observer');
    await observer.next('lobby');
    host.send({ type: 'admit', participant_id: observer.id });
    await observer.next('admitted');
    await sleep(2100); // refill the join-time budget

    for (let i = 0; i < 500; i++) flooder.send({ type: 'chat', text: `flood ${i}` });

    // The observer is served while (and after) the flood happens.
    for (let i = 0; i < 5; i++) {
        await observer.ping(3000);
        await sleep(100);
    }
    observer.send({ type: 'chat', text: 'observer is fine' });
    await observer.waitFor((x) => x.type === 'chat' && x.text === 'observer is fine', { desc: 'own chat echo', timeoutMs: 5000 });
    await host.waitFor((x) => x.type === 'chat' && x.text === 'observer is fine', { desc: 'observer chat at host', timeoutMs: 5000 });
    await host.ping();
    await guest.ping();

    // The flooder got rate_limited errors, and/or was closed with 1008.
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !flooder.closeInfo && !flooder.history.some((m) => m.type === 'error' && m.code === 'rate_limited')) await sleep(50);
    const limited = flooder.history.filter((m) => m.type === 'error' && m.code === 'rate_limited').length;
    assert.ok(limited > 0 || flooder.closeInfo, 'flooder saw rate_limited errors or was closed');
    if (flooder.closeInfo) assert.equal(flooder.closeInfo.code, 1008, `flood close code: ${JSON.stringify(flooder.closeInfo)}`);
    const passed = observer.history.filter((m) => m.type === 'chat' && m.from === flooder.id).length;
    assert.ok(passed < 250, `most of the flood was dropped (observer got ${passed} flood chats)`);
    assert.ok(passed >= 1, 'the flooder\'s first messages (within the burst) went through');
    flooder.terminate();
    observer.send({ type: 'leave' });
    await observer.closed();
});

test('WS participant cap: third join with max_participants = 2 → meeting_full', async () => {
    const small = new Server({ name: 'cap', config: { max_participants: 2 } });
    small.addUser('anna', 'Anna Jensen', PASSWORD);
    await small.start();
    const a = await small.login('anna', PASSWORD);
    const m = await a.createMeeting({ title: 'Lille møde', roles: ['citizen', 'interpreter'] });
    const h = await small.join(m.host_link.token, 'Anna Jensen');
    await h.next('admitted');
    const c = await small.join(m.links[0].token, 'Mette Hansen');
    await c.next('lobby');
    h.send({ type: 'admit', participant_id: c.id });
    await c.next('admitted');
    const e = await small.joinError(m.links[1].token, 'Ali Rahimi');
    assert.equal(e.code, 'meeting_full');
    await h.ping();
    await c.ping();
    // A seat frees up when someone leaves.
    c.send({ type: 'leave' });
    await c.closed();
    await h.roster((ps) => ps.length === 1);
    const i = await small.join(m.links[1].token, 'Ali Rahimi');
    await i.next('lobby');
    i.close();
    h.close();
    await small.cleanup();
});

// ---------------------------------------------------------------- REST

test('REST: bad JSON bodies → 400 bad_json', async () => {
    expectApiError(await anna.req('POST', '/api/meetings', { rawBody: '{"title": "x", ' }), 400, 'bad_json', 'meetings');
    expectApiError(await anna.req('POST', '/api/meetings', { rawBody: 'not json at all' }), 400, 'bad_json', 'meetings text');
    expectApiError(await server.request('POST', '/api/join-info', { rawBody: '{token:1}' }), 400, 'bad_json', 'join-info');
    expectApiError(await server.request('POST', '/api/login', { rawBody: '{"username":' }), 400, 'bad_json', 'login');
});

test('REST: body over 64 KiB → 413 too_big', async () => {
    const big = JSON.stringify({ title: 'x'.repeat(70 * 1024), roles: ['citizen'] });
    expectApiError(await anna.req('POST', '/api/meetings', { rawBody: big }), 413, 'too_big', 'meetings');
    expectApiError(await server.request('POST', '/api/join-info', { rawBody: JSON.stringify({ token: 'x'.repeat(70 * 1024) }) }), 413, 'too_big', 'join-info');
});

test('REST: missing and invalid fields → 400 bad_request', async () => {
    const bad = [
        {},
        { roles: ['citizen'] },
        { title: '', roles: ['citizen'] },
        { title: 'x'.repeat(201), roles: ['citizen'] },
        { title: 42, roles: ['citizen'] },
        { title: 'ok', roles: ['king'] },
        { title: 'ok', roles: 'citizen' },
        { title: 'ok', roles: [42] },
        { title: 'ok', roles: ['citizen'], duration_minutes: 4 },
        { title: 'ok', roles: ['citizen'], duration_minutes: 1441 },
        { title: 'ok', roles: ['citizen'], duration_minutes: 'long' },
        { title: 'ok', roles: ['citizen'], planned_start: 'tomorrow' },
        { title: 'ok', roles: ['citizen'], auto_admit: ['king'] },
    ];
    for (const body of bad) {
        expectApiError(await anna.req('POST', '/api/meetings', { body }), 400, 'bad_request', `POST /api/meetings ${JSON.stringify(body).slice(0, 80)}`);
    }
    const arr = await anna.req('POST', '/api/meetings', { rawBody: '[1,2]' });
    assert.equal(arr.status, 400, arr.text);
    assert.ok(['bad_request', 'bad_json'].includes(arr.json.error.code), arr.text);

    expectApiError(await anna.req('POST', `/api/meetings/${meeting.meeting.id}/invitations`, { body: {} }), 400, 'bad_request', 'invitation {}');
    expectApiError(await anna.req('POST', `/api/meetings/${meeting.meeting.id}/invitations`, { body: { role: 'king' } }), 400, 'bad_request', 'invitation king');
    expectApiError(await server.request('POST', '/api/login', { body: { username: 'anna' } }), 400, 'bad_request', 'login without password');

    // Boundaries that are allowed.
    const ok = await anna.createMeeting({ title: 'x'.repeat(200), roles: ['citizen'], duration_minutes: 5 });
    assert.equal(ok.meeting.planned_end - ok.meeting.planned_start, 5 * 60000);
    const ok2 = await anna.createMeeting({ title: 'y', roles: [], duration_minutes: 1440 });
    assert.equal(ok2.links.length, 0);
});

test('REST: join-info without a string token → 400 bad_request', async () => {
    expectApiError(await server.request('POST', '/api/join-info', { body: {} }), 400, 'bad_request', 'join-info {}');
    expectApiError(await server.request('POST', '/api/join-info', { body: { token: 42 } }), 400, 'bad_request', 'join-info token 42');
});

test('REST: "roles" is required when creating a meeting', async () => {
    expectApiError(await anna.req('POST', '/api/meetings', { body: { title: 'no roles' } }), 400, 'bad_request', 'no roles');
});

test('REST: not logged in → 401 not_logged_in', async () => {
    const id = meeting.meeting.id;
    const calls = [
        ['GET', '/api/me'], ['GET', '/api/meetings'], ['POST', '/api/meetings'], ['GET', `/api/meetings/${id}`],
        ['DELETE', `/api/meetings/${id}`], ['GET', `/api/meetings/${id}/audit`], ['POST', `/api/meetings/${id}/invitations`],
    ];
    for (const [method, p] of calls) {
        const body = method === 'POST' ? { title: 'x', roles: ['citizen'], role: 'citizen' } : undefined;
        expectApiError(await server.request(method, p, { body }), 401, 'not_logged_in', `${method} ${p}`);
        expectApiError(await server.request(method, p, { body, cookie: 'samtale_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), 401, 'not_logged_in', `${method} ${p} (forged cookie)`);
    }
    // The meeting still exists.
    await anna.expect(200, 'GET', `/api/meetings/${id}`);
});

test('REST: wrong credentials → 401 invalid_credentials', async () => {
    expectApiError(await server.request('POST', '/api/login', { body: { username: 'anna', password: 'wrong password' } }), 401, 'invalid_credentials', 'wrong password');
    expectApiError(await server.request('POST', '/api/login', { body: { username: 'nobody', password: PASSWORD } }), 401, 'invalid_credentials', 'unknown user');
});

test('REST: another caseworker\'s meeting → 404', async () => {
    const id = meeting.meeting.id;
    const inv = meeting.links[0].id;
    expectApiError(await bob.req('GET', `/api/meetings/${id}`), 404, 'not_found', 'GET');
    expectApiError(await bob.req('GET', `/api/meetings/${id}/audit`), 404, 'not_found', 'audit');
    expectApiError(await bob.req('POST', `/api/meetings/${id}/invitations`, { body: { role: 'citizen' } }), 404, 'not_found', 'invite');
    expectApiError(await bob.req('DELETE', `/api/meetings/${id}/invitations/${inv}`), 404, 'not_found', 'revoke');
    expectApiError(await bob.req('DELETE', `/api/meetings/${id}`), 404, 'not_found', 'DELETE');
    const list = await bob.expect(200, 'GET', '/api/meetings');
    assert.ok(!list.meetings.some((m) => m.id === id), 'not in bob\'s list');
    // Untouched for its owner.
    const one = await anna.expect(200, 'GET', `/api/meetings/${id}`);
    assert.ok(one.invitations.every((i) => i.revoked_at === null));
    expectApiError(await anna.req('GET', '/api/meetings/999999'), 404, 'not_found', 'no such meeting');
});

test('REST: unknown route → 404, wrong method → 405', async () => {
    expectApiError(await anna.req('GET', '/api/nope'), 404, 'not_found', 'unknown api route');
    expectApiError(await anna.req('PUT', '/api/meetings'), 405, 'method_not_allowed', 'PUT /api/meetings');
    expectApiError(await server.request('GET', '/api/login'), 405, 'method_not_allowed', 'GET /api/login');
});

const EVIL = { Origin: 'https://evil.example' };

test('REST: cross-origin POST/DELETE without a body → 403 forbidden, nothing done', async () => {
    // A second session of anna's, so a failure here cannot log out the main one.
    const victim = await server.login('anna', PASSWORD);
    expectApiError(await victim.req('DELETE', `/api/meetings/${meeting.meeting.id}`, { headers: EVIL }), 403, 'forbidden', 'delete');
    expectApiError(await victim.req('DELETE', `/api/meetings/${meeting.meeting.id}/invitations/${meeting.links[0].id}`, { headers: EVIL }), 403, 'forbidden', 'revoke');
    expectApiError(await victim.req('POST', '/api/logout', { headers: EVIL }), 403, 'forbidden', 'logout');
    await victim.expect(200, 'GET', '/api/me'); // still logged in
    const one = await anna.expect(200, 'GET', `/api/meetings/${meeting.meeting.id}`); // not deleted
    assert.equal(one.invitations.find((i) => i.id === meeting.links[0].id).revoked_at, null, 'not revoked');
});

test('REST: cross-origin POST with a JSON body → 403 forbidden, nothing created', async () => {
    const before = (await anna.expect(200, 'GET', '/api/meetings')).meetings.length;
    const problems = [];
    const attempts = [
        ['create', EVIL],
        ['Origin null', { Origin: 'null' }],
        ['http scheme', { Origin: `http://127.0.0.1:${server.port}` }],
    ];
    for (const [what, headers] of attempts) {
        try {
            expectApiError(await anna.req('POST', '/api/meetings', { body: { title: `evil ${what}`, roles: ['citizen'] }, headers }), 403, 'forbidden', what);
        } catch (e) {
            problems.push(`${what}: ${e.message.split('\n')[0]}`);
        }
    }
    const after = (await anna.expect(200, 'GET', '/api/meetings')).meetings;
    const evilMade = after.filter((m) => m.title.startsWith('evil'));
    if (evilMade.length) problems.push(`cross-origin requests created ${evilMade.length} meeting(s): ${evilMade.map((m) => m.title).join(', ')}`);
    assert.equal(after.length - evilMade.length, before, 'meeting count');
    assert.deepEqual(problems, [], 'cross-origin POSTs with a body must be refused and have no effect');
});

test('REST: cross-origin login → 403 forbidden, no session', async () => {
    let r;
    try {
        r = await server.request('POST', '/api/login', { body: { username: 'anna', password: PASSWORD }, headers: EVIL });
    } catch (e) {
        assert.fail(`cross-origin login: ${e.message}`);
    }
    expectApiError(r, 403, 'forbidden', 'login');
    assert.equal(r.headers['set-cookie'], undefined, 'no cookie set');
});

test('REST: same-origin POST is accepted', async () => {
    const ok = await anna.req('POST', '/api/meetings', { body: { title: 'same origin', roles: [] }, headers: { Origin: server.origin } });
    assert.equal(ok.status, 201, ok.text);
});

test('REST: login guessing → 429 rate_limited with Retry-After', async () => {
    let got = null;
    for (let i = 0; i < LOGIN_LIMIT + 1; i++) {
        const r = await server.request('POST', '/api/login', { body: { username: 'anna', password: `guess ${i}` } });
        if (r.status === 429) { got = r; break; }
        assert.equal(r.status, 401, r.text);
    }
    assert.ok(got, `429 within ${LOGIN_LIMIT + 1} attempts`);
    expectApiError(got, 429, 'rate_limited', 'login guessing');
    assert.match(String(got.headers['retry-after']), /^[1-9][0-9]*$/, 'Retry-After seconds');
    assert.ok(Number(got.headers['retry-after']) <= 60);
    // Even the right password is refused while limited.
    expectApiError(await server.request('POST', '/api/login', { body: { username: 'anna', password: PASSWORD } }), 429, 'rate_limited', 'right password while limited');
    // Existing sessions are unaffected.
    await anna.expect(200, 'GET', '/api/me');
});

test('after all that: /healthz 200 and the meeting still works', async () => {
    const r = await server.request('GET', '/healthz');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { status: 'ok' });
    await host.ping();
    await guest.ping();
    guest.send({ type: 'chat', text: 'the end' });
    await host.waitFor((x) => x.type === 'chat' && x.text === 'the end');
    assert.ok(server.running, 'server process is still running');
});
