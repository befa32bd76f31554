// Real SIP phones for the phone bridge's end-to-end tests: Debian's baresip,
// headless (a WAV file as microphone, what it hears recorded to WAV, no sound
// card), driven over its ctrl_tcp console (netstring-framed JSON). Also tone
// files and a Goertzel tone check for WAV recordings.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';

export const BARESIP = '/usr/bin/baresip';

/** Writes a 16-bit mono WAV of a sine tone (amplitude 0.4). */
export function writeToneWav(file, { hz, rate = 8000, seconds = 60 }) {
    const n = rate * seconds;
    const data = Buffer.alloc(n * 2);
    for (let i = 0; i < n; i++) data.writeInt16LE(Math.round(0.4 * 32767 * Math.sin((2 * Math.PI * hz * i) / rate)), i * 2);
    const h = Buffer.alloc(44);
    h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8);
    h.write('fmt ', 12); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22);
    h.writeUInt32LE(rate, 24); h.writeUInt32LE(rate * 2, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34);
    h.write('data', 36); h.writeUInt32LE(data.length, 40);
    fs.writeFileSync(file, Buffer.concat([h, data]));
    return file;
}

/** Reads a 16-bit PCM WAV: {rate, samples: Float64Array of the first channel}. */
export function readWav(file) {
    const b = fs.readFileSync(file);
    if (b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE') throw new Error(`${file}: not a WAV file`);
    let off = 12, rate = 0, channels = 1, bits = 16, data = null;
    while (off + 8 <= b.length) {
        const id = b.toString('ascii', off, off + 4);
        const len = b.readUInt32LE(off + 4);
        if (id === 'fmt ') {
            channels = b.readUInt16LE(off + 10);
            rate = b.readUInt32LE(off + 12);
            bits = b.readUInt16LE(off + 22);
        } else if (id === 'data') {
            data = b.subarray(off + 8, Math.min(b.length, off + 8 + len));
        }
        off += 8 + len + (len & 1);
    }
    if (!data || bits !== 16 || !rate) throw new Error(`${file}: no 16-bit PCM data`);
    const frames = Math.floor(data.length / (2 * channels));
    const samples = new Float64Array(frames);
    for (let i = 0; i < frames; i++) samples[i] = data.readInt16LE(i * 2 * channels) / 32768;
    return { rate, samples };
}

function goertzelPower(x, rate, hz) {
    const c = 2 * Math.cos((2 * Math.PI * hz) / rate);
    let s1 = 0, s2 = 0;
    for (const v of x) {
        const s0 = v + c * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    return s1 * s1 + s2 * s2 - c * s1 * s2;
}

/**
 * Per 1-second window that is not silent: the share of the window's energy at
 * each frequency (a pure tone gives ~1, two equal tones ~0.5 each).
 */
export function toneShares(samples, rate, freqs) {
    const out = [];
    for (let i = 0; i + rate <= samples.length; i += rate) {
        const w = samples.subarray(i, i + rate);
        let e = 0;
        for (const v of w) e += v * v;
        if (Math.sqrt(e / w.length) < 0.005) continue; // silent
        const row = {};
        for (const f of freqs) row[f] = (2 * goertzelPower(w, rate, f)) / (w.length * e);
        out.push(row);
    }
    return out;
}

/** A headless baresip. It takes TCP port sipPort + 1 too (its SIP over TLS): keep ctrlPort apart. */
export class BaresipPhone {
    constructor({ name, sipPort, ctrlPort, rtpPort, toneHz, answer = 'auto', codecs = 'pcma,pcmu' }) {
        this.name = name;
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `samtale-phone-${name}-`));
        this.sipPort = sipPort;
        this.ctrlPort = ctrlPort;
        this.events = [];
        this.log = '';
        this.proc = null;
        this.sock = null;
        this.buf = Buffer.alloc(0);
        this.waiters = new Map();
        this.nextToken = 1;
        const wav = writeToneWav(path.join(this.dir, 'tone.wav'), { hz: toneHz });
        fs.mkdirSync(path.join(this.dir, 'rec'));
        const conf = [
            ['poll_method', 'epoll'], ['sip_listen', `127.0.0.1:${sipPort}`],
            ['call_local_timeout', '120'], ['call_max_calls', '2'],
            ['audio_player', 'aubridge,nil'], ['audio_source', `aufile,${wav}`], ['audio_alert', 'aubridge,nil'],
            ['ausrc_srate', '8000'], ['auplay_srate', '8000'], ['ausrc_channels', '1'], ['auplay_channels', '1'],
            ['audio_level', 'no'], ['ausrc_format', 's16'], ['auplay_format', 's16'],
            ['auenc_format', 's16'], ['audec_format', 's16'], ['audio_buffer', '20-160'],
            ['rtp_ports', `${rtpPort}-${rtpPort + 9}`], ['rtcp_mux', 'no'], ['jitter_buffer_delay', '5-10'],
            ['net_interface', '127.0.0.1'], ['module_path', '/usr/lib/baresip/modules'],
            ['module', 'g711.so'], ['module', 'g722.so'], ['module', 'opus.so'], ['module', 'sndfile.so'],
            ['module', 'aubridge.so'], ['module', 'aufile.so'], ['module_tmp', 'account.so'],
            ['module_app', 'menu.so'], ['module_app', 'ctrl_tcp.so'], ['statmode_default', 'off'],
            ['ctrl_tcp_listen', `127.0.0.1:${ctrlPort}`], ['snd_path', path.join(this.dir, 'rec')],
        ];
        fs.writeFileSync(path.join(this.dir, 'config'), conf.map(([k, v]) => `${k}\t\t${v}`).join('\n') + '\n');
        fs.writeFileSync(path.join(this.dir, 'accounts'),
            `<sip:${name}@127.0.0.1:${sipPort}>;regint=0;answermode=${answer};audio_codecs=${codecs}\n`);
        fs.writeFileSync(path.join(this.dir, 'contacts'), '');
    }

    async start() {
        this.proc = spawn(BARESIP, ['-f', this.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
        this.proc.stdout.on('data', (d) => { this.log += d; });
        this.proc.stderr.on('data', (d) => { this.log += d; });
        this.exited = new Promise((resolve) => this.proc.once('exit', resolve));
        const deadline = Date.now() + 10000;
        for (;;) {
            try {
                await this.connect();
                return;
            } catch (e) {
                if (Date.now() > deadline || this.proc.exitCode !== null) throw new Error(`baresip ${this.name} did not start: ${e.message}\n${this.log}`);
                await new Promise((r) => setTimeout(r, 100));
            }
        }
    }

    connect() {
        return new Promise((resolve, reject) => {
            const s = net.connect(this.ctrlPort, '127.0.0.1');
            s.once('error', reject);
            s.once('connect', () => {
                s.off('error', reject);
                s.on('error', () => {});
                this.sock = s;
                s.on('data', (d) => this.onData(d));
                resolve();
            });
        });
    }

    onData(d) {
        this.buf = Buffer.concat([this.buf, d]);
        for (;;) {
            const colon = this.buf.indexOf(0x3a);
            if (colon < 0) return;
            const n = Number(this.buf.toString('ascii', 0, colon));
            if (!Number.isInteger(n) || this.buf.length < colon + 1 + n + 1) return;
            const msg = JSON.parse(this.buf.toString('utf8', colon + 1, colon + 1 + n));
            this.buf = this.buf.subarray(colon + 1 + n + 1);
            if (msg.response && this.waiters.has(msg.token)) {
                this.waiters.get(msg.token)(msg);
                this.waiters.delete(msg.token);
            } else if (msg.event) {
                this.events.push({ at: Date.now(), ...msg });
            }
        }
    }

    /** One console command (dial, hangup, sndcode, listcalls, accept, quit). */
    command(command, params = '') {
        const token = `t${this.nextToken++}`;
        const body = Buffer.from(JSON.stringify({ command, params, token }));
        this.sock.write(Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]));
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => { this.waiters.delete(token); reject(new Error(`baresip ${this.name}: no answer to ${command}`)); }, 5000);
            this.waiters.set(token, (m) => { clearTimeout(timer); resolve(m); });
        });
    }

    /** Events of a type seen so far (CALL_ESTABLISHED, CALL_CLOSED, CALL_DTMF_START, ...). */
    seen(type) {
        return this.events.filter((e) => e.type === type);
    }

    /** Sends DTMF digits as RFC 4733 events, one at a time with a pause. */
    async keys(digits, gapMs = 250) {
        for (const d of digits) {
            await this.command('sndcode', d);
            await new Promise((r) => setTimeout(r, gapMs));
        }
    }

    /** The newest recording of what this phone heard. */
    heard() {
        const rec = path.join(this.dir, 'rec');
        const files = fs.readdirSync(rec).filter((f) => f.endsWith('-dec.wav')).sort();
        if (!files.length) throw new Error(`baresip ${this.name}: no recording in ${rec}`);
        return readWav(path.join(rec, files[files.length - 1]));
    }

    async stop() {
        if (!this.proc) return;
        if (this.proc.exitCode === null) {
            try { await this.command('quit'); } catch { /* gone already */ }
            const t = setTimeout(() => this.proc.kill('SIGKILL'), 3000);
            await this.exited;
            clearTimeout(t);
        }
        this.sock?.destroy();
        this.proc = null;
    }
}
