/* Specification of the metrics registry: what one attempt event adds to
 * which figure, the latency percentiles within the histogram's resolution,
 * and memory that stays bounded whatever the traffic. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "registry.h"

#define SECOND 1000000LL
#define NOW    (1700000000LL * SECOND)
#define MS     1000LL

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

static struct bg__registry *new_registry(void)
{
    struct bg_config cfg;
    struct bg__registry *r;

    default_config(&cfg);
    r = bg__registry_new(&cfg);
    assert_non_null(r);
    return r;
}

/* Each event stands for a call of one attempt. */
static bg_result call_result_of(bg_outcome o)
{
    return o == BG_OUTCOME_OK           ? BG_OK
           : o == BG_OUTCOME_DEFINITIVE ? BG_E_NOT_FOUND
                                        : BG_E_EXHAUSTED;
}

static bg_event event(const char *route, const char *colo, bg_outcome o)
{
    bg_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.time_us = NOW - SECOND;
    ev.route = route;
    ev.op = BG_OP_DOWNLOAD;
    ev.method = "GET";
    ev.code = "";
    ev.outcome = o;
    ev.last = 1;
    ev.call_result = call_result_of(o);
    ev.duration_us = 10 * MS;
    ev.cf_ray = "";
    ev.colo = colo;
    ev.cache_status = "";
    ev.address = "127.0.0.1";
    ev.message = "";
    return ev;
}

static uint64_t total(const struct bg__tally *t)
{
    return t->outcomes[0] + t->outcomes[1] + t->outcomes[2];
}

static unsigned find(const struct bg__names *t, const char *name)
{
    unsigned i;

    for (i = 0; i < t->n; i++)
        if (strcmp(t->name[i], name) == 0)
            return i;
    return BG__REG_OTHER;
}

static void colo_and_cache_status_are_counted_per_value(void **state)
{
    static const struct {
        const char *colo, *cache;
        unsigned times;
    } feed[] = {{"SJC", "HIT", 3},
                {"PDX", "MISS", 2},
                {"SJC", "", 1},
                {"", "DYNAMIC", 4}};
    static const struct {
        const char *colo;
        uint64_t attempts;
    } colos[] = {{"SJC", 4}, {"PDX", 2}, {"none", 4}};
    static const struct {
        const char *cache;
        uint64_t count;
    } caches[] = {{"HIT", 3}, {"MISS", 2}, {"DYNAMIC", 4}};
    struct bg__registry *r = new_registry();
    struct bg__snapshot *sn;
    size_t i;
    unsigned k;

    (void)state;
    for (i = 0; i < sizeof(feed) / sizeof(feed[0]); i++) {
        bg_event ev = event("default", feed[i].colo, BG_OUTCOME_OK);

        ev.cache_status = feed[i].cache;
        for (k = 0; k < feed[i].times; k++)
            bg__registry_record(r, &ev);
    }
    sn = bg__registry_snapshot(r, NOW);
    assert_non_null(sn);
    for (i = 0; i < sizeof(colos) / sizeof(colos[0]); i++)
        assert_int_equal(
            total(&sn->s.colo_tally[find(&sn->s.colos, colos[i].colo)]),
            colos[i].attempts);
    for (i = 0; i < sizeof(caches) / sizeof(caches[0]); i++)
        assert_int_equal(
            sn->s.cache_count[find(&sn->s.caches, caches[i].cache)],
            caches[i].count);
    assert_int_equal(sn->s.caches.n, 3);
    free(sn);
    bg__registry_free(r);
}

static void cf_ray_ring_keeps_the_last_twenty_oldest_first(void **state)
{
    struct bg__registry *r = new_registry();
    struct bg__snapshot *sn;
    char ray[64];
    unsigned i;

    (void)state;
    for (i = 0; i < 25; i++) {
        bg_event ev = event("default", "SJC", BG_OUTCOME_OK);

        snprintf(ray, sizeof(ray), "8a1b2c3d4e5f%04u-SJC", i);
        ev.cf_ray = ray;
        bg__registry_record(r, &ev);
    }
    sn = bg__registry_snapshot(r, NOW);
    assert_non_null(sn);
    assert_int_equal(sn->s.nrays, BG__REG_RAYS);
    for (i = 0; i < BG__REG_RAYS; i++) {
        unsigned at = (sn->s.ray_head + i) % BG__REG_RAYS;

        snprintf(ray, sizeof(ray), "8a1b2c3d4e5f%04u-SJC", i + 5);
        assert_string_equal(sn->s.rays[at], ray);
    }
    free(sn);
    bg__registry_free(r);
}

