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
    CURL *pool[BG__POOL_MAX];
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

/* An easy handle from the pool, or a new one; NULL when out of memory.
 * bg__client_put_handle resets it (options only: connections and caches
 * stay) and keeps it for the next call. Thread-safe. */
CURL *bg__client_take_handle(struct bg_client *c);
void bg__client_put_handle(struct bg_client *c, CURL *h);

/* What the cache knows of bucket id (BG__BUCKET_UNKNOWN when nothing or
 * expired), and recording a state for cfg.bucket_ttl seconds.
 * Thread-safe. */
enum bg__bucket_state bg__client_bucket_get(struct bg_client *c,
                                            const char *id);
void bg__client_bucket_put(struct bg_client *c, const char *id,
                           enum bg__bucket_state state);

#endif
