// The phone bridge's SIP side against the real binary, with a small SIP
// client of the test's own (tests/integration/sip-client.mjs) on loopback:
// 127.0.0.2 plays the operator's trunk (the only allowed network), other
// 127/8 addresses play strangers.
// - OPTIONS from the trunk: 200; an INVITE from outside the allowlist: 403;
// - garbage and a request without Call-ID: dropped or 400, and the bridge
//   still answers afterwards; an INVITE with no common codec: 488;
// - a call: 200 with our SDP (PCMA chosen), the welcome prompt arrives as RTP
//   at the address we signalled; RTP from a foreign address is ignored
//   (counted in /metrics), the caller's own RTP is not;
// - three wrong PINs (SIP INFO) end the call with BYE; the caller id is then
//   over its PIN-failure limit and even the right PIN is refused;
// - SIP over TLS (the HTTPS port's certificate): OPTIONS and a call that is
//   answered and hung up, on one TLS connection;
// - the right PIN from another caller: the phone waits in the lobby, the host
//   sees it with its phone marker and masked number, admits it, removes it,
//   and the phone gets BYE; the audit log names the phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import tls from 'node:tls';
import { startWithUser, installHooks, freePort, sleep, CA } from './lib.mjs';
import { SipClient, pcmaSdp, sdpMedia } from './sip-client.mjs';

installHooks();

const TRUNK = '127.0.0.2';
let server, api, sipPort, tlsPort, rtpMin;

before(async () => {
    sipPort = await freePort();
    tlsPort = await freePort();
    rtpMin = 30000 + 20 * (sipPort % 1000);
    ({ server, api } = await startWithUser({
        name: 'it-sip',
        config: {
            sip_listen: `127.0.0.1:${sipPort}`,
            sip_tls_listen: `127.0.0.1:${tlsPort}`,
            sip_allow: `${TRUNK}/32`,
            sip_rtp_port_min: rtpMin,
            sip_rtp_port_max: rtpMin + 19,
            sip_dial_in_number: '+45 70 20 30 40',
        },
    }));
});

after(async () => {});

const URI = () => `sip:samtale@127.0.0.1:${sipPort}`;

async function client(bind, user = 'trunk') {
    return SipClient.open({ bind, server: { host: '127.0.0.1', port: sipPort }, user });
}

async function metric(name) {
    const r = await server.request('GET', '/metrics');
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(r.text);
    return m ? Number(m[1]) : null;
}

/** An RTP socket for the caller's media; collects what arrives. */
async function rtpSocket(bind) {
    const s = dgram.createSocket('udp4');
    s.got = [];
    s.on('message', (b, from) => s.got.push({ b, from }));
    await new Promise((r) => s.bind(0, bind, r));
    return s;
}

function pcmaPacket(seq, ts, ssrc) {
    const b = Buffer.alloc(12 + 160, 0xd5); // A-law silence
    b[0] = 0x80;
    b[1] = 8;
    b.writeUInt16BE(seq & 0xffff, 2);
    b.writeUInt32BE(ts >>> 0, 4);
    b.writeUInt32BE(ssrc, 8);
    return b;
}

test('SIP: allowlist, malformed requests and codecs', async () => {
    const trunk = await client(TRUNK);
    const stranger = await client('127.0.0.3');
    try {
        const callId = 'opt-1@test';
        trunk.request('OPTIONS', { uri: URI(), callId, cseq: 1, fromTag: 'a1' });
        const ok = await trunk.wait((m) => m.status && m.header('call-id') === callId, { what: 'OPTIONS answer' });
        assert.equal(ok.status, 200);

        const rtp = await rtpSocket('127.0.0.3');
        const d = await stranger.invite({ uri: URI(), sdp: pcmaSdp({ addr: '127.0.0.3', port: rtp.address().port }) });
        assert.equal(d.status, 403, 'an INVITE from outside sip_allow is refused');
        rtp.close();

        await trunk.sendRaw('HELLO THERE\r\n\r\n');
        await trunk.sendRaw(Buffer.alloc(3000, 0xff).toString('latin1'));
        const since = trunk.inbox.length;
        trunk.request('INVITE', { uri: URI(), callId: null, cseq: 1, fromTag: 'x', headers: { 'Call-ID': null }, body: pcmaSdp({ addr: TRUNK, port: 9 }) });
        await sleep(500);
        const answers = trunk.inbox.slice(since).filter((m) => m.status);
        assert.ok(answers.every((m) => m.status === 400), `a request without Call-ID gets 400 or nothing: ${answers.map((m) => m.first)}`);

        const gsm = await trunk.invite({ uri: URI(), sdp: pcmaSdp({ addr: TRUNK, port: 40000, pts: [3] }) });
        assert.equal(gsm.status, 488, 'no common codec: 488');

        trunk.request('OPTIONS', { uri: URI(), callId: 'opt-2@test', cseq: 1, fromTag: 'a2' });
        assert.equal((await trunk.wait((m) => m.header('call-id') === 'opt-2@test', { what: 'OPTIONS after garbage' })).status, 200);
    } finally {
        trunk.close();
        stranger.close();
    }
});

