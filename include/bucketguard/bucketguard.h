/* libbucketguard: a Supabase Storage client that carries every call across
 * several routes, fails over and retries with measure, and records every
 * attempt so its health can be reported. This is the only public header. */
#ifndef BUCKETGUARD_H
#define BUCKETGUARD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(BG_BUILDING_LIBRARY)
#define BG_API __attribute__((visibility("default")))
#else
#define BG_API
#endif

#define BG_VERSION "0.1.0"

/* Every call returns one of these; 0 is success. */
typedef enum bg_result {
    BG_OK = 0,
    BG_E_USAGE,     /* an argument is invalid (NULL, empty, out of range) */
    BG_E_CONFIG,    /* the configuration is invalid or incomplete */
    BG_E_NOMEM,     /* out of memory */
    BG_E_NOT_FOUND, /* the object or bucket does not exist */
    BG_E_AUTH,      /* the key was rejected or access was denied */
    BG_E_CONFLICT,  /* already exists, or the bucket is not empty */
    BG_E_REJECTED,  /* the server refused the request as invalid */
    BG_E_EXHAUSTED, /* every route failed in every round */
    BG_E_DEADLINE,  /* the overall deadline passed */
    BG_E_BUDGET,    /* the retry budget is spent */
    BG_E_IO,        /* a local file or descriptor failed */
    BG_E_ABORTED,   /* a caller's callback asked to stop */
    BG_E_INTERNAL   /* a bug or an unexpected answer */
} bg_result;

/* A short English description of r; never NULL, static storage. */
BG_API const char *bg_strerror(bg_result r);

/* How one attempt ended. */
typedef enum bg_outcome {
    BG_OUTCOME_OK = 0,
    BG_OUTCOME_DEFINITIVE,   /* a final answer: missing, denied, conflict */
    BG_OUTCOME_ROUTE_SUSPECT /* another route may well succeed */
} bg_outcome;

/* "ok", "definitive" or "route_suspect". */
BG_API const char *bg_outcome_name(bg_outcome o);

/* Storage operations, as counted in events and metrics. */
typedef enum bg_op {
    BG_OP_EXISTS = 0,
    BG_OP_INFO,
    BG_OP_DOWNLOAD,
    BG_OP_UPLOAD,
    BG_OP_REMOVE,
    BG_OP_LIST,
    BG_OP_COPY,
    BG_OP_MOVE,
    BG_OP_SIGN,
    BG_OP_BUCKET_LIST,
    BG_OP_BUCKET_GET,
    BG_OP_BUCKET_CREATE,
    BG_OP_BUCKET_DELETE,
    BG_OP_BUCKET_CHECK, /* the engine's own "does this bucket exist" */
    BG_OP_COUNT
} bg_op;

/* "exists", "info", "download", ... ; "unknown" out of range. */
BG_API const char *bg_op_name(bg_op op);

/* ---- Logging --------------------------------------------------------- */

typedef enum bg_log_level {
    BG_LOG_ERROR = 0,
    BG_LOG_WARN,
    BG_LOG_INFO,
    BG_LOG_DEBUG
} bg_log_level;

/* Receives one log line: `key=value` pairs, no newline, no secret. Called
 * from whichever thread made the call; must not call back into the client.
 */
typedef void bg_log_fn(bg_log_level level, const char *line, void *userdata);

/* "error", "warn", "info", "debug". */
BG_API const char *bg_log_level_name(bg_log_level level);

/* ---- Attempt events -------------------------------------------------- */

/* One HTTP exchange on one route. Strings are valid only during the
 * callback and are never NULL ("" when unknown). */
typedef struct bg_event {
    int64_t time_us;     /* when the attempt started, µs since the epoch */
    const char *route;   /* route name */
    bg_op op;            /* operation the attempt served */
    const char *method;  /* "GET", "HEAD", ... */
    int probe;           /* 0 passive traffic, 1 monitor probe, 2 a
                            single-route probe (route sweep: counted for
                            its route, not in the health window) */
    int http_status;     /* 0 when no answer arrived */
    int body_status;     /* statusCode of an error body, 0 if none */
    const char *code;    /* body code or transport error class */
    bg_outcome outcome;  /* how the attempt ended */
    int64_t duration_us; /* from start to the end of the body */
    uint64_t bytes;      /* body bytes received */
    const char *cf_ray;  /* cf-ray header */
    const char *colo;    /* edge location from cf-ray, e.g. "SJC" */
    const char *cache_status; /* cf-cache-status header */
    const char *address;      /* remote address the attempt connected to */
    const char *message;      /* short error text, secrets removed */
    int last;                 /* 1 on the last attempt of a call */
    bg_result call_result;    /* when last: how the whole call ended */
} bg_event;

