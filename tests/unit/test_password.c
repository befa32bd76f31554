/* Tests for server/password.c: scrypt hashing and the stored format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/err.h"
#include "server/password.h"

/* RFC 7914 section 12, third vector: scrypt("pleaseletmein", "SodiumChloride",
 * N=16384, r=8, p=1, dkLen=64), written in our stored format. */
static const char rfc_stored[] =
    "scrypt$N=16384,r=8,p=1$U29kaXVtQ2hsb3JpZGU$"
    "cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofLVQylVYT8Pz2LUlwUkKpr55h6F3A1lHkDfzwF7RVdYhw";

/* A cheap valid hash prefix for parameter tests: N=1024,r=1,p=1 with the
 * RFC salt; the hash part is 32 zero bytes (never matches). */
#define ZERO_HASH "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define SALT "U29kaXVtQ2hsb3JpZGU"

static void test_round_trip(void **state)
{
    (void)state;
    char h[STORE_PWHASH_MAX + 1];
    assert_int_equal(password_hash("correct horse battery", h), 0);
    assert_true(strncmp(h, "scrypt$N=32768,r=8,p=1$", 23) == 0);
    /* 16-byte salt and 32-byte hash, unpadded base64. */
    assert_int_equal(strlen(h), 23 + 22 + 1 + 43);
    assert_int_equal(password_verify("correct horse battery", h), 0);
}

static void test_wrong_password(void **state)
{
    (void)state;
    char h[STORE_PWHASH_MAX + 1];
    assert_int_equal(password_hash("correct horse battery", h), 0);
    assert_int_equal(password_verify("correct horse batterY", h), ERR_DENIED);
    assert_int_equal(password_verify("correct horse batter", h), ERR_DENIED);
    assert_int_equal(password_verify("", h), ERR_DENIED);
}

static void test_rfc7914_vector(void **state)
{
    (void)state;
    assert_int_equal(password_verify("pleaseletmein", rfc_stored), 0);
    assert_int_equal(password_verify("pleaseletmeout", rfc_stored), ERR_DENIED);
}

static void test_salted(void **state)
{
    (void)state;
    char a[STORE_PWHASH_MAX + 1], b[STORE_PWHASH_MAX + 1];
    assert_int_equal(password_hash("same password", a), 0);
    assert_int_equal(password_hash("same password", b), 0);
    assert_string_not_equal(a, b);
    assert_int_equal(password_verify("same password", a), 0);
    assert_int_equal(password_verify("same password", b), 0);
}

static void test_length_limits(void **state)
{
    (void)state;
    char h[STORE_PWHASH_MAX + 1];
    char pw[PASSWORD_MAX + 2];

    assert_int_equal(password_hash("1234567", h), ERR_INVAL);
    assert_string_equal(h, "");
    assert_int_equal(password_hash("", h), ERR_INVAL);
    assert_int_equal(password_hash(NULL, h), ERR_INVAL);
    assert_int_equal(password_hash("12345678", h), 0);
    assert_int_equal(password_verify("12345678", h), 0);

    memset(pw, 'x', sizeof pw);
    pw[PASSWORD_MAX + 1] = '\0';
    assert_int_equal(password_hash(pw, h), ERR_TOOBIG);
    pw[PASSWORD_MAX] = '\0';
    assert_int_equal(password_hash(pw, h), 0);
    assert_int_equal(password_verify(pw, h), 0);
    /* One byte more is refused by verify too, even though its first
     * PASSWORD_MAX bytes match. */
    pw[PASSWORD_MAX] = 'x';
    assert_int_equal(password_verify(pw, h), ERR_DENIED);
}

