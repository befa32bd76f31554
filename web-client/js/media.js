// Audio and video in the meeting, against the server's SFU (docs/PROTOCOL.md,
// "Audio and video in a meeting (SFU)"). No page markup here: the room view
// (views/room.js) shows what this module reports and calls its methods.
//
// Two peer connections with the server, both BUNDLE + rtcp-mux:
//   publish    what this browser sends: the microphone, the camera with three
//              simulcast layers (rids q, h, f, lowest first) and a shared
//              screen; the browser offers ("publish"), the server answers
//              ("publish_answer"). Every change of tracks is a new offer on
//              the same connection.
//   subscribe  everyone else's tracks: the server offers ("subscribe_offer")
//              whenever they change, the browser answers
//              ("subscribe_answer"). Mids are stable; the offer's "tracks"
//              say whose each m-line is.
// subscribe_prefs tells the server how large each remote video is shown (so
// a phone gets the low simulcast layer) or that it is paused (off screen,
// audio only, page hidden).
//
//   const media = new MeetingMedia({ signaling: client, choice: 'video' });
//   media.on('remote', ...); media.start();     // once admitted
//   media.handle(msg);                           // every server message
//   media.setMic(false); media.setAudioOnly(true); media.startScreen(); ...
//   media.useMic(id); media.useCamera(id); media.setCameraEffect(blur);  (media-devices.js)
//   media.close();
//
// Events (on(type, fn) returns an unsubscribe function):
//   'local'     {mic, camera, screen}: the local tracks (or null) changed
//   'state'     {mic, camera, screen, audioOnly, facing}: what is switched on
//   'remote'    Map mid → {mid, participantId, source, kind, track}
//   'speaker'   participant id or null
//   'stats'     Map mid → {kind, framesDecoded, packetsReceived, bytesReceived}
//   'quality'   {level: 'good'|'fair'|'poor'|'unknown', rttMs, lossPct, limitation, kbps,
//               layers: "f:1280x720@24 h:… q:…" (the camera's simulcast layers being sent)}
//   'transport' {publish, subscribe}: the peer connections' states
//   'cameras'   number of cameras (for the switch button)
//   'notice'    {code}: something the person should know (camera refused, …)
//   'status'    'idle' | 'starting' | 'active' | 'unavailable' | 'closed'

import { STATS_MS, DISCONNECTED_GRACE_MS, RETRY_DELAYS_MS, isMediaError, mediaSupported, stopTrack, mixin, setIceServers } from './media-shared.js';
import { PublishMethods } from './media-publish.js';
import { SubscribeMethods } from './media-subscribe.js';
import { StatsMethods } from './media-stats.js';
import { DeviceMethods, loadDeviceChoice } from './media-devices.js';

export { isMediaError, screenShareSupported, mediaSupported } from './media-shared.js';

export class MeetingMedia {
    /**
     * signaling: {send(msg) → bool}; choice: 'video' | 'audio' (the pre-call
     * choice: audio starts without camera and in audio-only mode).
     */
    constructor({ signaling, choice = 'video', statsMs = STATS_MS }) {
        this.signaling = signaling;
        this.choice = choice === 'audio' ? 'audio' : 'video';
        this.statsMs = statsMs;
        this.handlers = new Map();
        this.status = 'idle';
        this.started = false;
        this.closed = false;
        this.stream = new MediaStream(); // microphone + camera, one stream for lip sync
        this.local = { mic: null, camera: null, screen: null };
        this.screenStream = null;
        this.sizes = { camera: null, screen: null };
        this.flags = { mic: false, camera: false, screen: false, audioOnly: this.choice === 'audio', facing: 'user' };
        this.cameraBeforeAudioOnly = this.choice === 'video';
        this.pub = this.emptyPublish();
        this.sub = this.emptySubscribe();
        this.prefs = new Map(); // mid → {width, height, visible}
        this.sentPrefs = new Map(); // mid → JSON of what the server was told
        this.prefsTimer = null;
        this.statsTimer = null;
        this.statsRound = 0;
        this.polling = false;
        this.inbound = new Map();
        this.lastQualityCounters = null;
        this.quality = { level: 'unknown', rttMs: null, lossPct: null, limitation: null, kbps: null };
        this.speaker = null;
        this.cameraCount = 0;
        this.busyCamera = false;
        this.chosen = loadDeviceChoice(); // devices picked in the check or during the call (media-devices.js)
        this.cameraEffect = null; // e.g. background blur, between the camera and what is sent
        this.retry = { publish: 0, subscribe: 0, timer: null };
        this.rebuilds = 0; // subscribe connections rebuilt after an offer failed (media-subscribe.js)
        this.pageHidden = typeof document !== 'undefined' && document.visibilityState === 'hidden';
        this.onVisibility = () => {
            this.pageHidden = document.visibilityState === 'hidden';
            this.schedulePrefs(0);
        };
        this.onNetwork = () => this.networkChanged();
        this.onDevices = () => this.countCameras();
    }

