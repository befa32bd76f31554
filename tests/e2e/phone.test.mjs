// The phone bridge end to end with real peers only: two Chromium pages
// through the real web client (the caseworker's fake microphone plays
// 440 Hz, the citizen's 660 Hz) and Debian's baresip as telephones.
// - Dial-in: the interpreter's phone (1,000 Hz) calls the bridge, enters its
//   invitation's PIN as RFC 4733 DTMF, waits in the lobby and is admitted by
//   the caseworker. *9 raises its hand. Both browsers hear 1,000 Hz from the phone's tile (tone
//   analysis in the page); the phone hears 440 and 660 Hz but not its own
//   1,000 Hz (its recording, per 1-s window). The host mutes the phone and
//   the tone stops at the browsers; the host removes it and the phone gets BYE.
// - Dial-out: the caseworker calls the advocate's phone from the room; the
//   callee hears the prompt, presses 1, is admitted directly and hears the
//   meeting; hanging up is leaving.
// Screenshot: build/test-logs/phone-tile.png (the phone's name card).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Server, PASSWORD, REPO_ROOT, installHooks, freePort, sleep } from '../integration/lib.mjs';
import { collectConsoleErrors, launchChromium, until } from './browser.mjs';
import { BaresipPhone, toneShares, writeToneWav } from './sip-phone.mjs';

installHooks();

const LOG_DIR = path.join(REPO_ROOT, 'build', 'test-logs');
const TIMEOUT = 30000;
const INTERPRETER_NUMBER = '+4521223344';
const ADVOCATE_NUMBER = '+4587654321';

let server, sipPort;
const browsers = [];
const phones = [];
const consoleErrors = [];

before(async () => {
    fs.mkdirSync(LOG_DIR, { recursive: true });
    sipPort = await freePort();
    const rtpMin = 30000 + 20 * (sipPort % 1000);
    server = new Server({
        name: 'e2e-phone',
        config: {
            sip_listen: `127.0.0.1:${sipPort}`,
            sip_allow: '127.0.0.1/32',
            sip_rtp_port_min: rtpMin,
            sip_rtp_port_max: rtpMin + 19,
            sip_dial_in_number: '+45 70 20 30 40',
            sip_trunk_proxy: '127.0.0.1:35080',
        },
    });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
});

after(async () => {
    for (const p of phones) await p.stop().catch(() => {});
    for (const b of browsers) await b.close().catch(() => {});
});

/* Pages ask whether someone is logged in; "no" is a 401 by design. */
const loggedOut = (m) => / 401 /.test(m.text()) && m.location().url.endsWith('/api/me');

async function browserWithTone(label, hz) {
    const wav = writeToneWav(path.join(fs.mkdtempSync(path.join(LOG_DIR, 'tone-')), `${hz}.wav`), { hz, rate: 48000, seconds: 30 });
    const b = await launchChromium({ extraArgs: [`--use-file-for-fake-audio-capture=${wav}`, '--autoplay-policy=no-user-gesture-required'] });
    browsers.push(b);
    const page = await b.newPage();
    collectConsoleErrors(page, label, consoleErrors, loggedOut);
    return page;
}

const local = (url) => url.replace(/^https:\/\/[^/]+/, server.origin);

async function joinAs(page, url, name) {
    await page.goto(local(url));
    await page.getByLabel(/navn/i).fill(name);
    await page.getByRole('button', { name: 'Deltag', exact: true }).click();
}

/* In the page: per remote participant, the share of 440, 660 and 1000 Hz in
 * the last ~170 ms of what its <audio> plays, and the level. */
async function tones(page) {
    return page.evaluate(async () => {
        const ctx = (window.__toneCtx ??= new AudioContext());
        if (ctx.state !== 'running') await ctx.resume().catch(() => {});
        const probes = (window.__toneProbes ??= new Map());
        const out = {};
        for (const a of document.querySelectorAll('.remote-audio audio')) {
            const track = a.srcObject?.getAudioTracks?.()[0];
            if (!track) continue;
            const id = a.dataset.participantId;
            let p = probes.get(id);
            if (!p || p.track !== track) {
                const src = ctx.createMediaStreamSource(new MediaStream([track]));
                const an = ctx.createAnalyser();
                an.fftSize = 8192;
                src.connect(an);
                p = { track, an };
                probes.set(id, p);
            }
            const x = new Float32Array(p.an.fftSize);
            p.an.getFloatTimeDomainData(x);
            let e = 0;
            for (const v of x) e += v * v;
            const share = (f) => {
                const c = 2 * Math.cos((2 * Math.PI * f) / ctx.sampleRate);
                let s1 = 0, s2 = 0;
                for (const v of x) { const s0 = v + c * s1 - s2; s2 = s1; s1 = s0; }
                return e > 0 ? (2 * (s1 * s1 + s2 * s2 - c * s1 * s2)) / (x.length * e) : 0;
            };
            out[id] = { rms: Math.sqrt(e / x.length), 440: share(440), 660: share(660), 1000: share(1000) };
        }
        return out;
    });
}

