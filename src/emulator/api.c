/* Routing of Storage paths to operations, the credential gate every
 * operation passes first, and the bucket operations. */
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keyrule.h"
#include "object.h"

#define STORAGE_PREFIX "/storage/v1"

enum op {
    OP_NOT_FOUND = 0,
    OP_BUCKET_LIST,
    OP_BUCKET_CREATE,
    OP_BUCKET_GET,
    OP_BUCKET_DELETE,
    OP_BUCKET_EMPTY,
    OP_LIST,
    OP_SIGN,
    OP_SIGN_BATCH,
    OP_SIGNED_READ,
    OP_COPY,
    OP_MOVE,
    OP_INFO,
    OP_READ,
    OP_UPLOAD,
    OP_DELETE,
    OP_DELETE_MANY
};

struct route {
    enum op op;
    struct emu_target target;
};

const char *emu_api_route_path(enum emu_prefix mode, const char *path)
{
    size_t n = strlen(STORAGE_PREFIX);
    int prefixed = strncmp(path, STORAGE_PREFIX, n) == 0 &&
                   (path[n] == '/' || path[n] == '\0');

    if (mode == EMU_PREFIX_NONE)
        return path;
    if (prefixed)
        return path[n] ? path + n : "/";
    return mode == EMU_PREFIX_BOTH ? path : NULL;
}

static int is(const char *method, const char *want)
{
    return strcmp(method, want) == 0;
}

static int is_read(const char *method)
{
    return is(method, "GET") || is(method, "HEAD");
}

/* Splits "bucket/key" into the target; key stays NULL without a slash. */
static void split_target(const char *rest, struct emu_target *t)
{
    const char *slash = strchr(rest, '/');
    size_t len = slash ? (size_t)(slash - rest) : strlen(rest);

    t->bucket[0] = '\0';
    if (len < sizeof(t->bucket)) {
        memcpy(t->bucket, rest, len);
        t->bucket[len] = '\0';
    }
    t->key = slash ? slash + 1 : NULL;
}

/* Routes with a word after /object/ that names the operation. */
static enum op object_word_route(const char *m, const char *rest,
                                 struct emu_target *t)
{
    if (strcmp(rest, "copy") == 0 || strcmp(rest, "move") == 0)
        return !is(m, "POST")   ? OP_NOT_FOUND
               : rest[0] == 'c' ? OP_COPY
                                : OP_MOVE;
    if (strncmp(rest, "list/", 5) == 0 && !strchr(rest + 5, '/') &&
        is(m, "POST")) {
        split_target(rest + 5, t);
        return OP_LIST;
    }
    if (strncmp(rest, "sign/", 5) == 0) {
        split_target(rest + 5, t);
        if (!t->key)
            return is(m, "POST") ? OP_SIGN_BATCH : OP_NOT_FOUND;
        return is(m, "POST") ? OP_SIGN
               : is_read(m)  ? OP_SIGNED_READ
                             : OP_NOT_FOUND;
    }
    return OP_NOT_FOUND;
}

static enum emu_access access_word(const char **rest)
{
    if (strncmp(*rest, "public/", 7) == 0) {
        *rest += 7;
        return EMU_ACCESS_PUBLIC;
    }
    if (strncmp(*rest, "authenticated/", 14) == 0) {
        *rest += 14;
        return EMU_ACCESS_AUTHENTICATED;
    }
    return EMU_ACCESS_DEFAULT;
}

static enum op object_route(const char *m, const char *rest,
                            struct emu_target *t)
{
    enum op op = object_word_route(m, rest, t);

    if (op != OP_NOT_FOUND)
        return op;
    if (strncmp(rest, "info/", 5) == 0 && is(m, "GET")) {
        rest += 5;
        t->access = access_word(&rest);
        split_target(rest, t);
        return t->key ? OP_INFO : OP_NOT_FOUND;
    }
    if (is_read(m))
        t->access = access_word(&rest);
    split_target(rest, t);
    if (!t->key)
        return is(m, "DELETE") ? OP_DELETE_MANY : OP_NOT_FOUND;
    if (is_read(m))
        return OP_READ;
    if (is(m, "POST") || is(m, "PUT"))
        return OP_UPLOAD;
    return is(m, "DELETE") ? OP_DELETE : OP_NOT_FOUND;
}

