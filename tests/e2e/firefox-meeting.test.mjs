// Firefox ESR in a meeting with two Chromiums, through the real web client
// against the real server: a caseworker (Chromium, host) creates the
// meeting, a citizen (Chromium) and an interpreter (Firefox ESR, a second
// browser engine) join from their links and are admitted.
//
//  1. Everyone decodes everyone: in every direction (6 of them) the receiver's
//     getStats shows the sender's video frames decoded and audio packets
//     received rising.
//  2. The call holds for HOLD_MS (90 s, three times the 30 s consent timeout):
//     every direction keeps decoding in every sample window, no peer
//     connection goes "failed" or is replaced, no ICE restart (the local
//     ice-ufrag never changes), the server sends no transport_state
//     "failed" and counts no failed transport.
//     Firefox's ICE-TCP connections to the server are held back (nftables
//     drops their SYNs, the kernel retries) until its UDP pairs are
//     nominated, as on a slow network; Firefox then (9 runs in 10 here)
//     nominates its subscribe connection's TCP pair too, UDP first and TCP a
//     moment later, and keeps consent on the UDP pair only. The server must
//     stay on the higher-priority pair with consent (docs/PROTOCOL.md,
//     "Readings of the specification"); a server that follows the last
//     nomination drops the call 30 s later.
//  3. Firefox's simulcast layers (a=simulcast:send with rids, one
//     ssrc-group:FID per layer, listed in rid order as the server assumes)
//     are each forwarded: a Chromium subscriber that asks for a layer's size
//     (subscribe_prefs over its own signaling connection, the other camera
//     paused so that its downlink estimate is no limit) receives frames of
//     that size, top, lowest, middle and top again.
// Figures (decode rates per direction, layers) are printed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Server, PASSWORD, REPO_ROOT, installHooks } from '../integration/lib.mjs';
import { launchBrowser, until } from './browser.mjs';
import { launchFirefox } from './firefox.mjs';

installHooks();

const LOG_DIR = path.join(REPO_ROOT, 'build', 'test-logs');
const HOLD_MS = 90000; // the call must hold this long (consent timeout: 30 s)
const SAMPLE_MS = 10000; // every direction decodes within each window
const WAIT_MS = 45000; // one condition (Firefox starts slowly on 2 busy cores)
const LAYER_WAIT_MS = 45000; // measured: ~2 s per switch
const PREFS_REPEAT_MS = 3000;
const TCP_NOMINATION_MS = 10000; // measured: under 1 s

const NAMES = { caseworker: 'Anna Jensen', citizen: 'Mette Hansen', interpreter: 'Omar Haddad' };
const ENGINE = { caseworker: 'chromium', citizen: 'chromium', interpreter: 'firefox' };

let server;
let chromium;
let firefox;
const people = {}; // who → {page, errors}

before(async () => {
    fs.mkdirSync(LOG_DIR, { recursive: true });
    server = new Server({ name: 'e2e-firefox-meeting' });
    server.addUser('anna', NAMES.caseworker, PASSWORD);
    await server.start();
    chromium = await launchBrowser();
    firefox = await launchFirefox();
});

after(async () => {
    releaseIceTcp();
    for (const p of Object.values(people)) await p.page?.close().catch(() => {});
    await firefox?.close();
    await chromium?.close();
});

/*
 * Runs in every page before the web client: records each RTCPeerConnection
 * (its connection states, the local ice-ufrags it used, what it is) and each
 * WebSocket, without changing what they do.
 */
function instrument() {
    const rec = { pcs: [], sockets: [], transportStates: [], tracks: [] };
    window.__samtaleTest = rec;
    const OrigPC = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends OrigPC {
        constructor(...args) {
            super(...args);
            // The join page's own device check (an echo call) comes before the room.
            const e = { pc: this, states: [], ufrags: [], role: null, beforeRoom: !document.querySelector('.room') };
            rec.pcs.push(e);
            this.addEventListener('connectionstatechange', () => e.states.push(this.connectionState));
            this.addEventListener('signalingstatechange', () => {
                const d = this.localDescription;
                if (!d) return;
                e.role ??= d.type === 'offer' ? 'publish' : 'subscribe';
                const m = /a=ice-ufrag:(\S+)/.exec(d.sdp);
                if (m && e.ufrags.at(-1) !== m[1]) e.ufrags.push(m[1]);
            });
        }
    };
    const OrigWS = window.WebSocket;
    window.WebSocket = class extends OrigWS {
        constructor(...args) {
            super(...args);
            rec.sockets.push(this);
            this.addEventListener('message', (ev) => {
                try {
                    const m = JSON.parse(ev.data);
                    if (m.type === 'transport_state') rec.transportStates.push(m);
                    if (m.type === 'subscribe_offer' && Array.isArray(m.tracks)) rec.tracks = m.tracks;
                } catch { /* not JSON: not ours to judge */ }
            });
        }
    };
}

