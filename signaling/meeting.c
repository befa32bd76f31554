/* The meeting state machine: seats, lobby, joins and resumes, disconnects,
 * the resume window, ending, and the action queue. Client messages are in
 * meeting_input.c, outgoing JSON in meeting_msg.c.
 *
 * Operations that may be refused (joins, resumes, client messages) run as a
 * transaction: the seats are snapshotted and the queue position remembered,
 * and if anything fails half-way (out of memory) both are put back, so a
 * refused operation changes nothing. Facts (a connection closed, time passed,
 * the meeting was ended from outside) cannot be refused: they always change
 * the state and queue what they can. */
#define LOG_MODULE "meeting"

#include "signaling/meeting.h"
#include "signaling/meeting_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"

#define DEFAULT_MAX_PARTICIPANTS 8u
#define DEFAULT_RESUME_WINDOW_MS 60000
#define QUEUE_INITIAL 256
/* Facts may queue CLOSE/AUDIT/ENDED past MEETING_ACTIONS_MAX (they cannot be
 * refused); they are bounded by the seats, so this is never reached. */
#define QUEUE_HARD_MAX (MEETING_ACTIONS_MAX + 2 * MEETING_OP_RESERVE)

/* ---- action queue ---- */

size_t meeting_queued(const struct meeting *m)
{
    return m->q_len - m->q_head;
}

/* Makes room for `extra` more actions without allocating on push. */
static int queue_reserve(struct meeting *m, size_t extra)
{
    size_t count = meeting_queued(m);
    if (m->q_len + extra <= m->q_cap)
        return 0;
    if (m->q_head > 0) {
        memmove(m->q, m->q + m->q_head, count * sizeof *m->q);
        m->q_head = 0;
        m->q_len = count;
        if (count + extra <= m->q_cap)
            return 0;
    }
    size_t want = count + extra;
    if (want > QUEUE_HARD_MAX)
        want = QUEUE_HARD_MAX;
    if (want <= m->q_cap)
        return ERR_FULL;
    size_t cap = m->q_cap ? m->q_cap : QUEUE_INITIAL;
    while (cap < want)
        cap *= 2;
    if (cap > QUEUE_HARD_MAX)
        cap = QUEUE_HARD_MAX;
    struct meeting_action *q = realloc(m->q, cap * sizeof *q);
    if (!q)
        return ERR_NOMEM;
    m->q = q;
    m->q_cap = cap;
    return 0;
}

/* Takes ownership of a->msg, also on failure. */
static int queue_push(struct meeting *m, const struct meeting_action *a)
{
    size_t count = meeting_queued(m);
    int rc = 0;
    if ((a->kind == MEETING_ACT_SEND && count >= MEETING_ACTIONS_MAX) || count >= QUEUE_HARD_MAX) {
        rc = ERR_FULL;
        goto fail;
    }
    if (m->q_len == m->q_cap && (rc = queue_reserve(m, 1)) != 0)
        goto fail;
    m->q[m->q_len++] = *a;
    return 0;
fail:
    /* A dropped SEND is only possible for facts past the limit (a later
     * roster supersedes it); a dropped CLOSE/AUDIT/ENDED would be a bug. */
    if (a->kind != MEETING_ACT_SEND)
        LOG_E("meeting %lld: could not queue action %d: %s", (long long)m->id, (int)a->kind,
              err_str(rc));
    json_decref(a->msg);
    return rc;
}

/* Drops queued actions back to `mark` (from the tail). */
static void queue_truncate(struct meeting *m, size_t mark)
{
    while (meeting_queued(m) > mark) {
        m->q_len--;
        json_decref(m->q[m->q_len].msg);
    }
    if (m->q_len == m->q_head)
        m->q_head = m->q_len = 0;
}

bool meeting_poll(struct meeting *m, struct meeting_action *out)
{
    if (!m || !out || meeting_queued(m) == 0)
        return false;
    *out = m->q[m->q_head++];
    if (m->q_head == m->q_len)
        m->q_head = m->q_len = 0;
    return true;
}

