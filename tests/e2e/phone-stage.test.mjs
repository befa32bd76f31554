// A shared screen read on a phone, in real Chromium against the real server:
// the caseworker (a desktop-sized page) shares a 1920×1080 screen of 16 px
// text (a canvas stream stands in for the display capture: getDisplayMedia is
// replaced before the page's scripts run, so the track goes out through the
// client's real screen-share path and the server's SFU). The citizen follows
// on a touch phone (Chromium's touch emulation), upright (360×640) and
// sideways (640×360):
//   - at the default fit the screen covers at least 90% of the stage's width
//     upright, and at least 70% of the viewport's area sideways;
//   - one double tap (two touch taps) zooms it to at least 2× at the tapped
//     point;
//   - sideways the tiles come up with the participants button;
//   - the citizen's own tile is the small picture over the stage; a finger
//     drags it to another corner, and its move button (keyboard) does too;
//     a tile can be pinned from the keyboard;
//   - with six people (four more join over the signaling WebSocket alone,
//     without media, so they cost no browser) every name is whole and every
//     role is shown (as its word or its icon), and the tiles below the
//     screen that are out of sight are announced by a visible button, with
//     the scrolling list reachable by Tab;
//   - the full-screen button puts the screen in full screen (Fullscreen API).
// Screenshots in build/test-logs/: phone-stage-portrait.png,
// phone-stage-portrait-zoom.png, phone-stage-landscape.png,
// phone-stage-landscape-zoom.png, phone-stage-landscape-tiles.png
// (phone-stage-failed-*.png when a step fails).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Server, PASSWORD, REPO_ROOT, installHooks } from '../integration/lib.mjs';
import { PHONE, launchBrowser, until, watchForeignRequests } from './browser.mjs';

installHooks();

const LOG_DIR = path.join(REPO_ROOT, 'build', 'test-logs');
const WAIT_MS = 20000;
const PORTRAIT = { width: 360, height: 640 };
const EXTRA = { interpreter: 'Omar Haddad', employer: 'Birgitte Kristoffersen', akasse: 'Karin Østergaard-Nielsen', advocate: 'Jens Peter Frederiksen' };
const LANDSCAPE = { width: 640, height: 360 };

let server;
let browser;
const people = {}; // who → {context, page, errors, foreign}

before(async () => {
    fs.mkdirSync(LOG_DIR, { recursive: true });
    for (const f of fs.readdirSync(LOG_DIR)) if (/^phone-stage-.*\.png$/.test(f)) fs.rmSync(path.join(LOG_DIR, f));
    server = new Server({ name: 'e2e-phone-stage' });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
});

function local(url) {
    return url.replace(/^https:\/\/[^/]+/, server.origin);
}

/* Runs in the caseworker's page before its scripts: the "screen" is a
   1920×1080 canvas of 16 px text, redrawn (a clock) so frames keep coming.
   She joins with sound only (the pre-call choice), so the test spends the
   machine on the screen and the phone, not on her camera. */
function fakeScreen() {
    localStorage.setItem('samtale.mediaChoice', 'audio');
    navigator.mediaDevices.getDisplayMedia = async () => {
        const c = document.createElement('canvas');
        c.width = 1920;
        c.height = 1080;
        const g = c.getContext('2d');
        const draw = () => {
            g.fillStyle = '#ffffff';
            g.fillRect(0, 0, c.width, c.height);
            g.fillStyle = '#000000';
            g.font = '16px sans-serif';
            for (let y = 24, i = 0; y < c.height; y += 22, i++) g.fillText(`${i + 1}. Curriculum vitae – Mette Hansen, erfaring, uddannelse og kompetencer ${new Date().toISOString()}`, 16, y);
            g.fillStyle = '#c4322a';
            g.fillRect(c.width - 120, c.height - 120, 100, 100); // a mark in the far corner
        };
        draw();
        setInterval(draw, 200);
        return c.captureStream(5);
    };
}

async function person(who, options, init = null) {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'da-DK', ...options });
    context.setDefaultTimeout(WAIT_MS);
    if (init) await context.addInitScript(init);
    const page = await context.newPage();
    const p = { context, page, errors: [], foreign: watchForeignRequests(page, server.origin) };
    page.on('pageerror', (e) => p.errors.push(`${who}: ${e.message}`));
    people[who] = p;
    return page;
}

