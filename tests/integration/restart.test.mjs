// Everything that must survive a restart lives in the data directory:
// meetings, invitations (and their revocation), ended meetings, sessions,
// a host's lock. Whoever was present when the server stopped (SIGTERM) or
// died (SIGKILL) gets an audit `leave` (detail `server restart`) when it
// starts again. Also covers every way a token can be refused.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Server, PASSWORD, installHooks, assertSubsequence } from './lib.mjs';

installHooks();

// invitation_grace_min = 0 lets a meeting planned in the past have expired links.
const CONFIG = { invitation_grace_min: 0 };

let server;
let api;
let main;      // meeting with citizen, interpreter (revoked later), employer
let revoked;   // the revoked interpreter invitation
let expired;   // meeting planned 2 hours ago, 5 minutes long
let ended;     // meeting ended by its host
let liveAtStop; // meeting with people connected when the server stops
let crashed;    // locked meeting with people present when the server is killed
let killedAt;   // Date.now() just before SIGKILL
let restartedAt; // Date.now() once the server answered again

// The restart leaves of a meeting's audit log: [display_name, role] in order.
async function restartLeaves(meetingId) {
    const events = await api.audit(meetingId);
    return events.filter((e) => e.kind === 'leave' && e.detail === 'server restart');
}

async function joinInfo(token) {
    return server.request('POST', '/api/join-info', { body: { token } });
}

before(async () => {
    server = new Server({ name: 'restart', config: CONFIG });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
    api = await server.login('anna', PASSWORD);
});

test('before the restart: meetings, a revoked link, an expired meeting, an ended meeting', async () => {
    main = await api.createMeeting({ title: 'Samtale om aktivering', roles: ['citizen', 'interpreter', 'employer'] });
    assert.deepEqual(main.links.map((l) => l.role), ['citizen', 'interpreter', 'employer']);
    revoked = main.links[1];
    const del = await api.req('DELETE', `/api/meetings/${main.meeting.id}/invitations/${revoked.id}`);
    assert.equal(del.status, 204, del.text);

    const past = Date.now() - 2 * 3600 * 1000;
    expired = await api.createMeeting({ title: 'Gammelt møde', planned_start: past, duration_minutes: 5, roles: ['citizen'] });
    assert.equal(expired.meeting.planned_start, past);
    assert.equal(expired.meeting.planned_end, past + 5 * 60000);
    assert.equal(expired.links[0].expires_at, past + 5 * 60000, 'grace 0: expires at planned_end');

    ended = await api.createMeeting({ title: 'Afsluttet møde', roles: ['citizen'] });
    const h = await server.join(ended.host_link.token, 'Anna Jensen');
    await h.next('admitted');
    h.send({ type: 'end' });
    const m = await h.next('meeting_ended');
    assert.equal(m.reason, 'host');
    await h.closed();

    // Refusals before the restart already.
    const r = await joinInfo(revoked.token);
    assert.equal(r.status, 410, r.text);
    assert.equal(r.json.error.code, 'token_revoked');
});

test('SIGTERM: connected participants get server_shutdown, the server exits 0', async () => {
    liveAtStop = await api.createMeeting({ title: 'Møde under genstart', roles: ['citizen'] });
    const h = await server.join(liveAtStop.host_link.token, 'Anna Jensen');
    await h.next('admitted');
    const g = await server.join(liveAtStop.links[0].token, 'Mette Hansen');
    await g.next('lobby');
    h.send({ type: 'admit', participant_id: g.id });
    await g.next('admitted');

    const exitP = server.stop({ signal: 'SIGTERM', killAfterMs: 5000 });
    for (const c of [h, g]) {
        await c.next('server_shutdown', 5000);
        await c.closed(5000);
    }
    const exit = await exitP;
    assert.equal(exit.killed, undefined, 'exited on SIGTERM without needing SIGKILL');
    assert.equal(exit.signal, null, `exited normally, not by signal ${exit.signal}`);
    assert.equal(exit.code, 0);
});

test('the server starts again on the same data directory', async () => {
    await server.start();
});

test('the session cookie survives the restart', async () => {
    const me = await api.expect(200, 'GET', '/api/me');
    assert.equal(me.user.username, 'anna');
});

