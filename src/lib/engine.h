/* The request engine: one logical request carried over the routes in
 * preference order, round after round, with immediate failover inside a
 * round, backoff between rounds, the retry budget, the deadline, and one
 * attempt event per exchange. */
#ifndef BG_ENGINE_H
#define BG_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include "bucketguard/bucketguard.h"

struct bg_client;

/* One logical request, as a storage operation describes it. */
struct bg__request {
    bg_op op;
    const char *method;     /* "GET", "HEAD", "POST", "PUT", "DELETE" */
    const char *path;       /* below the storage root, encoded, from "/" */
    const char *bucket;     /* bucket whose existence decides whether
                               "Bucket not found" is route-suspect; NULL */
    int use_anon;           /* authenticate with the anon key */
    int no_auth;            /* send no key at all (diagnostics) */
    int idempotent;         /* may be retried after an ambiguous failure */
    int probe;              /* count as a monitor probe */
    const char *only_route; /* one route only, no failover, no retry */
    const char *headers[8]; /* extra "Name: value" lines, NULL-ended */

    /* Request body: memory, or a descriptor read from body_offset for
     * body_len bytes (replayed from the start on every attempt). */
    const void *body;
    size_t body_len;
    int body_fd; /* -1 for none */
    int64_t body_offset;

    /* Where a 2xx body goes: sink, or when NULL the response buffer. With
     * resume, a retry after a partial body asks for the rest with Range
     * (If-Match the first ETag) so the sink never sees a byte twice. */
    bg_progress_fn *progress; /* request body progress, or NULL */
    void *progress_userdata;
    bg_write_fn *sink;
    void *sink_userdata;
    int resume;
};

/* What the final attempt answered. */
struct bg__response {
    int http_status;
    char *body; /* error or JSON body, NUL-terminated; owned */
    size_t body_len;
    char etag[96];          /* ETag of a 2xx answer, "" if none */
    int64_t content_length; /* total object length, -1 if unknown */
    uint64_t delivered;     /* bytes handed to the sink over all attempts */
    int ambiguous;          /* an earlier attempt may have reached the
                               server (sent the body, no answer) */
};

/* Carries rq over the routes; on return rs holds the final answer (free
 * with bg__response_free even on error) and rep, when not NULL, the
 * report. Returns BG_OK for a 2xx answer, else the classified error. */
bg_result bg__perform(struct bg_client *c, const struct bg__request *rq,
                      struct bg__response *rs, bg_report *rep);

void bg__response_free(struct bg__response *rs);

/* Microseconds since the epoch, and of a monotonic clock. */
int64_t bg__now_us(void);
int64_t bg__mono_us(void);

#endif
