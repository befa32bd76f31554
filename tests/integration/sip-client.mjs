// A small SIP user agent over UDP for tests that speak to the phone bridge
// directly: it builds requests by hand, so tests can also send what a real
// phone never would. One dialog at a time; enough for INVITE/ACK/INFO/BYE.
import dgram from 'node:dgram';
import crypto from 'node:crypto';

const CRLF = '\r\n';

/** Parses one SIP message: {status, method, uri, headers (lower-case name → [values]), body}. */
export function parseSip(text) {
    const end = text.indexOf(CRLF + CRLF);
    const head = end < 0 ? text : text.slice(0, end);
    const body = end < 0 ? '' : text.slice(end + 4);
    const lines = head.split(CRLF);
    const first = lines.shift();
    const msg = { first, headers: {}, body };
    let m = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(first);
    if (m) {
        msg.status = Number(m[1]);
        msg.reason = m[2];
    } else if ((m = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(first))) {
        msg.method = m[1];
        msg.uri = m[2];
    }
    const compact = { v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', c: 'content-type' };
    for (const line of lines) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        let name = line.slice(0, i).trim().toLowerCase();
        name = compact[name] ?? name;
        (msg.headers[name] ??= []).push(line.slice(i + 1).trim());
    }
    msg.header = (n) => msg.headers[n]?.[0];
    return msg;
}

export function pcmaSdp({ addr = '127.0.0.1', port, pts = [8, 101], extra = [] }) {
    const maps = { 0: 'PCMU/8000', 8: 'PCMA/8000', 3: 'GSM/8000', 9: 'G722/8000', 101: 'telephone-event/8000' };
    return [
        'v=0', `o=- 1 1 IN IP4 ${addr}`, 's=-', `c=IN IP4 ${addr}`, 't=0 0',
        `m=audio ${port} RTP/AVP ${pts.join(' ')}`,
        ...pts.filter((p) => maps[p]).map((p) => `a=rtpmap:${p} ${maps[p]}`),
        ...(pts.includes(101) ? ['a=fmtp:101 0-16'] : []),
        'a=ptime:20', 'a=sendrecv', ...extra, '',
    ].join(CRLF);
}

export class SipClient {
    /** bind: the local address (e.g. 127.0.0.2, an allowed trunk); server: {host, port}. */
    static async open({ bind = '127.0.0.1', server, user = 'test' }) {
        const c = new SipClient();
        c.server = server;
        c.user = user;
        c.sock = dgram.createSocket('udp4');
        c.inbox = [];
        c.waiters = [];
        c.sock.on('message', (b) => c.onMessage(parseSip(b.toString('utf8'))));
        await new Promise((resolve) => c.sock.bind(0, bind, resolve));
        c.addr = c.sock.address();
        return c;
    }

    onMessage(msg) {
        // Requests inside our dialog (BYE from the server) get 200 at once.
        if (msg.method === 'BYE' || msg.method === 'OPTIONS') this.reply(msg, 200, 'OK');
        this.inbox.push(msg);
        for (const w of [...this.waiters]) {
            if (w.pred(msg)) {
                this.waiters.splice(this.waiters.indexOf(w), 1);
                clearTimeout(w.timer);
                w.resolve(msg);
            }
        }
    }

