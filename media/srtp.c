/* SRTP sessions: keys per direction, the SSRC table and the replay windows;
 * see srtp.h. The packet transforms are in srtp_rtp.c and srtp_rtcp.c, key
 * derivation and the OpenSSL primitives in srtp_kdf.c. */
#define LOG_MODULE "srtp"

#include "media/srtp.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "base/err.h"
#include "base/log.h"
#include "media/srtp_int.h"

#define FIRST_CAP 8
#define SEQ_MEDIAN (1 << 15)
#define SEQ_MAX (1 << 16)
#define WINDOW_WORDS (SRTPX_REPLAY_WINDOW / 64)

static void dir_free(struct srtpx_dir *d)
{
    srtpx_keys_free(&d->rtp);
    srtpx_keys_free(&d->rtcp);
    free(d->streams);
    free(d->slots);
    memset(d, 0, sizeof *d);
}

static int dir_init(struct srtpx_dir *d, enum dtls_srtp_profile profile, const uint8_t *key,
                    const uint8_t *salt, size_t salt_len, bool outbound)
{
    int rc;

    memset(d, 0, sizeof *d);
    d->outbound = outbound;
    if (RAND_bytes((unsigned char *)&d->seed, sizeof d->seed) != 1)
        return ERR_CRYPTO;
    rc = srtpx_keys_init(&d->rtp, profile, key, salt, salt_len, false, outbound);
    if (rc == 0)
        rc = srtpx_keys_init(&d->rtcp, profile, key, salt, salt_len, true, outbound);
    return rc;
}

int srtpx_create(struct srtpx **out, const struct dtls_srtp_keys *k)
{
    struct srtpx *s;
    size_t tag;
    int rc;

    if (out == NULL)
        return ERR_INVAL;
    *out = NULL;
    if (k == NULL || k->key_len != SRTPX_KEY_LEN)
        return ERR_INVAL;
    switch (k->profile) {
    case DTLS_SRTP_AES128_CM_SHA1_80:
        if (k->salt_len != SRTPX_CM_SALT_LEN)
            return ERR_INVAL;
        tag = SRTPX_CM_TAG_LEN;
        break;
    case DTLS_SRTP_AEAD_AES_128_GCM:
        if (k->salt_len != SRTPX_GCM_SALT_LEN)
            return ERR_INVAL;
        tag = SRTPX_GCM_TAG_LEN;
        break;
    case DTLS_SRTP_NONE:
    default:
        return ERR_INVAL;
    }
    rc = srtpx_init();
    if (rc != 0)
        return rc;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return ERR_NOMEM;
    s->profile = k->profile;
    s->tag_len = tag;
    s->rtp_trailer = tag;
    s->rtcp_trailer = tag + SRTPX_SRTCP_INDEX_LEN;
    rc = dir_init(&s->rx, k->profile, k->remote_key, k->remote_salt, k->salt_len, false);
    if (rc == 0)
        rc = dir_init(&s->tx, k->profile, k->local_key, k->local_salt, k->salt_len, true);
    if (rc != 0) {
        srtpx_destroy(s);
        return rc;
    }
    *out = s;
    return 0;
}

void srtpx_destroy(struct srtpx *s)
{
    if (s == NULL)
        return;
    dir_free(&s->rx);
    dir_free(&s->tx);
    OPENSSL_cleanse(s, sizeof *s);
    free(s);
}

/* ---- the SSRC table ---- */

/* The peer picks its SSRCs: the hash is keyed with a random per-direction
 * seed and mixed (lowbias32) so that it cannot line them up in one probe
 * chain. */
