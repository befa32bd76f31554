/* SDP parser: media-level attributes (rtpmap, fmtp, rtcp-fb, extmap, ssrc,
 * ssrc-group, msid, rid, simulcast, candidate) and a=fingerprint. */
#include <string.h>

#include "base/err.h"
#include "signaling/sdp.h"
#include "signaling/sdp_int.h"

#define SHOW(s) (int)((s).n > 32 ? 32 : (s).n), (s).p /* for "%.*s" */

/* ---- names ---- */

static const char *const ext_uris[SDP_EXT_COUNT] = {
    [SDP_EXT_OTHER] = "",
    [SDP_EXT_MID] = "urn:ietf:params:rtp-hdrext:sdes:mid",
    [SDP_EXT_RID] = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
    [SDP_EXT_RRID] = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
    [SDP_EXT_AUDIO_LEVEL] = "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    [SDP_EXT_ABS_SEND_TIME] = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    [SDP_EXT_TWCC] = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    [SDP_EXT_VIDEO_ORIENTATION] = "urn:3gpp:video-orientation",
};

const char *sdp_ext_uri(enum sdp_ext ext)
{
    if ((unsigned)ext >= SDP_EXT_COUNT)
        return "";
    return ext_uris[ext];
}

static enum sdp_ext ext_from_uri(struct sdp_str uri)
{
    for (int e = SDP_EXT_OTHER + 1; e < SDP_EXT_COUNT; e++)
        if (sdp_str_eq(uri, ext_uris[e]))
            return (enum sdp_ext)e;
    return SDP_EXT_OTHER;
}

static const char *const codec_names[] = {
    [SDP_CODEC_OTHER] = "",  [SDP_CODEC_OPUS] = "opus", [SDP_CODEC_VP8] = "VP8",
    [SDP_CODEC_VP9] = "VP9", [SDP_CODEC_H264] = "H264", [SDP_CODEC_AV1] = "AV1",
    [SDP_CODEC_RTX] = "rtx", [SDP_CODEC_RED] = "red",   [SDP_CODEC_ULPFEC] = "ulpfec",
};

const char *sdp_codec_str(enum sdp_codec_id id)
{
    if ((unsigned)id >= sizeof codec_names / sizeof codec_names[0])
        return "";
    return codec_names[id];
}

static enum sdp_codec_id codec_from_name(struct sdp_str name)
{
    for (size_t i = 1; i < sizeof codec_names / sizeof codec_names[0]; i++)
        if (sdp_str_ieq(name, codec_names[i]))
            return (enum sdp_codec_id)i;
    return SDP_CODEC_OTHER;
}

/* ---- helpers ---- */

static struct sdp_codec *find_codec(struct sdp_media *m, uint32_t pt)
{
    for (size_t i = 0; i < m->n_codecs; i++)
        if (m->codecs[i].pt == pt)
            return &m->codecs[i];
    return NULL;
}

static int parse_pt(struct sdp_parser *ps, struct sdp_str s, uint32_t *pt)
{
    if (!sdp_str_u32(s, 127, pt))
        return sdp_fail(ps, ERR_PARSE, "payload type '%.*s' is not a number from 0 to 127",
                        SHOW(s));
    return 0;
}

