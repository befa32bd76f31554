/* Tests for signaling/token.c: generation, validation and digests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "signaling/token.h"

static int is_url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

static void test_generate_shape(void **state)
{
    (void)state;
    char t[TOKEN_STR_LEN + 1];
    assert_int_equal(token_generate(t), 0);
    assert_int_equal(strlen(t), TOKEN_STR_LEN);
    for (size_t i = 0; i < TOKEN_STR_LEN; i++)
        assert_true(is_url_char(t[i]));
    /* A generated token is always accepted by the validator. */
    uint8_t h[STORE_HASH_LEN];
    assert_int_equal(token_hash(t, h), 0);
}

static int cmp_tokens(const void *a, const void *b)
{
    return strcmp(a, b);
}

#define N_TOKENS 1000

static void test_generate_unique(void **state)
{
    (void)state;
    char(*t)[TOKEN_STR_LEN + 1] = calloc(N_TOKENS, sizeof *t);
    assert_non_null(t);
    for (size_t i = 0; i < N_TOKENS; i++)
        assert_int_equal(token_generate(t[i]), 0);
    qsort(t, N_TOKENS, sizeof *t, cmp_tokens);
    for (size_t i = 1; i < N_TOKENS; i++)
        assert_string_not_equal(t[i - 1], t[i]);
    /* All 64 symbols should show up in 32000 random characters. */
    int seen[256] = {0};
    for (size_t i = 0; i < N_TOKENS; i++)
        for (size_t j = 0; j < TOKEN_STR_LEN; j++)
            seen[(unsigned char)t[i][j]] = 1;
    int distinct = 0;
    for (int c = 0; c < 256; c++)
        distinct += seen[c];
    assert_int_equal(distinct, 64);
    free(t);
}

static void test_hash_known_vector(void **state)
{
    (void)state;
    /* sha256("abcdefghijklmnopqrstuvwxyz012345"), from Python's hashlib. */
    static const uint8_t want[STORE_HASH_LEN] = {
        0x65, 0x3b, 0xb1, 0x24, 0x5e, 0x82, 0x8f, 0xcd, 0xa4, 0xfa, 0x53,
        0xfc, 0xd5, 0xa3, 0xde, 0xf5, 0xbd, 0x76, 0x54, 0xe6, 0x51, 0xf5,
        0x4b, 0x41, 0x32, 0xb7, 0x3d, 0x74, 0xe6, 0x44, 0x35, 0xc4,
    };
    uint8_t h[STORE_HASH_LEN];
    assert_int_equal(token_hash("abcdefghijklmnopqrstuvwxyz012345", h), 0);
    assert_memory_equal(h, want, STORE_HASH_LEN);

    char hex[TOKEN_HEX_LEN + 1];
    token_hash_hex(h, hex);
    assert_string_equal(hex, "653bb1245e828fcd");

    /* '-' and '_' are part of the alphabet. */
    assert_int_equal(token_hash("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-_", h), 0);
    token_hash_hex(h, hex);
    assert_string_equal(hex, "653d2f10fb146f70");
}

static void test_hash_rejects(void **state)
{
    (void)state;
    uint8_t h[STORE_HASH_LEN];
    char t[TOKEN_STR_LEN + 2];
    memset(t, 'A', sizeof t);

    assert_int_equal(token_hash(NULL, h), ERR_PARSE);
    assert_int_equal(token_hash("", h), ERR_PARSE);
    t[TOKEN_STR_LEN - 1] = '\0'; /* one short */
    assert_int_equal(token_hash(t, h), ERR_PARSE);
    t[TOKEN_STR_LEN - 1] = 'A';
    t[TOKEN_STR_LEN + 1] = '\0'; /* one long */
    assert_int_equal(token_hash(t, h), ERR_PARSE);
    t[TOKEN_STR_LEN] = '\0';
    assert_int_equal(token_hash(t, h), 0);

    /* Standard-base64 symbols, padding, spaces, controls and non-ASCII. */
    static const char bad[] = {'+', '/', '=', ' ', '.', '%', '\n', '\t', '\x7f', '\x80', '\xff'};
    for (size_t i = 0; i < sizeof bad; i++) {
        for (size_t pos = 0; pos < TOKEN_STR_LEN; pos += TOKEN_STR_LEN - 1) {
            t[pos] = bad[i];
            assert_int_equal(token_hash(t, h), ERR_PARSE);
            t[pos] = 'A';
        }
    }
    /* An embedded NUL makes it a short string. */
    t[10] = '\0';
    assert_int_equal(token_hash(t, h), ERR_PARSE);
}

static void test_hash_distinct(void **state)
{
    (void)state;
    uint8_t a[STORE_HASH_LEN], b[STORE_HASH_LEN];
    assert_int_equal(token_hash("abcdefghijklmnopqrstuvwxyz012345", a), 0);
    assert_int_equal(token_hash("abcdefghijklmnopqrstuvwxyz012346", b), 0);
    assert_memory_not_equal(a, b, STORE_HASH_LEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_shape),    cmocka_unit_test(test_generate_unique),
        cmocka_unit_test(test_hash_known_vector), cmocka_unit_test(test_hash_rejects),
        cmocka_unit_test(test_hash_distinct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
