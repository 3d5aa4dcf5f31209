/* HS256 tokens of the emulator: base64url coding, minting, and the order
 * in which verification reports a bad token. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "token.h"

#define SECRET "super-secret-jwt-token-with-at-least-32-characters-long"
#define NOW    1800000000

struct b64_case {
    const char *raw;
    const char *encoded;
};

static const struct b64_case b64_cases[] = {
    {"", ""},
    {"f", "Zg"},
    {"fo", "Zm8"},
    {"foo", "Zm9v"},
    {"\xfb\xff", "-_8"},
    {"{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
     "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"},
};

static void base64url_round_trips_without_padding(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(b64_cases) / sizeof(b64_cases[0]); i++) {
        const struct b64_case *c = &b64_cases[i];
        char enc[128];
        unsigned char dec[128];
        long n;

        assert_int_equal(emu_b64url_encode((const unsigned char *)c->raw,
                                           strlen(c->raw), enc, sizeof(enc)),
                         strlen(c->encoded));
        assert_string_equal(enc, c->encoded);
        n = emu_b64url_decode(c->encoded, strlen(c->encoded), dec, sizeof(dec));
        assert_int_equal(n, strlen(c->raw));
        assert_memory_equal(dec, c->raw, (size_t)n);
    }
}

static void base64url_refuses_foreign_characters(void **state)
{
    static const char *const bad[] = {"ab+c", "ab/c", "ab=c",
                                      "a\nb", "a",    "\"ab\""};
    unsigned char out[16];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(
            emu_b64url_decode(bad[i], strlen(bad[i]), out, sizeof(out)), -1);
}

static void minted_key_verifies_and_carries_its_claims(void **state)
{
    char *token =
        emu_token_mint(SECRET, "service_role", "proj", NOW - 10, NOW + 10);
    json_t *claims = NULL;

    (void)state;
    assert_non_null(token);
    assert_int_equal(emu_token_verify(SECRET, token, NOW, &claims),
                     EMU_TOKEN_OK);
    assert_string_equal(json_string_value(json_object_get(claims, "role")),
                        "service_role");
    assert_string_equal(json_string_value(json_object_get(claims, "ref")),
                        "proj");
    assert_int_equal(json_integer_value(json_object_get(claims, "exp")),
                     NOW + 10);
    json_decref(claims);
    free(token);
}

/* Returns a copy of token with the byte at index (negative: from the end)
 * replaced, or with text appended when index is 0. */
static char *altered(const char *token, int index, char c, const char *text)
{
    size_t len = strlen(token);
    char *copy = malloc(len + strlen(text) + 1);

    strcpy(copy, token);
    if (index < 0)
        copy[len + (size_t)index] = copy[len + (size_t)index] == c ? 'B' : c;
    strcat(copy, text);
    return copy;
}

static void bad_tokens_fail_with_storage_reasons(void **state)
{
    char *good = emu_token_mint(SECRET, "anon", "p", NOW - 100, NOW + 100);
    char *expired = emu_token_mint(SECRET, "anon", "p", NOW - 100, NOW);
    char *foreign = emu_token_mint("another-secret-of-32-characters!!", "anon",
                                   "p", NOW - 100, NOW + 100);
    char *tampered = altered(good, -2, 'A', "");
    char *newline = altered(good, 0, 0, "\\n");
    const struct {
        const char *token;
        enum emu_token_status status;
        const char *reason;
    } cases[] = {
        {expired, EMU_TOKEN_EXPIRED, "\"exp\" claim timestamp check failed"},
        {foreign, EMU_TOKEN_BAD_SIGNATURE, "signature verification failed"},
        {tampered, EMU_TOKEN_BAD_SIGNATURE, "signature verification failed"},
        {newline, EMU_TOKEN_MALFORMED, "Invalid Compact JWS"},
        {"not-a-jwt", EMU_TOKEN_MALFORMED, "Invalid Compact JWS"},
        {"a.b.c.d", EMU_TOKEN_MALFORMED, "Invalid Compact JWS"},
        {"", EMU_TOKEN_MALFORMED, "Invalid Compact JWS"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum emu_token_status s =
            emu_token_verify(SECRET, cases[i].token, NOW, NULL);

        print_message("case %zu\n", i);
        assert_int_equal(s, cases[i].status);
        assert_string_equal(emu_token_reason(s), cases[i].reason);
    }
    free(good);
    free(expired);
    free(foreign);
    free(tampered);
    free(newline);
}

static void header_must_say_hs256(void **state)
{
    /* {"alg":"none"} . {"role":"anon"} . signature of another token */
    const char *none = "eyJhbGciOiJub25lIn0.eyJyb2xlIjoiYW5vbiJ9.c2ln";

    (void)state;
    assert_int_equal(emu_token_verify(SECRET, none, NOW, NULL),
                     EMU_TOKEN_MALFORMED);
}

static void opaque_keys_are_stable_and_prefixed(void **state)
{
    char a[64], b[64], c[64];

    (void)state;
    emu_token_opaque(SECRET, "sb_secret_", a, sizeof(a));
    emu_token_opaque(SECRET, "sb_secret_", b, sizeof(b));
    emu_token_opaque("another secret", "sb_secret_", c, sizeof(c));
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_int_equal(strncmp(a, "sb_secret_", 10), 0);
    assert_int_equal(strlen(a), 10 + 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base64url_round_trips_without_padding),
        cmocka_unit_test(base64url_refuses_foreign_characters),
        cmocka_unit_test(minted_key_verifies_and_carries_its_claims),
        cmocka_unit_test(bad_tokens_fail_with_storage_reasons),
        cmocka_unit_test(header_must_say_hs256),
        cmocka_unit_test(opaque_keys_are_stable_and_prefixed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
