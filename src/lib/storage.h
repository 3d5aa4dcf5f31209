/* Pieces shared by the object operations (storage.c, upload.c) and the
 * bucket operations (bucket.c): argument checks and failures, request
 * paths, reports of several exchanges, and JSON calls on top of the
 * request engine. */
#ifndef BG_STORAGE_H
#define BG_STORAGE_H

#include <jansson.h>
#include "bucketguard/bucketguard.h"
#include "engine.h"

/* What a valid bucket id is, for details of BG_E_USAGE. */
extern const char bg__bucket_rule[];

/* Ends a call that sent no request: clears rep (when not NULL), sets its
 * result and its one-line detail (printf-style, no secret), returns r. */
bg_result bg__fail(bg_report *rep, bg_result r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Changes the result and detail of a report the engine filled, keeping
 * what it says of the attempts; returns r. rep may be NULL. */
bg_result bg__amend(bg_report *rep, bg_result r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Builds "ROUTE/BUCKET[/KEY]" with bucket and key percent-encoded (the
 * key keeps its slashes). key may be NULL. Returns a new string, NULL when
 * out of memory. */
char *bg__storage_path(const char *route, const char *bucket, const char *key);

/* Performs rq with body (NULL for none) sent as JSON, and on success puts
 * the answer, checked to be JSON, into *out (a new string, free with
 * bg_free) unless out is NULL. rq->headers gains the Content-Type. Returns
 * the engine's result, BG_E_NOMEM, or BG_E_INTERNAL when a success answer
 * is not JSON. */
bg_result bg__call_json(struct bg_client *c, struct bg__request *rq,
                        const json_t *body, char **out, bg_report *rep);

/* Checks the client, bucket id and key of an object operation; BG_OK or
 * BG_E_USAGE with rep filled (a detail naming the rule, never the key). */
bg_result bg__check_object(bg_client *c, const char *bucket, const char *key,
                           bg_report *rep);

/* Adds a "Name: value" line to the first free header slot of rq. The line
 * must outlive the request. */
void bg__add_header(struct bg__request *rq, const char *line);

/* Folds what an earlier exchange of the same call did (before) into rep,
 * which the engine just filled for the latest one; start_us is when the
 * call began on the monotonic clock. */
void bg__report_chain(bg_report *rep, const bg_report *before,
                      int64_t start_us);

/* GET /object/info of bucket/key into rs, counted as op, with the grace
 * for objects not yet visible (cfg.missing_grace). Returns the engine's
 * result or BG_E_NOMEM. */
bg_result bg__fetch_info(bg_client *c, bg_op op, const char *bucket,
                         const char *key, struct bg__response *rs,
                         bg_report *rep);

#endif
