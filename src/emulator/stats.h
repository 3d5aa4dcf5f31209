/* Request counters of the emulator for GET /__emulator/stats: total, per
 * edge, per fault rule and per answered status. */
#ifndef EMU_STATS_H
#define EMU_STATS_H

struct emu_stats;

/* NULL when out of memory. */
struct emu_stats *emu_stats_new(void);
void emu_stats_free(struct emu_stats *stats);

/* Counts one request that arrived on edge; rule is the name of the fault
 * rule that matched, or NULL. Thread-safe. */
void emu_stats_request(struct emu_stats *stats, const char *edge,
                       const char *rule);

/* Counts one answer with HTTP status. Thread-safe. */
void emu_stats_status(struct emu_stats *stats, int status);

/* The counters as a JSON text, newly allocated (caller frees):
 * {"total":N,"edges":{...},"rules":{...},"statuses":{"200":N,...}}.
 * NULL when out of memory. Thread-safe. */
char *emu_stats_json(struct emu_stats *stats);

#endif
