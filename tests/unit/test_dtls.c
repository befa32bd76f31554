/* Tests for media/dtls: two of our own associations handshake with each
 * other in one process (see dtls_harness.h), in both role assignments,
 * with loss, garbage, forged records, fingerprint mismatches and close. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "media/dtls.h"
#include "media/dtls_int.h"
#include "base/err.h"
#include "tests/unit/dtls_harness.h"

static struct dtls_cert *cert_a; /* "our server" */
static struct dtls_cert *cert_b; /* "the browser" */
static char fp_a[DTLS_FINGERPRINT_MAX];
static char fp_b[DTLS_FINGERPRINT_MAX];

static int group_setup(void **state)
{
    (void)state;
    if (dtls_cert_create(&cert_a) != 0 || dtls_cert_create(&cert_b) != 0)
        return -1;
    if (dtls_cert_fingerprint(cert_a, fp_a) != 0 || dtls_cert_fingerprint(cert_b, fp_b) != 0)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    dtls_cert_destroy(cert_a);
    dtls_cert_destroy(cert_b);
    return 0;
}

/* a: DTLS server with cert_a expecting fp_b; b: client with cert_b
 * expecting fp_a (or the other way round when a_is_client). */
static void make_pair(struct ep *a, struct ep *b, bool a_is_client, const char *a_expects,
                      const char *b_expects)
{
    struct dtls *da, *db;

    assert_int_equal(dtls_create(&da, cert_a, a_is_client ? DTLS_ROLE_CLIENT : DTLS_ROLE_SERVER,
                                 "sha-256", a_expects),
                     0);
    assert_int_equal(dtls_create(&db, cert_b, a_is_client ? DTLS_ROLE_SERVER : DTLS_ROLE_CLIENT,
                                 "sha-256", b_expects),
                     0);
    ep_init(a, da);
    ep_init(b, db);
    assert_int_equal(dtls_start(da, harness_now_us), 0);
    assert_int_equal(dtls_start(db, harness_now_us), 0);
}

static void free_pair(struct ep *a, struct ep *b)
{
    dtls_destroy(a->d);
    dtls_destroy(b->d);
}

static void assert_keys_match(const struct ep *client, const struct ep *server,
                              enum dtls_srtp_profile profile)
{
    struct dtls_srtp_keys kc, ks;
    size_t salt = profile == DTLS_SRTP_AEAD_AES_128_GCM ? 12 : 14;

    assert_int_equal(dtls_srtp_keys(client->d, &kc), 0);
    assert_int_equal(dtls_srtp_keys(server->d, &ks), 0);
    assert_int_equal(kc.profile, profile);
    assert_int_equal(ks.profile, profile);
    assert_int_equal(kc.key_len, 16);
    assert_int_equal(kc.salt_len, salt);
    assert_int_equal(ks.salt_len, salt);
    assert_memory_equal(kc.local_key, ks.remote_key, 16);
    assert_memory_equal(kc.remote_key, ks.local_key, 16);
    assert_memory_equal(kc.local_salt, ks.remote_salt, salt);
    assert_memory_equal(kc.remote_salt, ks.local_salt, salt);
    assert_memory_not_equal(kc.local_key, kc.remote_key, 16);
    dtls_srtp_keys_wipe(&kc);
    dtls_srtp_keys_wipe(&ks);
}

/* ---- certificate and fingerprints ---- */

static void test_fingerprint_format(void **state)
{
    (void)state;
    assert_int_equal(strlen(fp_a), 32 * 3 - 1);
    for (size_t i = 0; i < strlen(fp_a); i++) {
        if (i % 3 == 2)
            assert_int_equal(fp_a[i], ':');
        else
            assert_true(isxdigit((unsigned char)fp_a[i]) && !islower((unsigned char)fp_a[i]));
    }
    assert_string_not_equal(fp_a, fp_b);
    assert_int_equal(dtls_cert_fingerprint(NULL, fp_a), ERR_INVAL);
}

