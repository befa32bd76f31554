// The signaling client: one WebSocket to /ws carrying JSON messages (see
// docs/PROTOCOL.md). Knows nothing about the page; views listen to events.
//
// - join(token, name) or resume(...) opens the socket and takes a seat.
// - A ping goes out every 20 s; a connection that stays silent after a ping
//   is treated as dead.
// - When a seated connection drops, the client reconnects by itself with
//   growing pauses and sends "resume" with the resume token; if the seat is
//   gone ("resume_failed") it joins again with the same link and name. The
//   state is "reconnecting" meanwhile, so the view can say so.
// - "left", "denied", "removed" and "meeting_ended" are final: no reconnect.
//
// Events (on(type, fn)): every server message by its "type"; "message" for
// all of them; "state" (idle|connecting|joined|reconnecting|closed);
// "join_error" ({code, message}); "resume_failed"; "connect_failed" (the
// first connection could not be opened); "lost" (reconnecting gave up).

import { IceServers } from './ice-servers.js';

const SEAT_KEY = 'samtale.seat';
const FINAL_TYPES = new Set(['left', 'denied', 'removed', 'meeting_ended']);
const RETRY_DELAYS_MS = [300, 1000, 2000, 3000, 5000];

export function signalingUrl() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${proto}//${location.host}/ws`;
}

/** The seat saved for this tab (sessionStorage), if it belongs to token. */
export function loadSeat(token) {
    try {
        const s = JSON.parse(sessionStorage.getItem(SEAT_KEY) || 'null');
        return s && s.token === token && s.resume_token ? s : null;
    } catch {
        return null;
    }
}

function saveSeat(seat) {
    try {
        if (seat) sessionStorage.setItem(SEAT_KEY, JSON.stringify(seat));
        else sessionStorage.removeItem(SEAT_KEY);
    } catch {
        /* storage unavailable: resuming after a reload will not work */
    }
}

export class SignalingClient {
    constructor({ url = signalingUrl(), pingMs = 20000, pongTimeoutMs = 10000, connectTimeoutMs = 10000, giveUpMs = 5 * 60000 } = {}) {
        this.url = url;
        this.pingMs = pingMs;
        this.pongTimeoutMs = pongTimeoutMs;
        this.connectTimeoutMs = connectTimeoutMs;
        this.giveUpMs = giveUpMs;
        this.handlers = new Map();
        this.ws = null;
        this.state = 'idle';
        this.token = null;
        this.name = null;
        this.resumeToken = null;
        this.seated = false; // a seat was taken on this page at least once
        this.final = false; // no more reconnects
        this.fallbackJoin = true;
        this.attempt = 0;
        this.droppedAt = 0;
        this.timers = { ping: null, pong: null, retry: null, leave: null, connect: null };
        this.ice = new IceServers(); // TURN servers: sent before "admitted", fresh on request
        this.onOnline = () => {
            if (this.state === 'reconnecting') this.retryNow();
        };
        window.addEventListener('online', this.onOnline);
    }

    on(type, fn) {
        if (!this.handlers.has(type)) this.handlers.set(type, new Set());
        this.handlers.get(type).add(fn);
        return () => this.handlers.get(type).delete(fn);
    }

    emit(type, data) {
        for (const fn of this.handlers.get(type) || []) {
            try {
                fn(data);
            } catch (e) {
                console.error(e);
            }
        }
    }

    setState(state) {
        if (this.state === state) return;
        this.state = state;
        this.emit('state', state);
    }

    /** Takes a new seat with an invitation token. */
    join(token, name) {
        this.token = token;
        this.name = name;
        this.resumeToken = null;
        this.final = false;
        this.fallbackJoin = true;
        this.open('connecting');
    }

    /**
     * Takes back a seat saved in this tab. With fallbackJoin, a seat that is
     * gone is replaced by a fresh join; otherwise "resume_failed" is emitted
     * and the socket closed.
     */
    resume({ token, name, resumeToken, fallbackJoin = false }) {
        this.token = token;
        this.name = name;
        this.resumeToken = resumeToken;
        this.final = false;
        this.fallbackJoin = fallbackJoin;
        this.open('connecting');
    }

    /** Fresh TURN servers for a new peer connection or an ICE restart (the last known ones if none come). */
    freshIceServers() {
        return this.ice.request((m) => this.send(m));
    }

    send(msg) {
        if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
        this.ws.send(JSON.stringify(msg));
        return true;
    }

    /** Leaves the meeting (one message) and closes; the seat is given up. */
    leave() {
        this.final = true;
        saveSeat(null);
        this.resumeToken = null;
        clearTimeout(this.timers.retry);
        if (this.send({ type: 'leave' })) {
            // The server answers "left" and closes; do not wait for ever.
            this.timers.leave = setTimeout(() => this.close(), 3000);
        } else {
            this.close();
        }
    }

    /** Closes without leaving (the page goes away); no reconnect. */
    close() {
        this.final = true;
        this.stopTimers();
        if (this.ws) {
            const ws = this.ws;
            this.detach();
            try {
                ws.close(1000);
            } catch {
                /* already closed */
            }
        }
        this.setState('closed');
    }