static void thousand_route_names_overflow_into_other(void **state)
{
    struct bg__registry *r = new_registry();
    struct bg__snapshot *sn;
    char name[32], colo[8];
    uint64_t sum = 0;
    unsigned i;

    (void)state;
    for (i = 0; i < 1000; i++) {
        bg_event ev;

        snprintf(name, sizeof(name), "route-%u", i);
        snprintf(colo, sizeof(colo), "C%03u", i % 100);
        ev = event(name, colo, (bg_outcome)(i % 3));
        ev.code = name;
        bg__registry_record(r, &ev);
    }
    sn = bg__registry_snapshot(r, NOW);
    assert_non_null(sn);
    assert_int_equal(sn->s.routes.n, BG__REG_NAMES);
    assert_int_equal(total(&sn->s.route_tally[BG__REG_OTHER]), 1000 - 64);
    assert_int_equal(sn->s.colos.n, BG__REG_NAMES);
    assert_int_equal(sn->s.codes.n, BG__REG_NAMES);
    assert_int_equal(sn->s.code_count[BG__REG_OTHER], 1000 - 64);
    assert_true(sn->s.ncombos <= BG__REG_COMBOS);
    for (i = 0; i < BG__REG_COMBOS; i++)
        sum += sn->s.combo[i].count;
    assert_int_equal(sum, 1000);
    free(sn);
    bg__registry_free(r);
}

/* Health counts calls: the failed attempts of a call that failed over and
 * succeeded, and the attempts of a route sweep, leave health alone. */
static void health_counts_calls_not_attempts(void **state)
{
    struct bg__registry *r = new_registry();
    struct bg__health_view v;
    bg_event ev;
    int i;

    (void)state;
    for (i = 0; i < 10; i++) {
        ev = event("default", "SJC", BG_OUTCOME_ROUTE_SUSPECT);
        ev.last = 0;
        bg__registry_record(r, &ev);
        ev = event("conn-close", "SJC", BG_OUTCOME_OK);
        bg__registry_record(r, &ev);
        ev = event("default", "SJC", BG_OUTCOME_ROUTE_SUSPECT);
        ev.probe = 2;
        bg__registry_record(r, &ev);
    }
    bg__registry_health(r, NOW, &v);
    assert_int_equal(v.status, BG_HEALTHY);
    assert_int_equal(v.size, 10);
    assert_int_equal(v.consecutive, 0);
    bg__registry_free(r);
}

/* A probe that did not read its object is a failure; passive traffic that
 * was told "no such object" saw access work. */
static void missing_object_fails_probes_but_not_passive_calls(void **state)
{
    struct bg__registry *r = new_registry();
    struct bg__health_view v;
    bg_event ev;
    int i;

    (void)state;
    for (i = 0; i < 5; i++) {
        ev = event("default", "SJC", BG_OUTCOME_DEFINITIVE);
        bg__registry_record(r, &ev);
    }
    bg__registry_health(r, NOW, &v);
    assert_int_equal(v.status, BG_HEALTHY);

    for (i = 0; i < 5; i++) {
        ev = event("default", "SJC", BG_OUTCOME_DEFINITIVE);
        ev.probe = 1;
        bg__registry_record(r, &ev);
    }
    bg__registry_health(r, NOW, &v);
    assert_int_equal(v.consecutive, 5);
    assert_int_equal(v.status, BG_UNHEALTHY);
    bg__registry_free(r);
}