static void test_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "scrypt",
        "plain-text-password",
        "bcrypt$N=1024,r=1,p=1$" SALT "$" ZERO_HASH,
        "scrypt$N=1024,r=1,p=1$" SALT,                            /* no hash */
        "scrypt$N=1024,r=1,p=1$" SALT "$",                        /* empty hash */
        "scrypt$N=1024,r=1,p=1$$" ZERO_HASH,                      /* empty salt */
        "scrypt$N=1024,r=1$" SALT "$" ZERO_HASH,                  /* missing p */
        "scrypt$r=1,N=1024,p=1$" SALT "$" ZERO_HASH,              /* wrong order */
        "scrypt$N=,r=1,p=1$" SALT "$" ZERO_HASH,                  /* empty number */
        "scrypt$N=01024,r=1,p=1$" SALT "$" ZERO_HASH,             /* leading zero */
        "scrypt$N=+1024,r=1,p=1$" SALT "$" ZERO_HASH,             /* sign */
        "scrypt$N=1024 ,r=1,p=1$" SALT "$" ZERO_HASH,             /* space */
        "scrypt$N=1024,r=1,p=1$" SALT "=$" ZERO_HASH,             /* padding */
        "scrypt$N=1024,r=1,p=1$" SALT "$" ZERO_HASH "=",          /* padding */
        "scrypt$N=1024,r=1,p=1$" SALT "$" ZERO_HASH "$x",         /* extra field */
        "scrypt$N=1024,r=1,p=1$U29k-XVtQ2hsb3JpZGU$" ZERO_HASH,   /* url alphabet */
        "scrypt$N=1024,r=1,p=1$U29kaXVtQ2hsb3JpZGV$" ZERO_HASH,   /* non-zero spare bits */
        "scrypt$N=1024,r=1,p=1$U29kaXVtQ2hsb3JpZGUAA$" ZERO_HASH, /* 4n+1 characters */
        "scrypt$N=1024,r=1,p=1$QUJDREVGRw$" ZERO_HASH,            /* 7-byte salt */
        "scrypt$N=1024,r=1,p=1$" SALT "$AAAAAAAAAAAAAAAAAAAAAA",  /* 16 bytes: ok length */
    };
    /* All but the last are malformed; the last parses and simply fails. */
    size_t n = sizeof bad / sizeof bad[0];
    for (size_t i = 0; i + 1 < n; i++)
        assert_int_equal(password_verify("whatever1", bad[i]), ERR_PARSE);
    assert_int_equal(password_verify("whatever1", bad[n - 1]), ERR_DENIED);
    /* 15-byte hash part is too short to compare meaningfully. */
    assert_int_equal(
        password_verify("whatever1", "scrypt$N=1024,r=1,p=1$" SALT "$AAAAAAAAAAAAAAAAAAAA"),
        ERR_PARSE);

    /* Longer than any stored hash can be. */
    char big[STORE_PWHASH_MAX + 2];
    memset(big, 'A', sizeof big);
    memcpy(big, "scrypt$N=1024,r=1,p=1$", 22);
    big[sizeof big - 1] = '\0';
    assert_int_equal(password_verify("whatever1", big), ERR_PARSE);

    assert_int_equal(password_verify(NULL, rfc_stored), ERR_INVAL);
    assert_int_equal(password_verify("x", NULL), ERR_INVAL);
}

static void test_parameter_bounds(void **state)
{
    (void)state;
    static const char *const out_of_bounds[] = {
        "scrypt$N=512,r=1,p=1$" SALT "$" ZERO_HASH,     /* N below 2^10 */
        "scrypt$N=2097152,r=1,p=1$" SALT "$" ZERO_HASH, /* N above 2^20 */
        "scrypt$N=1000,r=1,p=1$" SALT "$" ZERO_HASH,    /* not a power of two */
        "scrypt$N=1536,r=1,p=1$" SALT "$" ZERO_HASH,    /* not a power of two */
        "scrypt$N=0,r=1,p=1$" SALT "$" ZERO_HASH,
        "scrypt$N=1024,r=0,p=1$" SALT "$" ZERO_HASH,
        "scrypt$N=1024,r=33,p=1$" SALT "$" ZERO_HASH,
        "scrypt$N=1024,r=1,p=0$" SALT "$" ZERO_HASH,
        "scrypt$N=1024,r=1,p=17$" SALT "$" ZERO_HASH,
        "scrypt$N=1048576,r=32,p=1$" SALT "$" ZERO_HASH, /* 4 GiB: over the memory cap */
        "scrypt$N=99999999999999999999999,r=1,p=1$" SALT "$" ZERO_HASH, /* overflow */
    };
    for (size_t i = 0; i < sizeof out_of_bounds / sizeof out_of_bounds[0]; i++)
        assert_int_equal(password_verify("whatever1", out_of_bounds[i]), ERR_PARSE);

    /* The edges that are allowed (cheap ones only). */
    assert_int_equal(password_verify("whatever1", "scrypt$N=1024,r=1,p=1$" SALT "$" ZERO_HASH),
                     ERR_DENIED);
    assert_int_equal(password_verify("whatever1", "scrypt$N=1024,r=32,p=1$" SALT "$" ZERO_HASH),
                     ERR_DENIED);
    assert_int_equal(password_verify("whatever1", "scrypt$N=1024,r=1,p=16$" SALT "$" ZERO_HASH),
                     ERR_DENIED);
}

static void test_burn_time(void **state)
{
    (void)state;
    password_burn_time(); /* must not crash or leak; timing is not asserted */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),       cmocka_unit_test(test_wrong_password),
        cmocka_unit_test(test_rfc7914_vector),   cmocka_unit_test(test_salted),
        cmocka_unit_test(test_length_limits),    cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_parameter_bounds), cmocka_unit_test(test_burn_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