/* Runs in the page: tiles (data-* hooks of views/stage.js) and the peer connections' history. */
function readPage() {
    const tiles = [...document.querySelectorAll('.tiles .tile')].filter((t) => !t.classList.contains('is-me')).map((t) => ({
        id: Number(t.dataset.participantId),
        name: t.querySelector('.tile-name')?.textContent,
        hasVideo: t.dataset.hasVideo === 'true',
        frames: Number(t.dataset.frames || 0),
        frameSize: t.dataset.frameSize || '',
        audioPackets: Number(t.dataset.audioPackets || 0),
    }));
    const rec = window.__samtaleTest;
    return {
        tiles,
        room: !!document.querySelector('.room'),
        pcs: rec ? rec.pcs.filter((e) => !(e.beforeRoom && e.pc.connectionState === 'closed')).map((e) => ({ role: e.role, states: e.states, ufrags: e.ufrags, state: e.pc.connectionState })) : [],
        transportStates: rec ? rec.transportStates : [],
    };
}

/* Runs in the page: what this browser sends of its camera, per rid (or ssrc). */
async function readOutbound() {
    const rec = window.__samtaleTest;
    const out = {};
    for (const e of rec.pcs) {
        if (e.role !== 'publish' || e.pc.connectionState === 'closed') continue;
        const stats = await e.pc.getStats();
        stats.forEach((r) => {
            if (r.type !== 'outbound-rtp' || r.kind !== 'video') return;
            out[r.rid || String(r.ssrc)] = {
                ssrc: r.ssrc, width: r.frameWidth || 0, height: r.frameHeight || 0, framesEncoded: r.framesEncoded || 0,
                keyFrames: r.keyFramesEncoded, bytesSent: r.bytesSent || 0, headerBytes: r.headerBytesSent, packets: r.packetsSent,
                fps: r.framesPerSecond, pli: r.pliCount, fir: r.firCount, nack: r.nackCount, retransmittedBytes: r.retransmittedBytesSent,
            };
        });
    }
    return out;
}

/* Runs in the page: each peer connection's candidate pairs (which are nominated, which is used). */
async function readPairs() {
    const res = [];
    for (const e of window.__samtaleTest.pcs) {
        if (e.pc.connectionState === 'closed') continue;
        const stats = await e.pc.getStats();
        const pairs = [];
        stats.forEach((r) => {
            if (r.type !== 'candidate-pair') return;
            const l = stats.get(r.localCandidateId);
            pairs.push({
                proto: l?.protocol, local: `${l?.address}:${l?.port}`, nominated: !!r.nominated, selected: !!r.selected,
                state: r.state, sent: r.bytesSent, received: r.bytesReceived, priority: r.priority,
            });
        });
        res.push({ role: e.role, pairs });
    }
    return res;
}

/* Runs in the page: received video per sender (by tile), with its repair figures. */
async function readInbound() {
    const byTrack = new Map();
    for (const t of document.querySelectorAll('.tiles .tile')) {
        const track = t.querySelector('video')?.srcObject?.getVideoTracks?.()[0];
        if (track) byTrack.set(track.id, t.querySelector('.tile-name')?.textContent);
    }
    const res = {};
    for (const e of window.__samtaleTest.pcs) {
        if (e.role !== 'subscribe' || e.pc.connectionState === 'closed') continue;
        const stats = await e.pc.getStats();
        stats.forEach((r) => {
            if (r.type !== 'inbound-rtp' || r.kind !== 'video') return;
            const name = byTrack.get(r.trackIdentifier);
            if (!name) return;
            res[name] = {
                size: `${r.frameWidth || 0}x${r.frameHeight || 0}`, framesDecoded: r.framesDecoded, keyFrames: r.keyFramesDecoded,
                pli: r.pliCount, nack: r.nackCount, lost: r.packetsLost, freezes: r.freezeCount, dropped: r.framesDropped,
                bytes: r.bytesReceived, packets: r.packetsReceived,
            };
        });
    }
    return res;
}

