/* Health evaluation: the sliding window of recent outcomes (last N or last
 * T seconds, whichever holds fewer) and the thresholds that turn it into
 * healthy, degraded or unhealthy. */
#ifndef BG_HEALTH_H
#define BG_HEALTH_H

#include <stdint.h>
#include "bucketguard/bucketguard.h"

#define BG__WINDOW_MAX 1000000u /* largest window accepted, outcomes */

struct bg_config;

struct bg__thresholds {
    unsigned count;           /* window length in outcomes, >= 1 */
    int64_t span_us;          /* window length in time, > 0 */
    double healthy_rate;      /* healthy: rate at least this ... */
    unsigned healthy_consec;  /* ... and fewer consecutive failures */
    double degraded_rate;     /* degraded: rate at least this ... */
    unsigned degraded_consec; /* ... and fewer consecutive failures */
};

struct bg__window_entry {
    int64_t time_us;
    int failed;
};

/* A ring of the last cap outcomes, oldest overwritten first. */
struct bg__window {
    struct bg__window_entry *v;
    unsigned cap, n, head; /* head: where the next outcome goes */
};

/* Health as evaluated over the window. */
struct bg__health_view {
    bg_health status;
    double success_rate;  /* 1 when the window is empty */
    unsigned consecutive; /* newest failures in a row, inside the window */
    unsigned size;        /* outcomes inside the window */
    unsigned failures;    /* failures inside the window */
};

/* Reads the window and thresholds from cfg, clamping the window to 1 ..
 * BG__WINDOW_MAX outcomes and at least one second. */
void bg__thresholds_from_config(struct bg__thresholds *th,
                                const struct bg_config *cfg);

/* Allocates a window of cap outcomes. Returns BG_E_NOMEM. */
bg_result bg__window_init(struct bg__window *w, unsigned cap);
void bg__window_free(struct bg__window *w);

/* Appends one outcome that ended at time_us. Not thread-safe. */
void bg__window_push(struct bg__window *w, int64_t time_us, int failed);

/* Evaluates the window at now_us: outcomes older than th->span_us are
 * left out. Not thread-safe. */
void bg__window_eval(const struct bg__window *w,
                     const struct bg__thresholds *th, int64_t now_us,
                     struct bg__health_view *out);

/* The status for a success rate and a run of consecutive failures. */
bg_health bg__health_classify(const struct bg__thresholds *th, double rate,
                              unsigned consecutive);

#endif
