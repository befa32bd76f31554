// Simulcast layer choice in real Chromium: a publisher bot sends its camera
// with three simulcast encodings (q 1/4, h 1/2, f 1/1 of 640×480; Chromium
// really sends only q 160×120 and h 320×240 of a 640×480 camera, and only
// once its bandwidth estimate allows); a subscriber bot asks for it large
// and receives the top layer that is really sent. With its downlink capped
// (subscribe_prefs max_bitrate, the server-side cap) it is moved to the
// lowest layer and keeps decoding; when the cap is lifted it is moved back
// up. Asking for a small size (160×120) also gives the lowest layer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, PASSWORD, installHooks } from '../integration/lib.mjs';
import { launchChromium } from './browser.mjs';
import { Bot, admit, createMeeting, describeOutbound } from './bot.mjs';

installHooks();

const WAIT_MS = 20000;
const MIN_PUBLISHER_BWE = 500000; // bit/s: enough for q and h (150 + 500 kbit/s at most)

let server;
let browser;
let pub; // the publisher (host)
let sub; // the subscriber (guest)
let cameraMid; // the publisher's camera on the subscriber's connection
let layers; // {low, top, heights, rids}: frame heights the publisher really sends

before(async () => {
    server = new Server({ name: 'e2e-simulcast' });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
    const api = await server.login('anna', PASSWORD);
    browser = await launchChromium();
    const { hostToken, guestTokens } = await createMeeting(api, 1, 'Simulcast');
    pub = await Bot.join(browser, server.origin, hostToken, 'Pia Publisher');
    sub = await Bot.join(browser, server.origin, guestTokens[0], 'Sam Subscriber');
    await admit(pub, sub);
    await sub.waitMedia([pub.id]);
    const st = await sub.state();
    cameraMid = Object.entries(st.tracks).find(([, t]) => t.participant_id === pub.id && t.source === 'camera')?.[0];
    assert.ok(cameraMid, `the subscriber is offered the publisher's camera: ${JSON.stringify(st.tracks)}`);
});

after(async () => {
    await pub?.close();
    await sub?.close();
    await browser?.close();
});

const video = (s) => s.byParticipant[pub.id]?.video;
const brief = (v) => (v ? `${v.frameWidth}x${v.frameHeight}, ${v.framesDecoded} frames decoded, ${v.freezeCount} freezes` : 'no video');

/** Waits for the received frame height to satisfy pred, with the publisher's layers in the error. */
async function waitHeight(pred, what) {
    try {
        return await sub.waitStats((s) => {
            const v = video(s);
            return v && v.framesDecoded > 0 && pred(v.frameHeight) ? s : null;
        }, what, WAIT_MS);
    } catch (e) {
        throw new Error(`${e.message}\npublisher sends: ${describeOutbound(await pub.outbound())}`);
    }
}

/**
 * The publisher's layers as it really sends them: the rids whose encodings
 * produce frames, as {rid: frame height}, with `top` and `low`. Chromium
 * sends at most two simulcast layers of a 640×480 camera (q 160×120 and
 * h 320×240; f stays unused); only when its bandwidth estimate allows.
 */
