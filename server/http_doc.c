/* The stage document's REST routes (see http_doc.h). */
#define LOG_MODULE "http"
#include "server/http_doc.h"
#include "base/err.h"
#include "base/log.h"
#include "signaling/docstore.h"
#include "server/http_int.h"
#include "signaling/meeting.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOC_ROUTE_PREFIX "/api/meetings/"
#define DOC_ROUTE_SUFFIX "/document"
#define DOC_ID_DIGITS_MAX 18 /* below 2^63 */
#define DOC_CHUNK (32 * 1024)
#define DOC_AUTH_MAX (7 + MEETING_RESUME_SECRET_MAX) /* "Bearer " + secret */

struct http_doc_xfer {
    struct app *app;
    int64_t meeting_id;
    char secret[MEETING_RESUME_SECRET_MAX + 1];
    /* upload */
    uint8_t *buf;    /* the file so far; NULL once refused or stored */
    size_t reserved; /* bytes reserved in the docstore for buf */
    size_t want, got;
    int64_t deadline_us;
    unsigned refuse_status; /* non-zero: answer this once the body is read */
    const char *refuse_code, *refuse_msg;
    /* download */
    const struct doc *doc; /* a reference, held while sending */
    size_t sent;
};

bool http_doc_route(const char *path, int64_t *meeting_id)
{
    size_t plen = strlen(DOC_ROUTE_PREFIX), n = 0;
    int64_t id = 0;
    if (strncmp(path, DOC_ROUTE_PREFIX, plen) != 0)
        return false;
    const char *p = path + plen;
    while (p[n] >= '0' && p[n] <= '9' && n < DOC_ID_DIGITS_MAX) {
        id = id * 10 + (p[n] - '0');
        n++;
    }
    if (n == 0 || strcmp(p + n, DOC_ROUTE_SUFFIX) != 0 || id <= 0)
        return false;
    *meeting_id = id;
    return true;
}

/* The resume secret from "Authorization: Bearer <secret>". */
static bool bearer(struct lws *wsi, char *out, size_t cap)
{
    char v[DOC_AUTH_MAX + 2];
    int len = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
    bool ok = len > 7 && (size_t)len < sizeof v &&
              lws_hdr_copy(wsi, v, sizeof v, WSI_TOKEN_HTTP_AUTHORIZATION) == len &&
              strncmp(v, "Bearer ", 7) == 0 && strlen(v + 7) < cap;
    if (ok)
        memcpy(out, v + 7, strlen(v + 7) + 1);
    OPENSSL_cleanse(v, sizeof v);
    return ok;
}

void http_doc_free(struct pss *pss)
{
    struct http_doc_xfer *x = pss->doc;
    if (!x)
        return;
    if (x->buf) {
        OPENSSL_cleanse(x->buf, x->got);
        free(x->buf);
    }
    docstore_release(x->app->sig.docs, x->reserved);
    docstore_unref(x->app->sig.docs, x->doc);
    OPENSSL_cleanse(x->secret, sizeof x->secret);
    free(x);
    pss->doc = NULL;
}

/* Lets go of the upload's memory; what is left of the body is read and dropped. */
static void drop_upload(struct http_doc_xfer *x)
{
    if (x->buf) {
        OPENSSL_cleanse(x->buf, x->got);
        free(x->buf);
        x->buf = NULL;
    }
    docstore_release(x->app->sig.docs, x->reserved);
    x->reserved = 0;
}

/* Refuses the request after reading and dropping what is left of the body
 * (so the client gets the answer rather than a reset): all of it when
 * drain_all (its size was accepted already), else up to HTTP_DRAIN_MAX; with
 * more than that the answer goes now and the connection is closed. */
static int refuse_after(struct lws *wsi, struct pss *pss, unsigned status, const char *code,
                        const char *msg, bool drain_all)
{
    struct http_doc_xfer *x = pss->doc;
    size_t left = x->want - x->got;
    drop_upload(x);
    if (left > 0 && (drain_all || left <= HTTP_DRAIN_MAX) && !x->refuse_status) {
        x->refuse_status = status;
        x->refuse_code = code;
        x->refuse_msg = msg;
        return 0;
    }
    if (left > 0)
        pss->close_after = true;
    return http_respond_error(wsi, pss, status, code, msg);
}

