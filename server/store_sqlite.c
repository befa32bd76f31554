/* The store on SQLite: opening, shared helpers, users and login sessions.
 * Meetings, invitations and the audit log are in store_sqlite_meeting.c,
 * the schema in store_sqlite_migrate.c. */
#define LOG_MODULE "store"
#include "signaling/store.h"
#include "server/store_sqlite_int.h"
#include "base/err.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Long enough to ride out another process's checkpoint or a `samtale user`
 * command, short enough that a stuck lock shows up as an error. */
#define STORE_BUSY_TIMEOUT_MS 5000

#define MEETING_COLS "id, owner_id, title, planned_start, planned_end, created_at, ended_at, locked"
#define INVITATION_COLS                                                                            \
    "id, meeting_id, role, is_host, auto_admit, label, created_at, expires_at, revoked_at,"        \
    " salt, token_hash, coalesce(status, ''), coalesce(status_reason, ''), coalesce(status_at, "   \
    "0),"                                                                                          \
    " pin_hash, coalesce(pin_counter, 0)"
#define LIVE_INVITATION                                                                            \
    "revoked_at IS NULL AND meeting_id IN (SELECT id FROM meetings WHERE ended_at IS NULL)"
#define OWNED_MEETINGS "(SELECT id FROM meetings WHERE owner_id = ?1)"

