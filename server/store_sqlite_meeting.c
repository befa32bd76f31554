/* The SQLite store's meetings, invitations and audit log. */
#define LOG_MODULE "store"
#include "signaling/store.h"
#include "server/store_sqlite_int.h"
#include "base/err.h"
#include "base/log.h"

#include <string.h>

/* Role names are short words; anything longer is not one of ours. */
#define ROLE_TEXT_MAX 32

static int bind_opt_time(sqlite3_stmt *st, int idx, int64_t t)
{
    /* 0 means "not yet" in the structs and NULL in the table, which keeps
     * coalesce() in the revoke/end updates simple. */
    return t ? sqlite3_bind_int64(st, idx, t) : sqlite3_bind_null(st, idx);
}

static int bind_fail(struct store *s, sqlite3_stmt *st, const char *what)
{
    int ret = store_sq_err(s, sqlite3_errcode(s->db), what);
    store_sq_done(st);
    return ret;
}

static int read_role(struct store *s, sqlite3_stmt *st, int col, enum role *out)
{
    char name[ROLE_TEXT_MAX];
    int ret = store_sq_col_text(s, st, col, name, sizeof name);
    if (ret)
        return ret;
    if (role_parse(name, out) != 0) {
        LOG_E("%s: unknown role \"%s\" in the database", s->path, name);
        return ERR_IO;
    }
    return 0;
}

/* ---- meetings ---- */

static int read_meeting(struct store *s, sqlite3_stmt *st, struct store_meeting *m)
{
    memset(m, 0, sizeof *m);
    m->id = sqlite3_column_int64(st, 0);
    m->owner_id = sqlite3_column_int64(st, 1);
    m->planned_start = sqlite3_column_int64(st, 3);
    m->planned_end = sqlite3_column_int64(st, 4);
    m->created_at = sqlite3_column_int64(st, 5);
    m->ended_at = sqlite3_column_int64(st, 6); /* NULL reads as 0 */
    m->locked = sqlite3_column_int(st, 7) != 0;
    return store_sq_col_text(s, st, 2, m->title, sizeof m->title);
}

static int check_invitation(const struct store_invitation *inv, const uint8_t *hash, int *label_len)
{
    if (!inv || !hash)
        return ERR_INVAL;
    if ((unsigned)inv->role >= ROLE_COUNT)
        return ERR_INVAL;
    return store_sq_check_str(inv->label, STORE_LABEL_MAX, 1, label_len);
}

