/* Tests for signaling/pin.c (phone PINs: derivation, keyed hash, collisions,
 * lookup) and the store's PIN columns. */
#include "store_fixture.h"

#include "signaling/linkkey.h"
#include "signaling/pin.h"

#define FUTURE_MS (INT64_C(1) << 50) /* far beyond now_wall_ms() */

static struct linkkey test_key(uint8_t first)
{
    struct linkkey k = {.loaded = true};
    for (size_t i = 0; i < LINKKEY_LEN; i++)
        k.key[i] = (uint8_t)(first + i);
    return k;
}

/* HMAC-SHA256(key 01..20, "samtale invitation pin v1\0" || 32 x 0x5a || counter BE32),
 * first 8 bytes mod 10^8, and HMAC-SHA256(key, "samtale pin hash v1\0" || "12345678"):
 * computed independently (Python hmac). */
static void test_known_vectors(void **state)
{
    (void)state;
    struct linkkey k = test_key(1);
    uint8_t salt[STORE_SALT_LEN], h[STORE_HASH_LEN];
    char pin[PIN_DIGITS + 1];
    memset(salt, 0x5a, sizeof salt);
    assert_int_equal(pin_derive(&k, salt, 0, pin), 0);
    assert_string_equal(pin, "07600619"); /* leading zero kept */
    assert_int_equal(pin_derive(&k, salt, 1, pin), 0);
    assert_string_equal(pin, "25124005");
    static const uint8_t want[STORE_HASH_LEN] = {0x51, 0xe4, 0x3c, 0x96, 0x19, 0x5b, 0x1a, 0x1c,
                                                 0xf5, 0xc3, 0xc7, 0x5d, 0x7b, 0xbf, 0x77, 0x10,
                                                 0x3a, 0x51, 0x3f, 0x6e, 0x47, 0xfa, 0x53, 0xce,
                                                 0xf3, 0xd3, 0x45, 0x97, 0x11, 0x19, 0x6e, 0x31};
    assert_int_equal(pin_hash(&k, "12345678", h), 0);
    assert_memory_equal(h, want, STORE_HASH_LEN);
    /* Not the token digest of anything: the token digest is plain SHA-256
     * of a 32-character string, and a PIN is 8 digits. */
    struct linkkey none = {0};
    assert_int_equal(pin_derive(&none, salt, 0, pin), ERR_INVAL);
    assert_string_equal(pin, "");
    assert_int_equal(pin_hash(&none, "12345678", h), ERR_INVAL);
}

