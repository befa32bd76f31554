// The media path end to end: real Chromium publishes its (fake) camera and
// microphone to the real server, which sends them back through ICE-lite,
// DTLS-SRTP and the RTP/RTCP rewriting. The echoed video must decode and the
// echoed audio arrive within 10 s, over UDP, and again over ICE-TCP when the
// server withholds its UDP candidates.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import zlib from 'node:zlib';
import { Server, PASSWORD, installHooks } from '../integration/lib.mjs';
import { launchChromium, until } from './browser.mjs';
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
        r.remoteProtocol = remote?.protocol;
        r.rtt = pair.currentRoundTripTime;
    }
    return r;
}

async function runEcho(transports, expectProtocol) {
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
    } finally {
        await page.close();
    }
}

test('echo check over UDP: the echoed video decodes and audio arrives within 10 s', async () => {
    await runEcho(['udp', 'tcp'], 'udp');
});

test('echo check over ICE-TCP with the UDP candidates withheld', async () => {
    await runEcho(['tcp'], 'tcp');
});

/* A STUN Binding request for `username` with MESSAGE-INTEGRITY under a
 * wrong key and a correct FINGERPRINT: well formed, but not ours. */
function forgedStun(username) {
    const attr = (type, value) => {
        const pad = (4 - (value.length % 4)) % 4;
        const b = Buffer.alloc(4 + value.length + pad);
        b.writeUInt16BE(type, 0);
        b.writeUInt16BE(value.length, 2);
        value.copy(b, 4);
        return b;
    };
    const header = (bodyLen) => {
        const h = Buffer.alloc(20);
        h.writeUInt16BE(0x0001, 0);
        h.writeUInt16BE(bodyLen, 2);
        h.writeUInt32BE(0x2112a442, 4);
        crypto.randomBytes(12).copy(h, 8);
        return h;
    };
    const user = attr(0x0006, Buffer.from(username));
    let msg = Buffer.concat([header(user.length + 24), user]);
    const mi = crypto.createHmac('sha1', 'not-the-password-of-anyone').update(msg).digest();
    msg = Buffer.concat([msg, attr(0x0008, mi)]);
    msg.writeUInt16BE(msg.length - 20 + 8, 2);
    const fp = Buffer.alloc(4);
    fp.writeUInt32BE((zlib.crc32(msg) ^ 0x5354554e) >>> 0, 0);
    return Buffer.concat([msg, attr(0x8028, fp)]);
}

function metric(text, name) {
    let sum = 0;
    for (const line of text.split('\n')) if (line.startsWith(name)) sum += Number(line.split(' ').pop());
    return sum;
}

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
