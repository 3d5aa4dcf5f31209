/* Specification of how an attempt's answer is classified: one row per
 * error answer of Storage's wire contract (bodies as the server sends
 * them), per transport error class and per bare HTTP status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "classify.h"

#define DEF BG_OUTCOME_DEFINITIVE
#define SUS BG_OUTCOME_ROUTE_SUSPECT
#define OK_ BG_OUTCOME_OK

#define NO_BUCKET                                                              \
    "{\"statusCode\":\"404\",\"code\":\"NoSuchBucket\",\"error\":\"Bucket "    \
    "not found\",\"message\":\"Bucket not found\"}"
#define NO_KEY                                                                 \
    "{\"statusCode\":\"404\",\"code\":\"NoSuchKey\",\"error\":\"not_found\","  \
    "\"message\":\"Object not found\"}"
#define DENIED(msg)                                                            \
    "{\"statusCode\":\"403\",\"code\":\"AccessDenied\",\"error\":\"Unauthoriz" \
    "ed\",\"message\":\"" msg "\"}"
#define BODY(status, code, msg)                                                \
    "{\"statusCode\":\"" status "\",\"code\":\"" code "\",\"error\":\"" code   \
    "\",\"message\":\"" msg "\"}"

struct row {
    const char *name;
    int http;
    const char *body;
    int curl;
    int truncated;
    bg_op op;
    enum bg__bucket_state bucket;
    bg_outcome outcome;
    bg_result result;
    int check_bucket;
    const char *transport; /* expected bg__transport_class, or NULL */
};

