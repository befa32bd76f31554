// Forged datagrams from the participants' own addresses during a meeting,
// in real Chromium with the real web client: a caseworker and a citizen
// decode each other's video and sound; then, from the local address:port of
// the selected candidate pair of each one's publish AND subscribe peer
// connection, udp_forge sends the server's media port (the pair's remote
// end) a burst of forged DTLS records (the 14-byte epoch-1 alert, every
// content type 20..23 in epochs 0 and 1 with bodies of 0..30 bytes,
// full-length epoch-1 application data with a wrong tag), garbage whose
// first byte is in the DTLS range, SRTP and SRTCP-looking packets (some with
// the participant's own SSRCs) and STUN-looking messages (Binding requests
// with the right username and a wrong MESSAGE-INTEGRITY, nominating or not).
// For the next 10 s every inbound track of both keeps decoding (video
// framesDecoded and audio packetsReceived rise in each half of it), no peer
// connection goes failed, disconnected or closed, none is made anew and no
// description is set again (no ICE restart, no renegotiation), and the
// server's samtale_dtls_records_dropped_total rose by at least the number of
// DTLS records forged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Server, PASSWORD, installHooks, sleep } from '../integration/lib.mjs';
import { launchChromium, until } from './browser.mjs';
import { dtlsRecord, forge, forgedStun, metric, stunHeader } from './forge.mjs';

installHooks();

const MEDIA_TIMEOUT_MS = 30000;
const WATCH_MS = 10000; // how long the call must go on after the burst
const BAD_STATES = ['failed', 'disconnected', 'closed'];

let server;
let browser;
const pages = {};

before(async () => {
    server = new Server({ name: 'e2e-forged-meeting' });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
    browser = await launchChromium();
    await browser.addInitScript(watchPeerConnections);
});

after(async () => {
    await browser?.close();
});

/** Runs in the page before its scripts: records every RTCPeerConnection, its states and descriptions. */
function watchPeerConnections() {
    const Native = window.RTCPeerConnection;
    const recs = [];
    const recOf = new WeakMap();
    class Watched extends Native {
        constructor(...args) {
            super(...args);
            const rec = { pc: this, states: [], ice: [], descriptions: 0, restarts: 0 };
            recs.push(rec);
            recOf.set(this, rec);
            this.addEventListener('connectionstatechange', () => rec.states.push(this.connectionState));
            this.addEventListener('iceconnectionstatechange', () => rec.ice.push(this.iceConnectionState));
        }

        setLocalDescription(...args) {
            recOf.get(this).descriptions++;
            return super.setLocalDescription(...args);
        }

        setRemoteDescription(...args) {
            recOf.get(this).descriptions++;
            return super.setRemoteDescription(...args);
        }

        restartIce() {
            recOf.get(this).restarts++;
            return super.restartIce();
        }
    }
    window.RTCPeerConnection = Watched;
    window.forgeWatch = recs;
}

/** Runs in the page: every peer connection the page made, with what getStats says. */
async function peerReport() {
    const out = [];
    for (const rec of window.forgeWatch) {
        const pc = rec.pc;
        const r = {
            // The web client offers on its publish connection and answers the server's offers on its subscribe one.
            role: pc.localDescription?.type === 'offer' ? 'publish' : 'subscribe',
            state: pc.connectionState, ice: pc.iceConnectionState,
            states: [...rec.states], iceStates: [...rec.ice], descriptions: rec.descriptions, restarts: rec.restarts,
            localUfrag: pc.localDescription?.sdp.match(/a=ice-ufrag:(\S+)/)?.[1],
            remoteUfrag: pc.remoteDescription?.sdp.match(/a=ice-ufrag:(\S+)/)?.[1],
            inbound: {}, outboundSsrcs: [],
        };
        if (pc.connectionState !== 'closed') {
            const stats = await pc.getStats();
            let pair;
            stats.forEach((s) => {
                if (s.type === 'inbound-rtp') {
                    r.inbound[s.mid ?? s.trackIdentifier ?? s.id] = { kind: s.kind, frames: s.framesDecoded ?? 0, packets: s.packetsReceived ?? 0 };
                }
                if (s.type === 'outbound-rtp') r.outboundSsrcs.push(s.ssrc);
                if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
            });
            if (pair) {
                const l = stats.get(pair.localCandidateId);
                const rm = stats.get(pair.remoteCandidateId);
                r.local = { protocol: l?.protocol, address: l?.address ?? l?.ip, port: l?.port };
                r.remote = { protocol: rm?.protocol, address: rm?.address ?? rm?.ip, port: rm?.port };
            }
        }
        out.push(r);
    }
    return out;
}

const report = (who) => pages[who].evaluate(peerReport);
const open = (peers) => peers.filter((p) => p.state !== 'closed');
const subscribeOf = (peers) => open(peers).find((p) => p.role === 'subscribe');
const publishOf = (peers) => open(peers).find((p) => p.role === 'publish');

