/* Active speaker detection: see speaker.h. */
#include "media/speaker.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"

struct speaker_bucket {
    int64_t idx; /* now_us / SPEAKER_BUCKET_US; -1: empty */
    uint32_t sum;
    uint32_t count;
};

struct speaker_mic {
    bool used;
    uint32_t id;
    struct speaker_bucket b[SPEAKER_BUCKETS];
};

struct speaker {
    struct speaker_mic mics[SPEAKER_MAX];
    int active; /* slot, -1: none */
    uint32_t active_id;
    bool changed;   /* the active slot was removed: report at the next update */
    int challenger; /* slot, -1: none */
    int64_t challenger_since;
    int64_t silent_since; /* -1: someone is above the minimum */
};

int speaker_create(struct speaker **out)
{
    struct speaker *s = calloc(1, sizeof(*s));

    *out = NULL;
    if (s == NULL)
        return ERR_NOMEM;
    s->active = -1;
    s->challenger = -1;
    s->silent_since = -1;
    *out = s;
    return 0;
}

void speaker_destroy(struct speaker *s)
{
    free(s);
}

int speaker_add(struct speaker *s, uint32_t id)
{
    int free_slot = -1;

    for (int i = 0; i < SPEAKER_MAX; i++) {
        if (s->mics[i].used && s->mics[i].id == id)
            return ERR_EXISTS;
        if (!s->mics[i].used && free_slot < 0)
            free_slot = i;
    }
    if (free_slot < 0)
        return ERR_FULL;
    memset(&s->mics[free_slot], 0, sizeof(s->mics[free_slot]));
    s->mics[free_slot].used = true;
    s->mics[free_slot].id = id;
    for (int k = 0; k < SPEAKER_BUCKETS; k++)
        s->mics[free_slot].b[k].idx = -1;
    return free_slot;
}

static bool valid(const struct speaker *s, int slot)
{
    return slot >= 0 && slot < SPEAKER_MAX && s->mics[slot].used;
}

void speaker_remove(struct speaker *s, int slot)
{
    if (!valid(s, slot))
        return;
    s->mics[slot].used = false;
    if (s->challenger == slot)
        s->challenger = -1;
    if (s->active == slot) {
        s->active = -1;
        s->active_id = 0;
        s->changed = true;
    }
}

static int64_t bucket_of(int64_t now_us)
{
    return now_us < 0 ? 0 : now_us / SPEAKER_BUCKET_US;
}

void speaker_level(struct speaker *s, int slot, int64_t now_us, bool voice, uint8_t level)
{
    struct speaker_bucket *b;
    int64_t idx = bucket_of(now_us);

    if (!valid(s, slot))
        return;
    b = &s->mics[slot].b[idx % SPEAKER_BUCKETS];
    if (b->idx != idx) {
        b->idx = idx;
        b->sum = 0;
        b->count = 0;
    }
    if (level > 127)
        level = 127;
    b->sum += voice ? 127u - level : 0u;
    b->count++;
}

unsigned speaker_score(const struct speaker *s, int slot, int64_t now_us)
{
    int64_t idx = bucket_of(now_us);
    unsigned total = 0;

    if (!valid(s, slot))
        return 0;
    for (int64_t k = idx - SPEAKER_BUCKETS + 1; k <= idx; k++) {
        const struct speaker_bucket *b;

        if (k < 0)
            continue;
        b = &s->mics[slot].b[k % SPEAKER_BUCKETS];
        if (b->idx == k && b->count > 0)
            total += b->sum / b->count;
    }
    return total / SPEAKER_BUCKETS;
}

bool speaker_update(struct speaker *s, int64_t now_us, uint32_t *active)
{
    int best = -1;
    unsigned best_score = 0, cur_score = 0;
    bool changed = s->changed;

    s->changed = false;
    for (int i = 0; i < SPEAKER_MAX; i++) {
        unsigned sc;

        if (!s->mics[i].used)
            continue;
        sc = speaker_score(s, i, now_us);
        if (i == s->active)
            cur_score = sc;
        if (sc >= SPEAKER_MIN_SCORE && (best < 0 || sc > best_score)) {
            best = i;
            best_score = sc;
        }
    }

    if (best < 0) {
        /* Nobody speaks: keep the last speaker for a while. */
        s->challenger = -1;
        if (s->silent_since < 0)
            s->silent_since = now_us;
        if (s->active >= 0 && now_us - s->silent_since >= SPEAKER_SILENCE_US) {
            s->active = -1;
            s->active_id = 0;
            changed = true;
        }
        goto out;
    }
    s->silent_since = -1;
    if (best == s->active || best_score < cur_score + SPEAKER_MARGIN) {
        s->challenger = -1;
        goto out;
    }
    if (s->challenger != best) {
        s->challenger = best;
        s->challenger_since = now_us;
        goto out;
    }
    if (now_us - s->challenger_since >= SPEAKER_SWITCH_US) {
        s->active = best;
        s->active_id = s->mics[best].id;
        s->challenger = -1;
        changed = true;
    }
out:
    if (changed)
        *active = s->active_id;
    return changed;
}

uint32_t speaker_active(const struct speaker *s)
{
    return s->active_id;
}
