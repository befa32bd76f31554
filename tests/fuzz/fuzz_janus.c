/* Fuzz target for tests/load/janus_api.c: whatever Janus (or anything on
 * its port) answers the load generator is parsed within bounds, every
 * message it reports is whole, and clearing them leaks nothing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/load/janus_api.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct janus_msg m[4];
    size_t dropped = 0;
    int n = janus_parse((const char *)data, size, m, 4, &dropped);

    if (n < 0)
        return 0;
    CHECK(n <= 4);
    for (int i = 0; i < n; i++) {
        CHECK(strlen(m[i].transaction) <= JANUS_TXN_MAX);
        CHECK(m[i].n_feeds <= JANUS_FEEDS_MAX);
        CHECK((m[i].jsep_sdp != NULL) == (m[i].jsep_type[0] != '\0'));
        CHECK(!m[i].jsep_sdp || strlen(m[i].jsep_sdp) <= JANUS_SDP_MAX);
        CHECK(m[i].vr != JANUS_VR_JOINED || m[i].feed == 0 || m[i].feed <= (uint64_t)INT64_MAX);
        janus_msg_clear(&m[i]);
        CHECK(m[i].jsep_sdp == NULL);
    }
    return 0;
}
