// Acceptance test: one whole meeting from login to the audit log.
// A caseworker logs in, creates a meeting with a citizen and an interpreter
// link, joins as host; both guests wait in the lobby, are admitted, chat,
// and the host ends the meeting for everyone.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
    Server, PASSWORD, installHooks, parseSetCookie, byName, assertSubsequence,
} from './lib.mjs';

installHooks();

const PUBLIC_URL = 'https://samtale.example.dk';
const TITLE = 'Opfølgning – jobsamtale (Mette)';
const TOKEN_RE = /^[A-Za-z0-9_-]{32}$/;

let server;
let api;
let created; // POST /api/meetings answer
let host;
let citizen;
let interpreter;
let startedAt;

before(async () => {
    server = new Server({ name: 'foundation', config: { public_url: PUBLIC_URL } });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
});

test('server prints "listening on https://" on start', () => {
    assert.match(server.stdoutText, /listening on https:\/\//);
});

test('caseworker logs in; the session cookie is HttpOnly, Secure, SameSite=Strict', async () => {
    const r = await server.request('POST', '/api/login', { body: { username: 'anna', password: PASSWORD } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.username, 'anna');
    assert.equal(r.json.user.display_name, 'Anna Jensen');
    assert.ok(r.json.user.id !== undefined && r.json.user.id !== null, 'user.id present');
    assert.ok(!/password/i.test(r.text), 'login answer must not mention the password');

    const cookies = (r.headers['set-cookie'] ?? []).map(parseSetCookie);
    const c = cookies.find((x) => x.name === 'samtale_session');
    assert.ok(c, `samtale_session cookie set: ${JSON.stringify(r.headers['set-cookie'])}`);
    assert.ok(c.value.length >= 22, `session value looks random enough: ${c.value.length} chars`);
    assert.equal(c.attrs.path, '/');
    assert.equal(c.attrs.httponly, true, 'HttpOnly');
    assert.equal(c.attrs.secure, true, 'Secure');
    assert.equal(String(c.attrs.samesite).toLowerCase(), 'strict', 'SameSite=Strict');
    assert.match(String(c.attrs['max-age']), /^[1-9][0-9]*$/, 'Max-Age is a positive integer');

    api = await server.login('anna', PASSWORD);
    const me = await api.expect(200, 'GET', '/api/me');
    assert.equal(me.user.username, 'anna');
    assert.equal(me.user.display_name, 'Anna Jensen');
});

test('caseworker creates a meeting with citizen and interpreter links', async () => {
    startedAt = Date.now();
    created = await api.createMeeting({ title: TITLE, roles: ['citizen', 'interpreter'] });
    const m = created.meeting;
    assert.equal(m.title, TITLE);
    assert.equal(m.status, 'planned');
    assert.equal(m.ended_at, null);
    assert.equal(m.participants, 0);
    assert.ok(Math.abs(m.planned_start - startedAt) < 60000, 'planned_start defaults to now');
    assert.equal(m.planned_end - m.planned_start, 60 * 60000, 'default duration 60 minutes');
    assert.ok(Math.abs(m.created_at - startedAt) < 60000, 'created_at is now (ms)');

    const hl = created.host_link;
    assert.equal(hl.role, 'caseworker');
    assert.equal(hl.is_host, true);
    assert.equal(hl.revoked_at, null);
    assert.match(hl.token, TOKEN_RE);
    assert.equal(hl.url, `${PUBLIC_URL}/join#${hl.token}`);

    assert.equal(created.links.length, 2);
    assert.deepEqual(created.links.map((l) => l.role), ['citizen', 'interpreter']);
    const tokens = new Set([hl.token]);
    for (const l of created.links) {
        assert.equal(l.is_host, false);
        assert.equal(l.auto_admit, false);
        assert.equal(l.revoked_at, null);
        assert.match(l.token, TOKEN_RE);
        assert.equal(l.url, `${PUBLIC_URL}/join#${l.token}`);
        assert.equal(l.expires_at, m.planned_end + 120 * 60000, 'expires at planned_end + 120 min (default grace)');
        assert.equal(typeof l.label, 'string');
        tokens.add(l.token);
    }
    assert.equal(tokens.size, 3, 'all tokens differ');

    const list = await api.expect(200, 'GET', '/api/meetings');
    const listed = list.meetings.find((x) => x.id === m.id);
    assert.ok(listed, 'meeting listed');
    assert.equal(listed.title, TITLE);

    const one = await api.expect(200, 'GET', `/api/meetings/${m.id}`);
    assert.equal(one.meeting.id, m.id);
    assert.equal(one.invitations.length, 3, 'host link + 2 guest links');
    const made = new Map([created.host_link, ...created.links].map((l) => [l.id, l]));
    for (const inv of one.invitations) {
        // Derived again from the link key for the owner (links.test.mjs has the rest).
        assert.equal(inv.token, made.get(inv.id).token, 'the owner sees the same token again');
        assert.equal(inv.url, made.get(inv.id).url, 'and the same url');
    }
    assert.deepEqual(one.invitations.map((i) => i.role).sort(), ['caseworker', 'citizen', 'interpreter']);

    const info = await server.request('POST', '/api/join-info', { body: { token: created.links[0].token } });
    assert.equal(info.status, 200, info.text);
    assert.equal(info.json.role, 'citizen');
    assert.equal(info.json.is_host, false);
    assert.equal(info.json.meeting.title, TITLE);
    assert.equal(info.json.meeting.status, 'planned');
    assert.equal(info.json.meeting.planned_start, m.planned_start);
});

test('host joins with the host link and is admitted at once', async () => {
    host = await server.join(created.host_link.token, 'Anna Jensen');
    const j = host.joined;
    assert.equal(j.resumed, false);
    assert.equal(j.meeting.id, created.meeting.id);
    assert.equal(j.meeting.title, TITLE);
    assert.equal(typeof j.resume_token, 'string');
    assert.ok(j.resume_token.length >= 16);
    assert.equal(j.you.name, 'Anna Jensen');
    assert.equal(j.you.role, 'caseworker');
    assert.equal(j.you.host, true);
    await host.next('admitted');
    const r = await host.roster((ps) => ps.some((p) => p.id === host.id && p.state === 'admitted'));
    assert.equal(r.meeting.id, created.meeting.id);
    assert.equal(r.meeting.locked, false);
    const me = r.participants.find((p) => p.id === host.id);
    for (const k of ['id', 'name', 'role', 'state', 'host', 'connected', 'mic', 'camera', 'screen', 'hand']) {
        assert.ok(k in me, `participant has "${k}": ${JSON.stringify(me)}`);
    }
    assert.equal(me.connected, true);
    assert.equal(me.hand, false);
});

test('citizen and interpreter join and wait in the lobby', async () => {
    citizen = await server.join(created.links[0].token, 'Mette Hansen');
    assert.equal(citizen.joined.you.role, 'citizen');
    assert.equal(citizen.joined.you.state, 'lobby');
    assert.equal(citizen.joined.you.host, false);
    const lobby1 = await citizen.next('lobby');
    assert.equal(typeof lobby1.message, 'string');

    interpreter = await server.join(created.links[1].token, 'Ali Rahimi');
    assert.equal(interpreter.joined.you.role, 'interpreter');
    assert.equal(interpreter.joined.you.state, 'lobby');
    await interpreter.next('lobby');
    assert.notEqual(citizen.id, interpreter.id);

    const r = await host.roster((ps) => byName(ps, 'Mette Hansen')?.state === 'lobby' && byName(ps, 'Ali Rahimi')?.state === 'lobby',
        { desc: 'host roster with both guests in the lobby' });
    assert.equal(byName(r.participants, 'Mette Hansen').role, 'citizen');
    assert.equal(byName(r.participants, 'Ali Rahimi').role, 'interpreter');
    assert.equal(byName(r.participants, 'Anna Jensen').state, 'admitted');

    // Lobby guests see nobody: no roster, no admitted.
    await citizen.expectNone('roster', 300);
    await interpreter.expectNone('roster', 0);
    await citizen.expectNone('admitted', 0);

    const live = await api.expect(200, 'GET', `/api/meetings/${created.meeting.id}`);
    assert.equal(live.meeting.status, 'live');
});

test('host admits both; all three rosters agree', async () => {
    host.send({ type: 'admit', participant_id: citizen.id });
    await citizen.next('admitted');
    host.send({ type: 'admit', participant_id: interpreter.id });
    await interpreter.next('admitted');

    const expected = [
        { name: 'Anna Jensen', role: 'caseworker', host: true },
        { name: 'Mette Hansen', role: 'citizen', host: false },
        { name: 'Ali Rahimi', role: 'interpreter', host: false },
    ];
    const allAdmitted = (ps) => ps.length === 3 && ps.every((p) => p.state === 'admitted');
    for (const c of [host, citizen, interpreter]) {
        const r = await c.roster(allAdmitted, { desc: `roster with all three admitted (${c.label})` });
        for (const e of expected) {
            const p = byName(r.participants, e.name);
            assert.ok(p, `${c.label} sees ${e.name}`);
            assert.equal(p.role, e.role);
            assert.equal(p.host, e.host);
            assert.equal(p.connected, true);
        }
        assert.equal(byName(r.participants, 'Mette Hansen').id, citizen.id);
        assert.equal(byName(r.participants, 'Ali Rahimi').id, interpreter.id);
        assert.equal(byName(r.participants, 'Anna Jensen').id, host.id);
    }

    const live = await api.expect(200, 'GET', `/api/meetings/${created.meeting.id}`);
    assert.equal(live.meeting.status, 'live');
    assert.equal(live.meeting.participants, 3);
});

test('chat from the citizen reaches all three', async () => {
    const text = 'Hej! Kan I høre mig? Æble, øl og år 🙂';
    citizen.send({ type: 'chat', text });
    let id;
    for (const c of [citizen, host, interpreter]) {
        const m = await c.waitFor((x) => x.type === 'chat' && x.text === text, { desc: `chat at ${c.label}` });
        assert.equal(m.from, citizen.id);
        assert.equal(m.name, 'Mette Hansen');
        assert.equal(m.role, 'citizen');
        assert.equal(typeof m.at, 'number');
        assert.ok(Math.abs(m.at - Date.now()) < 60000, 'chat.at is Unix ms');
        if (id === undefined) id = m.id;
        assert.equal(m.id, id, 'same chat id for everyone');
    }
});

test('host ends the meeting for all', async () => {
    host.send({ type: 'end' });
    for (const c of [host, citizen, interpreter]) {
        const m = await c.next('meeting_ended');
        assert.equal(m.reason, 'host');
        await c.closed();
    }
    const one = await api.expect(200, 'GET', `/api/meetings/${created.meeting.id}`);
    assert.equal(one.meeting.status, 'ended');
    assert.equal(typeof one.meeting.ended_at, 'number');

    const info = await server.request('POST', '/api/join-info', { body: { token: created.links[0].token } });
    assert.equal(info.status, 410, info.text);
    assert.equal(info.json.error.code, 'meeting_ended');
    const e = await server.joinError(created.links[0].token, 'Mette Hansen');
    assert.equal(e.type, 'error');
    assert.equal(e.code, 'meeting_ended');
});

test('audit log via REST lists the meeting in order', async () => {
    const events = await api.audit(created.meeting.id);
    for (let i = 0; i < events.length; i++) {
        const e = events[i];
        assert.equal(typeof e.at, 'number');
        assert.equal(typeof e.kind, 'string');
        assert.ok('role' in e && 'display_name' in e && 'detail' in e, JSON.stringify(e));
        if (i > 0) {
            assert.ok(e.at >= events[i - 1].at, 'times do not go backwards');
            assert.notEqual(e.id, events[i - 1].id);
        }
    }
    const [createdEv] = assertSubsequence(events, ['created']);
    assert.equal(createdEv.role, null);
    const guestInvs = events.filter((e) => e.kind === 'invitation_created');
    assert.ok(guestInvs.length >= 2, `at least 2 invitation_created: ${guestInvs.length}`);

    const got = assertSubsequence(events, [
        'created',
        'invitation_created',
        'invitation_created',
        { kind: 'join', role: 'caseworker', display_name: 'Anna Jensen' },
        { kind: 'join', role: 'citizen', display_name: 'Mette Hansen' },
        { kind: 'join', role: 'interpreter', display_name: 'Ali Rahimi' },
        'admit',
        'admit',
        'end',
    ]);
    const [admit1, admit2] = got.slice(6, 8);
    // The admit events are about the admitted guest: their name is the
    // event's display_name (or at least in its detail).
    const about = (ev, name) => ev.display_name === name || String(ev.detail ?? '').includes(name);
    assert.ok(about(admit1, 'Mette Hansen'), `first admit is about Mette: ${JSON.stringify(admit1)}`);
    assert.ok(about(admit2, 'Ali Rahimi'), `second admit is about Ali: ${JSON.stringify(admit2)}`);
    assert.ok(got.at(-1).at >= startedAt - 1000);
});

test('logout clears the cookie and the old cookie is refused', async () => {
    const r = await api.req('POST', '/api/logout');
    assert.equal(r.status, 204);
    const cleared = (r.headers['set-cookie'] ?? []).map(parseSetCookie).find((c) => c.name === 'samtale_session');
    assert.ok(cleared, 'logout sets the cookie again to clear it');
    assert.equal(String(cleared.attrs['max-age']), '0');
    const me = await api.req('GET', '/api/me');
    assert.equal(me.status, 401);
    assert.equal(me.json.error.code, 'not_logged_in');
});

test('secrets never reach the log: tokens, password, session cookie', async () => {
    const secrets = [PASSWORD, api.cookie.split('=')[1], created.host_link.token, ...created.links.map((l) => l.token)];
    for (const c of [host, citizen, interpreter]) if (c.resumeToken) secrets.push(c.resumeToken);
    const exit = await server.stop();
    assert.equal(exit.code, 0, `clean exit on SIGTERM: ${JSON.stringify(exit)}`);
    const text = server.log.map(([, line]) => line).join('\n');
    assert.ok(text.length > 0, 'the server logged something');
    for (const s of secrets) {
        assert.ok(typeof s === 'string' && s.length >= 16, `secret collected: ${s}`);
        assert.ok(!text.includes(s), 'a secret appears in the server log');
    }
});
