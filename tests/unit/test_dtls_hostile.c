/* Hostile input against an established DTLS association (media/dtls).
 *
 * RFC 6347 §4.1.2.7: invalid records are discarded silently. A forged
 * datagram from the peer's own address (anyone on the path can send one)
 * must never end an association that is up: every record that cannot be
 * parsed, does not fit the association's state, cannot be decrypted or
 * fails authentication is dropped and counted, nothing is sent toward the
 * peer, and real records from the peer still get through afterwards.
 *
 * Two of our own associations handshake in memory (dtls_harness.h), for
 * each AEAD suite we offer and both role assignments; then every content
 * type (known and unknown) x body length 0..64 x epoch 0, 1, 2, 0xffff is
 * injected into each side. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "media/dtls.h"
#include "media/dtls_int.h"
#include "base/err.h"
#include "tests/unit/dtls_harness.h"

#define CAPTURE_MAX 48
#define FORGED_BODY_MAX 64

static const uint8_t forged_types[] = {0, 19, 20, 21, 22, 23, 24, 25, 63, 64, 255};
static const uint16_t forged_epochs[] = {0, 1, 2, 0xffff};

/* The one from the report: an alert in epoch 1 with a one-byte body. */
static const uint8_t short_alert[] = {0x15, 0xfe, 0xfd, 0x00, 0x01, 0x00, 0x00,
                                      0x00, 0x00, 0x00, 0x40, 0x00, 0x01, 0x99};

struct capture {
    const struct ep *from[CAPTURE_MAX];
    uint8_t buf[CAPTURE_MAX][DTLS_MTU];
    size_t len[CAPTURE_MAX];
    unsigned n;
};

struct pair {
    struct dtls_cert *cert_a, *cert_b;
    struct ep a, b;
    struct capture cap; /* every handshake datagram, both directions */
    bool forge;         /* inject short encrypted records during the handshake */
    uint64_t forge_seq;
};

static size_t forge(uint8_t *p, uint8_t type, uint16_t epoch, uint64_t seq, size_t body,
                    bool plausible);

/* Before each handshake datagram is delivered, the receiver gets records
 * of epoch 1 too short for any AEAD, as a forger racing the handshake
 * would send them (with fresh sequence numbers). */
static void forge_into(struct pair *p, const struct ep *from)
{
    struct ep *to = from == &p->a ? &p->b : &p->a;
    static const uint8_t types[] = {21, 22, 23};
    static const size_t bodies[] = {0, 1, 2, 8, 15, 23};
    uint8_t rec[DTLS_RECORD_HEADER_LEN + 32];

    for (size_t t = 0; t < sizeof types; t++)
        for (size_t b = 0; b < sizeof bodies / sizeof bodies[0]; b++) {
            size_t n = forge(rec, types[t], 1, p->forge_seq++, bodies[b], true);

            (void)dtls_input(to->d, harness_now_us, rec, n);
        }
}

static bool capture_fn(const struct ep *from, unsigned index, const uint8_t *buf, size_t len,
                       void *arg)
{
    struct pair *p = arg;
    struct capture *c = &p->cap;

    (void)index;
    if (c->n < CAPTURE_MAX && len <= DTLS_MTU) {
        c->from[c->n] = from;
        memcpy(c->buf[c->n], buf, len);
        c->len[c->n++] = len;
    }
    if (p->forge)
        forge_into(p, from);
    return false;
}

/* A connected pair; `suites` (OpenSSL syntax) restricts both ends. a uses
 * cert_a and is the DTLS client if a_is_client. */
