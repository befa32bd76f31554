// Right-to-left layout, for languages such as Arabic: the web client in real
// Chromium at 360×640 with the page direction set the way a language's "dir"
// in web-client/i18n/languages.json sets it (here Danish is served as "rtl").
// On the login page, the meeting list, one meeting, the pre-call check, the
// join form, the lobby and the meeting room (two people, chat open): the
// document is right-to-left, nothing sticks out of the 360 px viewport, the
// top bar, the control bar and lists are mirrored (the first item on the
// right), text fields and their labels start on the right, and directional
// icons point the other way. Screenshots: build/test-logs/rtl-<page>.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Server, PASSWORD, REPO_ROOT, installHooks } from '../integration/lib.mjs';
import { launchChromium, until, watchForeignRequests } from './browser.mjs';

installHooks();

const LOG_DIR = path.join(REPO_ROOT, 'build', 'test-logs');

let server;
let browser;
const foreign = [];
const errors = [];

before(async () => {
    fs.mkdirSync(LOG_DIR, { recursive: true });
    server = new Server({ name: 'e2e-rtl' });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
    const api = await server.login('anna', PASSWORD);
    await api.expect(201, 'POST', '/api/meetings', { body: { title: 'Opfølgning', roles: ['citizen'] } });
    browser = await launchChromium();
    // The language list as the server sends it, with Danish written right to left.
    await browser.route('**/i18n/languages.json', async (route) => {
        const res = await route.fetch();
        const list = await res.json();
        const da = list.languages.find((l) => l.code === 'da');
        assert.ok(da, 'languages.json lists da');
        da.dir = 'rtl';
        await route.fulfill({ response: res, json: list });
    });
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
    page.on('pageerror', (e) => errors.push(`${label}: ${e.message}`));
    return page;
}

/* Runs in the page: what sticks out of the viewport sideways. */
function overflow() {
    const W = window.innerWidth;
    const out = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > W) out.push(`document scrollWidth ${doc.scrollWidth} > ${W}`);
    if (document.body.scrollWidth > W) out.push(`body scrollWidth ${document.body.scrollWidth} > ${W}`);
    // An element cut off by an ancestor that clips is that ancestor's business.
    const clipped = (el) => {
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
            if (getComputedStyle(a).overflowX !== 'visible') return true;
        }
        return false;
    };
    for (const el of document.body.querySelectorAll('*')) {
        if (el.closest('.visually-hidden, [hidden], svg, .skip-link')) continue;
        const r = el.getBoundingClientRect();
        if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') continue;
        if ((r.left < -1 || r.right > W + 1) && !clipped(el)) {
            out.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} spans x ${Math.round(r.left)}..${Math.round(r.right)}`);
        }
    }
    return out;
}

/* Runs in the page: text fields that do not start on the right. */
function fieldsStartRight() {
    const out = [];
    const fields = document.querySelectorAll('input[type="text"], input[type="password"], input:not([type]), textarea');
    for (const f of fields) {
        const r = f.getBoundingClientRect();
        if (!r.width) continue;
        const cs = getComputedStyle(f);
        const name = f.name || f.className;
        if (cs.direction !== 'rtl' || !['start', 'right'].includes(cs.textAlign)) out.push(`${name}: direction ${cs.direction}, text-align ${cs.textAlign}`);
        const label = f.id && document.querySelector(`label[for="${CSS.escape(f.id)}"]`);
        if (label && !label.classList.contains('visually-hidden')) {
            const range = document.createRange();
            range.selectNodeContents(label);
            const lr = range.getBoundingClientRect();
            if (Math.abs(lr.right - r.right) > 2) out.push(`${name}: the label's text ends at x ${Math.round(lr.right)}, the field at ${Math.round(r.right)}`);
        }
    }
    return { count: fields.length, out };
}

async function rectOf(page, selector) {
    const l = page.locator(selector).first();
    await l.waitFor();
    const box = await l.boundingBox();
    assert.ok(box, `${selector} is laid out`);
    return box;
}

/** a is to the right of b (a's left edge at or past b's right edge). */
async function rightOf(page, a, b, what) {
    const [ra, rb] = [await rectOf(page, a), await rectOf(page, b)];
    assert.ok(ra.x >= rb.x + rb.width - 1, `${what}: ${a} (x ${Math.round(ra.x)}) right of ${b} (x ${Math.round(rb.x)}..${Math.round(rb.x + rb.width)})`);
}

/** The element's right edge is its container's (it starts on the right). */
async function startsRight(page, selector, container, what) {
    const [r, c] = [await rectOf(page, selector), await rectOf(page, container)];
    const pad = await page.locator(container).first().evaluate((el) => parseFloat(getComputedStyle(el).paddingRight) + parseFloat(getComputedStyle(el).borderRightWidth));
    assert.ok(Math.abs(r.x + r.width - (c.x + c.width - pad)) <= 1, `${what}: ${selector} ends at x ${Math.round(r.x + r.width)}, ${container}'s content at ${Math.round(c.x + c.width - pad)}`);
}

async function check(page, name, { fields = false } = {}) {
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl', `${name}: <html dir="rtl">`);
    await page.screenshot({ path: path.join(LOG_DIR, `rtl-${name}.png`) });
    assert.deepEqual(await page.evaluate(overflow), [], `${name}: nothing sticks out of the viewport`);
    const f = await page.evaluate(fieldsStartRight);
    assert.deepEqual(f.out, [], `${name}: text fields start on the right`);
    if (fields) assert.ok(f.count > 0, `${name}: has text fields to check`);
}

