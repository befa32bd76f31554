// Links from any device and link statuses, against the real binary:
// - tokens are derived from the link key (data_dir/link.key, mode 0600): the
//   owner gets every usable link again, the host link included; no other
//   caseworker does; the database files hold no token, neither as text nor
//   as its raw bytes;
// - link statuses: opened (join-info), device check passed/failed
//   (POST /api/join-check, validated, rate limited), waiting, in the
//   meeting, left; stored per link, in the meeting list, pushed live to a
//   watching connection (login cookie), audited;
// - the caseworker's lobby message: validated, rate limited, only to the
//   waiting guest of that link, audited without its text;
// - a replaced key withdraws derived links; links from before derived
//   tokens (no salt) keep working but cannot be shown; after a restart
//   nobody is waiting or in a meeting any more.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Server, PASSWORD, installHooks, assertSubsequence, phoneConfig } from './lib.mjs';

installHooks();

let server;
let api;
let other; // another caseworker
let m; // POST /api/meetings answer

before(async () => {
    server = new Server({ name: 'links' });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    server.addUser('bent', 'Bent Berg', PASSWORD);
    await server.start();
    api = await server.login('anna', PASSWORD);
    other = await server.login('bent', PASSWORD);
    m = await api.createMeeting({ title: 'Opfølgning', roles: ['citizen', 'interpreter'] });
});

const tokenOf = (url) => url.slice(url.indexOf('#') + 1);
const citizen = () => m.links.find((l) => l.role === 'citizen');

function dbFiles() {
    return fs.readdirSync(server.dataDir).filter((f) => f.startsWith('samtale.db')).map((f) => path.join(server.dataDir, f));
}

function assertNoToken(tokens) {
    const files = dbFiles();
    assert.ok(files.length >= 1, 'the database exists');
    for (const f of files) {
        const bytes = fs.readFileSync(f);
        for (const t of tokens) {
            assert.equal(bytes.indexOf(Buffer.from(t)), -1, `${path.basename(f)} holds a token as text`);
            assert.equal(bytes.indexOf(Buffer.from(t, 'base64url')), -1, `${path.basename(f)} holds a token's bytes`);
        }
    }
}

test('the owner sees every link again, the host link included; nobody else does', async () => {
    const got = await api.expect(200, 'GET', `/api/meetings/${m.meeting.id}`);
    const byId = new Map(got.invitations.map((i) => [i.id, i]));
    for (const made of [m.host_link, ...m.links]) {
        const inv = byId.get(made.id);
        assert.ok(inv, `invitation ${made.id} listed`);
        assert.equal(inv.link_available, true);
        assert.equal(inv.url, made.url, `${made.role}: the same link`);
        assert.equal(inv.token, made.token);
        assert.equal(inv.status, 'not_opened');
    }
    assert.equal(byId.get(m.host_link.id).is_host, true);
    // Each link has its phone PIN: 8 digits, distinct, the same when shown again.
    const pins = [m.host_link, ...m.links].map((made) => {
        assert.match(made.pin, /^[0-9]{8}$/, `${made.role}: a PIN`);
        assert.equal(byId.get(made.id).pin, made.pin, `${made.role}: the same PIN again`);
        return made.pin;
    });
    assert.equal(new Set(pins).size, pins.length, 'PINs differ');
    assert.deepEqual(got.phone, { dial_in_number: null, dial_out: false }, 'no phone configured');
    for (const f of dbFiles()) {
        const bytes = fs.readFileSync(f);
        for (const pin of pins) assert.equal(bytes.indexOf(Buffer.from(pin)), -1, `${path.basename(f)} holds a PIN`);
    }
    await other.expect(404, 'GET', `/api/meetings/${m.meeting.id}`);
    const key = fs.statSync(path.join(server.dataDir, 'link.key'));
    assert.equal(key.mode & 0o777, 0o600);
    assert.equal(key.size, 32);
    assertNoToken([m.host_link.token, ...m.links.map((l) => l.token)]);
});

