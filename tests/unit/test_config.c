/* The configuration as a user meets it: defaults, every setting's range,
 * the hygiene of keys and URLs, routes, the environment, dotenv files,
 * config files and which source wins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "config.h"

/* Every variable the loaders read; cleared before each environment test
 * so that the caller's shell cannot change an outcome. */
static const char *const all_vars[] = {
    "SUPABASE_URL",
    "SUPABASE_SERVICE_ROLE_KEY",
    "SUPABASE_SERVICE_KEY",
    "SUPABASE_SECRET_KEY",
    "SUPABASE_ANON_KEY",
    "SUPABASE_PUBLISHABLE_KEY",
    "BUCKETGUARD_DISABLE",
    "BUCKETGUARD_URL",
    "BUCKETGUARD_SERVICE_KEY",
    "BUCKETGUARD_ANON_KEY",
    "BUCKETGUARD_CA_BUNDLE",
    "BUCKETGUARD_RESOLVE",
    "BUCKETGUARD_STORAGE_PREFIX",
    "BUCKETGUARD_RETRIES",
    "BUCKETGUARD_DELAYS",
    "BUCKETGUARD_JITTER",
    "BUCKETGUARD_ATTEMPT_TIMEOUT",
    "BUCKETGUARD_CONNECT_TIMEOUT",
    "BUCKETGUARD_DEADLINE",
    "BUCKETGUARD_BUDGET_RATIO",
    "BUCKETGUARD_BUDGET_MIN_PER_SEC",
    "BUCKETGUARD_BUDGET_CAP",
    "BUCKETGUARD_EJECT_AFTER",
    "BUCKETGUARD_EJECT_BASE",
    "BUCKETGUARD_EJECT_MAX",
    "BUCKETGUARD_BUCKET_TTL",
    "BUCKETGUARD_MISSING_GRACE",
    "BUCKETGUARD_ROUTES",
    "BUCKETGUARD_EDGE_ROUTES",
    "BUCKETGUARD_KILL_SWITCH",
    "BUCKETGUARD_METRICS_FILE",
    "BUCKETGUARD_HEALTH_WINDOW",
    "BUCKETGUARD_HEALTH_WINDOW_SECONDS",
    "BUCKETGUARD_HEALTH_HEALTHY_RATE",
    "BUCKETGUARD_HEALTH_HEALTHY_CONSECUTIVE",
    "BUCKETGUARD_HEALTH_DEGRADED_RATE",
    "BUCKETGUARD_HEALTH_DEGRADED_CONSECUTIVE",
};

/* A realistic service-role JWT shape; no part of it may reach a message. */
#define JWT_KEY                                                                \
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0."    \
    "c2lnbmF0dXJlc2lnbmF0dXJlc2ln"

static void clear_env(void)
{
    size_t i;

    for (i = 0; i < sizeof(all_vars) / sizeof(all_vars[0]); i++)
        unsetenv(all_vars[i]);
}

static int setup(void **state)
{
    clear_env();
    *state = bg_config_new();
    return *state == NULL;
}

static int teardown(void **state)
{
    bg_config_free(*state);
    clear_env();
    return 0;
}