async function mirroredIcon(page, selector, what) {
    const m = await page.locator(selector).first().evaluate((el) => getComputedStyle(el).transform);
    assert.match(m, /^matrix\(-1, 0, 0, 1,/, `${what} is mirrored: ${m}`);
}

test('right to left: every page is mirrored and fits 360 px', async () => {
    const cw = await openPage('caseworker');
    await cw.goto(`${server.origin}/`);
    await cw.locator('input[name="username"]').waitFor();
    await check(cw, 'login', { fields: true });
    // The brand (the start of the top bar) is on the right, the language choice on the left.
    await rightOf(cw, '.topbar .brand', '.topbar .lang-select', 'login top bar');

    await cw.locator('input[name="username"]').fill('anna');
    await cw.locator('input[name="password"]').fill(PASSWORD);
    await cw.locator('form button[type="submit"]').click();
    await cw.locator('.meeting-list .meeting-item').first().waitFor();
    await check(cw, 'meetings');
    await rightOf(cw, '.topbar .brand', '.topbar .btn-quiet', 'meeting list top bar');
    await startsRight(cw, '.page-head h1', '.page', 'meeting list heading');
    await rightOf(cw, '.meeting-item .meeting-title', '.meeting-item .badge', 'a meeting and its status');

    await cw.locator('a[href="/meetings/new"]').click();
    await cw.locator('input[name="title"]').fill('Jobsamtale');
    await check(cw, 'create', { fields: true });
    await mirroredIcon(cw, '.back .icon', 'the back arrow');
    await cw.locator('form button[type="submit"]').click();
    await cw.locator('.link-url').first().waitFor();
    await check(cw, 'meeting', { fields: true });
    const guestUrl = new URL(local(await cw.locator('.link-url').first().inputValue()));

    const guest = await openPage('citizen');
    await guest.goto(`${server.origin}/check${guestUrl.hash}`);
    await guest.locator('section.precall').waitFor();
    await guest.locator('section.precall button.btn-primary').first().click();
    await until(() => guest.locator('section.precall').evaluate((el) => el.dataset.result), { timeoutMs: 20000, what: 'the pre-call result' });
    await check(guest, 'precall');
    // The result's coloured edge is on the start side.
    const edge = await guest.locator('.precall-status').evaluate((el) => {
        const cs = getComputedStyle(el);
        return { right: parseFloat(cs.borderRightWidth), left: parseFloat(cs.borderLeftWidth) };
    });
    assert.ok(edge.right > edge.left, `the result's edge is on the right: ${JSON.stringify(edge)}`);

    await guest.goto(guestUrl.href);
    await guest.locator('input[name="name"]').fill('Mette Hansen');
    await check(guest, 'join', { fields: true });

    await cw.locator('a.btn[href^="/join#"]').click();
    await cw.locator('form button[type="submit"]').click();
    await cw.locator('.room').waitFor();

    await guest.locator('form button[type="submit"]').click();
    await guest.locator('.lobby').waitFor();
    await check(guest, 'lobby');

    await cw.locator('.banner-lobby .btn-primary').waitFor();
    await check(cw, 'room-host-lobby');
    await rightOf(cw, '.banner-lobby .btn-primary', '.banner-lobby .btn-secondary', 'admit before deny');
    await cw.locator('.banner-lobby .btn-primary').click();
    await guest.locator('.room').waitFor();
    await until(async () => (await guest.locator('.tiles .tile').count()) === 2, { timeoutMs: 15000, what: 'two tiles' });

    await check(guest, 'room');
    // The control bar: microphone first (on the right), leave last (on the left).
    await rightOf(guest, '.controls .ctl-mic', '.controls .ctl-camera', 'control bar');
    await rightOf(guest, '.controls .ctl-camera', '.controls .ctl-leave', 'control bar');
    await mirroredIcon(guest, '.ctl-leave .icon', 'the leave icon');
    // The first tile (the caseworker, who came first) is on the right.
    const tiles = guest.locator('.tiles .tile');
    const [t0, t1] = [await tiles.nth(0).boundingBox(), await tiles.nth(1).boundingBox()];
    if (Math.abs(t0.y - t1.y) < 2) assert.ok(t0.x > t1.x, `tiles run right to left: ${JSON.stringify([t0, t1])}`);

    await guest.locator('.controls .ctl-chat').click();
    await guest.locator('.chat-input').fill('Hej');
    await guest.locator('.chat-form button[type="submit"]').click();
    await guest.locator('.chat-log .msg.is-own').waitFor();
    await check(guest, 'room-chat');
    await mirroredIcon(guest, '.chat-send .icon', 'the send icon');
    // One's own message sits at the end of the line: the left.
    const [own, log] = [await rectOf(guest, '.chat-log .msg.is-own'), await rectOf(guest, '.chat-log')];
    assert.ok(Math.abs(own.x - log.x) <= 1 && own.x + own.width < log.x + log.width - 1, `own message on the left: ${JSON.stringify({ own, log })}`);
    await rightOf(guest, '.panel-head h2', '.panel-head .btn-icon', 'chat heading and close');

    await cw.locator('.controls .ctl-leave').click();
    await guest.locator('.controls .ctl-leave').click();
    await guest.locator('.join-summary, .card h1').first().waitFor();
    await guest.close();
    await cw.close();
    assert.deepEqual(errors, [], 'no script errors');
    assert.deepEqual(foreign, [], 'no request leaves the server origin');
});
