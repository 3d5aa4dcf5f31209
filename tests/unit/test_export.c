/* Specification of the exports: the metrics document and the health answer
 * parse and carry the documented fields with figures that agree, the
 * Prometheus text follows the exposition grammar, and the metrics file is
 * replaced atomically. */
#include <dirent.h>
#include <jansson.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Each event stands for a call of one attempt. */
static bg_result call_result_of(bg_outcome o)
{
    return o == BG_OUTCOME_OK           ? BG_OK
           : o == BG_OUTCOME_DEFINITIVE ? BG_E_NOT_FOUND
                                        : BG_E_EXHAUSTED;
}

static void record(struct bg__registry *r, const char *route, const char *colo,
                   bg_outcome o, int probe, int64_t duration_us)
{
    bg_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.time_us = NOW - 60 * SECOND;
    ev.route = route;
    ev.op = probe ? BG_OP_EXISTS : BG_OP_DOWNLOAD;
    ev.method = probe ? "HEAD" : "GET";
    ev.probe = probe;
    ev.http_status = o == BG_OUTCOME_OK ? 200 : 400;
    ev.body_status = o == BG_OUTCOME_OK ? 0 : 404;
    ev.code = o == BG_OUTCOME_OK ? "" : "NoSuchBucket";
    ev.outcome = o;
    ev.last = 1;
    ev.call_result = call_result_of(o);
    ev.duration_us = duration_us;
    ev.bytes = 12;
    ev.cf_ray = "8a1b2c3d4e5f6789-SJC";
    ev.colo = colo;
    ev.cache_status = "DYNAMIC";
    ev.address = "127.0.0.1";
    ev.message = o == BG_OUTCOME_OK ? "" : "Bucket not found";
    bg__registry_record(r, &ev);
}

/* A registry with some of everything: 17 passive successes, 3 passive
 * route-suspect failures on another route and edge, 4 probes. */
static struct bg__registry *busy_registry(void)
{
    struct bg_config cfg;
    struct bg__registry *r;
    int i;

    default_config(&cfg);
    r = bg__registry_new(&cfg);
    assert_non_null(r);
    for (i = 0; i < 17; i++)
        record(r, "default", "SJC", BG_OUTCOME_OK, 0, (i + 1) * MS);
    for (i = 0; i < 3; i++)
        record(r, "conn-close", "PDX", BG_OUTCOME_ROUTE_SUSPECT, 0, 250 * MS);
    for (i = 0; i < 4; i++)
        record(r, "default", "SJC", BG_OUTCOME_OK, 1, 3 * MS);
    return r;
}

static json_t *parse(const char *text)
{
    json_error_t err;
    json_t *doc;

    assert_non_null(text);
    doc = json_loads(text, 0, &err);
    if (doc == NULL)
        print_message("parse error: %s at %d\n", err.text, err.position);
    assert_non_null(doc);
    return doc;
}

static json_t *at(json_t *doc, const char *path)
{
    char buf[128], *key, *save = NULL;
    json_t *v = doc;

    snprintf(buf, sizeof(buf), "%s", path);
    for (key = strtok_r(buf, ".", &save); key != NULL && v != NULL;
         key = strtok_r(NULL, ".", &save))
        v = json_object_get(v, key);
    if (v == NULL)
        print_message("missing: %s\n", path);
    return v;
}

static void metrics_document_has_the_documented_fields(void **state)
{
    static const char *const fields[] = {
        "schema_version", "generated_at", "health.status",
        "health.success_rate", "health.consecutive_failures",
        "health.window.size", "health.window.max_outcomes",
        "health.window.max_seconds", "lifetime.attempts",
        "lifetime.max_consecutive_failures", "probes.attempts",
        "probes.latency_ms.p50", "passive.attempts", "routes.default",
        "routes.conn-close.route_suspect", "colos.SJC", "colo_outcomes.PDX",
        "operations.download", "operations.exists", "codes.NoSuchBucket",
        "cache_status.DYNAMIC", "latency_ms.p50", "latency_ms.p90",
        "latency_ms.p99", "latency_ms.p999", "latency_ms.min", "latency_ms.max",
        "latency_ms.mean", "recent_cf_rays", "last_probe", "last_error.route",
        "last_error.message",
        /* the earlier Python monitor's fields */
        "total_requests", "successful_requests", "failed_requests",
        "success_rate", "consecutive_failures", "avg_response_time",
        "last_success", "last_failure", "cf_ray_colos.SJC", "status"};
    struct bg__registry *r = busy_registry();
    struct bg__snapshot *sn = bg__registry_snapshot(r, NOW);
    char *text;
    json_t *doc;
    size_t i;

    (void)state;
    assert_non_null(sn);
    text = bg__snapshot_json(sn);
    doc = parse(text);
    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        assert_non_null(at(doc, fields[i]));
    assert_int_equal(json_integer_value(at(doc, "schema_version")), 1);
    assert_string_equal(json_string_value(at(doc, "generated_at")),
                        "2023-11-14T22:13:20.000Z");
    json_decref(doc);
    free(text);
    free(sn);
    bg__registry_free(r);
}

