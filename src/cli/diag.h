/* What the diagnose command observes (configuration, key, bucket, object
 * on every route, late appearance) and the causes it infers from those
 * observations, ranked by evidence. Shared by cmd_diagnose.c, which
 * prints, diag_probe.c, which observes, and diag_cause.c, which infers. */
#ifndef BG_CLI_DIAG_H
#define BG_CLI_DIAG_H

#include <jansson.h>
#include "opts.h"

#define DIAG_MAX_ROUTES 64
#define DIAG_MAX_CAUSES 16
#define DIAG_TEXT       512

/* How one route answered the object info. */
enum diag_kind {
    DIAG_FOUND = 0, /* 2xx */
    DIAG_MISSING,   /* NoSuchKey */
    DIAG_NO_BUCKET, /* NoSuchBucket */
    DIAG_DENIED,    /* the key was refused */
    DIAG_FAILED,    /* transport error, 5xx, anything else */
    DIAG_NA         /* cannot apply here (IPv6 route, IPv4-only host) */
};

struct diag_route {
    char name[40];
    int ip; /* the route's address family trait: 0, 4 or 6 */
    bg_result result;
    bg_report rep;
    enum diag_kind kind;
};

/* What the server said of the service key on GET /bucket. */
enum diag_key {
    DIAG_KEY_UNKNOWN = 0, /* no answer */
    DIAG_KEY_ACCEPTED,
    DIAG_KEY_EXPIRED,
    DIAG_KEY_SIGNATURE,
    DIAG_KEY_MALFORMED,
    DIAG_KEY_REJECTED,   /* refused for another reason */
    DIAG_KEY_UNAVAILABLE /* the server answered 5xx, 429 or 503 */
};

/* Tri-state facts. */
enum { DIAG_NO = 0, DIAG_YES = 1, DIAG_UNKNOWN = -1 };

struct diag_cause {
    const char *id;
    int confidence; /* 3 high, 2 medium, 1 low */
    char evidence[DIAG_TEXT];
    char fix[DIAG_TEXT];
};

struct diag {
    /* The target, from BUCKET/KEY or from a URL the user gave. */
    char bucket[256];
    char key[1024];
    char form[16]; /* route word of a given URL: "", "public", ... */
    int from_url;

    json_t *config; /* bg_config_describe(), or NULL */
    json_t *checks; /* [{name, status, detail}] */

    enum diag_key key_state;
    bg_report key_rep;
    char key_message[160];
    json_t *buckets; /* the service listing, or NULL */

    int bucket_exists; /* DIAG_YES, DIAG_NO or DIAG_UNKNOWN */
    int bucket_public;
    char case_match[256]; /* a bucket equal but for case, or "" */

    struct diag_route routes[DIAG_MAX_ROUTES];
    size_t nroutes;

    int public_checked;
    bg_report public_rep;

    int rechecked;      /* the late re-check schedule ran */
    double found_after; /* seconds until the object appeared, or < 0 */
    double waited;      /* seconds spent re-checking */
    char recheck_route[40];

    struct diag_cause causes[DIAG_MAX_CAUSES];
    size_t ncauses;
    int mixed; /* the two best causes rest on equal evidence */
};

/* s, or "-" when it is NULL or empty: for display. */
const char *diag_dash(const char *s);

/* Route words of Storage's object paths; a bucket so named collides. */
int diag_route_word(const char *name);

/* Writes prefix, the encoded bucket, '/', the encoded key into out (size
 * n). Returns 0, or -1 when it does not fit. */
int diag_path(char *out, size_t n, const char *prefix, const char *bucket,
              const char *key);

/* Appends a check line {name, status, detail} to d->checks. status is
 * "pass", "fail", "warn", "info" or "skip". */
void diag_check(struct diag *d, const char *name, const char *status,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A member of the configuration description: "service_key.role" style
 * paths; NULL when absent. */
json_t *diag_config_get(const struct diag *d, const char *path);

/* Fills the ip trait of each of the n routes from the client's route
 * table. */
void diag_route_traits(bg_client *client, struct diag_route *routes, size_t n);

/* Marks DIAG_NA the failed routes pinned to an address family that no
 * route reached: the host has no such address, which is no fault. */
void diag_mark_na(struct diag_route *routes, size_t n);

/* diag_probe.c: the observations, in order. Each records its checks.
 * Returns 0, or an exit code when nothing more can be learnt. */
int diag_observe_config(struct cli *c, struct diag *d);
void diag_observe_key(struct cli *c, struct diag *d);
void diag_observe_bucket(struct cli *c, struct diag *d);
int diag_observe_routes(struct cli *c, struct diag *d);
void diag_observe_public(struct cli *c, struct diag *d);
void diag_observe_late(struct cli *c, struct diag *d);

/* diag_cause.c: fills d->causes from the observations, best first. */
void diag_infer(struct diag *d);

/* The one-sentence verdict into out (size n). */
void diag_verdict(const struct diag *d, char *out, size_t n);

#endif
