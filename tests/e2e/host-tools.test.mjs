// The caseworker's tools, in real Chromium against the real server, on
// phone-sized pages (360×640):
// - the calendar invitation (.ics) for a participant's link, made in the
//   browser: the file is checked line by line (CRLF, folding at 75 octets
//   without splitting a UTF-8 character, TEXT escaping, times, URL); the
//   builder itself (web-client/js/ics.js) is also run here in node; with a
//   dial-in number configured, the page and the file give the number and the
//   link's phone PIN (and no "Call" without a trunk);
// - private notes in the meeting room: typed, still there after a reload,
//   downloaded as .txt, and never sent anywhere (no HTTP request, no
//   WebSocket frame and no file of the server holds the text);
// - screen sharing for guests: the citizen has no share button until the
//   host allows it, then shares and the host decodes it; when the host
//   withdraws the permission the citizen's share stops and is announced; a
//   share started on a stale roster (rewritten here) is refused by the
//   server and the citizen's client stops it and keeps its camera going.
// Screenshots: build/test-logs/host-tools-links.png (the meeting page),
// host-tools-notes.png, host-tools-share-toggle.png, host-tools-guest-share.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Server, PASSWORD, REPO_ROOT, installHooks, phoneConfig } from '../integration/lib.mjs';
import { launchChromium, until, watchForeignRequests } from './browser.mjs';
import { buildIcs, escapeText, foldLine, formatUtc } from '../../web-client/js/ics.js';

installHooks();

