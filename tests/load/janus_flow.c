/* One load participant's Janus VideoRoom signaling (janus_flow.h). */
#include "tests/load/janus_flow.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

#define POLL_EVENTS 8 /* maxev of the long poll */

static int fail(struct janus_flow *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct janus_flow *f, const char *fmt, ...)
{
    va_list ap;

    if (f->step != JANUS_STEP_FAILED) {
        va_start(ap, fmt);
        vsnprintf(f->reason, sizeof f->reason, fmt, ap);
        va_end(ap);
        f->step = JANUS_STEP_FAILED;
    }
    return ERR_PROTO;
}

/* Queues the next POST: body (owned) to the session or a handle. */
static int post(struct janus_flow *f, char *body, uint64_t handle)
{
    free(f->body);
    f->body = body;
    if (!body)
        return fail(f, "out of memory building a request");
    if (janus_path(f->path, sizeof f->path, f->session, handle) < 0)
        return fail(f, "request path too long");
    f->post_due = true;
    return 0;
}

/* A fresh transaction name for the next request. */
static const char *next_txn(struct janus_flow *f)
{
    snprintf(f->txn, sizeof f->txn, "p%u-%u", (unsigned)f->cfg.participant, ++f->txn_seq);
    return f->txn;
}

static int join_publisher(struct janus_flow *f)
{
    f->step = JANUS_STEP_JOIN_PUB;
    return post(f, janus_req_join_publisher(next_txn(f), f->cfg.room, f->cfg.display),
                f->pub_handle);
}

void janus_flow_init(struct janus_flow *f, const struct janus_flow_cfg *cfg)
{
    memset(f, 0, sizeof *f);
    f->cfg = *cfg;
    f->step = JANUS_STEP_SESSION;
    if (cfg->room == 0 || cfg->room_size == 0 || cfg->room_size > JANUS_FEEDS_MAX) {
        fail(f, "bad room settings");
        return;
    }
    post(f, janus_req_create(next_txn(f)), 0);
}

void janus_flow_free(struct janus_flow *f)
{
    free(f->body);
    free(f->answer);
    free(f->sub_offer);
    memset(f, 0, sizeof *f);
}

uint64_t janus_flow_feed(const struct janus_flow *f)
{
    return f->feed;
}

bool janus_flow_pub_up(const struct janus_flow *f)
{
    return f->pub_up;
}

static int take_sdp(struct janus_flow *f, struct janus_msg *m, const char *type, char **dst)
{
    if (!m->jsep_sdp || strcmp(m->jsep_type, type) != 0)
        return fail(f, "Janus sent no %s", type);
    free(*dst);
    *dst = m->jsep_sdp;
    m->jsep_sdp = NULL;
    return 0;
}

/* The result of the request in flight, synchronous (success) or as an event. */
static int on_result(struct janus_flow *f, struct janus_msg *m)
{
    if (m->error_code)
        return fail(f, "Janus refused (step %d): %d %s", (int)f->step, m->error_code, m->error);
    switch (f->step) {
    case JANUS_STEP_SESSION:
        if (m->kind != JANUS_SUCCESS || !m->data_id)
            return fail(f, "no session id");
        f->session = m->data_id;
        f->step = JANUS_STEP_ATTACH_PUB;
        snprintf(f->poll_path, sizeof f->poll_path, "/janus/%llu?maxev=%d",
                 (unsigned long long)f->session, POLL_EVENTS);
        return post(f, janus_req_attach(next_txn(f)), 0);
    case JANUS_STEP_ATTACH_PUB:
        if (m->kind != JANUS_SUCCESS || !m->data_id)
            return fail(f, "no publisher handle");
        f->pub_handle = m->data_id;
        if (!f->cfg.creates_room)
            return join_publisher(f);
        f->step = JANUS_STEP_ROOM;
        return post(f, janus_req_room_create(next_txn(f), f->cfg.room, f->cfg.room_size),
                    f->pub_handle);
    case JANUS_STEP_ROOM:
        if (m->vr != JANUS_VR_CREATED)
            return fail(f, "the room was not created");
        return join_publisher(f);
    case JANUS_STEP_JOIN_PUB:
        if (m->vr != JANUS_VR_JOINED || !m->feed)
            return fail(f, "not joined as publisher");
        f->feed = m->feed;
        f->step = JANUS_STEP_OFFER;
        return 0;
    case JANUS_STEP_PUBLISH:
        if (!m->configured)
            return fail(f, "publishing was not configured");
        if (take_sdp(f, m, "answer", &f->answer) < 0)
            return ERR_PROTO;
        f->answer_due = true;
        f->step = JANUS_STEP_PUBLISHED;
        return 0;
    case JANUS_STEP_ATTACH_SUB:
        if (m->kind != JANUS_SUCCESS || !m->data_id)
            return fail(f, "no subscriber handle");
        f->sub_handle = m->data_id;
        f->step = JANUS_STEP_JOIN_SUB;
        return post(f, janus_req_join_subscriber(next_txn(f), f->cfg.room, f->feeds, f->n_feeds),
                    f->sub_handle);
    case JANUS_STEP_JOIN_SUB:
        if (m->vr != JANUS_VR_ATTACHED)
            return fail(f, "not attached as subscriber");
        if (take_sdp(f, m, "offer", &f->sub_offer) < 0)
            return ERR_PROTO;
        f->sub_offer_due = true;
        f->step = JANUS_STEP_ANSWER;
        return 0;
    case JANUS_STEP_START:
        if (!m->started)
            return fail(f, "the subscription did not start");
        f->step = JANUS_STEP_UP;
        f->up_due = true;
        return 0;
    default:
        return fail(f, "an answer in step %d", (int)f->step);
    }
}

