/* Exporters of the registry: the metrics document (docs/metrics.md), the
 * health answer, the Prometheus text exposition and the metrics file.
 * They read a snapshot only, so formatting never holds the registry lock;
 * the entry points that take a client are in monitor.c. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "buf.h"
#include "registry.h"
#include "sink.h"

#define SCHEMA_VERSION 1

BG_API const char *bg_health_name(bg_health h)
{
    switch (h) {
    case BG_HEALTHY:
        return "healthy";
    case BG_DEGRADED:
        return "degraded";
    case BG_UNHEALTHY:
        return "unhealthy";
    }
    return "unhealthy";
}

void bg__iso8601(int64_t t_us, char *buf, size_t n)
{
    time_t secs = (time_t)(t_us / 1000000);
    struct tm tm;

    gmtime_r(&secs, &tm);
    if (snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, (int)(t_us % 1000000 / 1000)) < 0)
        buf[0] = '\0';
}

/* ---- JSON ------------------------------------------------------------ */

/* Adds value under key, taking the reference; a NULL value (out of memory)
 * marks the document failed through *ok. */
static void put(json_t *o, const char *key, json_t *value, int *ok)
{
    if (value == NULL || json_object_set_new(o, key, value) != 0)
        *ok = 0;
}

static json_t *count_json(uint64_t v)
{
    return json_integer((json_int_t)v);
}

static json_t *time_json(int64_t t_us)
{
    char buf[40];

    if (t_us <= 0)
        return json_null();
    bg__iso8601(t_us, buf, sizeof(buf));
    return json_string(buf);
}

static uint64_t tally_total(const struct bg__tally *t)
{
    return t->outcomes[0] + t->outcomes[1] + t->outcomes[2];
}

/* Attempts of a route, colo or operation, or calls of a kind (counted by
 * their last attempt). "success" is every one the service answered (ok and
 * definitive); "failure" is route_suspect. */