static void probes_and_passive_traffic_are_kept_apart(void **state)
{
    struct bg__registry *r = new_registry();
    struct bg__snapshot *sn;
    bg_event ev;
    int i;

    (void)state;
    for (i = 0; i < 3; i++) {
        ev = event("default", "SJC", BG_OUTCOME_OK);
        ev.probe = 1;
        ev.op = BG_OP_EXISTS;
        bg__registry_record(r, &ev);
    }
    for (i = 0; i < 2; i++) {
        ev = event("default", "PDX", BG_OUTCOME_ROUTE_SUSPECT);
        ev.bytes = 100;
        bg__registry_record(r, &ev);
    }
    sn = bg__registry_snapshot(r, NOW);
    assert_non_null(sn);
    assert_int_equal(sn->s.side[BG__KIND_PROBE].tally.outcomes[0], 3);
    assert_int_equal(total(&sn->s.side[BG__KIND_PROBE].tally), 3);
    assert_int_equal(sn->s.side[BG__KIND_PASSIVE].tally.outcomes[2], 2);
    assert_int_equal(total(&sn->s.side[BG__KIND_PASSIVE].tally), 2);
    assert_int_equal(sn->s.side[BG__KIND_PASSIVE].tally.bytes, 200);
    assert_int_equal(total(&sn->s.op_tally[BG_OP_EXISTS]), 3);
    assert_int_equal(total(&sn->s.op_tally[BG_OP_DOWNLOAD]), 2);
    assert_int_equal(sn->s.last_probe_us, NOW - SECOND + 10 * MS);
    assert_int_equal(sn->s.side[BG__KIND_PROBE].consecutive, 0);
    assert_int_equal(sn->s.side[BG__KIND_PASSIVE].consecutive, 2);
    free(sn);
    bg__registry_free(r);
}

static void
consecutive_failures_and_their_maximum_follow_the_outcomes(void **state)
{
    static const struct {
        const char *outcomes; /* S ok, D definitive, F route_suspect */
        unsigned consecutive, max;
    } cases[] = {
        {"", 0, 0},      {"FFF", 3, 3},     {"FFFS", 0, 3},
        {"FFFSF", 1, 3}, {"FDFFFFF", 5, 5}, {"FFSFFFFD", 0, 4},
    };
    size_t i;
    const char *p;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct bg__registry *r = new_registry();
        struct bg__snapshot *sn;

        for (p = cases[i].outcomes; *p != '\0'; p++) {
            bg_event ev = event("default", "SJC",
                                *p == 'S'   ? BG_OUTCOME_OK
                                : *p == 'D' ? BG_OUTCOME_DEFINITIVE
                                            : BG_OUTCOME_ROUTE_SUSPECT);

            bg__registry_record(r, &ev);
        }
        sn = bg__registry_snapshot(r, NOW);
        assert_non_null(sn);
        print_message("case: %s\n", cases[i].outcomes);
        assert_int_equal(sn->s.consecutive, cases[i].consecutive);
        assert_int_equal(sn->s.max_consecutive, cases[i].max);
        free(sn);
        bg__registry_free(r);
    }
}

static void
last_error_keeps_route_colo_code_and_a_redacted_message(void **state)
{
    struct bg__registry *r = new_registry();
    struct bg__snapshot *sn;
    bg_event ev = event("conn-close", "PDX", BG_OUTCOME_ROUTE_SUSPECT);

    (void)state;
    ev.http_status = 400;
    ev.body_status = 404;
    ev.code = "NoSuchBucket";
    ev.message = "Bucket not found with Authorization: Bearer "
                 "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.c2lnbmF0dXJl"
                 "\nnext line";
    bg__registry_record(r, &ev);
    ev = event("default", "SJC", BG_OUTCOME_OK);
    ev.time_us += SECOND;
    bg__registry_record(r, &ev);

    sn = bg__registry_snapshot(r, NOW);
    assert_non_null(sn);
    assert_string_equal(sn->s.last_error.route, "conn-close");
    assert_string_equal(sn->s.last_error.colo, "PDX");
    assert_string_equal(sn->s.last_error.code, "NoSuchBucket");
    assert_int_equal(sn->s.last_error.body_status, 404);
    assert_non_null(strstr(sn->s.last_error.message, "Bucket not found"));
    assert_null(strstr(sn->s.last_error.message, "eyJ"));
    assert_null(strchr(sn->s.last_error.message, '\n'));
    assert_true(sn->s.last_success_us > sn->s.last_failure_us);
    free(sn);
    bg__registry_free(r);
}

