/* A caseworker's short text to someone waiting in the lobby (meeting.h):
 * from the meeting page by link (meeting_lobby_message) or from a host in
 * the room by participant (meeting_input's "lobby_message"). Both check the
 * text and deliver it here. */
#include "signaling/meeting.h"
#include "signaling/meeting_int.h"
#include "base/err.h"

#include <string.h>

/* UTF-8 takes at most 4 bytes per character. */
#define LOBBY_TEXT_BYTES_MAX (4 * MEETING_LOBBY_TEXT_MAX)

int meeting_lobby_text_check(const char *text, size_t *len_out)
{
    bool blank;
    size_t chars;
    size_t len = strnlen(text, LOBBY_TEXT_BYTES_MAX + 1);
    *len_out = 0;
    if (len == 0 || len > LOBBY_TEXT_BYTES_MAX || !meeting_text_ok(text, len, &blank, &chars) ||
        blank || chars > MEETING_LOBBY_TEXT_MAX)
        return ERR_PARSE;
    *len_out = len;
    return 0;
}

int meeting_lobby_deliver(struct meeting *m, int64_t now_ms, const struct meeting_participant *to,
                          const char *text, size_t len, const struct meeting_participant *by)
{
    int rc;
    json_t *msg = json_pack("{s:s, s:s%, s:I}", "type", "lobby_message", "text", text, len, "at",
                            (json_int_t)now_ms);
    if ((rc = meeting_send(m, to, msg)) != 0)
        return rc;
    return meeting_audit(m, now_ms, "lobby_message", to, NULL, by);
}

int meeting_lobby_message(struct meeting *m, int64_t now_ms, int64_t invitation_id,
                          const char *text, const char *from_name, unsigned *n_out)
{
    size_t len;
    unsigned n = 0;
    int rc = 0;
    *n_out = 0;
    if (!m || !text || !from_name)
        return ERR_INVAL;
    if ((rc = meeting_lobby_text_check(text, &len)) != 0)
        return rc;
    if (m->core.ended)
        return ERR_EXPIRED;
    if (meeting_queued(m) + MEETING_OP_RESERVE > MEETING_ACTIONS_MAX)
        return ERR_AGAIN;
    if ((rc = meeting_txn_begin(m)) != 0)
        return rc;
    struct meeting_participant by;
    memset(&by, 0, sizeof by);
    size_t nlen = strnlen(from_name, MEETING_NAME_MAX);
    memcpy(by.name, from_name, nlen);
    for (size_t i = 0; i < m->core.n; i++) {
        const struct meeting_participant *p = &m->core.p[i];
        if (p->invitation_id != invitation_id || p->state != PSTATE_LOBBY || !p->connected)
            continue;
        if ((rc = meeting_lobby_deliver(m, now_ms, p, text, len, &by)) != 0)
            break;
        n++;
    }
    if (rc == 0 && n == 0)
        rc = ERR_NOTFOUND;
    if (rc) {
        meeting_txn_abort(m);
        return rc;
    }
    meeting_txn_commit(m);
    *n_out = n;
    return 0;
}