/* Writes text to a new temporary file; its path goes to path. */
static void write_file(char *path, size_t n, const char *text)
{
    const char *dir = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
    int fd;

    snprintf(path, n, "%s/bg_test_config_XXXXXX", dir);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static size_t route_index(const struct bg_config *cfg, const char *name)
{
    size_t i;

    for (i = 0; i < cfg->nroutes; i++) {
        if (strcmp(cfg->routes[i].name, name) == 0)
            return i;
    }
    return (size_t)-1;
}

/* ---- Defaults and precedence ------------------------------------------ */

static void defaults_are_the_documented_values(void **state)
{
    struct bg_config *cfg = *state;
    static const double delays[] = {1, 2, 3, 5, 8};
    unsigned i;

    assert_null(cfg->url);
    assert_null(cfg->service_key);
    assert_string_equal(cfg->storage_prefix, "/storage/v1");
    assert_string_equal(cfg->metrics_file, "/tmp/fm027_metrics.json");
    assert_int_equal(cfg->retries, 5);
    assert_int_equal(cfg->ndelays, 5);
    for (i = 0; i < 5; i++)
        assert_true(cfg->delays[i] == delays[i]);
    assert_true(cfg->jitter == 0 && cfg->attempt_timeout == 30);
    assert_true(cfg->connect_timeout == 10 && cfg->deadline == 60);
    assert_true(cfg->budget_ratio == 0.5 && cfg->budget_min_per_sec == 10);
    assert_true(cfg->budget_cap == 100 && cfg->eject_after == 3);
    assert_true(cfg->eject_base == 30 && cfg->eject_max == 300);
    assert_true(cfg->bucket_ttl == 60 && cfg->missing_grace == 0);
    assert_true(cfg->window_count == 100 && cfg->window_seconds == 900);
    assert_true(cfg->healthy_rate == 0.95 && cfg->healthy_consec == 3);
    assert_true(cfg->degraded_rate == 0.80 && cfg->degraded_consec == 5);
    assert_int_equal(cfg->edge_routes, 1);
    assert_int_equal(cfg->kill_switch, 0);
    assert_null(cfg->route_list);
    assert_true(cfg->nroutes >= 5);
    assert_string_equal(cfg->routes[0].name, "default");
}

static void later_set_wins(void **state)
{
    struct bg_config *cfg = *state;

    assert_int_equal(bg_config_set(cfg, "retries", "3"), BG_OK);
    assert_int_equal(bg_config_set(cfg, "retries", "7"), BG_OK);
    assert_int_equal(cfg->retries, 7);
    assert_int_equal(bg_config_set(cfg, "url", "http://a:1"), BG_OK);
    assert_int_equal(bg_config_set(cfg, "url", "http://b:2"), BG_OK);
    assert_string_equal(cfg->url, "http://b:2/storage/v1");
}

static void rejected_value_keeps_the_previous_one(void **state)
{
    struct bg_config *cfg = *state;

    assert_int_equal(bg_config_set(cfg, "retries", "4"), BG_OK);
    assert_int_equal(bg_config_set(cfg, "retries", "many"), BG_E_CONFIG);
    assert_int_equal(cfg->retries, 4);
    assert_int_equal(bg_config_set(cfg, "url", "http://ok:1"), BG_OK);
    assert_int_equal(bg_config_set(cfg, "url", "ftp://no"), BG_E_CONFIG);
    assert_string_equal(cfg->url, "http://ok:1/storage/v1");
}

static void unknown_setting_is_named_in_the_error(void **state)
{
    struct bg_config *cfg = *state;

    assert_int_equal(bg_config_set(cfg, "retires", "3"), BG_E_CONFIG);
    assert_string_equal(bg_config_error(cfg), "unknown setting 'retires'");
    assert_int_equal(bg_config_set(cfg, "route.default.colour", "x"),
                     BG_E_CONFIG);
    assert_int_equal(bg_config_set(cfg, NULL, "x"), BG_E_USAGE);
    assert_int_equal(bg_config_set(cfg, "retries", NULL), BG_E_USAGE);
}

static void error_message_names_setting_expectation_and_value(void **state)
{
    struct bg_config *cfg = *state;

    assert_int_equal(bg_config_set(cfg, "retries", "x"), BG_E_CONFIG);
    assert_string_equal(bg_config_error(cfg),
                        "invalid value for 'retries': expected a whole "
                        "number 0..100, got 'x'");
}

/* ---- Ranges --------------------------------------------------------------
 */

struct range_case {
    const char *name, *value;
    bg_result want;
};

static void every_setting_is_range_checked(void **state)
{
    static const struct range_case cases[] = {
        {"retries", "0", BG_OK},
        {"retries", "100", BG_OK},
        {"retries", "101", BG_E_CONFIG},
        {"retries", "-1", BG_E_CONFIG},
        {"retries", "2.5", BG_E_CONFIG},
        {"retries", "", BG_E_CONFIG},
        {"delays", "1,2,3,5,8", BG_OK},
        {"delays", " 0.5 , 1 ", BG_OK},
        {"delays", "", BG_E_CONFIG},
        {"delays", "1,,2", BG_E_CONFIG},
        {"delays", "1,-2", BG_E_CONFIG},
        {"delays", "3601", BG_E_CONFIG},
        {"delays", "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1", BG_E_CONFIG},
        {"jitter", "0", BG_OK},
        {"jitter", "1", BG_OK},
        {"jitter", "1.5", BG_E_CONFIG},
        {"jitter", "-0.1", BG_E_CONFIG},
        {"attempt_timeout", "0.5", BG_OK},
        {"attempt_timeout", "0", BG_E_CONFIG},
        {"attempt_timeout", "-1", BG_E_CONFIG},
        {"attempt_timeout", "nan", BG_E_CONFIG},
        {"attempt_timeout", "inf", BG_E_CONFIG},
        {"attempt_timeout", "10s", BG_E_CONFIG},
        {"connect_timeout", "5", BG_OK},
        {"connect_timeout", "0", BG_E_CONFIG},
        {"deadline", "120", BG_OK},
        {"deadline", "-5", BG_E_CONFIG},
        {"budget_ratio", "0", BG_OK},
        {"budget_ratio", "-0.5", BG_E_CONFIG},
        {"budget_min_per_sec", "0", BG_OK},
        {"budget_min_per_sec", "-1", BG_E_CONFIG},
        {"budget_cap", "1000", BG_OK},
        {"budget_cap", "x", BG_E_CONFIG},
        {"eject_after", "1", BG_OK},
        {"eject_after", "0", BG_E_CONFIG},
        {"eject_base", "1", BG_OK},
        {"eject_base", "0", BG_E_CONFIG},
        {"eject_max", "600", BG_OK},
        {"eject_max", "-1", BG_E_CONFIG},
        {"bucket_ttl", "0", BG_OK},
        {"bucket_ttl", "-1", BG_E_CONFIG},
        {"missing_grace", "5", BG_OK},
        {"missing_grace", "-1", BG_E_CONFIG},
        {"routes", "default, minimal", BG_OK},
        {"routes", "all", BG_OK},
        {"routes", "a b", BG_E_CONFIG},
        {"routes", "a,,b", BG_E_CONFIG},
        {"edge_routes", "off", BG_OK},
        {"edge_routes", "maybe", BG_E_CONFIG},
        {"kill_switch", "yes", BG_OK},
        {"kill_switch", "2", BG_E_CONFIG},
        {"metrics_file", "/var/lib/m.json", BG_OK},
        {"metrics_file", "", BG_E_CONFIG},
        {"ca_bundle", "/etc/ssl/ca.pem", BG_OK},
        {"ca_bundle", "", BG_OK},
        {"resolve", "h.example:443:127.0.0.1,127.0.0.2", BG_OK},
        {"resolve", "h.example:x:127.0.0.1", BG_E_CONFIG},
        {"resolve", "h.example:443", BG_E_CONFIG},
        {"resolve", "", BG_OK},
        {"storage_prefix", "/storage/v1", BG_OK},
        {"storage_prefix", "none", BG_OK},
        {"storage_prefix", "storage", BG_E_CONFIG},
        {"health.window", "1", BG_OK},
        {"health.window", "0", BG_E_CONFIG},
        {"health.window_seconds", "60", BG_OK},
        {"health.window_seconds", "0", BG_E_CONFIG},
        {"health.healthy_rate", "1", BG_OK},
        {"health.healthy_rate", "1.1", BG_E_CONFIG},
        {"health.degraded_rate", "0", BG_OK},
        {"health.degraded_rate", "-0.1", BG_E_CONFIG},
        {"health.healthy_consecutive", "2", BG_OK},
        {"health.healthy_consecutive", "0", BG_E_CONFIG},
        {"health.degraded_consecutive", "9", BG_OK},
        {"health.degraded_consecutive", "x", BG_E_CONFIG},
    };
    struct bg_config *cfg = *state;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bg_result got = bg_config_set(cfg, cases[i].name, cases[i].value);
        if (got != cases[i].want)
            fail_msg("%s = '%s': got %d, want %d (%s)", cases[i].name,
                     cases[i].value, got, cases[i].want, bg_config_error(cfg));
    }
}

