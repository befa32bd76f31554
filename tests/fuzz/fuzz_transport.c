/* Fuzz target for media/transport.c: hostile datagrams, valid ICE checks,
 * timers, ICE restarts, closed ICE-TCP connections and the end of the
 * transport, in any order, with the output queue drained after every step
 * or left to fill. Every output transport_poll() yields is checked:
 *   - a datagram is STUN that parses with a correct FINGERPRINT, or DTLS no
 *     larger than DTLS_MTU; at most TRANSPORT_OUT_BYTES; over UDP without a
 *     connection, over ICE-TCP on the connection its source came on, and
 *     never on one the transport has asked to close (unless the queue was
 *     left to fill: then input from it may have come after the request);
 *   - a close request names a connection the harness gave it, once (same
 *     exception);
 *   - protect says where it goes: a checked source, over ICE-TCP on a
 *     connection that is neither gone nor asked to be closed;
 *   - events: no CONNECTED and no second end after FAILED or CLOSED; none
 *     queued after transport_close() (what was queued before it still
 *     comes out first);
 *   - one drained step yields no more than the queue holds, and a queue
 *     drained after every step drops nothing.
 * Any violation aborts.
 *
 * Input: records of
 *   ctrl  1 byte: bits 0-2 source (8 fixed IPv4/IPv6 addresses), bit 3
 *         ICE-TCP, bits 4-6 the step:
 *           0  datagram: len (2 bytes big-endian, clamped) bytes follow,
 *              given to transport_input() from the source
 *           1  a valid ICE check from the source (bit 7: USE-CANDIDATE)
 *           2  the clock advances (bit 7: 10 s, else 0.5 s), then
 *              transport_timeout()
 *           3  the source's ICE-TCP connection is gone (transport_tcp_closed)
 *           4  ICE restart, toggling between two credential sets
 *           5  toggles draining after every step (off: the queue fills)
 *           6  protect: len bytes follow, protected as RTP (bit 7: RTCP)
 *           7  transport_close()
 *
 * Seeds (tests/fuzz/corpus/transport/) are written by
 * tests/unit/test_transport.c with SAMTALE_SEED_DIR set; the credentials
 * below must match that file. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/dtls.h"
#include "media/stun.h"
#include "media/transport.h"
#include "base/err.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_record.h"
#include "tests/fuzz/fuzz_source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_SOURCES 8
#define PKT_MAX 2048
#define CONNS_MAX 256

static const char *const ufrag[2] = {"srvU", "srvV"};
static const char *const pwd[2] = {"serverpassword0123456789abc", "serverpassword9876543210xyz"};
static const char *const remote[2] = {"brwU", "brwV"};

static struct dtls_cert *cert;

/* An ICE-TCP connection the harness gave the transport. */
struct conn {
    unsigned src;
    bool gone;  /* transport_tcp_closed() */
    bool asked; /* the transport asked for it to be closed */
};

struct fx {
    struct transport *t;
    unsigned cred;
    uint32_t tid;
    int64_t now;
    bool drain_each, undrained, ended; /* ended: FAILED or CLOSED seen */
    bool closed, empty;                /* empty: drained since the last step */
    bool before_close;                 /* closed while outputs from before waited in the queue */
    /* Connection i has the number 1000 + i. Each source's current one is
     * replaced once it is gone or asked to be closed, as the worker would. */
    struct conn conns[CONNS_MAX];
    size_t n_conns;
    int cur[N_SOURCES]; /* -1: none yet */
};

static struct conn *conn_of(struct fx *f, uint64_t id)
{
    return id >= 1000 && id - 1000 < f->n_conns ? &f->conns[id - 1000] : NULL;
}

static int source_of(const struct stun_addr *a)
{
    for (unsigned i = 0; i < N_SOURCES; i++) {
        struct stun_addr s = fz_source(i);
        if (stun_addr_equal(&s, a))
            return (int)i;
    }
    return -1;
}

