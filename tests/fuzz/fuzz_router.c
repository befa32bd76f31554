/* Fuzz target for media/router*.c: a room with two producers and three
 * consumers (tests/fuzz/fuzz_router.h) driven by records of RTP, RTCP,
 * time and control operations under a fake clock. The router must not
 * crash or leak, and everything it emits must be well formed and go where
 * it belongs:
 *   - RTP only to subscribers (peers 3, 4), parsing, with one of that
 *     peer's consumer SSRCs, within the buffer capacity
 *   - RTCP parsing as a compound packet, never to the peer without objects
 *   - events about known objects
 * Record format: see fuzz_router.h. Seeds (tests/fuzz/corpus/router/) are
 * written by tests/unit/test_router_seeds.c with SAMTALE_SEED_DIR set. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/router.h"
#include "media/rtcp.h"
#include "media/rtp.h"
#include "server/err.h"
#include "tests/fuzz/fuzz_router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 512

static void check(int cond)
{
    if (!cond)
        abort();
}

static bool ssrc_of(uint32_t peer, uint32_t ssrc)
{
    if (peer == FZ_PEER_SUB_A)
        return ssrc == 0x100 || ssrc == 0x101;
    if (peer == FZ_PEER_SUB_B)
        return ssrc == 0x200 || ssrc == 0x300;
    return false;
}

static void on_emit(void *arg, uint32_t peer, bool rtcp, uint8_t *buf, size_t len, size_t cap)
{
    (void)arg;
    check(cap == ROUTER_PKT_CAP && len > 0 && len <= cap);
    check(peer >= FZ_PEER_CAM && peer <= FZ_PEER_SUB_B);
    if (rtcp) {
        check(rtcp_validate(buf, len) == 0);
    } else {
        struct rtp_packet k;

        check(rtp_parse(&k, buf, len) == 0);
        check(ssrc_of(peer, k.ssrc));
    }
    memset(buf, 0xA5, len); /* as SRTP would */
}

static void on_event(void *arg, const struct router_event *ev)
{
    (void)arg;
    switch (ev->kind) {
    case ROUTER_EVENT_ACTIVE_SPEAKER:
        check(ev->producer == 0 || ev->producer == FZ_MIC);
        break;
    case ROUTER_EVENT_LAYER:
        check(ev->consumer >= FZ_C_CAM_RTX && ev->consumer <= FZ_C_MIC);
        check(ev->layer >= 0 && ev->layer < ROUTER_MAX_LAYERS);
        break;
    case ROUTER_EVENT_KEYFRAME_REQUEST:
        check(ev->producer == FZ_CAM && ev->layer >= 0 && ev->layer < 3);
        break;
    default:
        check(0);
    }
}

static void control(struct router *r, const uint8_t *b, size_t n, int64_t *now)
{
    static const uint32_t cons[3] = {FZ_C_CAM_RTX, FZ_C_CAM, FZ_C_MIC};
    struct router_prefs p;
    uint8_t op, a, c;

    if (n == 0)
        return;
    op = b[0];
    a = n > 1 ? b[1] : 0;
    c = n > 2 ? b[2] : 0;
    switch (op % 7) {
    case 0:
        memset(&p, 0, sizeof(p));
        p.paused = (c & 1) != 0;
        p.max_height = n > 3 ? (uint16_t)(b[3] * 8) : 0;
        p.max_width = (uint16_t)((c >> 1) * 16);
        check(router_set_prefs(r, cons[a % 3], &p) == 0 ||
              router_consumer_layer(r, cons[a % 3]) == -1);
        break;
    case 1:
        router_set_peer_bitrate(r, (uint32_t)(a % 5 + 1), (uint64_t)c * 20000);
        break;
    case 2:
        (void)router_remove_producer(r, a & 1 ? FZ_MIC : FZ_CAM);
        break;
    case 3:
        fz_setup(r);
        break;
    case 4:
        (void)router_remove_consumer(r, cons[a % 3]);
        break;
    case 5:
        router_remove_peer(r, (uint32_t)(a % 5 + 1));
        break;
    default:
        *now += (int64_t)a * 100000; /* up to 25 s of nothing */
        router_timeout(r, *now);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct router *r;
    struct router_cfg cfg;
    struct router_stats st;
    int64_t now = FZ_START_US;
    size_t pos = 0;
    unsigned records = 0;

    memset(&cfg, 0, sizeof(cfg));
    cfg.emit = on_emit;
    cfg.event = on_event;
    cfg.now_us = now;
    check(router_create(&r, &cfg) == 0);
    fz_setup(r);

    while (pos < size && records++ < MAX_RECORDS) {
        uint8_t ctrl = data[pos++];
        uint32_t who = fz_peer(ctrl & 7);
        size_t len = 0;
        int64_t dl;

        if (size - pos >= 2) {
            len = (size_t)data[pos] << 8 | data[pos + 1];
            pos += 2;
        } else {
            pos = size;
        }
        if (len > size - pos)
            len = size - pos;
        if (ctrl >> 4 != 0) {
            now += (int64_t)(ctrl >> 4) * FZ_STEP_US;
            router_timeout(r, now);
        }
        if (who == FZ_CONTROL)
            control(r, data + pos, len, &now);
        else if (ctrl & 8)
            router_on_rtcp(r, now, who, data + pos, len);
        else
            router_on_rtp(r, now, who, data + pos, len);
        pos += len;
        dl = router_next_deadline(r);
        check(dl == INT64_MAX || dl > now - 1000000);
    }
    now += 3000000;
    for (int i = 0; i < 30; i++) {
        now += 100000;
        router_timeout(r, now);
    }
    router_get_stats(r, &st);
    check(st.rtcp_bad <= st.rtcp_in && st.rtp_dropped_unknown <= st.rtp_in);
    router_destroy(r);
    return 0;
}
