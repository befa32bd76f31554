/* Logging: LOG_E/W/I/D with a per-file module name. Define LOG_MODULE
 * before including this header. Never log secrets (tokens, passwords,
 * cookies, keys, ICE passwords). */
#ifndef SAMTALE_LOG_H
#define SAMTALE_LOG_H

#include <stdint.h>

enum log_level { LOG_LEVEL_ERROR = 0, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

#ifndef LOG_MODULE
#define LOG_MODULE "samtale"
#endif

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses "error", "warn", "info" or "debug"; returns 0 or ERR_INVAL. */
int log_parse_level(const char *name, enum log_level *out);
void log_write(enum log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True at most `per_sec` times per second per call site's state; for per-packet paths. */
struct log_ratelimit {
    int64_t window_start_us;
    unsigned count;
};
int log_ratelimit_ok(struct log_ratelimit *rl, int64_t now_us, unsigned per_sec);

#define LOG_AT(lvl, ...)                                                                           \
    do {                                                                                           \
        if ((lvl) <= log_get_level())                                                              \
            log_write((lvl), LOG_MODULE, __VA_ARGS__);                                             \
    } while (0)
#define LOG_E(...) LOG_AT(LOG_LEVEL_ERROR, __VA_ARGS__)
#define LOG_W(...) LOG_AT(LOG_LEVEL_WARN, __VA_ARGS__)
#define LOG_I(...) LOG_AT(LOG_LEVEL_INFO, __VA_ARGS__)
#define LOG_D(...) LOG_AT(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
