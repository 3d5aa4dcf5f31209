/* Backoff between rounds, Retry-After, and the retry budget that keeps a
 * fleet of clients from turning an outage into a retry storm. */
#ifndef BG_BACKOFF_H
#define BG_BACKOFF_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include "config.h"

/* Seconds to sleep after round `round` (1 for the delay between the first
 * and second rounds). The schedule's last delay repeats when rounds
 * outnumber it. jitter in [0, 1] spreads the delay uniformly over
 * [d * (1 - jitter), d]; r is a uniform random number in [0, 1). */
double bg__backoff_delay(const struct bg_config *cfg, unsigned round, double r);

/* Seconds a Retry-After header asks for (delta-seconds or an HTTP date,
 * relative to now), or -1 when value is NULL or not understood. Capped at
 * 3600. */
double bg__retry_after(const char *value, time_t now);

/* A token bucket shared by every call of a client: each request deposits
 * ratio tokens, time deposits min_per_sec tokens per second, each retry
 * (any attempt after a request's first) withdraws one. Thread-safe. */
struct bg__budget {
    pthread_mutex_t lock;
    double tokens, cap, ratio, min_per_sec;
    int64_t last_us;
};

void bg__budget_init(struct bg__budget *b, double ratio, double min_per_sec,
                     double cap, int64_t now_us);
void bg__budget_destroy(struct bg__budget *b);
void bg__budget_on_request(struct bg__budget *b, int64_t now_us);

/* 1 when a retry may be sent (a token is withdrawn), 0 when the budget is
 * spent. */
int bg__budget_take(struct bg__budget *b, int64_t now_us);

#endif
