/* Small shared helpers of the load generator's run (load.h). */
#include "tests/load/load.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

void lg_part_fail(struct lg_part *p, const char *fmt, ...)
{
    if (atomic_exchange(&p->fail_claimed, true))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->reason, sizeof p->reason, fmt, ap);
    va_end(ap);
    atomic_store(&p->failed, true);
}

int64_t lg_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

unsigned lg_streams_wanted(const struct lg_cfg *cfg)
{
    return (cfg->parties - 1) * (cfg->video ? 2 : 1);
}
