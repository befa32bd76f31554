// The pre-call check's media side (no page markup here; see views/precall.js).
//
// The browser offers its camera and microphone to the server over a real
// WebRTC peer connection ("echo_start" on the /ws WebSocket, see
// docs/PROTOCOL.md); the server answers as an ICE-lite endpoint and sends the
// same media back, so what arrives here has gone the whole way through the
// server. A stats poller reads pc.getStats() every second and the check
// decides a result:
//   ok    connected, video frames decode (when video is sent) and audio
//         packets arrive, within DECIDE_MS;
//   warn  it works, but over TCP, with loss or a long round trip, or the
//         video did not come back while the sound did;
//   fail  no connection, nothing came back, no sound, or the server refused.
//
//   const check = startEchoCheck({ token, stream });
//   check.on('stats', (s) => ...); check.on('result', (r) => ...);
//   check.stop();
//
// Events (on(type, fn) returns an unsubscribe function):
//   'phase'  'signaling' | 'connecting' | 'connected' | 'disconnected' | 'failed'
//   'track'  {track, stream}: an echoed track arrived; stream holds all of them
//   'stats'  the latest snapshot (see snapshot() below)
//   'result' {level: 'ok'|'warn'|'fail', code, issues: [{level, code, params}]}
//   'ended'  {reason}: the echo ended on its own (server time limit, failure,
//            socket closed); not emitted after stop()
import { signalingUrl } from './signaling.js';
import { IceServers } from './ice-servers.js';
import { pcConfig } from './media-shared.js';
import { request } from './api.js';

export const DECIDE_MS = 10000; // the result is due this long after the offer goes out
const SETTLE_MS = 2000; // connected this long before an early "ok" (RTT and loss settle)
const STATS_MS = 1000;
const SOCKET_TIMEOUT_MS = 10000;
const LOSS_WARN_PCT = 5;
const LOSS_MIN_PACKETS = 50; // loss on fewer packets says little
const RTT_WARN_MS = 400;

const MEDIA_CHOICE_KEY = 'samtale.mediaChoice';

/**
 * "video" | "audio" as last chosen in this browser (the pre-call check or the
 * meeting's "Kun lyd"), or null. Kept in localStorage: the link opened again
 * in a new tab, or the next day, starts the way the person chose.
 */
export function loadMediaChoice() {
    try {
        const v = localStorage.getItem(MEDIA_CHOICE_KEY);
        return v === 'video' || v === 'audio' ? v : null;
    } catch {
        return null;
    }
}

// The last check's outcome per link, for this page's lifetime (the join page
// shows it after "Fortsæt" on /check). Never stored.
let last = null;

export function rememberCheck(token, outcome) {
    last = { token, ...outcome };
}

/** {result, choice} of the last check of this link in this page, or null. */
export function lastCheck(token) {
    return last && last.token === token ? last : null;
}

export function saveMediaChoice(choice) {
    try {
        localStorage.setItem(MEDIA_CHOICE_KEY, choice === 'audio' ? 'audio' : 'video');
    } catch {
        /* not kept: the meeting starts with the camera, the person can switch */
    }
}

/** Whether this browser can run the check at all. */
export function echoCheckSupported() {
    return typeof RTCPeerConnection === 'function' && !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia) && typeof WebSocket === 'function';
}

/** The server's error codes for echo_start, as issue codes for the page. */
const SERVER_ERRORS = {
    invalid_token: 'link_invalid',
    token_expired: 'link_expired',
    token_revoked: 'link_revoked',
    meeting_ended: 'link_ended',
    server_busy: 'busy',
    bad_sdp: 'browser',
    bad_message: 'browser',
};

const RANK = { ok: 0, warn: 1, fail: 2 };

function worst(issues) {
    return issues.reduce((lvl, i) => (RANK[i.level] > RANK[lvl] ? i.level : lvl), 'ok');
}

/**
 * The result for a snapshot, or null while it is too early to say.
 * final: the time is up (or the echo ended), say what we have.
 */
