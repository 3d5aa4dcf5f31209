/* What a key says about itself, read from tokens shaped like Supabase's
 * own: JWTs built here from JSON, the newer sb_ keys, and broken keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "keyinfo.h"

/* Encodes s as unpadded base64url into out (large enough). */
static void b64url(const char *s, char *out)
{
    static const char abc[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvw"
        "xyz0123456789-_";
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), i, n = 0;

    for (i = 0; i + 2 < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        out[n++] = abc[v >> 18];
        out[n++] = abc[(v >> 12) & 63];
        out[n++] = abc[(v >> 6) & 63];
        out[n++] = abc[v & 63];
    }
    if (len - i == 1) {
        out[n++] = abc[p[i] >> 2];
        out[n++] = abc[(p[i] & 3) << 4];
    } else if (len - i == 2) {
        unsigned v = (unsigned)p[i] << 8 | p[i + 1];
        out[n++] = abc[v >> 10];
        out[n++] = abc[(v >> 4) & 63];
        out[n++] = abc[(v & 15) << 2];
    }
    out[n] = '\0';
}

/* header.payload.signature, the signature being arbitrary bytes. */
static void make_jwt(char *out, size_t n, const char *header,
                     const char *payload)
{
    char h[512], p[1024];

    b64url(header, h);
    b64url(payload, p);
    snprintf(out, n, "%s.%s.%s", h, p,
             "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c");
}

static void service_role_jwt_reveals_its_claims(void **state)
{
    char key[2048];
    struct bg__keyinfo ki;

    (void)state;
    make_jwt(key, sizeof(key), "{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
             "{\"iss\":\"supabase\",\"ref\":\"abcdefghijklmnopqrst\","
             "\"role\":\"service_role\",\"iat\":1700000000,"
             "\"exp\":2015576000}");
    bg__key_inspect(key, &ki);
    assert_int_equal(ki.format, BG__KEY_JWT);
    assert_string_equal(ki.alg, "HS256");
    assert_string_equal(ki.role, "service_role");
    assert_string_equal(ki.ref, "abcdefghijklmnopqrst");
    assert_string_equal(ki.iss, "supabase");
    assert_int_equal(ki.iat, 1700000000);
    assert_int_equal(ki.exp, 2015576000);
    assert_string_equal(bg__key_format_name(ki.format), "jwt");
}

static void jwt_without_claims_leaves_them_empty(void **state)
{
    /* Every length of payload modulo 3, so every padding case decodes. */
    static const char *const payloads[] = {
        "{}",
        "{ }",
        "{  }",
        "{\"role\":\"anon\",\"exp\":1.5e9}",
    };
    char key[2048];
    struct bg__keyinfo ki;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
        make_jwt(key, sizeof(key), "{\"alg\":\"ES256\"}", payloads[i]);
        bg__key_inspect(key, &ki);
        assert_int_equal(ki.format, BG__KEY_JWT);
        assert_string_equal(ki.alg, "ES256");
        assert_string_equal(ki.ref, "");
        assert_string_equal(ki.iss, "");
        assert_int_equal(ki.iat, 0);
    }
    assert_string_equal(ki.role, "anon");
    assert_int_equal(ki.exp, 1500000000);
}

static void jwt_with_padding_still_decodes(void **state)
{
    char h[64], p[128], key[512];
    struct bg__keyinfo ki;

    (void)state;
    /* 13 and 14 bytes of JSON: base64 would pad with "==" and "=". */
    b64url("{\"alg\":\"none\"}", h);
    b64url("{\"role\":\"ab\"}", p);
    snprintf(key, sizeof(key), "%s%s.%s%s.", h, strlen(h) % 4 ? "=" : "", p,
             strlen(p) % 4 == 2 ? "==" : "=");
    bg__key_inspect(key, &ki);
    assert_int_equal(ki.format, BG__KEY_JWT);
    assert_string_equal(ki.alg, "none");
    assert_string_equal(ki.role, "ab");
}

