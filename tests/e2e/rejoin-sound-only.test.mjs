// Rejoining keeps sound only, in real Chromium: a citizen who chose sound only
// in the pre-call check stays sound only (no camera is opened) when she
// leaves and joins again, after a reload, and when she opens her link again
// in a new tab.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Server, PASSWORD, REPO_ROOT, installHooks } from '../integration/lib.mjs';
import { collectConsoleErrors, launchChromium, until } from './browser.mjs';

installHooks();

const LOG_DIR = path.join(REPO_ROOT, 'build', 'test-logs');
const TIMEOUT_MS = 20000;

let server;
let browser;
const consoleErrors = [];

before(async () => {
    fs.mkdirSync(LOG_DIR, { recursive: true });
    server = new Server({ name: 'e2e-rejoin-sound-only' });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
    browser = await launchChromium();
});

after(async () => {
    await browser?.close();
});

const local = (url) => url.replace(/^https:\/\/[^/]+/, server.origin);

async function openPage(label) {
    const page = await browser.newPage();
    collectConsoleErrors(page, label, consoleErrors);
    return page;
}

/* Runs in the page before its scripts: remembers every track getUserMedia hands out. */
function recordTracks() {
    window.__tracks = [];
    const md = navigator.mediaDevices;
    const gum = md.getUserMedia.bind(md);
    md.getUserMedia = async (c) => {
        const s = await gum(c);
        window.__tracks.push(...s.getTracks());
        return s;
    };
}

/* Runs in the page: whether a camera is open and what the room says. */
function cameraState() {
    const room = document.querySelector('.room');
    const me = document.querySelector('.tiles .tile.is-me');
    return {
        inRoom: !!room && room.dataset.mediaStatus === 'active',
        audioOnly: room ? room.dataset.audioOnly : null,
        myVideo: me ? me.dataset.hasVideo === 'true' : null,
        liveCameras: window.__tracks.filter((t) => t.kind === 'video' && t.readyState === 'live').length,
        liveMics: window.__tracks.filter((t) => t.kind === 'audio' && t.readyState === 'live').length,
    };
}

async function soundOnlyInRoom(page, what) {
    const s = await until(async () => {
        const c = await page.evaluate(cameraState);
        return c.inRoom && c.liveMics > 0 ? c : null;
    }, { timeoutMs: TIMEOUT_MS, what: `${what}: in the room with a microphone` });
    assert.deepEqual({ audioOnly: s.audioOnly, myVideo: s.myVideo, liveCameras: s.liveCameras }, { audioOnly: 'true', myVideo: false, liveCameras: 0 }, `${what}: sound only, no camera`);
}

test('sound only, chosen in the pre-call check, stays so after leaving and joining again, a reload and in a new tab', async () => {
    const api = await server.login('anna', PASSWORD);
    const created = await api.expect(201, 'POST', '/api/meetings', { body: { title: 'Kun lyd', roles: ['citizen'], auto_admit: ['citizen'] } });
    const page = await openPage('sound-only citizen');
    await page.addInitScript(recordTracks);
    let second = null;
    try {
        await page.goto(local(created.links[0].url));
        // A guest's join page starts with the device check; sound only is chosen there.
        await page.getByRole('heading', { name: 'Test kamera, mikrofon og forbindelse' }).waitFor();
        await page.getByLabel('Kun lyd (uden kamera)').check();
        await page.getByLabel(/navn/i).fill('Mette Hansen');
        await page.getByRole('button', { name: 'Fortsæt' }).click();
        await page.getByRole('button', { name: 'Deltag', exact: true }).click();
        await soundOnlyInRoom(page, 'first join');

        await page.locator('.controls').getByRole('button', { name: 'Forlad', exact: true }).click();
        await page.getByRole('button', { name: 'Deltag igen' }).click();
        await soundOnlyInRoom(page, 'joined again');

        await page.reload();
        await soundOnlyInRoom(page, 'after a reload');

        // The link opened again in a new tab (as from the text message), later.
        await page.locator('.controls').getByRole('button', { name: 'Forlad', exact: true }).click();
        await page.getByRole('button', { name: 'Deltag igen' }).waitFor();
        second = await openPage('sound-only citizen, new tab');
        await second.addInitScript(recordTracks);
        await page.close();
        await second.goto(local(created.links[0].url));
        await second.getByLabel(/navn/i).fill('Mette Hansen');
        await second.getByRole('button', { name: 'Deltag', exact: true }).click();
        await soundOnlyInRoom(second, 'a new tab');
        assert.deepEqual(consoleErrors, [], 'no console errors');
    } catch (e) {
        for (const p of [page, second]) await p?.screenshot({ path: path.join(LOG_DIR, `rejoin-sound-only-failed${p === second ? '-2' : ''}.png`) }).catch(() => {});
        throw e;
    }
});
