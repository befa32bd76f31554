/* Counters of the signaling thread (the WebSocket sessions keep their own, struct sig_counters),
 * rendered as Prometheus text on /metrics. Owned and updated by the signaling thread only. */
#ifndef SAMTALE_METRICS_H
#define SAMTALE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "media/media.h"
#include "signaling/phone.h"
#include "signaling/meeting.h"
#include "signaling/sig.h"

/* Error codes sent to clients (WebSocket "error" messages and REST errors). */
#define METRICS_ERROR_CODES_MAX 48
#define METRICS_HTTP_STATUSES_MAX 24

struct metrics {
    uint64_t logins_ok;
    uint64_t logins_failed;
    uint64_t meetings_created;
    uint64_t error_counts[METRICS_ERROR_CODES_MAX];
    char error_codes[METRICS_ERROR_CODES_MAX][32];
    unsigned error_code_count;
    uint64_t http_counts[METRICS_HTTP_STATUSES_MAX];
    unsigned http_statuses[METRICS_HTTP_STATUSES_MAX];
    unsigned http_status_count;
};

/* Counts one error sent to a client under its wire code (e.g. "bad_json"). */
void metrics_error(struct metrics *m, const char *code);
/* Counts one HTTP response by status. */
void metrics_http(struct metrics *m, unsigned status);

/* Live figures computed at scrape time by the caller. */
struct metrics_live {
    unsigned meetings_live;
    unsigned participants[PSTATE_COUNT];
    int64_t uptime_s;
    struct media_stats workers[MEDIA_WORKERS_MAX]; /* per media worker */
    unsigned n_workers;
    bool phone_on; /* the phone bridge runs (sip_listen) */
    struct phone_stats phone;
    struct sig_counters ws; /* the WebSocket sessions' counters */
};

/* Renders everything in Prometheus text exposition format 0.0.4 into buf.
 * Returns the length, or ERR_TOOBIG if buf is too small. */
int metrics_render(const struct metrics *m, const struct metrics_live *live, char *buf, size_t cap);

/* Upper bound of one rendering: far above 64 workers at full counters. */
#define METRICS_RENDER_MAX (4u * 1024 * 1024)

/* Renders into a buffer that grows (from 64 KiB, doubling, up to METRICS_RENDER_MAX) until
 * everything fits, so the output never depends on how many workers run. On success *out
 * (to free()) holds *len bytes plus a NUL. ERR_NOMEM, or ERR_TOOBIG beyond the bound. */
int metrics_render_alloc(const struct metrics *m, const struct metrics_live *live, char **out,
                         size_t *len);

#endif
