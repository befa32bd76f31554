// Languages and wording in real Chromium: the page speaks the browser's
// language (navigator.languages: Danish for any da*, otherwise English) until
// the person chooses one, which then sticks; counts use the language's plural
// forms (Intl.PluralRules); a link to a meeting that has ended says so and
// nothing about getting a new link.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, PASSWORD, installHooks } from '../integration/lib.mjs';
import { collectConsoleErrors, launchChromium } from './browser.mjs';

installHooks();

let server;
let browser;
const consoleErrors = [];

before(async () => {
    server = new Server({ name: 'e2e-i18n' });
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

/* Runs in the page before its scripts: the browser's languages, as a browser set to them reports. */
function preferLanguages(list) {
    Object.defineProperty(navigator, 'languages', { get: () => list });
    Object.defineProperty(navigator, 'language', { get: () => list[0] });
}

test('language: from the browser (Danish for da*, else English) until chosen; plurals; an ended meeting says so', async () => {
    const api = await server.login('anna', PASSWORD);
    const created = await api.expect(201, 'POST', '/api/meetings', { body: { title: 'Sprog', roles: ['citizen'] } });
    const url = local(created.links[0].url);
    const opened = [];
    const open = async (langs) => {
        const page = await openPage(`languages ${langs.join(',')}`);
        await page.addInitScript(preferLanguages, langs);
        opened.push(page);
        await page.goto(url);
        await page.locator('form button[type="submit"]').waitFor();
        return page;
    };
    const joinText = (page) => page.locator('form button[type="submit"]').innerText();
    const translate = (page, key, params) => page.evaluate(async ([k, p]) => (await import('/js/i18n.js')).t(k, p), [key, params]);
    try {
        for (const [langs, lang, join] of [[['en-US', 'en'], 'en', 'Join'], [['da-DK'], 'da', 'Deltag'], [['da-GL', 'en'], 'da', 'Deltag'], [['de-DE', 'fr'], 'en', 'Join'], [['nb-NO', 'da'], 'da', 'Deltag']]) {
            const page = await open(langs);
            assert.equal(await page.evaluate(() => document.documentElement.lang), lang, `${langs}: page language`);
            assert.equal((await joinText(page)).trim(), join, `${langs}: the join button`);
        }
        // Plurals, in both languages.
        const en = opened[0];
        const da = opened[1];
        assert.equal(await translate(en, 'room.chat_unread', { n: 1 }), 'Chat, 1 new message');
        assert.equal(await translate(en, 'room.chat_unread', { n: 3 }), 'Chat, 3 new messages');
        assert.equal(await translate(da, 'room.chat_unread', { n: 1 }), 'Chat, 1 ny besked');
        assert.equal(await translate(da, 'room.chat_unread', { n: 3 }), 'Chat, 3 nye beskeder');
        assert.equal(await translate(da, 'room.count', { n: 1 }), '1 deltager');
        assert.equal(await translate(en, 'room.count', { n: 0 }), '0 participants');

        // A choice beats the browser's languages, also after a reload.
        await en.getByLabel('Language').selectOption('da');
        await en.getByRole('button', { name: 'Deltag', exact: true }).waitFor();
        await en.reload();
        await en.getByRole('button', { name: 'Deltag', exact: true }).waitFor();
        await en.evaluate(() => localStorage.removeItem('samtale.lang'));
        assert.deepEqual(consoleErrors, [], 'no console errors');

        // The meeting ends (join-info answers 410, which the browser logs): its link says so, and nothing about getting a new link.
        const host = await server.join(created.host_link.token, 'Anna Jensen');
        await host.next('admitted');
        host.send({ type: 'end' });
        await host.closed();
        for (const [page, heading] of [[da, 'Mødet er slut'], [en, 'The meeting is over']]) {
            await page.reload();
            await page.getByRole('heading', { name: heading }).waitFor();
            const text = await page.locator('main').innerText();
            assert.doesNotMatch(text, /nyt link|new link/i, text);
        }
    } finally {
        for (const p of opened) await p.close().catch(() => {});
    }
});