test('watching needs a login and one\'s own meeting', async () => {
    const anon = await server.connect();
    anon.send({ type: 'watch', meeting_id: m.meeting.id });
    await anon.error('not_permitted');
    anon.close();
    const bent = await server.connect({ headers: { Cookie: other.cookie } });
    bent.send({ type: 'watch', meeting_id: m.meeting.id });
    await bent.error('not_found');
    bent.send({ type: 'watch', meeting_id: 'x' });
    await bent.error('bad_message');
    bent.send({ type: 'lobby_message', invitation_id: citizen().id, text: 'Hej' });
    await bent.error('wrong_state');
    bent.close();
});

test('statuses: opened, device check, waiting, in the meeting, left — live, stored and audited', async () => {
    const watch = await server.connect({ headers: { Cookie: api.cookie } });
    watch.send({ type: 'watch', meeting_id: m.meeting.id });
    await watch.next('watching');
    watch.send({ type: 'watch' });
    await watch.error('wrong_state');
    watch.send({ type: 'join', token: citizen().token, name: 'Sneaky' });
    await watch.error('wrong_state');
    const token = citizen().token;
    const statusOf = async () => (await api.expect(200, 'GET', `/api/meetings/${m.meeting.id}`)).invitations.find((i) => i.id === citizen().id);
    const pushed = async (status) => {
        const msg = await watch.waitFor((x) => x.type === 'link_status' && x.status === status, { desc: `link_status ${status}` });
        assert.equal(msg.invitation_id, citizen().id);
        assert.equal(msg.meeting_id, m.meeting.id);
        return msg;
    };

    await server.request('POST', '/api/join-info', { body: { token } });
    await pushed('opened');
    assert.equal((await statusOf()).status, 'opened');

    const check = (body) => server.request('POST', '/api/join-check', { body: { token, ...body } });
    assert.equal((await check({ result: 'fine' })).status, 400);
    assert.equal((await check({ result: 'failed' })).status, 400, 'a failed check needs a reason');
    assert.equal((await check({ result: 'failed', reason: 'bogus' })).status, 400, 'only reasons from the list');
    assert.equal((await check({ result: 'passed', reason: 'no_audio' })).status, 400);
    assert.equal((await server.request('POST', '/api/join-check', { body: { token: 'A'.repeat(32), result: 'passed' } })).status, 404);
    assert.equal((await check({ result: 'failed', reason: 'no_audio' })).status, 204);
    const failed = await pushed('check_failed');
    assert.equal(failed.reason, 'no_audio');
    assert.equal((await check({ result: 'passed' })).status, 429, 'one report per second per link');
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await check({ result: 'passed' })).status, 204);
    await pushed('check_passed');
    // The same report again (a second tab): accepted, and nothing changes.
    const before = await statusOf();
    assert.equal((await check({ result: 'passed' })).status, 204, 'the same report again is no error');
    assert.deepEqual(await statusOf(), before, 'the same report again changes nothing');
    // Opening the link again does not hide the check's result.
    await server.request('POST', '/api/join-info', { body: { token } });
    assert.equal((await statusOf()).status, 'check_passed');

    const host = await server.join(m.host_link.token, 'Anna Jensen');
    const guest = await server.join(token, 'Mette Hansen');
    await guest.next('lobby');
    await pushed('waiting');
    const list = await api.expect(200, 'GET', '/api/meetings');
    const listed = list.meetings.find((x) => x.id === m.meeting.id);
    assert.deepEqual(listed.links.map((l) => [l.role, l.status]), [['citizen', 'waiting'], ['interpreter', 'not_opened']]);

    // The lobby message: checked, only to that link's waiting guest, rate
    // limited per connection (refused ones count: checked on a second page).
    const page2 = await server.connect({ headers: { Cookie: api.cookie } });
    page2.send({ type: 'watch' });
    await page2.next('watching');
    page2.send({ type: 'lobby_message', invitation_id: citizen().id, text: 'x'.repeat(201) });
    await page2.error('bad_message');
    page2.send({ type: 'lobby_message', invitation_id: citizen().id, text: 'æ'.repeat(200) });
    await page2.next('lobby_message_sent');
    await guest.next('lobby_message');
    const interpreter = m.links.find((l) => l.role === 'interpreter');
    page2.send({ type: 'lobby_message', invitation_id: interpreter.id, text: 'Hej' });
    await page2.error('not_found');
    page2.send({ type: 'lobby_message', invitation_id: citizen().id, text: '  ' });
    await page2.error('rate_limited');
    page2.close();
    const text = 'Jeg kommer om to minutter – Anna';
    watch.send({ type: 'lobby_message', invitation_id: citizen().id, text });
    const sent = await watch.next('lobby_message_sent');
    assert.equal(sent.count, 1);
    const got = await guest.next('lobby_message');
    assert.equal(got.text, text);
    await host.expectNone('lobby_message', 200);
    watch.send({ type: 'lobby_message', invitation_id: citizen().id, text: 'To' });
    await watch.next('lobby_message_sent');
    watch.send({ type: 'lobby_message', invitation_id: citizen().id, text: 'Tre' });
    await watch.next('lobby_message_sent');
    watch.send({ type: 'lobby_message', invitation_id: citizen().id, text: 'Fire' });
    await watch.error('rate_limited');

    host.send({ type: 'admit', participant_id: guest.id });
    await guest.next('admitted');
    await pushed('in_meeting');
    guest.send({ type: 'leave' });
    await guest.next('left');
    await pushed('left');
    assert.equal((await statusOf()).status, 'left');
    host.close();
    watch.close();

    const events = await api.audit(m.meeting.id);
    assertSubsequence(events, ['link_opened', 'check_failed', 'check_passed', 'join', 'lobby_message', 'admit', 'leave']);
    const lm = events.filter((e) => e.kind === 'lobby_message');
    assert.equal(lm.length, 4);
    assert.equal(lm[0].display_name, 'Mette Hansen');
    assert.equal(lm[0].detail, 'by Anna Jensen');
    assert.equal(JSON.stringify(events).includes('minutter'), false, 'the text is not in the log');
    assert.equal(events.find((e) => e.kind === 'check_failed').detail, 'no_audio');
});

