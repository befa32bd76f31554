/* speexdsp resampler wrapper: fixed quality, whole frames in and out. */
#include "media/resample.h"

#include <stdlib.h>
#include <string.h>

#include <speex/speex_resampler.h>

#include "base/err.h"

/* speexdsp quality 0..10; 3 is its "VoIP" setting: ample for telephone
 * audio and cheap enough for many calls per core. */
#define RESAMPLE_QUALITY 3

struct resample {
    unsigned in_rate, out_rate;
    SpeexResamplerState *st; /* NULL when the rates are equal */
};

static int rate_ok(unsigned r)
{
    return r == 8000 || r == 16000 || r == 48000;
}

int resample_create(struct resample **out, unsigned in_rate, unsigned out_rate)
{
    struct resample *r;
    int err = 0;

    *out = NULL;
    if (!rate_ok(in_rate) || !rate_ok(out_rate))
        return ERR_INVAL;
    r = calloc(1, sizeof(*r));
    if (r == NULL)
        return ERR_NOMEM;
    r->in_rate = in_rate;
    r->out_rate = out_rate;
    if (in_rate != out_rate) {
        r->st = speex_resampler_init(1, in_rate, out_rate, RESAMPLE_QUALITY, &err);
        if (r->st == NULL || err != RESAMPLER_ERR_SUCCESS) {
            free(r);
            return ERR_NOMEM;
        }
    }
    *out = r;
    return 0;
}

void resample_destroy(struct resample *r)
{
    if (r == NULL)
        return;
    if (r->st != NULL)
        speex_resampler_destroy(r->st);
    free(r);
}

void resample_reset(struct resample *r)
{
    if (r->st != NULL)
        speex_resampler_reset_mem(r->st);
}

int resample_process(struct resample *r, const int16_t *in, size_t n, int16_t *out, size_t cap,
                     size_t *out_n)
{
    size_t want;
    spx_uint32_t in_len, out_len;

    *out_n = 0;
    if (n > UINT32_MAX / r->out_rate || (n * r->out_rate) % r->in_rate != 0)
        return ERR_INVAL;
    want = n * r->out_rate / r->in_rate;
    if (want > cap)
        return ERR_TOOBIG;
    if (r->st == NULL) {
        memcpy(out, in, n * sizeof(*in));
        *out_n = n;
        return 0;
    }
    in_len = (spx_uint32_t)n;
    out_len = (spx_uint32_t)want;
    if (speex_resampler_process_int(r->st, 0, in, &in_len, out, &out_len) != RESAMPLER_ERR_SUCCESS)
        return ERR_PROTO;
    /* The rates are whole multiples, so a frame converts exactly; a
     * shortfall would be a speexdsp change: keep frames whole anyway. */
    if (in_len != n || out_len != want)
        return ERR_PROTO;
    *out_n = want;
    return 0;
}
