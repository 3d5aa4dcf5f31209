/* The metrics entry points that take a client: its health, the exports of
 * its registry, the embedded monitor thread that probes a test object and
 * keeps the metrics file current, and the one-shot health check. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "buf.h"
#include "client.h"
#include "engine.h"
#include "log.h"
#include "registry.h"

struct bg_monitor {
    bg_client *c;
    char *bucket, *key, *metrics_file; /* owned copies; file may be NULL */
    double interval;                   /* seconds */
    uint64_t rng;                      /* jitter state */

    pthread_t thread;
    pthread_mutex_t lock; /* guards stop */
    pthread_cond_t wake;  /* on the monotonic clock */
    int stop;
};

/* A factor in [0.9, 1.1): fleets started together drift apart instead of
 * probing in step. */
static double jitter(struct bg_monitor *m)
{
    m->rng ^= m->rng << 13;
    m->rng ^= m->rng >> 7;
    m->rng ^= m->rng << 17;
    return 0.9 + 0.2 * (double)(m->rng >> 11) / (double)(1ull << 53);
}

static void write_metrics(struct bg_monitor *m)
{
    bg_result r;

    if (m->metrics_file == NULL)
        return;
    r = bg_metrics_write_file(m->c, m->metrics_file);
    if (r != BG_OK)
        bg__logf(&m->c->cfg.log, BG_LOG_WARN,
                 "event=metrics_write_failed path=%s error=\"%s\"",
                 m->metrics_file, bg_strerror(r));
}

/* Sleeps seconds unless stop is asked for first; returns 1 when it is. */
static int nap(struct bg_monitor *m, double seconds)
{
    struct timespec until;
    int64_t ns;
    int stop;

    clock_gettime(CLOCK_MONOTONIC, &until);
    ns = (int64_t)until.tv_nsec + (int64_t)(seconds * 1e9);
    until.tv_sec += (time_t)(ns / 1000000000);
    until.tv_nsec = (long)(ns % 1000000000);

    pthread_mutex_lock(&m->lock);
    while (!m->stop &&
           pthread_cond_timedwait(&m->wake, &m->lock, &until) != ETIMEDOUT)
        ;
    stop = m->stop;
    pthread_mutex_unlock(&m->lock);
    return stop;
}

static void *monitor_main(void *arg)
{
    struct bg_monitor *m = arg;

    do {
        bg_probe(m->c, m->bucket, m->key, NULL);
        write_metrics(m);
    } while (!nap(m, m->interval * jitter(m)));
    return NULL;
}

static void monitor_free(struct bg_monitor *m)
{
    free(m->bucket);
    free(m->key);
    free(m->metrics_file);
    free(m);
}

static bg_result init_sync(struct bg_monitor *m)
{
    pthread_condattr_t attr;
    int failed;

    if (pthread_condattr_init(&attr) != 0)
        return BG_E_NOMEM;
    failed = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 ||
             pthread_cond_init(&m->wake, &attr) != 0;
    pthread_condattr_destroy(&attr);
    if (failed)
        return BG_E_INTERNAL;
    if (pthread_mutex_init(&m->lock, NULL) != 0) {
        pthread_cond_destroy(&m->wake);
        return BG_E_NOMEM;
    }
    return BG_OK;
}

BG_API bg_result bg_monitor_start(bg_client *c, const char *bucket,
                                  const char *key, double interval,
                                  const char *metrics_file, bg_monitor **out)
{
    struct bg_monitor *m;
    bg_result result = BG_E_NOMEM;

    if (out == NULL)
        return BG_E_USAGE;
    *out = NULL;
    if (c == NULL || bucket == NULL || *bucket == '\0' || key == NULL ||
        *key == '\0' || !(interval > 0) || interval > 1e7)
        return BG_E_USAGE;

    m = calloc(1, sizeof(*m));
    if (m == NULL)
        return BG_E_NOMEM;
    m->c = c;
    m->interval = interval;
    m->rng = (uint64_t)bg__mono_us() ^ (uint64_t)(uintptr_t)m;
    m->rng |= 1;
    m->bucket = strdup(bucket);
    m->key = strdup(key);
    m->metrics_file = metrics_file != NULL ? strdup(metrics_file) : NULL;
    if (m->bucket == NULL || m->key == NULL ||
        (metrics_file != NULL && m->metrics_file == NULL))
        goto fail;

    result = init_sync(m);
    if (result != BG_OK)
        goto fail;
    if (pthread_create(&m->thread, NULL, monitor_main, m) != 0) {
        pthread_cond_destroy(&m->wake);
        pthread_mutex_destroy(&m->lock);
        result = BG_E_INTERNAL;
        goto fail;
    }
    *out = m;
    return BG_OK;

fail:
    monitor_free(m);
    return result;
}

