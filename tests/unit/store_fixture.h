/* Shared fixture and helpers for test_store.c and test_store_meetings.c. */
#ifndef STORE_FIXTURE_H
#define STORE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/log.h"
#include "signaling/store.h"

struct fixture {
    char dir[64];
    char path[128];
    struct store *s;
};

static inline int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/samtale-test-store-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/samtale.db", f->dir);
    if (store_open(&f->s, f->path) != 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static inline int teardown(void **state)
{
    struct fixture *f = *state;
    store_close(f->s);
    DIR *d = opendir(f->dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            char p[400];
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof p, "%s/%s", f->dir, e->d_name);
            if (remove(p) != 0) /* a test may leave a directory behind */
                rmdir(p);
        }
        closedir(d);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static inline void reopen(struct fixture *f)
{
    store_close(f->s);
    f->s = NULL;
    assert_int_equal(store_open(&f->s, f->path), 0);
}

static inline void fill_hash(uint8_t h[STORE_HASH_LEN], uint8_t seed)
{
    for (size_t i = 0; i < STORE_HASH_LEN; i++)
        h[i] = (uint8_t)(seed * 31 + i);
}

static inline int64_t add_user(struct store *s, const char *name)
{
    int64_t id = 0;
    assert_int_equal(store_user_add(s, name, "Display", "scrypt$x", 1000, &id), 0);
    assert_true(id > 0);
    return id;
}

static inline int64_t add_meeting(struct store *s, int64_t owner, int64_t start, uint8_t seed)
{
    struct store_meeting m = {
        .owner_id = owner, .planned_start = start, .planned_end = start + 3600000, .created_at = 5};
    snprintf(m.title, sizeof m.title, "Meeting %lld", (long long)start);
    struct store_invitation inv = {.role = ROLE_CITIZEN, .created_at = 5, .expires_at = 99999};
    uint8_t h[1][STORE_HASH_LEN];
    fill_hash(h[0], seed);
    assert_int_equal(store_meeting_create(s, &m, &inv, (const uint8_t(*)[STORE_HASH_LEN])h, 1), 0);
    return m.id;
}

static inline struct store_audit_event audit(int64_t meeting_id, int64_t at, const char *kind)
{
    struct store_audit_event ev = {.meeting_id = meeting_id, .at = at};
    snprintf(ev.kind, sizeof ev.kind, "%s", kind);
    return ev;
}

/* Counting callbacks: each stores the count in an int. */
static inline int count_user(void *arg, const struct store_user *u)
{
    (void)u;
    ++*(int *)arg;
    return 0;
}
static inline int count_meeting(void *arg, const struct store_meeting *m)
{
    (void)m;
    ++*(int *)arg;
    return 0;
}
static inline int count_invitation(void *arg, const struct store_invitation *inv)
{
    (void)inv;
    ++*(int *)arg;
    return 0;
}
static inline int count_audit(void *arg, const struct store_audit_event *ev)
{
    (void)ev;
    ++*(int *)arg;
    return 0;
}

#endif /* STORE_FIXTURE_H */
