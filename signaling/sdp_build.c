/* SDP builders: the bounded text writer, pieces shared with sdp_offer.c,
 * and the answer to a browser's publish offer. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "signaling/sdp.h"
#include "signaling/sdp_int.h"

/* ---- writer ---- */

void sdp_out_init(struct sdp_out *o, char *buf, size_t cap)
{
    o->p = buf;
    o->len = 0;
    o->cap = cap;
    o->err = buf == NULL || cap == 0;
}

void sdp_out_printf(struct sdp_out *o, const char *fmt, ...)
{
    va_list ap;

    if (o->err)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    /* Room for the NUL is required, so the text never fills cap exactly. */
    if (n < 0 || (size_t)n >= o->cap - o->len) {
        o->err = true;
        o->p[o->len] = '\0';
        return;
    }
    o->len += (size_t)n;
}

int sdp_out_end(struct sdp_out *o, size_t *out_len)
{
    if (o->err)
        return ERR_TOOBIG;
    o->p[o->len] = '\0';
    if (out_len != NULL)
        *out_len = o->len;
    return 0;
}

/* ---- checks of our own inputs ---- */

static bool ice_ok(const char *s, size_t min, size_t max)
{
    if (s == NULL)
        return false;
    size_t n = strlen(s);
    return n >= min && n <= max && sdp_is_ice_chars(sdp_str_make(s, n));
}

int sdp_check_creds(const char *ufrag, const char *pwd, const char *fp_alg, const char *fp)
{
    if (!ice_ok(ufrag, 4, SDP_MAX_UFRAG) || !ice_ok(pwd, 22, SDP_MAX_PWD))
        return ERR_INVAL;
    if (fp_alg == NULL || fp == NULL)
        return ERR_INVAL;
    size_t bytes = sdp_fp_alg_bytes(sdp_str_make(fp_alg, strlen(fp_alg)));
    if (!sdp_fp_value_ok(sdp_str_make(fp, strlen(fp)), bytes))
        return ERR_INVAL;
    return 0;
}

int sdp_check_candidates(const struct sdp_local_candidate *c, size_t n)
{
    unsigned char buf[sizeof(struct in6_addr)];

    if (n > SDP_MAX_LOCAL_CANDIDATES || (n > 0 && c == NULL))
        return ERR_INVAL;
    for (size_t i = 0; i < n; i++) {
        if (c[i].address == NULL || c[i].port == 0 ||
            (c[i].transport != SDP_TRANSPORT_UDP && c[i].transport != SDP_TRANSPORT_TCP))
            return ERR_INVAL;
        if (inet_pton(AF_INET, c[i].address, buf) != 1 &&
            inet_pton(AF_INET6, c[i].address, buf) != 1)
            return ERR_INVAL;
    }
    return 0;
}

bool sdp_check_token(const char *s, size_t max)
{
    if (s == NULL)
        return false;
    size_t n = strlen(s);
    return n <= max && sdp_is_token(sdp_str_make(s, n));
}

bool sdp_check_ext_ids(const struct sdp_ext_ids *ext)
{
    for (int e = SDP_EXT_OTHER + 1; e < SDP_EXT_COUNT; e++) {
        unsigned id = ext->id[e];
        if (id == 15)
            return false;
        for (int k = e + 1; k < SDP_EXT_COUNT && id != 0; k++)
            if (ext->id[k] == id)
                return false;
    }
    return true;
}

/* ---- shared pieces ---- */

static const char *addrtype(const char *addr)
{
    return strchr(addr, ':') != NULL ? "IP6" : "IP4";
}

