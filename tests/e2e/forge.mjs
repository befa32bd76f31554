// Hostile datagrams for end-to-end tests: DTLS records, STUN messages and
// SRTP-looking packets as a forger would make them, sent with
// build/<mode>/tests/tools/udp_forge from a participant's own address, and
// the /metrics sums that show they were dropped.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import zlib from 'node:zlib';
import { BIN } from '../integration/lib.mjs';

export const FORGE = path.join(path.dirname(BIN), 'tests', 'tools', 'udp_forge');

/** The sum of every sample of metric `name` (all label sets) in a /metrics text. */
export function metric(text, name) {
    let sum = 0;
    for (const line of text.split('\n')) if (line.startsWith(name)) sum += Number(line.split(' ').pop());
    return sum;
}

/** One DTLS record: 13-byte header (type, version 254.minor, epoch, 48-bit sequence, length) and body. */
export function dtlsRecord(type, epoch, seq, body, minor = 0xfd) {
    const h = Buffer.alloc(13);
    h[0] = type;
    h[1] = 0xfe;
    h[2] = minor;
    h.writeUInt16BE(epoch, 3);
    h.writeUIntBE(seq, 5, 6);
    h.writeUInt16BE(body.length, 11);
    return Buffer.concat([h, body]);
}

function stunAttr(type, value) {
    const pad = (4 - (value.length % 4)) % 4;
    const b = Buffer.alloc(4 + value.length + pad);
    b.writeUInt16BE(type, 0);
    b.writeUInt16BE(value.length, 2);
    value.copy(b, 4);
    return b;
}

/** A 20-byte STUN header: message type, body length, magic cookie, random transaction id. */
export function stunHeader(msgType, bodyLen) {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(msgType, 0);
    h.writeUInt16BE(bodyLen, 2);
    h.writeUInt32BE(0x2112a442, 4);
    crypto.randomBytes(12).copy(h, 8);
    return h;
}

/* A STUN Binding request for `username` with MESSAGE-INTEGRITY under a
 * wrong key and a correct FINGERPRINT: well formed, but not ours.
 * With `useCandidate` it also nominates. */
export function forgedStun(username, { useCandidate = false } = {}) {
    const attrs = [stunAttr(0x0006, Buffer.from(username))];
    if (useCandidate) attrs.push(stunAttr(0x0025, Buffer.alloc(0)));
    const body = Buffer.concat(attrs);
    let msg = Buffer.concat([stunHeader(0x0001, body.length + 24), body]);
    const mi = crypto.createHmac('sha1', 'not-the-password-of-anyone').update(msg).digest();
    msg = Buffer.concat([msg, stunAttr(0x0008, mi)]);
    msg.writeUInt16BE(msg.length - 20 + 8, 2);
    const fp = Buffer.alloc(4);
    fp.writeUInt32BE((zlib.crc32(msg) ^ 0x5354554e) >>> 0, 0);
    return Buffer.concat([msg, stunAttr(0x8028, fp)]);
}

/**
 * Sends datagrams (Buffers) from src:sport to dst:dport with udp_forge;
 * returns how many it sent (it refuses more than 4096 per run).
 */
export function forge(src, sport, dst, dport, datagrams) {
    const input = `${datagrams.map((d) => d.toString('hex')).join('\n')}\n`;
    const said = execFileSync(FORGE, [src, String(sport), dst, String(dport)], { input, encoding: 'utf8', timeout: 10000 });
    const m = said.trim().match(/^sent (\d+)$/);
    if (!m) throw new Error(`udp_forge said: ${said}`);
    return Number(m[1]);
}
