// Links from any device, in real Chromium against the real server: the
// caseworker makes a meeting in one browser context, then logs in from a
// second one with fresh storage (another PC, or a cleaned browser) and sees
// and copies the same participant link and the same host link there. The
// database files alone contain no token, neither as text nor as its bytes
// (the tokens are derived from the link key, a file of its own).
// Links from before derived tokens (no salt in the database, as after the
// migration) are said honestly not to be available, and a new host link
// can be made from the page.
// Screenshots: build/test-logs/links-any-device.png (the second browser),
// links-any-device-legacy.png (links that cannot be shown).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Server, PASSWORD, REPO_ROOT, installHooks } from '../integration/lib.mjs';
import { launchBrowser } from './browser.mjs';

installHooks();

const LOG_DIR = path.join(REPO_ROOT, 'build', 'test-logs');
const TITLE = 'Opfølgning fra en anden pc';

let server;
let browser;

before(async () => {
    fs.mkdirSync(LOG_DIR, { recursive: true });
    server = new Server({ name: 'e2e-links-any-device' });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
});

async function login(page) {
    await page.goto(`${server.origin}/`);
    await page.getByLabel('Brugernavn').fill('anna');
    await page.getByLabel('Adgangskode').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log ind' }).click();
    await page.getByRole('heading', { name: 'Mine møder' }).waitFor();
}

/** The citizen's link and the host link as the meeting page shows them. */
async function shownLinks(page) {
    const citizen = await page.locator('.link-item').filter({ has: page.getByRole('heading', { name: 'Borger' }) }).locator('.link-url').inputValue();
    const start = await page.getByRole('link', { name: 'Start mødet' }).getAttribute('href');
    return { citizen, hostToken: start.slice(start.indexOf('#') + 1) };
}

async function copied(page, buttonName) {
    await page.evaluate(() => navigator.clipboard.writeText(''));
    await page.getByRole('button', { name: buttonName }).click();
    await page.getByRole('button', { name: buttonName }).getByText('Kopieret').waitFor();
    return page.evaluate(() => navigator.clipboard.readText());
}

test('the host sees and copies the same links from a second browser; the database holds no token', async () => {
    const perms = { permissions: ['clipboard-read', 'clipboard-write'], ignoreHTTPSErrors: true, viewport: { width: 1024, height: 900 } };
    const first = await browser.newContext(perms);
    const a = await first.newPage();
    await login(a);
    await a.getByRole('link', { name: 'Nyt møde' }).click();
    await a.getByLabel('Mødets titel').fill(TITLE);
    await a.getByRole('button', { name: 'Opret møde' }).click();
    await a.getByRole('heading', { name: TITLE }).waitFor();
    const meetingPath = new URL(a.url()).pathname;
    const made = await shownLinks(a);
    assert.match(made.citizen, /\/join#[A-Za-z0-9_-]{32}$/);
    assert.match(made.hostToken, /^[A-Za-z0-9_-]{32}$/);
    await first.close();

    // Another PC: fresh storage, nothing from the first browser.
    const second = await browser.newContext(perms);
    const b = await second.newPage();
    await login(b);
    assert.equal(await b.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('samtale.links')).length), 0, 'no links kept in this browser');
    await b.getByRole('link', { name: TITLE }).click();
    await b.getByRole('heading', { name: TITLE }).waitFor();
    assert.equal(new URL(b.url()).pathname, meetingPath);
    const seen = await shownLinks(b);
    assert.deepEqual(seen, made, 'the same links on the second browser');
    assert.equal(await copied(b, 'Kopiér link til Borger'), made.citizen);
    const hostCopy = await copied(b, 'Kopiér link til Sagsbehandler');
    assert.equal(hostCopy, `${server.origin}/join#${made.hostToken}`);
    // The page says nothing about links kept only in one browser.
    assert.equal(await b.getByText('kan ikke vises').count(), 0);
    await b.screenshot({ path: path.join(LOG_DIR, 'links-any-device.png'), fullPage: true });

    // The copied host link works from here: it opens as the host's.
    await b.goto(hostCopy);
    await b.getByRole('button', { name: 'Deltag', exact: true }).waitFor();
    await second.close();

    const tokens = [made.hostToken, made.citizen.slice(made.citizen.indexOf('#') + 1)];
    const check = () => {
        const files = fs.readdirSync(server.dataDir).filter((f) => f.startsWith('samtale.db'));
        assert.ok(files.includes('samtale.db'));
        for (const f of files) {
            const bytes = fs.readFileSync(path.join(server.dataDir, f));
            for (const t of tokens) {
                assert.equal(bytes.indexOf(Buffer.from(t)), -1, `${f} holds a token`);
                assert.equal(bytes.indexOf(Buffer.from(t, 'base64url')), -1, `${f} holds a token's bytes`);
            }
        }
    };
    check(); // while running (the WAL too)
    await server.stop();
    check(); // and checkpointed
    assert.equal(fs.statSync(path.join(server.dataDir, 'link.key')).mode & 0o777, 0o600);
});

test('links made before they could be shown again: said so, and a new host link from the page', async () => {
    // As the migration leaves them: no salt, so no way to derive the token.
    const sql = spawnSync('sqlite3', [path.join(server.dataDir, 'samtale.db'), 'UPDATE invitations SET salt = NULL;'], { encoding: 'utf8' });
    assert.equal(sql.status, 0, sql.stderr);
    await server.start({ keepPort: true });
    const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1024, height: 900 } });
    const page = await ctx.newPage();
    await login(page);
    await page.getByRole('link', { name: TITLE }).click();
    await page.getByRole('heading', { name: TITLE }).waitFor();
    await page.getByText('Værtslinket kan ikke vises', { exact: false }).waitFor();
    await page.locator('.link-item').getByText('Linket kan ikke vises', { exact: false }).waitFor();
    assert.equal(await page.locator('.link-url').count(), 0, 'no link is made up');
    await page.screenshot({ path: path.join(LOG_DIR, 'links-any-device-legacy.png'), fullPage: true });
    await page.getByRole('button', { name: 'Lav et nyt værtslink' }).click();
    const start = page.getByRole('link', { name: 'Start mødet' });
    await start.waitFor();
    assert.match(await start.getAttribute('href'), /^\/join#[A-Za-z0-9_-]{32}$/);
    await ctx.close();
});
