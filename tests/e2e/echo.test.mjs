// The media path end to end: real Chromium publishes its (fake) camera and
// microphone to the real server, which sends them back through ICE-lite,
// DTLS-SRTP and the RTP/RTCP rewriting. The echoed video must decode and the
// echoed audio arrive within 10 s, over UDP, and again over ICE-TCP when the
// server withholds its UDP candidates (and when that check is stopped over
// signaling, the server closes its ICE-TCP connection itself). Hostile datagrams, from strangers and
// forged with the browser's own address, never end the call.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import { installHooks } from '../integration/lib.mjs';
import { launchChromium, until } from './browser.mjs';
import { dtlsRecord, forge, forgedStun, metric } from './forge.mjs';
import { echoServer, startEcho } from './echo-page.mjs';

installHooks();

let server;
let browser;
let token;

before(async () => {
    ({ server, token } = await echoServer({ name: 'e2e-echo' }));
    browser = await launchChromium();
});

after(async () => {
    await browser?.close();
});

/* Runs in the page: what getStats says about the echoed media. */
async function echoStats() {
    const { pc, msgs, answerError } = window.echoState;
    const r = { state: pc.connectionState, msgs: msgs.map((m) => m.type + (m.state ? `:${m.state}` : '') + (m.code ? `:${m.code}` : '')), answerError };
    const stats = await pc.getStats();
    let pair;
    stats.forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') {
            r.framesDecoded = s.framesDecoded ?? 0;
            r.videoPackets = s.packetsReceived;
        }
        if (s.type === 'inbound-rtp' && s.kind === 'audio') r.audioPackets = s.packetsReceived;
        if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
    });
    if (pair) {
        const local = stats.get(pair.localCandidateId);
        const remote = stats.get(pair.remoteCandidateId);
        r.protocol = local?.protocol;
        r.localAddress = local?.address ?? local?.ip;
        r.localPort = local?.port;
        r.remoteProtocol = remote?.protocol;
        r.rtt = pair.currentRoundTripTime;
    }
    return r;
}

/* Sum of the samples of a metric family whose labels include `label`. */
function metricWith(text, name, label) {
    let sum = 0;
    for (const line of text.split('\n'))
        if (line.startsWith(name + '{') && line.includes(label)) sum += Number(line.split(' ').pop());
    return sum;
}

/* The check is stopped over signaling while the browser keeps its peer
 * connection open: the server ends the transport and closes its ICE-TCP
 * connection itself (it does not wait for the browser to). */
async function stopAndSeeTcpClosed(page) {
    const m0 = (await server.request('GET', '/metrics')).text;
    const ended0 = metricWith(m0, 'samtale_media_tcp_dropped_total', 'reason="transport_ended"');
    assert.ok(metricWith(m0, 'samtale_media_tcp_connections', 'state="authenticated"') >= 1, m0);
    await page.evaluate(() => window.echoState.ws.send(JSON.stringify({ type: 'echo_stop' })));
    const m1 = await until(async () => {
        const t = (await server.request('GET', '/metrics')).text;
        return metricWith(t, 'samtale_media_tcp_connections', 'state="authenticated"') === 0 ? t : null;
    }, { timeoutMs: 3000, intervalMs: 100, what: 'the server closing the ICE-TCP connection' });
    const ended = metricWith(m1, 'samtale_media_tcp_dropped_total', 'reason="transport_ended"') - ended0;
    assert.ok(ended >= 1, `transport_ended grew by ${ended}`);
    assert.notEqual(await page.evaluate(() => window.echoState.pc.connectionState), 'closed');
    console.log(`echo over tcp stopped: ${ended} ICE-TCP connection(s) closed by the server`);
}

