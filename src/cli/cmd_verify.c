/* The verify command of bucketguard: the end-to-end verification of a
 * deployment in five checks (basic, routes, monitoring, worker
 * simulation, performance), a line each with its figures, or --json. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "diag.h"
#include "out.h"

#define VERIFY_PROBES    5
#define VERIFY_COUNT_MAX 10000

enum { OPT_COUNT = 1 };

struct verify {
    char bucket[256];
    const char *key;
    uint64_t count;
    json_t *checks;
    unsigned passed, total;
    struct diag_route routes[DIAG_MAX_ROUTES];
    size_t nroutes;
};

static double ms(int64_t us)
{
    return (double)us / 1000.0;
}

/* Records a check: its verdict, a one-line detail and its figures (data,
 * taken over; may be NULL). */
static void record(struct verify *v, const char *name, int pass, json_t *data,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void record(struct verify *v, const char *name, int pass, json_t *data,
                   const char *fmt, ...)
{
    char detail[DIAG_TEXT];
    json_t *check;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    check = json_pack("{s:s, s:b, s:s}", "name", name, "pass", pass, "detail",
                      detail);
    if (check != NULL && data != NULL)
        json_object_update(check, data);
    json_decref(data);
    json_array_append_new(v->checks, check);
    v->passed += pass != 0;
    v->total++;
}

/* ---- 1. basic ---------------------------------------------------------- */

static int count_bytes(const void *data, size_t len, void *userdata)
{
    (void)data;
    *(uint64_t *)userdata += len;
    return 0;
}

static void check_basic(struct cli *c, struct verify *v)
{
    bg_report rep;
    uint64_t bytes = 0;
    int exists = 0;
    bg_result r = bg_exists(c->client, v->bucket, v->key, &exists, &rep);
    char size[32];

    if (r != BG_OK || !exists) {
        record(v, "basic", 0, NULL, "exists: %s (%s, route %s, colo %s)",
               r == BG_OK ? "no" : bg_strerror(r), diag_dash(rep.code),
               diag_dash(rep.route), diag_dash(rep.colo));
        return;
    }
    r = bg_get_cb(c->client, v->bucket, v->key, count_bytes, &bytes, &rep);
    record(v, "basic", r == BG_OK,
           json_pack("{s:I, s:f, s:s, s:s}", "bytes", (json_int_t)bytes,
                     "download_ms", ms(rep.duration_us), "route", rep.route,
                     "colo", rep.colo),
           "exists; download %s: %s in %.1f ms (route %s, colo %s)",
           r == BG_OK ? "ok" : bg_strerror(r),
           out_size(bytes, size, sizeof size), ms(rep.duration_us),
           diag_dash(rep.route), diag_dash(rep.colo));
}

/* ---- 2. routes ----------------------------------------------------------- */

static void sweep(struct cli *c, struct verify *v)
{
    size_t i, n = bg_route_count(c->client);

    if (n > DIAG_MAX_ROUTES)
        n = DIAG_MAX_ROUTES;
    for (i = 0; i < n; i++) {
        struct diag_route *r = &v->routes[i];
        snprintf(r->name, sizeof r->name, "%s", bg_route_name(c->client, i));
        r->result =
            bg_probe_route(c->client, r->name, v->bucket, v->key, &r->rep);
        r->kind = r->result == BG_OK ? DIAG_FOUND : DIAG_FAILED;
    }
    v->nroutes = n;
    diag_route_traits(c->client, v->routes, n);
    diag_mark_na(v->routes, n);
}

static json_t *route_row(const struct diag_route *r)
{
    return json_pack(
        "{s:s, s:s, s:i, s:i, s:s, s:f, s:s, s:s}", "route", r->name, "result",
        r->kind == DIAG_NA ? "not_applicable" : out_result_name(r->result),
        "http_status", r->rep.http_status, "body_status", r->rep.body_status,
        "code", r->rep.code, "ms", ms(r->rep.duration_us), "colo", r->rep.colo,
        "address", r->rep.address);
}

static void check_routes(struct cli *c, struct verify *v)
{
    char failing[DIAG_TEXT / 2] = "";
    size_t i, ok = 0, usable = 0;
    json_t *rows = json_array();

    sweep(c, v);
    for (i = 0; i < v->nroutes; i++) {
        const struct diag_route *r = &v->routes[i];
        size_t w = strlen(failing);

        json_array_append_new(rows, route_row(r));
        if (r->kind == DIAG_NA)
            continue;
        usable++;
        ok += r->kind == DIAG_FOUND;
        if (r->kind != DIAG_FOUND && w + 1 < sizeof failing)
            snprintf(failing + w, sizeof failing - w, "%s%s (%s)",
                     w ? ", " : "", r->name,
                     diag_dash(r->rep.code[0] ? r->rep.code
                                              : bg_strerror(r->result)));
    }
    record(v, "routes", usable > 0 && ok == usable,
           json_pack("{s:o}", "routes", rows),
           "%zu of %zu routes reach the object%s%s", ok, usable,
           failing[0] ? "; failing: " : "", failing);
}

/* ---- 3. monitoring ----------------------------------------------------- */

static void check_monitoring(struct cli *c, struct verify *v)
{
    unsigned i, found = 0, consecutive = 0;
    double rate = 0;
    bg_health h;

    for (i = 0; i < VERIFY_PROBES; i++) {
        bg_report rep;
        found += bg_probe(c->client, v->bucket, v->key, &rep) == BG_OK;
    }
    h = bg_health_now(c->client, &rate, &consecutive);
    record(v, "monitoring", h == BG_HEALTHY,
           json_pack("{s:i, s:i, s:s, s:f, s:i}", "probes", VERIFY_PROBES,
                     "found", found, "health", bg_health_name(h),
                     "success_rate", rate, "consecutive_failures", consecutive),
           "%u of %d probes found the object; health %s, success rate "
           "%.1f %%, %u consecutive failures",
           found, VERIFY_PROBES, bg_health_name(h), rate * 100.0, consecutive);
}

/* ---- 4. worker simulation -------------------------------------------- */

static int has_route(const bg_client *client, const char *name)
{
    for (size_t i = 0; i < bg_route_count(client); i++)
        if (strcmp(bg_route_name(client, i), name) == 0)
            return 1;
    return 0;
}

/* One plain HEAD the way an unprotected worker sends it: the default
 * header profile on a single route, no failover, no retry. */
static void check_worker(struct cli *c, struct verify *v)
{
    const char *route = "default";
    char path[1400];
    bg_report rep;
    bg_result r;
    int pass;

    if (diag_path(path, sizeof path, "/object/", v->bucket, v->key) != 0) {
        record(v, "worker", 0, NULL, "the bucket or key is too long");
        return;
    }
    if (!has_route(c->client, route))
        route = bg_route_name(c->client, 0);
    memset(&rep, 0, sizeof rep);
    r = bg_raw(c->client, route, "HEAD", path, BG_AUTH_SERVICE, NULL, &rep);
    pass = r == BG_OK && rep.http_status >= 200 && rep.http_status < 300;
    record(v, "worker", pass,
           json_pack("{s:s, s:i, s:i, s:s, s:s, s:f}", "route",
                     diag_dash(route), "http_status", rep.http_status,
                     "body_status", rep.body_status, "code", rep.code, "colo",
                     rep.colo, "ms", ms(rep.duration_us)),
           "one HEAD on route %s: %d%s%s (%s), colo %s, %.1f ms",
           diag_dash(route), rep.http_status, rep.code[0] ? " " : "", rep.code,
           r == BG_OK ? (pass ? "the environment is not affected"
                              : "an unprotected worker fails here")
                      : bg_strerror(r),
           diag_dash(rep.colo), ms(rep.duration_us));
}

/* ---- 5. performance -------------------------------------------------- */

static int by_value(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

static void check_performance(struct cli *c, struct verify *v)
{
    int64_t *us = calloc((size_t)v->count, sizeof *us), sum = 0, p99 = 0;
    uint64_t i, found = 0;
    double rate, mean;

    if (us == NULL) {
        record(v, "performance", 0, NULL, "out of memory");
        return;
    }
    for (i = 0; i < v->count; i++) {
        bg_report rep;
        int exists = 0;
        found +=
            bg_exists(c->client, v->bucket, v->key, &exists, &rep) == BG_OK &&
            exists;
        us[i] = rep.duration_us;
        sum += rep.duration_us;
    }
    qsort(us, (size_t)v->count, sizeof *us, by_value);
    p99 = us[(v->count * 99 + 99) / 100 - 1]; /* nearest rank */
    free(us);
    rate = (double)found / (double)v->count;
    mean = (double)sum / (double)v->count;
    record(v, "performance", rate >= 0.95,
           json_pack("{s:I, s:I, s:f, s:f, s:f}", "count", (json_int_t)v->count,
                     "found", (json_int_t)found, "success_rate", rate,
                     "mean_ms", mean / 1000.0, "p99_ms", ms(p99)),
           "%llu of %llu existence checks found the object (%.1f %%); "
           "mean %.1f ms, p99 %.1f ms",
           (unsigned long long)found, (unsigned long long)v->count,
           rate * 100.0, mean / 1000.0, ms(p99));
}

/* ---- Output and the command ---------------------------------------------- */

static void print_routes(const json_t *rows)
{
    size_t i;
    json_t *row;

    json_array_foreach(rows, i, row)
    {
        char buf[32];
        printf("        %-18s %-14s %5s %-18s %8.1f ms  colo %s\n",
               json_string_value(json_object_get(row, "route")),
               json_string_value(json_object_get(row, "result")),
               out_text(json_object_get(row, "http_status"), buf, sizeof buf),
               diag_dash(json_string_value(json_object_get(row, "code"))),
               json_real_value(json_object_get(row, "ms")),
               diag_dash(json_string_value(json_object_get(row, "colo"))));
    }
}

static void print_text(const struct verify *v)
{
    size_t i;
    json_t *check;

    printf("verify %s/%s\n", v->bucket, v->key);
    json_array_foreach(v->checks, i, check)
    {
        printf("  %s  %-12s %s\n",
               json_is_true(json_object_get(check, "pass")) ? "PASS" : "FAIL",
               json_string_value(json_object_get(check, "name")),
               json_string_value(json_object_get(check, "detail")));
        if (json_object_get(check, "routes") != NULL)
            print_routes(json_object_get(check, "routes"));
    }
    printf("%u of %u checks passed\n", v->passed, v->total);
}

/* Runs the checks in the order that keeps them apart: the monitoring
 * window sees only the basic check's traffic and its own probes, not the
 * single-route probes that fail by design; the report keeps the order of
 * the checks' numbers. */
static void run_checks(struct cli *c, struct verify *v)
{
    json_t *check;

    check_basic(c, v);
    check_monitoring(c, v);
    check_routes(c, v);
    check_worker(c, v);
    check_performance(c, v);

    check = json_array_get(v->checks, 1);
    json_incref(check);
    json_array_remove(v->checks, 1);
    json_array_insert_new(v->checks, 2, check);
}

static int on_option(int id, const char *value, void *userdata)
{
    struct verify *v = userdata;

    if (id == OPT_COUNT &&
        cli_parse_u64(value, VERIFY_COUNT_MAX, &v->count) == 0 && v->count > 0)
        return 0;
    return cli_usage_error("verify", "--count wants 1 to %d, not '%s'",
                           VERIFY_COUNT_MAX, value);
}

static int target(struct cli *c, struct verify *v, size_t npos, char **pos)
{
    const char *obj = npos > 0 ? pos[0] : getenv("BUCKETGUARD_PROBE_OBJECT");

    if (obj == NULL || obj[0] == '\0')
        return cli_usage_error(c->cmd, "wants BUCKET/KEY, or set "
                                       "BUCKETGUARD_PROBE_OBJECT");
    return cli_split(c, obj, v->bucket, sizeof v->bucket, &v->key, 0);
}

int cmd_verify(struct cli *c, int argc, char **argv)
{
    static const struct cli_optspec spec[] = {{"count", 0, 1, OPT_COUNT},
                                              {NULL, 0, 0, 0}};
    static struct verify v; /* large (a report per route): not on the stack */
    char *pos[2];
    size_t npos;
    int status;

    memset(&v, 0, sizeof v);
    v.count = 10;
    status = cli_parse(c, argc, argv, spec, on_option, &v, pos, 2, &npos);
    if (status == 0 && npos > 1)
        status = cli_usage_error(c->cmd, "wants at most one BUCKET/KEY");
    if (status == 0)
        status = target(c, &v, npos, pos);
    if (status == 0)
        status = cli_connect(c);
    if (status != 0)
        return status;
    if ((v.checks = json_array()) == NULL) {
        out_errorf(c->cmd, "out of memory");
        return CLI_EXIT_INTERNAL;
    }
    run_checks(c, &v);
    if (c->opt.json)
        status = out_json(json_pack("{s:b, s:{s:s, s:s}, s:i, s:i, s:O}", "ok",
                                    v.passed == v.total, "target", "bucket",
                                    v.bucket, "key", v.key, "passed", v.passed,
                                    "total", v.total, "checks", v.checks));
    else
        print_text(&v);
    json_decref(v.checks);
    if (status != 0)
        return status;
    return v.passed == v.total ? CLI_EXIT_OK : CLI_EXIT_NOT_FOUND;
}