export function evaluateCheck(s, { final = false } = {}) {
    if (!s.everConnected) return final || s.failed ? { level: 'fail', code: 'no_connection', issues: [{ level: 'fail', code: 'no_connection' }] } : null;
    const videoOk = !s.videoSent || s.video.framesDecoded > 0;
    const audioOk = !s.audioSent || s.audio.packetsReceived > 0;
    if (!final && (!videoOk || !audioOk || s.connectedMs < SETTLE_MS)) return null;
    if (!videoOk && !audioOk) return { level: 'fail', code: 'no_media', issues: [{ level: 'fail', code: 'no_media' }] };
    const issues = [];
    if (!audioOk) issues.push({ level: 'fail', code: 'no_audio' });
    if (!videoOk) issues.push({ level: 'warn', code: 'no_video' });
    if (s.transport === 'tcp') issues.push({ level: 'warn', code: 'tcp' });
    if (s.lossPct !== null && s.lossPct >= LOSS_WARN_PCT && s.lossPackets >= LOSS_MIN_PACKETS) {
        issues.push({ level: 'warn', code: 'loss', params: { pct: s.lossPct } });
    }
    if (s.rttMs !== null && s.rttMs >= RTT_WARN_MS) issues.push({ level: 'warn', code: 'slow', params: { ms: s.rttMs } });
    const level = worst(issues);
    return { level, code: issues.length ? issues[0].code : 'ok', issues };
}

export function startEchoCheck(opts) {
    const check = new EchoCheck(opts);
    check.start();
    return check;
}

class EchoCheck {
    /**
     * url: the WebSocket (default /ws of this page); or signaling: an object
     * with send(msg) → bool and on(type, fn) → off (e.g. a SignalingClient
     * already connected). token: the invitation token. stream: the local
     * MediaStream (the caller owns its tracks). transports: ["udp","tcp"],
     * ["tcp"], ... or null for the server's default (both).
     */
    constructor({ url = null, signaling = null, token, stream, transports = null, decideMs = DECIDE_MS, statsMs = STATS_MS }) {
        this.url = url || signalingUrl();
        this.signaling = signaling;
        this.token = token;
        this.stream = stream;
        this.transports = transports && transports.length ? transports.slice() : null;
        this.decideMs = decideMs;
        this.statsMs = statsMs;
        this.handlers = new Map();
        this.pc = null;
        this.ws = null;
        this.offs = [];
        this.ice = new IceServers(); // our own socket's "ice_servers" answers
        this.remoteStream = new MediaStream();
        this.phase = 'signaling';
        this.stopped = false;
        this.ended = false;
        this.result = null;
        this.serverTransport = null;
        this.everConnected = false;
        this.connectedAt = 0;
        this.failed = false;
        this.startedAt = 0;
        this.timers = { decide: null, stats: null, socket: null };
        this.last = null;
        this.maxAudioLevel = 0;
        this.polling = false;
    }

    on(type, fn) {
        if (!this.handlers.has(type)) this.handlers.set(type, new Set());
        this.handlers.get(type).add(fn);
        return () => this.handlers.get(type).delete(fn);
    }

    emit(type, data) {
        if (this.stopped) return;
        for (const fn of this.handlers.get(type) || []) {
            try {
                fn(data);
            } catch (e) {
                console.error(e);
            }
        }
    }

    setPhase(phase) {
        if (this.phase === phase) return;
        this.phase = phase;
        this.emit('phase', phase);
    }

    get videoSent() {
        return this.stream.getVideoTracks().length > 0;
    }

    get audioSent() {
        return this.stream.getAudioTracks().length > 0;
    }

    async start() {
        this.startedAt = performance.now();
        this.timers.decide = setTimeout(() => this.decide(true), this.decideMs);
        // Signaling first: the TURN servers (if any) must be known before the
        // peer connection gathers, so the check goes the way the meeting will.
        try {
            await this.connectSignaling();
        } catch (e) {
            if (this.stopped) return;
            console.error(e);
            this.finish({ level: 'fail', code: 'server' });
            return;
        }
        if (this.stopped) return;
        const iceServers = await this.iceServers();
        if (this.stopped) return;
        let offerSdp;
        try {
            this.pc = new RTCPeerConnection(pcConfig(iceServers));
            this.watchPeer();
            // One transceiver per kind, sendrecv, no simulcast: audio first, then video.
            for (const track of [...this.stream.getAudioTracks().slice(0, 1), ...this.stream.getVideoTracks().slice(0, 1)]) {
                this.pc.addTrack(track, this.stream);
            }
            const offer = await this.pc.createOffer();
            await this.pc.setLocalDescription(offer);
            offerSdp = this.pc.localDescription.sdp;
        } catch (e) {
            if (this.stopped) return; // stopped meanwhile (e.g. "Deltag" pressed): the connection was closed
            console.error(e);
            this.finish({ level: 'fail', code: 'unsupported' });
            return;
        }
        if (this.stopped) return;
        const msg = { type: 'echo_start', token: this.token, sdp: offerSdp };
        if (this.transports) msg.transports = this.transports;
        if (!this.send(msg)) {
            this.finish({ level: 'fail', code: 'server' });
            return;
        }
        this.timers.stats = setInterval(() => this.poll(), this.statsMs);
    }