static enum op bucket_route(const char *m, const char *rest,
                            struct emu_target *t)
{
    if (*rest == '\0')
        return is(m, "GET")    ? OP_BUCKET_LIST
               : is(m, "POST") ? OP_BUCKET_CREATE
                               : OP_NOT_FOUND;
    split_target(rest, t);
    if (!t->key)
        return is(m, "GET")      ? OP_BUCKET_GET
               : is(m, "DELETE") ? OP_BUCKET_DELETE
                                 : OP_NOT_FOUND;
    return strcmp(t->key, "empty") == 0 && is(m, "POST") ? OP_BUCKET_EMPTY
                                                         : OP_NOT_FOUND;
}

static void parse_route(const char *method, const char *path, struct route *r)
{
    memset(r, 0, sizeof(*r));
    if (strcmp(path, "/bucket") == 0 || strcmp(path, "/bucket/") == 0)
        r->op = bucket_route(method, "", &r->target);
    else if (strncmp(path, "/bucket/", 8) == 0)
        r->op = bucket_route(method, path + 8, &r->target);
    else if (strncmp(path, "/object/", 8) == 0)
        r->op = object_route(method, path + 8, &r->target);
}

enum emu_body_kind emu_api_body_kind(const char *method, const char *path)
{
    struct route r;

    parse_route(method, path, &r);
    switch (r.op) {
    case OP_UPLOAD:
        return EMU_BODY_UPLOAD;
    case OP_BUCKET_CREATE:
    case OP_LIST:
    case OP_SIGN:
    case OP_SIGN_BATCH:
    case OP_COPY:
    case OP_MOVE:
    case OP_DELETE_MANY:
        return EMU_BODY_JSON;
    default:
        return EMU_BODY_NONE;
    }
}

static int takes_json(enum op op)
{
    return op == OP_BUCKET_CREATE || op == OP_LIST || op == OP_SIGN ||
           op == OP_SIGN_BATCH || op == OP_COPY || op == OP_MOVE ||
           op == OP_DELETE_MANY;
}

/* Reads that serve anonymous callers need no credential. */
static int credential_optional(const struct route *r)
{
    if (r->op == OP_SIGNED_READ)
        return 1;
    return (r->op == OP_READ || r->op == OP_INFO) &&
           r->target.access != EMU_ACCESS_AUTHENTICATED;
}

/* Applies the credential rules; returns 0 when the request may go on. */
static int gate(const struct emu_api *api, const struct emu_request *req,
                struct route *r, struct emu_reply *out)
{
    struct emu_auth auth;

    emu_auth_check(&api->keys, req->authorization, req->apikey, req->user_agent,
                   (int64_t)time(NULL), &auth);
    r->target.caller = auth.caller;
    if (auth.caller == EMU_CALLER_BROWSER_SECRET) {
        emu_reply_json(out, 401,
                       json_pack("{s:s, s:s}", "message",
                                 "Forbidden use of secret API key in browser",
                                 "hint",
                                 "Secret API keys can only be used "
                                 "in a protected environment."));
        return -1;
    }
    if (credential_optional(r)) {
        if (auth.caller == EMU_CALLER_INVALID)
            r->target.caller = EMU_CALLER_NONE;
        return 0;
    }
    if (auth.caller == EMU_CALLER_NONE) {
        emu_reply_fail(out, EMU_ERR_INVALID_REQUEST,
                       "headers must have required property 'authorization'");
        return -1;
    }
    if (auth.caller == EMU_CALLER_INVALID) {
        emu_reply_fail(out, EMU_ERR_ACCESS_DENIED, auth.reason);
        return -1;
    }
    return 0;
}

void emu_api_route_not_found(const char *method, const char *path,
                             struct emu_reply *out)
{
    char text[EMU_HEADER_VALUE];

