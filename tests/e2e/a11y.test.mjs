// Accessibility (WCAG 2.1 AA) of the web client in real Chromium on
// phone-sized pages, in Danish (the default) and in English: axe-core runs on
// the login page, the meeting list, the new meeting form, one meeting (its
// links with their phone PINs, and the "Call" dialog with a refused number
// and then with the server's answer to the call), the guest's pre-call check, the join form, the lobby, and the
// meeting room with a caseworker and a citizen admitted (also with the chat
// and the participant panel open, a pinned tile, and a shared screen), and
// the page after leaving. Every page is checked in four sizes, upright and
// sideways at 360 and 320 px wide (360×640, 640×360, 320×568, 568×320), in
// one browser by resizing the page. Any serious or critical violation fails
// the test; every result (all impacts) is written to
// build/test-logs/a11y-<page>-<size>-<lang>.json.
//
// Besides axe: every button and form control has an accessible name (as
// Chromium's accessibility tree computes it), no word in a heading, button,
// label or tile name is broken across two lines in any size ("Mikrofo-n"),
// Tab reaches the microphone, camera and leave controls in the room and
// focus is visibly drawn on them, on the join page (360×640 and 568×320)
// every Tab from where the page puts focus until focus leaves the page lands
// on something whose whole focus ring is on screen (at least three stops),
// and waiting in the lobby, being admitted, joining and leaving are said in
// the page's aria-live region.
//
// axe-core is put into the pages with page.evaluate (the DevTools protocol),
// not with a <script> tag: the server's Content-Security-Policy allows only
// script files from its own origin ("script-src 'self'"), which is what it
// should be, so an inline script would be blocked, and bypassing the CSP
// would test a page that users never get.
//
// No rule is turned off. axe leaves some checks to a person ("incomplete", in
// the JSON files): captions for the pre-call check's live camera video, which
// cannot have any, and the contrast of text laid over video or under an open
// panel, which it cannot measure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Server, PASSWORD, REPO_ROOT, installHooks, phoneConfig } from '../integration/lib.mjs';
import { launchChromium, until, watchForeignRequests } from './browser.mjs';

installHooks();

const LOG_DIR = path.join(REPO_ROOT, 'build', 'test-logs');
const AXE_SOURCE = fs.readFileSync(path.join(REPO_ROOT, 'tests', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const BLOCKING = new Set(['serious', 'critical']);
// Upright and sideways, at 360 and 320 px wide; the first is where the walk runs.
const SIZES = [
    { width: 360, height: 640 },
    { width: 640, height: 360 },
    { width: 320, height: 568 },
    { width: 568, height: 320 },
];
const STRINGS = {
    da: JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'web-client', 'i18n', 'da.json'), 'utf8')),
    en: JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'web-client', 'i18n', 'en.json'), 'utf8')),
};

let server;
let browser;
const foreign = [];
const timings = [];

before(async () => {
    fs.mkdirSync(LOG_DIR, { recursive: true });
    // A dial-in number and a trunk: the meeting page shows PINs and offers "Call".
    server = new Server({ name: 'e2e-a11y', config: await phoneConfig({ withTrunk: true }) });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
    // The meeting list has at least one meeting from the start.
    const api = await server.login('anna', PASSWORD);
    await api.expect(201, 'POST', '/api/meetings', { body: { title: 'Opfølgning', roles: ['citizen'] } });
    browser = await launchChromium();
});

after(async () => {
    await browser?.close();
});

function tr(lang, key, params = {}) {
    const s = STRINGS[lang][key] ?? STRINGS.da[key];
    assert.equal(typeof s, 'string', `no translation ${key}`);
    return s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
}

function local(url) {
    return url.replace(/^https:\/\/[^/]+/, server.origin);
}

// Runs in the page before its scripts: the language (i18n.js reads it from
// localStorage) and a record of everything said in the live region.
function prepare(lang) {
    localStorage.setItem('samtale.lang', lang);
    window.__announced = [];
    document.addEventListener('DOMContentLoaded', () => {
        const region = document.getElementById('announcer');
        if (!region) return;
        new MutationObserver(() => {
            const text = region.textContent.trim();
            if (text) window.__announced.push({ text, live: region.getAttribute('aria-live'), atomic: region.getAttribute('aria-atomic') });
        }).observe(region, { childList: true, characterData: true, subtree: true });
    });
}

async function openPage(lang, label, errors) {
    const page = await browser.newPage();
    await page.addInitScript(prepare, lang);
    foreign.push(...watchForeignRequests(page, server.origin));
    page.on('pageerror', (e) => errors.push(`${label}: ${e.message}`));
    return page;
}