async function waitTone(page, label, id, pred, what) {
    let last;
    try {
        return await until(async () => {
            last = (await tones(page))[id];
            return last && pred(last) ? last : null;
        }, { timeoutMs: TIMEOUT, intervalMs: 300, what: `${label}: ${what}` });
    } catch (e) {
        throw new Error(`${e.message}; last: ${JSON.stringify(last)}; console: ${JSON.stringify(consoleErrors.slice(-5))}`);
    }
}

async function control(page, name) {
    const direct = page.locator('.controls').getByRole('button', { name, exact: true });
    if (!(await direct.isVisible())) await page.locator('.controls .ctl-more').click();
    await page.locator('.controls').getByRole('button', { name, exact: true }).click();
}

/**
 * What a phone heard, per 1-s window that is not silent: the shares of 440,
 * 660 and 1000 Hz. The recording holds decoded frames only (prompts, the
 * meeting), so windows are judged by content, not by time.
 */
function heardWindows(phone) {
    const { rate, samples } = phone.heard();
    return toneShares(samples, rate, [440, 660, 1000]);
}
const fmt = (ws) => JSON.stringify(ws.map((w) => Object.fromEntries(Object.entries(w).map(([k, v]) => [k, v.toFixed(2)]))));

test('a phone dials in with its PIN, is admitted, heard and hears, muted and removed; a phone is called out', async () => {
    const api = await server.login('anna', PASSWORD);
    const created = await api.expect(201, 'POST', '/api/meetings', { body: { title: 'Fællessamtale', roles: ['citizen', 'interpreter', 'advocate'] } });
    const link = (role) => created.links.find((l) => l.role === role);

    const host = await browserWithTone('caseworker', 440);
    const citizen = await browserWithTone('citizen', 660);
    await joinAs(host, created.host_link.url, 'Anna Jensen');
    await host.locator('.room').waitFor();
    await joinAs(citizen, link('citizen').url, 'Mette Hansen');
    await host.getByRole('button', { name: 'Luk Mette Hansen ind' }).first().click();
    await citizen.locator('.room').waitFor();

    // ---- dial-in ----
    const phone = new BaresipPhone({ name: INTERPRETER_NUMBER, sipPort: 35070, ctrlPort: 35074, rtpPort: 35100, toneHz: 1000 });
    phones.push(phone);
    await phone.start();
    await phone.command('dial', `sip:samtale@127.0.0.1:${sipPort}`);
    await until(() => phone.seen('CALL_ESTABLISHED').length, { timeoutMs: 10000, what: 'the bridge answers' });
    await sleep(1500); // the welcome prompt starts
    await phone.keys(`${link('interpreter').pin}#`);

    // Without a label on the invitation, the phone is shown by its masked number.
    const phoneName = '+45 •• •• 33 44';
    const admit = host.getByRole('button', { name: `Luk ${phoneName} ind` }).first();
    await admit.waitFor({ timeout: TIMEOUT });
    await admit.click();
    const T0 = phone.seen('CALL_ESTABLISHED')[0].at;
    const mark = (what) => console.log(`t=${((Date.now() - T0) / 1000).toFixed(1)} s: ${what}`);
    mark('admitted');

    const phoneId = await until(() => host.evaluate(() => document.querySelector('.tile .avatar-phone')?.closest('.tile')?.dataset.participantId), { timeoutMs: TIMEOUT, what: 'the phone tile' });
    await host.screenshot({ path: path.join(LOG_DIR, 'phone-tile.png') });
    for (const [label, page] of [['caseworker', host], ['citizen', citizen]]) {
        const t = await waitTone(page, label, phoneId, (x) => x.rms > 0.01 && x[1000] > 0.5, 'the phone\'s 1000 Hz');
        console.log(`${label} hears the phone: ${JSON.stringify(t)}`);
    }
    mark('browsers hear the phone');
    await sleep(3000); // "you are in the meeting"
    // *9 raises the phone's hand, as the browsers' button does.
    await phone.keys('*9');
    await until(() => host.evaluate((id) => !!document.querySelector(`.tile[data-participant-id="${id}"] .chip-hand`), phoneId), { timeoutMs: 10000, what: 'the phone\'s hand is up' });
    mark('hand up');
    await sleep(6500); // "your hand is raised", then the meeting
    mark('mute');

    // The host mutes the phone: its tone stops at the browsers.
    await control(host, 'Deltagere');
    await host.getByRole('button', { name: `Slå mikrofon fra hos ${phoneName}` }).click();
    for (const [label, page] of [['caseworker', host], ['citizen', citizen]])
        await waitTone(page, label, phoneId, (x) => x[1000] < 0.05 || x.rms < 0.003, 'the phone\'s tone stops after mute');

    mark('tone stopped; remove');
    // The host removes it: the phone gets BYE.
    await host.getByRole('button', { name: `Fjern ${phoneName} fra mødet` }).click();
    await host.getByRole('dialog').getByRole('button', { name: 'Fjern' }).click();
    await until(() => phone.seen('CALL_CLOSED').length, { timeoutMs: 15000, what: 'BYE at the phone' });
    await sleep(500);
    const heard = heardWindows(phone);
    console.log(`the phone heard: ${fmt(heard)}`);
    const meetingSound = heard.filter((w) => w[440] >= 0.15 && w[660] >= 0.15);
    assert.ok(meetingSound.length >= 3, `the phone hears 440 and 660 Hz together: ${fmt(heard)}`);
    assert.ok(heard.every((w) => w[1000] < 0.05), `the phone never hears its own 1000 Hz: ${fmt(heard)}`);

    // ---- dial-out ----
    const callee = new BaresipPhone({ name: ADVOCATE_NUMBER, sipPort: 35080, ctrlPort: 35084, rtpPort: 35120, toneHz: 1000, answer: 'auto' });
    phones.push(callee);
    await callee.start();
    // The caseworker calls the advocate from her meeting page.
    const meetingPage = await browsers[0].newPage();
    collectConsoleErrors(meetingPage, 'meeting page', consoleErrors, loggedOut);
    await meetingPage.goto(`${server.origin}/`);
    await meetingPage.getByLabel('Brugernavn').fill('anna');
    await meetingPage.getByLabel('Adgangskode').fill(PASSWORD);
    await meetingPage.getByRole('button', { name: 'Log ind' }).click();
    await meetingPage.getByRole('heading', { name: 'Mine møder' }).waitFor();
    await meetingPage.goto(`${server.origin}/meetings/${created.meeting.id}`);
    await meetingPage.getByRole('button', { name: 'Ring op til Bisidder' }).click();
    const dialog = meetingPage.getByRole('dialog');
    await dialog.getByLabel('Telefonnummer').fill('87 65 43 21');
    await dialog.getByRole('button', { name: 'Ring op' }).click();
    await until(() => callee.seen('CALL_ESTABLISHED').length, { timeoutMs: 15000, what: 'the callee answers' });
    await sleep(2000); // "press 1 to join"
    await callee.keys('1');
    await until(() => host.evaluate(() => document.querySelectorAll('.tile .avatar-phone').length === 1), { timeoutMs: TIMEOUT, what: 'the callee is admitted directly' });
    await meetingPage.getByText(/er kommet med i mødet/).waitFor({ timeout: TIMEOUT });
    await sleep(6500); // "you are in the meeting", then the meeting
    await callee.command('hangup');
    await until(() => host.evaluate(() => document.querySelectorAll('.tile .avatar-phone').length === 0), { timeoutMs: TIMEOUT, what: 'hanging up is leaving' });
    await sleep(500);
    const calleeHeard = heardWindows(callee);
    assert.ok(calleeHeard.filter((w) => w[440] >= 0.15 && w[660] >= 0.15).length >= 2, `the callee hears the meeting: ${fmt(calleeHeard)}`);
    assert.ok(calleeHeard.every((w) => w[1000] < 0.05), `the callee never hears its own 1000 Hz: ${fmt(calleeHeard)}`);
    assert.deepEqual(consoleErrors, [], 'no script errors');
});