async function runEcho(transports, expectProtocol, { stopOverSignaling = false } = {}) {
    const page = await browser.newPage();
    try {
        await page.goto(`${server.origin}/healthz`);
        const started = Date.now();
        await page.evaluate(startEcho, { token, transports });
        let last;
        try {
            last = await until(async () => {
                last = await page.evaluate(echoStats);
                return last.state === 'connected' && last.framesDecoded > 5 && last.audioPackets > 10 ? last : null;
            }, { timeoutMs: 10000, intervalMs: 250, what: 'echoed video decoding and audio arriving' });
        } catch (e) {
            throw new Error(`${e.message}; last stats: ${JSON.stringify(last)}`);
        }
        const took = Date.now() - started;
        assert.equal(last.protocol, expectProtocol, `selected pair protocol: ${JSON.stringify(last)}`);
        assert.ok(last.msgs.includes('echo_answer'), JSON.stringify(last.msgs));
        assert.ok(last.msgs.includes('echo_state:connected'), JSON.stringify(last.msgs));
        // The frames keep coming: a second look sees more decoded.
        const first = last.framesDecoded;
        const later = await until(async () => {
            const s = await page.evaluate(echoStats);
            return s.framesDecoded > first + 5 ? s : null;
        }, { timeoutMs: 5000, what: 'more frames decoded' });
        console.log(`echo over ${expectProtocol}: connected and decoding in ${took} ms, ` +
            `${later.framesDecoded} frames, ${later.audioPackets} audio packets, rtt ${later.rtt}`);
        if (stopOverSignaling) await stopAndSeeTcpClosed(page);
    } finally {
        await page.close();
    }
}

test('echo check over UDP: the echoed video decodes and audio arrives within 10 s', async () => {
    await runEcho(['udp', 'tcp'], 'udp');
});

test('echo check over ICE-TCP with the UDP candidates withheld; stopping it closes the connection', async () => {
    await runEcho(['tcp'], 'tcp', { stopOverSignaling: true });
});

test('hostile datagrams to the media port are dropped and counted; the call goes on', async () => {
    const page = await browser.newPage();
    const sock = dgram.createSocket('udp4');
    try {
        await page.goto(`${server.origin}/healthz`);
        await page.evaluate(startEcho, { token, transports: ['udp'] });
        await until(async () => (await page.evaluate(echoStats)).framesDecoded > 5, { what: 'echo decoding' });
        const answer = await page.evaluate(() => window.echoState.msgs.find((m) => m.type === 'echo_answer').sdp);
        const port = Number(answer.match(/a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 (\d+) typ host/)[1]);
        const ufrag = answer.match(/a=ice-ufrag:(\S+)/)[1];
        const before = (await server.request('GET', '/metrics')).text;

        const send = (buf) => new Promise((resolve) => sock.send(buf, port, '127.0.0.1', resolve));
        for (let i = 0; i < 300; i++) {
            await send(crypto.randomBytes(1 + (i % 1200)));                        // garbage
            await send(forgedStun(`${ufrag}:intruder`));                           // wrong credentials
            await send(Buffer.concat([Buffer.from([22, 0xfe, 0xfd]), crypto.randomBytes(40)])); // forged DTLS
            await send(Buffer.concat([Buffer.from([0x80, 96]), crypto.randomBytes(200)]));      // forged SRTP
        }
        const first = (await page.evaluate(echoStats)).framesDecoded;
        await until(async () => (await page.evaluate(echoStats)).framesDecoded > first + 10, { what: 'the echo still decoding' });
        const after = (await server.request('GET', '/metrics')).text;
        const dropped = (t) => metric(t, 'samtale_media_dropped_total');
        assert.ok(dropped(after) - dropped(before) >= 900, `dropped counted: ${dropped(before)} → ${dropped(after)}`);
        assert.equal((await page.evaluate(echoStats)).state, 'connected');
    } finally {
        sock.close();
        await page.close();
    }
});