const read = (who) => people[who].page.evaluate(readPage);
const others = (who) => Object.keys(NAMES).filter((w) => w !== who);

async function waitPage(who, pred, what, timeoutMs = WAIT_MS) {
    let last;
    try {
        return await until(async () => {
            last = await read(who);
            return (await pred(last)) ? last : null;
        }, { timeoutMs, intervalMs: 500, what: `${who}: ${what}` });
    } catch (e) {
        throw new Error(`${e.message}; last: ${JSON.stringify(last)}; errors: ${JSON.stringify(people[who].errors.slice(-10))}`);
    }
}

async function openChromium(who) {
    const context = await chromium.newContext({ ignoreHTTPSErrors: true, locale: 'da-DK', viewport: { width: 800, height: 600 } });
    context.setDefaultTimeout(15000);
    await context.addInitScript(instrument);
    const page = await context.newPage();
    const p = { page, errors: [], close: () => context.close() };
    page.on('pageerror', (e) => p.errors.push(e.message));
    page.close = () => context.close();
    people[who] = p;
    return p;
}

async function openFirefox(who) {
    const page = await firefox.newPage();
    await page.setViewport({ width: 800, height: 600 });
    await page.evaluateOnNewDocument(instrument);
    const p = { page, errors: [] };
    // Firefox reports a WebSocket closed before it opened, or still open when a
    // page goes, as a page error. The join page's own device check starts at
    // once and is closed when the person joins; the meeting's own connection
    // is judged by everything else this test checks.
    const socketNoise = /^(Firefox can’t establish a connection to the server at wss:|The connection to wss:\S+ was interrupted while the page was loading\.)/;
    page.on('pageerror', (e) => {
        const text = String(e?.message ?? e);
        if (!socketNoise.test(text)) p.errors.push(text);
    });
    people[who] = p;
    return p;
}

const local = (url) => url.replace(/^https:\/\/[^/]+/, server.origin);

/* Fills in the name and presses "Deltag" on the join page (both engines: plain selectors). */
async function join(who, url) {
    const { page } = people[who];
    await page.goto(local(url));
    const sel = 'form input[name="name"]';
    await page.waitForSelector(sel, { timeout: 20000 });
    await page.evaluate(({ s, name }) => {
        const input = document.querySelector(s);
        input.value = name;
        input.dispatchEvent(new Event('input', { bubbles: true }));
        input.form.requestSubmit();
    }, { s: sel, name: NAMES[who] });
}

async function admit(who) {
    const btn = people.caseworker.page.getByRole('button', { name: `Luk ${NAMES[who]} ind` }).first();
    await btn.click({ timeout: WAIT_MS });
    await waitPage(who, (s) => s.room, 'in the room');
}

/* Every direction into `who`: both others' video and sound, with their figures now. */
function incoming(who, s) {
    const res = {};
    for (const o of others(who)) {
        const t = s.tiles.find((x) => x.name === NAMES[o]);
        res[o] = t ? { frames: t.frames, audio: t.audioPackets, hasVideo: t.hasVideo, size: t.frameSize } : null;
    }
    return res;
}

/* Waits until, in every direction, frames and audio packets are above `floor` (per sender). */
async function waitAllRising(base, what, timeoutMs) {
    const now = {};
    for (const who of Object.keys(NAMES)) {
        const s = await waitPage(who, (x) => others(who).every((o) => {
            const t = incoming(who, x)[o];
            const b = base?.[who]?.[o];
            return t && t.hasVideo && t.frames > (b ? b.frames + 10 : 5) && t.audio > (b ? b.audio + 20 : 20);
        }), what, timeoutMs);
        now[who] = incoming(who, s);
    }
    return now;
}

function metricSum(text, prefix) {
    let sum = 0;
    for (const line of text.split('\n')) if (line.startsWith(prefix)) sum += Number(line.split(' ').pop());
    return sum;
}

const metrics = async () => (await server.request('GET', '/metrics')).text;

/* The media workers' ICE-TCP ports, from the server's log. */
function workerTcpPorts() {
    const ports = [];
    for (const [, line] of server.log) {
        const m = /worker \d+: udp \S+ port \d+, tcp port (\d+)/.exec(line);
        if (m) ports.push(Number(m[1]));
    }
    assert.ok(ports.length > 0, 'the server logs its ICE-TCP ports');
    return ports;
}