test('SIP: a call, prompts as RTP, foreign RTP ignored, PIN limits, lobby, admit, remove', async () => {
    const created = await api.createMeeting({ title: 'Fællessamtale', roles: ['citizen', 'interpreter'] });
    const interp = created.links.find((l) => l.role === 'interpreter');
    assert.match(String(interp.pin), /^\d{8}$/, `the interpreter's link has an 8-digit PIN: ${JSON.stringify(interp)}`);
    const wrong = interp.pin === '11111111' ? '22222222' : '11111111';

    // A caller who guesses: three wrong PINs end the call.
    const guesser = await client(TRUNK, '4511111111');
    const rtp = await rtpSocket(TRUNK);
    const foreign = await rtpSocket('127.0.0.4');
    try {
        const d = await guesser.invite({ uri: URI(), sdp: pcmaSdp({ addr: TRUNK, port: rtp.address().port }) });
        assert.equal(d.status, 200, 'the call is answered');
        const ours = sdpMedia(d.answer);
        assert.deepEqual(ours.pts.slice(0, 1), [8], `PCMA is chosen: ${d.answer}`);
        assert.ok(ours.port >= rtpMin && ours.port <= rtpMin + 19, `our RTP port comes from sip_rtp_port_*: ${ours.port}`);
        // Our RTP first (it latches), then a stranger's from another address.
        for (let i = 0; i < 25; i++) {
            rtp.send(pcmaPacket(i, i * 160, 0x1234), ours.port, '127.0.0.1');
            await sleep(20);
        }
        const before = await metric('samtale_phone_rtp_foreign_dropped_total');
        for (let i = 0; i < 20; i++) foreign.send(pcmaPacket(1000 + i, i * 160, 0x9999), ours.port, '127.0.0.1');
        await sleep(300);
        const afterForeign = await metric('samtale_phone_rtp_foreign_dropped_total');
        assert.ok(afterForeign >= before + 20, `foreign RTP is counted and dropped: ${before} → ${afterForeign}`);
        // The welcome prompt reaches the address we signalled, as PCMA.
        assert.ok(rtp.got.length > 20, `prompt RTP arrives: ${rtp.got.length}`);
        assert.ok(rtp.got.every((p) => (p.b[1] & 0x7f) === 8), 'as PCMA');
        assert.equal(foreign.got.length, 0, 'nothing goes to the stranger');

        const guess = async (call) => {
            for (let k = 0; k < 3; k++) {
                for (const digit of `${wrong}#`) await guesser.info(call, digit);
                await sleep(200);
            }
            await guesser.waitBye(call, 20000);
        };
        await guess(d);
        assert.ok(await metric('samtale_phone_pin_failures_total') >= 3, 'PIN failures are counted');
        // The same caller calls again and goes on guessing: the per-caller
        // limit (5 a minute) stops it; then even the right PIN is refused.
        await guess(await guesser.invite({ uri: URI(), sdp: pcmaSdp({ addr: TRUNK, port: rtp.address().port }) }));
        const again = await guesser.invite({ uri: URI(), sdp: pcmaSdp({ addr: TRUNK, port: rtp.address().port }) });
        assert.equal(again.status, 200);
        for (const digit of `${interp.pin}#`) await guesser.info(again, digit);
        await guesser.waitBye(again, 20000);
        assert.ok(await metric('samtale_phone_call_results_total\\{result="pin_limit"\\}') >= 1, 'the limit is counted');
    } finally {
        guesser.close();
        rtp.close();
        foreign.close();
    }

    // The interpreter's own phone: lobby, admitted, removed.
    const host = await server.join(created.host_link.token, 'Anna Jensen');
    const phone = await client(TRUNK, '+4522334455');
    const media = await rtpSocket(TRUNK);
    try {
        const d = await phone.invite({ uri: URI(), sdp: pcmaSdp({ addr: TRUNK, port: media.address().port }) });
        assert.equal(d.status, 200);
        for (const digit of `${interp.pin}#`) await phone.info(d, digit);
        const lobby = await host.roster((ps) => ps.some((p) => p.phone && p.state === 'lobby'), { timeoutMs: 10000, desc: 'the phone in the lobby' });
        const waiting = lobby.participants.find((p) => p.phone);
        assert.equal(waiting.number, '+45 •• •• 44 55', 'the number is masked');
        host.send({ type: 'admit', participant_id: waiting.id });
        const roster = await host.roster((ps) => ps.some((p) => p.phone && p.id === waiting.id && p.state === 'admitted'), { timeoutMs: 10000, desc: 'the phone admitted' });
        assert.equal(roster.participants.find((p) => p.id === waiting.id).role, 'interpreter');
        host.send({ type: 'remove', participant_id: waiting.id });
        await phone.waitBye(d, 20000);
        const events = await api.audit(created.meeting.id);
        assert.ok(events.some((e) => e.kind === 'join' && /phone/.test(e.detail ?? '')), `the audit log names the phone: ${JSON.stringify(events)}`);
        assert.ok(!JSON.stringify(events).includes('22334455'), 'never the full number in the audit log');
        assert.ok(!server.log.map(([, l]) => l).join('\n').includes('4522334455'), 'never the full number in the server log');
    } finally {
        phone.close();
        media.close();
    }
});

