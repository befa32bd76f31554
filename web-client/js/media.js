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

const PC_CONFIG = { bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' };

// Lowest layer first: the server takes the rids in offer order as 1/4, 1/2, 1/1.
const CAMERA_ENCODINGS = [
    { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150000 },
    { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500000 },
    { rid: 'f', maxBitrate: 1500000 },
];
const SCREEN_MAX_BITRATE = 1500000;
const CAMERA_CONSTRAINTS = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 24, max: 30 } };
const AUDIO_CONSTRAINTS = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

const PREFS_DEBOUNCE_MS = 500;
const STATS_MS = 1000;
const QUALITY_EVERY = 2; // quality from every second stats round
const DISCONNECTED_GRACE_MS = 4000; // "disconnected" this long: restart ICE
const RESTART_MIN_GAP_MS = 5000;
const ANSWER_TIMEOUT_MS = 15000;
const RETRY_DELAYS_MS = [2000, 5000, 10000, 20000, 30000];
// The sender's bandwidth estimate (kbit/s) under which the connection is fair / poor.
const FAIR_KBPS = 500;
const LOW_KBPS = 150;
// Displayed CSS pixels times this (at most) is the size asked for.
const MAX_PIXEL_RATIO = 1.5;

const MEDIA_REFS = new Set(['publish', 'subscribe', 'subscribe_answer', 'subscribe_prefs', 'subscribe_restart']);

/** An error message that belongs to the media (not to be shown as a chat/host error). */
export function isMediaError(msg) {
    return !!msg && msg.type === 'error' && MEDIA_REFS.has(msg.ref);
}

/** Whether this browser can share its screen (not phones, as a rule). */
export function screenShareSupported() {
    return !!(navigator.mediaDevices && typeof navigator.mediaDevices.getDisplayMedia === 'function');
}

export function mediaSupported() {
    return typeof RTCPeerConnection === 'function';
}

function stopTrack(track) {
    if (!track) return;
    try {
        track.stop();
    } catch {
        /* already */
    }
}

function trackSize(track) {
    if (!track) return null;
    const s = track.getSettings ? track.getSettings() : {};
    if (!s.width || !s.height) return null;
    return { width: Math.round(s.width), height: Math.round(s.height) };
}

