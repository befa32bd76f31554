// Audio first on a weak connection: most of these conversations used to be
// phone calls, so when the link cannot carry both, sound wins over pictures.
//
// Two directions, one notice ("Video is paused to keep the sound clear"):
//   down  the server stops all video towards this browser when its downlink
//         cannot carry even the lowest layers plus the audio, and says so
//         with {"type": "video_paused", "paused": true|false}
//         (docs/PROTOCOL.md). Resuming is the server's decision too.
//   up    this module watches the publish connection's outgoing statistics
//         (the browser's bandwidth estimate, availableOutgoingBitrate; the
//         round trip and loss the server reports in its receiver reports)
//         and stops sending camera video before the audio suffers: every
//         camera encoding active = false (the microphone goes on). After a
//         while it tries again with the lowest layer only (a trial): if the
//         estimate grows, or the link carries the trial without queueing
//         (round trip) or loss, every layer comes back; else the camera
//         pauses again and the next trial comes a little later. While the
//         server has paused video towards us too, trials wait for it to
//         resume (its probes cost the link far less than a trial).
//
//   const af = new AudioFirst({ media, signaling });
//   af.on('change', ({ paused, up, down }) => ...);   paused = up || down
//   af.start(); ... af.stop();
//
// Sound itself must fit too: on a 64 kbit/s link, Opus at the browser's
// default 32 kbit/s in 20 ms packets takes about 60 kbit/s with its RTP,
// SRTP and IP headers. While this browser's uplink is weak, or the server
// says that someone in the meeting listens over a weak link
// ({"type": "weak_listener", "participant_id": id, "weak": true|false}),
// the microphone is capped at WEAK_AUDIO_BPS (Opus at 12 kbit/s is still
// clear wideband speech; about 40 kbit/s on the wire, which leaves a
// 64 kbit/s link room for its RTCP and the server's probes).
//
// The room view shows the notice; media.js knows nothing of this module
// beyond the publish connection it reads (media.pub.pc, media.pub.tr.camera).

export const WEAK_AUDIO_BPS = 12000;

export const UPLINK = {
    checkMs: 1000,
    // Weak: the browser's estimate is under this (the lowest camera layer,
    // ~30–150 kbit/s, plus Opus, ~45–60 kbit/s with headers, do not fit)
    // and the link shows it: the round trip has grown by rttRiseS over the
    // least seen, or the server reports `lossy` of the microphone's packets
    // lost. Or the microphone alone loses audioLoss. `pauseAfter` weak
    // checks in a row pause the camera.
    pauseBelowBps: 110000,
    rttRiseS: 0.2,
    lossy: 0.05,
    audioLoss: 0.1,
    pauseAfter: 2,
    // A trial (the lowest layer only) resumes every layer once the estimate
    // reaches resumeAtBps, or once it has run trialMs with the round trip
    // within rttRiseS of the least and no loss: the link carries it. It
    // fails once it has run trialSettleMs and the round trip has grown by
    // rttRiseS since it began or by 1.5 x rttRiseS over the least (a queue
    // is building) or the microphone loses packets, or at trialMaxMs.
    resumeAtBps: 120000,
    trialMs: 2000,
    trialSettleMs: 1200,
    trialMaxMs: 6000,
    // From a pause to the next trial, growing with failures: each trial on a
    // link that is still weak costs the sound a moment. None while the
    // server has paused video towards us as well (the link is weak both
    // ways; mostly both directions share one link): then the trial comes
    // when the server resumes it, its cheap probes having found the link
    // recovered. At once, too, when the browser's estimate has grown to
    // resumeAtBps.
    trialAfterMs: [8000, 15000, 30000],
};

export class AudioFirst {
    constructor({ media, signaling, config = UPLINK, now = () => Date.now() }) {
        this.media = media;
        this.signaling = signaling;
        this.cfg = config;
        this.now = now;
        this.handlers = new Set();
        this.down = false;
        this.up = 'normal'; // 'normal' | 'paused' | 'trial'
        this.weak = 0; // weak checks in a row
        this.failures = 0; // trials failed since the last pause began
        this.nextTrial = 0;
        this.trialStart = 0;
        this.timer = null;
        this.checking = false;
        this.offs = [];
        this.last = { paused: false, up: false, down: false };
        this.minRtt = null; // the least round trip seen (s): the link's own, without queueing
        this.trialRtt = null; // the round trip when the trial began
        this.weakListeners = new Set(); // participant ids whose downlink is weak
        this.micCap = undefined; // what the microphone's sender was last given
        this.micSender = null; // ... and which sender that was
    }

