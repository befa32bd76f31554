/* Tests for the SQLite store: meetings, invitations, audit, deletion and limits. */

#include "store_fixture.h"

/* ---- meetings and invitations ---- */

static void test_meeting_create_with_invitations(void **state)
{
    struct fixture *f = *state;
    int64_t uid = add_user(f->s, "alice");
    struct store_meeting m = {
        .owner_id = uid, .planned_start = 1000, .planned_end = 2000, .created_at = 900};
    snprintf(m.title, sizeof m.title, "Samtale om job");
    struct store_invitation inv[3] = {
        {.role = ROLE_CASEWORKER,
         .is_host = true,
         .auto_admit = true,
         .label = "Host",
         .created_at = 900,
         .expires_at = 5000},
        {.role = ROLE_CITIZEN, .label = "Borger", .created_at = 900, .expires_at = 5000},
        {.role = ROLE_INTERPRETER,
         .auto_admit = true,
         .label = "Interpreter, Arabic",
         .created_at = 900,
         .expires_at = 6000,
         .revoked_at = 950},
    };
    uint8_t h[3][STORE_HASH_LEN];
    for (uint8_t i = 0; i < 3; i++)
        fill_hash(h[i], (uint8_t)(10 + i));
    assert_int_equal(store_meeting_create(f->s, &m, inv, (const uint8_t(*)[STORE_HASH_LEN])h, 3),
                     0);
    assert_true(m.id > 0);
    for (int i = 0; i < 3; i++) {
        assert_true(inv[i].id > 0);
        assert_int_equal(inv[i].meeting_id, m.id);
    }
    assert_true(inv[0].id < inv[1].id && inv[1].id < inv[2].id);

    struct store_meeting g;
    assert_int_equal(store_meeting_get(f->s, m.id, &g), 0);
    assert_int_equal(g.owner_id, uid);
    assert_string_equal(g.title, "Samtale om job");
    assert_int_equal(g.planned_start, 1000);
    assert_int_equal(g.planned_end, 2000);
    assert_int_equal(g.created_at, 900);
    assert_int_equal(g.ended_at, 0);
    assert_int_equal(store_meeting_get(f->s, m.id + 100, &g), ERR_NOTFOUND);

    for (int i = 0; i < 3; i++) {
        struct store_invitation got;
        assert_int_equal(store_invitation_find(f->s, h[i], &got), 0);
        assert_int_equal(got.id, inv[i].id);
        assert_int_equal(got.meeting_id, m.id);
        assert_int_equal(got.role, inv[i].role);
        assert_int_equal(got.is_host, inv[i].is_host);
        assert_int_equal(got.auto_admit, inv[i].auto_admit);
        assert_string_equal(got.label, inv[i].label);
        assert_int_equal(got.expires_at, inv[i].expires_at);
        assert_int_equal(got.revoked_at, inv[i].revoked_at);
        memset(&got, 0, sizeof got);
        assert_int_equal(store_invitation_get(f->s, inv[i].id, &got), 0);
        assert_string_equal(got.label, inv[i].label);
    }
    int n = 0;
    assert_int_equal(store_invitation_list(f->s, m.id, count_invitation, &n), 0);
    assert_int_equal(n, 3);

    uint8_t unknown[STORE_HASH_LEN];
    fill_hash(unknown, 99);
    struct store_invitation got;
    assert_int_equal(store_invitation_find(f->s, unknown, &got), ERR_NOTFOUND);
    assert_int_equal(store_invitation_get(f->s, 12345, &got), ERR_NOTFOUND);

    /* A meeting without invitations is fine too. */
    struct store_meeting bare = {.owner_id = uid, .title = "Bare"};
    assert_int_equal(store_meeting_create(f->s, &bare, NULL, NULL, 0), 0);
    assert_true(bare.id > m.id);
}