static void names_from_servers_are_cut_and_made_printable(void **state)
{
    struct bg__registry *r = new_registry();
    struct bg__snapshot *sn;
    bg_event ev = event("default", "S\x01J\xc3\xa9", BG_OUTCOME_OK);

    (void)state;
    ev.cache_status = "HIT-HIT-HIT-HIT-HIT-HIT-HIT-HIT-HIT-HIT-HIT-HIT";
    bg__registry_record(r, &ev);
    sn = bg__registry_snapshot(r, NOW);
    assert_non_null(sn);
    assert_string_equal(sn->s.colos.name[0], "S?J??");
    assert_int_equal(strlen(sn->s.caches.name[0]), BG__REG_NAME_LEN - 1);
    free(sn);
    bg__registry_free(r);
}

/* Durations in µs drawn from a known distribution: count values spread
 * evenly from lo to hi, or all equal when lo == hi. */
struct spread {
    int64_t lo, hi;
    unsigned count;
};

static void percentiles_match_known_distributions(void **state)
{
    static const struct {
        const char *name;
        struct spread parts[2];
        double q, want_ms;
    } cases[] = {
        {"constant 5 ms, p50", {{5000, 5000, 1000}}, 0.5, 5},
        {"constant 5 ms, p999", {{5000, 5000, 1000}}, 0.999, 5},
        {"uniform 1..1000 ms, p50", {{1000, 1000000, 10000}}, 0.5, 500},
        {"uniform 1..1000 ms, p90", {{1000, 1000000, 10000}}, 0.9, 900},
        {"uniform 1..1000 ms, p99", {{1000, 1000000, 10000}}, 0.99, 990},
        {"90 % fast, 10 % slow, p50",
         {{10000, 10000, 900}, {2000000, 2000000, 100}},
         0.5,
         10},
        {"90 % fast, 10 % slow, p99",
         {{10000, 10000, 900}, {2000000, 2000000, 100}},
         0.99,
         2000},
        {"sub-100 µs, p50", {{20, 80, 1000}}, 0.5, 0.05},
        {"beyond the last bucket, p99",
         {{200000000, 200000000, 10}},
         0.99,
         200000},
    };
    size_t i, k;
    unsigned n;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct bg__hist h;
        double got, want = cases[i].want_ms;

        memset(&h, 0, sizeof(h));
        for (k = 0; k < 2; k++) {
            const struct spread *p = &cases[i].parts[k];

            for (n = 0; n < p->count; n++)
                bg__hist_add(&h, p->count > 1
                                     ? p->lo + (p->hi - p->lo) * (int64_t)n /
                                                   (int64_t)(p->count - 1)
                                     : p->lo);
        }
        got = bg__hist_quantile(&h, cases[i].q) / 1e3;
        print_message("case: %s: %.3f ms, want %.3f ms\n", cases[i].name, got,
                      want);
        /* A bucket spans at most a quarter of its lower bound. */
        assert_true(got >= want * 0.75 && got <= want * 1.25);
    }
}

static void histogram_buckets_cover_every_duration_in_order(void **state)
{
    static const int64_t probes[] = {
        0,   1,    99,     100,      124,       125,       199,          200,
        999, 1000, 123456, 60000000, 104857599, 104857600, INT64_MAX / 2};
    size_t i, b;

    (void)state;
    for (b = 1; b + 1 < BG__HIST_BUCKETS; b++)
        assert_true(bg__hist_upper_us(b) > bg__hist_upper_us(b - 1));
    assert_int_equal(bg__hist_upper_us(0), 100);
    assert_int_equal(bg__hist_upper_us(BG__HIST_BUCKETS - 2), 104857600);
    assert_int_equal(bg__hist_upper_us(BG__HIST_BUCKETS - 1), -1);

    for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        struct bg__hist h;

        memset(&h, 0, sizeof(h));
        bg__hist_add(&h, probes[i]);
        for (b = 0; b < BG__HIST_BUCKETS && h.bucket[b] == 0; b++)
            ;
        assert_true(b < BG__HIST_BUCKETS);
        print_message("%lld us -> bucket %zu\n", (long long)probes[i], b);
        assert_true(b + 1 == BG__HIST_BUCKETS ||
                    probes[i] < bg__hist_upper_us(b));
        assert_true(b == 0 || probes[i] >= bg__hist_upper_us(b - 1));
    }
}

