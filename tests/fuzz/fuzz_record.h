/* The record framing several fuzz targets share: after a record's leading
 * byte(s), a 2-byte big-endian length, clamped to what is left. */
#ifndef SAMTALE_TESTS_FUZZ_RECORD_H
#define SAMTALE_TESTS_FUZZ_RECORD_H

#include <stddef.h>
#include <stdint.h>

/* Reads the length at *pos (size > *pos) and moves *pos past it; an input
 * that ends before the length gives 0 and *pos = size. */
static inline size_t fz_record_len(const uint8_t *data, size_t size, size_t *pos)
{
    size_t len = 0;

    if (size - *pos >= 2) {
        len = (size_t)data[*pos] << 8 | data[*pos + 1];
        *pos += 2;
    } else {
        *pos = size;
    }
    return len > size - *pos ? size - *pos : len;
}

#endif
