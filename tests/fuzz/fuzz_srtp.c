/* Differential fuzz target for media/srtp against libsrtp2: a session per
 * input (fixed keys, profile from the first byte), then a sequence of
 * records, each an RTP or RTCP packet that is
 *   - optionally protected first by both (they must agree on accept and
 *     produce the same bytes), so the fuzzer reaches valid packets,
 *   - optionally mutated (one byte XORed at a chosen position),
 *   - unprotected by both: they must agree on accept/reject and, when
 *     accepting, on the plaintext. Ours reads from a buffer of exactly the
 *     packet's size, so any read past it is caught.
 * Sequence numbers repeat and jump as the fuzzer likes, which covers the
 * replay windows and ROC estimation of both sides.
 *
 * Record: kind (bit 0 RTCP, bit 1 protect first, bit 2 mutate), length
 * (u16, at most MAX_PKT), mutation position (u16), XOR byte, then the
 * packet's bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "media/srtp.h"
#include "tests/unit/srtp_oracle.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PKT 1500
#define MAX_RECORDS 32
#define RECORD_HEAD 6

static void keys(struct dtls_srtp_keys *k, bool gcm)
{
    memset(k, 0, sizeof *k);
    k->profile = gcm ? DTLS_SRTP_AEAD_AES_128_GCM : DTLS_SRTP_AES128_CM_SHA1_80;
    k->key_len = 16;
    k->salt_len = gcm ? 12 : 14;
    for (int i = 0; i < 16; i++) {
        k->local_key[i] = k->remote_key[i] = (uint8_t)(0x10 + i);
        if (i < (int)k->salt_len)
            k->local_salt[i] = k->remote_salt[i] = (uint8_t)(0xa0 + i);
    }
}

static void protect_both(struct srtpx *ours, struct srtp_oracle *lib, bool rtcp, uint8_t *pkt,
                         size_t *len)
{
    uint8_t a[MAX_PKT + SRTPX_MAX_TRAILER], b[MAX_PKT + SRTPX_MAX_TRAILER];
    size_t la = *len, lb = *len;
    int ra, rb;

    memcpy(a, pkt, *len);
    memcpy(b, pkt, *len);
    ra = rtcp ? srtpx_protect_rtcp(ours, a, &la, sizeof a)
              : srtpx_protect_rtp(ours, a, &la, sizeof a);
    rb = srtp_oracle_call(lib->tx, true, rtcp, b, &lb);
    CHECK((ra == 0) == (rb == 0));
    if (ra != 0)
        return;
    CHECK(la == lb && memcmp(a, b, la) == 0);
    memcpy(pkt, a, la);
    *len = la;
}

static void unprotect_both(struct srtpx *ours, struct srtp_oracle *lib, bool rtcp,
                           const uint8_t *pkt, size_t len)
{
    uint8_t *a = malloc(len > 0 ? len : 1);
    uint8_t b[MAX_PKT + SRTPX_MAX_TRAILER + 64];
    size_t la = len, lb = len;
    int ra, rb;

    CHECK(a != NULL);
    memcpy(a, pkt, len);
    memcpy(b, pkt, len);
    ra = rtcp ? srtpx_unprotect_rtcp(ours, a, &la) : srtpx_unprotect_rtp(ours, a, &la);
    rb = len >= 1 ? srtp_oracle_call(lib->rx, false, rtcp, b, &lb) : -1;
    CHECK((ra == 0) == (rb == 0));
    if (ra == 0)
        CHECK(la == lb && memcmp(a, b, la) == 0);
    else
        CHECK(la == len && ra != ERR_INVAL);
    free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dtls_srtp_keys k;
    struct srtpx *ours = NULL;
    struct srtp_oracle lib = {0};
    uint8_t pkt[MAX_PKT + SRTPX_MAX_TRAILER];
    size_t off = 1;

    if (size < 1)
        return 0;
    keys(&k, data[0] & 1);
    CHECK(srtpx_create(&ours, &k) == 0);
    CHECK(srtp_oracle_create(&lib, &k) == 0);
    for (int r = 0; r < MAX_RECORDS && size - off >= RECORD_HEAD; r++) {
        uint8_t kind = data[off];
        size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
        size_t pos = (size_t)data[off + 3] << 8 | data[off + 4];
        uint8_t x = data[off + 5];
        bool rtcp = kind & 1;

        off += RECORD_HEAD;
        if (len > MAX_PKT)
            len = MAX_PKT;
        if (len > size - off)
            len = size - off;
        memcpy(pkt, data + off, len);
        off += len;
        if (kind & 2)
            protect_both(ours, &lib, rtcp, pkt, &len);
        if ((kind & 4) && len > 0)
            pkt[pos % len] ^= x;
        unprotect_both(ours, &lib, rtcp, pkt, len);
    }
    srtpx_destroy(ours);
    srtp_oracle_destroy(&lib);
    return 0;
}