int meeting_send(struct meeting *m, const struct meeting_participant *p, json_t *msg)
{
    if (!msg)
        return ERR_NOMEM;
    if (!p->connected) { /* a seat waiting for a resume gets nothing */
        json_decref(msg);
        return 0;
    }
    struct meeting_action a = {.kind = MEETING_ACT_SEND, .pid = p->id, .msg = msg};
    return queue_push(m, &a);
}

int meeting_close(struct meeting *m, uint32_t pid)
{
    struct meeting_action a = {.kind = MEETING_ACT_CLOSE, .pid = pid};
    return queue_push(m, &a);
}

static void copy_str(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

int meeting_audit(struct meeting *m, int64_t now_ms, const char *kind,
                  const struct meeting_participant *who, const char *detail,
                  const struct meeting_participant *by)
{
    struct meeting_action a = {.kind = MEETING_ACT_AUDIT};
    a.pid = who ? who->id : 0;
    a.invitation_id = who ? who->invitation_id : 0;
    a.audit.meeting_id = m->id;
    a.audit.at = now_ms;
    copy_str(a.audit.kind, sizeof a.audit.kind, kind);
    if (who) {
        a.audit.has_role = true;
        a.audit.role = who->role;
        copy_str(a.audit.display_name, sizeof a.audit.display_name, who->name);
    }
    if (by)
        snprintf(a.audit.detail, sizeof a.audit.detail, "by %s", by->name);
    else
        copy_str(a.audit.detail, sizeof a.audit.detail, detail ? detail : "");
    if (who && who->phone) { /* the audit log says who was on the phone */
        size_t len = strlen(a.audit.detail);
        snprintf(a.audit.detail + len, sizeof a.audit.detail - len, "%sphone", len ? "; " : "");
    }
    return queue_push(m, &a);
}

int meeting_persist_lock(struct meeting *m)
{
    struct meeting_action a = {.kind = MEETING_ACT_LOCKED, .locked = m->core.locked};
    a.audit.meeting_id = m->id;
    return queue_push(m, &a);
}

/* ---- transactions ---- */

int meeting_txn_begin(struct meeting *m)
{
    int rc = queue_reserve(m, MEETING_OP_RESERVE);
    if (rc)
        return rc;
    m->saved = m->core;
    m->txn_mark = meeting_queued(m);
    return 0;
}

void meeting_txn_abort(struct meeting *m)
{
    m->core = m->saved;
    queue_truncate(m, m->txn_mark);
    json_decref(m->pending_chat);
    m->pending_chat = NULL;
}

static void history_push(struct meeting *m, json_t *chat /* takes ownership */)
{
    if (m->hist_len < MEETING_CHAT_HISTORY) {
        m->history[(m->hist_start + m->hist_len) % MEETING_CHAT_HISTORY] = chat;
        m->hist_len++;
        return;
    }
    json_decref(m->history[m->hist_start]);
    m->history[m->hist_start] = chat;
    m->hist_start = (m->hist_start + 1) % MEETING_CHAT_HISTORY;
}

void meeting_txn_commit(struct meeting *m)
{
    if (m->pending_chat) {
        history_push(m, m->pending_chat);
        m->pending_chat = NULL;
    }
}

/* ---- seats ---- */

struct meeting_participant *meeting_find(struct meeting *m, uint32_t pid)
{
    for (size_t i = 0; i < m->core.n; i++) {
        if (m->core.p[i].id == pid)
            return &m->core.p[i];
    }
    return NULL;
}

bool meeting_guest_visible(const struct meeting_participant *p)
{
    return p->state != PSTATE_LOBBY;
}

size_t meeting_admitted_count(const struct meeting *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->core.n; i++)
        n += meeting_guest_visible(&m->core.p[i]);
    return n;
}

