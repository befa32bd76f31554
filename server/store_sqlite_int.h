/* Internals shared by the SQLite store's files (store_sqlite.c,
 * store_sqlite_meeting.c, store_sqlite_migrate.c). Not part of the store
 * interface: nothing outside those files includes this. */
#ifndef SAMTALE_STORE_SQLITE_INT_H
#define SAMTALE_STORE_SQLITE_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "signaling/store.h"

/* Every statement the store runs, prepared once at open. */
enum store_sq_id {
    SQ_BEGIN,
    SQ_COMMIT,
    SQ_ROLLBACK,

    SQ_USER_ADD,
    SQ_USER_GET,
    SQ_USER_FIND,
    SQ_USER_LIST,
    SQ_USER_SET_PASSWORD,
    SQ_USER_ID,
    SQ_USER_DEL_AUDIT,
    SQ_USER_DEL_INVITATIONS,
    SQ_USER_DEL_MEETINGS,
    SQ_USER_DEL_SESSIONS,
    SQ_USER_END_SESSIONS,
    SQ_USER_DEL,

    SQ_SESSION_ADD,
    SQ_SESSION_FIND,
    SQ_SESSION_DEL,
    SQ_SESSION_PURGE,

    SQ_MEETING_ADD,
    SQ_MEETING_GET,
    SQ_MEETING_LIST,
    SQ_MEETING_SET_ENDED,
    SQ_MEETING_SET_LOCKED,
    SQ_MEETING_DEL_AUDIT,
    SQ_MEETING_DEL_INVITATIONS,
    SQ_MEETING_DEL,

    SQ_INVITATION_ADD,
    SQ_INVITATION_GET,
    SQ_INVITATION_FIND,
    SQ_INVITATION_LIST,
    SQ_INVITATION_SET_STATUS,
    SQ_INVITATION_CLOSE_STATUSES,
    SQ_INVITATION_REVOKE,
    SQ_INVITATION_FIND_PIN,
    SQ_INVITATION_SET_PIN,
    SQ_INVITATION_NEXT_WITHOUT_PIN,

    SQ_AUDIT_ADD,
    SQ_AUDIT_LIST,
    SQ_AUDIT_CLOSE_OPEN,

    SQ_COUNT
};

struct store {
    sqlite3 *db;
    char *path; /* for log messages */
    int version;
    bool ready; /* fully opened: migrated and statements prepared */
    sqlite3_stmt *st[SQ_COUNT];
};

/* Hands out a prepared statement. ERR_INVAL if it is mid-iteration, which
 * only happens when a list callback re-enters the store with the same
 * statement: resetting it under the caller would silently end the list. */
int store_sq_take(struct store *s, enum store_sq_id id, sqlite3_stmt **out);
/* Resets and unbinds a statement so it is ready for the next caller. */
void store_sq_done(sqlite3_stmt *st);
/* Maps an SQLite result code to ERR_*, logging the unexpected ones. */
int store_sq_err(struct store *s, int rc, const char *what);
/* Steps a statement that returns no rows and releases it. */
int store_sq_exec(struct store *s, sqlite3_stmt *st, const char *what);

int store_sq_begin(struct store *s);
int store_sq_commit(struct store *s);
/* Safe to call after any failure inside a transaction. */
void store_sq_rollback(struct store *s);

/* 0 if str is non-NULL and at most max bytes (and non-empty when required),
 * ERR_TOOBIG if longer, ERR_INVAL if NULL or empty-but-required. *len_out is
 * its length, for binding. */
int store_sq_check_str(const char *str, size_t max, int allow_empty, int *len_out);
/* Copies a TEXT column into dst[cap]. A value that does not fit, or NULL,
 * means a damaged database: ERR_IO rather than a truncated string. */
int store_sq_col_text(struct store *s, sqlite3_stmt *st, int col, char *dst, size_t cap);

/* Brings the schema to the newest version; sets s->version. */
int store_sq_migrate(struct store *s);

#endif
