/* Classification of an attempt's answer: one ordered table of rules that
 * turns a transport error, an error body or an HTTP status into an outcome
 * (ok, definitive, route_suspect) and the result the call would end with. */
#include "classify.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

/* What a rule looks at. Rules are tried in table order; the first match
 * decides. */
enum match {
    BY_CURL,      /* curl_code == lo */
    BY_ANY_CURL,  /* any transport error */
    BY_TRUNCATED, /* fewer body bytes than announced */
    BY_HTTP,      /* lo <= http_status <= hi */
    BY_CODE,      /* the body's code equals text */
    BY_MESSAGE,   /* no code, body status lo, message equals text */
    BY_BODY       /* lo <= body_status <= hi */
};

/* How a matching rule decides. */
enum verdict_kind {
    FIXED,         /* outcome and result as written */
    BUCKET_LOOKUP, /* "Bucket not found": depends on the op and bucket */
};

struct rule {
    enum match by;
    const char *text;
    int lo, hi;
    enum verdict_kind kind;
    bg_outcome outcome;
    bg_result result;
};

#define OK_ BG_OUTCOME_OK
#define DEF BG_OUTCOME_DEFINITIVE
#define SUS BG_OUTCOME_ROUTE_SUSPECT

/* The order is the contract: transport first, then a cut-short body, then
 * success, then the Storage body (code before statusCode, because the HTTP
 * status is 400 for almost every error), and the HTTP status last.
 *
 * A route-suspect rule carries BG_E_EXHAUSTED, the result a call ends with
 * when no route ever succeeds. Local failures (the caller's sink or source,
 * memory) are definitive: another route cannot fix them. */
