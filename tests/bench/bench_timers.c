/* The cost of a media worker's timer tick, CPU time of this thread, median
 * of RUNS rounds, with SESSIONS meeting transports on one engine in rooms
 * of ROOM_SIZE (three participants, each with a publish and a subscribe
 * transport), of which few are due at each tick:
 *
 *   walk  the engine's tick before its timer heap, reproduced here as the
 *         peer: every room (router deadline, each peer slot's feedback,
 *         REMB and probe checks) and every session (expiry, transport
 *         deadline, events, next deadline) on every tick
 *   heap  engine_timers_run(): DUE_SESSIONS sessions and DUE_ROOMS rooms
 *         made due for the tick (their entries re-keyed to it, what the
 *         packet path does when a deadline comes earlier; counted in the
 *         tick), popped, handled as the walk handles them, and re-armed
 *
 * Both handle the same items the same way (nothing real is due: the
 * transports wait for ICE, the routers have no producers), so the
 * difference is the walk itself. No worker runs: the engine is driven on
 * a fake clock (engine.h).
 *   make bench-timers   (release build; see docs/BENCHMARKS.md) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/bench/bench.h"
#include "media/dtls.h"
#include "media/engine.h"
#include "media/media_int.h"
#include "media/router.h"
#include "media/transport.h"
#include "media/twcc.h"
#include "media/remb_est.h"
#include "media/worker.h"

#define RUNS 5
#define ROOM_SIZE 6
#define DUE_SESSIONS 4
#define DUE_ROOMS 1
#define PWD "abcdefghijklmnopqrstuvwx"
#define TICK_US 100 /* all ticks stay within the transports' ICE wait (30 s) */

static volatile int64_t g_sink;

struct fx {
    struct media *m;
    struct engine *e;
    unsigned n_sessions;
    struct msession **sessions; /* in the order made */
    struct mroom **rooms;
    unsigned n_rooms;
    int64_t now;
};

static void fail(const char *what)
{
    bench_fail("bench_timers", what);
}

static void fx_init(struct fx *f, unsigned n_sessions)
{
    char fp[DTLS_FINGERPRINT_MAX];
    memset(f, 0, sizeof *f);
    f->m = calloc(1, sizeof *f->m);
    if (!f->m || dtls_cert_create(&f->m->cert) != 0 || dtls_cert_fingerprint(f->m->cert, fp) != 0 ||
        queue_create(&f->m->events, 1024, sizeof(struct media_event)) != 0)
        fail("setup");
    f->e = &f->m->engines[0];
    f->e->m = f->m;
    if (addrmap_create(&f->e->by_addr, 64) != 0 || engine_indices_create(f->e) != 0)
        fail("engine");
    f->n_sessions = n_sessions;
    f->n_rooms = (n_sessions + ROOM_SIZE - 1) / ROOM_SIZE;
    f->sessions = calloc(n_sessions, sizeof *f->sessions);
    f->rooms = calloc(f->n_rooms, sizeof *f->rooms);
    struct media_cmd *cmd = calloc(1, sizeof *cmd);
    if (!f->sessions || !f->rooms || !cmd)
        fail("calloc");
    for (unsigned i = 0; i < n_sessions; i++) {
        memset(cmd, 0, sizeof *cmd);
        cmd->kind = MEDIA_CMD_PEER;
        struct media_peer_params *p = &cmd->u.peer;
        p->session = 1000 + i;
        p->room = 1 + i / ROOM_SIZE;
        p->role = DTLS_ROLE_SERVER;
        p->twcc_out_id = i % 2 ? 3 : 0; /* subscribers stamp transport-wide seqs */
        snprintf(p->ufrag, sizeof p->ufrag, "u%07u", i % 10000000u);
        snprintf(p->pwd, sizeof p->pwd, "%s", PWD);
        snprintf(p->remote_ufrag, sizeof p->remote_ufrag, "brws");
        snprintf(p->fp_alg, sizeof p->fp_alg, "sha-256");
        snprintf(p->fp, sizeof p->fp, "%s", fp);
        engine_room_command(f->e, cmd);
        f->sessions[i] = engine_session_find(f->e, p->session);
        if (!f->sessions[i])
            fail("peer");
        f->rooms[i / ROOM_SIZE] = f->sessions[i]->room;
    }
    free(cmd);
    f->now = worker_clock_us(); /* the peers' transports started on this clock */
}

static void fx_free(struct fx *f)
{
    engine_rooms_free(f->e);
    while (f->e->sessions)
        engine_session_free(f->e, f->e->sessions);
    addrmap_destroy(f->e->by_addr);
    engine_indices_destroy(f->e);
    queue_destroy(f->m->events);
    dtls_cert_destroy(f->m->cert);
    free(f->m);
    free(f->sessions);
    free(f->rooms);
}