static const struct row rows[] = {
    /* Buckets. */
    {"bucket_get_of_a_missing_bucket_is_not_found", 400, NO_BUCKET, 0, 0,
     BG_OP_BUCKET_GET, BG__BUCKET_UNKNOWN, DEF, BG_E_NOT_FOUND, 0, NULL},
    {"bucket_check_answering_not_found_is_definitive", 400, NO_BUCKET, 0, 0,
     BG_OP_BUCKET_CHECK, BG__BUCKET_UNKNOWN, DEF, BG_E_NOT_FOUND, 0, NULL},
    {"creating_an_existing_bucket_is_a_conflict", 400,
     BODY("409", "BucketAlreadyExists", "The resource already exists"), 0, 0,
     BG_OP_BUCKET_CREATE, BG__BUCKET_UNKNOWN, DEF, BG_E_CONFLICT, 0, NULL},
    {"creating_a_bucket_with_the_anon_key_is_denied", 400,
     DENIED("new row violates row-level security policy"), 0, 0,
     BG_OP_BUCKET_CREATE, BG__BUCKET_UNKNOWN, DEF, BG_E_AUTH, 0, NULL},
    {"invalid_bucket_name_is_rejected", 400,
     BODY("400", "InvalidBucketName", "Bucket name invalid"), 0, 0,
     BG_OP_BUCKET_CREATE, BG__BUCKET_UNKNOWN, DEF, BG_E_REJECTED, 0, NULL},
    {"deleting_a_non_empty_bucket_is_a_conflict", 400,
     BODY("409", "ResourceNotEmpty",
          "The bucket you tried to delete is not "
          "empty"),
     0, 0, BG_OP_BUCKET_DELETE, BG__BUCKET_UNKNOWN, DEF, BG_E_CONFLICT, 0,
     NULL},
    {"deleting_a_missing_bucket_is_not_found", 400, NO_BUCKET, 0, 0,
     BG_OP_BUCKET_DELETE, BG__BUCKET_EXISTS, DEF, BG_E_NOT_FOUND, 0, NULL},

    /* Uploads and other operations that see the bucket with full rights. */
    {"uploading_an_existing_key_is_a_conflict", 400,
     "{\"statusCode\":\"409\",\"code\":\"KeyAlreadyExists\",\"error\":"
     "\"Duplicate\",\"message\":\"The resource already exists\"}",
     0, 0, BG_OP_UPLOAD, BG__BUCKET_EXISTS, DEF, BG_E_CONFLICT, 0, NULL},
    {"bucket_not_found_is_definitive_for_uploads", 400, NO_BUCKET, 0, 0,
     BG_OP_UPLOAD, BG__BUCKET_EXISTS, DEF, BG_E_NOT_FOUND, 0, NULL},
    {"bucket_not_found_is_definitive_for_copy", 400, NO_BUCKET, 0, 0,
     BG_OP_COPY, BG__BUCKET_UNKNOWN, DEF, BG_E_NOT_FOUND, 0, NULL},
    {"bucket_not_found_is_definitive_for_move", 400, NO_BUCKET, 0, 0,
     BG_OP_MOVE, BG__BUCKET_UNKNOWN, DEF, BG_E_NOT_FOUND, 0, NULL},
    {"bucket_not_found_is_definitive_for_list", 400, NO_BUCKET, 0, 0,
     BG_OP_LIST, BG__BUCKET_UNKNOWN, DEF, BG_E_NOT_FOUND, 0, NULL},
    {"bucket_not_found_is_definitive_for_remove", 400, NO_BUCKET, 0, 0,
     BG_OP_REMOVE, BG__BUCKET_EXISTS, DEF, BG_E_NOT_FOUND, 0, NULL},

    /* Missing objects. */
    {"missing_object_is_not_found_for_download", 400, NO_KEY, 0, 0,
     BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, DEF, BG_E_NOT_FOUND, 0, NULL},
    {"missing_object_is_not_found_for_info", 400, NO_KEY, 0, 0, BG_OP_INFO,
     BG__BUCKET_UNKNOWN, DEF, BG_E_NOT_FOUND, 0, NULL},
    {"missing_object_is_not_found_for_sign", 400, NO_KEY, 0, 0, BG_OP_SIGN,
     BG__BUCKET_UNKNOWN, DEF, BG_E_NOT_FOUND, 0, NULL},
    {"missing_object_is_not_found_for_remove", 400, NO_KEY, 0, 0, BG_OP_REMOVE,
     BG__BUCKET_UNKNOWN, DEF, BG_E_NOT_FOUND, 0, NULL},
    {"missing_object_is_not_found_for_move", 400, NO_KEY, 0, 0, BG_OP_MOVE,
     BG__BUCKET_UNKNOWN, DEF, BG_E_NOT_FOUND, 0, NULL},
    {"private_object_with_a_valid_anon_key_is_not_found", 400, NO_KEY, 0, 0,
     BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, DEF, BG_E_NOT_FOUND, 0, NULL},
    {"bare_400_without_body_is_rejected", 400, "", 0, 0, BG_OP_EXISTS,
     BG__BUCKET_EXISTS, DEF, BG_E_REJECTED, 0, NULL},

    /* "Bucket not found" on reads: the incident. */
    {"bucket_not_found_is_route_suspect_when_bucket_exists", 400, NO_BUCKET, 0,
     0, BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, NULL},
    {"bucket_not_found_is_definitive_when_bucket_is_missing", 400, NO_BUCKET, 0,
     0, BG_OP_DOWNLOAD, BG__BUCKET_MISSING, DEF, BG_E_NOT_FOUND, 0, NULL},
    {"bucket_not_found_asks_for_a_check_when_bucket_is_unknown", 400, NO_BUCKET,
     0, 0, BG_OP_DOWNLOAD, BG__BUCKET_UNKNOWN, SUS, BG_E_EXHAUSTED, 1, NULL},
    {"bucket_not_found_on_exists_is_route_suspect_when_bucket_exists", 400,
     NO_BUCKET, 0, 0, BG_OP_EXISTS, BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0,
     NULL},
    {"bucket_not_found_on_info_asks_for_a_check_when_unknown", 400, NO_BUCKET,
     0, 0, BG_OP_INFO, BG__BUCKET_UNKNOWN, SUS, BG_E_EXHAUSTED, 1, NULL},
    {"bucket_not_found_on_sign_is_definitive_when_bucket_is_missing", 400,
     NO_BUCKET, 0, 0, BG_OP_SIGN, BG__BUCKET_MISSING, DEF, BG_E_NOT_FOUND, 0,
     NULL},
    {"bucket_not_found_without_code_is_recognised_by_its_message", 400,
     "{\"statusCode\":\"404\",\"error\":\"Bucket not found\",\"message\":"
     "\"Bucket not found\"}",
     0, 0, BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, NULL},

    /* Tokens. */
    {"bad_signature_on_authenticated_route_is_denied", 400,
     DENIED("signature verification failed"), 0, 0, BG_OP_DOWNLOAD,
     BG__BUCKET_UNKNOWN, DEF, BG_E_AUTH, 0, NULL},
    {"expired_token_on_authenticated_route_is_denied", 400,
     DENIED("\\\"exp\\\" claim timestamp check failed"), 0, 0, BG_OP_INFO,
     BG__BUCKET_UNKNOWN, DEF, BG_E_AUTH, 0, NULL},
    {"malformed_token_on_bucket_list_is_denied", 400,
     DENIED("Invalid Compact JWS"), 0, 0, BG_OP_BUCKET_LIST, BG__BUCKET_UNKNOWN,
     DEF, BG_E_AUTH, 0, NULL},
    {"tampered_signed_url_is_an_auth_error", 400,
     BODY("400", "InvalidJWT", "jwt malformed"), 0, 0, BG_OP_DOWNLOAD,
     BG__BUCKET_UNKNOWN, DEF, BG_E_AUTH, 0, NULL},
    {"foreign_signed_url_is_an_auth_error", 400,
     BODY("400", "InvalidSignature", "invalid signature"), 0, 0, BG_OP_DOWNLOAD,
     BG__BUCKET_UNKNOWN, DEF, BG_E_AUTH, 0, NULL},
    {"missing_authorization_is_rejected", 400,
     BODY("400", "InvalidRequest",
          "headers must have required property "
          "'authorization'"),
     0, 0, BG_OP_LIST, BG__BUCKET_UNKNOWN, DEF, BG_E_REJECTED, 0, NULL},
    {"body_401_without_known_code_is_an_auth_error", 400,
     BODY("401", "Unauthorized", "Unauthorized"), 0, 0, BG_OP_DOWNLOAD,
     BG__BUCKET_UNKNOWN, DEF, BG_E_AUTH, 0, NULL},
    {"body_403_without_known_code_is_an_auth_error", 400,
     "{\"statusCode\":403,\"error\":\"Forbidden\"}", 0, 0, BG_OP_DOWNLOAD,
     BG__BUCKET_UNKNOWN, DEF, BG_E_AUTH, 0, NULL},

    /* Invalid requests. */
    {"unsatisfiable_range_is_rejected", 416,
     BODY("416", "InvalidRange", "Invalid Range"), 0, 0, BG_OP_DOWNLOAD,
     BG__BUCKET_EXISTS, DEF, BG_E_REJECTED, 0, NULL},
    {"invalid_key_is_rejected", 400,
     BODY("400", "InvalidKey", "Invalid key: a~b"), 0, 0, BG_OP_UPLOAD,
     BG__BUCKET_EXISTS, DEF, BG_E_REJECTED, 0, NULL},
    {"too_large_upload_is_rejected", 400,
     BODY("413", "EntityTooLarge",
          "The object exceeded the maximum allowed "
          "size"),
     0, 0, BG_OP_UPLOAD, BG__BUCKET_EXISTS, DEF, BG_E_REJECTED, 0, NULL},
    {"disallowed_mime_type_is_rejected", 400,
     BODY("415", "InvalidMimeType", "mime type text/html is not supported"), 0,
     0, BG_OP_UPLOAD, BG__BUCKET_EXISTS, DEF, BG_E_REJECTED, 0, NULL},
    {"body_409_without_known_code_is_a_conflict", 400,
     "{\"statusCode\":\"409\",\"error\":\"Duplicate\",\"message\":\"The "
     "resource already exists\"}",
     0, 0, BG_OP_UPLOAD, BG__BUCKET_EXISTS, DEF, BG_E_CONFLICT, 0, NULL},

    /* The database behind Storage. */
    {"database_unavailable_is_route_suspect", 500,
     BODY("500", "DatabaseError", "Database error"), 0, 0, BG_OP_DOWNLOAD,
     BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, NULL},
    {"pool_exhausted_slow_down_is_route_suspect", 429,
     BODY("429", "SlowDown", "Too many connections"), 0, 0, BG_OP_DOWNLOAD,
     BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, NULL},
    {"read_only_database_body_503_is_route_suspect", 400,
     BODY("503", "DatabaseError",
          "cannot execute UPDATE in a read-only "
          "transaction"),
     0, 0, BG_OP_UPLOAD, BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, NULL},
    {"lock_timeout_body_503_is_route_suspect", 400,
     BODY("503", "LockTimeout", "canceling statement due to lock timeout"), 0,
     0, BG_OP_UPLOAD, BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, NULL},
    {"body_503_with_unknown_code_is_route_suspect", 400,
     "{\"statusCode\":\"503\",\"error\":\"Service Unavailable\"}", 0, 0,
     BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, NULL},
    {"database_timeout_544_is_route_suspect", 544,
     BODY("544", "DatabaseTimeout",
          "The connection to the database timed "
          "out"),
     0, 0, BG_OP_INFO, BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, NULL},
    {"body_502_with_unknown_code_is_route_suspect", 400,
     "{\"statusCode\":\"502\",\"code\":\"BadGateway\"}", 0, 0, BG_OP_DOWNLOAD,
     BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, NULL},
    {"body_504_with_unknown_code_is_route_suspect", 400,
     "{\"statusCode\":\"504\",\"code\":\"GatewayTimeout\"}", 0, 0,
     BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, NULL},
    {"body_500_with_unknown_code_is_route_suspect", 400,
     "{\"statusCode\":\"500\",\"code\":\"Oops\"}", 0, 0, BG_OP_DOWNLOAD,
     BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, NULL},

    /* Success. */
    {"ok_answer_is_ok", 200, "{\"Key\":\"b/k\",\"Id\":\"x\"}", 0, 0,
     BG_OP_UPLOAD, BG__BUCKET_UNKNOWN, OK_, BG_OK, 0, NULL},
    {"partial_content_is_ok", 206, "", 0, 0, BG_OP_DOWNLOAD, BG__BUCKET_UNKNOWN,
     OK_, BG_OK, 0, NULL},
    {"not_modified_is_ok", 304, "", 0, 0, BG_OP_DOWNLOAD, BG__BUCKET_UNKNOWN,
     OK_, BG_OK, 0, NULL},
    {"truncated_body_is_route_suspect", 200, "", 0, 1, BG_OP_DOWNLOAD,
     BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, NULL},

    /* Transport errors, each with its class. */
    {"timeout_is_route_suspect", 0, NULL, CURLE_OPERATION_TIMEDOUT, 0,
     BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, "timeout"},
    {"refused_connection_is_route_suspect", 0, NULL, CURLE_COULDNT_CONNECT, 0,
     BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, "connect"},
    {"proxy_failure_is_a_connect_error", 0, NULL, CURLE_PROXY, 0,
     BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, "connect"},
    {"empty_reply_is_a_reset", 0, NULL, CURLE_GOT_NOTHING, 0, BG_OP_DOWNLOAD,
     BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, "reset"},
    {"dns_failure_is_route_suspect", 0, NULL, CURLE_COULDNT_RESOLVE_HOST, 0,
     BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, "dns"},
    {"tls_handshake_failure_is_route_suspect", 0, NULL, CURLE_SSL_CONNECT_ERROR,
     0, BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, "tls"},
    {"certificate_failure_is_a_tls_error", 0, NULL,
     CURLE_PEER_FAILED_VERIFICATION, 0, BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, SUS,
     BG_E_EXHAUSTED, 0, "tls"},
    {"send_failure_is_route_suspect", 0, NULL, CURLE_SEND_ERROR, 0,
     BG_OP_UPLOAD, BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, "send"},
    {"receive_failure_is_route_suspect", 0, NULL, CURLE_RECV_ERROR, 0,
     BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, "recv"},
    {"partial_file_is_route_suspect", 200, NULL, CURLE_PARTIAL_FILE, 0,
     BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, "truncated"},
    {"http2_framing_error_is_route_suspect", 0, NULL, CURLE_HTTP2, 0,
     BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, "http2"},
    {"http2_stream_error_is_route_suspect", 0, NULL, CURLE_HTTP2_STREAM, 0,
     BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, "http2"},
    {"unclassified_transport_error_is_route_suspect", 0, NULL,
     CURLE_WEIRD_SERVER_REPLY, 0, BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, SUS,
     BG_E_EXHAUSTED, 0, "other"},
    {"callback_abort_is_definitive", 200, NULL, CURLE_ABORTED_BY_CALLBACK, 0,
     BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, DEF, BG_E_ABORTED, 0, "aborted"},
    {"failing_sink_is_a_local_io_error", 200, NULL, CURLE_WRITE_ERROR, 0,
     BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, DEF, BG_E_IO, 0, "other"},
    {"failing_upload_source_is_a_local_io_error", 0, NULL, CURLE_READ_ERROR, 0,
     BG_OP_UPLOAD, BG__BUCKET_EXISTS, DEF, BG_E_IO, 0, "other"},
    {"curl_out_of_memory_is_nomem", 0, NULL, CURLE_OUT_OF_MEMORY, 0,
     BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, DEF, BG_E_NOMEM, 0, "other"},
    {"transport_error_wins_over_a_partial_error_body", 400, NO_KEY,
     CURLE_RECV_ERROR, 0, BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, SUS,
     BG_E_EXHAUSTED, 0, "recv"},

    /* Answers without a Storage body: the HTTP status decides. */
    {"gateway_401_is_an_auth_error", 401, "{\"message\":\"Invalid API key\"}",
     0, 0, BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, DEF, BG_E_AUTH, 0, NULL},
    {"browser_ua_refused_with_403_is_an_auth_error", 403, "", 0, 0,
     BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, DEF, BG_E_AUTH, 0, NULL},
    {"bare_404_is_not_found", 404, "", 0, 0, BG_OP_EXISTS, BG__BUCKET_EXISTS,
     DEF, BG_E_NOT_FOUND, 0, NULL},
    {"bare_408_is_route_suspect", 408, "", 0, 0, BG_OP_DOWNLOAD,
     BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, NULL},
    {"bare_409_is_a_conflict", 409, "", 0, 0, BG_OP_UPLOAD, BG__BUCKET_EXISTS,
     DEF, BG_E_CONFLICT, 0, NULL},
    {"bare_416_is_rejected", 416, "", 0, 0, BG_OP_DOWNLOAD, BG__BUCKET_EXISTS,
     DEF, BG_E_REJECTED, 0, NULL},
    {"bare_425_is_route_suspect", 425, "", 0, 0, BG_OP_DOWNLOAD,
     BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, NULL},
    {"bare_429_is_route_suspect", 429, "", 0, 0, BG_OP_DOWNLOAD,
     BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, NULL},
    {"bare_other_4xx_is_rejected", 405, "", 0, 0, BG_OP_DOWNLOAD,
     BG__BUCKET_EXISTS, DEF, BG_E_REJECTED, 0, NULL},
    {"html_502_from_a_gateway_is_route_suspect", 502,
     "<html><body>Bad gateway</body></html>", 0, 0, BG_OP_DOWNLOAD,
     BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, NULL},
    {"bare_503_is_route_suspect", 503, "", 0, 0, BG_OP_DOWNLOAD,
     BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, NULL},
    {"bare_599_is_route_suspect", 599, "", 0, 0, BG_OP_DOWNLOAD,
     BG__BUCKET_EXISTS, SUS, BG_E_EXHAUSTED, 0, NULL},
    {"unexpected_redirect_is_route_suspect_and_internal", 302, "", 0, 0,
     BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, SUS, BG_E_INTERNAL, 0, NULL},
    {"informational_status_is_route_suspect_and_internal", 101, "", 0, 0,
     BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, SUS, BG_E_INTERNAL, 0, NULL},
    {"no_status_without_transport_error_is_internal", 0, "", 0, 0,
     BG_OP_DOWNLOAD, BG__BUCKET_EXISTS, SUS, BG_E_INTERNAL, 0, NULL},
};