/**
 * Runs axe on the page; writes the results to a11y-<name>-<lang>.json and
 * returns the serious and critical violations, described.
 */
async function runAxe(page, name, lang) {
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
    const results = await page.evaluate(
        (tags) =>
            window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations', 'incomplete'] }).then((r) => ({
                url: r.url,
                testEngine: r.testEngine,
                violations: r.violations,
                incomplete: r.incomplete,
                passes: r.passes.map((p) => p.id),
            })),
        AXE_TAGS,
    );
    fs.writeFileSync(path.join(LOG_DIR, `a11y-${name.replace('@', '-')}-${lang}.json`), JSON.stringify({ page: name, lang, ...results }, null, 2));
    return results.violations
        .filter((v) => BLOCKING.has(v.impact))
        .map((v) => `${name} (${lang}): ${v.id} [${v.impact}] ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}: ${(n.failureSummary || '').replace(/\s+/g, ' ')}`).join('\n')}`);
}

/** Buttons and form controls without an accessible name, from Chromium's accessibility tree. */
async function unnamedControls(page) {
    const cdp = await page.context().newCDPSession(page);
    try {
        const { nodes } = await cdp.send('Accessibility.getFullAXTree');
        const roles = new Set(['button', 'textbox', 'combobox', 'checkbox', 'radio', 'switch', 'slider', 'spinbutton', 'searchbox', 'listbox', 'link', 'menuitem', 'tab']);
        const bad = [];
        for (const n of nodes) {
            const role = n.role && n.role.value;
            if (n.ignored || !roles.has(role)) continue;
            const name = n.name && typeof n.name.value === 'string' ? n.name.value.trim() : '';
            if (name) continue;
            let where = `node ${n.backendDOMNodeId}`;
            if (n.backendDOMNodeId) {
                const { object } = await cdp.send('DOM.resolveNode', { backendNodeId: n.backendDOMNodeId });
                const { result } = await cdp.send('Runtime.callFunctionOn', { objectId: object.objectId, functionDeclaration: 'function () { return this.outerHTML.slice(0, 160); }', returnByValue: true });
                where = result.value;
            }
            bad.push(`${role}: ${where}`);
        }
        return bad;
    } finally {
        await cdp.detach();
    }
}

/* Runs in the page: words of headings, buttons, labels and tile names that
   are drawn on more than one line (broken inside the word). */
function brokenWords() {
    const out = [];
    const els = document.querySelectorAll('h1, h2, h3, button, label, legend, .tile-name, .ctl-label, .screen-caption');
    for (const el of els) {
        if (!el.getClientRects().length) continue;
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const text = node.textContent;
            for (const m of text.matchAll(/\S+/g)) {
                const range = document.createRange();
                range.setStart(node, m.index);
                range.setEnd(node, m.index + m[0].length);
                const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
                if (tops.size > 1) out.push(`"${m[0]}" in ${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`);
            }
        }
    }
    return [...new Set(out)];
}

/** The page drawn at its new size (two animation frames, so observers have run). */
async function settle(page) {
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/**
 * axe plus the accessible-name check in every size of SIZES (the page ends
 * at the first again); collects the problems instead of stopping at the
 * first page.
 */
async function audit(page, name, lang, problems) {
    for (const size of [...SIZES.slice(1), SIZES[0]]) {
        await page.setViewportSize(size);
        await settle(page);
        const label = `${name}@${size.width}x${size.height}`;
        const t0 = Date.now();
        problems.push(...(await runAxe(page, label, lang)));
        const t1 = Date.now();
        if (size === SIZES[0]) for (const u of await unnamedControls(page)) problems.push(`${label} (${lang}): control without an accessible name: ${u}`);
        for (const w of await page.evaluate(brokenWords)) problems.push(`${label} (${lang}): a word broken across lines: ${w}`);
        timings.push(`${label}: axe ${t1 - t0} ms, names ${Date.now() - t1} ms`);
    }
}

/**
 * From where the page put focus, Tab until focus leaves the page (at most
 * 12 times): every stop draws a focus ring (an outline of 2 px or more, or a
 * box shadow) that lies wholly inside the viewport. At least three stops.
 */
async function tabsShowFocus(page, who, problems) {
    const stops = [];
    for (let i = 1; i <= 12; i++) {
        await page.keyboard.press('Tab');
        const f = await page.evaluate(async () => {
            // Measured once layout has settled (two frames): a status line
            // that appears meanwhile must not make a stop look off screen.
            await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
            const a = document.activeElement;
            if (!a || a === document.body) return null;
            const cs = getComputedStyle(a);
            const r = a.getBoundingClientRect();
            const outline = cs.outlineStyle !== 'none' ? parseFloat(cs.outlineWidth) || 0 : 0;
            const ring = outline >= 2 || cs.boxShadow !== 'none';
            const out = Math.max(0, outline + (parseFloat(cs.outlineOffset) || 0));
            const inside = r.width > 0 && r.height > 0 && r.top - out >= 0 && r.left - out >= 0 && r.bottom + out <= innerHeight && r.right + out <= innerWidth;
            return { desc: `${a.tagName.toLowerCase()}${a.className ? `.${String(a.className).split(' ').join('.')}` : ''} "${(a.textContent || a.value || '').trim().slice(0, 30)}"`, ring, inside };
        });
        if (!f) break;
        stops.push(f.desc);
        if (!f.ring || !f.inside) problems.push(`${who}: Tab ${i} lands on ${f.desc} without a whole focus ring on screen (${JSON.stringify(f)})`);
    }
    if (stops.length < 3) problems.push(`${who}: only ${stops.length} Tab stops: ${stops.join(' → ')}`);
}

async function announced(page) {
    return page.evaluate(() => window.__announced.map((a) => a.text));
}

async function waitAnnounced(page, text, who) {
    try {
        await until(async () => (await announced(page)).some((t) => t.includes(text)), { timeoutMs: 10000, what: `${who}: "${text}" in the live region` });
    } catch (e) {
        e.message += `; said so far: ${JSON.stringify(await announced(page))}`;
        throw e;
    }
    const region = await page.evaluate(() => window.__announced.at(-1));
    assert.equal(region.live, 'polite', `${who}: the announcer is a polite live region`);
}

/** The computed focus indicator of el (outline and box-shadow). */
function focusLook(el) {
    const cs = getComputedStyle(el);
    return { outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`, outlineWidth: parseFloat(cs.outlineWidth) || 0, outlineStyle: cs.outlineStyle, shadow: cs.boxShadow };
}