static double num(json_t *doc, const char *path)
{
    json_t *v = at(doc, path);

    assert_non_null(v);
    return json_number_value(v);
}

static void metrics_figures_agree_with_what_was_recorded(void **state)
{
    static const struct {
        const char *path;
        double want;
    } figures[] = {
        {"total_requests", 24},
        {"successful_requests", 21},
        {"failed_requests", 3},
        {"success_rate", 87.5},
        {"lifetime.success_rate", 0.875},
        {"health.success_rate", 0.875},
        {"health.window.size", 24},
        {"health.consecutive_failures", 0},
        {"lifetime.max_consecutive_failures", 3},
        {"probes.attempts", 4},
        {"passive.attempts", 20},
        {"passive.route_suspect", 3},
        {"routes.default.attempts", 21},
        {"routes.conn-close.attempts", 3},
        {"colos.SJC", 21},
        {"colos.PDX", 3},
        {"cf_ray_colos.PDX", 3},
        {"operations.exists.attempts", 4},
        {"cache_status.DYNAMIC", 24},
        {"codes.NoSuchBucket", 3},
        {"latency_ms.min", 1},
        {"latency_ms.max", 250},
        {"probes.latency_ms.p50", 3},
    };
    struct bg__registry *r = busy_registry();
    struct bg__snapshot *sn = bg__registry_snapshot(r, NOW);
    char *text;
    json_t *doc;
    size_t i;

    (void)state;
    assert_non_null(sn);
    text = bg__snapshot_json(sn);
    doc = parse(text);
    for (i = 0; i < sizeof(figures) / sizeof(figures[0]); i++) {
        print_message("figure: %s\n", figures[i].path);
        assert_float_equal(num(doc, figures[i].path), figures[i].want, 1e-9);
    }
    assert_string_equal(json_string_value(at(doc, "status")), "degraded");
    assert_string_equal(json_string_value(at(doc, "health.status")),
                        "degraded");
    assert_int_equal(json_array_size(at(doc, "recent_cf_rays")), 20);
    assert_string_equal(json_string_value(at(doc, "last_error.code")),
                        "NoSuchBucket");
    json_decref(doc);
    free(text);
    free(sn);
    bg__registry_free(r);
}

static void health_answer_has_status_details_and_last_test(void **state)
{
    struct bg_config cfg;
    struct bg__registry *r;
    struct bg__snapshot *sn;
    char *text;
    json_t *doc;

    (void)state;
    default_config(&cfg);
    r = bg__registry_new(&cfg);
    assert_non_null(r);
    sn = bg__registry_snapshot(r, NOW);
    assert_non_null(sn);
    text = bg__snapshot_health_json(sn);
    doc = parse(text);
    assert_string_equal(json_string_value(at(doc, "status")), "healthy");
    assert_true(json_is_null(at(doc, "last_test")));
    assert_true(json_is_null(at(doc, "details.last_error")));
    json_decref(doc);
    free(text);
    free(sn);
    bg__registry_free(r);

    r = busy_registry();
    sn = bg__registry_snapshot(r, NOW);
    assert_non_null(sn);
    text = bg__snapshot_health_json(sn);
    doc = parse(text);
    assert_string_equal(json_string_value(at(doc, "status")), "degraded");
    assert_string_equal(json_string_value(at(doc, "last_test")),
                        "2023-11-14T22:12:20.003Z");
    assert_float_equal(num(doc, "details.success_rate"), 0.875, 1e-9);
    assert_float_equal(num(doc, "details.window_size"), 24, 1e-9);
    assert_float_equal(num(doc, "details.total_requests"), 24, 1e-9);
    assert_string_equal(json_string_value(at(doc, "details.last_error.route")),
                        "conn-close");
    json_decref(doc);
    free(text);
    free(sn);
    bg__registry_free(r);
}

/* ---- Prometheus --------------------------------------------------------
 */