static void pair_connect_forging(struct pair *p, const char *suites, bool a_is_client, bool forging)
{
    char fp_a[DTLS_FINGERPRINT_MAX], fp_b[DTLS_FINGERPRINT_MAX];
    struct dtls *da, *db;

    memset(p, 0, sizeof *p);
    p->forge = forging;
    p->forge_seq = 0x300000;
    assert_int_equal(dtls_cert_create(&p->cert_a), 0);
    assert_int_equal(dtls_cert_create(&p->cert_b), 0);
    if (suites != NULL) {
        assert_int_equal(SSL_CTX_set_cipher_list(p->cert_a->ctx, suites), 1);
        assert_int_equal(SSL_CTX_set_cipher_list(p->cert_b->ctx, suites), 1);
    }
    assert_int_equal(dtls_cert_fingerprint(p->cert_a, fp_a), 0);
    assert_int_equal(dtls_cert_fingerprint(p->cert_b, fp_b), 0);
    assert_int_equal(dtls_create(&da, p->cert_a, a_is_client ? DTLS_ROLE_CLIENT : DTLS_ROLE_SERVER,
                                 "sha-256", fp_b),
                     0);
    assert_int_equal(dtls_create(&db, p->cert_b, a_is_client ? DTLS_ROLE_SERVER : DTLS_ROLE_CLIENT,
                                 "sha-256", fp_a),
                     0);
    ep_init(&p->a, da);
    ep_init(&p->b, db);
    assert_int_equal(dtls_start(da, harness_now_us), 0);
    assert_int_equal(dtls_start(db, harness_now_us), 0);
    harness_run(&p->a, &p->b, capture_fn, p, 5000000);
    p->forge = false;
}

static void pair_connect(struct pair *p, const char *suites, bool a_is_client)
{
    pair_connect_forging(p, suites, a_is_client, false);
}

static void pair_free(struct pair *p)
{
    dtls_destroy(p->a.d);
    dtls_destroy(p->b.d);
    dtls_cert_destroy(p->cert_a);
    dtls_cert_destroy(p->cert_b);
}

static void assert_connected(const struct pair *p)
{
    assert_int_equal(p->a.connected, 1);
    assert_int_equal(p->b.connected, 1);
    assert_int_equal(p->a.failed + p->b.failed + p->a.closed + p->b.closed, 0);
    assert_int_equal(dtls_get_state(p->a.d), DTLS_STATE_CONNECTED);
    assert_int_equal(dtls_get_state(p->b.d), DTLS_STATE_CONNECTED);
}

/* Writes a record header for `type`, `epoch`, sequence number `seq` and a
 * body of `body` bytes whose content looks like what the type carries
 * (plausible = true) or is filler. Returns the record's length. */
static size_t forge(uint8_t *p, uint8_t type, uint16_t epoch, uint64_t seq, size_t body,
                    bool plausible)
{
    uint8_t *b = p + DTLS_RECORD_HEADER_LEN;

    p[0] = type;
    p[1] = 0xfe;
    p[2] = 0xfd;
    p[3] = (uint8_t)(epoch >> 8);
    p[4] = (uint8_t)epoch;
    for (int i = 0; i < 6; i++)
        p[5 + i] = (uint8_t)(seq >> (40 - 8 * i));
    p[11] = (uint8_t)(body >> 8);
    p[12] = (uint8_t)body;
    memset(b, plausible ? 0xa5 : 0x00, body);
    if (!plausible)
        return DTLS_RECORD_HEADER_LEN + body;
    if (type == 20 && body > 0) {
        b[0] = 1; /* ChangeCipherSpec */
    } else if (type == 21 && body >= 2) {
        b[0] = 2;  /* fatal */
        b[1] = 10; /* unexpected_message */
    } else if (type == 22 && body >= 12) {
        size_t frag = body - 12; /* one whole Finished-like fragment */

        memset(b, 0, 12);
        b[0] = 20;
        b[2] = b[10] = (uint8_t)(frag >> 8);
        b[3] = b[11] = (uint8_t)frag;
    }
    return DTLS_RECORD_HEADER_LEN + body;
}

/* Feeds one forged datagram of `records` records to `e`: nothing may be
 * sent toward the peer, no event may come, the association stays up, and
 * every record is counted as dropped. */