static void test_create_rejects_bad_fingerprints(void **state)
{
    struct dtls *d = NULL;
    char shortfp[DTLS_FINGERPRINT_MAX];

    (void)state;
    memcpy(shortfp, fp_b, sizeof shortfp);
    shortfp[strlen(shortfp) - 3] = '\0'; /* one byte short */
    assert_int_equal(dtls_create(&d, cert_a, DTLS_ROLE_SERVER, "md5", fp_b), ERR_PARSE);
    assert_int_equal(dtls_create(&d, cert_a, DTLS_ROLE_SERVER, "sha-256", shortfp), ERR_PARSE);
    assert_int_equal(dtls_create(&d, cert_a, DTLS_ROLE_SERVER, "sha-256", ""), ERR_PARSE);
    assert_int_equal(dtls_create(&d, cert_a, DTLS_ROLE_SERVER, "sha-1", fp_b), ERR_PARSE);
    assert_int_equal(dtls_create(&d, cert_a, DTLS_ROLE_SERVER, "sha-256",
                                 "GG:00:00:00:00:00:00:00:00:00:00:"
                                 "00:00:00:00:00:00:00:00:00:00:00:"
                                 "00:00:00:00:00:00:00:00:00:00"),
                     ERR_PARSE);
    assert_null(d);
    assert_int_equal(dtls_create(&d, NULL, DTLS_ROLE_SERVER, "sha-256", fp_b), ERR_INVAL);
    /* A well-formed SHA-1 fingerprint (20 bytes) and upper-case algorithm. */
    assert_int_equal(dtls_create(&d, cert_a, DTLS_ROLE_SERVER, "SHA-1",
                                 "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33"),
                     0);
    assert_int_equal(dtls_get_state(d), DTLS_STATE_NEW);
    dtls_destroy(d);
    dtls_destroy(NULL);
    dtls_cert_destroy(NULL);
}

/* ---- handshakes ---- */

static void run_handshake(bool a_is_client)
{
    struct ep a, b;
    struct dtls_stats st;

    make_pair(&a, &b, a_is_client, fp_b, fp_a);
    harness_run(&a, &b, NULL, NULL, 5000000);
    assert_int_equal(a.connected, 1);
    assert_int_equal(b.connected, 1);
    assert_int_equal(a.failed + b.failed + a.closed + b.closed, 0);
    assert_int_equal(dtls_get_state(a.d), DTLS_STATE_CONNECTED);
    assert_int_equal(dtls_get_state(b.d), DTLS_STATE_CONNECTED);
    if (a_is_client)
        assert_keys_match(&a, &b, DTLS_SRTP_AEAD_AES_128_GCM);
    else
        assert_keys_match(&b, &a, DTLS_SRTP_AEAD_AES_128_GCM);
    /* Every datagram fit the MTU; no timeouts were needed. */
    assert_true(a.max_datagram <= DTLS_MTU && b.max_datagram <= DTLS_MTU);
    assert_int_equal(a.rejected + b.rejected, 0);
    dtls_get_stats(a.d, &st);
    assert_int_equal(st.handshakes_ok, 1);
    assert_int_equal(st.handshakes_failed, 0);
    assert_int_equal(st.retransmits, 0);
    assert_int_equal(st.records_dropped, 0);
    assert_int_equal(st.datagrams_out, a.sent);
    /* Connected: no deadline left, and it was reported. */
    assert_int_equal(dtls_next_deadline(a.d), DTLS_NO_DEADLINE);
    assert_int_equal(a.deadline, DTLS_NO_DEADLINE);
    free_pair(&a, &b);
}

static void test_handshake_we_are_server(void **state)
{
    (void)state;
    run_handshake(false);
}

static void test_handshake_we_are_client(void **state)
{
    (void)state;
    run_handshake(true);
}

/* The server's first flight (ServerHello, Certificate, ServerKeyExchange,
 * CertificateRequest, ServerHelloDone) is packed into one datagram. */
struct flight_probe {
    const struct ep *server;
    unsigned records_in_first;
};

static bool probe_first_server_flight(const struct ep *from, unsigned index, const uint8_t *buf,
                                      size_t len, void *arg)
{
    struct flight_probe *p = arg;
    size_t off = 0;

    if (from != p->server || index != 0)
        return false;
    while (len - off >= DTLS_RECORD_HEADER_LEN) {
        size_t body = (size_t)buf[off + 11] << 8 | buf[off + 12];

        assert_true(body <= len - off - DTLS_RECORD_HEADER_LEN);
        off += DTLS_RECORD_HEADER_LEN + body;
        p->records_in_first++;
    }
    assert_int_equal(off, len);
    return false;
}