    /** Fresh TURN servers: on the meeting's connection, or asked with the token on our own. */
    iceServers() {
        if (this.signaling && typeof this.signaling.freshIceServers === 'function') return this.signaling.freshIceServers();
        return this.ice.request((m) => this.send(m), this.token);
    }

    watchPeer() {
        const pc = this.pc;
        pc.ontrack = (ev) => {
            if (!this.remoteStream.getTrackById(ev.track.id)) this.remoteStream.addTrack(ev.track);
            this.emit('track', { track: ev.track, stream: this.remoteStream });
        };
        const update = () => {
            const st = pc.connectionState || pc.iceConnectionState;
            if (st === 'connected' || st === 'completed') {
                if (!this.everConnected) {
                    this.everConnected = true;
                    this.connectedAt = performance.now();
                }
                this.setPhase('connected');
            } else if (st === 'disconnected') {
                this.setPhase('disconnected');
            } else if (st === 'failed') {
                this.failed = true;
                this.setPhase('failed');
                if (!this.result) this.decide(true);
                this.end('failed');
            } else if (st === 'connecting' || st === 'checking') {
                if (this.phase !== 'connected') this.setPhase('connecting');
            }
        };
        pc.onconnectionstatechange = update;
        pc.oniceconnectionstatechange = update;
    }

    connectSignaling() {
        if (this.signaling) {
            for (const type of ['echo_answer', 'echo_state', 'error']) {
                this.offs.push(this.signaling.on(type, (m) => this.handle(m)));
            }
            this.send = (m) => this.signaling.send(m);
            return Promise.resolve();
        }
        return new Promise((resolve, reject) => {
            let ws;
            try {
                ws = new WebSocket(this.url);
            } catch (e) {
                reject(e);
                return;
            }
            this.ws = ws;
            let open = false;
            this.timers.socket = setTimeout(() => {
                if (open) return;
                this.dropSocket();
                reject(new Error('the WebSocket did not open'));
            }, SOCKET_TIMEOUT_MS);
            ws.onopen = () => {
                open = true;
                clearTimeout(this.timers.socket);
                resolve();
            };
            ws.onmessage = (ev) => {
                let m;
                try {
                    m = JSON.parse(ev.data);
                } catch {
                    return;
                }
                if (m && typeof m.type === 'string') this.handle(m);
            };
            ws.onerror = () => {
                /* onclose follows */
            };
            ws.onclose = () => {
                this.ws = null;
                if (!open) {
                    clearTimeout(this.timers.socket);
                    reject(new Error('the WebSocket closed'));
                    return;
                }
                // The server ends the echo with the socket.
                if (!this.result) this.decide(true);
                this.end('socket_closed');
            };
        });
    }

    send(msg) {
        if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
        this.ws.send(JSON.stringify(msg));
        return true;
    }

    dropSocket() {
        const ws = this.ws;
        this.ws = null;
        if (!ws) return;
        ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
        try {
            ws.close(1000);
        } catch {
            /* already closed */
        }
    }

