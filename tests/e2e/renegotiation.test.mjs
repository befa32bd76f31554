// Renegotiation in a four-party meeting, in real Chromium against the real
// server: the host shares her screen and stops sharing three times. Every
// other participant decodes the screen each time, no page shows the media
// error banner or logs a console error, and the server refuses no media
// command (a refusal means a client or the SFU got ahead of the other).
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
const pages = {};
const consoleErrors = [];

before(async () => {
    fs.mkdirSync(LOG_DIR, { recursive: true });
    server = new Server({ name: 'e2e-renegotiation' });
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
    // The host link page asks whether someone is logged in; "no" is a 401 by design.
    collectConsoleErrors(page, label, consoleErrors, (m) => / 401 /.test(m.text()) && m.location().url.endsWith('/api/me'));
    return page;
}

async function joinAs(page, url, name) {
    await page.goto(local(url));
    await page.getByLabel(/navn/i).fill(name);
    await page.getByRole('button', { name: 'Deltag', exact: true }).click();
}

/* Runs in the page: the shared screen (if shown) and the media banner. */
function readPage() {
    const scr = document.querySelector('.screen-stage');
    const video = scr && !scr.hidden ? scr.querySelector('video') : null;
    const banner = [...document.querySelectorAll('.room-banners .banner')].find((b) => !b.hidden && b.dataset.code);
    return {
        screen: scr && !scr.hidden ? { frames: Number(scr.dataset.frames || 0), width: video ? video.videoWidth : 0 } : null,
        banner: banner ? banner.dataset.code : null,
    };
}

async function waitPage(page, pred, what) {
    let last;
    try {
        return await until(async () => {
            last = await page.evaluate(readPage);
            return pred(last) ? last : null;
        }, { timeoutMs: TIMEOUT_MS, intervalMs: 250, what });
    } catch (e) {
        throw new Error(`${e.message}; last: ${JSON.stringify(last)}; console errors: ${JSON.stringify(consoleErrors.slice(-10))}`);
    }
}

async function clickControl(page, name) {
    // On a phone the less used controls are behind "Mere".
    const direct = page.locator('.controls').getByRole('button', { name, exact: true });
    if (!(await direct.isVisible())) await page.locator('.controls .ctl-more').click();
    await page.locator('.controls').getByRole('button', { name, exact: true }).click();
}

test('four people: the host shares and stops sharing three times without a false alarm', async () => {
    try {
        await shareThreeTimes();
    } catch (e) {
        for (const [who, page] of Object.entries(pages)) {
            await page.screenshot({ path: path.join(LOG_DIR, `renegotiation-failed-${who}.png`) }).catch(() => {});
        }
        throw e;
    }
});

async function shareThreeTimes() {
    const api = await server.login('anna', PASSWORD);
    const roles = ['citizen', 'interpreter', 'akasse'];
    const created = await api.expect(201, 'POST', '/api/meetings', { body: { title: 'Opfølgning', roles } });
    const linkFor = (role) => created.links.find((l) => l.role === role).url;
    const names = { citizen: 'Mette Hansen', interpreter: 'Omar Haddad', akasse: 'Lone Berg' };

    pages.host = await openPage('host');
    await joinAs(pages.host, created.host_link.url, 'Anna Jensen');
    await pages.host.locator('.room').waitFor();
    for (const role of roles) pages[role] = await openPage(role);
    await Promise.all(roles.map(async (role) => {
        await joinAs(pages[role], linkFor(role), names[role]);
        await pages.host.getByRole('button', { name: `Luk ${names[role]} ind` }).first().click();
        await pages[role].locator('.room').waitFor();
    }));
    await Promise.all(Object.entries(pages).map(([who, page]) => until(() => page.evaluate(() => document.querySelectorAll('.tiles .tile').length >= 4), { timeoutMs: 30000, what: `${who}: four tiles` })));

    for (let round = 1; round <= 3; round++) {
        await clickControl(pages.host, 'Del skærm');
        await Promise.all(roles.map(async (who) => {
            const first = await waitPage(pages[who], (s) => s.screen && s.screen.width > 0 && s.screen.frames > 0, `round ${round}, ${who}: the shared screen decodes`);
            await waitPage(pages[who], (s) => s.screen && s.screen.frames > first.screen.frames + 2, `round ${round}, ${who}: more screen frames`);
        }));
        await clickControl(pages.host, 'Stop deling');
        await Promise.all(roles.map((who) => waitPage(pages[who], (s) => s.screen === null, `round ${round}, ${who}: the shared screen goes away`)));
    }

    for (const [who, page] of Object.entries(pages)) {
        const s = await page.evaluate(readPage);
        assert.equal(s.banner, null, `${who}: no media banner`);
    }
    const refused = server.log.filter(([, line]) => / refused: /.test(line)).map(([, line]) => line);
    assert.deepEqual({ consoleErrors, refused }, { consoleErrors: [], refused: [] }, 'no console errors, no refused media command');
}
