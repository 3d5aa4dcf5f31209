/* Specification of the route table: which routes a client uses, the order
 * a round tries them in, ejection of failing routes and their return. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "route.h"

#define SECOND 1000000LL
#define NONE   ((size_t)-1)

static const char *const two_edges[] = {"127.0.0.1", "127.0.0.2"};

static void make_config(struct bg_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->nroutes = bg__builtin_routes(cfg->routes, BG__MAX_ROUTES);
    cfg->edge_routes = 1;
    cfg->eject_after = 3;
    cfg->eject_base = 30;
    cfg->eject_max = 300;
    cfg->deadline = 60;
}

static void init_ok(struct bg__routes *t, const struct bg_config *cfg,
                    int skip_browser, const char *const *addrs, size_t n)
{
    assert_int_equal(bg__routes_init(t, cfg, skip_browser, addrs, n), BG_OK);
}

/* The table over every built-in route, no edges. */
static void init_builtin(struct bg__routes *t)
{
    struct bg_config cfg;

    make_config(&cfg);
    init_ok(t, &cfg, 0, NULL, 0);
}

/* The table over two routes: "default" and "minimal". */
static void init_pair(struct bg__routes *t)
{
    struct bg_config cfg;

    make_config(&cfg);
    cfg.route_list = "default,minimal";
    init_ok(t, &cfg, 0, NULL, 0);
}

static void suspect_n(struct bg__routes *t, size_t i, int n, int64_t now)
{
    while (n-- > 0)
        bg__routes_record(t, i, BG_OUTCOME_ROUTE_SUSPECT, now);
}

static size_t order_of(struct bg__routes *t, int64_t now, size_t *order)
{
    return bg__routes_order(t, now, order, 64);
}

static int in_order(struct bg__routes *t, int64_t now, size_t i)
{
    size_t order[64], n = order_of(t, now, order), k;

    for (k = 0; k < n; k++)
        if (order[k] == i)
            return 1;
    return 0;
}

static void expect_order(struct bg__routes *t, int64_t now,
                         const char *const *names, size_t count)
{
    size_t order[64], n = order_of(t, now, order), k;

    assert_int_equal(n, count);
    for (k = 0; k < n; k++)
        assert_string_equal(t->v[order[k]].spec.name, names[k]);
}

/* ---- Built-in routes ------------------------------------------------- */

static void builtin_routes_are_the_classic_variants_then_transports(void **s)
{
    static const struct {
        const char *name;
        enum bg__ua_mode ua_mode;
        const char *ua_prefix;
        int conn_close, minimal, browser, ip, http, fresh;
    } want[] = {
        {"default", BG__UA_DEFAULT, "bucketguard/" BG_VERSION, 0, 0, 0, 0, 0,
         0},
        {"library-ua", BG__UA_CUSTOM, "python-httpx/0.27.0", 0, 0, 0, 0, 0, 0},
        {"browser-ua", BG__UA_CUSTOM, "Mozilla/5.0 (X11; Linux x86_64)", 0, 0,
         1, 0, 0, 0},
        {"conn-close", BG__UA_DEFAULT, "bucketguard/", 1, 0, 0, 0, 0, 0},
        {"minimal", BG__UA_NONE, "", 0, 1, 0, 0, 0, 0},
        {"ipv4", BG__UA_DEFAULT, "bucketguard/", 0, 0, 0, 4, 0, 0},
        {"ipv6", BG__UA_DEFAULT, "bucketguard/", 0, 0, 0, 6, 0, 0},
        {"http1.1", BG__UA_DEFAULT, "bucketguard/", 0, 0, 0, 0, 11, 0},
        {"http2", BG__UA_DEFAULT, "bucketguard/", 0, 0, 0, 0, 2, 0},
        {"fresh", BG__UA_DEFAULT, "bucketguard/", 0, 0, 0, 0, 0, 1},
    };
    struct bg__route_spec v[BG__MAX_ROUTES];
    unsigned n = bg__builtin_routes(v, BG__MAX_ROUTES), i;

    (void)s;
    assert_int_equal(n, sizeof(want) / sizeof(want[0]));
    for (i = 0; i < n; i++) {
        assert_string_equal(v[i].name, want[i].name);
        assert_int_equal(v[i].ua_mode, want[i].ua_mode);
        assert_memory_equal(v[i].user_agent, want[i].ua_prefix,
                            strlen(want[i].ua_prefix));
        assert_int_equal(v[i].conn_close, want[i].conn_close);
        assert_int_equal(v[i].minimal, want[i].minimal);
        assert_int_equal(v[i].browser, want[i].browser);
        assert_int_equal(v[i].ip, want[i].ip);
        assert_int_equal(v[i].http, want[i].http);
        assert_int_equal(v[i].fresh, want[i].fresh);
        assert_string_equal(v[i].address, "");
        assert_string_equal(v[i].base_url, "");
    }
    assert_string_equal(v[4].user_agent, "");
    assert_non_null(strstr(v[2].user_agent, "Chrome/"));
}

