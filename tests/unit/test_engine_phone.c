/* Tests for phone calls on a real media worker (media/engine_phone.c with
 * media/phone_leg.c, the mixer and the router) over real UDP sockets on
 * 127.0.0.1. Two fake phones send 20 ms RTP in real time: A speaks PCMA
 * (1000 Hz), B Opus (440 Hz). Checked: each hears the other and not itself
 * (mix-minus through the room's mixer), a prompt is heard and reported
 * done, RFC 4733 DTMF becomes an event, RTP from a foreign source is
 * counted and ignored, B's voice reaches the router as a producer (a
 * test subscriber's consumer gets it, and a mix consumer on it feeds the
 * mixer), muting takes A out of the mix, hold stops what A hears, a
 * re-INVITE moves A to a new address, a taken port fails the call, and
 * closing ends it. Every wait is bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "media/audio_codec.h"
#include "media/media.h"
#include "media/tone.h"
#include "media/worker.h"
#include "tests/unit/audio_harness.h"
#include "base/err.h"

#define ROOM 7
#define SESSION_A 1
#define SESSION_B 2
#define PRODUCER_A 100
#define PRODUCER_B 200
#define PROMPT_HZ 660.0
#define PROMPT_RATE 16000
#define PROMPT_SAMPLES (PROMPT_RATE * 3 / 10) /* 300 ms */
#define WAIT_US (5 * 1000000LL)
#define LISTEN 8000 /* samples analysed: the last second at 8 kHz */

static int16_t prompt_pcm[PROMPT_SAMPLES];

static void sleep_us(int64_t us)
{
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

static int udp_socket(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static uint16_t port_of(int fd)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    return ntohs(a.sin_port);
}

/* A free even port whose odd neighbour is free too. */
static uint16_t free_pair(void)
{
    for (int i = 0; i < 100; i++) {
        int fd = udp_socket(0);
        uint16_t p = (uint16_t)(port_of(fd) & ~1u);
        close(fd);
        int a = udp_socket(p), b = udp_socket((uint16_t)(p + 1));
        if (a >= 0)
            close(a);
        if (b >= 0)
            close(b);
        if (a >= 0 && b >= 0 && p > 1024)
            return p;
    }
    fail_msg("no free port pair");
    return 0;
}

static void send_to(int fd, uint16_t port, const uint8_t *buf, size_t len)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(sendto(fd, buf, len, 0, (struct sockaddr *)&a, sizeof a), (ssize_t)len);
}

static size_t rtp_hdr(uint8_t *b, uint8_t pt, bool marker, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
    b[0] = 0x80;
    b[1] = (uint8_t)((marker ? 0x80 : 0) | pt);
    b[2] = (uint8_t)(seq >> 8);
    b[3] = (uint8_t)seq;
    b[4] = (uint8_t)(ts >> 24);
    b[5] = (uint8_t)(ts >> 16);
    b[6] = (uint8_t)(ts >> 8);
    b[7] = (uint8_t)ts;
    b[8] = (uint8_t)(ssrc >> 24);
    b[9] = (uint8_t)(ssrc >> 16);
    b[10] = (uint8_t)(ssrc >> 8);
    b[11] = (uint8_t)ssrc;
    return 12;
}

/* A fake phone: its socket, what it says, and the last second it heard. */
struct fphone {
    int fd;
    uint16_t port; /* the call's RTP port on the server */
    enum audio_codec_kind codec;
    double hz;
    uint16_t seq;
    uint32_t ts;
    uint64_t pos;
    struct audio_enc *enc;
    struct audio_dec *dec;
    int16_t heard[LISTEN]; /* ring, at 8 kHz (Opus is taken every 6th sample) */
    size_t n_heard, rx;
};

static void fphone_init(struct fphone *f, enum audio_codec_kind codec, double hz)
{
    memset(f, 0, sizeof *f);
    f->fd = udp_socket(0);
    assert_true(f->fd >= 0);
    f->codec = codec;
    f->hz = hz;
    f->seq = 1000;
    f->ts = 5000;
    assert_int_equal(audio_enc_create(&f->enc, codec), 0);
    assert_int_equal(audio_dec_create(&f->dec, codec), 0);
}

static void fphone_free(struct fphone *f)
{
    close(f->fd);
    audio_enc_destroy(f->enc);
    audio_dec_destroy(f->dec);
}

