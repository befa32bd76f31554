/* Audio first on a weak downlink: see vpause.h. */
#include "media/vpause.h"

void vpause_init(struct vpause *v)
{
    v->paused = false;
    v->below_since_us = INT64_MIN;
    v->above_since_us = INT64_MIN;
    v->resumed_us = INT64_MIN;
}

uint64_t vpause_pause_below(uint64_t audio_bps, uint64_t video_bps)
{
    if (video_bps == 0)
        return 0;
    return (audio_bps + video_bps) * VPAUSE_PAUSE_PCT / 100;
}

uint64_t vpause_resume_at(uint64_t audio_bps, uint64_t video_bps)
{
    return (audio_bps + video_bps) * VPAUSE_RESUME_PCT / 100 + VPAUSE_RESUME_EXTRA_BPS;
}

static enum vpause_change set(struct vpause *v, bool paused, int64_t now_us)
{
    if (!paused)
        v->resumed_us = now_us;
    v->paused = paused;
    v->below_since_us = INT64_MIN;
    v->above_since_us = INT64_MIN;
    return paused ? VPAUSE_PAUSED : VPAUSE_RESUMED;
}

enum vpause_change vpause_update(struct vpause *v, int64_t now_us, uint64_t estimate_bps,
                                 uint64_t audio_bps, uint64_t video_bps)
{
    if (estimate_bps == 0 || video_bps == 0) {
        v->below_since_us = INT64_MIN;
        v->above_since_us = INT64_MIN;
        return v->paused ? set(v, false, now_us) : VPAUSE_SAME;
    }
    if (!v->paused) {
        int64_t hold =
            v->resumed_us != INT64_MIN && now_us - v->resumed_us < VPAUSE_REPAUSE_WINDOW_US
                ? VPAUSE_REPAUSE_HOLD_US
                : VPAUSE_PAUSE_HOLD_US;

        if (estimate_bps >= vpause_pause_below(audio_bps, video_bps)) {
            v->below_since_us = INT64_MIN;
            return VPAUSE_SAME;
        }
        if (v->below_since_us == INT64_MIN)
            v->below_since_us = now_us;
        if (now_us - v->below_since_us >= hold)
            return set(v, true, now_us);
        return VPAUSE_SAME;
    }
    if (estimate_bps < vpause_resume_at(audio_bps, video_bps)) {
        v->above_since_us = INT64_MIN;
        return VPAUSE_SAME;
    }
    if (v->above_since_us == INT64_MIN)
        v->above_since_us = now_us;
    if (now_us - v->above_since_us >= VPAUSE_RESUME_HOLD_US)
        return set(v, false, now_us);
    return VPAUSE_SAME;
}