    snprintf(text, sizeof(text), "Route %s:%.200s not found", method, path);
    emu_reply_fail(out, EMU_ERR_ROUTE_NOT_FOUND, text);
}

static json_t *parse_body(const struct emu_request *req, struct emu_reply *out)
{
    json_t *body;

    if (req->body_too_large) {
        emu_reply_fail(out, EMU_ERR_TOO_LARGE, "Payload too large");
        return NULL;
    }
    body = json_loadb(req->json ? req->json : "", req->json_len, 0, NULL);
    if (!json_is_object(body)) {
        json_decref(body);
        emu_reply_fail(out, EMU_ERR_INVALID_REQUEST,
                       "Body must be a JSON object");
        return NULL;
    }
    return body;
}

static void fail_store(struct emu_reply *out, enum emu_store_result result)
{
    switch (result) {
    case EMU_STORE_NO_BUCKET:
        emu_reply_fail(out, EMU_ERR_NO_SUCH_BUCKET, NULL);
        break;
    case EMU_STORE_NOT_EMPTY:
        emu_reply_fail(out, EMU_ERR_NOT_EMPTY, NULL);
        break;
    case EMU_STORE_EXISTS:
        emu_reply_fail(out, EMU_ERR_BUCKET_EXISTS, NULL);
        break;
    default:
        emu_reply_fail(out, EMU_ERR_INTERNAL, NULL);
        break;
    }
}

static void reply_message(struct emu_reply *out, const char *text)
{
    emu_reply_json(out, 200, json_pack("{s:s}", "message", text));
}

static void bucket_list(const struct emu_api *api, const struct route *r,
                        struct emu_reply *out)
{
    if (r->target.caller != EMU_CALLER_SERVICE) {
        emu_reply_json(out, 200, json_array());
        return;
    }
    emu_reply_json(out, 200, emu_store_bucket_list_json(api->store));
}

/* The bucket API shows buckets to the service role only: an anon key
 * finds none, even existing ones. */
static void bucket_get(const struct emu_api *api, const struct route *r,
                       struct emu_reply *out)
{
    json_t *b = NULL;

    if (r->target.caller == EMU_CALLER_SERVICE)
        b = emu_store_bucket_json(api->store, r->target.bucket);
    if (!b) {
        emu_reply_fail(out, EMU_ERR_NO_SUCH_BUCKET, NULL);
        return;
    }
    emu_reply_json(out, 200, b);
}

/* file_size_limit: absent or null for none, a number of bytes, or digits
 * in a string. Returns -1 when it is none of those. */
static int read_size_limit(const json_t *v, int64_t *limit)
{
    const char *s = json_string_value(v);
    char *end = NULL;

    *limit = -1;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *limit = (int64_t)json_integer_value(v);
        return 0;
    }
    if (s && *s >= '0' && *s <= '9') {
        *limit = strtoll(s, &end, 10);
        return *end == '\0' ? 0 : -1;
    }
    return -1;
}

static int read_spec(const json_t *body, struct emu_bucket_spec *spec,
                     struct emu_reply *out)
{
    json_t *mime = json_object_get(body, "allowed_mime_types");

    spec->name = json_string_value(json_object_get(body, "name"));
    spec->id = json_string_value(json_object_get(body, "id"));
    if (!spec->name) {
        emu_reply_fail(out, EMU_ERR_INVALID_REQUEST,
                       "body must have required property 'name'");
        return -1;
    }
    if (!spec->id)
        spec->id = spec->name;
    if (!emu_bucket_name_valid(spec->name) ||
        !emu_bucket_name_valid(spec->id)) {
        emu_reply_fail(out, EMU_ERR_INVALID_BUCKET_NAME, NULL);
        return -1;
    }
    spec->is_public = json_is_true(json_object_get(body, "public"));
    spec->allowed_mime_types = json_is_array(mime) ? mime : NULL;
    if (read_size_limit(json_object_get(body, "file_size_limit"),
                        &spec->file_size_limit) != 0 ||
        (mime && !json_is_array(mime) && !json_is_null(mime))) {
        emu_reply_fail(out, EMU_ERR_INVALID_REQUEST,
                       "file_size_limit or allowed_mime_types is invalid");
        return -1;
    }
    return 0;
}