/** One TLS connection to the bridge from `bind`; SIP messages split by Content-Length. */
async function tlsClient(bind) {
    const sock = tls.connect({ host: '127.0.0.1', port: tlsPort, localAddress: bind, ca: CA, servername: 'localhost' });
    await new Promise((resolve, reject) => { sock.once('secureConnect', resolve); sock.once('error', reject); });
    let buf = '';
    const got = [];
    sock.on('data', (d) => {
        buf += d.toString('utf8');
        for (;;) {
            const end = buf.indexOf('\r\n\r\n');
            if (end < 0) return;
            const len = Number(/\r\ncontent-length: *(\d+)/i.exec(buf.slice(0, end + 2))?.[1] ?? 0);
            if (buf.length < end + 4 + len) return;
            got.push(buf.slice(0, end + 4 + len));
            buf = buf.slice(end + 4 + len);
        }
    });
    const wait = async (pred, what) => {
        for (let i = 0; i < 100; i++) {
            const m = got.find(pred);
            if (m) return m;
            await sleep(50);
        }
        throw new Error(`TLS: no ${what}; got ${JSON.stringify(got.map((m) => m.split('\r\n')[0]))}`);
    };
    return { sock, got, wait };
}

function tlsRequest(method, { callId, cseq, from, to = `<sip:samtale@127.0.0.1:${tlsPort};transport=tls>`, body = '', extra = [] }) {
    return [
        `${method} sip:samtale@127.0.0.1:${tlsPort};transport=tls SIP/2.0`,
        `Via: SIP/2.0/TLS ${TRUNK}:5061;branch=z9hG4bK${Math.random().toString(16).slice(2)}`,
        'Max-Forwards: 70', `From: ${from}`, `To: ${to}`, `Call-ID: ${callId}`, `CSeq: ${cseq} ${method}`,
        `Contact: <sip:trunk@${TRUNK}:5061;transport=tls>`, ...extra,
        ...(body ? ['Content-Type: application/sdp'] : []), `Content-Length: ${Buffer.byteLength(body)}`, '', body,
    ].join('\r\n');
}

test('SIP over TLS: OPTIONS, and a call answered and hung up', async () => {
    const c = await tlsClient(TRUNK);
    try {
        c.sock.write(tlsRequest('OPTIONS', { callId: 'tls-opt@t', cseq: 1, from: `<sip:trunk@${TRUNK}>;tag=t1` }));
        assert.match(await c.wait((m) => m.includes('tls-opt@t'), 'OPTIONS answer'), /^SIP\/2\.0 200/);
        const from = `<sip:+4533445566@${TRUNK}>;tag=t2`;
        c.sock.write(tlsRequest('INVITE', { callId: 'tls-call@t', cseq: 1, from, body: pcmaSdp({ addr: TRUNK, port: 40002 }) }));
        const ok = await c.wait((m) => m.startsWith('SIP/2.0 200') && m.includes('tls-call@t'), '200 OK to INVITE');
        assert.match(ok, /^Contact: <sip:[^>]*;transport=tls>/m, 'the Contact says TLS');
        assert.match(ok, /^m=audio \d+ RTP\/AVP 8/m);
        const to = /^To: (.*)$/m.exec(ok)[1].trim();
        c.sock.write(tlsRequest('ACK', { callId: 'tls-call@t', cseq: 1, from, to }));
        c.sock.write(tlsRequest('BYE', { callId: 'tls-call@t', cseq: 2, from, to }));
        assert.match(await c.wait((m) => m.includes('CSeq: 2 BYE'), 'answer to BYE'), /^SIP\/2\.0 200/);
    } finally {
        c.sock.destroy();
    }
});
