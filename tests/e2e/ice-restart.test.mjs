// ICE restart mid-meeting in real Chromium: three bots decode each other;
// one of them (Bo) restarts ICE on its publish connection (pc.restartIce()
// and a new publish offer: the new ufrag restarts the server side too) and
// on its subscribe connection (subscribe_restart: a new subscribe_offer with
// new credentials). Bo's video must keep decoding at the other two within a
// few seconds, Bo must keep decoding them, and the others notice no more
// than a short freeze (longest gap between decoded frames and
// totalFreezesDuration, before/after, are printed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, PASSWORD, installHooks, sleep } from '../integration/lib.mjs';
import { launchChromium } from './browser.mjs';
import { meetingOfBots } from './bot.mjs';

installHooks();

const RESUME_MS = 5000; // media must flow again within this
const MAX_GAP_MS = 2000; // longest stretch without a newly decoded frame the others may see
const MAX_FREEZE_S = 2; // growth of totalFreezesDuration allowed for the restarted video

let server;
let browser;
let bots = [];

before(async () => {
    server = new Server({ name: 'e2e-ice-restart' });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
    const api = await server.login('anna', PASSWORD);
    browser = await launchChromium();
    bots = await meetingOfBots(api, server.origin, ['Ada Host', 'Bo Restart', 'Cy Other'], { browsers: browser });
});

after(async () => {
    for (const b of bots) await b.close();
    await browser?.close();
});

const ufrag = (sdp) => sdp.match(/a=ice-ufrag:(\S+)/)?.[1];

/**
 * Samples framesDecoded of `fromId`'s video at `bot` every ~100 ms for
 * `ms`, returning the longest time without a new frame, the frames gained
 * and the last stats.
 */
async function watchFrames(bot, fromId, ms) {
    const start = Date.now();
    let lastFrames = null;
    let lastChange = start;
    let longest = 0;
    let first = null;
    let last;
    while (Date.now() - start < ms) {
        last = await bot.stats();
        const f = last.byParticipant[fromId]?.video?.framesDecoded ?? 0;
        const now = Date.now();
        if (first === null) first = f;
        if (lastFrames === null || f > lastFrames) {
            longest = Math.max(longest, now - lastChange);
            lastChange = now;
            lastFrames = f;
        }
        await sleep(100);
    }
    longest = Math.max(longest, Date.now() - lastChange);
    return { longestGapMs: longest, frames: (lastFrames ?? 0) - (first ?? 0), last };
}

