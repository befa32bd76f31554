// The pre-call check in real Chromium on a phone-sized page: the citizen's
// camera and microphone (Chromium's fake devices) go to the server over a
// real WebRTC peer connection and come back through the server's media echo.
// The page must say it is connected over UDP (or TCP when only TCP is
// offered), that video frames decode and that sound arrives, and no request
// may leave the server's origin. On the join page the check comes before
// "Deltag", and at 360×640 its plain result and "Fortsæt" are in view without
// scrolling. Screenshots go to build/test-logs/precall*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Server, PASSWORD, REPO_ROOT, installHooks } from '../integration/lib.mjs';
import { launchChromium, until, watchForeignRequests } from './browser.mjs';

installHooks();

const RESULT_TIMEOUT_MS = 15000;
const LOG_DIR = path.join(REPO_ROOT, 'build', 'test-logs');

let server;
let browser;
let api;

before(async () => {
    server = new Server({ name: 'e2e-precall' });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
    api = await server.login('anna', PASSWORD);
    browser = await launchChromium();
});

after(async () => {
    await browser?.close();
});

async function citizenToken() {
    const created = await api.expect(201, 'POST', '/api/meetings', { body: { title: 'Jobsamtale', roles: ['citizen'] } });
    const url = new URL(created.links[0].url);
    assert.ok(url.hash.length > 1, `no token in ${created.links[0].url}`);
    return url.hash.slice(1);
}

// Keeps every camera/microphone track, peer connection and WebSocket the page
// makes, so a test can check that leaving the check lets go of all of them.
function instrument() {
    window.__media = { tracks: [], pcs: [], sockets: [] };
    const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (c) => {
        const s = await gum(c);
        window.__media.tracks.push(...s.getTracks());
        return s;
    };
    const PC = window.RTCPeerConnection;
    window.RTCPeerConnection = function (...args) {
        const pc = new PC(...args);
        window.__media.pcs.push(pc);
        return pc;
    };
    window.RTCPeerConnection.prototype = PC.prototype;
    const WS = window.WebSocket;
    window.WebSocket = function (...args) {
        const ws = new WS(...args);
        window.__media.sockets.push(ws);
        return ws;
    };
    window.WebSocket.prototype = WS.prototype;
    Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
}

/** What the instrumented page still holds open. */
function mediaLeft(page) {
    return page.evaluate(() => ({
        tracks: window.__media.tracks.length,
        liveTracks: window.__media.tracks.filter((t) => t.readyState === 'live').map((t) => t.kind),
        pcs: window.__media.pcs.length,
        openPcs: window.__media.pcs.filter((pc) => pc.signalingState !== 'closed').length,
        openSockets: window.__media.sockets.filter((ws) => ws.readyState < 2).length,
    }));
}

/** A page with its foreign-request watch and a record of script errors. */
async function openPage() {
    const page = await browser.newPage();
    await page.addInitScript(instrument);
    const foreign = watchForeignRequests(page, server.origin);
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    return { page, foreign, errors };
}

/** The check's data-* attributes (data-result, data-transport, ...). */
function checkData(page) {
    return page.locator('section.precall').evaluate((el) => ({ ...el.dataset }));
}

/** Waits for the check's result; fails with everything the page knows. */
async function waitForResult(page, errors) {
    try {
        await until(async () => (await checkData(page)).result, { timeoutMs: RESULT_TIMEOUT_MS, what: 'the pre-call check result' });
    } catch (e) {
        const data = await checkData(page).catch(() => ({}));
        const text = await page.locator('main').innerText().catch(() => '');
        e.message += `\npage data: ${JSON.stringify(data)}\npage text:\n${text}\nscript errors: ${JSON.stringify(errors)}`;
        throw e;
    }
    return checkData(page);
}

function describe(data, text) {
    return `data: ${JSON.stringify(data)}\npage text:\n${text}`;
}