static void numbers_land_in_their_fields(void **state)
{
    struct bg_config *cfg = *state;

    assert_int_equal(bg_config_set(cfg, "delays", " 0.5, 1 ,2"), BG_OK);
    assert_int_equal(cfg->ndelays, 3);
    assert_true(cfg->delays[0] == 0.5 && cfg->delays[2] == 2);
    assert_int_equal(bg_config_set(cfg, "health.window", "42"), BG_OK);
    assert_int_equal(cfg->window_count, 42);
    assert_int_equal(bg_config_set(cfg, "health.degraded_rate", "0.5"), BG_OK);
    assert_true(cfg->degraded_rate == 0.5);
    assert_int_equal(bg_config_set(cfg, "missing_grace", "7.5"), BG_OK);
    assert_true(cfg->missing_grace == 7.5);
    assert_int_equal(bg_config_set(cfg, "routes", " default , minimal "),
                     BG_OK);
    assert_string_equal(cfg->route_list, "default,minimal");
    assert_int_equal(bg_config_set(cfg, "routes", "all"), BG_OK);
    assert_null(cfg->route_list);
    assert_int_equal(bg_config_set(cfg, "ca_bundle", "/x/ca.pem"), BG_OK);
    assert_string_equal(cfg->ca_bundle, "/x/ca.pem");
    assert_int_equal(bg_config_set(cfg, "ca_bundle", ""), BG_OK);
    assert_null(cfg->ca_bundle);
}

static void booleans_accept_the_usual_words(void **state)
{
    static const struct {
        const char *value;
        int want;
    } cases[] = {
        {"1", 1},  {"0", 0},   {"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0},
        {"on", 1}, {"off", 0}, {"TRUE", 1}, {" Off ", 0}, {"Yes", 1}, {"nO", 0},
    };
    struct bg_config *cfg = *state;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cfg->kill_switch = !cases[i].want;
        assert_int_equal(bg_config_set(cfg, "kill_switch", cases[i].value),
                         BG_OK);
        assert_int_equal(cfg->kill_switch, cases[i].want);
    }
}

/* ---- Hygiene ------------------------------------------------------------ */

struct clean_case {
    const char *in, *want;
    unsigned bits;
};

static void keys_are_cleaned_and_the_repair_recorded(void **state)
{
    static const struct clean_case cases[] = {
        {"abc", "abc", 0},
        {"abc\n", "abc", BG__CLEAN_NEWLINE},
        {"abc\r\n", "abc", BG__CLEAN_NEWLINE},
        {"\"abc\"", "abc", BG__CLEAN_QUOTES},
        {"'abc'", "abc", BG__CLEAN_QUOTES},
        {"  abc\t", "abc", BG__CLEAN_SPACE},
        {" \"abc\"\n", "abc",
         BG__CLEAN_SPACE | BG__CLEAN_QUOTES | BG__CLEAN_NEWLINE},
        {"\"abc\n\"", "abc", BG__CLEAN_QUOTES | BG__CLEAN_NEWLINE},
        {"\"abc'", "\"abc'", 0},
    };
    struct bg_config *cfg = *state;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(bg_config_set(cfg, "service_key", cases[i].in), BG_OK);
        assert_string_equal(cfg->service_key, cases[i].want);
        assert_int_equal(cfg->service_clean, cases[i].bits);
        assert_int_equal(bg_config_set(cfg, "anon_key", cases[i].in), BG_OK);
        assert_string_equal(cfg->anon_key, cases[i].want);
        assert_int_equal(cfg->anon_clean, cases[i].bits);
    }
}

static void key_broken_inside_is_rejected_without_showing_it(void **state)
{
    static const char *const bad[] = {
        "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9 .c2ln",
        "eyJhbGciOiJIUzI1NiJ9.eyJyb2xl\nIjoiYW5vbiJ9.c2ln",
        "sb_secret_abc\x01"
        "def",
        "\xe2\x80\x9csb_secret_abcdef\xe2\x80\x9d",
    };
    struct bg_config *cfg = *state;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(bg_config_set(cfg, "service_key", bad[i]),
                         BG_E_CONFIG);
        assert_non_null(strstr(bg_config_error(cfg), "service_key"));
        assert_null(strstr(bg_config_error(cfg), "eyJ"));
        assert_null(strstr(bg_config_error(cfg), "abc"));
        assert_null(cfg->service_key);
    }
}

static void empty_key_means_unset(void **state)
{
    struct bg_config *cfg = *state;

    assert_int_equal(bg_config_set(cfg, "anon_key", "abc"), BG_OK);
    assert_int_equal(bg_config_set(cfg, "anon_key", " \n"), BG_OK);
    assert_null(cfg->anon_key);
    assert_int_equal(cfg->anon_clean, 0);
}

