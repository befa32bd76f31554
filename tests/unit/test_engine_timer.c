/* Tests for the engine's timers (media/engine_timer.c with engine.c and
 * engine_room.c) on a fake clock: no worker runs (e->w is NULL) and every
 * timer pass gets its now_us from the test, so nothing sleeps. Sessions
 * reach their expiry and their ICE timeout exactly at their deadlines, an
 * entry re-keyed earlier fires earlier, many sessions fire in order and
 * each once, a room's router timers fire and re-arm, a packet that brings
 * a room's deadline forward re-keys it, a forwarded packet that finds no
 * buffer is dropped and counted, and whatever is freed leaves the heap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/dtls.h"
#include "media/engine.h"
#include "media/media_int.h"
#include "media/transport.h"
#include "media/twcc.h"
#include "base/err.h"

#define SEC 1000000LL
#define T0 (1000 * SEC) /* the fake clock's start */
#define PWD "abcdefghijklmnopqrstuvwx"

struct fx {
    struct media *m;
    struct engine *e;
    char fp[DTLS_FINGERPRINT_MAX];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->m = calloc(1, sizeof *f->m);
    assert_non_null(f->m);
    assert_int_equal(dtls_cert_create(&f->m->cert), 0);
    assert_int_equal(dtls_cert_fingerprint(f->m->cert, f->fp), 0);
    assert_int_equal(queue_create(&f->m->events, 4096, sizeof(struct media_event)), 0);
    f->e = &f->m->engines[0];
    f->e->m = f->m;
    assert_int_equal(addrmap_create(&f->e->by_addr, 64), 0);
    assert_int_equal(engine_indices_create(f->e), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    while (f->e->sessions)
        engine_session_free(f->e, f->e->sessions);
    engine_rooms_free(f->e);
    assert_int_equal(theap_count(f->e->timers), 0); /* every entry went with its item */
    addrmap_destroy(f->e->by_addr);
    engine_indices_destroy(f->e);
    queue_destroy(f->m->events);
    dtls_cert_destroy(f->m->cert);
    free(f->m);
    free(f);
    return 0;
}

/* An echo check session started at now_us that ends itself after dur_us. */
static struct msession *echo(struct fx *f, uint64_t id, int64_t now_us, int64_t dur_us)
{
    struct media_echo_params p = {.session = id, .role = DTLS_ROLE_SERVER};
    snprintf(p.ufrag, sizeof p.ufrag, "uf%04u", (unsigned)(id % 10000));
    snprintf(p.pwd, sizeof p.pwd, "%s", PWD);
    snprintf(p.remote_ufrag, sizeof p.remote_ufrag, "brws");
    snprintf(p.fp_alg, sizeof p.fp_alg, "sha-256");
    snprintf(p.fp, sizeof p.fp, "%s", f->fp);
    p.max_duration_us = dur_us;
    engine_echo_create(f->e, now_us, &p);
    struct msession *s = engine_session_find(f->e, id);
    assert_non_null(s);
    return s;
}

static bool next_event(struct fx *f, struct media_event *ev)
{
    return media_poll_event(f->m, ev);
}

static void test_expiry_exactly_at_deadline(void **state)
{
    struct fx *f = *state;
    echo(f, 7, T0, 5 * SEC);
    assert_int_equal(engine_next_deadline(f->e), T0 + 5 * SEC);
    struct media_event ev;
    engine_timers_run(f->e, T0 + 5 * SEC - 1);
    assert_false(next_event(f, &ev));
    assert_non_null(engine_session_find(f->e, 7));
    assert_int_equal(engine_next_deadline(f->e), T0 + 5 * SEC);
    engine_timers_run(f->e, T0 + 5 * SEC);
    assert_true(next_event(f, &ev));
    assert_int_equal(ev.kind, MEDIA_EVENT_CLOSED);
    assert_int_equal(ev.session, 7);
    assert_string_equal(ev.reason, "time limit reached");
    assert_false(next_event(f, &ev));
    assert_null(engine_session_find(f->e, 7));
    assert_int_equal(engine_next_deadline(f->e), INT64_MAX);
    assert_int_equal(theap_count(f->e->timers), 0);
}

/* Left alone longer than ICE waits: the transport's own timer fails it at
 * its deadline (the expiry is later). */
static void test_ice_timeout_at_deadline(void **state)
{
    struct fx *f = *state;
    echo(f, 8, T0, 600 * SEC);
    int64_t d = T0 + ICE_CONNECT_TIMEOUT_US;
    assert_int_equal(engine_next_deadline(f->e), d);
    struct media_event ev;
    engine_timers_run(f->e, d - 1);
    assert_false(next_event(f, &ev));
    engine_timers_run(f->e, d);
    assert_true(next_event(f, &ev));
    assert_int_equal(ev.kind, MEDIA_EVENT_FAILED);
    assert_int_equal(ev.session, 8);
    assert_null(engine_session_find(f->e, 8));
    assert_int_equal(engine_next_deadline(f->e), INT64_MAX);
}

static void test_rekeyed_earlier_fires_earlier(void **state)
{
    struct fx *f = *state;
    echo(f, 1, T0, 10 * SEC);
    struct msession *b = echo(f, 2, T0, 20 * SEC);
    assert_int_equal(engine_next_deadline(f->e), T0 + 10 * SEC);
    b->expires_us = T0 + 4 * SEC;
    engine_session_rearm(f->e, b);
    assert_int_equal(engine_next_deadline(f->e), T0 + 4 * SEC);
    struct media_event ev;
    engine_timers_run(f->e, T0 + 4 * SEC);
    assert_true(next_event(f, &ev));
    assert_int_equal(ev.session, 2);
    assert_false(next_event(f, &ev));
    assert_non_null(engine_session_find(f->e, 1));
    assert_int_equal(engine_next_deadline(f->e), T0 + 10 * SEC);
    /* Later again: the entry moves back. */
    struct msession *a = engine_session_find(f->e, 1);
    a->expires_us = T0 + 12 * SEC;
    engine_session_rearm(f->e, a);
    assert_int_equal(engine_next_deadline(f->e), T0 + 12 * SEC);
    engine_timers_run(f->e, T0 + 10 * SEC); /* early: nothing due */
    assert_false(next_event(f, &ev));
    assert_non_null(engine_session_find(f->e, 1));
}

/* A timer pass late by a second handles everything due by then, once. */
static void test_late_pass(void **state)
{
    struct fx *f = *state;
    for (uint64_t i = 0; i < 10; i++)
        echo(f, 100 + i, T0, (int64_t)(i + 1) * 100000);
    echo(f, 200, T0, 5 * SEC);
    engine_timers_run(f->e, T0 + SEC);
    struct media_event ev;
    size_t n = 0;
    while (next_event(f, &ev)) {
        assert_int_equal(ev.session, 100 + n);
        n++;
    }
    assert_int_equal(n, 10);
    assert_int_equal(engine_next_deadline(f->e), T0 + 5 * SEC);
}

/* Many sessions with spread deadlines: each fires once, in order, exactly
 * when due. */
#define N_SPREAD 1000
static void test_spread_in_order(void **state)
{
    struct fx *f = *state;
    static uint32_t order[N_SPREAD];
    static bool fired[N_SPREAD];
    for (uint32_t i = 0; i < N_SPREAD; i++)
        order[i] = i;
    srand(5);
    for (uint32_t i = N_SPREAD - 1; i > 0; i--) { /* created in a shuffled order */
        uint32_t j = (uint32_t)rand() % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    /* Session k expires after (k + 1) * 7 ms; some share a deadline. */
    for (uint32_t i = 0; i < N_SPREAD; i++) {
        uint32_t k = order[i];
        echo(f, 1000 + k, T0, (int64_t)(k / 2 + 1) * 7000);
    }
    memset(fired, 0, sizeof fired);
    int64_t last = 0;
    size_t got = 0, passes = 0;
    while (engine_next_deadline(f->e) != INT64_MAX && passes < 2 * N_SPREAD) {
        int64_t now = engine_next_deadline(f->e);
        assert_true(now > last);
        last = now;
        engine_timers_run(f->e, now);
        passes++;
        struct media_event ev;
        size_t in_pass = 0;
        while (next_event(f, &ev)) {
            uint32_t k = (uint32_t)(ev.session - 1000);
            assert_true(k < N_SPREAD);
            assert_false(fired[k]);
            fired[k] = true;
            assert_int_equal(T0 + (int64_t)(k / 2 + 1) * 7000, now);
            in_pass++;
        }
        assert_int_equal(in_pass, 2); /* the two sharing this deadline */
        got += in_pass;
    }
    assert_int_equal(got, N_SPREAD);
    assert_int_equal(passes, N_SPREAD / 2);
    assert_null(f->e->sessions);
}

/* A meeting room with one peer (session 42 in room 9) publishing a
 * microphone (SSRC 1234) with the transport-wide seq extension as id 3. */
static struct mroom *room_with_publisher(struct fx *f, struct media_cmd *cmd)
{
    memset(cmd, 0, sizeof *cmd);
    cmd->kind = MEDIA_CMD_PEER;
    struct media_peer_params *p = &cmd->u.peer;
    p->session = 42;
    p->room = 9;
    snprintf(p->ufrag, sizeof p->ufrag, "peer");
    snprintf(p->pwd, sizeof p->pwd, "%s", PWD);
    snprintf(p->remote_ufrag, sizeof p->remote_ufrag, "brws");
    snprintf(p->fp_alg, sizeof p->fp_alg, "sha-256");
    snprintf(p->fp, sizeof p->fp, "%s", f->fp);
    p->role = DTLS_ROLE_SERVER;
    engine_room_command(f->e, cmd);
    struct mroom *room = engine_room_find(f->e, 9);
    assert_non_null(room);
    assert_int_equal(theap_count(f->e->timers), 2);
    /* No producer yet: the router has no timer, only the peer's ICE. */
    assert_int_equal(theap_at(f->e->timers, room->timer), INT64_MAX);

    memset(cmd, 0, sizeof *cmd);
    cmd->kind = MEDIA_CMD_PRODUCER_ADD;
    cmd->room = 9;
    cmd->u.producer = (struct router_producer_cfg){
        .id = 1,
        .peer = 42,
        .kind = ROUTER_AUDIO,
        .source = ROUTER_SOURCE_MIC,
        .codec = ROUTER_CODEC_OPUS,
        .pt = 111,
        .rtx_pt = -1,
        .clock_rate = 48000,
        .n_layers = 1,
        .ext = {.twcc = 3},
    };
    cmd->u.producer.layers[0].ssrc = 1234;
    engine_room_command(f->e, cmd);
    return room;
}

static void close_room(struct fx *f, struct media_cmd *cmd)
{
    memset(cmd, 0, sizeof *cmd);
    cmd->kind = MEDIA_CMD_ROOM_CLOSE;
    cmd->room = 9;
    engine_room_command(f->e, cmd);
    assert_null(engine_room_find(f->e, 9));
    assert_null(engine_session_find(f->e, 42));
    assert_int_equal(theap_count(f->e->timers), 0);
    assert_int_equal(engine_next_deadline(f->e), INT64_MAX);
}

/* A meeting room: its router's timers fire at their deadline and re-arm
 * it; closing the room takes its entry and its peers' entries away. */
static void test_room_router_timer(void **state)
{
    struct fx *f = *state;
    struct media_cmd *cmd = calloc(1, sizeof *cmd);
    assert_non_null(cmd);
    struct mroom *room = room_with_publisher(f, cmd);
    int64_t d = router_next_deadline(room->router);
    assert_true(d != INT64_MAX);
    assert_int_equal(theap_at(f->e->timers, room->timer), d);
    assert_true(engine_next_deadline(f->e) <= d);

    /* Just before: the room is not handled (its entry stays as it is). */
    engine_timers_run(f->e, d - 1);
    assert_int_equal(theap_at(f->e->timers, room->timer), d);
    engine_timers_run(f->e, d);
    int64_t d2 = theap_at(f->e->timers, room->timer);
    assert_true(d2 > d);
    assert_int_equal(d2, router_next_deadline(room->router));

    close_room(f, cmd);
    free(cmd);
}

/* An Opus packet of SSRC 1234 with transport-wide seq `tw` (id 3). */
static size_t rtp_with_twcc(uint8_t *b, uint16_t seq, uint16_t tw)
{
    static const uint8_t head[] = {0x90, 111, 0,    0,    0,    0,    0x10, 0,
                                   0,    0,   0x04, 0xd2, 0xbe, 0xde, 0,    1};
    memcpy(b, head, sizeof head);
    b[2] = (uint8_t)(seq >> 8);
    b[3] = (uint8_t)seq;
    b[16] = 3 << 4 | 1; /* id 3, two bytes */
    b[17] = (uint8_t)(tw >> 8);
    b[18] = (uint8_t)tw;
    b[19] = 0;
    memset(b + 20, 0x55, 40);
    return 60;
}

/* A room with a publisher (room_with_publisher, *cmd made for it) and the
 * publisher's session. */
static struct mroom *publisher_room(struct fx *f, struct media_cmd **cmd, struct msession **s)
{
    *cmd = calloc(1, sizeof **cmd);
    assert_non_null(*cmd);
    struct mroom *room = room_with_publisher(f, *cmd);
    *s = engine_session_find(f->e, 42);
    assert_non_null(*s);
    return room;
}

/* The packet path re-keys: a publisher's burst that makes transport-cc
 * feedback due brings its room's entry forward to the feedback's deadline,
 * where the room is handled and re-keyed from what is due then. */
static void test_packet_path_rekeys_room(void **state)
{
    struct fx *f = *state;
    struct media_cmd *cmd;
    struct msession *s;
    struct mroom *room = publisher_room(f, &cmd, &s);
    assert_non_null(s->twcc);
    assert_int_equal(s->twcc_in_id, 3);
    int64_t router_d = router_next_deadline(room->router);
    assert_int_equal(theap_at(f->e->timers, room->timer), router_d);

    uint8_t pkt[64];
    /* Half a router tick after the room was made: on the router's clock
     * (worker_clock_us() when it was made), whatever time the test takes. */
    int64_t now = router_d - 50000;
    /* Not yet: feedback waits for its interval, after the router's tick. */
    engine_room_media(f->e, s, now, false, pkt, rtp_with_twcc(pkt, 100, 1));
    assert_true(twcc_recv_next_deadline(s->twcc) > router_d);
    assert_int_equal(theap_at(f->e->timers, room->timer), router_d);
    /* A burst fills a feedback message: due at once. */
    for (uint16_t i = 2; i <= TWCC_FB_MAX_PKTS; i++)
        engine_room_media(f->e, s, now, false, pkt, rtp_with_twcc(pkt, (uint16_t)(100 + i), i));
    int64_t fb = twcc_recv_next_deadline(s->twcc);
    assert_int_equal(fb, now);
    assert_true(fb < router_d);
    assert_int_equal(theap_at(f->e->timers, room->timer), fb);
    assert_true(engine_next_deadline(f->e) <= fb);

    engine_timers_run(f->e, fb - 1);
    assert_int_equal(theap_at(f->e->timers, room->timer), fb);
    engine_timers_run(f->e, fb);
    /* Handled: the transport is not connected, so no feedback is due to
     * it; the room waits for its router again. */
    assert_int_equal(theap_at(f->e->timers, room->timer), router_next_deadline(room->router));
    assert_true(theap_at(f->e->timers, room->timer) > fb);

    close_room(f, cmd);
    free(cmd);
}

/* A forwarded packet for a peer that cannot receive (its transport is not
 * connected; and here no worker, so no pool either) finds no buffer to be
 * written into: the router counts it as forwarded and dropped, nothing is
 * sent, nothing breaks. */
static void test_forward_without_buffer_is_dropped(void **state)
{
    struct fx *f = *state;
    struct media_cmd *cmd;
    struct msession *s;
    struct mroom *room = publisher_room(f, &cmd, &s);
    memset(cmd, 0, sizeof *cmd);
    cmd->kind = MEDIA_CMD_CONSUMER_ADD;
    cmd->room = 9;
    cmd->u.consumer = (struct router_consumer_cfg){
        .id = 7, .producer = 1, .peer = 42, .ssrc = 0x4242, .pt = 111, .rtx_pt = -1};
    engine_room_command(f->e, cmd);

    uint8_t pkt[64];
    int64_t now = router_next_deadline(room->router) - 50000;
    for (uint16_t i = 0; i < 3; i++)
        engine_room_media(f->e, s, now, false, pkt, rtp_with_twcc(pkt, (uint16_t)(100 + i), i));
    struct router_stats st;
    router_get_stats(room->router, &st);
    assert_int_equal(st.rtp_in, 3);
    assert_int_equal(st.rtp_forwarded, 3);
    assert_int_equal(st.rtp_out_dropped, 3);
    assert_null(room->out_pkt);

    close_room(f, cmd);
    free(cmd);
    /* The closed room's router counts reach the worker's (/metrics). */
    assert_int_equal(atomic_load(&f->e->c.rtp_out_dropped), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_expiry_exactly_at_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ice_timeout_at_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rekeyed_earlier_fires_earlier, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_pass, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spread_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_room_router_timer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_packet_path_rekeys_room, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forward_without_buffer_is_dropped, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