test('/check#TOKEN: the echo comes back over UDP with decoding video and sound', async () => {
    const token = await citizenToken();
    const { page, foreign, errors } = await openPage();
    await page.goto(`${server.origin}/check#${token}`);
    await page.getByRole('heading', { name: 'Test kamera, mikrofon og forbindelse' }).waitFor();
    await page.getByRole('button', { name: 'Start testen' }).click();

    const data = await waitForResult(page, errors);
    await page.locator('summary', { hasText: 'Detaljer' }).click();
    const text = await page.locator('main').innerText();
    assert.equal(data.result, 'ok', `the check should pass\n${describe(data, text)}`);
    assert.equal(data.transport, 'udp', describe(data, text));
    assert.ok(Number(data.framesDecoded) > 0, `video frames decode\n${describe(data, text)}`);
    assert.ok(Number(data.audioPackets) > 0, `sound arrives\n${describe(data, text)}`);
    assert.match(data.rttMs, /^\d+$/, describe(data, text));
    assert.match(data.lossPct, /^\d+(\.\d+)?$/, describe(data, text));
    assert.match(text, /Alt virker/);
    assert.match(text, /Forbundet via UDP/);
    assert.match(text, /Kommer igennem \([\d.]+ billeder\)/);

    // The returned video plays in the page.
    await until(() => page.locator('.precall-video').nth(1).evaluate((v) => v.videoWidth > 0 && v.readyState >= 2), { timeoutMs: 5000, what: 'the returned video to play' });

    fs.mkdirSync(LOG_DIR, { recursive: true });
    await page.screenshot({ path: path.join(LOG_DIR, 'precall.png'), fullPage: true });

    // "Fortsæt" leads to the join form; the camera, microphone, peer
    // connection and socket are let go.
    const during = await mediaLeft(page);
    assert.ok(during.liveTracks.length === 2 && during.openPcs === 1 && during.openSockets === 1, `while checking: ${JSON.stringify(during)}`);
    await page.getByRole('button', { name: 'Fortsæt' }).click();
    await page.getByRole('button', { name: 'Deltag', exact: true }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/join');
    // The join page shows what the check found instead of running it again.
    await page.getByText('Testen er bestået – alt virker.').waitFor();
    assert.equal(await page.locator('section.precall').count(), 0);
    const left = await mediaLeft(page);
    assert.deepEqual({ liveTracks: left.liveTracks, openPcs: left.openPcs, openSockets: left.openSockets }, { liveTracks: [], openPcs: 0, openSockets: 0 }, JSON.stringify(left));
    assert.deepEqual(foreign, [], 'no request leaves the server origin');
    assert.deepEqual(errors, [], 'no script errors');
    await page.close();
});

/** The element's box in the viewport: {top, bottom, left, right} (CSS px), or null when hidden. */
function box(locator) {
    return locator.evaluate((el) => {
        const r = el.getBoundingClientRect();
        return r.width && r.height ? { top: r.top, bottom: r.bottom, left: r.left, right: r.right } : null;
    });
}

test('the join page: the check runs first, phone first; speaker test, "Detaljer", "Kun lyd"; "Fortsæt" leads to the name and "Deltag"', async () => {
    const token = await citizenToken();
    const { page, foreign, errors } = await openPage();
    const viewport = page.viewportSize();
    assert.deepEqual(viewport, { width: 360, height: 640 });
    await page.goto(`${server.origin}/join#${token}`);
    await page.getByRole('heading', { level: 1, name: 'Jobsamtale' }).waitFor();
    await page.getByRole('heading', { name: 'Test kamera, mikrofon og forbindelse' }).waitFor();

    // A guest's check starts by itself, before the name and "Deltag".
    let data = await waitForResult(page, errors);
    const check = page.locator('section.precall');
    assert.equal(data.result, 'ok', describe(data, await check.innerText()));
    const order = await page.evaluate(() => {
        const c = document.querySelector('section.precall');
        const join = [...document.querySelectorAll('button[type="submit"]')].find((b) => b.textContent.trim() === 'Deltag');
        return join ? !!(c.compareDocumentPosition(join) & Node.DOCUMENT_POSITION_FOLLOWING) : null;
    });
    assert.equal(order, true, 'the check comes before "Deltag" on the page');

    // One screen at 360×640: the plain result and "Fortsæt" are in view without scrolling.
    const scrollY = await page.evaluate(() => window.scrollY);
    assert.equal(scrollY, 0, 'the page has not been scrolled');
    const status = check.locator('.precall-status');
    assert.match(await status.innerText(), /Alt virker/);
    const statusBox = await box(status);
    const cont = page.getByRole('button', { name: 'Fortsæt' });
    const contBox = await box(cont);
    assert.ok(contBox && contBox.top >= 0 && contBox.bottom <= viewport.height && contBox.left >= 0 && contBox.right <= viewport.width, `"Fortsæt" is within the 360×640 viewport: ${JSON.stringify(contBox)}`);
    assert.ok(statusBox && statusBox.top >= 0 && statusBox.bottom <= contBox.top, `the whole result is in view above "Fortsæt" at 360×640: result ${JSON.stringify(statusBox)}, "Fortsæt" ${JSON.stringify(contBox)}`);
    fs.mkdirSync(LOG_DIR, { recursive: true });
    await page.screenshot({ path: path.join(LOG_DIR, 'precall-join-360x640.png') });
    // Smaller and sideways: "Fortsæt" stays in reach at the bottom of the screen.
    for (const size of [{ width: 320, height: 568 }, { width: 640, height: 360 }]) {
        await page.setViewportSize(size);
        const b = await until(async () => {
            const r = await box(cont);
            return r && r.bottom <= size.height && r.right <= size.width ? r : null;
        }, { timeoutMs: 3000, what: `"Fortsæt" within ${size.width}×${size.height}` }).catch(async (e) => {
            await page.screenshot({ path: path.join(LOG_DIR, `precall-join-${size.width}x${size.height}.png`) });
            e.message += ` ${JSON.stringify(await box(cont))} scrollY ${await page.evaluate(() => window.scrollY)}`;
            throw e;
        });
        assert.ok(b.top >= 0, JSON.stringify(b));
        await page.screenshot({ path: path.join(LOG_DIR, `precall-join-${size.width}x${size.height}.png`) });
    }
    await page.setViewportSize(viewport);

    // The technical figures wait behind "Detaljer".
    const udp = check.getByText('Forbundet via UDP');
    assert.equal(await udp.isVisible(), false, 'the figures are folded away');
    await check.locator('summary', { hasText: 'Detaljer' }).click();
    await udp.waitFor();
    assert.match(await check.locator('.precall-stats').innerText(), /Svartid[\s\S]*Pakketab/);

    // The speaker test: a chime, then "Kan du høre lyden?" with yes and no.
    await check.getByText('Kan du høre lyden?').waitFor();
    await check.getByRole('button', { name: 'Afspil lyd' }).click();
    await check.getByRole('button', { name: 'Nej', exact: true }).click({ timeout: 5000 });
    await until(async () => (await checkData(page)).resultCode === 'no_speaker', { timeoutMs: 3000, what: 'the "no" answer in the result' });
    data = await checkData(page);
    assert.equal(data.result, 'warn', describe(data, await check.innerText()));
    assert.equal(data.speaker, 'no');
    assert.match(await status.innerText(), /kunne ikke høre testlyden/);
    await check.getByRole('button', { name: 'Ja', exact: true }).click();
    await until(async () => (await checkData(page)).result === 'ok', { timeoutMs: 3000, what: 'the "yes" answer to clear the warning' });

    // Sound only: the check runs again without the camera.
    await page.getByLabel('Kun lyd (uden kamera)').check();
    await until(async () => {
        const d = await checkData(page);
        return d.result && d.mediaChoice === 'audio' ? d : null;
    }, { timeoutMs: RESULT_TIMEOUT_MS, what: 'the audio-only result' });
    data = await checkData(page);
    const text = await check.innerText();
    assert.equal(data.result, 'ok', describe(data, text));
    assert.equal(data.framesDecoded, '0', 'no video is sent with sound only');
    assert.ok(Number(data.audioPackets) > 0, describe(data, text));
    assert.match(text, /Ikke testet – kun lyd/);
    assert.equal(await page.evaluate(() => localStorage.getItem('samtale.mediaChoice')), 'audio');

    // "Fortsæt" folds the check into one line, lets go of the camera and
    // microphone, and goes on to the name.
    await page.getByLabel(/navn/i).fill('Mette Hansen');
    await cont.click();
    await page.getByText('Testen er bestået – alt virker.').waitFor();
    await page.getByText('Du har valgt at deltage med kun lyd.').waitFor();
    assert.equal(await page.locator('section.precall').count(), 0, 'the check is folded away');
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.name), 'name', 'the name field has the focus');
    assert.equal(await page.getByLabel(/navn/i).inputValue(), 'Mette Hansen', 'the typed name is kept');
    await page.getByRole('button', { name: 'Deltag', exact: true }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/join');
    const left = await mediaLeft(page);
    assert.deepEqual({ liveTracks: left.liveTracks, openPcs: left.openPcs, openSockets: left.openSockets }, { liveTracks: [], openPcs: 0, openSockets: 0 }, JSON.stringify(left));
    assert.deepEqual(foreign, [], 'no request leaves the server origin');
    assert.deepEqual(errors, [], 'no script errors');
    // The choice is kept for the whole browser: the next tests start with none.
    await page.evaluate(() => localStorage.removeItem('samtale.mediaChoice'));
    await page.close();
});

