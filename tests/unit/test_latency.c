/* Specification of the per-route duration counters behind the default
 * hedge delay: a p95 that ignores a slow tail of 5 % or less, no estimate
 * from too few durations, and old durations fading. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "latency.h"

/* The upper end of a bucket is at most 19 % above what it counts. */
static void assert_near(int64_t got, int64_t want)
{
    assert_true(got >= want);
    assert_true(got <= want + want / 5 + 1);
}

static void fewer_than_twenty_durations_give_no_estimate(void **state)
{
    struct bg__latency l;

    (void)state;
    memset(&l, 0, sizeof l);
    assert_int_equal(bg__latency_quantile(&l, 0.95), 0);
    for (int i = 0; i < 19; i++)
        bg__latency_record(&l, 1000);
    assert_int_equal(bg__latency_quantile(&l, 0.95), 0);
    bg__latency_record(&l, 1000);
    assert_near(bg__latency_quantile(&l, 0.95), 1000);
}

static void p95_stays_fast_when_five_percent_are_slow(void **state)
{
    struct bg__latency l;

    (void)state;
    memset(&l, 0, sizeof l);
    for (int i = 0; i < 95; i++)
        bg__latency_record(&l, 300);
    for (int i = 0; i < 5; i++)
        bg__latency_record(&l, 2000000);
    assert_near(bg__latency_quantile(&l, 0.95), 300);
    assert_true(bg__latency_quantile(&l, 0.99) >= 2000000);
}

static void durations_past_the_last_bucket_are_counted_there(void **state)
{
    struct bg__latency l;

    (void)state;
    memset(&l, 0, sizeof l);
    for (int i = 0; i < 20; i++)
        bg__latency_record(&l, INT64_C(3600000000));
    assert_true(bg__latency_quantile(&l, 0.5) >= 4000000);
    memset(&l, 0, sizeof l);
    for (int i = 0; i < 20; i++)
        bg__latency_record(&l, 0);
    assert_near(bg__latency_quantile(&l, 0.5), 64);
}

static void old_durations_fade_as_new_ones_come(void **state)
{
    struct bg__latency l;

    (void)state;
    memset(&l, 0, sizeof l);
    for (int i = 0; i < 4000; i++)
        bg__latency_record(&l, 100000);
    for (int i = 0; i < 20000; i++)
        bg__latency_record(&l, 1000);
    assert_near(bg__latency_quantile(&l, 0.95), 1000);
    assert_true(l.total < 4096);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fewer_than_twenty_durations_give_no_estimate),
        cmocka_unit_test(p95_stays_fast_when_five_percent_are_slow),
        cmocka_unit_test(durations_past_the_last_bucket_are_counted_there),
        cmocka_unit_test(old_durations_fade_as_new_ones_come),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
