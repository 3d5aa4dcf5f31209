/* Probes and the route table as the public API shows them: an existence
 * check through the whole engine or on one route alone, and the routes
 * with their traits, rank and health as JSON. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "client.h"
#include "encode.h"
#include "engine.h"

static void usage(bg_report *rep, const char *detail)
{
    if (rep == NULL)
        return;
    memset(rep, 0, sizeof *rep);
    rep->result = BG_E_USAGE;
    strncpy(rep->detail, detail, sizeof rep->detail - 1);
}

/* "/object/BUCKET/KEY" with both encoded; NULL when out of memory. */
static char *object_path(const char *bucket, const char *key)
{
    size_t n = 3 * (strlen(bucket) + strlen(key)) + 16;
    char *path = malloc(n);
    int w;

    if (path == NULL)
        return NULL;
    strcpy(path, "/object/");
    w = bg__path_encode(bucket, 0, path + 8, n - 8);
    if (w < 0)
        goto fail;
    path[8 + w] = '/';
    if (bg__path_encode(key, 1, path + 9 + w, n - 9 - (size_t)w) < 0)
        goto fail;
    return path;

fail:
    free(path);
    return NULL;
}

static bg_result probe(bg_client *c, const char *route, const char *bucket,
                       const char *key, bg_report *rep)
{
    struct bg__request rq;
    struct bg__response rs;
    bg_result result;
    char *path;

    if (c == NULL || bucket == NULL || key == NULL ||
        !bg__bucket_valid(bucket) || !bg__key_valid(key)) {
        usage(rep, "a client, a valid bucket and a valid key are needed");
        return BG_E_USAGE;
    }
    if ((path = object_path(bucket, key)) == NULL)
        return BG_E_NOMEM;

    memset(&rq, 0, sizeof rq);
    rq.op = BG_OP_EXISTS;
    rq.method = "HEAD";
    rq.path = path;
    rq.bucket = bucket;
    rq.idempotent = 1;
    rq.probe = route != NULL ? 2 : 1; /* 2: a single-route sweep */
    rq.only_route = route;
    rq.body_fd = -1;
    result = bg__perform(c, &rq, &rs, rep);
    bg__response_free(&rs);
    free(path);
    return result;
}

BG_API bg_result bg_probe(bg_client *c, const char *bucket, const char *key,
                          bg_report *rep)
{
    return probe(c, NULL, bucket, key, rep);
}

BG_API bg_result bg_probe_route(bg_client *c, const char *route,
                                const char *bucket, const char *key,
                                bg_report *rep)
{
    if (route == NULL) {
        usage(rep, "no route named");
        return BG_E_USAGE;
    }
    return probe(c, route, bucket, key, rep);
}

BG_API size_t bg_route_count(const bg_client *c)
{
    return c != NULL ? c->routes.n : 0;
}

BG_API const char *bg_route_name(const bg_client *c, size_t i)
{
    if (c == NULL || i >= c->routes.n)
        return NULL;
    return c->routes.v[i].spec.name;
}

/* ---- The route table as JSON ----------------------------------------- */

static json_t *traits_json(const struct bg__route_spec *s)
{
    static const char *const ua[] = {"default", "custom", "none"};
    const char *http = s->http == 11 ? "1.1" : s->http == 2 ? "2" : "default";

    return json_pack("{s:s, s:s, s:b, s:i, s:s, s:b, s:s}", "user_agent",
                     ua[s->ua_mode], "connection",
                     s->conn_close ? "close" : "keep-alive", "minimal",
                     s->minimal, "ip", s->ip, "http", http, "fresh", s->fresh,
                     "address", s->address);
}

static json_t *route_json(const struct bg__route *r, long rank, int64_t now_us)
{
    int ejected = r->ejected_until_us > now_us;
    double left = ejected ? (double)(r->ejected_until_us - now_us) / 1e6 : 0;
    json_t *traits = traits_json(&r->spec);

    if (traits == NULL)
        return NULL;
    return json_pack("{s:s, s:o, s:o, s:b, s:f, s:i, s:I, s:I, s:f}", "name",
                     r->spec.name, "traits", traits, "rank",
                     rank >= 0 ? json_integer(rank) : json_null(), "ejected",
                     ejected, "ejected_seconds_left", left,
                     "consecutive_failures", (int)r->consecutive, "successes",
                     (json_int_t)r->successes, "failures",
                     (json_int_t)r->failures, "score", r->score);
}

/* A copy of the table taken under its lock, so that the preference order
 * can be computed without letting a trial in (ordering has side effects).
 * Returns BG_E_NOMEM. */
static bg_result snapshot(struct bg__routes *t, struct bg__routes *copy)
{
    struct bg__route *v = malloc((t->n ? t->n : 1) * sizeof *v);

    if (v == NULL)
        return BG_E_NOMEM;
    pthread_mutex_lock(&t->lock);
    *copy = *t;
    memcpy(v, t->v, t->n * sizeof *v);
    pthread_mutex_unlock(&t->lock);
    copy->v = v;
    pthread_mutex_init(&copy->lock, NULL);
    return BG_OK;
}

static json_t *table_json(struct bg__routes *copy, int64_t now_us)
{
    size_t order[BG__MAX_ROUTES + BG__MAX_ADDRS];
    size_t n =
        bg__routes_order(copy, now_us, order, sizeof order / sizeof *order);
    json_t *arr = json_array();

    for (size_t i = 0; arr != NULL && i < copy->n; i++) {
        long rank = -1;
        for (size_t j = 0; j < n; j++)
            if (order[j] == i)
                rank = (long)j + 1;
        if (json_array_append_new(arr, route_json(&copy->v[i], rank, now_us)) !=
            0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    return arr;
}

BG_API bg_result bg_routes_json(bg_client *c, char **json)
{
    struct bg__routes copy;
    json_t *arr;

    if (c == NULL || json == NULL)
        return BG_E_USAGE;
    *json = NULL;
    if (snapshot(&c->routes, &copy) != BG_OK)
        return BG_E_NOMEM;
    arr = table_json(&copy, bg__mono_us());
    pthread_mutex_destroy(&copy.lock);
    free(copy.v);
    if (arr == NULL)
        return BG_E_NOMEM;
    *json = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return *json != NULL ? BG_OK : BG_E_NOMEM;
}
