/* The routes command of bucketguard: one existence check per route, no
 * failover and no retry, so that a route-dependent failure (the incident:
 * "Bucket not found" on one header profile or one edge) shows side by side
 * with the routes that work. */
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "out.h"

/* The attempt's outcome as the engine judged it; without an event (the
 * call never reached the network) the result says enough. */
static const char *outcome_of(const struct cli *c, bg_result r)
{
    if (c->events > 0)
        return bg_outcome_name(c->last_outcome);
    return r == BG_OK ? "ok" : "error";
}

static int add_row(struct out_table *t, const bg_report *rep, const char *route,
                   const char *outcome)
{
    char status[16] = "-", ms[24];
    const char *cells[8];

    if (rep->http_status != 0 && rep->body_status != 0)
        snprintf(status, sizeof status, "%d/%d", rep->http_status,
                 rep->body_status);
    else if (rep->http_status != 0)
        snprintf(status, sizeof status, "%d", rep->http_status);
    snprintf(ms, sizeof ms, "%.1f", (double)rep->duration_us / 1000.0);
    cells[0] = route;
    cells[1] = status;
    cells[2] = rep->code[0] != '\0' ? rep->code : "-";
    cells[3] = ms;
    cells[4] = rep->colo[0] != '\0' ? rep->colo : "-";
    cells[5] = rep->cache_status[0] != '\0' ? rep->cache_status : "-";
    cells[6] = outcome;
    return out_table_add(t, cells);
}

/* Probes route i and records its row. Returns 1 when the route reached
 * the object, 0 when it did not, -1 when out of memory. */
static int probe_one(struct cli *c, size_t i, const char *bucket,
                     const char *key, struct out_table *t, json_t *rows,
                     bg_result *first_failure)
{
    const char *route = bg_route_name(c->client, i);
    const char *outcome;
    bg_report rep;
    bg_result r;
    json_t *row;

    memset(&rep, 0, sizeof rep);
    cli_events_reset(c);
    r = bg_probe_route(c->client, route, bucket, key, &rep);
    outcome = outcome_of(c, r);
    if (r != BG_OK && *first_failure == BG_OK)
        *first_failure = r;

    if (t != NULL && add_row(t, &rep, route, outcome) != 0)
        return -1;
    row = out_report_json(r, &rep);
    if (row == NULL || json_object_set_new(row, "route", json_string(route)) ||
        json_object_set_new(row, "outcome", json_string(outcome)) ||
        json_array_append_new(rows, row) != 0)
        return -1;
    return r == BG_OK;
}

static int probe_all(struct cli *c, const char *bucket, const char *key,
                     const char *what)
{
    static const char *const heads[] = {"ROUTE", "STATUS", "CODE",   "MS",
                                        "COLO",  "CACHE",  "OUTCOME"};
    struct out_table *t = c->opt.json ? NULL : out_table_new(7, heads);
    json_t *rows = json_array();
    bg_result first_failure = BG_OK;
    size_t i, n = bg_route_count(c->client);
    int ok = 0, got = 0;

    for (i = 0; i < n && got >= 0 && rows != NULL; i++) {
        got = probe_one(c, i, bucket, key, t, rows, &first_failure);
        ok += got > 0;
    }
    if (rows == NULL || got < 0 || (t == NULL && !c->opt.json)) {
        out_table_free(t);
        json_decref(rows);
        out_errorf(c->cmd, "%s: out of memory", what);
        return CLI_EXIT_INTERNAL;
    }
    if (c->opt.json) {
        got = out_json(rows);
    } else {
        out_table_print(t, stdout);
        json_decref(rows);
        got = 0;
    }
    if (ok == 0 && n > 0) {
        out_errorf(NULL, "%s %s: no route reached the object", c->cmd, what);
        return out_exit_code(first_failure);
    }
    return got;
}

int cmd_routes(struct cli *c, int argc, char **argv)
{
    char *pos[2], bucket[256];
    const char *key;
    size_t npos;
    int status;

    status = cli_parse(c, argc, argv, NULL, NULL, NULL, pos, 2, &npos);
    if (status == 0 && npos != 1)
        status = cli_usage_error(c->cmd, "wants one BUCKET/KEY");
    if (status == 0)
        status = cli_split(c, pos[0], bucket, sizeof bucket, &key, 0);
    if (status == 0)
        status = cli_connect(c);
    if (status != 0)
        return status;
    return probe_all(c, bucket, key, pos[0]);
}