static void classifies_row(void **state)
{
    const struct row *r = *state;
    struct bg__answer a;
    struct bg__verdict v;

    memset(&a, 0, sizeof(a));
    a.curl_code = r->curl;
    a.http_status = r->http;
    a.truncated = r->truncated;
    if (r->body != NULL)
        bg__parse_error_body(r->body, strlen(r->body), &a);

    v = bg__classify(&a, r->op, r->bucket);
    assert_int_equal(v.outcome, r->outcome);
    assert_int_equal(v.result, r->result);
    assert_int_equal(v.check_bucket, r->check_bucket);
    if (r->transport != NULL)
        assert_string_equal(bg__transport_class(r->curl), r->transport);
}

/* ---- Parsing error bodies -------------------------------------------- */

static void parse(const char *body, struct bg__answer *a)
{
    memset(a, 0, sizeof(*a));
    strcpy(a->code, "before");
    strcpy(a->message, "before");
    bg__parse_error_body(body, strlen(body), a);
}

static void storage_error_body_is_read(void **state)
{
    struct bg__answer a;

    (void)state;
    parse(NO_BUCKET, &a);
    assert_int_equal(a.body_status, 404);
    assert_string_equal(a.code, "NoSuchBucket");
    assert_string_equal(a.message, "Bucket not found");
}