void meeting_remove_seat(struct meeting *m, size_t i)
{
    struct meeting_core *c = &m->core;
    memmove(&c->p[i], &c->p[i + 1], (c->n - i - 1) * sizeof c->p[0]);
    c->n--;
    memset(&c->p[c->n], 0, sizeof c->p[0]);
}

int meeting_broadcast_roster(struct meeting *m, bool guests_too)
{
    json_t *host_view = NULL, *guest_view = NULL;
    int rc = 0;
    for (size_t i = 0; i < m->core.n; i++) {
        const struct meeting_participant *p = &m->core.p[i];
        if (p->state != PSTATE_ADMITTED || !p->connected || (!p->is_host && !guests_too))
            continue;
        json_t **view = p->is_host ? &host_view : &guest_view;
        if (!*view && !(*view = meeting_msg_roster(m, p->is_host))) {
            rc = ERR_NOMEM;
            goto out;
        }
        if ((rc = meeting_send(m, p, json_incref(*view))) != 0)
            goto out;
    }
out:
    json_decref(host_view);
    json_decref(guest_view);
    return rc;
}

int meeting_send_admitted(struct meeting *m, const struct meeting_participant *p)
{
    json_t *history = NULL;
    int rc = meeting_send(m, p, meeting_msg_type("admitted"));
    if (rc)
        return rc;
    if ((rc = meeting_msg_chat_history(m, &history)) != 0)
        return rc;
    return history ? meeting_send(m, p, history) : 0;
}

/* Constant-time equality of a candidate secret (zero padded to the maximum)
 * against a seat's secret: the time does not depend on where they differ. */
static bool secret_equal(const struct meeting_participant *p, const char *padded, size_t len)
{
    volatile unsigned char diff = (unsigned char)(p->secret_len != len);
    for (size_t i = 0; i < MEETING_RESUME_SECRET_MAX; i++)
        diff |= (unsigned char)(p->secret[i] ^ padded[i]);
    return diff == 0;
}

/* Index of the seat with this secret or -1. Looks at every seat. */
static long find_by_secret(const struct meeting *m, const char *secret)
{
    char padded[MEETING_RESUME_SECRET_MAX] = {0};
    size_t len = strnlen(secret, MEETING_RESUME_SECRET_MAX + 1);
    long found = -1;
    if (len == 0 || len > MEETING_RESUME_SECRET_MAX)
        return -1;
    memcpy(padded, secret, len);
    for (size_t i = 0; i < m->core.n; i++) {
        if (secret_equal(&m->core.p[i], padded, len))
            found = (long)i;
    }
    return found;
}

/* A resume secret is made by the caller: 1..MEETING_RESUME_SECRET_MAX
 * printable ASCII characters (it is sent back in a JSON string). */
static int secret_check(const char *secret)
{
    if (!secret)
        return ERR_INVAL;
    size_t len = strnlen(secret, MEETING_RESUME_SECRET_MAX + 1);
    if (len == 0 || len > MEETING_RESUME_SECRET_MAX)
        return ERR_INVAL;
    for (size_t i = 0; i < len; i++) {
        if (secret[i] < 0x21 || secret[i] > 0x7e)
            return ERR_INVAL;
    }
    return 0;
}

static int64_t seat_deadline(const struct meeting *m, const struct meeting_participant *p)
{
    if (p->disconnected_at > INT64_MAX - m->resume_window_ms)
        return INT64_MAX;
    return p->disconnected_at + m->resume_window_ms;
}

/* Drops seats whose resume window has passed (a fact). */
static void expire(struct meeting *m, int64_t now_ms)
{
    bool any = false, guests = false;
    if (m->core.ended)
        return;
    (void)queue_reserve(m, MEETING_OP_RESERVE);
    for (size_t i = 0; i < m->core.n;) {
        struct meeting_participant gone = m->core.p[i];
        if (gone.connected || seat_deadline(m, &gone) > now_ms) {
            i++;
            continue;
        }
        meeting_remove_seat(m, i);
        any = true;
        guests |= meeting_guest_visible(&gone);
        LOG_I("meeting %lld: participant %u's resume window passed", (long long)m->id,
              (unsigned)gone.id);
        (void)meeting_close(m, gone.id);
        (void)meeting_audit(m, now_ms, "leave", &gone, "connection lost", NULL);
    }
    if (any && meeting_broadcast_roster(m, guests))
        LOG_W("meeting %lld: no memory for a roster update", (long long)m->id);
}