async function joinAs(page, url, name) {
    await page.goto(local(url));
    await page.getByLabel(/navn/i).fill(name);
    await page.getByRole('button', { name: 'Deltag', exact: true }).click();
}

/* Runs in the page: the shared screen's picture (object-fit: contain inside
   the video box) against the stage and the viewport, and the zoom. */
function measure() {
    const v = document.querySelector('.screen-video');
    const vp = document.querySelector('.screen-viewport');
    const stage = document.querySelector('.stage').getBoundingClientRect();
    const r = v.getBoundingClientRect();
    const ar = v.videoWidth / v.videoHeight;
    let w = r.width;
    let hgt = r.height;
    if (w / hgt > ar) w = hgt * ar;
    else hgt = w / ar;
    const vr = vp.getBoundingClientRect();
    return {
        video: { width: v.videoWidth, height: v.videoHeight },
        picture: { width: Math.round(w), height: Math.round(hgt) },
        viewportBox: { width: Math.round(vr.width), height: Math.round(vr.height) },
        stageWidth: Math.round(stage.width),
        widthShare: w / stage.width,
        areaShare: (w * hgt) / (innerWidth * innerHeight),
        scale: Number(vp.dataset.scale || 1),
        zoomedWidth: r.width / vr.width,
        tilesShown: (() => {
            const a = document.querySelector('.tiles-area');
            return !!a && getComputedStyle(a).display !== 'none';
        })(),
    };
}

/**
 * Two touch taps in a row on the shared screen, sent as one burst of touch
 * events (as a finger does; separate round trips could be slower than a
 * double tap on a busy machine).
 */
async function doubleTap(page) {
    const box = await page.locator('.screen-viewport').boundingBox();
    const x = box.x + box.width * 0.3;
    const y = box.y + box.height * 0.4;
    const cdp = await page.context().newCDPSession(page);
    const touch = (type) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y }] });
    await Promise.all([touch('touchStart'), touch('touchEnd'), touch('touchStart'), touch('touchEnd')]);
    await cdp.detach();
    return until(async () => {
        const m = await page.evaluate(measure);
        return m.scale >= 2 ? m : null;
    }, { timeoutMs: 5000, what: 'the double tap zooms in' });
}

async function resetZoom(page) {
    await page.locator('.screen-viewport').focus();
    await page.keyboard.press('0');
    await until(async () => (await page.evaluate(measure)).scale === 1, { timeoutMs: 5000, what: 'back to the fit' });
}

/** The layout settled after a resize: the same picture twice in a row. */
async function settled(page) {
    let last = null;
    return until(async () => {
        const m = await page.evaluate(measure);
        const same = last && JSON.stringify(last.picture) === JSON.stringify(m.picture) && JSON.stringify(last.viewportBox) === JSON.stringify(m.viewportBox);
        last = m;
        return same ? m : null;
    }, { timeoutMs: 5000, intervalMs: 150, what: 'the layout settles' });
}

test('a shared screen on a phone: fit to width upright, most of the screen sideways, double tap zooms', async () => {
    try {
        await phoneStage();
    } catch (e) {
        for (const [who, p] of Object.entries(people)) await p.page.screenshot({ path: path.join(LOG_DIR, `phone-stage-failed-${who}.png`) }).catch(() => {});
        throw e;
    }
    for (const p of Object.values(people)) {
        assert.deepEqual(p.errors, [], 'no script errors');
        assert.deepEqual(p.foreign, [], 'no request leaves the server origin');
    }
});

/* Runs in the page: each tile's name whole (nothing cut off) and its role shown. */
function readTiles() {
    return [...document.querySelectorAll('.tiles .tile')].map((t) => {
        const name = t.querySelector('.tile-name');
        const role = t.querySelector('.tile-role');
        const text = t.querySelector('.tile-role-text');
        const icon = t.querySelector('.tile-role-icon');
        const shown = (el) => !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden' && el.getBoundingClientRect().width > 2;
        return {
            name: name.textContent,
            nameWhole: name.scrollWidth <= name.clientWidth + 1 && name.scrollHeight <= name.clientHeight + 1,
            role: role.title,
            roleShown: shown(role) && (shown(text) || shown(icon)),
        };
    });
}

