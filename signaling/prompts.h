/* The phone bridge's spoken prompts: 16-bit mono PCM WAV files, one per
 * prompt, in the phone_prompts_dir setting. `make` speaks them from
 * mk/prompts/prompts.txt with espeak-ng (Danish first, then English) into
 * build/prompts/; an operator may replace any file with a recording of the
 * same name (docs/OPERATIONS.md, "Phone"). Loaded once at start-up on the
 * signaling thread; afterwards read-only, so the media workers may read the
 * samples without locks for as long as the server runs. Two short tones are
 * made here rather than read: the lobby's soft periodic tone and the tone a
 * muted caller hears. */
#ifndef SAMTALE_PROMPTS_H
#define SAMTALE_PROMPTS_H

#include <stddef.h>
#include <stdint.h>

#define PROMPT_FILE_MAX (8u * 1024 * 1024) /* bytes of one WAV file */
#define PROMPT_RATE_MIN 8000
#define PROMPT_RATE_MAX 48000
#define PROMPT_SECONDS_MAX 60
#define PROMPT_PLAY_RATE 16000 /* what other rates are converted to at load */

enum prompt_id {
    PROMPT_WELCOME,      /* welcome; enter the PIN followed by # */
    PROMPT_WRONG_PIN,    /* the PIN is wrong; try again */
    PROMPT_TOO_MANY,     /* too many wrong attempts; goodbye */
    PROMPT_LOBBY,        /* please wait, the host will let you in (played once) */
    PROMPT_JOINED,       /* you are in the meeting */
    PROMPT_DENIED,       /* the host did not let you in; goodbye */
    PROMPT_REMOVED,      /* you were removed from the meeting; goodbye */
    PROMPT_ENDED,        /* the meeting has ended; goodbye */
    PROMPT_DIAL_OUT,     /* you are being called to a meeting in samtale; press 1 to join */
    PROMPT_MUTED,        /* you are muted */
    PROMPT_UNMUTED,      /* you are unmuted */
    PROMPT_HAND_RAISED,  /* your hand is raised */
    PROMPT_HAND_LOWERED, /* your hand is lowered */
    PROMPT_FILES,        /* the prompts above are files; those below are made here */
    PROMPT_TONE_WAIT = PROMPT_FILES, /* a soft 0.3 s tone; repeat it in the lobby */
    PROMPT_TONE_MUTED,               /* a short double beep for a muted caller */
    PROMPT_COUNT
};

/* One prompt's samples: what the media workers get. */
struct prompt_pcm {
    const int16_t *pcm;
    size_t n;      /* samples */
    uint32_t rate; /* 8000, 16000 or 48000 Hz (other rates are converted at load) */
};

struct prompts {
    struct prompt_pcm p[PROMPT_COUNT]; /* indexed by enum prompt_id */
    int16_t *owned[PROMPT_COUNT];      /* what prompts_free() frees */
};

/* The file name of a file prompt ("welcome" for PROMPT_WELCOME, read from
 * "<dir>/welcome.wav"); NULL for the made tones and out of range. */
const char *prompt_name(enum prompt_id id);

/* Loads every file prompt from `dir` and makes the tones. On error nothing
 * stays allocated, the log names the file and why, and the result is
 * ERR_IO (missing or unreadable), ERR_TOOBIG, ERR_PARSE (not a WAV file
 * this reads) or ERR_NOMEM. */
int prompts_load(struct prompts *ps, const char *dir);

/* NULL-safe; leaves *ps zeroed. */
void prompts_free(struct prompts *ps);

/* Parses a WAV file in memory: RIFF/WAVE, a "fmt " chunk of PCM
 * (format 1, or WAVE_FORMAT_EXTENSIBLE with the PCM sub-format), one
 * channel, 16 bits, PROMPT_RATE_MIN..PROMPT_RATE_MAX Hz, and a "data" chunk
 * of at most PROMPT_SECONDS_MAX seconds; other chunks are skipped. A data
 * size beyond the file (a writer that could not seek back) is cut to the
 * file's end. On success *pcm is a new array of *n samples (free() it).
 * ERR_PARSE for anything else; never reads outside buf[0..len). */
int prompts_wav_parse(const uint8_t *buf, size_t len, int16_t **pcm, size_t *n, uint32_t *rate);

#endif
