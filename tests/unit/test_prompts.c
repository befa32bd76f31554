/* Tests for signaling/prompts.c: the WAV parser with good and hostile files,
 * loading a prompts directory, and the made tones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/log.h"
#include "signaling/prompts.h"

/* ---- building WAV files ---- */

struct wav {
    uint8_t b[4096];
    size_t n;
};

static void put(struct wav *w, const void *p, size_t n)
{
    assert_true(w->n + n <= sizeof w->b);
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void le16(struct wav *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(w, b, 2);
}

static void le32(struct wav *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(w, b, 4);
}

static void riff(struct wav *w)
{
    w->n = 0;
    put(w, "RIFF", 4);
    le32(w, 0); /* fixed by finish() */
    put(w, "WAVE", 4);
}

static void fmt(struct wav *w, uint16_t format, uint16_t channels, uint32_t rate, uint16_t bits)
{
    put(w, "fmt ", 4);
    le32(w, 16);
    le16(w, format);
    le16(w, channels);
    le32(w, rate);
    le32(w, rate * channels * bits / 8);
    le16(w, (uint16_t)(channels * bits / 8));
    le16(w, bits);
}

static void data(struct wav *w, const int16_t *s, size_t n, uint32_t declared)
{
    put(w, "data", 4);
    le32(w, declared);
    for (size_t i = 0; i < n; i++)
        le16(w, (uint16_t)s[i]);
}

static const int16_t samples[6] = {0, 1000, -1000, 32767, -32768, 7};

static void good(struct wav *w)
{
    riff(w);
    fmt(w, 1, 1, 22050, 16);
    data(w, samples, 6, 12);
}

static int parse(const struct wav *w, size_t *n, uint32_t *rate)
{
    int16_t *pcm = NULL;
    int rc = prompts_wav_parse(w->b, w->n, &pcm, n, rate);
    if (rc == 0) {
        assert_non_null(pcm);
        assert_memory_equal(pcm, samples, *n * 2);
    } else {
        assert_null(pcm);
        assert_int_equal(*n, 0);
    }
    free(pcm);
    return rc;
}

static void test_good_files(void **state)
{
    (void)state;
    struct wav w;
    size_t n;
    uint32_t rate;
    good(&w);
    assert_int_equal(parse(&w, &n, &rate), 0);
    assert_int_equal(n, 6);
    assert_int_equal(rate, 22050);

    /* Other chunks (odd-sized, padded) before and after are skipped. */
    riff(&w);
    put(&w, "LIST", 4);
    le32(&w, 3);
    put(&w, "abc\0", 4);
    fmt(&w, 1, 1, 8000, 16);
    data(&w, samples, 6, 12);
    put(&w, "junk", 4);
    le32(&w, 2);
    put(&w, "xy", 2);
    assert_int_equal(parse(&w, &n, &rate), 0);
    assert_int_equal(rate, 8000);

    /* A streamed file whose data size was never fixed up: cut to the end. */
    riff(&w);
    fmt(&w, 1, 1, 48000, 16);
    data(&w, samples, 6, 0xffffffffu);
    assert_int_equal(parse(&w, &n, &rate), 0);
    assert_int_equal(n, 6);

    /* WAVE_FORMAT_EXTENSIBLE with the PCM sub-format. */
    riff(&w);
    put(&w, "fmt ", 4);
    le32(&w, 40);
    le16(&w, 0xfffe);
    le16(&w, 1);
    le32(&w, 16000);
    le32(&w, 32000);
    le16(&w, 2);
    le16(&w, 16);
    le16(&w, 22);
    le16(&w, 16);
    le32(&w, 4);
    static const uint8_t guid[16] = {1,    0, 0, 0,    0, 0,    0x10, 0,
                                     0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71};
    put(&w, guid, 16);
    data(&w, samples, 6, 12);
    assert_int_equal(parse(&w, &n, &rate), 0);
    assert_int_equal(rate, 16000);
}

static void test_hostile_files(void **state)
{
    (void)state;
    struct wav w;
    size_t n;
    uint32_t rate;
    /* Every prefix of a good file but the whole is refused or shorter. */
    good(&w);
    size_t full = w.n;
    for (size_t cut = 0; cut < full; cut++) {
        w.n = cut;
        int rc = parse(&w, &n, &rate);
        if (rc == 0)
            assert_true(n < 6); /* a cut data chunk */
        else
            assert_int_equal(rc, ERR_PARSE);
    }
    /* Wrong formats. */
    static const struct {
        uint16_t format, channels, bits;
        uint32_t rate;
    } bad[] = {{3, 1, 16, 22050}, {1, 2, 16, 22050}, {1, 1, 8, 22050}, {1, 1, 24, 22050},
               {1, 1, 16, 7999},  {1, 1, 16, 48001}, {1, 1, 16, 0},    {1, 0, 16, 22050}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        riff(&w);
        fmt(&w, bad[i].format, bad[i].channels, bad[i].rate, bad[i].bits);
        data(&w, samples, 6, 12);
        assert_int_equal(parse(&w, &n, &rate), ERR_PARSE);
    }
    /* Not RIFF/WAVE; data before fmt; two fmt chunks; no data; empty data;
     * a short fmt; a chunk claiming more than the file. */
    good(&w);
    memcpy(w.b, "RIFX", 4);
    assert_int_equal(parse(&w, &n, &rate), ERR_PARSE);
    good(&w);
    memcpy(w.b + 8, "AVI ", 4);
    assert_int_equal(parse(&w, &n, &rate), ERR_PARSE);
    riff(&w);
    data(&w, samples, 6, 12);
    fmt(&w, 1, 1, 22050, 16);
    assert_int_equal(parse(&w, &n, &rate), ERR_PARSE);
    riff(&w);
    fmt(&w, 1, 1, 22050, 16);
    fmt(&w, 1, 1, 22050, 16);
    data(&w, samples, 6, 12);
    assert_int_equal(parse(&w, &n, &rate), ERR_PARSE);
    riff(&w);
    fmt(&w, 1, 1, 22050, 16);
    assert_int_equal(parse(&w, &n, &rate), ERR_PARSE);
    riff(&w);
    fmt(&w, 1, 1, 22050, 16);
    data(&w, samples, 0, 0);
    assert_int_equal(parse(&w, &n, &rate), ERR_PARSE);
    riff(&w);
    put(&w, "fmt ", 4);
    le32(&w, 14);
    le16(&w, 1);
    le16(&w, 1);
    le32(&w, 22050);
    le32(&w, 44100);
    le16(&w, 2);
    data(&w, samples, 6, 12);
    assert_int_equal(parse(&w, &n, &rate), ERR_PARSE);
    riff(&w);
    put(&w, "LIST", 4);
    le32(&w, 0x7fffffff);
    fmt(&w, 1, 1, 22050, 16);
    data(&w, samples, 6, 12);
    assert_int_equal(parse(&w, &n, &rate), ERR_PARSE);
    /* An extensible format whose sub-format is not PCM, or cut short. */
    riff(&w);
    put(&w, "fmt ", 4);
    le32(&w, 20);
    le16(&w, 0xfffe);
    le16(&w, 1);
    le32(&w, 16000);
    le32(&w, 32000);
    le16(&w, 2);
    le16(&w, 16);
    le16(&w, 22);
    le16(&w, 16);
    data(&w, samples, 6, 12);
    assert_int_equal(parse(&w, &n, &rate), ERR_PARSE);
    /* More than PROMPT_SECONDS_MAX seconds at 8 kHz. */
    static uint8_t big[44 + 2 * 8000 * (PROMPT_SECONDS_MAX + 1)];
    good(&w);
    memcpy(big, w.b, 44);
    big[24] = 0x40, big[25] = 0x1f, big[26] = 0, big[27] = 0; /* 8000 Hz */
    uint32_t dl = 2 * 8000 * (PROMPT_SECONDS_MAX + 1);
    big[40] = (uint8_t)dl, big[41] = (uint8_t)(dl >> 8), big[42] = (uint8_t)(dl >> 16),
    big[43] = (uint8_t)(dl >> 24);
    int16_t *pcm = NULL;
    assert_int_equal(prompts_wav_parse(big, sizeof big, &pcm, &n, &rate), ERR_PARSE);
    assert_null(pcm);
    assert_int_equal(prompts_wav_parse(NULL, 0, &pcm, &n, &rate), ERR_PARSE);
}

/* ---- loading a directory ---- */

struct dir {
    char path[64];
};

static int setup(void **state)
{
    struct dir *d = calloc(1, sizeof *d);
    if (!d)
        return -1;
    snprintf(d->path, sizeof d->path, "/tmp/samtale-test-prompts-XXXXXX");
    if (!mkdtemp(d->path)) {
        free(d);
        return -1;
    }
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    struct dir *d = *state;
    DIR *dd = opendir(d->path);
    if (dd) {
        struct dirent *e;
        while ((e = readdir(dd)) != NULL) {
            char p[400];
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof p, "%s/%s", d->path, e->d_name);
            if (remove(p) != 0)
                rmdir(p);
        }
        closedir(dd);
    }
    rmdir(d->path);
    free(d);
    return 0;
}

