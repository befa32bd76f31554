/* The clocks every folder reads: wall time for stored times and logs,
 * monotonic time for rates, timeouts and media. */
#ifndef SAMTALE_BASE_CLOCK_H
#define SAMTALE_BASE_CLOCK_H

#include <stdint.h>

/* Unix time in milliseconds (CLOCK_REALTIME). */
int64_t now_wall_ms(void);
/* Monotonic microseconds (CLOCK_MONOTONIC), for intervals only. */
int64_t now_mono_us(void);

#endif
