// The web client's receive buffering policy (web-client/js/repair-buffer.js),
// a pure module, driven with synthetic getStats() counters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RepairBuffer, REPAIR_TARGET_MS, videoRepairCounters } from '../../web-client/js/repair-buffer.js';

test('clean video keeps the browser default', () => {
    const rb = new RepairBuffer();
    for (let s = 0; s <= 30; s++) assert.equal(rb.update(s * 1000, 0, s * 100), null);
});

test('repairs raise the target at once, and it holds 15 s after the last', () => {
    const rb = new RepairBuffer();
    assert.equal(rb.update(0, 0, 0), null);
    assert.equal(rb.update(1000, 5, 100), REPAIR_TARGET_MS); // 5 % NACKs
    assert.equal(rb.update(2000, 5, 200), REPAIR_TARGET_MS); // clean second, still held
    assert.equal(rb.update(15900, 5, 1500), REPAIR_TARGET_MS);
    assert.equal(rb.update(16100, 5, 1600), null);
});

test('a single NACK in a busy second is not repairs going on; too few packets wait for more', () => {
    const rb = new RepairBuffer();
    rb.update(0, 0, 0);
    assert.equal(rb.update(1000, 1, 200), null); // 0.5 %
    assert.equal(rb.update(2000, 2, 230), null); // 30 packets: not judged yet
    assert.equal(rb.update(3000, 3, 260), REPAIR_TARGET_MS); // 2 NACKs in 60 packets
});

test('counters going back (a new connection) start over instead of misreading', () => {
    const rb = new RepairBuffer();
    rb.update(0, 100, 10000);
    assert.equal(rb.update(1000, 0, 50), null);
    assert.equal(rb.update(2000, 10, 150), REPAIR_TARGET_MS);
});

test('videoRepairCounters sums inbound video only', () => {
    const report = new Map([
        ['a', { type: 'inbound-rtp', kind: 'video', nackCount: 3, packetsReceived: 100 }],
        ['b', { type: 'inbound-rtp', kind: 'video', nackCount: 2, packetsReceived: 50 }],
        ['c', { type: 'inbound-rtp', kind: 'audio', nackCount: 9, packetsReceived: 900 }],
        ['d', { type: 'outbound-rtp', kind: 'video', nackCount: 7, packetsSent: 10 }],
    ]);
    assert.deepEqual(videoRepairCounters(report), { nacks: 5, packets: 150 });
});
