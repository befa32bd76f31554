/* Test-only fault injection on the forwarding path: with the environment
 * variable SAMTALE_TEST_CORRUPT_FORWARD=N (1..1000000) set when the server
 * starts, every media worker flips one payload byte of every Nth RTP
 * packet it forwards, before SRTP protects it. The receivers then get
 * authentic packets with damaged media, which is what a media checker
 * (tests/load/, samtale-load) must notice as corrupt frames or decode
 * errors. Compiled in always, off unless the variable is set; the server
 * logs a warning at start when it is (docs/OPERATIONS.md).
 *
 * Sans-IO: the caller reads the variable and passes each packet. */
#ifndef SAMTALE_MEDIA_FAULT_H
#define SAMTALE_MEDIA_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAULT_CORRUPT_ENV "SAMTALE_TEST_CORRUPT_FORWARD"
#define FAULT_CORRUPT_MAX 1000000u

struct fault_corrupt {
    uint32_t every;     /* 0: off */
    uint32_t count;     /* packets with a payload since the last corrupted one */
    uint64_t corrupted; /* packets corrupted so far */
};

/* The variable's value: a decimal N from 1 to FAULT_CORRUPT_MAX. Returns 0
 * with *every = N, or ERR_INVAL. */
int fault_corrupt_parse(const char *value, uint32_t *every);

/* One RTP packet about to be protected and sent (buf[0..len), unprotected).
 * Counts the packets that have a payload (padding-only probes and
 * non-RTP do not count); every f->every-th gets the middle byte of its
 * payload inverted (never the header, extensions or padding). Returns true
 * when it changed this packet. */
bool fault_corrupt_apply(struct fault_corrupt *f, uint8_t *buf, size_t len);

#endif