static void url_is_normalised_into_a_storage_root(void **state)
{
    static const struct clean_case cases[] = {
        {"https://p.supabase.co", "https://p.supabase.co/storage/v1", 0},
        {"https://p.supabase.co/", "https://p.supabase.co/storage/v1",
         BG__CLEAN_SLASH},
        {"https://p.supabase.co/storage/v1", "https://p.supabase.co/storage/v1",
         0},
        {"https://p.supabase.co/storage/v1//",
         "https://p.supabase.co/storage/v1", BG__CLEAN_SLASH},
        {"https://p.supabase.co/storage/v1/storage/v1",
         "https://p.supabase.co/storage/v1", BG__CLEAN_PREFIX},
        {"https://p.supabase.co/storage/v1/storage/v1/",
         "https://p.supabase.co/storage/v1",
         BG__CLEAN_PREFIX | BG__CLEAN_SLASH},
        {"http://127.0.0.1:5000", "http://127.0.0.1:5000/storage/v1", 0},
        {"http://127.0.0.1:5000/custom", "http://127.0.0.1:5000/custom", 0},
        {" \"https://p.supabase.co/\"\n", "https://p.supabase.co/storage/v1",
         BG__CLEAN_SPACE | BG__CLEAN_QUOTES | BG__CLEAN_NEWLINE |
             BG__CLEAN_SLASH},
        {"HTTPS://P.supabase.co", "HTTPS://P.supabase.co/storage/v1", 0},
    };
    struct bg_config *cfg = *state;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(bg_config_set(cfg, "url", cases[i].in), BG_OK);
        assert_string_equal(cfg->url, cases[i].want);
        assert_int_equal(cfg->url_clean, cases[i].bits);
    }
}

static void invalid_url_is_rejected_without_showing_it(void **state)
{
    static const char *const bad[] = {
        "ftp://secret-host.example",
        "secret-host.example",
        "https://",
        "https:///storage/v1",
        "https://secret host.example",
        "https://user:secretpw@host.example",
        "https://secret-host.example/?apikey=1",
        "https://secret-host.example/#x",
    };
    struct bg_config *cfg = *state;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(bg_config_set(cfg, "url", bad[i]), BG_E_CONFIG);
        assert_non_null(strstr(bg_config_error(cfg), "'url'"));
        assert_null(strstr(bg_config_error(cfg), "secret"));
    }
    assert_null(cfg->url);
}

static void storage_prefix_applies_whichever_is_set_first(void **state)
{
    struct bg_config *cfg = *state;

    assert_int_equal(bg_config_set(cfg, "url", "http://h:1/"), BG_OK);
    assert_string_equal(cfg->url, "http://h:1/storage/v1");
    assert_int_equal(bg_config_set(cfg, "storage_prefix", "none"), BG_OK);
    assert_string_equal(cfg->url, "http://h:1");
    assert_int_equal(bg_config_set(cfg, "storage_prefix", "/api/"), BG_OK);
    assert_string_equal(cfg->storage_prefix, "/api");
    assert_string_equal(cfg->url, "http://h:1/api");
    assert_int_equal(cfg->url_clean, BG__CLEAN_SLASH);

    assert_int_equal(bg_config_set(cfg, "storage_prefix", ""), BG_OK);
    assert_int_equal(bg_config_set(cfg, "url", "http://h:1/storage/v1"), BG_OK);
    assert_string_equal(cfg->url, "http://h:1/storage/v1");
}

static void url_and_key_empty_means_unset(void **state)
{
    struct bg_config *cfg = *state;

    assert_int_equal(bg_config_set(cfg, "url", "http://h:1"), BG_OK);
    assert_int_equal(bg_config_set(cfg, "url", ""), BG_OK);
    assert_null(cfg->url);
    assert_int_equal(bg_config_validate(cfg), BG_E_CONFIG);
}

/* ---- Routes ------------------------------------------------------------- */

static void route_setting_creates_a_user_route_after_the_builtins(void **state)
{
    struct bg_config *cfg = *state;
    unsigned before = cfg->nroutes;
    const struct bg__route_spec *r;

    assert_int_equal(bg_config_set(cfg, "route.mine.connection", "close"),
                     BG_OK);
    assert_int_equal(cfg->nroutes, before + 1);
    r = &cfg->routes[before];
    assert_string_equal(r->name, "mine");
    assert_int_equal(r->conn_close, 1);
    assert_int_equal(r->ua_mode, cfg->routes[0].ua_mode);
    assert_string_equal(r->user_agent, cfg->routes[0].user_agent);
    assert_int_equal(r->minimal, 0);

    assert_int_equal(bg_config_set(cfg, "route.mine.header", "X-A: 1"), BG_OK);
    assert_int_equal(bg_config_set(cfg, "route.mine.header", "X-B:2"), BG_OK);
    assert_string_equal(r->headers, "X-A: 1\nX-B:2");
    assert_int_equal(bg_config_set(cfg, "route.mine.user_agent", "me/1.0"),
                     BG_OK);
    assert_int_equal(r->ua_mode, BG__UA_CUSTOM);
    assert_string_equal(r->user_agent, "me/1.0");
    assert_int_equal(bg_config_set(cfg, "route.mine.ip", "6"), BG_OK);
    assert_int_equal(bg_config_set(cfg, "route.mine.http", "1.1"), BG_OK);
    assert_int_equal(bg_config_set(cfg, "route.mine.fresh", "yes"), BG_OK);
    assert_int_equal(bg_config_set(cfg, "route.mine.address", "[::1]"), BG_OK);
    assert_true(r->ip == 6 && r->http == 11 && r->fresh == 1);
    assert_string_equal(r->address, "::1");
    assert_int_equal(bg_config_set(cfg, "route.mine.base_url", "http://o:2/"),
                     BG_OK);
    assert_string_equal(r->base_url, "http://o:2/storage/v1");
    assert_int_equal(cfg->nroutes, before + 1);
}