static void builtin_routes_respect_the_room_given(void **s)
{
    struct bg__route_spec v[3];

    (void)s;
    assert_int_equal(bg__builtin_routes(v, 3), 3);
    assert_string_equal(v[2].name, "browser-ua");
}

/* ---- Building the table ---------------------------------------------- */

static void every_route_starts_admitted_in_configured_order(void **s)
{
    static const char *const names[] = {
        "default", "library-ua", "browser-ua", "conn-close", "minimal",
        "ipv4",    "ipv6",       "http1.1",    "http2",      "fresh"};
    struct bg__routes t;
    size_t i;

    (void)s;
    init_builtin(&t);
    assert_int_equal(t.n, 10);
    for (i = 0; i < t.n; i++) {
        assert_float_equal(t.v[i].score, 1.0, 1e-12);
        assert_int_equal(t.v[i].ejected_until_us, 0);
    }
    assert_int_equal(t.sticky, 0);
    expect_order(&t, 0, names, 10);
    bg__routes_free(&t);
}

static void browser_routes_are_skipped_for_secret_keys(void **s)
{
    struct bg_config cfg;
    struct bg__routes t;

    (void)s;
    make_config(&cfg);
    init_ok(&t, &cfg, 1, NULL, 0);
    assert_int_equal(t.n, 9);
    assert_int_equal(bg__routes_find(&t, "browser-ua"), NONE);
    assert_int_not_equal(bg__routes_find(&t, "library-ua"), NONE);
    bg__routes_free(&t);

    cfg.route_list = "browser-ua";
    assert_int_equal(bg__routes_init(&t, &cfg, 1, NULL, 0), BG_E_CONFIG);
}

static void edge_routes_appear_only_with_several_addresses(void **s)
{
    static const char *const one[] = {"127.0.0.1"};
    struct bg_config cfg;
    struct bg__routes t;
    size_t i;

    (void)s;
    make_config(&cfg);
    init_ok(&t, &cfg, 0, one, 1);
    assert_int_equal(t.n, 10);
    bg__routes_free(&t);

    init_ok(&t, &cfg, 0, two_edges, 2);
    assert_int_equal(t.n, 12);
    i = bg__routes_find(&t, "edge-127.0.0.2");
    assert_int_equal(i, 11);
    assert_string_equal(t.v[i].spec.address, "127.0.0.2");
    assert_int_equal(t.v[i].spec.ua_mode, BG__UA_DEFAULT);
    assert_string_equal(t.v[i].spec.user_agent, "bucketguard/" BG_VERSION);
    assert_int_equal(t.v[i].spec.conn_close, 0);
    assert_int_equal(t.v[i].spec.minimal, 0);
    assert_string_equal(t.v[bg__routes_find(&t, "edge-127.0.0.1")].spec.address,
                        "127.0.0.1");
    bg__routes_free(&t);

    cfg.edge_routes = 0;
    init_ok(&t, &cfg, 0, two_edges, 2);
    assert_int_equal(t.n, 10);
    bg__routes_free(&t);
}

static void edge_route_names_stay_unique_for_long_addresses(void **s)
{
    static const char *const v6[] = {"2001:db8:1234:5678:9abc:def0:1234:5678",
                                     "2001:db8:1234:5678:9abc:def0:1234:5679"};
    struct bg_config cfg;
    struct bg__routes t;

    (void)s;
    make_config(&cfg);
    cfg.route_list = "default,edges";
    init_ok(&t, &cfg, 0, v6, 2);
    assert_int_equal(t.n, 3);
    assert_string_equal(t.v[1].spec.name, "edge-1");
    assert_string_equal(t.v[2].spec.name, "edge-2");
    assert_string_equal(t.v[2].spec.address, v6[1]);
    bg__routes_free(&t);
}