/* ---- lifecycle ---- */

int meeting_create(struct meeting **out, const struct meeting_cfg *cfg)
{
    struct meeting *m = NULL;
    const char *title;
    size_t title_len;
    if (!out || !cfg)
        return ERR_INVAL;
    *out = NULL;
    title = cfg->title ? cfg->title : "";
    title_len = strnlen(title, STORE_TITLE_MAX + 1);
    if (title_len > STORE_TITLE_MAX || cfg->max_participants > MEETING_PARTICIPANTS_LIMIT ||
        cfg->resume_window_ms < 0)
        return ERR_INVAL;
    {
        /* The title is ours (from the store), but it goes into JSON strings. */
        json_t *probe = json_stringn(title, title_len);
        if (!probe)
            return ERR_INVAL;
        json_decref(probe);
    }
    m = calloc(1, sizeof *m);
    if (!m)
        return ERR_NOMEM;
    m->id = cfg->id;
    memcpy(m->title, title, title_len);
    m->max_participants = cfg->max_participants ? cfg->max_participants : DEFAULT_MAX_PARTICIPANTS;
    m->resume_window_ms = cfg->resume_window_ms ? cfg->resume_window_ms : DEFAULT_RESUME_WINDOW_MS;
    m->core.next_pid = 1;
    m->core.next_chat_id = 1;
    m->core.locked = cfg->locked;
    if (queue_reserve(m, QUEUE_INITIAL)) {
        free(m);
        return ERR_NOMEM;
    }
    *out = m;
    return 0;
}

void meeting_destroy(struct meeting *m)
{
    if (!m)
        return;
    queue_truncate(m, 0);
    free(m->q);
    for (size_t i = 0; i < m->hist_len; i++)
        json_decref(m->history[(m->hist_start + i) % MEETING_CHAT_HISTORY]);
    json_decref(m->pending_chat);
    free(m);
}

int meeting_join(struct meeting *m, int64_t now_ms, const struct meeting_join *req,
                 uint32_t *pid_out)
{
    char name[MEETING_NAME_MAX + 1];
    struct meeting_participant *p;
    int rc;
    if (!m || !req || !pid_out || (unsigned)req->role >= ROLE_COUNT)
        return ERR_INVAL;
    if (m->core.ended)
        return ERR_EXPIRED;
    if ((rc = secret_check(req->resume_secret)) != 0)
        return rc;
    if (!req->display_name || meeting_name_check(req->display_name, name))
        return ERR_PARSE;
    expire(m, now_ms); /* frees seats whose window passed */
    if (m->core.n >= m->max_participants || m->core.next_pid == 0)
        return ERR_FULL;
    if (m->core.locked && !req->is_host)
        return ERR_PROTO;
    if (find_by_secret(m, req->resume_secret) >= 0)
        return ERR_EXISTS;
    if (meeting_queued(m) + MEETING_OP_RESERVE > MEETING_ACTIONS_MAX)
        return ERR_AGAIN;
    if ((rc = meeting_txn_begin(m)) != 0)
        return rc;

    p = &m->core.p[m->core.n++];
    memset(p, 0, sizeof *p);
    p->id = m->core.next_pid++;
    p->role = req->role;
    p->is_host = req->is_host;
    p->connected = true;
    p->invitation_id = req->invitation_id;
    p->state = (req->is_host || req->auto_admit) ? PSTATE_ADMITTED : PSTATE_LOBBY;
    p->secret_len = strlen(req->resume_secret);
    memcpy(p->secret, req->resume_secret, p->secret_len);
    memcpy(p->name, name, sizeof p->name);
    p->phone = req->phone;
    if (req->phone && phone_number_masked_ok(req->phone_masked))
        copy_str(p->phone_masked, sizeof p->phone_masked, req->phone_masked);

    if ((rc = meeting_send(m, p, meeting_msg_joined(m, p, false))) != 0)
        goto fail;
    if (p->state == PSTATE_LOBBY) {
        rc = meeting_send(
            m, p, meeting_msg_text("lobby", "message", "Waiting for the host to let you in"));
        if (rc || (rc = meeting_broadcast_roster(m, false)) != 0)
            goto fail;
    } else {
        if ((rc = meeting_send_admitted(m, p)) != 0 ||
            (rc = meeting_broadcast_roster(m, true)) != 0)
            goto fail;
    }
    rc = meeting_audit(m, now_ms, "join", p, p->state == PSTATE_LOBBY ? "lobby" : "admitted", NULL);
    if (rc)
        goto fail;
    meeting_txn_commit(m);
    *pid_out = p->id;
    LOG_D("meeting %lld: participant %u joined (%s)", (long long)m->id, (unsigned)p->id,
          participant_state_name(p->state));
    return 0;
fail:
    meeting_txn_abort(m);
    return rc;
}