static void inject(struct ep *e, const uint8_t *p, size_t n, unsigned records, const char *what)
{
    struct dtls_stats before, after;
    unsigned sent = e->sent;

    dtls_get_stats(e->d, &before);
    (void)dtls_input(e->d, harness_now_us, p, n);
    ep_take(e, NULL, NULL, NULL);
    dtls_get_stats(e->d, &after);
    if (e->sent != sent || e->failed || e->closed || dtls_get_state(e->d) != DTLS_STATE_CONNECTED ||
        after.records_dropped != before.records_dropped + records)
        fail_msg("%s (type %u epoch %u length %zu): sent %u failed %d closed %d state %s "
                 "dropped +%llu of %u",
                 what, n > 0 ? p[0] : 0, n > 4 ? (unsigned)(p[3] << 8 | p[4]) : 0, n,
                 e->sent - sent, e->failed, e->closed, dtls_state_name(dtls_get_state(e->d)),
                 (unsigned long long)(after.records_dropped - before.records_dropped), records);
}

/* Every type x epoch x body length 0..64, twice (filler, plausible). */
static void inject_matrix(struct ep *e, uint64_t *seq)
{
    uint8_t rec[DTLS_RECORD_HEADER_LEN + FORGED_BODY_MAX];

    for (size_t t = 0; t < sizeof forged_types; t++)
        for (size_t ep = 0; ep < sizeof forged_epochs / sizeof forged_epochs[0]; ep++)
            for (size_t body = 0; body <= FORGED_BODY_MAX; body++)
                for (int plausible = 0; plausible < 2; plausible++) {
                    size_t n = forge(rec, forged_types[t], forged_epochs[ep], (*seq)++, body,
                                     plausible != 0);

                    inject(e, rec, n, 1, "forged record");
                }
}

/* The peer's close_notify (a real, encrypted alert) still gets through,
 * here inside one datagram between two forged records. */
static void assert_real_record_passes(struct ep *from, struct ep *to, bool good_first)
{
    struct dtls_output o;
    uint8_t dgram[DTLS_MTU + 2 * sizeof short_alert];
    size_t n = 0, real = 0;
    struct dtls_stats before, after;

    assert_int_equal(dtls_close(from->d), 0);
    while (dtls_poll(from->d, &o))
        if (o.kind == DTLS_OUT_TRANSMIT) {
            assert_int_equal(real, 0);
            assert_true(o.len <= DTLS_MTU);
            real = o.len;
            if (!good_first) {
                memcpy(dgram, short_alert, sizeof short_alert);
                n = sizeof short_alert;
            }
            memcpy(dgram + n, o.data, o.len);
            n += o.len;
            memcpy(dgram + n, short_alert, sizeof short_alert);
            n += sizeof short_alert;
        }
    assert_int_not_equal(real, 0);
    dtls_get_stats(to->d, &before);
    assert_int_equal(dtls_input(to->d, harness_now_us, dgram, n), 0);
    ep_take(to, NULL, NULL, NULL);
    dtls_get_stats(to->d, &after);
    assert_int_equal(to->closed, 1);
    assert_int_equal(to->failed, 0);
    assert_int_equal(dtls_get_state(to->d), DTLS_STATE_CLOSED);
    assert_int_equal(after.records_dropped - before.records_dropped, good_first ? 1 : 2);
}

static void run_matrix(const char *suite, bool a_is_client)
{
    struct pair p;
    uint64_t seq = 0x100000;
    struct dtls_srtp_keys ka, kb;

    pair_connect(&p, suite, a_is_client);
    assert_connected(&p);
    assert_int_equal(dtls_srtp_keys(p.a.d, &ka), 0);
    assert_int_equal(dtls_srtp_keys(p.b.d, &kb), 0);

    inject(&p.a, short_alert, sizeof short_alert, 1, "short epoch-1 alert");
    inject(&p.b, short_alert, sizeof short_alert, 1, "short epoch-1 alert");
    inject_matrix(&p.a, &seq);
    inject_matrix(&p.b, &seq);
    assert_connected(&p);

    /* The keys did not change. */
    {
        struct dtls_srtp_keys k;

        assert_int_equal(dtls_srtp_keys(p.a.d, &k), 0);
        assert_memory_equal(&k, &ka, sizeof k);
        assert_int_equal(dtls_srtp_keys(p.b.d, &k), 0);
        assert_memory_equal(&k, &kb, sizeof k);
        dtls_srtp_keys_wipe(&k);
    }
    dtls_srtp_keys_wipe(&ka);
    dtls_srtp_keys_wipe(&kb);
    /* And the peer is still heard: b's close_notify reaches a. */
    assert_real_record_passes(&p.b, &p.a, a_is_client);
    pair_free(&p);
}

