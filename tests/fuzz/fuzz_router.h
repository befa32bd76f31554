/* The room used by tests/fuzz/fuzz_router.c, shared with
 * tests/unit/test_router_seeds.c so that the seeds it writes drive this room.
 *
 *   peer 1 publishes a VP8 camera: layers "q" (SSRC 0x10, RTX 0x11),
 *          "h" (0x20, RTX 0x21) and "f" (SSRC learnt from the rid
 *          extension, RTX from repaired-rid); pt 96, RTX pt 97
 *   peer 2 publishes a microphone: Opus pt 111, SSRC 0x30, audio level id 1
 *   peer 3 consumes the camera with RTX (SSRC 0x100, RTX 0x101)
 *   peer 4 consumes the camera without RTX (SSRC 0x200, max height 180)
 *          and the microphone (SSRC 0x300)
 *   peer 5 has nothing
 *
 * Publisher extension ids: audio level 1, abs-send-time 2, transport-cc 3,
 * mid 4, rid 5, repaired-rid 6. */
#ifndef SAMTALE_TESTS_FUZZ_ROUTER_H
#define SAMTALE_TESTS_FUZZ_ROUTER_H

#include <string.h>

#include "media/router.h"

enum {
    FZ_CAM = 1,
    FZ_MIC = 2,
    FZ_C_CAM_RTX = 10,
    FZ_C_CAM = 11,
    FZ_C_MIC = 12,
    FZ_PEER_CAM = 1,
    FZ_PEER_MIC = 2,
    FZ_PEER_SUB_A = 3,
    FZ_PEER_SUB_B = 4,
    FZ_PEER_NONE = 5,
};

#define FZ_START_US 1000000LL
#define FZ_STEP_US 10000LL /* time advance unit of a record */
#define FZ_CONTROL 0xffffffffu
#define FZ_RTX_CACHE_PACKETS 32 /* router_cfg.rtx_cache_packets: small, cheap to create */

/* Record format of fuzz_router (little more than the wire):
 *   ctrl  bits 0-2: who (fz_peer), bit 3: RTCP (else RTP), bits 4-7: advance
 *         the clock by that many FZ_STEP_US (then router_timeout) first
 *   len   2 bytes big-endian, clamped to what is left
 *   bytes given to router_on_rtp/on_rtcp, or a control operation when who
 *         is FZ_CONTROL: byte 0 selects set_prefs, set_peer_bitrate, remove
 *         producer, setup again, remove consumer, remove peer, a long pause */
static inline uint32_t fz_peer(unsigned idx)
{
    static const uint32_t peers[8] = {FZ_PEER_CAM,  FZ_PEER_MIC, FZ_PEER_SUB_A, FZ_PEER_SUB_B,
                                      FZ_PEER_NONE, FZ_CONTROL,  FZ_PEER_CAM,   FZ_PEER_SUB_A};

    return peers[idx & 7];
}

static inline void fz_pub_ext(struct router_ext_ids *e)
{
    memset(e, 0, sizeof(*e));
    e->audio_level = 1;
    e->abs_send_time = 2;
    e->twcc = 3;
    e->mid = 4;
    e->rid = 5;
    e->repaired_rid = 6;
}

static inline void fz_cam_cfg(struct router_producer_cfg *p)
{
    static const char *const rids[3] = {"q", "h", "f"};

    memset(p, 0, sizeof(*p));
    p->id = FZ_CAM;
    p->peer = FZ_PEER_CAM;
    p->kind = ROUTER_VIDEO;
    p->source = ROUTER_SOURCE_CAMERA;
    p->codec = ROUTER_CODEC_VP8;
    p->pt = 96;
    p->rtx_pt = 97;
    p->clock_rate = 90000;
    p->n_layers = 3;
    for (unsigned l = 0; l < 3; l++) {
        p->layers[l].ssrc = l < 2 ? 0x10u * (l + 1) : 0;
        p->layers[l].rtx_ssrc = l < 2 ? 0x10u * (l + 1) + 1 : 0;
        memcpy(p->layers[l].rid, rids[l], 2);
        p->layers[l].width = (uint16_t)(320u << l);
        p->layers[l].height = (uint16_t)(180u << l);
    }
    fz_pub_ext(&p->ext);
    p->ext.audio_level = 0;
}

static inline void fz_mic_cfg(struct router_producer_cfg *p)
{
    memset(p, 0, sizeof(*p));
    p->id = FZ_MIC;
    p->peer = FZ_PEER_MIC;
    p->kind = ROUTER_AUDIO;
    p->source = ROUTER_SOURCE_MIC;
    p->codec = ROUTER_CODEC_OPUS;
    p->pt = 111;
    p->rtx_pt = -1;
    p->clock_rate = 48000;
    p->n_layers = 1;
    p->layers[0].ssrc = 0x30;
    fz_pub_ext(&p->ext);
    p->ext.rid = 0;
    p->ext.repaired_rid = 0;
}

static inline void fz_consumer_cfg(struct router_consumer_cfg *c, uint32_t id)
{
    memset(c, 0, sizeof(*c));
    c->id = id;
    c->rtx_pt = -1;
    c->ext.abs_send_time = 3;
    c->ext.twcc = 5;
    c->ext.audio_level = 9;
    switch (id) {
    case FZ_C_CAM_RTX:
        c->producer = FZ_CAM;
        c->peer = FZ_PEER_SUB_A;
        c->ssrc = 0x100;
        c->rtx_ssrc = 0x101;
        c->pt = 100;
        c->rtx_pt = 101;
        break;
    case FZ_C_CAM:
        c->producer = FZ_CAM;
        c->peer = FZ_PEER_SUB_B;
        c->ssrc = 0x200;
        c->pt = 102;
        break;
    default:
        c->producer = FZ_MIC;
        c->peer = FZ_PEER_SUB_B;
        c->ssrc = 0x300;
        c->pt = 111;
        break;
    }
}

/* Adds whatever of the room is missing (errors such as ERR_EXISTS ignored);
 * consumer_rc (may be NULL) gets router_add_consumer's result for
 * FZ_C_CAM_RTX, FZ_C_CAM and FZ_C_MIC. */
static inline void fz_setup(struct router *r, int consumer_rc[3])
{
    static const uint32_t ids[3] = {FZ_C_CAM_RTX, FZ_C_CAM, FZ_C_MIC};
    struct router_producer_cfg p;
    struct router_consumer_cfg c;
    struct router_prefs pr;

    fz_cam_cfg(&p);
    (void)router_add_producer(r, &p);
    fz_mic_cfg(&p);
    (void)router_add_producer(r, &p);
    for (unsigned i = 0; i < 3; i++) {
        int rc;

        fz_consumer_cfg(&c, ids[i]);
        rc = router_add_consumer(r, &c);
        if (consumer_rc != NULL)
            consumer_rc[i] = rc;
    }
    memset(&pr, 0, sizeof(pr));
    pr.max_height = 180;
    (void)router_set_prefs(r, FZ_C_CAM, &pr);
    router_set_peer_bitrate(r, FZ_PEER_SUB_A, 2000000);
}

#endif