/* One message from the POST's answer or the long poll. */
static int on_message(struct janus_flow *f, struct janus_msg *m)
{
    bool ours = m->transaction[0] && strcmp(m->transaction, f->txn) == 0;
    bool our_handle = m->sender && (m->sender == f->pub_handle || m->sender == f->sub_handle);

    if (f->step == JANUS_STEP_FAILED)
        return ERR_PROTO;
    if (m->kind == JANUS_ERROR)
        return fail(f, "Janus error %d: %s", m->error_code, m->error);
    if (m->kind == JANUS_TIMEOUT)
        return fail(f, "the Janus session timed out");
    if (m->kind == JANUS_HANGUP && our_handle)
        return fail(f, "Janus hung up a peer connection");
    if (m->kind == JANUS_WEBRTCUP && m->sender && m->sender == f->pub_handle)
        f->pub_up = true;
    if (m->kind == JANUS_ACK || !ours)
        return 0; /* the result comes as an event; others' news is not needed */
    if (m->kind == JANUS_SUCCESS || m->kind == JANUS_EVENT)
        return on_result(f, m);
    return 0;
}

static int feed_messages(struct janus_flow *f, unsigned status, const char *body, size_t len,
                         const char *what)
{
    struct janus_msg m[POLL_EVENTS];
    size_t dropped = 0;
    int n, rc = 0;

    if (f->step == JANUS_STEP_FAILED)
        return ERR_PROTO;
    if (status != 200)
        return fail(f, "%s: HTTP %u", what, status);
    n = janus_parse(body, len, m, POLL_EVENTS, &dropped);
    if (n < 0)
        return fail(f, "%s: unreadable answer (%d)", what, n);
    for (int i = 0; i < n; i++) {
        if (rc == 0)
            rc = on_message(f, &m[i]);
        janus_msg_clear(&m[i]);
    }
    if (rc == 0 && dropped)
        return fail(f, "%s: more events than asked for", what);
    return rc;
}

int janus_flow_posted(struct janus_flow *f, unsigned status, const char *body, size_t len)
{
    if (!f->post_in_flight)
        return fail(f, "an answer to no request");
    f->post_in_flight = false;
    return feed_messages(f, status, body, len, "request");
}

int janus_flow_events(struct janus_flow *f, unsigned status, const char *body, size_t len)
{
    if (!f->poll_in_flight)
        return fail(f, "events without a long poll");
    f->poll_in_flight = false;
    return feed_messages(f, status, body, len, "long poll");
}

int janus_flow_offer(struct janus_flow *f, const char *sdp)
{
    if (f->step != JANUS_STEP_OFFER)
        return fail(f, "an offer in step %d", (int)f->step);
    f->step = JANUS_STEP_PUBLISH;
    return post(f, janus_req_publish(next_txn(f), sdp), f->pub_handle);
}

int janus_flow_subscribe(struct janus_flow *f, const uint64_t *feeds, size_t n)
{
    if (f->want_sub || n == 0 || n > JANUS_FEEDS_MAX)
        return fail(f, "bad subscription (%zu feeds)", n);
    memcpy(f->feeds, feeds, n * sizeof *feeds);
    f->n_feeds = n;
    f->want_sub = true;
    return 0;
}

int janus_flow_answer(struct janus_flow *f, const char *sdp)
{
    if (f->step != JANUS_STEP_ANSWER)
        return fail(f, "an answer in step %d", (int)f->step);
    f->step = JANUS_STEP_START;
    return post(f, janus_req_start(next_txn(f), sdp), f->sub_handle);
}

void janus_flow_poll(struct janus_flow *f, struct janus_act *act)
{
    memset(act, 0, sizeof *act);
    if (f->step == JANUS_STEP_FAILED) {
        act->what = JANUS_FAILED;
        act->reason = f->reason;
        return;
    }
    if (f->answer_due) {
        f->answer_due = false;
        act->what = JANUS_GOT_ANSWER;
        act->sdp = f->answer;
        return;
    }
    if (f->sub_offer_due) {
        f->sub_offer_due = false;
        act->what = JANUS_DO_ANSWER;
        act->sdp = f->sub_offer;
        return;
    }
    if (f->up_due) {
        f->up_due = false;
        act->what = JANUS_UP;
        return;
    }
    if (f->step == JANUS_STEP_OFFER && !f->offer_asked) {
        f->offer_asked = true;
        act->what = JANUS_DO_OFFER;
        return;
    }
    if (f->step == JANUS_STEP_PUBLISHED && f->want_sub && !f->post_due && !f->post_in_flight) {
        f->step = JANUS_STEP_ATTACH_SUB;
        post(f, janus_req_attach(next_txn(f)), 0);
    }
    if (f->post_due && !f->post_in_flight) {
        f->post_due = false;
        f->post_in_flight = true;
        act->what = JANUS_DO_POST;
        act->path = f->path;
        act->body = f->body;
        return;
    }
    if (f->session && !f->poll_in_flight) {
        f->poll_in_flight = true;
        act->what = JANUS_DO_LONG_POLL;
        act->path = f->poll_path;
        return;
    }
}