    on(type, fn) {
        if (type !== 'change') return () => {};
        this.handlers.add(fn);
        return () => this.handlers.delete(fn);
    }

    get state() {
        const up = this.up !== 'normal';
        return { paused: up || this.down, up, down: this.down };
    }

    changed() {
        const s = this.state;
        if (s.up === this.last.up && s.down === this.last.down) return;
        this.last = s;
        for (const fn of this.handlers) {
            try {
                fn(s);
            } catch (e) {
                console.error(e);
            }
        }
    }

    start() {
        if (this.timer) return;
        this.offs.push(this.signaling.on('video_paused', (msg) => this.onServer(msg)));
        this.offs.push(this.signaling.on('weak_listener', (msg) => this.onWeakListener(msg)));
        this.timer = setInterval(() => this.check(), this.cfg.checkMs);
    }

    stop() {
        clearInterval(this.timer);
        this.timer = null;
        for (const off of this.offs) off();
        this.offs = [];
    }

    /** {"type": "video_paused"} from the server: video towards us paused or back. */
    onServer(msg) {
        const was = this.down;
        this.down = !!(msg && msg.paused === true);
        if (was && !this.down && this.up === 'paused') this.nextTrial = 0;
        this.changed();
    }

    /** {"type": "weak_listener"}: someone's downlink is weak (or no longer). */
    onWeakListener(msg) {
        if (!msg || typeof msg.participant_id !== 'number') return;
        if (msg.weak === true) this.weakListeners.add(msg.participant_id);
        else this.weakListeners.delete(msg.participant_id);
        this.capMic();
    }

    /** The microphone at WEAK_AUDIO_BPS while a link in the meeting is weak, else as the browser likes. */
    async capMic() {
        const tr = this.media.pub && this.media.pub.tr && this.media.pub.tr.mic;
        if (!tr || tr.stopped || tr.currentDirection === 'stopped') return;
        const cap = this.weakListeners.size > 0 || this.up !== 'normal' ? WEAK_AUDIO_BPS : null;
        if (cap === this.micCap && tr.sender === this.micSender) return;
        try {
            const p = tr.sender.getParameters();
            if (!p.encodings || !p.encodings.length) return;
            if (cap) p.encodings[0].maxBitrate = cap;
            else delete p.encodings[0].maxBitrate;
            await tr.sender.setParameters(p);
            this.micCap = cap;
            this.micSender = tr.sender;
        } catch (e) {
            console.error(e);
        }
    }

    cameraSender() {
        const m = this.media;
        const tr = m.pub && m.pub.tr && m.pub.tr.camera;
        if (!tr || tr.stopped || tr.currentDirection === 'stopped' || !tr.sender.track) return null;
        if (!m.flags.camera || m.flags.audioOnly) return null;
        return tr.sender;
    }

    /** Every camera encoding active, only the lowest, or none. */
    async setLayers(sender, which) {
        try {
            const p = sender.getParameters();
            if (!p.encodings || !p.encodings.length) return;
            let dirty = false;
            p.encodings.forEach((e, i) => {
                const active = which === 'all' || (which === 'lowest' && i === 0);
                if (e.active !== active) {
                    e.active = active;
                    dirty = true;
                }
            });
            if (dirty) await sender.setParameters(p);
        } catch (e) {
            console.error(e);
        }
    }