const NFT_TABLE = 'samtale_ff_tcp';
const nft = (...args) => execFileSync('nft', args, { stdio: 'pipe', timeout: 10000 });

/* Holds back new TCP connections to the ICE-TCP ports (SYNs dropped: the kernel retries them). */
function holdBackIceTcp() {
    nft('add', 'table', 'inet', NFT_TABLE);
    nft('add', 'chain', 'inet', NFT_TABLE, 'out', '{ type filter hook output priority 0; }');
    nft('add', 'rule', 'inet', NFT_TABLE, 'out', 'tcp', 'dport', `{ ${workerTcpPorts().join(', ')} }`, 'tcp', 'flags', '&', '(syn|ack)', '==', 'syn', 'drop');
}

function releaseIceTcp() {
    try { nft('delete', 'table', 'inet', NFT_TABLE); } catch { /* not there */ }
}

/* No peer connection failed, was replaced, or restarted ICE. */
async function assertTransportsHeld(label) {
    for (const who of Object.keys(NAMES)) {
        const s = await read(who);
        const live = s.pcs.filter((p) => p.state !== 'closed');
        const roles = live.map((p) => p.role).sort();
        assert.deepEqual(roles, ['publish', 'subscribe'], `${label}: ${who} (${ENGINE[who]}) still has its first two peer connections, none replaced: ${JSON.stringify(s.pcs)}`);
        const failed = s.transportStates.filter((m) => m.state === 'failed');
        assert.deepEqual(failed, [], `${label}: the server failed none of ${who}'s (${ENGINE[who]}) transports`);
        assert.equal(s.pcs.length, 2, `${label}: ${who} (${ENGINE[who]}) made no new peer connection: ${JSON.stringify(s.pcs)}`);
        for (const p of s.pcs) {
            // "disconnected" for a moment is not a failure (a busy machine may delay a consent answer).
            assert.ok(!p.states.includes('failed'), `${label}: ${who} (${ENGINE[who]}) ${p.role} connection never failed: ${JSON.stringify(p)}`);
            assert.ok(p.state === 'connected' || p.state === 'disconnected', `${label}: ${who} (${ENGINE[who]}) ${p.role} connection is up: ${JSON.stringify(p)}`);
            assert.equal(p.ufrags.length, 1, `${label}: ${who} (${ENGINE[who]}) ${p.role} connection made no ICE restart: ${JSON.stringify(p)}`);
        }
    }
    const m = await metrics();
    assert.equal(metricSum(m, 'samtale_ice_transports_failed_total'), 0, `${label}: the server counts no failed transport`);
    assert.equal(metricSum(m, 'samtale_ice_transports{state="connected"}'), 6, `${label}: the server has six connected transports`);
}

test('Firefox ESR and two Chromiums: everyone decodes everyone for 90 s, no transport fails, Firefox simulcast layers are forwarded', async () => {
    try {
        await meeting();
    } catch (e) {
        for (const [who, p] of Object.entries(people)) {
            await p.page.screenshot({ path: path.join(LOG_DIR, `firefox-meeting-failed-${who}.png`) }).catch(() => {});
        }
        throw e;
    }
});