/* Naming routes means exactly those: the per-address routes come only when
 * the list asks for them with "edges". */
static void route_list_leaves_edges_out_unless_it_names_them(void **s)
{
    struct bg_config cfg;
    struct bg__routes t;

    (void)s;
    make_config(&cfg);
    cfg.route_list = "default";
    init_ok(&t, &cfg, 0, two_edges, 2);
    assert_int_equal(t.n, 1);
    bg__routes_free(&t);

    cfg.route_list = "edges,default";
    init_ok(&t, &cfg, 0, two_edges, 2);
    assert_int_equal(t.n, 3);
    assert_true(bg__routes_find(&t, "edge-127.0.0.2") != (size_t)-1);
    bg__routes_free(&t);
}

static void kill_switch_leaves_one_route(void **s)
{
    struct bg_config cfg;
    struct bg__routes t;
    size_t order[64];

    (void)s;
    make_config(&cfg);
    cfg.kill_switch = 1;
    init_ok(&t, &cfg, 0, two_edges, 2);
    assert_int_equal(t.n, 1);
    assert_string_equal(t.v[0].spec.name, "default");
    assert_int_equal(order_of(&t, 0, order), 1);
    bg__routes_free(&t);

    cfg.route_list = "minimal,default";
    init_ok(&t, &cfg, 0, two_edges, 2);
    assert_int_equal(t.n, 1);
    assert_string_equal(t.v[0].spec.name, "minimal");
    bg__routes_free(&t);
}

static void route_list_selects_and_orders_routes(void **s)
{
    static const char *const names[] = {"minimal", "conn-close", "default"};
    struct bg_config cfg;
    struct bg__routes t;

    (void)s;
    make_config(&cfg);
    cfg.route_list = " minimal, conn-close,,default,minimal ";
    init_ok(&t, &cfg, 0, NULL, 0);
    expect_order(&t, 0, names, 3);
    bg__routes_free(&t);
}

static void route_list_with_an_unknown_name_is_a_config_error(void **s)
{
    static const char *const bad[] = {"default,nosuch", "defaul", "", " , "};
    struct bg_config cfg;
    struct bg__routes t;
    size_t i;

    (void)s;
    make_config(&cfg);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cfg.route_list = (char *)bad[i];
        assert_int_equal(bg__routes_init(&t, &cfg, 0, NULL, 0), BG_E_CONFIG);
        assert_null(t.v);
    }
}

static void user_routes_join_the_builtins(void **s)
{
    struct bg_config cfg;
    struct bg__routes t;
    size_t i;

    (void)s;
    make_config(&cfg);
    snprintf(cfg.routes[cfg.nroutes].name, BG__NAME_MAX, "mirror");
    snprintf(cfg.routes[cfg.nroutes].base_url, 256, "http://127.0.0.3:1");
    cfg.nroutes++;
    init_ok(&t, &cfg, 0, NULL, 0);
    i = bg__routes_find(&t, "mirror");
    assert_int_equal(i, 10);
    assert_string_equal(t.v[i].spec.base_url, "http://127.0.0.3:1");
    assert_int_equal(bg__routes_find(&t, "nosuch"), NONE);
    bg__routes_free(&t);
}

/* ---- Preference ------------------------------------------------------ */

static void success_makes_a_route_sticky(void **s)
{
    struct bg__routes t;
    size_t order[64];

    (void)s;
    init_builtin(&t);
    bg__routes_record(&t, 4, BG_OUTCOME_OK, 0);
    assert_int_equal(order_of(&t, 0, order), 10);
    assert_string_equal(t.v[order[0]].spec.name, "minimal");
    assert_string_equal(t.v[order[1]].spec.name, "default");

    bg__routes_record(&t, 7, BG_OUTCOME_OK, 0);
    order_of(&t, 0, order);
    assert_string_equal(t.v[order[0]].spec.name, "http1.1");
    bg__routes_free(&t);
}

/* A route sweep holds each attempt to one route: the route's record
 * counts it, but the route the engine prefers stays where it was. */
