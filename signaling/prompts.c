/* The phone bridge's spoken prompts: WAV loading and the made tones (see prompts.h). */
#define LOG_MODULE "prompts"
#include "signaling/prompts.h"
#include "base/err.h"
#include "base/log.h"
#include "media/rd.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <speex/speex_resampler.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WAVE_FORMAT_PCM 1
#define WAVE_FORMAT_EXTENSIBLE 0xfffe
#define TONE_RATE 8000

static const char *const names[PROMPT_FILES] = {
    [PROMPT_WELCOME] = "welcome",
    [PROMPT_WRONG_PIN] = "wrong_pin",
    [PROMPT_TOO_MANY] = "too_many",
    [PROMPT_LOBBY] = "lobby",
    [PROMPT_JOINED] = "joined",
    [PROMPT_DENIED] = "denied",
    [PROMPT_REMOVED] = "removed",
    [PROMPT_ENDED] = "ended",
    [PROMPT_DIAL_OUT] = "dial_out",
    [PROMPT_MUTED] = "muted",
    [PROMPT_UNMUTED] = "unmuted",
    [PROMPT_HAND_RAISED] = "hand_raised",
    [PROMPT_HAND_LOWERED] = "hand_lowered",
};

const char *prompt_name(enum prompt_id id)
{
    return (unsigned)id < PROMPT_FILES ? names[id] : NULL;
}

/* WAV integers are little-endian. */
static uint16_t rd_le16(struct rd *r)
{
    const uint8_t *v = rd_bytes(r, 2);
    return v ? (uint16_t)(v[0] | (unsigned)v[1] << 8) : 0;
}

static uint32_t rd_le32(struct rd *r)
{
    const uint8_t *v = rd_bytes(r, 4);
    return v ? (uint32_t)v[0] | (uint32_t)v[1] << 8 | (uint32_t)v[2] << 16 | (uint32_t)v[3] << 24
             : 0;
}

static bool tag_is(const uint8_t *tag, const char *want)
{
    return tag && memcmp(tag, want, 4) == 0;
}

/* The "fmt " chunk: PCM, mono, 16-bit, a rate in range. */
static int parse_fmt(struct rd *c, uint32_t *rate)
{
    uint16_t format = rd_le16(c), channels = rd_le16(c);
    uint32_t hz = rd_le32(c);
    rd_skip(c, 4); /* byte rate: implied by the rest */
    uint16_t align = rd_le16(c), bits = rd_le16(c);
    if (!rd_ok(c))
        return ERR_PARSE;
    if (format == WAVE_FORMAT_EXTENSIBLE) {
        /* cbSize, valid bits, channel mask, then the sub-format GUID whose
         * first two bytes are the format code */
        uint16_t cb = rd_le16(c);
        rd_skip(c, 6);
        uint16_t sub = rd_le16(c);
        if (!rd_ok(c) || cb < 22)
            return ERR_PARSE;
        format = sub;
    }
    if (format != WAVE_FORMAT_PCM || channels != 1 || bits != 16 || align != 2 ||
        hz < PROMPT_RATE_MIN || hz > PROMPT_RATE_MAX)
        return ERR_PARSE;
    *rate = hz;
    return 0;
}

int prompts_wav_parse(const uint8_t *buf, size_t len, int16_t **pcm, size_t *n, uint32_t *rate)
{
    struct rd r;
    const uint8_t *data = NULL;
    size_t data_len = 0;
    uint32_t hz = 0;
    *pcm = NULL;
    *n = 0;
    *rate = 0;
    rd_init(&r, buf, len);
    const uint8_t *riff = rd_bytes(&r, 4);
    rd_skip(&r, 4); /* the RIFF size: the file's own length is what counts */
    const uint8_t *wave = rd_bytes(&r, 4);
    if (!rd_ok(&r) || !tag_is(riff, "RIFF") || !tag_is(wave, "WAVE"))
        return ERR_PARSE;
    /* Each chunk consumes at least 8 bytes, so this ends. */
    while (rd_left(&r) >= 8 && !data) {
        const uint8_t *id = rd_bytes(&r, 4);
        size_t size = rd_le32(&r);
        if (tag_is(id, "data")) {
            if (!hz)
                return ERR_PARSE; /* "fmt " comes first */
            if (size > rd_left(&r))
                size = rd_left(&r); /* streamed: the header was never fixed up */
            data_len = size & ~(size_t)1;
            data = rd_bytes(&r, data_len);
        } else if (tag_is(id, "fmt ")) {
            struct rd c;
            if (hz || size < 16)
                return ERR_PARSE;
            rd_sub(&r, size, &c);
            if (!rd_ok(&r) || parse_fmt(&c, &hz) != 0)
                return ERR_PARSE;
            rd_skip(&r, size & 1 && rd_left(&r) ? 1 : 0); /* pad byte */
        } else {
            if (size > rd_left(&r))
                return ERR_PARSE;
            rd_skip(&r, size);
            rd_skip(&r, size & 1 && rd_left(&r) ? 1 : 0);
        }
    }
    size_t samples = data_len / 2;
    if (!rd_ok(&r) || !data || samples == 0 || samples > (size_t)hz * PROMPT_SECONDS_MAX)
        return ERR_PARSE;
    int16_t *out = malloc(samples * sizeof *out);
    if (!out)
        return ERR_NOMEM;
    for (size_t i = 0; i < samples; i++)
        out[i] = (int16_t)(uint16_t)(data[2 * i] | (unsigned)data[2 * i + 1] << 8);
    *pcm = out;
    *n = samples;
    *rate = hz;
    return 0;
}

