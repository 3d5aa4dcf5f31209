/* Specification of the pauses between rounds, of Retry-After, and of the
 * retry budget that caps retries during an outage. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "backoff.h"

#define SECOND 1000000LL

static void config_with(struct bg_config *cfg, const double *d, unsigned n,
                        double jitter)
{
    memset(cfg, 0, sizeof(*cfg));
    memcpy(cfg->delays, d, n * sizeof(*d));
    cfg->ndelays = n;
    cfg->jitter = jitter;
}

static const double classic[] = {1, 2, 3, 5, 8};

static void delays_follow_the_schedule_and_the_last_repeats(void **state)
{
    static const struct {
        unsigned round;
        double seconds;
    } want[] = {{0, 0}, {1, 1}, {2, 2}, {3, 3},  {4, 5},
                {5, 8}, {6, 8}, {9, 8}, {100, 8}};
    struct bg_config cfg;
    size_t i;

    (void)state;
    config_with(&cfg, classic, 5, 0);
    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        assert_float_equal(bg__backoff_delay(&cfg, want[i].round, 0.7),
                           want[i].seconds, 1e-9);
}

static void empty_schedule_never_sleeps(void **state)
{
    struct bg_config cfg;

    (void)state;
    config_with(&cfg, classic, 0, 0);
    assert_float_equal(bg__backoff_delay(&cfg, 3, 0.5), 0, 1e-9);
}

static void jitter_stays_within_its_fraction_of_the_delay(void **state)
{
    static const double jitters[] = {0, 0.25, 0.5, 1};
    struct bg_config cfg;
    size_t j;
    int i;

    (void)state;
    for (j = 0; j < sizeof(jitters) / sizeof(jitters[0]); j++) {
        double lo = 8 * (1 - jitters[j]), min = 8, max = 0;

        config_with(&cfg, classic, 5, jitters[j]);
        for (i = 0; i < 1000; i++) {
            double d = bg__backoff_delay(&cfg, 5, i / 1000.0);
            min = d < min ? d : min;
            max = d > max ? d : max;
        }
        assert_true(min >= lo - 1e-9);
        assert_true(max <= 8 + 1e-9);
        /* The spread is used, not just its end. */
        assert_true(max - min >= 0.99 * (8 - lo) - 1e-9);
    }
}

static void out_of_range_jitter_is_clamped(void **state)
{
    struct bg_config cfg;

    (void)state;
    config_with(&cfg, classic, 5, 3);
    assert_true(bg__backoff_delay(&cfg, 1, 0.999) >= 0);
    config_with(&cfg, classic, 5, -1);
    assert_float_equal(bg__backoff_delay(&cfg, 1, 0.5), 1, 1e-9);
}

#define DIGITS_50 "12345678901234567890123456789012345678901234567890"
#define DIGITS_400                                                             \
    DIGITS_50 DIGITS_50 DIGITS_50 DIGITS_50 DIGITS_50 DIGITS_50 DIGITS_50      \
        DIGITS_50

/* Retry-After relative to Sun, 06 Nov 1994 08:49:37 GMT. */
static const time_t now_1994 = 784111777;

static void retry_after_is_understood_or_refused(void **state)
{
    static const struct {
        const char *value;
        double seconds;
    } want[] = {
        {"0", 0},
        {"7", 7},
        {"  120 ", 120},
        {"3600", 3600},
        {"3601", 3600},
        {"99999999999999999999999999", 3600},
        {DIGITS_400, 3600},
        {"Sun, 06 Nov 1994 08:49:37 GMT", 0},
        {"Sun, 06 Nov 1994 08:50:07 GMT", 30},
        {"Sun, 06 Nov 1994 08:00:00 GMT", 0},
        {"Mon, 07 Nov 1994 08:49:37 GMT", 3600},
        {"Sat, 31 Dec 1994 23:59:59 GMT", 3600},
        {NULL, -1},
        {"", -1},
        {"-5", -1},
        {"5s", -1},
        {"1.5", -1},
        {"soon", -1},
        {"Sun, 06 Nov 1994 08:49:37", -1},
        {"Sun, 06 Nov 1994 08:49:37 UTC", -1},
        {"Sunday, 06-Nov-94 08:49:37 GMT", -1},
        {"Sun, 31 Feb 1994 08:49:37 GMT", -1},
        {"Sun, 06 Nov 1994 25:49:37 GMT", -1},
        {"Sun, 06 Nov 1994 08:49:37 GMT extra", -1},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        double got = bg__retry_after(want[i].value, now_1994);
        if (got != want[i].seconds)
            fail_msg("Retry-After \"%s\": got %g, want %g",
                     want[i].value ? want[i].value : "(null)", got,
                     want[i].seconds);
    }
}

/* The budget with the defaults: ratio 0.5, 10 per second, cap 100. */
static void init_default(struct bg__budget *b, int64_t now)
{
    bg__budget_init(b, 0.5, 10, 100, now);
}

