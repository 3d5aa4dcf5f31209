/* The health window and its evaluation. The window is what keeps a long
 * healthy history from hiding a present outage: only the last N outcomes,
 * and of those only the ones younger than T, are counted. */
#include <stdlib.h>
#include "config.h"
#include "health.h"

/* Rates are compared with a little slack so that 95 of 100 meets 0.95
 * whatever the rounding of the division. */
#define RATE_SLACK 1e-9

void bg__thresholds_from_config(struct bg__thresholds *th,
                                const struct bg_config *cfg)
{
    double span = cfg->window_seconds;

    th->count = cfg->window_count;
    if (th->count < 1)
        th->count = 1;
    if (th->count > BG__WINDOW_MAX)
        th->count = BG__WINDOW_MAX;
    if (!(span >= 1))
        span = 1;
    if (span > 1e9)
        span = 1e9;
    th->span_us = (int64_t)(span * 1e6);
    th->healthy_rate = cfg->healthy_rate;
    th->healthy_consec = cfg->healthy_consec;
    th->degraded_rate = cfg->degraded_rate;
    th->degraded_consec = cfg->degraded_consec;
}

bg_result bg__window_init(struct bg__window *w, unsigned cap)
{
    w->v = calloc(cap > 0 ? cap : 1, sizeof(*w->v));
    if (w->v == NULL)
        return BG_E_NOMEM;
    w->cap = cap > 0 ? cap : 1;
    w->n = 0;
    w->head = 0;
    return BG_OK;
}

void bg__window_free(struct bg__window *w)
{
    free(w->v);
    w->v = NULL;
    w->cap = w->n = w->head = 0;
}

void bg__window_push(struct bg__window *w, int64_t time_us, int failed)
{
    w->v[w->head].time_us = time_us;
    w->v[w->head].failed = failed != 0;
    w->head = (w->head + 1) % w->cap;
    if (w->n < w->cap)
        w->n++;
}

bg_health bg__health_classify(const struct bg__thresholds *th, double rate,
                              unsigned consecutive)
{
    if (rate + RATE_SLACK >= th->healthy_rate &&
        consecutive < th->healthy_consec)
        return BG_HEALTHY;
    if (rate + RATE_SLACK >= th->degraded_rate &&
        consecutive < th->degraded_consec)
        return BG_DEGRADED;
    return BG_UNHEALTHY;
}

/* Walks from the newest outcome back. Outcomes recorded out of time order
 * (threads finishing in another order than they started) are judged one
 * by one, so a stale one in the middle is skipped, not a cut-off. */
void bg__window_eval(const struct bg__window *w,
                     const struct bg__thresholds *th, int64_t now_us,
                     struct bg__health_view *out)
{
    int64_t oldest = now_us - th->span_us;
    unsigned i, seen = 0, failures = 0, run = 0;
    int in_run = 1;

    for (i = 0; i < w->n; i++) {
        const struct bg__window_entry *e =
            &w->v[(w->head + w->cap - 1 - i) % w->cap];

        if (e->time_us < oldest)
            continue;
        seen++;
        failures += e->failed;
        if (in_run && e->failed)
            run++;
        else
            in_run = 0;
    }

    out->size = seen;
    out->failures = failures;
    out->consecutive = run;
    out->success_rate = seen > 0 ? (double)(seen - failures) / seen : 1.0;
    out->status = bg__health_classify(th, out->success_rate, run);
}
