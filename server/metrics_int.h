/* The /metrics renderer's pieces, shared by the files that render a part. */
#ifndef SAMTALE_METRICS_INT_H
#define SAMTALE_METRICS_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "server/metrics.h"

struct metrics_out {
    char *buf;
    size_t cap, len;
    bool full; /* something did not fit: the caller grows the buffer */
};

__attribute__((format(printf, 2, 3))) void metrics_put(struct metrics_out *o, const char *fmt, ...);
void metrics_family(struct metrics_out *o, const char *name, const char *type, const char *help);
/* The phone bridge's part (server/metrics_phone.c). */
void metrics_render_phone(struct metrics_out *o, const struct metrics_live *live);

#endif
