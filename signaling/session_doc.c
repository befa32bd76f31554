/* The stage document's signaling: who may steer or remove it, the view that
 * everyone follows, and telling the room when it comes and goes. The bytes
 * live in signaling/docstore.c and travel over HTTPS (server/http_doc.c). */
#define LOG_MODULE "session"
#include "signaling/session.h"
#include "base/err.h"
#include "base/log.h"
#include "signaling/docstore.h"
#include "signaling/meeting.h"
#include "signaling/session_int.h"

#include <math.h>
#include <string.h>

/* Sends msg to every admitted participant with a connection but `except`
 * (0: everyone). Takes ownership of msg. */
static void room_send(struct sig *sig, struct live_meeting *lm, uint32_t except, json_t *msg)
{
    if (!msg)
        return;
    for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++) {
        struct ws_conn *c = lm->seats[i].conn;
        uint32_t pid = lm->seats[i].pid;
        if (c && pid != except && meeting_is_admitted(lm->m, pid))
            session_send_json(sig, c, json_incref(msg));
    }
    json_decref(msg);
}

static json_t *view_fields(json_t *msg, const struct doc *d)
{
    if (msg &&
        json_object_update_new(msg, json_pack("{s:I, s:I, s:f, s:f, s:f}", "doc", (json_int_t)d->id,
                                              "page", (json_int_t)d->view.page, "zoom",
                                              d->view.zoom, "x", d->view.x, "y", d->view.y)) != 0) {
        json_decref(msg);
        return NULL;
    }
    return msg;
}

static json_t *document_message(const struct doc *d)
{
    json_t *msg =
        json_pack("{s:s, s:I, s:s, s:I}", "type", "document", "owner", (json_int_t)d->owner_pid,
                  "mime", docstore_mime(d->type), "size", (json_int_t)d->len);
    return view_fields(msg, d);
}

static void send_removed(struct sig *sig, struct live_meeting *lm, uint64_t id, uint32_t by,
                         const char *reason)
{
    room_send(sig, lm, 0,
              json_pack("{s:s, s:I, s:I, s:s}", "type", "document_removed", "doc", (json_int_t)id,
                        "by", (json_int_t)by, "reason", reason));
}

void session_doc_send_state(struct sig *sig, struct live_meeting *lm, uint32_t pid)
{
    const struct doc *d = docstore_get(sig->docs, lm->id);
    struct ws_conn **seat = session_seat_of(lm, pid);
    if (d && seat)
        session_send_json(sig, *seat, document_message(d));
}

void session_doc_owner_left(struct sig *sig, struct live_meeting *lm, uint32_t pid)
{
    uint64_t id;
    docstore_remove_owner(sig->docs, lm->id, pid, &id);
    if (id)
        send_removed(sig, lm, id, pid, "owner_left");
}

/* A JSON number in [lo, hi] (integers count). */
static bool number_in(const json_t *v, double lo, double hi, double *out)
{
    if (!json_is_number(v))
        return false;
    double x = json_number_value(v);
    if (!isfinite(x) || x < lo || x > hi)
        return false;
    *out = x;
    return true;
}

static void handle_view(struct sig *sig, struct ws_conn *c, struct live_meeting *lm,
                        const json_t *msg)
{
    const struct doc *d = docstore_get(sig->docs, lm->id);
    json_t *jdoc = json_object_get(msg, "doc"), *jpage = json_object_get(msg, "page");
    struct doc_view v;
    double page;
    if (!d || !json_is_integer(jdoc) || (uint64_t)json_integer_value(jdoc) != d->id) {
        session_send_error(sig, c, "not_found", "that document is not on the stage", "doc_view");
        return;
    }
    if (d->owner_pid != c->pid) {
        session_send_error(sig, c, "not_permitted", "only the one who shows a document steers it",
                           "doc_view");
        return;
    }
    if (!json_is_integer(jpage) || !number_in(jpage, 1, DOC_PAGE_MAX, &page) ||
        !number_in(json_object_get(msg, "zoom"), DOC_ZOOM_MIN, DOC_ZOOM_MAX, &v.zoom) ||
        !number_in(json_object_get(msg, "x"), 0, 1, &v.x) ||
        !number_in(json_object_get(msg, "y"), 0, 1, &v.y)) {
        session_send_error(sig, c, "bad_message",
                           "doc_view needs page 1..10000, zoom 0.25..8, x and y 0..1", "doc_view");
        return;
    }
    v.page = (uint32_t)page;
    if (docstore_set_view(sig->docs, lm->id, d->id, &v) < 0) {
        session_send_error(sig, c, "bad_message", "the view is out of range", "doc_view");
        return;
    }
    room_send(sig, lm, c->pid, view_fields(json_pack("{s:s}", "type", "doc_view"), d));
}

static void handle_remove(struct sig *sig, struct ws_conn *c, struct live_meeting *lm,
                          const json_t *msg)
{
    const struct doc *d = docstore_get(sig->docs, lm->id);
    json_t *jdoc = json_object_get(msg, "doc");
    if (!d || (jdoc && (!json_is_integer(jdoc) || (uint64_t)json_integer_value(jdoc) != d->id))) {
        session_send_error(sig, c, "not_found", "that document is not on the stage", "doc_remove");
        return;
    }
    if (d->owner_pid != c->pid && !meeting_is_host(lm->m, c->pid)) {
        session_send_error(sig, c, "not_permitted",
                           "only its owner or a host can remove the document", "doc_remove");
        return;
    }
    uint64_t id;
    docstore_remove(sig->docs, lm->id, &id);
    LOG_I("meeting %lld: document %llu removed by participant %u", (long long)lm->id,
          (unsigned long long)id, c->pid);
    send_removed(sig, lm, id, c->pid, "removed");
}

void session_doc_message(struct sig *sig, struct ws_conn *c, struct live_meeting *lm,
                         const char *type, const json_t *msg)
{
    if (!meeting_is_admitted(lm->m, c->pid)) {
        session_send_error(sig, c, "wrong_state", "documents are for those let in", type);
        return;
    }
    if (strcmp(type, "doc_view") == 0)
        handle_view(sig, c, lm, msg);
    else
        handle_remove(sig, c, lm, msg);
}

/* ---- for the REST routes (server/http_doc.c) ---- */

int sessions_doc_seat(struct sig *sig, int64_t meeting_id, const char *secret, uint32_t *pid)
{
    struct live_meeting *lm = session_live_find(sig, meeting_id);
    uint32_t p;
    if (!lm || meeting_find_secret(lm->m, secret, &p) < 0 || !meeting_is_admitted(lm->m, p))
        return ERR_NOTFOUND;
    *pid = p;
    return 0;
}

void sessions_doc_shown(struct sig *sig, int64_t meeting_id)
{
    struct live_meeting *lm = session_live_find(sig, meeting_id);
    const struct doc *d = docstore_get(sig->docs, meeting_id);
    if (lm && d)
        room_send(sig, lm, 0, document_message(d));
}
