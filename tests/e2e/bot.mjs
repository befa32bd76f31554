// A meeting participant ("bot") that runs raw WebRTC inside a Chromium page,
// independent of the web client's UI: it opens the signaling WebSocket,
// joins with an invitation token, waits to be admitted, publishes the fake
// camera (640×480, simulcast q/h/f) and microphone, subscribes to everyone
// else and answers every subscribe_offer. Node-side, a Bot wraps the page
// and reads its state and getStats() figures.
//
//   const bot = await Bot.join(browser, server.origin, token, 'Anna');
//   await admit(hostBot, guestBot);             // host bot lets a lobby guest in
//   await bot.waitMedia();                      // publish + subscribe connected
//   const s = await bot.stats();                // {byParticipant: {id: {video, audio}}, outbound, ...}
//   await bot.send({ type: 'subscribe_prefs', max_bitrate: 120000 });
//   await bot.restartIce('publish');            // or 'subscribe'
//
// Used by tests/e2e/simulcast, ice-restart and loss tests and by
// tests/load/bench-meeting.mjs.
import { until } from './browser.mjs';

// Lowest layer first: the server takes the rids in offer order as 1/4, 1/2, 1/1.
// Of a 640×480 camera Chromium really sends only q (160×120) and h (320×240):
// its simulcast layer limit by resolution leaves f unused. It sends h only
// while its bandwidth estimate (from the server's transport-cc feedback)
// allows; outbound() shows per rid what is really sent.
export const CAMERA_ENCODINGS = [
    { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150000 },
    { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500000 },
    { rid: 'f', maxBitrate: 1500000 },
];