test('/check?transport=tcp: only TCP is offered; the page says TCP works but can be slower', async () => {
    const token = await citizenToken();
    const { page, foreign, errors } = await openPage();
    await page.goto(`${server.origin}/check?transport=tcp#${token}`);
    await page.getByRole('button', { name: 'Start testen' }).click();
    const data = await waitForResult(page, errors);
    await page.locator('summary', { hasText: 'Detaljer' }).click();
    const text = await page.locator('main').innerText();
    assert.equal(data.transport, 'tcp', describe(data, text));
    assert.equal(data.result, 'warn', describe(data, text));
    assert.equal(data.resultCode, 'tcp', describe(data, text));
    assert.ok(Number(data.framesDecoded) > 0, describe(data, text));
    assert.match(text, /Forbundet via TCP – fungerer, men kan være langsommere/);
    assert.deepEqual(foreign, [], 'no request leaves the server origin');
    assert.deepEqual(errors, [], 'no script errors');
    await page.close();
});

test('/check with a bad link says the link does not work', async () => {
    const { page, foreign, errors } = await openPage();
    await page.goto(`${server.origin}/check#${'A'.repeat(32)}`);
    await page.getByRole('heading', { name: 'Linket virker ikke' }).waitFor();
    assert.deepEqual(foreign, [], 'no request leaves the server origin');
    assert.deepEqual(errors.filter((e) => !/status of 4\d\d/.test(e)), [], 'no script errors');
    await page.close();
});

