/* Tests for signaling/linkkey.c (the key file and token derivation) and
 * signaling/linkstatus.c (which link status replaces which). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/log.h"
#include "signaling/linkkey.h"
#include "signaling/linkstatus.h"

struct dir {
    char path[64];
    char key[96];
};

static int setup(void **state)
{
    struct dir *d = calloc(1, sizeof *d);
    if (!d)
        return -1;
    snprintf(d->path, sizeof d->path, "/tmp/samtale-test-linkkey-XXXXXX");
    if (!mkdtemp(d->path)) {
        free(d);
        return -1;
    }
    snprintf(d->key, sizeof d->key, "%s/link.key", d->path);
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    struct dir *d = *state;
    unlink(d->key);
    rmdir(d->path);
    free(d);
    return 0;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* HMAC-SHA256(key 01..20, "samtale invitation link v1\0" || 32 x 0x5a),
 * first 24 bytes, base64url: computed independently (Python hmac). */
static void test_known_vector(void **state)
{
    struct dir *d = *state;
    uint8_t key[LINKKEY_LEN], salt[STORE_SALT_LEN];
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)(i + 1);
    memset(salt, 0x5a, sizeof salt);
    write_file(d->key, key, sizeof key);
    chmod(d->key, 0600);
    struct linkkey k;
    char token[TOKEN_STR_LEN + 1];
    assert_int_equal(linkkey_load(&k, d->key), 0);
    assert_int_equal(linkkey_token(&k, salt, token), 0);
    assert_string_equal(token, "fFFeBbydrh5Noc5SWWP0p3pNx_GgGiBP");
    linkkey_clear(&k);
    assert_int_equal(linkkey_token(&k, salt, token), ERR_INVAL);
    assert_string_equal(token, "");
}