/* Runs in the page (serialised by playwright: everything it needs is inside). */
async function botMain({ token, name, encodings, width, height, stripTransportCc, repairBuffer }) {
    const PC_CONFIG = { bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' };
    const bot = {
        name,
        id: null,
        state: 'connecting', // connecting → joined → lobby → admitted
        msgs: [], // every message type received, in order (kept short)
        errors: [], // error messages and exceptions
        roster: [],
        tracks: {}, // subscribe mid → {participant_id, source, kind}
        transport: {}, // publish/subscribe → last transport_state
        pub: null,
        sub: null,
        pubTracks: [],
        pubWaiting: null, // resolve() of the publish offer in flight
        offersAnswered: 0,
        publishAnswers: 0,
        speaker: null,
        closed: null,
        iceServers: [], // TURN servers from "ice_servers" (sent before "admitted")
        iceWaiting: null, // resolve() of an ice_servers request in flight
    };
    window.bot = bot;
    const note = (e) => { bot.errors.push(String(e && e.stack ? e.stack : e).slice(0, 400)); };

    const stream = await navigator.mediaDevices.getUserMedia({
        audio: true,
        video: { width: { ideal: width }, height: { ideal: height }, frameRate: { ideal: 30 } },
    });
    bot.stream = stream;

    const ws = new WebSocket(`wss://${location.host}/ws`);
    bot.ws = ws;
    await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = () => reject(new Error('websocket failed'));
    });
    ws.onclose = (e) => { bot.closed = { code: e.code, reason: e.reason }; };
    bot.send = (m) => ws.send(JSON.stringify(m));

    async function publish() {
        const pc = bot.pub;
        const offer = await pc.createOffer();
        if (stripTransportCc) {
            // A publisher without transport-cc (feedback and extension): the server falls back to REMB.
            const keep = (l) => !/^a=rtcp-fb:\S+ transport-cc$/.test(l) && !/^a=extmap:\S+ \S*transport-wide-cc/.test(l);
            await pc.setLocalDescription({ type: offer.type, sdp: offer.sdp.split('\r\n').filter(keep).join('\r\n') });
        } else {
            await pc.setLocalDescription(offer);
        }
        const tracks = [];
        for (const tr of pc.getTransceivers()) {
            const kind = tr.sender.track?.kind;
            if (kind === 'audio') tracks.push({ mid: tr.mid, source: 'mic' });
            else if (kind === 'video') {
                const s = tr.sender.track.getSettings();
                tracks.push({ mid: tr.mid, source: 'camera', width: s.width || width, height: s.height || height });
            }
        }
        bot.pubTracks = tracks;
        const answered = new Promise((resolve) => { bot.pubWaiting = resolve; });
        bot.send({ type: 'publish', sdp: pc.localDescription.sdp, tracks });
        return answered;
    }

    async function startMedia() {
        const pc = new RTCPeerConnection({ ...PC_CONFIG, iceServers: bot.iceServers });
        bot.pub = pc;
        const audio = stream.getAudioTracks()[0];
        const video = stream.getVideoTracks()[0];
        pc.addTransceiver(audio, { direction: 'sendonly', streams: [stream] });
        pc.addTransceiver(video, { direction: 'sendonly', streams: [stream], sendEncodings: encodings.map((e) => ({ ...e })) });
        await publish();
        bot.send({ type: 'subscribe' });
    }

    let chain = Promise.resolve();
    async function answerSubscribe(m) {
        if (!bot.sub) {
            bot.sub = new RTCPeerConnection({ ...PC_CONFIG, iceServers: bot.iceServers });
            if (repairBuffer) {
                // The web client's own policy module, served by the server.
                const rb = await import('/js/repair-buffer.js');
                const policy = new rb.RepairBuffer();
                const sub = bot.sub;
                bot.bufferTargets = [];
                const timer = setInterval(async () => {
                    if (sub.connectionState === 'closed') return clearInterval(timer);
                    const c = rb.videoRepairCounters(await sub.getStats());
                    const target = policy.update(Date.now(), c.nacks, c.packets);
                    if (bot.bufferTargets.at(-1) !== target) bot.bufferTargets.push(target);
                    rb.applyBufferTarget(sub, target);
                }, 1000);
            }
        }
        const pc = bot.sub;
        await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp });
        await pc.setLocalDescription(await pc.createAnswer());
        bot.send({ type: 'subscribe_answer', sdp: pc.localDescription.sdp });
        const tracks = {};
        for (const t of Array.isArray(m.tracks) ? m.tracks : []) tracks[t.mid] = { participant_id: t.participant_id, source: t.source, kind: t.kind };
        bot.tracks = tracks;
        bot.offersAnswered++;
    }

    ws.onmessage = (e) => {
        let m;
        try { m = JSON.parse(e.data); } catch (err) { note(err); return; }
        bot.msgs.push(m.type + (m.transport ? `:${m.transport}:${m.state}` : ''));
        if (bot.msgs.length > 200) bot.msgs.splice(0, 100);
        switch (m.type) {
        case 'joined':
            bot.id = m.you.id;
            bot.state = m.you.state === 'admitted' ? 'joined' : 'lobby';
            break;
        case 'lobby':
            bot.state = 'lobby';
            break;
        case 'admitted':
            if (bot.state !== 'admitted') {
                bot.state = 'admitted';
                startMedia().catch(note);
            }
            break;
        case 'roster':
            bot.roster = m.participants;
            break;
        case 'ice_servers': {
            bot.iceServers = m.ice_servers;
            const w = bot.iceWaiting;
            bot.iceWaiting = null;
            if (w) w();
            break;
        }
        case 'publish_answer':
            bot.pub.setRemoteDescription({ type: 'answer', sdp: m.sdp })
                .then(() => { bot.publishAnswers++; })
                .catch(note)
                .finally(() => { const w = bot.pubWaiting; bot.pubWaiting = null; if (w) w(); });
            break;
        case 'subscribe_offer':
            chain = chain.then(() => answerSubscribe(m)).catch(note);
            break;
        case 'transport_state':
            bot.transport[m.transport] = { state: m.state, protocol: m.protocol, reason: m.reason, at: Date.now() };
            break;
        case 'active_speaker':
            bot.speaker = m.participant_id;
            break;
        case 'error':
            bot.errors.push(JSON.stringify(m));
            break;
        default:
            break;
        }
    };

    bot.publishAgain = () => publish();
    bot.restartIce = async (which) => {
        // Fresh TURN credentials first (the TURN server checks them per allocation).
        const fresh = new Promise((resolve) => { bot.iceWaiting = resolve; });
        bot.send({ type: 'ice_servers' });
        await fresh;
        const pc = which === 'publish' ? bot.pub : bot.sub;
        pc.setConfiguration({ ...pc.getConfiguration(), iceServers: bot.iceServers });
        if (which === 'publish') {
            bot.pub.restartIce();
            await publish();
        } else {
            bot.send({ type: 'subscribe_restart' });
        }
    };
    bot.admit = (participantId) => bot.send({ type: 'admit', participant_id: participantId });

    const selectedPair = (stats) => {
        let pair = null;
        stats.forEach((s) => {
            if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
        });
        if (!pair) return null;
        const local = stats.get(pair.localCandidateId);
        const remote = stats.get(pair.remoteCandidateId);
        return {
            protocol: local?.protocol, local: local?.address, remote: remote?.address,
            rtt: pair.currentRoundTripTime, outBps: pair.availableOutgoingBitrate,
        };
    };

    /* Inbound figures per remote participant (by subscribe_offer.tracks). */
    bot.stats = async () => {
        const r = { id: bot.id, state: bot.state, byParticipant: {}, sub: null, pub: null };
        r.transport = bot.transport;
        r.errors = bot.errors.slice(-5);
        const pc = bot.sub;
        if (!pc) return r;
        r.sub = { state: pc.connectionState, ice: pc.iceConnectionState };
        const stats = await pc.getStats();
        r.sub.pair = selectedPair(stats);
        stats.forEach((s) => {
            if (s.type !== 'inbound-rtp') return;
            const t = bot.tracks[s.mid];
            if (!t) return;
            const who = (r.byParticipant[t.participant_id] ??= {});
            if (s.kind === 'video') {
                who[t.source === 'screen' ? 'screen' : 'video'] = {
                    mid: s.mid,
                    framesDecoded: s.framesDecoded ?? 0,
                    framesReceived: s.framesReceived ?? 0,
                    frameWidth: s.frameWidth ?? 0,
                    frameHeight: s.frameHeight ?? 0,
                    fps: s.framesPerSecond ?? 0,
                    freezeCount: s.freezeCount ?? 0,
                    totalFreezesDuration: s.totalFreezesDuration ?? 0,
                    pauseCount: s.pauseCount ?? 0,
                    packetsLost: s.packetsLost ?? 0,
                    packetsReceived: s.packetsReceived ?? 0,
                    nackCount: s.nackCount ?? 0,
                    pliCount: s.pliCount ?? 0,
                    keyFramesDecoded: s.keyFramesDecoded ?? 0,
                    bytesReceived: s.bytesReceived ?? 0,
                    retransmittedPacketsReceived: s.retransmittedPacketsReceived ?? 0,
                };
            } else if (s.kind === 'audio') {
                who.audio = {
                    mid: s.mid,
                    packetsReceived: s.packetsReceived ?? 0,
                    packetsLost: s.packetsLost ?? 0,
                    concealedSamples: s.concealedSamples ?? 0,
                    totalSamplesReceived: s.totalSamplesReceived ?? 0,
                };
            }
        });
        return r;
    };

    /* Outbound figures of the publish connection, one entry per rid (video) and audio. */
    bot.outbound = async () => {
        const pc = bot.pub;
        if (!pc) return null;
        const stats = await pc.getStats();
        const r = { state: pc.connectionState, pair: selectedPair(stats), video: {}, audio: null };
        stats.forEach((s) => {
            if (s.type !== 'outbound-rtp') return;
            if (s.kind === 'video') {
                r.video[s.rid ?? '-'] = {
                    ssrc: s.ssrc,
                    active: s.active,
                    bytesSent: s.bytesSent ?? 0,
                    packetsSent: s.packetsSent ?? 0,
                    framesEncoded: s.framesEncoded ?? 0,
                    frameWidth: s.frameWidth ?? 0,
                    frameHeight: s.frameHeight ?? 0,
                    fps: s.framesPerSecond ?? 0,
                    targetBitrate: s.targetBitrate ?? 0,
                    retransmittedPacketsSent: s.retransmittedPacketsSent ?? 0,
                    retransmittedBytesSent: s.retransmittedBytesSent ?? 0,
                    nackCount: s.nackCount ?? 0,
                    pliCount: s.pliCount ?? 0,
                    firCount: s.firCount ?? 0,
                    qualityLimitationReason: s.qualityLimitationReason,
                };
            } else if (s.kind === 'audio') {
                r.audio = { packetsSent: s.packetsSent ?? 0, retransmittedPacketsSent: s.retransmittedPacketsSent ?? 0, nackCount: s.nackCount ?? 0 };
            }
        });
        return r;
    };

    bot.send({ type: 'join', token, name });
    return true;
}