static const struct rule rules[] = {
    {BY_CURL, NULL, CURLE_ABORTED_BY_CALLBACK, 0, FIXED, DEF, BG_E_ABORTED},
    {BY_CURL, NULL, CURLE_WRITE_ERROR, 0, FIXED, DEF, BG_E_IO},
    {BY_CURL, NULL, CURLE_READ_ERROR, 0, FIXED, DEF, BG_E_IO},
    {BY_CURL, NULL, CURLE_OUT_OF_MEMORY, 0, FIXED, DEF, BG_E_NOMEM},
    {BY_ANY_CURL, NULL, 0, 0, FIXED, SUS, BG_E_EXHAUSTED},
    {BY_TRUNCATED, NULL, 0, 0, FIXED, SUS, BG_E_EXHAUSTED},
    {BY_HTTP, NULL, 200, 299, FIXED, OK_, BG_OK},
    {BY_HTTP, NULL, 304, 304, FIXED, OK_, BG_OK},

    {BY_CODE, "NoSuchBucket", 0, 0, BUCKET_LOOKUP, DEF, BG_E_NOT_FOUND},
    {BY_MESSAGE, "Bucket not found", 404, 0, BUCKET_LOOKUP, DEF,
     BG_E_NOT_FOUND},
    {BY_CODE, "NoSuchKey", 0, 0, FIXED, DEF, BG_E_NOT_FOUND},
    {BY_CODE, "NoSuchUpload", 0, 0, FIXED, DEF, BG_E_NOT_FOUND},
    {BY_CODE, "AccessDenied", 0, 0, FIXED, DEF, BG_E_AUTH},
    {BY_CODE, "InvalidJWT", 0, 0, FIXED, DEF, BG_E_AUTH},
    {BY_CODE, "InvalidSignature", 0, 0, FIXED, DEF, BG_E_AUTH},
    {BY_CODE, "SignatureDoesNotMatch", 0, 0, FIXED, DEF, BG_E_AUTH},
    {BY_CODE, "KeyAlreadyExists", 0, 0, FIXED, DEF, BG_E_CONFLICT},
    {BY_CODE, "BucketAlreadyExists", 0, 0, FIXED, DEF, BG_E_CONFLICT},
    {BY_CODE, "ResourceAlreadyExists", 0, 0, FIXED, DEF, BG_E_CONFLICT},
    {BY_CODE, "ResourceNotEmpty", 0, 0, FIXED, DEF, BG_E_CONFLICT},
    {BY_CODE, "Duplicate", 0, 0, FIXED, DEF, BG_E_CONFLICT},
    {BY_CODE, "InvalidKey", 0, 0, FIXED, DEF, BG_E_REJECTED},
    {BY_CODE, "InvalidRequest", 0, 0, FIXED, DEF, BG_E_REJECTED},
    {BY_CODE, "InvalidBucketName", 0, 0, FIXED, DEF, BG_E_REJECTED},
    {BY_CODE, "InvalidRange", 0, 0, FIXED, DEF, BG_E_REJECTED},
    {BY_CODE, "EntityTooLarge", 0, 0, FIXED, DEF, BG_E_REJECTED},
    {BY_CODE, "InvalidMimeType", 0, 0, FIXED, DEF, BG_E_REJECTED},
    {BY_CODE, "MissingContentLength", 0, 0, FIXED, DEF, BG_E_REJECTED},
    {BY_CODE, "MissingParameter", 0, 0, FIXED, DEF, BG_E_REJECTED},
    {BY_CODE, "SlowDown", 0, 0, FIXED, SUS, BG_E_EXHAUSTED},
    {BY_CODE, "DatabaseTimeout", 0, 0, FIXED, SUS, BG_E_EXHAUSTED},
    {BY_CODE, "LockTimeout", 0, 0, FIXED, SUS, BG_E_EXHAUSTED},
    {BY_CODE, "ResourceLocked", 0, 0, FIXED, SUS, BG_E_EXHAUSTED},
    {BY_CODE, "DatabaseError", 0, 0, FIXED, SUS, BG_E_EXHAUSTED},
    {BY_CODE, "InternalError", 0, 0, FIXED, SUS, BG_E_EXHAUSTED},

    /* An unknown code: the body's statusCode decides. */
    {BY_BODY, NULL, 400, 400, FIXED, DEF, BG_E_REJECTED},
    {BY_BODY, NULL, 401, 401, FIXED, DEF, BG_E_AUTH},
    {BY_BODY, NULL, 403, 403, FIXED, DEF, BG_E_AUTH},
    {BY_BODY, NULL, 404, 404, FIXED, DEF, BG_E_NOT_FOUND},
    {BY_BODY, NULL, 408, 408, FIXED, SUS, BG_E_EXHAUSTED},
    {BY_BODY, NULL, 409, 409, FIXED, DEF, BG_E_CONFLICT},
    {BY_BODY, NULL, 423, 423, FIXED, SUS, BG_E_EXHAUSTED},
    {BY_BODY, NULL, 425, 425, FIXED, SUS, BG_E_EXHAUSTED},
    {BY_BODY, NULL, 429, 429, FIXED, SUS, BG_E_EXHAUSTED},
    {BY_BODY, NULL, 405, 499, FIXED, DEF, BG_E_REJECTED},
    {BY_BODY, NULL, 500, 599, FIXED, SUS, BG_E_EXHAUSTED},

    /* No Storage body (HEAD answers, gateways, proxies): the HTTP status.
     * A bare 409 is still a conflict. */
    {BY_HTTP, NULL, 401, 401, FIXED, DEF, BG_E_AUTH},
    {BY_HTTP, NULL, 403, 403, FIXED, DEF, BG_E_AUTH},
    {BY_HTTP, NULL, 404, 404, FIXED, DEF, BG_E_NOT_FOUND},
    {BY_HTTP, NULL, 408, 408, FIXED, SUS, BG_E_EXHAUSTED},
    {BY_HTTP, NULL, 409, 409, FIXED, DEF, BG_E_CONFLICT},
    {BY_HTTP, NULL, 425, 425, FIXED, SUS, BG_E_EXHAUSTED},
    {BY_HTTP, NULL, 429, 429, FIXED, SUS, BG_E_EXHAUSTED},
    {BY_HTTP, NULL, 400, 499, FIXED, DEF, BG_E_REJECTED},
    {BY_HTTP, NULL, 500, 599, FIXED, SUS, BG_E_EXHAUSTED},
};

/* Anything no rule matched (1xx, a redirect, a status outside 100-599, or
 * no status at all) is an answer this client does not expect from Storage.
 * It is more likely a proxy or a captive portal on this path than the
 * server's word, so another route is tried; if none does better the call
 * ends with BG_E_INTERNAL. */
static const struct bg__verdict unexpected = {SUS, BG_E_INTERNAL, 0};

static int rule_matches(const struct rule *r, const struct bg__answer *a)
{
    switch (r->by) {
    case BY_CURL:
        return a->curl_code == r->lo;
    case BY_ANY_CURL:
        return a->curl_code != 0;
    case BY_TRUNCATED:
        return a->truncated != 0;
    case BY_HTTP:
        return a->http_status >= r->lo && a->http_status <= r->hi;
    case BY_CODE:
        return strcmp(a->code, r->text) == 0;
    case BY_MESSAGE:
        return a->code[0] == '\0' && a->body_status == r->lo &&
               strcasecmp(a->message, r->text) == 0;
    case BY_BODY:
        return a->body_status >= r->lo && a->body_status <= r->hi;
    }
    return 0;
}

/* Whether op looks the bucket up with full rights, so that "Bucket not
 * found" is the truth. Reads of objects treat a bad token as anonymous and
 * answer "Bucket not found" for a private bucket that exists. */
static int op_sees_bucket(bg_op op)
{
    switch (op) {
    case BG_OP_EXISTS:
    case BG_OP_INFO:
    case BG_OP_DOWNLOAD:
    case BG_OP_SIGN:
        return 0;
    default:
        return 1;
    }
}