/* Receives every attempt event, from the thread that made the attempt. */
typedef void bg_event_fn(const bg_event *ev, void *userdata);

/* ---- Per-call report ------------------------------------------------- */

/* What a call did. Filled by every data call when the caller passes one;
 * describes the last attempt unless noted. */
typedef struct bg_report {
    bg_result result;
    int http_status;
    int body_status;
    char code[40];       /* body code, or transport error class */
    char route[40];      /* route of the last attempt */
    unsigned attempts;   /* attempts over all rounds */
    unsigned rounds;     /* rounds begun */
    int64_t duration_us; /* whole call, backoff included */
    uint64_t bytes;      /* body bytes delivered to the caller */
    char cf_ray[48];
    char colo[8];
    char cache_status[16];
    char address[64];
    char detail[256]; /* one line, no newline, no secret */
} bg_report;

/* ---- Configuration --------------------------------------------------- */

typedef struct bg_config bg_config;

/* Creates a configuration holding the defaults. NULL when out of memory. */
BG_API bg_config *bg_config_new(void);
BG_API void bg_config_free(bg_config *cfg);

/* Sets one setting by name; the names, values and defaults are listed in
 * docs/configuration.md (for example "url", "service_key", "anon_key",
 * "retries", "delays", "routes", "route.NAME.user_agent"). Values are
 * cleaned as documented (surrounding whitespace, newlines and quotes are
 * removed from keys and URLs, with a warning logged once by the client).
 * Later calls override earlier ones. Returns BG_E_CONFIG with a detail
 * available from bg_config_error() when the name or value is invalid. */
BG_API bg_result bg_config_set(bg_config *cfg, const char *name,
                               const char *value);

/* Reads SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY, SUPABASE_ANON_KEY and the
 * BUCKETGUARD_* variables from the process environment. */
BG_API bg_result bg_config_load_env(bg_config *cfg);

/* Reads a dotenv file (KEY=value lines, optional `export`, quotes,
 * comments) for the same variables as bg_config_load_env(). */
BG_API bg_result bg_config_load_env_file(bg_config *cfg, const char *path);

/* Reads a config file: `name = value` lines and `[route NAME]`,
 * `[retry]`, `[health]` sections (docs/configuration.md). */
BG_API bg_result bg_config_load_file(bg_config *cfg, const char *path);

/* Checks that the configuration is complete and consistent. */
BG_API bg_result bg_config_validate(bg_config *cfg);

/* The detail of the last failed call on cfg: one line, no secret. */
BG_API const char *bg_config_error(const bg_config *cfg);

/* Routes log lines at or above level to fn. Without it, nothing is logged.
 */
BG_API void bg_config_set_log(bg_config *cfg, bg_log_fn *fn, void *userdata,
                              bg_log_level level);

/* Adds a receiver for attempt events (in addition to the metrics
 * registry). */
BG_API void bg_config_set_event_cb(bg_config *cfg, bg_event_fn *fn,
                                   void *userdata);

/* ---- Client ---------------------------------------------------------- */

typedef struct bg_client bg_client;

/* Creates a client from cfg (which is copied; the caller may free it).
 * Calls curl_global_init() once per process. The client is safe to use
 * from several threads at once. */
BG_API bg_result bg_client_new(const bg_config *cfg, bg_client **out);

/* Frees the client. No call may be in progress. */
BG_API void bg_client_free(bg_client *client);

/* The detail of the last bg_client_new() failure in this thread. */
BG_API const char *bg_client_error(void);

/* Frees memory returned by the library (JSON strings, buffers). */
BG_API void bg_free(void *p);

/* ---- Objects --------------------------------------------------------- */

/* Sets *exists to 1 or 0. A missing object is BG_OK with *exists = 0. */
BG_API bg_result bg_exists(bg_client *c, const char *bucket, const char *key,
                           int *exists, bg_report *rep);

/* Object metadata as a JSON object string in *json (free with bg_free). */
BG_API bg_result bg_info(bg_client *c, const char *bucket, const char *key,
                         char **json, bg_report *rep);

/* Downloads into a new buffer (*data, free with bg_free; *len bytes). */
BG_API bg_result bg_get_mem(bg_client *c, const char *bucket, const char *key,
                            void **data, size_t *len, bg_report *rep);

/* Downloads to a descriptor, writing from its current position. A retried
 * download resumes with Range when the ETag is unchanged. */
BG_API bg_result bg_get_fd(bg_client *c, const char *bucket, const char *key,
                           int fd, bg_report *rep);