/* Inserts one checked invitation into meeting_id; *id_out is its new id. */
static int insert_invitation(struct store *s, const struct store_invitation *inv,
                             const uint8_t *hash, int label_len, int64_t meeting_id,
                             int64_t *id_out)
{
    sqlite3_stmt *st;
    int ret = store_sq_take(s, SQ_INVITATION_ADD, &st);
    if (ret)
        return ret;
    if (sqlite3_bind_int64(st, 1, meeting_id) != SQLITE_OK ||
        sqlite3_bind_blob(st, 2, hash, STORE_HASH_LEN, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(st, 3, role_name(inv->role), -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int(st, 4, inv->is_host ? 1 : 0) != SQLITE_OK ||
        sqlite3_bind_int(st, 5, inv->auto_admit ? 1 : 0) != SQLITE_OK ||
        sqlite3_bind_text(st, 6, inv->label, label_len, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(st, 7, inv->created_at) != SQLITE_OK ||
        sqlite3_bind_int64(st, 8, inv->expires_at) != SQLITE_OK ||
        bind_opt_time(st, 9, inv->revoked_at) != SQLITE_OK ||
        (inv->has_salt ? sqlite3_bind_blob(st, 10, inv->salt, STORE_SALT_LEN, SQLITE_STATIC)
                       : sqlite3_bind_null(st, 10)) != SQLITE_OK ||
        (inv->has_pin ? sqlite3_bind_blob(st, 11, inv->pin_hash, STORE_HASH_LEN, SQLITE_STATIC)
                      : sqlite3_bind_null(st, 11)) != SQLITE_OK ||
        (inv->has_pin ? sqlite3_bind_int64(st, 12, inv->pin_counter) : sqlite3_bind_null(st, 12)) !=
            SQLITE_OK)
        return bind_fail(s, st, "bind invitation");
    ret = store_sq_exec(s, st, "add invitation");
    if (ret == 0)
        *id_out = sqlite3_last_insert_rowid(s->db);
    return ret;
}

int store_meeting_create(struct store *s, struct store_meeting *m,
                         struct store_invitation *invitations,
                         const uint8_t (*hashes)[STORE_HASH_LEN], size_t n_invitations)
{
    sqlite3_stmt *st;
    int64_t meeting_id = 0;
    int title_len, label_len;
    size_t done = 0;
    if (!m || (n_invitations && (!invitations || !hashes)))
        return ERR_INVAL;
    int ret = store_sq_check_str(m->title, STORE_TITLE_MAX, 1, &title_len);
    if (ret)
        return ret;
    /* Check everything first so a bad invitation never opens a transaction. */
    for (size_t i = 0; i < n_invitations; i++) {
        ret = check_invitation(&invitations[i], hashes[i], &label_len);
        if (ret)
            return ret;
    }
    ret = store_sq_begin(s);
    if (ret)
        return ret;
    ret = store_sq_take(s, SQ_MEETING_ADD, &st);
    if (ret)
        goto out;
    if (sqlite3_bind_int64(st, 1, m->owner_id) != SQLITE_OK ||
        sqlite3_bind_text(st, 2, m->title, title_len, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(st, 3, m->planned_start) != SQLITE_OK ||
        sqlite3_bind_int64(st, 4, m->planned_end) != SQLITE_OK ||
        sqlite3_bind_int64(st, 5, m->created_at) != SQLITE_OK ||
        bind_opt_time(st, 6, m->ended_at) != SQLITE_OK) {
        ret = bind_fail(s, st, "bind meeting");
        goto out;
    }
    ret = store_sq_exec(s, st, "add meeting");
    if (ret)
        goto out;
    meeting_id = sqlite3_last_insert_rowid(s->db);
    for (; done < n_invitations; done++) {
        struct store_invitation *inv = &invitations[done];
        ret = check_invitation(inv, hashes[done], &label_len);
        if (ret == 0)
            ret = insert_invitation(s, inv, hashes[done], label_len, meeting_id, &inv->id);
        if (ret)
            goto out;
        inv->meeting_id = meeting_id;
    }
    ret = store_sq_commit(s);
    if (ret == 0)
        m->id = meeting_id;
out:
    if (ret) {
        store_sq_rollback(s);
        /* Ids from a rolled-back transaction name nothing: don't leave them. */
        for (size_t i = 0; i <= done && i < n_invitations; i++) {
            invitations[i].id = 0;
            invitations[i].meeting_id = 0;
        }
    }
    return ret;
}

int store_meeting_get(struct store *s, int64_t id, struct store_meeting *out)
{
    sqlite3_stmt *st;
    int ret = store_sq_take(s, SQ_MEETING_GET, &st);
    if (ret)
        return ret;
    if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK)
        return bind_fail(s, st, "bind meeting id");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        ret = read_meeting(s, st, out);
    else
        ret = rc == SQLITE_DONE ? ERR_NOTFOUND : store_sq_err(s, rc, "get meeting");
    store_sq_done(st);
    return ret;
}

int store_meeting_list(struct store *s, int64_t owner_id, store_meeting_fn fn, void *arg)
{
    sqlite3_stmt *st;
    int rc;
    int ret = store_sq_take(s, SQ_MEETING_LIST, &st);
    if (ret)
        return ret;
    if (sqlite3_bind_int64(st, 1, owner_id) != SQLITE_OK)
        return bind_fail(s, st, "bind owner id");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_meeting m;
        ret = read_meeting(s, st, &m);
        if (ret == 0)
            ret = fn(arg, &m);
        if (ret)
            goto out;
    }
    if (rc != SQLITE_DONE)
        ret = store_sq_err(s, rc, "list meetings");
out:
    store_sq_done(st);
    return ret;
}

/* Runs an UPDATE/DELETE keyed by ?1 = id (and ?2 = value unless has_val);
 * ERR_NOTFOUND if it matched no row. */
static int exec_on_id(struct store *s, enum store_sq_id sid, int64_t id, bool has_val, int64_t val,
                      const char *what)
{
    sqlite3_stmt *st;
    int ret = store_sq_take(s, sid, &st);
    if (ret)
        return ret;
    if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
        (has_val && sqlite3_bind_int64(st, 2, val) != SQLITE_OK))
        return bind_fail(s, st, what);
    ret = store_sq_exec(s, st, what);
    if (ret == 0 && sqlite3_changes(s->db) == 0)
        ret = ERR_NOTFOUND;
    return ret;
}

/* Ending twice keeps the first time, like revoking. */
int store_meeting_set_ended(struct store *s, int64_t id, int64_t at)
{
    if (at == 0)
        return ERR_INVAL; /* 0 means "not ended" */
    return exec_on_id(s, SQ_MEETING_SET_ENDED, id, true, at, "end meeting");
}

int store_meeting_set_locked(struct store *s, int64_t id, bool locked)
{
    return exec_on_id(s, SQ_MEETING_SET_LOCKED, id, true, locked ? 1 : 0, "lock meeting");
}

int store_meeting_delete(struct store *s, int64_t id)
{
    int ret = store_sq_begin(s);
    if (ret)
        return ret;
    /* The first two may match nothing; only the meeting itself must exist. */
    ret = exec_on_id(s, SQ_MEETING_DEL_AUDIT, id, false, 0, "delete meeting audit");
    if (ret == ERR_NOTFOUND)
        ret = 0;
    if (ret == 0) {
        ret = exec_on_id(s, SQ_MEETING_DEL_INVITATIONS, id, false, 0, "delete invitations");
        if (ret == ERR_NOTFOUND)
            ret = 0;
    }
    if (ret == 0)
        ret = exec_on_id(s, SQ_MEETING_DEL, id, false, 0, "delete meeting");
    if (ret == 0)
        ret = store_sq_commit(s);
    if (ret)
        store_sq_rollback(s);
    return ret;
}

/* ---- invitations ---- */

/* A BLOB column of exactly `len` bytes; NULL only where `nullable`. */
static int read_blob(struct store *s, sqlite3_stmt *st, int col, uint8_t *dst, size_t len,
                     bool nullable, bool *present)
{
    *present = false;
    if (sqlite3_column_type(st, col) == SQLITE_NULL && nullable)
        return 0;
    const void *p = sqlite3_column_blob(st, col);
    if (!p || (size_t)sqlite3_column_bytes(st, col) != len) {
        LOG_E("%s: a damaged value in the invitations table", s->path);
        return ERR_IO;
    }
    memcpy(dst, p, len);
    *present = true;
    return 0;
}

static int read_invitation(struct store *s, sqlite3_stmt *st, struct store_invitation *inv)
{
    memset(inv, 0, sizeof *inv);
    inv->id = sqlite3_column_int64(st, 0);
    inv->meeting_id = sqlite3_column_int64(st, 1);
    inv->is_host = sqlite3_column_int(st, 3) != 0;
    inv->auto_admit = sqlite3_column_int(st, 4) != 0;
    inv->created_at = sqlite3_column_int64(st, 6);
    inv->expires_at = sqlite3_column_int64(st, 7);
    inv->revoked_at = sqlite3_column_int64(st, 8);
    inv->status_at = sqlite3_column_int64(st, 13);
    int ret = read_role(s, st, 2, &inv->role);
    if (ret == 0)
        ret = store_sq_col_text(s, st, 5, inv->label, sizeof inv->label);
    if (ret == 0)
        ret = read_blob(s, st, 9, inv->salt, STORE_SALT_LEN, true, &inv->has_salt);
    bool has_hash;
    if (ret == 0)
        ret = read_blob(s, st, 10, inv->token_hash, STORE_HASH_LEN, false, &has_hash);
    if (ret == 0)
        ret = store_sq_col_text(s, st, 11, inv->status, sizeof inv->status);
    if (ret == 0)
        ret = store_sq_col_text(s, st, 12, inv->status_reason, sizeof inv->status_reason);
    if (ret == 0)
        ret = read_blob(s, st, 14, inv->pin_hash, STORE_HASH_LEN, true, &inv->has_pin);
    if (ret == 0) {
        sqlite3_int64 counter = sqlite3_column_int64(st, 15);
        if (counter < 0 || counter > UINT32_MAX) {
            LOG_E("%s: a damaged PIN counter in the invitations table", s->path);
            return ERR_IO;
        }
        inv->pin_counter = (uint32_t)counter;
    }
    return ret;
}

int store_invitation_add(struct store *s, struct store_invitation *inv,
                         const uint8_t hash[STORE_HASH_LEN])
{
    int label_len;
    int ret = check_invitation(inv, hash, &label_len);
    if (ret)
        return ret;
    return insert_invitation(s, inv, hash, label_len, inv->meeting_id, &inv->id);
}

/* Steps a statement expected to give at most one invitation row. */
static int one_invitation(struct store *s, sqlite3_stmt *st, struct store_invitation *out)
{
    int rc = sqlite3_step(st);
    int ret;
    if (rc == SQLITE_ROW)
        ret = read_invitation(s, st, out);
    else
        ret = rc == SQLITE_DONE ? ERR_NOTFOUND : store_sq_err(s, rc, "get invitation");
    store_sq_done(st);
    return ret;
}

int store_invitation_get(struct store *s, int64_t id, struct store_invitation *out)
{
    sqlite3_stmt *st;
    int ret = store_sq_take(s, SQ_INVITATION_GET, &st);
    if (ret)
        return ret;
    if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK)
        return bind_fail(s, st, "bind invitation id");
    return one_invitation(s, st, out);
}