    async handle(msg) {
        if (this.stopped) return;
        switch (msg.type) {
            case 'echo_answer':
                if (typeof msg.sdp !== 'string' || !this.pc) return;
                this.setPhase('connecting');
                try {
                    await this.pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp });
                } catch (e) {
                    if (this.stopped) return;
                    console.error(e);
                    this.finish({ level: 'fail', code: 'browser' });
                }
                break;
            case 'echo_state':
                if (msg.state === 'connected') {
                    if (msg.transport === 'udp' || msg.transport === 'tcp') this.serverTransport = msg.transport;
                } else if (msg.state === 'failed' || msg.state === 'closed') {
                    if (msg.state === 'failed') this.failed = true;
                    if (!this.result) this.decide(true);
                    this.end(msg.state === 'failed' ? 'failed' : msg.reason || 'closed');
                }
                break;
            case 'ice_servers':
                this.ice.update(msg);
                break;
            case 'error':
                if (msg.ref === 'ice_servers') this.ice.failed();
                // Only errors about the check concern it (a shared socket carries others).
                if (msg.ref !== 'echo_start' || this.result) return;
                this.finish({ level: 'fail', code: SERVER_ERRORS[msg.code] || 'server', serverCode: msg.code });
                break;
            default:
                break;
        }
    }

    /** A result that needs no stats (could not even start): final at once. */
    finish({ level, code, serverCode }) {
        if (this.result || this.stopped) return;
        this.result = { level, code, serverCode, issues: [{ level, code }] };
        clearTimeout(this.timers.decide);
        this.emit('result', this.result);
        this.end('error');
    }

    decide(final) {
        if (this.result || this.stopped) return;
        const snap = this.last || this.emptySnapshot();
        snap.failed = this.failed;
        const r = evaluateCheck(snap, { final });
        if (!r) return;
        this.result = r;
        clearTimeout(this.timers.decide);
        this.emit('result', r);
    }

    /** The echo is over (server limit, failure, socket gone): stop sending. */
    end(reason) {
        if (this.ended) return;
        this.ended = true;
        clearInterval(this.timers.stats);
        clearTimeout(this.timers.decide);
        this.emit('ended', { reason });
        this.teardown(false);
    }

    /** Ends the check now. The caller's stream is left alone. */
    stop() {
        if (this.stopped) return;
        this.teardown(true);
        this.stopped = true;
        this.handlers.clear();
    }

    teardown(sayStop) {
        clearInterval(this.timers.stats);
        clearTimeout(this.timers.decide);
        clearTimeout(this.timers.socket);
        if (sayStop && !this.ended) {
            try {
                this.send({ type: 'echo_stop' });
            } catch {
                /* the socket is gone */
            }
        }
        for (const off of this.offs) off();
        this.offs = [];
        this.dropSocket();
        if (this.pc) {
            this.pc.ontrack = this.pc.onconnectionstatechange = this.pc.oniceconnectionstatechange = null;
            try {
                this.pc.close();
            } catch {
                /* closed */
            }
        }
        for (const t of this.remoteStream.getTracks()) t.stop();
    }

    /** Sends another camera or microphone without renegotiating. */
    async replaceTrack(kind, track) {
        if (!this.pc || this.ended || this.stopped) return false;
        const tr = this.pc.getTransceivers().find((x) => x.receiver && x.receiver.track && x.receiver.track.kind === kind);
        if (!tr) return false;
        await tr.sender.replaceTrack(track);
        return true;
    }

    emptySnapshot() {
        return {
            elapsedMs: Math.round(performance.now() - this.startedAt),
            phase: this.phase,
            everConnected: this.everConnected,
            connectedMs: this.everConnected ? performance.now() - this.connectedAt : 0,
            failed: this.failed,
            transport: this.serverTransport,
            rttMs: null,
            lossPct: null,
            lossPackets: 0,
            videoSent: this.videoSent,
            audioSent: this.audioSent,
            video: { packetsReceived: 0, packetsLost: 0, framesDecoded: 0, framesPerSecond: null, width: null, height: null },
            audio: { packetsReceived: 0, packetsLost: 0, audioLevel: null, maxAudioLevel: this.maxAudioLevel },
        };
    }

    async poll() {
        if (!this.pc || this.polling || this.stopped || this.ended) return;
        this.polling = true;
        let report;
        try {
            report = await this.pc.getStats();
        } catch {
            report = null;
        } finally {
            this.polling = false;
        }
        if (!report || this.stopped || this.ended) return;
        const s = this.emptySnapshot();
        let pair = null;
        report.forEach((r) => {
            if (r.type === 'transport' && r.selectedCandidatePairId && report.get(r.selectedCandidatePairId)) {
                pair = report.get(r.selectedCandidatePairId);
            }
        });
        if (!pair) {
            report.forEach((r) => {
                if (r.type === 'candidate-pair' && (r.selected || (r.nominated && r.state === 'succeeded'))) pair = pair || r;
            });
        }
        if (pair) {
            const local = report.get(pair.localCandidateId);
            if (local) {
                const proto = String(local.candidateType === 'relay' && local.relayProtocol ? local.relayProtocol : local.protocol || local.transport || '').toLowerCase();
                if (proto === 'udp' || proto === 'tcp') s.transport = proto;
                else if (proto === 'tls') s.transport = 'tcp'; // TURN over TLS: TCP's head-of-line blocking
            }
            let rtt = pair.currentRoundTripTime;
            if (typeof rtt !== 'number' && pair.responsesReceived > 0 && typeof pair.totalRoundTripTime === 'number') {
                rtt = pair.totalRoundTripTime / pair.responsesReceived;
            }
            if (typeof rtt === 'number') s.rttMs = Math.round(rtt * 1000);
        }
        report.forEach((r) => {
            if (r.type !== 'inbound-rtp' || r.isRemote) return;
            const kind = r.kind || r.mediaType;
            if (kind === 'video') {
                s.video.packetsReceived += r.packetsReceived || 0;
                s.video.packetsLost += Math.max(0, r.packetsLost || 0);
                s.video.framesDecoded += r.framesDecoded || 0;
                if (typeof r.framesPerSecond === 'number') s.video.framesPerSecond = r.framesPerSecond;
                if (r.frameWidth) s.video.width = r.frameWidth;
                if (r.frameHeight) s.video.height = r.frameHeight;
            } else if (kind === 'audio') {
                s.audio.packetsReceived += r.packetsReceived || 0;
                s.audio.packetsLost += Math.max(0, r.packetsLost || 0);
                if (typeof r.audioLevel === 'number') s.audio.audioLevel = r.audioLevel;
            }
        });
        if (s.audio.audioLevel !== null) this.maxAudioLevel = Math.max(this.maxAudioLevel, s.audio.audioLevel);
        s.audio.maxAudioLevel = this.maxAudioLevel;
        const m = s.videoSent ? s.video : s.audio;
        s.lossPackets = m.packetsReceived + m.packetsLost;
        s.lossPct = s.lossPackets > 0 ? Math.round((1000 * m.packetsLost) / s.lossPackets) / 10 : null;
        this.last = s;
        this.emit('stats', s);
        this.decide(false);
    }
}

