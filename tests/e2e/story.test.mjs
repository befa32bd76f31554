// The whole meeting story in one meeting, in real Chromium against the real
// server, each person in a browser context of their own, everything done in
// the UI as a person would:
//   a caseworker logs in, creates a meeting with citizen and interpreter
//   links, both guests open their links at phone size (360×640), pass the
//   pre-call page, wait in the lobby, are admitted, see each other's video
//   and role labels; the caseworker shares a screen; the citizen switches to
//   audio only and the others see a name card; chat works; the citizen
//   leaves with one tap and rejoins; the caseworker ends the meeting.
// No request leaves the server's origin and no page has a script error.
// Screenshots in build/test-logs/: story-lobby.png, story-3party.png,
// story-screen-share.png, story-audio-only.png, story-chat.png,
// story-left.png, story-ended.png (story-failed-*.png when a step fails).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Server, PASSWORD, REPO_ROOT, installHooks } from '../integration/lib.mjs';
import { PHONE, launchBrowser, until, watchForeignRequests } from './browser.mjs';

installHooks();

const LOG_DIR = path.join(REPO_ROOT, 'build', 'test-logs');
const STEP_MS = 45000; // no step may take longer
const WAIT_MS = 30000; // one condition inside a step
const ACTION_MS = 15000; // one click, fill or tap
const MORE_MS = 12000; // frames keep coming once they came

const TITLE = 'Opfølgningssamtale';
const NAMES = { caseworker: 'Anna Jensen', citizen: 'Mette Hansen', interpreter: 'Omar Haddad' };
const ROLES = { caseworker: 'Sagsbehandler', citizen: 'Borger', interpreter: 'Tolk' };
const GUESTS = ['citizen', 'interpreter'];

let server;
let browser;
const people = {}; // who → {context, page, foreign, errors}
const timings = [];

before(async () => {
    fs.mkdirSync(LOG_DIR, { recursive: true });
    // No picture from an earlier run may pass for this one's.
    for (const f of fs.readdirSync(LOG_DIR)) if (/^story-.*\.png$/.test(f)) fs.rmSync(path.join(LOG_DIR, f));
    server = new Server({ name: 'e2e-story' });
    server.addUser('anna', NAMES.caseworker, PASSWORD);
    await server.start();
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
});

async function person(who, options) {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'da-DK', ...options });
    context.setDefaultTimeout(ACTION_MS);
    const page = await context.newPage();
    const p = { context, page, foreign: watchForeignRequests(page, server.origin), errors: [] };
    page.on('pageerror', (e) => p.errors.push(`${who}: ${e.message}`));
    page.on('console', (m) => {
        // Failed requests are judged below, with their address.
        if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) p.errors.push(`${who} console: ${m.text()}`);
    });
    page.on('response', (r) => {
        const u = new URL(r.url());
        // Only "not logged in" on the caseworker's first visit is expected.
        if (r.status() >= 400 && !(r.status() === 401 && u.pathname === '/api/me')) p.errors.push(`${who}: HTTP ${r.status()} for ${r.request().method()} ${u.pathname}`);
    });
    people[who] = p;
    return page;
}

/** Runs one step of the story with a bound; a failure names the step. */
async function step(name, fn) {
    const t0 = Date.now();
    let timer;
    const bound = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`took longer than ${STEP_MS} ms`)), STEP_MS);
    });
    try {
        await Promise.race([fn(), bound]);
    } catch (e) {
        e.message = `step "${name}" failed: ${e.message}`;
        throw e;
    } finally {
        clearTimeout(timer);
    }
    timings.push(`${name}: ${Date.now() - t0} ms`);
}

const shot = (who, file) => people[who].page.screenshot({ path: path.join(LOG_DIR, file) });

/* Runs in the page: the tiles and the shared screen, from the app's data-*
 * hooks and from the <video> elements themselves (frames really shown). */