#define NAME  "[a-zA-Z_:][a-zA-Z0-9_:]*"
#define LABEL "[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\""
#define VALUE "(NaN|[+-]Inf|[-+]?[0-9]+(\\.[0-9]*)?([eE][-+]?[0-9]+)?)"

static const char sample_re[] =
    "^(" NAME ")(\\{" LABEL "(," LABEL ")*\\})? " VALUE "( -?[0-9]+)?$";
static const char type_re[] =
    "^# TYPE (" NAME ") (counter|gauge|histogram|summary|untyped)$";
static const char help_re[] = "^# HELP " NAME " [^\n]*$";

/* Checks every line against the text exposition grammar and that each
 * sample belongs to the family whose TYPE came last (histogram samples
 * by suffix). Returns the number of samples of the family named name. */
static unsigned check_grammar(char *text, const char *name)
{
    regex_t sample, type, help;
    regmatch_t m[2];
    char family[128] = "", *line, *save = NULL;
    unsigned count = 0;

    assert_int_equal(regcomp(&sample, sample_re, REG_EXTENDED), 0);
    assert_int_equal(regcomp(&type, type_re, REG_EXTENDED), 0);
    assert_int_equal(regcomp(&help, help_re, REG_EXTENDED | REG_NOSUB), 0);
    for (line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        if (regexec(&type, line, 2, m, 0) == 0) {
            snprintf(family, sizeof(family), "%.*s",
                     (int)(m[1].rm_eo - m[1].rm_so), line + m[1].rm_so);
            continue;
        }
        if (regexec(&help, line, 0, NULL, 0) == 0)
            continue;
        if (regexec(&sample, line, 2, m, 0) != 0)
            print_message("bad line: %s\n", line);
        assert_int_equal(regexec(&sample, line, 2, m, 0), 0);
        assert_int_equal(strncmp(line, family, strlen(family)), 0);
        count += strncmp(line, name, strlen(name)) == 0 &&
                 (line[strlen(name)] == '{' || line[strlen(name)] == ' ');
    }
    regfree(&sample);
    regfree(&type);
    regfree(&help);
    return count;
}

static char *prometheus_of(struct bg__registry *r)
{
    struct bg__snapshot *sn = bg__registry_snapshot(r, NOW);
    char *text;

    assert_non_null(sn);
    text = bg__snapshot_prometheus(sn);
    assert_non_null(text);
    free(sn);
    return text;
}

static void prometheus_lines_follow_the_exposition_grammar(void **state)
{
    struct bg__registry *r = busy_registry();
    char *text;

    (void)state;
    record(r, "odd \"route\\name", "S\nJ", BG_OUTCOME_OK, 0, MS);
    text = prometheus_of(r);
    assert_non_null(strstr(text, "route=\"odd \\\"route\\\\name\""));
    assert_non_null(strstr(text, "bucketguard_health 1\n"));
    assert_non_null(
        strstr(text, "bucketguard_health_status{status=\"degraded\"} 1\n"));
    assert_non_null(strstr(text, "bucketguard_success_rate 0.88\n"));
    assert_non_null(strstr(text, "bucketguard_attempts_total{route=\"conn-"
                                 "close\",colo=\"PDX\",op=\"download\","
                                 "outcome=\"route_suspect\",kind=\"passive\"}"
                                 " 3\n"));
    assert_int_equal(check_grammar(text, "bucketguard_attempts_total"), 4);
    free(text);
    bg__registry_free(r);
}

/* Reads the _bucket lines of one kind: cumulative, ending with +Inf equal
 * to _count. */
static void histogram_buckets_are_cumulative_and_end_at_count(void **state)
{
    static const char *const kinds[] = {"passive", "probe"};
    struct bg__registry *r = busy_registry();
    char *text, *line, pattern[128];
    unsigned long long prev, v, count;
    size_t k;

    (void)state;
    text = prometheus_of(r);
    for (k = 0; k < 2; k++) {
        unsigned buckets = 0;
        int inf = 0;

        prev = 0;
        snprintf(pattern, sizeof(pattern),
                 "bucketguard_attempt_duration_seconds_bucket{kind=\"%s\"",
                 kinds[k]);
        for (line = strstr(text, pattern); line != NULL;
             line = strstr(line + 1, pattern)) {
            char *sp = strchr(line, '}');

            assert_non_null(sp);
            v = strtoull(sp + 2, NULL, 10);
            assert_true(v >= prev);
            prev = v;
            buckets++;
            inf = strncmp(sp - 6, "\"+Inf\"", 6) == 0;
        }
        assert_true(inf);
        assert_int_equal(buckets, BG__HIST_BUCKETS);
        snprintf(pattern, sizeof(pattern),
                 "bucketguard_attempt_duration_seconds_count{kind=\"%s\"} ",
                 kinds[k]);
        line = strstr(text, pattern);
        assert_non_null(line);
        count = strtoull(line + strlen(pattern), NULL, 10);
        assert_int_equal(count, prev);
        assert_int_equal(count, k == 0 ? 20 : 4);
    }
    free(text);
    bg__registry_free(r);
}

