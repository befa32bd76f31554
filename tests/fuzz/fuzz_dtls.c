/* Fuzz target for media/dtls.c and media/dtls_record.c.
 *
 * The input is a sequence of datagrams, each prefixed by a 2-byte
 * big-endian length. They are fed
 *  1. to a fresh DTLS server association and to a started client
 *     association (OpenSSL behind our record filter), with every output
 *     taken: no crash, no leak;
 *  2. to both ends of an established pair (two of our associations that
 *     completed a real handshake in memory), where a datagram that starts
 *     with the byte 0 (never DTLS) is a splice: byte 1 picks one of the
 *     pair's own handshake datagrams, byte 2 an offset into it, and the
 *     rest overwrites it from there, so that real records, truncated,
 *     re-sized or replayed, reach the associations. Nothing may break the
 *     pair: after every datagram both ends must still be connected, with
 *     no event and no alert sent toward the peer, and at the end a real
 *     close_notify must still get through. abort() otherwise: one forged
 *     datagram must never end a call. The pair uses ChaCha20-Poly1305 if
 *     the input's last byte is odd, AES-128-GCM if it is even;
 *  3. then the whole input goes through the record filter and packer
 *     directly, whose results are checked.
 *
 * The seed corpus (tests/fuzz/corpus/dtls/) holds a ClientHello and a
 * server's first flight as our own associations send them, forged records
 * that once ended an association (a short epoch-1 alert), and splices. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/dtls.h"
#include "media/dtls_int.h"
#include "base/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FP_ZERO                                                                                    \
    "00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:"   \
    "00:00"

/* Handshake datagrams of the established pair kept for splices. */
#define CAPTURE_MAX 16
#define ALERT 21

static struct dtls_cert *cert;
static char cert_fp[DTLS_FINGERPRINT_MAX];
/* A second certificate whose context offers ChaCha20-Poly1305 only (16
 * bytes of overhead, where AES-GCM has 24): the established pair uses it
 * when the input's last byte is odd, AES-128-GCM otherwise. */
static struct dtls_cert *cert_chacha;
static char cert_chacha_fp[DTLS_FINGERPRINT_MAX];

static void check(int cond)
{
    if (!cond)
        abort();
}

static void drain(struct dtls *d)
{
    struct dtls_output o;
    volatile unsigned sink = 0;

    while (dtls_poll(d, &o)) {
        if (o.kind == DTLS_OUT_TRANSMIT) {
            check(o.len > 0 && o.len <= DTLS_TX_BUF_BYTES);
            for (size_t i = 0; i < o.len; i++)
                sink += o.data[i];
        } else if (o.kind == DTLS_OUT_EVENT && o.event == DTLS_EVENT_FAILED) {
            check(o.reason != NULL);
        }
    }
    (void)sink;
}

static void feed(struct dtls *d, const uint8_t *data, size_t size)
{
    int64_t now = 1000000;
    size_t off = 0;

    while (size - off >= 2) {
        size_t n = (size_t)data[off] << 8 | data[off + 1];

        off += 2;
        if (n > size - off)
            n = size - off;
        (void)dtls_input(d, now, data + off, n);
        drain(d);
        off += n;
        now += 1000;
        (void)dtls_timeout(d, now);
        drain(d);
    }
}

struct pack_check {
    const uint8_t *next;
    size_t total;
};

static void on_datagram(void *arg, const uint8_t *p, size_t len)
{
    struct pack_check *c = arg;

    check(p == c->next); /* in order, back to back */
    check(len >= DTLS_RECORD_HEADER_LEN);
    c->next = p + len;
    c->total += len;
}

/* ---- an established pair ---- */

struct end {
    struct dtls *d;
    bool connected, closed;
    bool broken; /* failed, or sent an alert */
};

struct pair {
    struct end e[2]; /* [0] DTLS server, [1] client */
    uint8_t cap[CAPTURE_MAX][DTLS_MTU];
    size_t cap_len[CAPTURE_MAX];
    unsigned n_cap;
};

/* Takes everything `from` has queued, to `to` (NULL: nowhere). A FAILED
 * event or an alert record sent marks `from` broken. */
static bool pump(struct pair *p, struct end *from, struct end *to, bool capture)
{
    struct dtls_output o;
    bool any = false;

    while (dtls_poll(from->d, &o)) {
        any = true;
        if (o.kind == DTLS_OUT_EVENT) {
            from->connected |= o.event == DTLS_EVENT_CONNECTED;
            from->closed |= o.event == DTLS_EVENT_CLOSED;
            from->broken |= o.event == DTLS_EVENT_FAILED;
        }
        if (o.kind != DTLS_OUT_TRANSMIT)
            continue;
        for (size_t off = 0, n; o.len - off >= DTLS_RECORD_HEADER_LEN; off += n) {
            n = dtls_record_len(o.data + off, o.len - off);
            check(n > 0);
            if (o.data[off] == ALERT)
                from->broken = true;
        }
        if (capture && p->n_cap < CAPTURE_MAX && o.len <= DTLS_MTU) {
            memcpy(p->cap[p->n_cap], o.data, o.len);
            p->cap_len[p->n_cap++] = o.len;
        }
        if (to != NULL)
            (void)dtls_input(to->d, 2000000, o.data, o.len);
    }
    return any;
}