async function meeting() {
    const api = await server.login('anna', PASSWORD);
    const created = await api.expect(201, 'POST', '/api/meetings', { body: { title: 'Firefox', roles: ['citizen', 'interpreter'] } });
    const linkFor = (role) => created.links.find((l) => l.role === role).url;

    await openChromium('caseworker');
    await join('caseworker', created.host_link.url);
    await waitPage('caseworker', (s) => s.room, 'in the room');
    await openChromium('citizen');
    await join('citizen', linkFor('citizen'));
    await admit('citizen');
    // Firefox's ICE-TCP connections are held back until its UDP pairs are
    // nominated, as on a slow network: then it nominates its TCP pairs as
    // well, UDP first and TCP a moment later, and keeps consent on UDP.
    holdBackIceTcp();
    await openFirefox('interpreter');
    await join('interpreter', linkFor('interpreter'));
    await admit('interpreter');
    const ff = people.interpreter.page;
    const nominated = (pairs, proto) => pairs.length === 2 && pairs.every((pc) => pc.pairs.some((p) => p.proto === proto && p.nominated));
    let pairs;
    await until(async () => nominated(pairs = await ff.evaluate(readPairs), 'udp'), { timeoutMs: WAIT_MS, what: 'Firefox nominating its UDP pairs' })
        .catch((e) => { throw new Error(`${e.message}: ${JSON.stringify(pairs)}`); });
    const ffUp = Date.now();
    releaseIceTcp();
    // Measured: a TCP pair (of the subscribe connection) nominated within
    // about a second in 9 runs of 10; when Firefox cancels both TCP checks
    // instead, the double nomination is not exercised in this run (the unit
    // tests of media/ice.c cover it) and the call must hold all the same.
    const someTcp = (x) => x.some((pc) => pc.pairs.some((p) => p.proto === 'tcp' && p.nominated));
    const both = await until(async () => someTcp(pairs = await ff.evaluate(readPairs)), { timeoutMs: TCP_NOMINATION_MS, what: 'Firefox nominating a TCP pair as well' })
        .catch(() => false);
    console.log(`${both ? 'Firefox nominated its UDP and a TCP pair' : 'NOTE: Firefox nominated no TCP pair this time'}; its candidate pairs ${Date.now() - ffUp} ms after its UDP pairs were nominated: ${JSON.stringify(pairs)}`);

    // 1. Everyone decodes everyone.
    let t0 = Date.now();
    let last = await waitAllRising(null, 'video and sound from both others', WAIT_MS);
    console.log(`all six directions decoding after ${Date.now() - t0} ms: ${JSON.stringify(last)}`);
    await assertTransportsHeld('connected');

    // 2. The call holds: every direction keeps decoding in every window.
    const start = Date.now();
    const first = last;
    while (Date.now() - start < HOLD_MS) {
        const windowStart = Date.now();
        await new Promise((r) => setTimeout(r, Math.min(SAMPLE_MS, HOLD_MS - (windowStart - start))));
        const now = {};
        for (const who of Object.keys(NAMES)) now[who] = incoming(who, await read(who));
        for (const who of Object.keys(NAMES)) {
            for (const o of others(who)) {
                const a = last[who][o];
                const b = now[who][o];
                assert.ok(b && b.frames > a.frames && b.audio > a.audio,
                    `${Math.round((Date.now() - ffUp) / 1000)} s after Firefox connected: ${who} (${ENGINE[who]}) keeps decoding ${o} (${ENGINE[o]}): ${JSON.stringify({ before: a, now: b })}`);
            }
        }
        await assertTransportsHeld(`${Math.round((Date.now() - ffUp) / 1000)} s after Firefox connected`);
        last = now;
    }
    const secs = (Date.now() - start) / 1000;
    const rates = {};
    for (const who of Object.keys(NAMES)) {
        for (const o of others(who)) {
            rates[`${o}→${who}`] = {
                fps: +((last[who][o].frames - first[who][o].frames) / secs).toFixed(1),
                audioPps: +((last[who][o].audio - first[who][o].audio) / secs).toFixed(1),
                size: last[who][o].size,
            };
        }
    }
    console.log(`the server's transport_state messages to Firefox: ${JSON.stringify((await read('interpreter')).transportStates)}`);
    console.log(`Firefox's candidate pairs after the hold: ${JSON.stringify(await people.interpreter.page.evaluate(readPairs))}`);
    console.log(`held ${secs.toFixed(1)} s; per direction (sender→receiver): ${JSON.stringify(rates)}`);
    for (const [dir, r] of Object.entries(rates)) {
        assert.ok(r.fps >= 5, `${dir}: at least 5 frames/s decoded over the hold: ${JSON.stringify(r)}`);
        assert.ok(r.audioPps >= 25, `${dir}: at least 25 audio packets/s over the hold: ${JSON.stringify(r)}`);
    }

    // 3. Firefox's simulcast layers, each forwarded when a subscriber asks for its size.
    await firefoxLayers();
    await assertTransportsHeld('after the layer changes');
    for (const [who, p] of Object.entries(people)) assert.deepEqual(p.errors, [], `${who} (${ENGINE[who]}): no script error in the web client`);
}

/* Asks, over `who`'s own signaling connection, for `sender`'s camera at
 * width×height (what the web client sends when it shows the video that
 * large), and waits until frames of `height` are decoded. */
