/* `bucketguard monitor`: the probe loop. Probes and the route sweep run in
 * the main thread; the HTTP server runs in its own; the wait between probes
 * is a sigtimedwait, so a signal ends it at once and the final metrics
 * write still happens. */
#include "daemon.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history.h"
#include "httpd.h"

#define HISTORY_SAMPLES 4096

struct loop {
    bg_client *c;
    const struct bgd_options *o;
    struct bgd_history *history;
    sigset_t stop_signals;
    bg_health last_health;
    double last_write; /* monotonic seconds of the last metrics write */
    unsigned seed;
};

static void say(const struct loop *l, bg_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(const struct loop *l, bg_log_level level, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    if (l->o->log == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    l->o->log(level, line, l->o->log_userdata);
}

static int64_t now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static double mono_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits up to seconds; returns 1 when a stop signal arrived. */
static int wait_or_stop(struct loop *l, double seconds)
{
    struct timespec ts;
    int sig;

    if (seconds < 0)
        seconds = 0;
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    do {
        sig = sigtimedwait(&l->stop_signals, NULL, &ts);
    } while (sig < 0 && errno == EINTR);
    if (sig > 0)
        say(l, BG_LOG_INFO, "msg=\"stopping\" signal=%s",
            sig == SIGTERM ? "TERM" : "INT");
    return sig > 0;
}

/* Logs a change of health; returns 1 when there was one. */
static int note_health(struct loop *l)
{
    double rate = 0;
    unsigned consec = 0;
    bg_health h = bg_health_now(l->c, &rate, &consec);

    if (h == l->last_health)
        return 0;
    say(l, h > l->last_health ? BG_LOG_WARN : BG_LOG_INFO,
        "msg=\"health changed\" from=%s to=%s success_rate=%.3f "
        "consecutive_failures=%u",
        bg_health_name(l->last_health), bg_health_name(h), rate, consec);
    l->last_health = h;
    return 1;
}

/* Writes the metrics file after a probe: when the health changed, else
 * at most every metrics_every seconds. Writing after every probe of a
 * fast monitor made the file's sync most of a probe's CPU time. */
static void write_metrics(struct loop *l, int changed)
{
    const char *path = l->o->metrics_file;
    double now = mono_s();
    bg_result r;

    if (path == NULL || path[0] == '\0')
        return;
    if (!changed && l->last_write > 0 &&
        now - l->last_write < l->o->metrics_every)
        return;
    l->last_write = now;
    r = bg_metrics_write_file(l->c, path);
    if (r != BG_OK)
        say(l, BG_LOG_ERROR, "msg=\"cannot write metrics file\" error=\"%s\"",
            bg_strerror(r));
}

static void probe_once(struct loop *l)
{
    struct bgd_sample s = {0};
    bg_report rep;
    bg_result r;

    memset(&rep, 0, sizeof(rep));
    s.time_us = now_us();
    r = bg_probe(l->c, l->o->bucket, l->o->key, &rep);
    s.ms = (double)rep.duration_us / 1000.0;
    s.ok = r == BG_OK;
    bgd_history_add(l->history, &s);
    say(l, BG_LOG_DEBUG,
        "msg=\"probe\" result=%s route=%s attempts=%u "
        "ms=%.1f colo=%s",
        r == BG_OK ? "ok" : bg_strerror(r), rep.route, rep.attempts, s.ms,
        rep.colo);
    write_metrics(l, note_health(l));
}

static void sweep_routes(struct loop *l)
{
    size_t i, n = bg_route_count(l->c);

    for (i = 0; i < n; i++) {
        bg_report rep;
        bg_result r;

        memset(&rep, 0, sizeof(rep));
        r = bg_probe_route(l->c, bg_route_name(l->c, i), l->o->bucket,
                           l->o->key, &rep);
        say(l, BG_LOG_DEBUG,
            "msg=\"route probe\" route=%s result=%s "
            "status=%d code=%s colo=%s",
            bg_route_name(l->c, i), r == BG_OK ? "ok" : bg_strerror(r),
            rep.http_status, rep.code, rep.colo);
    }
}

/* Seconds until the next probe: the interval, give or take 10 %. */
static double jittered(struct loop *l)
{
    double u = (double)rand_r(&l->seed) / ((double)RAND_MAX + 1.0);

    return l->o->interval * (0.9 + 0.2 * u);
}

static void run_loop(struct loop *l)
{
    double next_sweep = mono_s();
    long probes = 0;

    for (;;) {
        if (l->o->route_interval > 0 && mono_s() >= next_sweep) {
            sweep_routes(l);
            next_sweep = mono_s() + l->o->route_interval;
        }
        probe_once(l);
        probes++;
        if (l->o->count > 0 && probes >= l->o->count)
            break;
        if (wait_or_stop(l, jittered(l)))
            break;
    }
}

int bgd_run(bg_client *c, const struct bgd_options *o)
{
    struct loop l = {.c = c, .o = o, .last_health = BG_HEALTHY};
    struct bgd_httpd *httpd = NULL;
    char err[256];
    int status = 1;

    l.seed = (unsigned)now_us();
    sigemptyset(&l.stop_signals);
    sigaddset(&l.stop_signals, SIGTERM);
    sigaddset(&l.stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &l.stop_signals, NULL);

    l.history = bgd_history_new(HISTORY_SAMPLES);
    if (l.history == NULL) {
        say(&l, BG_LOG_ERROR, "msg=\"out of memory\"");
        goto out;
    }
    if (o->listen != NULL && o->listen[0] != '\0') {
        httpd = bgd_httpd_start(c, l.history, o->listen, o->token, err,
                                sizeof(err));
        if (httpd == NULL) {
            say(&l, BG_LOG_ERROR, "msg=\"%s\"", err);
            goto out;
        }
        say(&l, BG_LOG_INFO, "msg=\"serving\" listen=%s port=%u", o->listen,
            bgd_httpd_port(httpd));
    }

    run_loop(&l);
    if (o->metrics_file != NULL && o->metrics_file[0] != '\0')
        bg_metrics_write_file(c, o->metrics_file);
    status = 0;

out:
    bgd_httpd_stop(httpd);
    bgd_history_free(l.history);
    return status;
}