    emptyPublish() {
        // seq numbers the offers; waitingSeq is the one whose answer is awaited (0: none).
        return { pc: null, tr: { mic: null, camera: null, screen: null }, sources: new Map(), busy: false, dirty: false, seq: 0, waitingSeq: 0, answerTimer: null, discTimer: null, lastRestart: 0 };
    }

    emptySubscribe() {
        return { pc: null, requested: false, tracks: new Map(), chain: Promise.resolve(), discTimer: null, lastRestart: 0 };
    }

    // ---- events ----

    on(type, fn) {
        if (!this.handlers.has(type)) this.handlers.set(type, new Set());
        this.handlers.get(type).add(fn);
        return () => this.handlers.get(type).delete(fn);
    }

    emit(type, data) {
        if (this.closed && type !== 'status') return;
        for (const fn of this.handlers.get(type) || []) {
            try {
                fn(data);
            } catch (e) {
                console.error(e);
            }
        }
    }

    setStatus(s) {
        if (this.status === s) return;
        this.status = s;
        this.emit('status', s);
    }

    emitLocal() {
        this.emit('local', this.shownLocal());
    }

    emitState() {
        this.emit('state', this.state());
    }

    state() {
        return { mic: this.flags.mic, camera: this.flags.camera, screen: this.flags.screen, audioOnly: this.flags.audioOnly, facing: this.flags.facing, hasMic: !!this.local.mic };
    }

    transportStates() {
        return { publish: this.pub.pc ? this.pub.pc.connectionState : 'new', subscribe: this.sub.pc ? this.sub.pc.connectionState : 'new' };
    }

    emitTransport() {
        this.emit('transport', this.transportStates());
    }

    send(msg) {
        if (this.closed) return false;
        try {
            return !!this.signaling.send(msg);
        } catch {
            return false;
        }
    }

    /** The TURN servers last received (with "admitted" or on request). */
    knownIceServers() {
        const ice = this.signaling && this.signaling.ice;
        return ice ? ice.list : [];
    }

    /** Fresh TURN credentials from the server (the known ones if it does not answer). */
    async freshIceServers() {
        if (!this.signaling || typeof this.signaling.freshIceServers !== 'function') return this.knownIceServers();
        return this.signaling.freshIceServers();
    }

    /** Fresh TURN credentials on pc, before restarting its ICE. */
    async refreshIceServers(pc) {
        const servers = await this.freshIceServers();
        if (!this.closed) setIceServers(pc, servers);
    }

    sendMediaState() {
        this.send({ type: 'media_state', mic: this.flags.mic, camera: this.flags.camera, screen: this.flags.screen });
    }

    // ---- life ----

    /** Starts sending and receiving (idempotent). Call once admitted. */
    async start() {
        if (this.started || this.closed) return;
        this.started = true;
        if (!mediaSupported()) {
            this.setStatus('unavailable');
            this.emit('notice', { code: 'unsupported' });
            return;
        }
        this.setStatus('starting');
        document.addEventListener('visibilitychange', this.onVisibility);
        window.addEventListener('online', this.onNetwork);
        if (navigator.connection && navigator.connection.addEventListener) navigator.connection.addEventListener('change', this.onNetwork);
        if (navigator.mediaDevices && navigator.mediaDevices.addEventListener) navigator.mediaDevices.addEventListener('devicechange', this.onDevices);
        this.requestSubscribe(); // receiving does not wait for the devices
        if (!this.local.mic && !this.local.camera) await this.acquire();
        if (this.closed) return;
        this.countCameras();
        this.sendMediaState();
        this.createPublish();
        this.statsTimer = setInterval(() => this.poll(), this.statsMs);
        this.schedulePrefs(0);
    }

    /** The server's state was lost (a new seat): drop both connections, keep the devices. */
    reset() {
        this.dropPublish();
        this.dropSubscribe();
        if (this.cameraEffect) this.cameraEffect.stop();
        this.cameraEffect = null;
        clearTimeout(this.retry.timer);
        this.retry = { publish: 0, subscribe: 0, timer: null };
        clearInterval(this.statsTimer);
        this.statsTimer = null;
        this.sentPrefs.clear();
        this.started = false;
        this.setStatus('idle');
        this.emit('remote', new Map());
        this.emitTransport();
    }