static void test_meeting_create_is_atomic(void **state)
{
    struct fixture *f = *state;
    int64_t uid = add_user(f->s, "alice");
    struct store_meeting m = {.owner_id = uid, .title = "Doomed"};
    struct store_invitation inv[3] = {
        {.role = ROLE_CITIZEN, .expires_at = 10},
        {.role = ROLE_EMPLOYER, .expires_at = 10},
        {.role = ROLE_AKASSE, .expires_at = 10},
    };
    uint8_t h[3][STORE_HASH_LEN];
    fill_hash(h[0], 1);
    fill_hash(h[1], 2);
    fill_hash(h[2], 1); /* same token digest as the first */
    assert_int_equal(store_meeting_create(f->s, &m, inv, (const uint8_t(*)[STORE_HASH_LEN])h, 3),
                     ERR_EXISTS);
    /* Nothing of it remains, and no ids point at rolled-back rows. */
    int n = 0;
    assert_int_equal(store_meeting_list(f->s, uid, count_meeting, &n), 0);
    assert_int_equal(n, 0);
    struct store_invitation got;
    assert_int_equal(store_invitation_find(f->s, h[0], &got), ERR_NOTFOUND);
    assert_int_equal(store_invitation_find(f->s, h[1], &got), ERR_NOTFOUND);
    for (int i = 0; i < 3; i++)
        assert_int_equal(inv[i].id, 0);

    /* Unknown owner; bad role; missing arrays. */
    m.owner_id = uid + 100;
    assert_int_equal(store_meeting_create(f->s, &m, NULL, NULL, 0), ERR_NOTFOUND);
    m.owner_id = uid;
    inv[2].role = ROLE_COUNT;
    fill_hash(h[2], 3);
    assert_int_equal(store_meeting_create(f->s, &m, inv, (const uint8_t(*)[STORE_HASH_LEN])h, 3),
                     ERR_INVAL);
    assert_int_equal(store_meeting_create(f->s, &m, NULL, NULL, 2), ERR_INVAL);
    assert_int_equal(store_meeting_create(f->s, NULL, NULL, NULL, 0), ERR_INVAL);
    n = 0;
    assert_int_equal(store_meeting_list(f->s, uid, count_meeting, &n), 0);
    assert_int_equal(n, 0);
}

struct id_list {
    int64_t ids[8];
    int n;
};

static int collect_meeting(void *arg, const struct store_meeting *m)
{
    struct id_list *l = arg;
    l->ids[l->n++] = m->planned_start;
    return l->n == 2 ? 5 : 0;
}

static void test_meeting_list(void **state)
{
    struct fixture *f = *state;
    int64_t a = add_user(f->s, "alice");
    int64_t b = add_user(f->s, "bob");
    add_meeting(f->s, a, 2000, 1);
    add_meeting(f->s, a, 3000, 2);
    add_meeting(f->s, b, 9000, 3);
    add_meeting(f->s, a, 1000, 4);

    struct id_list l = {0};
    assert_int_equal(store_meeting_list(f->s, a, collect_meeting, &l), 5);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.ids[0], 3000); /* newest planned_start first */
    assert_int_equal(l.ids[1], 2000);
    int n = 0;
    assert_int_equal(store_meeting_list(f->s, a, count_meeting, &n), 0);
    assert_int_equal(n, 3);
    n = 0;
    assert_int_equal(store_meeting_list(f->s, b, count_meeting, &n), 0);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(store_meeting_list(f->s, 777, count_meeting, &n), 0);
    assert_int_equal(n, 0);
}

static void test_meeting_set_ended(void **state)
{
    struct fixture *f = *state;
    int64_t mid = add_meeting(f->s, add_user(f->s, "alice"), 1000, 1);
    struct store_meeting m;
    assert_int_equal(store_meeting_set_ended(f->s, mid, 5000), 0);
    assert_int_equal(store_meeting_set_ended(f->s, mid, 6000), 0);
    assert_int_equal(store_meeting_get(f->s, mid, &m), 0);
    assert_int_equal(m.ended_at, 5000); /* the first end counts */
    assert_int_equal(store_meeting_set_ended(f->s, mid + 1, 5000), ERR_NOTFOUND);
    assert_int_equal(store_meeting_set_ended(f->s, mid, 0), ERR_INVAL);
}