static void route_setting_changes_a_builtin_in_place(void **state)
{
    struct bg_config *cfg = *state;
    unsigned before = cfg->nroutes;
    size_t i = route_index(cfg, "http1.1");

    assert_true(i != (size_t)-1);
    assert_int_equal(bg_config_set(cfg, "route.http1.1.fresh", "on"), BG_OK);
    assert_int_equal(cfg->routes[i].fresh, 1);
    assert_int_equal(bg_config_set(cfg, "route.default.user_agent", "none"),
                     BG_OK);
    assert_int_equal(cfg->routes[0].ua_mode, BG__UA_NONE);
    assert_int_equal(bg_config_set(cfg, "route.default.user_agent", "default"),
                     BG_OK);
    assert_int_equal(cfg->routes[0].ua_mode, BG__UA_DEFAULT);
    assert_int_equal(cfg->nroutes, before);
}

static void rejected_route_value_creates_no_route(void **state)
{
    static const struct range_case cases[] = {
        {"route.new.ip", "5", BG_E_CONFIG},
        {"route.new.http", "3", BG_E_CONFIG},
        {"route.new.connection", "open", BG_E_CONFIG},
        {"route.new.minimal", "maybe", BG_E_CONFIG},
        {"route.new.address", "not-an-ip", BG_E_CONFIG},
        {"route.new.base_url", "ftp://x", BG_E_CONFIG},
        {"route.new.header", "no colon", BG_E_CONFIG},
        {"route.new.header", "Authorization: Bearer x", BG_E_CONFIG},
        {"route.new.header", "apikey: x", BG_E_CONFIG},
        {"route.new.user_agent",
         "bad\x01"
         "ua",
         BG_E_CONFIG},
        {"route.bad name.fresh", "1", BG_E_CONFIG},
        {"route.fresh", "1", BG_E_CONFIG},
        {"route.new.unknown", "1", BG_E_CONFIG},
    };
    struct bg_config *cfg = *state;
    unsigned before = cfg->nroutes;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(bg_config_set(cfg, cases[i].name, cases[i].value),
                         cases[i].want);
        assert_int_equal(cfg->nroutes, before);
    }
}

static void routes_are_capped(void **state)
{
    struct bg_config *cfg = *state;
    char name[64];
    unsigned i;

    for (i = cfg->nroutes; i < BG__MAX_ROUTES; i++) {
        snprintf(name, sizeof(name), "route.u%u.fresh", i);
        assert_int_equal(bg_config_set(cfg, name, "1"), BG_OK);
    }
    assert_int_equal(cfg->nroutes, BG__MAX_ROUTES);
    assert_int_equal(bg_config_set(cfg, "route.onemore.fresh", "1"),
                     BG_E_CONFIG);
    assert_int_equal(cfg->nroutes, BG__MAX_ROUTES);
}

/* ---- Environment -------------------------------------------------------- */

static void environment_variables_map_to_settings(void **state)
{
    struct bg_config *cfg = *state;

    setenv("SUPABASE_URL", "https://p.supabase.co/", 1);
    setenv("SUPABASE_SERVICE_ROLE_KEY", "svc\n", 1);
    setenv("SUPABASE_ANON_KEY", "anon", 1);
    setenv("BUCKETGUARD_ATTEMPT_TIMEOUT", "12", 1);
    setenv("BUCKETGUARD_HEALTH_WINDOW", "40", 1);
    setenv("BUCKETGUARD_HEALTH_HEALTHY_RATE", "0.9", 1);
    setenv("BUCKETGUARD_CA_BUNDLE", "/ca.pem", 1);
    setenv("BUCKETGUARD_RESOLVE", "p.supabase.co:443:127.0.0.1", 1);
    setenv("BUCKETGUARD_ROUTES", "default,minimal", 1);
    setenv("BUCKETGUARD_METRICS_FILE", "/run/m.json", 1);
    setenv("BUCKETGUARD_DELAYS", "1,1", 1);
    setenv("BUCKETGUARD_EDGE_ROUTES", "0", 1);

    assert_int_equal(bg_config_load_env(cfg), BG_OK);
    assert_string_equal(cfg->url, "https://p.supabase.co/storage/v1");
    assert_int_equal(cfg->url_clean, BG__CLEAN_SLASH);
    assert_string_equal(cfg->service_key, "svc");
    assert_int_equal(cfg->service_clean, BG__CLEAN_NEWLINE);
    assert_string_equal(cfg->anon_key, "anon");
    assert_true(cfg->attempt_timeout == 12);
    assert_int_equal(cfg->window_count, 40);
    assert_true(cfg->healthy_rate == 0.9);
    assert_string_equal(cfg->ca_bundle, "/ca.pem");
    assert_string_equal(cfg->resolve, "p.supabase.co:443:127.0.0.1");
    assert_string_equal(cfg->route_list, "default,minimal");
    assert_string_equal(cfg->metrics_file, "/run/m.json");
    assert_int_equal(cfg->ndelays, 2);
    assert_int_equal(cfg->edge_routes, 0);
    assert_int_equal(bg_config_validate(cfg), BG_OK);
}

static void unset_environment_changes_nothing(void **state)
{
    struct bg_config *cfg = *state;
    struct bg_config before;

    assert_int_equal(bg_config_set(cfg, "retries", "2"), BG_OK);
    before = *cfg;
    setenv("SUPABASE_ANON_KEY", "", 1);
    assert_int_equal(bg_config_load_env(cfg), BG_OK);
    assert_int_equal(memcmp(&before, cfg, sizeof(before)), 0);
}

struct fallback_case {
    const char *role, *service, *secret, *want;
};