static void test_matrix_aes128gcm_we_are_server(void **state)
{
    (void)state;
    run_matrix("ECDHE-ECDSA-AES128-GCM-SHA256", false);
}

static void test_matrix_aes128gcm_we_are_client(void **state)
{
    (void)state;
    run_matrix("ECDHE-ECDSA-AES128-GCM-SHA256", true);
}

static void test_matrix_chacha20_we_are_server(void **state)
{
    (void)state;
    run_matrix("ECDHE-ECDSA-CHACHA20-POLY1305", false);
}

static void test_matrix_chacha20_we_are_client(void **state)
{
    (void)state;
    run_matrix("ECDHE-ECDSA-CHACHA20-POLY1305", true);
}

static void test_matrix_aes256gcm(void **state)
{
    (void)state;
    run_matrix("ECDHE-ECDSA-AES256-GCM-SHA384", false);
}

/* Our default suite list (what a browser gets). */
static void test_matrix_default_suites(void **state)
{
    (void)state;
    run_matrix(NULL, false);
    run_matrix(NULL, true);
}

/* Records of the right size but forged content (a full-length epoch-1
 * record with a wrong tag), and a truncated copy of a real one. */
static void test_forged_full_length_records(void **state)
{
    struct pair p;
    uint8_t rec[DTLS_RECORD_HEADER_LEN + 200];
    uint64_t seq = 0x200000;

    (void)state;
    pair_connect(&p, NULL, false);
    assert_connected(&p);
    for (uint8_t type = 20; type <= 23; type++)
        for (size_t body = 24; body <= 200; body += 11) {
            size_t n = forge(rec, type, 1, seq++, body, true);

            inject(&p.a, rec, n, 1, "full-length forged record");
            inject(&p.b, rec, n, 1, "full-length forged record");
        }
    /* Three bad records in one datagram: three counted. */
    {
        uint8_t dgram[3 * sizeof rec];
        size_t n = 0;

        n += forge(dgram + n, 21, 1, seq++, 1, true);
        n += forge(dgram + n, 23, 1, seq++, 40, true);
        n += forge(dgram + n, 21, 0, seq++, 2, true);
        inject(&p.a, dgram, n, 3, "three forged records");
    }
    assert_connected(&p);
    assert_real_record_passes(&p.a, &p.b, true);
    pair_free(&p);
}

/* Every handshake datagram of both sides, replayed after the handshake
 * into both sides (epoch-0 records, the encrypted Finished): nothing may
 * fail, and nothing that goes back toward the peer may be an alert (a
 * retransmission of our last flight is a fine answer to a replayed one). */
static void test_handshake_replayed_after_connect(void **state)
{
    struct pair p;

    (void)state;
    for (int role = 0; role < 2; role++) {
        pair_connect(&p, NULL, role != 0);
        assert_connected(&p);
        assert_true(p.cap.n >= 4);
        for (int round = 0; round < 2; round++)
            for (unsigned i = 0; i < p.cap.n; i++)
                for (int side = 0; side < 2; side++) {
                    struct ep *e = side ? &p.b : &p.a;
                    struct dtls_output o;

                    (void)dtls_input(e->d, harness_now_us, p.cap.buf[i], p.cap.len[i]);
                    while (dtls_poll(e->d, &o)) {
                        size_t off = 0;

                        if (o.kind == DTLS_OUT_EVENT)
                            fail_msg("event %s after replay %u", dtls_event_name(o.event), i);
                        if (o.kind != DTLS_OUT_TRANSMIT)
                            continue;
                        while (o.len - off >= DTLS_RECORD_HEADER_LEN) {
                            assert_int_not_equal(o.data[off], 21); /* no alert */
                            off += DTLS_RECORD_HEADER_LEN +
                                   ((size_t)o.data[off + 11] << 8 | o.data[off + 12]);
                        }
                    }
                    assert_int_equal(dtls_get_state(e->d), DTLS_STATE_CONNECTED);
                }
        assert_real_record_passes(&p.a, &p.b, false);
        pair_free(&p);
    }
}