static void test_invitation_add_and_revoke(void **state)
{
    struct fixture *f = *state;
    int64_t mid = add_meeting(f->s, add_user(f->s, "alice"), 1000, 1);
    struct store_invitation inv = {.meeting_id = mid,
                                   .role = ROLE_ADVOCATE,
                                   .label = "Bisidder",
                                   .created_at = 1,
                                   .expires_at = 9};
    uint8_t h[STORE_HASH_LEN];
    fill_hash(h, 42);
    assert_int_equal(store_invitation_add(f->s, &inv, h), 0);
    assert_true(inv.id > 0);
    assert_int_equal(store_invitation_add(f->s, &inv, h), ERR_EXISTS);

    struct store_invitation got;
    assert_int_equal(store_invitation_find(f->s, h, &got), 0);
    assert_int_equal(got.role, ROLE_ADVOCATE);
    assert_int_equal(got.revoked_at, 0);

    assert_int_equal(store_invitation_revoke(f->s, inv.id, 100), 0);
    assert_int_equal(store_invitation_revoke(f->s, inv.id, 200), 0);
    assert_int_equal(store_invitation_get(f->s, inv.id, &got), 0);
    assert_int_equal(got.revoked_at, 100); /* the first revocation counts */
    /* find returns revoked rows too: the caller decides. */
    assert_int_equal(store_invitation_find(f->s, h, &got), 0);
    assert_int_equal(got.revoked_at, 100);
    assert_int_equal(store_invitation_revoke(f->s, inv.id + 100, 100), ERR_NOTFOUND);
    assert_int_equal(store_invitation_revoke(f->s, inv.id, 0), ERR_INVAL);

    /* Unknown meeting, bad role, no hash. */
    fill_hash(h, 43);
    inv.meeting_id = mid + 100;
    assert_int_equal(store_invitation_add(f->s, &inv, h), ERR_NOTFOUND);
    inv.meeting_id = mid;
    inv.role = (enum role)ROLE_COUNT;
    assert_int_equal(store_invitation_add(f->s, &inv, h), ERR_INVAL);
    inv.role = ROLE_CITIZEN;
    assert_int_equal(store_invitation_add(f->s, &inv, NULL), ERR_INVAL);
    assert_int_equal(store_invitation_find(f->s, NULL, &got), ERR_INVAL);

    int n = 0;
    assert_int_equal(store_invitation_list(f->s, mid, count_invitation, &n), 0);
    assert_int_equal(n, 2); /* add_meeting's one plus ours */
}

/* A derived link's salt comes back with its digest; the latest status is
 * replaced, not appended; a link without a salt says so. */
