/* Recent attempt durations of one route on a log scale, from which the
 * engine takes the delay of a hedged request: lock-free counters whose
 * percentiles are estimates (a bucket is about 19 % wide). */
#ifndef BG_LATENCY_H
#define BG_LATENCY_H

#include <stdint.h>

#define BG__LAT_BUCKETS 64

/* All zero is empty. Bucket i counts durations from 64 µs * 2^(i/4) up
 * to the next bucket's start; the last one takes everything above. */
struct bg__latency {
    _Atomic unsigned count[BG__LAT_BUCKETS];
    _Atomic unsigned total;
};

/* Counts one duration of us microseconds. When the total reaches 4096
 * every count is halved, so old durations fade. Thread-safe. */
void bg__latency_record(struct bg__latency *l, int64_t us);

/* The q-quantile (0 < q <= 1) in microseconds, as the upper end of its
 * bucket; 0 with fewer than 20 durations counted. Thread-safe. */
int64_t bg__latency_quantile(struct bg__latency *l, double q);

#endif
