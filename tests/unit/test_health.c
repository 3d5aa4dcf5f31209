/* Specification of health: the thresholds of DESIGN.md over a sliding
 * window of the last outcomes, so that a present outage shows however long
 * the healthy history before it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "registry.h"

#define SECOND 1000000LL
#define NOW    (1700000000LL * SECOND)

static void default_config(struct bg_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->window_count = 100;
    cfg->window_seconds = 900;
    cfg->healthy_rate = 0.95;
    cfg->healthy_consec = 3;
    cfg->degraded_rate = 0.80;
    cfg->degraded_consec = 5;
}

/* Feeds outcomes written as runs, "97S3F" = 97 successes then 3
 * failures, the whole pattern repeated; each ends one second after the
 * previous one and the last one second before NOW. */
static void feed(struct bg__window *w, const char *pattern, unsigned repeat)
{
    unsigned total = 0, r, n, i, k = 0;
    const char *p;

    for (r = 0; r < repeat; r++)
        for (p = pattern; *p != '\0'; p++)
            for (n = (unsigned)strtoul(p, (char **)&p, 10); n > 0; n--)
                total++;
    for (r = 0; r < repeat; r++) {
        for (p = pattern; *p != '\0'; p++) {
            n = (unsigned)strtoul(p, (char **)&p, 10);
            for (i = 0; i < n; i++, k++)
                bg__window_push(w, NOW - (int64_t)(total - k) * SECOND,
                                *p == 'F');
        }
    }
}

static void window_health_follows_the_thresholds(void **state)
{
    static const struct {
        const char *name;
        const char *pattern;
        unsigned repeat;
        bg_health want;
        double rate;
        unsigned consecutive;
    } cases[] = {
        {"all successes are healthy", "100S", 1, BG_HEALTHY, 1.0, 0},
        {"95 % with scattered failures is healthy", "19S1F", 5, BG_HEALTHY,
         0.95, 1},
        {"90 % is degraded", "9S1F", 10, BG_DEGRADED, 0.90, 1},
        {"2 consecutive failures stay healthy", "98S2F", 1, BG_HEALTHY, 0.98,
         2},
        {"3 consecutive failures are degraded", "97S3F", 1, BG_DEGRADED, 0.97,
         3},
        {"4 consecutive failures are degraded", "96S4F", 1, BG_DEGRADED, 0.96,
         4},
        {"5 consecutive failures are unhealthy", "95S5F", 1, BG_UNHEALTHY, 0.95,
         5},
        {"80 % is degraded", "4S1F", 20, BG_DEGRADED, 0.80, 1},
        {"75 % is unhealthy", "3S1F", 25, BG_UNHEALTHY, 0.75, 1},
        {"a failure run that ended is not consecutive", "90S4F6S", 1,
         BG_HEALTHY, 0.96, 0},
        {"only the last 100 outcomes count", "50F100S", 1, BG_HEALTHY, 1.0, 0},
        {"all failures are unhealthy", "10F", 1, BG_UNHEALTHY, 0.0, 10},
    };
    struct bg_config cfg;
    struct bg__thresholds th;
    size_t i;

    (void)state;
    default_config(&cfg);
    bg__thresholds_from_config(&th, &cfg);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct bg__window w;
        struct bg__health_view v;

        assert_int_equal(bg__window_init(&w, th.count), BG_OK);
        feed(&w, cases[i].pattern, cases[i].repeat);
        bg__window_eval(&w, &th, NOW, &v);
        print_message("case: %s\n", cases[i].name);
        assert_int_equal(v.status, cases[i].want);
        assert_float_equal(v.success_rate, cases[i].rate, 1e-9);
        assert_int_equal(v.consecutive, cases[i].consecutive);
        bg__window_free(&w);
    }
}

static void empty_window_is_healthy(void **state)
{
    struct bg_config cfg;
    struct bg__thresholds th;
    struct bg__window w;
    struct bg__health_view v;

    (void)state;
    default_config(&cfg);
    bg__thresholds_from_config(&th, &cfg);
    assert_int_equal(bg__window_init(&w, th.count), BG_OK);
    bg__window_eval(&w, &th, NOW, &v);
    assert_int_equal(v.status, BG_HEALTHY);
    assert_int_equal(v.size, 0);
    assert_float_equal(v.success_rate, 1.0, 1e-9);
    bg__window_free(&w);
}

/* Each event stands for a call of one attempt. */
static bg_result call_result_of(bg_outcome o)
{
    return o == BG_OUTCOME_OK           ? BG_OK
           : o == BG_OUTCOME_DEFINITIVE ? BG_E_NOT_FOUND
                                        : BG_E_EXHAUSTED;
}

static void record(struct bg__registry *r, int64_t end_us, bg_outcome o)
{
    bg_event ev = {0};

    ev.time_us = end_us - 1000;
    ev.duration_us = 1000;
    ev.route = "default";
    ev.method = "HEAD";
    ev.code = o == BG_OUTCOME_OK ? "" : "timeout";
    ev.cf_ray = ev.colo = ev.cache_status = ev.address = ev.message = "";
    ev.outcome = o;
    ev.last = 1;
    ev.call_result = call_result_of(o);
    bg__registry_record(r, &ev);
}

static bg_health health_at(struct bg__registry *r, int64_t now)
{
    struct bg__health_view v;

    bg__registry_health(r, now, &v);
    return v.status;
}

/* 10,000 successes must not hide an outage: it shows after 3 failures and
 * is unhealthy after 5; then the client recovers within one window's worth
 * of successes. */