/* Receives body bytes in order; returns 0 to go on, non-zero to stop the
 * call with BG_E_ABORTED. */
typedef int bg_write_fn(const void *data, size_t len, void *userdata);

/* Downloads through a callback. After a failed attempt the download resumes
 * where it stopped (Range, same ETag), so the callback never sees a byte
 * twice. */
BG_API bg_result bg_get_cb(bg_client *c, const char *bucket, const char *key,
                           bg_write_fn *fn, void *userdata, bg_report *rep);

/* Downloads to path atomically: a temporary file in the same directory,
 * its length checked against Content-Length, fsync, rename. On failure the
 * temporary file is removed and path is untouched. */
BG_API bg_result bg_get_file(bg_client *c, const char *bucket, const char *key,
                             const char *path, bg_report *rep);

/* Reports transfer progress: done bytes so far of total (-1 unknown). */
typedef void bg_progress_fn(uint64_t done, int64_t total, void *userdata);

/* bg_get_file() with a progress callback, called from the calling thread
 * at most a few times per second and once at the end. */
BG_API bg_result bg_get_file_progress(bg_client *c, const char *bucket,
                                      const char *key, const char *path,
                                      bg_progress_fn *fn, void *userdata,
                                      bg_report *rep);

typedef struct bg_put_options {
    int upsert;                /* replace an existing object */
    int use_put;               /* PUT instead of POST */
    const char *content_type;  /* NULL: application/octet-stream */
    const char *cache_control; /* NULL: server default */
} bg_put_options;

/* Uploads len bytes. opts may be NULL (create, no upsert). */
BG_API bg_result bg_put_mem(bg_client *c, const char *bucket, const char *key,
                            const void *data, size_t len,
                            const bg_put_options *opts, bg_report *rep);

/* Uploads a regular file, streamed; replayed from the start on retry. */
BG_API bg_result bg_put_file(bg_client *c, const char *bucket, const char *key,
                             const char *path, const bg_put_options *opts,
                             bg_report *rep);

/* bg_put_file() with a progress callback (as bg_get_file_progress). */
BG_API bg_result bg_put_file_progress(bg_client *c, const char *bucket,
                                      const char *key, const char *path,
                                      const bg_put_options *opts,
                                      bg_progress_fn *fn, void *userdata,
                                      bg_report *rep);

/* Deletes nkeys objects; *json (may be NULL) receives the server's list of
 * deleted objects. */
BG_API bg_result bg_remove(bg_client *c, const char *bucket,
                           const char *const *keys, size_t nkeys, char **json,
                           bg_report *rep);

typedef struct bg_list_options {
    const char *prefix; /* "" lists the bucket's top level */
    unsigned limit;     /* 0: 100 */
    unsigned offset;
    const char *sort_column; /* NULL: "name" */
    int descending;
} bg_list_options;

/* Lists objects and folders as the server's JSON array. */
BG_API bg_result bg_list(bg_client *c, const char *bucket,
                         const bg_list_options *opts, char **json,
                         bg_report *rep);

/* Copies or moves an object; to_bucket NULL means the same bucket. */
BG_API bg_result bg_copy(bg_client *c, const char *bucket, const char *from,
                         const char *to_bucket, const char *to, bg_report *rep);
BG_API bg_result bg_move(bg_client *c, const char *bucket, const char *from,
                         const char *to_bucket, const char *to, bg_report *rep);

/* Creates a signed URL (absolute, in *url, free with bg_free) valid for
 * expires_in seconds. The URL is a secret: never log it. */
BG_API bg_result bg_sign(bg_client *c, const char *bucket, const char *key,
                         unsigned expires_in, char **url, bg_report *rep);

/* Signs several keys at once; *json is an array of {path, signedURL,
 * error} with absolute URLs. */
BG_API bg_result bg_sign_many(bg_client *c, const char *bucket,
                              const char *const *keys, size_t nkeys,
                              unsigned expires_in, char **json, bg_report *rep);

/* ---- Buckets --------------------------------------------------------- */

BG_API bg_result bg_bucket_list(bg_client *c, char **json, bg_report *rep);
BG_API bg_result bg_bucket_get(bg_client *c, const char *id, char **json,
                               bg_report *rep);

typedef struct bg_bucket_options {
    int is_public;
    int64_t file_size_limit;        /* bytes, 0 for none */
    const char *allowed_mime_types; /* comma-separated, NULL for any */
} bg_bucket_options;

BG_API bg_result bg_bucket_create(bg_client *c, const char *id,
                                  const bg_bucket_options *opts,
                                  bg_report *rep);
BG_API bg_result bg_bucket_delete(bg_client *c, const char *id, bg_report *rep);

