// Host controls and what everyone sees: deny, remove, mute requests, lock,
// hands and media state, roster visibility, chat history, auto-admit and
// colleague links, invitations added and revoked during a meeting, and
// deleting a live meeting.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Server, PASSWORD, installHooks, byName, assertSubsequence } from './lib.mjs';

installHooks();

let server;
let api;
let m; // POST /api/meetings answer
let host;
let citizen;
let akasse; // auto-admitted

before(async () => {
    server = new Server({ name: 'meeting' });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
    api = await server.login('anna', PASSWORD);
    m = await api.createMeeting({
        title: 'Rundbordssamtale',
        roles: ['citizen', 'akasse', 'employer', 'advocate', 'caseworker'],
        auto_admit: ['akasse'],
    });
});

const link = (role) => m.links.find((l) => l.role === role);

test('links carry their roles; auto_admit and colleague links are marked', () => {
    assert.deepEqual(m.links.map((l) => l.role), ['citizen', 'akasse', 'employer', 'advocate', 'caseworker']);
    assert.equal(link('akasse').auto_admit, true);
    assert.equal(link('citizen').auto_admit, false);
    assert.equal(link('caseworker').is_host, false, 'a caseworker in roles is a colleague, not a host');
});

test('host joins; an auto-admit guest skips the lobby', async () => {
    host = await server.join(m.host_link.token, 'Anna Jensen');
    await host.next('admitted');
    akasse = await server.join(link('akasse').token, 'Karin A-kasse');
    assert.equal(akasse.joined.you.state, 'admitted');
    await akasse.next('admitted');
    await akasse.expectNone('lobby', 200);
    const r = await host.roster((ps) => byName(ps, 'Karin A-kasse')?.state === 'admitted');
    assert.equal(byName(r.participants, 'Karin A-kasse').role, 'akasse');
});

test('non-host participants do not see the lobby; hosts do', async () => {
    citizen = await server.join(link('citizen').token, 'Mette Hansen');
    await citizen.next('lobby');
    await host.roster((ps) => byName(ps, 'Mette Hansen')?.state === 'lobby');
    // Karin's rosters never list anyone in the lobby.
    await akasse.expectNone('__never__', 300);
    for (const r of akasse.history.filter((x) => x.type === 'roster')) {
        assert.ok(r.participants.every((p) => p.state !== 'lobby'), `non-host roster shows a lobby entry: ${JSON.stringify(r)}`);
    }
});

test('chat history is replayed on admission', async () => {
    host.send({ type: 'chat', text: 'Velkommen, vi starter om lidt' });
    await akasse.waitFor((x) => x.type === 'chat' && x.text === 'Velkommen, vi starter om lidt');
    await citizen.expectNone('chat', 300); // the lobby does not get chat
    host.send({ type: 'admit', participant_id: citizen.id });
    await citizen.next('admitted');
    const h = await citizen.next('chat_history');
    assert.ok(Array.isArray(h.messages));
    const msg = h.messages.find((x) => x.text === 'Velkommen, vi starter om lidt');
    assert.ok(msg, `history has the host's message: ${JSON.stringify(h)}`);
    assert.equal(msg.from, host.id);
    assert.equal(msg.name, 'Anna Jensen');
    assert.equal(msg.role, 'caseworker');
});

test('admit of someone not in the lobby → wrong_state', async () => {
    host.send({ type: 'admit', participant_id: citizen.id });
    await host.error('wrong_state');
});

test('hand and media_state show in everyone\'s roster', async () => {
    citizen.send({ type: 'hand', raised: true });
    for (const c of [host, akasse, citizen]) {
        await c.roster((ps) => byName(ps, 'Mette Hansen')?.hand === true, { desc: `${c.label} sees the hand` });
    }
    citizen.send({ type: 'media_state', mic: true, camera: true });
    const r = await host.roster((ps) => byName(ps, 'Mette Hansen')?.camera === true && byName(ps, 'Mette Hansen')?.mic === true);
    assert.equal(byName(r.participants, 'Mette Hansen').screen, false);
    citizen.send({ type: 'media_state', camera: false });
    const r2 = await akasse.roster((ps) => byName(ps, 'Mette Hansen')?.camera === false && byName(ps, 'Mette Hansen')?.mic === true,
        { desc: 'partial media_state keeps mic' });
    assert.equal(byName(r2.participants, 'Mette Hansen').hand, true);
    citizen.send({ type: 'hand', raised: false });
    await host.roster((ps) => byName(ps, 'Mette Hansen')?.hand === false);
});

test('mute_request reaches only its target', async () => {
    host.send({ type: 'mute_request', participant_id: citizen.id, kind: 'mic' });
    const mr = await citizen.next('mute_request');
    assert.equal(mr.from, host.id);
    assert.equal(mr.kind, 'mic');
    await akasse.expectNone('mute_request', 300);
    // It is a request: the roster changes only when the client reports it.
    citizen.send({ type: 'media_state', mic: false });
    await host.roster((ps) => byName(ps, 'Mette Hansen')?.mic === false);
});