static void a_pinned_success_does_not_take_the_lead(void **s)
{
    struct bg__routes t;
    size_t order[64];

    (void)s;
    init_builtin(&t);
    bg__routes_record(&t, 0, BG_OUTCOME_OK, 0);
    bg__routes_record_pinned(&t, 9, BG_OUTCOME_OK, 0);
    bg__routes_record_pinned(&t, 3, BG_OUTCOME_OK, 0);
    order_of(&t, 0, order);
    assert_string_equal(t.v[order[0]].spec.name, "default");
    assert_int_equal(t.v[9].successes, 1);
    assert_int_equal(t.v[3].successes, 1);

    /* A pinned failure still counts toward ejection. */
    bg__routes_record_pinned(&t, 0, BG_OUTCOME_ROUTE_SUSPECT, 0);
    bg__routes_record_pinned(&t, 0, BG_OUTCOME_ROUTE_SUSPECT, 0);
    bg__routes_record_pinned(&t, 0, BG_OUTCOME_ROUTE_SUSPECT, 0);
    assert_int_equal(order_of(&t, 0, order), 9);
    assert_string_not_equal(t.v[order[0]].spec.name, "default");
    bg__routes_free(&t);
}

static void failing_routes_move_back_in_the_order(void **s)
{
    static const char *const names[] = {
        "default", "browser-ua", "minimal", "ipv4",       "ipv6",
        "http1.1", "http2",      "fresh",   "conn-close", "library-ua"};
    struct bg__routes t;

    (void)s;
    init_builtin(&t);
    suspect_n(&t, 1, 2, 0);
    suspect_n(&t, 3, 1, 0);
    expect_order(&t, 0, names, 10);
    assert_true(t.v[1].score < t.v[3].score);
    assert_true(t.v[3].score < t.v[0].score);
    bg__routes_free(&t);
}

static void success_raises_a_score_back(void **s)
{
    struct bg__routes t;
    size_t order[64];

    (void)s;
    init_builtin(&t);
    suspect_n(&t, 2, 2, 0);
    suspect_n(&t, 5, 2, 0);
    bg__routes_record(&t, 5, BG_OUTCOME_OK, 0);
    bg__routes_record(&t, 0, BG_OUTCOME_OK, 0);
    order_of(&t, 0, order);
    /* ipv4 recovered part of its score; browser-ua did not. */
    assert_string_equal(t.v[order[8]].spec.name, "ipv4");
    assert_string_equal(t.v[order[9]].spec.name, "browser-ua");
    bg__routes_free(&t);
}

static void definitive_answer_counts_as_the_route_working(void **s)
{
    struct bg__routes t;

    (void)s;
    init_pair(&t);
    bg__routes_record(&t, 1, BG_OUTCOME_OK, 0);
    suspect_n(&t, 0, 2, 0);
    bg__routes_record(&t, 0, BG_OUTCOME_DEFINITIVE, 0);
    suspect_n(&t, 0, 2, 0);
    assert_int_equal(t.v[0].ejected_until_us, 0);
    assert_int_equal(t.v[0].consecutive, 2);
    /* It answered, but did not succeed: stickiness stays put. */
    assert_int_equal(t.sticky, 1);
    bg__routes_free(&t);
}

static void order_respects_the_room_given(void **s)
{
    struct bg__routes t;
    size_t order[3];

    (void)s;
    init_builtin(&t);
    suspect_n(&t, 1, 1, 0);
    suspect_n(&t, 2, 1, 0);
    assert_int_equal(bg__routes_order(&t, 0, order, 3), 3);
    /* The best routes, not merely the first ones. */
    assert_int_equal(order[0], 0);
    assert_int_equal(order[1], 3);
    assert_int_equal(order[2], 4);
    assert_int_equal(bg__routes_order(&t, 0, order, 0), 0);
    bg__routes_free(&t);
}

/* ---- Ejection and re-admission --------------------------------------- */

static void three_suspects_eject_a_route_for_thirty_seconds(void **s)
{
    struct bg__routes t;

    (void)s;
    init_builtin(&t);
    suspect_n(&t, 3, 2, 0);
    assert_true(in_order(&t, 0, 3));
    suspect_n(&t, 3, 1, 0);
    assert_int_equal(t.v[3].ejected_until_us, 30 * SECOND);
    assert_false(in_order(&t, 0, 3));
    assert_false(in_order(&t, 30 * SECOND - 1, 3));
    assert_true(in_order(&t, 30 * SECOND, 3));
    bg__routes_free(&t);
}