    /** The WebSocket came back with the same seat: the peer connections may still work. */
    resumed() {
        if (!this.started || this.closed) return;
        this.sendMediaState();
        const pub = this.pub;
        if (pub.pc && pub.busy) {
            // The answer may have been lost with the old socket: offer again.
            this.rollbackPublish();
            this.negotiatePublish();
        }
        this.checkTransports();
        this.sentPrefs.clear();
        this.schedulePrefs(0);
    }

    close() {
        if (this.closed) return;
        this.closed = true;
        clearTimeout(this.prefsTimer);
        clearTimeout(this.retry.timer);
        clearInterval(this.statsTimer);
        document.removeEventListener('visibilitychange', this.onVisibility);
        window.removeEventListener('online', this.onNetwork);
        if (navigator.connection && navigator.connection.removeEventListener) navigator.connection.removeEventListener('change', this.onNetwork);
        if (navigator.mediaDevices && navigator.mediaDevices.removeEventListener) navigator.mediaDevices.removeEventListener('devicechange', this.onDevices);
        this.dropPublish();
        this.dropSubscribe();
        if (this.cameraEffect) this.cameraEffect.stop();
        this.cameraEffect = null;
        for (const k of ['mic', 'camera', 'screen']) {
            stopTrack(this.local[k]);
            this.local[k] = null;
        }
        this.setStatus('closed');
        this.handlers.clear();
    }

    // ---- transports ----

    transportChanged(which, pc) {
        const holder = which === 'publish' ? this.pub : this.sub;
        if (holder.pc !== pc) return;
        const st = pc.connectionState;
        this.emitTransport();
        clearTimeout(holder.discTimer);
        if (st === 'failed') {
            if (which === 'publish') this.restartPublish();
            else this.restartSubscribe();
        } else if (st === 'disconnected') {
            holder.discTimer = setTimeout(() => {
                if (holder.pc !== pc || pc.connectionState !== 'disconnected') return;
                if (which === 'publish') this.restartPublish();
                else this.restartSubscribe();
            }, DISCONNECTED_GRACE_MS);
        }
    }

    checkTransports() {
        for (const which of ['publish', 'subscribe']) {
            const holder = which === 'publish' ? this.pub : this.sub;
            const st = holder.pc ? holder.pc.connectionState : null;
            if (st === 'failed' || st === 'disconnected') {
                if (which === 'publish') this.restartPublish();
                else this.restartSubscribe();
            }
        }
    }

    networkChanged() {
        if (!this.started || this.closed) return;
        // A new network: connections not (still) connected restart at once;
        // the others restart if they go "disconnected" (transportChanged).
        this.checkTransports();
    }

    onTransportState(msg) {
        this.emit('server_transport', msg);
        if (msg.state !== 'failed') return;
        // The server has dropped that connection: a new one.
        if (msg.transport === 'publish') this.rebuildPublish();
        else if (msg.transport === 'subscribe') this.rebuildSubscribe();
    }

    onError(msg) {
        const code = msg.code;
        if (msg.ref === 'publish') {
            this.rollbackPublish();
            if (code === 'server_busy' || code === 'wrong_state' || code === 'rate_limited') this.schedulePublishRetry();
            else this.unavailable(code);
        } else if (msg.ref === 'subscribe') {
            this.sub.requested = false;
            if (code === 'server_busy' || code === 'wrong_state' || code === 'rate_limited') {
                const n = this.retry.subscribe++;
                setTimeout(() => this.requestSubscribe(), RETRY_DELAYS_MS[Math.min(n, RETRY_DELAYS_MS.length - 1)]);
            } else this.unavailable(code);
        } else if (msg.ref === 'subscribe_prefs') {
            this.sentPrefs.clear();
            if (code === 'rate_limited') this.schedulePrefs(2000);
        }
    }

    unavailable(code) {
        if (this.status === 'unavailable') return;
        this.setStatus('unavailable');
        this.emit('notice', { code: code === 'unknown_type' ? 'server_no_media' : 'media_failed' });
    }

    // ---- server messages ----

    handle(msg) {
        if (this.closed || !msg) return;
        switch (msg.type) {
            case 'publish_answer':
                this.onPublishAnswer(msg);
                break;
            case 'subscribe_offer':
                this.onSubscribeOffer(msg);
                break;
            case 'transport_state':
                this.onTransportState(msg);
                break;
            case 'active_speaker': {
                const id = typeof msg.participant_id === 'number' ? msg.participant_id : null;
                if (id !== this.speaker) {
                    this.speaker = id;
                    this.emit('speaker', id);
                }
                break;
            }
            case 'error':
                if (isMediaError(msg)) this.onError(msg);
                break;
            default:
        }
    }
}

// The rest of the methods, by area.
mixin(MeetingMedia, PublishMethods);
mixin(MeetingMedia, SubscribeMethods);
mixin(MeetingMedia, StatsMethods);
mixin(MeetingMedia, DeviceMethods);