async function publisherLayers() {
    let last;
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
        last = await pub.outbound();
        const sent = Object.entries(last?.video ?? {}).filter(([, v]) => v.frameHeight > 0 && v.framesEncoded > 10 && v.fps > 0);
        const heights = [...new Set(sent.map(([, v]) => v.frameHeight))].sort((a, b) => a - b);
        // Both layers sent, and the publisher's bandwidth estimate has ramped
        // up far enough to keep sending them (else its top layer soon stops).
        if (heights.length >= 2 && (last.pair?.outBps ?? 0) >= MIN_PUBLISHER_BWE) {
            return { low: heights[0], top: heights.at(-1), heights, rids: Object.fromEntries(sent.map(([r, v]) => [r, v.frameHeight])) };
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out after ${WAIT_MS} ms waiting for the publisher to send at least two simulcast layers ` +
                `with a bandwidth estimate of at least ${MIN_PUBLISHER_BWE} bit/s; it sends ${describeOutbound(last)} ` +
                '(bwe = its availableOutgoingBitrate: stuck at 300000 or falling to Chromium\'s floor of 84400 means it gets ' +
                'no usable transport-cc feedback from the server)');
        }
        await new Promise((r) => setTimeout(r, 250));
    }
}

test('a large view gets the top layer; a downlink cap moves the subscriber down and lifting it moves it back up', async () => {
    layers = await publisherLayers();
    console.log(`publisher layers really sent (rid: frame height): ${JSON.stringify(layers.rids)}; ${describeOutbound(await pub.outbound())}`);

    await sub.send({ type: 'subscribe_prefs', prefs: [{ mid: cameraMid, width: 1280, height: 720, paused: false }] });
    let t0 = Date.now();
    const top = await waitHeight((h) => h === layers.top, `the subscriber receiving the top layer (${layers.top} high)`);
    console.log(`top layer after ${Date.now() - t0} ms: ${brief(video(top))}`);

    await sub.send({ type: 'subscribe_prefs', max_bitrate: 120000 });
    t0 = Date.now();
    const low = await waitHeight((h) => h === layers.low, `the capped subscriber moved to the lowest layer (${layers.low} high)`);
    console.log(`capped at 120 kbit/s: lowest layer after ${Date.now() - t0} ms: ${brief(video(low))}`);
    // It keeps decoding at the low layer, and stays there while capped.
    const more = await sub.framesRising(pub.id, 30, 10000);
    assert.equal(video(more).frameHeight, layers.low, `stays on the lowest layer while capped: ${brief(video(more))}`);
    assert.ok(video(more).framesDecoded > video(low).framesDecoded + 30);

    await sub.send({ type: 'subscribe_prefs', max_bitrate: 0 });
    t0 = Date.now();
    const back = await waitHeight((h) => h === layers.top, `the subscriber moved back to the top layer (${layers.top} high) after the cap is lifted`);
    console.log(`cap lifted: top layer again after ${Date.now() - t0} ms: ${brief(video(back))}`);
    const still = await sub.framesRising(pub.id, 30, 10000);
    console.log(`subscriber totals: ${brief(video(still))}, freeze time ${video(still).totalFreezesDuration} s`);
});

test('a small view (160×120) gets the lowest layer, a large one the top layer again', async () => {
    layers ??= await publisherLayers();
    await sub.send({ type: 'subscribe_prefs', prefs: [{ mid: cameraMid, width: 160, height: 120, paused: false }] });
    let t0 = Date.now();
    const small = await waitHeight((h) => h === layers.low, `a 160×120 view moved to the lowest layer (${layers.low} high)`);
    console.log(`160x120 view: lowest layer after ${Date.now() - t0} ms: ${brief(video(small))}`);
    await sub.framesRising(pub.id, 20, 10000);

    if (layers.heights.length > 2) {
        const middle = layers.heights[1];
        await sub.send({ type: 'subscribe_prefs', prefs: [{ mid: cameraMid, width: middle * 4 / 3, height: middle, paused: false }] });
        t0 = Date.now();
        const mid = await waitHeight((h) => h === middle, `a ${middle * 4 / 3}×${middle} view moved to the middle layer`);
        console.log(`${middle * 4 / 3}x${middle} view: middle layer after ${Date.now() - t0} ms: ${brief(video(mid))}`);
    }

    await sub.send({ type: 'subscribe_prefs', prefs: [{ mid: cameraMid, width: 1280, height: 720, paused: false }] });
    await waitHeight((h) => h === layers.top, `a 1280×720 view back on the top layer (${layers.top} high)`);
    await sub.framesRising(pub.id, 20, 10000);
});
