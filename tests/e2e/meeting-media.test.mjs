// Audio and video in a meeting, in real Chromium against the real server's
// SFU: a caseworker, a citizen and an interpreter on phone-sized pages
// (360×640), all admitted. Each sees the other two as tiles with their
// camera video decoding and receives both others' sound; the caseworker
// shares her screen and both others decode it; the citizen switches to audio
// only, the others see her name card and she stops receiving video (and gets
// it back when she switches again); the interpreter leaves and the others'
// rosters and tiles follow. No request leaves the server's origin.
// Screenshots: build/test-logs/meeting-3party.png (the three-party phone
// view), meeting-screen.png (a shared screen on a phone), meeting-audio-only.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Server, PASSWORD, REPO_ROOT, installHooks, sleep } from '../integration/lib.mjs';
import { launchChromium, until, watchForeignRequests } from './browser.mjs';

installHooks();

const LOG_DIR = path.join(REPO_ROOT, 'build', 'test-logs');
const MEDIA_TIMEOUT_MS = 30000;

let server;
let browser;
const foreign = [];
const pages = {}; // caseworker, citizen, interpreter
const consoleErrors = [];

before(async () => {
    fs.mkdirSync(LOG_DIR, { recursive: true });
    server = new Server({ name: 'e2e-meeting-media' });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
    browser = await launchChromium();
});

after(async () => {
    await browser?.close();
});

function local(url) {
    return url.replace(/^https:\/\/[^/]+/, server.origin);
}

async function openPage(label) {
    const page = await browser.newPage();
    foreign.push(...watchForeignRequests(page, server.origin));
    page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(`${label}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${label}: ${e.message}`));
    return page;
}

async function joinAs(page, url, name) {
    await page.goto(local(url));
    await page.getByLabel(/navn/i).fill(name);
    await page.getByRole('button', { name: 'Deltag', exact: true }).click();
}

/* Runs in the page: what the tiles and the screen area say (data-* hooks). */
function readStage() {
    const tiles = [...document.querySelectorAll('.tiles .tile')].map((t) => ({
        id: Number(t.dataset.participantId),
        name: t.querySelector('.tile-name')?.textContent,
        me: t.classList.contains('is-me'),
        hasVideo: t.dataset.hasVideo === 'true',
        hasFrame: t.classList.contains('has-frame'),
        frames: Number(t.dataset.frames || 0),
        frameSize: t.dataset.frameSize,
        audioPackets: Number(t.dataset.audioPackets || 0),
        audio: t.dataset.audio,
        speaking: t.dataset.speaking === 'true',
    }));
    const scr = document.querySelector('.screen-stage');
    const room = document.querySelector('.room');
    return {
        tiles,
        screen: scr && !scr.hidden ? { id: Number(scr.dataset.participantId), hasVideo: scr.dataset.hasVideo === 'true', frames: Number(scr.dataset.frames || 0) } : null,
        room: room ? { ...room.dataset } : null,
        audios: [...document.querySelectorAll('.remote-audio audio')].map((a) => ({ id: Number(a.dataset.participantId), paused: a.paused, state: a.dataset.state })),
        visibility: document.visibilityState,
    };
}

const stage = (page) => page.evaluate(readStage);
const others = (s) => s.tiles.filter((t) => !t.me);

async function waitStage(page, pred, what, timeoutMs = MEDIA_TIMEOUT_MS) {
    let last;
    try {
        return await until(async () => {
            last = await stage(page);
            return pred(last) ? last : null;
        }, { timeoutMs, intervalMs: 500, what });
    } catch (e) {
        throw new Error(`${e.message}; last: ${JSON.stringify(last)}; console errors: ${JSON.stringify(consoleErrors.slice(-10))}`);
    }
}

