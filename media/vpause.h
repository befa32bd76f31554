/* Audio first on a weak downlink: the decision to stop all video towards a
 * subscriber whose bandwidth estimate cannot carry the lowest video layers
 * plus the audio, and to start it again once the link has recovered.
 * Sound wins: these conversations were phone calls, and a meeting whose
 * voices break up is worse than one without pictures.
 *
 * Per subscriber, with hysteresis (need = the audio's bitrate + the lowest
 * layer of every video it takes, as they come in):
 *   pause   when the estimate stays below need x VPAUSE_PAUSE_PCT % for
 *           VPAUSE_PAUSE_HOLD_US. The estimate is a congestion controller's
 *           (bwe.h): at each sign of congestion it falls to 0.85 x what got
 *           through, so a link that carries the need exactly shows about
 *           0.85 x need and recovers from there. The threshold sits below
 *           that point, so one such back-off on a link that does carry the
 *           video pauses nothing, while a link that carries markedly less
 *           (64 kbit/s against a need of 110 kbit/s shows about 55) does.
 *   resume  when the estimate stays at or above
 *           need x VPAUSE_RESUME_PCT % + VPAUSE_RESUME_EXTRA_BPS for
 *           VPAUSE_RESUME_HOLD_US (a higher threshold held for longer, so a
 *           link at the boundary does not flap).
 * Right after a resume the estimate is fragile: what is acknowledged is
 * still small (the videos are only starting, from keyframes, whose burst
 * can look like congestion), and one back-off takes it to 0.85 x that.
 * Within VPAUSE_REPAUSE_WINDOW_US of a resume, pausing again therefore
 * takes VPAUSE_REPAUSE_HOLD_US below the threshold instead.
 * An unknown estimate (0) or no video to take (video_bps 0) never pauses,
 * and resumes at once: there is nothing to protect the audio from.
 *
 * While video is paused, only audio flows and the estimate cannot grow on
 * its own (it is capped near what is acknowledged). The engine then sends
 * a short capacity probe every VPAUSE_PROBE_INTERVAL_US (see probe.h), so
 * that a recovered link shows within about two seconds; three packets
 * every two seconds cost a 64 kbit/s link about 4 kbit/s.
 *
 * Sans-IO and deterministic: time comes in, nothing is allocated. */
#ifndef SAMTALE_MEDIA_VPAUSE_H
#define SAMTALE_MEDIA_VPAUSE_H

#include <stdbool.h>
#include <stdint.h>

#define VPAUSE_PAUSE_PCT 70
#define VPAUSE_PAUSE_HOLD_US 1000000
#define VPAUSE_REPAUSE_WINDOW_US 10000000
#define VPAUSE_REPAUSE_HOLD_US 3000000
#define VPAUSE_RESUME_PCT 150
#define VPAUSE_RESUME_EXTRA_BPS 32000
#define VPAUSE_RESUME_HOLD_US 1500000
#define VPAUSE_PROBE_INTERVAL_US 2000000

enum vpause_change {
    VPAUSE_SAME = 0,
    VPAUSE_PAUSED,  /* video towards the subscriber stops now */
    VPAUSE_RESUMED, /* video towards the subscriber starts again now */
};

struct vpause {
    bool paused;
    int64_t below_since_us; /* INT64_MIN: not below the pause threshold */
    int64_t above_since_us; /* INT64_MIN: not above the resume threshold */
    int64_t resumed_us;     /* the last resume; INT64_MIN: none */
};

void vpause_init(struct vpause *v);

/* Below this estimate (held) video pauses; 0 when there is no video. */
uint64_t vpause_pause_below(uint64_t audio_bps, uint64_t video_bps);
/* At or above this estimate (held) paused video resumes. */
uint64_t vpause_resume_at(uint64_t audio_bps, uint64_t video_bps);

/* One look at the subscriber: its downlink estimate (0 = unknown), what its
 * audio takes and what the lowest layers of its videos take. Returns what
 * changed now. */
enum vpause_change vpause_update(struct vpause *v, int64_t now_us, uint64_t estimate_bps,
                                 uint64_t audio_bps, uint64_t video_bps);

#endif
