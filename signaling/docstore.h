/* Documents shown on a meeting's stage (a PDF or a photo from a participant):
 * held in memory only, one per meeting, never written anywhere. Pure: no
 * sockets, no clock, no lws. The HTTP front end (server/http_doc.c) feeds it
 * uploads; the signaling sessions (signaling/session_doc.c) drop a meeting's
 * document when its owner leaves or the meeting ends.
 *
 * Memory: every byte of an upload in progress is reserved before it is read
 * (docstore_reserve), and every stored document counts until it is freed, so
 * the sum stays under the configured cap whatever clients send. A document
 * removed while a download is still sending it is freed when that download
 * lets go of it (docstore_unref). */
#ifndef SAMTALE_DOCSTORE_H
#define SAMTALE_DOCSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DOC_SNIFF_LEN 12 /* bytes docstore_sniff needs to tell every type */
#define DOC_PAGE_MAX 10000
#define DOC_ZOOM_MIN 0.25
#define DOC_ZOOM_MAX 8.0

enum doc_type { DOC_NONE = 0, DOC_PDF, DOC_JPEG, DOC_PNG, DOC_WEBP };

/* The type by content (magic bytes): "%PDF-", JPEG FF D8 FF, the 8-byte PNG
 * signature, "RIFF" <4 bytes> "WEBP". DOC_NONE for anything else. */
enum doc_type docstore_sniff(const uint8_t *buf, size_t len);
/* The Content-Type for a type; NULL for DOC_NONE. */
const char *docstore_mime(enum doc_type t);

/* What the presenter is looking at, followed by everyone else. */
struct doc_view {
    uint32_t page; /* 1..DOC_PAGE_MAX */
    double zoom;   /* DOC_ZOOM_MIN..DOC_ZOOM_MAX */
    double x, y;   /* scroll position as a fraction of the scrollable range, 0..1 */
};

struct doc {
    uint64_t id; /* unique while the server runs, > 0 */
    int64_t meeting_id;
    uint32_t owner_pid;
    enum doc_type type;
    const uint8_t *bytes;
    size_t len;
    struct doc_view view;
};

struct docstore;

/* memory_max: all documents and uploads together; doc_max: one document. */
int docstore_create(struct docstore **out, size_t memory_max, size_t doc_max);
/* NULL-safe. Frees every document, also ones still referenced. */
void docstore_destroy(struct docstore *ds);

/* Sets aside n bytes for an upload. ERR_TOOBIG: n is 0 or over doc_max;
 * ERR_FULL: the memory cap would be passed. */
int docstore_reserve(struct docstore *ds, size_t n);
/* Gives back a reservation that did not become a document. */
void docstore_release(struct docstore *ds, size_t n);

/* Stores an upload as the meeting's document. Takes ownership of `bytes`
 * (malloc'd, len bytes) and of its reservation of len bytes, on success only.
 * ERR_EXISTS: the meeting already shows a document; ERR_PARSE: the content
 * is not a type we show; ERR_NOMEM. */
int docstore_put(struct docstore *ds, int64_t meeting_id, uint32_t owner_pid, uint8_t *bytes,
                 size_t len, const struct doc **out);

/* The meeting's document (borrowed, valid until it is removed), or NULL. */
const struct doc *docstore_get(const struct docstore *ds, int64_t meeting_id);
/* The meeting's document with a reference held for a download, or NULL.
 * Give it back with docstore_unref. */
const struct doc *docstore_ref(struct docstore *ds, int64_t meeting_id);
void docstore_unref(struct docstore *ds, const struct doc *d);

/* Sets the view of the meeting's document. ERR_NOTFOUND: none, or another id. */
int docstore_set_view(struct docstore *ds, int64_t meeting_id, uint64_t doc_id,
                      const struct doc_view *v);

/* Removes the meeting's document; its id in *removed_id (0 if there was none). */
void docstore_remove(struct docstore *ds, int64_t meeting_id, uint64_t *removed_id);
/* The same, only if its owner is pid. */
void docstore_remove_owner(struct docstore *ds, int64_t meeting_id, uint32_t pid,
                           uint64_t *removed_id);

/* Bytes reserved or held now, and documents stored (for tests and metrics). */
size_t docstore_memory_used(const struct docstore *ds);
unsigned docstore_count(const struct docstore *ds);

#endif
