/* SDP builder: the server's offer on a subscribe connection. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "signaling/sdp.h"
#include "signaling/sdp_int.h"

static bool sends(enum sdp_dir d)
{
    return d == SDP_DIR_SENDONLY || d == SDP_DIR_SENDRECV;
}

static int check_media(const struct sdp_offer_spec *spec, size_t i)
{
    const struct sdp_offer_media *m = &spec->media[i];

    if (!sdp_check_token(m->mid, SDP_MAX_MID) || m->mid[0] == '\0')
        return ERR_INVAL;
    for (size_t k = 0; k < i; k++)
        if (strcmp(spec->media[k].mid, m->mid) == 0)
            return ERR_INVAL; /* a mid is never used twice, removed or not */
    if (m->kind == SDP_KIND_AUDIO && m->codec != SDP_CODEC_OPUS)
        return ERR_INVAL;
    if (m->kind == SDP_KIND_VIDEO && m->codec != SDP_CODEC_VP8 && m->codec != SDP_CODEC_H264)
        return ERR_INVAL;
    if (m->kind != SDP_KIND_AUDIO && m->kind != SDP_KIND_VIDEO)
        return ERR_INVAL;
    if (m->pt > 127 || m->rtx_pt > 127 || m->rtx_pt == m->pt || m->rtx_pt < -1)
        return ERR_INVAL;
    if (m->dir == SDP_DIR_NONE || m->dir > SDP_DIR_INACTIVE)
        return ERR_INVAL;
    if (!sdp_check_ext_ids(&m->ext))
        return ERR_INVAL;
    if (m->removed || !sends(m->dir))
        return 0;
    if ((m->stream_id != NULL || m->track_id != NULL) &&
        (!sdp_check_token(m->stream_id, SDP_MAX_MSID) ||
         !sdp_check_token(m->track_id, SDP_MAX_MSID)))
        return ERR_INVAL;
    if (m->ssrc != 0 && !sdp_check_token(spec->cname, SDP_MAX_CNAME))
        return ERR_INVAL;
    if (m->rtx_ssrc != 0 && (m->ssrc == 0 || m->rtx_ssrc == m->ssrc || m->rtx_pt < 0))
        return ERR_INVAL;
    return 0;
}

static void write_media(struct sdp_out *o, const struct sdp_offer_spec *spec,
                        const struct sdp_offer_media *m)
{
    const char *type = m->kind == SDP_KIND_AUDIO ? "audio" : "video";
    const char *proto = "UDP/TLS/RTP/SAVPF";

    if (m->removed) {
        sdp_out_printf(o, "m=%s 0 %s %u\r\nc=IN IP4 0.0.0.0\r\na=mid:%s\r\na=inactive\r\n", type,
                       proto, (unsigned)m->pt, m->mid);
        return;
    }
    sdp_write_media_head(o, type, proto, spec->candidates, spec->n_candidates, m->pt, m->rtx_pt);
    sdp_out_printf(o, "a=mid:%s\r\n", m->mid);
    sdp_write_creds(o, spec->ice_ufrag, spec->ice_pwd);
    sdp_out_printf(o, "a=setup:actpass\r\n");
    for (int e = SDP_EXT_OTHER + 1; e < SDP_EXT_COUNT; e++)
        if (m->ext.id[e] != 0)
            sdp_out_printf(o, "a=extmap:%u %s\r\n", (unsigned)m->ext.id[e],
                           sdp_ext_uri((enum sdp_ext)e));
    sdp_out_printf(o, "a=%s\r\n", sdp_dir_str(m->dir));
    bool send = sends(m->dir);
    bool ids = send && m->stream_id != NULL && m->track_id != NULL;
    if (ids)
        sdp_out_printf(o, "a=msid:%s %s\r\n", m->stream_id, m->track_id);
    sdp_out_printf(o, "a=rtcp-mux\r\na=rtcp-rsize\r\n");
    switch (m->codec) {
    case SDP_CODEC_OPUS:
        sdp_write_codec(o, m->pt, m->codec, 48000, 2, m->fb, "minptime=10;useinbandfec=1");
        break;
    case SDP_CODEC_H264:
        sdp_write_codec(o, m->pt, m->codec, 90000, 0, m->fb, SDP_H264_FMTP);
        break;
    default:
        sdp_write_codec(o, m->pt, m->codec, 90000, 0, m->fb, NULL);
        break;
    }
    if (m->rtx_pt >= 0) {
        char apt[16];
        snprintf(apt, sizeof apt, "apt=%u", (unsigned)m->pt);
        sdp_write_codec(o, (unsigned)m->rtx_pt, SDP_CODEC_RTX,
                        m->kind == SDP_KIND_AUDIO ? 48000 : 90000, 0, 0, apt);
    }
    if (send && m->ssrc != 0)
        sdp_write_ssrcs(o, m->ssrc, m->rtx_ssrc, spec->cname, ids ? m->stream_id : NULL,
                        ids ? m->track_id : NULL);
    sdp_write_candidates(o, spec->candidates, spec->n_candidates);
}

int sdp_build_offer(const struct sdp_offer_spec *spec, char *out, size_t cap, size_t *out_len)
{
    struct sdp_out o;
    size_t live = 0;

    if (spec == NULL || out == NULL || out_len == NULL || spec->n_media > SDP_MAX_MEDIA ||
        (spec->n_media > 0 && spec->media == NULL))
        return ERR_INVAL;
    if (sdp_check_creds(spec->ice_ufrag, spec->ice_pwd, spec->fingerprint_alg, spec->fingerprint) !=
            0 ||
        sdp_check_candidates(spec->candidates, spec->n_candidates) != 0)
        return ERR_INVAL;
    for (size_t i = 0; i < spec->n_media; i++) {
        if (check_media(spec, i) != 0)
            return ERR_INVAL;
        if (!spec->media[i].removed)
            live++;
    }

    sdp_out_init(&o, out, cap);
    sdp_out_printf(&o, "v=0\r\no=- %" PRIu64 " %" PRIu64 " IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n",
                   spec->session_id, spec->session_version);
    sdp_out_printf(&o, "a=ice-lite\r\n");
    if (live > 0) {
        sdp_out_printf(&o, "a=group:BUNDLE");
        for (size_t i = 0; i < spec->n_media; i++)
            if (!spec->media[i].removed)
                sdp_out_printf(&o, " %s", spec->media[i].mid);
        sdp_out_printf(&o, "\r\n");
    }
    if (spec->extmap_allow_mixed)
        sdp_out_printf(&o, "a=extmap-allow-mixed\r\n");
    sdp_out_printf(&o, "a=msid-semantic: WMS *\r\n");
    sdp_out_printf(&o, "a=fingerprint:%s %s\r\n", spec->fingerprint_alg, spec->fingerprint);
    if (live == 0)
        sdp_write_creds(&o, spec->ice_ufrag, spec->ice_pwd);
    for (size_t i = 0; i < spec->n_media; i++)
        write_media(&o, spec, &spec->media[i]);
    return sdp_out_end(&o, out_len);
}