static bool hex_val(char c, unsigned *v)
{
    if (c >= '0' && c <= '9')
        *v = (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
        *v = (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
        *v = (unsigned)(c - 'A' + 10);
    else
        return false;
    return true;
}

/* ---- a=rtpmap:<pt> <name>/<clock>[/<channels>] ---- */

int sdp_attr_rtpmap(struct sdp_parser *ps, struct sdp_str v)
{
    struct sdp_str pt_s, enc, name, clock, ch, extra;
    uint32_t pt, u;
    int rc;

    if (!sdp_str_next(&v, ' ', &pt_s) || !sdp_str_next(&v, ' ', &enc))
        return sdp_fail(ps, ERR_PARSE, "expected: payload-type encoding/clock[/channels]");
    if ((rc = parse_pt(ps, pt_s, &pt)) != 0)
        return rc;
    struct sdp_codec *c = find_codec(ps->m, pt);
    if (!sdp_str_next(&enc, '/', &name) || !sdp_str_next(&enc, '/', &clock))
        return sdp_fail(ps, ERR_PARSE, "clock rate missing: expected encoding/clock[/channels]");
    if (!sdp_is_token(name))
        return sdp_fail(ps, ERR_PARSE, "encoding name is not a token");
    if (!sdp_str_u32(clock, UINT32_MAX, &u) || u == 0)
        return sdp_fail(ps, ERR_PARSE, "clock rate '%.*s' is not a positive number", SHOW(clock));
    uint32_t clock_hz = u, channels = 0;
    if (sdp_str_next(&enc, '/', &ch)) {
        if (!sdp_str_u32(ch, 255, &channels) || channels == 0)
            return sdp_fail(ps, ERR_PARSE, "channels '%.*s' is not a number from 1 to 255",
                            SHOW(ch));
        if (sdp_str_next(&enc, '/', &extra))
            return sdp_fail(ps, ERR_PARSE, "extra field after channels");
    }
    if (c == NULL)
        return 0; /* not in the m= line: ignored */
    if (c->has_rtpmap)
        return sdp_fail(ps, ERR_PARSE, "payload type %u mapped twice", (unsigned)pt);
    c->clock = clock_hz;
    c->channels = (uint8_t)channels;
    if ((rc = SDP_COPY(ps, c->name, name, "encoding name")) != 0)
        return rc;
    c->has_rtpmap = true;
    c->id = codec_from_name(name);
    return 0;
}

/* ---- a=fmtp:<pt> <params> ---- */

static int fmtp_int(struct sdp_parser *ps, struct sdp_str key, struct sdp_str val, uint32_t max,
                    int *dst)
{
    uint32_t u;

    if (!sdp_str_u32(val, max, &u))
        return sdp_fail(ps, ERR_PARSE, "%.*s=%.*s is not a number from 0 to %u", SHOW(key),
                        SHOW(val), (unsigned)max);
    *dst = (int)u;
    return 0;
}

static int fmtp_param(struct sdp_parser *ps, struct sdp_codec *c, struct sdp_str kv)
{
    const char *eq = memchr(kv.p, '=', kv.n);
    unsigned h;

    if (eq == NULL)
        return 0; /* e.g. telephone-event "0-15", red "111/111" */
    struct sdp_str key = sdp_str_trim(sdp_str_make(kv.p, (size_t)(eq - kv.p)));
    struct sdp_str val = sdp_str_trim(sdp_str_make(eq + 1, kv.n - (size_t)(eq - kv.p) - 1));

    if (sdp_str_ieq(key, "apt"))
        return fmtp_int(ps, key, val, 127, &c->apt);
    if (sdp_str_ieq(key, "packetization-mode"))
        return fmtp_int(ps, key, val, 2, &c->packetization_mode);
    if (sdp_str_ieq(key, "level-asymmetry-allowed"))
        return fmtp_int(ps, key, val, 1, &c->level_asymmetry_allowed);
    if (sdp_str_ieq(key, "useinbandfec"))
        return fmtp_int(ps, key, val, 1, &c->useinbandfec);
    if (sdp_str_ieq(key, "usedtx"))
        return fmtp_int(ps, key, val, 1, &c->usedtx);
    if (sdp_str_ieq(key, "stereo"))
        return fmtp_int(ps, key, val, 1, &c->stereo);
    if (sdp_str_ieq(key, "minptime"))
        return fmtp_int(ps, key, val, 1000, &c->minptime);
    if (sdp_str_ieq(key, "profile-level-id")) {
        int32_t plid = 0;
        if (val.n != 6)
            return sdp_fail(ps, ERR_PARSE, "profile-level-id=%.*s is not 6 hex digits", SHOW(val));
        for (size_t i = 0; i < 6; i++) {
            if (!hex_val(val.p[i], &h))
                return sdp_fail(ps, ERR_PARSE, "profile-level-id=%.*s is not 6 hex digits",
                                SHOW(val));
            plid = plid << 4 | (int32_t)h;
        }
        c->profile_level_id = plid;
    }
    return 0;
}

int sdp_attr_fmtp(struct sdp_parser *ps, struct sdp_str v)
{
    struct sdp_str pt_s, kv;
    uint32_t pt;
    int rc;

    if (!sdp_str_next(&v, ' ', &pt_s))
        return sdp_fail(ps, ERR_PARSE, "expected: payload-type parameters");
    if ((rc = parse_pt(ps, pt_s, &pt)) != 0)
        return rc;
    struct sdp_codec *c = find_codec(ps->m, pt);
    if (c == NULL)
        return 0;
    if (c->has_fmtp)
        return sdp_fail(ps, ERR_PARSE, "a second a=fmtp for payload type %u", (unsigned)pt);
    v = sdp_str_trim(v);
    if ((rc = SDP_COPY(ps, c->fmtp, v, "fmtp parameters")) != 0)
        return rc;
    c->has_fmtp = true;
    while (sdp_str_next(&v, ';', &kv))
        if ((rc = fmtp_param(ps, c, kv)) != 0)
            return rc;
    return 0;
}

/* ---- a=rtcp-fb:<pt|*> <type> [<subtype>] ---- */

int sdp_attr_rtcp_fb(struct sdp_parser *ps, struct sdp_str v)
{
    struct sdp_str pt_s, type, sub = {v.p, 0};
    uint32_t pt, bit = 0;
    int rc;

    if (!sdp_str_next(&v, ' ', &pt_s) || !sdp_str_next(&v, ' ', &type))
        return sdp_fail(ps, ERR_PARSE, "expected: payload-type|* type [subtype]");
    bool has_sub = sdp_str_next(&v, ' ', &sub);
    if (sdp_str_eq(type, "nack"))
        bit = !has_sub ? SDP_FB_NACK : sdp_str_eq(sub, "pli") ? SDP_FB_NACK_PLI : 0;
    else if (sdp_str_eq(type, "ccm") && has_sub && sdp_str_eq(sub, "fir"))
        bit = SDP_FB_CCM_FIR;
    else if (sdp_str_eq(type, "goog-remb") && !has_sub)
        bit = SDP_FB_GOOG_REMB;
    else if (sdp_str_eq(type, "transport-cc") && !has_sub)
        bit = SDP_FB_TWCC;
    if (sdp_str_eq(pt_s, "*")) {
        ps->m->fb_all |= bit;
        return 0;
    }
    if ((rc = parse_pt(ps, pt_s, &pt)) != 0)
        return rc;
    struct sdp_codec *c = find_codec(ps->m, pt);
    if (c != NULL)
        c->fb |= bit;
    return 0;
}

/* ---- a=extmap:<id>[/<direction>] <uri> [<attributes>] ---- */

int sdp_attr_extmap(struct sdp_parser *ps, struct sdp_str v)
{
    struct sdp_media *m = ps->m;
    struct sdp_str idtok, id_s, dir_s, uri;
    uint32_t id;
    int rc;

    if (!sdp_str_next(&v, ' ', &idtok) || !sdp_str_next(&v, ' ', &uri))
        return sdp_fail(ps, ERR_PARSE, "expected: id[/direction] uri");
    sdp_str_next(&idtok, '/', &id_s);
    if (!sdp_str_u32(id_s, 255, &id) || id == 0 || id == 15)
        return sdp_fail(ps, ERR_PARSE, "extension id '%.*s' is not 1-14 or 16-255", SHOW(id_s));
    if (m->n_extmaps == SDP_MAX_EXTMAPS)
        return sdp_fail(ps, ERR_TOOBIG, "more than %d a=extmap in one m-line", SDP_MAX_EXTMAPS);
    if (ps->s->n_extmap_pool == SDP_MAX_EXTMAPS_TOTAL)
        return sdp_fail(ps, ERR_TOOBIG, "more than %d a=extmap in all m-lines",
                        SDP_MAX_EXTMAPS_TOTAL);
    for (size_t i = 0; i < m->n_extmaps; i++)
        if (m->extmaps[i].id == id)
            return sdp_fail(ps, ERR_PARSE, "extension id %u used twice", (unsigned)id);
    struct sdp_extmap *e = &m->extmaps[m->n_extmaps];
    memset(e, 0, sizeof *e);
    e->id = (uint16_t)id;
    if (sdp_str_next(&idtok, '/', &dir_s)) {
        if (sdp_str_eq(dir_s, "sendrecv"))
            e->dir = SDP_DIR_SENDRECV;
        else if (sdp_str_eq(dir_s, "sendonly"))
            e->dir = SDP_DIR_SENDONLY;
        else if (sdp_str_eq(dir_s, "recvonly"))
            e->dir = SDP_DIR_RECVONLY;
        else if (sdp_str_eq(dir_s, "inactive"))
            e->dir = SDP_DIR_INACTIVE;
        else
            return sdp_fail(ps, ERR_PARSE, "extension direction '%.*s' is not valid", SHOW(dir_s));
    }
    if ((rc = SDP_COPY(ps, e->uri, uri, "extension URI")) != 0)
        return rc;
    e->ext = ext_from_uri(uri);
    m->n_extmaps++;
    ps->s->n_extmap_pool++;
    return 0;
}

/* ---- a=ssrc:<ssrc> <attribute>[:<value>] ---- */

static int ids_pair(struct sdp_parser *ps, struct sdp_str v, char *stream, char *track, size_t cap)
{
    struct sdp_str a, b = {v.p, 0};
    int rc;

    if (!sdp_str_next(&v, ' ', &a) || !sdp_is_token(a))
        return sdp_fail(ps, ERR_PARSE, "msid: stream id missing or not a token");
    if (sdp_str_next(&v, ' ', &b) && !sdp_is_token(b))
        return sdp_fail(ps, ERR_PARSE, "msid: track id is not a token");
    if ((rc = sdp_copy(ps, stream, cap, a, "msid stream id")) != 0)
        return rc;
    return sdp_copy(ps, track, cap, b, "msid track id");
}

int sdp_attr_ssrc(struct sdp_parser *ps, struct sdp_str v)
{
    struct sdp_media *m = ps->m;
    struct sdp_str id_s;
    uint32_t id;
    struct sdp_ssrc *e = NULL;

    if (!sdp_str_next(&v, ' ', &id_s) || !sdp_str_u32(id_s, UINT32_MAX, &id))
        return sdp_fail(ps, ERR_PARSE, "SSRC is not a 32-bit number");
    for (size_t i = 0; i < m->n_ssrcs && e == NULL; i++)
        if (m->ssrcs[i].ssrc == id)
            e = &m->ssrcs[i];
    if (e == NULL) {
        if (m->n_ssrcs == SDP_MAX_SSRCS)
            return sdp_fail(ps, ERR_TOOBIG, "more than %d SSRCs in one m-line", SDP_MAX_SSRCS);
        if (ps->s->n_ssrc_pool == SDP_MAX_SSRCS_TOTAL)
            return sdp_fail(ps, ERR_TOOBIG, "more than %d SSRCs in all m-lines",
                            SDP_MAX_SSRCS_TOTAL);
        e = &m->ssrcs[m->n_ssrcs++];
        ps->s->n_ssrc_pool++;
        memset(e, 0, sizeof *e);
        e->ssrc = id;
    }
    v = sdp_str_trim(v);
    const char *colon = memchr(v.p, ':', v.n);
    if (colon == NULL)
        return 0;
    struct sdp_str name = sdp_str_make(v.p, (size_t)(colon - v.p));
    struct sdp_str val = sdp_str_trim(sdp_str_make(colon + 1, v.n - name.n - 1));
    if (sdp_str_eq(name, "cname")) {
        if (val.n == 0 || memchr(val.p, ' ', val.n) != NULL)
            return sdp_fail(ps, ERR_PARSE, "cname is empty or has a space");
        return SDP_COPY(ps, e->cname, val, "cname");
    }
    if (sdp_str_eq(name, "msid"))
        return ids_pair(ps, val, e->msid_stream, e->msid_track, sizeof e->msid_stream);
    return 0; /* label, mslabel, ... */
}

/* ---- a=ssrc-group:<semantics> <ssrc>... ---- */

int sdp_attr_ssrc_group(struct sdp_parser *ps, struct sdp_str v)
{
    struct sdp_media *m = ps->m;
    struct sdp_str sem, id_s;
    uint32_t id;
    int rc;

    if (!sdp_str_next(&v, ' ', &sem) || !sdp_is_token(sem))
        return sdp_fail(ps, ERR_PARSE, "no semantics token");
    if (m->n_ssrc_groups == SDP_MAX_SSRC_GROUPS)
        return sdp_fail(ps, ERR_TOOBIG, "more than %d SSRC groups in one m-line",
                        SDP_MAX_SSRC_GROUPS);
    struct sdp_ssrc_group *g = &m->ssrc_groups[m->n_ssrc_groups];
    memset(g, 0, sizeof *g);
    if ((rc = SDP_COPY(ps, g->semantics, sem, "semantics")) != 0)
        return rc;
    while (sdp_str_next(&v, ' ', &id_s)) {
        if (!sdp_str_u32(id_s, UINT32_MAX, &id))
            return sdp_fail(ps, ERR_PARSE, "SSRC '%.*s' is not a 32-bit number", SHOW(id_s));
        if (g->n_ssrcs == SDP_MAX_GROUP_SSRCS)
            return sdp_fail(ps, ERR_TOOBIG, "more than %d SSRCs in one group", SDP_MAX_GROUP_SSRCS);
        g->ssrcs[g->n_ssrcs++] = id;
    }
    if (g->n_ssrcs == 0)
        return sdp_fail(ps, ERR_PARSE, "group without SSRCs");
    m->n_ssrc_groups++;
    return 0;
}

/* ---- a=msid:<stream> [<track>] ---- */

int sdp_attr_msid(struct sdp_parser *ps, struct sdp_str v)
{
    struct sdp_media *m = ps->m;

    if (m->has_msid)
        return 0; /* a track in several streams: the first is kept */
    m->has_msid = true;
    return ids_pair(ps, v, m->msid_stream, m->msid_track, sizeof m->msid_stream);
}

/* ---- a=rid:<id> send|recv [pt=..;max-width=..;...] ---- */

static int rid_params(struct sdp_parser *ps, struct sdp_rid *r, struct sdp_str v)
{
    struct sdp_str kv, pt_s;
    uint32_t u;
    int rc;

    while (sdp_str_next(&v, ';', &kv)) {
        const char *eq = memchr(kv.p, '=', kv.n);
        if (eq == NULL)
            continue;
        size_t klen = (size_t)(eq - kv.p);
        struct sdp_str key = sdp_str_trim(sdp_str_make(kv.p, klen));
        struct sdp_str val = sdp_str_trim(sdp_str_make(eq + 1, kv.n - klen - 1));
        uint32_t *dst = NULL;
        if (sdp_str_eq(key, "pt")) {
            while (sdp_str_next(&val, ',', &pt_s)) {
                if ((rc = parse_pt(ps, sdp_str_trim(pt_s), &u)) != 0)
                    return rc;
                if (r->n_pts == SDP_MAX_RID_PTS)
                    return sdp_fail(ps, ERR_TOOBIG, "more than %d payload types", SDP_MAX_RID_PTS);
                r->pts[r->n_pts++] = (uint8_t)u;
            }
            continue;
        }
        if (sdp_str_eq(key, "max-width"))
            dst = &r->max_width;
        else if (sdp_str_eq(key, "max-height"))
            dst = &r->max_height;
        else if (sdp_str_eq(key, "max-fps"))
            dst = &r->max_fps;
        else if (sdp_str_eq(key, "max-br"))
            dst = &r->max_br;
        if (dst == NULL)
            continue;
        /* max-fps may have a fraction: keep the integer part. */
        const char *dot = memchr(val.p, '.', val.n);
        if (dot != NULL && dst == &r->max_fps)
            val.n = (size_t)(dot - val.p);
        if (!sdp_str_u32(val, UINT32_MAX, dst))
            return sdp_fail(ps, ERR_PARSE, "%.*s=%.*s is not a number", SHOW(key), SHOW(val));
    }
    return 0;
}

int sdp_attr_rid(struct sdp_parser *ps, struct sdp_str v)
{
    struct sdp_media *m = ps->m;
    struct sdp_str id, dir;
    int rc;

    if (!sdp_str_next(&v, ' ', &id) || !sdp_str_next(&v, ' ', &dir))
        return sdp_fail(ps, ERR_PARSE, "expected: id send|recv [parameters]");
    if (!sdp_is_rid_id(id))
        return sdp_fail(ps, ERR_PARSE, "rid id may only have letters, digits, - and _");
    for (size_t i = 0; i < m->n_rids; i++)
        if (sdp_str_eq(id, m->rids[i].id))
            return sdp_fail(ps, ERR_PARSE, "rid '%.*s' defined twice", SHOW(id));
    if (m->n_rids == SDP_MAX_RIDS)
        return sdp_fail(ps, ERR_TOOBIG, "more than %d rids in one m-line", SDP_MAX_RIDS);
    struct sdp_rid *r = &m->rids[m->n_rids];
    memset(r, 0, sizeof *r);
    if ((rc = SDP_COPY(ps, r->id, id, "rid id")) != 0)
        return rc;
    if (sdp_str_eq(dir, "send"))
        r->dir = SDP_RID_SEND;
    else if (sdp_str_eq(dir, "recv"))
        r->dir = SDP_RID_RECV;
    else
        return sdp_fail(ps, ERR_PARSE, "rid direction must be send or recv");
    v = sdp_str_trim(v);
    if ((rc = SDP_COPY(ps, r->params, v, "rid parameters")) != 0)
        return rc;
    if ((rc = rid_params(ps, r, v)) != 0)
        return rc;
    m->n_rids++;
    return 0;
}

/* ---- a=simulcast:send q;h;f recv a,b;~c ---- */

static int sim_list(struct sdp_parser *ps, struct sdp_str list, struct sdp_sim_stream *streams,
                    size_t *n_streams)
{
    struct sdp_str stream, alt;
    int rc;

    if (list.n > 4 && memcmp(list.p, "rid=", 4) == 0) /* draft-ietf-mmusic-sdp-simulcast-10 */
        list = sdp_str_make(list.p + 4, list.n - 4);
    while (sdp_str_next(&list, ';', &stream)) {
        if (*n_streams == SDP_MAX_RIDS)
            return sdp_fail(ps, ERR_TOOBIG, "more than %d simulcast streams", SDP_MAX_RIDS);
        struct sdp_sim_stream *st = &streams[*n_streams];
        memset(st, 0, sizeof *st);
        while (sdp_str_next(&stream, ',', &alt)) {
            bool paused = alt.n > 0 && alt.p[0] == '~';
            if (paused)
                alt = sdp_str_make(alt.p + 1, alt.n - 1);
            if (!sdp_is_rid_id(alt))
                return sdp_fail(ps, ERR_PARSE, "simulcast rid '%.*s' is not a rid id", SHOW(alt));
            if (st->n_alts == SDP_MAX_SIM_ALTS)
                return sdp_fail(ps, ERR_TOOBIG, "more than %d alternatives in a simulcast stream",
                                SDP_MAX_SIM_ALTS);
            if ((rc = SDP_COPY(ps, st->rid[st->n_alts], alt, "rid id")) != 0)
                return rc;
            st->paused[st->n_alts++] = paused;
        }
        if (st->n_alts > 0)
            (*n_streams)++;
    }
    if (*n_streams == 0)
        return sdp_fail(ps, ERR_PARSE, "empty simulcast stream list");
    return 0;
}

int sdp_attr_simulcast(struct sdp_parser *ps, struct sdp_str v)
{
    struct sdp_simulcast *sc = &ps->m->simulcast;
    struct sdp_str dir, list;
    bool seen_send = false, seen_recv = false;
    int rc;

    if (ps->m->has_simulcast)
        return sdp_fail(ps, ERR_PARSE, "a second a=simulcast in one m-line");
    memset(sc, 0, sizeof *sc);
    while (sdp_str_next(&v, ' ', &dir)) {
        if (!sdp_str_next(&v, ' ', &list))
            return sdp_fail(ps, ERR_PARSE, "direction '%.*s' without a rid list", SHOW(dir));
        if (sdp_str_eq(dir, "send") && !seen_send) {
            seen_send = true;
            rc = sim_list(ps, list, sc->send, &sc->n_send);
        } else if (sdp_str_eq(dir, "recv") && !seen_recv) {
            seen_recv = true;
            rc = sim_list(ps, list, sc->recv, &sc->n_recv);
        } else {
            return sdp_fail(ps, ERR_PARSE, "expected send or recv (once each), not '%.*s'",
                            SHOW(dir));
        }
        if (rc != 0)
            return rc;
    }
    if (!seen_send && !seen_recv)
        return sdp_fail(ps, ERR_PARSE, "expected: send|recv rid-list");
    ps->m->has_simulcast = true;
    return 0;
}

/* ---- a=candidate:<foundation> <component> <transport> <priority>
 *      <address> <port> typ <type> [<name> <value>]... ---- */

static bool addr_chars_ok(struct sdp_str a)
{
    if (a.n == 0)
        return false;
    for (size_t i = 0; i < a.n; i++) {
        char c = a.p[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '.' || c == ':' || c == '-' || c == '_'))
            return false;
    }
    return true;
}

int sdp_attr_candidate(struct sdp_parser *ps, struct sdp_str v)
{
    struct sdp_media *m = ps->m;
    struct sdp_candidate c;
    struct sdp_str f, comp, tr, prio, addr, port, typ, type, name, val;
    uint32_t u;
    int rc;

    memset(&c, 0, sizeof c);
    if (!sdp_str_next(&v, ' ', &f) || !sdp_str_next(&v, ' ', &comp) ||
        !sdp_str_next(&v, ' ', &tr) || !sdp_str_next(&v, ' ', &prio) ||
        !sdp_str_next(&v, ' ', &addr) || !sdp_str_next(&v, ' ', &port) ||
        !sdp_str_next(&v, ' ', &typ) || !sdp_str_next(&v, ' ', &type) || !sdp_str_eq(typ, "typ"))
        return sdp_fail(ps, ERR_PARSE,
                        "expected: foundation component transport priority "
                        "address port typ type");
    if (!sdp_is_ice_chars(f))
        return sdp_fail(ps, ERR_PARSE, "foundation is not ice-chars");
    if ((rc = SDP_COPY(ps, c.foundation, f, "foundation")) != 0)
        return rc;
    if (!sdp_str_u32(comp, 256, &u) || u == 0)
        return sdp_fail(ps, ERR_PARSE, "component '%.*s' is not a number from 1 to 256",
                        SHOW(comp));
    c.component = (uint16_t)u;
    if (!sdp_str_u32(prio, UINT32_MAX, &c.priority))
        return sdp_fail(ps, ERR_PARSE, "priority '%.*s' is not a 32-bit number", SHOW(prio));
    if (!addr_chars_ok(addr))
        return sdp_fail(ps, ERR_PARSE, "address is not an IP address or host name");
    if ((rc = SDP_COPY(ps, c.address, addr, "candidate address")) != 0)
        return rc;
    if (!sdp_str_u32(port, 65535, &u))
        return sdp_fail(ps, ERR_PARSE, "port '%.*s' is not a number from 0 to 65535", SHOW(port));
    c.port = (uint16_t)u;
    if (sdp_str_eq(type, "host"))
        c.type = SDP_CAND_HOST;
    else if (sdp_str_eq(type, "srflx"))
        c.type = SDP_CAND_SRFLX;
    else if (sdp_str_eq(type, "prflx"))
        c.type = SDP_CAND_PRFLX;
    else if (sdp_str_eq(type, "relay"))
        c.type = SDP_CAND_RELAY;
    else
        return sdp_fail(ps, ERR_PARSE, "candidate type '%.*s' is not host, srflx, prflx or relay",
                        SHOW(type));
    while (sdp_str_next(&v, ' ', &name)) {
        if (!sdp_str_next(&v, ' ', &val))
            return sdp_fail(ps, ERR_PARSE, "'%.*s' without a value", SHOW(name));
        if (!sdp_str_eq(name, "tcptype"))
            continue; /* raddr, rport, generation, ufrag, network-id, ... */
        if (sdp_str_eq(val, "active"))
            c.tcptype = SDP_TCPTYPE_ACTIVE;
        else if (sdp_str_eq(val, "passive"))
            c.tcptype = SDP_TCPTYPE_PASSIVE;
        else if (sdp_str_eq(val, "so"))
            c.tcptype = SDP_TCPTYPE_SO;
        else
            return sdp_fail(ps, ERR_PARSE, "tcptype must be active, passive or so");
    }
    if (sdp_str_ieq(tr, "udp")) {
        c.transport = SDP_TRANSPORT_UDP;
        c.tcptype = SDP_TCPTYPE_NONE;
    } else if (sdp_str_ieq(tr, "tcp")) {
        c.transport = SDP_TRANSPORT_TCP;
        if (c.tcptype == SDP_TCPTYPE_NONE)
            return sdp_fail(ps, ERR_PARSE, "TCP candidate without tcptype");
    } else {
        m->n_candidates_dropped++; /* unknown transport: ignored (RFC 8839) */
        return 0;
    }
    if (m->n_candidates == SDP_MAX_CANDIDATES ||
        ps->s->n_candidate_pool == SDP_MAX_CANDIDATES_TOTAL) {
        m->n_candidates_dropped++;
        return 0;
    }
    m->candidates[m->n_candidates++] = c;
    ps->s->n_candidate_pool++;
    return 0;
}

/* ---- a=fingerprint:<hash-function> <hex:hex:...> ---- */

size_t sdp_fp_alg_bytes(struct sdp_str alg)
{
    static const struct {
        const char *name;
        size_t bytes;
    } algs[] = {{"sha-1", 20}, {"sha-224", 28}, {"sha-256", 32}, {"sha-384", 48}, {"sha-512", 64}};

    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
        if (sdp_str_ieq(alg, algs[i].name))
            return algs[i].bytes;
    return 0;
}

bool sdp_fp_value_ok(struct sdp_str v, size_t bytes)
{
    unsigned h;

    if (bytes == 0 || v.n != bytes * 3 - 1)
        return false;
    for (size_t i = 0; i < v.n; i++) {
        if (i % 3 == 2) {
            if (v.p[i] != ':')
                return false;
        } else if (!hex_val(v.p[i], &h)) {
            return false;
        }
    }
    return true;
}

int sdp_attr_fingerprint(struct sdp_parser *ps, struct sdp_str v, struct sdp_fingerprint *fp)
{
    struct sdp_str alg, val;

    if (!sdp_str_next(&v, ' ', &alg) || !sdp_str_next(&v, ' ', &val))
        return sdp_fail(ps, ERR_PARSE, "expected: hash-function fingerprint");
    size_t bytes = sdp_fp_alg_bytes(alg);
    if (bytes == 0)
        return sdp_fail(ps, ERR_PARSE, "hash function '%.*s' is not sha-1, -224, -256, -384, -512",
                        SHOW(alg));
    if (!sdp_fp_value_ok(val, bytes))
        return sdp_fail(ps, ERR_PARSE, "fingerprint is not %zu hex pairs separated by ':'", bytes);
    /* Several lines: keep sha-256 if there is one, else the first. */
    if (fp->alg[0] != '\0' && (strcmp(fp->alg, "sha-256") == 0 || !sdp_str_ieq(alg, "sha-256")))
        return 0;
    for (size_t i = 0; i < alg.n; i++)
        fp->alg[i] = (alg.p[i] >= 'A' && alg.p[i] <= 'Z') ? (char)(alg.p[i] - 'A' + 'a') : alg.p[i];
    fp->alg[alg.n] = '\0';
    for (size_t i = 0; i < val.n; i++)
        fp->value[i] =
            (val.p[i] >= 'a' && val.p[i] <= 'f') ? (char)(val.p[i] - 'a' + 'A') : val.p[i];
    fp->value[val.n] = '\0';
    return 0;
}
