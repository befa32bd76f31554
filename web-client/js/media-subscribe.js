// The subscribe connection of MeetingMedia: the server's offers and our
// answers, the remote track map and subscribe_prefs.
// Mixed into MeetingMedia (media.js); `this` is the MeetingMedia.

import { pcConfig, SUBSCRIBE_REBUILDS, PREFS_DEBOUNCE_MS, RESTART_MIN_GAP_MS, MAX_PIXEL_RATIO } from './media-shared.js';

export class SubscribeMethods {
    // ---- subscribe ----

    /** fresh: the server is to forget our old subscribe connection too. */
    requestSubscribe(fresh = false) {
        if (this.sub.requested) return;
        if (this.send(fresh ? { type: 'subscribe', fresh: true } : { type: 'subscribe' })) this.sub.requested = true;
    }

    onSubscribeOffer(msg) {
        const sub = this.sub;
        sub.chain = sub.chain.then(() => this.applySubscribeOffer(msg, sub)).catch((e) => console.error(e));
    }

    async applySubscribeOffer(msg, sub) {
        if (this.closed || sub !== this.sub || typeof msg.sdp !== 'string') return;
        if (!sub.pc) {
            const pc = new RTCPeerConnection(pcConfig(this.knownIceServers()));
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
            // A connection closed or replaced meanwhile is no failure: its successor answers.
            if (sub !== this.sub || this.closed || pc.signalingState === 'closed') return;
            this.subscribeFailed(e);
            return;
        }
        if (sub !== this.sub || this.closed) return;
        const reply = { type: 'subscribe_answer', sdp: pc.localDescription.sdp };
        if (typeof msg.version === 'number') reply.version = msg.version; // which offer this answers
        this.send(reply);
        this.rebuilds = 0;
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

    /** An offer could not be applied: a new subscribe connection; the person hears of it only if that keeps failing. */
    subscribeFailed(e) {
        if (this.rebuilds < SUBSCRIBE_REBUILDS) {
            this.rebuilds += 1;
            this.rebuildSubscribe(true);
            return;
        }
        console.error(e);
        this.emit('notice', { code: 'media_failed' });
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
    async rebuildSubscribe(fresh = false) {
        if (this.closed || !this.started) return;
        this.dropSubscribe();
        this.emit('remote', new Map());
        await this.freshIceServers(); // the new connection is made with them (knownIceServers)
        if (this.closed || !this.started) return;
        this.requestSubscribe(fresh);
    }

    async restartSubscribe() {
        const sub = this.sub;
        const now = Date.now();
        if (!sub.pc || now - sub.lastRestart < RESTART_MIN_GAP_MS) return;
        sub.lastRestart = now;
        if (sub.pc.signalingState === 'closed') {
            this.rebuildSubscribe();
            return;
        }
        await this.refreshIceServers(sub.pc);
        if (sub !== this.sub || this.closed) return;
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
}