test('meetings and invitations are listed after the restart', async () => {
    const list = await api.expect(200, 'GET', '/api/meetings');
    const ids = list.meetings.map((m) => m.id);
    for (const m of [main, expired, ended, liveAtStop]) assert.ok(ids.includes(m.meeting.id), `meeting ${m.meeting.title} listed`);

    const one = await api.expect(200, 'GET', `/api/meetings/${main.meeting.id}`);
    assert.equal(one.meeting.title, 'Samtale om aktivering');
    assert.equal(one.meeting.planned_start, main.meeting.planned_start);
    assert.equal(one.meeting.planned_end, main.meeting.planned_end);
    assert.equal(one.invitations.length, 4);
    const rev = one.invitations.find((i) => i.id === revoked.id);
    assert.ok(rev, 'revoked invitation still listed');
    assert.equal(typeof rev.revoked_at, 'number');
    for (const inv of one.invitations.filter((i) => i.id !== revoked.id)) assert.equal(inv.revoked_at, null);

    const e = await api.expect(200, 'GET', `/api/meetings/${ended.meeting.id}`);
    assert.equal(e.meeting.status, 'ended');
    assert.equal(typeof e.meeting.ended_at, 'number');
});

test('the good token works after the restart (join-info and WebSocket join)', async () => {
    const good = main.links[0];
    const r = await joinInfo(good.token);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.role, 'citizen');
    assert.equal(r.json.is_host, false);
    assert.equal(r.json.meeting.title, 'Samtale om aktivering');

    const g = await server.join(good.token, 'Mette Hansen');
    assert.equal(g.joined.you.role, 'citizen');
    assert.equal(g.joined.you.state, 'lobby');
    await g.next('lobby');
    const h = await server.join(main.host_link.token, 'Anna Jensen');
    await h.next('admitted');
    await h.roster((ps) => ps.some((p) => p.id === g.id && p.state === 'lobby'));
    g.send({ type: 'leave' });
    await g.next('left');
    await g.closed();
    h.send({ type: 'leave' });
    await h.next('left');
    await h.closed();
});

test('a restart does not end a meeting that was live', async () => {
    const one = await api.expect(200, 'GET', `/api/meetings/${liveAtStop.meeting.id}`);
    assert.notEqual(one.meeting.status, 'ended');
    assert.equal(one.meeting.ended_at, null);
    const r = await joinInfo(liveAtStop.links[0].token);
    assert.equal(r.status, 200, r.text);
});

test('after SIGTERM, who was present leaves in the audit log (server restart)', async () => {
    const events = await api.audit(liveAtStop.meeting.id);
    assertSubsequence(events, [
        { kind: 'join', display_name: 'Anna Jensen' },
        { kind: 'join', display_name: 'Mette Hansen', role: 'citizen' },
        'admit',
        { kind: 'leave', detail: 'server restart' },
        { kind: 'leave', detail: 'server restart' },
    ]);
    const leaves = await restartLeaves(liveAtStop.meeting.id);
    assert.deepEqual(leaves.map((e) => [e.display_name, e.role]).sort(),
        [['Anna Jensen', 'caseworker'], ['Mette Hansen', 'citizen']]);
});

test('SIGKILL with a locked meeting in progress: restart writes the leaves, keeps the lock', async () => {
    crashed = await api.createMeeting({ title: 'Møde der går ned', roles: ['citizen', 'employer', 'akasse'] });
    const h = await server.join(crashed.host_link.token, 'Anna Jensen');
    await h.next('admitted');
    const g = await server.join(crashed.links[0].token, 'Mette Hansen');
    await g.next('lobby');
    h.send({ type: 'admit', participant_id: g.id });
    await g.next('admitted');
    const w = await server.join(crashed.links[1].token, 'Erik Arbejdsgiver'); // left waiting
    await w.next('lobby');
    h.send({ type: 'lock', locked: true });
    await h.roster((ps, msg) => msg.meeting?.locked === true);
    const late = await server.joinError(crashed.links[2].token, 'Karin A-kasse');
    assert.equal(late.code, 'meeting_locked');
    // The audit log has everything so far before the kill (written at once).
    assertSubsequence(await api.audit(crashed.meeting.id), ['join', 'join', 'admit', 'join', 'lock']);

    killedAt = Date.now();
    const exit = await server.stop({ signal: 'SIGKILL' });
    assert.equal(exit.signal, 'SIGKILL');
    for (const c of [h, g, w]) await c.closed(5000);

    await server.start();
    restartedAt = Date.now();
    const leaves = await restartLeaves(crashed.meeting.id);
    assert.deepEqual(leaves.map((e) => [e.display_name, e.role]).sort(), [
        ['Anna Jensen', 'caseworker'], ['Erik Arbejdsgiver', 'employer'], ['Mette Hansen', 'citizen']]);
    for (const e of leaves) {
        assert.ok(e.at >= killedAt && e.at <= restartedAt, `leave at the restart: ${e.at} in [${killedAt}, ${restartedAt}]`);
    }
    const events = await api.audit(crashed.meeting.id);
    assert.equal(events.at(-1).kind, 'leave', 'the restart leaves come last');
    // The SIGTERM restart's leaves were written once, not again.
    assert.equal((await restartLeaves(liveAtStop.meeting.id)).length, 2);
});