async function phoneStage() {
    const t0 = Date.now();
    const step = (what) => console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);
    const api = await server.login('anna', PASSWORD);
    const created = await api.expect(201, 'POST', '/api/meetings', { body: { title: 'Opfølgningssamtale', roles: ['citizen', ...Object.keys(EXTRA)] } });

    const cw = await person('caseworker', { viewport: { width: 1280, height: 800 } }, fakeScreen);
    await joinAs(cw, created.host_link.url, 'Anna Jensen');
    await cw.locator('.room').waitFor();
    const phone = await person('citizen', PHONE);
    await joinAs(phone, created.links.find((l) => l.role === 'citizen').url, 'Mette Hansen');
    await cw.getByRole('button', { name: 'Luk Mette Hansen ind' }).first().click();
    await phone.locator('.room').waitFor();

    step('both in the room');
    // Two people on a phone: the citizen's own tile is the small picture over the stage.
    await until(() => phone.locator('.tiles .tile').count().then((n) => n === 2), { timeoutMs: WAIT_MS, what: 'two tiles' });
    const sizes = await phone.evaluate(() => [...document.querySelectorAll('.tiles .tile')].map((t) => ({ me: t.classList.contains('is-me'), pip: t.classList.contains('is-pip'), area: t.getBoundingClientRect().width * t.getBoundingClientRect().height })));
    const mine = sizes.find((s) => s.me);
    const other = sizes.find((s) => !s.me);
    assert.ok(mine.pip && mine.area * 4 < other.area, `the own tile is a small picture: ${JSON.stringify(sizes)}`);

    // Drag the own picture up to the top left corner with a finger; the move button sends it on.
    const pip = phone.locator('.tile.is-pip');
    assert.equal(await pip.getAttribute('data-corner'), 'br');
    const from = await pip.boundingBox();
    const cdp = await phone.context().newCDPSession(phone);
    const at = (x, y) => [{ x: from.x + from.width / 2 + x, y: from.y + from.height / 2 + y }];
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(0, 0) });
    for (let i = 1; i <= 5; i++) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: at(-45 * i, -80 * i) });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await cdp.detach();
    await until(async () => (await pip.getAttribute('data-corner')) === 'tl', { timeoutMs: 5000, what: 'the own picture dragged to the top left' });
    await phone.getByRole('button', { name: 'Flyt dit eget billede til et andet hjørne' }).focus();
    await phone.keyboard.press('Enter');
    assert.equal(await pip.getAttribute('data-corner'), 'tr', 'the move button sends the picture to the next corner');
    await phone.keyboard.press('Enter');
    assert.equal(await pip.getAttribute('data-corner'), 'br', 'and round to where it began');

    // Pin the caseworker's tile from the keyboard, then unpin it.
    const pin = phone.getByRole('button', { name: 'Fastgør Anna Jensen på skærmen' });
    await pin.focus();
    await phone.keyboard.press('Enter');
    assert.equal(await phone.locator('.tile.is-pinned .tile-name').textContent(), 'Anna Jensen');
    assert.equal(await pin.getAttribute('aria-pressed'), 'true');
    await phone.keyboard.press('Enter');
    assert.equal(await phone.locator('.tile.is-pinned').count(), 0);

    // The caseworker shares her screen; the phone decodes it.
    await cw.locator('.controls').getByRole('button', { name: 'Del skærm', exact: true }).click();
    await until(() => phone.evaluate(() => {
        const s = document.querySelector('.screen-stage');
        const v = document.querySelector('.screen-video');
        return s && !s.hidden && s.dataset.hasVideo === 'true' && Number(s.dataset.frames) > 2 && v.videoWidth > 0;
    }), { timeoutMs: WAIT_MS, what: 'the phone decodes the shared screen' });

    step('the screen decodes');
    // Upright: the screen is as wide as the stage.
    const portrait = await settled(phone);
    console.log(`portrait: ${JSON.stringify(portrait)}`);
    assert.ok(Math.abs(portrait.video.width / portrait.video.height - 16 / 9) < 0.02, `a 16:9 screen arrives: ${JSON.stringify(portrait.video)}`);
    assert.ok(portrait.widthShare >= 0.9, `upright, the screen covers ≥ 90% of the stage's width: ${JSON.stringify(portrait)}`);
    assert.equal(portrait.scale, 1);
    await phone.screenshot({ path: path.join(LOG_DIR, 'phone-stage-portrait.png') });
    const zoomedUp = await doubleTap(phone);
    assert.ok(zoomedUp.zoomedWidth >= 1.99, `the picture is drawn twice as large: ${JSON.stringify(zoomedUp)}`);
    await phone.screenshot({ path: path.join(LOG_DIR, 'phone-stage-portrait-zoom.png') });
    await resetZoom(phone);
    step('portrait done');

    // Four more people (signaling only): every name whole, every role shown,
    // and the tiles out of sight below the screen are announced.
    const extra = [];
    for (const [role, name] of Object.entries(EXTRA)) {
        const token = created.links.find((l) => l.role === role).token;
        extra.push(await server.join(token, name));
        await cw.getByRole('button', { name: `Luk ${name} ind` }).first().click();
    }
    await until(() => phone.locator('.tiles .tile').count().then((n) => n === 6), { timeoutMs: WAIT_MS, what: 'six tiles' });
    const six = await phone.evaluate(readTiles);
    await phone.screenshot({ path: path.join(LOG_DIR, 'phone-stage-portrait-six.png') });
    assert.ok(six.every((t) => t.nameWhole && t.roleShown), `every name whole and every role shown: ${JSON.stringify(six)}`);
    await until(() => phone.locator('.tiles-more').isVisible(), { timeoutMs: 5000, what: 'the hint about tiles out of sight' }).catch(async (e) => {
        const d = await phone.locator('.tiles').evaluate((el) => ({ sh: el.scrollHeight, ch: el.clientHeight, hidden: el.dataset.hiddenTiles, area: el.parentElement.getBoundingClientRect().height, stage: el.closest('.stage').getBoundingClientRect().height, ov: getComputedStyle(el).overflowY, flex: getComputedStyle(el).flex }));
        throw new Error(`${e.message}: ${JSON.stringify(d)}`);
    });
    const hintText = await phone.locator('.tiles-more').innerText();
    assert.match(hintText, /deltager.* mere – rul for at se/, hintText);
    assert.equal(await phone.locator('.tiles').getAttribute('tabindex'), '0', 'the scrolling tiles are a Tab stop');
    await phone.locator('.tiles-more').tap();
    await until(async () => (await phone.locator('.tiles').evaluate((el) => el.scrollTop)) > 0, { timeoutMs: 5000, what: 'the hint scrolls the tiles' });
    step('six people done');

    // Sideways: the screen has most of the viewport; the tiles wait behind a button.
    await phone.setViewportSize(LANDSCAPE);
    const landscape = await settled(phone);
    console.log(`landscape: ${JSON.stringify(landscape)}`);
    assert.ok(landscape.areaShare >= 0.7, `sideways, the screen covers ≥ 70% of the viewport: ${JSON.stringify(landscape)}`);
    assert.equal(landscape.tilesShown, false, 'sideways the tiles are out of the way');
    await phone.screenshot({ path: path.join(LOG_DIR, 'phone-stage-landscape.png') });
    const zoomedSide = await doubleTap(phone);
    assert.ok(zoomedSide.zoomedWidth >= 1.99, `sideways the picture is drawn twice as large: ${JSON.stringify(zoomedSide)}`);
    await phone.screenshot({ path: path.join(LOG_DIR, 'phone-stage-landscape-zoom.png') });
    await resetZoom(phone);
    const tilesBtn = phone.getByRole('button', { name: 'Vis deltagerne' });
    await tilesBtn.tap();
    await until(async () => (await phone.evaluate(measure)).tilesShown, { timeoutMs: 5000, what: 'the tiles come up' });
    assert.equal(await phone.locator('.stage-tiles-btn').getAttribute('aria-expanded'), 'true');
    await phone.screenshot({ path: path.join(LOG_DIR, 'phone-stage-landscape-tiles.png') });
    step('landscape done');

    // Real full screen (the Fullscreen API), and back.
    await phone.getByRole('button', { name: 'Fuld skærm', exact: true }).tap();
    await until(() => phone.evaluate(() => document.fullscreenElement?.classList.contains('screen-stage')), { timeoutMs: 5000, what: 'the screen in full screen' });
    await phone.getByRole('button', { name: 'Afslut fuld skærm' }).tap();
    await until(() => phone.evaluate(() => document.fullscreenElement === null), { timeoutMs: 5000, what: 'full screen ends' });
    for (const c of extra) c.close();
    step('full screen done');
}
