/* Phone calls on a media worker: each call's RTP leg on its own UDP port
 * pair, its jitter buffer, decoder and encoders, prompts, and the room's
 * mixer, all on the 20 ms clock of that mixer. See media.h for the model.
 *
 * Mixer ids in a room: a browser microphone's producer id is its Opus
 * source (media_mix_source); a call's PCM source and its sink are
 * MEDIA_MIX_CONSUMER_BASE + its voice producer id. Producer ids are unique
 * in a room and below that base, so these never collide. */
#define LOG_MODULE "phone"
#include "media/engine.h"
#include "media/media_int.h"
#include "media/audio_codec.h"
#include "media/jitter.h"
#include "media/mixer.h"
#include "media/phone_leg.h"
#include "media/rd.h"
#include "media/resample.h"
#include "media/rtp.h"
#include "media/tone.h"
#include "base/err.h"
#include "base/log.h"

#include <arpa/inet.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PHONE_VOICE_PT 111
#define PHONE_LEVEL_EXT_ID 1
#define PHONE_VOICE_HDR 20 /* 12-byte RTP header + a one-byte extension block of 8 */
#define PHONE_RTCP_MAX 512
#define PHONE_CNAME "samtale"

struct prompt_play {
    unsigned idx;
    bool loop;
};

struct mphone {
    struct mphone *next;
    struct mroom *room;
    uint32_t timer; /* its entry in the engine's timer heap */
    uint64_t session;
    uint32_t producer, voice_ssrc;
    enum audio_codec_kind codec;
    unsigned rate;       /* PCM rate of the codec */
    size_t frame;        /* samples of 20 ms at that rate */
    int rtp_id, rtcp_id; /* worker_udp sockets, -1 = none */
    struct phone_leg *leg;
    struct jitter *jb;
    struct audio_dec *dec;
    struct audio_enc *enc;  /* what the caller hears, in its codec */
    struct audio_enc *opus; /* the caller's voice, for the router */
    struct resample *up;    /* codec rate to 48 kHz */
    struct resample *prs;   /* prompt rate to codec rate */
    unsigned prs_rate;
    enum media_phone_mode mode;
    bool hold, silent_reported, producer_added, source_added, sink_added;
    int64_t last_rx_us, silent_us;
    /* prompts: the one playing and those waiting */
    bool playing;
    struct prompt_play cur;
    size_t pos;
    struct prompt_play queue[MEDIA_PHONE_QUEUE];
    size_t q_n;
    bool tone; /* the muted cue is playing */
    size_t tone_pos;
    /* the voice's RTP towards the router */
    uint16_t voice_seq;
    uint32_t voice_ts;
    bool voice_sent;
    /* what is already in the engine's counters */
    struct phone_leg_stats leg_counted;
    uint64_t late_counted, lost_counted;
};

/* The call's PCM source and sink in the room's mixer. */
static uint32_t mix_id(const struct mphone *p)
{
    /* A call in room 0 (not in a meeting yet) has no producer: its
     * session id keeps it apart from the others there. */
    return MEDIA_MIX_CONSUMER_BASE +
           (p->producer ? p->producer : (uint32_t)(p->session % MEDIA_MIX_CONSUMER_BASE));
}