    async readStats(pc) {
        const report = await pc.getStats();
        let pair = null;
        let audioLoss = null;
        let videoLoss = null;
        let rtt = null;
        report.forEach((r) => {
            if (r.type === 'transport' && r.selectedCandidatePairId) pair = report.get(r.selectedCandidatePairId) || pair;
        });
        report.forEach((r) => {
            if (!pair && r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') pair = r;
            if (r.type !== 'remote-inbound-rtp') return;
            if (typeof r.roundTripTime === 'number' && r.roundTripTime > 0) rtt = Math.max(rtt || 0, r.roundTripTime);
            if (typeof r.fractionLost !== 'number') return;
            if (r.kind === 'audio') audioLoss = Math.max(audioLoss || 0, r.fractionLost);
            else videoLoss = Math.max(videoLoss || 0, r.fractionLost);
        });
        if (rtt === null && pair && typeof pair.currentRoundTripTime === 'number') rtt = pair.currentRoundTripTime;
        if (rtt !== null && (this.minRtt === null || rtt < this.minRtt)) this.minRtt = rtt;
        const bps = pair && typeof pair.availableOutgoingBitrate === 'number' ? pair.availableOutgoingBitrate : null;
        const rise = rtt !== null && this.minRtt !== null ? rtt - this.minRtt : null;
        return { bps, rtt, rise, audioLoss, videoLoss };
    }

    async check() {
        if (this.checking) return;
        this.capMic();
        const pc = this.media.pub && this.media.pub.pc;
        const sender = this.cameraSender();
        if (!pc || !sender || pc.connectionState !== 'connected') {
            // No camera going out (off, audio only, not connected): nothing to pause.
            if (this.up !== 'normal') {
                this.up = 'normal';
                this.weak = 0;
                if (sender) await this.setLayers(sender, 'all');
                this.capMic();
                this.changed();
            }
            return;
        }
        this.checking = true;
        try {
            const s = await this.readStats(pc);
            await this.decide(sender, s, this.now());
        } catch {
            /* a closed connection */
        } finally {
            this.checking = false;
        }
    }

    /**
     * The link shows strain: queueing (a longer round trip) or the
     * microphone's loss. (A video layer's reported loss goes stale while
     * the layer is paused: only the audio, always flowing, says it fresh.)
     */
    strained(s, riseS) {
        const c = this.cfg;
        return (s.rise !== null && s.rise > riseS) || (s.audioLoss !== null && s.audioLoss >= c.lossy);
    }

    isWeak(s) {
        const c = this.cfg;
        if (s.audioLoss !== null && s.audioLoss >= c.audioLoss) return true;
        return s.bps !== null && s.bps < c.pauseBelowBps && this.strained(s, c.rttRiseS);
    }

    async pause(sender, now) {
        this.up = 'paused';
        this.weak = 0;
        this.capMic();
        const steps = this.cfg.trialAfterMs;
        this.nextTrial = now + steps[Math.min(this.failures, steps.length - 1)];
        await this.setLayers(sender, 'none');
        this.changed();
    }

    async decide(sender, s, now) {
        if (this.up === 'normal') {
            this.weak = this.isWeak(s) ? this.weak + 1 : 0;
            if (this.weak >= this.cfg.pauseAfter) {
                this.failures = 0;
                await this.pause(sender, now);
            }
            return;
        }
        if (this.up === 'paused') {
            await this.setLayers(sender, 'none'); // a new camera track or transceiver starts active
            // While the server has paused video towards us too, the link is
            // known to be weak both ways: its cheap probes, not a trial that
            // costs the sound, will say when it has recovered.
            const due = now >= this.nextTrial && !this.down;
            if (!due && !(s.bps !== null && s.bps >= this.cfg.resumeAtBps)) return;
            this.up = 'trial';
            this.trialStart = now;
            this.trialRtt = s.rtt;
            await this.setLayers(sender, 'lowest');
            return;
        }
        // A trial with the lowest layer.
        const c = this.cfg;
        const age = now - this.trialStart;
        const carried = age >= c.trialMs && s.rise !== null && !this.strained(s, c.rttRiseS);
        if ((s.bps !== null && s.bps >= c.resumeAtBps && !this.strained(s, c.rttRiseS)) || carried) {
            this.up = 'normal';
            this.failures = 0;
            this.weak = 0;
            await this.setLayers(sender, 'all');
            this.capMic();
            this.changed();
            return;
        }
        const growing = s.rtt !== null && this.trialRtt !== null && s.rtt - this.trialRtt > c.rttRiseS;
        const lossy = s.audioLoss !== null && s.audioLoss >= c.lossy;
        const queued = s.rise !== null && s.rise > 1.5 * c.rttRiseS;
        if (age >= c.trialMaxMs || (age >= c.trialSettleMs && (growing || queued || lossy))) {
            this.failures += 1;
            await this.pause(sender, now);
        }
    }
}