async function askLayer(who, sender, width, height) {
    const page = people[who].page;
    // The sender's camera at that size, the other cameras paused: the
    // subscriber's downlink is for this one video.
    const prefs = await page.evaluate(({ name, width, height }) => {
        const tile = [...document.querySelectorAll('.tiles .tile')].find((t) => t.querySelector('.tile-name')?.textContent === name);
        const id = Number(tile?.dataset.participantId);
        return window.__samtaleTest.tracks.filter((t) => t.kind === 'video' && t.source === 'camera')
            .map((t) => (t.participant_id === id ? { mid: t.mid, width, height, paused: false } : { mid: t.mid, paused: true }));
    }, { name: NAMES[sender], width, height });
    assert.ok(prefs.some((p) => !p.paused), `${who}: ${sender}'s camera is on its subscribe connection: ${JSON.stringify(prefs)}`);
    // The page's own layout may send its prefs again (a tile resized by a
    // pixel): the request is repeated every PREFS_REPEAT_MS while waiting.
    const ask = () => page.evaluate((list) => {
        const ws = window.__samtaleTest.sockets.find((w) => w.readyState === WebSocket.OPEN);
        ws.send(JSON.stringify({ type: 'subscribe_prefs', prefs: list }));
    }, prefs);
    const t0 = Date.now();
    let asked = 0;
    let first;
    const s = await waitPage(who, async (x) => {
        if (Date.now() - asked >= PREFS_REPEAT_MS) {
            asked = Date.now();
            await ask();
        }
        const t = x.tiles.find((y) => y.name === NAMES[sender]);
        if (!t || t.frameSize !== `${width}x${height}`) return false;
        first ??= t.frames;
        return t.frames > first + 10; // and keeps decoding at that size
    }, `${sender}'s camera received at ${width}x${height}`, LAYER_WAIT_MS);
    return { ms: Date.now() - t0, tile: s.tiles.find((y) => y.name === NAMES[sender]) };
}

/* Firefox sends three simulcast layers; each is forwarded to a subscriber that asks for its size. */
async function firefoxLayers() {
    let out;
    const sent = await until(async () => {
        out = await people.interpreter.page.evaluate(readOutbound);
        const layers = Object.entries(out).filter(([, v]) => v.height > 0 && v.framesEncoded > 10);
        return layers.length >= 3 ? layers : null;
    }, { timeoutMs: LAYER_WAIT_MS, intervalMs: 500, what: 'Firefox sending three simulcast layers' }).catch((e) => {
        throw new Error(`${e.message}: Firefox sends ${JSON.stringify(out)}`);
    });
    console.log(`Firefox sends (rid: size, frames encoded): ${JSON.stringify(out)}`);
    const sizes = [...new Map(sent.map(([, v]) => [v.height, [v.width, v.height]])).values()].sort((a, b) => a[1] - b[1]);
    assert.equal(sizes.length, 3, `three layers of different sizes: ${JSON.stringify(out)}`);
    // The server takes the offer's ssrc-group:FID lines in a=rid order
    // (signaling/sfu.c): true of Firefox's offer.
    const fid = await people.interpreter.page.evaluate(() => {
        const e = window.__samtaleTest.pcs.find((x) => x.role === 'publish' && x.pc.connectionState !== 'closed');
        const video = e.pc.localDescription.sdp.split(/\r\nm=/).find((m) => /a=simulcast:send/.test(m));
        return [...video.matchAll(/a=ssrc-group:FID (\d+) (\d+)/g)].map((m) => Number(m[1]));
    });
    assert.deepEqual(fid, ['q', 'h', 'f'].map((rid) => out[rid]?.ssrc), `Firefox lists its FID groups in rid order: ${JSON.stringify({ fid, out })}`);
    const m0 = await metrics();
    // Top, lowest, middle, top again: every layer, and a switch both ways.
    for (const [w, h] of [sizes[2], sizes[0], sizes[1], sizes[2]]) {
        for (const who of ['caseworker', 'citizen']) {
            const r = await askLayer(who, 'interpreter', w, h);
            console.log(`${who} asks for Firefox's camera at ${w}x${h}: receives it after ${r.ms} ms`);
        }
    }
    const m1 = await metrics();
    const switches = metricSum(m1, 'samtale_sfu_layer_switches_total') - metricSum(m0, 'samtale_sfu_layer_switches_total');
    assert.ok(switches >= 6, `the server switched layers for each request: ${switches}`);
    for (const who of ['caseworker', 'citizen']) console.log(`${who} receives: ${JSON.stringify(await people[who].page.evaluate(readInbound))}`);
    console.log(`Firefox sends after the layer changes: ${JSON.stringify(await people.interpreter.page.evaluate(readOutbound))}`);
}