test('lock refuses new guests (not hosts); unlock lets them in', async () => {
    host.send({ type: 'lock', locked: true });
    const r = await akasse.roster((ps, x) => x.meeting.locked === true, { desc: 'roster says locked' });
    assert.equal(r.meeting.locked, true);
    const e = await server.joinError(link('employer').token, 'Erik Arbejdsgiver');
    assert.equal(e.code, 'meeting_locked');
    // A second host connection with the host link may still join.
    const host2 = await server.join(m.host_link.token, 'Anna (tablet)');
    await host2.next('admitted');
    host2.send({ type: 'leave' });
    await host2.closed();
    host.send({ type: 'lock', locked: false });
    await host.roster((ps, x) => x.meeting.locked === false);
    const emp = await server.join(link('employer').token, 'Erik Arbejdsgiver');
    await emp.next('lobby');
    await host.roster((ps) => byName(ps, 'Erik Arbejdsgiver')?.state === 'lobby');
    host.send({ type: 'deny', participant_id: emp.id });
    await emp.next('denied');
    await emp.closed();
    await host.roster((ps) => !byName(ps, 'Erik Arbejdsgiver'));
});

test('remove: the target gets "removed" and is closed; the others\' rosters drop it', async () => {
    host.send({ type: 'remove', participant_id: akasse.id });
    await akasse.next('removed');
    await akasse.closed();
    await host.roster((ps) => !byName(ps, 'Karin A-kasse'));
    await citizen.roster((ps) => !byName(ps, 'Karin A-kasse'));
});

test('a colleague link joins as caseworker without host rights', async () => {
    const col = await server.join(link('caseworker').token, 'Peter Kollega');
    assert.equal(col.joined.you.role, 'caseworker');
    assert.equal(col.joined.you.host, false);
    await col.next('lobby');
    host.send({ type: 'admit', participant_id: col.id });
    await col.next('admitted');
    col.send({ type: 'admit', participant_id: citizen.id });
    await col.error('not_permitted');
    col.send({ type: 'leave' });
    await col.next('left');
    await col.closed();
});

test('invitations added and revoked during the meeting', async () => {
    const added = await api.expect(201, 'POST', `/api/meetings/${m.meeting.id}/invitations`,
        { body: { role: 'interpreter', label: 'Tolk, arabisk' } });
    const inv = added.invitation;
    assert.equal(inv.role, 'interpreter');
    assert.equal(inv.label, 'Tolk, arabisk');
    assert.match(inv.token, /^[A-Za-z0-9_-]{32}$/);
    const tolk = await server.join(inv.token, 'Ali Rahimi');
    await tolk.next('lobby');
    host.send({ type: 'admit', participant_id: tolk.id });
    await tolk.next('admitted');

    // Revoking keeps people who are in; new joins are refused.
    const del = await api.req('DELETE', `/api/meetings/${m.meeting.id}/invitations/${inv.id}`);
    assert.equal(del.status, 204);
    await tolk.ping();
    const e = await server.joinError(inv.token, 'Ali igen');
    assert.equal(e.code, 'token_revoked');
    tolk.send({ type: 'chat', text: 'stadig her' });
    await host.waitFor((x) => x.type === 'chat' && x.text === 'stadig her');
    const again = await api.req('DELETE', `/api/meetings/${m.meeting.id}/invitations/${inv.id}`);
    assert.equal(again.status, 204, 'revoking twice is harmless');
    tolk.send({ type: 'leave' });
    await tolk.closed();
});

test('the audit log has deny, remove, lock, unlock and invitation_revoked', async () => {
    const events = await api.audit(m.meeting.id);
    assertSubsequence(events, [
        'created',
        { kind: 'join', display_name: 'Anna Jensen' },
        { kind: 'join', display_name: 'Karin A-kasse', role: 'akasse' },
        { kind: 'join', display_name: 'Mette Hansen', role: 'citizen' },
        'admit',
        'lock',
        'unlock',
        'deny',
        'remove',
        { kind: 'invitation_created', role: 'interpreter' },
        { kind: 'invitation_revoked', role: 'interpreter' },
    ]);
    const deny = events.find((e) => e.kind === 'deny');
    assert.ok(deny.display_name === 'Erik Arbejdsgiver' || String(deny.detail).includes('Erik'), JSON.stringify(deny));
    const remove = events.find((e) => e.kind === 'remove');
    assert.ok(remove.display_name === 'Karin A-kasse' || String(remove.detail).includes('Karin'), JSON.stringify(remove));
    for (const e of events) assert.ok(!String(e.detail).includes('stadig her'), 'chat text is not in the audit log');
});

test('deleting a live meeting ends it for everyone with reason "deleted"', async () => {
    const del = await api.req('DELETE', `/api/meetings/${m.meeting.id}`);
    assert.equal(del.status, 204, del.text);
    for (const c of [host, citizen]) {
        const e = await c.next('meeting_ended');
        assert.equal(e.reason, 'deleted');
        await c.closed();
    }
    const r = await api.req('GET', `/api/meetings/${m.meeting.id}`);
    assert.equal(r.status, 404);
    const list = await api.expect(200, 'GET', '/api/meetings');
    assert.ok(!list.meetings.some((x) => x.id === m.meeting.id));
    const info = await server.request('POST', '/api/join-info', { body: { token: link('citizen').token } });
    assert.equal(info.status, 404);
    assert.equal(info.json.error.code, 'invalid_token');
});