int meeting_resume(struct meeting *m, int64_t now_ms, const char *secret, uint32_t *pid_out)
{
    struct meeting_participant *p;
    bool was_connected;
    long i;
    int rc;
    if (!m || !secret || !pid_out)
        return ERR_INVAL;
    if (m->core.ended)
        return ERR_NOTFOUND;
    expire(m, now_ms); /* a seat whose window passed is gone, audited */
    if ((i = find_by_secret(m, secret)) < 0)
        return ERR_NOTFOUND;
    if (meeting_queued(m) + MEETING_OP_RESERVE > MEETING_ACTIONS_MAX)
        return ERR_AGAIN;
    if ((rc = meeting_txn_begin(m)) != 0)
        return rc;

    p = &m->core.p[i];
    /* Still connected: the client reconnected before its old connection was
     * noticed as dead. The new connection takes the seat over. */
    was_connected = p->connected;
    p->connected = true;
    if (p->state == PSTATE_RECONNECTING)
        p->state = PSTATE_ADMITTED;

    if ((rc = meeting_send(m, p, meeting_msg_joined(m, p, true))) != 0)
        goto fail;
    if (p->state == PSTATE_LOBBY) {
        rc = meeting_send(
            m, p, meeting_msg_text("lobby", "message", "Waiting for the host to let you in"));
        if (rc || (!was_connected && (rc = meeting_broadcast_roster(m, false)) != 0))
            goto fail;
    } else {
        if ((rc = meeting_send_admitted(m, p)) != 0)
            goto fail;
        if (was_connected)
            rc = meeting_send(m, p, meeting_msg_roster(m, p->is_host));
        else
            rc = meeting_broadcast_roster(m, true);
        if (rc)
            goto fail;
    }
    if ((rc = meeting_audit(m, now_ms, "resume", p, "reconnected", NULL)) != 0)
        goto fail;
    meeting_txn_commit(m);
    *pid_out = p->id;
    return 0;
fail:
    meeting_txn_abort(m);
    return rc;
}

void meeting_disconnected(struct meeting *m, int64_t now_ms, uint32_t pid)
{
    struct meeting_participant *p;
    bool guests;
    if (!m || !(p = meeting_find(m, pid)) || !p->connected)
        return;
    p->connected = false;
    p->disconnected_at = now_ms;
    /* The media went with the connection; the raised hand stays. */
    p->mic = p->camera = p->screen = false;
    guests = meeting_guest_visible(p);
    if (p->state == PSTATE_ADMITTED)
        p->state = PSTATE_RECONNECTING;
    (void)queue_reserve(m, MEETING_OP_RESERVE);
    if (meeting_broadcast_roster(m, guests))
        LOG_W("meeting %lld: no memory for a roster update", (long long)m->id);
}