/* One 20 ms frame of its tone. */
static void fphone_speak(struct fphone *f)
{
    unsigned rate = audio_codec_rate(f->codec);
    size_t n = audio_codec_frame_samples(f->codec), len = 0;
    int16_t pcm[AUDIO_FRAME_SAMPLES_MAX];
    uint8_t pkt[12 + AUDIO_ENCODED_MAX];
    sine_fill(pcm, n, rate, f->hz, 8000, f->pos);
    f->pos += n;
    assert_int_equal(audio_encode(f->enc, pcm, n, pkt + 12, AUDIO_ENCODED_MAX, &len), 0);
    static const uint8_t pts[AUDIO_CODEC_COUNT] = {0, 8, 9, 111};
    uint8_t pt = pts[f->codec];
    rtp_hdr(pkt, pt, f->seq == 1000, f->seq, f->ts, 0xf0f00000u + (uint32_t)f->codec);
    f->seq++;
    f->ts += audio_codec_rtp_clock(f->codec) / 50;
    send_to(f->fd, f->port, pkt, 12 + len);
}

/* Everything that arrived, decoded into the ring. */
static void fphone_listen(struct fphone *f)
{
    uint8_t pkt[1500];
    int16_t pcm[AUDIO_FRAME_SAMPLES_MAX];
    for (;;) {
        ssize_t r = recv(f->fd, pkt, sizeof pkt, 0);
        if (r < 0)
            return;
        if (r < 12 || ((pkt[1] & 0x7f) >= 64 && (pkt[1] & 0x7f) <= 95))
            continue; /* RTCP */
        size_t n = 0;
        if (audio_decode(f->dec, pkt + 12, (size_t)r - 12, false, pcm, AUDIO_FRAME_SAMPLES_MAX,
                         &n) < 0)
            continue;
        f->rx++;
        size_t step = audio_codec_rate(f->codec) / 8000; /* to 8 kHz */
        for (size_t i = 0; i < n; i += step)
            f->heard[f->n_heard++ % LISTEN] = pcm[i];
    }
}

static double heard(const struct fphone *f, double hz)
{
    return goertzel(f->heard, LISTEN, 8000, hz);
}

static struct media *start_media(void)
{
    static const char *const addrs[] = {"127.0.0.1"};
    static struct media_prompt prompts[1];
    sine_fill(prompt_pcm, PROMPT_SAMPLES, PROMPT_RATE, PROMPT_HZ, 8000, 0);
    prompts[0] = (struct media_prompt){.pcm = prompt_pcm, .n = PROMPT_SAMPLES, .rate = PROMPT_RATE};
    struct media_cfg cfg = {
        .workers = 1,
        .bind = "127.0.0.1",
        .public_addrs = addrs,
        .n_public = 1,
        .prompts = prompts,
        .n_prompts = 1,
    };
    struct media *m = NULL;
    assert_int_equal(media_start(&m, &cfg), 0);
    return m;
}

static struct media_phone_params params(uint64_t session, uint16_t port, enum audio_codec_kind c,
                                        uint16_t remote_port, uint32_t producer)
{
    struct media_phone_params p = {
        .session = session,
        .worker = 0,
        .room = ROOM,
        .rtp_port = port,
        .codec = c,
        .pt = c == AUDIO_CODEC_OPUS ? 111 : 8,
        .dtmf_pt = c == AUDIO_CODEC_OPUS ? -1 : 101,
        .remote_port = remote_port,
        .producer = producer,
        .voice_ssrc = 0x50000000u + producer,
    };
    memcpy(p.bind_addr, "127.0.0.1", sizeof "127.0.0.1");
    memcpy(p.remote_addr, "127.0.0.1", sizeof "127.0.0.1");
    return p;
}

/* Waits for an event of this kind and session (others are dropped). */
static bool wait_event(struct media *m, enum media_event_kind kind, uint64_t session,
                       struct media_event *out, int64_t us)
{
    int64_t end = worker_clock_us() + us;
    while (worker_clock_us() < end) {
        if (media_poll_event(m, out)) {
            if (out->kind == kind && out->session == session)
                return true;
            continue;
        }
        sleep_us(2000);
    }
    return false;
}

/* Both phones speak and listen for `ms` of real time. */
static void talk(struct fphone *a, struct fphone *b, int ms)
{
    int64_t next = worker_clock_us();
    for (int t = 0; t < ms; t += 20) {
        if (a)
            fphone_speak(a);
        if (b)
            fphone_speak(b);
        next += 20000;
        int64_t now = worker_clock_us();
        if (next > now)
            sleep_us(next - now);
        if (a)
            fphone_listen(a);
        if (b)
            fphone_listen(b);
    }
}

