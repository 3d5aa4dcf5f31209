/* Object key and bucket name rules of the emulator, as the contract table
 * lists them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "keyrule.h"

struct name_case {
    const char *name;
    bool valid;
};

static const struct name_case keys[] = {
    {"report.pdf", true},
    {"folder/sub/file.txt", true},
    {"AZaz09_/!.*'() &$=@;:+,?-", true},
    {"a.b..c", true},
    {".hidden", true},
    {"dir/..config", true},
    {"", false},
    {"caf\xc3\xa9.txt", false},
    {"tilde~", false},
    {"hash#tag", false},
    {"percent%", false},
    {"back\\slash", false},
    {"tab\there", false},
    {"new\nline", false},
    {"quote\"", false},
    {".", false},
    {"..", false},
    {"a/./b", false},
    {"a/../b", false},
    {"a/..", false},
    {"./a", false},
};

static const struct name_case buckets[] = {
    {"docs", true},
    {"my-bucket_1.v2", true},
    {"", false},
    {"a/b", false},
    {"..", false},
    {"caf\xc3\xa9", false},
    {"this-name-is-far-too-long-for-storage-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
     false},
};

static void keys_follow_storage_character_rules(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        print_message("key: '%s'\n", keys[i].name);
        assert_int_equal(emu_key_valid(keys[i].name), keys[i].valid);
    }
}

static void bucket_names_are_keys_without_slash_up_to_100_chars(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(buckets) / sizeof(buckets[0]); i++) {
        print_message("bucket: '%s'\n", buckets[i].name);
        assert_int_equal(emu_bucket_name_valid(buckets[i].name),
                         buckets[i].valid);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys_follow_storage_character_rules),
        cmocka_unit_test(bucket_names_are_keys_without_slash_up_to_100_chars),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