test('a new host link can be made; only with the caseworker role', async () => {
    const r = await api.expect(201, 'POST', `/api/meetings/${m.meeting.id}/invitations`, { body: { role: 'caseworker', host: true } });
    assert.equal(r.invitation.is_host, true);
    assert.equal(r.invitation.auto_admit, true);
    const info = await server.request('POST', '/api/join-info', { body: { token: r.invitation.token } });
    assert.equal(info.json.is_host, true);
    await api.expect(400, 'POST', `/api/meetings/${m.meeting.id}/invitations`, { body: { role: 'citizen', host: true } });
    await api.expect(400, 'POST', `/api/meetings/${m.meeting.id}/invitations`, { body: { role: 'caseworker', host: 'yes' } });
});

test('links from before derived tokens work but cannot be shown; a new key withdraws derived links', async () => {
    const m2 = await api.createMeeting({ title: 'Før og efter', roles: ['citizen', 'employer'] });
    const legacy = m2.links.find((l) => l.role === 'employer');
    const waiting = await server.join(m2.links.find((l) => l.role === 'citizen').token, 'Ole');
    await waiting.next('lobby');
    await server.stop();
    assertNoToken([m.host_link.token, ...m.links.map((l) => l.token), ...m2.links.map((l) => l.token)]);
    // As a database from before derived links would have it: no salt.
    // And as one from before phone PINs: the citizen's link gets its PIN back at start-up.
    const sql = spawnSync('sqlite3', [path.join(server.dataDir, 'samtale.db'),
        `UPDATE invitations SET salt = NULL, pin_hash = NULL, pin_counter = NULL WHERE id = ${legacy.id};` +
        `UPDATE invitations SET pin_hash = NULL, pin_counter = NULL WHERE meeting_id = ${m2.meeting.id} AND role = 'citizen';`], { encoding: 'utf8' });
    assert.equal(sql.status, 0, sql.stderr);
    await server.start({ keepPort: true });
    api = await server.login('anna', PASSWORD);
    let got = await api.expect(200, 'GET', `/api/meetings/${m2.meeting.id}`);
    // Live meetings do not outlive the server: who waited has left.
    assert.equal(got.invitations.find((i) => i.role === 'citizen').status, 'left');
    const inv = got.invitations.find((i) => i.id === legacy.id);
    assert.equal(inv.link_available, false);
    assert.equal(inv.url, undefined);
    assert.equal(inv.pin, null, 'no PIN without a salt');
    const citizenPin = m2.links.find((l) => l.role === 'citizen').pin;
    assert.equal(got.invitations.find((i) => i.role === 'citizen').pin, citizenPin, 'PIN given again at start-up');
    assert.equal((await server.request('POST', '/api/join-info', { body: { token: legacy.token } })).status, 200, 'it still works');

    // Rotation: a new key file.
    await server.stop();
    fs.rmSync(path.join(server.dataDir, 'link.key'));
    await server.start({ keepPort: true });
    api = await server.login('anna', PASSWORD);
    const derived = m2.links.find((l) => l.role === 'citizen');
    const r = await server.request('POST', '/api/join-info', { body: { token: derived.token } });
    assert.equal(r.status, 410);
    assert.equal(r.json.error.code, 'token_revoked');
    const e = await server.joinError(derived.token);
    assert.equal(e.code, 'token_revoked');
    got = await api.expect(200, 'GET', `/api/meetings/${m2.meeting.id}`);
    assert.equal(got.invitations.find((i) => i.id === derived.id).link_available, false);
    assert.equal(got.invitations.find((i) => i.id === derived.id).pin, null, 'no PIN under a new key');
    assert.equal((await server.request('POST', '/api/join-info', { body: { token: legacy.token } })).status, 200, 'not judged by the key');
    // A link made now works and is shown.
    const fresh = await api.expect(201, 'POST', `/api/meetings/${m2.meeting.id}/invitations`, { body: { role: 'citizen' } });
    got = await api.expect(200, 'GET', `/api/meetings/${m2.meeting.id}`);
    assert.equal(got.invitations.find((i) => i.id === fresh.invitation.id).url, fresh.invitation.url);
    assert.match(fresh.invitation.pin, /^[0-9]{8}$/);
    assert.equal(got.invitations.find((i) => i.id === fresh.invitation.id).pin, fresh.invitation.pin);

    // A damaged key file stops the server rather than being replaced.
    await server.stop();
    fs.writeFileSync(path.join(server.dataDir, 'link.key'), 'short');
    await assert.rejects(server.start({ keepPort: true, timeoutMs: 3000 }));
    assert.equal(server.exit.code, 1);
    assert.equal(fs.readFileSync(path.join(server.dataDir, 'link.key'), 'utf8'), 'short');
    fs.rmSync(path.join(server.dataDir, 'link.key'));
    await server.start({ keepPort: true }); // ends with a clean stop, as every test server must
});