static const char *const sq_sql[SQ_COUNT] = {
    [SQ_BEGIN] = "BEGIN IMMEDIATE",
    [SQ_COMMIT] = "COMMIT",
    [SQ_ROLLBACK] = "ROLLBACK",

    [SQ_USER_ADD] = "INSERT INTO users (username, display_name, password_hash, created_at)"
                    " VALUES (?1, ?2, ?3, ?4)",
    [SQ_USER_GET] = "SELECT id, username, display_name, created_at FROM users WHERE id = ?1",
    [SQ_USER_FIND] = "SELECT id, username, display_name, created_at, password_hash"
                     " FROM users WHERE username = ?1",
    [SQ_USER_LIST] = "SELECT id, username, display_name, created_at FROM users ORDER BY username",
    [SQ_USER_SET_PASSWORD] = "UPDATE users SET password_hash = ?2 WHERE username = ?1",
    [SQ_USER_ID] = "SELECT id FROM users WHERE username = ?1",
    [SQ_USER_DEL_AUDIT] = "DELETE FROM audit_events WHERE meeting_id IN " OWNED_MEETINGS,
    [SQ_USER_DEL_INVITATIONS] = "DELETE FROM invitations WHERE meeting_id IN " OWNED_MEETINGS,
    [SQ_USER_DEL_MEETINGS] = "DELETE FROM meetings WHERE owner_id = ?1",
    [SQ_USER_DEL_SESSIONS] = "DELETE FROM sessions WHERE user_id = ?1",
    [SQ_USER_END_SESSIONS] =
        "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = ?1)",
    [SQ_USER_DEL] = "DELETE FROM users WHERE id = ?1",

    [SQ_SESSION_ADD] = "INSERT INTO sessions (token_hash, user_id, created_at, expires_at)"
                       " VALUES (?1, ?2, ?3, ?4)",
    [SQ_SESSION_FIND] = "SELECT user_id, expires_at FROM sessions WHERE token_hash = ?1",
    [SQ_SESSION_DEL] = "DELETE FROM sessions WHERE token_hash = ?1",
    [SQ_SESSION_PURGE] = "DELETE FROM sessions WHERE expires_at <= ?1",

    [SQ_MEETING_ADD] = "INSERT INTO meetings (owner_id, title, planned_start, planned_end,"
                       " created_at, ended_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [SQ_MEETING_GET] = "SELECT " MEETING_COLS " FROM meetings WHERE id = ?1",
    [SQ_MEETING_LIST] = "SELECT " MEETING_COLS " FROM meetings WHERE owner_id = ?1"
                        " ORDER BY planned_start DESC, id DESC",
    [SQ_MEETING_SET_ENDED] = "UPDATE meetings SET ended_at = coalesce(ended_at, ?2) WHERE id = ?1",
    [SQ_MEETING_SET_LOCKED] = "UPDATE meetings SET locked = ?2 WHERE id = ?1",
    [SQ_MEETING_DEL_AUDIT] = "DELETE FROM audit_events WHERE meeting_id = ?1",
    [SQ_MEETING_DEL_INVITATIONS] = "DELETE FROM invitations WHERE meeting_id = ?1",
    [SQ_MEETING_DEL] = "DELETE FROM meetings WHERE id = ?1",

    [SQ_INVITATION_ADD] =
        "INSERT INTO invitations (meeting_id, token_hash, role, is_host,"
        " auto_admit, label, created_at, expires_at, revoked_at, salt, pin_hash,"
        " pin_counter) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [SQ_INVITATION_GET] = "SELECT " INVITATION_COLS " FROM invitations WHERE id = ?1",
    [SQ_INVITATION_FIND] = "SELECT " INVITATION_COLS " FROM invitations WHERE token_hash = ?1",
    [SQ_INVITATION_LIST] = "SELECT " INVITATION_COLS " FROM invitations WHERE meeting_id = ?1"
                           " ORDER BY id",
    [SQ_INVITATION_SET_STATUS] = "UPDATE invitations SET status = ?2, status_reason = ?3,"
                                 " status_at = ?4 WHERE id = ?1",
    [SQ_INVITATION_CLOSE_STATUSES] = "UPDATE invitations SET status = 'left', status_reason = '',"
                                     " status_at = ?1 WHERE status IN ('waiting', 'in_meeting')",
    [SQ_INVITATION_REVOKE] = "UPDATE invitations SET revoked_at = coalesce(revoked_at, ?2)"
                             " WHERE id = ?1",
    [SQ_INVITATION_FIND_PIN] = "SELECT " INVITATION_COLS " FROM invitations WHERE pin_hash = ?1"
                               " AND " LIVE_INVITATION " ORDER BY id LIMIT 1",
    [SQ_INVITATION_SET_PIN] =
        "UPDATE invitations SET pin_hash = ?2, pin_counter = ?3 WHERE id = ?1",
    [SQ_INVITATION_NEXT_WITHOUT_PIN] = "SELECT " INVITATION_COLS " FROM invitations WHERE id > ?1"
                                       " AND pin_hash IS NULL AND salt IS NOT NULL"
                                       " AND " LIVE_INVITATION " ORDER BY id LIMIT 1",

    [SQ_AUDIT_ADD] = "INSERT INTO audit_events (meeting_id, at, kind, role, display_name, detail)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [SQ_AUDIT_LIST] = "SELECT id, meeting_id, at, kind, role, display_name, detail"
                      " FROM audit_events WHERE meeting_id = ?1 ORDER BY id",
    /* Seats still open per (meeting, role, name) since the meeting's last
     * end, repeated once per open seat, become leaves in join order. */
    [SQ_AUDIT_CLOSE_OPEN] =
        "WITH RECURSIVE last_end(meeting_id, id) AS ("
        "  SELECT meeting_id, max(id) FROM audit_events WHERE kind = 'end' GROUP BY meeting_id),"
        " open_seats(meeting_id, role, display_name, first_id, n) AS ("
        "  SELECT a.meeting_id, a.role, a.display_name, min(a.id),"
        "   sum(CASE WHEN a.kind = 'join' THEN 1"
        "       WHEN a.kind IN ('leave', 'deny', 'remove') THEN -1 ELSE 0 END) AS open"
        "  FROM audit_events a LEFT JOIN last_end e ON e.meeting_id = a.meeting_id"
        "  WHERE a.role IS NOT NULL AND a.id > coalesce(e.id, 0)"
        "  GROUP BY a.meeting_id, a.role, a.display_name HAVING open > 0"
        "  UNION ALL"
        "  SELECT meeting_id, role, display_name, first_id, n - 1 FROM open_seats WHERE n > 1)"
        " INSERT INTO audit_events (meeting_id, at, kind, role, display_name, detail)"
        " SELECT meeting_id, ?1, 'leave', role, display_name, ?2 FROM open_seats"
        " ORDER BY meeting_id, first_id",
};

/* ---- helpers shared with store_sqlite_meeting.c ---- */

int store_sq_take(struct store *s, enum store_sq_id id, sqlite3_stmt **out)
{
    sqlite3_stmt *st = s->st[id];
    if (sqlite3_stmt_busy(st)) {
        LOG_E("%s: statement %d re-entered from a list callback", s->path, (int)id);
        return ERR_INVAL;
    }
    *out = st;
    return 0;
}

