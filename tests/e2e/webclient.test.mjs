// The web client in real Chromium: a caseworker logs in and creates a
// meeting; a citizen opens the link on a phone-sized page, waits in the
// lobby, is admitted, and both see each other in the roster. No request
// leaves the server's origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, PASSWORD, installHooks } from '../integration/lib.mjs';
import { launchChromium, watchForeignRequests } from './browser.mjs';

installHooks();

let server;
let browser;
const foreign = [];

before(async () => {
    server = new Server({ name: 'e2e-webclient' });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
    browser = await launchChromium();
});

after(async () => {
    await browser?.close();
});

test('caseworker creates a meeting; citizen waits in the lobby and is admitted', async () => {
    const host = await browser.newPage();
    foreign.push(...watchForeignRequests(host, server.origin));
    await host.goto(`${server.origin}/`);
    await host.getByLabel('Brugernavn').fill('anna');
    await host.getByLabel('Adgangskode').fill(PASSWORD);
    await host.getByRole('button', { name: 'Log ind' }).click();
    await host.getByRole('heading', { name: 'Mine møder' }).waitFor();

    // Links are made through the API here; the form is the web client's own test.
    const api = await server.login('anna', PASSWORD);
    const created = await api.expect(201, 'POST', '/api/meetings', {
        body: { title: 'Jobsamtale', roles: ['citizen'] },
    });

    await host.goto(created.host_link.url.replace(/^https:\/\/[^/]+/, server.origin));
    await host.getByRole('button', { name: /Deltag|Start/ }).first().click();

    const citizen = await browser.newPage();
    foreign.push(...watchForeignRequests(citizen, server.origin));
    await citizen.goto(created.links[0].url.replace(/^https:\/\/[^/]+/, server.origin));
    await citizen.getByLabel(/navn/i).fill('Mette Hansen');
    await citizen.getByRole('button', { name: /Deltag/ }).first().click();
    await citizen.getByText(/Venter på/).waitFor();

    await host.getByRole('button', { name: /^Luk .*ind$/ }).first().click();
    await citizen.getByText('Anna Jensen').first().waitFor();
    await host.getByText('Mette Hansen').first().waitFor();
    assert.deepEqual(foreign, [], 'no request leaves the server origin');
});
