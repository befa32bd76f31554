// Dropped connections: the seat is kept for resume_seconds (5 here), a
// resume within the window restores the same participant, and after the
// window the participant leaves with the audit detail "connection lost".

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Server, PASSWORD, installHooks, assertSubsequence, sleep } from './lib.mjs';

installHooks();

const RESUME_SECONDS = 5;

let server;
let api;
let meeting;
let host;
let citizen;
let interpreter;
let citizenId;
let citizenToken;

before(async () => {
    server = new Server({ name: 'resume', config: { resume_seconds: RESUME_SECONDS } });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
    api = await server.login('anna', PASSWORD);
    meeting = await api.createMeeting({ title: 'Genoptagelse', roles: ['citizen', 'interpreter', 'advocate'] });
    host = await server.join(meeting.host_link.token, 'Anna Jensen');
    await host.next('admitted');
    citizen = await server.join(meeting.links[0].token, 'Mette Hansen');
    await citizen.next('lobby');
    host.send({ type: 'admit', participant_id: citizen.id });
    await citizen.next('admitted');
    interpreter = await server.join(meeting.links[1].token, 'Ali Rahimi');
    await interpreter.next('lobby');
    host.send({ type: 'admit', participant_id: interpreter.id });
    await interpreter.next('admitted');
    citizenId = citizen.id;
    citizenToken = citizen.resumeToken;
    assert.equal(typeof citizenToken, 'string');
});

const stateOf = (ps, id) => ps.find((p) => p.id === id);

test('an abrupt drop shows the participant as reconnecting to the others', async () => {
    citizen.terminate();
    for (const c of [host, interpreter]) {
        const r = await c.roster((ps) => stateOf(ps, citizenId)?.state === 'reconnecting', { desc: `${c.label} sees reconnecting` });
        const p = stateOf(r.participants, citizenId);
        assert.equal(p.connected, false);
        assert.equal(p.name, 'Mette Hansen');
    }
});

test('resume within the window: same id, still admitted, no lobby round', async () => {
    const c = await server.resume(citizenToken, { label: 'Mette (resumed)' });
    const j = c.joined;
    assert.equal(j.resumed, true);
    assert.equal(j.you.id, citizenId, 'same participant id');
    assert.equal(j.you.state, 'admitted');
    assert.equal(j.you.role, 'citizen');
    assert.equal(j.you.name, 'Mette Hansen');
    assert.equal(j.meeting.id, meeting.meeting.id);
    const r = await c.roster((ps) => stateOf(ps, citizenId)?.state === 'admitted', { desc: 'own roster after resume' });
    assert.ok(r.participants.some((p) => p.id === host.id));
    await c.expectNone('lobby', 500);
    for (const o of [host, interpreter]) {
        const ro = await o.roster((ps) => stateOf(ps, citizenId)?.state === 'admitted' && stateOf(ps, citizenId)?.connected === true,
            { desc: `${o.label} sees Mette admitted again` });
        assert.equal(ro.participants.filter((p) => p.name === 'Mette Hansen').length, 1, 'no duplicate seat');
    }
    // Fully usable again: chat both ways.
    host.send({ type: 'chat', text: 'velkommen tilbage' });
    await c.waitFor((x) => x.type === 'chat' && x.text === 'velkommen tilbage');
    c.send({ type: 'chat', text: 'tak' });
    await host.waitFor((x) => x.type === 'chat' && x.text === 'tak' && x.from === citizenId);
    citizen = c;
    citizenToken = c.resumeToken;
});

test('resume with an unknown secret → resume_failed, connection still usable', async () => {
    const c = await server.connect();
    c.send({ type: 'resume', resume_token: 'this-is-not-a-resume-token-at-all' });
    await c.error('resume_failed');
    c.send({ type: 'resume', resume_token: '' });
    const e = await c.next('error');
    assert.ok(['resume_failed', 'bad_message'].includes(e.code), JSON.stringify(e));
    await c.ping();
    c.close();
});