const LOG_DIR = path.join(REPO_ROOT, 'build', 'test-logs');
const MEDIA_TIMEOUT_MS = 30000;
const TITLE = 'Opfølgning; praktik, løntilskud og næste skridt – møde med Åse Ærø';
const NOTE_MARKER = 'NOTAT-7f3a9c';
const NOTE = `Borgeren ønsker praktik i Føtex; har kørekort. ${NOTE_MARKER}\nNæste møde: om 3 uger, spørg til økonomi.`;
const CRLF = Buffer.from('\r\n');
const AXE_SOURCE = fs.readFileSync(path.join(REPO_ROOT, 'tests', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

let server;
let browser;
const foreign = [];
const sentFrames = []; // every WebSocket frame the pages sent
const requests = []; // every request's URL and body
const pages = {};
const consoleErrors = [];

before(async () => {
    fs.mkdirSync(LOG_DIR, { recursive: true });
    server = new Server({ name: 'e2e-host-tools', config: await phoneConfig() });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
    browser = await launchChromium();
});

after(async () => {
    await browser?.close();
});

// ---- the .ics file, read as the RFC says ----

/** Splits raw bytes at CRLF; returns the physical lines (Buffers). */
function physicalLines(buf) {
    const out = [];
    let start = 0;
    for (let i = buf.indexOf(CRLF); i >= 0; i = buf.indexOf(CRLF, start)) {
        out.push(buf.subarray(start, i));
        start = i + 2;
    }
    assert.equal(start, buf.length, 'the file ends with CRLF');
    return out;
}

/** Checks the line rules and returns the unfolded content lines as [name, value]. */
function readIcs(buf) {
    const text = buf.toString('utf8');
    assert.doesNotMatch(text.replace(/\r\n/g, ''), /[\r\n]/, 'every line ends with CRLF, no bare CR or LF');
    const strict = new TextDecoder('utf-8', { fatal: true });
    for (const line of physicalLines(buf)) {
        assert.ok(line.length <= 75, `at most 75 octets per line: ${line.length}: ${line.toString('utf8')}`);
        // A fold inside a multi-byte character would leave invalid UTF-8 on both lines.
        assert.doesNotThrow(() => strict.decode(line), `a line on its own is valid UTF-8: ${line.toString('hex')}`);
    }
    const unfolded = text.replace(/\r\n[ \t]/g, '');
    return unfolded
        .split('\r\n')
        .slice(0, -1)
        .map((l) => {
            const i = l.indexOf(':');
            assert.ok(i > 0, `a content line name:value: ${l}`);
            return [l.slice(0, i), l.slice(i + 1)];
        });
}

function unescapeText(v) {
    return v.replace(/\\([\\;,nN])/g, (m, c) => (c === 'n' || c === 'N' ? '\n' : c));
}

/** Independent of ics.js: 2026-03-01T09:05:07.123Z → 20260301T090507Z. */
function utc(ms) {
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** Properties of one component (BEGIN:name … END:name), without sub-components. */
function component(lines, name) {
    const b = lines.findIndex(([k, v]) => k === 'BEGIN' && v === name);
    assert.ok(b >= 0, `BEGIN:${name}`);
    const props = {};
    let depth = 0;
    for (const [k, v] of lines.slice(b + 1)) {
        if (k === 'END' && v === name && depth === 0) return props;
        if (k === 'BEGIN') depth++;
        else if (k === 'END') depth--;
        else if (depth === 0) {
            assert.ok(!(k in props), `${name}: ${k} once`);
            props[k] = v;
        }
    }
    assert.fail(`END:${name} missing`);
}

test('ics.js: escaping, folding at 75 octets on character boundaries, the whole file', () => {
    assert.equal(escapeText('a\\b;c,d\ne\r\nf\rg'), 'a\\\\b\\;c\\,d\\ne\\nf\\ng');
    assert.equal(formatUtc(Date.UTC(2026, 2, 1, 9, 5, 7, 999)), '20260301T090507Z');
    assert.throws(() => formatUtc(NaN), TypeError);

    const cases = {
        'long Danish text': `DESCRIPTION:${escapeText('Åbn linket på din telefon eller computer, før mødet begynder; du skal ikke installere noget. Ærø, Øster Ålgade, Æbeløgård – æøå ÆØÅ '.repeat(3))}`,
        'long URL': `URL:https://samtale.example.dk/join#${'q3L0dN1cH8m2Jx6V0aWcB7yPp4sK9tEu'.repeat(6)}`,
        'ø across octet 75': `${'X'.repeat(74)}ø and more`,
        'emoji (4 octets)': `SUMMARY:${'😀'.repeat(40)}`,
        'exactly 75 octets': 'Y'.repeat(75),
    };
    for (const [what, line] of Object.entries(cases)) {
        const folded = foldLine(line);
        const phys = folded.split('\r\n');
        const strict = new TextDecoder('utf-8', { fatal: true });
        phys.forEach((p, i) => {
            const bytes = Buffer.from(p, 'utf8');
            assert.ok(bytes.length <= 75, `${what}: line ${i} is ${bytes.length} octets`);
            assert.doesNotThrow(() => strict.decode(bytes), `${what}: line ${i} is whole characters`);
            assert.doesNotMatch(p, /[\ud800-\udfff]/u, `${what}: no lone surrogate`);
            if (i > 0) assert.equal(p[0], ' ', `${what}: continuation starts with a space`);
        });
        assert.equal(folded.replace(/\r\n /g, ''), line, `${what}: unfolding gives the line back`);
        if (Buffer.byteLength(line) > 75) assert.ok(phys.length > 1, `${what}: folded`);
        else assert.equal(phys.length, 1, `${what}: not folded`);
    }
    // The fold falls before the ø (74 + 2 octets would be 76), not inside it.
    assert.equal(foldLine(`${'X'.repeat(74)}ø`), `${'X'.repeat(74)}\r\n ø`);

    const start = Date.UTC(2026, 2, 1, 9, 0, 0);
    const url = `https://samtale.example.dk/join#${'A'.repeat(32)}`;
    const text = buildIcs({
        meetingId: 12,
        role: 'citizen',
        title: TITLE,
        start,
        end: start + 45 * 60000,
        url,
        description: `Åbn linket på din telefon eller computer. Du skal ikke installere noget.\n\n${url}`,
        alarm: 'Mødet begynder om 15 minutter.',
        now: Date.UTC(2026, 1, 20, 8, 0, 0),
    });
    const lines = readIcs(Buffer.from(text, 'utf8'));
    const cal = component(lines, 'VCALENDAR');
    assert.equal(cal.VERSION, '2.0');
    assert.equal(cal.METHOD, 'PUBLISH');
    assert.match(cal.PRODID, /^-\/\/samtale\/\//);
    const ev = component(lines, 'VEVENT');
    assert.equal(ev.UID, 'samtale-meeting-12-citizen@samtale.example.dk');
    assert.equal(ev.DTSTAMP, '20260220T080000Z');
    assert.equal(ev.DTSTART, '20260301T090000Z');
    assert.equal(ev.DTEND, '20260301T094500Z');
    assert.equal(unescapeText(ev.SUMMARY), TITLE);
    assert.match(ev.SUMMARY, /Opfølgning\\; praktik\\, løntilskud/);
    assert.equal(ev.URL, url);
    assert.ok(unescapeText(ev.DESCRIPTION).endsWith(`\n\n${url}`));
    const alarm = component(lines, 'VALARM');
    assert.deepEqual(alarm, { ACTION: 'DISPLAY', TRIGGER: '-PT15M', DESCRIPTION: 'Mødet begynder om 15 minutter.' });

    const ok = { meetingId: 1, role: 'citizen', title: 'T', start, end: start, url, description: 'd', alarm: 'a' };
    assert.throws(() => buildIcs({ ...ok, end: start - 1 }), RangeError);
    assert.throws(() => buildIcs({ ...ok, start: undefined }), TypeError);
    assert.throws(() => buildIcs({ ...ok, title: ' ' }), TypeError);
    assert.throws(() => buildIcs({ ...ok, url: 'javascript:alert(1)' }), TypeError);
    assert.throws(() => buildIcs({ ...ok, url: `${url}\r\nX-EVIL:1` }), TypeError);
    assert.throws(() => buildIcs({ ...ok, meetingId: 'x' }), TypeError);
});

// ---- the browser ----

function local(url) {
    return url.replace(/^https:\/\/[^/]+/, server.origin);
}

async function openPage(label) {
    const page = await browser.newPage();
    foreign.push(...watchForeignRequests(page, server.origin));
    page.on('request', (r) => requests.push(`${r.method()} ${r.url()} ${r.postData() || ''}`));
    page.on('websocket', (ws) => ws.on('framesent', (f) => sentFrames.push(typeof f.payload === 'string' ? f.payload : Buffer.from(f.payload).toString('utf8'))));
    page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(`${label}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${label}: ${e.message}`));
    pages[label] = page;
    return page;
}

/* Runs in the page: the shared screen area and the room's data-* hooks. */
function readStage() {
    const scr = document.querySelector('.screen-stage');
    const room = document.querySelector('.room');
    const btn = document.querySelector('.controls .ctl-screen');
    return {
        screen: scr && !scr.hidden ? { id: Number(scr.dataset.participantId), hasVideo: scr.dataset.hasVideo === 'true', frames: Number(scr.dataset.frames || 0) } : null,
        tiles: [...document.querySelectorAll('.tiles .tile')].map((t) => ({ id: Number(t.dataset.participantId), name: t.querySelector('.tile-name')?.textContent, frames: Number(t.dataset.frames || 0) })),
        shareButton: btn ? !btn.hidden : null,
        room: room ? { ...room.dataset } : null,
    };
}

async function waitStage(page, pred, what, timeoutMs = MEDIA_TIMEOUT_MS) {
    let last;
    try {
        return await until(async () => {
            last = await page.evaluate(readStage);
            return pred(last) ? last : null;
        }, { timeoutMs, intervalMs: 300, what });
    } catch (e) {
        throw new Error(`${e.message}; last: ${JSON.stringify(last)}; console errors: ${JSON.stringify(consoleErrors.slice(-10))}`);
    }
}

async function clickControl(page, name) {
    // On a phone the less used controls are behind "Flere".
    const direct = page.locator('.controls').getByRole('button', { name, exact: true });
    if (!(await direct.isVisible())) await page.locator('.controls .ctl-more').click();
    await page.locator('.controls').getByRole('button', { name, exact: true }).click();
}

async function download(page, click) {
    const [dl] = await Promise.all([page.waitForEvent('download'), click()]);
    const file = await dl.path();
    return { name: dl.suggestedFilename(), bytes: fs.readFileSync(file) };
}

/** No serious or critical WCAG 2.1 AA violation on the page as it is now (axe-core). */
async function axeClean(page, what) {
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
    const violations = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }))), AXE_TAGS);
    assert.deepEqual(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), [], `${what}: axe-core`);
}