static void numeric_status_code_is_accepted(void **state)
{
    struct bg__answer a;

    (void)state;
    parse("{\"statusCode\":409,\"code\":\"KeyAlreadyExists\"}", &a);
    assert_int_equal(a.body_status, 409);
    assert_string_equal(a.code, "KeyAlreadyExists");
}

static void error_text_is_used_without_message(void **state)
{
    struct bg__answer a;

    (void)state;
    parse("{\"statusCode\":\"404\",\"error\":\"not_found\"}", &a);
    assert_int_equal(a.body_status, 404);
    assert_string_equal(a.code, "");
    assert_string_equal(a.message, "not_found");
}

static void truncated_json_body_is_tolerated(void **state)
{
    const char *body = NO_BUCKET;
    struct bg__answer a;
    size_t cut;

    (void)state;
    for (cut = 0; cut < strlen(body); cut++) {
        memset(&a, 0, sizeof(a));
        strcpy(a.code, "timeout");
        bg__parse_error_body(body, cut, &a);
        assert_int_equal(a.body_status, 0);
        assert_string_equal(a.code, "timeout");
    }
}

static void bodies_that_are_not_storage_errors_leave_the_answer(void **state)
{
    static const char *const bodies[] = {
        "",
        "<html>Bad gateway</html>",
        "[]",
        "\"text\"",
        "{}",
        "{\"message\":\"Successfully deleted\"}",
        "{\"statusCode\":\"abc\",\"message\":\"x\"}",
        "{\"statusCode\":\"40\",\"message\":\"x\"}",
    };
    struct bg__answer a;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        parse(bodies[i], &a);
        assert_int_equal(a.body_status, 0);
        assert_string_equal(a.code, "before");
        assert_string_equal(a.message, "before");
    }
    bg__parse_error_body(NULL, 10, &a);
    assert_string_equal(a.code, "before");
}

