/* Schema migrations for the SQLite store. PRAGMA user_version holds the
 * number of steps applied; each step runs in its own transaction together
 * with the version bump, so a crash leaves the file at a whole version.
 * To change the schema, append a step: never edit a step that has shipped. */
#define LOG_MODULE "store"
#include "server/store_sqlite_int.h"
#include "base/err.h"
#include "base/log.h"

#include <stdio.h>

/* STRICT tables make SQLite reject values of the wrong type instead of
 * storing them. AUTOINCREMENT keeps ids from being reused after a delete, so
 * a stale id held by a running meeting or a log line never names a new row.
 * Foreign keys have no ON DELETE CASCADE on purpose: the store deletes
 * children explicitly, and a child table added later without updating the
 * deletes fails loudly instead of losing rows silently. */
static const char *const migrations[] = {
    /* 1: initial schema */
    "CREATE TABLE users ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " username TEXT NOT NULL UNIQUE,"
    " display_name TEXT NOT NULL,"
    " password_hash TEXT NOT NULL,"
    " created_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE sessions ("
    " token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),"
    " user_id INTEGER NOT NULL REFERENCES users(id),"
    " created_at INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    "CREATE INDEX sessions_expiry ON sessions(expires_at);"
    "CREATE TABLE meetings ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " owner_id INTEGER NOT NULL REFERENCES users(id),"
    " title TEXT NOT NULL,"
    " planned_start INTEGER NOT NULL,"
    " planned_end INTEGER NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " ended_at INTEGER"
    ") STRICT;"
    "CREATE INDEX meetings_owner ON meetings(owner_id, planned_start);"
    "CREATE TABLE invitations ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " meeting_id INTEGER NOT NULL REFERENCES meetings(id),"
    " token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
    " role TEXT NOT NULL,"
    " is_host INTEGER NOT NULL CHECK (is_host IN (0, 1)),"
    " auto_admit INTEGER NOT NULL CHECK (auto_admit IN (0, 1)),"
    " label TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL,"
    " revoked_at INTEGER"
    ") STRICT;"
    "CREATE INDEX invitations_meeting ON invitations(meeting_id);"
    "CREATE TABLE audit_events ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " meeting_id INTEGER NOT NULL REFERENCES meetings(id),"
    " at INTEGER NOT NULL,"
    " kind TEXT NOT NULL,"
    " role TEXT,"
    " display_name TEXT NOT NULL,"
    " detail TEXT NOT NULL"
    ") STRICT;"
    "CREATE INDEX audit_meeting ON audit_events(meeting_id, id);",
    /* 2: a host's lock outlives the live meeting (restarts, crashes) */
    "ALTER TABLE meetings ADD COLUMN locked INTEGER NOT NULL DEFAULT 0"
    " CHECK (locked IN (0, 1));",
    /* 3: tokens derived from a server key and a per-invitation salt, so the
     * owner can see links again (NULL: made before, not recoverable); the
     * latest link status per invitation */
    "ALTER TABLE invitations ADD COLUMN salt BLOB CHECK (salt IS NULL OR length(salt) = 32);"
    "ALTER TABLE invitations ADD COLUMN status TEXT;"
    "ALTER TABLE invitations ADD COLUMN status_reason TEXT;"
    "ALTER TABLE invitations ADD COLUMN status_at INTEGER;",
    /* 4: phone PINs: a keyed hash (signaling/pin.h) and its derivation counter
     * (NULL: no PIN yet; older invitations get one at start-up when the
     * link key allows) */
    "ALTER TABLE invitations ADD COLUMN pin_hash BLOB"
    " CHECK (pin_hash IS NULL OR length(pin_hash) = 32);"
    "ALTER TABLE invitations ADD COLUMN pin_counter INTEGER"
    " CHECK (pin_counter IS NULL OR pin_counter BETWEEN 0 AND 4294967295);"
    "CREATE INDEX invitations_pin ON invitations(pin_hash) WHERE pin_hash IS NOT NULL;",
};

#define MIGRATIONS_COUNT ((int)(sizeof migrations / sizeof migrations[0]))

static int exec_sql(struct store *s, const char *sql, const char *what)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : store_sq_err(s, rc, what);
}

static int read_version(struct store *s, int *out)
{
    sqlite3_stmt *st = NULL;
    int ret = 0;
    int rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);
    if (rc != SQLITE_OK) {
        ret = store_sq_err(s, rc, "read schema version");
        goto out;
    }
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        ret = store_sq_err(s, rc, "read schema version");
        goto out;
    }
    *out = sqlite3_column_int(st, 0);
out:
    sqlite3_finalize(st);
    return ret;
}

int store_sq_migrate(struct store *s)
{
    int ret = 0;
    for (;;) {
        int v = 0;
        /* IMMEDIATE takes the write lock before reading the version, so two
         * processes opening a fresh file cannot both apply the same step. */
        ret = exec_sql(s, "BEGIN IMMEDIATE", "begin migration");
        if (ret)
            return ret;
        ret = read_version(s, &v);
        if (ret)
            goto out;
        if (v < 0 || v > MIGRATIONS_COUNT) {
            LOG_E("%s: schema version %d is newer than this program knows (%d)", s->path, v,
                  MIGRATIONS_COUNT);
            ret = ERR_PROTO;
            goto out;
        }
        if (v == MIGRATIONS_COUNT) {
            s->version = v;
            ret = exec_sql(s, "COMMIT", "end migration");
            goto out;
        }
        ret = exec_sql(s, migrations[v], "migration");
        if (ret)
            goto out;
        char bump[48];
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d", v + 1);
        ret = exec_sql(s, bump, "set schema version");
        if (ret)
            goto out;
        ret = exec_sql(s, "COMMIT", "commit migration");
        if (ret)
            goto out;
        LOG_I("%s: schema migrated to version %d", s->path, v + 1);
    }
out:
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return ret;
}
