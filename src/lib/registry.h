/* The metrics registry: every attempt event folded into fixed-size
 * counters, a latency histogram, name tables and the health window, under
 * one short lock, so that exporters can read a consistent snapshot. */
#ifndef BG_REGISTRY_H
#define BG_REGISTRY_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "health.h"

#define BG__REG_NAMES    64 /* distinct names kept per table; then "other" */
#define BG__REG_NAME_LEN 40 /* longer names are cut */
#define BG__REG_OTHER    BG__REG_NAMES /* index of the "other" bucket */
#define BG__REG_RAYS     20            /* cf-ray values kept */
#define BG__REG_COMBOS   512 /* (route, colo, op, outcome, kind) series */
#define BG__REG_OUTCOMES 3

/* Latency buckets: [0] below 100 µs, then 4 linear sub-buckets per power
 * of two from 100 µs up to 100 µs * 2^20 (about 105 s), then overflow. */
#define BG__HIST_OCTAVES 20
#define BG__HIST_SUB     4
#define BG__HIST_BUCKETS (2 + BG__HIST_OCTAVES * BG__HIST_SUB)
#define BG__HIST_BASE_US 100

enum bg__kind { BG__KIND_PASSIVE = 0, BG__KIND_PROBE, BG__KIND_COUNT };

/* Interned names; index BG__REG_OTHER stands for every name that found no
 * free slot. */
struct bg__names {
    char name[BG__REG_NAMES][BG__REG_NAME_LEN];
    uint8_t slot[2 * BG__REG_NAMES]; /* hash table: index + 1, 0 free */
    unsigned n;
};

/* Attempts of one route, colo, operation or kind. */
struct bg__tally {
    uint64_t outcomes[BG__REG_OUTCOMES]; /* indexed by bg_outcome */
    uint64_t duration_us;                /* sum */
    uint64_t bytes;
};

struct bg__hist {
    uint64_t bucket[BG__HIST_BUCKETS];
    uint64_t count, sum_us;
    int64_t min_us, max_us; /* valid when count > 0 */
};

/* Figures of probes or of passive traffic. */
struct bg__side {
    struct bg__tally tally;
    struct bg__hist hist;
    unsigned consecutive, max_consecutive;    /* route-suspect streaks */
    int64_t last_success_us, last_failure_us; /* 0 when never */
};

struct bg__last_error {
    int64_t time_us; /* 0 when none yet */
    int http_status, body_status;
    bg_outcome outcome;
    char route[BG__REG_NAME_LEN];
    char colo[BG__REG_NAME_LEN];
    char code[BG__REG_NAME_LEN];
    char message[256];
};

/* One labelled attempt counter; key packs the label indexes. */
struct bg__combo {
    uint32_t key; /* 0 for a free slot */
    uint64_t count;
};

/* Everything the registry counts, as plain data so a snapshot is one copy.
 */
struct bg__reg_stats {
    struct bg__side side[BG__KIND_COUNT];
    unsigned consecutive, max_consecutive; /* both kinds together */
    int64_t last_success_us, last_failure_us, last_probe_us;
    struct bg__names routes, colos, codes, caches;
    struct bg__tally route_tally[BG__REG_NAMES + 1];
    struct bg__tally colo_tally[BG__REG_NAMES + 1];
    struct bg__tally op_tally[BG_OP_COUNT];
    uint64_t code_count[BG__REG_NAMES + 1];
    uint64_t cache_count[BG__REG_NAMES + 1];
    struct bg__combo combo[BG__REG_COMBOS];
    unsigned ncombos;
    char rays[BG__REG_RAYS][BG__REG_NAME_LEN + 16]; /* ring, oldest first */
    unsigned nrays, ray_head;
    struct bg__last_error last_error;
};

struct bg__registry {
    pthread_mutex_t lock;
    struct bg__thresholds th;
    struct bg__window window; /* guarded by lock */
    struct bg__reg_stats s;   /* guarded by lock */
};

/* A consistent copy of the registry with the health evaluated at now_us.
 */
struct bg__snapshot {
    int64_t now_us;
    struct bg__thresholds th;
    struct bg__health_view health;
    struct bg__reg_stats s;
};

/* Creates an empty registry whose window and thresholds come from cfg
 * (window_count, window_seconds, healthy_rate, healthy_consec,
 * degraded_rate, degraded_consec). NULL when out of memory. */
struct bg__registry *bg__registry_new(const struct bg_config *cfg);

/* Frees r; NULL is accepted. No recording may be in progress. */
void bg__registry_free(struct bg__registry *r);

/* Folds one attempt event into r. The event's strings are copied (cut to
 * the registry's lengths, bytes outside printable ASCII replaced by '?')
 * and the message is redacted again. Thread-safe; costs one short lock. */
void bg__registry_record(struct bg__registry *r, const bg_event *ev);

/* Health at now_us (µs since the epoch). Thread-safe. */
void bg__registry_health(struct bg__registry *r, int64_t now_us,
                         struct bg__health_view *out);

/* Copies r into a new snapshot taken at now_us (free with free()). NULL
 * when out of memory. Thread-safe. */
struct bg__snapshot *bg__registry_snapshot(struct bg__registry *r,
                                           int64_t now_us);

/* Counts one duration (negative counts as 0). */
void bg__hist_add(struct bg__hist *h, int64_t d_us);

/* Quantile q (0..1) of a histogram in microseconds, interpolated inside
 * its bucket and clamped to the observed minimum and maximum; 0 when the
 * histogram is empty. */
double bg__hist_quantile(const struct bg__hist *h, double q);

/* Upper bound of bucket i in microseconds; -1 for the overflow bucket. */
int64_t bg__hist_upper_us(size_t i);

/* Merges src into dst. */
void bg__hist_merge(struct bg__hist *dst, const struct bg__hist *src);

/* Splits a combo key into its label indexes (route and colo index into
 * the name tables, BG__REG_OTHER for "other"; op BG_OP_COUNT for
 * "other"). */
void bg__combo_labels(uint32_t key, unsigned *route, unsigned *colo,
                      unsigned *op, unsigned *outcome, unsigned *kind);

/* Name of entry i of a name table: "other" for BG__REG_OTHER. */
const char *bg__names_get(const struct bg__names *t, unsigned i);

/* Link to the client's registry, defined by the client (client.c). */
struct bg_client;
struct bg__registry *bg__client_registry(struct bg_client *c);

/* ---- Exporters (export.c); they only read a snapshot ------------------ */

/* The metrics document of docs/metrics.md, as a string (free with free()).
 * NULL when out of memory. */
char *bg__snapshot_json(const struct bg__snapshot *sn);

/* The health answer {"status","details","last_test"}, as a string. */
char *bg__snapshot_health_json(const struct bg__snapshot *sn);

/* The Prometheus text exposition (format 0.0.4), as a string. */
char *bg__snapshot_prometheus(const struct bg__snapshot *sn);

/* s as a Prometheus label value (backslash, double quote and newline
 * escaped) in buf (size n, cut to fit); returns buf. */
const char *bg__prom_escape(const char *s, char *buf, size_t n);

/* Writes len bytes of data to path atomically: a temporary file in the
 * same directory, fsync, rename, fsync of the directory. The temporary
 * file is removed on failure. Returns BG_E_IO or BG_E_NOMEM. */
bg_result bg__write_atomic(const char *path, const char *data, size_t len);

/* Formats t_us (µs since the epoch) as "YYYY-MM-DDTHH:MM:SS.mmmZ" into
 * buf (at least 32 bytes). */
void bg__iso8601(int64_t t_us, char *buf, size_t n);

#endif