void store_sq_done(sqlite3_stmt *st)
{
    /* reset's return repeats the last step's error, already handled. */
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

int store_sq_err(struct store *s, int rc, const char *what)
{
    switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return ERR_EXISTS;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        /* Inserts only: the referenced user or meeting does not exist. */
        return ERR_NOTFOUND;
    default:
        break;
    }
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        LOG_W("%s: %s: database busy", s->path, what);
        return ERR_AGAIN;
    case SQLITE_NOMEM:
        return ERR_NOMEM;
    case SQLITE_TOOBIG:
        return ERR_TOOBIG;
    case SQLITE_CONSTRAINT:
        /* Inputs are checked before binding, so this is our bug. */
        LOG_E("%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
        return ERR_INVAL;
    default:
        LOG_E("%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
        return ERR_IO;
    }
}

int store_sq_exec(struct store *s, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    store_sq_done(st);
    return rc == SQLITE_DONE ? 0 : store_sq_err(s, rc, what);
}

static int exec_id(struct store *s, enum store_sq_id id, const char *what)
{
    sqlite3_stmt *st;
    int ret = store_sq_take(s, id, &st);
    return ret ? ret : store_sq_exec(s, st, what);
}

int store_sq_begin(struct store *s)
{
    return exec_id(s, SQ_BEGIN, "begin");
}

int store_sq_commit(struct store *s)
{
    return exec_id(s, SQ_COMMIT, "commit");
}

void store_sq_rollback(struct store *s)
{
    /* Some errors (I/O, full disk) already rolled the transaction back. */
    if (!sqlite3_get_autocommit(s->db))
        exec_id(s, SQ_ROLLBACK, "rollback");
}

int store_sq_check_str(const char *str, size_t max, int allow_empty, int *len_out)
{
    if (!str)
        return ERR_INVAL;
    size_t n = strnlen(str, max + 1);
    if (n > max)
        return ERR_TOOBIG;
    if (n == 0 && !allow_empty)
        return ERR_INVAL;
    *len_out = (int)n;
    return 0;
}

int store_sq_col_text(struct store *s, sqlite3_stmt *st, int col, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    int n = sqlite3_column_bytes(st, col);
    if (!t) {
        if (sqlite3_errcode(s->db) == SQLITE_NOMEM)
            return ERR_NOMEM;
        LOG_E("%s: unexpected NULL in column %s", s->path, sqlite3_column_name(st, col));
        return ERR_IO;
    }
    if (n < 0 || (size_t)n >= cap || memchr(t, '\0', (size_t)n)) {
        LOG_E("%s: value in column %s does not fit", s->path, sqlite3_column_name(st, col));
        return ERR_IO;
    }
    memcpy(dst, t, (size_t)n);
    dst[n] = '\0';
    return 0;
}

/* ---- open and close ---- */

/* The file holds password hashes: create it owner-only. SQLite gives the
 * -wal and -shm files the main file's mode, so this covers them too. */
static int create_private(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        char buf[128];
        LOG_E("cannot open store %s: %s", path, strerror_r(errno, buf, sizeof buf));
        return ERR_IO;
    }
    close(fd);
    return 0;
}

static int pragma_text(struct store *s, const char *sql, char *out, size_t cap)
{
    sqlite3_stmt *st = NULL;
    int ret = 0;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        ret = store_sq_err(s, rc, sql);
        goto out;
    }
    ret = store_sq_col_text(s, st, 0, out, cap);
out:
    sqlite3_finalize(st);
    return ret;
}

static int configure(struct store *s, bool in_memory)
{
    char val[16];
    int ret;
    int rc = sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
    if (rc != SQLITE_OK)
        return store_sq_err(s, rc, "busy_timeout");
    /* WAL lets readers (e.g. `samtale user list`) run while the server writes. */
    ret = pragma_text(s, "PRAGMA journal_mode = WAL", val, sizeof val);
    if (ret)
        return ret;
    if (strcmp(val, "wal") != 0 && !(in_memory && strcmp(val, "memory") == 0)) {
        LOG_E("%s: cannot use WAL journal (got %s)", s->path, val);
        return ERR_IO;
    }
    /* Off by default in SQLite and per connection; read back because a
     * build without foreign key support ignores the pragma silently. */
    rc = sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return store_sq_err(s, rc, "foreign_keys");
    ret = pragma_text(s, "PRAGMA foreign_keys", val, sizeof val);
    if (ret)
        return ret;
    if (strcmp(val, "1") != 0) {
        LOG_E("%s: foreign keys unavailable", s->path);
        return ERR_IO;
    }
    return 0;
}