static uint32_t hash_ssrc(const struct srtpx_dir *d, uint32_t ssrc)
{
    uint32_t x = ssrc ^ d->seed;

    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

struct srtpx_stream *srtpx_stream_find(struct srtpx_dir *d, uint32_t ssrc)
{
    uint32_t mask, i;

    if (d->last != 0 && d->streams[d->last - 1].ssrc == ssrc)
        return &d->streams[d->last - 1];
    if (d->n == 0)
        return NULL;
    mask = 2 * d->cap - 1;
    /* At most half the slots are used: the probe ends at an empty one. */
    for (i = hash_ssrc(d, ssrc) & mask; d->slots[i] != 0; i = (i + 1) & mask) {
        if (d->streams[d->slots[i] - 1].ssrc == ssrc) {
            d->last = d->slots[i];
            return &d->streams[d->slots[i] - 1];
        }
    }
    return NULL;
}

static void slot_put(const struct srtpx_dir *d, uint32_t *slots, uint32_t mask, uint32_t ssrc,
                     uint32_t num)
{
    uint32_t i = hash_ssrc(d, ssrc) & mask;

    while (slots[i] != 0)
        i = (i + 1) & mask;
    slots[i] = num;
}

static int grow(struct srtpx_dir *d)
{
    uint32_t cap = d->cap == 0 ? FIRST_CAP : 2 * d->cap;
    struct srtpx_stream *v;
    uint32_t *slots;

    if (cap > SRTPX_MAX_SSRCS)
        return ERR_FULL;
    v = realloc(d->streams, cap * sizeof *v);
    if (v == NULL)
        return ERR_NOMEM;
    d->streams = v;
    slots = calloc(2 * (size_t)cap, sizeof *slots);
    if (slots == NULL)
        return ERR_NOMEM;
    for (uint32_t j = 0; j < d->n; j++)
        slot_put(d, slots, 2 * cap - 1, v[j].ssrc, j + 1);
    free(d->slots);
    d->slots = slots;
    d->cap = cap;
    return 0;
}

int srtpx_stream_add(struct srtpx_dir *d, uint32_t ssrc, struct srtpx_stream **out)
{
    struct srtpx_stream *st;
    int rc;

    if (d->n == d->cap) {
        rc = grow(d);
        if (rc != 0)
            return rc;
    }
    st = &d->streams[d->n];
    memset(st, 0, sizeof *st);
    st->ssrc = ssrc;
    d->n++;
    slot_put(d, d->slots, 2 * d->cap - 1, ssrc, d->n);
    d->last = d->n;
    *out = st;
    return 0;
}

/* ---- RTP replay window (RFC 3711 §3.3.2 and appendix A) ---- */

int32_t srtpx_rtp_estimate(const struct srtpx_stream *st, uint16_t seq, uint64_t *est)
{
    uint32_t roc = (uint32_t)(st->index >> 16), guess_roc;
    int32_t local = (int32_t)(st->index & 0xffff), s = seq, diff;

    /* Until the highest index passes half the sequence space the ROC is
     * taken as 0 (a guess of ROC - 1 would make it 0xffffffff). */
    if (st->index <= SEQ_MEDIAN) {
        *est = seq;
        return (int32_t)((int64_t)seq - (int64_t)st->index);
    }
    if (local < SEQ_MEDIAN) {
        if (s - local > SEQ_MEDIAN) {
            guess_roc = roc - 1;
            diff = s - local - SEQ_MAX;
        } else {
            guess_roc = roc;
            diff = s - local;
        }
    } else {
        if (local - SEQ_MEDIAN > s) {
            guess_roc = roc + 1;
            diff = s - local + SEQ_MAX;
        } else {
            guess_roc = roc;
            diff = s - local;
        }
    }
    *est = (uint64_t)guess_roc << 16 | seq;
    return diff;
}

static bool win_get(const uint64_t *bits, uint32_t i)
{
    return (bits[i / 64] >> (i % 64)) & 1u;
}

static void win_set(uint64_t *bits, uint32_t i)
{
    bits[i / 64] |= (uint64_t)1 << (i % 64);
}

/* Moves every bit i to i - n (bits below 0 fall off). */
static void win_shift_down(uint64_t *bits, size_t words, uint32_t n)
{
    size_t w = n / 64, b = n % 64;

    for (size_t i = 0; i < words; i++) {
        uint64_t lo = i + w < words ? bits[i + w] : 0;
        uint64_t hi = i + w + 1 < words ? bits[i + w + 1] : 0;

        bits[i] = b == 0 ? lo : (lo >> b) | (hi << (64 - b));
    }
}

int srtpx_rtp_check(const struct srtpx_stream *st, int32_t delta, bool *old)
{
    *old = false;
    if (delta > 0)
        return 0;
    if (delta <= -SRTPX_REPLAY_WINDOW) {
        *old = true;
        return ERR_DENIED;
    }
    if (win_get(st->bits, (uint32_t)(SRTPX_REPLAY_WINDOW - 1 + delta)))
        return ERR_DENIED;
    return 0;
}

void srtpx_rtp_accept(struct srtpx_stream *st, int32_t delta)
{
    if (delta > 0) {
        st->index += (uint16_t)delta;
        win_shift_down(st->bits, WINDOW_WORDS, (uint32_t)delta);
        win_set(st->bits, SRTPX_REPLAY_WINDOW - 1);
    } else {
        win_set(st->bits, (uint32_t)(SRTPX_REPLAY_WINDOW - 1 + delta));
    }
}

/* ---- SRTCP replay window ---- */

int srtpx_rtcp_check(const struct srtpx_stream *st, uint32_t index)
{
    if ((uint64_t)index >= (uint64_t)st->rtcp_start + SRTPX_RTCP_WINDOW)
        return 0;
    if (index < st->rtcp_start)
        return ERR_DENIED;
    return win_get(st->rtcp_bits, index - st->rtcp_start) ? ERR_DENIED : 0;
}

void srtpx_rtcp_accept(struct srtpx_stream *st, uint32_t index)
{
    uint32_t delta;

    if (index < st->rtcp_start)
        return;
    delta = index - st->rtcp_start;
    if (delta < SRTPX_RTCP_WINDOW) {
        win_set(st->rtcp_bits, delta);
        return;
    }
    delta -= SRTPX_RTCP_WINDOW - 1;
    if (delta >= SRTPX_RTCP_WINDOW)
        memset(st->rtcp_bits, 0, sizeof st->rtcp_bits);
    else
        win_shift_down(st->rtcp_bits, SRTPX_RTCP_WINDOW / 64, delta);
    win_set(st->rtcp_bits, SRTPX_RTCP_WINDOW - 1);
    st->rtcp_start += delta;
}

/* ---- accessors ---- */

size_t srtpx_rtp_trailer(const struct srtpx *s)
{
    return s != NULL ? s->rtp_trailer : SRTPX_MAX_TRAILER;
}

size_t srtpx_rtcp_trailer(const struct srtpx *s)
{
    return s != NULL ? s->rtcp_trailer : SRTPX_MAX_TRAILER;
}

enum dtls_srtp_profile srtpx_profile(const struct srtpx *s)
{
    return s != NULL ? s->profile : DTLS_SRTP_NONE;
}

void srtpx_get_stats(const struct srtpx *s, struct srtpx_stats *out)
{
    if (out == NULL)
        return;
    if (s == NULL)
        memset(out, 0, sizeof *out);
    else
        *out = s->stats;
}
