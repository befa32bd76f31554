// A meeting through a real coturn, in real Chromium with the real web client:
//
//   test namespace                                      "only 443" namespace (made here)
//   samtale 127.0.0.1 (HTTPS), media 0.0.0.0:40000-1
//   coturn 10.213.1.1:3478 udp/tcp, :443 tls  ─┐
//   HTTPS proxy 10.213.0.1:443 ───────────────┴═ veth ═ 10.213.0.2 Chromium (citizen)
//   Chromium (caseworker, relay only)                   nftables: UDP and TCP other than
//                                                       443 dropped
//
// - coturn runs the configuration printed in docs/OPERATIONS.md (production
//   deny-list, quotas, TLS 1.2+, no-cli ...) with this test's addresses,
//   secret and a fresh certificate, plus the test-only allow-loopback-peers
//   and allowed-peer-ip=127.0.0.1 (samtale's media address here); it must
//   start without an ERROR line. Its relay ports (49160-49199) are not
//   samtale's (40000-40001). It is stopped by PID.
// - samtale hands out the credentials (turn_secret, turn_urls) with
//   admission; the web client puts them on its peer connections.
// - The caseworker's browser is forced to relay: an init script adds
//   iceTransportPolicy 'relay' to every RTCPeerConnection the page makes
//   (test-only, nothing in the web client or the server changes for it).
// - The citizen's network allows only TCP 443 (the municipal case): her
//   browser reaches samtale's pages through the proxy on 10.213.0.1:443 and
//   media only as turns: on coturn's own address (10.213.1.1:443), although
//   samtale offers her its media ports on 10.213.0.1 too.
// - Both decode each other's video and sound; getStats shows relay
//   candidates, over TLS for the citizen. Her pre-call check, before
//   joining, also takes the relay (and warns that the path is TCP).
// - An interpreter whose page alters the credential gets 401 from coturn
//   (icecandidateerror and coturn's log) and no connection; so does a
//   pre-call check given a correctly signed but expired credential.
// The TLS certificate is trusted per key (--ignore-certificate-errors-spki-list),
// as turn.md found Playwright's ignoreHTTPSErrors does not cover TURN/TLS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Server, PASSWORD, REPO_ROOT, installHooks, sleep } from '../integration/lib.mjs';
import { launchChromium, until } from './browser.mjs';
import { LINK, LossyNamespace, TcpProxy, launchChromiumIn } from './lossy-link.mjs';

installHooks();

const TURN_ADDR = '10.213.1.1'; // coturn's own address, a second one in the test namespace
const MEDIA_PORTS = [40000, 40001];
const RELAY_PORTS = [49160, 49199];
const SECRET = crypto.randomBytes(24).toString('hex');
const TURN_URLS = [`turn:${TURN_ADDR}:3478?transport=udp`, `turn:${TURN_ADDR}:3478?transport=tcp`, `turns:${TURN_ADDR}:443?transport=tcp`];
const LOG_DIR = path.join(REPO_ROOT, 'build', 'test-logs');
const MEDIA_TIMEOUT_MS = 40000;
const FORGED_WAIT_MS = 10000;

function run(cmd, args, opts = {}) {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10000, ...opts });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.error ?? ''}`);
    return r.stdout;
}

/** The coturn configuration block of docs/OPERATIONS.md, as lines. */
function documentedCoturnConfig() {
    const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'OPERATIONS.md'), 'utf8');
    const at = doc.indexOf('<!-- coturn.conf:');
    assert.ok(at >= 0, 'docs/OPERATIONS.md has the coturn.conf block');
    const start = doc.indexOf('```\n', at) + 4;
    return doc.slice(start, doc.indexOf('```', start)).split('\n').filter((l) => l.trim());
}

