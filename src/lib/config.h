/* The configuration of a client: every setting with its default, parsed
 * from names and values (bg_config_set), the environment, dotenv files and
 * config files, with the hygiene that catches the classic broken key. */
#ifndef BG_CONFIG_H
#define BG_CONFIG_H

#include "bucketguard/bucketguard.h"
#include "log.h"

#define BG__MAX_ROUTES 32
#define BG__MAX_DELAYS 16
#define BG__NAME_MAX   32

/* What hygiene removed from a value, so the client can warn once. */
enum bg__clean {
    BG__CLEAN_SPACE = 1 << 0,   /* leading or trailing blanks */
    BG__CLEAN_NEWLINE = 1 << 1, /* CR or LF */
    BG__CLEAN_QUOTES = 1 << 2,  /* surrounding ' or " */
    BG__CLEAN_SLASH = 1 << 3,   /* URL: trailing slash */
    BG__CLEAN_PREFIX = 1 << 4   /* URL: doubled /storage/v1 */
};

enum bg__ua_mode { BG__UA_DEFAULT = 0, BG__UA_CUSTOM, BG__UA_NONE };

/* One route as configured: a header profile, a transport choice and an
 * optional pinned address or other base URL. */
struct bg__route_spec {
    char name[BG__NAME_MAX];
    enum bg__ua_mode ua_mode;
    char user_agent[200];
    int conn_close;     /* send Connection: close */
    int minimal;        /* only Host, Authorization and apikey */
    int browser;        /* browser-like User-Agent (skipped for sb_secret_) */
    int ip;             /* 0 any, 4 or 6 */
    int http;           /* 0 library default, 11 for HTTP/1.1, 2 for HTTP/2 */
    int fresh;          /* a new connection for every attempt */
    char address[64];   /* pinned edge address, "" for none */
    char base_url[256]; /* another storage root, "" for the configured one */
    char headers[256];  /* extra "Name: value" lines separated by '\n' */
};

struct bg_config {
    char *url;         /* storage root after normalisation, no slash */
    char *url_raw;     /* url as set, cleaned but not normalised, so that a
                          later storage_prefix can normalise it again */
    char *service_key; /* cleaned */
    char *anon_key;    /* cleaned, may be NULL */
    unsigned url_clean, service_clean, anon_clean; /* enum bg__clean bits */
    char *ca_bundle;      /* CA file, NULL for the system's */
    char *resolve;        /* "host:port:addr[,addr...]" as curl's --resolve */
    char *storage_prefix; /* appended to a URL without path; "/storage/v1" */

    unsigned retries;              /* rounds after the first: 5 */
    double delays[BG__MAX_DELAYS]; /* seconds between rounds: 1,2,3,5,8 */
    unsigned ndelays;
    double jitter;             /* 0..1, fraction of a delay: 0 */
    double attempt_timeout;    /* seconds: 30 */
    double connect_timeout;    /* seconds: 10 */
    double deadline;           /* whole call, seconds: 60 */
    double budget_ratio;       /* retries allowed per request: 0.5 */
    double budget_min_per_sec; /* retries always allowed: 10 */
    double budget_cap;         /* tokens at most: 100 */
    unsigned eject_after;      /* consecutive suspects: 3 */
    double eject_base;         /* first ejection, seconds: 30 */
    double eject_max;          /* longest ejection, seconds: 300 */
    double bucket_ttl;         /* bucket-exists cache, seconds: 60 */
    double missing_grace;      /* seconds from a read's start during which
                                  NoSuchKey is retried as not yet visible */
    int hedge;                 /* hedged reads: 0 */
    double hedge_delay;        /* seconds before a hedge; 0: the route's
                                  observed p95, at least 50 ms */

    struct bg__route_spec routes[BG__MAX_ROUTES]; /* built-ins, then user's */
    unsigned nroutes;
    char *route_list; /* enabled route names, comma-separated; NULL all */
    int edge_routes;  /* one route per resolved address: 1 */

    unsigned window_count;    /* health window, outcomes: 100 */
    double window_seconds;    /* health window, seconds: 900 */
    double healthy_rate;      /* 0.95 */
    unsigned healthy_consec;  /* fewer than: 3 */
    double degraded_rate;     /* 0.80 */
    unsigned degraded_consec; /* fewer than: 5 */
    char *metrics_file;       /* "/tmp/fm027_metrics.json" */

    int kill_switch; /* BUCKETGUARD_DISABLE: one route, no retry */

    struct bg__logger log;
    bg_event_fn *event_fn;
    void *event_ud;

    char err[256]; /* detail of the last failure, one line, no secret */
};

/* Fills cfg with the defaults (including the built-in routes). */
void bg__config_defaults(struct bg_config *cfg);

/* Deep-copies src into dst (dst uninitialised). Returns BG_E_NOMEM. */
bg_result bg__config_copy(struct bg_config *dst, const struct bg_config *src);

/* Frees what a configuration owns, not the struct itself. */
void bg__config_release(struct bg_config *cfg);

/* Cleans a key or URL value in place: removes surrounding blanks, CR/LF
 * anywhere at the ends, and one pair of surrounding quotes. Returns the
 * enum bg__clean bits of what was removed. */
unsigned bg__clean_value(char *s);

/* Normalises a Supabase URL into a storage root: strips trailing slashes,
 * collapses a doubled prefix, appends prefix when the URL has no path.
 * Returns a new string (NULL when out of memory or invalid, with a detail
 * in err) and ORs what it fixed into *clean. */
char *bg__normalize_url(const char *url, const char *prefix, unsigned *clean,
                        char *err, size_t errlen);

#endif
