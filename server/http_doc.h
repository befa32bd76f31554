/* The stage document's REST routes (docs/PROTOCOL.md, "Stage document"):
 * POST /api/meetings/{id}/document takes a file of up to document_max_mb as
 * the raw body, GET answers it. Both prove a seat in the live meeting with
 * the participant's resume secret in "Authorization: Bearer", never with
 * anything in the URL. The body is read chunk by chunk as libwebsockets hands
 * it over, into memory reserved from signaling/docstore.c; nothing here blocks
 * or touches the disk. */
#ifndef SAMTALE_HTTP_DOC_H
#define SAMTALE_HTTP_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lws;
struct pss;

/* Whether path is /api/meetings/{id}/document; the id in *meeting_id. */
bool http_doc_route(const char *path, int64_t *meeting_id);

/* The request's headers are in (LWS_CALLBACK_HTTP): answers, or prepares to
 * read the body. Returns -1 to hang up. */
int http_doc_on_http(struct lws *wsi, struct pss *pss, int64_t meeting_id);
/* One chunk of the body (LWS_CALLBACK_HTTP_BODY). */
int http_doc_on_body(struct lws *wsi, struct pss *pss, const void *in, size_t len);
/* The whole body is in (LWS_CALLBACK_HTTP_BODY_COMPLETION). */
int http_doc_on_complete(struct lws *wsi, struct pss *pss);
/* Whether the connection is sending a document (its writes go through
 * http_doc_writeable). */
bool http_doc_sending(const struct pss *pss);
int http_doc_writeable(struct lws *wsi, struct pss *pss);
/* Frees the connection's upload or download state, if any. */
void http_doc_free(struct pss *pss);

#endif