static void test_hash_rejects_non_pins(void **state)
{
    (void)state;
    struct linkkey k = test_key(1);
    uint8_t h[STORE_HASH_LEN];
    static const char *const bad[] = {"",         "1234567",  "123456789", "1234567a",
                                      "12345#78", "*2345678", " 1234567",  "１２３４５６７８"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(pin_hash(&k, bad[i], h), ERR_PARSE);
    assert_int_equal(pin_hash(&k, NULL, h), ERR_PARSE);
    assert_int_equal(pin_hash(&k, "00000000", h), 0);
}

/* A meeting with n invitations. With seed != 0 they share one salt (and
 * have made-up token digests): their PINs would all be equal at counter 0,
 * so each must move on to the next counter. With seed 0 they are made like
 * the API makes them. */
static int64_t meeting_with_pins(struct store *s, const struct linkkey *k, int64_t owner,
                                 struct store_invitation *invs, size_t n, uint8_t seed)
{
    char token[TOKEN_STR_LEN + 1];
    struct store_meeting m = {.owner_id = owner, .planned_start = 1, .planned_end = 2};
    uint8_t hashes[4][STORE_HASH_LEN];
    assert_true(n <= 4);
    memset(invs, 0, sizeof *invs * n);
    for (size_t i = 0; i < n; i++) {
        invs[i].role = ROLE_INTERPRETER;
        invs[i].expires_at = FUTURE_MS;
        invs[i].has_salt = true;
        memset(invs[i].salt, 0x5a, STORE_SALT_LEN);
        fill_hash(hashes[i], (uint8_t)(seed + i));
        if (!seed)
            assert_int_equal(linkkey_new(k, invs[i].salt, token, hashes[i]), 0);
    }
    assert_int_equal(pin_assign(s, k, invs, n), 0);
    assert_int_equal(store_meeting_create(s, &m, invs, (const uint8_t(*)[STORE_HASH_LEN])hashes, n),
                     0);
    return m.id;
}

static void test_collisions_take_next_counter(void **state)
{
    struct fixture *f = *state;
    struct linkkey k = test_key(1);
    struct store_invitation invs[3], later[1], got;
    char pin[PIN_DIGITS + 1];
    int64_t owner = add_user(f->s, "alice");
    int64_t mid = meeting_with_pins(f->s, &k, owner, invs, 3, 10);
    for (uint32_t i = 0; i < 3; i++) {
        assert_true(invs[i].has_pin);
        assert_int_equal(invs[i].pin_counter, i);
    }
    /* Stored, read back, shown again. */
    assert_int_equal(store_invitation_get(f->s, invs[0].id, &got), 0);
    assert_true(got.has_pin);
    assert_int_equal(got.pin_counter, 0);
    assert_true(pin_of(&k, &got, pin));
    assert_string_equal(pin, "07600619");
    assert_int_equal(store_invitation_get(f->s, invs[1].id, &got), 0);
    assert_true(pin_of(&k, &got, pin));
    assert_string_equal(pin, "25124005");
    /* Another meeting's invitation with the same salt avoids the live ones. */
    meeting_with_pins(f->s, &k, owner, later, 1, 20);
    assert_int_equal(later[0].pin_counter, 3);
    /* Revoking one and ending the meeting frees their PINs. */
    assert_int_equal(store_invitation_revoke(f->s, invs[0].id, 7), 0);
    assert_int_equal(store_invitation_find_pin(f->s, invs[0].pin_hash, &got), ERR_NOTFOUND);
    assert_int_equal(store_invitation_find_pin(f->s, invs[1].pin_hash, &got), 0);
    assert_int_equal(got.id, invs[1].id);
    assert_int_equal(store_meeting_set_ended(f->s, mid, 8), 0);
    assert_int_equal(store_invitation_find_pin(f->s, invs[1].pin_hash, &got), ERR_NOTFOUND);
    meeting_with_pins(f->s, &k, owner, later, 1, 30);
    assert_int_equal(later[0].pin_counter, 0);
}

/* A new key: the stored PIN is neither shown nor found. */
static void test_other_key_no_pin(void **state)
{
    struct fixture *f = *state;
    struct linkkey k = test_key(1), rotated = test_key(2);
    struct store_invitation invs[1], got;
    char pin[PIN_DIGITS + 1];
    meeting_with_pins(f->s, &k, add_user(f->s, "alice"), invs, 1, 10);
    assert_int_equal(store_invitation_get(f->s, invs[0].id, &got), 0);
    assert_false(pin_of(&rotated, &got, pin));
    assert_string_equal(pin, "");
    got.has_pin = false;
    assert_false(pin_of(&k, &got, pin));
}

/* Invitations from before PINs: those with a salt and a link from this key
 * get one at start-up, the others stay without. */
static void test_backfill(void **state)
{
    struct fixture *f = *state;
    struct linkkey k = test_key(1);
    char token[TOKEN_STR_LEN + 1], pin[PIN_DIGITS + 1];
    int64_t mid = add_meeting(f->s, add_user(f->s, "alice"), 1000, 1); /* no salt */
    struct store_invitation a = {.meeting_id = mid, .role = ROLE_AKASSE, .expires_at = FUTURE_MS};
    struct store_invitation b = a, c = a, got;
    uint8_t ha[STORE_HASH_LEN], hb[STORE_HASH_LEN], hc[STORE_HASH_LEN];
    a.has_salt = b.has_salt = c.has_salt = true;
    assert_int_equal(linkkey_new(&k, a.salt, token, ha), 0);
    assert_int_equal(linkkey_new(&k, b.salt, token, hb), 0);
    fill_hash(hc, 77); /* c's digest is not its derived token's: another key's link */
    assert_int_equal(store_invitation_add(f->s, &a, ha), 0);
    assert_int_equal(store_invitation_add(f->s, &b, hb), 0);
    assert_int_equal(store_invitation_add(f->s, &c, hc), 0);
    assert_int_equal(store_invitation_revoke(f->s, b.id, 5), 0);
    size_t n = 99;
    assert_int_equal(pin_backfill(f->s, &k, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_invitation_get(f->s, a.id, &got), 0);
    assert_true(pin_of(&k, &got, pin));
    assert_int_equal(store_invitation_get(f->s, b.id, &got), 0);
    assert_false(got.has_pin);
    assert_int_equal(store_invitation_get(f->s, c.id, &got), 0);
    assert_false(got.has_pin);
    /* A second start has nothing left to do. */
    assert_int_equal(pin_backfill(f->s, &k, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_invitation_set_pin(f->s, 9999, got.pin_hash, 0), ERR_NOTFOUND);
}

static void test_lookup(void **state)
{
    struct fixture *f = *state;
    struct linkkey key = test_key(1);
    struct store_invitation invs[2], inv;
    struct store_meeting sm;
    char pin[PIN_DIGITS + 1], pin2[PIN_DIGITS + 1];
    int64_t mid = meeting_with_pins(f->s, &key, add_user(f->s, "alice"), invs, 2, 0);
    assert_true(pin_of(&key, &invs[0], pin));
    assert_true(pin_of(&key, &invs[1], pin2));
    assert_int_equal(pin_lookup(f->s, &key, pin, &inv, &sm), 0);
    assert_int_equal(inv.id, invs[0].id);
    assert_int_equal(inv.role, ROLE_INTERPRETER);
    assert_int_equal(sm.id, mid);
    /* Wrong PINs: unknown digits, not a PIN at all. */
    assert_int_equal(pin_lookup(f->s, &key, "00000000", &inv, &sm), ERR_NOTFOUND);
    assert_int_equal(pin_lookup(f->s, &key, "0760061", &inv, &sm), ERR_NOTFOUND);
    assert_int_equal(pin_lookup(f->s, &key, "076006199", &inv, &sm), ERR_NOTFOUND);
    assert_int_equal(pin_lookup(f->s, &key, "", &inv, &sm), ERR_NOTFOUND);
    assert_int_equal(pin_lookup(f->s, &key, NULL, &inv, &sm), ERR_NOTFOUND);
    /* Expired. */
    struct store_invitation old = {
        .meeting_id = mid, .role = ROLE_CITIZEN, .expires_at = 1, .has_salt = true};
    char token[TOKEN_STR_LEN + 1], pin3[PIN_DIGITS + 1];
    uint8_t h[STORE_HASH_LEN];
    assert_int_equal(linkkey_new(&key, old.salt, token, h), 0);
    assert_int_equal(pin_assign(f->s, &key, &old, 1), 0);
    assert_int_equal(store_invitation_add(f->s, &old, h), 0);
    assert_true(pin_of(&key, &old, pin3));
    assert_int_equal(pin_lookup(f->s, &key, pin3, &inv, &sm), ERR_EXPIRED);
    /* Revoked, ended. */
    assert_int_equal(store_invitation_revoke(f->s, invs[0].id, 5), 0);
    assert_int_equal(pin_lookup(f->s, &key, pin, &inv, &sm), ERR_NOTFOUND);
    assert_int_equal(pin_lookup(f->s, &key, pin2, &inv, &sm), 0);
    assert_int_equal(store_meeting_set_ended(f->s, mid, 6), 0);
    assert_int_equal(pin_lookup(f->s, &key, pin2, &inv, &sm), ERR_NOTFOUND);
}

int main(void)
{
    log_set_level(LOG_LEVEL_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_vectors),
        cmocka_unit_test(test_hash_rejects_non_pins),
        cmocka_unit_test_setup_teardown(test_collisions_take_next_counter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_key_no_pin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backfill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
