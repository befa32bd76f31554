// Link status, live, in real Chromium against the real server: the
// caseworker's meeting page (logged in, no meeting joined) follows the
// citizen's link as the citizen opens it, passes the device check, waits in
// the lobby, is let in and leaves: opened → check passed → waiting → in the
// meeting → left, pushed over the page's watch connection. While the citizen
// waits, the caseworker sends "I'll be two minutes" from the meeting page and
// it shows in the citizen's lobby; then the caseworker, in the meeting room,
// sends another from the waiting guest's entry in the participant list, and
// it replaces the first. The meeting list shows the status too. The host in
// the meeting who admits is a plain WebSocket client.
// axe-core finds nothing on the three pages in those states.
// Screenshots: build/test-logs/link-status-waiting.png (meeting page),
// link-status-lobby.png (the citizen's lobby), link-status-list.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Server, PASSWORD, REPO_ROOT, installHooks, assertSubsequence } from '../integration/lib.mjs';
import { launchBrowser, PHONE, until } from './browser.mjs';

installHooks();

const LOG_DIR = path.join(REPO_ROOT, 'build', 'test-logs');
const TITLE = 'Samtale om job';
const MESSAGE = 'Jeg kommer om to minutter';
const ROOM_MESSAGE = 'Nu lukker jeg dig ind';
const STEP_MS = 20000;
const AXE_SOURCE = fs.readFileSync(path.join(REPO_ROOT, 'tests', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** No axe-core violation on the page as it is now. */
async function axeClean(page, what) {
    await page.evaluate(AXE_SOURCE);
    const violations = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }))), AXE_TAGS);
    assert.deepEqual(violations, [], `${what}: axe-core`);
}

let server;
let browser;

before(async () => {
    fs.mkdirSync(LOG_DIR, { recursive: true });
    server = new Server({ name: 'e2e-link-status' });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
});

