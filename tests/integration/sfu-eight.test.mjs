// Signaling of a full 8-party meeting in which everyone publishes microphone,
// camera (simulcast) and screen: every publish offer is answered, and every
// subscribe offer ends up with the other seven's 21 tracks, which the client
// answers. No media flows (the SDP is a recorded Chromium offer, answered by
// munging the server's offer); this is about limits and renegotiation.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Server, PASSWORD, REPO_ROOT, installHooks } from './lib.mjs';

installHooks();

const PARTIES = 8;
const OFFER = fs.readFileSync(path.join(REPO_ROOT, 'tests/fixtures/sdp/chromium-offer-simulcast.sdp'), 'utf8');
const TRACKS = [
    { mid: '0', source: 'mic' },
    { mid: '1', source: 'camera', width: 640, height: 480 },
    { mid: '2', source: 'screen', width: 1920, height: 1080 },
];

let server;
let clients = [];

/* What a browser would answer to the server's subscribe offer: receive only,
 * our own ICE credentials, the DTLS client. */
function answerTo(offerSdp, n) {
    const ufrag = `sub${n}`;
    return offerSdp
        .split('\r\n')
        .filter((l) => !/^a=(ice-lite|ssrc|ssrc-group|msid|candidate|end-of-candidates)/.test(l))
        .map((l) => (l.startsWith('a=ice-ufrag:') ? `a=ice-ufrag:${ufrag}`
            : l.startsWith('a=ice-pwd:') ? 'a=ice-pwd:abcdefghijklmnopqrstuvwx'
                : l === 'a=setup:actpass' ? 'a=setup:active'
                    : l === 'a=sendonly' ? 'a=recvonly' : l))
        .join('\r\n');
}

/* Answers every subscribe offer at once, as the web client does. */
function autoAnswer(c, n) {
    c.offers = [];
    c.ws.on('message', (data) => {
        let m;
        try { m = JSON.parse(data.toString('utf8')); } catch { return; }
        if (m.type !== 'subscribe_offer') return;
        c.offers.push(m);
        c.send({ type: 'subscribe_answer', sdp: answerTo(m.sdp, n) });
    });
}

before(async () => {
    server = new Server({ name: 'sfu-eight' });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
});

after(async () => {
    for (const c of clients) c.close();
});

