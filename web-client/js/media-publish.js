// The publish connection of MeetingMedia: local devices (getUserMedia, camera
// switching), simulcast, screen sharing, offers and renegotiation.
// Mixed into MeetingMedia (media.js); `this` is the MeetingMedia.

import { pcConfig, CAMERA_ENCODINGS, SCREEN_MAX_BITRATE, CAMERA_CONSTRAINTS, AUDIO_CONSTRAINTS, RESTART_MIN_GAP_MS, ANSWER_TIMEOUT_MS, RETRY_DELAYS_MS, PUBLISH_ATTEMPTS, screenShareSupported, stopTrack, trackSize, errorCode } from './media-shared.js';

export class PublishMethods {
    // ---- devices ----

    async acquire() {
        const wantVideo = this.choice === 'video' && !this.flags.audioOnly;
        let stream = null;
        if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
            try {
                // Devices picked in the pre-call check come first (ideal: one that is gone falls back).
                const audio = this.chosen.mic ? { ...AUDIO_CONSTRAINTS, deviceId: { ideal: this.chosen.mic } } : AUDIO_CONSTRAINTS;
                const video = this.chosen.camera ? { ...CAMERA_CONSTRAINTS, deviceId: { ideal: this.chosen.camera } } : { ...CAMERA_CONSTRAINTS, facingMode: 'user' };
                stream = await navigator.mediaDevices.getUserMedia({ audio, video: wantVideo ? video : false });
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
            const s = await navigator.mediaDevices.getUserMedia({ audio: this.micConstraints() });
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
                track = await this.getCamera(this.flags.facing, this.chosen.camera);
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

    createPublish(iceServers = this.knownIceServers()) {
        if (this.closed || this.pub.pc) return;
        const pc = new RTCPeerConnection(pcConfig(iceServers));
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
            tr = pub.pc.addTransceiver(this.outgoingCamera(track), { direction: 'sendonly', streams: [this.stream], sendEncodings: CAMERA_ENCODINGS.map((e) => ({ ...e })) });
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
                await tr.sender.replaceTrack(source === 'camera' ? this.outgoingCamera(track) : track);
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
        const seq = ++pub.seq;
        pub.waitingSeq = 0;
        try {
            const offer = await pc.createOffer();
            if (pc !== this.pub.pc) return;
            await pc.setLocalDescription(offer);
            if (pc !== this.pub.pc) return;
            // The server echoes seq in its answer: an answer to an offer given up on is told apart.
            pub.waitingSeq = seq;
            const msg = { type: 'publish', seq, sdp: pc.localDescription.sdp, tracks: this.publishTracks() };
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
        pub.waitingSeq = 0;
        if (pub.pc && pub.pc.signalingState === 'have-local-offer') {
            try {
                await pub.pc.setLocalDescription({ type: 'rollback' });
            } catch {
                /* nothing to roll back */
            }
        }
    }

    /**
     * The server's answer. Only the answer to the one offer out is applied,
     * once: a late answer to an offer given up on (timeout, reconnect) or a
     * second copy is dropped, so it can never meet a connection that is
     * already "stable".
     */
    async onPublishAnswer(msg) {
        const pub = this.pub;
        const pc = pub.pc;
        if (!pc || typeof msg.sdp !== 'string' || !pub.waitingSeq) return;
        if (typeof msg.seq === 'number' && msg.seq !== pub.waitingSeq) return;
        if (pc.signalingState !== 'have-local-offer') return;
        pub.waitingSeq = 0;
        clearTimeout(pub.answerTimer);
        let failed = false;
        try {
            await pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp });
            this.retry.publish = 0;
            if (this.status === 'starting') this.setStatus('active');
        } catch (e) {
            failed = true;
            if (pc === this.pub.pc && pc.signalingState !== 'closed') this.publishFailed(e);
        }
        if (pc !== this.pub.pc || failed) return;
        pub.busy = false;
        if (pub.dirty) this.negotiatePublish();
    }

    /** An answer could not be applied: offer again; the person hears of it only if that keeps failing. */
    async publishFailed(e) {
        await this.rollbackPublish();
        if (this.retry.publish < PUBLISH_ATTEMPTS) {
            this.schedulePublishRetry();
            return;
        }
        console.error(e);
        this.emit('notice', { code: 'media_failed' });
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
    async rebuildPublish() {
        if (this.closed || !this.started) return;
        this.dropPublish();
        const servers = await this.freshIceServers();
        if (this.closed || !this.started || this.pub.pc) return;
        this.createPublish(servers);
    }

    async restartPublish() {
        const pub = this.pub;
        const now = Date.now();
        if (!pub.pc || now - pub.lastRestart < RESTART_MIN_GAP_MS) return;
        pub.lastRestart = now;
        if (pub.pc.signalingState === 'closed') {
            this.rebuildPublish();
            return;
        }
        await this.refreshIceServers(pub.pc);
        if (pub !== this.pub || this.closed) return;
        try {
            pub.pc.restartIce();
        } catch {
            this.rebuildPublish();
            return;
        }
        if (pub.busy) this.rollbackPublish();
        this.negotiatePublish();
    }
}
