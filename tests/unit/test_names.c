/* The names users and metrics see for results, outcomes, operations and
 * log levels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "bucketguard/bucketguard.h"

static void every_result_has_its_own_description(void **state)
{
    const char *seen[BG_E_INTERNAL + 1];
    int r, j;

    (void)state;
    for (r = BG_OK; r <= BG_E_INTERNAL; r++) {
        seen[r] = bg_strerror((bg_result)r);
        assert_non_null(seen[r]);
        assert_string_not_equal(seen[r], "unknown error");
        for (j = 0; j < r; j++)
            assert_string_not_equal(seen[j], seen[r]);
    }
    assert_string_equal(bg_strerror(BG_E_EXHAUSTED), "every route failed");
    assert_string_equal(bg_strerror((bg_result)999), "unknown error");
}

static void outcome_and_level_names_are_stable(void **state)
{
    (void)state;
    assert_string_equal(bg_outcome_name(BG_OUTCOME_OK), "ok");
    assert_string_equal(bg_outcome_name(BG_OUTCOME_DEFINITIVE), "definitive");
    assert_string_equal(bg_outcome_name(BG_OUTCOME_ROUTE_SUSPECT),
                        "route_suspect");
    assert_string_equal(bg_outcome_name((bg_outcome)9), "unknown");
    assert_string_equal(bg_log_level_name(BG_LOG_ERROR), "error");
    assert_string_equal(bg_log_level_name(BG_LOG_WARN), "warn");
    assert_string_equal(bg_log_level_name(BG_LOG_INFO), "info");
    assert_string_equal(bg_log_level_name(BG_LOG_DEBUG), "debug");
    assert_string_equal(bg_log_level_name((bg_log_level)9), "unknown");
}

static void operation_names_match_the_metrics(void **state)
{
    static const char *const want[BG_OP_COUNT] = {
        "exists",        "info",         "download",   "upload",
        "remove",        "list",         "copy",       "move",
        "sign",          "bucket_list",  "bucket_get", "bucket_create",
        "bucket_delete", "bucket_check",
    };
    int op;

    (void)state;
    for (op = 0; op < BG_OP_COUNT; op++)
        assert_string_equal(bg_op_name((bg_op)op), want[op]);
    assert_string_equal(bg_op_name(BG_OP_COUNT), "unknown");
    assert_string_equal(bg_op_name((bg_op)-1), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_result_has_its_own_description),
        cmocka_unit_test(outcome_and_level_names_are_stable),
        cmocka_unit_test(operation_names_match_the_metrics),
    };

    bg_free(NULL);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