static void test_records_packed_into_datagrams(void **state)
{
    struct ep a, b;
    struct flight_probe probe = {0};

    (void)state;
    make_pair(&a, &b, false, fp_b, fp_a);
    probe.server = &a;
    harness_run(&a, &b, probe_first_server_flight, &probe, 5000000);
    assert_int_equal(a.connected, 1);
    assert_int_equal(b.connected, 1);
    assert_int_equal(probe.records_in_first, 5);
    free_pair(&a, &b);
}

/* ---- fingerprint mismatch ---- */

static void run_mismatch(bool client_wrong)
{
    char wrong[DTLS_FINGERPRINT_MAX];
    struct ep a, b; /* a server, b client */
    struct dtls_srtp_keys k;
    struct dtls_stats st;

    if (client_wrong) {
        harness_wrong_fp(fp_a, wrong);
        make_pair(&a, &b, false, fp_b, wrong);
    } else {
        harness_wrong_fp(fp_b, wrong);
        make_pair(&a, &b, false, wrong, fp_a);
    }
    harness_run(&a, &b, NULL, NULL, 5000000);
    harness_pump(&a, &b, NULL, NULL); /* let the alert arrive */
    assert_int_equal(a.connected + b.connected, 0);
    assert_int_equal(a.failed, 1);
    assert_int_equal(b.failed, 1);
    if (client_wrong) {
        assert_string_equal(b.reason, "fingerprint mismatch");
        assert_string_equal(a.reason, "fatal alert received");
    } else {
        assert_string_equal(a.reason, "fingerprint mismatch");
        assert_string_equal(b.reason, "fatal alert received");
    }
    assert_int_equal(dtls_srtp_keys(a.d, &k), ERR_PROTO);
    assert_int_equal(dtls_srtp_keys(b.d, &k), ERR_PROTO);
    assert_int_equal(dtls_get_state(a.d), DTLS_STATE_FAILED);
    dtls_get_stats(a.d, &st);
    assert_int_equal(st.handshakes_failed, 1);
    assert_int_equal(st.handshakes_ok, 0);
    /* Failed: further input is refused, no deadline. */
    assert_int_equal(dtls_input(a.d, harness_now_us, (const uint8_t *)"\x16\xfe\xfd", 3),
                     ERR_PROTO);
    assert_int_equal(dtls_next_deadline(a.d), DTLS_NO_DEADLINE);
    assert_int_equal(dtls_start(a.d, harness_now_us), ERR_PROTO);
    free_pair(&a, &b);
}

static void test_fingerprint_mismatch_at_client(void **state)
{
    (void)state;
    run_mismatch(true);
}

static void test_fingerprint_mismatch_at_server(void **state)
{
    (void)state;
    run_mismatch(false);
}

static void test_fingerprint_lowercase_accepted(void **state)
{
    char lower[DTLS_FINGERPRINT_MAX];
    struct ep a, b;

    (void)state;
    for (size_t i = 0; i < sizeof lower; i++)
        lower[i] = (char)tolower((unsigned char)fp_a[i]);
    make_pair(&a, &b, true, fp_b, lower);
    harness_run(&a, &b, NULL, NULL, 5000000);
    assert_int_equal(a.connected, 1);
    assert_int_equal(b.connected, 1);
    free_pair(&a, &b);
}

/* ---- loss and retransmission ---- */

struct drop_plan {
    const struct ep *from;
    unsigned first;
    unsigned count;
};

static bool drop_some(const struct ep *from, unsigned index, const uint8_t *buf, size_t len,
                      void *arg)
{
    const struct drop_plan *p = arg;

    (void)buf;
    (void)len;
    return from == p->from && index >= p->first && index < p->first + p->count;
}

static void test_loss_of_client_hello_recovers(void **state)
{
    struct ep a, b; /* a server, b client */
    struct drop_plan plan;
    struct dtls_stats st;
    int64_t t0 = harness_now_us;

    (void)state;
    make_pair(&a, &b, false, fp_b, fp_a);
    plan = (struct drop_plan){.from = &b, .first = 0, .count = 1};
    harness_pump(&a, &b, drop_some, &plan);
    assert_int_equal(b.dropped, 1);
    /* The client waits DTLS_RTO_INITIAL_US, then sends the ClientHello again. */
    assert_int_equal(b.deadline, t0 + DTLS_RTO_INITIAL_US);
    assert_int_equal(dtls_next_deadline(b.d), b.deadline);
    /* Calling early does nothing. */
    assert_int_equal(dtls_timeout(b.d, t0 + 10000), 0);
    harness_pump(&a, &b, drop_some, &plan);
    assert_int_equal(b.sent, 1);
    harness_run(&a, &b, drop_some, &plan, 10000000);
    assert_int_equal(a.connected, 1);
    assert_int_equal(b.connected, 1);
    dtls_get_stats(b.d, &st);
    assert_int_equal(st.retransmits, 1);
    assert_true(harness_now_us - t0 >= DTLS_RTO_INITIAL_US);
    assert_keys_match(&b, &a, DTLS_SRTP_AEAD_AES_128_GCM);
    free_pair(&a, &b);
}