static void service_key_falls_back_in_documented_order(void **state)
{
    static const struct fallback_case cases[] = {
        {"role", "service", "secret", "role"},
        {NULL, "service", "secret", "service"},
        {NULL, NULL, "secret", "secret"},
        {"", "", "secret", "secret"},
        {"role", NULL, NULL, "role"},
    };
    struct bg_config *cfg = *state;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        clear_env();
        if (cases[i].role != NULL)
            setenv("SUPABASE_SERVICE_ROLE_KEY", cases[i].role, 1);
        if (cases[i].service != NULL)
            setenv("SUPABASE_SERVICE_KEY", cases[i].service, 1);
        if (cases[i].secret != NULL)
            setenv("SUPABASE_SECRET_KEY", cases[i].secret, 1);
        assert_int_equal(bg_config_load_env(cfg), BG_OK);
        assert_string_equal(cfg->service_key, cases[i].want);
    }
}

static void anon_key_falls_back_to_publishable(void **state)
{
    struct bg_config *cfg = *state;

    setenv("SUPABASE_PUBLISHABLE_KEY", "sb_publishable_x", 1);
    assert_int_equal(bg_config_load_env(cfg), BG_OK);
    assert_string_equal(cfg->anon_key, "sb_publishable_x");
    setenv("SUPABASE_ANON_KEY", "anon", 1);
    assert_int_equal(bg_config_load_env(cfg), BG_OK);
    assert_string_equal(cfg->anon_key, "anon");
}

static void disable_variable_is_the_kill_switch(void **state)
{
    static const struct {
        const char *value;
        int start, want;
    } cases[] = {
        {"1", 0, 1}, {"true", 0, 1},  {"please", 0, 1}, {"yes", 0, 1},
        {"0", 1, 0}, {"false", 1, 0}, {"no", 1, 0},     {"off", 1, 0},
        {"", 1, 1},  {"", 0, 0},
    };
    struct bg_config *cfg = *state;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cfg->kill_switch = cases[i].start;
        setenv("BUCKETGUARD_DISABLE", cases[i].value, 1);
        assert_int_equal(bg_config_load_env(cfg), BG_OK);
        if (cfg->kill_switch != cases[i].want)
            fail_msg("BUCKETGUARD_DISABLE='%s'", cases[i].value);
    }
}

static void environment_error_names_the_variable(void **state)
{
    struct bg_config *cfg = *state;

    setenv("BUCKETGUARD_RETRIES", "lots", 1);
    assert_int_equal(bg_config_load_env(cfg), BG_E_CONFIG);
    assert_string_equal(bg_config_error(cfg),
                        "environment variable BUCKETGUARD_RETRIES: invalid "
                        "value for 'retries': expected a whole number "
                        "0..100, got 'lots'");

    clear_env();
    setenv("SUPABASE_SERVICE_ROLE_KEY", JWT_KEY " x", 1);
    assert_int_equal(bg_config_load_env(cfg), BG_E_CONFIG);
    assert_non_null(strstr(bg_config_error(cfg), "SUPABASE_SERVICE_ROLE_KEY"));
    assert_null(strstr(bg_config_error(cfg), "eyJ"));
}

/* ---- dotenv files ------------------------------------------------------- */

static void dotenv_syntax_is_understood(void **state)
{
    struct bg_config *cfg = *state;
    char path[256];

    write_file(path, sizeof(path),
               "# a comment\n"
               "\n"
               "   \n"
               "export SUPABASE_URL=http://h:1\n"
               "SUPABASE_SERVICE_ROLE_KEY = \"svc\\n\"\n"
               "SUPABASE_ANON_KEY='anon\\n' # literal backslash\n"
               "BUCKETGUARD_METRICS_FILE=\"/tmp/a \\\"b\\\" \\\\c\"\n"
               "BUCKETGUARD_CA_BUNDLE=/ca#1.pem # comment\n"
               "BUCKETGUARD_RETRIES=1\r\n"
               "BUCKETGUARD_RETRIES=2\r\n"
               "OTHER_TOOL_SETTING=ignored\n"
               "BUCKETGUARD_ROUTES=\n");
    assert_int_equal(bg_config_load_env_file(cfg, path), BG_OK);
    unlink(path);

    assert_string_equal(cfg->url, "http://h:1/storage/v1");
    assert_int_equal(cfg->url_clean, 0);
    assert_string_equal(cfg->service_key, "svc");
    assert_int_equal(cfg->service_clean, BG__CLEAN_NEWLINE);
    assert_string_equal(cfg->anon_key, "anon\\n");
    assert_string_equal(cfg->metrics_file, "/tmp/a \"b\" \\c");
    assert_string_equal(cfg->ca_bundle, "/ca#1.pem");
    assert_int_equal(cfg->retries, 2);
    assert_null(cfg->route_list);
}

static void dotenv_crlf_file_is_no_hygiene_problem(void **state)
{
    struct bg_config *cfg = *state;
    char path[256];

    write_file(path, sizeof(path),
               "SUPABASE_URL=http://h:1\r\n"
               "SUPABASE_SERVICE_ROLE_KEY=svc\r\n");
    assert_int_equal(bg_config_load_env_file(cfg, path), BG_OK);
    unlink(path);
    assert_string_equal(cfg->service_key, "svc");
    assert_int_equal(cfg->service_clean, 0);
    assert_int_equal(cfg->url_clean, 0);
}

struct error_case {
    const char *text, *want;
};

