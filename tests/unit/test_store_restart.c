/* Tests for the SQLite store: what must outlive the process (a host's lock,
 * schema step 2) and the start-up pass that closes the seats the audit log
 * still shows as open (store_audit_close_open). */

#include "store_fixture.h"

#define RESTART_AT 9000

static void add_event(struct store *s, int64_t mid, const char *kind, enum role role,
                      const char *name)
{
    struct store_audit_event ev = audit(mid, 100, kind);
    ev.has_role = true;
    ev.role = role;
    snprintf(ev.display_name, sizeof ev.display_name, "%s", name);
    assert_int_equal(store_audit_add(s, &ev), 0);
}

struct leaves {
    int n;                             /* events of the meeting */
    int leaves;                        /* restart leaves among them */
    char names[8][STORE_NAME_MAX + 1]; /* their display names, in order */
    enum role roles[8];
};

static int collect_leaves(void *arg, const struct store_audit_event *ev)
{
    struct leaves *l = arg;
    l->n++;
    if (strcmp(ev->kind, "leave") == 0 && strcmp(ev->detail, "server restart") == 0) {
        assert_int_equal(ev->at, RESTART_AT);
        assert_true(ev->has_role);
        assert_true(l->leaves < 8);
        snprintf(l->names[l->leaves], sizeof l->names[0], "%s", ev->display_name);
        l->roles[l->leaves++] = ev->role;
    }
    return 0;
}

static struct leaves leaves_of(struct store *s, int64_t mid)
{
    struct leaves l;
    memset(&l, 0, sizeof l);
    assert_int_equal(store_audit_list(s, mid, collect_leaves, &l), 0);
    return l;
}

static void test_lock_persists(void **state)
{
    struct fixture *f = *state;
    int64_t mid = add_meeting(f->s, add_user(f->s, "alice"), 1000, 1);
    struct store_meeting m;
    assert_int_equal(store_meeting_get(f->s, mid, &m), 0);
    assert_false(m.locked);
    assert_int_equal(store_meeting_set_locked(f->s, mid, true), 0);
    reopen(f);
    assert_int_equal(store_meeting_get(f->s, mid, &m), 0);
    assert_true(m.locked);
    assert_int_equal(store_meeting_set_locked(f->s, mid, false), 0);
    assert_int_equal(store_meeting_get(f->s, mid, &m), 0);
    assert_false(m.locked);
    assert_int_equal(store_meeting_set_locked(f->s, mid + 1, true), ERR_NOTFOUND);
}

/* A file written by a version without the lock column gets it, unlocked. */
static void test_migration_adds_lock(void **state)
{
    struct fixture *f = *state;
    int64_t mid = add_meeting(f->s, add_user(f->s, "alice"), 1000, 1);
    store_close(f->s);
    f->s = NULL;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP INDEX invitations_pin;"
                                  "ALTER TABLE invitations DROP COLUMN pin_hash;"
                                  "ALTER TABLE invitations DROP COLUMN pin_counter;"
                                  "ALTER TABLE meetings DROP COLUMN locked;"
                                  "ALTER TABLE invitations DROP COLUMN salt;"
                                  "ALTER TABLE invitations DROP COLUMN status;"
                                  "ALTER TABLE invitations DROP COLUMN status_reason;"
                                  "ALTER TABLE invitations DROP COLUMN status_at;"
                                  "PRAGMA user_version = 1",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_open(&f->s, f->path), 0);
    assert_int_equal(store_schema_version(f->s), 4);
    struct store_meeting m;
    assert_int_equal(store_meeting_get(f->s, mid, &m), 0);
    assert_false(m.locked);
    assert_int_equal(store_meeting_set_locked(f->s, mid, true), 0);
    /* Its invitation predates derived links: no salt, not opened. */
    uint8_t h[STORE_HASH_LEN];
    struct store_invitation inv;
    fill_hash(h, 1);
    assert_int_equal(store_invitation_find(f->s, h, &inv), 0);
    assert_false(inv.has_salt);
    assert_string_equal(inv.status, "");
}

static void test_close_open_seats(void **state)
{
    struct fixture *f = *state;
    int64_t owner = add_user(f->s, "alice");
    int64_t a = add_meeting(f->s, owner, 1000, 1);
    int64_t b = add_meeting(f->s, owner, 2000, 2);
    int64_t c = add_meeting(f->s, owner, 3000, 3);
    size_t n = 99;

    /* a: two citizens called Anna (one left and came back), an a-kasse
     * that left, a lobby guest denied, a resume, a lock. */
    struct store_audit_event created = audit(a, 1, "created");
    assert_int_equal(store_audit_add(f->s, &created), 0);
    add_event(f->s, a, "join", ROLE_CASEWORKER, "Host");
    add_event(f->s, a, "join", ROLE_CITIZEN, "Anna");
    add_event(f->s, a, "join", ROLE_AKASSE, "Bo");
    add_event(f->s, a, "join", ROLE_CITIZEN, "Anna");
    add_event(f->s, a, "leave", ROLE_AKASSE, "Bo");
    add_event(f->s, a, "join", ROLE_EMPLOYER, "Cy");
    add_event(f->s, a, "deny", ROLE_EMPLOYER, "Cy");
    add_event(f->s, a, "resume", ROLE_CITIZEN, "Anna");
    add_event(f->s, a, "lock", ROLE_CASEWORKER, "Host");
    add_event(f->s, a, "leave", ROLE_CASEWORKER, "Host");
    /* b: ended, then someone joined again (a new live meeting). */
    add_event(f->s, b, "join", ROLE_CITIZEN, "Old");
    struct store_audit_event end = audit(b, 200, "end");
    assert_int_equal(store_audit_add(f->s, &end), 0);
    add_event(f->s, b, "join", ROLE_INTERPRETER, "New");
    /* c: removed; nobody left. */
    add_event(f->s, c, "join", ROLE_ADVOCATE, "Dan");
    add_event(f->s, c, "remove", ROLE_ADVOCATE, "Dan");

    assert_int_equal(store_audit_close_open(f->s, RESTART_AT, "server restart", &n), 0);
    assert_int_equal(n, 3);
    struct leaves l = leaves_of(f->s, a);
    assert_int_equal(l.n, 13);
    assert_int_equal(l.leaves, 2);
    assert_string_equal(l.names[0], "Anna");
    assert_string_equal(l.names[1], "Anna");
    assert_int_equal(l.roles[0], ROLE_CITIZEN);
    l = leaves_of(f->s, b);
    assert_int_equal(l.leaves, 1);
    assert_string_equal(l.names[0], "New");
    assert_int_equal(l.roles[0], ROLE_INTERPRETER);
    l = leaves_of(f->s, c);
    assert_int_equal(l.leaves, 0);

    /* Nobody is left open: a second start-up adds nothing. */
    reopen(f);
    assert_int_equal(store_audit_close_open(f->s, RESTART_AT + 1, "server restart", &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_audit_close_open(f->s, RESTART_AT, "server restart", NULL), 0);
    assert_int_equal(store_audit_close_open(f->s, RESTART_AT, NULL, &n), ERR_INVAL);
}

int main(void)
{
    log_set_level(LOG_LEVEL_ERROR);
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_lock_persists),
        T(test_migration_adds_lock),
        T(test_close_open_seats),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