/** The focused element's accessible text (aria-label, else its text), or its id. */
function focused(page) {
    return page.evaluate(() => {
        const el = document.activeElement;
        return el ? el.getAttribute('aria-label') || el.textContent.trim() || el.id : null;
    });
}

/** Every file under dir, recursively. */
function filesUnder(dir) {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? filesUnder(path.join(dir, d.name)) : [path.join(dir, d.name)]));
}

test('calendar invitation, private notes and screen sharing for guests', async () => {
    try {
        await hostTools();
    } catch (e) {
        for (const [who, page] of Object.entries(pages)) {
            await page.screenshot({ path: path.join(LOG_DIR, `host-tools-failed-${who}.png`) }).catch(() => {});
        }
        throw e;
    }
});

async function hostTools() {
    // The caseworker logs in and makes a meeting with a citizen link (the
    // links stay in this browser).
    const host = await openPage('caseworker');
    await host.goto(`${server.origin}/`);
    await host.getByLabel('Brugernavn').fill('anna');
    await host.getByLabel('Adgangskode').fill(PASSWORD);
    await host.getByRole('button', { name: 'Log ind' }).click();
    await host.getByRole('heading', { name: 'Mine møder' }).waitFor();
    await host.getByRole('link', { name: 'Nyt møde' }).click();
    await host.getByLabel('Mødets titel').fill(TITLE);
    await host.getByRole('button', { name: 'Opret møde' }).click();
    await host.getByRole('heading', { name: TITLE }).waitFor();
    const meetingId = Number(new URL(host.url()).pathname.split('/')[2]);
    await axeClean(host, 'meeting page (links, notes)');
    const api = await server.login('anna', PASSWORD);
    const { meeting, invitations } = await api.expect(200, 'GET', `/api/meetings/${meetingId}`);
    const pin = invitations.find((i) => i.role === 'citizen').pin;
    assert.match(pin, /^[0-9]{8}$/);
    const pinShown = `${pin.slice(0, 4)} ${pin.slice(4)}`;

    // The calendar invitation for the citizen's link.
    const citizenItem = host.locator('.link-item').filter({ has: host.getByRole('heading', { name: 'Borger' }) });
    const citizenLink = await citizenItem.locator('.link-url').inputValue();
    await citizenItem.screenshot({ path: path.join(LOG_DIR, 'host-tools-links.png') });
    assert.match(citizenLink, /\/join#[A-Za-z0-9_-]{32}$/);
    // How to call in, next to the link; no "Call" without a trunk.
    assert.equal(await citizenItem.locator('.dial-in-number').textContent(), '+45 70 20 30 40');
    assert.equal(await citizenItem.locator('.dial-in-pin').textContent(), pinShown);
    assert.equal(await citizenItem.getByRole('button', { name: 'Ring op til Borger' }).count(), 0);
    const ics = await download(host, () => host.getByRole('button', { name: 'Hent kalenderinvitation til Borger' }).click());
    assert.equal(ics.name, 'kalenderinvitation-borger.ics', 'named in the page\'s language');
    const lines = readIcs(ics.bytes);
    assert.ok(ics.bytes.toString('utf8').includes('\r\n '), 'long lines are folded');
    assert.deepEqual(lines[0], ['BEGIN', 'VCALENDAR']);
    assert.deepEqual(lines.at(-1), ['END', 'VCALENDAR']);
    const cal = component(lines, 'VCALENDAR');
    assert.equal(cal.VERSION, '2.0');
    assert.equal(cal.METHOD, 'PUBLISH');
    assert.ok(cal.PRODID, 'PRODID');
    const ev = component(lines, 'VEVENT');
    assert.equal(ev.DTSTART, utc(meeting.planned_start), `DTSTART is planned_start ${meeting.planned_start}`);
    assert.equal(ev.DTEND, utc(meeting.planned_end), `DTEND is planned_end ${meeting.planned_end}`);
    assert.match(ev.DTSTAMP, /^\d{8}T\d{6}Z$/);
    assert.ok(Math.abs(Date.parse(ev.DTSTAMP.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z')) - Date.now()) < 120000, 'DTSTAMP is now');
    assert.equal(ev.UID, `samtale-meeting-${meetingId}-citizen@${new URL(citizenLink).host}`);
    assert.equal(ev.URL, citizenLink, 'URL is the link shown on the page');
    assert.equal(unescapeText(ev.SUMMARY), TITLE);
    assert.match(ev.SUMMARY, /\\;.*\\,/, 'semicolon and comma escaped');
    const description = unescapeText(ev.DESCRIPTION);
    assert.ok(description.includes(citizenLink), 'the link is in the description');
    assert.match(description, /telefon eller computer/);
    assert.match(description, /installere/);
    assert.ok(description.includes(`Ring til +45 70 20 30 40, og tast PIN-koden ${pinShown} efterfulgt af #`), `dial-in in the description: ${description}`);
    assert.match(ev.DESCRIPTION, /\\n/, 'newlines escaped');
    assert.equal(component(lines, 'VALARM').TRIGGER, '-PT15M');
    assert.equal(component(lines, 'VALARM').ACTION, 'DISPLAY');

    // Into the meeting with the host link; the notes panel (host only).
    await host.getByRole('link', { name: 'Start mødet' }).click();
    await host.getByRole('button', { name: 'Deltag', exact: true }).click();
    await host.locator('.room').waitFor();
    await clickControl(host, 'Noter');
    const notes = host.getByLabel('Noter til mødet');
    await notes.waitFor();
    await host.getByText('Kun på denne enhed. Sendes ikke til serveren.').first().waitFor();
    await notes.fill(NOTE.slice(0, 20));
    await notes.pressSequentially(NOTE.slice(20)); // typed with the keyboard
    assert.equal(await notes.inputValue(), NOTE);
    await host.getByText(/Gemt på denne enhed/).waitFor();
    await host.screenshot({ path: path.join(LOG_DIR, 'host-tools-notes.png') });
    await axeClean(host, 'room with the notes panel');
    // Keyboard: from the panel's close button Tab reaches the notes and their
    // buttons; Escape closes the panel and focus goes back to the menu button.
    await host.getByRole('button', { name: 'Luk noter' }).focus();
    await host.keyboard.press('Tab');
    assert.equal(await host.evaluate(() => document.activeElement.tagName), 'TEXTAREA');
    for (const name of ['Kopiér noter', 'Hent som fil', 'Ryd noter']) {
        await host.keyboard.press('Tab');
        assert.equal(await focused(host), name);
    }
    await host.keyboard.press('Escape');
    await host.locator('.panel', { has: host.getByLabel('Noter til mødet') }).waitFor({ state: 'hidden' });
    assert.match(await host.evaluate(() => document.activeElement.className), /ctl-more/, 'focus back on the menu button');

    // A reload: the seat comes back, and so do the notes.
    await host.reload();
    await host.locator('.room').waitFor();
    await clickControl(host, 'Noter');
    assert.equal(await host.getByLabel('Noter til mødet').inputValue(), NOTE, 'notes survive a reload');

    const txt = await download(host, () => host.getByRole('button', { name: 'Hent som fil' }).click());
    assert.match(txt.name, /^noter-\d{4}-\d{2}-\d{2}-opfoelgning-praktik-loentilskud[a-z0-9-]*\.txt$/);
    const body = txt.bytes.toString('utf8');
    assert.ok(body.includes(`Noter: ${TITLE}`), `title in the file: ${body}`);
    assert.ok(body.replace(/\r\n/g, '\n').includes(NOTE), 'the notes in the file');
    await host.getByRole('button', { name: 'Luk noter' }).click();

    // The citizen comes in: no share control for a guest.
    const citizen = await openPage('citizen');
    // Lets the test show the citizen a stale roster that still allows sharing.
    const stale = { open: false };
    await citizen.routeWebSocket(/\/ws$/, (ws) => {
        const srv = ws.connectToServer();
        srv.onMessage((m) => {
            if (stale.open && typeof m === 'string' && m.includes('"roster"')) {
                const j = JSON.parse(m);
                if (j.type === 'roster' && j.meeting) j.meeting.screen_share_open = true;
                m = JSON.stringify(j);
            }
            ws.send(m);
        });
    });
    await citizen.goto(local(citizenLink));
    await citizen.getByLabel(/navn/i).fill('Mette Hansen');
    await citizen.getByRole('button', { name: 'Deltag', exact: true }).click();
    await host.getByRole('button', { name: 'Luk Mette Hansen ind' }).first().click();
    await citizen.locator('.room').waitFor();
    await citizen.locator('.controls .ctl-more').click();
    assert.equal(await citizen.locator('.controls').getByRole('button', { name: 'Del skærm', exact: true }).count(), 0, 'a guest cannot share');
    assert.equal(await citizen.getByText('Noter til mødet').count(), 0, 'a guest has no notes');
    assert.equal(await citizen.locator('.controls .ctl-notes:not([hidden])').count(), 0, 'a guest has no notes button');
    await citizen.keyboard.press('Escape');

    // The host allows everyone to share.
    await clickControl(host, 'Deltagere');
    const allow = host.getByLabel('Lad alle dele deres skærm');
    assert.equal(await allow.isChecked(), false, 'hosts only by default');
    await allow.check();
    await host.getByText('Alle i mødet kan dele deres skærm.', { exact: false }).first().waitFor();
    await host.screenshot({ path: path.join(LOG_DIR, 'host-tools-share-toggle.png'), fullPage: true });
    await waitStage(citizen, (s) => s.shareButton === true, 'citizen: the share button appears');
    await host.keyboard.press('Escape'); // the panel closes: the stage is in view again
    const metteId = (await waitStage(host, (s) => s.tiles.some((t) => t.name === 'Mette Hansen'), 'host: Mette on the stage')).tiles.find((t) => t.name === 'Mette Hansen').id;

    await clickControl(citizen, 'Del skærm');
    const first = await waitStage(host, (s) => s.screen && s.screen.id === metteId && s.screen.hasVideo && s.screen.frames > 2, "host: the citizen's screen decodes");
    await waitStage(host, (s) => s.screen && s.screen.frames > first.screen.frames + 3, 'host: more screen frames', 20000);
    await citizen.screenshot({ path: path.join(LOG_DIR, 'host-tools-guest-share.png') });

    // The host withdraws the permission: the citizen's share stops.
    await clickControl(host, 'Deltagere');
    await host.getByLabel('Lad alle dele deres skærm').uncheck();
    await waitStage(citizen, (s) => s.shareButton === false && s.screen === null, "citizen: sharing stopped, no share button");
    await citizen.getByText('Sagsbehandleren har slået skærmdeling fra, så din deling er stoppet.').waitFor();
    await host.keyboard.press('Escape');
    await waitStage(host, (s) => s.screen === null, "host: the citizen's screen is gone");
    // And it stays stopped: no screen comes back.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await host.evaluate(readStage)).screen, null);

    // A roster that crossed the withdrawal: the citizen still has the button
    // and shares, the server refuses the screen (not_permitted), the client
    // takes it back and the camera goes on.
    stale.open = true;
    await clickControl(host, 'Deltagere');
    await host.getByLabel('Lad alle dele deres skærm').check();
    await waitStage(citizen, (s) => s.shareButton === true, 'citizen: the share button appears again');
    await host.getByLabel('Lad alle dele deres skærm').uncheck();
    await host.getByText('Ellers kan kun værten dele skærm.').waitFor();
    await host.keyboard.press('Escape');
    await new Promise((r) => setTimeout(r, 500)); // the (rewritten) roster reaches the citizen
    assert.equal((await citizen.evaluate(readStage)).shareButton, true, 'citizen: the stale roster still shows the button');
    await clickControl(citizen, 'Del skærm');
    await citizen.getByText('Sagsbehandleren har ikke givet lov til at dele skærm, så din deling er stoppet.').waitFor();
    await waitStage(citizen, (s) => s.screen === null && s.room.mediaStatus === 'active', 'citizen: share taken back, media still active');
    const before = await host.evaluate(readStage);
    assert.equal(before.screen, null, 'host: no screen from a refused share');
    const mette = before.tiles.find((t) => t.id === metteId);
    await waitStage(host, (s) => s.screen === null && s.tiles.find((t) => t.id === metteId).frames > mette.frames + 10, "host: the citizen's camera still decodes");
    stale.open = false;

    // The host ends the meeting: the notes are on the meeting page, and can
    // be cleared there (after a confirmation).
    await clickControl(host, 'Deltagere');
    await host.getByRole('button', { name: 'Afslut mødet for alle' }).click();
    await host.getByRole('dialog').getByRole('button', { name: 'Afslut mødet' }).click();
    await host.getByRole('heading', { name: 'Mødet er slut' }).waitFor();
    await host.getByRole('link', { name: 'Til mødet i oversigten' }).click();
    await host.getByRole('heading', { name: 'Mine noter' }).waitFor();
    const pageNotes = host.getByLabel('Noter til mødet');
    assert.equal(await pageNotes.inputValue(), NOTE, 'the notes are on the meeting page after the meeting');
    assert.equal(await host.getByRole('button', { name: 'Hent kalenderinvitation til Borger' }).count(), 0, 'no invitation for an ended meeting');
    // Copy (real clipboard; granting it resets the context's other permissions, so only now).
    await browser.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
    await host.getByRole('button', { name: 'Kopiér noter' }).click();
    await host.getByRole('button', { name: 'Kopieret' }).waitFor();
    assert.equal(await host.evaluate(() => navigator.clipboard.readText()), NOTE, 'copied to the clipboard');
    await host.getByRole('button', { name: 'Ryd noter' }).click();
    await host.getByRole('dialog').getByRole('button', { name: 'Annullér' }).click();
    await host.getByRole('dialog').waitFor({ state: 'detached' });
    assert.equal(await pageNotes.inputValue(), NOTE, 'cancel keeps the notes');
    await host.getByRole('button', { name: 'Ryd noter' }).click();
    await host.getByRole('dialog').getByRole('button', { name: 'Ryd noter' }).click();
    await until(async () => (await pageNotes.inputValue()) === '', { what: 'the notes cleared' });
    assert.equal(await host.evaluate((id) => localStorage.getItem(`samtale.notes.${id}`), meetingId), null, 'cleared from localStorage');
    await host.reload();
    assert.equal(await host.getByLabel('Noter til mødet').inputValue(), '', 'still empty after a reload');

    // The notes never left the browser.
    const marker = (s) => s.includes(NOTE_MARKER) || s.includes(encodeURIComponent(NOTE_MARKER)) || s.includes('praktik i Føtex');
    assert.ok(sentFrames.length > 10, `WebSocket frames were watched (${sentFrames.length})`);
    assert.deepEqual(sentFrames.filter(marker), [], 'no WebSocket frame carries the notes');
    assert.deepEqual(requests.filter(marker), [], 'no request carries the notes');
    for (const f of filesUnder(server.dataDir)) {
        assert.ok(!fs.readFileSync(f).includes(Buffer.from(NOTE_MARKER)), `the server's ${path.basename(f)} does not hold the notes`);
    }
    assert.ok(!server.log.some(([, line]) => line.includes(NOTE_MARKER)), 'the server log does not hold the notes');
    assert.deepEqual(foreign, [], 'no request leaves the server origin');
}