static void
outage_after_long_healthy_history_turns_unhealthy_and_recovers(void **state)
{
    struct bg_config cfg;
    struct bg__registry *r;
    int64_t t = NOW - 20000 * 10000LL;
    unsigned i;

    (void)state;
    default_config(&cfg);
    r = bg__registry_new(&cfg);
    assert_non_null(r);
    for (i = 0; i < 10000; i++)
        record(r, t += 10000, BG_OUTCOME_OK);
    assert_int_equal(health_at(r, t), BG_HEALTHY);

    for (i = 1; i <= 30; i++) {
        record(r, t += 10000, BG_OUTCOME_ROUTE_SUSPECT);
        if (i < 3)
            assert_int_equal(health_at(r, t), BG_HEALTHY);
        else if (i < 5)
            assert_int_equal(health_at(r, t), BG_DEGRADED);
        else
            assert_int_equal(health_at(r, t), BG_UNHEALTHY);
    }

    /* The failures stay in the 100-outcome window until 100 newer
     * outcomes push them out: the rate climbs back from 70 % once the
     * older successes are gone. */
    for (i = 1; i <= 100; i++) {
        record(r, t += 10000, BG_OUTCOME_OK);
        if (i < 80)
            assert_int_equal(health_at(r, t), BG_UNHEALTHY);
        else if (i < 95)
            assert_int_equal(health_at(r, t), BG_DEGRADED);
        else
            assert_int_equal(health_at(r, t), BG_HEALTHY);
    }
    bg__registry_free(r);
}

static void definitive_answers_count_as_the_service_working(void **state)
{
    struct bg_config cfg;
    struct bg__registry *r;
    struct bg__health_view v;
    int i;

    (void)state;
    default_config(&cfg);
    r = bg__registry_new(&cfg);
    assert_non_null(r);
    for (i = 0; i < 10; i++)
        record(r, NOW - 10 + i, BG_OUTCOME_DEFINITIVE);
    bg__registry_health(r, NOW, &v);
    assert_int_equal(v.status, BG_HEALTHY);
    assert_float_equal(v.success_rate, 1.0, 1e-9);
    bg__registry_free(r);
}

/* Outcomes older than window_seconds drop out, even when fewer than
 * window_count outcomes are held. */
static void old_outcomes_drop_out_of_the_window(void **state)
{
    static const struct {
        const char *name;
        int64_t failures_age_s; /* failures ended this long before NOW */
        unsigned successes;     /* recent, after the failures */
        bg_health want;
        unsigned size;
    } cases[] = {
        {"failures 20 min ago are forgotten", 1200, 0, BG_HEALTHY, 0},
        {"failures 20 min ago then 3 successes", 1200, 3, BG_HEALTHY, 3},
        {"failures 10 min ago still count", 600, 3, BG_UNHEALTHY, 13},
        {"failures 14 min ago still count", 840, 0, BG_UNHEALTHY, 10},
    };
    struct bg_config cfg;
    size_t i;
    unsigned k;

    (void)state;
    default_config(&cfg);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct bg__registry *r = bg__registry_new(&cfg);
        struct bg__health_view v;

        assert_non_null(r);
        for (k = 0; k < 10; k++)
            record(r, NOW - cases[i].failures_age_s * SECOND + k,
                   BG_OUTCOME_ROUTE_SUSPECT);
        for (k = 0; k < cases[i].successes; k++)
            record(r, NOW - 10 * SECOND + k, BG_OUTCOME_OK);
        bg__registry_health(r, NOW, &v);
        print_message("case: %s\n", cases[i].name);
        assert_int_equal(v.status, cases[i].want);
        assert_int_equal(v.size, cases[i].size);
        bg__registry_free(r);
    }
}

static void window_size_and_thresholds_come_from_the_configuration(void **state)
{
    struct bg_config cfg;
    struct bg__registry *r;
    struct bg__health_view v;
    int i;

    (void)state;
    default_config(&cfg);
    cfg.window_count = 10;
    cfg.healthy_consec = 2;
    r = bg__registry_new(&cfg);
    assert_non_null(r);
    for (i = 0; i < 20; i++)
        record(r, NOW - 100 + i,
               i < 18 ? BG_OUTCOME_OK : BG_OUTCOME_ROUTE_SUSPECT);
    bg__registry_health(r, NOW, &v);
    assert_int_equal(v.size, 10);
    assert_float_equal(v.success_rate, 0.8, 1e-9);
    assert_int_equal(v.consecutive, 2);
    assert_int_equal(v.status, BG_DEGRADED);
    bg__registry_free(r);
}

static void health_names_are_the_documented_words(void **state)
{
    (void)state;
    assert_string_equal(bg_health_name(BG_HEALTHY), "healthy");
    assert_string_equal(bg_health_name(BG_DEGRADED), "degraded");
    assert_string_equal(bg_health_name(BG_UNHEALTHY), "unhealthy");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(window_health_follows_the_thresholds),
        cmocka_unit_test(empty_window_is_healthy),
        cmocka_unit_test(
            outage_after_long_healthy_history_turns_unhealthy_and_recovers),
        cmocka_unit_test(definitive_answers_count_as_the_service_working),
        cmocka_unit_test(old_outcomes_drop_out_of_the_window),
        cmocka_unit_test(
            window_size_and_thresholds_come_from_the_configuration),
        cmocka_unit_test(health_names_are_the_documented_words),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