static void check_datagram(struct fx *f, const struct transport_output *o)
{
    const uint8_t *b = o->datagram.buf;
    size_t len = o->datagram.len;
    CHECK(b != NULL && len > 0 && len <= TRANSPORT_OUT_BYTES);
    int i = source_of(&o->datagram.to.addr);
    CHECK(i >= 0); /* only ever to an address that sent something */
    if (o->datagram.to.proto == ICE_PROTO_TCP) {
        const struct conn *c = conn_of(f, o->datagram.to.tcp_conn);
        CHECK(c != NULL && c->src == (unsigned)i);
        /* Undrained, the harness hands on input from a connection whose
         * close request still waits in the queue, as a worker would. */
        CHECK(!c->asked || f->undrained);
    } else {
        CHECK(o->datagram.to.proto == ICE_PROTO_UDP && o->datagram.to.tcp_conn == 0);
    }
    if (b[0] <= 3) {
        struct stun_msg m;
        CHECK(stun_parse(&m, b, len) == 0);
        CHECK(stun_check_fingerprint(&m) == 0);
    } else {
        CHECK(b[0] >= 20 && b[0] <= 63);
        CHECK(len <= DTLS_MTU);
    }
}

/* Takes every output; checks each. */
static void drain(struct fx *f)
{
    struct transport_output o;
    size_t n = 0;
    while (transport_poll(f->t, &o)) {
        CHECK(++n <= TRANSPORT_OUT_DATAGRAMS + TRANSPORT_OUT_CONTROL);
        switch (o.kind) {
        case TRANSPORT_OUT_DATAGRAM:
            check_datagram(f, &o);
            break;
        case TRANSPORT_OUT_CLOSE_TCP: {
            CHECK(o.close_tcp.why == TRANSPORT_TCP_CLOSE_SUPERSEDED ||
                  o.close_tcp.why == TRANSPORT_TCP_CLOSE_ENDED);
            struct conn *c = conn_of(f, o.close_tcp.conn);
            CHECK(c != NULL && (!c->asked || f->undrained));
            c->asked = true;
            break;
        }
        case TRANSPORT_OUT_EVENT:
            CHECK(!f->closed || f->before_close);
            CHECK(o.event.type <= TRANSPORT_EVENT_CLOSED);
            CHECK(!f->ended || o.event.type == TRANSPORT_EVENT_PATH);
            if (o.event.type == TRANSPORT_EVENT_FAILED || o.event.type == TRANSPORT_EVENT_CLOSED)
                f->ended = true;
            if (o.event.type == TRANSPORT_EVENT_FAILED)
                CHECK(o.event.reason != NULL);
            break;
        default:
            CHECK(0);
        }
    }
    f->empty = true;
    f->before_close = false;
}

/* The source's connection for a TCP input: a new one when it has none
 * that is open; 0 when the harness has given out all it has. */
static uint64_t tcp_conn(struct fx *f, unsigned src)
{
    int i = f->cur[src];
    if (i < 0 || f->conns[i].gone || f->conns[i].asked) {
        if (f->n_conns == CONNS_MAX)
            return 0;
        f->conns[f->n_conns] = (struct conn){.src = src};
        f->cur[src] = i = (int)f->n_conns++;
    }
    return 1000 + (uint64_t)i;
}

static void input(struct fx *f, unsigned src, bool tcp, uint8_t *buf, size_t len)
{
    struct stun_addr a = fz_source(src);
    size_t n = len;
    uint64_t conn = tcp ? tcp_conn(f, src) : 0;
    if (tcp && !conn)
        return;
    transport_input(f->t, f->now, buf, &n, &a, tcp ? ICE_PROTO_TCP : ICE_PROTO_UDP, conn);
    CHECK(n <= len);
}

static void valid_check(struct fx *f, unsigned src, bool tcp, bool nominate)
{
    uint8_t buf[PKT_MAX];
    size_t len;
    char user[64];
    snprintf(user, sizeof user, "%s:%s", ufrag[f->cred], remote[f->cred]);
    struct stun_binding_request req = {
        .username = user,
        .priority = 1000 + src,
        .controlling = true,
        .tie_breaker = 42,
        .use_candidate = nominate,
        .key = (const uint8_t *)pwd[f->cred],
        .key_len = strlen(pwd[f->cred]),
    };
    f->tid++;
    memcpy(req.tid, &f->tid, sizeof f->tid);
    CHECK(stun_build_binding_request(buf, sizeof buf, &req, &len) == 0);
    input(f, src, tcp, buf, len);
}

