/* Per-route duration counters for the hedge delay. Relaxed atomics are
 * enough: a count read while another thread halves it is off by a few,
 * and the delay is an estimate either way. */
#include "latency.h"

#include <stdatomic.h>

#define FIRST_US 64.0
#define STEP     1.189207115002721 /* 2^(1/4) */
#define DECAY_AT 4096u
#define MIN_SEEN 20u

void bg__latency_record(struct bg__latency *l, int64_t us)
{
    double bound = FIRST_US * STEP;
    unsigned i = 0;

    while (i + 1 < BG__LAT_BUCKETS && (double)us >= bound) {
        bound *= STEP;
        i++;
    }
    atomic_fetch_add_explicit(&l->count[i], 1, memory_order_relaxed);
    if (atomic_fetch_add_explicit(&l->total, 1, memory_order_relaxed) + 1 <
        DECAY_AT)
        return;

    unsigned removed = 0;
    for (unsigned b = 0; b < BG__LAT_BUCKETS; b++) {
        unsigned n = atomic_load_explicit(&l->count[b], memory_order_relaxed);
        atomic_fetch_sub_explicit(&l->count[b], n / 2, memory_order_relaxed);
        removed += n / 2;
    }
    atomic_fetch_sub_explicit(&l->total, removed, memory_order_relaxed);
}

int64_t bg__latency_quantile(struct bg__latency *l, double q)
{
    unsigned counts[BG__LAT_BUCKETS], total = 0, seen = 0;
    double bound = FIRST_US * STEP;

    for (unsigned b = 0; b < BG__LAT_BUCKETS; b++) {
        counts[b] = atomic_load_explicit(&l->count[b], memory_order_relaxed);
        total += counts[b];
    }
    if (total < MIN_SEEN)
        return 0;
    for (unsigned b = 0; b < BG__LAT_BUCKETS; b++, bound *= STEP) {
        seen += counts[b];
        if ((double)seen >= q * (double)total)
            return (int64_t)bound;
    }
    return (int64_t)(bound / STEP);
}
