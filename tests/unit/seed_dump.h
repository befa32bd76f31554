/* Writes fuzz seeds from unit tests: with SAMTALE_SEED_DIR set, each call
 * saves one input as DIR/NAME (see tests/fuzz/corpus/). Header-only. */
#ifndef SAMTALE_TESTS_SEED_DUMP_H
#define SAMTALE_TESTS_SEED_DUMP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* A seed that cannot be written is reported, and the test run fails, so a
 * corpus is never silently left incomplete. */
static inline void dump_seed(const char *name, const uint8_t *buf, size_t len)
{
    const char *dir = getenv("SAMTALE_SEED_DIR");
    char path[512];
    if (dir == NULL)
        return;
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = n > 0 && (size_t)n < sizeof path ? fopen(path, "wb") : NULL;
    int ok = f != NULL && fwrite(buf, 1, len, f) == len;
    if (f != NULL && fclose(f) != 0)
        ok = 0;
    if (!ok) {
        fprintf(stderr, "cannot write seed %s/%s\n", dir, name);
        exit(1);
    }
}

#endif
