/* One attempt: a single HTTP exchange on one route with libcurl, with the
 * route's header profile and transport choices, the body streamed in and
 * out, and the answer's headers captured for classification and events. */
#ifndef BG_TRANSFER_H
#define BG_TRANSFER_H

#include <stddef.h>
#include <stdint.h>
#include <curl/curl.h>
#include "buf.h"
#include "classify.h"
#include "config.h"
#include "engine.h"

/* Error bodies are collected up to this size; the rest is dropped. */
#define BG__ERROR_BODY_MAX (64 * 1024)

/* Idle connections the client's shared cache may keep. libcurl's default
 * (5 per easy handle, 4 per handle of a multi) closes connections as soon
 * as more threads than that share the cache, and over TLS every such call
 * pays a new handshake: 32 threads ran 15x slower than one. */
#define BG__MAX_IDLE_CONNECTIONS 64

/* The receive buffer of a download that streams to a sink (a file, a
 * descriptor, a callback): libcurl's default of 16 KiB took one recv()
 * per 16 KiB, and a 1 GiB download ran at 64 % of `curl -o`, which reads
 * 100 KiB at a time. Downloads to memory, the monitor's probes among
 * them, keep the default and its smaller footprint. */
#define BG__STREAM_BUFFER (128 * 1024)

/* The response headers an attempt keeps. */
struct bg__headers {
    int status; /* from the last status line, 0 before one */
    char cf_ray[48];
    char colo[8];
    char cache_status[16];
    char etag[96];
    char retry_after[64];
    int64_t content_length; /* -1 when absent */
    int64_t range_start;    /* Content-Range first byte, -1 when absent */
    int64_t range_total;    /* Content-Range complete length, -1 unknown */
};

struct bg__attempt;

/* Receives the body of a 2xx answer; returns 0 to go on, or a non-zero
 * reason (kept in stopped) to end the attempt. */
typedef int bg__deliver_fn(struct bg__attempt *a, const void *data, size_t len);

struct bg__attempt {
    /* Set by the caller. */
    struct bg_client *c;
    const struct bg__route_spec *route;
    const struct bg__request *rq; /* extra headers, body source */
    const char *method;
    const char *path;
    int send_body;        /* send rq's body */
    const char *key;      /* the key to authenticate with */
    long timeout_ms;      /* whole attempt */
    long connect_ms;      /* connection set-up */
    uint64_t range_from;  /* > 0: ask for bytes range_from.. (resume) */
    const char *if_match; /* ETag the resumed object must still have */
    bg__deliver_fn *deliver;
    void *deliver_ud;
    struct bg__buf *error_body; /* receives a non-2xx body, bounded */

    /* Filled by bg__transfer. */
    struct bg__answer answer;
    struct bg__headers hdr;
    uint64_t bytes;        /* body bytes received */
    char address[64];      /* remote address, "" when no connection */
    int sent;              /* the request may have reached the server */
    int stopped;           /* deliver's reason for ending the attempt */
    int64_t body_read;     /* request body bytes handed to libcurl */
    unsigned progress_pct; /* last whole percent reported */
};

/* Makes the exchange described by a and fills its results. Returns BG_OK
 * when an answer (of any status) or a transport error was recorded in
 * a->answer, BG_E_NOMEM when the request could not be built. */
bg_result bg__transfer(struct bg__attempt *a);

/* An exchange set up but not yet run: the pooled handle and what this
 * request adds to it. Lets the engine run two attempts at once on a curl
 * multi handle (hedged requests). */
struct bg__xfer {
    struct bg__handle *hd;
    CURL *h;                    /* hd->h */
    struct curl_slist *headers; /* this request's own list, or NULL */
};

/* Builds the exchange of a into x without running it; a's results are
 * reset. The handle comes from the client's pool: one already prepared
 * for a->route and a->key only gets the request's URL, method, headers
 * and timeouts; any other is prepared first. a->route and a->key must
 * live as long as the client (they are remembered by address). Returns
 * BG_OK, or BG_E_NOMEM with x released. a and x must stay in place until
 * bg__transfer_end. */
bg_result bg__transfer_begin(struct bg__attempt *a, struct bg__xfer *x);

/* Fills a's results from libcurl's curl_code for the finished exchange,
 * or, with curl_code < 0 (cancelled), leaves them as they stand; then
 * returns the handle to the pool and frees what x holds. The handle must
 * no longer be in a multi handle. */
void bg__transfer_end(struct bg__attempt *a, struct bg__xfer *x, int curl_code);

/* Resets h to "no headers seen". */
void bg__headers_init(struct bg__headers *h);

/* Reads one header line (status line or "Name: value", CRLF optional) into
 * h. A status line starts a new answer and clears what came before. */
void bg__headers_parse(struct bg__headers *h, const char *line, size_t len);

/* Writes the edge location of a cf-ray value (the part after the last
 * '-', e.g. "SJC") into out (size n); "" when there is none. */
void bg__colo_from_ray(const char *ray, char *out, size_t n);

/* Derives the object info path from an object path ("/object/B/K" gives
 * "/object/info/B/K"). Returns -1 when path is not an object path or out
 * (size n) is too small, else 0. */
int bg__info_path(const char *path, char *out, size_t n);

#endif
