/* Audio first on a weak downlink: the router's side of vpause.h.
 *
 * On each layer evaluation of a subscribing peer, what its unpaused
 * consumers would take at the least is measured: the audio as it comes in,
 * and each video at its lowest active layer (as the publisher sends it,
 * RTP headers included). When the downlink estimate cannot carry that
 * (vpause decides, with hysteresis), router_layers.c gives every video
 * consumer of the peer no layer: only audio is forwarded. On resume each
 * video waits for a keyframe (asked for at once) and starts a new segment,
 * so the subscriber sees continuous sequence numbers. While paused, the
 * subscriber's NACKs for its videos go unanswered (router_fwd.c): it keeps
 * asking for what it lost before the pause, and the answers would fill the
 * very link the pause is meant to leave to the audio.
 *
 * Probes (router_send_probe): padding-only RTP packets on the RTX SSRC of a
 * paused video consumer, which the subscriber knows from the offer. They
 * carry the transport-cc extension, which the engine stamps on sending, so
 * the subscriber's feedback times them (probe.h). */
#include <string.h>

#include "media/probe.h"
#include "media/router_int.h"
#include "base/err.h"

bool router_pause_eval(struct router *r, int slot, uint64_t budget, int64_t now_us)
{
    struct router_peer *pe = &r->peers[slot];
    uint64_t audio = 0, video = 0;
    enum vpause_change ch;

    for (size_t i = 0; i < r->n_cons; i++) {
        const struct router_consumer *c = r->cons[i];
        int l;

        if (c->peer_slot != slot || c->prod == NULL || c->prefs.paused)
            continue;
        l = c->kind == ROUTER_AUDIO ? 0 : router_layers_lowest(c->prod, now_us);
        if (l < 0)
            continue;
        if (c->kind == ROUTER_AUDIO)
            audio += router_rate_bps(&c->prod->streams[l].rate, now_us);
        else
            video += router_rate_bps(&c->prod->streams[l].rate, now_us);
    }
    pe->need_audio_bps = audio;
    pe->need_video_bps = video;
    ch = vpause_update(&pe->vp, now_us, budget, audio, video);
    if (ch != VPAUSE_SAME)
        router_emit_event(r, ROUTER_EVENT_VIDEO_PAUSED, 0, 0, pe->id, ch == VPAUSE_PAUSED ? 1 : 0);
    return pe->vp.paused;
}

bool router_peer_video_paused(const struct router *r, uint32_t peer)
{
    int slot = router_peer_slot(r, peer);

    return slot >= 0 && r->peers[slot].vp.paused;
}

uint64_t router_peer_resume_bps(const struct router *r, uint32_t peer)
{
    int slot = router_peer_slot(r, peer);

    if (slot < 0 || r->peers[slot].need_video_bps == 0)
        return 0;
    return vpause_resume_at(r->peers[slot].need_audio_bps, r->peers[slot].need_video_bps);
}

static bool probe_carrier(const struct router_consumer *c, int slot)
{
    return c->peer_slot == slot && c->kind == ROUTER_VIDEO && c->cfg.rtx_ssrc != 0 &&
           c->cfg.rtx_pt >= 0 && c->cfg.rtx_pt <= 127 && c->cfg.ext.twcc >= 1 &&
           c->cfg.ext.twcc <= 14;
}

#define PROBE_TWCC_OFF 17 /* header 12, extension header 4, element header 1 */
#define PROBE_LEN (PROBE_TWCC_OFF + 3 + PROBE_PADDING_BYTES)

/* One padding-only packet on c's RTX stream: header, a one-byte extension
 * block with the transport-cc element (seq 0, stamped by the engine), and
 * PROBE_PADDING_BYTES of padding. Returns its length. */
size_t router_pause_write_probe(const struct router_pending *p, uint8_t *out, size_t *twcc_off)
{
    const struct router_consumer *c = p->c;
    size_t n = 0;

    out[n++] = 0x80 | 0x20 | 0x10; /* V=2, padding, extension */
    out[n++] = (uint8_t)c->cfg.rtx_pt;
    wr_put_u16(out + n, p->rtx_seq);
    n += 2;
    wr_put_u32(out + n, c->last_out_ts);
    n += 4;
    wr_put_u32(out + n, c->cfg.rtx_ssrc);
    n += 4;
    out[n++] = 0xbe;
    out[n++] = 0xde;
    out[n++] = 0;
    out[n++] = 1; /* one 32-bit word of elements */
    out[n++] = (uint8_t)(c->cfg.ext.twcc << 4 | 1);
    out[n++] = 0;
    out[n++] = 0;
    out[n++] = 0; /* element padding */
    memset(out + n, 0, PROBE_PADDING_BYTES - 1);
    n += PROBE_PADDING_BYTES - 1;
    out[n++] = PROBE_PADDING_BYTES;
    assert(n == PROBE_LEN);
    *twcc_off = PROBE_TWCC_OFF;
    return n;
}

int router_send_probe(struct router *r, int64_t now_us, uint32_t peer, size_t count)
{
    int slot = router_peer_slot(r, peer);
    struct router_consumer *c = NULL;

    router_begin(r, now_us);
    if (slot < 0)
        return ERR_NOTFOUND;
    if (count > PROBE_PACKETS)
        count = PROBE_PACKETS;
    for (size_t i = 0; i < r->n_cons && c == NULL; i++) {
        if (probe_carrier(r->cons[i], slot))
            c = r->cons[i];
    }
    if (c == NULL)
        return ERR_NOTFOUND;
    for (size_t k = 0; k < count; k++) {
        struct router_pending *out = router_out_push(r);

        if (out == NULL) {
            r->stats.rtp_out_dropped++;
            return (int)k;
        }
        out->op = ROUTER_OP_PROBE;
        out->peer = c->cfg.peer;
        out->len = PROBE_LEN;
        out->c = c;
        out->rtx_seq = c->rtx_seq++;
    }
    return (int)count;
}