static void dotenv_errors_give_file_and_line_but_no_value(void **state)
{
    static const struct error_case cases[] = {
        {"A=1\nSUPABASE_SERVICE_ROLE_KEY " JWT_KEY "\n",
         ":2: expected KEY=value"},
        {"SUPABASE_SERVICE_ROLE_KEY=\"" JWT_KEY "\n", ":1: missing closing "
                                                      "quote"},
        {"SUPABASE_SERVICE_ROLE_KEY='" JWT_KEY "' trailing\n",
         ":1: expected KEY=value"},
        {"1BAD=" JWT_KEY "\n", ":1: expected KEY=value"},
        {"\n\nBUCKETGUARD_RETRIES=x\n", ":3: invalid value for 'retries'"},
        {"SUPABASE_SERVICE_ROLE_KEY=\"" JWT_KEY " x\"\n",
         ":1: invalid value for 'service_key'"},
    };
    struct bg_config *cfg = *state;
    char path[256];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        write_file(path, sizeof(path), cases[i].text);
        assert_int_equal(bg_config_load_env_file(cfg, path), BG_E_CONFIG);
        if (strstr(bg_config_error(cfg), cases[i].want) == NULL ||
            strncmp(bg_config_error(cfg), path, strlen(path)) != 0)
            fail_msg("case %zu: got '%s'", i, bg_config_error(cfg));
        assert_null(strstr(bg_config_error(cfg), "eyJ"));
        unlink(path);
    }
    assert_int_equal(bg_config_load_env_file(cfg, "/nonexistent/.env"),
                     BG_E_IO);
}

/* ---- Config files ------------------------------------------------------- */

static void config_file_sections_prefix_their_settings(void **state)
{
    struct bg_config *cfg = *state;
    unsigned before = cfg->nroutes;
    char path[256];
    size_t mine;

    write_file(path, sizeof(path),
               "# comment\n"
               "; another comment\n"
               "url = http://h:1\n"
               "service_key = \"svc\"\n"
               "retries = 2\n"
               "[retry]\n"
               "delays = 0.5, 1\n"
               "[health]\n"
               "  window = 50\n"
               "healthy_rate = 0.9\n"
               "[route mine]\n"
               "user_agent = \"my agent/1.0 (X; Y)\"\n"
               "connection = close\n"
               "[ route default ]\r\n"
               "header = X-Trace: 1\r\n");
    assert_int_equal(bg_config_load_file(cfg, path), BG_OK);
    unlink(path);

    assert_string_equal(cfg->url, "http://h:1/storage/v1");
    assert_string_equal(cfg->service_key, "svc");
    assert_int_equal(cfg->service_clean, 0);
    assert_int_equal(cfg->retries, 2);
    assert_int_equal(cfg->ndelays, 2);
    assert_int_equal(cfg->window_count, 50);
    assert_true(cfg->healthy_rate == 0.9);
    mine = route_index(cfg, "mine");
    assert_int_equal(mine, before);
    assert_string_equal(cfg->routes[mine].user_agent, "my agent/1.0 (X; Y)");
    assert_int_equal(cfg->routes[mine].conn_close, 1);
    assert_string_equal(cfg->routes[0].headers, "X-Trace: 1");
}

static void config_file_errors_give_file_and_line(void **state)
{
    static const struct error_case cases[] = {
        {"retries = 1\nretires = 2\n", ":2: unknown setting 'retires'"},
        {"[health]\nwindw = 1\n", ":2: unknown setting 'health.windw'"},
        {"\n[bogus]\n", ":2: unknown section"},
        {"[route]\n", ":1: unknown section"},
        {"[route bad/name]\n", ":1: invalid route name"},
        {"[health\n", ":1: expected [section]"},
        {"a\nno equals sign\n", ":1: expected name = value"},
        {"= 3\n", ":1: expected name = value"},
        {"[route x]\nip = 5\n",
         ":2: invalid value for 'route.x.ip': expected 4, 6 or any"},
        {"url = " JWT_KEY "\n", ":1: invalid value for 'url'"},
    };
    struct bg_config *cfg = *state;
    char path[256];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        write_file(path, sizeof(path), cases[i].text);
        assert_int_equal(bg_config_load_file(cfg, path), BG_E_CONFIG);
        if (strstr(bg_config_error(cfg), cases[i].want) == NULL ||
            strncmp(bg_config_error(cfg), path, strlen(path)) != 0)
            fail_msg("case %zu: got '%s'", i, bg_config_error(cfg));
        assert_null(strstr(bg_config_error(cfg), "eyJ"));
        unlink(path);
    }
    assert_int_equal(bg_config_load_file(cfg, "/nonexistent/bg.conf"), BG_E_IO);
}

/* ---- Precedence as the command applies it --------------------------------
 */

static void cli_order_gives_flags_over_env_over_env_file_over_file(void **s)
{
    struct bg_config *cfg = *s;
    char conf[256], envf[256];

    write_file(conf, sizeof(conf), "retries = 1\njitter = 0.1\n");
    write_file(envf, sizeof(envf),
               "BUCKETGUARD_RETRIES=2\nBUCKETGUARD_JITTER=0.2\n"
               "BUCKETGUARD_DEADLINE=90\n");
    setenv("BUCKETGUARD_RETRIES", "3", 1);

    assert_int_equal(bg_config_load_file(cfg, conf), BG_OK);
    assert_int_equal(cfg->retries, 1);
    assert_int_equal(bg_config_load_env_file(cfg, envf), BG_OK);
    assert_int_equal(cfg->retries, 2);
    assert_true(cfg->jitter == 0.2);
    assert_int_equal(bg_config_load_env(cfg), BG_OK);
    assert_int_equal(cfg->retries, 3);
    assert_true(cfg->jitter == 0.2 && cfg->deadline == 90);
    assert_int_equal(bg_config_set(cfg, "retries", "4"), BG_OK);
    assert_int_equal(cfg->retries, 4);
    unlink(conf);
    unlink(envf);
}

