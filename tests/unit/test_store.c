/* Tests for the SQLite store (server/store_sqlite*.c). Each test gets a fresh
 * database in its own temporary directory. */

#include "store_fixture.h"

/* ---- open, migrations, persistence ---- */

static void test_open_and_migrations(void **state)
{
    struct fixture *f = *state;
    struct stat st;
    assert_int_equal(store_schema_version(f->s), 4);
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600); /* holds password hashes */

    /* Reopening applies nothing twice and keeps the version. */
    reopen(f);
    assert_int_equal(store_schema_version(f->s), 4);
    reopen(f);
    assert_int_equal(store_schema_version(f->s), 4);
    assert_int_equal(store_schema_version(NULL), ERR_INVAL);
    store_close(NULL);
}

static void test_wal_and_close(void **state)
{
    struct fixture *f = *state;
    char wal[160];
    struct stat st;
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    add_user(f->s, "alice");
    assert_int_equal(stat(wal, &st), 0); /* WAL mode: writes go to the -wal file */
    store_close(f->s);
    f->s = NULL;
    /* Closing checkpoints: the WAL is gone or empty. */
    assert_true(stat(wal, &st) != 0 || st.st_size == 0);

    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal"); /* persistent */
    sqlite3_finalize(q);
    sqlite3_close(db);
    assert_int_equal(store_open(&f->s, f->path), 0);
}

static void test_persists_across_reopen(void **state)
{
    struct fixture *f = *state;
    int64_t uid = add_user(f->s, "alice");
    uint8_t sh[STORE_HASH_LEN];
    fill_hash(sh, 200);
    assert_int_equal(store_session_add(f->s, sh, uid, 10, 5000), 0);
    int64_t mid = add_meeting(f->s, uid, 1000, 1);
    struct store_audit_event ev = audit(mid, 7, "created");
    assert_int_equal(store_audit_add(f->s, &ev), 0);

    reopen(f);

    struct store_user u;
    assert_int_equal(store_user_get(f->s, uid, &u), 0);
    assert_string_equal(u.username, "alice");
    int64_t got = 0;
    assert_int_equal(store_session_find(f->s, sh, 11, &got), 0);
    assert_int_equal(got, uid);
    struct store_meeting m;
    assert_int_equal(store_meeting_get(f->s, mid, &m), 0);
    assert_string_equal(m.title, "Meeting 1000");
    uint8_t ih[STORE_HASH_LEN];
    fill_hash(ih, 1);
    struct store_invitation inv;
    assert_int_equal(store_invitation_find(f->s, ih, &inv), 0);
    assert_int_equal(inv.meeting_id, mid);
    int n = 0;
    assert_int_equal(store_audit_list(f->s, mid, count_audit, &n), 0);
    assert_int_equal(n, 1);
}

static void test_open_failures(void **state)
{
    struct fixture *f = *state;
    struct store *s = (struct store *)&s; /* must be cleared on failure */
    char p[200];

    /* Missing parent directory: the store does not create it. */
    snprintf(p, sizeof p, "%s/missing/samtale.db", f->dir);
    assert_int_equal(store_open(&s, p), ERR_IO);
    assert_null(s);

    /* A directory where the file should be. */
    snprintf(p, sizeof p, "%s/adir", f->dir);
    assert_int_equal(mkdir(p, 0700), 0);
    assert_int_equal(store_open(&s, p), ERR_IO);
    assert_null(s);

    /* A file that is not a database. */
    snprintf(p, sizeof p, "%s/garbage.db", f->dir);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    for (int i = 0; i < 256; i++)
        fputs("this is not an SQLite database\n", fp);
    fclose(fp);
    assert_int_equal(store_open(&s, p), ERR_IO);
    assert_null(s);

    assert_int_equal(store_open(&s, ""), ERR_INVAL);
    assert_int_equal(store_open(&s, NULL), ERR_INVAL);
    assert_int_equal(store_open(NULL, f->path), ERR_INVAL);
}

static void test_newer_schema_refused(void **state)
{
    struct fixture *f = *state;
    store_close(f->s);
    f->s = NULL;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    struct store *s = NULL;
    assert_int_equal(store_open(&s, f->path), ERR_PROTO);
    assert_null(s);
}