function errorCode(e) {
    const name = e && e.name;
    if (name === 'NotAllowedError' || name === 'SecurityError') return 'denied';
    if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'missing';
    if (name === 'NotReadableError' || name === 'AbortError') return 'busy';
    return 'failed';
}

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
        this.retry = { publish: 0, subscribe: 0, timer: null };
        this.pageHidden = typeof document !== 'undefined' && document.visibilityState === 'hidden';
        this.onVisibility = () => {
            this.pageHidden = document.visibilityState === 'hidden';
            this.schedulePrefs(0);
        };
        this.onNetwork = () => this.networkChanged();
        this.onDevices = () => this.countCameras();
    }

    emptyPublish() {
        return { pc: null, tr: { mic: null, camera: null, screen: null }, sources: new Map(), busy: false, dirty: false, answerTimer: null, discTimer: null, lastRestart: 0 };
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
        this.emit('local', { ...this.local });
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
        for (const k of ['mic', 'camera', 'screen']) {
            stopTrack(this.local[k]);
            this.local[k] = null;
        }
        this.setStatus('closed');
        this.handlers.clear();
    }

    // ---- devices ----

    async acquire() {
        const wantVideo = this.choice === 'video' && !this.flags.audioOnly;
        let stream = null;
        if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
            try {
                stream = await navigator.mediaDevices.getUserMedia({ audio: AUDIO_CONSTRAINTS, video: wantVideo ? { ...CAMERA_CONSTRAINTS, facingMode: 'user' } : false });
            } catch (e) {
                if (wantVideo) {
                    // The camera may be the problem (missing, busy): try the microphone alone.
                    try {
                        stream = await navigator.mediaDevices.getUserMedia({ audio: AUDIO_CONSTRAINTS });
                        this.emit('notice', { code: `camera_${errorCode(e)}` });
                    } catch (e2) {
                        this.emit('notice', { code: `mic_${errorCode(e2)}` });
                    }
                } else {
                    this.emit('notice', { code: `mic_${errorCode(e)}` });
                }
            }
        } else {
            this.emit('notice', { code: 'unsupported' });
        }
        if (this.closed) {
            if (stream) stream.getTracks().forEach(stopTrack);
            return;
        }
        if (stream) {
            const mic = stream.getAudioTracks()[0] || null;
            const cam = stream.getVideoTracks()[0] || null;
            if (mic) this.setLocal('mic', mic);
            if (cam) this.setLocal('camera', cam);
        }
        this.flags.mic = !!this.local.mic;
        this.flags.camera = !!this.local.camera;
        this.emitLocal();
        this.emitState();
    }

    setLocal(kind, track) {
        const old = this.local[kind];
        if (old && old !== track && kind !== 'screen') this.stream.removeTrack(old);
        this.local[kind] = track;
        if (track && kind !== 'screen' && !this.stream.getTrackById(track.id)) this.stream.addTrack(track);
        if (track && kind !== 'mic') this.sizes[kind] = trackSize(track) || this.sizes[kind];
        if (track) track.addEventListener('ended', () => this.trackEnded(kind, track));
    }

    trackEnded(kind, track) {
        if (this.closed || this.local[kind] !== track) return;
        // The device went away (unplugged, taken by another app, the browser's "stop sharing").
        if (kind === 'screen') this.stopScreen();
        else if (kind === 'camera') this.setCamera(false);
        else {
            this.local.mic = null;
            this.stream.removeTrack(track);
            this.flags.mic = false;
            this.emitLocal();
            this.emitState();
            this.sendMediaState();
            this.emit('notice', { code: 'mic_lost' });
        }
    }

    async getCamera(facing, deviceId) {
        const video = { ...CAMERA_CONSTRAINTS };
        if (deviceId) video.deviceId = { exact: deviceId };
        else if (facing) video.facingMode = facing;
        const s = await navigator.mediaDevices.getUserMedia({ video });
        return s.getVideoTracks()[0] || null;
    }

    async countCameras() {
        if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) return;
        try {
            const list = await navigator.mediaDevices.enumerateDevices();
            const n = list.filter((d) => d.kind === 'videoinput').length;
            if (n !== this.cameraCount) {
                this.cameraCount = n;
                this.emit('cameras', n);
            }
        } catch {
            /* unknown */
        }
    }

    // ---- switches (called by the view) ----

    setMic(on) {
        if (on && !this.local.mic) {
            this.acquireMic();
            return;
        }
        if (!this.local.mic) return;
        this.local.mic.enabled = !!on;
        this.flags.mic = !!on;
        this.emitState();
        this.sendMediaState();
    }

    async acquireMic() {
        try {
            const s = await navigator.mediaDevices.getUserMedia({ audio: AUDIO_CONSTRAINTS });
            const track = s.getAudioTracks()[0];
            if (!track || this.closed) return stopTrack(track);
            this.setLocal('mic', track);
            this.flags.mic = true;
            await this.attachTrack('mic', track);
        } catch (e) {
            this.emit('notice', { code: `mic_${errorCode(e)}` });
            return undefined;
        }
        this.emitLocal();
        this.emitState();
        this.sendMediaState();
        return undefined;
    }

    /** Camera on or off. Off lets go of the camera (its light goes out) and sends nothing. */
    async setCamera(on) {
        if (this.busyCamera) return;
        this.busyCamera = true;
        try {
            if (on) await this.cameraOn();
            else await this.cameraOff();
        } finally {
            this.busyCamera = false;
        }
    }

    async cameraOff() {
        const track = this.local.camera;
        this.flags.camera = false;
        if (track) track.enabled = false;
        const tr = this.pub.tr.camera;
        if (tr && !tr.stopped && tr.sender) {
            try {
                await tr.sender.replaceTrack(null);
            } catch {
                /* the connection is gone */
            }
        }
        if (track) {
            stopTrack(track);
            this.stream.removeTrack(track);
        }
        this.local.camera = null;
        this.emitLocal();
        this.emitState();
        this.sendMediaState();
    }

    async cameraOn() {
        if (this.flags.audioOnly) {
            // Turning the camera on ends audio-only mode: the others' video comes back too.
            this.flags.audioOnly = false;
            this.schedulePrefs(0);
        }
        if (!this.local.camera) {
            let track;
            try {
                track = await this.getCamera(this.flags.facing);
            } catch (e) {
                this.emit('notice', { code: `camera_${errorCode(e)}` });
                this.emitState();
                return;
            }
            if (this.closed || !track) return stopTrack(track);
            this.setLocal('camera', track);
            this.countCameras(); // labels and counts are known once a camera is open
        }
        this.local.camera.enabled = true;
        this.flags.camera = true;
        await this.attachTrack('camera', this.local.camera);
        this.emitLocal();
        this.emitState();
        this.sendMediaState();
        return undefined;
    }

    /** Audio only: no camera, and the others' video is not sent to us. */
    async setAudioOnly(on) {
        on = !!on;
        if (on === this.flags.audioOnly) return;
        if (on) {
            this.cameraBeforeAudioOnly = this.flags.camera;
            this.flags.audioOnly = true;
            this.schedulePrefs(0);
            this.emitState();
            if (this.local.camera || this.flags.camera) await this.setCamera(false);
        } else {
            this.flags.audioOnly = false;
            this.schedulePrefs(0);
            this.emitState();
            if (this.cameraBeforeAudioOnly) await this.setCamera(true);
        }
    }

    /** Front ↔ back camera on phones (facingMode), else the next camera. */
    async switchCamera() {
        const old = this.local.camera;
        if (!old || this.busyCamera) return;
        this.busyCamera = true;
        try {
            const settings = old.getSettings ? old.getSettings() : {};
            const facing = settings.facingMode || this.flags.facing;
            let next = null;
            let nextFacing = facing;
            // Phones often cannot open both cameras at once: let go of the old one first.
            stopTrack(old);
            if (settings.facingMode) {
                nextFacing = facing === 'environment' ? 'user' : 'environment';
                try {
                    next = await this.getCamera({ exact: nextFacing });
                } catch {
                    next = null;
                }
            }
            if (!next) {
                const list = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
                const i = list.findIndex((d) => d.deviceId === settings.deviceId);
                const d = list.length ? list[(i + 1) % list.length] : null;
                try {
                    next = d ? await this.getCamera(null, d.deviceId) : null;
                } catch {
                    next = null;
                }
                const ns = next && next.getSettings ? next.getSettings() : {};
                nextFacing = ns.facingMode || facing; // no facing known (desktop webcams): keep the mirror as it was
            }
            if (this.closed) return stopTrack(next);
            if (!next) {
                // Back to the camera we had.
                try {
                    next = await this.getCamera(facing);
                    nextFacing = facing;
                } catch (e) {
                    next = null;
                }
                this.emit('notice', { code: 'camera_switch_failed' });
            }
            this.stream.removeTrack(old);
            this.local.camera = null;
            if (!next) {
                this.flags.camera = false;
                this.emitLocal();
                this.emitState();
                this.sendMediaState();
                return undefined;
            }
            this.flags.facing = nextFacing === 'environment' ? 'environment' : 'user';
            this.setLocal('camera', next);
            next.enabled = this.flags.camera;
            await this.attachTrack('camera', next);
            this.emitLocal();
            this.emitState();
        } finally {
            this.busyCamera = false;
        }
        return undefined;
    }

    /** Shares the screen (call from a click: the browser asks the person). */
    async startScreen() {
        if (this.local.screen || !screenShareSupported()) return false;
        let stream;
        try {
            stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 5 }, audio: false });
        } catch (e) {
            if (e && e.name !== 'NotAllowedError' && e.name !== 'AbortError') this.emit('notice', { code: 'screen_failed' });
            return false;
        }
        const track = stream.getVideoTracks()[0];
        if (!track || this.closed) {
            stream.getTracks().forEach(stopTrack);
            return false;
        }
        try {
            track.contentHint = 'detail';
        } catch {
            /* not supported */
        }
        this.screenStream = stream;
        this.setLocal('screen', track);
        this.flags.screen = true;
        await this.attachTrack('screen', track);
        this.emitLocal();
        this.emitState();
        this.sendMediaState();
        return true;
    }

    async stopScreen() {
        const track = this.local.screen;
        if (!track && !this.flags.screen) return;
        this.local.screen = null;
        this.flags.screen = false;
        stopTrack(track);
        this.screenStream = null;
        const pub = this.pub;
        const tr = pub.tr.screen;
        pub.tr.screen = null;
        if (tr) {
            pub.sources.delete(tr);
            try {
                if (tr.stop) tr.stop();
                else tr.direction = 'inactive';
            } catch {
                try {
                    tr.direction = 'inactive';
                } catch {
                    /* closed */
                }
            }
            this.negotiatePublish();
        }
        this.emitLocal();
        this.emitState();
        this.sendMediaState();
    }

    /** Host's request to turn something off: do it. */
    applyMuteRequest(kind) {
        if (kind === 'camera') this.setCamera(false);
        else if (kind === 'screen') this.stopScreen();
        else this.setMic(false);
    }

    // ---- publish ----

    createPublish() {
        if (this.closed || this.pub.pc) return;
        const pc = new RTCPeerConnection(PC_CONFIG);
        this.pub.pc = pc;
        const watch = () => this.transportChanged('publish', pc);
        pc.onconnectionstatechange = watch;
        pc.oniceconnectionstatechange = watch;
        if (this.local.mic) this.addPublishTrack('mic', this.local.mic);
        if (this.local.camera && !this.flags.audioOnly) this.addPublishTrack('camera', this.local.camera);
        if (this.local.screen) this.addPublishTrack('screen', this.local.screen);
        this.emitTransport();
        if (this.pub.sources.size) this.negotiatePublish();
        else this.setStatus('active'); // nothing to send; receiving goes on
    }

    addPublishTrack(source, track) {
        const pub = this.pub;
        let tr;
        if (source === 'camera') {
            tr = pub.pc.addTransceiver(track, { direction: 'sendonly', streams: [this.stream], sendEncodings: CAMERA_ENCODINGS.map((e) => ({ ...e })) });
        } else if (source === 'screen') {
            tr = pub.pc.addTransceiver(track, { direction: 'sendonly', streams: [this.screenStream || new MediaStream([track])], sendEncodings: [{ maxBitrate: SCREEN_MAX_BITRATE }] });
            this.screenParameters(tr.sender);
        } else {
            tr = pub.pc.addTransceiver(track, { direction: 'sendonly', streams: [this.stream] });
        }
        pub.tr[source] = tr;
        pub.sources.set(tr, source);
        return tr;
    }

    async screenParameters(sender) {
        // Text on a shared screen must stay sharp: keep the resolution, drop frames.
        try {
            const p = sender.getParameters();
            p.degradationPreference = 'maintain-resolution';
            await sender.setParameters(p);
        } catch {
            /* not supported here */
        }
    }

    /** Puts a (new) local track on its transceiver, adding one (and offering) when needed. */
    async attachTrack(source, track) {
        const pub = this.pub;
        if (!pub.pc || pub.pc.signalingState === 'closed') return;
        const tr = pub.tr[source];
        if (tr && !tr.stopped && tr.currentDirection !== 'stopped') {
            try {
                await tr.sender.replaceTrack(track);
                if (source === 'camera' && track) this.sizes.camera = trackSize(track) || this.sizes.camera;
                return;
            } catch (e) {
                console.error(e);
            }
        }
        if (!track) return;
        this.addPublishTrack(source, track);
        this.negotiatePublish();
    }

    publishTracks() {
        const out = [];
        for (const [tr, source] of this.pub.sources) {
            if (tr.stopped || tr.currentDirection === 'stopped' || !tr.mid || tr.direction !== 'sendonly') continue;
            const t = { mid: tr.mid, source };
            const size = source === 'mic' ? null : trackSize(this.local[source]) || this.sizes[source];
            if (size) {
                t.width = size.width;
                t.height = size.height;
            }
            out.push(t);
        }
        return out;
    }

    async negotiatePublish() {
        const pub = this.pub;
        const pc = pub.pc;
        if (!pc || this.closed || pc.signalingState === 'closed') return;
        if (pub.busy) {
            pub.dirty = true;
            return;
        }
        pub.busy = true;
        pub.dirty = false;
        try {
            const offer = await pc.createOffer();
            if (pc !== this.pub.pc) return;
            await pc.setLocalDescription(offer);
            if (pc !== this.pub.pc) return;
            const msg = { type: 'publish', sdp: pc.localDescription.sdp, tracks: this.publishTracks() };
            if (!this.send(msg)) {
                // No socket now: offer again once it is back (resumed()).
                return;
            }
            clearTimeout(pub.answerTimer);
            pub.answerTimer = setTimeout(() => {
                if (pc !== this.pub.pc || !pub.busy) return;
                this.rollbackPublish();
                this.schedulePublishRetry();
            }, ANSWER_TIMEOUT_MS);
        } catch (e) {
            console.error(e);
            if (pc === this.pub.pc) {
                pub.busy = false;
                this.rollbackPublish();
            }
        }
    }

    async rollbackPublish() {
        const pub = this.pub;
        clearTimeout(pub.answerTimer);
        pub.busy = false;
        if (pub.pc && pub.pc.signalingState === 'have-local-offer') {
            try {
                await pub.pc.setLocalDescription({ type: 'rollback' });
            } catch {
                /* nothing to roll back */
            }
        }
    }

    async onPublishAnswer(msg) {
        const pub = this.pub;
        const pc = pub.pc;
        if (!pc || typeof msg.sdp !== 'string' || pc.signalingState !== 'have-local-offer') return;
        clearTimeout(pub.answerTimer);
        try {
            await pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp });
            this.retry.publish = 0;
            if (this.status === 'starting') this.setStatus('active');
        } catch (e) {
            console.error(e);
            this.rollbackPublish();
            this.emit('notice', { code: 'media_failed' });
        }
        if (pc !== this.pub.pc) return;
        pub.busy = false;
        if (pub.dirty) this.negotiatePublish();
    }

    schedulePublishRetry() {
        const n = this.retry.publish++;
        const delay = RETRY_DELAYS_MS[Math.min(n, RETRY_DELAYS_MS.length - 1)];
        clearTimeout(this.retry.timer);
        this.retry.timer = setTimeout(() => this.negotiatePublish(), delay);
    }

    dropPublish() {
        const pub = this.pub;
        clearTimeout(pub.answerTimer);
        clearTimeout(pub.discTimer);
        if (pub.pc) {
            pub.pc.onconnectionstatechange = pub.pc.oniceconnectionstatechange = null;
            try {
                pub.pc.close();
            } catch {
                /* closed */
            }
        }
        this.pub = this.emptyPublish();
    }

    /** A new publish connection with the same tracks (the old one is dead). */
    rebuildPublish() {
        if (this.closed || !this.started) return;
        this.dropPublish();
        this.createPublish();
    }

    restartPublish() {
        const pub = this.pub;
        const now = Date.now();
        if (!pub.pc || now - pub.lastRestart < RESTART_MIN_GAP_MS) return;
        pub.lastRestart = now;
        if (pub.pc.signalingState === 'closed') {
            this.rebuildPublish();
            return;
        }
        try {
            pub.pc.restartIce();
        } catch {
            this.rebuildPublish();
            return;
        }
        if (pub.busy) this.rollbackPublish();
        this.negotiatePublish();
    }

    // ---- subscribe ----

    requestSubscribe() {
        if (this.sub.requested) return;
        if (this.send({ type: 'subscribe' })) this.sub.requested = true;
    }

    onSubscribeOffer(msg) {
        const sub = this.sub;
        sub.chain = sub.chain.then(() => this.applySubscribeOffer(msg, sub)).catch((e) => console.error(e));
    }

    async applySubscribeOffer(msg, sub) {
        if (this.closed || sub !== this.sub || typeof msg.sdp !== 'string') return;
        if (!sub.pc) {
            const pc = new RTCPeerConnection(PC_CONFIG);
            sub.pc = pc;
            const watch = () => this.transportChanged('subscribe', pc);
            pc.onconnectionstatechange = watch;
            pc.oniceconnectionstatechange = watch;
            pc.ontrack = () => {
                /* tracks are read from the transceivers after each offer */
            };
            this.emitTransport();
        }
        const pc = sub.pc;
        try {
            await pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
            const answer = await pc.createAnswer();
            await pc.setLocalDescription(answer);
        } catch (e) {
            console.error(e);
            this.emit('notice', { code: 'media_failed' });
            return;
        }
        if (sub !== this.sub || this.closed) return;
        this.send({ type: 'subscribe_answer', sdp: pc.localDescription.sdp });
        this.retry.subscribe = 0;
        if (this.status === 'starting' && !this.pub.sources.size) this.setStatus('active');
        const tracks = new Map();
        const byMid = new Map(pc.getTransceivers().map((t) => [t.mid, t]));
        for (const t of Array.isArray(msg.tracks) ? msg.tracks : []) {
            if (!t || typeof t.mid !== 'string') continue;
            const tr = byMid.get(t.mid);
            if (!tr || !tr.receiver || !tr.receiver.track) continue;
            const kind = t.kind === 'audio' || t.kind === 'video' ? t.kind : tr.receiver.track.kind;
            tracks.set(t.mid, { mid: t.mid, participantId: t.participant_id, source: t.source, kind, track: tr.receiver.track });
        }
        sub.tracks = tracks;
        for (const mid of [...this.sentPrefs.keys()]) if (!tracks.has(mid)) this.sentPrefs.delete(mid);
        this.emit('remote', new Map(tracks));
        this.schedulePrefs(0);
    }

    dropSubscribe() {
        const sub = this.sub;
        clearTimeout(sub.discTimer);
        if (sub.pc) {
            sub.pc.onconnectionstatechange = sub.pc.oniceconnectionstatechange = sub.pc.ontrack = null;
            try {
                sub.pc.close();
            } catch {
                /* closed */
            }
        }
        this.sub = this.emptySubscribe();
        this.sentPrefs.clear();
    }

    /** The server dropped the subscribe connection: a new one, subscribing again. */
    rebuildSubscribe() {
        if (this.closed || !this.started) return;
        this.dropSubscribe();
        this.emit('remote', new Map());
        this.requestSubscribe();
    }

    restartSubscribe() {
        const sub = this.sub;
        const now = Date.now();
        if (!sub.pc || now - sub.lastRestart < RESTART_MIN_GAP_MS) return;
        sub.lastRestart = now;
        if (sub.pc.signalingState === 'closed') {
            this.rebuildSubscribe();
            return;
        }
        this.send({ type: 'subscribe_restart' });
    }

    // ---- what is shown where (from the view) ----

    /**
     * How the video on mid is shown: {width, height} in CSS pixels and
     * whether it is visible at all. null: not shown (paused).
     */
    setVideoView(mid, view) {
        if (view) this.prefs.set(mid, { width: view.width, height: view.height, visible: !!view.visible });
        else this.prefs.set(mid, { width: 0, height: 0, visible: false });
        this.schedulePrefs(PREFS_DEBOUNCE_MS);
    }

    forgetVideoView(mid) {
        this.prefs.delete(mid);
    }

    schedulePrefs(delay) {
        if (this.closed) return;
        if (this.prefsTimer && delay > 0) return; // one debounced send takes them all
        clearTimeout(this.prefsTimer);
        this.prefsTimer = setTimeout(() => {
            this.prefsTimer = null;
            this.flushPrefs();
        }, delay);
    }

    flushPrefs() {
        if (!this.sub.tracks.size) return;
        const ratio = Math.min(window.devicePixelRatio || 1, MAX_PIXEL_RATIO);
        const out = [];
        for (const [mid, t] of this.sub.tracks) {
            if (t.kind !== 'video') continue;
            const view = this.prefs.get(mid);
            let pref;
            if (this.flags.audioOnly || this.pageHidden) pref = { mid, paused: true };
            else if (!view) continue; // not placed yet: leave the server's default
            else if (!view.visible || !view.width || !view.height) pref = { mid, paused: true };
            else pref = { mid, width: Math.max(16, Math.round(view.width * ratio)), height: Math.max(16, Math.round(view.height * ratio)), paused: false };
            const key = JSON.stringify(pref);
            if (this.sentPrefs.get(mid) === key) continue;
            out.push(pref);
        }
        if (!out.length) return;
        if (this.send({ type: 'subscribe_prefs', prefs: out })) {
            for (const p of out) this.sentPrefs.set(p.mid, JSON.stringify(p));
        }
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

    // ---- statistics ----

    async poll() {
        if (this.polling || this.closed) return;
        this.polling = true;
        try {
            this.statsRound += 1;
            if (this.sub.pc) await this.pollInbound(this.sub.pc);
            if (this.statsRound % QUALITY_EVERY === 0) await this.pollQuality();
        } catch (e) {
            /* a closed connection */
        } finally {
            this.polling = false;
        }
    }

    async pollInbound(pc) {
        const report = await pc.getStats();
        if (this.closed) return;
        const byTrack = new Map();
        for (const [mid, t] of this.sub.tracks) byTrack.set(t.track.id, mid);
        const out = new Map();
        report.forEach((r) => {
            if (r.type !== 'inbound-rtp' || r.isRemote) return;
            const mid = r.mid !== undefined ? String(r.mid) : byTrack.get(r.trackIdentifier);
            if (mid === undefined) return;
            out.set(mid, {
                kind: r.kind || r.mediaType,
                framesDecoded: r.framesDecoded || 0,
                packetsReceived: r.packetsReceived || 0,
                packetsLost: Math.max(0, r.packetsLost || 0),
                bytesReceived: r.bytesReceived || 0,
                frameWidth: r.frameWidth || 0,
                frameHeight: r.frameHeight || 0,
            });
        });
        this.inbound = out;
        this.emit('stats', out);
    }

    async pollQuality() {
        const pc = this.pub.pc && this.pub.sources.size ? this.pub.pc : this.sub.pc;
        if (!pc) return;
        const state = pc.connectionState;
        const report = await pc.getStats();
        if (this.closed) return;
        let pair = null;
        report.forEach((r) => {
            if (r.type === 'transport' && r.selectedCandidatePairId && report.get(r.selectedCandidatePairId)) pair = report.get(r.selectedCandidatePairId);
        });
        if (!pair) {
            report.forEach((r) => {
                if (!pair && r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') pair = r;
            });
        }
        let rttMs = pair && typeof pair.currentRoundTripTime === 'number' ? Math.round(pair.currentRoundTripTime * 1000) : null;
        const kbps = pair && typeof pair.availableOutgoingBitrate === 'number' ? Math.round(pair.availableOutgoingBitrate / 1000) : null;
        let sent = 0;
        let lost = 0;
        let limitation = null;
        const layers = [];
        report.forEach((r) => {
            if (r.type === 'outbound-rtp') {
                sent += r.packetsSent || 0;
                if (r.kind === 'video' && r.rid) layers.push(`${r.rid}:${r.frameWidth || 0}x${r.frameHeight || 0}@${Math.round(r.framesPerSecond || 0)}`);
                const q = r.qualityLimitationReason;
                if (r.kind === 'video' && q && q !== 'none' && (limitation === null || q === 'bandwidth')) limitation = q;
            } else if (r.type === 'remote-inbound-rtp') {
                lost += Math.max(0, r.packetsLost || 0);
                if (rttMs === null && typeof r.roundTripTime === 'number') rttMs = Math.round(r.roundTripTime * 1000);
            } else if (r.type === 'inbound-rtp' && !r.isRemote && pc === this.sub.pc) {
                sent += (r.packetsReceived || 0) + Math.max(0, r.packetsLost || 0);
                lost += Math.max(0, r.packetsLost || 0);
            }
        });
        const prev = this.lastQualityCounters && this.lastQualityCounters.pc === pc ? this.lastQualityCounters : null;
        this.lastQualityCounters = { pc, sent, lost };
        let lossPct = null;
        if (prev) {
            const ds = sent - prev.sent;
            const dl = Math.max(0, lost - prev.lost);
            if (ds > 20) lossPct = Math.round((1000 * dl) / (ds + dl)) / 10;
        }
        let level;
        if (state === 'failed' || state === 'disconnected' || state === 'closed') level = 'poor';
        else if (state !== 'connected') level = 'unknown';
        else if ((rttMs !== null && rttMs > 500) || (lossPct !== null && lossPct > 8) || (limitation === 'bandwidth' && kbps !== null && kbps < LOW_KBPS)) level = 'poor';
        // Held back by bandwidth says little on its own (the estimate ramps up
        // after every start): only when the estimate stays under the middle layer.
        else if ((rttMs !== null && rttMs > 250) || (lossPct !== null && lossPct > 2) || (limitation === 'bandwidth' && (kbps === null || kbps < FAIR_KBPS))) level = 'fair';
        else level = 'good';
        const q = { level, rttMs, lossPct, limitation, kbps, layers: layers.sort().join(' ') };
        const changed = JSON.stringify(q) !== JSON.stringify(this.quality);
        this.quality = q;
        if (changed) this.emit('quality', q);
    }
}