/** A self-signed certificate for TURN_ADDR; returns paths and the SPKI hash Chromium trusts. */
function makeCertificate(dir) {
    const cert = path.join(dir, 'turn.pem');
    const key = path.join(dir, 'turn.key');
    run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
        '-subj', '/CN=turn.test', '-addext', `subjectAltName=IP:${TURN_ADDR}`]);
    const pub = crypto.createPublicKey(fs.readFileSync(cert));
    const spki = crypto.createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('base64');
    return { cert, key, spki };
}

class Coturn {
    constructor(dir, { cert, key }) {
        this.dir = dir;
        this.log = [];
        // The documented file with this test's values; test-only lines at the end.
        const replace = {
            'listening-ip': TURN_ADDR, 'relay-ip': '127.0.0.1', 'external-ip': null,
            'min-port': RELAY_PORTS[0], 'max-port': RELAY_PORTS[1],
            'static-auth-secret': SECRET, cert, pkey: key,
            'allowed-peer-ip': '127.0.0.1', 'log-file': 'stdout',
        };
        const lines = [];
        for (const line of documentedCoturnConfig()) {
            const k = line.split('=')[0];
            if (!line.startsWith('#') && k in replace) {
                if (replace[k] !== null) lines.push(`${k}=${replace[k]}`);
            } else {
                lines.push(line);
            }
        }
        lines.push('# test only: samtale\'s media address is 127.0.0.1', 'allow-loopback-peers', 'verbose',
            `pidfile=${path.join(dir, 'turnserver.pid')}`, `userdb=${path.join(dir, 'turndb')}`);
        this.configPath = path.join(dir, 'turnserver.conf');
        fs.writeFileSync(this.configPath, `${lines.join('\n')}\n`, { mode: 0o600 });
    }

    async start() {
        this.proc = spawn('turnserver', ['-c', this.configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
        this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve({ code, signal })));
        for (const s of [this.proc.stdout, this.proc.stderr]) {
            let buf = '';
            s.on('data', (d) => {
                buf += d;
                let i;
                while ((i = buf.indexOf('\n')) >= 0) {
                    this.log.push(buf.slice(0, i));
                    buf = buf.slice(i + 1);
                }
                if (this.log.length > 20000) this.log.splice(0, 10000);
            });
        }
        const canConnect = (port) => new Promise((resolve) => {
            const sock = net.connect(port, TURN_ADDR);
            sock.once('connect', () => { sock.destroy(); resolve(true); });
            sock.once('error', () => resolve(false));
        });
        await until(async () => (await canConnect(3478)) && (await canConnect(443)), { timeoutMs: 5000, intervalMs: 50, what: 'coturn listening' });
    }

    text() {
        return this.log.join('\n');
    }

    async stop() {
        if (!this.proc || this.proc.exitCode !== null) return;
        this.proc.kill('SIGTERM');
        const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
        await this.exited;
        clearTimeout(t);
    }
}

/** Runs in the page before its scripts: watches (and, for the test, bends) every RTCPeerConnection. */
function wrapPeerConnection({ forceRelay, forge, replace }) {
    const Native = window.RTCPeerConnection;
    const state = { pcs: [], errors: [] };
    const users = new WeakMap(); // peer connection → TURN usernames it was given
    const adjust = (pc, cfg) => {
        const c = { ...(cfg || {}) };
        if (Array.isArray(c.iceServers)) {
            const mine = users.get(pc) || [];
            for (const s of c.iceServers) if (s.username && !mine.includes(s.username)) mine.push(s.username);
            users.set(pc, mine);
            // A forged credential: one character changed.
            if (forge) c.iceServers = c.iceServers.map((s) => ({ ...s, credential: (s.credential[0] === 'A' ? 'B' : 'A') + s.credential.slice(1) }));
            // Another, correctly signed credential (an expired one).
            if (replace) c.iceServers = c.iceServers.map((s) => ({ ...s, ...replace }));
        }
        if (forceRelay) c.iceTransportPolicy = 'relay';
        return c;
    };
    class Watched extends Native {
        constructor(cfg) {
            const names = {};
            super(adjust(names, cfg));
            users.set(this, users.get(names) || []);
            state.pcs.push(this);
            this.addEventListener('icecandidateerror', (e) => state.errors.push({ code: e.errorCode, text: e.errorText, url: e.url }));
        }

        setConfiguration(cfg) {
            return super.setConfiguration(adjust(this, cfg));
        }
    }
    window.RTCPeerConnection = Watched;
    // The TURN usernames of the connections still open (the join page's own
    // check closes its connection, perhaps before it allocated anything).
    state.usernamesOf = (pcs) => [...new Set(pcs.filter((pc) => pc.connectionState !== 'closed').flatMap((pc) => users.get(pc) || []))];
    window.turnTest = state;
}

