/* The client behind the public handle: its own copy of the configuration,
 * the libcurl share and pool of easy handles, the route table, the retry
 * budget and the cache of known buckets, shared by every thread that uses
 * it. */
#ifndef BG_CLIENT_H
#define BG_CLIENT_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>
#include "backoff.h"
#include "classify.h"
#include "config.h"
#include "latency.h"
#include "route.h"

struct bg__registry;

#define BG__POOL_MAX   16
#define BG__BUCKETS    32
#define BG__MAX_ADDRS  8
#define BG__BUCKET_MAX 128

/* An easy handle and the route and key its options were prepared for
 * (see bg__transfer_begin): the next attempt on the same route and key
 * sets only what changes per request. route and key are remembered by
 * address, so both must live as long as the client (they point into its
 * route table and configuration). */
struct bg__handle {
    CURL *h;
    const struct bg__route_spec *route; /* NULL: options as after reset */
    const char *key;                    /* NULL: no key lines */
    struct curl_slist *headers;         /* the route's lines and the key's */
    struct curl_slist *connect_to;      /* the route's pinned address */
    char method[8]; /* GET or HEAD as last set, "-" other, "" as reset */
    char errbuf[CURL_ERROR_SIZE];

    /* What the last request set on h, so that a repeated value is not set
     * again: every setopt showed in the instructions per request. */
    char *url;
    CURLU *u; /* url parsed, set as CURLOPT_CURLU */
    const struct curl_slist *lines;
    void *data;
    long timeout_ms, connect_ms;
    long buffer; /* CURLOPT_BUFFERSIZE set, 0 for libcurl's default */
};

struct bg__bucket_entry {
    char id[BG__BUCKET_MAX];
    enum bg__bucket_state state;
    int64_t expires_us; /* monotonic */
};

struct bg_client {
    struct bg_config cfg; /* deep copy; cfg.url has no trailing slash */

    CURLSH *share;
    pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
    struct curl_slist *resolve; /* cfg.resolve for CURLOPT_RESOLVE, or NULL */

    pthread_mutex_t pool_lock; /* guards pool and npool */
    struct bg__handle *pool[BG__POOL_MAX];
    unsigned npool;

    char host[256]; /* of cfg.url, without brackets */
    char port[8];
    char addrs[BG__MAX_ADDRS][64]; /* the host's addresses, deduplicated */
    size_t naddrs;

    struct bg__registry *registry; /* every attempt event folds in here */
    struct bg__routes routes;
    int routes_ready; /* routes was built and must be freed */
    struct bg__budget budget;

    pthread_mutex_t bucket_lock; /* guards buckets */
    struct bg__bucket_entry buckets[BG__BUCKETS];

    /* Attempt durations per route (index as in routes), kept only while
     * hedging is on: the hedge delay defaults to their p95. */
    struct bg__latency latency[BG__MAX_ROUTES + BG__MAX_ADDRS];
};

/* Sends ev to the event receivers of c: the metrics registry, then the
 * user's callback. The single place through which attempt events leave
 * the engine. Thread-safe as far as the user's callback is. */
void bg__client_emit(struct bg_client *c, const bg_event *ev);

/* A handle from the pool, preferably one prepared for route and key,
 * else any (the caller checks what it was prepared for), else a new blank
 * one; NULL when out of memory. bg__client_put_handle keeps it, options
 * and all, for a later call (connections and caches live in the client's
 * share). Thread-safe. */
struct bg__handle *bg__client_take_handle(struct bg_client *c,
                                          const struct bg__route_spec *route,
                                          const char *key);
void bg__client_put_handle(struct bg_client *c, struct bg__handle *hd);

/* Resets hd's options and forgets what it was prepared for; frees it
 * whole. */
void bg__handle_blank(struct bg__handle *hd);
void bg__handle_free(struct bg__handle *hd);

/* What the cache knows of bucket id (BG__BUCKET_UNKNOWN when nothing or
 * expired), and recording a state for cfg.bucket_ttl seconds.
 * Thread-safe. */
enum bg__bucket_state bg__client_bucket_get(struct bg_client *c,
                                            const char *id);
void bg__client_bucket_put(struct bg_client *c, const char *id,
                           enum bg__bucket_state state);

#endif