static void write_prompt(const struct dir *d, const char *name, const void *b, size_t n)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s.wav", d->path, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* Every prompt at 16 kHz (played as they are), except "welcome": one
 * second of 440 Hz at espeak-ng's 22050 Hz, which the loader converts. */
static void write_all(const struct dir *d)
{
    struct wav w;
    riff(&w);
    fmt(&w, 1, 1, 16000, 16);
    data(&w, samples, 6, 12);
    for (int i = 1; i < PROMPT_FILES; i++)
        write_prompt(d, prompt_name((enum prompt_id)i), w.b, w.n);
    /* A canonical 44-byte header, then the samples (little-endian). */
    enum { RATE = 22050, N = 22050 };
    static uint8_t big[44 + 2 * N];
    const uint32_t hdr[] = {
        0x46464952u, 36 + 2 * N, 0x45564157u,      0x20746d66u, 16,   1u | (1u << 16),
        RATE,        RATE * 2,   2u | (16u << 16), 0x61746164u, 2 * N};
    for (size_t i = 0; i < sizeof hdr / sizeof hdr[0]; i++)
        for (int k = 0; k < 4; k++)
            big[4 * i + (size_t)k] = (uint8_t)(hdr[i] >> (8 * k));
    for (size_t i = 0; i < N; i++) {
        int16_t v = (int16_t)(8000.0 * sin(2 * M_PI * 440.0 * (double)i / RATE));
        big[44 + 2 * i] = (uint8_t)((uint16_t)v & 0xff);
        big[45 + 2 * i] = (uint8_t)((uint16_t)v >> 8);
    }
    write_prompt(d, prompt_name(PROMPT_WELCOME), big, sizeof big);
}