static void test_loss_of_server_flights_recovers(void **state)
{
    struct ep a, b; /* a client, b server */
    struct drop_plan plan;

    (void)state;
    make_pair(&a, &b, true, fp_b, fp_a);
    /* Lose the server's first flight and its first retransmission. */
    plan = (struct drop_plan){.from = &b, .first = 0, .count = 2};
    harness_run(&a, &b, drop_some, &plan, 20000000);
    assert_int_equal(b.dropped, 2);
    assert_int_equal(a.connected, 1);
    assert_int_equal(b.connected, 1);
    assert_keys_match(&a, &b, DTLS_SRTP_AEAD_AES_128_GCM);
    free_pair(&a, &b);
}

static void test_loss_of_final_flight_recovers(void **state)
{
    struct ep a, b; /* a server, b client */
    struct drop_plan plan;

    (void)state;
    make_pair(&a, &b, false, fp_b, fp_a);
    /* The server's second flight (ChangeCipherSpec, Finished) is lost: the
     * server is done, the client retransmits its flight, the server answers
     * the repeated Finished by sending its own again. */
    plan = (struct drop_plan){.from = &a, .first = 1, .count = 1};
    harness_run(&a, &b, drop_some, &plan, 20000000);
    assert_int_equal(a.dropped, 1);
    assert_int_equal(a.connected, 1);
    harness_run(&a, &b, drop_some, &plan, 20000000);
    assert_int_equal(b.connected, 1);
    assert_keys_match(&b, &a, DTLS_SRTP_AEAD_AES_128_GCM);
    free_pair(&a, &b);
}

static void test_handshake_timeout(void **state)
{
    struct ep b;
    struct dtls *client;
    struct dtls_stats st;
    int64_t t0 = harness_now_us;

    (void)state;
    assert_int_equal(dtls_create(&client, cert_b, DTLS_ROLE_CLIENT, "sha-256", fp_a), 0);
    ep_init(&b, client);
    assert_int_equal(dtls_start(client, t0), 0);
    /* Nobody answers: 1 + 2 + 4 + 8 s of retransmissions, then the
     * handshake timeout at 30 s. */
    for (int i = 0; i < 100 && !b.failed; i++) {
        ep_take(&b, NULL, NULL, NULL);
        if (b.failed || b.deadline == DTLS_NO_DEADLINE)
            break;
        harness_now_us = b.deadline;
        dtls_timeout(client, harness_now_us);
    }
    ep_take(&b, NULL, NULL, NULL);
    assert_int_equal(b.failed, 1);
    assert_string_equal(b.reason, "handshake timed out");
    assert_int_equal(harness_now_us - t0, DTLS_HANDSHAKE_TIMEOUT_US);
    assert_int_equal(b.sent, 5); /* ClientHello + 4 retransmissions */
    dtls_get_stats(client, &st);
    assert_int_equal(st.retransmits, 4);
    assert_int_equal(st.handshakes_failed, 1);
    assert_int_equal(b.deadline, DTLS_NO_DEADLINE);
    dtls_destroy(client);
}

/* ---- garbage, truncation, forgery ---- */

struct tamper {
    const struct ep *client;
    const struct ep *server;
    struct ep *server_mut;
    int stage;
};

/* Before the client's first datagram reaches the server, feed it garbage
 * and a truncated copy; before the client's last flight, a copy whose
 * Finished (the last record, epoch 1) is corrupted. */