static int64_t earlier(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* The tick as it was: engine_phones_timeout, engine_rooms_timeout and the
 * walk over every session of on_timer (what it found due is handled the
 * same way; here nothing is). Returns the worker's next deadline. */
static int64_t walk_tick(struct engine *e, int64_t now_us)
{
    int64_t next = INT64_MAX;
    for (struct mroom *room = e->rooms; room; room = room->next)
        if (room->phones && room->mixer)
            engine_phone_room_cycle(e, room, now_us);
    for (struct mroom *room = e->rooms; room; room = room->next) {
        if (router_next_deadline(room->router) <= now_us)
            router_timeout(room->router, now_us);
        for (size_t i = 0; i < ROOM_PEERS_MAX; i++) { /* send_feedback */
            struct msession *s = room->peers[i];
            if (!s || !s->twcc || !s->twcc_in_id || !transport_is_connected(s->t))
                continue;
            next = earlier(next, twcc_recv_next_deadline(s->twcc));
        }
        for (size_t i = 0; i < ROOM_PEERS_MAX; i++) { /* send_rembs */
            struct msession *s = room->peers[i];
            if (!s || !s->remb)
                continue;
            next = earlier(next, remb_est_next_deadline(s->remb));
        }
        for (size_t i = 0; i < ROOM_PEERS_MAX; i++) { /* send_probes */
            struct msession *s = room->peers[i];
            if (!s || !s->bwe || !s->twcc_out_id || s->next_probe_us == INT64_MAX)
                continue;
            next = earlier(next, s->next_probe_us);
        }
        next = earlier(next, router_next_deadline(room->router));
    }
    struct msession *s = e->sessions;
    while (s) {
        struct msession *n = s->next;
        if (now_us >= s->expires_us) {
            engine_session_free(e, s);
        } else {
            if (transport_next_deadline(s->t) <= now_us)
                transport_timeout(s->t, now_us);
            if (engine_session_events(e, s))
                next = earlier(next, earlier(transport_next_deadline(s->t), s->expires_us));
        }
        s = n;
    }
    return next;
}

/* ns per tick of the walk, over `ticks` ticks. */
static double walk_round(struct fx *f, int ticks)
{
    double t0 = bench_cpu_ns();
    for (int i = 0; i < ticks; i++) {
        f->now += TICK_US;
        g_sink += walk_tick(f->e, f->now);
    }
    return (bench_cpu_ns() - t0) / ticks;
}

/* ns per tick with the heap: a few entries made due, then the pass. */
static double heap_round(struct fx *f, int ticks, unsigned *seed)
{
    double t0 = bench_cpu_ns();
    for (int i = 0; i < ticks; i++) {
        f->now += TICK_US;
        for (int k = 0; k < DUE_SESSIONS; k++) {
            *seed = *seed * 1103515245u + 12345u;
            struct msession *s = f->sessions[(*seed >> 8) % f->n_sessions];
            engine_timer_set(f->e, s->timer, f->now);
        }
        for (int k = 0; k < DUE_ROOMS; k++) {
            *seed = *seed * 1103515245u + 12345u;
            engine_timer_set(f->e, f->rooms[(*seed >> 8) % f->n_rooms]->timer, f->now);
        }
        engine_timers_run(f->e, f->now);
        g_sink += engine_next_deadline(f->e);
    }
    return (bench_cpu_ns() - t0) / ticks;
}

static void run(unsigned n_sessions)
{
    struct fx f;
    double walk[RUNS], heap[RUNS];
    unsigned seed = 7;
    fx_init(&f, n_sessions);
    int walk_ticks = n_sessions >= 10000 ? 100 : 1000;
    int heap_ticks = 20000;
    for (int r = 0; r < RUNS; r++) {
        walk[r] = walk_round(&f, walk_ticks);
        heap[r] = heap_round(&f, heap_ticks, &seed);
    }
    /* Nothing was due for real: every transport and room is still there. */
    size_t live = 0;
    for (struct msession *s = f.e->sessions; s; s = s->next)
        live++;
    if (live != n_sessions || theap_count(f.e->timers) != n_sessions + f.n_rooms)
        fail("the sessions survived the ticks");
    double w = bench_median(walk, RUNS), h = bench_median(heap, RUNS);
    printf("%6u sessions, %5u rooms: walk %10.0f ns/tick   heap %7.0f ns/tick "
           "(%d sessions + %d room due)   walk/heap %.0fx\n",
           n_sessions, f.n_rooms, w, h, DUE_SESSIONS, DUE_ROOMS, w / h);
    fx_free(&f);
}

int main(void)
{
    printf("bench_timers: one timer tick of a media worker, CPU time, median of %d rounds\n", RUNS);
    run(1000);
    run(10000);
    return 0;
}