static void steady_failure_rate_below_the_ratio_never_runs_dry(void **state)
{
    struct bg__budget b;
    int i, denied = 0;

    (void)state;
    init_default(&b, 0);
    /* 20 % of requests fail once and retry; no time passes at all. */
    for (i = 0; i < 100000; i++) {
        bg__budget_on_request(&b, 0);
        if (i % 5 == 0)
            denied += !bg__budget_take(&b, 0);
    }
    assert_int_equal(denied, 0);
    bg__budget_destroy(&b);
}

static void full_outage_is_capped(void **state)
{
    struct bg__budget b;
    int i, r, granted = 0;

    (void)state;
    init_default(&b, 0);
    /* 1,000 requests in one instant, each wanting 5 retries: the initial
     * tokens plus half a token per request (less what the cap cut off at
     * the start), far below the 5,000 asked. */
    for (i = 0; i < 1000; i++) {
        bg__budget_on_request(&b, 0);
        for (r = 0; r < 5; r++)
            granted += bg__budget_take(&b, 0);
    }
    assert_in_range(granted, 100 + 1000 / 2 - 1, 100 + 1000 / 2);
    bg__budget_destroy(&b);
}

static void outage_over_one_second_adds_min_per_sec(void **state)
{
    struct bg__budget b;
    int i, r, granted = 0;

    (void)state;
    init_default(&b, 0);
    for (i = 0; i < 1000; i++) {
        int64_t now = (int64_t)i * SECOND / 1000;

        bg__budget_on_request(&b, now);
        for (r = 0; r < 5; r++)
            granted += bg__budget_take(&b, now);
    }
    assert_in_range(granted, 100 + 500 + 9, 100 + 500 + 10);
    bg__budget_destroy(&b);
}

static void time_refills_the_budget_up_to_its_cap(void **state)
{
    struct bg__budget b;
    int i, granted = 0;

    (void)state;
    init_default(&b, 0);
    while (bg__budget_take(&b, 0))
        ;
    assert_false(bg__budget_take(&b, 0));

    /* One second earns min_per_sec retries. */
    for (i = 0; i < 20; i++)
        granted += bg__budget_take(&b, SECOND);
    assert_int_equal(granted, 10);

    /* An hour earns no more than the cap. */
    granted = 0;
    for (i = 0; i < 1000; i++)
        granted += bg__budget_take(&b, 3600 * SECOND);
    assert_int_equal(granted, 100);
    bg__budget_destroy(&b);
}

static void half_a_token_does_not_buy_a_retry(void **state)
{
    struct bg__budget b;

    (void)state;
    bg__budget_init(&b, 0.5, 0, 100, 0);
    while (bg__budget_take(&b, 0))
        ;
    bg__budget_on_request(&b, 0);
    assert_false(bg__budget_take(&b, 0));
    bg__budget_on_request(&b, 0);
    assert_true(bg__budget_take(&b, 0));
    assert_false(bg__budget_take(&b, 0));
    bg__budget_destroy(&b);
}

struct taker {
    struct bg__budget *budget;
    int granted;
};

static void *take_many(void *arg)
{
    struct taker *tk = arg;
    int i;

    for (i = 0; i < 10000; i++)
        tk->granted += bg__budget_take(tk->budget, 0);
    return NULL;
}

static void concurrent_callers_share_one_budget(void **state)
{
    struct bg__budget b;
    struct taker tk[4];
    pthread_t th[4];
    int i, total = 0;

    (void)state;
    init_default(&b, 0);
    for (i = 0; i < 4; i++) {
        tk[i].budget = &b;
        tk[i].granted = 0;
        assert_int_equal(pthread_create(&th[i], NULL, take_many, &tk[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        total += tk[i].granted;
    }
    assert_int_equal(total, 100);
    bg__budget_destroy(&b);
}

static void clock_going_back_earns_nothing(void **state)
{
    struct bg__budget b;

    (void)state;
    init_default(&b, 10 * SECOND);
    while (bg__budget_take(&b, 10 * SECOND))
        ;
    assert_false(bg__budget_take(&b, 0));
    assert_false(bg__budget_take(&b, 10 * SECOND));
    bg__budget_destroy(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(delays_follow_the_schedule_and_the_last_repeats),
        cmocka_unit_test(empty_schedule_never_sleeps),
        cmocka_unit_test(jitter_stays_within_its_fraction_of_the_delay),
        cmocka_unit_test(out_of_range_jitter_is_clamped),
        cmocka_unit_test(retry_after_is_understood_or_refused),
        cmocka_unit_test(steady_failure_rate_below_the_ratio_never_runs_dry),
        cmocka_unit_test(full_outage_is_capped),
        cmocka_unit_test(outage_over_one_second_adds_min_per_sec),
        cmocka_unit_test(time_refills_the_budget_up_to_its_cap),
        cmocka_unit_test(half_a_token_does_not_buy_a_retry),
        cmocka_unit_test(concurrent_callers_share_one_budget),
        cmocka_unit_test(clock_going_back_earns_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
