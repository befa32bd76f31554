// Statistics of MeetingMedia: inbound stats per mid and the connection quality.
// Mixed into MeetingMedia (media.js); `this` is the MeetingMedia.

import { QUALITY_EVERY, FAIR_KBPS, LOW_KBPS } from './media-shared.js';
import { applyBufferTarget, RepairBuffer, videoRepairCounters } from './repair-buffer.js';

export class StatsMethods {
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
        // Buffer a little longer while the server repairs losses (see repair-buffer.js).
        if (!this.repairBuffer) this.repairBuffer = new RepairBuffer();
        const c = videoRepairCounters(report);
        applyBufferTarget(pc, this.repairBuffer.update(Date.now(), c.nacks, c.packets));
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