void sdp_write_media_head(struct sdp_out *o, const char *media_type, const char *proto,
                          const struct sdp_local_candidate *c, size_t n, unsigned pt, int rtx_pt)
{
    const struct sdp_local_candidate *def = n > 0 ? &c[0] : NULL;

    for (size_t i = 0; i < n; i++) {
        if (c[i].transport == SDP_TRANSPORT_UDP) {
            def = &c[i];
            break;
        }
    }
    sdp_out_printf(o, "m=%s %u %s %u", media_type, def != NULL ? def->port : 9u, proto, pt);
    if (rtx_pt >= 0)
        sdp_out_printf(o, " %d", rtx_pt);
    sdp_out_printf(o, "\r\nc=IN %s %s\r\n", def != NULL ? addrtype(def->address) : "IP4",
                   def != NULL ? def->address : "0.0.0.0");
}

void sdp_write_creds(struct sdp_out *o, const char *ufrag, const char *pwd)
{
    sdp_out_printf(o, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", ufrag, pwd);
}

void sdp_write_codec(struct sdp_out *o, unsigned pt, enum sdp_codec_id id, uint32_t clock,
                     unsigned channels, uint32_t fb, const char *fmtp)
{
    sdp_out_printf(o, "a=rtpmap:%u %s/%" PRIu32, pt, sdp_codec_str(id), clock);
    if (channels > 0)
        sdp_out_printf(o, "/%u", channels);
    sdp_out_printf(o, "\r\n");
    if (fb & SDP_FB_GOOG_REMB)
        sdp_out_printf(o, "a=rtcp-fb:%u goog-remb\r\n", pt);
    if (fb & SDP_FB_TWCC)
        sdp_out_printf(o, "a=rtcp-fb:%u transport-cc\r\n", pt);
    if (fb & SDP_FB_CCM_FIR)
        sdp_out_printf(o, "a=rtcp-fb:%u ccm fir\r\n", pt);
    if (fb & SDP_FB_NACK)
        sdp_out_printf(o, "a=rtcp-fb:%u nack\r\n", pt);
    if (fb & SDP_FB_NACK_PLI)
        sdp_out_printf(o, "a=rtcp-fb:%u nack pli\r\n", pt);
    if (fmtp != NULL && fmtp[0] != '\0')
        sdp_out_printf(o, "a=fmtp:%u %s\r\n", pt, fmtp);
}

void sdp_write_ssrcs(struct sdp_out *o, uint32_t ssrc, uint32_t rtx_ssrc, const char *cname,
                     const char *stream_id, const char *track_id)
{
    uint32_t ids[2] = {ssrc, rtx_ssrc};

    if (rtx_ssrc != 0)
        sdp_out_printf(o, "a=ssrc-group:FID %" PRIu32 " %" PRIu32 "\r\n", ssrc, rtx_ssrc);
    for (size_t i = 0; i < 2 && ids[i] != 0; i++) {
        sdp_out_printf(o, "a=ssrc:%" PRIu32 " cname:%s\r\n", ids[i], cname);
        if (stream_id != NULL && track_id != NULL)
            sdp_out_printf(o, "a=ssrc:%" PRIu32 " msid:%s %s\r\n", ids[i], stream_id, track_id);
    }
}

/* RFC 8445 §5.1.2.1: (2^24) type preference + (2^8) local preference +
 * (256 - component). UDP host 126, TCP host 90 (below every UDP one); TCP
 * local preference per RFC 6544 §4.2 with direction-pref 4 (passive). */
void sdp_write_candidates(struct sdp_out *o, const struct sdp_local_candidate *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bool udp = c[i].transport == SDP_TRANSPORT_UDP;
        uint32_t type_pref = udp ? 126 : 90;
        uint32_t local_pref = udp ? 65535 - (uint32_t)i : (4u << 13) + 8191 - (uint32_t)i;
        uint32_t prio = type_pref << 24 | local_pref << 8 | (256 - 1);
        sdp_out_printf(o, "a=candidate:%zu 1 %s %" PRIu32 " %s %u typ host%s\r\n", i + 1,
                       udp ? "udp" : "tcp", prio, c[i].address, c[i].port,
                       udp ? "" : " tcptype passive");
    }
    sdp_out_printf(o, "a=end-of-candidates\r\n");
}

