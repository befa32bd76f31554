/* The fuzz targets' invariant check: a broken state stops the run like a
 * crash, so the fuzzer reports it with the input that caused it. */
#ifndef SAMTALE_FUZZ_CHECK_H
#define SAMTALE_FUZZ_CHECK_H

#include <stdlib.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

#endif