static bool tamper_fn(const struct ep *from, unsigned index, const uint8_t *buf, size_t len,
                      void *arg)
{
    struct tamper *t = arg;
    struct dtls *srv = t->server->d;
    uint8_t copy[DTLS_DATAGRAM_MAX];

    if (from != t->client)
        return false;
    if (index == 0) {
        static const uint8_t stun[20] = {0x00, 0x01};
        static const uint8_t huge_len[16] = {0x16, 0xfe, 0xfd, 0, 0,    0,    0, 0,
                                             0,    0,    0,    0, 0xff, 0xff, 1, 2};
        uint8_t bad_type[32], bad_version[32], app0[32];
        uint8_t noise[300];
        struct dtls_stats st;

        assert_int_equal(dtls_input(srv, harness_now_us, stun, sizeof stun), ERR_PARSE);
        assert_int_equal(dtls_input(srv, harness_now_us, huge_len, sizeof huge_len), ERR_PARSE);
        assert_int_equal(dtls_input(srv, harness_now_us, buf, 0), ERR_PARSE);
        assert_int_equal(dtls_input(srv, harness_now_us, buf, 12), ERR_PARSE);
        assert_int_equal(dtls_input(srv, harness_now_us, buf, len / 2), ERR_PARSE);
        memset(copy, 0x16, sizeof copy);
        assert_int_equal(dtls_input(srv, harness_now_us, copy, DTLS_DATAGRAM_MAX + 1), ERR_TOOBIG);
        /* whole records, but of an unknown type, a TLS version, or
         * application data in epoch 0 */
        memset(bad_type, 0, sizeof bad_type);
        bad_type[0] = 30;
        bad_type[1] = 0xfe;
        bad_type[2] = 0xfd;
        bad_type[12] = sizeof bad_type - DTLS_RECORD_HEADER_LEN;
        memcpy(bad_version, bad_type, sizeof bad_version);
        bad_version[0] = 22;
        bad_version[1] = 0x03;
        bad_version[2] = 0x03;
        memcpy(app0, bad_type, sizeof app0);
        app0[0] = 23;
        assert_int_equal(dtls_input(srv, harness_now_us, bad_type, sizeof bad_type), ERR_PARSE);
        assert_int_equal(dtls_input(srv, harness_now_us, bad_version, sizeof bad_version),
                         ERR_PARSE);
        assert_int_equal(dtls_input(srv, harness_now_us, app0, sizeof app0), ERR_PARSE);
        /* pseudo-random noise that starts like a handshake record */
        srand(7);
        for (size_t i = 0; i < sizeof noise; i++)
            noise[i] = (uint8_t)rand();
        noise[0] = 22;
        (void)dtls_input(srv, harness_now_us, noise, sizeof noise);
        /* a good record followed by a truncated one: the good one is kept */
        memcpy(copy, buf, len);
        memcpy(copy + len, buf, 20);
        assert_int_equal(dtls_input(srv, harness_now_us, copy, len + 20), 0);
        dtls_get_stats(srv, &st);
        assert_true(st.records_dropped >= 10);
        assert_int_equal(dtls_get_state(srv), DTLS_STATE_HANDSHAKING);
        t->stage = 1;
        return false; /* the real one goes through too (a duplicate now) */
    }
    if (t->stage == 1 && len > 100) {
        /* the client's second flight: ..., ChangeCipherSpec, Finished */
        size_t off = 0, last = 0;

        while (len - off >= DTLS_RECORD_HEADER_LEN) {
            last = off;
            off += DTLS_RECORD_HEADER_LEN + ((size_t)buf[off + 11] << 8 | buf[off + 12]);
        }
        assert_int_equal(off, len);
        assert_int_equal(buf[last], 22);    /* handshake */
        assert_int_equal(buf[last + 4], 1); /* epoch 1: encrypted Finished */
        memcpy(copy, buf, len);
        copy[len - 1] ^= 0x01; /* forge: breaks the AEAD tag */
        assert_int_equal(dtls_input(srv, harness_now_us, copy, len), 0);
        assert_int_equal(dtls_get_state(srv), DTLS_STATE_HANDSHAKING);
        t->stage = 2;
    }
    return false;
}

static void test_garbage_and_forgery_dropped(void **state)
{
    struct ep a, b; /* a server, b client */
    struct tamper t = {0};

    (void)state;
    make_pair(&a, &b, false, fp_b, fp_a);
    t.client = &b;
    t.server = &a;
    harness_run(&a, &b, tamper_fn, &t, 5000000);
    assert_int_equal(t.stage, 2);
    assert_int_equal(a.connected, 1);
    assert_int_equal(b.connected, 1);
    assert_int_equal(a.failed + b.failed, 0);
    assert_keys_match(&b, &a, DTLS_SRTP_AEAD_AES_128_GCM);
    free_pair(&a, &b);
}

/* Random datagrams with a DTLS first byte never crash it and never make it
 * do more than drop them or fail. */