test('the caseworker sees opened → check passed → waiting → in the meeting → left; a lobby message reaches the citizen', async () => {
    const api = await server.login('anna', PASSWORD);
    const m = await api.createMeeting({ title: TITLE, roles: ['citizen'] });
    const link = m.links[0];
    const errors = [];

    // The caseworker's meeting page, recording every status the citizen's line shows.
    const hostCtx = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'da-DK', viewport: { width: 1024, height: 900 } });
    const page = await hostCtx.newPage();
    page.on('pageerror', (e) => errors.push(`caseworker: ${e.message}`));
    await page.goto(`${server.origin}/`);
    await page.getByLabel('Brugernavn').fill('anna');
    await page.getByLabel('Adgangskode').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log ind' }).click();
    await page.getByRole('heading', { name: 'Mine møder' }).waitFor();
    await page.goto(`${server.origin}/meetings/${m.meeting.id}`);
    const line = page.locator(`.link-status[data-invitation="${link.id}"]`);
    await line.getByText('Ikke åbnet endnu').waitFor();
    await page.evaluate((id) => {
        window.seenStatuses = [];
        setInterval(() => {
            const el = document.querySelector(`.link-status[data-invitation="${id}"]`);
            const s = el && el.dataset.status;
            if (s && window.seenStatuses.at(-1) !== s) window.seenStatuses.push(s);
        }, 50);
    }, link.id);
    const shows = async (status, text) => {
        await until(async () => (await page.evaluate(() => window.seenStatuses)).includes(status), { timeoutMs: STEP_MS, what: `the caseworker's page to show ${status}` });
        await line.getByText(text).waitFor({ timeout: STEP_MS });
    };

    // The citizen, on a phone, opens the device check from the link.
    const citizenCtx = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'da-DK', ...PHONE });
    const citizen = await citizenCtx.newPage();
    citizen.on('pageerror', (e) => errors.push(`citizen: ${e.message}`));
    await citizen.goto(`${server.origin}/check#${link.token}`);
    await shows('opened', 'Har åbnet linket');
    await citizen.getByRole('button', { name: 'Start testen' }).click();
    await shows('check_passed', 'Tjek af udstyr gik godt');

    // Then joins and waits in the lobby.
    const host = await server.join(m.host_link.token, 'Anna Jensen');
    await citizen.goto(`${server.origin}/join#${link.token}`);
    await citizen.getByLabel(/navn/i).fill('Mette Hansen');
    await citizen.getByRole('button', { name: 'Deltag', exact: true }).click();
    await citizen.getByRole('heading', { name: 'Venter på at sagsbehandleren lukker dig ind' }).waitFor();
    await shows('waiting', 'Venter i venteværelset');

    // "I'll be two minutes", from the meeting page to the lobby.
    await page.getByLabel('Besked til den, der venter').fill(MESSAGE);
    await page.getByRole('button', { name: 'Send besked' }).click();
    await page.getByText('Beskeden er sendt.').waitFor();
    await page.screenshot({ path: path.join(LOG_DIR, 'link-status-waiting.png'), fullPage: true });
    const box = citizen.locator('.lobby-message-box');
    await box.getByText(MESSAGE).waitFor();
    assert.equal(await box.getByRole('heading', { name: 'Besked fra sagsbehandleren' }).count(), 1);
    await citizen.screenshot({ path: path.join(LOG_DIR, 'link-status-lobby.png'), fullPage: true });
    await axeClean(citizen, 'the lobby with a message');
    await axeClean(page, 'the meeting page with someone waiting');

    // From the meeting room: the waiting guest's entry has "Send besked".
    const room = await hostCtx.newPage();
    room.on('pageerror', (e) => errors.push(`room: ${e.message}`));
    await room.goto(`${server.origin}/join#${m.host_link.token}`);
    await room.getByRole('button', { name: 'Deltag', exact: true }).click();
    await room.locator('.room').waitFor();
    const people = room.locator('.controls').getByRole('button', { name: 'Deltagere, 1 venter' });
    if (!(await people.isVisible())) await room.locator('.controls .ctl-more').click();
    await people.click();
    await room.getByRole('button', { name: 'Send besked til Mette Hansen' }).click();
    const field = room.getByRole('textbox', { name: 'Besked til Mette Hansen' });
    assert.equal(await field.evaluate((el) => el === document.activeElement), true, 'the field gets focus');
    assert.equal(await field.getAttribute('maxlength'), '200');
    await field.fill(ROOM_MESSAGE);
    await room.locator('.lobby-note').getByRole('button', { name: 'Send besked', exact: true }).click();
    await room.locator('.lobby-note').getByText('Beskeden er sendt.').waitFor({ timeout: STEP_MS });
    await box.getByText(ROOM_MESSAGE).waitFor({ timeout: STEP_MS });
    assert.equal(await box.getByText(MESSAGE).count(), 0, 'the newer message replaces the first');
    await axeClean(room, 'the room with a lobby message sent');
    await room.close();

    // The meeting list says it too.
    const listPage = await hostCtx.newPage();
    await listPage.goto(`${server.origin}/`);
    await listPage.getByText('Venter i venteværelset').waitFor();
    await listPage.screenshot({ path: path.join(LOG_DIR, 'link-status-list.png'), fullPage: true });
    await axeClean(listPage, 'the meeting list with link statuses');

    // Let in, then leaving.
    const roster = await host.roster((ps) => ps.some((p) => p.name === 'Mette Hansen' && p.state === 'lobby'));
    host.send({ type: 'admit', participant_id: roster.participants.find((p) => p.name === 'Mette Hansen').id });
    await shows('in_meeting', 'Er med i mødet');
    await listPage.getByText('Er med i mødet').waitFor({ timeout: STEP_MS });
    await citizen.locator('.room').waitFor();
    await citizen.locator('.controls .ctl-leave').click();
    await shows('left', 'Har forladt mødet');
    host.close();

    const seen = await page.evaluate(() => window.seenStatuses);
    assert.deepEqual(seen, ['not_opened', 'opened', 'check_passed', 'waiting', 'in_meeting', 'left'], 'each step, in order');
    assert.deepEqual(errors, []);
    const events = await api.audit(m.meeting.id);
    assertSubsequence(events, ['link_opened', 'check_passed', { kind: 'join', detail: 'lobby' }, { kind: 'lobby_message', display_name: 'Mette Hansen' }, 'admit', 'leave']);
    assert.equal(events.filter((e) => e.kind === 'lobby_message' && e.display_name === 'Mette Hansen' && e.detail === 'by Anna Jensen').length, 2, 'both messages audited');
    assert.equal(JSON.stringify(events).includes(MESSAGE), false, 'the message text is not logged');
    assert.equal(JSON.stringify(events).includes(ROOM_MESSAGE), false, 'the room message text is not logged');
    await citizenCtx.close();
    await hostCtx.close();
});
