/* Classification of an attempt's answer into an outcome and a result, by
 * the error body's statusCode and code first, as Storage's wire contract
 * dictates, then by HTTP status and transport error. */
#ifndef BG_CLASSIFY_H
#define BG_CLASSIFY_H

#include <stddef.h>
#include "bucketguard/bucketguard.h"

/* What came back from one attempt. */
struct bg__answer {
    int curl_code;     /* CURLcode; 0 when the exchange completed */
    int http_status;   /* 0 when no answer arrived */
    int body_status;   /* the body's statusCode as a number, 0 if none */
    char code[40];     /* the body's code, or a transport class */
    char message[160]; /* the body's message or error, or curl's text */
    int truncated;     /* fewer body bytes than Content-Length */
};

enum bg__bucket_state {
    BG__BUCKET_UNKNOWN = 0,
    BG__BUCKET_EXISTS,
    BG__BUCKET_MISSING
};

struct bg__verdict {
    bg_outcome outcome;
    bg_result result; /* BG_OK, or the error the call ends with */
    int check_bucket; /* "Bucket not found" while the bucket's existence
                         is unknown: check, then classify again */
};

/* Reads a Storage error body (JSON, possibly truncated or not JSON at all)
 * into a's body_status, code and message. Bodies that are not Storage
 * errors leave them unchanged. */
void bg__parse_error_body(const char *body, size_t len, struct bg__answer *a);

/* Classifies an answer to op, given what is known of the bucket. */
struct bg__verdict bg__classify(const struct bg__answer *a, bg_op op,
                                enum bg__bucket_state bucket);

/* A stable short class for a CURLcode: "timeout", "connect", "reset",
 * "dns", "tls", "send", "recv", "truncated", "http2", "aborted", "other". */
const char *bg__transport_class(int curl_code);

#endif