/**
 * Tabs from the room's heading until mic, camera and leave have had focus;
 * checks each one shows a focus indicator it does not have without focus.
 */
async function keyboardReachesControls(page, who) {
    await page.locator('.room-title').focus();
    const wanted = { mic: '.ctl-mic', camera: '.ctl-camera', leave: '.ctl-leave' };
    const focused = {};
    const order = [];
    for (let i = 0; i < 40 && Object.keys(focused).length < 3; i++) {
        await page.keyboard.press('Tab');
        const hit = await page.evaluate((sel) => {
            const a = document.activeElement;
            const desc = a ? `${a.tagName.toLowerCase()}.${[...a.classList].join('.')}` : 'none';
            return { desc, name: Object.keys(sel).find((k) => a && a.matches(sel[k])) };
        }, wanted);
        order.push(hit.desc);
        if (hit.name && !focused[hit.name]) focused[hit.name] = await page.locator(':focus').evaluate(focusLook);
    }
    assert.deepEqual(Object.keys(focused).sort(), ['camera', 'leave', 'mic'], `${who}: Tab reaches mic, camera and leave; focus went: ${order.join(' → ')}`);
    await page.locator('.room-title').focus();
    for (const [name, look] of Object.entries(focused)) {
        const rest = await page.locator(wanted[name]).evaluate(focusLook);
        const visible = (look.outlineStyle !== 'none' && look.outlineWidth >= 2) || (look.shadow !== 'none' && look.shadow !== rest.shadow);
        assert.ok(visible, `${who}: ${name} shows focus: ${JSON.stringify(look)}`);
        assert.notDeepEqual({ o: look.outline, s: look.shadow }, { o: rest.outline, s: rest.shadow }, `${who}: ${name} looks different with focus: ${JSON.stringify({ focused: look, rest })}`);
    }
}

async function tiles(page) {
    return page.locator('.tiles .tile').count();
}