/** Both connections up over UDP and the other's video decoding and sound arriving. */
function mediaUp(peers) {
    const pub = publishOf(peers);
    const sub = subscribeOf(peers);
    if (!pub || !sub || pub.state !== 'connected' || sub.state !== 'connected' || !pub.local?.port || !sub.local?.port) return false;
    const tracks = Object.values(sub.inbound);
    return tracks.some((t) => t.kind === 'video' && t.frames > 10) && tracks.some((t) => t.kind === 'audio' && t.packets > 50);
}

function local(url) {
    return url.replace(/^https:\/\/[^/]+/, server.origin);
}

async function joinAs(page, url, name) {
    await page.goto(local(url));
    await page.getByLabel(/navn/i).fill(name);
    await page.getByRole('button', { name: 'Deltag', exact: true }).click();
}

/* A random RTP (not RTCP) header byte pair: version 2, any payload type but 64..95. */
function rtpSecondByte() {
    for (;;) {
        const b = crypto.randomInt(256);
        if ((b & 0x7f) < 64 || (b & 0x7f) > 95) return b;
    }
}

/**
 * The burst sent from one participant address: datagrams and how many DTLS
 * records among them are well framed (each of those must be counted as
 * dropped; the garbage that merely starts like DTLS is not included).
 */
function forgedBurst({ serverUfrag, clientUfrag, ssrcs }) {
    const out = [];
    let records = 0;
    let seq = 0x200000 + crypto.randomInt(0x100000);
    const record = (buf) => {
        out.push(buf);
        records++;
    };
    // The 14-byte epoch-1 alert with a one-byte body.
    record(Buffer.from('15fefd0001000000000040000199', 'hex'));
    // Every content type, epochs 0 and 1, bodies 0..30 bytes.
    for (const type of [20, 21, 22, 23])
        for (const epoch of [0, 1])
            for (let len = 0; len <= 30; len++) record(dtlsRecord(type, epoch, seq++, crypto.randomBytes(len)));
    // Full-length epoch-1 application data: random, so the tag is wrong.
    for (let i = 0; i < 10; i++) record(dtlsRecord(23, 1, seq++, crypto.randomBytes(100 + i * 110)));
    // Garbage whose first byte is in the DTLS range (20..63).
    for (let i = 0; i < 20; i++) {
        const b = crypto.randomBytes(1 + crypto.randomInt(600));
        b[0] = 20 + crypto.randomInt(44);
        out.push(b);
    }
    // Forged SRTP: first byte in the RTP range (128..191), random payload ...
    for (let i = 0; i < 20; i++) {
        const b = crypto.randomBytes(12 + crypto.randomInt(1000));
        b[0] = 128 + crypto.randomInt(64);
        out.push(b);
    }
    // ... and with the participant's own SSRCs: RTP and an SRTCP sender report.
    for (const ssrc of ssrcs) {
        for (let i = 0; i < 5; i++) {
            const b = crypto.randomBytes(12 + 20 + crypto.randomInt(1000));
            b[0] = 0x80;
            b[1] = rtpSecondByte();
            b.writeUInt32BE(ssrc >>> 0, 8);
            out.push(b);
        }
        const sr = crypto.randomBytes(28 + 14);
        sr[0] = 0x80;
        sr[1] = 200;
        sr.writeUInt16BE(6, 2);
        sr.writeUInt32BE(ssrc >>> 0, 4);
        out.push(sr);
    }
    // STUN-looking: Binding requests with the right username and a wrong
    // key (nominating or not), a success response nobody asked for, headers
    // with random bodies.
    for (let i = 0; i < 5; i++) {
        out.push(forgedStun(`${serverUfrag}:${clientUfrag}`));
        out.push(forgedStun(`${serverUfrag}:${clientUfrag}`, { useCandidate: true }));
        const body = crypto.randomBytes(4 * crypto.randomInt(25));
        out.push(Buffer.concat([stunHeader(0x0101, body.length), body]));
        const junk = crypto.randomBytes(crypto.randomInt(100));
        out.push(Buffer.concat([stunHeader(0x0001, crypto.randomInt(0x10000)), junk]));
    }
    return { datagrams: out, records };
}

async function snapshot() {
    const s = {};
    for (const who of Object.keys(pages)) s[who] = await report(who);
    return s;
}

