/* Fuzz target for media/dtls.c and media/dtls_record.c.
 *
 * The input is a sequence of datagrams, each prefixed by a 2-byte
 * big-endian length. They are fed to a fresh DTLS server association and to
 * a started client association (OpenSSL behind our record filter), with
 * every output taken; then the whole input goes through the record filter
 * and packer directly, whose results are checked.
 *
 * The seed corpus (tests/fuzz/corpus/dtls/) holds a ClientHello and a
 * server's first flight as our own associations send them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/dtls.h"
#include "media/dtls_int.h"
#include "server/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FP_ZERO                                                                                    \
    "00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:"   \
    "00:00"

static struct dtls_cert *cert;

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dtls *srv = NULL, *cli = NULL;
    static uint8_t scratch[DTLS_DATAGRAM_MAX];
    const uint8_t *fed;
    size_t fed_len, bad;
    struct pack_check pc = {data, 0};

    if (cert == NULL && dtls_cert_create(&cert) != 0)
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

    /* The record layer on its own. */
    if (size <= DTLS_DATAGRAM_MAX) {
        bad = dtls_record_filter(data, size, scratch, sizeof scratch, &fed, &fed_len);
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