static void test_random_input(void **state)
{
    struct dtls *d;
    uint8_t buf[600];

    (void)state;
    srand(12345);
    for (int role = 0; role < 2; role++) {
        assert_int_equal(
            dtls_create(&d, cert_a, role ? DTLS_ROLE_CLIENT : DTLS_ROLE_SERVER, "sha-256", fp_b),
            0);
        for (int i = 0; i < 2000; i++) {
            struct dtls_output o;
            size_t len = (size_t)rand() % sizeof buf;

            for (size_t j = 0; j < len; j++)
                buf[j] = (uint8_t)rand();
            if (len > 0)
                buf[0] = (uint8_t)(20 + rand() % 4);
            if (len > 2) {
                buf[1] = 0xfe;
                buf[2] = 0xfd;
            }
            if (len > 12 && (i & 1)) { /* make the framing right half the time */
                buf[11] = (uint8_t)((len - 13) >> 8);
                buf[12] = (uint8_t)(len - 13);
                buf[3] = buf[4] = 0;
            }
            (void)dtls_input(d, harness_now_us, buf, len);
            while (dtls_poll(d, &o))
                ;
        }
        dtls_destroy(d);
    }
}

/* ---- record layer: packing and filtering ---- */

/* Writes a DTLS 1.2 record of `type` in `epoch` with `body` bytes of
 * filler; returns its length. */
static size_t put_record(uint8_t *p, uint8_t type, uint16_t epoch, size_t body)
{
    memset(p, 0, DTLS_RECORD_HEADER_LEN);
    p[0] = type;
    p[1] = 0xfe;
    p[2] = 0xfd;
    p[3] = (uint8_t)(epoch >> 8);
    p[4] = (uint8_t)epoch;
    p[11] = (uint8_t)(body >> 8);
    p[12] = (uint8_t)body;
    memset(p + DTLS_RECORD_HEADER_LEN, 0x5a, body);
    return DTLS_RECORD_HEADER_LEN + body;
}

struct packed {
    size_t n;
    size_t len[16];
    const uint8_t *at[16];
};

static void collect(void *arg, const uint8_t *p, size_t len)
{
    struct packed *pk = arg;

    assert_true(pk->n < 16);
    pk->at[pk->n] = p;
    pk->len[pk->n++] = len;
}

static void test_record_pack(void **state)
{
    uint8_t buf[2000];
    size_t n = 0;
    struct packed pk = {0};

    (void)state;
    /* records of 113, 213, 63, 313 (alone: over the MTU), 13 bytes; MTU 300 */
    n += put_record(buf + n, 22, 0, 100);
    n += put_record(buf + n, 22, 0, 200);
    n += put_record(buf + n, 20, 0, 50);
    n += put_record(buf + n, 22, 1, 300);
    n += put_record(buf + n, 21, 1, 0);
    assert_true(dtls_record_pack(buf, n, 300, collect, &pk));
    assert_int_equal(pk.n, 4);
    assert_int_equal(pk.len[0], 113);      /* 113 + 213 > 300 */
    assert_int_equal(pk.len[1], 213 + 63); /* 276 <= 300 */
    assert_int_equal(pk.len[2], 313);      /* too big for anything: alone */
    assert_int_equal(pk.len[3], 13);
    assert_ptr_equal(pk.at[0], buf);
    assert_ptr_equal(pk.at[3], buf + n - 13);

    /* a record exactly the MTU, then a broken tail */
    memset(&pk, 0, sizeof pk);
    n = put_record(buf, 22, 0, 287);
    n += put_record(buf + n, 22, 0, 10);
    assert_true(dtls_record_pack(buf, n, 300, collect, &pk));
    assert_int_equal(pk.n, 2);
    memset(&pk, 0, sizeof pk);
    assert_false(dtls_record_pack(buf, n - 1, 300, collect, &pk));
    assert_int_equal(pk.n, 1);
    assert_int_equal(pk.len[0], 300);
    memset(&pk, 0, sizeof pk);
    assert_false(dtls_record_pack(buf, 5, 300, collect, &pk));
    assert_int_equal(pk.n, 0);
}