static void test_in_memory(void **state)
{
    (void)state;
    struct store *s = NULL;
    assert_int_equal(store_open(&s, ":memory:"), 0);
    assert_int_equal(store_schema_version(s), 4);
    add_user(s, "alice");
    store_close(s);
}

/* ---- users ---- */

static void test_user_add_get_find(void **state)
{
    struct fixture *f = *state;
    int64_t id = 0;
    assert_int_equal(store_user_add(f->s, "alice", "Alice A.", "scrypt$hash1", 1234, &id), 0);
    assert_int_equal(store_user_add(f->s, "alice", "Other", "scrypt$hash2", 1, NULL), ERR_EXISTS);
    /* Usernames compare exactly (byte-wise). */
    assert_int_equal(store_user_add(f->s, "Alice", "Other", "scrypt$hash2", 1, NULL), 0);

    struct store_user u;
    assert_int_equal(store_user_get(f->s, id, &u), 0);
    assert_int_equal(u.id, id);
    assert_string_equal(u.username, "alice");
    assert_string_equal(u.display_name, "Alice A.");
    assert_int_equal(u.created_at, 1234);
    assert_int_equal(store_user_get(f->s, id + 100, &u), ERR_NOTFOUND);

    char pw[STORE_PWHASH_MAX + 1];
    memset(&u, 0, sizeof u);
    assert_int_equal(store_user_find(f->s, "alice", &u, pw), 0);
    assert_int_equal(u.id, id);
    assert_string_equal(pw, "scrypt$hash1");
    assert_int_equal(store_user_find(f->s, "alice", &u, NULL), 0);
    assert_int_equal(store_user_find(f->s, "nobody", &u, pw), ERR_NOTFOUND);
    assert_int_equal(store_user_find(f->s, "", &u, pw), ERR_NOTFOUND);
    assert_int_equal(store_user_find(f->s, NULL, &u, pw), ERR_INVAL);

    assert_int_equal(store_user_add(f->s, "", "x", "scrypt$x", 1, NULL), ERR_INVAL);
    assert_int_equal(store_user_add(f->s, "bob", "x", "", 1, NULL), ERR_INVAL);
    assert_int_equal(store_user_add(f->s, "bob", NULL, "scrypt$x", 1, NULL), ERR_INVAL);
    assert_int_equal(store_user_add(f->s, "bob", "", "scrypt$x", 1, NULL), 0);
}

struct name_list {
    char names[8][STORE_USERNAME_MAX + 1];
    int n;
    int stop_at; /* return 7 when reaching this many; 0 = never */
};

static int collect_user(void *arg, const struct store_user *u)
{
    struct name_list *l = arg;
    snprintf(l->names[l->n], sizeof l->names[0], "%s", u->username);
    l->n++;
    return l->n == l->stop_at ? 7 : 0;
}

static void test_user_list(void **state)
{
    struct fixture *f = *state;
    struct name_list l = {0};
    assert_int_equal(store_user_list(f->s, collect_user, &l), 0);
    assert_int_equal(l.n, 0);

    add_user(f->s, "carol");
    add_user(f->s, "alice");
    add_user(f->s, "bob");
    assert_int_equal(store_user_list(f->s, collect_user, &l), 0);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.names[0], "alice");
    assert_string_equal(l.names[1], "bob");
    assert_string_equal(l.names[2], "carol");

    /* A non-zero return stops the walk and is passed back. */
    memset(&l, 0, sizeof l);
    l.stop_at = 2;
    assert_int_equal(store_user_list(f->s, collect_user, &l), 7);
    assert_int_equal(l.n, 2);
    /* ...and the statement is usable again afterwards. */
    int n = 0;
    assert_int_equal(store_user_list(f->s, count_user, &n), 0);
    assert_int_equal(n, 3);
}

struct reenter {
    struct store *s;
    int inner_ret;
    int get_ret;
};

static int reenter_cb(void *arg, const struct store_user *u)
{
    struct reenter *r = arg;
    struct store_user other;
    int n = 0;
    r->get_ret = store_user_get(r->s, u->id, &other); /* another statement: fine */
    r->inner_ret = store_user_list(r->s, count_user, &n);
    return 0;
}