BG_API void bg_monitor_stop(bg_monitor *m)
{
    if (m == NULL)
        return;
    pthread_mutex_lock(&m->lock);
    m->stop = 1;
    pthread_cond_signal(&m->wake);
    pthread_mutex_unlock(&m->lock);
    pthread_join(m->thread, NULL);

    write_metrics(m);
    pthread_cond_destroy(&m->wake);
    pthread_mutex_destroy(&m->lock);
    monitor_free(m);
}

/* Runs one exporter over a fresh snapshot of the client's registry. */
static bg_result export_client(bg_client *c,
                               char *(*fmt)(const struct bg__snapshot *),
                               char **out)
{
    struct bg__registry *r;
    struct bg__snapshot *sn;

    if (out == NULL)
        return BG_E_USAGE;
    *out = NULL;
    r = c != NULL ? bg__client_registry(c) : NULL;
    if (r == NULL)
        return BG_E_USAGE;
    sn = bg__registry_snapshot(r, bg__now_us());
    if (sn == NULL)
        return BG_E_NOMEM;
    *out = fmt(sn);
    free(sn);
    return *out != NULL ? BG_OK : BG_E_NOMEM;
}

BG_API bg_result bg_metrics_json(bg_client *c, char **json)
{
    return export_client(c, bg__snapshot_json, json);
}

BG_API bg_result bg_health_json(bg_client *c, char **json)
{
    return export_client(c, bg__snapshot_health_json, json);
}

/* The route gauge comes from the client's route table, which is not part
 * of the registry: 1 for a route ejected now, 0 for an admitted one.
 * Takes text (the registry's exposition) and returns it extended, or NULL
 * when out of memory. */
static char *with_route_gauge(struct bg_client *c, char *text)
{
    static const char head[] =
        "# HELP bucketguard_route_ejected 1 while the route is ejected "
        "after repeated failures.\n"
        "# TYPE bucketguard_route_ejected gauge\n";
    struct bg__routes *t = &c->routes;
    struct bg__buf b = {0};
    char name[2 * BG__NAME_MAX], line[160];
    int64_t now = bg__mono_us();
    size_t i;
    int ok, n;

    ok = bg__buf_append(&b, text, strlen(text)) == BG_OK &&
         bg__buf_append(&b, head, sizeof(head) - 1) == BG_OK;
    free(text);
    pthread_mutex_lock(&t->lock);
    for (i = 0; ok && i < t->n; i++) {
        n = snprintf(line, sizeof(line),
                     "bucketguard_route_ejected{route=\"%s\"} %d\n",
                     bg__prom_escape(t->v[i].spec.name, name, sizeof(name)),
                     t->v[i].ejected_until_us > now);
        ok = n > 0 && (size_t)n < sizeof(line) &&
             bg__buf_append(&b, line, (size_t)n) == BG_OK;
    }
    pthread_mutex_unlock(&t->lock);

    if (!ok) {
        bg__buf_free(&b);
        return NULL;
    }
    return bg__buf_take(&b, NULL);
}

BG_API bg_result bg_metrics_prometheus(bg_client *c, char **text)
{
    bg_result result = export_client(c, bg__snapshot_prometheus, text);

    if (result != BG_OK)
        return result;
    *text = with_route_gauge(c, *text);
    return *text != NULL ? BG_OK : BG_E_NOMEM;
}

BG_API bg_result bg_metrics_write_file(bg_client *c, const char *path)
{
    bg_result result;
    char *json = NULL;

    if (path == NULL || *path == '\0')
        return BG_E_USAGE;
    result = bg_metrics_json(c, &json);
    if (result == BG_OK)
        result = bg__write_atomic(path, json, strlen(json));
    free(json);
    return result;
}

BG_API bg_health bg_health_now(bg_client *c, double *success_rate,
                               unsigned *consecutive)
{
    struct bg__registry *r = c != NULL ? bg__client_registry(c) : NULL;
    struct bg__health_view v = {BG_HEALTHY, 1.0, 0, 0, 0};

    /* Without a registry nothing can vouch for the client. */
    if (r != NULL) {
        bg__registry_health(r, bg__now_us(), &v);
    } else {
        v.status = BG_UNHEALTHY;
        v.success_rate = 0;
    }
    if (success_rate != NULL)
        *success_rate = v.success_rate;
    if (consecutive != NULL)
        *consecutive = v.consecutive;
    return v.status;
}

/* NOTE: health counts attempts, so in a fresh process a probe that needed
 * a failover leaves route-suspect attempts in a small window and may read
 * as degraded or unhealthy although the object was reached. */
BG_API bg_result bg_health_check(bg_client *c, const char *bucket,
                                 const char *key, char **json)
{
    bg_result probe, result;

    if (json == NULL)
        return BG_E_USAGE;
    *json = NULL;
    if (c == NULL || bucket == NULL || key == NULL)
        return BG_E_USAGE;

    probe = bg_probe(c, bucket, key, NULL);
    result = bg_health_json(c, json);
    if (result != BG_OK)
        return result;
    if (bg_health_now(c, NULL, NULL) == BG_HEALTHY)
        return BG_OK;
    return probe != BG_OK ? probe : BG_E_EXHAUSTED;
}