/* Short encrypted records racing the handshake (the suite is negotiated,
 * the peer's Finished not yet read) do not fail it either. */
static void test_short_records_during_handshake(void **state)
{
    static const char *suites[] = {"ECDHE-ECDSA-AES128-GCM-SHA256",
                                   "ECDHE-ECDSA-CHACHA20-POLY1305"};
    struct pair p;

    (void)state;
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        for (int role = 0; role < 2; role++) {
            pair_connect_forging(&p, suites[i], role != 0, true);
            assert_connected(&p);
            assert_real_record_passes(&p.a, &p.b, true);
            pair_free(&p);
        }
}

/* Plaintext (epoch 0) alerts after the handshake, close_notify and fatal
 * ones, in both DTLS versions, with the live epoch-0 sequence numbers. */
static void test_plaintext_alerts_after_connect(void **state)
{
    struct pair p;
    static const uint8_t alerts[][2] = {{1, 0}, {2, 0}, {2, 40}, {2, 20}, {1, 90}};

    (void)state;
    pair_connect(&p, NULL, false);
    assert_connected(&p);
    for (size_t i = 0; i < sizeof alerts / sizeof alerts[0]; i++)
        for (uint64_t seq = 0; seq < 8; seq++)
            for (int v10 = 0; v10 < 2; v10++) {
                uint8_t rec[DTLS_RECORD_HEADER_LEN + 2];

                forge(rec, 21, 0, seq, 2, false);
                if (v10)
                    rec[2] = 0xff;
                rec[DTLS_RECORD_HEADER_LEN] = alerts[i][0];
                rec[DTLS_RECORD_HEADER_LEN + 1] = alerts[i][1];
                inject(&p.a, rec, sizeof rec, 1, "plaintext alert");
                inject(&p.b, rec, sizeof rec, 1, "plaintext alert");
            }
    assert_connected(&p);
    assert_real_record_passes(&p.b, &p.a, true);
    pair_free(&p);
}

/* Encrypted records: epoch 1 only, DTLS 1.2 only, never a ChangeCipherSpec,
 * and at least the AEAD's nonce and tag long. */