static bool pair_up(struct pair *p, bool chacha)
{
    struct dtls_cert *c = chacha ? cert_chacha : cert;
    const char *fp = chacha ? cert_chacha_fp : cert_fp;

    memset(p, 0, sizeof *p);
    if (dtls_create(&p->e[0].d, c, DTLS_ROLE_SERVER, "sha-256", fp) != 0 ||
        dtls_create(&p->e[1].d, c, DTLS_ROLE_CLIENT, "sha-256", fp) != 0)
        return false;
    (void)dtls_start(p->e[0].d, 1000000);
    (void)dtls_start(p->e[1].d, 1000000);
    for (int i = 0; i < 50; i++) {
        bool any = pump(p, &p->e[1], &p->e[0], true);

        any |= pump(p, &p->e[0], &p->e[1], true);
        if (!any)
            break;
    }
    /* No loss, no forgery yet: this handshake always completes. */
    check(p->e[0].connected && p->e[1].connected && !p->e[0].broken && !p->e[1].broken);
    return true;
}

static void pair_free(struct pair *p)
{
    dtls_destroy(p->e[0].d);
    dtls_destroy(p->e[1].d);
}

static void check_intact(struct pair *p, struct end *e)
{
    (void)pump(p, e, NULL, false);
    check(!e->broken && !e->closed && dtls_get_state(e->d) == DTLS_STATE_CONNECTED);
}

/* One datagram of the input into both ends (a splice: see the top). */
static void inject(struct pair *p, const uint8_t *dg, size_t n)
{
    uint8_t buf[DTLS_DATAGRAM_MAX];
    size_t len = n;

    if (n >= 3 && dg[0] == 0 && p->n_cap > 0) {
        unsigned k = dg[1] % p->n_cap;
        size_t off = dg[2] % (p->cap_len[k] + 1), add = n - 3;

        if (add > sizeof buf - off)
            add = sizeof buf - off;
        memcpy(buf, p->cap[k], p->cap_len[k]);
        memcpy(buf + off, dg + 3, add);
        len = off + add > p->cap_len[k] ? off + add : p->cap_len[k];
        dg = buf;
    }
    for (int i = 0; i < 2; i++) {
        (void)dtls_input(p->e[i].d, 3000000, dg, len);
        check_intact(p, &p->e[i]);
    }
}

static void fuzz_established(const uint8_t *data, size_t size)
{
    struct pair p;
    struct end *srv = NULL;
    size_t off = 0;

    if (!pair_up(&p, size > 0 && (data[size - 1] & 1))) {
        pair_free(&p);
        return;
    }
    while (size - off >= 2) {
        size_t n = (size_t)data[off] << 8 | data[off + 1];

        off += 2;
        if (n > size - off)
            n = size - off;
        inject(&p, data + off, n);
        off += n;
    }
    /* The client's real close_notify still reaches the server (which
     * answers with its own: an alert, but a fine one). */
    srv = &p.e[0];
    (void)dtls_close(p.e[1].d);
    (void)pump(&p, &p.e[1], srv, false);
    (void)pump(&p, srv, NULL, false);
    check(srv->closed && dtls_get_state(srv->d) == DTLS_STATE_CLOSED);
    pair_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dtls *srv = NULL, *cli = NULL;
    static uint8_t scratch[DTLS_DATAGRAM_MAX];
    const uint8_t *fed;
    size_t fed_len, bad;
    struct pack_check pc = {data, 0};

    if (cert == NULL &&
        (dtls_cert_create(&cert) != 0 || dtls_cert_fingerprint(cert, cert_fp) != 0 ||
         dtls_cert_create(&cert_chacha) != 0 ||
         dtls_cert_fingerprint(cert_chacha, cert_chacha_fp) != 0 ||
         SSL_CTX_set_cipher_list(cert_chacha->ctx, "ECDHE-ECDSA-CHACHA20-POLY1305") != 1))
        abort();

    if (dtls_create(&srv, cert, DTLS_ROLE_SERVER, "sha-256", FP_ZERO) == 0) {
        feed(srv, data, size);
        dtls_destroy(srv);
    }
    if (dtls_create(&cli, cert, DTLS_ROLE_CLIENT, "sha-256", FP_ZERO) == 0) {
        (void)dtls_start(cli, 0);
        drain(cli);
        feed(cli, data, size);
        (void)dtls_close(cli);
        drain(cli);
        dtls_destroy(cli);
    }

    fuzz_established(data, size);

    /* The record layer on its own, under a policy the input's first byte
     * picks. */
    if (size <= DTLS_DATAGRAM_MAX) {
        static const size_t mins[] = {0, 16, 24};
        struct dtls_rx_policy pol = {
            .connected = size > 0 && (data[0] & 1),
            .sealed_min = mins[size > 0 ? (data[0] >> 1) % 3 : 0],
        };

        bad = dtls_record_filter(data, size, &pol, scratch, sizeof scratch, &fed, &fed_len);
        check(fed_len <= size);
        check(bad > 0 || fed_len == size);
        check(fed == data || fed == scratch);
        if (fed_len > 0) {
            struct pack_check fc = {fed, 0};

            /* what passed the filter is whole records */
            check(dtls_record_pack(fed, fed_len, 200, on_datagram, &fc));
            check(fc.total == fed_len);
        }
    }
    if (dtls_record_pack(data, size, 300, on_datagram, &pc))
        check(pc.total == size);
    else
        check(pc.total < size);
    return 0;
}
