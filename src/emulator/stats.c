/* Request counters kept in JSON objects under one mutex; the emulator
 * counts a handful of names, so a map per counter is plenty. */
#include "stats.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

struct emu_stats {
    pthread_mutex_t lock;
    json_t *counters; /* {"total":N,"edges":{},"rules":{},"statuses":{}} */
};

struct emu_stats *emu_stats_new(void)
{
    struct emu_stats *stats = calloc(1, sizeof(*stats));

    if (!stats)
        return NULL;
    stats->counters = json_pack("{s:i, s:{}, s:{}, s:{}}", "total", 0, "edges",
                                "rules", "statuses");
    if (!stats->counters) {
        free(stats);
        return NULL;
    }
    pthread_mutex_init(&stats->lock, NULL);
    return stats;
}

void emu_stats_free(struct emu_stats *stats)
{
    if (!stats)
        return;
    json_decref(stats->counters);
    pthread_mutex_destroy(&stats->lock);
    free(stats);
}

/* Adds one to counters[group][name] (lock held). */
static void bump(json_t *counters, const char *group, const char *name)
{
    json_t *map = json_object_get(counters, group);
    json_int_t n = json_integer_value(json_object_get(map, name));

    json_object_set_new(map, name, json_integer(n + 1));
}

void emu_stats_request(struct emu_stats *stats, const char *edge,
                       const char *rule)
{
    json_t *total;

    pthread_mutex_lock(&stats->lock);
    total = json_object_get(stats->counters, "total");
    json_integer_set(total, json_integer_value(total) + 1);
    bump(stats->counters, "edges", edge);
    if (rule)
        bump(stats->counters, "rules", rule);
    pthread_mutex_unlock(&stats->lock);
}

void emu_stats_status(struct emu_stats *stats, int status)
{
    char name[16];

    snprintf(name, sizeof(name), "%d", status);
    pthread_mutex_lock(&stats->lock);
    bump(stats->counters, "statuses", name);
    pthread_mutex_unlock(&stats->lock);
}

char *emu_stats_json(struct emu_stats *stats)
{
    char *text;

    pthread_mutex_lock(&stats->lock);
    text = json_dumps(stats->counters, JSON_COMPACT | JSON_SORT_KEYS);
    pthread_mutex_unlock(&stats->lock);
    return text;
}