int store_invitation_find(struct store *s, const uint8_t hash[STORE_HASH_LEN],
                          struct store_invitation *out)
{
    sqlite3_stmt *st;
    if (!hash)
        return ERR_INVAL;
    int ret = store_sq_take(s, SQ_INVITATION_FIND, &st);
    if (ret)
        return ret;
    if (sqlite3_bind_blob(st, 1, hash, STORE_HASH_LEN, SQLITE_STATIC) != SQLITE_OK)
        return bind_fail(s, st, "bind invitation hash");
    return one_invitation(s, st, out);
}

int store_invitation_list(struct store *s, int64_t meeting_id, store_invitation_fn fn, void *arg)
{
    sqlite3_stmt *st;
    int rc;
    int ret = store_sq_take(s, SQ_INVITATION_LIST, &st);
    if (ret)
        return ret;
    if (sqlite3_bind_int64(st, 1, meeting_id) != SQLITE_OK)
        return bind_fail(s, st, "bind meeting id");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_invitation inv;
        ret = read_invitation(s, st, &inv);
        if (ret == 0)
            ret = fn(arg, &inv);
        if (ret)
            goto out;
    }
    if (rc != SQLITE_DONE)
        ret = store_sq_err(s, rc, "list invitations");
out:
    store_sq_done(st);
    return ret;
}