test('a participant restarts ICE on both connections; media resumes within seconds, the others barely notice', async () => {
    const [ada, bo, cy] = bots;
    const video = (s, id) => s.byParticipant[id]?.video;
    const freezes = async (bot, id) => {
        const v = video(await bot.stats(), id);
        return { count: v?.freezeCount ?? 0, seconds: v?.totalFreezesDuration ?? 0, frames: v?.framesDecoded ?? 0 };
    };
    // Start from a steady meeting: no new freeze anywhere for 3 s (the
    // publishers' bandwidth estimates and layer choices have settled).
    const flowsToWatch = [[ada, bo], [cy, bo], [bo, ada], [ada, cy]];
    const freezeTotals = async () => (await Promise.all(flowsToWatch.map(([w, f]) => freezes(w, f.id)))).map((x) => x.seconds).join(',');
    let steadySince = Date.now();
    let lastTotals = await freezeTotals();
    const settleDeadline = Date.now() + 25000;
    while (Date.now() - steadySince < 3000) {
        assert.ok(Date.now() < settleDeadline, `the meeting did not become steady (no new freeze for 3 s) within 25 s: freeze seconds ${lastTotals}`);
        await sleep(500);
        const t = await freezeTotals();
        if (t !== lastTotals) steadySince = Date.now();
        lastTotals = t;
    }

    const before = {
        adaSeesBo: await freezes(ada, bo.id), cySeesBo: await freezes(cy, bo.id),
        boSeesAda: await freezes(bo, ada.id), adaSeesCy: await freezes(ada, cy.id),
    };
    const oldPub = await bo.page.evaluate(() => ({ local: window.bot.pub.localDescription.sdp, remote: window.bot.pub.remoteDescription.sdp }));
    const oldSub = await bo.page.evaluate(() => window.bot.sub.remoteDescription.sdp);
    const offersBefore = (await bo.state()).offersAnswered;

    // Both restarts at once, as after a network change.
    const t0 = Date.now();
    const watchers = [watchFrames(ada, bo.id, 8000), watchFrames(cy, bo.id, 8000), watchFrames(ada, cy.id, 8000), watchFrames(bo, ada.id, 8000)];
    await bo.restartIce('publish');
    const pubAnswered = Date.now() - t0;
    await bo.restartIce('subscribe');

    // New credentials on both sides of both connections.
    const newPub = await bo.page.evaluate(() => ({ local: window.bot.pub.localDescription.sdp, remote: window.bot.pub.remoteDescription.sdp }));
    assert.notEqual(ufrag(newPub.local), ufrag(oldPub.local), 'the publish offer carries a new ufrag');
    assert.notEqual(ufrag(newPub.remote), ufrag(oldPub.remote), 'the server answers the publish ICE restart with new credentials');
    const st = await bo.waitFor((s) => s.offersAnswered > offersBefore, 'Bo: a new subscribe_offer after subscribe_restart', RESUME_MS);
    const newSub = await bo.page.evaluate(() => window.bot.sub.remoteDescription.sdp);
    assert.notEqual(ufrag(newSub), ufrag(oldSub), 'the new subscribe_offer carries new ICE credentials');

    // Media flows again within seconds, in every direction that involves Bo.
    await Promise.all([[ada, bo], [cy, bo], [bo, ada], [bo, cy]].map(([who, from]) => who.framesRising(from.id, 10, RESUME_MS)));
    const resumed = Date.now() - t0;
    await bo.waitFor((s) => s.pub === 'connected' && s.sub === 'connected', 'Bo: both connections connected', RESUME_MS);
    const [adaBo, cyBo, adaCy, boAda] = await Promise.all(watchers);

    const after = {
        adaSeesBo: await freezes(ada, bo.id), cySeesBo: await freezes(cy, bo.id),
        boSeesAda: await freezes(bo, ada.id), adaSeesCy: await freezes(ada, cy.id),
    };
    const fig = (name, b, a, w) => `${name}: longest gap ${w.longestGapMs} ms, +${w.frames} frames in 8 s, ` +
        `freezes ${b.count}→${a.count}, totalFreezesDuration ${b.seconds.toFixed(3)}→${a.seconds.toFixed(3)} s`;
    console.log(`ice restart figures: publish answered after ${pubAnswered} ms, 10 more frames decoded in every direction to and from Bo after ${resumed} ms; transport ${JSON.stringify(st.transport)}`);
    console.log(`ice restart figures: ${fig("Bo's video at Ada", before.adaSeesBo, after.adaSeesBo, adaBo)}`);
    console.log(`ice restart figures: ${fig("Bo's video at Cy", before.cySeesBo, after.cySeesBo, cyBo)}`);
    console.log(`ice restart figures: ${fig("Ada's video at Bo", before.boSeesAda, after.boSeesAda, boAda)}`);
    console.log(`ice restart figures: ${fig("Cy's video at Ada (not restarted)", before.adaSeesCy, after.adaSeesCy, adaCy)}`);

    for (const [name, b, a, w] of [["Bo's video at Ada", before.adaSeesBo, after.adaSeesBo, adaBo], ["Bo's video at Cy", before.cySeesBo, after.cySeesBo, cyBo],
        ["Ada's video at Bo", before.boSeesAda, after.boSeesAda, boAda], ["Cy's video at Ada", before.adaSeesCy, after.adaSeesCy, adaCy]]) {
        assert.ok(w.longestGapMs < MAX_GAP_MS, `${name}: longest stretch without a decoded frame ${w.longestGapMs} ms (limit ${MAX_GAP_MS})`);
        assert.ok(a.seconds - b.seconds < MAX_FREEZE_S, `${name}: freeze time grew by ${(a.seconds - b.seconds).toFixed(3)} s (limit ${MAX_FREEZE_S})`);
    }
    // Still a full meeting: nothing failed on the server's side.
    const final = await bo.state();
    assert.notEqual(final.transport.publish?.state, 'failed', JSON.stringify(final.transport));
    assert.notEqual(final.transport.subscribe?.state, 'failed', JSON.stringify(final.transport));
    assert.deepEqual(final.errors, [], `Bo got no errors: ${JSON.stringify(final.errors)}`);
});