static void test_load_dir(void **state)
{
    struct dir *d = *state;
    struct prompts ps;
    write_all(d);
    assert_int_equal(prompts_load(&ps, d->path), 0);
    for (int i = 1; i < PROMPT_FILES; i++) {
        assert_int_equal(ps.p[i].n, 6);
        assert_int_equal(ps.p[i].rate, 16000);
        assert_memory_equal(ps.p[i].pcm, samples, sizeof samples);
    }
    /* 22050 Hz became PROMPT_PLAY_RATE, the same second long, still 440 Hz
     * (zero crossings: 880 a second). */
    const struct prompt_pcm *w = &ps.p[PROMPT_WELCOME];
    assert_int_equal(w->rate, PROMPT_PLAY_RATE);
    assert_true(w->n > 15800 && w->n <= 16000);
    unsigned crossings = 0;
    int last = 0; /* sign of the last sample clearly off zero */
    for (size_t i = 0; i < w->n; i++) {
        int sign = w->pcm[i] > 1000 ? 1 : w->pcm[i] < -1000 ? -1 : 0;
        crossings += sign && last && sign != last;
        last = sign ? sign : last;
    }
    assert_true(crossings > 850 && crossings < 890);
    /* The tones: soft, bounded, with silence between the muted beeps. */
    const struct prompt_pcm *t = &ps.p[PROMPT_TONE_WAIT];
    assert_int_equal(t->rate, 8000);
    assert_int_equal(t->n, 2400);
    int peak = 0;
    for (size_t i = 0; i < t->n; i++)
        peak = abs(t->pcm[i]) > peak ? abs(t->pcm[i]) : peak;
    assert_true(peak > 1000 && peak < 3000);
    t = &ps.p[PROMPT_TONE_MUTED];
    assert_int_equal(t->n, 2 * 960 + 640);
    assert_int_equal(t->pcm[960 + 320], 0);
    prompts_free(&ps);
    assert_null(ps.p[0].pcm);
    prompts_free(NULL);
    assert_null(prompt_name(PROMPT_TONE_WAIT));
    assert_null(prompt_name(PROMPT_COUNT));
    assert_string_equal(prompt_name(PROMPT_WELCOME), "welcome");
}

static void test_load_errors(void **state)
{
    struct dir *d = *state;
    struct prompts ps;
    char p[256];
    assert_int_equal(prompts_load(&ps, "/nonexistent/samtale-prompts"), ERR_IO);
    assert_null(ps.p[0].pcm);
    write_all(d);
    /* One missing file. */
    snprintf(p, sizeof p, "%s/ended.wav", d->path);
    assert_int_equal(unlink(p), 0);
    assert_int_equal(prompts_load(&ps, d->path), ERR_IO);
    /* A directory where a file should be. */
    assert_int_equal(mkdir(p, 0700), 0);
    assert_int_equal(prompts_load(&ps, d->path), ERR_IO);
    assert_int_equal(rmdir(p), 0);
    /* Not a WAV file. */
    write_prompt(d, "ended", "hello", 5);
    assert_int_equal(prompts_load(&ps, d->path), ERR_PARSE);
    /* Larger than PROMPT_FILE_MAX (sparse). */
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(ftruncate(fileno(f), (off_t)PROMPT_FILE_MAX + 1), 0);
    fclose(f);
    assert_int_equal(prompts_load(&ps, d->path), ERR_TOOBIG);
    for (int i = 0; i < PROMPT_COUNT; i++)
        assert_null(ps.p[i].pcm);
}

/* The prompts `make` speaks with espeak-ng load as they are. */
static void test_built_prompts(void **state)
{
    (void)state;
    struct prompts ps;
    if (access("build/prompts/welcome.wav", R_OK) != 0)
        skip();
    assert_int_equal(prompts_load(&ps, "build/prompts"), 0);
    for (int i = 0; i < PROMPT_FILES; i++) {
        assert_int_equal(ps.p[i].rate, PROMPT_PLAY_RATE); /* espeak-ng's 22050 Hz, converted */
        assert_true(ps.p[i].n > PROMPT_PLAY_RATE); /* more than a second: Danish, then English */
    }
    prompts_free(&ps);
}

int main(void)
{
    log_set_level(LOG_LEVEL_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_files),
        cmocka_unit_test(test_hostile_files),
        cmocka_unit_test_setup_teardown(test_load_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_errors, setup, teardown),
        cmocka_unit_test(test_built_prompts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
