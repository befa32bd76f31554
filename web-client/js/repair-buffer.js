// How long a receiver should buffer incoming media. On a clean network the
// browser plays as soon as it can. When the server is repairing losses
// (retransmissions arrive about one round trip late), a frame that waits for
// its repair would stall every frame after it: a receiver that buffers a
// little longer than a round trip plays the repaired frame in time instead.
// The signal is the receivers' own NACK rate (it also counts losses that
// happened before the server, which the server fills in late). Pure: the
// caller feeds getStats() counters and applies the target to its
// RTCRtpReceivers (jitterBufferTarget, milliseconds; null = browser default).

/** Buffering target while repairs are going on, ms (about 1.5 round trips at 100 ms). */
export const REPAIR_TARGET_MS = 150;
/** NACKs per received packet above which repairs count as going on. */
const NACK_RATE_ON = 0.01;
/** Fewer packets than this in a window say nothing either way. */
const MIN_PACKETS = 50;
/** A clean stretch this long returns to the browser's default. */
const HOLD_MS = 15000;

export class RepairBuffer {
    constructor() {
        this.last = null; // {nacks, packets} at the previous update
        this.repairUntil = 0;
        this.target = null;
    }

    /**
     * Feeds the summed video counters of one connection at time nowMs.
     * Returns the buffering target to apply (ms or null).
     */
    update(nowMs, nacks, packets) {
        const prev = this.last;
        if (!prev || packets < prev.packets || nacks < prev.nacks) {
            this.last = { nacks, packets }; // first call or counters reset (new connection)
        } else if (packets - prev.packets >= MIN_PACKETS) {
            if ((nacks - prev.nacks) / (packets - prev.packets) > NACK_RATE_ON) this.repairUntil = nowMs + HOLD_MS;
            this.last = { nacks, packets };
        }
        this.target = nowMs < this.repairUntil ? REPAIR_TARGET_MS : null;
        return this.target;
    }
}

/** Sums nackCount and packetsReceived over the inbound video of a getStats() report. */
export function videoRepairCounters(report) {
    let nacks = 0;
    let packets = 0;
    report.forEach((r) => {
        if (r.type !== 'inbound-rtp' || r.isRemote || (r.kind || r.mediaType) !== 'video') return;
        nacks += r.nackCount || 0;
        packets += r.packetsReceived || 0;
    });
    return { nacks, packets };
}

/** Applies target (ms or null) to every receiver of pc where the browser supports it. */
export function applyBufferTarget(pc, target) {
    for (const rcv of pc.getReceivers()) {
        if (!('jitterBufferTarget' in rcv) || rcv.jitterBufferTarget === target) continue;
        try {
            rcv.jitterBufferTarget = target;
        } catch {
            /* out of range or a closed receiver: keep the default */
        }
    }
}