int meeting_end_core(struct meeting *m, int64_t now_ms, const char *reason,
                     const struct meeting_participant *host, bool strict)
{
    struct meeting_participant by = {0};
    json_t *msg = meeting_msg_text("meeting_ended", "reason", reason);
    int rc = 0;
    if (!msg && strict)
        return ERR_NOMEM;
    if (host)
        by = *host; /* the seats are cleared below */
    for (size_t i = 0; i < m->core.n; i++) {
        const struct meeting_participant *p = &m->core.p[i];
        if (msg && (rc = meeting_send(m, p, json_incref(msg))) != 0 && strict)
            goto out;
        if ((rc = meeting_close(m, p->id)) != 0 && strict)
            goto out;
    }
    m->core.ended = true;
    m->core.locked = false;
    while (m->core.n > 0)
        meeting_remove_seat(m, m->core.n - 1);
    if ((rc = meeting_audit(m, now_ms, "end", host ? &by : NULL, reason, NULL)) != 0 && strict)
        goto out;
    {
        struct meeting_action a = {.kind = MEETING_ACT_ENDED};
        a.audit.meeting_id = m->id;
        a.audit.at = now_ms;
        rc = queue_push(m, &a);
    }
out:
    json_decref(msg);
    return strict ? rc : 0;
}

void meeting_end(struct meeting *m, int64_t now_ms, const char *reason)
{
    if (!m || m->core.ended)
        return;
    if (!reason)
        reason = "shutdown";
    (void)queue_reserve(m, MEETING_OP_RESERVE);
    (void)meeting_end_core(m, now_ms, reason, NULL, false);
    LOG_I("meeting %lld ended (%s)", (long long)m->id, reason);
}

void meeting_timeout(struct meeting *m, int64_t now_ms)
{
    if (m)
        expire(m, now_ms);
}

int64_t meeting_next_deadline(const struct meeting *m)
{
    int64_t next = INT64_MAX;
    if (!m || m->core.ended)
        return next;
    for (size_t i = 0; i < m->core.n; i++) {
        const struct meeting_participant *p = &m->core.p[i];
        if (!p->connected) {
            int64_t d = seat_deadline(m, p);
            if (d < next)
                next = d;
        }
    }
    return next;
}

bool meeting_is_ended(const struct meeting *m)
{
    return m && m->core.ended;
}

bool meeting_is_empty(const struct meeting *m)
{
    return !m || m->core.n == 0;
}

int64_t meeting_id(const struct meeting *m)
{
    return m ? m->id : 0;
}

bool meeting_is_admitted(const struct meeting *m, uint32_t pid)
{
    for (size_t i = 0; m && i < m->core.n; i++)
        if (m->core.p[i].id == pid)
            return m->core.p[i].state != PSTATE_LOBBY;
    return false;
}

bool meeting_is_host(const struct meeting *m, uint32_t pid)
{
    for (size_t i = 0; m && i < m->core.n; i++)
        if (m->core.p[i].id == pid)
            return m->core.p[i].is_host;
    return false;
}

int meeting_find_secret(const struct meeting *m, const char *secret, uint32_t *pid_out)
{
    long i;
    if (!m || !secret || !pid_out || m->core.ended || secret_check(secret) != 0)
        return ERR_NOTFOUND;
    if ((i = find_by_secret(m, secret)) < 0)
        return ERR_NOTFOUND;
    *pid_out = m->core.p[i].id;
    return 0;
}

bool meeting_may_share_screen(const struct meeting *m, uint32_t pid)
{
    for (size_t i = 0; m && i < m->core.n; i++)
        if (m->core.p[i].id == pid)
            return m->core.p[i].is_host || m->core.screen_share_open;
    return false;
}

void meeting_count_states(const struct meeting *m, unsigned counts[PSTATE_COUNT])
{
    if (!m || !counts)
        return;
    for (size_t i = 0; i < m->core.n; i++)
        counts[m->core.p[i].state]++;
}
