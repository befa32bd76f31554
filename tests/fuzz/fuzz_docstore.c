/* Fuzzes what a stage document upload meets first: the type sniffer over the
 * file's bytes, the route parser over the path, and the store taking the
 * file. Invariants: a sniffed type's magic bytes are really there, a parsed
 * route is exactly /api/meetings/<id>/document, and the store's memory
 * accounting returns to zero. */
#include "base/err.h"
#include "signaling/docstore.h"
#include "server/http_doc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_MAX_FUZZ 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_sniff(const uint8_t *data, size_t size)
{
    enum doc_type t = docstore_sniff(data, size);
    switch (t) {
    case DOC_PDF:
        if (size < 5 || memcmp(data, "%PDF-", 5) != 0)
            abort();
        break;
    case DOC_JPEG:
        if (size < 3 || data[0] != 0xff || data[1] != 0xd8 || data[2] != 0xff)
            abort();
        break;
    case DOC_PNG:
        if (size < 8 || memcmp(data, "\x89PNG\r\n\x1a\n", 8) != 0)
            abort();
        break;
    case DOC_WEBP:
        if (size < 12 || memcmp(data, "RIFF", 4) != 0 || memcmp(data + 8, "WEBP", 4) != 0)
            abort();
        break;
    case DOC_NONE:
        return;
    }
    if (!docstore_mime(t))
        abort();
}

static void check_route(const uint8_t *data, size_t size)
{
    char path[PATH_MAX_FUZZ + 1], again[PATH_MAX_FUZZ + 64];
    size_t n = size < PATH_MAX_FUZZ ? size : PATH_MAX_FUZZ;
    memcpy(path, data, n);
    path[n] = '\0';
    int64_t id = 0;
    if (!http_doc_route(path, &id))
        return;
    if (id <= 0)
        abort();
    snprintf(again, sizeof again, "/api/meetings/%" PRId64 "/document", id);
    /* Leading zeros are the only other spelling of the same id. */
    const char *p = path + strlen("/api/meetings/");
    while (*p == '0' && p[1] >= '0' && p[1] <= '9')
        p++;
    if (strcmp(p, again + strlen("/api/meetings/")) != 0)
        abort();
}

static void check_store(const uint8_t *data, size_t size)
{
    struct docstore *ds;
    const struct doc *d;
    if (docstore_create(&ds, 1 << 20, 1 << 16) < 0)
        abort();
    int rc = docstore_reserve(ds, size);
    if (rc == 0) {
        uint8_t *copy = malloc(size);
        if (!copy)
            abort();
        memcpy(copy, data, size);
        rc = docstore_put(ds, 1, 1, copy, size, &d);
        if ((rc == 0) != (docstore_sniff(data, size) != DOC_NONE))
            abort();
        if (rc == 0) {
            if (d->len != size || memcmp(d->bytes, data, size) != 0)
                abort();
            docstore_remove(ds, 1, NULL);
        } else {
            free(copy);
            docstore_release(ds, size);
        }
    }
    if (docstore_memory_used(ds) != 0)
        abort();
    docstore_destroy(ds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_sniff(data, size);
    check_route(data, size);
    check_store(data, size);
    return 0;
}