struct hammer {
    struct bg__registry *r;
    unsigned events;
    int probe;
};

static void *hammer_main(void *arg)
{
    struct hammer *h = arg;
    bg_event ev = event("default", "SJC", BG_OUTCOME_OK);
    unsigned i;

    ev.probe = h->probe;
    ev.cf_ray = "8a1b2c3d4e5f6789-SJC";
    ev.cache_status = "DYNAMIC";
    for (i = 0; i < h->events; i++) {
        ev.outcome = i % 10 == 0 ? BG_OUTCOME_ROUTE_SUSPECT : BG_OUTCOME_OK;
        ev.call_result = call_result_of(ev.outcome);
        ev.duration_us = 100 + i % 5000;
        bg__registry_record(h->r, &ev);
    }
    return NULL;
}

/* Four threads record at once; no event is lost. The cost per event is
 * printed for the record, not asserted: machines differ. */
static void concurrent_recording_loses_no_event(void **state)
{
    struct bg__registry *r = new_registry();
    struct hammer h[4];
    pthread_t t[4];
    struct bg__snapshot *sn;
    struct timespec a, b;
    unsigned i;
    double ns;

    (void)state;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (i = 0; i < 4; i++) {
        h[i].r = r;
        h[i].events = 100000;
        h[i].probe = i == 0;
        assert_int_equal(pthread_create(&t[i], NULL, hammer_main, &h[i]), 0);
    }
    for (i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);

    sn = bg__registry_snapshot(r, NOW);
    assert_non_null(sn);
    assert_int_equal(total(&sn->s.side[0].tally) + total(&sn->s.side[1].tally),
                     400000);
    assert_int_equal(sn->s.side[1].tally.outcomes[BG_OUTCOME_ROUTE_SUSPECT],
                     10000);
    assert_int_equal(sn->s.cache_count[0], 400000);
    free(sn);
    bg__registry_free(r);

    ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 +
          (double)(b.tv_nsec - a.tv_nsec)) /
         400000;
    print_message("recording: %.0f ns per event, 4 threads contending\n", ns);
}

static void single_thread_recording_cost_is_reported(void **state)
{
    struct bg__registry *r = new_registry();
    struct hammer h = {r, 1000000, 0};
    struct timespec a, b;

    (void)state;
    clock_gettime(CLOCK_MONOTONIC, &a);
    hammer_main(&h);
    clock_gettime(CLOCK_MONOTONIC, &b);
    print_message("recording: %.0f ns per event, one thread\n",
                  ((double)(b.tv_sec - a.tv_sec) * 1e9 +
                   (double)(b.tv_nsec - a.tv_nsec)) /
                      1e6);
    bg__registry_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(colo_and_cache_status_are_counted_per_value),
        cmocka_unit_test(cf_ray_ring_keeps_the_last_twenty_oldest_first),
        cmocka_unit_test(thousand_route_names_overflow_into_other),
        cmocka_unit_test(probes_and_passive_traffic_are_kept_apart),
        cmocka_unit_test(health_counts_calls_not_attempts),
        cmocka_unit_test(missing_object_fails_probes_but_not_passive_calls),
        cmocka_unit_test(
            consecutive_failures_and_their_maximum_follow_the_outcomes),
        cmocka_unit_test(
            last_error_keeps_route_colo_code_and_a_redacted_message),
        cmocka_unit_test(names_from_servers_are_cut_and_made_printable),
        cmocka_unit_test(percentiles_match_known_distributions),
        cmocka_unit_test(histogram_buckets_cover_every_duration_in_order),
        cmocka_unit_test(concurrent_recording_loses_no_event),
        cmocka_unit_test(single_thread_recording_cost_is_reported),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