static void long_claims_are_cut_to_their_fields(void **state)
{
    char payload[512], key[2048];
    struct bg__keyinfo ki;

    (void)state;
    snprintf(payload, sizeof(payload), "{\"role\":\"%0200d\"}", 7);
    make_jwt(key, sizeof(key), "{\"alg\":\"HS256\"}", payload);
    bg__key_inspect(key, &ki);
    assert_int_equal(ki.format, BG__KEY_JWT);
    assert_int_equal(strlen(ki.role), sizeof(ki.role) - 1);
}

struct format_case {
    const char *key;
    enum bg__key_format want;
};

static void formats_are_told_apart(void **state)
{
    static const struct format_case cases[] = {
        {NULL, BG__KEY_EMPTY},
        {"", BG__KEY_EMPTY},
        {"sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz", BG__KEY_SECRET},
        {"sb_publishable_ZGVtbyBrZXk_abc-123", BG__KEY_PUBLISHABLE},
        {"sb_secret_", BG__KEY_MALFORMED},
        {"sb_secret_abc def", BG__KEY_MALFORMED},
        {"sb_secret_abc\n", BG__KEY_MALFORMED},
        {"sb_other_abc", BG__KEY_MALFORMED},
        {"just-some-text", BG__KEY_MALFORMED},
        {"a.b", BG__KEY_MALFORMED},
        {"a.b.c.d", BG__KEY_MALFORMED},
        {"eyJhbGciOiJIUzI1NiJ9.not base64.sig", BG__KEY_MALFORMED},
        {"eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.s!g", BG__KEY_MALFORMED},
        /* The payload is base64url of "not json". */
        {"eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.sig", BG__KEY_MALFORMED},
        /* The payload is base64url of "[1]": JSON, but no object. */
        {"eyJhbGciOiJIUzI1NiJ9.WzFd.sig", BG__KEY_MALFORMED},
        /* Five characters cannot be base64. */
        {"eyJhbGciOiJIUzI1NiJ9.abcde.sig", BG__KEY_MALFORMED},
        {"\"eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.sig\"",
         BG__KEY_MALFORMED},
        {"eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.sig", BG__KEY_JWT},
    };
    struct bg__keyinfo ki;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bg__key_inspect(cases[i].key, &ki);
        if (ki.format != cases[i].want)
            fail_msg("case %zu: got %s, want %s", i,
                     bg__key_format_name(ki.format),
                     bg__key_format_name(cases[i].want));
    }
}

static void malformed_key_reports_no_claims(void **state)
{
    struct bg__keyinfo ki;

    (void)state;
    /* A decodable header with a broken payload must not leave alg set. */
    bg__key_inspect("eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.sig", &ki);
    assert_int_equal(ki.format, BG__KEY_MALFORMED);
    assert_string_equal(ki.alg, "");
    assert_string_equal(ki.role, "");
}

static void format_names_are_stable(void **state)
{
    (void)state;
    assert_string_equal(bg__key_format_name(BG__KEY_EMPTY), "empty");
    assert_string_equal(bg__key_format_name(BG__KEY_JWT), "jwt");
    assert_string_equal(bg__key_format_name(BG__KEY_SECRET), "secret");
    assert_string_equal(bg__key_format_name(BG__KEY_PUBLISHABLE),
                        "publishable");
    assert_string_equal(bg__key_format_name(BG__KEY_MALFORMED), "malformed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(service_role_jwt_reveals_its_claims),
        cmocka_unit_test(jwt_without_claims_leaves_them_empty),
        cmocka_unit_test(jwt_with_padding_still_decodes),
        cmocka_unit_test(long_claims_are_cut_to_their_fields),
        cmocka_unit_test(formats_are_told_apart),
        cmocka_unit_test(malformed_key_reports_no_claims),
        cmocka_unit_test(format_names_are_stable),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
