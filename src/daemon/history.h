/* A bounded record of recent probes (time, latency, success) that the
 * status page draws its charts from. */
#ifndef BGD_HISTORY_H
#define BGD_HISTORY_H

#include <stddef.h>
#include <stdint.h>

struct bgd_sample {
    int64_t time_us; /* when the probe started, µs since the epoch */
    double ms;       /* how long it took */
    int ok;          /* 1 when the probe succeeded */
};

struct bgd_history;

/* A history keeping the last capacity samples. NULL when out of memory. */
struct bgd_history *bgd_history_new(size_t capacity);
void bgd_history_free(struct bgd_history *h);

/* Appends a sample, dropping the oldest when full. Thread-safe. */
void bgd_history_add(struct bgd_history *h, const struct bgd_sample *s);

/* Copies the samples, oldest first, into a new array (*out, free with
 * free()); returns their number. 0 with *out NULL when empty or out of
 * memory. Thread-safe. */
size_t bgd_history_copy(struct bgd_history *h, struct bgd_sample **out);

#endif