static void long_fields_are_cut_and_kept_on_one_line(void **state)
{
    char body[1024];
    struct bg__answer a;
    char code[100], msg[400];

    (void)state;
    memset(code, 'C', sizeof(code) - 1);
    code[sizeof(code) - 1] = '\0';
    memset(msg, 'm', sizeof(msg) - 1);
    msg[sizeof(msg) - 1] = '\0';
    msg[3] = '\n';
    snprintf(body, sizeof(body),
             "{\"statusCode\":\"400\",\"code\":\"%s\",\"message\":\"%.3s\\n"
             "%s\"}",
             code, msg, msg + 4);
    parse(body, &a);

    assert_int_equal(strlen(a.code), sizeof(a.code) - 1);
    assert_int_equal(strlen(a.message), sizeof(a.message) - 1);
    assert_null(strchr(a.message, '\n'));
    assert_int_equal(a.message[3], ' ');
}

static void unknown_curl_codes_have_the_other_class(void **state)
{
    (void)state;
    assert_string_equal(bg__transport_class(0), "other");
    assert_string_equal(bg__transport_class(-1), "other");
    assert_string_equal(bg__transport_class(CURLE_URL_MALFORMAT), "other");
}

int main(void)
{
    enum { NROWS = sizeof(rows) / sizeof(rows[0]) };
    struct CMUnitTest tests[NROWS + 7] = {
        cmocka_unit_test(storage_error_body_is_read),
        cmocka_unit_test(numeric_status_code_is_accepted),
        cmocka_unit_test(error_text_is_used_without_message),
        cmocka_unit_test(truncated_json_body_is_tolerated),
        cmocka_unit_test(bodies_that_are_not_storage_errors_leave_the_answer),
        cmocka_unit_test(long_fields_are_cut_and_kept_on_one_line),
        cmocka_unit_test(unknown_curl_codes_have_the_other_class),
    };
    size_t i;

    for (i = 0; i < NROWS; i++) {
        struct CMUnitTest t = {rows[i].name, classifies_row, NULL, NULL,
                               (void *)&rows[i]};
        tests[7 + i] = t;
    }
    return _cmocka_run_group_tests("classify", tests, NROWS + 7, NULL, NULL);
}