static void protect(struct fx *f, bool rtcp, const uint8_t *data, size_t len)
{
    uint8_t buf[PKT_MAX + 64];
    struct transport_dest to;
    if (len > PKT_MAX)
        len = PKT_MAX;
    memcpy(buf, data, len);
    size_t n = len;
    int rc = rtcp ? transport_protect_rtcp(f->t, buf, &n, sizeof buf, &to)
                  : transport_protect_rtp(f->t, buf, &n, sizeof buf, &to);
    if (rc == 0) {
        CHECK(transport_is_connected(f->t) && !f->closed);
        int i = source_of(&to.addr);
        CHECK(i >= 0);
        if (to.proto == ICE_PROTO_TCP) {
            const struct conn *c = conn_of(f, to.tcp_conn);
            CHECK(c != NULL && c->src == (unsigned)i && !c->gone && !c->asked);
        } else {
            CHECK(to.proto == ICE_PROTO_UDP);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cert && dtls_cert_create(&cert) < 0)
        abort();
    static struct fx f;
    memset(&f, 0, sizeof f);
    f.now = 1000000;
    f.drain_each = true;
    for (unsigned i = 0; i < N_SOURCES; i++)
        f.cur[i] = -1;
    struct transport_cfg cfg = {
        .local_ufrag = ufrag[0],
        .local_pwd = pwd[0],
        .remote_ufrag = remote[0],
        .cert = cert,
        .role = DTLS_ROLE_SERVER,
        .remote_fp_alg = "sha-256",
        .remote_fp =
            "00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:"
            "00:00:00:00:00:00",
        .now_us = f.now,
    };
    CHECK(transport_create(&f.t, &cfg) == 0);
    size_t pos = 0;
    f.empty = true;
    while (pos < size) {
        uint8_t ctrl = data[pos++];
        if ((ctrl >> 4 & 7u) != 7)
            f.empty = false;
        unsigned src = ctrl & 7u;
        bool tcp = ctrl & 8u, bit7 = ctrl & 0x80u;
        switch ((ctrl >> 4) & 7u) {
        case 0: {
            size_t len = fz_record_len(data, size, &pos);
            uint8_t buf[PKT_MAX];
            size_t n = len > sizeof buf ? sizeof buf : len;
            memcpy(buf, data + pos, n);
            pos += len;
            if (n)
                input(&f, src, tcp, buf, n);
            break;
        }
        case 1:
            valid_check(&f, src, tcp, bit7);
            break;
        case 2:
            f.now += bit7 ? 10000000 : 500000;
            transport_timeout(f.t, f.now);
            break;
        case 3:
            if (f.cur[src] >= 0) {
                transport_tcp_closed(f.t, 1000 + (uint64_t)f.cur[src]);
                f.conns[f.cur[src]].gone = true;
            }
            break;
        case 4:
            f.cred ^= 1u;
            (void)transport_restart_ice(f.t, f.now, ufrag[f.cred], pwd[f.cred], remote[f.cred]);
            break;
        case 5:
            f.drain_each = !f.drain_each;
            f.undrained = true;
            break;
        case 6: {
            size_t len = fz_record_len(data, size, &pos);
            protect(&f, bit7, data + pos, len);
            pos += len;
            break;
        }
        default:
            if (!f.closed)
                f.before_close = !f.empty;
            transport_close(f.t);
            f.closed = true;
            CHECK(transport_next_deadline(f.t) == INT64_MAX);
            break;
        }
        if (f.drain_each) {
            drain(&f);
            struct transport_stats st;
            transport_get_stats(f.t, &st);
            if (!f.undrained) /* drained after every step: nothing lost */
                CHECK(st.datagrams_dropped == 0 && st.outputs_dropped == 0);
        }
    }
    if (!f.closed)
        f.before_close = !f.empty;
    transport_close(f.t);
    f.closed = true;
    drain(&f);
    transport_destroy(f.t);
    return 0;
}
