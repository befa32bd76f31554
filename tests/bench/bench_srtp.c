/* SRTP cost per 1200-byte RTP packet: media/srtp (OpenSSL EVP) against
 * libsrtp2 (Debian's, on NSS), for AEAD_AES_128_GCM and
 * AES_CM_128_HMAC_SHA1_80, in the same run. Per profile and library:
 * protect alone, and protect + unprotect of the same packet (a forwarded
 * packet costs one unprotect and one protect per receiver). Rounds
 * alternate between the two libraries; each figure is the median of ROUNDS
 * rounds of PACKETS packets, CPU time of this thread.
 *   make bench-srtp   (release build; see docs/BENCHMARKS.md) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "media/srtp.h"
#include "tests/bench/bench.h"
#include "tests/unit/srtp_oracle.h"

#define PACKETS 100000
#define ROUNDS 5
#define PKT_LEN 1200

static void fail(const char *what)
{
    bench_fail("bench_srtp", what);
}

struct impl {
    struct srtpx *ours;
    struct srtp_oracle lib;
    bool use_lib;
    uint16_t seq;
};

static void set_seq(uint8_t *buf, uint16_t seq)
{
    buf[2] = (uint8_t)(seq >> 8);
    buf[3] = (uint8_t)seq;
}

static int protect(struct impl *m, uint8_t *buf, size_t *len, size_t cap)
{
    if (m->use_lib)
        return srtp_oracle_call(m->lib.tx, true, false, buf, len);
    return srtpx_protect_rtp(m->ours, buf, len, cap);
}

static int unprotect(struct impl *m, uint8_t *buf, size_t *len)
{
    if (m->use_lib)
        return srtp_oracle_call(m->lib.rx, false, false, buf, len);
    return srtpx_unprotect_rtp(m->ours, buf, len);
}

/* ns per packet for one round. */
static double round_ns(struct impl *m, uint8_t *buf, bool both)
{
    double t0 = bench_cpu_ns();

    for (int i = 0; i < PACKETS; i++) {
        size_t len = PKT_LEN;

        set_seq(buf, m->seq++);
        if (protect(m, buf, &len, PKT_LEN + SRTPX_MAX_TRAILER) != 0)
            fail("protect");
        if (both && unprotect(m, buf, &len) != 0) {
            fail("unprotect");
        }
    }
    return (bench_cpu_ns() - t0) / PACKETS;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static void run(enum dtls_srtp_profile profile, const char *name)
{
    struct dtls_srtp_keys k;
    struct impl ours = {0}, lib = {0};
    static uint8_t buf[PKT_LEN + SRTPX_MAX_TRAILER];
    double r[2][2][ROUNDS], med[2][2];

    memset(&k, 0x5a, sizeof k);
    k.profile = profile;
    k.key_len = 16;
    k.salt_len = profile == DTLS_SRTP_AEAD_AES_128_GCM ? 12 : 14;
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 7);
    buf[0] = 0x80;
    buf[1] = 96;
    for (int both = 0; both < 2; both++) {
        /* Fresh sessions: the receiver starts with the sender's ROC 0. */
        memset(&ours, 0, sizeof ours);
        memset(&lib, 0, sizeof lib);
        if (srtpx_create(&ours.ours, &k) != 0)
            fail("srtpx_create");
        if (srtp_oracle_create(&lib.lib, &k) != 0)
            fail("srtp_create");
        lib.use_lib = true;
        for (int i = 0; i < ROUNDS; i++) {
            r[0][both][i] = round_ns(&ours, buf, both);
            r[1][both][i] = round_ns(&lib, buf, both);
        }
        srtpx_destroy(ours.ours);
        srtp_oracle_destroy(&lib.lib);
    }
    for (int l = 0; l < 2; l++)
        for (int both = 0; both < 2; both++) {
            qsort(r[l][both], ROUNDS, sizeof(double), cmp_double);
            med[l][both] = r[l][both][ROUNDS / 2];
        }
    printf("bench_srtp: %-24s protect: ours %6.0f ns, libsrtp2 %6.0f ns (%.1fx); "
           "protect+unprotect: ours %6.0f ns, libsrtp2 %6.0f ns (%.1fx)\n",
           name, med[0][0], med[1][0], med[1][0] / med[0][0], med[0][1], med[1][1],
           med[1][1] / med[0][1]);
}

int main(void)
{
    printf("bench_srtp: %d-byte RTP packets, median of %d rounds of %d packets, thread CPU time\n",
           PKT_LEN, ROUNDS, PACKETS);
    run(DTLS_SRTP_AEAD_AES_128_GCM, "AEAD_AES_128_GCM");
    run(DTLS_SRTP_AES128_CM_SHA1_80, "AES_CM_128_HMAC_SHA1_80");
    return 0;
}
