// Live link statuses for the logged-in caseworker (docs/PROTOCOL.md,
// "Watching link statuses"): one WebSocket to /ws, opened with the login
// cookie, sends {"type":"watch"} for one meeting or all of theirs and then
// receives "link_status" messages as guests open their links, check their
// devices, wait, join and leave. It also carries the caseworker's short text
// to someone waiting in the lobby.
//
//   const w = watchLinks({ meetingId, onStatus, onReady, onDialOut });
//   await w.lobbyMessage(invitationId, text);  // resolves {count}, rejects {code}
//   w.dialOut(invitationId, '+4512345678');    // false when not connected
//   w.close();
//
// onDialOut gets the server's "dial_out_state" messages as they come
// ({invitation_id, state, reason}), and for a call the server refused or
// never answered {invitation_id, error: {code, message}}.
//
// onReady runs each time the watch is (re)established: reload the REST view
// then, so nothing that happened while disconnected is missed. The socket
// reconnects by itself with growing pauses, at most MAX_RETRIES times in a row.

import { signalingUrl } from './signaling.js';

const RETRY_DELAYS_MS = [1000, 2000, 5000, 10000, 30000];
const MAX_RETRIES = 20;
const PING_MS = 25000;
const REPLY_TIMEOUT_MS = 10000;

export function watchLinks({ meetingId = null, onStatus, onReady = () => {}, onDialOut = () => {} }) {
    let ws = null;
    let closed = false;
    let retries = 0;
    let retryTimer = null;
    let pingTimer = null;
    const pending = []; // lobby messages waiting for their answer, in order
    const dialing = []; // calls asked for and not answered yet: {id, timer}, in order

    function dialAnswered(id, error) {
        const i = id === null ? 0 : dialing.findIndex((d) => d.id === id);
        if (i < 0 || i >= dialing.length) return null;
        const [d] = dialing.splice(i, 1);
        clearTimeout(d.timer);
        if (error) onDialOut({ invitation_id: d.id, error });
        return d;
    }

    function failPending(code) {
        while (pending.length) {
            const p = pending.shift();
            clearTimeout(p.timer);
            p.reject({ code });
        }
    }

    function connect() {
        if (closed) return;
        try {
            ws = new WebSocket(signalingUrl());
        } catch {
            scheduleRetry();
            return;
        }
        ws.onopen = () => {
            ws.send(JSON.stringify(meetingId ? { type: 'watch', meeting_id: Number(meetingId) } : { type: 'watch' }));
            clearInterval(pingTimer);
            pingTimer = setInterval(() => {
                if (ws && ws.readyState === WebSocket.OPEN) ws.send('{"type":"ping"}');
            }, PING_MS);
        };
        ws.onmessage = (ev) => {
            let msg;
            try {
                msg = JSON.parse(ev.data);
            } catch {
                return;
            }
            if (msg.type === 'watching') {
                retries = 0;
                onReady();
            } else if (msg.type === 'link_status') {
                onStatus(msg);
            } else if (msg.type === 'lobby_message_sent' && pending.length) {
                const p = pending.shift();
                clearTimeout(p.timer);
                p.resolve({ count: msg.count });
            } else if (msg.type === 'error' && msg.ref === 'lobby_message' && pending.length) {
                const p = pending.shift();
                clearTimeout(p.timer);
                p.reject({ code: msg.code });
            } else if (msg.type === 'dial_out_state') {
                dialAnswered(msg.invitation_id, null);
                onDialOut(msg);
            } else if (msg.type === 'error' && msg.ref === 'dial_out') {
                dialAnswered(null, { code: msg.code, message: msg.message });
            } else if (msg.type === 'error' && msg.ref === 'watch') {
                // Logged out or no such meeting: retrying would not help.
                closed = true;
                ws.close();
            }
        };
        ws.onclose = () => {
            clearInterval(pingTimer);
            failPending('network');
            while (dialing.length) dialAnswered(dialing[0].id, { code: 'network' });
            ws = null;
            scheduleRetry();
        };
        ws.onerror = () => {
            /* onclose follows */
        };
    }

    function scheduleRetry() {
        if (closed || retries >= MAX_RETRIES) return;
        const delay = RETRY_DELAYS_MS[Math.min(retries, RETRY_DELAYS_MS.length - 1)];
        retries++;
        clearTimeout(retryTimer);
        retryTimer = setTimeout(connect, delay);
    }

    connect();

    return {
        lobbyMessage(invitationId, text) {
            return new Promise((resolve, reject) => {
                if (!ws || ws.readyState !== WebSocket.OPEN) {
                    reject({ code: 'network' });
                    return;
                }
                const entry = { resolve, reject, timer: null };
                entry.timer = setTimeout(() => {
                    const i = pending.indexOf(entry);
                    if (i >= 0) pending.splice(i, 1);
                    reject({ code: 'network' });
                }, REPLY_TIMEOUT_MS);
                pending.push(entry);
                ws.send(JSON.stringify({ type: 'lobby_message', invitation_id: invitationId, text }));
            });
        },
        dialOut(invitationId, number) {
            if (!ws || ws.readyState !== WebSocket.OPEN) return false;
            const id = Number(invitationId);
            const entry = { id, timer: null };
            entry.timer = setTimeout(() => dialAnswered(id, { code: 'no_reply' }), REPLY_TIMEOUT_MS);
            dialing.push(entry);
            ws.send(JSON.stringify({ type: 'dial_out', invitation_id: id, number }));
            return true;
        },
        close() {
            closed = true;
            while (dialing.length) clearTimeout(dialing.shift().timer);
            clearTimeout(retryTimer);
            clearInterval(pingTimer);
            failPending('closed');
            if (ws) {
                ws.onclose = null;
                ws.close();
                ws = null;
            }
        },
    };
}