static int refuse(struct lws *wsi, struct pss *pss, unsigned status, const char *code,
                  const char *msg)
{
    return refuse_after(wsi, pss, status, code, msg, false);
}

static int start_download(struct lws *wsi, struct pss *pss)
{
    struct http_doc_xfer *x = pss->doc;
    struct app *app = x->app;
    uint8_t hdr[LWS_PRE + 1024];
    uint8_t *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;
    static const char no_store[] = "no-store";
    x->doc = docstore_ref(app->sig.docs, x->meeting_id);
    if (!x->doc)
        return http_respond_error(wsi, pss, 404, "not_found", "no document on the stage");
    pss->answered = true;
    metrics_http(&app->metrics, 200);
    if (lws_add_http_common_headers(wsi, 200, docstore_mime(x->doc->type), x->doc->len, &p, end) ||
        lws_add_http_header_by_name(wsi, (const uint8_t *)"cache-control:",
                                    (const uint8_t *)no_store, (int)sizeof no_store - 1, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    lws_callback_on_writable(wsi);
    return 0;
}

bool http_doc_sending(const struct pss *pss)
{
    return pss->doc && pss->doc->doc;
}

int http_doc_writeable(struct lws *wsi, struct pss *pss)
{
    struct http_doc_xfer *x = pss->doc;
    uint8_t buf[LWS_PRE + DOC_CHUNK];
    size_t n = x->doc->len - x->sent;
    if (n > DOC_CHUNK)
        n = DOC_CHUNK;
    bool last = x->sent + n == x->doc->len;
    memcpy(buf + LWS_PRE, x->doc->bytes + x->sent, n);
    int w = lws_write(wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
    OPENSSL_cleanse(buf + LWS_PRE, n);
    if (w < 0 || (size_t)w != n)
        return -1;
    x->sent += n;
    if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    http_doc_free(pss);
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

int http_doc_on_http(struct lws *wsi, struct pss *pss, int64_t meeting_id)
{
    struct app *app = lws_context_user(lws_get_context(wsi));
    struct http_doc_xfer *x = calloc(1, sizeof *x);
    if (!x)
        return -1;
    x->app = app;
    x->meeting_id = meeting_id;
    pss->doc = x;

    uint64_t clen = 0;
    int rc = http_body_length(wsi, &clen);
    if (rc < 0) {
        pss->close_after = true; /* where the next request starts is unknown */
        if (rc == ERR_PROTO)
            return http_respond_error(wsi, pss, 411, "length_required",
                                      "send the file with a Content-Length, not chunked");
        return http_respond_error(wsi, pss, 400, "bad_length",
                                  "Content-Length must be a decimal number of bytes");
    }
    x->want = (size_t)clen;
    if (clen > SIZE_MAX / 2)
        x->want = SIZE_MAX / 2;
    bool post = pss->method == LWSHUMETH_POST;
    if (pss->method != LWSHUMETH_GET && !post)
        return refuse(wsi, pss, 405, "method_not_allowed", "use GET or POST here");
    if (!post && clen > 0)
        return refuse(wsi, pss, 400, "bad_request", "GET takes no body");
    if (post && !http_origin_ok(wsi))
        return refuse(wsi, pss, 403, "forbidden", "cross-origin request refused");
    uint32_t pid;
    if (!bearer(wsi, x->secret, sizeof x->secret))
        return refuse(wsi, pss, 401, "no_session",
                      "send your seat as Authorization: Bearer <resume_token>");
    if (sessions_doc_seat(&app->sig, meeting_id, x->secret, &pid) < 0)
        return refuse(wsi, pss, 404, "not_found", "no such meeting, or you are not in it");
    if (!post)
        return start_download(wsi, pss);

    if (clen == 0)
        return refuse(wsi, pss, 400, "bad_request", "send the file as the body, with its length");
    if (docstore_get(app->sig.docs, meeting_id))
        return refuse(wsi, pss, 409, "document_shown",
                      "a document is already on the stage: remove it first");
    rc = docstore_reserve(app->sig.docs, x->want);
    if (rc == ERR_TOOBIG)
        return refuse(wsi, pss, 413, "too_big", "the file is over the document size limit");
    if (rc < 0)
        return refuse(wsi, pss, 503, "busy", "too many documents are being shown: try later");
    x->reserved = x->want;
    x->buf = malloc(x->want);
    if (!x->buf)
        return refuse(wsi, pss, 503, "busy", "out of memory for documents: try later");
    x->deadline_us = now_mono_us() + (int64_t)app->cfg.document_timeout_s * 1000000;
    return 0; /* answered at HTTP_BODY_COMPLETION */
}

int http_doc_on_body(struct lws *wsi, struct pss *pss, const void *in, size_t len)
{
    struct http_doc_xfer *x = pss->doc;
    if (pss->answered)
        return 0;
    if (len > x->want - x->got) {
        pss->close_after = true;
        return http_respond_error(wsi, pss, 400, "bad_length", "more body than Content-Length");
    }
    if (x->deadline_us && now_mono_us() > x->deadline_us) {
        pss->close_after = true;
        drop_upload(x);
        return http_respond_error(wsi, pss, 408, "timeout", "the file took too long to arrive");
    }
    if (x->buf)
        memcpy(x->buf + x->got, in, len);
    x->got += len;
    /* Not a type we show: let go of the memory now, answer once it is all in. */
    if (x->buf && (x->got >= DOC_SNIFF_LEN || x->got == x->want) &&
        docstore_sniff(x->buf, x->got) == DOC_NONE)
        return refuse_after(wsi, pss, 415, "unsupported_type",
                            "the file is not a PDF or a JPEG, PNG or WebP image", true);
    return 0;
}

int http_doc_on_complete(struct lws *wsi, struct pss *pss)
{
    struct http_doc_xfer *x = pss->doc;
    struct app *app = x->app;
    uint32_t pid;
    const struct doc *d;
    if (pss->answered)
        return 0;
    if (x->refuse_status)
        return http_respond_error(wsi, pss, x->refuse_status, x->refuse_code, x->refuse_msg);
    if (x->got != x->want || !x->buf)
        return refuse(wsi, pss, 400, "bad_length", "the body is shorter than Content-Length");
    /* The seat is checked again: the uploader may have left meanwhile. */
    if (sessions_doc_seat(&app->sig, x->meeting_id, x->secret, &pid) < 0)
        return refuse(wsi, pss, 404, "not_found", "no such meeting, or you are not in it");
    int rc = docstore_put(app->sig.docs, x->meeting_id, pid, x->buf, x->got, &d);
    if (rc == ERR_EXISTS)
        return refuse(wsi, pss, 409, "document_shown",
                      "a document is already on the stage: remove it first");
    if (rc == ERR_PARSE)
        return refuse(wsi, pss, 415, "unsupported_type",
                      "the file is not a PDF or a JPEG, PNG or WebP image");
    if (rc < 0)
        return refuse(wsi, pss, 503, "busy", "out of memory for documents: try later");
    x->buf = NULL; /* the store owns it and its reservation now */
    x->reserved = 0;
    LOG_I("meeting %lld: participant %u shows document %llu (%s, %zu bytes)",
          (long long)x->meeting_id, pid, (unsigned long long)d->id, docstore_mime(d->type), d->len);
    sessions_doc_shown(&app->sig, x->meeting_id);

    char body[160];
    int n = snprintf(body, sizeof body, "{\"doc\":%llu,\"mime\":\"%s\",\"size\":%zu}",
                     (unsigned long long)d->id, docstore_mime(d->type), d->len);
    return http_respond(wsi, pss, 201, "application/json", body, (size_t)n, NULL, "no-store");
}
