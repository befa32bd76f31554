// Shared by the end-to-end tests of the pre-call echo check: a server with
// one caseworker and a meeting link to check with, and the page function
// that starts the check in Chromium.
import { Server, PASSWORD } from '../integration/lib.mjs';

/** Starts a server (new Server(opts)) with a meeting; returns {server, token} (a citizen link). */
export async function echoServer(opts) {
    const server = new Server(opts);
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
    const api = await server.login('anna', PASSWORD);
    const created = await api.expect(201, 'POST', '/api/meetings', {
        body: { title: 'Forberedelse', roles: ['citizen'] },
    });
    return { server, token: created.links[0].token };
}

/* Runs in the page (page.evaluate(startEcho, {token, transports})): offers
 * camera + microphone and starts the echo check. window.echoState keeps the
 * peer connection, every message received, an error of setRemoteDescription,
 * and marks: ms after echo_start of the answer and of each ICE and
 * connection state. */
export async function startEcho({ token: tok, transports }) {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    for (const t of stream.getTracks()) pc.addTrack(t, stream);
    const ws = new WebSocket(`wss://${location.host}/ws`);
    await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = () => reject(new Error('websocket failed'));
    });
    const state = { msgs: [], pc, ws, answerError: null, marks: {}, t0: 0 };
    window.echoState = state;
    const mark = (k) => { state.marks[k] ??= Math.round(performance.now() - state.t0); };
    pc.oniceconnectionstatechange = () => mark(`ice-${pc.iceConnectionState}`);
    pc.onconnectionstatechange = () => mark(`pc-${pc.connectionState}`);
    ws.onmessage = async (e) => {
        const m = JSON.parse(e.data);
        state.msgs.push(m);
        if (m.type === 'echo_answer') {
            mark('answer');
            try {
                await pc.setRemoteDescription({ type: 'answer', sdp: m.sdp });
            } catch (err) {
                state.answerError = String(err);
            }
        }
    };
    await pc.setLocalDescription(await pc.createOffer());
    state.t0 = performance.now();
    ws.send(JSON.stringify({ type: 'echo_start', token: tok, sdp: pc.localDescription.sdp, transports }));
}