/**
 * A level meter for a stream's audio (WebAudio AnalyserNode). The sound is
 * not played unless setMonitor(true) asks for it, at low volume, through
 * speaker sinkId where the browser can choose one.
 * Returns {level() → 0..1, setMonitor(on), setSink(id), close()} or null.
 */
export function createLevelMeter(stream, sinkId = '') {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC || !stream.getAudioTracks().length) return null;
    let ctx;
    try {
        ctx = new AC();
    } catch {
        return null;
    }
    // Chrome feeds a remote WebRTC track into WebAudio only while a media
    // element plays it; this one is muted and never in the page.
    const sink = new Audio();
    sink.muted = true;
    sink.srcObject = stream;
    sink.play().catch(() => {});
    const src = ctx.createMediaStreamSource(stream);
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 1024;
    const gain = ctx.createGain();
    gain.gain.value = 0;
    src.connect(analyser);
    src.connect(gain);
    gain.connect(ctx.destination);
    const buf = new Float32Array(analyser.fftSize);
    if (ctx.state === 'suspended') ctx.resume().catch(() => {});
    const setSink = (id) => {
        if (typeof ctx.setSinkId === 'function') ctx.setSinkId(id || '').catch(() => {});
    };
    if (sinkId) setSink(sinkId);
    return {
        setSink,
        level() {
            analyser.getFloatTimeDomainData(buf);
            let sum = 0;
            for (let i = 0; i < buf.length; i++) sum += buf[i] * buf[i];
            const rms = Math.sqrt(sum / buf.length);
            if (rms <= 0) return 0;
            // -60 dBFS (silence) .. 0 dBFS (full scale) onto 0..1.
            const db = 20 * Math.log10(rms);
            return Math.max(0, Math.min(1, (db + 60) / 60));
        },
        setMonitor(on, volume = 0.25) {
            gain.gain.value = on ? volume : 0;
            if (on && ctx.state === 'suspended') ctx.resume().catch(() => {});
        },
        close() {
            try {
                src.disconnect();
                gain.disconnect();
            } catch {
                /* already */
            }
            sink.srcObject = null;
            ctx.close().catch(() => {});
        },
    };
}

// The failure codes the server accepts for a link's status (docs/PROTOCOL.md,
// POST /api/join-check); link problems (invalid, expired, ...) are not sent.
const REPORTED_FAILURES = new Set(['no_connection', 'no_media', 'no_audio', 'permission', 'no_mic', 'mic_busy', 'unsupported', 'browser', 'server', 'busy']);

/**
 * Tells the caseworker (through the link's status) how the check went:
 * passed (also with warnings) or failed with its code. Best effort: the
 * check's own result on the page does not depend on it.
 */
export function reportCheckResult(token, result) {
    if (!token || !result) return;
    let body = null;
    if (result.level !== 'fail') body = { token, result: 'passed' };
    else if (REPORTED_FAILURES.has(result.code)) body = { token, result: 'failed', reason: result.code };
    if (body) request('POST', '/api/join-check', body).catch(() => {});
}