static void test_record_filter(void **state)
{
    uint8_t buf[600], scratch[600];
    const uint8_t *feed;
    size_t n = 0, good, feed_len;
    const struct dtls_rx_policy hs = {.connected = false, .sealed_min = 24};
    const struct dtls_rx_policy up = {.connected = true, .sealed_min = 24};
    const struct dtls_rx_policy no_cipher = {.connected = false, .sealed_min = 0};

    (void)state;
    /* all good: fed as is */
    n += put_record(buf + n, 22, 1, 40); /* encrypted handshake */
    n += put_record(buf + n, 23, 1, 40); /* encrypted application data */
    good = n;
    assert_int_equal(dtls_record_filter(buf, n, &hs, scratch, sizeof scratch, &feed, &feed_len), 0);
    assert_ptr_equal(feed, buf);
    assert_int_equal(feed_len, n);

    /* bad ones in between are cut out */
    n += put_record(buf + n, 23, 0, 10); /* application data in epoch 0 */
    n += put_record(buf + n, 20, 0, 2);  /* ChangeCipherSpec of two bytes */
    n += put_record(buf + n, 21, 0, 3);  /* alert of three bytes */
    n += put_record(buf + n, 22, 0, 5);  /* handshake shorter than a fragment header */
    n += put_record(buf + n, 40, 1, 5);  /* unknown type */
    n += put_record(buf + n, 20, 0, 1);  /* a good ChangeCipherSpec ... */
    buf[n - 1] = 1;                      /* ... with the byte 1 */
    n += put_record(buf + n, 22, 0, 12); /* one empty handshake fragment: */
    memset(buf + n - 12, 0, 12);         /* length 0, offset 0, fragment 0 */
    buf[n - 12] = 1;
    assert_int_equal(dtls_record_filter(buf, n, &hs, scratch, sizeof scratch, &feed, &feed_len), 5);
    assert_ptr_equal(feed, scratch);
    assert_int_equal(feed_len, good + 14 + 25);
    assert_memory_equal(scratch, buf, good);

    /* once connected, the plaintext ones go too */
    assert_int_equal(dtls_record_filter(buf, n, &up, scratch, sizeof scratch, &feed, &feed_len), 7);
    assert_int_equal(feed_len, good);
    /* before a cipher is known nothing encrypted can be read */
    assert_int_equal(
        dtls_record_filter(buf, n, &no_cipher, scratch, sizeof scratch, &feed, &feed_len), 7);
    assert_int_equal(feed_len, 14 + 25);

    /* truncated tail counts once; nothing left means feed_len 0 */
    assert_int_equal(dtls_record_filter(buf, 20, &hs, scratch, sizeof scratch, &feed, &feed_len),
                     1);
    assert_int_equal(feed_len, 0);
    /* scratch too small for the good records: nothing fed */
    assert_int_equal(dtls_record_filter(buf, n, &hs, scratch, 20, &feed, &feed_len), 5);
    assert_int_equal(feed_len, 0);
}

/* ---- close ---- */

static void test_close_notify(void **state)
{
    struct ep a, b;
    struct dtls_stats st;
    struct dtls_srtp_keys k;

    (void)state;
    make_pair(&a, &b, false, fp_b, fp_a);
    harness_run(&a, &b, NULL, NULL, 5000000);
    assert_int_equal(a.connected + b.connected, 2);
    assert_int_equal(dtls_close(a.d), 0);
    assert_int_equal(dtls_get_state(a.d), DTLS_STATE_CLOSED);
    harness_pump(&a, &b, NULL, NULL);
    assert_int_equal(b.closed, 1);
    assert_int_equal(a.closed, 0); /* no event for our own close */
    assert_int_equal(dtls_get_state(b.d), DTLS_STATE_CLOSED);
    /* b answered with its close_notify; a (closed) refused it */
    assert_int_equal(b.sent > 0, 1);
    dtls_get_stats(a.d, &st);
    assert_true(st.records_dropped >= 1);
    /* keys stay readable after an orderly close */
    assert_int_equal(dtls_srtp_keys(b.d, &k), 0);
    dtls_srtp_keys_wipe(&k);
    assert_int_equal(dtls_close(a.d), 0); /* idempotent */
    free_pair(&a, &b);
}

static void test_close_during_handshake(void **state)
{
    struct ep a, b;
    struct dtls_output o;

    (void)state;
    make_pair(&a, &b, true, fp_b, fp_a);
    assert_int_equal(dtls_close(a.d), 0);
    assert_int_equal(dtls_get_state(a.d), DTLS_STATE_CLOSED);
    assert_int_equal(dtls_next_deadline(a.d), DTLS_NO_DEADLINE);
    /* the queued ClientHello may still be taken; nothing else */
    while (dtls_poll(a.d, &o))
        assert_int_not_equal(o.kind, DTLS_OUT_EVENT);
    free_pair(&a, &b);
}

