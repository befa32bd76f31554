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
//         camera's qualityLimitationReason; the loss the server reports for
//         the microphone) and stops sending camera video before the audio
//         suffers: every camera encoding active = false (the microphone is
//         untouched). After a while it tries again with the lowest layer
//         only (a trial; the browser probes its link when the allocation
//         grows); the trial either shows enough room, and every layer comes
//         back, or the camera pauses again and the next trial comes later.
//
//   const af = new AudioFirst({ media, signaling });
//   af.on('change', ({ paused, up, down }) => ...);   paused = up || down
//   af.start(); ... af.stop();
//
// The room view shows the notice; media.js knows nothing of this module
// beyond the publish connection it reads (media.pub.pc, media.pub.tr.camera).

export const UPLINK = {
    checkMs: 1000,
    // The lowest camera layer (~30–150 kbit/s) plus Opus (~50 kbit/s with
    // headers) do not fit under this estimate: the camera pauses after
    // `pauseAfter` such checks in a row.
    pauseBelowBps: 110000,
    pauseAfter: 2,
    // Or the server reports this much of the microphone's packets lost.
    pauseAudioLoss: 0.1,
    // A trial resumes every layer once the estimate reaches this.
    resumeAtBps: 220000,
    trialMs: 4000, // a trial that has not shown room by then fails
    trialSettleMs: 1500, // before a trial may fail early (its start costs a keyframe)
    trialAfterMs: [3000, 4000, 6000], // from a pause to the next trial, growing with failures
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
        this.down = !!(msg && msg.paused === true);
        this.changed();
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
        let limitation = null;
        let audioLoss = null;
        report.forEach((r) => {
            if (r.type === 'transport' && r.selectedCandidatePairId) pair = report.get(r.selectedCandidatePairId) || pair;
        });
        report.forEach((r) => {
            if (!pair && r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') pair = r;
            if (r.type === 'outbound-rtp' && r.kind === 'video' && r.qualityLimitationReason === 'bandwidth') limitation = 'bandwidth';
            if (r.type === 'remote-inbound-rtp' && r.kind === 'audio' && typeof r.fractionLost === 'number') audioLoss = r.fractionLost;
        });
        const bps = pair && typeof pair.availableOutgoingBitrate === 'number' ? pair.availableOutgoingBitrate : null;
        return { bps, limitation, audioLoss };
    }

    async check() {
        if (this.checking) return;
        const pc = this.media.pub && this.media.pub.pc;
        const sender = this.cameraSender();
        if (!pc || !sender || pc.connectionState !== 'connected') {
            // No camera going out (off, audio only, not connected): nothing to pause.
            if (this.up !== 'normal') {
                this.up = 'normal';
                this.weak = 0;
                if (sender) await this.setLayers(sender, 'all');
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

    isWeak(s) {
        return (s.bps !== null && s.bps < this.cfg.pauseBelowBps) || (s.audioLoss !== null && s.audioLoss >= this.cfg.pauseAudioLoss);
    }

    async pause(sender, now) {
        this.up = 'paused';
        this.weak = 0;
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
            if (now < this.nextTrial && !(s.bps !== null && s.bps >= this.cfg.resumeAtBps)) return;
            this.up = 'trial';
            this.trialStart = now;
            await this.setLayers(sender, 'lowest');
            return;
        }
        // A trial with the lowest layer.
        if (s.bps !== null && s.bps >= this.cfg.resumeAtBps && !this.isWeak(s)) {
            this.up = 'normal';
            this.failures = 0;
            this.weak = 0;
            await this.setLayers(sender, 'all');
            this.changed();
            return;
        }
        const age = now - this.trialStart;
        if (age >= this.cfg.trialMs || (age >= this.cfg.trialSettleMs && this.isWeak(s))) {
            this.failures += 1;
            await this.pause(sender, now);
        }
    }
}