/** Runs in the page: each open peer connection's state and selected local candidate. */
async function peerReport() {
    const out = [];
    for (const pc of window.turnTest.pcs) {
        if (pc.connectionState === 'closed') continue;
        const stats = await pc.getStats();
        let pair = null;
        stats.forEach((s) => {
            if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
        });
        const local = pair && stats.get(pair.localCandidateId);
        const remote = pair && stats.get(pair.remoteCandidateId);
        out.push({
            state: pc.connectionState, iceServers: pc.getConfiguration().iceServers.length, policy: pc.getConfiguration().iceTransportPolicy,
            type: local?.candidateType, relayProtocol: local?.relayProtocol, url: local?.url, remote: remote ? `${remote.address}:${remote.port}` : null,
        });
    }
    return { peers: out, errors: window.turnTest.errors, usernames: window.turnTest.usernamesOf(window.turnTest.pcs) };
}

/** Runs in the page: the other participants' tiles (data-* hooks of views/room.js). */
function remoteTiles() {
    return [...document.querySelectorAll('.tiles .tile:not(.is-me)')].map((t) => ({
        name: t.querySelector('.tile-name')?.textContent,
        frames: Number(t.dataset.frames || 0),
        audioPackets: Number(t.dataset.audioPackets || 0),
    }));
}

let dir;
let ns;
let coturn;
let server;
let proxy;
let browser; // the test namespace
let blockedBrowser; // the "only 443" namespace
const pages = {};