static void ejected_sticky_route_hands_over_to_the_best(void **s)
{
    struct bg__routes t;
    size_t order[64];

    (void)s;
    init_builtin(&t);
    suspect_n(&t, 1, 1, 0);
    suspect_n(&t, 0, 3, 0);
    assert_int_equal(t.sticky, 2);
    order_of(&t, 0, order);
    assert_string_equal(t.v[order[0]].spec.name, "browser-ua");
    bg__routes_free(&t);
}

static void ejection_doubles_up_to_five_minutes(void **s)
{
    static const int64_t want[] = {30, 60, 120, 240, 300, 300};
    struct bg__routes t;
    int64_t now = 0;
    size_t k;

    (void)s;
    init_pair(&t);
    suspect_n(&t, 1, 3, now);
    for (k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
        assert_int_equal(t.v[1].ejected_until_us - now, want[k] * SECOND);
        now = t.v[1].ejected_until_us;
        assert_true(in_order(&t, now, 1)); /* the trial */
        suspect_n(&t, 1, 1, now);          /* fails: out again at once */
    }
    bg__routes_free(&t);
}

static void expired_ejection_is_offered_once_as_a_trial(void **s)
{
    struct bg__routes t;
    size_t order[64], n;

    (void)s;
    init_builtin(&t);
    suspect_n(&t, 0, 3, 0);
    n = order_of(&t, 30 * SECOND, order);
    assert_int_equal(n, 10);
    assert_int_equal(order[n - 1], 0); /* last, as a trial */
    assert_true(t.v[0].trial);
    /* A concurrent round does not trial it again. */
    assert_int_equal(order_of(&t, 30 * SECOND, order), 9);
    assert_false(in_order(&t, 31 * SECOND, 0));
    bg__routes_free(&t);
}

static void unanswered_trial_is_offered_again_after_its_lease(void **s)
{
    struct bg__routes t;

    (void)s;
    init_builtin(&t);
    suspect_n(&t, 0, 3, 0);
    assert_true(in_order(&t, 30 * SECOND, 0));
    assert_false(in_order(&t, 89 * SECOND, 0));
    assert_true(in_order(&t, 90 * SECOND, 0));
    bg__routes_free(&t);
}

static void successful_trial_readmits_the_route(void **s)
{
    struct bg__routes t;
    size_t order[64];

    (void)s;
    init_builtin(&t);
    suspect_n(&t, 0, 3, 0);
    assert_true(in_order(&t, 30 * SECOND, 0));
    bg__routes_record(&t, 0, BG_OUTCOME_OK, 31 * SECOND);
    assert_int_equal(t.v[0].ejected_until_us, 0);
    assert_false(t.v[0].trial);
    assert_int_equal(order_of(&t, 31 * SECOND, order), 10);
    assert_int_equal(order[0], 0);
    /* Readmitted routes fail over normally again: 3 more to eject. */
    suspect_n(&t, 0, 2, 32 * SECOND);
    assert_true(in_order(&t, 32 * SECOND, 0));
    bg__routes_free(&t);
}

static void definitive_trial_readmits_the_route(void **s)
{
    struct bg__routes t;

    (void)s;
    init_builtin(&t);
    suspect_n(&t, 4, 3, 0);
    assert_true(in_order(&t, 30 * SECOND, 4));
    bg__routes_record(&t, 4, BG_OUTCOME_DEFINITIVE, 31 * SECOND);
    assert_int_equal(t.v[4].ejected_until_us, 0);
    assert_true(in_order(&t, 31 * SECOND, 4));
    bg__routes_free(&t);
}

static void failed_trial_is_ejected_for_twice_as_long(void **s)
{
    struct bg__routes t;

    (void)s;
    init_builtin(&t);
    suspect_n(&t, 2, 3, 0);
    assert_true(in_order(&t, 30 * SECOND, 2));
    suspect_n(&t, 2, 1, 31 * SECOND);
    assert_int_equal(t.v[2].ejected_until_us, 91 * SECOND);
    assert_false(t.v[2].trial);
    assert_false(in_order(&t, 90 * SECOND, 2));
    bg__routes_free(&t);
}