/** Waits until every remote tile on page decodes more frames than before. */
async function framesRising(page, label, names) {
    const first = await waitStage(page, (s) => names.every((n) => others(s).some((t) => t.name === n && t.hasVideo && t.frames > 5)), `${label}: video from ${names.join(', ')} decoding`);
    await waitStage(
        page,
        (s) => names.every((n) => {
            const before = others(first).find((t) => t.name === n).frames;
            const now = others(s).find((t) => t.name === n);
            return now && now.frames > before + 10;
        }),
        `${label}: more frames decoded`,
    );
}

async function clickControl(page, name) {
    // On a phone the less used controls are behind "Mere".
    const direct = page.locator('.controls').getByRole('button', { name, exact: true });
    if (!(await direct.isVisible())) await page.locator('.controls .ctl-more').click();
    await page.locator('.controls').getByRole('button', { name, exact: true }).click();
}

test('three people on phones: video, sound, a shared screen, audio only and leaving', async () => {
    try {
        await meeting();
    } catch (e) {
        // What each page showed when it went wrong.
        for (const [who, page] of Object.entries(pages)) {
            await page.screenshot({ path: path.join(LOG_DIR, `meeting-failed-${who}.png`) }).catch(() => {});
        }
        throw e;
    }
});

async function meeting() {
    const api = await server.login('anna', PASSWORD);
    const created = await api.expect(201, 'POST', '/api/meetings', { body: { title: 'Opfølgning', roles: ['citizen', 'interpreter'] } });
    const linkFor = (role) => created.links.find((l) => l.role === role).url;

    pages.caseworker = await openPage('caseworker');
    await joinAs(pages.caseworker, created.host_link.url, 'Anna Jensen');
    await pages.caseworker.locator('.room').waitFor();

    pages.citizen = await openPage('citizen');
    await joinAs(pages.citizen, linkFor('citizen'), 'Mette Hansen');
    await pages.caseworker.getByRole('button', { name: 'Luk Mette Hansen ind' }).first().click();
    await pages.citizen.locator('.room').waitFor();

    pages.interpreter = await openPage('interpreter');
    await joinAs(pages.interpreter, linkFor('interpreter'), 'Omar Haddad');
    await pages.caseworker.getByRole('button', { name: 'Luk Omar Haddad ind' }).first().click();
    await pages.interpreter.locator('.room').waitFor();

    const all = { caseworker: 'Anna Jensen', citizen: 'Mette Hansen', interpreter: 'Omar Haddad' };
    for (const [who, page] of Object.entries(pages)) {
        const names = Object.entries(all).filter(([w]) => w !== who).map(([, n]) => n);
        await waitStage(page, (s) => s.tiles.length === 3, `${who}: three tiles`);
        await framesRising(page, who, names);
    }

    // Sound: both others' microphones arrive and play on every page.
    for (const [who, page] of Object.entries(pages)) {
        const first = await waitStage(page, (s) => others(s).length === 2 && others(s).every((t) => t.audioPackets > 20 && t.audio === 'playing'), `${who}: sound from both others`);
        await waitStage(page, (s) => others(s).every((t) => t.audioPackets > others(first).find((f) => f.id === t.id).audioPackets + 20), `${who}: more sound`);
        const s = await stage(page);
        assert.equal(s.audios.length, 2, `${who}: one <audio> per other participant: ${JSON.stringify(s.audios)}`);
        assert.ok(s.audios.every((a) => !a.paused), `${who}: audio elements play: ${JSON.stringify(s.audios)}`);
        assert.match(s.room.quality, /good|fair|poor/, `${who}: a connection quality is shown: ${JSON.stringify(s.room)}`);
        console.log(`${who}: quality ${s.room.quality} ${s.room.qualityDetail}; tiles ${JSON.stringify(others(s).map((t) => [t.name, t.frames, t.frameSize, t.audioPackets]))}`);
    }
    await pages.citizen.screenshot({ path: path.join(LOG_DIR, 'meeting-3party.png') });

    // The caseworker shares her screen; the citizen and the interpreter decode it.
    const annaId = (await stage(pages.citizen)).tiles.find((t) => t.name === 'Anna Jensen').id;
    await clickControl(pages.caseworker, 'Del skærm');
    await waitStage(pages.caseworker, (s) => s.screen && s.screen.id === annaId && s.room.audioOnly === 'false', 'caseworker: own sharing notice');
    for (const who of ['citizen', 'interpreter']) {
        const first = await waitStage(pages[who], (s) => s.screen && s.screen.id === annaId && s.screen.hasVideo && s.screen.frames > 2, `${who}: the shared screen decodes`);
        await waitStage(pages[who], (s) => s.screen && s.screen.frames > first.screen.frames + 3, `${who}: more screen frames`, 20000);
    }
    // Zoom with the buttons (keyboard users) and back.
    await pages.citizen.getByRole('button', { name: 'Zoom ind' }).click();
    assert.match(await pages.citizen.locator('.screen-content').getAttribute('style'), /scale\(1\.5\)/);
    await pages.citizen.screenshot({ path: path.join(LOG_DIR, 'meeting-screen.png') });
    await pages.citizen.getByRole('button', { name: 'Vis hele skærmen' }).click();
    await clickControl(pages.caseworker, 'Stop deling');
    await waitStage(pages.citizen, (s) => s.screen === null, 'citizen: the shared screen goes away');

    // The citizen goes audio only: the others see her name card, she stops receiving video.
    const metteId = (await stage(pages.caseworker)).tiles.find((t) => t.name === 'Mette Hansen').id;
    await clickControl(pages.citizen, 'Kun lyd');
    for (const who of ['caseworker', 'interpreter']) {
        await waitStage(pages[who], (s) => {
            const t = s.tiles.find((x) => x.id === metteId);
            return t && !t.hasVideo && !t.hasFrame;
        }, `${who}: Mette's name card instead of video`);
    }
    await waitStage(pages.citizen, (s) => s.room.audioOnly === 'true' && others(s).every((t) => !t.hasVideo), 'citizen: no video tiles in audio only');
    await sleep(2000); // what was on its way arrives
    const v1 = await stage(pages.citizen);
    await sleep(3000);
    const v2 = await stage(pages.citizen);
    const gotPackets = Number(v2.room.videoPackets) - Number(v1.room.videoPackets);
    assert.ok(gotPackets < 10, `citizen: no video arrives in audio only (${gotPackets} packets in 3 s)`);
    for (const t of others(v2)) {
        assert.ok(t.frames - others(v1).find((x) => x.id === t.id).frames <= 1, `citizen: ${t.name}'s video stopped: ${JSON.stringify([v1.tiles, v2.tiles])}`);
        assert.ok(t.audioPackets > others(v1).find((x) => x.id === t.id).audioPackets + 20, `citizen: still hears ${t.name}`);
    }
    await pages.citizen.screenshot({ path: path.join(LOG_DIR, 'meeting-audio-only.png') });

    // And back: video flows both ways again.
    await clickControl(pages.citizen, 'Kun lyd');
    await framesRising(pages.citizen, 'citizen (video again)', ['Anna Jensen', 'Omar Haddad']);
    await framesRising(pages.caseworker, 'caseworker (Mette on camera again)', ['Mette Hansen']);

    // The interpreter leaves: the others' rosters and tiles follow.
    await pages.interpreter.locator('.controls').getByRole('button', { name: 'Forlad', exact: true }).click();
    await pages.interpreter.getByRole('heading', { name: 'Du har forladt mødet' }).waitFor();
    for (const who of ['caseworker', 'citizen']) {
        await waitStage(pages[who], (s) => s.tiles.length === 2 && !s.tiles.some((t) => t.name === 'Omar Haddad') && s.audios.length === 1, `${who}: Omar's tile and sound gone`);
        await pages[who].getByText('2 deltagere').first().waitFor();
    }
    // The one who left let go of camera and microphone: a fresh page state, no room.
    assert.equal(await pages.interpreter.locator('.room').count(), 0);

    assert.deepEqual(foreign, [], 'no request leaves the server origin');
}