static void test_list_reentry_refused(void **state)
{
    struct fixture *f = *state;
    add_user(f->s, "alice");
    struct reenter r = {.s = f->s};
    assert_int_equal(store_user_list(f->s, reenter_cb, &r), 0);
    assert_int_equal(r.get_ret, 0);
    assert_int_equal(r.inner_ret, ERR_INVAL);
}

static void test_user_set_password(void **state)
{
    struct fixture *f = *state;
    int64_t uid = add_user(f->s, "alice");
    int64_t bob = add_user(f->s, "bob");
    char pw[STORE_PWHASH_MAX + 1];
    uint8_t h1[STORE_HASH_LEN] = {1}, h2[STORE_HASH_LEN] = {2};
    assert_int_equal(store_session_add(f->s, h1, uid, 0, 1000), 0);
    assert_int_equal(store_session_add(f->s, h2, bob, 0, 1000), 0);
    assert_int_equal(store_user_set_password(f->s, "alice", "scrypt$new"), 0);
    /* a new password logs alice out everywhere, and only alice */
    assert_int_equal(store_session_find(f->s, h1, 1, NULL), ERR_NOTFOUND);
    assert_int_equal(store_session_find(f->s, h2, 1, NULL), 0);
    assert_int_equal(store_user_find(f->s, "alice", NULL, pw), 0);
    assert_string_equal(pw, "scrypt$new");
    assert_int_equal(store_user_set_password(f->s, "nobody", "scrypt$new"), ERR_NOTFOUND);
    assert_int_equal(store_user_set_password(f->s, "alice", ""), ERR_INVAL);
}

/* ---- sessions ---- */

static void test_sessions(void **state)
{
    struct fixture *f = *state;
    int64_t uid = add_user(f->s, "alice");
    uint8_t a[STORE_HASH_LEN], b[STORE_HASH_LEN], c[STORE_HASH_LEN];
    fill_hash(a, 1);
    fill_hash(b, 2);
    fill_hash(c, 3);
    assert_int_equal(store_session_add(f->s, a, uid, 100, 1000), 0);
    assert_int_equal(store_session_add(f->s, b, uid, 100, 2000), 0);
    assert_int_equal(store_session_add(f->s, a, uid, 100, 1000), ERR_EXISTS);
    assert_int_equal(store_session_add(f->s, c, uid + 50, 100, 1000), ERR_NOTFOUND);

    int64_t got = 0;
    assert_int_equal(store_session_find(f->s, a, 999, &got), 0);
    assert_int_equal(got, uid);
    assert_int_equal(store_session_find(f->s, a, 1000, &got), ERR_EXPIRED);
    assert_int_equal(store_session_find(f->s, a, 5000, &got), ERR_EXPIRED);
    assert_int_equal(store_session_find(f->s, c, 0, &got), ERR_NOTFOUND);

    /* Purge drops exactly the expired ones. */
    assert_int_equal(store_session_purge(f->s, 1500), 0);
    assert_int_equal(store_session_find(f->s, a, 0, &got), ERR_NOTFOUND);
    assert_int_equal(store_session_find(f->s, b, 1500, &got), 0);

    assert_int_equal(store_session_remove(f->s, b), 0);
    assert_int_equal(store_session_find(f->s, b, 0, &got), ERR_NOTFOUND);
    assert_int_equal(store_session_remove(f->s, b), ERR_NOTFOUND);
    assert_int_equal(store_session_find(f->s, NULL, 0, &got), ERR_INVAL);
}

int main(void)
{
    /* Negative tests make the store log errors; keep the output readable. */
    log_set_level(LOG_LEVEL_ERROR);
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_open_and_migrations),
        T(test_wal_and_close),
        T(test_persists_across_reopen),
        T(test_open_failures),
        T(test_newer_schema_refused),
        T(test_in_memory),
        T(test_user_add_get_find),
        T(test_user_list),
        T(test_list_reentry_refused),
        T(test_user_set_password),
        T(test_sessions),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