test('8 parties with microphone, camera and screen each: 21 tracks offered to everyone', { timeout: 60000 }, async () => {
    const api = await server.login('anna', PASSWORD);
    const m = await api.createMeeting({
        title: 'Otte parter',
        roles: Array(PARTIES - 1).fill('citizen'),
        auto_admit: ['citizen'],
    });
    const host = await server.join(m.host_link.token, 'Anna Jensen');
    await host.next('admitted');
    host.send({ type: 'allow_screen_share', allowed: true });
    clients = [host];
    for (let i = 0; i < PARTIES - 1; i++) {
        const c = await server.join(m.links[i].token, `Deltager ${i + 1}`);
        await c.next('admitted');
        clients.push(c);
    }
    await host.roster((ps) => ps.filter((p) => p.state === 'admitted').length === PARTIES);
    clients.forEach((c, i) => autoAnswer(c, i));

    for (const c of clients) {
        c.send({ type: 'publish', sdp: OFFER, tracks: TRACKS });
        const a = await c.waitFor((x) => x.type === 'publish_answer' || x.type === 'error', { desc: `publish_answer for ${c.label}` });
        assert.equal(a.type, 'publish_answer', `${c.label}: ${JSON.stringify(a)}`);
        assert.equal((a.sdp.match(/^m=/gm) || []).length, 3);
        assert.equal((a.sdp.match(/^m=video [1-9]/gm) || []).length, 2, `${c.label}: camera and screen accepted`);
        c.send({ type: 'subscribe' });
    }

    // Everyone ends up offered the other seven's microphone, camera and screen.
    const want = (PARTIES - 1) * TRACKS.length;
    for (const c of clients) {
        const others = clients.filter((o) => o !== c).map((o) => o.id).sort();
        const last = await waitUntil(() => {
            const o = c.offers.at(-1);
            return o && o.tracks.length === want ? o : null;
        }, 20000, () => `${c.label}: ${c.offers.length} offers, the last with ${c.offers.at(-1)?.tracks.length} tracks`);
        const owners = [...new Set(last.tracks.map((t) => t.participant_id))].sort();
        assert.deepEqual(owners, others);
        for (const id of others) {
            const sources = last.tracks.filter((t) => t.participant_id === id).map((t) => t.source).sort();
            assert.deepEqual(sources, ['camera', 'mic', 'screen'], `${c.label}: tracks of ${id}`);
        }
        const mlines = last.sdp.match(/^m=\S+ [1-9]\d* /gm) || [];
        assert.equal(mlines.length, want, `${c.label}: one open m-line per track`);
        assert.equal((last.sdp.match(/^a=sendonly/gm) || []).length, want);
        assert.ok(last.sdp.length < 64 * 1024, `the offer fits a signaling message: ${last.sdp.length} bytes`);
    }
    for (const c of clients) {
        const errors = c.history.filter((x) => x.type === 'error');
        assert.deepEqual(errors, [], `${c.label}: no errors`);
    }
    // The last answer was taken: a new offer follows a change (the host stops its screen).
    const before = clients[1].offers.length;
    const noScreen = OFFER.replace(/(m=video 47396[\s\S]*?)a=sendonly/, '$1a=inactive');
    assert.notEqual(noScreen, OFFER);
    host.send({ type: 'publish', sdp: noScreen, tracks: TRACKS.slice(0, 2) });
    await host.next('publish_answer');
    const next = await waitUntil(() => (clients[1].offers.length > before ? clients[1].offers.at(-1) : null), 10000,
        () => `${clients[1].label}: no new offer after the host's screen stopped`);
    assert.equal(next.tracks.length, want - 1);
    assert.equal(next.tracks.filter((t) => t.participant_id === host.id).length, 2);

    // The host withdraws the permission: the guests' screens stop on the
    // server at once, whatever their clients do, and they are told why.
    const counts = clients.map((c) => c.offers.length);
    host.send({ type: 'allow_screen_share', allowed: false });
    for (const c of clients.slice(1)) {
        const m = await c.waitFor((x) => x.type === 'screen_share_stopped', { desc: `screen_share_stopped for ${c.label}` });
        assert.equal(m.reason, 'not_permitted');
    }
    for (const [i, c] of clients.entries()) {
        const o = await waitUntil(() => {
            const last = c.offers.at(-1);
            return c.offers.length > counts[i] && !last.tracks.some((t) => t.source === 'screen') ? last : null;
        }, 10000, () => `${c.label}: still offered a screen: ${JSON.stringify(c.offers.at(-1)?.tracks.filter((t) => t.source === 'screen'))}`);
        assert.equal(o.tracks.length, (PARTIES - 1) * 2, `${c.label}: everyone's microphone and camera remain`);
    }
    assert.ok(!host.history.some((x) => x.type === 'screen_share_stopped'), 'the host may always share');
    // A guest that offers its screen again is refused.
    clients[1].send({ type: 'publish', sdp: OFFER, tracks: TRACKS });
    const refused = await clients[1].waitFor((x) => x.type === 'error' && x.ref === 'publish', { desc: 'not_permitted' });
    assert.equal(refused.code, 'not_permitted');
});

async function waitUntil(fn, timeoutMs, why) {
    const end = Date.now() + timeoutMs;
    for (;;) {
        const v = fn();
        if (v) return v;
        if (Date.now() > end) throw new Error(`timed out: ${why()}`);
        await new Promise((r) => setTimeout(r, 50));
    }
}
