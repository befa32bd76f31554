/* The generator's SDP offers and answers (load_sdp.h). */
#include "tests/load/load_sdp.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "tests/load/load_video.h"

struct out {
    char *p;
    size_t cap, len;
    bool over;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    if (o->over)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->cap - o->len) {
        o->over = true;
        return;
    }
    o->len += (size_t)n;
}

static int finish(struct out *o)
{
    return o->over ? ERR_TOOBIG : (int)o->len;
}

static void creds(struct out *o, const struct lg_peer *p, const char *fp, const char *setup)
{
    put(o, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=fingerprint:sha-256 %s\r\na=setup:%s\r\n", p->ufrag,
        p->pwd, fp, setup);
}

static void video_mline(struct out *o, const struct lg_peer *p, const char *fp,
                        uint32_t participant, const struct lg_sdp_video *v, bool fb)
{
    const unsigned pt = LG_VIDEO_PT, rtx = LG_VIDEO_RTX_PT;

    if (fb)
        put(o, "m=video 9 UDP/TLS/RTP/SAVPF %u %u\r\n", pt, rtx);
    else
        put(o, "m=video 9 UDP/TLS/RTP/SAVPF %u\r\n", pt);
    put(o, "c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n");
    creds(o, p, fp, "actpass");
    put(o, "a=mid:%s\r\n", LG_VIDEO_MID);
    if (fb)
        put(o, "a=extmap:%u %s\r\n", LG_EXT_TWCC, sdp_ext_uri(SDP_EXT_TWCC));
    put(o, "a=extmap:%u %s\r\n", LG_EXT_MID, sdp_ext_uri(SDP_EXT_MID));
    put(o, "a=extmap:%u %s\r\n", LG_EXT_RID, sdp_ext_uri(SDP_EXT_RID));
    if (fb)
        put(o, "a=extmap:%u %s\r\n", LG_EXT_RRID, sdp_ext_uri(SDP_EXT_RRID));
    put(o, "a=sendonly\r\na=msid:lg%u cam%u\r\na=rtcp-mux\r\na=rtcp-rsize\r\n", participant,
        participant);
    put(o, "a=rtpmap:%u VP8/90000\r\n", pt);
    if (fb)
        put(o, "a=rtcp-fb:%u transport-cc\r\n", pt);
    put(o, "a=rtcp-fb:%u ccm fir\r\n", pt);
    if (fb)
        put(o, "a=rtcp-fb:%u nack\r\n", pt);
    put(o, "a=rtcp-fb:%u nack pli\r\n", pt);
    if (fb)
        put(o, "a=rtpmap:%u rtx/90000\r\na=fmtp:%u apt=%u\r\n", rtx, rtx, pt);
    if (v->n_layers > 1) {
        for (unsigned k = 0; k < v->n_layers; k++)
            put(o, "a=rid:%s send\r\n", lg_video_rid(k, v->n_layers));
        for (unsigned k = 0; k < v->n_layers; k++)
            put(o, "%s%s", k == 0 ? "a=simulcast:send " : ";", lg_video_rid(k, v->n_layers));
        put(o, "\r\n");
        return;
    }
    bool has_rtx = fb && v->rtx_ssrc && v->rtx_ssrc[0] != 0;
    if (has_rtx)
        put(o, "a=ssrc-group:FID %u %u\r\n", v->ssrc[0], v->rtx_ssrc[0]);
    put(o, "a=ssrc:%u cname:lg%u\r\na=ssrc:%u msid:lg%u cam%u\r\n", v->ssrc[0], participant,
        v->ssrc[0], participant, participant);
    if (has_rtx)
        put(o, "a=ssrc:%u cname:lg%u\r\na=ssrc:%u msid:lg%u cam%u\r\n", v->rtx_ssrc[0], participant,
            v->rtx_ssrc[0], participant, participant);
}

