/* Object keys and bucket ids as Storage accepts them, and their encoding
 * into request paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "encode.h"

struct valid_case {
    const char *in;
    int want;
};

static void key_rules_follow_storage(void **state)
{
    static const struct valid_case cases[] = {
        {"a.txt", 1},
        {"dir/sub/file.pdf", 1},
        {"ABC xyz_09", 1},
        {"all!.*'() &$=@;:+,?-_/chars", 1},
        {"a..b", 1},
        {".hidden", 1},
        {"dir/.../x", 1},
        {"a//b", 1},
        {"", 0},
        {".", 0},
        {"..", 0},
        {"a/./b", 0},
        {"a/../b", 0},
        {"../etc/passwd", 0},
        {"dir/..", 0},
        {"dir/.", 0},
        {"tilde~", 0},
        {"hash#", 0},
        {"percent%20", 0},
        {"caf\xc3\xa9", 0},
        {"tab\there", 0},
        {"new\nline", 0},
        {"back\\slash", 0},
        {"quote\"", 0},
        {"brace{", 0},
        {"pipe|", 0},
        {"caret^", 0},
        {"grave`", 0},
        {"lt<", 0},
        {"bracket[", 0},
        {"del\x7f", 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (bg__key_valid(cases[i].in) != cases[i].want)
            fail_msg("key '%s': want %d", cases[i].in, cases[i].want);
    }
    assert_int_equal(bg__key_valid(NULL), 0);
}

static void bucket_ids_are_plausible_names(void **state)
{
    static const struct valid_case cases[] = {
        {"documents", 1}, {"my-bucket_1", 1}, {"b.v2", 1},
        {"", 0},          {"a/b", 0},         {".", 0},
        {"..", 0},        {"tab\t", 0},       {"caf\xc3\xa9", 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (bg__bucket_valid(cases[i].in) != cases[i].want)
            fail_msg("bucket '%s': want %d", cases[i].in, cases[i].want);
    }
    assert_int_equal(bg__bucket_valid(NULL), 0);
}

struct encode_case {
    const char *in;
    int keep_slash;
    const char *want;
};

static void path_encoding_keeps_only_unreserved_characters(void **state)
{
    static const struct encode_case cases[] = {
        {"plain-name_1.txt~", 1, "plain-name_1.txt~"},
        {"dir/sub/file", 1, "dir/sub/file"},
        {"dir/sub/file", 0, "dir%2Fsub%2Ffile"},
        {"a b", 1, "a%20b"},
        {"a+b&c=d?e", 1, "a%2Bb%26c%3Dd%3Fe"},
        {"!*'():;@$,", 1, "%21%2A%27%28%29%3A%3B%40%24%2C"},
        {"caf\xc3\xa9", 1, "caf%C3%A9"},
        {"%", 1, "%25"},
        {"#", 1, "%23"},
        {"", 1, ""},
    };
    char out[128];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int n =
            bg__path_encode(cases[i].in, cases[i].keep_slash, out, sizeof(out));
        assert_int_equal(n, (int)strlen(cases[i].want));
        assert_string_equal(out, cases[i].want);
    }
}

static void path_encoding_refuses_a_short_buffer(void **state)
{
    char out[6];

    (void)state;
    assert_int_equal(bg__path_encode("abcde", 1, out, sizeof(out)), 5);
    assert_string_equal(out, "abcde");
    assert_int_equal(bg__path_encode("abcdef", 1, out, sizeof(out)), -1);
    assert_int_equal(bg__path_encode("abc d", 1, out, sizeof(out)), -1);
    assert_int_equal(bg__path_encode("", 1, out, 0), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_rules_follow_storage),
        cmocka_unit_test(bucket_ids_are_plausible_names),
        cmocka_unit_test(path_encoding_keeps_only_unreserved_characters),
        cmocka_unit_test(path_encoding_refuses_a_short_buffer),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