test('a lobby guest and the host can resume too, keeping their state and rights', async () => {
    const adv = await server.join(meeting.links[2].token, 'Lars Advokat');
    await adv.next('lobby');
    await host.roster((ps) => stateOf(ps, adv.id)?.state === 'lobby');
    adv.terminate();
    await host.roster((ps) => stateOf(ps, adv.id)?.state === 'reconnecting' || (stateOf(ps, adv.id) && stateOf(ps, adv.id).connected === false),
        { desc: 'host sees the lobby guest disconnected' });
    const adv2 = await server.resume(adv.resumeToken, { label: 'Lars (resumed)' });
    const j = adv2.joined;
    assert.equal(j.resumed, true);
    assert.equal(j.you.id, adv.id);
    assert.equal(j.you.state, 'lobby', 'still in the lobby after resume');
    await adv2.next('lobby');
    await adv2.expectNone('roster', 300);

    // The host drops and resumes, and can still admit.
    const hostId = host.id;
    host.terminate();
    await interpreter.roster((ps) => stateOf(ps, hostId)?.state === 'reconnecting');
    const h2 = await server.resume(host.resumeToken, { label: 'host (resumed)' });
    const hj = h2.joined;
    assert.equal(hj.resumed, true);
    assert.equal(hj.you.id, hostId);
    assert.equal(hj.you.host, true);
    const r = await h2.roster((ps) => stateOf(ps, adv.id)?.state === 'lobby' && stateOf(ps, adv.id)?.connected === true,
        { desc: 'resumed host sees the lobby guest' });
    assert.ok(stateOf(r.participants, hostId));
    h2.send({ type: 'admit', participant_id: adv.id });
    await adv2.next('admitted');
    host = h2;
    adv2.send({ type: 'leave' });
    await adv2.next('left');
    await adv2.closed();
});

test('leave frees the seat at once; its resume token is then refused', async () => {
    const token = interpreter.resumeToken;
    const id = interpreter.id;
    interpreter.send({ type: 'leave' });
    await interpreter.next('left');
    await interpreter.closed();
    await host.roster((ps) => !stateOf(ps, id), { desc: 'interpreter gone from the roster', timeoutMs: 2000 });
    const c = await server.connect();
    c.send({ type: 'resume', resume_token: token });
    await c.error('resume_failed');
    c.close();
});

test('a drop past the window: the participant leaves, audit says "connection lost"', async () => {
    const droppedAt = Date.now();
    citizen.terminate();
    await host.roster((ps) => stateOf(ps, citizenId)?.state === 'reconnecting');
    const r = await host.roster((ps) => !stateOf(ps, citizenId), { desc: 'citizen removed after the window', timeoutMs: (RESUME_SECONDS + 5) * 1000 });
    const took = Date.now() - droppedAt;
    assert.ok(took >= (RESUME_SECONDS - 1) * 1000, `seat kept for about resume_seconds (left after ${took} ms)`);
    assert.ok(r.participants.some((p) => p.id === host.id));

    const c = await server.connect();
    c.send({ type: 'resume', resume_token: citizenToken });
    await c.error('resume_failed');
    c.close();

    const events = await api.audit(meeting.meeting.id);
    assertSubsequence(events, [
        { kind: 'join', display_name: 'Mette Hansen' },
        { kind: 'resume', display_name: 'Mette Hansen' },
    ]);
    const leave = events.filter((e) => e.kind === 'leave' && e.display_name === 'Mette Hansen');
    assert.equal(leave.length, 1, `one leave for Mette: ${JSON.stringify(leave)}`);
    assert.equal(leave[0].role, 'citizen');
    assert.match(String(leave[0].detail), /connection lost/);
    const interpLeave = events.find((e) => e.kind === 'leave' && e.display_name === 'Ali Rahimi');
    assert.ok(interpLeave, 'the interpreter\'s own leave is audited');
    assert.doesNotMatch(String(interpLeave.detail ?? ''), /connection lost/);
});