int store_open(struct store **out, const char *path)
{
    struct store *s = NULL;
    int ret = 0;
    if (!out || !path || !*path)
        return ERR_INVAL;
    *out = NULL;
    bool in_memory = strcmp(path, ":memory:") == 0;

    s = calloc(1, sizeof *s);
    if (!s)
        return ERR_NOMEM;
    s->path = strdup(path);
    if (!s->path) {
        ret = ERR_NOMEM;
        goto out;
    }
    if (!in_memory) {
        ret = create_private(path);
        if (ret)
            goto out;
    }
    int rc = sqlite3_open_v2(path, &s->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                                 SQLITE_OPEN_EXRESCODE,
                             NULL);
    if (rc != SQLITE_OK) {
        LOG_E("cannot open store %s: %s", path, s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        ret = ERR_IO;
        goto out;
    }
    ret = configure(s, in_memory);
    if (ret)
        goto out;
    ret = store_sq_migrate(s);
    if (ret)
        goto out;
    for (int i = 0; i < SQ_COUNT; i++) {
        rc = sqlite3_prepare_v3(s->db, sq_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL);
        if (rc != SQLITE_OK) {
            ret = store_sq_err(s, rc, sq_sql[i]);
            goto out;
        }
    }
    s->ready = true;
    *out = s;
    s = NULL;
out:
    if (ret && s && s->db)
        LOG_E("cannot open store %s: %s", path, err_str(ret));
    store_close(s);
    return ret;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    for (int i = 0; i < SQ_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    if (s->db && s->ready) {
        /* Folds the WAL back into the main file and empties it, so the
         * database is one self-contained file for backups after shutdown. */
        int rc = sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            LOG_W("%s: checkpoint at close: %s", s->path, sqlite3_errmsg(s->db));
    }
    if (s->db) {
        int rc = sqlite3_close(s->db);
        if (rc != SQLITE_OK)
            LOG_E("%s: close: %s", s->path, sqlite3_errstr(rc));
    }
    free(s->path);
    free(s);
}

int store_schema_version(struct store *s)
{
    return s ? s->version : ERR_INVAL;
}

/* ---- users ---- */

/* For lookups by name: a name too long (or empty) to have been stored is
 * simply not there, which is what a login form should hear. */
static int check_lookup_name(const char *username, int *len_out)
{
    if (!username)
        return ERR_INVAL;
    int ret = store_sq_check_str(username, STORE_USERNAME_MAX, 0, len_out);
    return ret ? ERR_NOTFOUND : 0;
}

static int read_user(struct store *s, sqlite3_stmt *st, struct store_user *u)
{
    memset(u, 0, sizeof *u);
    u->id = sqlite3_column_int64(st, 0);
    int ret = store_sq_col_text(s, st, 1, u->username, sizeof u->username);
    if (ret == 0)
        ret = store_sq_col_text(s, st, 2, u->display_name, sizeof u->display_name);
    u->created_at = sqlite3_column_int64(st, 3);
    return ret;
}

int store_user_add(struct store *s, const char *username, const char *display_name,
                   const char *password_hash, int64_t now, int64_t *id_out)
{
    sqlite3_stmt *st;
    int ulen, dlen, plen;
    int ret = store_sq_check_str(username, STORE_USERNAME_MAX, 0, &ulen);
    if (ret == 0)
        ret = store_sq_check_str(display_name, STORE_NAME_MAX, 1, &dlen);
    if (ret == 0)
        ret = store_sq_check_str(password_hash, STORE_PWHASH_MAX, 0, &plen);
    if (ret == 0)
        ret = store_sq_take(s, SQ_USER_ADD, &st);
    if (ret)
        return ret;
    if (sqlite3_bind_text(st, 1, username, ulen, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(st, 2, display_name, dlen, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(st, 3, password_hash, plen, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(st, 4, now) != SQLITE_OK) {
        store_sq_done(st);
        return store_sq_err(s, sqlite3_errcode(s->db), "bind user");
    }
    ret = store_sq_exec(s, st, "add user");
    if (ret == 0 && id_out)
        *id_out = sqlite3_last_insert_rowid(s->db);
    return ret;
}

int store_user_get(struct store *s, int64_t id, struct store_user *out)
{
    sqlite3_stmt *st;
    int ret = store_sq_take(s, SQ_USER_GET, &st);
    if (ret)
        return ret;
    if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK) {
        ret = store_sq_err(s, sqlite3_errcode(s->db), "bind user id");
        goto out;
    }
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        ret = read_user(s, st, out);
    else
        ret = rc == SQLITE_DONE ? ERR_NOTFOUND : store_sq_err(s, rc, "get user");
out:
    store_sq_done(st);
    return ret;
}

int store_user_find(struct store *s, const char *username, struct store_user *out,
                    char pwhash[STORE_PWHASH_MAX + 1])
{
    sqlite3_stmt *st;
    struct store_user u;
    int ulen;
    int ret = check_lookup_name(username, &ulen);
    if (ret == 0)
        ret = store_sq_take(s, SQ_USER_FIND, &st);
    if (ret)
        return ret;
    if (sqlite3_bind_text(st, 1, username, ulen, SQLITE_STATIC) != SQLITE_OK) {
        ret = store_sq_err(s, sqlite3_errcode(s->db), "bind username");
        goto out;
    }
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        ret = rc == SQLITE_DONE ? ERR_NOTFOUND : store_sq_err(s, rc, "find user");
        goto out;
    }
    ret = read_user(s, st, &u);
    if (ret == 0 && pwhash)
        ret = store_sq_col_text(s, st, 4, pwhash, STORE_PWHASH_MAX + 1);
    if (ret == 0 && out)
        *out = u;
out:
    store_sq_done(st);
    return ret;
}

int store_user_list(struct store *s, store_user_fn fn, void *arg)
{
    sqlite3_stmt *st;
    int rc;
    int ret = store_sq_take(s, SQ_USER_LIST, &st);
    if (ret)
        return ret;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_user u;
        ret = read_user(s, st, &u);
        if (ret == 0)
            ret = fn(arg, &u);
        if (ret)
            goto out;
    }
    if (rc != SQLITE_DONE)
        ret = store_sq_err(s, rc, "list users");
out:
    store_sq_done(st);
    return ret;
}

int store_user_set_password(struct store *s, const char *username, const char *password_hash)
{
    sqlite3_stmt *st;
    int ulen, plen;
    int ret = check_lookup_name(username, &ulen);
    if (ret == 0)
        ret = store_sq_check_str(password_hash, STORE_PWHASH_MAX, 0, &plen);
    if (ret == 0)
        ret = store_sq_take(s, SQ_USER_SET_PASSWORD, &st);
    if (ret)
        return ret;
    if (sqlite3_bind_text(st, 1, username, ulen, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(st, 2, password_hash, plen, SQLITE_STATIC) != SQLITE_OK) {
        store_sq_done(st);
        return store_sq_err(s, sqlite3_errcode(s->db), "bind password");
    }
    ret = store_sq_begin(s);
    if (ret) {
        store_sq_done(st);
        return ret;
    }
    ret = store_sq_exec(s, st, "set password");
    if (ret == 0 && sqlite3_changes(s->db) == 0)
        ret = ERR_NOTFOUND;
    /* A new password logs the account out everywhere. */
    if (ret == 0)
        ret = store_sq_take(s, SQ_USER_END_SESSIONS, &st);
    if (ret == 0) {
        if (sqlite3_bind_text(st, 1, username, ulen, SQLITE_STATIC) != SQLITE_OK) {
            store_sq_done(st);
            ret = store_sq_err(s, sqlite3_errcode(s->db), "bind username");
        } else {
            ret = store_sq_exec(s, st, "end sessions");
        }
    }
    if (ret == 0)
        ret = store_sq_commit(s);
    else
        store_sq_rollback(s);
    return ret;
}

static int exec_with_id(struct store *s, enum store_sq_id id, int64_t arg, const char *what)
{
    sqlite3_stmt *st;
    int ret = store_sq_take(s, id, &st);
    if (ret)
        return ret;
    if (sqlite3_bind_int64(st, 1, arg) != SQLITE_OK) {
        store_sq_done(st);
        return store_sq_err(s, sqlite3_errcode(s->db), what);
    }
    return store_sq_exec(s, st, what);
}

int store_user_remove(struct store *s, const char *username)
{
    /* Children before parents, or the foreign keys refuse the delete. */
    static const enum store_sq_id steps[] = {
        SQ_USER_DEL_AUDIT, SQ_USER_DEL_INVITATIONS, SQ_USER_DEL_MEETINGS, SQ_USER_DEL_SESSIONS,
        SQ_USER_DEL,
    };
    sqlite3_stmt *st;
    int64_t id = 0;
    int ulen;
    int ret = check_lookup_name(username, &ulen);
    if (ret)
        return ret;
    ret = store_sq_begin(s);
    if (ret)
        return ret;
    ret = store_sq_take(s, SQ_USER_ID, &st);
    if (ret)
        goto out;
    if (sqlite3_bind_text(st, 1, username, ulen, SQLITE_STATIC) != SQLITE_OK) {
        ret = store_sq_err(s, sqlite3_errcode(s->db), "bind username");
    } else {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            id = sqlite3_column_int64(st, 0);
        else
            ret = rc == SQLITE_DONE ? ERR_NOTFOUND : store_sq_err(s, rc, "find user");
    }
    store_sq_done(st);
    for (size_t i = 0; ret == 0 && i < sizeof steps / sizeof steps[0]; i++)
        ret = exec_with_id(s, steps[i], id, "remove user");
    if (ret == 0)
        ret = store_sq_commit(s);
out:
    if (ret)
        store_sq_rollback(s);
    return ret;
}

/* ---- login sessions ---- */

int store_session_add(struct store *s, const uint8_t hash[STORE_HASH_LEN], int64_t user_id,
                      int64_t now, int64_t expires_at)
{
    sqlite3_stmt *st;
    if (!hash)
        return ERR_INVAL;
    int ret = store_sq_take(s, SQ_SESSION_ADD, &st);
    if (ret)
        return ret;
    if (sqlite3_bind_blob(st, 1, hash, STORE_HASH_LEN, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(st, 2, user_id) != SQLITE_OK ||
        sqlite3_bind_int64(st, 3, now) != SQLITE_OK ||
        sqlite3_bind_int64(st, 4, expires_at) != SQLITE_OK) {
        store_sq_done(st);
        return store_sq_err(s, sqlite3_errcode(s->db), "bind session");
    }
    return store_sq_exec(s, st, "add session");
}

/* A session is valid strictly before expires_at; purge uses the same edge. */
int store_session_find(struct store *s, const uint8_t hash[STORE_HASH_LEN], int64_t now,
                       int64_t *user_id_out)
{
    sqlite3_stmt *st;
    if (!hash)
        return ERR_INVAL;
    int ret = store_sq_take(s, SQ_SESSION_FIND, &st);
    if (ret)
        return ret;
    if (sqlite3_bind_blob(st, 1, hash, STORE_HASH_LEN, SQLITE_STATIC) != SQLITE_OK) {
        ret = store_sq_err(s, sqlite3_errcode(s->db), "bind session");
        goto out;
    }
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        ret = rc == SQLITE_DONE ? ERR_NOTFOUND : store_sq_err(s, rc, "find session");
        goto out;
    }
    if (sqlite3_column_int64(st, 1) <= now) {
        ret = ERR_EXPIRED;
        goto out;
    }
    if (user_id_out)
        *user_id_out = sqlite3_column_int64(st, 0);
out:
    store_sq_done(st);
    return ret;
}

int store_session_remove(struct store *s, const uint8_t hash[STORE_HASH_LEN])
{
    sqlite3_stmt *st;
    if (!hash)
        return ERR_INVAL;
    int ret = store_sq_take(s, SQ_SESSION_DEL, &st);
    if (ret)
        return ret;
    if (sqlite3_bind_blob(st, 1, hash, STORE_HASH_LEN, SQLITE_STATIC) != SQLITE_OK) {
        store_sq_done(st);
        return store_sq_err(s, sqlite3_errcode(s->db), "bind session");
    }
    ret = store_sq_exec(s, st, "remove session");
    if (ret == 0 && sqlite3_changes(s->db) == 0)
        ret = ERR_NOTFOUND;
    return ret;
}

int store_session_purge(struct store *s, int64_t now)
{
    int ret = exec_with_id(s, SQ_SESSION_PURGE, now, "purge sessions");
    if (ret == 0)
        LOG_D("purged %d expired sessions", sqlite3_changes(s->db));
    return ret;
}