static void test_invitation_salt_and_status(void **state)
{
    struct fixture *f = *state;
    int64_t mid = add_meeting(f->s, add_user(f->s, "alice"), 1000, 1);
    struct store_invitation inv = {.meeting_id = mid,
                                   .role = ROLE_CITIZEN,
                                   .created_at = 1,
                                   .expires_at = 9,
                                   .has_salt = true};
    memset(inv.salt, 0xa5, sizeof inv.salt);
    uint8_t h[STORE_HASH_LEN];
    fill_hash(h, 77);
    assert_int_equal(store_invitation_add(f->s, &inv, h), 0);

    struct store_invitation got;
    assert_int_equal(store_invitation_get(f->s, inv.id, &got), 0);
    assert_true(got.has_salt);
    assert_memory_equal(got.salt, inv.salt, STORE_SALT_LEN);
    assert_memory_equal(got.token_hash, h, STORE_HASH_LEN);
    assert_string_equal(got.status, "");
    assert_string_equal(got.status_reason, "");
    assert_int_equal(got.status_at, 0);

    assert_int_equal(store_invitation_set_status(f->s, inv.id, "opened", "", 50), 0);
    assert_int_equal(store_invitation_set_status(f->s, inv.id, "check_failed", "no_audio", 60), 0);
    assert_int_equal(store_invitation_find(f->s, h, &got), 0);
    assert_string_equal(got.status, "check_failed");
    assert_string_equal(got.status_reason, "no_audio");
    assert_int_equal(got.status_at, 60);

    assert_int_equal(store_invitation_set_status(f->s, inv.id + 100, "opened", "", 70),
                     ERR_NOTFOUND);
    assert_int_equal(store_invitation_set_status(f->s, inv.id, "", "", 70), ERR_INVAL);
    assert_int_equal(store_invitation_set_status(f->s, inv.id, "a_status_name_too_long", "", 70),
                     ERR_TOOBIG);
    char reason[STORE_REASON_MAX + 2];
    memset(reason, 'r', sizeof reason - 1);
    reason[sizeof reason - 1] = '\0';
    assert_int_equal(store_invitation_set_status(f->s, inv.id, "opened", reason, 70), ERR_TOOBIG);

    /* A restart: whoever was waiting or in a meeting has left; other
     * statuses stay. */
    assert_int_equal(store_invitation_set_status(f->s, inv.id, "in_meeting", "", 80), 0);
    size_t n = 99;
    assert_int_equal(store_invitation_close_statuses(f->s, 90, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_invitation_get(f->s, inv.id, &got), 0);
    assert_string_equal(got.status, "left");
    assert_int_equal(got.status_at, 90);
    assert_int_equal(store_invitation_close_statuses(f->s, 95, &n), 0);
    assert_int_equal(n, 0);

    /* add_meeting's invitation has no salt: made "before" derived links. */
    fill_hash(h, 1);
    assert_int_equal(store_invitation_find(f->s, h, &got), 0);
    assert_false(got.has_salt);
}

/* ---- audit ---- */

struct audit_list {
    struct store_audit_event ev[8];
    int n;
};

static int collect_audit(void *arg, const struct store_audit_event *ev)
{
    struct audit_list *l = arg;
    l->ev[l->n++] = *ev;
    return 0;
}

static void test_audit_order(void **state)
{
    struct fixture *f = *state;
    int64_t mid = add_meeting(f->s, add_user(f->s, "alice"), 1000, 1);
    int64_t other = add_meeting(f->s, add_user(f->s, "bob"), 1000, 2);
    static const char *const kinds[] = {"created", "join", "admit", "leave"};
    /* Times out of order on purpose: the log keeps insertion order. */
    static const int64_t times[] = {50, 40, 60, 10};
    int64_t last_id = 0;
    for (int i = 0; i < 4; i++) {
        struct store_audit_event ev = audit(mid, times[i], kinds[i]);
        if (i > 0) {
            ev.has_role = true;
            ev.role = ROLE_INTERPRETER;
            snprintf(ev.display_name, sizeof ev.display_name, "Person %d", i);
            snprintf(ev.detail, sizeof ev.detail, "detail %d", i);
        }
        assert_int_equal(store_audit_add(f->s, &ev), 0);
        assert_true(ev.id > last_id);
        last_id = ev.id;
        struct store_audit_event noise = audit(other, 1, "join");
        assert_int_equal(store_audit_add(f->s, &noise), 0);
    }
    struct audit_list l;
    memset(&l, 0, sizeof l);
    assert_int_equal(store_audit_list(f->s, mid, collect_audit, &l), 0);
    assert_int_equal(l.n, 4);
    for (int i = 0; i < 4; i++) {
        assert_string_equal(l.ev[i].kind, kinds[i]);
        assert_int_equal(l.ev[i].at, times[i]);
        assert_int_equal(l.ev[i].meeting_id, mid);
        assert_int_equal(l.ev[i].has_role, i > 0);
        if (i > 0) {
            assert_int_equal(l.ev[i].role, ROLE_INTERPRETER);
            assert_string_not_equal(l.ev[i].display_name, "");
        }
        if (i > 0)
            assert_true(l.ev[i].id > l.ev[i - 1].id);
    }
    assert_string_equal(l.ev[0].display_name, "");
    assert_string_equal(l.ev[2].detail, "detail 2");

    struct store_audit_event bad = audit(mid + other + 100, 1, "join");
    assert_int_equal(store_audit_add(f->s, &bad), ERR_NOTFOUND);
    bad = audit(mid, 1, "");
    assert_int_equal(store_audit_add(f->s, &bad), ERR_INVAL);
    bad = audit(mid, 1, "join");
    bad.has_role = true;
    bad.role = ROLE_COUNT;
    assert_int_equal(store_audit_add(f->s, &bad), ERR_INVAL);
    assert_int_equal(store_audit_add(f->s, NULL), ERR_INVAL);
}

/* ---- deletion ---- */

static void test_user_remove_cascades(void **state)
{
    struct fixture *f = *state;
    int64_t a = add_user(f->s, "alice");
    int64_t b = add_user(f->s, "bob");
    uint8_t sa[STORE_HASH_LEN], sb[STORE_HASH_LEN], ia[STORE_HASH_LEN], ib[STORE_HASH_LEN];
    fill_hash(sa, 100);
    fill_hash(sb, 101);
    fill_hash(ia, 1);
    fill_hash(ib, 2);
    assert_int_equal(store_session_add(f->s, sa, a, 0, 1000), 0);
    assert_int_equal(store_session_add(f->s, sb, b, 0, 1000), 0);
    int64_t ma = add_meeting(f->s, a, 1000, 1);
    int64_t mb = add_meeting(f->s, b, 1000, 2);
    add_meeting(f->s, a, 2000, 3);
    struct store_audit_event ev = audit(ma, 1, "created");
    assert_int_equal(store_audit_add(f->s, &ev), 0);
    ev = audit(mb, 1, "created");
    assert_int_equal(store_audit_add(f->s, &ev), 0);

    assert_int_equal(store_user_remove(f->s, "alice"), 0);

    struct store_user u;
    struct store_meeting m;
    struct store_invitation inv;
    int64_t uid;
    int n = 0;
    assert_int_equal(store_user_find(f->s, "alice", &u, NULL), ERR_NOTFOUND);
    assert_int_equal(store_session_find(f->s, sa, 0, &uid), ERR_NOTFOUND);
    assert_int_equal(store_meeting_get(f->s, ma, &m), ERR_NOTFOUND);
    assert_int_equal(store_meeting_list(f->s, a, count_meeting, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_invitation_find(f->s, ia, &inv), ERR_NOTFOUND);
    assert_int_equal(store_audit_list(f->s, ma, count_audit, &n), 0);
    assert_int_equal(n, 0);

    /* Bob is untouched. */
    assert_int_equal(store_user_get(f->s, b, &u), 0);
    assert_int_equal(store_session_find(f->s, sb, 0, &uid), 0);
    assert_int_equal(store_meeting_get(f->s, mb, &m), 0);
    assert_int_equal(store_invitation_find(f->s, ib, &inv), 0);
    assert_int_equal(store_audit_list(f->s, mb, count_audit, &n), 0);
    assert_int_equal(n, 1);

    assert_int_equal(store_user_remove(f->s, "alice"), ERR_NOTFOUND);
    assert_int_equal(store_user_remove(f->s, NULL), ERR_INVAL);
    /* The name is free again, with a new id. */
    assert_true(add_user(f->s, "alice") > b);
}

static void test_meeting_delete_cascades(void **state)
{
    struct fixture *f = *state;
    int64_t uid = add_user(f->s, "alice");
    int64_t m1 = add_meeting(f->s, uid, 1000, 1);
    int64_t m2 = add_meeting(f->s, uid, 2000, 2);
    struct store_audit_event ev = audit(m1, 1, "created");
    assert_int_equal(store_audit_add(f->s, &ev), 0);
    ev = audit(m2, 1, "created");
    assert_int_equal(store_audit_add(f->s, &ev), 0);

    assert_int_equal(store_meeting_delete(f->s, m1), 0);
    struct store_meeting m;
    struct store_invitation inv;
    uint8_t h1[STORE_HASH_LEN], h2[STORE_HASH_LEN];
    fill_hash(h1, 1);
    fill_hash(h2, 2);
    int n = 0;
    assert_int_equal(store_meeting_get(f->s, m1, &m), ERR_NOTFOUND);
    assert_int_equal(store_invitation_find(f->s, h1, &inv), ERR_NOTFOUND);
    assert_int_equal(store_audit_list(f->s, m1, count_audit, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_meeting_get(f->s, m2, &m), 0);
    assert_int_equal(store_invitation_find(f->s, h2, &inv), 0);
    assert_int_equal(store_audit_list(f->s, m2, count_audit, &n), 0);
    assert_int_equal(n, 1);

    assert_int_equal(store_meeting_delete(f->s, m1), ERR_NOTFOUND);
    /* A meeting with no invitations or audit deletes too. */
    struct store_meeting bare = {.owner_id = uid, .title = "Bare"};
    assert_int_equal(store_meeting_create(f->s, &bare, NULL, NULL, 0), 0);
    assert_int_equal(store_meeting_delete(f->s, bare.id), 0);
}

/* ---- limits ---- */

static void make_str(char *buf, size_t len)
{
    memset(buf, 'x', len);
    buf[len] = '\0';
}

static void test_too_long_rejected(void **state)
{
    struct fixture *f = *state;
    char buf[512];

    make_str(buf, STORE_USERNAME_MAX + 1);
    assert_int_equal(store_user_add(f->s, buf, "d", "h", 0, NULL), ERR_TOOBIG);
    assert_int_equal(store_user_find(f->s, buf, NULL, NULL), ERR_NOTFOUND);
    make_str(buf, STORE_USERNAME_MAX);
    int64_t uid = 0;
    assert_int_equal(store_user_add(f->s, buf, "d", "h", 0, &uid), 0);
    struct store_user u;
    assert_int_equal(store_user_get(f->s, uid, &u), 0);
    assert_string_equal(u.username, buf);

    make_str(buf, STORE_NAME_MAX + 1);
    assert_int_equal(store_user_add(f->s, "a", buf, "h", 0, NULL), ERR_TOOBIG);
    make_str(buf, STORE_NAME_MAX);
    assert_int_equal(store_user_add(f->s, "a", buf, "h", 0, NULL), 0);
    assert_int_equal(store_user_find(f->s, "a", &u, NULL), 0);
    assert_string_equal(u.display_name, buf);

    make_str(buf, STORE_PWHASH_MAX + 1);
    assert_int_equal(store_user_add(f->s, "b", "d", buf, 0, NULL), ERR_TOOBIG);
    assert_int_equal(store_user_set_password(f->s, "a", buf), ERR_TOOBIG);
    make_str(buf, STORE_PWHASH_MAX);
    assert_int_equal(store_user_set_password(f->s, "a", buf), 0);
    char pw[STORE_PWHASH_MAX + 1];
    assert_int_equal(store_user_find(f->s, "a", NULL, pw), 0);
    assert_string_equal(pw, buf);

    struct store_meeting m = {.owner_id = uid};
    make_str(m.title, STORE_TITLE_MAX);
    assert_int_equal(store_meeting_create(f->s, &m, NULL, NULL, 0), 0);
    struct store_meeting got;
    assert_int_equal(store_meeting_get(f->s, m.id, &got), 0);
    assert_string_equal(got.title, m.title);
    /* The struct field cannot hold more, so an unterminated one must not be read past. */
    memset(m.title, 'x', sizeof m.title);
    assert_int_equal(store_meeting_create(f->s, &m, NULL, NULL, 0), ERR_TOOBIG);

    struct store_invitation inv = {.meeting_id = got.id, .role = ROLE_CITIZEN};
    uint8_t h[STORE_HASH_LEN];
    fill_hash(h, 7);
    memset(inv.label, 'x', sizeof inv.label);
    assert_int_equal(store_invitation_add(f->s, &inv, h), ERR_TOOBIG);
    make_str(inv.label, STORE_LABEL_MAX);
    assert_int_equal(store_invitation_add(f->s, &inv, h), 0);

    struct store_audit_event ev = audit(got.id, 1, "join");
    memset(ev.kind, 'k', sizeof ev.kind);
    assert_int_equal(store_audit_add(f->s, &ev), ERR_TOOBIG);
    make_str(ev.kind, STORE_AUDIT_KIND_MAX);
    memset(ev.display_name, 'n', sizeof ev.display_name);
    assert_int_equal(store_audit_add(f->s, &ev), ERR_TOOBIG);
    make_str(ev.display_name, STORE_NAME_MAX);
    memset(ev.detail, 'd', sizeof ev.detail);
    assert_int_equal(store_audit_add(f->s, &ev), ERR_TOOBIG);
    make_str(ev.detail, STORE_DETAIL_MAX);
    assert_int_equal(store_audit_add(f->s, &ev), 0);
    struct audit_list l;
    memset(&l, 0, sizeof l);
    assert_int_equal(store_audit_list(f->s, got.id, collect_audit, &l), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.ev[0].detail, ev.detail);
}

int main(void)
{
    /* Negative tests make the store log errors; keep the output readable. */
    log_set_level(LOG_LEVEL_ERROR);
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_meeting_create_with_invitations),
        T(test_meeting_create_is_atomic),
        T(test_meeting_list),
        T(test_meeting_set_ended),
        T(test_invitation_add_and_revoke),
        T(test_invitation_salt_and_status),
        T(test_audit_order),
        T(test_user_remove_cascades),
        T(test_meeting_delete_cascades),
        T(test_too_long_rejected),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