/** Sums of the outbound video counters over all rids. */
export function outboundTotals(out) {
    const t = { retransmittedPacketsSent: 0, nackCount: 0, packetsSent: 0, bytesSent: 0 };
    for (const v of Object.values(out?.video ?? {})) {
        for (const k of Object.keys(t)) t[k] += v[k] ?? 0;
    }
    return t;
}

/** Compact per-rid view: "q:160x120@15fps 180kB". */
export function describeOutbound(out) {
    if (!out) return 'no publish connection';
    return Object.entries(out.video).sort().map(([rid, v]) =>
        `${rid}:${v.frameWidth}x${v.frameHeight}@${Math.round(v.fps)}fps ${Math.round(v.bytesSent / 1000)}kB` +
        `${v.qualityLimitationReason && v.qualityLimitationReason !== 'none' ? ` (${v.qualityLimitationReason})` : ''}`).join(' ') +
        ` bwe=${out.pair?.outBps ?? '?'}`;
}

export class Bot {
    constructor(page, name) {
        this.page = page;
        this.name = name;
        this.id = null;
    }

    /**
     * Opens a page at `origin` + `path` (default /healthz) in `browser` (a
     * playwright BrowserContext), connects and joins. Does not wait for
     * admission: hosts are admitted at once, guests need admit().
     */
    static async join(browser, origin, token, name, { path = '/healthz', width = 640, height = 480, encodings = CAMERA_ENCODINGS, stripTransportCc = false, repairBuffer = false } = {}) {
        const page = await browser.newPage();
        const bot = new Bot(page, name);
        page.on('pageerror', (e) => console.error(`[${name}] page error: ${e.message}`));
        await page.goto(`${origin}${path}`);
        await page.evaluate(botMain, { token, name, encodings, width, height, stripTransportCc, repairBuffer });
        const st = await bot.waitFor((s) => s.id !== null && s.state !== 'connecting', `${name}: joined`, 10000);
        bot.id = st.id;
        return bot;
    }

