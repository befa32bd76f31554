// Debian's Chromium driven by playwright-core, for end-to-end tests that run
// inside the network namespace made by tests/e2e/netns-run.sh.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const FLAGS = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    '--allow-loopback-in-peer-connection',
    '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows', '--mute-audio',
];

/**
 * A browser with a fresh profile; close() also removes the profile. Its
 * pages prefer Danish (navigator.languages), as the tests read Danish.
 */
export async function launchChromium({ extraArgs = [], locale = 'da-DK' } = {}) {
    if (!process.env.SAMTALE_NETNS) throw new Error('end-to-end tests run inside tests/e2e/netns-run.sh');
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'samtale-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: [...FLAGS, ...extraArgs],
        ignoreHTTPSErrors: true, // the development CA is not in Chromium's trust store
        viewport: { width: 360, height: 640 },
        locale,
    });
    const close = context.close.bind(context);
    context.close = async () => {
        try { await close(); } finally { fs.rmSync(profile, { recursive: true, force: true }); }
    };
    return context;
}

/**
 * One Chromium in which each person gets a context of their own
 * (browser.newContext({ignoreHTTPSErrors: true, ...PHONE})): separate
 * storage and cookies, as on separate devices. close() ends it.
 */
export async function launchBrowser({ extraArgs = [] } = {}) {
    if (!process.env.SAMTALE_NETNS) throw new Error('end-to-end tests run inside tests/e2e/netns-run.sh');
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...FLAGS, ...extraArgs] });
    // Pages prefer Danish unless a test says otherwise, as the tests read Danish.
    const newContext = browser.newContext.bind(browser);
    browser.newContext = (options = {}) => newContext({ locale: 'da-DK', ...options });
    return browser;
}

/** Context options for a phone-sized touch screen. */
export const PHONE = { viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true };

/** Records every request and WebSocket a page opens that leaves `origin`. */
export function watchForeignRequests(page, origin) {
    const foreign = [];
    const wsOrigin = origin.replace(/^http/, 'ws');
    page.on('request', (r) => {
        const u = r.url();
        if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')) foreign.push(u);
    });
    page.on('websocket', (ws) => {
        if (!ws.url().startsWith(`${wsOrigin}/`)) foreign.push(ws.url());
    });
    return foreign;
}

/** Polls fn() until it returns a truthy value; returns it, or throws after timeoutMs. */
export async function until(fn, { timeoutMs = 10000, intervalMs = 200, what = 'condition' } = {}) {
    const deadline = Date.now() + timeoutMs;
    let last;
    for (;;) {
        last = await fn();
        if (last) return last;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}

/**
 * Collects a page's console errors and script errors into `into` as
 * "label: text (url)"; ignore(consoleMessage) passes over expected ones.
 */
export function collectConsoleErrors(page, label, into, ignore = () => false) {
    page.on('console', (m) => {
        if (m.type() === 'error' && !ignore(m)) into.push(`${label}: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => into.push(`${label}: ${e.message}`));
}