int lg_sdp_publish_offer(char *out, size_t cap, const struct lg_peer *p, const char *fp,
                         uint32_t ssrc, uint32_t participant, const struct lg_sdp_video *video,
                         bool feedback)
{
    struct out o = {.p = out, .cap = cap};
    put(&o, "v=0\r\no=- %u 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", participant + 1000u);
    put(&o, "a=group:BUNDLE 0%s\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS lg%u\r\n",
        video ? " " LG_VIDEO_MID : "", participant);
    put(&o, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n");
    creds(&o, p, fp, "actpass");
    put(&o, "a=mid:0\r\n");
    put(&o, "a=extmap:%u %s\r\n", LG_EXT_AUDIO_LEVEL, sdp_ext_uri(SDP_EXT_AUDIO_LEVEL));
    if (feedback)
        put(&o, "a=extmap:%u %s\r\n", LG_EXT_TWCC, sdp_ext_uri(SDP_EXT_TWCC));
    put(&o, "a=extmap:%u %s\r\n", LG_EXT_MID, sdp_ext_uri(SDP_EXT_MID));
    put(&o, "a=sendonly\r\na=msid:lg%u mic%u\r\na=rtcp-mux\r\na=rtcp-rsize\r\n", participant,
        participant);
    put(&o, "a=rtpmap:111 opus/48000/2\r\n");
    if (feedback)
        put(&o, "a=rtcp-fb:111 transport-cc\r\n");
    put(&o, "a=fmtp:111 minptime=10;useinbandfec=1\r\n");
    put(&o, "a=ssrc:%u cname:lg%u\r\na=ssrc:%u msid:lg%u mic%u\r\n", ssrc, participant, ssrc,
        participant, participant);
    if (video)
        video_mline(&o, p, fp, participant, video, feedback);
    return finish(&o);
}

int lg_sdp_subscribe_answer(char *out, size_t cap, const struct sdp_session *offer,
                            const struct lg_peer *p, const char *fp, bool feedback)
{
    struct out o = {.p = out, .cap = cap};
    put(&o, "v=0\r\no=- %llu 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n",
        (unsigned long long)(offer->origin.sess_id + 1));
    put(&o, "a=group:BUNDLE");
    size_t live = 0;
    for (size_t i = 0; i < offer->n_media; i++) {
        const struct sdp_media *m = &offer->media[i];
        if (m->port != 0 && m->n_codecs > 0 && m->mid[0]) {
            put(&o, " %s", m->mid);
            live++;
        }
    }
    put(&o, "\r\n");
    if (offer->extmap_allow_mixed)
        put(&o, "a=extmap-allow-mixed\r\n");
    put(&o, "a=msid-semantic: WMS\r\n");
    if (live == 0)
        creds(&o, p, fp, "active");
    for (size_t i = 0; i < offer->n_media; i++) {
        const struct sdp_media *m = &offer->media[i];
        if (m->port == 0 || m->n_codecs == 0 || !m->mid[0]) {
            put(&o, "m=%s 0 %s %s\r\nc=IN IP4 0.0.0.0\r\n", m->media_type, m->proto, m->fmt0);
            if (m->mid[0])
                put(&o, "a=mid:%s\r\n", m->mid);
            put(&o, "a=inactive\r\n");
            continue;
        }
        const struct sdp_codec *c = &m->codecs[0];
        int rtx = feedback ? sdp_find_rtx(m, c->pt) : -1;
        put(&o, "m=%s 9 %s %u", m->media_type, m->proto, (unsigned)c->pt);
        if (rtx >= 0)
            put(&o, " %d", rtx);
        put(&o, "\r\nc=IN IP4 0.0.0.0\r\n");
        creds(&o, p, fp, "active");
        put(&o, "a=mid:%s\r\n", m->mid);
        for (size_t k = 0; k < m->n_extmaps; k++)
            if (feedback || m->extmaps[k].ext != SDP_EXT_TWCC)
                put(&o, "a=extmap:%u %s\r\n", (unsigned)m->extmaps[k].id, m->extmaps[k].uri);
        put(&o, "a=%s\r\na=rtcp-mux\r\n",
            m->dir == SDP_DIR_SENDONLY || m->dir == SDP_DIR_SENDRECV ? "recvonly" : "inactive");
        if (m->rtcp_rsize)
            put(&o, "a=rtcp-rsize\r\n");
        if (c->channels)
            put(&o, "a=rtpmap:%u %s/%u/%u\r\n", (unsigned)c->pt, c->name, (unsigned)c->clock,
                (unsigned)c->channels);
        else
            put(&o, "a=rtpmap:%u %s/%u\r\n", (unsigned)c->pt, c->name, (unsigned)c->clock);
        if (c->has_fmtp)
            put(&o, "a=fmtp:%u %s\r\n", (unsigned)c->pt, c->fmtp);
        if (c->fb & SDP_FB_CCM_FIR)
            put(&o, "a=rtcp-fb:%u ccm fir\r\n", (unsigned)c->pt);
        if (c->fb & SDP_FB_NACK_PLI)
            put(&o, "a=rtcp-fb:%u nack pli\r\n", (unsigned)c->pt);
        if (feedback && (c->fb & SDP_FB_NACK))
            put(&o, "a=rtcp-fb:%u nack\r\n", (unsigned)c->pt);
        if (feedback && (c->fb & SDP_FB_TWCC))
            put(&o, "a=rtcp-fb:%u transport-cc\r\n", (unsigned)c->pt);
        if (rtx >= 0)
            put(&o, "a=rtpmap:%d rtx/%u\r\na=fmtp:%d apt=%u\r\n", rtx, (unsigned)c->clock, rtx,
                (unsigned)c->pt);
    }
    return finish(&o);
}

int lg_sdp_remote(const struct sdp_session *s, struct lg_remote *out)
{
    memset(out, 0, sizeof *out);
    const struct sdp_media *m0 = s->n_media ? &s->media[0] : NULL;
    const char *ufrag = m0 ? m0->ice_ufrag : s->ice_ufrag;
    const char *pwd = m0 ? m0->ice_pwd : s->ice_pwd;
    const struct sdp_fingerprint *fp = m0 ? &m0->fingerprint : &s->fingerprint;
    snprintf(out->ufrag, sizeof out->ufrag, "%s", ufrag);
    snprintf(out->pwd, sizeof out->pwd, "%s", pwd);
    snprintf(out->fp_alg, sizeof out->fp_alg, "%s", fp->alg);
    snprintf(out->fp, sizeof out->fp, "%s", fp->value);
    out->dtls_server = (m0 ? m0->setup : s->setup) == SDP_SETUP_ACTIVE;
    for (size_t i = 0; i < s->n_media; i++) {
        const struct sdp_media *m = &s->media[i];
        for (size_t k = 0; k < m->n_candidates; k++) {
            const struct sdp_candidate *c = &m->candidates[k];
            if (c->transport != SDP_TRANSPORT_UDP || c->component != 1)
                continue;
            if (inet_pton(AF_INET, c->address, &out->addr.sin_addr) != 1)
                continue;
            out->addr.sin_family = AF_INET;
            out->addr.sin_port = htons(c->port);
            return 0;
        }
    }
    return ERR_NOTFOUND;
}

int lg_sdp_publish_remote(const struct sdp_session *answer, struct lg_remote *out,
                          uint8_t *ext_audio_level, uint8_t *ext_mid)
{
    const struct sdp_media *a = answer->n_media ? &answer->media[0] : NULL;
    if (!a || a->port == 0 || a->dir == SDP_DIR_INACTIVE)
        return ERR_PROTO;
    int rc = lg_sdp_remote(answer, out);
    if (rc != 0)
        return rc;
    uint16_t level = sdp_find_ext(a, SDP_EXT_AUDIO_LEVEL), mid = sdp_find_ext(a, SDP_EXT_MID);
    *ext_audio_level = (uint8_t)(level < 15 ? level : 0);
    *ext_mid = (uint8_t)(mid < 15 ? mid : 0);
    return 0;
}

/* The answer takes every layer of our simulcast: a=simulcast:recv has
 * one stream per layer and names each of our rids (alone, not paused). */
static bool takes_layers(const struct sdp_media *v, unsigned n_layers)
{
    if (!v->has_simulcast || v->simulcast.n_recv != n_layers)
        return false;
    for (unsigned i = 0; i < n_layers; i++) {
        bool found = false;
        for (size_t k = 0; k < n_layers && !found; k++) {
            const struct sdp_sim_stream *st = &v->simulcast.recv[k];
            found = st->n_alts == 1 && !st->paused[0] &&
                    strcmp(st->rid[0], lg_video_rid(i, n_layers)) == 0;
        }
        if (!found)
            return false;
    }
    return true;
}

int lg_sdp_publish_video(const struct sdp_session *answer, unsigned n_layers, uint8_t *ext_mid,
                         uint8_t *ext_rid)
{
    const struct sdp_media *v = sdp_find_mid(answer, LG_VIDEO_MID);
    if (!v || v->port == 0 || v->dir == SDP_DIR_INACTIVE)
        return ERR_PROTO;
    uint16_t mid = sdp_find_ext(v, SDP_EXT_MID), rid = sdp_find_ext(v, SDP_EXT_RID);
    if (mid > 14 || rid > 14 || (n_layers > 1 && (rid == 0 || !takes_layers(v, n_layers))))
        return ERR_NOTFOUND;
    *ext_mid = (uint8_t)mid;
    *ext_rid = (uint8_t)rid;
    return 0;
}

static uint8_t ext_id(const struct sdp_media *m, enum sdp_ext e)
{
    uint16_t id = m ? sdp_find_ext(m, e) : 0;
    return (uint8_t)(id < 15 ? id : 0);
}

void lg_sdp_publish_feedback(const struct sdp_session *answer, struct lg_pub_feedback *out)
{
    const struct sdp_media *a = answer->n_media ? &answer->media[0] : NULL;
    const struct sdp_media *v = sdp_find_mid(answer, LG_VIDEO_MID);

    out->ext_twcc = ext_id(a, SDP_EXT_TWCC);
    if (out->ext_twcc == 0)
        out->ext_twcc = ext_id(v, SDP_EXT_TWCC);
    out->ext_rrid = ext_id(v, SDP_EXT_RRID);
    out->rtx_pt = v && v->port != 0 && v->n_codecs ? sdp_find_rtx(v, v->codecs[0].pt) : -1;
}

size_t lg_sdp_subscribe_feedback(const struct sdp_session *offer, uint8_t *ext_twcc,
                                 struct lg_rtx_pair *out, size_t cap)
{
    size_t n = 0;

    *ext_twcc = 0;
    for (size_t i = 0; i < offer->n_media; i++) {
        const struct sdp_media *m = &offer->media[i];
        if (m->port == 0 || m->n_codecs == 0)
            continue;
        if (*ext_twcc == 0)
            *ext_twcc = ext_id(m, SDP_EXT_TWCC);
        if (m->kind != SDP_KIND_VIDEO)
            continue;
        int rtx = sdp_find_rtx(m, m->codecs[0].pt);
        for (size_t g = 0; g < m->n_ssrc_groups && rtx >= 0 && n < cap; g++) {
            const struct sdp_ssrc_group *sg = &m->ssrc_groups[g];
            if (strcmp(sg->semantics, "FID") != 0 || sg->n_ssrcs != 2)
                continue;
            out[n++] = (struct lg_rtx_pair){.ssrc = sg->ssrcs[0],
                                            .rtx_ssrc = sg->ssrcs[1],
                                            .pt = m->codecs[0].pt,
                                            .rtx_pt = (uint8_t)rtx};
        }
    }
    return n;
}