test('the killed meeting is still locked: guests are refused, the host sees it locked', async () => {
    const e = await server.joinError(crashed.links[0].token, 'Mette Hansen');
    assert.equal(e.code, 'meeting_locked');
    const h = await server.join(crashed.host_link.token, 'Anna Jensen');
    await h.next('admitted');
    await h.roster((ps, msg) => msg.meeting?.locked === true);
    h.send({ type: 'lock', locked: false });
    await h.roster((ps, msg) => msg.meeting?.locked === false);
    const g = await server.join(crashed.links[0].token, 'Mette Hansen');
    await g.next('lobby');
    for (const c of [g, h]) {
        c.send({ type: 'leave' });
        await c.next('left');
        await c.closed();
    }
    // Unlocked and everyone gone: the next join finds it unlocked.
    const g2 = await server.join(crashed.links[0].token, 'Mette Hansen');
    await g2.next('lobby');
    g2.send({ type: 'leave' });
    await g2.closed();
});

test('revoked token → token_revoked', async () => {
    const r = await joinInfo(revoked.token);
    assert.equal(r.status, 410, r.text);
    assert.equal(r.json.error.code, 'token_revoked');
    const e = await server.joinError(revoked.token);
    assert.equal(e.type, 'error');
    assert.equal(e.code, 'token_revoked');
});

test('made-up token → invalid_token', async () => {
    const fake = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'; // right shape, never issued
    const r = await joinInfo(fake);
    assert.equal(r.status, 404, r.text);
    assert.equal(r.json.error.code, 'invalid_token');
    const e = await server.joinError(fake);
    assert.equal(e.code, 'invalid_token');
});

test('malformed tokens → invalid_token', async () => {
    const bad = ['short', 'x'.repeat(31), 'y'.repeat(33), '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!', `${main.links[0].token.slice(0, 31)}=`, 'ø'.repeat(32), 'A'.repeat(4000)];
    for (const token of bad) {
        const r = await joinInfo(token);
        assert.equal(r.status, 404, `join-info ${JSON.stringify(token.slice(0, 40))}: ${r.status} ${r.text}`);
        assert.equal(r.json.error.code, 'invalid_token');
        const e = await server.joinError(token);
        assert.equal(e.code, 'invalid_token', `WS join with ${JSON.stringify(token.slice(0, 40))}: ${JSON.stringify(e)}`);
    }
});

test('expired token → token_expired', async () => {
    const t = expired.links[0].token;
    const r = await joinInfo(t);
    assert.equal(r.status, 410, r.text);
    assert.equal(r.json.error.code, 'token_expired');
    const e = await server.joinError(t);
    assert.equal(e.code, 'token_expired');
});

test('ended meeting → meeting_ended', async () => {
    for (const t of [ended.links[0].token, ended.host_link.token]) {
        const r = await joinInfo(t);
        assert.equal(r.status, 410, r.text);
        assert.equal(r.json.error.code, 'meeting_ended');
        const e = await server.joinError(t);
        assert.equal(e.code, 'meeting_ended');
    }
});

test('a second SIGTERM with nobody connected also exits 0', async () => {
    const exit = await server.stop();
    assert.equal(exit.signal, null);
    assert.equal(exit.code, 0);
});
