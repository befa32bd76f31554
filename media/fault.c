/* Test-only corruption of forwarded packets (fault.h). */
#include "media/fault.h"

#include "base/err.h"
#include "media/rtp.h"

int fault_corrupt_parse(const char *value, uint32_t *every)
{
    uint64_t v = 0;
    size_t n = 0;

    if (value == NULL)
        return ERR_INVAL;
    for (; value[n] != '\0'; n++) {
        if (value[n] < '0' || value[n] > '9' || n >= 7)
            return ERR_INVAL;
        v = v * 10 + (uint64_t)(value[n] - '0');
    }
    if (n == 0 || v < 1 || v > FAULT_CORRUPT_MAX)
        return ERR_INVAL;
    *every = (uint32_t)v;
    return 0;
}

bool fault_corrupt_apply(struct fault_corrupt *f, uint8_t *buf, size_t len)
{
    struct rtp_packet p;

    if (f->every == 0 || rtp_parse(&p, buf, len) != 0 || p.payload_len == 0)
        return false;
    if (++f->count < f->every)
        return false;
    f->count = 0;
    f->corrupted++;
    buf[(size_t)(p.payload - buf) + p.payload_len / 2] ^= 0xff;
    return true;
}