static struct bg__verdict bucket_verdict(bg_op op, enum bg__bucket_state bucket)
{
    struct bg__verdict v = {DEF, BG_E_NOT_FOUND, 0};

    if (op_sees_bucket(op) || bucket == BG__BUCKET_MISSING)
        return v;

    v.outcome = SUS;
    v.result = BG_E_EXHAUSTED;
    v.check_bucket = bucket == BG__BUCKET_UNKNOWN;
    return v;
}

struct bg__verdict bg__classify(const struct bg__answer *a, bg_op op,
                                enum bg__bucket_state bucket)
{
    size_t i;

    for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        const struct rule *r = &rules[i];
        struct bg__verdict v = {r->outcome, r->result, 0};

        if (!rule_matches(r, a))
            continue;
        if (r->kind == BUCKET_LOOKUP)
            return bucket_verdict(op, bucket);
        return v;
    }
    return unexpected;
}

/* Copies a JSON string into a fixed field, always terminated, with control
 * characters turned into spaces so the text stays one line. */
static void copy_field(char *dst, size_t n, const char *src)
{
    size_t i;

    for (i = 0; i + 1 < n && src[i] != '\0'; i++)
        dst[i] = iscntrl((unsigned char)src[i]) ? ' ' : src[i];
    dst[i] = '\0';
}

/* statusCode is a string ("404") in Storage bodies; a number is accepted
 * too. Returns 0 when it is absent or not a plausible status. */
static int status_of(const json_t *v)
{
    long n = 0;

    if (json_is_integer(v)) {
        json_int_t j = json_integer_value(v);
        n = (j >= 100 && j <= 999) ? (long)j : 0;
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end = NULL;

        if (!isdigit((unsigned char)s[0]))
            return 0;
        n = strtol(s, &end, 10);
        if (*end != '\0' || n < 100 || n > 999)
            return 0;
    }
    return (int)n;
}

void bg__parse_error_body(const char *body, size_t len, struct bg__answer *a)
{
    json_t *root, *code, *text;
    int status;

    if (body == NULL || len == 0)
        return;
    root = json_loadb(body, len, JSON_DISABLE_EOF_CHECK, NULL);
    if (root == NULL)
        return;
    if (!json_is_object(root))
        goto out;

    status = status_of(json_object_get(root, "statusCode"));
    code = json_object_get(root, "code");
    if (!json_is_string(code))
        code = NULL;
    if (status == 0 && code == NULL)
        goto out; /* not a Storage error body */

    text = json_object_get(root, "message");
    if (!json_is_string(text))
        text = json_object_get(root, "error");

    a->body_status = status;
    copy_field(a->code, sizeof(a->code), code ? json_string_value(code) : "");
    if (json_is_string(text))
        copy_field(a->message, sizeof(a->message), json_string_value(text));

out:
    json_decref(root);
}

struct transport_class {
    int curl_code;
    const char *name;
};

/* NOTE: curl reports a reset in the middle of an answer as a receive
 * error, so "reset" covers only a connection closed before any answer. */
static const struct transport_class classes[] = {
    {CURLE_OPERATION_TIMEDOUT, "timeout"},
    {CURLE_COULDNT_CONNECT, "connect"},
    {CURLE_PROXY, "connect"},
    {CURLE_QUIC_CONNECT_ERROR, "connect"},
    {CURLE_GOT_NOTHING, "reset"},
    {CURLE_COULDNT_RESOLVE_HOST, "dns"},
    {CURLE_COULDNT_RESOLVE_PROXY, "dns"},
    {CURLE_SSL_CONNECT_ERROR, "tls"},
    {CURLE_PEER_FAILED_VERIFICATION, "tls"},
    {CURLE_SSL_CERTPROBLEM, "tls"},
    {CURLE_SSL_CIPHER, "tls"},
    {CURLE_SSL_CACERT_BADFILE, "tls"},
    {CURLE_SSL_SHUTDOWN_FAILED, "tls"},
    {CURLE_SSL_CRL_BADFILE, "tls"},
    {CURLE_SSL_ISSUER_ERROR, "tls"},
    {CURLE_SSL_PINNEDPUBKEYNOTMATCH, "tls"},
    {CURLE_SSL_INVALIDCERTSTATUS, "tls"},
    {CURLE_SSL_CLIENTCERT, "tls"},
    {CURLE_SEND_ERROR, "send"},
    {CURLE_RECV_ERROR, "recv"},
    {CURLE_PARTIAL_FILE, "truncated"},
    {CURLE_HTTP2, "http2"},
    {CURLE_HTTP2_STREAM, "http2"},
    {CURLE_ABORTED_BY_CALLBACK, "aborted"},
};

const char *bg__transport_class(int curl_code)
{
    size_t i;

    for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
        if (classes[i].curl_code == curl_code)
            return classes[i].name;
    return "other";
}