static void add(_Atomic uint64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static struct mphone *phone_find(struct engine *e, uint64_t session)
{
    for (struct mroom *r = e->rooms; r; r = r->next)
        for (struct mphone *p = r->phones; p; p = p->next)
            if (p->session == session)
                return p;
    return NULL;
}

static void push(struct engine *e, struct mphone *p, enum media_event_kind kind, char digit,
                 unsigned prompt)
{
    struct media_event ev = {
        .kind = kind,
        .session = p->session,
        .room = p->room->id,
        .producer = p->producer,
        .digit = digit,
        .prompt = prompt,
    };
    media_push(e->m, &ev);
}

/* Moves the call's growth since the last look into the engine's counters. */
static void count_phone(struct engine *e, struct mphone *p)
{
    struct phone_leg_stats st;
    struct jitter_stats js;
    phone_leg_get_stats(p->leg, &st);
    add(&e->c.phone_rtp_in, st.rtp_in - p->leg_counted.rtp_in);
    add(&e->c.phone_rtp_out, st.rtp_out - p->leg_counted.rtp_out);
    add(&e->c.phone_foreign, st.foreign - p->leg_counted.foreign);
    p->leg_counted = st;
    jitter_get_stats(p->jb, &js);
    add(&e->c.phone_jitter_late, js.late - p->late_counted);
    add(&e->c.phone_jitter_lost, js.lost - p->lost_counted);
    p->late_counted = js.late;
    p->lost_counted = js.lost;
}

static void count_mixer(struct engine *e, struct mroom *room)
{
    struct mixer_stats ms;
    if (!room->mixer)
        return;
    mixer_get_stats(room->mixer, &ms);
    add(&e->c.phone_jitter_late, ms.late - room->mix_late);
    add(&e->c.phone_jitter_lost, ms.lost - room->mix_lost);
    room->mix_late = ms.late;
    room->mix_lost = ms.lost;
}

/* The call's next deadline: its leg's (DTMF, RTCP), and while it is not
 * on hold and its silence is not reported yet, the end of the silence it
 * may keep. */
static int64_t phone_next_deadline(const struct mphone *p)
{
    int64_t d = phone_leg_next_deadline(p->leg);
    if (!p->hold && !p->silent_reported && p->last_rx_us + p->silent_us < d)
        d = p->last_rx_us + p->silent_us;
    return d;
}

static void phone_rearm(struct engine *e, struct mphone *p)
{
    engine_timer_set(e, p->timer, phone_next_deadline(p));
}

static void phone_free(struct engine *e, struct mphone *p)
{
    struct mroom *room = p->room;
    for (struct mphone **pp = &room->phones; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    }
    theap_del(e->timers, p->timer);
    if (p->leg && p->jb)
        count_phone(e, p);
    if (p->producer_added) {
        (void)router_remove_producer(room->router, p->producer);
        engine_room_drain(room, worker_clock_us());
    }
    if (p->source_added)
        mixer_remove_source(room->mixer, mix_id(p));
    if (p->sink_added)
        mixer_remove_sink(room->mixer, mix_id(p));
    if (p->rtp_id >= 0)
        (void)worker_udp_close(e->w, p->rtp_id);
    if (p->rtcp_id >= 0)
        (void)worker_udp_close(e->w, p->rtcp_id);
    phone_leg_destroy(p->leg);
    jitter_destroy(p->jb);
    audio_dec_destroy(p->dec);
    audio_enc_destroy(p->enc);
    audio_enc_destroy(p->opus);
    resample_destroy(p->up);
    resample_destroy(p->prs);
    atomic_fetch_sub_explicit(&e->c.phone_calls, 1, memory_order_relaxed);
    free(p);
}

static int to_sockaddr(const char *text, uint16_t port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (text[0] == '\0' || port == 0) {
        ss->ss_family = AF_UNSPEC;
        return 0;
    }
    if (inet_pton(AF_INET, text, &a4->sin_addr) == 1) {
        if (a4->sin_addr.s_addr == 0) { /* c=IN IP4 0.0.0.0: no address (old-style hold) */
            ss->ss_family = AF_UNSPEC;
            return 0;
        }
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        return 0;
    }
    if (inet_pton(AF_INET6, text, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        return 0;
    }
    return ERR_INVAL;
}

static int mixer_get(struct engine *e, struct mroom *room)
{
    if (room->mixer)
        return 0;
    int rc = mixer_create(&room->mixer, worker_clock_us());
    (void)e;
    return rc;
}

static int phone_setup(struct engine *e, struct mphone *p, const struct media_phone_params *pp)
{
    struct mroom *room = p->room;
    struct sockaddr_storage rtp, rtcp;
    int rc;
    if ((rc = worker_udp_open(e->w, pp->bind_addr, pp->rtp_port, pp->session, &p->rtp_id)) < 0 ||
        (rc = worker_udp_open(e->w, pp->bind_addr, (uint16_t)(pp->rtp_port + 1), pp->session,
                              &p->rtcp_id)) < 0)
        return rc;
    uint16_t rtcp_port = pp->remote_rtcp_port ? pp->remote_rtcp_port
                         : pp->remote_port    ? (uint16_t)(pp->remote_port + 1)
                                              : 0;
    if (to_sockaddr(pp->remote_addr, pp->remote_port, &rtp) < 0 ||
        to_sockaddr(pp->remote_addr, rtcp_port, &rtcp) < 0)
        return ERR_INVAL;
    struct phone_leg_cfg lc = {
        .codec = pp->codec,
        .pt = pp->pt,
        .dtmf_pt = pp->dtmf_pt,
        .remote_rtp = rtp,
        .remote_rtcp = rtcp,
        .now_us = worker_clock_us(),
    };
    memcpy(lc.cname, PHONE_CNAME, sizeof PHONE_CNAME);
    if (RAND_bytes((unsigned char *)&lc.ssrc, sizeof lc.ssrc) != 1 ||
        RAND_bytes((unsigned char *)&p->voice_seq, sizeof p->voice_seq) != 1 ||
        RAND_bytes((unsigned char *)&p->voice_ts, sizeof p->voice_ts) != 1)
        return ERR_CRYPTO;
    if ((rc = phone_leg_create(&p->leg, &lc)) < 0 ||
        (rc = jitter_create(&p->jb, audio_codec_rtp_clock(pp->codec))) < 0 ||
        (rc = audio_dec_create(&p->dec, pp->codec)) < 0 ||
        (rc = audio_enc_create(&p->enc, pp->codec)) < 0 ||
        (rc = audio_enc_create(&p->opus, AUDIO_CODEC_OPUS)) < 0 ||
        (rc = resample_create(&p->up, p->rate, MIXER_RATE)) < 0 || (rc = mixer_get(e, room)) < 0)
        return rc;
    struct router_producer_cfg prod = {
        .id = pp->producer,
        .peer = (uint32_t)pp->session,
        .kind = ROUTER_AUDIO,
        .source = ROUTER_SOURCE_MIC,
        .codec = ROUTER_CODEC_OPUS,
        .pt = PHONE_VOICE_PT,
        .rtx_pt = -1,
        .clock_rate = 48000,
        .n_layers = 1,
        .ext = {.audio_level = PHONE_LEVEL_EXT_ID},
    };
    prod.layers[0].ssrc = pp->voice_ssrc;
    if (pp->producer && (rc = router_add_producer(room->router, &prod)) < 0)
        return rc;
    engine_room_drain(room, worker_clock_us());
    p->producer_added = pp->producer != 0;
    if ((rc = mixer_add_pcm_source(room->mixer, mix_id(p))) < 0)
        return rc;
    p->source_added = true;
    if ((rc = mixer_add_sink(room->mixer, mix_id(p), mix_id(p), p->rate)) < 0)
        return rc;
    p->sink_added = true;
    return 0;
}

static void phone_create(struct engine *e, const struct media_cmd *cmd)
{
    const struct media_phone_params *pp = &cmd->u.phone;
    const char *why = "the call could not be set up";
    struct mroom *room = NULL;
    struct mphone *p = NULL;
    int rc = ERR_EXISTS;
    if (phone_find(e, pp->session))
        goto fail;
    rc = ERR_NOMEM;
    room = engine_room_get(e, pp->room);
    p = calloc(1, sizeof *p);
    if (!room || !p || theap_add(e->timers, ENGINE_TIMER_PHONE, p, &p->timer) < 0) {
        free(p);
        p = NULL;
        goto fail;
    }
    p->room = room;
    p->session = pp->session;
    p->producer = pp->producer;
    p->voice_ssrc = pp->voice_ssrc;
    p->codec = pp->codec;
    p->rate = audio_codec_rate(pp->codec);
    p->frame = audio_codec_frame_samples(pp->codec);
    p->rtp_id = p->rtcp_id = -1;
    p->mode = MEDIA_PHONE_PROMPT;
    p->last_rx_us = worker_clock_us();
    p->silent_us = pp->silent_ms ? (int64_t)pp->silent_ms * 1000 : MEDIA_PHONE_SILENT_US;
    p->next = room->phones;
    room->phones = p;
    atomic_fetch_add_explicit(&e->c.phone_calls, 1, memory_order_relaxed);
    rc = phone_setup(e, p, pp);
    if (rc == ERR_IO)
        why = "the call's ports cannot be bound";
    if (rc < 0)
        goto fail;
    LOG_I("call %llu: %s on port %u in room %lld", (unsigned long long)p->session,
          audio_codec_name(p->codec), pp->rtp_port, (long long)room->id);
    engine_room_rearm(e, room); /* its mixer's frames */
    phone_rearm(e, p);
    push(e, p, MEDIA_EVENT_CONNECTED, 0, 0); /* set up: its producer is in the router */
    return;
fail:
    LOG_W("call %llu: %s: %s", (unsigned long long)pp->session, why, err_str(rc));
    if (p)
        phone_free(e, p);
    else
        free(p);
    media_push_event(e->m, pp->session, MEDIA_EVENT_FAILED, ICE_PROTO_UDP, why);
}

/* ---- prompts ---- */

static void prompt_start(struct mphone *p, struct prompt_play pl)
{
    p->playing = true;
    p->cur = pl;
    p->pos = 0;
}

static void prompt_play(struct mphone *p, unsigned idx, bool loop)
{
    struct prompt_play pl = {.idx = idx, .loop = loop};
    if (!p->playing || p->cur.loop) {
        prompt_start(p, pl); /* a looping prompt is cut off at once */
        return;
    }
    if (p->q_n == MEDIA_PHONE_QUEUE) { /* the oldest waiting one goes */
        memmove(p->queue, p->queue + 1, (MEDIA_PHONE_QUEUE - 1) * sizeof *p->queue);
        p->q_n--;
    }
    p->queue[p->q_n++] = pl;
}

/* The next 20 ms of the prompt playing, at the call's rate, into out. */
static void prompt_fill(struct engine *e, struct mphone *p, int16_t *out)
{
    const struct media_prompt *pr = &e->m->prompts[p->cur.idx];
    int16_t in[MIXER_FRAME_SAMPLES];
    size_t want = pr->rate / 50, take = 0, n = 0;
    if (pr->n > p->pos)
        take = pr->n - p->pos < want ? pr->n - p->pos : want;
    if (take)
        memcpy(in, pr->pcm + p->pos, take * sizeof *in);
    memset(in + take, 0, (want - take) * sizeof *in);
    p->pos += want;
    if (!p->prs || p->prs_rate != pr->rate) {
        resample_destroy(p->prs);
        p->prs = NULL;
        p->prs_rate = pr->rate;
        if (resample_create(&p->prs, pr->rate, p->rate) < 0)
            p->prs = NULL;
    }
    if (!p->prs || resample_process(p->prs, in, want, out, p->frame, &n) < 0 || n != p->frame)
        memset(out, 0, p->frame * sizeof *out);
    if (p->pos < pr->n)
        return;
    /* Its end: loop while nothing waits, else the next one. */
    if (p->cur.loop && p->q_n == 0) {
        p->pos = 0;
        return;
    }
    if (!p->cur.loop)
        push(e, p, MEDIA_EVENT_PROMPT_DONE, 0, p->cur.idx);
    p->playing = false;
    if (p->q_n) {
        prompt_start(p, p->queue[0]);
        memmove(p->queue, p->queue + 1, (p->q_n - 1) * sizeof *p->queue);
        p->q_n--;
    }
}

/* ---- the 20 ms cycle ---- */

/* The caller's voice as Opus RTP with the audio level, into the router. */
static void publish_voice(struct mphone *p, int64_t now_us, const int16_t *pcm48)
{
    uint8_t pkt[PHONE_VOICE_HDR + AUDIO_ENCODED_MAX];
    size_t len = 0;
    if (audio_encode(p->opus, pcm48, MIXER_FRAME_SAMPLES, pkt + PHONE_VOICE_HDR,
                     sizeof pkt - PHONE_VOICE_HDR, &len) < 0 ||
        len == 0)
        return;
    uint8_t level = audio_level_dbov(pcm48, MIXER_FRAME_SAMPLES);
    struct wr w;
    wr_init(&w, pkt, PHONE_VOICE_HDR);
    wr_u8(&w, 0x90); /* V=2, X */
    wr_u8(&w, (uint8_t)((p->voice_sent ? 0 : 0x80) | PHONE_VOICE_PT));
    wr_u16(&w, ++p->voice_seq);
    wr_u32(&w, p->voice_ts);
    wr_u32(&w, p->voice_ssrc);
    wr_u16(&w, RTP_EXT_PROFILE_ONE_BYTE);
    wr_u16(&w, 1);                                            /* one 32-bit word */
    wr_u8(&w, PHONE_LEVEL_EXT_ID << 4 | 0);                   /* id 1, one byte */
    wr_u8(&w, (uint8_t)(level < 127 ? 0x80 | level : level)); /* V: voice activity */
    wr_u16(&w, 0);                                            /* padding */
    if (!p->producer_added)
        return;
    p->voice_sent = true;
    router_on_rtp(p->room->router, now_us, (uint32_t)p->session, pkt, PHONE_VOICE_HDR + len, NULL);
    engine_room_drain(p->room, now_us);
}

/* What arrived from the caller for this frame: decoded, into the mix and
 * the router in MEDIA_PHONE_MEETING mode. */
static void phone_input_frame(struct mphone *p, int64_t now_us)
{
    struct jitter_out jo;
    int16_t pcm[AUDIO_FRAME_SAMPLES_MAX], pcm48[MIXER_FRAME_SAMPLES];
    size_t n = 0, n48 = 0;
    int rc;
    p->voice_ts += MIXER_FRAME_SAMPLES;
    switch (jitter_pop(p->jb, now_us, &jo)) {
    case JITTER_FRAME:
        rc = audio_decode(p->dec, jo.payload, jo.len, false, pcm, AUDIO_FRAME_SAMPLES_MAX, &n);
        break;
    case JITTER_LOST:
        if (p->codec == AUDIO_CODEC_OPUS && jo.payload)
            rc = audio_decode(p->dec, jo.payload, jo.len, true, pcm, AUDIO_FRAME_SAMPLES_MAX, &n);
        else
            rc = audio_decode(p->dec, NULL, 0, false, pcm, AUDIO_FRAME_SAMPLES_MAX, &n);
        break;
    case JITTER_NONE:
    default:
        return;
    }
    if (rc < 0 || n != p->frame || p->mode != MEDIA_PHONE_MEETING)
        return;
    if (resample_process(p->up, pcm, n, pcm48, MIXER_FRAME_SAMPLES, &n48) < 0 ||
        n48 != MIXER_FRAME_SAMPLES)
        return;
    (void)mixer_input_pcm(p->room->mixer, mix_id(p), now_us, pcm48, n48);
    publish_voice(p, now_us, pcm48);
}

static void add_tone(struct mphone *p, int16_t *out)
{
    int16_t t[AUDIO_FRAME_SAMPLES_MAX];
    if (tone_muted_fill(p->rate, p->tone_pos, t, p->frame) == 0) {
        p->tone = false;
        return;
    }
    p->tone_pos += p->frame;
    for (size_t i = 0; i < p->frame; i++) {
        int32_t v = (int32_t)out[i] + t[i];
        out[i] = (int16_t)(v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v);
    }
}

/* What the caller hears for this frame: a prompt, the mix or silence. */
static void phone_output_frame(struct engine *e, struct mphone *p, int64_t now_us)
{
    int16_t out[AUDIO_FRAME_SAMPLES_MAX];
    const int16_t *mix;
    size_t n;
    uint8_t enc[AUDIO_ENCODED_MAX], pkt[PHONE_LEG_RTP_HEADER + AUDIO_ENCODED_MAX];
    if (p->playing)
        prompt_fill(e, p, out);
    else if (p->mode != MEDIA_PHONE_PROMPT &&
             mixer_sink_frame(p->room->mixer, mix_id(p), &mix, &n) == 0 && n == p->frame)
        memcpy(out, mix, n * sizeof *out);
    else
        memset(out, 0, p->frame * sizeof *out);
    if (p->tone)
        add_tone(p, out);
    struct sockaddr_storage to;
    socklen_t tolen;
    size_t len = 0;
    if (p->hold || !phone_leg_rtp_dest(p->leg, &to, &tolen) ||
        audio_encode(p->enc, out, p->frame, enc, sizeof enc, &len) < 0 || len == 0)
        return;
    int k = phone_leg_packetize(p->leg, now_us, enc, len, pkt, sizeof pkt);
    if (k > 0)
        (void)worker_udp_send(e->w, p->rtp_id, pkt, (size_t)k, &to, tolen);
}

/* Timers of one call: DTMF that lost its ends, RTCP, silence. */
void engine_phone_timeout(struct engine *e, struct mphone *p, int64_t now_us)
{
    uint8_t buf[PHONE_RTCP_MAX];
    char digit;
    phone_leg_timeout(p->leg, now_us);
    while (phone_leg_dtmf(p->leg, &digit))
        push(e, p, MEDIA_EVENT_DTMF, digit, 0);
    struct sockaddr_storage to;
    socklen_t tolen;
    int n = phone_leg_rtcp(p->leg, now_us, buf, sizeof buf);
    if (n > 0 && phone_leg_rtcp_dest(p->leg, &to, &tolen))
        (void)worker_udp_send(e->w, p->rtcp_id, buf, (size_t)n, &to, tolen);
    if (!p->hold && !p->silent_reported && now_us - p->last_rx_us >= p->silent_us) {
        p->silent_reported = true;
        LOG_I("call %llu: no RTP for %lld ms", (unsigned long long)p->session,
              (long long)(p->silent_us / 1000));
        push(e, p, MEDIA_EVENT_PHONE_SILENT, 0, 0);
    }
    count_phone(e, p);
    phone_rearm(e, p);
}

static int64_t thread_cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void mix_tick(struct engine *e, struct mroom *room, int64_t at_us)
{
    int64_t t0 = thread_cpu_ns();
    mixer_tick(room->mixer, at_us);
    int64_t t1 = thread_cpu_ns();
    if (t1 > t0)
        add(&e->c.mixer_cpu_ns, (uint64_t)(t1 - t0));
}

void engine_phone_room_cycle(struct engine *e, struct mroom *room, int64_t now_us)
{
    /* One frame per cycle: each call's input, the mix, each call's output.
     * A late timer catches up frame by frame; far behind (an idle mixer
     * whose first call just came), the mixer skips to the present at once. */
    int64_t due = mixer_next_deadline(room->mixer);
    for (int k = 0; due <= now_us && k < MIXER_CATCHUP_MAX; k++) {
        bool far = now_us - due >= (int64_t)MIXER_CATCHUP_MAX * MIXER_FRAME_US;
        for (struct mphone *p = room->phones; p; p = p->next)
            phone_input_frame(p, now_us);
        mix_tick(e, room, far ? now_us : due);
        for (struct mphone *p = room->phones; p; p = p->next)
            phone_output_frame(e, p, now_us);
        due = mixer_next_deadline(room->mixer);
    }
    /* The calls' counters reach the engine's on the mixer's clock. */
    for (struct mphone *p = room->phones; p; p = p->next)
        count_phone(e, p);
    count_mixer(e, room);
}

/* ---- input ---- */

void engine_phone_udp(void *arg, struct worker *w, int64_t now_us, int id, uint64_t tag,
                      uint8_t *buf, size_t len, const struct sockaddr_storage *from,
                      socklen_t fromlen)
{
    (void)w;
    struct engine *e = arg;
    struct mphone *p = phone_find(e, tag);
    struct phone_leg_input in;
    char digit;
    if (!p || (id != p->rtp_id && id != p->rtcp_id))
        return; /* a socket of a call being closed */
    switch (phone_leg_input(p->leg, now_us, id == p->rtcp_id, buf, len, from, fromlen, &in)) {
    case PHONE_LEG_RX_AUDIO:
        p->last_rx_us = now_us;
        p->silent_reported = false;
        (void)jitter_put(p->jb, now_us, in.seq, in.ts, in.marker, in.payload, in.payload_len);
        break;
    case PHONE_LEG_RX_DTMF:
        p->last_rx_us = now_us;
        p->silent_reported = false;
        while (phone_leg_dtmf(p->leg, &digit)) {
            LOG_D("call %llu: a key", (unsigned long long)p->session); /* never which */
            push(e, p, MEDIA_EVENT_DTMF, digit, 0);
        }
        break;
    case PHONE_LEG_RX_RTCP:
    case PHONE_LEG_RX_DROP:
        return;
    }
    /* Key presses and the silence count (running again) move its deadline. */
    engine_timer_lower(e, p->timer, phone_next_deadline(p));
}

void engine_phone_mix_rtp(struct mroom *room, int64_t now_us, const uint8_t *buf, size_t len)
{
    struct rtp_packet pkt;
    if (!room->mixer || rtp_parse(&pkt, buf, len) < 0)
        return;
    if (mixer_input_rtp(room->mixer, pkt.ssrc, now_us, buf, len) == 0)
        add(&room->e->c.mixer_rtp_in, 1);
}

/* ---- commands ---- */

static void mix_source(struct engine *e, const struct media_cmd *cmd)
{
    struct mroom *room =
        cmd->u.add ? engine_room_get(e, cmd->room) : engine_room_find(e, cmd->room);
    uint32_t producer = cmd->id;
    int rc = 0;
    if (!room)
        return;
    if (!cmd->u.add) {
        (void)router_remove_consumer(room->router, MEDIA_MIX_CONSUMER_BASE + producer);
        engine_room_drain(room, worker_clock_us());
        if (room->mixer)
            mixer_remove_source(room->mixer, producer);
        return;
    }
    struct router_consumer_cfg cc = {
        .id = MEDIA_MIX_CONSUMER_BASE + producer,
        .producer = producer,
        .peer = MEDIA_MIX_PEER,
        .ssrc = producer,
        .pt = PHONE_VOICE_PT,
        .rtx_pt = -1,
    };
    memcpy(cc.cname, "samtale-mixer", sizeof "samtale-mixer");
    if ((rc = mixer_get(e, room)) < 0 || (rc = mixer_add_opus_source(room->mixer, producer)) < 0)
        goto out;
    if ((rc = router_add_consumer(room->router, &cc)) < 0)
        mixer_remove_source(room->mixer, producer);
    engine_room_drain(room, worker_clock_us());
out:
    if (rc < 0)
        LOG_W("room %lld: microphone %u cannot join the mix: %s", (long long)room->id, producer,
              err_str(rc));
    engine_room_rearm(e, room);
}

static void set_remote(struct mphone *p, const struct media_cmd *cmd)
{
    struct sockaddr_storage rtp, rtcp;
    uint16_t port = cmd->u.remote.port;
    uint16_t rtcp_port = cmd->u.remote.rtcp_port ? cmd->u.remote.rtcp_port
                         : port                  ? (uint16_t)(port + 1)
                                                 : 0;
    if (to_sockaddr(cmd->u.remote.addr, port, &rtp) < 0 ||
        to_sockaddr(cmd->u.remote.addr, rtcp_port, &rtcp) < 0)
        return;
    phone_leg_remote(p->leg, &rtp, &rtcp);
    p->hold = cmd->u.remote.hold;
    p->last_rx_us = worker_clock_us(); /* the silence count starts over */
    p->silent_reported = false;
}

void engine_phone_command(struct engine *e, struct media_cmd *cmd)
{
    if (cmd->kind == MEDIA_CMD_PHONE_CREATE) {
        phone_create(e, cmd);
        return;
    }
    if (cmd->kind == MEDIA_CMD_MIX_SOURCE) {
        mix_source(e, cmd);
        return;
    }
    struct mphone *p = phone_find(e, cmd->session);
    if (!p)
        return; /* closed meanwhile */
    switch (cmd->kind) {
    case MEDIA_CMD_PHONE_REMOTE:
        set_remote(p, cmd);
        phone_rearm(e, p);
        break;
    case MEDIA_CMD_PHONE_MODE:
        if (cmd->u.mode == MEDIA_PHONE_MUTED && p->mode != MEDIA_PHONE_MUTED) {
            p->tone = true;
            p->tone_pos = 0;
        }
        p->mode = cmd->u.mode;
        break;
    case MEDIA_CMD_PHONE_PLAY:
        if (cmd->u.play.prompt < e->m->n_prompts)
            prompt_play(p, cmd->u.play.prompt, cmd->u.play.loop);
        break;
    case MEDIA_CMD_PHONE_CLOSE:
        LOG_I("call %llu: closed", (unsigned long long)p->session);
        phone_free(e, p);
        break;
    case MEDIA_CMD_PHONE_MOVE: {
        /* Into a meeting's room, maybe on another worker: the sockets
         * close here first, so the new ones can bind the same ports. */
        unsigned to = cmd->u.phone.worker;
        phone_free(e, p);
        cmd->kind = MEDIA_CMD_PHONE_CREATE;
        if (to == e->index) {
            phone_create(e, cmd);
            break;
        }
        struct media_cmd *next = malloc(sizeof *next);
        if (next)
            *next = *cmd;
        if (!next || worker_post(e->m->engines[to].w, next) < 0) {
            free(next);
            media_push_event(e->m, cmd->session, MEDIA_EVENT_FAILED, ICE_PROTO_UDP,
                             "the call could not move to its room's worker");
        }
        break;
    }
    default:
        break;
    }
}

void engine_phone_room_gone(struct engine *e, struct mroom *room)
{
    while (room->phones)
        phone_free(e, room->phones);
    count_mixer(e, room);
    mixer_destroy(room->mixer);
    room->mixer = NULL;
}