function readStage() {
    const shown = (v) => (v && v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality().totalVideoFrames : 0);
    const visible = (el) => !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
    const tiles = [...document.querySelectorAll('.tiles .tile')].map((t) => {
        const v = t.querySelector('video.tile-video');
        return {
            id: Number(t.dataset.participantId),
            name: t.querySelector('.tile-name')?.textContent,
            role: t.querySelector('.tile-role')?.textContent,
            roleVisible: visible(t.querySelector('.tile-role')),
            // Text straight in the name card, outside its labelled parts (a stray "null" once).
            strayText: [...(t.querySelector('.tile-card')?.childNodes || [])].filter((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim()).map((n) => n.textContent),
            me: t.classList.contains('is-me'),
            hasVideo: t.dataset.hasVideo === 'true',
            hasFrame: t.classList.contains('has-frame'),
            frames: Number(t.dataset.frames || 0),
            shown: shown(v),
            width: v ? v.videoWidth : 0,
            videoOpacity: v ? getComputedStyle(v).opacity : null,
            avatar: visible(t.querySelector('.avatar')) ? t.querySelector('.avatar').textContent : null,
        };
    });
    const scr = document.querySelector('.screen-stage');
    const sv = scr && scr.querySelector('video.screen-video');
    const room = document.querySelector('.room');
    return {
        tiles,
        screen: scr && !scr.hidden ? { id: Number(scr.dataset.participantId), hasVideo: scr.dataset.hasVideo === 'true', frames: Number(scr.dataset.frames || 0), shown: shown(sv), width: sv ? sv.videoWidth : 0, caption: scr.querySelector('.screen-caption')?.textContent } : null,
        room: room ? { audioOnly: room.dataset.audioOnly, quality: room.dataset.quality } : null,
    };
}

const stage = (who) => people[who].page.evaluate(readStage);
const others = (s) => s.tiles.filter((t) => !t.me);
const tileOf = (s, name) => s.tiles.find((t) => t.name === name);

/** Waits for pred(stage) on who's page; the error says what was last seen. */
async function waitStage(who, pred, what, timeoutMs = WAIT_MS) {
    let last;
    try {
        return await until(async () => {
            last = await stage(who);
            return pred(last) ? last : null;
        }, { timeoutMs, intervalMs: 400, what: `${who}: ${what}` });
    } catch (e) {
        throw new Error(`${e.message}; last seen: ${JSON.stringify(last)}`);
    }
}

/** Who's page decodes and shows video from each of names, with frames advancing. */
async function videoFlows(who, names) {
    const ok = (t) => t && t.hasVideo && t.hasFrame && t.width > 0 && t.videoOpacity === '1';
    const first = await waitStage(who, (s) => names.every((n) => ok(tileOf(s, n)) && tileOf(s, n).frames > 5), `video from ${names.join(' and ')} decoding`);
    await waitStage(
        who,
        (s) => names.every((n) => {
            const [a, b] = [tileOf(first, n), tileOf(s, n)];
            return ok(b) && b.frames > a.frames + 10 && b.shown > a.shown + 10;
        }),
        `more frames from ${names.join(' and ')} decoded and shown`,
        MORE_MS,
    );
}

/** A control in the room's bar; on a phone the less used ones are behind "Mere". */
async function control(who, name, { tap = false } = {}) {
    const page = people[who].page;
    const bar = page.locator('.controls');
    const press = (l) => (tap ? l.tap() : l.click());
    const direct = bar.getByRole('button', { name, exact: true });
    if (!(await direct.isVisible())) await press(bar.getByRole('button', { name: /^Flere knapper/ }));
    await press(direct);
}

const lobbyHeading = (page) => page.getByRole('heading', { name: 'Venter på at sagsbehandleren lukker dig ind' });

test('the meeting story: create, pre-call, lobby, video, screen, audio only, chat, leave and rejoin, end', { timeout: 170000 }, async () => {
    const t0 = Date.now();
    try {
        await story();
    } catch (e) {
        for (const [who, p] of Object.entries(people)) {
            await p.page.screenshot({ path: path.join(LOG_DIR, `story-failed-${who}.png`) }).catch(() => {});
        }
        const errors = Object.values(people).flatMap((p) => p.errors);
        if (errors.length) e.message += `\nscript errors: ${JSON.stringify(errors.slice(-20))}`;
        e.message += `\nsteps done: ${JSON.stringify(timings)}`;
        throw e;
    } finally {
        console.log(`story: ${Date.now() - t0} ms\n  ${timings.join('\n  ')}`);
    }
});

async function story() {
    const links = {};

    await step('caseworker logs in', async () => {
        const page = await person('caseworker', { viewport: { width: 1280, height: 800 } });
        await page.goto(`${server.origin}/`);
        await page.getByLabel('Brugernavn').fill('anna');
        await page.getByLabel('Adgangskode').fill(PASSWORD);
        await page.getByRole('button', { name: 'Log ind' }).click();
        await page.getByRole('heading', { name: 'Mine møder' }).waitFor();
    });

    await step('caseworker creates the meeting with citizen and interpreter links', async () => {
        const page = people.caseworker.page;
        await page.getByRole('link', { name: 'Nyt møde' }).click();
        await page.getByRole('heading', { name: 'Nyt møde' }).waitFor();
        await page.getByLabel('Mødets titel').fill(TITLE);
        // Planned for in ten minutes (the browser and the test share the clock and time zone).
        const when = new Date(Date.now() + 10 * 60000);
        const pad = (n) => String(n).padStart(2, '0');
        await page.getByLabel('Dato').fill(`${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}`);
        await page.getByLabel('Starttidspunkt').fill(`${pad(when.getHours())}:${pad(when.getMinutes())}`);
        const who = page.getByRole('group', { name: 'Hvem skal have et link?' });
        await who.getByLabel('Borger').check();
        await who.getByLabel('Tolk').check();
        await page.getByRole('button', { name: 'Opret møde' }).click();
        await page.getByRole('heading', { name: TITLE, level: 1 }).waitFor();
        assert.match(new URL(page.url()).pathname, /^\/meetings\/\d+$/);
        for (const role of GUESTS) {
            links[role] = await page.getByRole('textbox', { name: `Link til ${ROLES[role]}` }).inputValue();
            assert.ok(links[role].startsWith(`${server.origin}/join#`), `the ${role}'s link is on the server's origin: ${links[role]}`);
        }
        assert.notEqual(links.citizen, links.interpreter);
        const plannedText = await page.locator('.meeting-when').innerText();
        assert.match(plannedText, new RegExp(`${pad(when.getHours())}[.:]${pad(when.getMinutes())}`), `the planned time is shown: ${plannedText}`);
    });

    await step('caseworker starts the meeting', async () => {
        const page = people.caseworker.page;
        await page.getByRole('link', { name: 'Start mødet' }).click();
        assert.equal(await page.getByLabel('Dit navn').inputValue(), NAMES.caseworker, 'the host link knows the caseworker');
        await page.getByRole('button', { name: 'Deltag', exact: true }).click();
        await page.locator('.room').waitFor();
        await waitStage('caseworker', (s) => s.tiles.length === 1 && s.tiles[0].me && s.tiles[0].hasVideo, 'her own camera tile');
    });

    for (const role of GUESTS) {
        await step(`${role} opens the link on a phone and passes the pre-call page`, async () => {
            const page = await person(role, PHONE);
            await page.goto(links[role]);
            await page.getByRole('heading', { name: TITLE }).waitFor();
            assert.equal(await page.locator('.join-role strong').innerText(), ROLES[role], `${role}: the page says what she joins as`);
            // The check runs by itself on the join page, before the name and "Deltag".
            await page.getByRole('heading', { name: 'Test kamera, mikrofon og forbindelse' }).waitFor();
            const check = page.locator('section.precall');
            // The preview of her own camera plays.
            await until(() => page.locator('.precall-video').first().evaluate((v) => v.videoWidth > 0 && !v.paused), { timeoutMs: WAIT_MS, what: `${role}: the camera preview` });
            const data = await until(async () => {
                const d = await check.evaluate((el) => ({ ...el.dataset }));
                return d.result ? d : null;
            }, { timeoutMs: WAIT_MS, what: `${role}: the connection check result` });
            const text = await check.innerText();
            assert.equal(data.result, 'ok', `${role}: the check passes: ${JSON.stringify(data)}\n${text}`);
            assert.ok(Number(data.framesDecoded) > 0, `${role}: video came back: ${JSON.stringify(data)}`);
            assert.match(text, /Alt virker/);
            // Video is the choice already made for her; she keeps it.
            await page.getByLabel('Deltag med video').check();
            assert.equal(await check.getAttribute('data-media-choice'), 'video');
            await page.getByRole('button', { name: 'Fortsæt' }).tap();
            await page.getByLabel('Dit navn').waitFor();
            assert.equal(new URL(page.url()).pathname, '/join');
        });

        await step(`${role} enters a name and waits in the lobby`, async () => {
            const page = people[role].page;
            await page.getByLabel('Dit navn').fill(NAMES[role]);
            await page.getByRole('button', { name: 'Deltag', exact: true }).tap();
            await lobbyHeading(page).waitFor();
            await page.getByText(`Du er i venteværelset til »${TITLE}«.`).waitFor();
            if (role === 'citizen') await shot('citizen', 'story-lobby.png');
        });
    }

    await step('caseworker sees the lobby notice and admits both', async () => {
        const page = people.caseworker.page;
        for (const role of GUESTS) {
            await page.getByText(`${NAMES[role]} (${ROLES[role]}) venter på at komme ind`).waitFor();
            await page.getByRole('button', { name: `Luk ${NAMES[role]} ind` }).first().click();
            await people[role].page.locator('.room').waitFor();
        }
    });

    await step('all three see each other\'s video and role labels', async () => {
        // The three pages are watched at the same time: on a busy machine one after the other takes too long.
        await Promise.all(Object.keys(NAMES).map(async (who) => {
            const names = Object.keys(NAMES).filter((w) => w !== who).map((w) => NAMES[w]);
            await videoFlows(who, names);
            const s = await stage(who);
            assert.equal(s.tiles.length, 3, `${who}: three tiles: ${JSON.stringify(s.tiles)}`);
            for (const [w, name] of Object.entries(NAMES)) {
                const t = tileOf(s, name);
                assert.ok(t, `${who}: a tile for ${name}`);
                assert.equal(t.role, ROLES[w], `${who}: ${name}'s role label`);
                assert.ok(t.roleVisible, `${who}: ${name}'s role label is visible: ${JSON.stringify(t)}`);
                assert.deepEqual(t.strayText, [], `${who}: ${name}'s name card has no stray text`);
            }
            await people[who].page.getByText('3 deltagere').first().waitFor();
        }));
        await shot('citizen', 'story-3party.png');
    });

    await step('caseworker shares a screen; both guests decode it on the stage', async () => {
        const annaId = tileOf(await stage('citizen'), NAMES.caseworker).id;
        await control('caseworker', 'Del skærm');
        await waitStage('caseworker', (s) => s.screen && s.screen.id === annaId, 'her own sharing notice');
        await people.caseworker.page.getByText('Du deler din skærm').waitFor();
        await Promise.all(GUESTS.map(async (who) => {
            const first = await waitStage(who, (s) => s.screen && s.screen.id === annaId && s.screen.hasVideo && s.screen.width > 0 && s.screen.frames > 2, 'the shared screen decodes');
            await waitStage(who, (s) => s.screen && s.screen.frames > first.screen.frames + 3 && s.screen.shown > first.screen.shown + 3, 'more screen frames decoded and shown', MORE_MS);
            assert.equal(first.screen.caption, `${NAMES.caseworker} deler sin skærm`);
        }));
        await shot('citizen', 'story-screen-share.png');
        await control('caseworker', 'Stop deling');
        for (const who of GUESTS) await waitStage(who, (s) => s.screen === null, 'the shared screen goes away');
    });

    await step('citizen switches to audio only; the others see her name card', async () => {
        await control('citizen', 'Kun lyd', { tap: true });
        await waitStage('citizen', (s) => s.room.audioOnly === 'true', 'her audio-only mode');
        await people.citizen.page.locator('.room-sub .badge-audio-only').waitFor();
        for (const who of ['caseworker', 'interpreter']) {
            const s = await waitStage(who, (x) => {
                const t = tileOf(x, NAMES.citizen);
                return t && !t.hasVideo && !t.hasFrame && t.avatar;
            }, 'Mette\'s name card instead of her video');
            const t = tileOf(s, NAMES.citizen);
            assert.equal(t.avatar, 'MH', `${who}: the name card shows her initials`);
            assert.equal(t.role, ROLES.citizen);
            await people[who].page.locator('.tile.has-video', { hasText: NAMES.citizen }).waitFor({ state: 'detached', timeout: 1000 });
        }
        // The interpreter still sees the caseworker's video beside the name card.
        await videoFlows('interpreter', [NAMES.caseworker]);
        await shot('interpreter', 'story-audio-only.png');
    });

    const hello = 'Hej, jeg er tolken. Jeg er klar.';
    const reply = 'Tak, jeg kan høre dig fint.';
    await step('chat: the interpreter writes, the citizen and the caseworker read; and back', async () => {
        const ip = people.interpreter.page;
        const cp = people.citizen.page;
        await control('interpreter', 'Chat', { tap: true });
        await ip.getByLabel('Skriv en besked').fill(hello);
        await ip.getByRole('button', { name: 'Send', exact: true }).tap();
        await ip.locator('.chat-log .msg.is-own', { hasText: hello }).waitFor();
        // The citizen's chat button counts the unread message.
        await cp.locator('.controls').getByRole('button', { name: 'Chat, 1 ny besked' }).waitFor();
        await cp.locator('.controls').getByRole('button', { name: /^Chat/ }).tap();
        for (const who of ['citizen', 'caseworker']) {
            const msg = people[who].page.locator('.chat-log .msg', { hasText: hello });
            await msg.waitFor();
            assert.equal(await msg.locator('.msg-name').innerText(), NAMES.interpreter);
            assert.equal(await msg.locator('.msg-role').innerText(), ROLES.interpreter);
        }
        await cp.getByLabel('Skriv en besked').fill(reply);
        await cp.getByRole('button', { name: 'Send', exact: true }).tap();
        for (const who of ['interpreter', 'caseworker']) {
            const msg = people[who].page.locator('.chat-log .msg', { hasText: reply });
            await msg.waitFor();
            assert.equal(await msg.locator('.msg-name').innerText(), NAMES.citizen);
            assert.equal(await msg.locator('.msg-role').innerText(), ROLES.citizen);
        }
        await shot('citizen', 'story-chat.png');
        await cp.getByRole('button', { name: 'Luk chat' }).tap();
        await ip.getByRole('button', { name: 'Luk chat' }).tap();
    });

    await step('citizen leaves with one tap', async () => {
        const cp = people.citizen.page;
        await cp.locator('.controls').getByRole('button', { name: 'Forlad', exact: true }).tap();
        // One tap: no confirmation asked for, she is out.
        await cp.getByRole('heading', { name: 'Du har forladt mødet' }).waitFor({ timeout: 5000 });
        assert.equal(await cp.locator('dialog[open]').count(), 0, 'no confirmation dialog');
        assert.equal(await cp.locator('.room').count(), 0);
        await cp.getByRole('button', { name: 'Deltag igen' }).waitFor();
        await shot('citizen', 'story-left.png');
        for (const who of ['caseworker', 'interpreter']) {
            await waitStage(who, (s) => s.tiles.length === 2 && !tileOf(s, NAMES.citizen), 'Mette\'s tile gone');
            await people[who].page.getByText('2 deltagere').first().waitFor();
        }
    });

    await step('citizen taps "Deltag igen", waits in the lobby, is admitted and is back', async () => {
        const cp = people.citizen.page;
        await cp.getByRole('button', { name: 'Deltag igen' }).tap();
        // A guest without direct access goes through the lobby again.
        await lobbyHeading(cp).waitFor();
        const page = people.caseworker.page;
        await page.getByText(`${NAMES.citizen} (${ROLES.citizen}) venter på at komme ind`).waitFor();
        await page.getByRole('button', { name: `Luk ${NAMES.citizen} ind` }).first().click();
        await cp.locator('.room').waitFor();
        await waitStage('citizen', (s) => s.tiles.length === 3, 'three tiles again');
        // She comes back with her pre-call choice (video): video flows both ways again.
        await Promise.all([
            videoFlows('citizen', [NAMES.caseworker, NAMES.interpreter]),
            videoFlows('caseworker', [NAMES.citizen]),
            videoFlows('interpreter', [NAMES.citizen]),
        ]);
        // The chat so far is there for her again.
        await control('citizen', 'Chat', { tap: true });
        await cp.locator('.chat-log .msg', { hasText: hello }).waitFor();
        await cp.getByRole('button', { name: 'Luk chat' }).tap();
    });

    await step('caseworker ends the meeting for all; the guests see that it has ended', async () => {
        const page = people.caseworker.page;
        await control('caseworker', 'Deltagere');
        await page.getByRole('button', { name: 'Afslut mødet for alle' }).click();
        const dialog = page.getByRole('dialog', { name: 'Afslut mødet for alle?' });
        await dialog.getByRole('button', { name: 'Afslut mødet' }).click();
        for (const who of Object.keys(NAMES)) {
            await people[who].page.getByRole('heading', { name: 'Mødet er slut' }).waitFor();
            assert.equal(await people[who].page.locator('.room').count(), 0, `${who}: the room is gone`);
        }
        await people.citizen.page.getByText('Mødet er afsluttet. Tak fordi du deltog.').waitFor();
        await people.caseworker.page.getByText('Mødet er afsluttet for alle deltagere.').waitFor();
        await shot('citizen', 'story-ended.png');
    });

    const foreign = Object.values(people).flatMap((p) => p.foreign);
    assert.deepEqual(foreign, [], 'no request leaves the server origin');
    const errors = Object.values(people).flatMap((p) => p.errors);
    assert.deepEqual(errors, [], 'no script errors on any page');
}