    /** Waits for a message matching pred (also one already received after `since`). */
    wait(pred, { timeoutMs = 5000, what = 'SIP message', since = 0 } = {}) {
        const had = this.inbox.slice(since).find(pred);
        if (had) return Promise.resolve(had);
        return new Promise((resolve, reject) => {
            const w = { pred, resolve };
            w.timer = setTimeout(() => {
                this.waiters.splice(this.waiters.indexOf(w), 1);
                reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.inbox.map((m) => m.first))}`));
            }, timeoutMs);
            this.waiters.push(w);
        });
    }

    sendRaw(text) {
        return new Promise((resolve) => this.sock.send(Buffer.from(text), this.server.port, this.server.host, resolve));
    }

    branch() {
        return `z9hG4bK${crypto.randomBytes(6).toString('hex')}`;
    }

    /** A request; headers override the defaults. Returns the text sent. */
    request(method, { uri, callId, cseq, fromTag, toTag = '', body = '', contentType = 'application/sdp', headers = {}, branch = this.branch() }) {
        const h = {
            Via: `SIP/2.0/UDP ${this.addr.address}:${this.addr.port};branch=${branch};rport`,
            'Max-Forwards': '70',
            From: `<sip:${this.user}@${this.addr.address}>;tag=${fromTag}`,
            To: `<${uri}>${toTag ? `;tag=${toTag}` : ''}`,
            'Call-ID': callId,
            CSeq: `${cseq} ${method === 'ACK' ? 'ACK' : method}`,
            Contact: `<sip:${this.user}@${this.addr.address}:${this.addr.port}>`,
            ...(body ? { 'Content-Type': contentType } : {}),
            'Content-Length': String(Buffer.byteLength(body)),
            ...headers,
        };
        const text = `${method} ${uri} SIP/2.0${CRLF}${Object.entries(h).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}`).join(CRLF)}${CRLF}${CRLF}${body}`;
        this.sendRaw(text);
        return text;
    }

    reply(req, status, reason) {
        const lines = [`SIP/2.0 ${status} ${reason}`];
        for (const n of ['via', 'from', 'to', 'call-id', 'cseq']) for (const v of req.headers[n] ?? []) lines.push(`${n === 'call-id' ? 'Call-ID' : n === 'cseq' ? 'CSeq' : n[0].toUpperCase() + n.slice(1)}: ${v}`);
        lines.push('Content-Length: 0', '', '');
        this.sendRaw(lines.join(CRLF));
    }

    /**
     * Calls the bridge; resolves with the dialog once 200 OK came and ACK went:
     * {callId, fromTag, toTag, uri, cseq, answer (parsed SDP text), ok}. A final
     * failure resolves with {status}.
     */
    async invite({ uri, sdp, timeoutMs = 5000 }) {
        const d = { uri, callId: `${crypto.randomBytes(8).toString('hex')}@test`, fromTag: crypto.randomBytes(4).toString('hex'), cseq: 1 };
        const since = this.inbox.length;
        this.request('INVITE', { ...d, body: sdp });
        const final = await this.wait((m) => m.status >= 200 && m.header('call-id') === d.callId, { timeoutMs, what: 'final answer to INVITE', since });
        d.status = final.status;
        if (final.status >= 300) {
            this.request('ACK', { ...d, toTag: /tag=([^;]+)/.exec(final.header('to'))?.[1] ?? '', branch: /branch=([^;]+)/.exec(final.header('via'))[1] });
            return d;
        }
        d.toTag = /tag=([^;]+)/.exec(final.header('to'))?.[1] ?? '';
        d.ok = final;
        d.answer = final.body;
        const contact = /<([^>]+)>/.exec(final.header('contact') ?? '');
        d.target = contact ? contact[1] : uri;
        this.request('ACK', { ...d, uri: d.target });
        return d;
    }

    /** SIP INFO with a DTMF digit (application/dtmf-relay). */
    info(d, digit) {
        d.cseq++;
        const since = this.inbox.length;
        this.request('INFO', { ...d, uri: d.target, contentType: 'application/dtmf-relay', body: `Signal=${digit}\r\nDuration=160\r\n` });
        return this.wait((m) => m.status && m.header('call-id') === d.callId && m.header('cseq')?.endsWith('INFO'), { since, what: 'answer to INFO' });
    }

    bye(d) {
        d.cseq++;
        const since = this.inbox.length;
        this.request('BYE', { ...d, uri: d.target });
        return this.wait((m) => m.status && m.header('call-id') === d.callId && m.header('cseq')?.endsWith('BYE'), { since, what: 'answer to BYE' });
    }

    /** Waits for the server's BYE in dialog d. */
    waitBye(d, timeoutMs = 15000) {
        return this.wait((m) => m.method === 'BYE' && m.header('call-id') === d.callId, { timeoutMs, what: 'BYE from the server' });
    }

    close() {
        for (const w of this.waiters) clearTimeout(w.timer);
        this.sock.close();
    }
}

/** The connection address and port of an SDP body. */
export function sdpMedia(sdp) {
    const c = /^c=IN IP[46] (\S+)/m.exec(sdp);
    const m = /^m=audio (\d+) RTP\/AVP ([\d ]+)/m.exec(sdp);
    return { addr: c?.[1], port: m ? Number(m[1]) : 0, pts: m ? m[2].trim().split(' ').map(Number) : [] };
}
