/* Fuzz target for media/rtx_cache.c: the input chooses a small cache (1 to
 * 64 slots, a budget of 2 to 18 KiB, so both the slots and the bytes run
 * out) and a sequence of operations on it: puts of any length (0 and one
 * above RTX_CACHE_PKT_CAP too) at sequence numbers that move forwards, back
 * (repairs, duplicates) or jump, lookups, clears. The reference model
 * (tests/fuzz/rtx_cache_model.h) checks every answer: a packet that must
 * be held is, one that must not is not, what is returned is the bytes of
 * the latest put of that number, and the ring stays within the budget. */
#include <stdint.h>
#include <stdlib.h>

#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/rtx_cache_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct rcm m;
    int64_t last = 0;

    if (size < 3)
        return 0;
    CHECK(rcm_init(&m, (size_t)1 << (data[0] % 7),
                   RTX_CACHE_PKT_CAP + (size_t)(data[1] << 8 | data[2]) % 16384) == 0);
    data += 3;
    size -= 3;
    while (size >= 4) {
        uint8_t op = data[0] % 16;
        int64_t d = (int8_t)data[1];
        size_t len = (size_t)(data[2] << 8 | data[3]) % (RTX_CACHE_PKT_CAP + 2);

        data += 4;
        size -= 4;
        if (op < 10) { /* a put: mostly the next number */
            int64_t ext = op < 6 ? last + 1 : op < 9 ? last + d : last + d * 4096;

            CHECK(rcm_put(&m, ext, len));
            if (ext > last && len >= 1 && len <= RTX_CACHE_PKT_CAP)
                last = ext;
            CHECK(rcm_check(&m, ext));
        } else if (op < 15) {
            CHECK(rcm_check(&m, last - (int64_t)(len % 80) + d % 4));
        } else {
            rcm_clear(&m);
        }
        CHECK(rcm_check(&m, last));
        CHECK(rcm_check_bytes(&m));
    }
    for (int64_t e = last - 70; e <= last; e++)
        CHECK(rcm_check(&m, e));
    rtx_cache_destroy(m.c);
    return 0;
}
