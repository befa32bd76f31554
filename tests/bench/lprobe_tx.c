/* The limit probe's send queue: sendmmsg with UDP GSO runs (lprobe_tx.h). */
#include "tests/bench/lprobe_tx.h"

#include <assert.h>
#include <errno.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

void lprobe_tx_init(struct lprobe_tx *q, bool gso)
{
    memset(q, 0, sizeof *q);
    q->gso = gso;
}

void lprobe_tx_reset(struct lprobe_tx *q)
{
    q->n = 0;
}

void lprobe_tx_add(struct lprobe_tx *q, uint8_t *buf, size_t len, const struct sockaddr_in *dst)
{
    assert(q->n < LPROBE_TX_MAX);
    q->iov[q->n] = (struct iovec){buf, len};
    q->dst[q->n++] = dst;
}

static bool same_dst(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
    if (!a || !b)
        return a == b;
    return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
}

/* Groups datagrams [from, n) into messages; returns how many. */
static size_t build(struct lprobe_tx *q, size_t from)
{
    size_t m = 0;

    for (size_t i = from; i < q->n; m++) {
        size_t seg = q->iov[i].iov_len, count = 1, total = seg;
        if (q->gso) {
            while (i + count < q->n && count < LPROBE_TX_GSO_SEGS) {
                size_t len = q->iov[i + count].iov_len;
                if (len == 0 || len > seg || total + len > LPROBE_TX_GSO_BYTES ||
                    !same_dst(q->dst[i + count], q->dst[i]))
                    break;
                total += len;
                count++;
                if (len < seg)
                    break; /* a shorter segment ends the run */
            }
        }
        struct msghdr *h = &q->msgs[m].msg_hdr;
        memset(h, 0, sizeof *h);
        if (q->dst[i]) {
            h->msg_name = (void *)q->dst[i];
            h->msg_namelen = sizeof *q->dst[i];
        }
        h->msg_iov = &q->iov[i];
        h->msg_iovlen = count;
        if (count > 1) {
            h->msg_control = q->cmsg[m].buf;
            h->msg_controllen = sizeof q->cmsg[m].buf;
            struct cmsghdr *cm = CMSG_FIRSTHDR(h);
            cm->cmsg_level = SOL_UDP;
            cm->cmsg_type = UDP_SEGMENT;
            cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            uint16_t gso_size = (uint16_t)seg;
            memcpy(CMSG_DATA(cm), &gso_size, sizeof gso_size);
        }
        q->msgs[m].msg_len = 0;
        q->first[m] = i;
        q->count[m] = count;
        i += count;
    }
    return m;
}

int lprobe_tx_flush(struct lprobe_tx *q, int fd)
{
    size_t m = build(q, 0), k = 0;
    int ret = 0;

    while (k < m) {
        int r = sendmmsg(fd, &q->msgs[k], (unsigned)(m - k), 0);
        q->calls++;
        if (r > 0) {
            for (size_t j = k; j < k + (size_t)r; j++) {
                q->sent += q->count[j];
                if (q->count[j] > 1) {
                    q->gso_sends++;
                    q->gso_segs += q->count[j];
                }
            }
            k += (size_t)r;
            continue;
        }
        int e = r == 0 ? EAGAIN : errno;
        if (e == EINTR)
            continue;
        if (q->count[k] > 1 && (e == EIO || e == EINVAL || e == EOPNOTSUPP)) {
            /* GSO refused: send the rest, and everything after, without. */
            fprintf(stderr, "bench_probe: UDP GSO refused (%s); sending without it\n", strerror(e));
            q->gso = false;
            q->gso_refused = true;
            m = build(q, q->first[k]);
            k = 0;
            continue;
        }
        snprintf(q->error, sizeof q->error, "sendmmsg: %s", strerror(e));
        ret = ERR_IO;
        break;
    }
    q->n = 0;
    return ret;
}