static void attempt_series_stay_bounded_with_many_names(void **state)
{
    struct bg_config cfg;
    struct bg__registry *r;
    char route[32], colo[8], *text, *line;
    unsigned long long sum = 0;
    unsigned i, series;

    (void)state;
    default_config(&cfg);
    r = bg__registry_new(&cfg);
    assert_non_null(r);
    for (i = 0; i < 5000; i++) {
        snprintf(route, sizeof(route), "route-%u", i);
        snprintf(colo, sizeof(colo), "C%u", i % 300);
        record(r, route, colo, (bg_outcome)(i % 3), i % 2, MS);
    }
    text = prometheus_of(r);
    for (line = strstr(text, "\nbucketguard_attempts_total{"); line != NULL;
         line = strstr(line + 1, "\nbucketguard_attempts_total{"))
        sum += strtoull(strstr(line, "} ") + 2, NULL, 10);
    assert_int_equal(sum, 5000);
    series = check_grammar(text, "bucketguard_attempts_total");
    print_message("%u attempt series for 5000 distinct routes\n", series);
    assert_true(series <= BG__REG_COMBOS);
    free(text);
    bg__registry_free(r);
}

/* ---- Metrics file ------------------------------------------------------
 */

static unsigned dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    unsigned n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void
metrics_file_parses_after_every_write_and_leaves_no_temp(void **state)
{
    char dir[] = "/tmp/bg-test-export-XXXXXX", path[64];
    struct bg__registry *r = busy_registry();
    json_error_t err;
    int i;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/metrics.json", dir);
    for (i = 0; i < 50; i++) {
        struct bg__snapshot *sn;
        char *text;
        json_t *doc;

        record(r, "default", "SJC", BG_OUTCOME_OK, 1, (i + 1) * MS);
        sn = bg__registry_snapshot(r, NOW);
        assert_non_null(sn);
        text = bg__snapshot_json(sn);
        assert_non_null(text);
        assert_int_equal(bg__write_atomic(path, text, strlen(text)), BG_OK);
        doc = json_load_file(path, 0, &err);
        assert_non_null(doc);
        assert_int_equal(json_integer_value(at(doc, "total_requests")), 25 + i);
        json_decref(doc);
        assert_int_equal(dir_entries(dir), 1);
        free(text);
        free(sn);
    }
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
    bg__registry_free(r);
}

static void metrics_file_in_a_missing_directory_fails_cleanly(void **state)
{
    struct stat st;

    (void)state;
    assert_int_equal(
        bg__write_atomic("/tmp/bg-no-such-dir-4f1d/metrics.json", "{}", 2),
        BG_E_IO);
    assert_int_not_equal(stat("/tmp/bg-no-such-dir-4f1d", &st), 0);
}

static void times_are_iso8601_utc_with_milliseconds(void **state)
{
    static const struct {
        int64_t us;
        const char *want;
    } cases[] = {
        {1700000000123456LL, "2023-11-14T22:13:20.123Z"},
        {SECOND, "1970-01-01T00:00:01.000Z"},
        {951782400999999LL, "2000-02-29T00:00:00.999Z"},
    };
    char buf[40];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bg__iso8601(cases[i].us, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(metrics_document_has_the_documented_fields),
        cmocka_unit_test(metrics_figures_agree_with_what_was_recorded),
        cmocka_unit_test(health_answer_has_status_details_and_last_test),
        cmocka_unit_test(prometheus_lines_follow_the_exposition_grammar),
        cmocka_unit_test(histogram_buckets_are_cumulative_and_end_at_count),
        cmocka_unit_test(attempt_series_stay_bounded_with_many_names),
        cmocka_unit_test(
            metrics_file_parses_after_every_write_and_leaves_no_temp),
        cmocka_unit_test(metrics_file_in_a_missing_directory_fails_cleanly),
        cmocka_unit_test(times_are_iso8601_utc_with_milliseconds),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
