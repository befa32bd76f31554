/* Fuzz target for signaling/sip_stream: the input is fed in chunks whose
 * sizes come from the input itself; every message taken out must lie in the
 * stream buffer, end after a CRLF CRLF header block and stay within the
 * limit; a broken stream stays broken. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "signaling/sip_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sip_stream st;

static void check(int cond)
{
    if (!cond)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sip_stream_init(&st);
    size_t pos = 0;
    while (pos < size) {
        size_t chunk = (size_t)data[pos] * 7 + 1;
        if (chunk > size - pos)
            chunk = size - pos;
        size_t used;
        int rc = sip_stream_feed(&st, data + pos, chunk, &used);
        if (rc != 0) {
            check(rc == ERR_PROTO && st.failed);
            return 0;
        }
        check(used <= chunk);
        pos += used;
        const uint8_t *m;
        size_t len;
        while ((rc = sip_stream_next(&st, &m, &len)) == 1) {
            check(m == st.buf && len > 4 && len <= SIP_STREAM_MAX_MSG);
            check(memmem(m, len, "\r\n\r\n", 4) != NULL);
        }
        if (rc < 0) {
            check(st.failed);
            check(sip_stream_next(&st, &m, &len) == ERR_PROTO);
            return 0;
        }
        if (used == 0 && st.len == sizeof st.buf)
            return 0; /* full yet no message: the next call reports TOOBIG */
    }
    return 0;
}