async function walkThrough(lang) {
    const problems = [];
    const errors = [];
    await browser.clearCookies();

    // Login page.
    const cw = await openPage(lang, 'caseworker', errors);
    await cw.goto(`${server.origin}/`);
    await cw.getByRole('heading', { level: 1, name: tr(lang, 'login.title') }).waitFor();
    assert.equal(await cw.evaluate(() => document.documentElement.lang), lang);
    await audit(cw, 'login', lang, problems);

    // Meeting list.
    await cw.locator('input[name="username"]').fill('anna');
    await cw.locator('input[name="password"]').fill(PASSWORD);
    await cw.locator('form button[type="submit"]').click();
    await cw.getByRole('heading', { level: 1, name: tr(lang, 'meetings.title') }).waitFor();
    await cw.locator('.meeting-list .meeting-item').first().waitFor();
    await audit(cw, 'meetings', lang, problems);

    // New meeting form, then the meeting with its links.
    await cw.locator('a[href="/meetings/new"]').click();
    await cw.getByRole('heading', { level: 1, name: tr(lang, 'create.title') }).waitFor();
    await audit(cw, 'create', lang, problems);
    await cw.locator('input[name="title"]').fill('Jobsamtale');
    await cw.locator('form button[type="submit"]').click();
    await cw.locator('.link-url').first().waitFor();
    await cw.locator('.audit-table, .audit-wrap .muted').first().waitFor();
    await cw.locator('.dial-in-pin').first().waitFor();
    await audit(cw, 'meeting', lang, problems);
    // "Call": a number that is too short is refused in the dialog; a good one
    // goes to the server, whose answer is shown by the link.
    await cw.getByRole('button', { name: tr(lang, 'phone.call_label', { role: tr(lang, 'role.citizen') }) }).click();
    const number = cw.getByRole('textbox', { name: tr(lang, 'phone.number_label') });
    await number.fill('1234');
    await cw.locator('dialog.call-dialog button[type="submit"]').click();
    await cw.getByText(tr(lang, 'phone.number_bad.too_short')).waitFor();
    await audit(cw, 'meeting-call', lang, problems);
    await number.fill('12 34 56 78');
    await cw.locator('dialog.call-dialog button[type="submit"]').click();
    await until(() => cw.locator('.dial-state').first().evaluate((el) => !el.hidden && el.dataset.state !== undefined), { timeoutMs: 15000, what: 'the call\'s state by the link' });
    await audit(cw, 'meeting-called', lang, problems);
    const guestUrl = new URL(local(await cw.locator('.link-url').first().inputValue()));

    // The guest's pre-call check, before and after running it.
    const guest = await openPage(lang, 'citizen', errors);
    await guest.goto(`${server.origin}/check${guestUrl.hash}`);
    await guest.getByRole('heading', { level: 1, name: tr(lang, 'precall.title') }).waitFor();
    await audit(guest, 'precall', lang, problems);
    await guest.getByRole('button', { name: tr(lang, 'precall.start') }).click();
    await until(() => guest.locator('section.precall').evaluate((el) => el.dataset.result), { timeoutMs: 20000, what: 'the pre-call result' });
    await audit(guest, 'precall-result', lang, problems);

    // The join form and the lobby.
    await guest.goto(guestUrl.href);
    await guest.locator('input[name="name"]').waitFor();
    await audit(guest, 'join', lang, problems);
    // Upright at 360 (where it was seen) and the shortest page, sideways at 320.
    for (const size of [SIZES[0], SIZES[3]]) {
        await guest.setViewportSize(size);
        await guest.reload();
        await guest.locator('input[name="name"]').waitFor();
        await tabsShowFocus(guest, `join@${size.width}x${size.height} (${lang})`, problems);
    }
    await guest.setViewportSize(SIZES[0]);

    await cw.locator('a.btn[href^="/join#"]').click();
    await cw.locator('form button[type="submit"]').click();
    await cw.locator('.room').waitFor();

    await guest.locator('input[name="name"]').fill('Mette Hansen');
    await guest.locator('form button[type="submit"]').click();
    await guest.locator('.lobby').waitFor();
    await waitAnnounced(guest, tr(lang, 'lobby.announce'), 'citizen in the lobby');
    await audit(guest, 'lobby', lang, problems);

    // The host sees and hears the waiting guest, and admits her.
    const admit = cw.getByRole('button', { name: tr(lang, 'room.admit_label', { name: 'Mette Hansen' }) }).first();
    await admit.waitFor();
    await waitAnnounced(cw, 'Mette Hansen', 'caseworker: a guest waits');
    assert.ok((await announced(cw)).some((t) => t.startsWith(tr(lang, 'room.lobby_waiting', { name: 'Mette Hansen' }).split('(')[0])), `caseworker: the waiting guest is announced: ${JSON.stringify(await announced(cw))}`);
    await audit(cw, 'room-host-lobby', lang, problems);
    await admit.click();
    await guest.locator('.room').waitFor();
    await waitAnnounced(guest, tr(lang, 'room.admitted'), 'citizen admitted');
    await waitAnnounced(cw, tr(lang, 'room.joined', { name: 'Mette Hansen' }), 'caseworker: the guest joins');
    await until(async () => (await tiles(guest)) === 2 && (await tiles(cw)) === 2, { timeoutMs: 15000, what: 'two tiles on both pages' });
    await until(() => guest.locator('.room').evaluate((el) => el.dataset.mediaStatus === 'active'), { timeoutMs: 20000, what: 'the citizen\'s media' });

    await audit(guest, 'room', lang, problems);
    await audit(cw, 'room-host', lang, problems);
    await keyboardReachesControls(guest, `citizen (${lang})`);

    // A pinned tile (its pin button, from the keyboard).
    await guest.locator('.tile:not(.is-me) .tile-pin').focus();
    await guest.keyboard.press('Enter');
    await guest.locator('.tile.is-pinned').waitFor();
    await audit(guest, 'room-pinned', lang, problems);
    await guest.keyboard.press('Enter');

    // A shared screen on the citizen's phone (the host shares Chromium's fake screen).
    if (!(await cw.locator('.controls .ctl-screen').isVisible())) await cw.locator('.controls .ctl-more').click();
    await cw.locator('.controls .ctl-screen').click();
    await until(() => guest.locator('.screen-stage').evaluate((el) => !el.hidden && el.dataset.hasVideo === 'true' && Number(el.dataset.frames) > 0), { timeoutMs: 20000, what: 'the citizen sees the shared screen' });
    await audit(guest, 'room-screen', lang, problems);
    await audit(cw, 'room-host-sharing', lang, problems);
    if (!(await cw.locator('.controls .ctl-screen').isVisible())) await cw.locator('.controls .ctl-more').click();
    await cw.locator('.controls .ctl-screen').click();
    await until(() => guest.locator('.screen-stage').evaluate((el) => el.hidden), { timeoutMs: 10000, what: 'the shared screen goes away' });

    // The chat panel (citizen) and the participant panel with the host's tools.
    await guest.locator('.controls .ctl-chat').click();
    await guest.locator('.chat-input').fill('Hej');
    await guest.locator('.chat-form button[type="submit"]').click();
    await guest.locator('.chat-log .msg').first().waitFor();
    await audit(guest, 'room-chat', lang, problems);
    await guest.keyboard.press('Escape');
    // "Enheder": microphone, camera, speaker and blur, in a dialog.
    if (!(await guest.locator('.controls .ctl-devices').isVisible())) await guest.locator('.controls .ctl-more').click();
    await guest.locator('.controls .ctl-devices').click();
    await guest.locator('dialog.devices-dialog[open] select').first().waitFor();
    await audit(guest, 'room-devices', lang, problems);
    await guest.keyboard.press('Escape');
    if (!(await cw.locator('.controls .ctl-people').isVisible())) await cw.locator('.controls .ctl-more').click();
    await cw.locator('.controls .ctl-people').click();
    await cw.locator('.people-body .person').first().waitFor();
    await audit(cw, 'room-people', lang, problems);
    await cw.keyboard.press('Escape');
    // The host's private notes, where the room has them.
    if ((await cw.locator('.controls .ctl-notes').count()) > 0) {
        if (!(await cw.locator('.controls .ctl-notes').isVisible())) await cw.locator('.controls .ctl-more').click();
        await cw.locator('.controls .ctl-notes').click();
        await cw.locator('.panel:not([hidden]) textarea').first().fill('Aftalt: ny samtale om to uger.');
        await audit(cw, 'room-notes', lang, problems);
        await cw.keyboard.press('Escape');
    }

    // The citizen leaves: the caseworker hears it.
    await guest.locator('.controls .ctl-leave').click();
    await guest.getByRole('heading', { level: 1, name: tr(lang, 'join.left') }).waitFor();
    await waitAnnounced(cw, tr(lang, 'room.left', { name: 'Mette Hansen' }), 'caseworker: the guest leaves');
    await audit(guest, 'left', lang, problems);

    await cw.locator('.controls .ctl-leave').click();
    await cw.getByRole('heading', { level: 1, name: tr(lang, 'join.left') }).waitFor();
    await guest.close();
    await cw.close();
    assert.deepEqual(errors, [], 'no script errors');
    assert.deepEqual(problems, [], `accessibility problems:\n${problems.join('\n')}`);
}

for (const lang of ['da', 'en']) {
    test(`WCAG 2.1 AA on every page, in ${lang === 'da' ? 'Danish' : 'English'}`, async () => {
        await walkThrough(lang);
    });
}

test('no request leaves the server origin', () => {
    console.log(timings.join('\n'));
    assert.deepEqual(foreign, []);
});
