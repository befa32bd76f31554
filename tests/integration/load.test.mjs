// The native load generator (build/<mode>/load/samtale-load) against the
// real server: two meetings of three participants who publish Opus and
// subscribe to each other through REST + WSS, ICE, DTLS and SRTP. Every
// participant must receive every other's audio without loss, decode errors
// or SRTP failures, and the hosts end the meetings at the end; and when the
// generator drops 1 % of what it sends (before SRTP), the checker must see
// about that loss (audio is not repaired). With --video (one meeting of three, small sizes to keep
// the CPU low) every participant must decode both others' simulcast VP8
// with no corrupt frame and no decode error; and against a server whose
// test switch SAMTALE_TEST_CORRUPT_FORWARD damages every 50th forwarded
// packet, the checker must report corrupt frames or decode errors. With 2 %
// dropped and feedback on (the default), NACK and RTX must repair nearly
// all the video loss.
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
function runLoad(extra, { meetings = MEETINGS, seconds = SECONDS, srv = server, pwFile = passwordFile, timeoutMs = 40000 } = {}) {
    const json = path.join(srv.dataDir, `load-${Date.now()}.json`);
    const args = ['--url', srv.origin, '--user', 'anna', '--password-file', pwFile,
        '--ca', CA_PATH, '--meetings', String(meetings), '--parties', String(PARTIES),
        '--seconds', String(seconds), '--server-pid', String(srv.proc.pid), '--json', json, ...extra];
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

test('dropping 1 % of what is sent shows as about 1 % loss (audio is not repaired)', { timeout: 50000 }, async () => {
    const r = await runLoad(['--drop-send', '1']);
    const out = `${r.stdout}\n${r.stderr}`;
    assert.equal(r.code, 0, `samtale-load failed:\n${out}`);
    const rep = r.report;
    assert.ok(rep.sent.dropped_on_purpose > 0, out);
    assert.ok(rep.loss_pct >= 0.5 && rep.loss_pct <= 2, `loss ${rep.loss_pct} %, wanted about 1 %\n${out}`);
    // Nothing repairs Opus: the loss before repair is the loss after.
    assert.equal(rep.feedback.raw_lost, rep.lost, out);
    assert.equal(rep.decode_errors, 0, out);
    assert.equal(rep.auth_failures, 0, out);
});

const VIDEO = ['--video', '--video-size', '320x180', '--fps', '15', '--video-bitrates', '40,100,250'];

test('1 meeting x 3 parties with simulcast video: everyone decodes both others, nothing corrupt', { timeout: 50000 }, async (t) => {
    const r = await runLoad(VIDEO, { meetings: 1 });
    const out = `${r.stdout}\n${r.stderr}`;
    for (const line of r.stdout.split('\n')) if (line) t.diagnostic(line);
    assert.equal(r.code, 0, `samtale-load failed:\n${out}`);
    assert.ok(r.report, `no JSON report\n${out}`);
    const rep = r.report;
    assert.equal(rep.participants, PARTIES);
    // Audio and camera from each of the two others.
    assert.equal(rep.received.streams_wanted, PARTIES * (PARTIES - 1) * 2, out);
    assert.equal(rep.received.streams, rep.received.streams_wanted, out);
    const v = rep.video;
    assert.ok(v, `no video section\n${out}`);
    assert.equal(v.streams, PARTIES * (PARTIES - 1), out);
    assert.equal(v.streams_decoded, v.streams, out);
    assert.equal(v.streams_with_first_frame, v.streams, out);
    assert.equal(v.corrupt, 0, out);
    assert.equal(v.decode_errors, 0, out);
    assert.equal(rep.decode_errors, 0, out);
    assert.equal(rep.auth_failures, 0, out);
    assert.ok(v.clip_cost_us > 0, out);
    for (const p of rep.participant_list) {
        const others = rep.participant_list.filter((o) => o.participant !== p.participant)
            .map((o) => o.participant).sort();
        const cams = p.received.filter((s) => s.kind === 'video');
        assert.deepEqual(cams.map((s) => s.from).sort(), others, `participant ${p.participant}\n${out}`);
        for (const s of cams) {
            const who = `participant ${p.participant} from ${s.from}`;
            assert.ok(s.video, `${who}: no checker\n${out}`);
            assert.equal(s.video.corrupt, 0, `${who}\n${out}`);
            assert.equal(s.video.decode_errors, 0, `${who}\n${out}`);
            assert.ok(s.video.join_to_first_frame_us >= 0, `${who}: no first frame\n${out}`);
            // 15 fps over the run; a busy machine may show fewer.
            assert.ok(s.video.frames_decoded >= SECONDS * 15 * 0.3, `${who}: ${s.video.frames_decoded} frames\n${out}`);
        }
    }
    assert.match(r.stdout, /frames shown \d+, decoded \d+, corrupt 0/);
});

// Upstream, every packet the generator drops is NACKed by the server and
// resent as RTX, itself dropped with the same 2 %; the server tries up to
// 8 times, so a packet stays lost only with a chance of about 0.02^8, or
// when it was still being repaired as the run stopped (at most the last
// packet or two of a stream). A loss the subscriber saw is one the server
// forwarded past before its repair came; a frame's last packet is often
// repaired before the next frame and never seen missing, so the
// subscriber sees a bit less than the 2 % on the wire.
test('video with 2 % dropped and feedback on: NACK and RTX repair nearly all of it', { timeout: 50000 }, async (t) => {
    const video = ['--video', '--video-size', '320x180', '--fps', '15', '--video-bitrates', '60,150,800'];
    const r = await runLoad([...video, '--drop-send', '2'], { meetings: 1 });
    const out = `${r.stdout}\n${r.stderr}`;
    for (const line of r.stdout.split('\n')) if (/^ {2}(sent|loss|repair|feedback)|^ {12}publishers/.test(line)) t.diagnostic(line);
    assert.equal(r.code, 0, `samtale-load failed:\n${out}`);
    const rep = r.report;
    const fb = rep.feedback;
    assert.ok(fb && fb.on, out);
    assert.equal(rep.received.streams, rep.received.streams_wanted, out);
    const wire = 100 * rep.sent.dropped_on_purpose / (rep.sent.packets + rep.sent.dropped_on_purpose);
    assert.ok(wire >= 1 && wire <= 3.5, `dropped ${wire} % of what was sent\n${out}`);
    assert.ok(fb.video_expected >= 1000, out);
    assert.ok(fb.video_raw_loss_pct >= 0.5 && fb.video_raw_loss_pct <= 4,
        `video loss before repair ${fb.video_raw_loss_pct} %, wanted about 2 %\n${out}`);
    assert.ok(fb.video_lost <= Math.max(3, fb.video_raw_lost / 10),
        `video: ${fb.video_lost} packets lost after repair of ${fb.video_raw_lost} before\n${out}`);
    assert.ok(fb.nacks_received > 0 && fb.rtx_sent > 0 && fb.nacks_sent > 0, out);
    assert.ok(fb.twcc_feedback_received > 0 && fb.twcc_feedback_sent > 0, out);
    assert.equal(fb.errors, 0, out);
    assert.equal(rep.video.corrupt, 0, out);
    assert.equal(rep.video.decode_errors, 0, out);
    assert.equal(rep.auth_failures, 0, out);
});

test('a server that corrupts every 50th forwarded packet: the checker reports it', { timeout: 50000 }, async (t) => {
    const bad = new Server({ name: 'load-corrupt', env: { SAMTALE_TEST_CORRUPT_FORWARD: '50' } });
    bad.addUser('anna', 'Anna Jensen', PASSWORD);
    await bad.start();
    try {
        const pw = path.join(bad.dataDir, 'load-password');
        fs.writeFileSync(pw, `${PASSWORD}\n`, { mode: 0o600 });
        const warned = () => bad.log.some(([, line]) => /TEST SWITCH SAMTALE_TEST_CORRUPT_FORWARD=50/.test(line));
        for (let i = 0; i < 40 && !warned(); i++) await new Promise((res) => setTimeout(res, 50));
        assert.ok(warned(), `no warning about the test switch\n${bad.logTail()}`);
        const r = await runLoad(VIDEO, { meetings: 1, seconds: 4, srv: bad, pwFile: pw });
        const out = `${r.stdout}\n${r.stderr}`;
        assert.equal(r.code, 0, `samtale-load failed:\n${out}`);
        assert.ok(r.report, `no JSON report\n${out}`);
        for (const line of r.stdout.split('\n')) if (/^ {2}(video|loss|decoded)|^ {4}(frames|freezes)/.test(line)) t.diagnostic(line);
        const v = r.report.video;
        assert.ok(v && v.frames_decoded > 0, `nothing decoded\n${out}`);
        assert.ok(v.corrupt + v.decode_errors > 0, `corruption went unnoticed\n${out}`);
        // Media damaged inside authentic SRTP: no authentication failure.
        assert.equal(r.report.auth_failures, 0, out);
    } finally {
        await bad.cleanup();
    }
});
