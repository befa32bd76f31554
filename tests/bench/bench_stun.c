/* The cost of an ICE connectivity check on a media worker, CPU time of
 * this thread, median of RUNS rounds:
 *   - MESSAGE-INTEGRITY alone: stun_check_integrity() of a parsed Binding
 *     request (HMAC-SHA1 under the ICE password), and the same under the
 *     password made ready once (stun_check_integrity_mac(), what an ICE
 *     agent does)
 *   - the whole check on an ICE agent: ice_input() (parse, FINGERPRINT,
 *     USERNAME, MESSAGE-INTEGRITY, the success response built with its own
 *     MESSAGE-INTEGRITY and FINGERPRINT) and taking the response
 *   - with SESSIONS sessions on one engine: finding the session a check
 *     from a new address names by its ufrag (engine_session_by_ufrag:
 *     parse + lookup), and a session by id (engine_session_find, what
 *     every command from the signaling thread does); the sessions looked
 *     for are spread over the whole set
 *   make bench-stun   (release build; see docs/BENCHMARKS.md) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/bench/bench.h"
#include "media/dtls.h"
#include "media/ice.h"
#include "media/media_int.h"
#include "media/stun.h"

#define CHECKS 200000
#define LOOKUPS 2000000
#define RUNS 5
#define SESSIONS 1000
#define PWD "abcdefghijklmnopqrstuvwx"

static volatile uintptr_t g_sink;

static void fail(const char *what)
{
    bench_fail("bench_stun", what);
}

static size_t request(uint8_t *buf, size_t cap, const char *ufrag)
{
    char user[64];
    struct stun_binding_request req;
    size_t len = 0;

    snprintf(user, sizeof(user), "%s:brws", ufrag);
    memset(&req, 0, sizeof(req));
    memcpy(req.tid, "bench-tid-12", STUN_TID_LEN);
    req.username = user;
    req.priority = 0x6e0001ff;
    req.controlling = true;
    req.tie_breaker = 42;
    req.use_candidate = true;
    req.key = (const uint8_t *)PWD;
    req.key_len = strlen(PWD);
    if (stun_build_binding_request(buf, cap, &req, &len) != 0)
        fail("request");
    return len;
}

static double integrity_round(const struct stun_msg *m)
{
    double t0 = bench_cpu_ns();

    for (int i = 0; i < CHECKS; i++)
        if (stun_check_integrity(m, (const uint8_t *)PWD, strlen(PWD)) != 0)
            fail("stun_check_integrity");
    return (bench_cpu_ns() - t0) / CHECKS;
}

static double mac_round(const struct stun_msg *m, struct stun_mac *mac)
{
    double t0 = bench_cpu_ns();

    for (int i = 0; i < CHECKS; i++)
        if (stun_check_integrity_mac(m, mac) != 0)
            fail("stun_check_integrity_mac");
    return (bench_cpu_ns() - t0) / CHECKS;
}

static double ice_round(struct ice_agent *a, const uint8_t *buf, size_t len,
                        const struct stun_addr *from)
{
    struct ice_output o;
    double t0 = bench_cpu_ns();

    for (int i = 0; i < CHECKS; i++) {
        if (ice_input(a, 1000000 + i, buf, len, from, ICE_PROTO_UDP) != 0)
            fail("ice_input");
        while (ice_poll(a, &o))
            g_sink += o.len;
    }
    return (bench_cpu_ns() - t0) / CHECKS;
}

struct engine_fx {
    struct media *m;
    struct engine *e;
    uint8_t checks[16][STUN_MAX_MESSAGE];
    size_t lens[16];
};

static void engine_init(struct engine_fx *f)
{
    char fp[DTLS_FINGERPRINT_MAX], ufrag[16];

    f->m = calloc(1, sizeof(*f->m));
    if (f->m == NULL || dtls_cert_create(&f->m->cert) != 0 ||
        dtls_cert_fingerprint(f->m->cert, fp) != 0)
        fail("certificate");
    f->e = &f->m->engines[0];
    f->e->m = f->m;
    if (addrmap_create(&f->e->by_addr, 64) != 0 || engine_indices_create(f->e) != 0)
        fail("engine");
    for (unsigned i = 0; i < SESSIONS; i++) {
        struct msession *s;

        snprintf(ufrag, sizeof(ufrag), "u%07u", i);
        if (engine_session_create(f->e, 0, 1000 + i, ufrag, PWD, "brws", "sha-256", fp,
                                  DTLS_ROLE_SERVER, &s) != 0)
            fail("engine_session_create");
    }
    for (unsigned k = 0; k < 16; k++) {
        snprintf(ufrag, sizeof(ufrag), "u%07u", k * (SESSIONS / 16));
        f->lens[k] = request(f->checks[k], sizeof(f->checks[k]), ufrag);
    }
}

static double ufrag_round(struct engine_fx *f)
{
    double t0 = bench_cpu_ns();

    for (int i = 0; i < CHECKS; i++) {
        struct msession *s = engine_session_by_ufrag(f->e, f->checks[i & 15], f->lens[i & 15]);

        if (s == NULL)
            fail("engine_session_by_ufrag");
        g_sink += (uintptr_t)s;
    }
    return (bench_cpu_ns() - t0) / CHECKS;
}

static double id_round(struct engine_fx *f)
{
    double t0 = bench_cpu_ns();

    for (int i = 0; i < LOOKUPS; i++) {
        struct msession *s = engine_session_find(f->e, 1000 + (uint64_t)(i * 61) % SESSIONS);

        if (s == NULL)
            fail("engine_session_find");
        g_sink += (uintptr_t)s;
    }
    return (bench_cpu_ns() - t0) / LOOKUPS;
}

int main(void)
{
    static struct engine_fx fx;
    uint8_t buf[STUN_MAX_MESSAGE];
    struct stun_msg msg;
    struct stun_addr from;
    struct ice_agent *a;
    struct ice_cfg cfg;
    double v[5][RUNS];
    struct stun_mac *mac;
    size_t len = request(buf, sizeof(buf), "srvr");

    if (stun_parse(&msg, buf, len) != 0)
        fail("stun_parse");
    if (stun_mac_create(&mac, (const uint8_t *)PWD, strlen(PWD)) != 0)
        fail("stun_mac_create");
    memset(&cfg, 0, sizeof(cfg));
    cfg.local_ufrag = "srvr";
    cfg.local_pwd = PWD;
    cfg.remote_ufrag = "brws";
    cfg.now_us = 1000000;
    if (ice_create(&a, &cfg) != 0)
        fail("ice_create");
    memset(&from, 0, sizeof(from));
    from.family = STUN_FAMILY_IPV4;
    from.port = 50000;
    from.ip[0] = 192;
    from.ip[1] = 168;
    from.ip[3] = 7;
    engine_init(&fx);
    for (int k = 0; k < RUNS; k++) {
        v[0][k] = integrity_round(&msg);
        v[1][k] = ice_round(a, buf, len, &from);
        v[2][k] = ufrag_round(&fx);
        v[3][k] = id_round(&fx);
        v[4][k] = mac_round(&msg, mac);
        printf("round %d: integrity %.1f (ready key %.1f), ICE check %.1f, by ufrag %.1f, by id "
               "%.1f ns\n",
               k, v[0][k], v[4][k], v[1][k], v[2][k], v[3][k]);
    }
    printf("\nns per operation, CPU time of this thread, median of %d rounds:\n", RUNS);
    printf("| MESSAGE-INTEGRITY check | the same, ready key | whole ICE check (ice_input + "
           "response) | session by ufrag (%d sessions) | session by id (%d sessions) |\n",
           SESSIONS, SESSIONS);
    printf("| %.1f | %.1f | %.1f | %.1f | %.1f |\n", bench_median(v[0], RUNS),
           bench_median(v[4], RUNS), bench_median(v[1], RUNS), bench_median(v[2], RUNS),
           bench_median(v[3], RUNS));
    stun_mac_destroy(mac);
    ice_destroy(a);
    while (fx.e->sessions)
        engine_session_free(fx.e, fx.e->sessions);
    addrmap_destroy(fx.e->by_addr);
    engine_indices_destroy(fx.e);
    dtls_cert_destroy(fx.m->cert);
    free(fx.m);
    return 0;
}