test('the media counters show the sessions', async () => {
    const r = await server.request('GET', '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.text, /samtale_dtls_handshakes_total\{result="ok"\} [1-9]/);
});

/* Datagrams (and how many DTLS records they hold) that a forger on the path
 * could send: each was, or could be, a way to end an established
 * association; all must be dropped and counted. */
function forgedDatagrams(round) {
    const out = [];
    let seq = 0x100000 * (round + 1);
    const add = (records) => out.push({ buf: Buffer.concat(records), records: records.length });
    // The report's 14 bytes: an alert in epoch 1 with a one-byte body.
    add([Buffer.from('15fefd0001000000000040000199', 'hex')]);
    // Every type, epoch 1, bodies too short for the AEAD's nonce and tag.
    for (const type of [20, 21, 22, 23])
        for (let len = 0; len < 24; len++) add([dtlsRecord(type, 1, seq++, crypto.randomBytes(len))]);
    // Full-length epoch-1 records with a wrong tag.
    for (const type of [21, 22, 23]) add([dtlsRecord(type, 1, seq++, crypto.randomBytes(26 + type))]);
    // Plaintext alerts after the handshake: fatal, and close_notify in DTLS 1.0.
    add([dtlsRecord(21, 0, seq++, Buffer.from([2, 40]))]);
    add([dtlsRecord(21, 0, seq++, Buffer.from([1, 0]), 0xff)]);
    // A replayed-looking ClientHello fragment, epochs that do not exist,
    // unknown content types.
    add([dtlsRecord(22, 0, 0, Buffer.from('010000000000000000000000', 'hex'))]);
    add([dtlsRecord(23, 2, seq++, crypto.randomBytes(40))]);
    add([dtlsRecord(21, 0xffff, seq++, crypto.randomBytes(40))]);
    for (const type of [24, 25, 63]) add([dtlsRecord(type, 1, seq++, crypto.randomBytes(30))]);
    // Several bad records in one datagram.
    add([dtlsRecord(21, 1, seq++, Buffer.from([0x99])), dtlsRecord(23, 1, seq++, crypto.randomBytes(60)),
        dtlsRecord(21, 0, seq++, Buffer.from([2, 10]))]);
    return out;
}

test('forged DTLS records from the participant\'s own address are dropped and counted; the call goes on', async () => {
    const page = await browser.newPage();
    try {
        await page.goto(`${server.origin}/healthz`);
        await page.evaluate(startEcho, { token, transports: ['udp'] });
        const up = await until(async () => {
            const s = await page.evaluate(echoStats);
            return s.framesDecoded > 5 && s.localPort ? s : null;
        }, { what: 'echo decoding over a selected pair' });
        assert.equal(up.protocol, 'udp');
        assert.match(String(up.localAddress), /^127\./, `the browser's selected address: ${JSON.stringify(up)}`);
        const answer = await page.evaluate(() => window.echoState.msgs.find((m) => m.type === 'echo_answer').sdp);
        const port = Number(answer.match(/a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 (\d+) typ host/)[1]);
        const before = (await server.request('GET', '/metrics')).text;

        let datagrams = 0;
        let records = 0;
        for (let round = 0; round < 3; round++) {
            const forged = forgedDatagrams(round);
            assert.equal(forge(up.localAddress, up.localPort, '127.0.0.1', port, forged.map((d) => d.buf)), forged.length);
            datagrams += forged.length;
            records += forged.reduce((n, d) => n + d.records, 0);
            await new Promise((r) => setTimeout(r, 200));
        }

        const first = (await page.evaluate(echoStats)).framesDecoded;
        let last;
        try {
            await until(async () => {
                last = await page.evaluate(echoStats);
                return last.framesDecoded > first + 20 ? last : null;
            }, { timeoutMs: 8000, what: 'the echo still decoding after the forged datagrams' });
        } catch (e) {
            throw new Error(`${e.message}; last stats: ${JSON.stringify(last)}`);
        }
        assert.equal(last.state, 'connected', JSON.stringify(last));
        assert.ok(!last.msgs.some((m) => m === 'echo_state:failed' || m === 'echo_state:closed'), JSON.stringify(last.msgs));
        const after = (await server.request('GET', '/metrics')).text;
        const counted = metric(after, 'samtale_dtls_records_dropped_total') - metric(before, 'samtale_dtls_records_dropped_total');
        assert.ok(counted >= records, `${records} forged DTLS records in ${datagrams} datagrams, ${counted} counted as dropped`);
        const failed = (t) => metric(t, 'samtale_ice_transports_failed_total');
        assert.equal(failed(after), failed(before), 'no transport failed');
        console.log(`forged from ${up.localAddress}:${up.localPort}: ${datagrams} datagrams, ${records} DTLS records, ` +
            `${counted} counted as dropped; ${last.framesDecoded - first} frames decoded since`);
    } finally {
        await page.close();
    }
});