static void bucketguard_variables_override_supabase_ones(void **state)
{
    struct bg_config *cfg = *state;

    setenv("SUPABASE_URL", "http://a:1", 1);
    setenv("BUCKETGUARD_URL", "http://b:2", 1);
    assert_int_equal(bg_config_load_env(cfg), BG_OK);
    assert_string_equal(cfg->url, "http://b:2/storage/v1");
}

/* ---- Validation, copies, callbacks -------------------------------------- */

static void validate_names_what_is_missing_or_inconsistent(void **state)
{
    static const struct range_case cases[] = {
        {"eject_max", "10", BG_E_CONFIG},
        {"health.degraded_rate", "0.99", BG_E_CONFIG},
        {"health.degraded_consecutive", "1", BG_E_CONFIG},
    };
    struct bg_config *cfg = *state;
    struct bg_config *fresh;
    size_t i;

    assert_int_equal(bg_config_validate(cfg), BG_E_CONFIG);
    assert_non_null(strstr(bg_config_error(cfg), "url"));
    assert_int_equal(bg_config_set(cfg, "url", "http://h:1"), BG_OK);
    assert_int_equal(bg_config_validate(cfg), BG_E_CONFIG);
    assert_non_null(strstr(bg_config_error(cfg), "service_key"));
    assert_int_equal(bg_config_set(cfg, "service_key", "k"), BG_OK);
    assert_int_equal(bg_config_validate(cfg), BG_OK);

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fresh = bg_config_new();
        assert_non_null(fresh);
        assert_int_equal(bg_config_set(fresh, "url", "http://h:1"), BG_OK);
        assert_int_equal(bg_config_set(fresh, "service_key", "k"), BG_OK);
        assert_int_equal(bg_config_set(fresh, cases[i].name, cases[i].value),
                         BG_OK);
        assert_int_equal(bg_config_validate(fresh), cases[i].want);
        assert_non_null(strstr(bg_config_error(fresh), cases[i].name));
        bg_config_free(fresh);
    }
}

static void copy_is_deep_and_independent(void **state)
{
    struct bg_config *cfg = *state;
    struct bg_config copy;

    assert_int_equal(bg_config_set(cfg, "url", "http://h:1"), BG_OK);
    assert_int_equal(bg_config_set(cfg, "service_key", "k"), BG_OK);
    assert_int_equal(bg_config_set(cfg, "routes", "default"), BG_OK);
    assert_int_equal(bg_config_set(cfg, "route.mine.fresh", "1"), BG_OK);
    assert_int_equal(bg__config_copy(&copy, cfg), BG_OK);

    assert_true(copy.url != cfg->url);
    assert_true(copy.service_key != cfg->service_key);
    assert_int_equal(bg_config_set(cfg, "url", "http://other:2"), BG_OK);
    assert_int_equal(bg_config_set(cfg, "routes", "all"), BG_OK);
    assert_string_equal(copy.url, "http://h:1/storage/v1");
    assert_string_equal(copy.url_raw, "http://h:1");
    assert_string_equal(copy.service_key, "k");
    assert_string_equal(copy.route_list, "default");
    assert_string_equal(copy.storage_prefix, "/storage/v1");
    assert_int_equal(copy.nroutes, cfg->nroutes);
    bg__config_release(&copy);
    assert_null(copy.url);
}

static void log_noop(bg_log_level level, const char *line, void *ud)
{
    (void)level;
    (void)line;
    (void)ud;
}

static void event_noop(const bg_event *ev, void *ud)
{
    (void)ev;
    (void)ud;
}

static void callbacks_are_stored(void **state)
{
    struct bg_config *cfg = *state;
    int ud;

    bg_config_set_log(cfg, log_noop, &ud, BG_LOG_DEBUG);
    bg_config_set_event_cb(cfg, event_noop, &ud);
    assert_ptr_equal(cfg->log.fn, log_noop);
    assert_ptr_equal(cfg->log.userdata, &ud);
    assert_int_equal(cfg->log.level, BG_LOG_DEBUG);
    assert_ptr_equal(cfg->event_fn, event_noop);
    assert_ptr_equal(cfg->event_ud, &ud);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(defaults_are_the_documented_values),
        T(later_set_wins),
        T(rejected_value_keeps_the_previous_one),
        T(unknown_setting_is_named_in_the_error),
        T(error_message_names_setting_expectation_and_value),
        T(every_setting_is_range_checked),
        T(numbers_land_in_their_fields),
        T(booleans_accept_the_usual_words),
        T(keys_are_cleaned_and_the_repair_recorded),
        T(key_broken_inside_is_rejected_without_showing_it),
        T(empty_key_means_unset),
        T(url_is_normalised_into_a_storage_root),
        T(invalid_url_is_rejected_without_showing_it),
        T(storage_prefix_applies_whichever_is_set_first),
        T(url_and_key_empty_means_unset),
        T(route_setting_creates_a_user_route_after_the_builtins),
        T(route_setting_changes_a_builtin_in_place),
        T(rejected_route_value_creates_no_route),
        T(routes_are_capped),
        T(environment_variables_map_to_settings),
        T(unset_environment_changes_nothing),
        T(service_key_falls_back_in_documented_order),
        T(anon_key_falls_back_to_publishable),
        T(disable_variable_is_the_kill_switch),
        T(environment_error_names_the_variable),
        T(dotenv_syntax_is_understood),
        T(dotenv_crlf_file_is_no_hygiene_problem),
        T(dotenv_errors_give_file_and_line_but_no_value),
        T(config_file_sections_prefix_their_settings),
        T(config_file_errors_give_file_and_line),
        T(cli_order_gives_flags_over_env_over_env_file_over_file),
        T(bucketguard_variables_override_supabase_ones),
        T(validate_names_what_is_missing_or_inconsistent),
        T(copy_is_deep_and_independent),
        T(callbacks_are_stored),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
