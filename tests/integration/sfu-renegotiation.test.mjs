// Renegotiation races between the SFU and a slow client, over signaling only
// (recorded Chromium SDP, answers made by munging the server's offers):
// - publish "seq" is echoed in publish_answer, and a bad seq is refused;
// - a screen that stops while a subscriber's offer is out is not consumed
//   when the late answer comes (the server refuses no media command), and the
//   next offer leaves its m-line inactive;
// - an answer to an offer that a newer one replaced is ignored without error;
// - "subscribe" with "fresh" starts a new subscribe connection.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Server, PASSWORD, REPO_ROOT, installHooks, sleep } from './lib.mjs';

installHooks();

const OFFER = fs.readFileSync(path.join(REPO_ROOT, 'tests/fixtures/sdp/chromium-offer-simulcast.sdp'), 'utf8');
const NO_SCREEN = OFFER.replace(/(m=video 47396[\s\S]*?)a=sendonly/, '$1a=inactive');
const TRACKS = [
    { mid: '0', source: 'mic' },
    { mid: '1', source: 'camera', width: 640, height: 480 },
    { mid: '2', source: 'screen', width: 1920, height: 1080 },
];

let server;

before(async () => {
    server = new Server({ name: 'sfu-renegotiation' });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
});

/* What a browser would answer to the server's subscribe offer. */
function answerTo(offerSdp) {
    return offerSdp
        .split('\r\n')
        .filter((l) => !/^a=(ice-lite|ssrc|ssrc-group|msid|candidate|end-of-candidates)/.test(l))
        .map((l) => (l.startsWith('a=ice-ufrag:') ? 'a=ice-ufrag:slow1'
            : l.startsWith('a=ice-pwd:') ? 'a=ice-pwd:abcdefghijklmnopqrstuvwx'
                : l === 'a=setup:actpass' ? 'a=setup:active'
                    : l === 'a=sendonly' ? 'a=recvonly' : l))
        .join('\r\n');
}

const refusals = () => server.log.filter(([, line]) => / refused: /.test(line)).map(([, line]) => line);
const ufrag = (sdp) => sdp.match(/^a=ice-ufrag:(\S+)/m)[1];

test('late and stale answers, a screen stopping mid-offer, a fresh subscribe', { timeout: 30000 }, async () => {
    assert.notEqual(NO_SCREEN, OFFER);
    const api = await server.login('anna', PASSWORD);
    const m = await api.createMeeting({ title: 'Omforhandling', roles: ['citizen'], auto_admit: ['citizen'] });
    const host = await server.join(m.host_link.token, 'Anna Jensen');
    await host.next('admitted');
    const guest = await server.join(m.links[0].token, 'Mette Hansen');
    await guest.next('admitted');

    // seq comes back with the answer; a seq that is no offer number is refused.
    host.send({ type: 'publish', seq: 'x', sdp: OFFER, tracks: TRACKS });
    assert.equal((await host.error('bad_message')).ref, 'publish');
    host.send({ type: 'publish', seq: 5, sdp: OFFER, tracks: TRACKS });
    assert.equal((await host.next('publish_answer')).seq, 5);

    // The guest is slow to answer: the host's screen stops meanwhile.
    guest.send({ type: 'subscribe' });
    const first = await guest.next('subscribe_offer');
    assert.equal(first.tracks.length, 3);
    assert.equal(typeof first.version, 'number');
    host.send({ type: 'publish', seq: 6, sdp: NO_SCREEN, tracks: TRACKS.slice(0, 2) });
    assert.equal((await host.next('publish_answer')).seq, 6);
    guest.send({ type: 'subscribe_answer', version: first.version, sdp: answerTo(first.sdp) });
    const second = await guest.next('subscribe_offer');
    assert.ok(second.version > first.version, 'versions grow');
    assert.deepEqual(second.tracks.map((t) => t.source).sort(), ['camera', 'mic'], 'the stopped screen is not offered');
    const screenMid = first.tracks.find((t) => t.source === 'screen').mid;
    const screenLine = second.sdp.split(/^m=/m).find((s) => s.includes(`a=mid:${screenMid}\r\n`));
    assert.match(screenLine, /a=inactive/, 'its m-line is inactive');

    // An answer to the replaced offer is ignored without an error; the right one is taken.
    guest.send({ type: 'subscribe_answer', version: first.version, sdp: answerTo(first.sdp) });
    guest.send({ type: 'subscribe_answer', version: second.version, sdp: answerTo(second.sdp) });
    guest.send({ type: 'subscribe_prefs', prefs: [{ mid: screenMid, width: 640, height: 360 }] });
    await guest.ping();
    host.send({ type: 'publish', seq: 7, sdp: OFFER, tracks: TRACKS }); // the screen again
    assert.equal((await host.next('publish_answer')).seq, 7);
    const third = await guest.next('subscribe_offer');
    assert.equal(third.tracks.length, 3, 'the answer to the second offer was taken: a third one follows');
    guest.send({ type: 'subscribe_answer', version: third.version, sdp: answerTo(third.sdp) });

    // A fresh subscribe: a new connection (new ICE credentials) with every track.
    guest.send({ type: 'subscribe', fresh: true });
    const fresh = await guest.next('subscribe_offer');
    assert.notEqual(ufrag(fresh.sdp), ufrag(third.sdp), 'new ICE credentials');
    assert.equal(fresh.tracks.length, 3);
    guest.send({ type: 'subscribe_answer', version: fresh.version, sdp: answerTo(fresh.sdp) });
    await guest.ping();
    await host.ping();

    for (const c of [host, guest]) {
        const errors = c.history.filter((x) => x.type === 'error' && x.code !== 'bad_message');
        assert.deepEqual(errors, [], `${c.label}: no errors`);
    }
    await sleep(300); // the media workers log what they refuse after the fact
    assert.deepEqual(refusals(), [], 'the server refused no media command');
});