static void last_admitted_route_is_never_ejected(void **s)
{
    struct bg__routes t;
    int64_t now;
    size_t order[64];

    (void)s;
    init_pair(&t);
    suspect_n(&t, 0, 3, 0);
    assert_int_not_equal(t.v[0].ejected_until_us, 0);
    /* minimal is all that is left: it keeps failing and keeps serving. */
    suspect_n(&t, 1, 10, 0);
    assert_int_equal(t.v[1].ejected_until_us, 0);
    assert_int_equal(t.v[1].consecutive, 10);
    assert_int_equal(t.v[1].failures, 10);

    for (now = 0; now < 3600 * SECOND; now += 7 * SECOND) {
        size_t n = order_of(&t, now, order), k;

        assert_true(n >= 1);
        for (k = 0; k < n; k++)
            bg__routes_record(&t, order[k], BG_OUTCOME_ROUTE_SUSPECT, now);
        assert_true(t.v[0].ejected_until_us == 0 ||
                    t.v[1].ejected_until_us == 0);
    }
    bg__routes_free(&t);
}

static void with_every_route_out_the_soonest_back_is_kept(void **s)
{
    struct bg__routes t;
    size_t order[64], i;

    (void)s;
    init_builtin(&t);
    for (i = 0; i < t.n; i++)
        t.v[i].ejected_until_us = (int64_t)(100 - i) * SECOND;
    assert_int_equal(order_of(&t, 0, order), 1);
    assert_int_equal(order[0], 9);
    bg__routes_free(&t);
}

static void record_for_an_unknown_route_is_ignored(void **s)
{
    struct bg__routes t;

    (void)s;
    init_pair(&t);
    bg__routes_record(&t, 2, BG_OUTCOME_OK, 0);
    bg__routes_record(&t, NONE, BG_OUTCOME_ROUTE_SUSPECT, 0);
    assert_int_equal(t.sticky, 0);
    assert_int_equal(t.v[0].failures + t.v[1].failures, 0);
    bg__routes_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            builtin_routes_are_the_classic_variants_then_transports),
        cmocka_unit_test(builtin_routes_respect_the_room_given),
        cmocka_unit_test(every_route_starts_admitted_in_configured_order),
        cmocka_unit_test(browser_routes_are_skipped_for_secret_keys),
        cmocka_unit_test(edge_routes_appear_only_with_several_addresses),
        cmocka_unit_test(edge_route_names_stay_unique_for_long_addresses),
        cmocka_unit_test(kill_switch_leaves_one_route),
        cmocka_unit_test(route_list_selects_and_orders_routes),
        cmocka_unit_test(route_list_leaves_edges_out_unless_it_names_them),
        cmocka_unit_test(route_list_with_an_unknown_name_is_a_config_error),
        cmocka_unit_test(user_routes_join_the_builtins),
        cmocka_unit_test(success_makes_a_route_sticky),
        cmocka_unit_test(a_pinned_success_does_not_take_the_lead),
        cmocka_unit_test(failing_routes_move_back_in_the_order),
        cmocka_unit_test(success_raises_a_score_back),
        cmocka_unit_test(definitive_answer_counts_as_the_route_working),
        cmocka_unit_test(order_respects_the_room_given),
        cmocka_unit_test(three_suspects_eject_a_route_for_thirty_seconds),
        cmocka_unit_test(ejected_sticky_route_hands_over_to_the_best),
        cmocka_unit_test(ejection_doubles_up_to_five_minutes),
        cmocka_unit_test(expired_ejection_is_offered_once_as_a_trial),
        cmocka_unit_test(unanswered_trial_is_offered_again_after_its_lease),
        cmocka_unit_test(successful_trial_readmits_the_route),
        cmocka_unit_test(definitive_trial_readmits_the_route),
        cmocka_unit_test(failed_trial_is_ejected_for_twice_as_long),
        cmocka_unit_test(last_admitted_route_is_never_ejected),
        cmocka_unit_test(with_every_route_out_the_soonest_back_is_kept),
        cmocka_unit_test(record_for_an_unknown_route_is_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
