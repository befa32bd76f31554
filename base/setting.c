/* Shared pieces of the settings modules (see setting.h). */
#include "base/setting.h"
#include "base/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void setting_err(char *err, size_t cap, const char *fmt, ...)
{
    if (!err || cap == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    if (n < 0)
        err[0] = '\0';
}

int setting_uint(const char *key, const char *value, unsigned long lo, unsigned long hi,
                 unsigned long *out, char *err, size_t cap)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = value[0] >= '0' && value[0] <= '9' ? strtoul(value, &end, 10) : 0;
    if (!end || *end != '\0') {
        setting_err(err, cap, "%s: '%.*s' is not a number", key, SETTING_SHOW_MAX, value);
        return ERR_PARSE;
    }
    if (errno == ERANGE || v < lo || v > hi) {
        setting_err(err, cap, "%s: %.*s is out of range (%lu..%lu)", key, SETTING_SHOW_MAX, value,
                    lo, hi);
        return ERR_INVAL;
    }
    *out = v;
    return 0;
}