static void test_record_filter_encrypted(void **state)
{
    static const struct {
        uint8_t type;
        uint16_t epoch;
        uint8_t minor;
        size_t body;
        bool ok;
    } cases[] = {
        {21, 1, 0xfd, 24, true},       {21, 1, 0xfd, 23, false}, {21, 1, 0xfd, 1, false},
        {23, 1, 0xfd, 0, false},       {23, 1, 0xfd, 100, true}, {22, 1, 0xfd, 24, true},
        {20, 1, 0xfd, 40, false},      {22, 1, 0xff, 40, false}, {22, 2, 0xfd, 40, false},
        {21, 0xffff, 0xfd, 40, false},
    };
    const struct dtls_rx_policy up = {.connected = true, .sealed_min = 24};
    uint8_t buf[200], scratch[200];
    const uint8_t *feed;
    size_t feed_len;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = forge(buf, cases[i].type, cases[i].epoch, 1, cases[i].body, false);

        buf[2] = cases[i].minor;
        assert_int_equal(dtls_record_filter(buf, n, &up, scratch, sizeof scratch, &feed, &feed_len),
                         cases[i].ok ? 0 : 1);
        assert_int_equal(feed_len, cases[i].ok ? n : 0);
    }
    /* The sizes of the suites we offer; nothing for a CBC one or none. */
    {
        const SSL_METHOD *m = DTLS_method();
        SSL_CTX *ctx = SSL_CTX_new(m);
        SSL *ssl;
        static const struct {
            const char *name;
            size_t min;
        } suites[] = {{"ECDHE-ECDSA-AES128-GCM-SHA256", 24},
                      {"ECDHE-ECDSA-AES256-GCM-SHA384", 24},
                      {"ECDHE-ECDSA-CHACHA20-POLY1305", 16},
                      {"ECDHE-ECDSA-AES128-SHA", 0}};

        assert_non_null(ctx);
        ssl = SSL_new(ctx);
        assert_non_null(ssl);
        for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
            const SSL_CIPHER *c = NULL;
            STACK_OF(SSL_CIPHER) * sk;

            assert_int_equal(SSL_set_cipher_list(ssl, suites[i].name), 1);
            sk = SSL_get_ciphers(ssl); /* the TLS 1.3 suites are listed as well */
            for (int j = 0; j < sk_SSL_CIPHER_num(sk); j++)
                if (strcmp(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(sk, j)), suites[i].name) == 0)
                    c = sk_SSL_CIPHER_value(sk, j);
            assert_non_null(c);
            assert_int_equal(dtls_sealed_min(c), suites[i].min);
        }
        assert_int_equal(dtls_sealed_min(NULL), 0);
        SSL_free(ssl);
        SSL_CTX_free(ctx);
    }
}

/* What a browser is offered is AEAD only: with a CBC suite a record with a
 * bad MAC is fatal in OpenSSL (encrypt-then-MAC), so none is offered. */
static void test_only_aead_suites_offered(void **state)
{
    struct dtls_cert *c;
    STACK_OF(SSL_CIPHER) * sk;

    (void)state;
    assert_int_equal(dtls_cert_create(&c), 0);
    sk = SSL_CTX_get_ciphers(c->ctx);
    assert_non_null(sk);
    assert_true(sk_SSL_CIPHER_num(sk) >= 3);
    for (int i = 0; i < sk_SSL_CIPHER_num(sk); i++) {
        const SSL_CIPHER *ci = sk_SSL_CIPHER_value(sk, i);

        if (!SSL_CIPHER_is_aead(ci))
            fail_msg("%s is not AEAD", SSL_CIPHER_get_name(ci));
    }
    dtls_cert_destroy(c);
}

/* Should a suite outside that list ever be negotiated (here both ends are
 * made to use a CBC one), no encrypted record passes the input filter: the
 * Finished never arrives and the handshake times out instead of connecting
 * with records the filter cannot size. */
static void test_cbc_suite_never_connects(void **state)
{
    struct pair p;

    (void)state;
    pair_connect(&p, "ECDHE-ECDSA-AES128-SHA", false);
    assert_int_equal(p.a.connected + p.b.connected, 0);
    harness_run(&p.a, &p.b, NULL, NULL, DTLS_HANDSHAKE_TIMEOUT_US + 1000000);
    assert_int_equal(p.a.connected + p.b.connected, 0);
    assert_true(p.a.failed + p.b.failed >= 1);
    if (p.a.failed)
        assert_string_equal(p.a.reason, "handshake timed out");
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix_aes128gcm_we_are_server),
        cmocka_unit_test(test_matrix_aes128gcm_we_are_client),
        cmocka_unit_test(test_matrix_chacha20_we_are_server),
        cmocka_unit_test(test_matrix_chacha20_we_are_client),
        cmocka_unit_test(test_matrix_aes256gcm),
        cmocka_unit_test(test_matrix_default_suites),
        cmocka_unit_test(test_forged_full_length_records),
        cmocka_unit_test(test_handshake_replayed_after_connect),
        cmocka_unit_test(test_plaintext_alerts_after_connect),
        cmocka_unit_test(test_short_records_during_handshake),
        cmocka_unit_test(test_only_aead_suites_offered),
        cmocka_unit_test(test_record_filter_encrypted),
        cmocka_unit_test(test_cbc_suite_never_connects),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
