/* Tests for the engine's session indices (media/engine.c): by session id
 * and by the ICE ufrag a STUN check names, kept in step when sessions are
 * made, restart ICE and go, with a thousand sessions on one engine. No
 * worker runs: the engine is driven directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/dtls.h"
#include "media/media_int.h"
#include "media/stun.h"
#include "media/transport.h"
#include "base/err.h"

#define N_SESSIONS 1000
#define PWD "abcdefghijklmnopqrstuvwx"
#define PWD2 "ABCDEFGHIJKLMNOPQRSTUVWX"

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
    addrmap_destroy(f->e->by_addr);
    engine_indices_destroy(f->e);
    dtls_cert_destroy(f->m->cert);
    free(f->m);
    free(f);
    return 0;
}

static int create(struct fx *f, uint64_t id, const char *ufrag, struct msession **out)
{
    return engine_session_create(f->e, 0, id, ufrag, PWD, "brws", "sha-256", f->fp,
                                 DTLS_ROLE_SERVER, out);
}

/* A binding request naming `ufrag` as ours (USERNAME "ufrag:brws"). */
static size_t check_for(const char *ufrag, uint8_t *buf, size_t cap)
{
    char user[64];
    snprintf(user, sizeof user, "%s:brws", ufrag);
    struct stun_binding_request req = {
        .tid = {1, 2, 3},
        .username = user,
        .priority = 1,
        .key = (const uint8_t *)PWD,
        .key_len = strlen(PWD),
    };
    size_t len = 0;
    assert_int_equal(stun_build_binding_request(buf, cap, &req, &len), 0);
    return len;
}

static struct msession *by_ufrag(struct fx *f, const char *ufrag)
{
    uint8_t buf[STUN_MAX_MESSAGE];
    size_t n = check_for(ufrag, buf, sizeof buf);
    return engine_session_by_ufrag(f->e, buf, n);
}

static void ufrag_of(unsigned i, char out[16])
{
    snprintf(out, 16, "u%07u", i);
}

static void test_many_sessions(void **state)
{
    struct fx *f = *state;
    static struct msession *s[N_SESSIONS];
    char u[16];
    for (unsigned i = 0; i < N_SESSIONS; i++) {
        ufrag_of(i, u);
        assert_int_equal(create(f, 1000 + (uint64_t)i * 3, u, &s[i]), 0);
    }
    for (unsigned i = 0; i < N_SESSIONS; i++) {
        ufrag_of(i, u);
        assert_ptr_equal(engine_session_find(f->e, 1000 + (uint64_t)i * 3), s[i]);
        assert_null(engine_session_find(f->e, 1001 + (uint64_t)i * 3));
        assert_ptr_equal(by_ufrag(f, u), s[i]);
    }
    assert_null(by_ufrag(f, "nobody"));
    assert_null(by_ufrag(f, "u000000")); /* a prefix of one */
    /* Not STUN at all. */
    uint8_t junk[40] = {0x80, 0x60};
    assert_null(engine_session_by_ufrag(f->e, junk, sizeof junk));

    /* Every other one goes: the rest stay found, the gone ones do not. */
    for (unsigned i = 0; i < N_SESSIONS; i += 2)
        engine_session_free(f->e, s[i]);
    for (unsigned i = 0; i < N_SESSIONS; i++) {
        ufrag_of(i, u);
        struct msession *want = i % 2 ? s[i] : NULL;
        assert_ptr_equal(engine_session_find(f->e, 1000 + (uint64_t)i * 3), want);
        assert_ptr_equal(by_ufrag(f, u), want);
    }
}

static void test_duplicates_refused(void **state)
{
    struct fx *f = *state;
    struct msession *a, *b = NULL;
    assert_int_equal(create(f, 7, "dupe1", &a), 0);
    assert_int_equal(create(f, 7, "other", &b), ERR_EXISTS);
    assert_int_equal(create(f, 8, "dupe1", &b), ERR_EXISTS);
    /* Neither refusal left anything behind. */
    assert_null(engine_session_find(f->e, 8));
    assert_null(by_ufrag(f, "other"));
    assert_ptr_equal(by_ufrag(f, "dupe1"), a);
    assert_ptr_equal(engine_session_find(f->e, 7), a);
}

static void test_ice_restart_moves_ufrag(void **state)
{
    struct fx *f = *state;
    struct msession *s, *o;
    assert_int_equal(create(f, 1, "first", &s), 0);
    assert_int_equal(create(f, 2, "other", &o), 0);

    engine_ufrag_unindex(f->e, s);
    assert_int_equal(transport_restart_ice(s->t, 0, "second", PWD2, "brws2"), 0);
    assert_int_equal(engine_ufrag_index(f->e, s), 0);
    assert_null(by_ufrag(f, "first"));
    assert_ptr_equal(by_ufrag(f, "second"), s);
    assert_ptr_equal(by_ufrag(f, "other"), o);

    /* A refused restart keeps the old ufrag, indexed again. */
    engine_ufrag_unindex(f->e, s);
    assert_int_not_equal(transport_restart_ice(s->t, 0, "second", PWD, "brws3"), 0);
    assert_int_equal(engine_ufrag_index(f->e, s), 0);
    assert_ptr_equal(by_ufrag(f, "second"), s);

    /* Gone: its ufrag with it, the other session's stays. */
    engine_session_free(f->e, s);
    assert_null(by_ufrag(f, "second"));
    assert_ptr_equal(by_ufrag(f, "other"), o);
    assert_null(engine_session_find(f->e, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_many_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ice_restart_moves_ufrag, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
