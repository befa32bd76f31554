/* Fuzzes the listener's header parsers: byte 0 picks Content-Length or
 * Sec-WebSocket-Key, the rest (up to the first NUL) is the header value.
 * Checks their invariants: an accepted Content-Length is exactly the decimal
 * value of the digits, an accepted key decodes to 16 bytes. */
#include "base/err.h"
#include "server/http_guard.h"

#include <stdlib.h>
#include <string.h>

#define VALUE_MAX 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_length(const char *v)
{
    uint64_t n = 0;
    int rc = http_guard_content_length(v, &n);
    if (rc != 0 && rc != ERR_PARSE && rc != ERR_TOOBIG)
        abort();
    if (rc != 0)
        return;
    /* Re-derive: digits only, and the same value modulo 2^64 without overflow. */
    uint64_t again = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            abort();
        again = again * 10 + (uint64_t)(*p - '0');
    }
    if (again != n)
        abort();
}

static void check_key(const char *v)
{
    if (!http_guard_ws_key_ok(v))
        return;
    if (strlen(v) != 24 || strcmp(v + 22, "==") != 0 || strchr(v, '=') != v + 22)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char v[VALUE_MAX + 1];
    if (size < 1)
        return 0;
    size_t n = size - 1 > VALUE_MAX ? VALUE_MAX : size - 1;
    memcpy(v, data + 1, n);
    v[n] = '\0';
    if (data[0] & 1)
        check_key(v);
    else
        check_length(v);
    return 0;
}
