/* Building answers: JSON bodies, Storage error bodies, extra headers. */
#include "reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void emu_reply_init(struct emu_reply *r)
{
    memset(r, 0, sizeof(*r));
    r->fd = -1;
    r->cache_status = "DYNAMIC";
}

void emu_reply_release(struct emu_reply *r)
{
    free(r->body);
    if (r->fd >= 0)
        close(r->fd);
    emu_reply_init(r);
}

void emu_reply_header(struct emu_reply *r, const char *name, const char *value)
{
    struct emu_header *h;

    if (r->header_count == EMU_REPLY_HEADERS)
        return;
    h = &r->headers[r->header_count++];
    snprintf(h->name, sizeof(h->name), "%s", name);
    snprintf(h->value, sizeof(h->value), "%s", value);
}

static void set_body(struct emu_reply *r, int status, char *body)
{
    emu_reply_release(r);
    r->status = status;
    r->body = body;
    r->body_len = body ? strlen(body) : 0;
}

void emu_reply_json(struct emu_reply *r, int status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

    json_decref(body);
    if (!text) {
        emu_reply_text(r, 500, "out of memory\n");
        return;
    }
    set_body(r, status, text);
    emu_reply_header(r, "content-type", "application/json; charset=utf-8");
}

void emu_reply_error(struct emu_reply *r, int http, int body_status,
                     const char *code, const char *error, const char *message)
{
    char status[16];

    snprintf(status, sizeof(status), "%d", body_status);
    emu_reply_json(r, http,
                   json_pack("{s:s, s:s, s:s, s:s}", "statusCode", status,
                             "code", code, "error", error, "message", message));
}

void emu_reply_text(struct emu_reply *r, int status, const char *text)
{
    emu_reply_raw(r, status, text, "text/plain; charset=utf-8");
}

void emu_reply_raw(struct emu_reply *r, int status, const char *body,
                   const char *content_type)
{
    set_body(r, status, strdup(body));
    if (content_type)
        emu_reply_header(r, "content-type", content_type);
}

struct error_row {
    int http;
    int body_status;
    const char *code;
    const char *error;
    const char *message;
};

static const struct error_row error_rows[] = {
    [EMU_ERR_NO_SUCH_BUCKET] = {400, 404, "NoSuchBucket", "Bucket not found",
                                "Bucket not found"},
    [EMU_ERR_NO_SUCH_KEY] = {400, 404, "NoSuchKey", "not_found",
                             "Object not found"},
    [EMU_ERR_INVALID_KEY] = {400, 400, "InvalidKey", "Invalid Input",
                             "Invalid key"},
    [EMU_ERR_INVALID_BUCKET_NAME] = {400, 400, "InvalidBucketName",
                                     "Invalid Input", "Bucket name invalid"},
    [EMU_ERR_KEY_EXISTS] = {400, 409, "KeyAlreadyExists", "Duplicate",
                            "The resource already exists"},
    [EMU_ERR_BUCKET_EXISTS] = {400, 409, "BucketAlreadyExists", "Duplicate",
                               "The resource already exists"},
    [EMU_ERR_NOT_EMPTY] = {400, 409, "ResourceNotEmpty", "Conflict",
                           "The bucket you tried to delete is not empty"},
    [EMU_ERR_ACCESS_DENIED] = {400, 403, "AccessDenied", "Unauthorized",
                               "new row violates row-level security policy"},
    [EMU_ERR_INVALID_REQUEST] = {400, 400, "InvalidRequest", "Bad Request",
                                 "Invalid request"},
    [EMU_ERR_INVALID_JWT] = {400, 400, "InvalidJWT", "Unauthorized",
                             "jwt malformed"},
    [EMU_ERR_INVALID_SIGNATURE] = {400, 400, "InvalidSignature", "Unauthorized",
                                   "The url do not match the signature"},
    [EMU_ERR_INVALID_RANGE] = {416, 416, "InvalidRange", "invalid_range",
                               "The requested range is not satisfiable"},
    [EMU_ERR_TOO_LARGE] = {400, 413, "EntityTooLarge", "Payload too large",
                           "The object exceeded the maximum allowed size"},
    [EMU_ERR_INVALID_MIME] = {400, 415, "InvalidMimeType", "invalid_mime_type",
                              "mime type is not supported"},
    [EMU_ERR_ROUTE_NOT_FOUND] = {404, 404, "NotFound", "Not Found",
                                 "Route not found"},
    [EMU_ERR_INTERNAL] = {500, 500, "InternalError", "Internal Server Error",
                          "Internal error"},
};

void emu_reply_fail(struct emu_reply *r, enum emu_error kind,
                    const char *message)
{
    const struct error_row *row = &error_rows[kind];

    emu_reply_error(r, row->http, row->body_status, row->code, row->error,
                    message ? message : row->message);
}