    /** Small state snapshot (no getStats). */
    state() {
        return this.page.evaluate(() => {
            const b = window.bot;
            return {
                id: b.id, state: b.state, roster: b.roster, tracks: b.tracks, transport: b.transport,
                errors: b.errors.slice(-5), msgs: b.msgs.slice(-20), closed: b.closed,
                pub: b.pub?.connectionState ?? null, sub: b.sub?.connectionState ?? null,
                offersAnswered: b.offersAnswered, publishAnswers: b.publishAnswers, speaker: b.speaker,
            };
        });
    }

    stats() {
        return this.page.evaluate(() => window.bot.stats());
    }

    outbound() {
        return this.page.evaluate(() => window.bot.outbound());
    }

    send(msg) {
        return this.page.evaluate((m) => window.bot.send(m), msg);
    }

    /** 'publish': pc.restartIce() and a new publish offer (resolves on the answer); 'subscribe': subscribe_restart. */
    restartIce(which) {
        return this.page.evaluate((w) => window.bot.restartIce(w), which);
    }

    /** Polls state() until pred(state) is truthy; the error carries the last state. */
    async waitFor(pred, what, timeoutMs = 15000) {
        let last;
        try {
            return await until(async () => {
                last = await this.state();
                return pred(last) ? last : null;
            }, { timeoutMs, intervalMs: 200, what });
        } catch (e) {
            throw new Error(`${e.message}; last state of ${this.name}: ${JSON.stringify(last)}`);
        }
    }