/* ---- SRTP profile negotiation ---- */

static void test_profile_aes_cm_when_server_prefers(void **state)
{
    struct ep a, b;

    (void)state;
    assert_int_equal(dtls_cert_set_profiles(cert_a, "SRTP_AES128_CM_SHA1_80"), 0);
    make_pair(&a, &b, false, fp_b, fp_a); /* a is the server */
    assert_int_equal(dtls_cert_set_profiles(cert_a, DTLS_SRTP_PROFILES_DEFAULT), 0);
    harness_run(&a, &b, NULL, NULL, 5000000);
    assert_int_equal(a.connected + b.connected, 2);
    assert_keys_match(&b, &a, DTLS_SRTP_AES128_CM_SHA1_80);
    free_pair(&a, &b);
}

static void test_no_common_profile_fails(void **state)
{
    struct ep a, b;
    struct dtls_srtp_keys k;

    (void)state;
    assert_int_equal(dtls_cert_set_profiles(cert_a, "SRTP_AES128_CM_SHA1_80"), 0);
    assert_int_equal(dtls_cert_set_profiles(cert_b, "SRTP_AEAD_AES_128_GCM"), 0);
    make_pair(&a, &b, false, fp_b, fp_a);
    assert_int_equal(dtls_cert_set_profiles(cert_a, DTLS_SRTP_PROFILES_DEFAULT), 0);
    assert_int_equal(dtls_cert_set_profiles(cert_b, DTLS_SRTP_PROFILES_DEFAULT), 0);
    harness_run(&a, &b, NULL, NULL, 5000000);
    harness_pump(&a, &b, NULL, NULL);
    assert_int_equal(a.failed, 1);
    assert_string_equal(a.reason, "no SRTP profile negotiated");
    assert_int_equal(dtls_srtp_keys(a.d, &k), ERR_PROTO);
    assert_int_equal(dtls_cert_set_profiles(cert_a, "SRTP_NONSENSE"), ERR_INVAL);
    free_pair(&a, &b);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(dtls_state_name(DTLS_STATE_CONNECTED), "connected");
    assert_string_equal(dtls_event_name(DTLS_EVENT_FAILED), "failed");
    assert_string_equal(dtls_srtp_profile_name(DTLS_SRTP_AEAD_AES_128_GCM), "AEAD_AES_128_GCM");
    assert_string_equal(dtls_srtp_profile_name(DTLS_SRTP_NONE), "none");
    assert_true(dtls_is_dtls((const uint8_t *)"\x16\xfe\xfd\0\0\0\0\0\0\0\0\0\0", 13));
    assert_false(dtls_is_dtls((const uint8_t *)"\x00\x01\0\0\0\0\0\0\0\0\0\0\0", 13));
    assert_false(dtls_is_dtls((const uint8_t *)"\x80\x60\0\0\0\0\0\0\0\0\0\0\0", 13));
    assert_false(dtls_poll(NULL, NULL));
    assert_int_equal(dtls_input(NULL, 0, NULL, 0), ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fingerprint_format),
        cmocka_unit_test(test_create_rejects_bad_fingerprints),
        cmocka_unit_test(test_handshake_we_are_server),
        cmocka_unit_test(test_handshake_we_are_client),
        cmocka_unit_test(test_records_packed_into_datagrams),
        cmocka_unit_test(test_fingerprint_mismatch_at_client),
        cmocka_unit_test(test_fingerprint_mismatch_at_server),
        cmocka_unit_test(test_fingerprint_lowercase_accepted),
        cmocka_unit_test(test_loss_of_client_hello_recovers),
        cmocka_unit_test(test_loss_of_server_flights_recovers),
        cmocka_unit_test(test_loss_of_final_flight_recovers),
        cmocka_unit_test(test_handshake_timeout),
        cmocka_unit_test(test_garbage_and_forgery_dropped),
        cmocka_unit_test(test_random_input),
        cmocka_unit_test(test_record_pack),
        cmocka_unit_test(test_record_filter),
        cmocka_unit_test(test_close_notify),
        cmocka_unit_test(test_close_during_handshake),
        cmocka_unit_test(test_profile_aes_cm_when_server_prefers),
        cmocka_unit_test(test_no_common_profile_fails),
        cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