    destroy() {
        this.close();
        window.removeEventListener('online', this.onOnline);
        this.handlers.clear();
    }

    // ---- internals ----

    open(state) {
        this.stopTimers();
        if (this.ws) this.detach();
        this.setState(state);
        let ws;
        try {
            ws = new WebSocket(this.url);
        } catch (e) {
            console.error(e);
            this.handleClose();
            return;
        }
        this.ws = ws;
        // A socket that neither opens nor fails (server unreachable, TLS stuck) is given up.
        this.timers.connect = setTimeout(() => this.dropDeadSocket(), this.connectTimeoutMs);
        ws.onopen = () => {
            clearTimeout(this.timers.connect);
            this.attempt = 0;
            this.startPing();
            if (this.resumeToken) this.send({ type: 'resume', resume_token: this.resumeToken });
            else this.send({ type: 'join', token: this.token, name: this.name });
        };
        ws.onmessage = (ev) => this.handleMessage(ev.data);
        ws.onclose = () => this.handleClose();
        ws.onerror = () => {
            /* onclose follows */
        };
    }

    detach() {
        if (!this.ws) return;
        this.ws.onopen = this.ws.onmessage = this.ws.onclose = this.ws.onerror = null;
        this.ws = null;
    }

    stopTimers() {
        clearInterval(this.timers.ping);
        clearTimeout(this.timers.pong);
        clearTimeout(this.timers.retry);
        clearTimeout(this.timers.leave);
        clearTimeout(this.timers.connect);
        this.timers.ping = this.timers.pong = this.timers.retry = this.timers.leave = this.timers.connect = null;
    }

    startPing() {
        clearInterval(this.timers.ping);
        this.timers.ping = setInterval(() => {
            if (!this.send({ type: 'ping' })) return;
            clearTimeout(this.timers.pong);
            this.timers.pong = setTimeout(() => this.dropDeadSocket(), this.pongTimeoutMs);
        }, this.pingMs);
    }

    /** No answer to a ping: give up on this socket now rather than wait for TCP. */
    dropDeadSocket() {
        const ws = this.ws;
        this.detach();
        try {
            if (ws) ws.close();
        } catch {
            /* ignore */
        }
        this.handleClose();
    }

    handleMessage(text) {
        let msg;
        try {
            msg = JSON.parse(text);
        } catch {
            return;
        }
        if (!msg || typeof msg.type !== 'string') return;
        clearTimeout(this.timers.pong); // anything from the server shows it is alive
        switch (msg.type) {
            case 'joined':
                this.seated = true;
                this.resumeToken = msg.resume_token;
                saveSeat({ token: this.token, name: this.name, resume_token: msg.resume_token });
                this.setState('joined');
                break;
            case 'ice_servers':
                this.ice.update(msg);
                break;
            case 'error':
                if (msg.ref === 'ice_servers') this.ice.failed();
                if (msg.ref === 'resume') {
                    this.resumeToken = null;
                    saveSeat(null);
                    this.emit('resume_failed', msg);
                    if (this.fallbackJoin && this.token && this.name) {
                        this.send({ type: 'join', token: this.token, name: this.name });
                    } else {
                        this.close();
                    }
                    return;
                }
                if (msg.ref === 'join') {
                    // A refused join ends this attempt: the view decides what next.
                    if (msg.code !== 'server_error' || !this.seated) {
                        this.final = true;
                        saveSeat(null);
                        this.emit('join_error', msg);
                        this.close();
                        return;
                    }
                }
                break;
            case 'server_shutdown':
                // The socket closes next; reconnect after it, resuming or joining.
                this.fallbackJoin = true;
                break;
            default:
                if (FINAL_TYPES.has(msg.type)) {
                    this.final = true;
                    this.resumeToken = null;
                    saveSeat(null);
                }
        }
        this.emit(msg.type, msg);
        this.emit('message', msg);
        if (msg.type === 'left') this.close();
    }

    handleClose() {
        this.stopTimers();
        this.detach();
        if (this.final) {
            this.setState('closed');
            return;
        }
        if (!this.seated) {
            // The first connection failed before any seat was taken.
            this.final = true;
            this.setState('closed');
            this.emit('connect_failed');
            return;
        }
        if (this.state !== 'reconnecting') {
            this.droppedAt = Date.now();
            this.attempt = 0;
        }
        this.setState('reconnecting');
        this.scheduleRetry();
    }

    scheduleRetry() {
        if (Date.now() - this.droppedAt > this.giveUpMs) {
            this.final = true;
            this.setState('closed');
            this.emit('lost');
            return;
        }
        const delay = RETRY_DELAYS_MS[Math.min(this.attempt, RETRY_DELAYS_MS.length - 1)];
        this.attempt += 1;
        clearTimeout(this.timers.retry);
        this.timers.retry = setTimeout(() => this.retryNow(), delay);
    }

    retryNow() {
        clearTimeout(this.timers.retry);
        this.fallbackJoin = true;
        this.open('reconnecting');
    }
}