/* ---- the answer ---- */

/* RFC 6184 table 5: profile-level-ids that are constrained baseline. */
static bool h264_constrained_baseline(int32_t plid)
{
    if (plid < 0)
        return false;
    unsigned idc = (unsigned)plid >> 16 & 0xff, iop = (unsigned)plid >> 8 & 0xff;
    return (idc == 0x42 && (iop & 0x40)) || (idc == 0x4d && (iop & 0x80)) ||
           (idc == 0x58 && (iop & 0xc0) == 0xc0);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Picks the codec (and RTX) of an offered m-line, or says why not. */
static const char *choose(const struct sdp_session *o, const struct sdp_media *m,
                          const struct sdp_codec **codec, const struct sdp_codec **rtx)
{
    *codec = *rtx = NULL;
    if (m->port == 0 && !m->bundle_only)
        return "rejected in the offer (port 0)";
    if (m->kind == SDP_KIND_APPLICATION)
        return "data channels are not supported yet";
    if (m->kind != SDP_KIND_AUDIO && m->kind != SDP_KIND_VIDEO)
        return "unsupported media type";
    if (m->mid[0] == '\0')
        return "no a=mid";
    if (!sdp_in_bundle(o, m->mid))
        return "not in the BUNDLE group";
    if (!ends_with(m->proto, "RTP/SAVPF"))
        return "transport is not UDP/TLS/RTP/SAVPF";
    if (!m->rtcp_mux)
        return "no a=rtcp-mux";
    if (m->kind == SDP_KIND_AUDIO) {
        for (size_t i = 0; i < m->n_codecs && *codec == NULL; i++) {
            const struct sdp_codec *c = &m->codecs[i];
            if (c->id == SDP_CODEC_OPUS && c->clock == 48000 && c->channels == 2)
                *codec = c;
        }
        return *codec != NULL ? NULL : "no opus/48000/2 offered";
    }
    for (size_t i = 0; i < m->n_codecs && *codec == NULL; i++)
        if (m->codecs[i].id == SDP_CODEC_VP8 && m->codecs[i].clock == 90000)
            *codec = &m->codecs[i];
    for (size_t i = 0; i < m->n_codecs && *codec == NULL; i++) {
        const struct sdp_codec *c = &m->codecs[i];
        if (c->id == SDP_CODEC_H264 && c->clock == 90000 && c->packetization_mode == 1 &&
            h264_constrained_baseline(c->profile_level_id))
            *codec = c;
    }
    if (*codec == NULL)
        return "no VP8 or H.264 constrained baseline (packetization-mode=1) offered";
    for (size_t i = 0; i < m->n_codecs && *rtx == NULL; i++) {
        const struct sdp_codec *c = &m->codecs[i];
        if (c->id == SDP_CODEC_RTX && c->clock == 90000 && c->apt == (*codec)->pt)
            *rtx = c;
    }
    return NULL;
}

static enum sdp_dir answer_dir(enum sdp_dir offer, enum sdp_dir local)
{
    bool we_send = local == SDP_DIR_SENDONLY || local == SDP_DIR_SENDRECV;
    bool we_recv = local == SDP_DIR_NONE || local == SDP_DIR_RECVONLY || local == SDP_DIR_SENDRECV;
    bool recv = (offer == SDP_DIR_SENDRECV || offer == SDP_DIR_SENDONLY) && we_recv;
    bool send = (offer == SDP_DIR_SENDRECV || offer == SDP_DIR_RECVONLY) && we_send;

    if (send && recv)
        return SDP_DIR_SENDRECV;
    if (send)
        return SDP_DIR_SENDONLY;
    if (recv)
        return SDP_DIR_RECVONLY;
    return SDP_DIR_INACTIVE;
}

static bool group_has(const struct sdp_media *m, const char *sem, size_t pos, uint32_t ssrc,
                      size_t *idx)
{
    for (size_t g = 0; g < m->n_ssrc_groups; g++) {
        const struct sdp_ssrc_group *gr = &m->ssrc_groups[g];
        if (strcmp(gr->semantics, sem) == 0 && gr->n_ssrcs > pos && gr->ssrcs[pos] == ssrc) {
            if (idx != NULL)
                *idx = g;
            return true;
        }
    }
    return false;
}

static void add_stream(struct sdp_answer_media *am, const struct sdp_media *m, uint32_t ssrc)
{
    size_t g;

    for (size_t i = 0; i < am->n_streams; i++)
        if (am->streams[i].ssrc == ssrc)
            return;
    if (am->n_streams == SDP_MAX_SSRCS)
        return;
    struct sdp_stream *st = &am->streams[am->n_streams++];
    st->ssrc = ssrc;
    st->rtx_ssrc = 0;
    if (group_has(m, "FID", 0, ssrc, &g) && m->ssrc_groups[g].n_ssrcs >= 2)
        st->rtx_ssrc = m->ssrc_groups[g].ssrcs[1];
}

/* The browser's SSRCs: SIM order if there is a SIM group, else every SSRC
 * that is not the second of a FID or FEC-FR group; RTX from FID. */
static void collect_streams(struct sdp_answer_media *am, const struct sdp_media *m)
{
    for (size_t g = 0; g < m->n_ssrc_groups; g++) {
        const struct sdp_ssrc_group *gr = &m->ssrc_groups[g];
        if (strcmp(gr->semantics, "SIM") == 0) {
            for (size_t i = 0; i < gr->n_ssrcs; i++)
                add_stream(am, m, gr->ssrcs[i]);
            return;
        }
    }
    for (size_t i = 0; i < m->n_ssrcs; i++) {
        uint32_t ssrc = m->ssrcs[i].ssrc;
        if (!group_has(m, "FID", 1, ssrc, NULL) && !group_has(m, "FEC-FR", 1, ssrc, NULL))
            add_stream(am, m, ssrc);
    }
}

static const struct sdp_rid *find_rid(const struct sdp_media *m, const char *id)
{
    for (size_t i = 0; i < m->n_rids; i++)
        if (strcmp(m->rids[i].id, id) == 0)
            return &m->rids[i];
    return NULL;
}

/* Simulcast: per offered send stream, the first alternative that has an
 * a=rid send line allowing our payload type. */
static void collect_rids(struct sdp_answer_media *am, const struct sdp_media *m)
{
    if (!m->has_simulcast || (am->dir != SDP_DIR_RECVONLY && am->dir != SDP_DIR_SENDRECV))
        return;
    for (size_t s = 0; s < m->simulcast.n_send; s++) {
        const struct sdp_sim_stream *st = &m->simulcast.send[s];
        for (size_t a = 0; a < st->n_alts; a++) {
            const struct sdp_rid *r = find_rid(m, st->rid[a]);
            bool pt_ok = r != NULL && r->n_pts == 0;
            for (size_t k = 0; r != NULL && k < r->n_pts; k++)
                pt_ok = pt_ok || r->pts[k] == am->pt;
            bool dup = false;
            for (size_t k = 0; k < am->n_rids; k++)
                dup = dup || strcmp(am->rids[k], st->rid[a]) == 0;
            if (r == NULL || r->dir != SDP_RID_SEND || !pt_ok || dup)
                continue;
            memcpy(am->rids[am->n_rids++], st->rid[a], sizeof am->rids[0]);
            break;
        }
    }
}

/* Offered parameters without useinbandfec/usedtx, then ours; if that is
 * too long, only ours. */
static void opus_fmtp(char out[SDP_MAX_FMTP + 1], const struct sdp_codec *c, bool dtx)
{
    struct sdp_out o;
    struct sdp_str rest = sdp_str_make(c->fmtp, strlen(c->fmtp)), kv;
    const char *ours = dtx ? "useinbandfec=1;usedtx=1" : "useinbandfec=1";

    sdp_out_init(&o, out, SDP_MAX_FMTP + 1);
    while (sdp_str_next(&rest, ';', &kv)) {
        kv = sdp_str_trim(kv);
        const char *eq = memchr(kv.p, '=', kv.n);
        struct sdp_str key = sdp_str_trim(sdp_str_make(kv.p, eq ? (size_t)(eq - kv.p) : kv.n));
        if (kv.n == 0 || sdp_str_ieq(key, "useinbandfec") || sdp_str_ieq(key, "usedtx"))
            continue;
        sdp_out_printf(&o, "%.*s;", (int)kv.n, kv.p);
    }
    sdp_out_printf(&o, "%s", ours);
    if (o.err)
        snprintf(out, SDP_MAX_FMTP + 1, "%s", ours);
}

static void write_extmaps(struct sdp_out *o, const struct sdp_media *m, struct sdp_answer_media *am)
{
    bool sends = am->dir == SDP_DIR_SENDONLY || am->dir == SDP_DIR_SENDRECV;

    for (size_t i = 0; i < m->n_extmaps; i++) {
        const struct sdp_extmap *e = &m->extmaps[i];
        const char *dir = "";
        if (e->ext == SDP_EXT_OTHER || am->ext.id[e->ext] != 0 || e->dir == SDP_DIR_INACTIVE)
            continue;
        if (e->dir == SDP_DIR_SENDONLY)
            dir = "/recvonly";
        else if (e->dir == SDP_DIR_RECVONLY && !sends)
            continue;
        else if (e->dir == SDP_DIR_RECVONLY)
            dir = "/sendonly";
        am->ext.id[e->ext] = (uint8_t)e->id;
        sdp_out_printf(o, "a=extmap:%u%s %s\r\n", (unsigned)e->id, dir, e->uri);
    }
}

static int write_send(struct sdp_out *o, const struct sdp_local *l, size_t i,
                      const struct sdp_answer_media *am)
{
    if (am->dir != SDP_DIR_SENDONLY && am->dir != SDP_DIR_SENDRECV)
        return 0;
    if (l->tracks == NULL || i >= l->n_tracks)
        return 0;
    const struct sdp_local_track *t = &l->tracks[i];
    bool ids = t->stream_id != NULL && t->track_id != NULL;
    if (ids && (!sdp_check_token(t->stream_id, SDP_MAX_MSID) ||
                !sdp_check_token(t->track_id, SDP_MAX_MSID)))
        return ERR_INVAL;
    if (ids)
        sdp_out_printf(o, "a=msid:%s %s\r\n", t->stream_id, t->track_id);
    if (t->ssrc == 0)
        return 0;
    if (!sdp_check_token(l->cname, SDP_MAX_CNAME))
        return ERR_INVAL;
    sdp_write_ssrcs(o, t->ssrc, am->rtx_pt >= 0 ? t->rtx_ssrc : 0, l->cname,
                    ids ? t->stream_id : NULL, ids ? t->track_id : NULL);
    return 0;
}

static int write_accepted(struct sdp_out *o, const struct sdp_session *off, size_t i,
                          const struct sdp_local *l, const struct sdp_codec *c,
                          const struct sdp_codec *rtx, struct sdp_answer_media *am)
{
    const struct sdp_media *m = &off->media[i];
    char fmtp[SDP_MAX_FMTP + 1];
    int rc;

    sdp_write_media_head(o, m->media_type, m->proto, l->candidates, l->n_candidates, c->pt,
                         am->rtx_pt);
    sdp_out_printf(o, "a=mid:%s\r\n", m->mid);
    sdp_write_creds(o, l->ice_ufrag, l->ice_pwd);
    sdp_out_printf(o, "a=setup:%s\r\n", m->setup == SDP_SETUP_PASSIVE ? "active" : "passive");
    write_extmaps(o, m, am);
    sdp_out_printf(o, "a=%s\r\n", sdp_dir_str(am->dir));
    if ((rc = write_send(o, l, i, am)) != 0)
        return rc;
    sdp_out_printf(o, "a=rtcp-mux\r\n");
    if (m->rtcp_rsize)
        sdp_out_printf(o, "a=rtcp-rsize\r\n");
    if (c->id == SDP_CODEC_OPUS)
        opus_fmtp(fmtp, c, l->opus_dtx);
    else if (c->id == SDP_CODEC_H264)
        snprintf(fmtp, sizeof fmtp, "%s", SDP_H264_FMTP);
    else
        fmtp[0] = '\0';
    sdp_write_codec(o, c->pt, c->id, c->clock, c->channels, am->fb, fmtp);
    if (rtx != NULL) {
        snprintf(fmtp, sizeof fmtp, "apt=%u", c->pt);
        sdp_write_codec(o, rtx->pt, SDP_CODEC_RTX, rtx->clock, 0, 0, fmtp);
    }
    for (size_t k = 0; k < am->n_rids; k++)
        sdp_out_printf(o, "a=rid:%s recv\r\n", am->rids[k]);
    for (size_t k = 0; k < am->n_rids; k++)
        sdp_out_printf(o, "%s%s", k == 0 ? "a=simulcast:recv " : ";", am->rids[k]);
    if (am->n_rids > 0)
        sdp_out_printf(o, "\r\n");
    sdp_write_candidates(o, l->candidates, l->n_candidates);
    return 0;
}

static void write_rejected(struct sdp_out *o, const struct sdp_media *m)
{
    sdp_out_printf(o, "m=%s 0 %s %s\r\nc=IN IP4 0.0.0.0\r\n", m->media_type, m->proto, m->fmt0);
    if (m->mid[0] != '\0')
        sdp_out_printf(o, "a=mid:%s\r\n", m->mid);
    sdp_out_printf(o, "a=inactive\r\n");
}

/* Fills info->media[i]: accepted or why not, codec, direction, streams. */
static void plan(const struct sdp_session *off, size_t i, const struct sdp_local *l,
                 struct sdp_answer_media *am, const struct sdp_codec **c,
                 const struct sdp_codec **rtx)
{
    const struct sdp_media *m = &off->media[i];

    memset(am, 0, sizeof *am);
    am->kind = m->kind;
    am->rtx_pt = -1;
    memcpy(am->mid, m->mid, sizeof am->mid);
    am->why = choose(off, m, c, rtx);
    am->accepted = am->why == NULL;
    if (!am->accepted) {
        am->dir = SDP_DIR_INACTIVE;
        return;
    }
    am->dir = answer_dir(m->dir, l->dir);
    am->codec = (*c)->id;
    am->pt = (*c)->pt;
    am->clock = (*c)->clock;
    am->channels = (*c)->channels;
    am->fb = (*c)->fb & SDP_FB_ALL;
    if (*rtx != NULL)
        am->rtx_pt = (*rtx)->pt;
    collect_streams(am, m);
    collect_rids(am, m);
    memcpy(am->msid_stream, m->msid_stream, sizeof am->msid_stream);
    memcpy(am->msid_track, m->msid_track, sizeof am->msid_track);
    for (size_t k = 0; k < m->n_ssrcs; k++) {
        if (am->cname[0] == '\0')
            memcpy(am->cname, m->ssrcs[k].cname, sizeof am->cname);
        if (am->msid_stream[0] == '\0' && m->ssrcs[k].msid_stream[0] != '\0') {
            memcpy(am->msid_stream, m->ssrcs[k].msid_stream, sizeof am->msid_stream);
            memcpy(am->msid_track, m->ssrcs[k].msid_track, sizeof am->msid_track);
        }
    }
}

enum sdp_cc sdp_answer_cc(const struct sdp_answer_info *info)
{
    bool remb = false;

    for (size_t i = 0; i < info->n_media; i++) {
        const struct sdp_answer_media *am = &info->media[i];
        if (!am->accepted || (am->dir != SDP_DIR_RECVONLY && am->dir != SDP_DIR_SENDRECV))
            continue;
        if ((am->fb & SDP_FB_TWCC) && am->ext.id[SDP_EXT_TWCC] != 0)
            return SDP_CC_TWCC;
        remb = remb || (am->fb & SDP_FB_GOOG_REMB);
    }
    return remb ? SDP_CC_REMB : SDP_CC_NONE;
}

int sdp_build_answer(const struct sdp_session *offer, const struct sdp_local *local, char *out,
                     size_t cap, size_t *out_len, struct sdp_answer_info *info)
{
    struct sdp_answer_info scratch_info; /* only when the caller passes none (~16 KiB) */
    const struct sdp_codec *codec[SDP_MAX_MEDIA], *rtx[SDP_MAX_MEDIA];
    struct sdp_out o;
    int rc;

    if (info == NULL)
        info = &scratch_info;
    memset(info, 0, sizeof *info);
    if (offer == NULL || local == NULL || out == NULL || out_len == NULL ||
        offer->n_media > SDP_MAX_MEDIA) {
        info->why = "invalid arguments";
        return ERR_INVAL;
    }
    if (sdp_check_creds(local->ice_ufrag, local->ice_pwd, local->fingerprint_alg,
                        local->fingerprint) != 0 ||
        sdp_check_candidates(local->candidates, local->n_candidates) != 0) {
        info->why = "invalid local credentials, fingerprint or candidates";
        return ERR_INVAL;
    }
    if (offer->n_bundle == 0) {
        info->why = "the offer has no a=group:BUNDLE";
        return ERR_PROTO;
    }
    info->n_media = offer->n_media;
    for (size_t i = 0; i < offer->n_media; i++) {
        plan(offer, i, local, &info->media[i], &codec[i], &rtx[i]);
        if (info->media[i].accepted)
            info->n_accepted++;
    }
    info->extmap_allow_mixed = offer->extmap_allow_mixed && info->n_accepted > 0;

    sdp_out_init(&o, out, cap);
    sdp_out_printf(&o, "v=0\r\no=- %" PRIu64 " %" PRIu64 " IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n",
                   local->session_id, local->session_version);
    sdp_out_printf(&o, "a=ice-lite\r\n");
    if (info->n_accepted > 0) {
        /* The offer's BUNDLE order (its first accepted mid is our tag). */
        sdp_out_printf(&o, "a=group:BUNDLE");
        for (size_t b = 0; b < offer->n_bundle; b++) {
            const struct sdp_media *m = sdp_find_mid(offer, offer->bundle[b]);
            if (m != NULL && info->media[(size_t)(m - offer->media)].accepted)
                sdp_out_printf(&o, " %s", m->mid);
        }
        sdp_out_printf(&o, "\r\n");
    }
    if (info->extmap_allow_mixed)
        sdp_out_printf(&o, "a=extmap-allow-mixed\r\n");
    sdp_out_printf(&o, "a=msid-semantic: WMS *\r\n");
    sdp_out_printf(&o, "a=fingerprint:%s %s\r\n", local->fingerprint_alg, local->fingerprint);
    if (info->n_accepted == 0)
        sdp_write_creds(&o, local->ice_ufrag, local->ice_pwd);
    for (size_t i = 0; i < offer->n_media; i++) {
        if (!info->media[i].accepted) {
            write_rejected(&o, &offer->media[i]);
            continue;
        }
        if ((rc = write_accepted(&o, offer, i, local, codec[i], rtx[i], &info->media[i])) != 0) {
            info->why = "invalid local track (msid or cname)";
            return rc;
        }
    }
    if ((rc = sdp_out_end(&o, out_len)) != 0)
        info->why = "output buffer too small";
    return rc;
}