static void bucket_create(const struct emu_api *api, const struct route *r,
                          const json_t *body, struct emu_reply *out)
{
    struct emu_bucket_spec spec;
    enum emu_store_result result;

    if (r->target.caller != EMU_CALLER_SERVICE) {
        emu_reply_fail(out, EMU_ERR_ACCESS_DENIED, NULL);
        return;
    }
    if (read_spec(body, &spec, out) != 0)
        return;
    result = emu_store_bucket_create(api->store, &spec);
    if (result != EMU_STORE_OK) {
        fail_store(out, result);
        return;
    }
    emu_reply_json(out, 200, json_pack("{s:s}", "name", spec.id));
}

static void bucket_remove(const struct emu_api *api, const struct route *r,
                          struct emu_reply *out)
{
    enum emu_store_result result = EMU_STORE_NO_BUCKET;
    int empty_only = r->op == OP_BUCKET_EMPTY;

    if (r->target.caller == EMU_CALLER_SERVICE)
        result = empty_only
                     ? emu_store_bucket_empty(api->store, r->target.bucket)
                     : emu_store_bucket_delete(api->store, r->target.bucket);
    if (result != EMU_STORE_OK) {
        fail_store(out, result);
        return;
    }
    reply_message(out,
                  empty_only ? "Successfully emptied" : "Successfully deleted");
}

static void dispatch_json(const struct emu_api *api,
                          const struct emu_request *req, const struct route *r,
                          const json_t *body, struct emu_reply *out)
{
    switch (r->op) {
    case OP_BUCKET_CREATE:
        bucket_create(api, r, body, out);
        break;
    case OP_LIST:
        emu_object_list(api, &r->target, body, out);
        break;
    case OP_SIGN:
        emu_object_sign(api, &r->target, body, out);
        break;
    case OP_SIGN_BATCH:
        emu_object_sign_batch(api, &r->target, body, out);
        break;
    case OP_COPY:
    case OP_MOVE:
        emu_object_transfer(api, req, &r->target, body, r->op == OP_MOVE, out);
        break;
    default:
        emu_object_delete_many(api, &r->target, body, out);
        break;
    }
}

static void dispatch(const struct emu_api *api, struct emu_request *req,
                     const struct route *r, struct emu_reply *out)
{
    switch (r->op) {
    case OP_BUCKET_LIST:
        bucket_list(api, r, out);
        break;
    case OP_BUCKET_GET:
        bucket_get(api, r, out);
        break;
    case OP_BUCKET_DELETE:
    case OP_BUCKET_EMPTY:
        bucket_remove(api, r, out);
        break;
    case OP_SIGNED_READ:
        emu_object_signed_read(api, req, &r->target, out);
        break;
    case OP_INFO:
        emu_object_info(api, req, &r->target, out);
        break;
    case OP_READ:
        emu_object_read(api, req, &r->target, out);
        break;
    case OP_UPLOAD:
        emu_object_upload(api, req, &r->target, out);
        break;
    default:
        emu_object_delete(api, &r->target, out);
        break;
    }
}

void emu_api_handle(const struct emu_api *api, struct emu_request *req,
                    struct emu_reply *out)
{
    struct route r;
    json_t *body = NULL;

    parse_route(req->method, req->path, &r);
    if (r.op == OP_NOT_FOUND) {
        emu_api_route_not_found(req->method, req->path, out);
        goto out;
    }
    if (gate(api, req, &r, out) != 0)
        goto out;
    if (!takes_json(r.op)) {
        dispatch(api, req, &r, out);
        goto out;
    }
    body = parse_body(req, out);
    if (body)
        dispatch_json(api, req, &r, body, out);
out:
    json_decref(body);
    emu_upload_abort(req->upload);
    req->upload = NULL;
}