test('the meeting page learns the dial-in number and whether it may call out', async () => {
    const phone = new Server({ name: 'links-phone', config: await phoneConfig({ withTrunk: true }) });
    phone.addUser('anna', 'Anna Jensen', PASSWORD);
    await phone.start();
    try {
        const a = await phone.login('anna', PASSWORD);
        const made = await a.createMeeting({ title: 'Tolk på telefon', roles: ['interpreter'] });
        const got = await a.expect(200, 'GET', `/api/meetings/${made.meeting.id}`);
        assert.deepEqual(got.phone, { dial_in_number: '+45 70 20 30 40', dial_out: true });
        assert.match(got.invitations.find((i) => i.role === 'interpreter').pin, /^[0-9]{8}$/);
        // Once the meeting has ended its PINs may go to new invitations: not shown any more.
        const host = await phone.join(made.host_link.token, 'Anna');
        host.send({ type: 'end' });
        await host.next('meeting_ended');
        const ended = await a.expect(200, 'GET', `/api/meetings/${made.meeting.id}`);
        assert.equal(ended.meeting.status, 'ended');
        const after = ended.invitations.find((i) => i.role === 'interpreter');
        assert.equal(after.link_available, true, 'the link is still shown');
        assert.equal(after.pin, null);
    } finally {
        await phone.stop();
    }
});