static void test_api_checks(void **state)
{
    (void)state;
    struct media_phone_params p = params(9, 4000, AUDIO_CODEC_PCMA, 5000, 1);
    assert_int_equal(media_phone_create(NULL, &p), ERR_INVAL);
    struct media *m = start_media();
    p.rtp_port = 4001; /* odd */
    assert_int_equal(media_phone_create(m, &p), ERR_INVAL);
    p.rtp_port = 4000;
    memcpy(p.remote_addr, "example.org", sizeof "example.org");
    assert_int_equal(media_phone_create(m, &p), ERR_INVAL);
    p = params(9, 4000, AUDIO_CODEC_PCMA, 5000, 0); /* no producer */
    assert_int_equal(media_phone_create(m, &p), ERR_INVAL);
    assert_int_equal(media_phone_play(m, 0, 9, 1, false), ERR_INVAL); /* one prompt only */
    assert_int_equal(media_phone_mode(m, 0, 9, (enum media_phone_mode)7), ERR_INVAL);
    assert_int_equal(media_mix_source(m, 0, ROOM, MEDIA_MIX_CONSUMER_BASE, true), ERR_INVAL);
    assert_int_equal(media_phone_remote(m, 0, 9, "not an address", 1, 2, false), ERR_INVAL);
    media_stop(m);
}