/* The first start makes a private key; later starts read the same one. */
static void test_created_once_private(void **state)
{
    struct dir *d = *state;
    struct linkkey a, b;
    struct stat st;
    assert_int_equal(linkkey_load(&a, d->key), 0);
    assert_int_equal(stat(d->key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, LINKKEY_LEN);
    assert_int_equal(linkkey_load(&b, d->key), 0);
    assert_memory_equal(a.key, b.key, LINKKEY_LEN);
}

static void test_derivation(void **state)
{
    struct dir *d = *state;
    struct linkkey k;
    uint8_t salt[STORE_SALT_LEN], salt2[STORE_SALT_LEN], hash[STORE_HASH_LEN], h2[STORE_HASH_LEN];
    char token[TOKEN_STR_LEN + 1], again[TOKEN_STR_LEN + 1], other[TOKEN_STR_LEN + 1];
    assert_int_equal(linkkey_load(&k, d->key), 0);
    assert_int_equal(linkkey_new(&k, salt, token, hash), 0);
    /* A valid token whose digest is the one returned, derived again the same. */
    assert_int_equal(token_hash(token, h2), 0);
    assert_memory_equal(hash, h2, STORE_HASH_LEN);
    assert_int_equal(linkkey_token(&k, salt, again), 0);
    assert_string_equal(token, again);
    assert_true(linkkey_matches(&k, salt, hash));
    /* Another salt, another token. */
    assert_int_equal(linkkey_new(&k, salt2, other, h2), 0);
    assert_memory_not_equal(salt, salt2, STORE_SALT_LEN);
    assert_string_not_equal(token, other);
    assert_false(linkkey_matches(&k, salt2, hash));

    struct store_invitation inv = {.has_salt = true};
    memcpy(inv.salt, salt, sizeof salt);
    memcpy(inv.token_hash, hash, sizeof hash);
    assert_true(linkkey_invitation_ok(&k, &inv));

    /* A new key (rotation): the same salt gives another token, and the
     * stored digest no longer matches. */
    assert_int_equal(unlink(d->key), 0);
    struct linkkey rotated;
    assert_int_equal(linkkey_load(&rotated, d->key), 0);
    assert_int_equal(linkkey_token(&rotated, salt, other), 0);
    assert_string_not_equal(token, other);
    assert_false(linkkey_matches(&rotated, salt, hash));
    assert_false(linkkey_invitation_ok(&rotated, &inv));
    /* A link from before derived tokens is not judged by the key. */
    inv.has_salt = false;
    assert_true(linkkey_invitation_ok(&rotated, &inv));
}

/* A damaged or foreign key file is refused, never replaced. */
static void test_bad_files(void **state)
{
    struct dir *d = *state;
    struct linkkey k;
    uint8_t short_key[LINKKEY_LEN - 1] = {0};
    write_file(d->key, short_key, sizeof short_key);
    assert_int_equal(linkkey_load(&k, d->key), ERR_PARSE);
    assert_false(k.loaded);
    struct stat st;
    assert_int_equal(stat(d->key, &st), 0);
    assert_int_equal(st.st_size, LINKKEY_LEN - 1);
    uint8_t long_key[LINKKEY_LEN + 1] = {0};
    write_file(d->key, long_key, sizeof long_key);
    assert_int_equal(linkkey_load(&k, d->key), ERR_PARSE);
    assert_int_equal(unlink(d->key), 0);
    assert_int_equal(mkdir(d->key, 0700), 0);
    assert_int_equal(linkkey_load(&k, d->key), ERR_IO);
    assert_int_equal(rmdir(d->key), 0);
    char nowhere[160];
    snprintf(nowhere, sizeof nowhere, "%s/missing/link.key", d->path);
    assert_int_equal(linkkey_load(&k, nowhere), ERR_IO);
}

static void test_status_names(void **state)
{
    (void)state;
    enum link_status st;
    for (int i = 0; i < LINK_STATUS_COUNT; i++) {
        assert_int_equal(link_status_parse(link_status_name((enum link_status)i), &st), 0);
        assert_int_equal(st, i);
    }
    assert_int_equal(link_status_parse("", &st), 0);
    assert_int_equal(st, LINK_NOT_OPENED);
    assert_int_equal(link_status_parse("bogus", &st), ERR_PARSE);
    assert_int_equal(link_status_parse(NULL, &st), ERR_PARSE);
    assert_true(link_check_reason_valid("no_audio"));
    assert_true(link_check_reason_valid("permission"));
    assert_false(link_check_reason_valid("ok"));
    assert_false(link_check_reason_valid(""));
    assert_false(link_check_reason_valid(NULL));
}

static void test_status_replaces(void **state)
{
    (void)state;
    /* The way a guest goes. */
    assert_true(link_status_replaces(LINK_NOT_OPENED, LINK_OPENED));
    assert_true(link_status_replaces(LINK_OPENED, LINK_CHECK_PASSED));
    assert_true(link_status_replaces(LINK_CHECK_PASSED, LINK_WAITING));
    assert_true(link_status_replaces(LINK_WAITING, LINK_IN_MEETING));
    assert_true(link_status_replaces(LINK_IN_MEETING, LINK_LEFT));
    /* Opening again does not hide a check result, nor anyone present. */
    assert_false(link_status_replaces(LINK_CHECK_PASSED, LINK_OPENED));
    assert_false(link_status_replaces(LINK_CHECK_FAILED, LINK_OPENED));
    assert_false(link_status_replaces(LINK_WAITING, LINK_OPENED));
    assert_false(link_status_replaces(LINK_IN_MEETING, LINK_CHECK_FAILED));
    /* After leaving, the link can be opened and checked again; a failed
     * check can be followed by a passed one. */
    assert_true(link_status_replaces(LINK_LEFT, LINK_OPENED));
    assert_true(link_status_replaces(LINK_CHECK_FAILED, LINK_CHECK_PASSED));
    /* Nothing goes back to "not opened"; unknown values are refused. */
    assert_false(link_status_replaces(LINK_OPENED, LINK_NOT_OPENED));
    assert_false(link_status_replaces(LINK_OPENED, LINK_STATUS_COUNT));
}

static void test_status_from_audit(void **state)
{
    (void)state;
    enum link_status st = LINK_NOT_OPENED;
    assert_true(link_status_from_audit("join", "lobby", &st));
    assert_int_equal(st, LINK_WAITING);
    assert_true(link_status_from_audit("join", "admitted", &st));
    assert_int_equal(st, LINK_IN_MEETING);
    assert_true(link_status_from_audit("admit", "by Anna", &st));
    assert_int_equal(st, LINK_IN_MEETING);
    for (size_t i = 0; i < 3; i++) {
        static const char *const gone[] = {"leave", "deny", "remove"};
        st = LINK_NOT_OPENED;
        assert_true(link_status_from_audit(gone[i], "", &st));
        assert_int_equal(st, LINK_LEFT);
    }
    assert_false(link_status_from_audit("resume", "reconnected", &st));
    assert_false(link_status_from_audit("lock", "", &st));
}

int main(void)
{
    log_set_level(LOG_LEVEL_ERROR);
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_known_vector),      T(test_created_once_private), T(test_derivation),
        T(test_bad_files),         T(test_status_names),         T(test_status_replaces),
        T(test_status_from_audit),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
