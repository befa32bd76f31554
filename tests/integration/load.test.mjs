// The native load generator (build/<mode>/load/samtale-load) against the
// real server: two meetings of three participants who publish Opus and
// subscribe to each other through REST + WSS, ICE, DTLS and SRTP. Every
// participant must receive every other's audio without loss, decode errors
// or SRTP failures, and the hosts end the meetings at the end; and when the
// generator drops 2 % of what it sends (before SRTP), the checker must see
// about that loss.
//
//   SAMTALE_BIN=build/debug/samtale node --test tests/integration/load.test.mjs
//
// SAMTALE_LOAD_BIN selects the generator (default: load/samtale-load next to
// the server binary, else build/debug/load/samtale-load).

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Server, PASSWORD, REPO_ROOT, BIN, CA_PATH, installHooks } from './lib.mjs';

installHooks();

const MEETINGS = 2;
const PARTIES = 3;
const SECONDS = 8;

function loadBin() {
    if (process.env.SAMTALE_LOAD_BIN) return path.resolve(REPO_ROOT, process.env.SAMTALE_LOAD_BIN);
    const beside = path.join(path.dirname(BIN), 'load', 'samtale-load');
    return fs.existsSync(beside) ? beside : path.join(REPO_ROOT, 'build/debug/load/samtale-load');
}

let server;
let passwordFile;

before(async () => {
    server = new Server({ name: 'load' });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
    passwordFile = path.join(server.dataDir, 'load-password');
    fs.writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
});

/* Runs the generator to its end (bounded) and returns {code, stdout, stderr, report}. */
function runLoad(extra, timeoutMs = 40000) {
    const json = path.join(server.dataDir, `load-${Date.now()}.json`);
    const args = ['--url', server.origin, '--user', 'anna', '--password-file', passwordFile,
        '--ca', CA_PATH, '--meetings', String(MEETINGS), '--parties', String(PARTIES),
        '--seconds', String(SECONDS), '--server-pid', String(server.proc.pid), '--json', json, ...extra];
    const bin = loadBin();
    assert.ok(fs.existsSync(bin), `${bin} does not exist (build it with make)`);
    return new Promise((resolve, reject) => {
        const proc = spawn(bin, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        proc.stdout.on('data', (d) => { stdout += d; });
        proc.stderr.on('data', (d) => { stderr += d; });
        const timer = setTimeout(() => {
            try { process.kill(proc.pid, 'SIGKILL'); } catch { /* gone */ }
            reject(new Error(`samtale-load did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
        }, timeoutMs);
        proc.on('error', (e) => { clearTimeout(timer); reject(e); });
        proc.on('exit', (code, signal) => {
            clearTimeout(timer);
            let report = null;
            try { report = JSON.parse(fs.readFileSync(json, 'utf8')); } catch { /* none */ }
            resolve({ code, signal, stdout, stderr, report });
        });
    });
}

/* Every participant got every other participant of its meeting's audio. */
function assertEveryoneHearsEveryone(r, minPackets) {
    const list = r.report.participant_list;
    assert.equal(list.length, MEETINGS * PARTIES);
    for (const p of list) {
        const others = list.filter((o) => o.meeting === p.meeting && o.participant !== p.participant)
            .map((o) => o.participant).sort();
        const heard = p.received.filter((s) => s.what === 0).map((s) => s.from).sort();
        assert.deepEqual(heard, others, `participant ${p.participant} hears ${heard}, wants ${others}`);
        for (const s of p.received) {
            assert.ok(s.packets >= minPackets,
                `participant ${p.participant} got only ${s.packets} packets from ${s.from}`);
        }
        assert.ok(p.join_to_first_us >= 0, `participant ${p.participant}: no join-to-first-packet time`);
    }
}

test('2 meetings x 3 parties, audio: everyone receives everyone, no loss, all decoded', { timeout: 50000 }, async () => {
    const r = await runLoad([]);
    const out = `${r.stdout}\n${r.stderr}`;
    assert.equal(r.code, 0, `samtale-load failed:\n${out}`);
    assert.ok(r.report, `no JSON report\n${out}`);
    const rep = r.report;
    assert.equal(rep.participants, MEETINGS * PARTIES);
    assert.equal(rep.received.streams_wanted, MEETINGS * PARTIES * (PARTIES - 1), out);
    assert.equal(rep.received.streams, rep.received.streams_wanted, out);
    // 50 packets/s for SECONDS at least, per stream; a busy machine may lose some time.
    assertEveryoneHearsEveryone(r, SECONDS * 50 * 0.6);
    assert.ok(rep.loss_pct < 1, `loss ${rep.loss_pct} %\n${out}`);
    assert.equal(rep.decode_errors, 0, out);
    assert.equal(rep.auth_failures, 0, out);
    // Every stream is decoded (the default --decode 100), every packet of it.
    assert.equal(rep.decoded_streams, rep.received.streams, out);
    for (const p of rep.participant_list) {
        for (const s of p.received) assert.equal(s.decoded, s.packets, `participant ${p.participant} from ${s.from}\n${out}`);
    }
    assert.ok(rep.sent.packets > 0 && rep.received.packets >= rep.sent.packets, out);
    assert.ok(rep.delay_p50_us > 0 && rep.delay_p99_us >= rep.delay_p50_us, out);
    assert.ok(rep.server.rss_kb > 0, `no server RSS\n${out}`);
    assert.ok(rep.server.threads.length > 0, `no server threads\n${out}`);
    assert.match(r.stdout, /loss\s+[0-9.]+ %/);
    // At the end the hosts ended their meetings: no seats left behind.
    const api = await server.login('anna', PASSWORD);
    const { meetings } = await api.expect(200, 'GET', '/api/meetings');
    assert.equal(meetings.length, MEETINGS);
    for (const m of meetings) assert.equal(m.status, 'ended', JSON.stringify(m));
});

test('dropping 2 % of what is sent shows as about 2 % loss', { timeout: 50000 }, async () => {
    const r = await runLoad(['--drop-send', '2']);
    const out = `${r.stdout}\n${r.stderr}`;
    assert.equal(r.code, 0, `samtale-load failed:\n${out}`);
    const rep = r.report;
    assert.ok(rep.sent.dropped_on_purpose > 0, out);
    assert.ok(rep.loss_pct >= 0.8 && rep.loss_pct <= 4, `loss ${rep.loss_pct} %, wanted about 2 %\n${out}`);
    assert.equal(rep.decode_errors, 0, out);
    assert.equal(rep.auth_failures, 0, out);
});
