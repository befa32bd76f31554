/* Fuzz target for media/theap.c: the input is a sequence of operations
 * (add, delete, arm, lower, disarm, pop at a time) on one small heap, also
 * applied to a plain array of deadlines. Checks after each operation: the
 * heap's own invariants (order, handles and positions, free list), every
 * entry's deadline against the array, the earliest deadline, and that a
 * pop yields the array's earliest due entry (ties: armed first). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/theap.h"
#include "base/err.h"
#include "tests/fuzz/fuzz_check.h"

#define N 24

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int items[N];
    struct theap *h = NULL;
    uint32_t hd[N] = {0};
    int64_t at[N];
    uint64_t seq[N] = {0}, next_seq = 0;
    size_t live = 0;
    /* Grows from 1 to a limit below N: ERR_FULL is reached too. */
    const size_t max = N - 4;
    CHECK(theap_create(&h, 1, max) == 0);
    for (size_t k = 0; k < N; k++)
        at[k] = THEAP_NEVER;
    while (size >= 3) {
        size_t i = data[0] % N;
        uint8_t op = data[0] / N % 6;
        int64_t t = (int64_t)(data[1] << 8 | data[2]) - 1000; /* negatives too */
        data += 3;
        size -= 3;
        if (!hd[i]) {
            int rc = theap_add(h, (int)i, &items[i], &hd[i]);
            CHECK(rc == 0 ? hd[i] != 0 && live < max : rc == ERR_FULL && live == max);
            if (rc == 0)
                live++;
            else
                hd[i] = 0;
            continue;
        }
        switch (op) {
        case 0:
            theap_del(h, hd[i]);
            theap_set(h, hd[i], t); /* a stale handle does nothing */
            hd[i] = 0;
            at[i] = THEAP_NEVER;
            live--;
            break;
        case 1:
        case 2:
            theap_set(h, hd[i], t);
            at[i] = t;
            seq[i] = next_seq++;
            break;
        case 3:
            if (t < at[i]) {
                at[i] = t;
                seq[i] = next_seq++;
            }
            theap_lower(h, hd[i], t);
            break;
        case 4:
            theap_set(h, hd[i], THEAP_NEVER);
            at[i] = THEAP_NEVER;
            break;
        default: {
            int best = -1;
            for (int k = 0; k < N; k++)
                if (hd[k] && at[k] <= t &&
                    (best < 0 || at[k] < at[best] || (at[k] == at[best] && seq[k] < seq[best])))
                    best = k;
            struct theap_due d;
            bool got = theap_pop(h, t, theap_mark(h), &d);
            CHECK(got == (best >= 0));
            if (got) {
                CHECK(d.handle == hd[best] && d.item == &items[best] && d.kind == best &&
                      d.at == at[best]);
                at[best] = THEAP_NEVER;
            }
            break;
        }
        }
        CHECK(theap_check(h));
        CHECK(theap_count(h) == live);
        int64_t min = THEAP_NEVER;
        for (int k = 0; k < N; k++) {
            if (!hd[k])
                continue;
            CHECK(theap_at(h, hd[k]) == at[k]);
            if (at[k] < min)
                min = at[k];
        }
        CHECK(theap_next(h) == min);
    }
    theap_destroy(h);
    return 0;
}