test('when the media cannot get through, the page says the network may block video calls', async () => {
    const token = await citizenToken();
    const { page, foreign, errors } = await openPage();
    // The real server answers, but its candidates are taken out of the answer
    // on the way, as if a firewall let nothing through: ICE never connects.
    await page.routeWebSocket(/\/ws$/, (ws) => {
        const srv = ws.connectToServer();
        srv.onMessage((raw) => {
            const msg = JSON.parse(raw);
            if (msg.type === 'echo_answer') msg.sdp = msg.sdp.split('\r\n').filter((l) => !l.startsWith('a=candidate')).join('\r\n');
            ws.send(JSON.stringify(msg));
        });
    });
    await page.goto(`${server.origin}/check#${token}`);
    await page.getByRole('button', { name: 'Start testen' }).click();
    const data = await waitForResult(page, errors);
    const text = await page.locator('main').innerText();
    assert.equal(data.result, 'fail', describe(data, text));
    assert.equal(data.resultCode, 'no_connection', describe(data, text));
    assert.match(text, /Der er et problem/);
    assert.match(text, /netværk blokerer måske videoopkald/);
    assert.match(text, /ring til din sagsbehandler/);
    // A failed check lets go of the camera and offers to try again.
    assert.equal(data.phase, 'ended', describe(data, text));
    const left = await mediaLeft(page);
    assert.deepEqual({ liveTracks: left.liveTracks, openPcs: left.openPcs, openSockets: left.openSockets }, { liveTracks: [], openPcs: 0, openSockets: 0 }, JSON.stringify(left));
    await page.getByRole('button', { name: 'Test igen' }).waitFor();
    assert.deepEqual(foreign, [], 'no request leaves the server origin');
    assert.deepEqual(errors, [], 'no script errors');
    await page.close();
});