/* Reads a whole regular file of at most PROMPT_FILE_MAX bytes. */
static int read_file(const char *path, uint8_t **out, size_t *len)
{
    int ret = 0;
    uint8_t *buf = NULL;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        LOG_E("prompt %s: %s", path, strerror(errno));
        return ERR_IO;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        LOG_E("prompt %s: not a regular file", path);
        ret = ERR_IO;
        goto out;
    }
    if (st.st_size > (off_t)PROMPT_FILE_MAX) {
        LOG_E("prompt %s: larger than %u bytes", path, PROMPT_FILE_MAX);
        ret = ERR_TOOBIG;
        goto out;
    }
    size_t size = (size_t)st.st_size, got = 0;
    buf = malloc(size ? size : 1);
    if (!buf) {
        ret = ERR_NOMEM;
        goto out;
    }
    while (got < size) {
        ssize_t rn = read(fd, buf + got, size - got);
        if (rn < 0 && errno == EINTR)
            continue;
        if (rn <= 0)
            break; /* shrank while reading: parse what is there */
        got += (size_t)rn;
    }
    *out = buf;
    *len = got;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return ret;
}

/* A sine burst with 20 ms fades: `beeps` of `on_ms` separated by `gap_ms`. */
static int make_tone(struct prompt_pcm *p, int16_t **owned, double hz, double amp, int beeps,
                     int on_ms, int gap_ms)
{
    size_t on = (size_t)(TONE_RATE * on_ms / 1000), gap = (size_t)(TONE_RATE * gap_ms / 1000);
    size_t fade = TONE_RATE / 50, n = (size_t)beeps * on + (size_t)(beeps - 1) * gap;
    int16_t *s = calloc(n, sizeof *s);
    if (!s)
        return ERR_NOMEM;
    for (int b = 0; b < beeps; b++) {
        int16_t *o = s + (size_t)b * (on + gap);
        for (size_t i = 0; i < on; i++) {
            double env = 1.0;
            if (i < fade)
                env = (double)i / (double)fade;
            else if (on - i < fade)
                env = (double)(on - i) / (double)fade;
            o[i] =
                (int16_t)lrint(32767.0 * amp * env * sin(2.0 * M_PI * hz * (double)i / TONE_RATE));
        }
    }
    *owned = s;
    p->pcm = s;
    p->n = n;
    p->rate = TONE_RATE;
    return 0;
}

void prompts_free(struct prompts *ps)
{
    if (!ps)
        return;
    for (size_t i = 0; i < PROMPT_COUNT; i++)
        free(ps->owned[i]);
    memset(ps, 0, sizeof *ps);
}

/* The media workers play prompts at 8, 16 or 48 kHz (a whole number of
 * samples per 20 ms at each call's rate); anything else (espeak-ng writes
 * 22050 Hz) is converted to 16 kHz once, here. */
static int to_playable_rate(struct prompt_pcm *p, int16_t **owned)
{
    if (p->rate == 8000 || p->rate == 16000 || p->rate == 48000)
        return 0;
    int err = 0;
    SpeexResamplerState *st = speex_resampler_init(1, p->rate, PROMPT_PLAY_RATE, 8, &err);
    if (!st)
        return ERR_NOMEM;
    size_t cap = (size_t)((uint64_t)p->n * PROMPT_PLAY_RATE / p->rate) + 64;
    int16_t *out = calloc(cap, sizeof *out);
    if (!out) {
        speex_resampler_destroy(st);
        return ERR_NOMEM;
    }
    spx_uint32_t in_len = (spx_uint32_t)p->n, out_len = (spx_uint32_t)cap;
    int rc = speex_resampler_process_int(st, 0, p->pcm, &in_len, out, &out_len);
    speex_resampler_destroy(st);
    if (rc != RESAMPLER_ERR_SUCCESS) {
        free(out);
        return ERR_INVAL;
    }
    free(*owned);
    *owned = out;
    p->pcm = out;
    p->n = out_len;
    p->rate = PROMPT_PLAY_RATE;
    return 0;
}

int prompts_load(struct prompts *ps, const char *dir)
{
    int ret = 0;
    memset(ps, 0, sizeof *ps);
    for (int i = 0; i < PROMPT_FILES && ret == 0; i++) {
        char path[1024];
        uint8_t *buf = NULL;
        size_t len = 0;
        int n = snprintf(path, sizeof path, "%s/%s.wav", dir, names[i]);
        if (n < 0 || (size_t)n >= sizeof path) {
            LOG_E("prompts directory %s: path too long", dir);
            ret = ERR_TOOBIG;
            break;
        }
        ret = read_file(path, &buf, &len);
        if (ret == 0) {
            ret = prompts_wav_parse(buf, len, &ps->owned[i], &ps->p[i].n, &ps->p[i].rate);
            if (ret == ERR_PARSE)
                LOG_E("prompt %s: not a 16-bit mono PCM WAV file of %d..%d Hz and at most %d s",
                      path, PROMPT_RATE_MIN, PROMPT_RATE_MAX, PROMPT_SECONDS_MAX);
            ps->p[i].pcm = ps->owned[i];
            if (ret == 0)
                ret = to_playable_rate(&ps->p[i], &ps->owned[i]);
        }
        free(buf);
    }
    if (ret == 0)
        ret = make_tone(&ps->p[PROMPT_TONE_WAIT], &ps->owned[PROMPT_TONE_WAIT], 440.0, 0.06, 1, 300,
                        0);
    if (ret == 0)
        ret = make_tone(&ps->p[PROMPT_TONE_MUTED], &ps->owned[PROMPT_TONE_MUTED], 620.0, 0.12, 2,
                        120, 80);
    if (ret) {
        prompts_free(ps);
        return ret;
    }
    LOG_I("loaded %d spoken prompts from %s", PROMPT_FILES, dir);
    return 0;
}