int store_invitation_set_status(struct store *s, int64_t id, const char *status, const char *reason,
                                int64_t at)
{
    sqlite3_stmt *st;
    int status_len, reason_len;
    int ret = store_sq_check_str(status, STORE_STATUS_MAX, 0, &status_len);
    if (ret == 0)
        ret = store_sq_check_str(reason, STORE_REASON_MAX, 1, &reason_len);
    if (ret == 0)
        ret = store_sq_take(s, SQ_INVITATION_SET_STATUS, &st);
    if (ret)
        return ret;
    if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
        sqlite3_bind_text(st, 2, status, status_len, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(st, 3, reason, reason_len, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(st, 4, at) != SQLITE_OK)
        return bind_fail(s, st, "bind invitation status");
    ret = store_sq_exec(s, st, "set invitation status");
    if (ret == 0 && sqlite3_changes(s->db) == 0)
        ret = ERR_NOTFOUND;
    return ret;
}

int store_invitation_close_statuses(struct store *s, int64_t at, size_t *n_out)
{
    sqlite3_stmt *st;
    int ret = store_sq_take(s, SQ_INVITATION_CLOSE_STATUSES, &st);
    if (ret)
        return ret;
    if (sqlite3_bind_int64(st, 1, at) != SQLITE_OK)
        return bind_fail(s, st, "bind restart time");
    ret = store_sq_exec(s, st, "close link statuses");
    if (ret == 0 && n_out)
        *n_out = (size_t)sqlite3_changes(s->db);
    return ret;
}

int store_invitation_find_pin(struct store *s, const uint8_t pin_hash[STORE_HASH_LEN],
                              struct store_invitation *out)
{
    sqlite3_stmt *st;
    if (!pin_hash)
        return ERR_INVAL;
    int ret = store_sq_take(s, SQ_INVITATION_FIND_PIN, &st);
    if (ret)
        return ret;
    if (sqlite3_bind_blob(st, 1, pin_hash, STORE_HASH_LEN, SQLITE_STATIC) != SQLITE_OK)
        return bind_fail(s, st, "bind PIN hash");
    return one_invitation(s, st, out);
}

int store_invitation_set_pin(struct store *s, int64_t id, const uint8_t pin_hash[STORE_HASH_LEN],
                             uint32_t counter)
{
    sqlite3_stmt *st;
    if (!pin_hash)
        return ERR_INVAL;
    int ret = store_sq_take(s, SQ_INVITATION_SET_PIN, &st);
    if (ret)
        return ret;
    if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
        sqlite3_bind_blob(st, 2, pin_hash, STORE_HASH_LEN, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(st, 3, counter) != SQLITE_OK)
        return bind_fail(s, st, "bind PIN");
    ret = store_sq_exec(s, st, "set invitation PIN");
    if (ret == 0 && sqlite3_changes(s->db) == 0)
        ret = ERR_NOTFOUND;
    return ret;
}

int store_invitation_next_without_pin(struct store *s, int64_t after_id,
                                      struct store_invitation *out)
{
    sqlite3_stmt *st;
    int ret = store_sq_take(s, SQ_INVITATION_NEXT_WITHOUT_PIN, &st);
    if (ret)
        return ret;
    if (sqlite3_bind_int64(st, 1, after_id) != SQLITE_OK)
        return bind_fail(s, st, "bind invitation id");
    return one_invitation(s, st, out);
}

int store_invitation_revoke(struct store *s, int64_t id, int64_t at)
{
    if (at == 0)
        return ERR_INVAL; /* 0 means "not revoked" */
    return exec_on_id(s, SQ_INVITATION_REVOKE, id, true, at, "revoke invitation");
}

/* ---- audit log ---- */

int store_audit_add(struct store *s, struct store_audit_event *ev)
{
    sqlite3_stmt *st;
    int kind_len, name_len, detail_len;
    if (!ev)
        return ERR_INVAL;
    if (ev->has_role && (unsigned)ev->role >= ROLE_COUNT)
        return ERR_INVAL;
    int ret = store_sq_check_str(ev->kind, STORE_AUDIT_KIND_MAX, 0, &kind_len);
    if (ret == 0)
        ret = store_sq_check_str(ev->display_name, STORE_NAME_MAX, 1, &name_len);
    if (ret == 0)
        ret = store_sq_check_str(ev->detail, STORE_DETAIL_MAX, 1, &detail_len);
    if (ret == 0)
        ret = store_sq_take(s, SQ_AUDIT_ADD, &st);
    if (ret)
        return ret;
    if (sqlite3_bind_int64(st, 1, ev->meeting_id) != SQLITE_OK ||
        sqlite3_bind_int64(st, 2, ev->at) != SQLITE_OK ||
        sqlite3_bind_text(st, 3, ev->kind, kind_len, SQLITE_STATIC) != SQLITE_OK ||
        (ev->has_role ? sqlite3_bind_text(st, 4, role_name(ev->role), -1, SQLITE_STATIC)
                      : sqlite3_bind_null(st, 4)) != SQLITE_OK ||
        sqlite3_bind_text(st, 5, ev->display_name, name_len, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(st, 6, ev->detail, detail_len, SQLITE_STATIC) != SQLITE_OK)
        return bind_fail(s, st, "bind audit event");
    ret = store_sq_exec(s, st, "add audit event");
    if (ret == 0)
        ev->id = sqlite3_last_insert_rowid(s->db);
    return ret;
}

static int read_audit(struct store *s, sqlite3_stmt *st, struct store_audit_event *ev)
{
    int ret = 0;
    memset(ev, 0, sizeof *ev);
    ev->id = sqlite3_column_int64(st, 0);
    ev->meeting_id = sqlite3_column_int64(st, 1);
    ev->at = sqlite3_column_int64(st, 2);
    ev->has_role = sqlite3_column_type(st, 4) != SQLITE_NULL;
    if (ev->has_role)
        ret = read_role(s, st, 4, &ev->role);
    if (ret == 0)
        ret = store_sq_col_text(s, st, 3, ev->kind, sizeof ev->kind);
    if (ret == 0)
        ret = store_sq_col_text(s, st, 5, ev->display_name, sizeof ev->display_name);
    if (ret == 0)
        ret = store_sq_col_text(s, st, 6, ev->detail, sizeof ev->detail);
    return ret;
}

int store_audit_list(struct store *s, int64_t meeting_id, store_audit_fn fn, void *arg)
{
    sqlite3_stmt *st;
    int rc;
    int ret = store_sq_take(s, SQ_AUDIT_LIST, &st);
    if (ret)
        return ret;
    if (sqlite3_bind_int64(st, 1, meeting_id) != SQLITE_OK)
        return bind_fail(s, st, "bind meeting id");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_audit_event ev;
        ret = read_audit(s, st, &ev);
        if (ret == 0)
            ret = fn(arg, &ev);
        if (ret)
            goto out;
    }
    if (rc != SQLITE_DONE)
        ret = store_sq_err(s, rc, "list audit events");
out:
    store_sq_done(st);
    return ret;
}

int store_audit_close_open(struct store *s, int64_t at, const char *detail, size_t *n_out)
{
    sqlite3_stmt *st;
    int detail_len;
    int ret = store_sq_check_str(detail, STORE_DETAIL_MAX, 1, &detail_len);
    if (ret == 0)
        ret = store_sq_take(s, SQ_AUDIT_CLOSE_OPEN, &st);
    if (ret)
        return ret;
    if (sqlite3_bind_int64(st, 1, at) != SQLITE_OK ||
        sqlite3_bind_text(st, 2, detail, detail_len, SQLITE_STATIC) != SQLITE_OK)
        return bind_fail(s, st, "bind restart time");
    /* One statement: all the leaves or none. */
    ret = store_sq_exec(s, st, "close open seats");
    if (ret == 0 && n_out)
        *n_out = (size_t)sqlite3_changes(s->db);
    return ret;
}
