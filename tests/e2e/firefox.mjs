// Debian's Firefox ESR driven by puppeteer-core over WebDriver BiDi, for
// end-to-end tests that run inside the network namespace made by
// tests/e2e/netns-run.sh (a second browser engine next to Chromium, see
// browser.mjs).
//
//   const ff = await launchFirefox();
//   const page = await ff.newPage();    // a puppeteer Page
//   ...
//   await ff.close();                   // also removes the profile
//
// The preferences give Firefox a fake camera and microphone without asking,
// and let it gather candidates on 127.0.0.1 (the namespace has no other
// address and no default route).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

export const FIREFOX = '/usr/bin/firefox-esr';

export const FIREFOX_PREFS = {
    // getUserMedia gets a fake camera and microphone (else: no devices).
    'media.navigator.streams.fake': true,
    'media.navigator.permission.disabled': true,
    // Candidates on loopback (else none on 127.0.0.1).
    'media.peerconnection.ice.loopback': true,
    // Without granted camera and microphone permissions Firefox gathers
    // only default-route addresses: none in the namespace.
    'permissions.default.camera': 1,
    'permissions.default.microphone': 1,
    // Autoplay of the remote sound without a click.
    'media.autoplay.default': 0,
    'media.autoplay.blocking_policy': 0,
    // The pages prefer Danish (navigator.languages), as the tests read Danish.
    'intl.accept_languages': 'da-DK, da',
    // No network traffic of its own.
    'app.update.enabled': false,
    'browser.shell.checkDefaultBrowser': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'toolkit.telemetry.enabled': false,
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
};

/** A headless Firefox ESR with a fresh profile; close() also removes the profile. */
export async function launchFirefox({ prefs = {} } = {}) {
    if (!process.env.SAMTALE_NETNS) throw new Error('end-to-end tests run inside tests/e2e/netns-run.sh');
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'samtale-firefox-'));
    let browser;
    try {
        browser = await puppeteer.launch({
            browser: 'firefox',
            protocol: 'webDriverBiDi',
            headless: true,
            executablePath: FIREFOX,
            userDataDir: profile,
            acceptInsecureCerts: true, // the development CA is not in Firefox's trust store
            extraPrefsFirefox: { ...FIREFOX_PREFS, ...prefs },
            timeout: 60000,
        });
    } catch (e) {
        fs.rmSync(profile, { recursive: true, force: true });
        throw e;
    }
    const close = browser.close.bind(browser);
    browser.close = async () => {
        try { await close(); } finally { fs.rmSync(profile, { recursive: true, force: true }); }
    };
    return browser;
}