before(async () => {
    fs.mkdirSync(LOG_DIR, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samtale-turn-e2e-'));
    ns = new LossyNamespace(`samtale-only443-${process.pid}`).create();
    // coturn's own address, routed to from the other namespace.
    run('ip', ['addr', 'add', `${TURN_ADDR}/32`, 'dev', ns.hostIf]);
    ns.exec('ip', 'route', 'add', `${TURN_ADDR}/32`, 'via', LINK.server);
    run('ip', ['netns', 'exec', ns.name, 'nft', '-f', '-'], {
        input: `table inet only443 {
    chain out {
        type filter hook output priority 0; policy accept;
        oifname "lo" accept
        meta l4proto udp counter drop
        tcp dport != 443 counter drop
    }
}
`,
    });
    const certs = makeCertificate(dir);
    coturn = new Coturn(dir, certs);
    await coturn.start();
    server = new Server({
        name: 'e2e-turn',
        config: {
            media_bind: '0.0.0.0', media_public_addresses: `127.0.0.1,${LINK.server}`,
            media_port_min: MEDIA_PORTS[0], media_port_max: MEDIA_PORTS[1], workers: 2,
            turn_secret: SECRET, turn_urls: TURN_URLS.join(','),
        },
    });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
    proxy = await new TcpProxy({ listenPort: 443, targetPort: server.port }).start();
    const trust = [`--ignore-certificate-errors-spki-list=${certs.spki}`];
    browser = await launchChromium({ extraArgs: trust });
    blockedBrowser = await launchChromiumIn(ns.name, { extraArgs: trust });
});

after(async () => {
    await blockedBrowser?.close().catch(() => {});
    await browser?.close().catch(() => {});
    proxy?.close();
    await coturn?.stop();
    if (coturn) fs.writeFileSync(path.join(LOG_DIR, 'e2e-turn-coturn.log'), coturn.text());
    ns?.delete();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function openPage(ctx, label, { forceRelay = false, forge = false, replace = null } = {}) {
    const page = await ctx.newPage();
    await page.addInitScript(wrapPeerConnection, { forceRelay, forge, replace });
    page.on('pageerror', (e) => console.log(`${label}: page error ${e.message}`));
    // For a failure's log: what the page could not load, and what it complained of.
    page.on('requestfailed', (r) => console.log(`${label}: ${r.method()} ${new URL(r.url()).pathname} failed: ${r.failure()?.errorText}`));
    page.on('console', (m) => { if (m.type() === 'error') console.log(`${label}: console error ${m.text()}`); });
    pages[label] = page;
    return page;
}

/**
 * Starts the pre-call check. If the page has not offered it within 30 s, logs
 * what the page shows and what failed to load, then reloads once: seen once
 * under ASan in CI (cause not found: the log now says what the page showed), not reproduced
 * since; the relay itself is what this file tests.
 */
async function clickStart(page) {
    const start = page.getByRole('button', { name: 'Start testen' });
    try {
        await start.click({ timeout: 30000 });
        return;
    } catch (e) {
        const shown = await page.locator('main').innerText().catch((x) => `(unreadable: ${x.message})`);
        console.log(`NOTE: no "Start testen" after 30 s at ${page.url()}; the page shows: ${shown.slice(0, 400)}; reloading once`);
    }
    await page.reload();
    await start.click({ timeout: 30000 });
}

async function joinAs(page, origin, url, name) {
    await page.goto(url.replace(/^https:\/\/[^/]+/, origin));
    await page.getByLabel(/navn/i).fill(name);
    await page.getByRole('button', { name: 'Deltag', exact: true }).click();
}

/** Waits until page decodes video and plays sound from `name`, rising. */
async function mediaFrom(page, label, name) {
    const read = async () => (await page.evaluate(remoteTiles)).find((t) => t.name === name);
    let last;
    const what = `${label}: video and sound from ${name}`;
    try {
        const first = await until(async () => {
            last = await read();
            return last && last.frames > 5 && last.audioPackets > 20 ? last : null;
        }, { timeoutMs: MEDIA_TIMEOUT_MS, intervalMs: 500, what });
        await until(async () => {
            last = await read();
            return last.frames > first.frames + 10 && last.audioPackets > first.audioPackets + 20;
        }, { timeoutMs: 20000, intervalMs: 500, what: `${what} rising` });
    } catch (e) {
        throw new Error(`${e.message}; last: ${JSON.stringify(last)}; peers: ${JSON.stringify(await page.evaluate(peerReport))}`);
    }
    return last;
}

function nftDrops() {
    const out = ns.exec('nft', 'list', 'table', 'inet', 'only443');
    const m = out.match(/meta l4proto udp counter packets (\d+)/);
    const t = out.match(/tcp dport != 443 counter packets (\d+)/);
    return { udp: Number(m?.[1] ?? -1), tcp: Number(t?.[1] ?? -1) };
}

test('the documented coturn configuration starts clean', () => {
    const errors = coturn.log.filter((l) => /ERROR/.test(l));
    assert.deepEqual(errors, [], `coturn: ${errors.join('\n')}`);
    assert.ok(coturn.log.some((l) => /Relay address to use: 127\.0\.0\.1/.test(l)), coturn.log.slice(0, 40).join('\n'));
});

test('the pre-call check behind "TCP 443 only" goes through coturn too', async () => {
    const api = await server.login('anna', PASSWORD);
    const created = await api.expect(201, 'POST', '/api/meetings', { body: { title: 'Tjek', roles: ['citizen'] } });
    const token = new URL(created.links[0].url).hash.slice(1);
    const page = await openPage(blockedBrowser, 'precall');
    await page.goto(`${proxy.origin}/check#${token}`);
    await clickStart(page);
    const checkData = () => page.locator('section.precall').evaluate((el) => ({ ...el.dataset }));
    const data = await until(async () => {
        const d = await checkData();
        return d.result ? d : null;
    }, { timeoutMs: 20000, what: 'the pre-call check result' });
    const report = await page.evaluate(peerReport);
    console.log(`pre-call check: ${JSON.stringify(data)} ${JSON.stringify(report.peers)}`);
    // It works, and says so with the TCP warning: TLS to the relay is TCP all the way.
    assert.equal(data.result, 'warn', JSON.stringify(data));
    assert.equal(data.resultCode, 'tcp', JSON.stringify(data));
    assert.equal(data.transport, 'tcp', JSON.stringify(data));
    assert.ok(Number(data.framesDecoded) > 0 && Number(data.audioPackets) > 0, JSON.stringify(data));
    assert.equal(report.peers.length, 1);
    assert.equal(report.peers[0].type, 'relay', JSON.stringify(report));
    assert.equal(report.peers[0].relayProtocol, 'tls', JSON.stringify(report));
    await page.close();
    delete pages.precall;
});

test('an expired credential, correctly signed, is refused: the check finds no connection', async () => {
    const api = await server.login('anna', PASSWORD);
    const created = await api.expect(201, 'POST', '/api/meetings', { body: { title: 'Udløbet', roles: ['citizen'] } });
    const token = new URL(created.links[0].url).hash.slice(1);
    // Signed with the real secret, expired a minute ago (as one issued with a 60 s TTL two minutes ago).
    const username = `${Math.floor(Date.now() / 1000) - 60}:expiredcheck`;
    const credential = crypto.createHmac('sha1', SECRET).update(username).digest('base64');
    const page = await openPage(browser, 'expired', { forceRelay: true, replace: { username, credential } });
    await page.goto(`${server.origin}/check#${token}`);
    await clickStart(page);
    const r = await until(async () => {
        const x = await page.evaluate(peerReport);
        return x.errors.filter((e) => e.code === 401).length >= 3 ? x : null;
    }, { timeoutMs: 15000, what: 'expired: 401 from coturn for udp, tcp and tls' });
    const data = await until(async () => {
        const d = await page.locator('section.precall').evaluate((el) => ({ ...el.dataset }));
        return d.result ? d : null;
    }, { timeoutMs: 20000, what: 'the pre-call check result' });
    assert.equal(data.result, 'fail', JSON.stringify(data));
    assert.equal(data.resultCode, 'no_connection', JSON.stringify(data));
    assert.deepEqual(r.peers.map((p) => p.state === 'connected'), [false], JSON.stringify(r));
    const lines = coturn.log.filter((l) => l.includes(`user <${username}>`));
    assert.ok(lines.some((l) => /check_stun_auth/.test(l)) && lines.some((l) => /401/.test(l)), `coturn: ${lines.slice(0, 6).join('\n')}`);
    assert.ok(!lines.some((l) => /ALLOCATE processed, success/.test(l)), lines.join('\n'));
    await page.close();
    delete pages.expired;
});

test('a relay-only caseworker and a citizen behind "TCP 443 only" meet through coturn', async () => {
    try {
        await meeting();
    } catch (e) {
        for (const [who, page] of Object.entries(pages)) {
            await page.screenshot({ path: path.join(LOG_DIR, `turn-failed-${who}.png`) }).catch(() => {});
        }
        throw e;
    }
});

async function meeting() {
    const api = await server.login('anna', PASSWORD);
    const created = await api.expect(201, 'POST', '/api/meetings', { body: { title: 'Opfølgning', roles: ['citizen', 'interpreter'] } });
    const linkFor = (role) => created.links.find((l) => l.role === role).url;

    const host = await openPage(browser, 'caseworker', { forceRelay: true });
    await joinAs(host, server.origin, created.host_link.url, 'Anna Jensen');
    await host.locator('.room').waitFor();

    const citizen = await openPage(blockedBrowser, 'citizen');
    await joinAs(citizen, proxy.origin, linkFor('citizen'), 'Mette Hansen');
    await host.getByRole('button', { name: 'Luk Mette Hansen ind' }).first().click();
    await citizen.locator('.room').waitFor();

    const t0 = Date.now();
    const seen = [await mediaFrom(host, 'caseworker', 'Mette Hansen'), await mediaFrom(citizen, 'citizen', 'Anna Jensen')];
    console.log(`media both ways within ${Date.now() - t0} ms of admission: ${JSON.stringify(seen)}`);

    const reports = { caseworker: await host.evaluate(peerReport), citizen: await citizen.evaluate(peerReport) };
    console.log(JSON.stringify(reports));
    for (const [who, r] of Object.entries(reports)) {
        assert.equal(r.peers.length, 2, `${who}: publish and subscribe connections: ${JSON.stringify(r)}`);
        for (const p of r.peers) {
            assert.equal(p.state, 'connected', `${who}: ${JSON.stringify(p)}`);
            assert.equal(p.type, 'relay', `${who}: the selected local candidate is a relay: ${JSON.stringify(p)}`);
            assert.equal(p.iceServers, 1, `${who}: the server's TURN entry is on the connection`);
        }
        assert.equal(r.usernames.length >= 1, true);
        for (const u of r.usernames) assert.ok(coturn.text().includes(`user <${u}>`), `${who}: coturn served ${u}`);
    }
    assert.ok(reports.caseworker.peers.every((p) => p.policy === 'relay'));
    for (const p of reports.citizen.peers) {
        assert.equal(p.relayProtocol, 'tls', `citizen: TURN over TLS on 443 is all her network allows: ${JSON.stringify(p)}`);
        assert.match(p.url, new RegExp(`^turns:${TURN_ADDR.replace(/\./g, '\\.')}:443`), JSON.stringify(p));
    }
    const drops = nftDrops();
    assert.ok(drops.udp > 0, `the citizen's browser tried UDP and it was dropped: ${JSON.stringify(drops)}`);
    assert.ok(drops.tcp > 0, `and TCP to other ports than 443: ${JSON.stringify(drops)}`);
    console.log(`citizen's network dropped ${drops.udp} UDP and ${drops.tcp} other TCP packets`);

    // A forged credential: coturn refuses it and no connection comes up.
    const forged = await openPage(browser, 'interpreter', { forceRelay: true, forge: true });
    await joinAs(forged, server.origin, linkFor('interpreter'), 'Omar Haddad');
    await host.getByRole('button', { name: 'Luk Omar Haddad ind' }).first().click();
    await forged.locator('.room').waitFor();
    const r = await until(async () => {
        const x = await forged.evaluate(peerReport);
        return x.peers.length >= 1 && x.errors.some((e) => e.code === 401) ? x : null;
    }, { timeoutMs: 15000, what: 'interpreter: 401 from coturn' });
    await sleep(FORGED_WAIT_MS);
    const later = await forged.evaluate(peerReport);
    console.log(`forged: ${JSON.stringify(later)}`);
    assert.ok(later.peers.every((p) => p.state !== 'connected' && p.type === undefined), `interpreter: no connection with a forged credential: ${JSON.stringify(later)}`);
    assert.ok(r.errors.every((e) => e.code === 401 || e.code === 701), JSON.stringify(r.errors));
    const refused = coturn.log.filter((l) => r.usernames.some((u) => l.includes(`user <${u}>`)));
    assert.ok(refused.some((l) => /401/.test(l)), `coturn refused ${r.usernames}: ${refused.slice(0, 5).join('\n')}`);
    assert.ok(!refused.some((l) => /ALLOCATE processed, success/.test(l)), `no allocation for the forged credential: ${refused.join('\n')}`);
    // The others are not disturbed.
    await mediaFrom(citizen, 'citizen (after)', 'Anna Jensen');
}