static void test_call(void **state)
{
    (void)state;
    struct media *m = start_media();
    struct fphone a, b;
    struct media_event ev;
    struct media_stats st;
    fphone_init(&a, AUDIO_CODEC_PCMA, 1000);
    fphone_init(&b, AUDIO_CODEC_OPUS, 440);
    a.port = free_pair();
    struct media_phone_params pa =
        params(SESSION_A, a.port, AUDIO_CODEC_PCMA, port_of(a.fd), PRODUCER_A);
    assert_int_equal(media_phone_create(m, &pa), 0);
    b.port = free_pair();
    while (b.port == a.port)
        b.port = free_pair();
    struct media_phone_params pb =
        params(SESSION_B, b.port, AUDIO_CODEC_OPUS, port_of(b.fd), PRODUCER_B);
    assert_int_equal(media_phone_create(m, &pb), 0);

    /* A third call on A's port cannot bind it. */
    struct media_phone_params pc = params(3, a.port, AUDIO_CODEC_PCMU, 6000, 300);
    assert_int_equal(media_phone_create(m, &pc), 0);
    assert_true(wait_event(m, MEDIA_EVENT_FAILED, 3, &ev, WAIT_US));

    /* PROMPT mode: A hears the prompt, then silence; done is reported. */
    assert_int_equal(media_phone_play(m, 0, SESSION_A, 0, false), 0);
    talk(&a, NULL, 200);
    assert_true(wait_event(m, MEDIA_EVENT_PROMPT_DONE, SESSION_A, &ev, WAIT_US));
    assert_int_equal(ev.prompt, 0);
    assert_true(a.rx > 0);
    assert_true(goertzel(a.heard, a.n_heard < LISTEN ? a.n_heard : LISTEN, 8000, PROMPT_HZ) > 500);

    /* MEETING: each hears the other and not itself. */
    assert_int_equal(media_phone_mode(m, 0, SESSION_A, MEDIA_PHONE_MEETING), 0);
    assert_int_equal(media_phone_mode(m, 0, SESSION_B, MEDIA_PHONE_MEETING), 0);
    talk(&a, &b, 1600);
    print_message("A hears 440 Hz %.0f, 1000 Hz %.0f; B hears 1000 Hz %.0f, 440 Hz %.0f\n",
                  heard(&a, 440), heard(&a, 1000), heard(&b, 1000), heard(&b, 440));
    assert_true(heard(&a, 440) > 1000);
    assert_true(heard(&a, 1000) < heard(&a, 440) / 10);
    assert_true(heard(&b, 1000) > 1000);
    assert_true(heard(&b, 440) < heard(&b, 1000) / 10);

    /* DTMF from A: three updates and three ends of "5" -> one event. */
    uint8_t pkt[64];
    for (int i = 0; i < 6; i++) {
        rtp_hdr(pkt, 101, i == 0, (uint16_t)(a.seq++), 777000, 0xf0f00001u);
        pkt[12] = 5;
        pkt[13] = (uint8_t)(i >= 3 ? 0x8a : 0x0a);
        pkt[14] = 0;
        pkt[15] = (uint8_t)(80 * (i + 1));
        send_to(a.fd, a.port, pkt, 16);
    }
    assert_true(wait_event(m, MEDIA_EVENT_DTMF, SESSION_A, &ev, WAIT_US));
    assert_int_equal(ev.digit, '5');
    assert_int_equal(ev.room, ROOM);
    assert_false(wait_event(m, MEDIA_EVENT_DTMF, SESSION_A, &ev, 200000)); /* only one */

    /* A foreign source on A's port: counted, ignored; A still gets its audio. */
    int intruder = udp_socket(0);
    for (int i = 0; i < 5; i++) {
        rtp_hdr(pkt, 8, false, (uint16_t)i, (uint32_t)(160 * i), 0xbad);
        memset(pkt + 12, 0x55, 40);
        send_to(intruder, a.port, pkt, 52);
    }
    int64_t end = worker_clock_us() + WAIT_US;
    do {
        media_get_stats(m, -1, &st);
    } while (st.phone_foreign < 5 && worker_clock_us() < end && (sleep_us(5000), 1));
    assert_int_equal(st.phone_foreign, 5);
    uint8_t junk[64];
    assert_true(recv(intruder, junk, sizeof junk, 0) < 0); /* nothing sent to it */
    close(intruder);
    size_t rx_before = a.rx;
    talk(&a, &b, 200);
    assert_true(a.rx > rx_before);

    /* B's voice is a producer of the router: a subscribing test peer's
     * consumer gets it forwarded (the peer has no transport: counted, not sent). */
    media_get_stats(m, -1, &st);
    uint64_t fwd = st.rtp_forwarded;
    struct router_consumer_cfg cc = {
        .id = 999, .producer = PRODUCER_B, .peer = 4242, .ssrc = 0x4242, .pt = 111, .rtx_pt = -1};
    assert_int_equal(media_consumer_add(m, 0, ROOM, &cc), 0);
    talk(&a, &b, 1200); /* the router's counters reach the engine's with its periodic work */
    media_get_stats(m, -1, &st);
    assert_true(st.rtp_forwarded >= fwd + 20);
    assert_int_equal(media_consumer_remove(m, 0, ROOM, 999), 0);

    /* A mix consumer on a producer feeds the mixer through the router
     * (here B's own, which only a test would do: B then hears itself). */
    media_get_stats(m, -1, &st);
    assert_int_equal(st.mixer_rtp_in, 0);
    assert_int_equal(media_mix_source(m, 0, ROOM, PRODUCER_B, true), 0);
    talk(&a, &b, 300);
    media_get_stats(m, -1, &st);
    assert_true(st.mixer_rtp_in >= 5);
    assert_int_equal(media_mix_source(m, 0, ROOM, PRODUCER_B, false), 0);
    talk(&a, &b, 100);
    media_get_stats(m, -1, &st);
    uint64_t after = st.mixer_rtp_in;
    talk(&a, &b, 200);
    media_get_stats(m, -1, &st);
    assert_int_equal(st.mixer_rtp_in, after);

    assert_int_equal(st.phone_calls, 2);
    assert_true(st.phone_rtp_in > 100 && st.phone_rtp_out > 100);
    assert_true(st.mixer_cpu_us > 0);

    /* MUTED: A's voice leaves the mix (B stops hearing 1000 Hz). */
    assert_int_equal(media_phone_mode(m, 0, SESSION_A, MEDIA_PHONE_MUTED), 0);
    talk(&a, &b, 1600);
    assert_true(heard(&b, 1000) < 300);

    /* Muted with nobody else speaking: A hears the short muted cue. */
    assert_int_equal(media_phone_mode(m, 0, SESSION_A, MEDIA_PHONE_MEETING), 0);
    talk(&a, NULL, 300); /* B is quiet: its last words drain out of the mix */
    memset(a.heard, 0, sizeof a.heard);
    assert_int_equal(media_phone_mode(m, 0, SESSION_A, MEDIA_PHONE_MUTED), 0);
    talk(&a, NULL, 600);
    print_message("muted cue: %.0f at %d Hz\n", heard(&a, TONE_MUTED_HZ), TONE_MUTED_HZ);
    assert_true(heard(&a, TONE_MUTED_HZ) > 100);

    /* Hold (a re-INVITE with sendonly): nothing more reaches A. */
    assert_int_equal(media_phone_remote(m, 0, SESSION_A, "127.0.0.1", port_of(a.fd), 0, true), 0);
    talk(&a, &b, 200); /* what was under way arrives meanwhile */
    size_t held = a.rx;
    talk(&a, &b, 400);
    assert_int_equal(a.rx, held);

    /* A re-INVITE moves A to another address: the old latch is forgotten,
     * the new address hears the meeting. */
    struct fphone a2;
    fphone_init(&a2, AUDIO_CODEC_PCMA, 1000);
    a2.port = a.port;
    assert_int_equal(media_phone_remote(m, 0, SESSION_A, "127.0.0.1", port_of(a2.fd), 0, false), 0);
    assert_int_equal(media_phone_mode(m, 0, SESSION_A, MEDIA_PHONE_MEETING), 0);
    talk(&a2, &b, 800);
    assert_true(a2.rx > 20);
    assert_true(heard(&a2, 440) > 1000);
    fphone_free(&a2);

    assert_int_equal(media_phone_close(m, 0, SESSION_A), 0);
    assert_int_equal(media_phone_close(m, 0, SESSION_B), 0);
    end = worker_clock_us() + WAIT_US;
    do {
        media_get_stats(m, -1, &st);
    } while (st.phone_calls != 0 && worker_clock_us() < end && (sleep_us(5000), 1));
    assert_int_equal(st.phone_calls, 0);
    media_stop(m);
    fphone_free(&a);
    fphone_free(&b);
}