/* ---- Routes and probes ----------------------------------------------- */

/* Number of routes the client uses, and the name of route i (valid for the
 * client's life; NULL when i is out of range). */
BG_API size_t bg_route_count(const bg_client *c);
BG_API const char *bg_route_name(const bg_client *c, size_t i);

/* The route table as JSON: per route its traits, preference rank,
 * ejection state, consecutive failures, successes and failures. */
BG_API bg_result bg_routes_json(bg_client *c, char **json);

/* One existence check (HEAD) on the named route alone: no failover, no
 * retry, counted as a probe. BG_OK when the object exists. */
BG_API bg_result bg_probe_route(bg_client *c, const char *route,
                                const char *bucket, const char *key,
                                bg_report *rep);

/* One existence check through the whole engine, counted as a probe. BG_OK
 * when the object exists; BG_E_NOT_FOUND when it does not. */
BG_API bg_result bg_probe(bg_client *c, const char *bucket, const char *key,
                          bg_report *rep);

/* ---- Diagnostics ---------------------------------------------------- */

/* What cfg holds, without any secret, as JSON: the storage root and the
 * host's project ref (for <ref>.supabase.co hosts), what hygiene removed
 * from the URL and from each key (whitespace, newline, quotes, trailing
 * slash, doubled prefix), and each key inspected without trusting it:
 * format (jwt, secret, publishable, malformed, empty), role, project ref,
 * issue and expiry times. Free with bg_free. */
BG_API bg_result bg_config_describe(const bg_config *cfg, char **json);

/* Who a raw request authenticates as. */
typedef enum bg_auth {
    BG_AUTH_SERVICE = 0, /* the service key */
    BG_AUTH_ANON,        /* the anon key */
    BG_AUTH_NONE         /* no key at all */
} bg_auth;

/* Sends method path (below the storage root, encoded, from "/") on one
 * route (route NULL: through the whole engine), with no body, for
 * diagnostics. Any answer the server gave is BG_OK here: read it from
 * rep (status, body status and code, colo, cache status) and *body (the
 * answer's body, NUL-terminated, may be NULL; free with bg_free). Errors
 * are transport failures and bad arguments. Counted as a route probe. */
BG_API bg_result bg_raw(bg_client *c, const char *route, const char *method,
                        const char *path, bg_auth auth, char **body,
                        bg_report *rep);

/* ---- Metrics and health --------------------------------------------- */

typedef enum bg_health { BG_HEALTHY = 0, BG_DEGRADED, BG_UNHEALTHY } bg_health;

/* "healthy", "degraded", "unhealthy". */
BG_API const char *bg_health_name(bg_health h);

/* Health now, over the sliding window (last N outcomes or T seconds, both
 * from the configuration). success_rate and consecutive may be NULL. With
 * no outcome in the window the client is healthy. Thread-safe. */
BG_API bg_health bg_health_now(bg_client *c, double *success_rate,
                               unsigned *consecutive);

/* The registry as one JSON document (schema in docs/metrics.md: schema
 * version, health, window and lifetime figures, per route, colo,
 * operation, cache status, latency percentiles, last cf-ray values, last
 * error). Free with bg_free. Thread-safe. */
BG_API bg_result bg_metrics_json(bg_client *c, char **json);

/* The health answer served at /health: {"status","details","last_test"}.
 */
BG_API bg_result bg_health_json(bg_client *c, char **json);

/* The registry in Prometheus text exposition format. */
BG_API bg_result bg_metrics_prometheus(bg_client *c, char **text);

/* Writes bg_metrics_json() to path atomically: a temporary file in the same
 * directory, fsync, rename. A reader never sees a torn file. */
BG_API bg_result bg_metrics_write_file(bg_client *c, const char *path);

/* A monitor thread for a C worker: probes bucket/key through the engine
 * every interval seconds (jittered by up to 10 %), and after each probe
 * writes the metrics file when metrics_file is not NULL. */
typedef struct bg_monitor bg_monitor;
BG_API bg_result bg_monitor_start(bg_client *c, const char *bucket,
                                  const char *key, double interval,
                                  const char *metrics_file, bg_monitor **out);

/* Stops the thread (at most one probe's time), writes the metrics file a
 * last time and frees the monitor. */
BG_API void bg_monitor_stop(bg_monitor *m);

/* One probe of bucket/key, then the health answer in *json. Returns BG_OK
 * when the client is healthy afterwards, BG_E_EXHAUSTED (or the probe's
 * error) otherwise. */
BG_API bg_result bg_health_check(bg_client *c, const char *bucket,
                                 const char *key, char **json);

#ifdef __cplusplus
}
#endif

#endif