    /** Polls stats() until pred(stats) is truthy; the error carries the last stats. */
    async waitStats(pred, what, timeoutMs = 20000) {
        let last;
        try {
            return await until(async () => {
                last = await this.stats();
                return pred(last) ? last : null;
            }, { timeoutMs, intervalMs: 250, what });
        } catch (e) {
            throw new Error(`${e.message}; last stats at ${this.name}: ${JSON.stringify(last)}`);
        }
    }

    /** Both peer connections connected and media from every id in `from` decoding. */
    async waitMedia(from = [], timeoutMs = 20000) {
        await this.waitFor((s) => s.state === 'admitted' && s.pub === 'connected', `${this.name}: publish connected`, timeoutMs);
        if (!from.length) return null;
        return this.waitStats((s) => s.sub?.state === 'connected' && from.every((id) => {
            const p = s.byParticipant[id];
            return p?.video?.framesDecoded > 5 && p?.audio?.packetsReceived > 10;
        }), `${this.name}: video decoding and audio arriving from ${from.join(', ')}`, timeoutMs);
    }

    /** Video from participant `id` keeps decoding: framesDecoded rises by `frames` within timeoutMs. */
    async framesRising(id, frames = 10, timeoutMs = 10000) {
        const first = (await this.stats()).byParticipant[id]?.video?.framesDecoded ?? 0;
        return this.waitStats((s) => (s.byParticipant[id]?.video?.framesDecoded ?? 0) > first + frames,
            `${this.name}: more frames from ${id} (had ${first})`, timeoutMs);
    }

    async close() {
        await this.page.evaluate(() => {
            try { window.bot.send({ type: 'leave' }); } catch { /* gone */ }
            window.bot.pub?.close();
            window.bot.sub?.close();
            window.bot.stream?.getTracks().forEach((t) => t.stop());
        }).catch(() => {});
        await this.page.close().catch(() => {});
    }
}

/** The host bot admits `guest` (a Bot in the lobby) by its participant id from the host's roster. */
export async function admit(host, guest, timeoutMs = 10000) {
    await host.waitFor((s) => s.roster.some((p) => p.id === guest.id && p.state === 'lobby'), `${host.name}: ${guest.name} in the lobby`, timeoutMs);
    await host.page.evaluate((id) => window.bot.admit(id), guest.id);
    await guest.waitFor((s) => s.state === 'admitted', `${guest.name}: admitted`, timeoutMs);
}

/**
 * Creates a meeting (as the logged-in `api`) with `guests` citizen links and
 * returns {hostToken, guestTokens}.
 */
export async function createMeeting(api, guests, title = 'Bots') {
    const created = await api.expect(201, 'POST', '/api/meetings', { body: { title, roles: Array(guests).fill('citizen') } });
    return { meeting: created.meeting, hostToken: created.host_link.token, guestTokens: created.links.map((l) => l.token) };
}

/**
 * A whole meeting of bots: the first (host) joins with the host link, the
 * others join and are admitted by it; waits until everyone decodes everyone.
 * browsers: one context per bot, or one for all. Returns the bots.
 */
export async function meetingOfBots(api, origin, names, { browsers, origins, timeoutMs = 30000, join = {} } = {}) {
    const { hostToken, guestTokens } = await createMeeting(api, names.length - 1);
    const ctx = (i) => (Array.isArray(browsers) ? browsers[i] : browsers);
    const org = (i) => (origins ? origins[i] : origin);
    const bots = [await Bot.join(ctx(0), org(0), hostToken, names[0], join)];
    for (let i = 1; i < names.length; i++) {
        const b = await Bot.join(ctx(i), org(i), guestTokens[i - 1], names[i], join);
        await admit(bots[0], b);
        bots.push(b);
    }
    for (const b of bots) {
        await b.waitMedia(bots.filter((o) => o !== b).map((o) => o.id), timeoutMs);
    }
    return bots;
}