/* G.722 (16 kHz audio on an 8000 RTP clock) and PCMU hear each other. */
static void test_g722_and_pcmu(void **state)
{
    (void)state;
    struct media *m = start_media();
    struct fphone g, u;
    fphone_init(&g, AUDIO_CODEC_G722, 1000);
    fphone_init(&u, AUDIO_CODEC_PCMU, 440);
    g.port = free_pair();
    struct media_phone_params pg = params(11, g.port, AUDIO_CODEC_G722, port_of(g.fd), 21);
    pg.pt = 9;
    assert_int_equal(media_phone_create(m, &pg), 0);
    u.port = free_pair();
    while (u.port == g.port)
        u.port = free_pair();
    struct media_phone_params pu = params(12, u.port, AUDIO_CODEC_PCMU, port_of(u.fd), 22);
    pu.pt = 0;
    assert_int_equal(media_phone_create(m, &pu), 0);
    assert_int_equal(media_phone_mode(m, 0, 11, MEDIA_PHONE_MEETING), 0);
    assert_int_equal(media_phone_mode(m, 0, 12, MEDIA_PHONE_MEETING), 0);
    talk(&g, &u, 1600);
    print_message("G.722 hears 440 Hz %.0f, 1000 Hz %.0f; PCMU hears 1000 Hz %.0f, 440 Hz %.0f\n",
                  heard(&g, 440), heard(&g, 1000), heard(&u, 1000), heard(&u, 440));
    assert_true(heard(&g, 440) > 1000 && heard(&g, 1000) < heard(&g, 440) / 10);
    assert_true(heard(&u, 1000) > 1000 && heard(&u, 440) < heard(&u, 1000) / 10);
    media_stop(m);
    fphone_free(&g);
    fphone_free(&u);
}

static void test_silent_call(void **state)
{
    (void)state;
    struct media *m = start_media();
    struct fphone a;
    struct media_event ev;
    fphone_init(&a, AUDIO_CODEC_PCMU, 1000);
    a.port = free_pair();
    struct media_phone_params p = params(SESSION_A, a.port, AUDIO_CODEC_PCMU, port_of(a.fd), 5);
    p.pt = 0;
    p.silent_ms = 300;
    assert_int_equal(media_phone_create(m, &p), 0);
    /* Talking keeps it quiet; then nothing for 300 ms: one event. */
    int64_t t0 = worker_clock_us();
    talk(&a, NULL, 400);
    bool any = false;
    while (!any && media_poll_event(m, &ev))
        any = ev.kind != MEDIA_EVENT_CONNECTED; /* the call is set up: expected */
    if (any)
        print_message("unexpected event %d for %llu\n", (int)ev.kind,
                      (unsigned long long)ev.session);
    assert_false(any);
    assert_true(wait_event(m, MEDIA_EVENT_PHONE_SILENT, SESSION_A, &ev, WAIT_US));
    assert_true(worker_clock_us() - t0 >= 400000 + 300000 - 20000);
    assert_false(wait_event(m, MEDIA_EVENT_PHONE_SILENT, SESSION_A, &ev, 500000));
    /* On hold, silence is expected: no event. */
    assert_int_equal(media_phone_remote(m, 0, SESSION_A, "127.0.0.1", port_of(a.fd), 0, true), 0);
    assert_false(wait_event(m, MEDIA_EVENT_PHONE_SILENT, SESSION_A, &ev, 600000));
    media_stop(m); /* closes the call */
    fphone_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_checks),
        cmocka_unit_test(test_call),
        cmocka_unit_test(test_g722_and_pcmu),
        cmocka_unit_test(test_silent_call),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