/** What is wrong with the call now compared with `base` (an empty list when nothing). */
function problems(base, now, { rising }) {
    const bad = [];
    for (const who of Object.keys(base)) {
        if (now[who].length !== base[who].length) bad.push(`${who}: ${now[who].length - base[who].length} new peer connection(s)`);
        for (const [i, b] of base[who].entries()) {
            const n = now[who][i];
            if (b.state === 'closed') continue;
            const what = `${who} ${b.role}`;
            const newStates = [...n.states.slice(b.states.length), ...n.iceStates.slice(b.iceStates.length)];
            const hit = newStates.filter((st) => BAD_STATES.includes(st));
            if (hit.length || n.state !== 'connected') bad.push(`${what}: went ${JSON.stringify(newStates)}, now ${n.state}`);
            if (n.descriptions !== b.descriptions || n.restarts !== b.restarts) {
                bad.push(`${what}: renegotiated (${n.descriptions - b.descriptions} descriptions, ${n.restarts - b.restarts} ICE restarts)`);
            }
            for (const [mid, t] of Object.entries(b.inbound)) {
                const u = n.inbound[mid];
                if (!u) {
                    bad.push(`${what}: inbound ${t.kind} on mid ${mid} gone`);
                    continue;
                }
                const [field, min] = t.kind === 'video' ? ['frames', rising.video] : ['packets', rising.audio];
                if (u[field] - t[field] < min) bad.push(`${what}: ${t.kind} on mid ${mid} ${field} ${t[field]} → ${u[field]}`);
            }
        }
    }
    return bad;
}

test('forged short DTLS records and garbage from both participants\' addresses during a meeting: the call keeps decoding', async () => {
    const api = await server.login('anna', PASSWORD);
    const created = await api.expect(201, 'POST', '/api/meetings', { body: { title: 'Opfølgning', roles: ['citizen'] } });
    pages.caseworker = await browser.newPage();
    await joinAs(pages.caseworker, created.host_link.url, 'Anna Jensen');
    await pages.caseworker.locator('.room').waitFor();
    pages.citizen = await browser.newPage();
    await joinAs(pages.citizen, created.links.find((l) => l.role === 'citizen').url, 'Mette Hansen');
    await pages.caseworker.getByRole('button', { name: 'Luk Mette Hansen ind' }).first().click();
    await pages.citizen.locator('.room').waitFor();

    let last;
    try {
        await until(async () => {
            last = await snapshot();
            return Object.values(last).every(mediaUp);
        }, { timeoutMs: MEDIA_TIMEOUT_MS, intervalMs: 500, what: 'both decoding each other\'s video and sound' });
    } catch (e) {
        throw new Error(`${e.message}; last: ${JSON.stringify(last)}`);
    }

    const base = await snapshot();
    const before = (await server.request('GET', '/metrics')).text;
    let datagrams = 0;
    let records = 0;
    const from = [];
    for (const [who, peers] of Object.entries(base)) {
        assert.equal(open(peers).length, 2, `${who}: one publish and one subscribe connection: ${JSON.stringify(peers)}`);
        for (const p of open(peers)) {
            assert.equal(p.local.protocol, 'udp', `${who} ${p.role}: selected pair ${JSON.stringify(p)}`);
            assert.match(String(p.local.address), /^127\./, `${who} ${p.role}: selected local address`);
            const burst = forgedBurst({ serverUfrag: p.remoteUfrag, clientUfrag: p.localUfrag, ssrcs: p.role === 'publish' ? p.outboundSsrcs : [] });
            assert.equal(forge(p.local.address, p.local.port, p.remote.address, p.remote.port, burst.datagrams), burst.datagrams.length);
            datagrams += burst.datagrams.length;
            records += burst.records;
            from.push(`${who} ${p.role} ${p.local.address}:${p.local.port}→${p.remote.port}`);
        }
    }

    // The call goes on: checked every half second, and every inbound track
    // must have decoded more in each half of the watch.
    const started = Date.now();
    let mark = base;
    let now;
    for (let half = 1; half <= 2; half++) {
        const end = started + (half * WATCH_MS) / 2;
        while (Date.now() < end) {
            await sleep(500);
            now = await snapshot();
            const bad = problems(base, now, { rising: { video: 0, audio: 0 } });
            assert.deepEqual(bad, [], `after forging from ${from.join(', ')}`);
        }
        const bad = problems(mark, now, { rising: { video: 5, audio: 25 } });
        assert.deepEqual(bad, [], `half ${half} of ${WATCH_MS} ms after forging`);
        mark = now;
    }

    const after = (await server.request('GET', '/metrics')).text;
    const counted = metric(after, 'samtale_dtls_records_dropped_total') - metric(before, 'samtale_dtls_records_dropped_total');
    assert.ok(counted >= records, `${records} forged DTLS records in ${datagrams} datagrams, ${counted} counted as dropped`);
    const failed = (t) => metric(t, 'samtale_ice_transports_failed_total');
    assert.equal(failed(after), failed(before), 'no transport failed');
    const decoded = (s) => Object.values(s).flatMap((peers) => open(peers).flatMap((p) => Object.values(p.inbound)));
    console.log(`forged from ${from.join(', ')}: ${datagrams} datagrams, ${records} DTLS records, ${counted} counted as dropped; ` +
        `in ${WATCH_MS} ms since: ${JSON.stringify(decoded(now).map((t, i) => `${t.kind} +${t.kind === 'video' ? t.frames - decoded(base)[i].frames : t.packets - decoded(base)[i].packets}`))}`);
});