static json_t *tally_json(const struct bg__tally *t)
{
    uint64_t total = tally_total(t);
    uint64_t fail = t->outcomes[BG_OUTCOME_ROUTE_SUSPECT];
    json_t *o = json_object();
    int ok = o != NULL;

    if (!ok)
        return NULL;
    put(o, "attempts", count_json(total), &ok);
    put(o, "success", count_json(total - fail), &ok);
    put(o, "failure", count_json(fail), &ok);
    put(o, "ok", count_json(t->outcomes[BG_OUTCOME_OK]), &ok);
    put(o, "definitive", count_json(t->outcomes[BG_OUTCOME_DEFINITIVE]), &ok);
    put(o, "route_suspect", count_json(fail), &ok);
    put(o, "success_rate",
        json_real(total > 0 ? (double)(total - fail) / (double)total : 1.0),
        &ok);
    put(o, "mean_ms",
        json_real(total > 0 ? (double)t->duration_us / (double)total / 1e3 : 0),
        &ok);
    put(o, "bytes", count_json(t->bytes), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *latency_json(const struct bg__hist *h)
{
    static const struct {
        const char *key;
        double q;
    } qs[] = {{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p999", 0.999}};
    json_t *o = json_object();
    int ok = o != NULL;
    size_t i;

    if (!ok)
        return NULL;
    for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
        put(o, qs[i].key, json_real(bg__hist_quantile(h, qs[i].q) / 1e3), &ok);
    put(o, "min", json_real(h->count > 0 ? (double)h->min_us / 1e3 : 0), &ok);
    put(o, "max", json_real(h->count > 0 ? (double)h->max_us / 1e3 : 0), &ok);
    put(o, "mean",
        json_real(h->count > 0 ? (double)h->sum_us / (double)h->count / 1e3
                               : 0),
        &ok);
    put(o, "count", count_json(h->count), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *side_json(const struct bg__side *sd)
{
    json_t *o = tally_json(&sd->tally);
    int ok = o != NULL;

    if (!ok)
        return NULL;
    put(o, "consecutive_failures", json_integer(sd->consecutive), &ok);
    put(o, "max_consecutive_failures", json_integer(sd->max_consecutive), &ok);
    put(o, "last_success", time_json(sd->last_success_us), &ok);
    put(o, "last_failure", time_json(sd->last_failure_us), &ok);
    put(o, "latency_ms", latency_json(&sd->hist), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* {name: tally} over a name table, "other" included when used. */
static json_t *tally_map(const struct bg__names *t,
                         const struct bg__tally *tally)
{
    json_t *o = json_object();
    int ok = o != NULL;
    unsigned i;

    for (i = 0; ok && i <= BG__REG_NAMES; i++) {
        if ((i < t->n || i == BG__REG_OTHER) && tally_total(&tally[i]) > 0)
            put(o, bg__names_get(t, i), tally_json(&tally[i]), &ok);
    }
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* {name: count}; skip names a caller does not want counted (may be NULL).
 */
static json_t *count_map(const struct bg__names *t, const uint64_t *count,
                         const struct bg__tally *tally, const char *skip)
{
    json_t *o = json_object();
    int ok = o != NULL;
    unsigned i;

    for (i = 0; ok && i <= BG__REG_NAMES; i++) {
        uint64_t v = count != NULL ? count[i] : tally_total(&tally[i]);
        const char *name = bg__names_get(t, i);

        if ((i < t->n || i == BG__REG_OTHER) && v > 0 &&
            (skip == NULL || strcmp(name, skip) != 0))
            put(o, name, count_json(v), &ok);
    }
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *ops_json(const struct bg__reg_stats *s)
{
    json_t *o = json_object();
    int ok = o != NULL;
    unsigned i;

    for (i = 0; ok && i < BG_OP_COUNT; i++) {
        if (tally_total(&s->op_tally[i]) > 0)
            put(o, bg_op_name((bg_op)i), tally_json(&s->op_tally[i]), &ok);
    }
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *rays_json(const struct bg__reg_stats *s)
{
    json_t *a = json_array();
    unsigned i;

    for (i = 0; a != NULL && i < s->nrays; i++) {
        unsigned at =
            (s->ray_head + BG__REG_RAYS - s->nrays + i) % BG__REG_RAYS;

        if (json_array_append_new(a, json_string(s->rays[at])) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *last_error_json(const struct bg__last_error *e)
{
    json_t *o;
    int ok;

    if (e->time_us == 0)
        return json_null();
    o = json_object();
    ok = o != NULL;
    if (!ok)
        return NULL;
    put(o, "time", time_json(e->time_us), &ok);
    put(o, "route", json_string(e->route), &ok);
    put(o, "colo", json_string(e->colo), &ok);
    put(o, "code", json_string(e->code), &ok);
    put(o, "http_status", json_integer(e->http_status), &ok);
    put(o, "body_status", json_integer(e->body_status), &ok);
    put(o, "outcome", json_string(bg_outcome_name(e->outcome)), &ok);
    put(o, "message", json_string(e->message), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Both kinds together. */
static void lifetime_totals(const struct bg__reg_stats *s, struct bg__tally *t,
                            struct bg__hist *h)
{
    size_t k, i;

    memset(t, 0, sizeof(*t));
    memset(h, 0, sizeof(*h));
    for (k = 0; k < BG__KIND_COUNT; k++) {
        for (i = 0; i < BG__REG_OUTCOMES; i++)
            t->outcomes[i] += s->side[k].tally.outcomes[i];
        t->duration_us += s->side[k].tally.duration_us;
        t->bytes += s->side[k].tally.bytes;
        bg__hist_merge(h, &s->side[k].hist);
    }
}

static json_t *health_json(const struct bg__snapshot *sn)
{
    json_t *o = json_object(), *w = json_object();
    int ok = o != NULL && w != NULL;

    put(w, "size", json_integer(sn->health.size), &ok);
    put(w, "failures", json_integer(sn->health.failures), &ok);
    put(w, "max_outcomes", json_integer(sn->th.count), &ok);
    put(w, "max_seconds", json_real((double)sn->th.span_us / 1e6), &ok);
    put(o, "status", json_string(bg_health_name(sn->health.status)), &ok);
    put(o, "success_rate", json_real(sn->health.success_rate), &ok);
    put(o, "consecutive_failures", json_integer(sn->health.consecutive), &ok);
    put(o, "window", w, &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *lifetime_json(const struct bg__snapshot *sn,
                             const struct bg__tally *t)
{
    json_t *o = tally_json(t);
    int ok = o != NULL;

    if (!ok)
        return NULL;
    put(o, "consecutive_failures", json_integer(sn->s.consecutive), &ok);
    put(o, "max_consecutive_failures", json_integer(sn->s.max_consecutive),
        &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The fields an earlier Python monitor wrote to the same file, kept with
 * their meaning there: lifetime figures, success_rate in percent,
 * avg_response_time in seconds. */
static void compat_fields(json_t *doc, const struct bg__snapshot *sn,
                          const struct bg__tally *t, int *ok)
{
    uint64_t total = tally_total(t);
    uint64_t fail = t->outcomes[BG_OUTCOME_ROUTE_SUSPECT];

    put(doc, "status", json_string(bg_health_name(sn->health.status)), ok);
    put(doc, "total_requests", count_json(total), ok);
    put(doc, "successful_requests", count_json(total - fail), ok);
    put(doc, "failed_requests", count_json(fail), ok);
    put(doc, "success_rate",
        json_real(total > 0 ? 100.0 * (double)(total - fail) / (double)total
                            : 100.0),
        ok);
    put(doc, "consecutive_failures", json_integer(sn->s.consecutive), ok);
    put(doc, "avg_response_time",
        json_real(total > 0 ? (double)t->duration_us / (double)total / 1e6 : 0),
        ok);
    put(doc, "last_success", time_json(sn->s.last_success_us), ok);
    put(doc, "last_failure", time_json(sn->s.last_failure_us), ok);
    put(doc, "cf_ray_colos",
        count_map(&sn->s.colos, NULL, sn->s.colo_tally, "none"), ok);
}

static json_t *metrics_doc(const struct bg__snapshot *sn)
{
    const struct bg__reg_stats *s = &sn->s;
    json_t *doc = json_object();
    struct bg__tally all;
    struct bg__hist hist;
    int ok = doc != NULL;

    if (!ok)
        return NULL;
    lifetime_totals(s, &all, &hist);
    put(doc, "schema_version", json_integer(SCHEMA_VERSION), &ok);
    put(doc, "generated_at", time_json(sn->now_us), &ok);
    put(doc, "health", health_json(sn), &ok);
    put(doc, "lifetime", lifetime_json(sn, &all), &ok);
    put(doc, "probes", side_json(&s->side[BG__KIND_PROBE]), &ok);
    put(doc, "passive", side_json(&s->side[BG__KIND_PASSIVE]), &ok);
    put(doc, "routes", tally_map(&s->routes, s->route_tally), &ok);
    put(doc, "colos", count_map(&s->colos, NULL, s->colo_tally, NULL), &ok);
    put(doc, "colo_outcomes", tally_map(&s->colos, s->colo_tally), &ok);
    put(doc, "operations", ops_json(s), &ok);
    put(doc, "codes", count_map(&s->codes, s->code_count, NULL, NULL), &ok);
    put(doc, "cache_status", count_map(&s->caches, s->cache_count, NULL, NULL),
        &ok);
    put(doc, "latency_ms", latency_json(&hist), &ok);
    put(doc, "recent_cf_rays", rays_json(s), &ok);
    put(doc, "last_probe", time_json(s->last_probe_us), &ok);
    put(doc, "last_error", last_error_json(&s->last_error), &ok);
    compat_fields(doc, sn, &all, &ok);
    if (!ok) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

static char *dump(json_t *doc)
{
    char *text;

    if (doc == NULL)
        return NULL;
    text = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(10));
    json_decref(doc);
    return text;
}

char *bg__snapshot_json(const struct bg__snapshot *sn)
{
    return dump(metrics_doc(sn));
}

static json_t *health_details(const struct bg__snapshot *sn)
{
    struct bg__tally all;
    struct bg__hist hist;
    json_t *o = json_object();
    int ok = o != NULL;

    if (!ok)
        return NULL;
    lifetime_totals(&sn->s, &all, &hist);
    put(o, "success_rate", json_real(sn->health.success_rate), &ok);
    put(o, "consecutive_failures", json_integer(sn->health.consecutive), &ok);
    put(o, "window_size", json_integer(sn->health.size), &ok);
    put(o, "window_failures", json_integer(sn->health.failures), &ok);
    put(o, "total_requests", count_json(tally_total(&all)), &ok);
    put(o, "failed_requests",
        count_json(all.outcomes[BG_OUTCOME_ROUTE_SUSPECT]), &ok);
    put(o, "max_consecutive_failures", json_integer(sn->s.max_consecutive),
        &ok);
    put(o, "last_success", time_json(sn->s.last_success_us), &ok);
    put(o, "last_failure", time_json(sn->s.last_failure_us), &ok);
    put(o, "last_error", last_error_json(&sn->s.last_error), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

char *bg__snapshot_health_json(const struct bg__snapshot *sn)
{
    json_t *doc = json_object();
    int ok = doc != NULL;

    if (!ok)
        return NULL;
    put(doc, "status", json_string(bg_health_name(sn->health.status)), &ok);
    put(doc, "details", health_details(sn), &ok);
    put(doc, "last_test", time_json(sn->s.last_probe_us), &ok);
    if (!ok) {
        json_decref(doc);
        return NULL;
    }
    return dump(doc);
}

/* ---- Prometheus text exposition 0.0.4 -------------------------------- */

struct text {
    struct bg__buf b;
    int failed; /* an allocation failed; the text is dropped */
};

static void textf(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void textf(struct text *t, const char *fmt, ...)
{
    char line[512], *p = line;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0 || t->failed) {
        t->failed = 1;
        return;
    }
    if ((size_t)n >= sizeof(line)) {
        p = malloc((size_t)n + 1);
        if (p == NULL) {
            t->failed = 1;
            return;
        }
        va_start(ap, fmt);
        vsnprintf(p, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    if (bg__buf_append(&t->b, p, (size_t)n) != BG_OK)
        t->failed = 1;
    if (p != line)
        free(p);
}

const char *bg__prom_escape(const char *s, char *buf, size_t n)
{
    size_t k = 0;

    for (; *s != '\0' && k + 3 < n; s++) {
        if (*s == '\\' || *s == '"' || *s == '\n') {
            buf[k++] = '\\';
            buf[k++] = *s == '\n' ? 'n' : *s;
        } else {
            buf[k++] = *s;
        }
    }
    buf[k] = '\0';
    return buf;
}

static void head(struct text *t, const char *name, const char *type,
                 const char *help)
{
    textf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static const char *const kind_name[BG__KIND_COUNT] = {"passive", "probe"};

static void prom_attempts(struct text *t, const struct bg__reg_stats *s)
{
    char r[2 * BG__REG_NAME_LEN], c[2 * BG__REG_NAME_LEN];
    unsigned i, route, colo, op, outcome, kind;

    head(t, "bucketguard_attempts_total", "counter",
         "Attempts by route, edge colo, operation, outcome and kind.");
    for (i = 0; i < BG__REG_COMBOS; i++) {
        if (s->combo[i].key == 0)
            continue;
        bg__combo_labels(s->combo[i].key, &route, &colo, &op, &outcome, &kind);
        textf(t,
              "bucketguard_attempts_total{route=\"%s\",colo=\"%s\","
              "op=\"%s\",outcome=\"%s\",kind=\"%s\"} %llu\n",
              bg__prom_escape(bg__names_get(&s->routes, route), r, sizeof(r)),
              bg__prom_escape(bg__names_get(&s->colos, colo), c, sizeof(c)),
              op < BG_OP_COUNT ? bg_op_name((bg_op)op) : "other",
              bg_outcome_name((bg_outcome)outcome), kind_name[kind],
              (unsigned long long)s->combo[i].count);
    }
}

static void prom_histogram(struct text *t, const struct bg__reg_stats *s)
{
    const char *name = "bucketguard_attempt_duration_seconds";
    unsigned k;
    size_t i;

    head(t, name, "histogram", "Duration of attempts, start to last byte.");
    for (k = 0; k < BG__KIND_COUNT; k++) {
        const struct bg__hist *h = &s->side[k].hist;
        uint64_t cum = 0;

        for (i = 0; i < BG__HIST_BUCKETS - 1; i++) {
            cum += h->bucket[i];
            textf(t, "%s_bucket{kind=\"%s\",le=\"%.10g\"} %llu\n", name,
                  kind_name[k], (double)bg__hist_upper_us(i) / 1e6,
                  (unsigned long long)cum);
        }
        textf(t, "%s_bucket{kind=\"%s\",le=\"+Inf\"} %llu\n", name,
              kind_name[k], (unsigned long long)h->count);
        textf(t, "%s_sum{kind=\"%s\"} %.10g\n", name, kind_name[k],
              (double)h->sum_us / 1e6);
        textf(t, "%s_count{kind=\"%s\"} %llu\n", name, kind_name[k],
              (unsigned long long)h->count);
    }
}

static void prom_counts(struct text *t, const char *name, const char *label,
                        const char *help, const struct bg__names *names,
                        const uint64_t *count)
{
    char v[2 * BG__REG_NAME_LEN];
    unsigned i;

    head(t, name, "counter", help);
    for (i = 0; i <= BG__REG_NAMES; i++) {
        if ((i < names->n || i == BG__REG_OTHER) && count[i] > 0)
            textf(t, "%s{%s=\"%s\"} %llu\n", name, label,
                  bg__prom_escape(bg__names_get(names, i), v, sizeof(v)),
                  (unsigned long long)count[i]);
    }
}

static void prom_health(struct text *t, const struct bg__snapshot *sn)
{
    bg_health h;

    head(t, "bucketguard_health", "gauge",
         "Health over the window: 0 healthy, 1 degraded, 2 unhealthy.");
    textf(t, "bucketguard_health %d\n", (int)sn->health.status);
    head(t, "bucketguard_health_status", "gauge",
         "1 for the current health status, 0 for the others.");
    for (h = BG_HEALTHY; h <= BG_UNHEALTHY; h++)
        textf(t, "bucketguard_health_status{status=\"%s\"} %d\n",
              bg_health_name(h), h == sn->health.status);
    head(t, "bucketguard_success_rate", "gauge",
         "Share of attempts in the window the service answered (0..1).");
    textf(t, "bucketguard_success_rate %.10g\n", sn->health.success_rate);
    head(t, "bucketguard_window_outcomes", "gauge",
         "Outcomes inside the health window.");
    textf(t, "bucketguard_window_outcomes %u\n", sn->health.size);
    head(t, "bucketguard_consecutive_failures", "gauge",
         "Newest route-suspect attempts in a row inside the window.");
    textf(t, "bucketguard_consecutive_failures %u\n", sn->health.consecutive);
    head(t, "bucketguard_max_consecutive_failures", "gauge",
         "Longest run of route-suspect attempts since the client started.");
    textf(t, "bucketguard_max_consecutive_failures %u\n",
          sn->s.max_consecutive);
}

static void prom_times(struct text *t, const struct bg__reg_stats *s)
{
    static const char *const names[] = {
        "bucketguard_last_success_timestamp_seconds",
        "bucketguard_last_failure_timestamp_seconds",
        "bucketguard_last_probe_timestamp_seconds"};
    const int64_t at[] = {s->last_success_us, s->last_failure_us,
                          s->last_probe_us};
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        head(t, names[i], "gauge",
             "Unix time of the event; absent until it happens.");
        if (at[i] > 0)
            textf(t, "%s %.3f\n", names[i], (double)at[i] / 1e6);
    }
}

static void prom_bytes(struct text *t, const struct bg__reg_stats *s)
{
    unsigned k;

    head(t, "bucketguard_received_bytes_total", "counter",
         "Body bytes received by attempts.");
    for (k = 0; k < BG__KIND_COUNT; k++)
        textf(t, "bucketguard_received_bytes_total{kind=\"%s\"} %llu\n",
              kind_name[k], (unsigned long long)s->side[k].tally.bytes);
}

char *bg__snapshot_prometheus(const struct bg__snapshot *sn)
{
    struct text t = {{NULL, 0, 0}, 0};

    prom_health(&t, sn);
    prom_attempts(&t, &sn->s);
    prom_histogram(&t, &sn->s);
    prom_counts(&t, "bucketguard_codes_total", "code",
                "Attempts by body code or transport error class.", &sn->s.codes,
                sn->s.code_count);
    prom_counts(&t, "bucketguard_cache_status_total", "status",
                "Attempts by cf-cache-status.", &sn->s.caches,
                sn->s.cache_count);
    prom_bytes(&t, &sn->s);
    prom_times(&t, &sn->s);
    if (t.failed) {
        bg__buf_free(&t.b);
        return NULL;
    }
    return bg__buf_take(&t.b, NULL);
}

/* ---- Metrics file ---------------------------------------------------- */

bg_result bg__write_atomic(const char *path, const char *data, size_t len)
{
    struct bg__file_sink sink;
    char err[256];
    bg_result result;

    result = bg__file_sink_open(&sink, path, NULL, NULL, err, sizeof(err));
    if (result != BG_OK)
        return result == BG_E_NOMEM ? BG_E_NOMEM : BG_E_IO;
    if (bg__fd_sink_write(data, len, &sink.out) != 0) {
        bg__file_sink_abort(&sink);
        return BG_E_IO;
    }
    result = bg__file_sink_commit(&sink, (int64_t)len, err, sizeof(err));
    return result == BG_OK ? BG_OK : BG_E_IO;
}
