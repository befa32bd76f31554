/* Capacity probe by packet-train dispersion: see probe.h. */
#include "media/probe.h"

#include <string.h>

void probe_init(struct probe *p)
{
    memset(p, 0, sizeof(*p));
}

void probe_start(struct probe *p, int64_t now_us)
{
    probe_init(p);
    p->active = true;
    p->started_us = now_us;
}

void probe_sent(struct probe *p, uint16_t seq, size_t wire_bytes)
{
    if (!p->active || p->n == PROBE_PACKETS)
        return;
    p->seq[p->n] = seq;
    p->bytes[p->n] = wire_bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)wire_bytes;
    p->n++;
}

static int find(const struct probe *p, uint16_t seq)
{
    for (size_t i = 0; i < p->n; i++) {
        if (p->seq[i] == seq)
            return (int)i;
    }
    return -1;
}

/* The feedback's reference time relative to the train's first one, in us. */
static int64_t ref_us(struct probe *p, int32_t ref_time)
{
    uint32_t r24 = (uint32_t)ref_time & 0xffffff, d;

    if (!p->have_ref) {
        p->have_ref = true;
        p->ref0 = (int32_t)r24;
    }
    d = (r24 - (uint32_t)p->ref0) & 0xffffff;
    return (d >= 0x800000 ? (int64_t)d - 0x1000000 : (int64_t)d) * RTCP_TWCC_REF_US;
}

static uint64_t result(const struct probe *p)
{
    int64_t first = INT64_MAX, last = INT64_MIN;
    uint64_t bytes = 0;
    size_t first_i = 0;

    for (size_t i = 0; i < p->n; i++) {
        if (p->arrival_us[i] < first) {
            first = p->arrival_us[i];
            first_i = i;
        }
        if (p->arrival_us[i] > last)
            last = p->arrival_us[i];
    }
    for (size_t i = 0; i < p->n; i++) {
        if (i != first_i)
            bytes += p->bytes[i];
    }
    if (last - first < RTCP_TWCC_DELTA_US)
        return PROBE_MAX_BPS;
    bytes = bytes * 8 * 1000000 / (uint64_t)(last - first);
    return bytes < PROBE_MAX_BPS ? bytes : PROBE_MAX_BPS;
}

bool probe_on_feedback(struct probe *p, int64_t now_us, const struct rtcp_twcc *fb,
                       const struct rtcp_twcc_pkt *pkts, size_t n, uint64_t *bps)
{
    int64_t arrival;
    bool lost = false, all = true;

    *bps = 0;
    if (!p->active || fb == NULL || (pkts == NULL && n != 0))
        return false;
    if (now_us - p->started_us > PROBE_TIMEOUT_US) {
        p->active = false;
        return false;
    }
    if (p->n == 0)
        return false;
    arrival = ref_us(p, fb->ref_time);
    for (size_t i = 0; i < n; i++) {
        int k = find(p, pkts[i].seq);

        if (pkts[i].received)
            arrival += pkts[i].delta_us;
        if (k < 0)
            continue;
        if (!pkts[i].received) {
            lost = true;
            continue;
        }
        p->got[k] = true;
        p->arrival_us[k] = arrival;
    }
    if (lost) {
        p->active = false;
        return true; /* *bps = 0: the train did not get through whole */
    }
    for (size_t i = 0; i < p->n; i++)
        all = all && p->got[i];
    if (!all)
        return false;
    p->active = false;
    if (p->n >= 2)
        *bps = result(p);
    return true;
}
