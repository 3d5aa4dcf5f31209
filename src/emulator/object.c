/* Object operations. Reads apply Storage's visibility rules (who may see
 * which bucket), then serve the body from its file with ranges and
 * conditional requests; writes are for the service role only, since the
 * emulator has no row-level security policies. */
#include "object.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "keyrule.h"
#include "range.h"
#include "token.h"

#define DEFAULT_CACHE_CONTROL "max-age=3600"
#define DEFAULT_CONTENT_TYPE  "application/octet-stream"
#define LIST_LIMIT_DEFAULT    100

static void fail_result(struct emu_reply *out, enum emu_store_result result)
{
    static const enum emu_error errors[] = {
        [EMU_STORE_NO_BUCKET] = EMU_ERR_NO_SUCH_BUCKET,
        [EMU_STORE_NO_KEY] = EMU_ERR_NO_SUCH_KEY,
        [EMU_STORE_EXISTS] = EMU_ERR_KEY_EXISTS,
        [EMU_STORE_NOT_EMPTY] = EMU_ERR_NOT_EMPTY,
        [EMU_STORE_TOO_LARGE] = EMU_ERR_TOO_LARGE,
        [EMU_STORE_BAD_MIME] = EMU_ERR_INVALID_MIME,
        [EMU_STORE_NO_MEMORY] = EMU_ERR_INTERNAL,
    };

    emu_reply_fail(
        out, result == EMU_STORE_OK ? EMU_ERR_INTERNAL : errors[result], NULL);
}

static int check_key(const char *key, struct emu_reply *out)
{
    char text[EMU_HEADER_VALUE];

    if (key && emu_key_valid(key))
        return 0;
    snprintf(text, sizeof(text), "Invalid key: %.200s", key ? key : "");
    emu_reply_fail(out, EMU_ERR_INVALID_KEY, text);
    return -1;
}

static int require_service(const struct emu_target *t, struct emu_reply *out)
{
    if (t->caller == EMU_CALLER_SERVICE)
        return 0;
    emu_reply_fail(out, EMU_ERR_ACCESS_DENIED, NULL);
    return -1;
}

/* Storage's read visibility: without a valid token a private bucket does
 * not exist; with an anon token it exists but its objects do not; the
 * public route serves public buckets only, whoever asks. */
static int check_visible(const struct emu_api *api, const struct emu_target *t,
                         struct emu_reply *out)
{
    bool is_public = false;

    if (!emu_store_bucket_exists(api->store, t->bucket, &is_public) ||
        (!is_public &&
         (t->access == EMU_ACCESS_PUBLIC || t->caller == EMU_CALLER_NONE))) {
        emu_reply_fail(out, EMU_ERR_NO_SUCH_BUCKET, NULL);
        return -1;
    }
    if (!is_public && t->caller != EMU_CALLER_SERVICE) {
        emu_reply_fail(out, EMU_ERR_NO_SUCH_KEY, NULL);
        return -1;
    }
    return 0;
}

/* Finds a readable object; objects younger than hide_ms are reported
 * missing (the HIDE_NEW fault). */
static int lookup(const struct emu_api *api, const struct emu_request *req,
                  const struct emu_target *t, bool open_body,
                  struct emu_object_view *view, struct emu_reply *out)
{
    bool mark = open_body && strcmp(req->method, "GET") == 0;
    enum emu_store_result result;

    if (check_key(t->key, out) != 0 || check_visible(api, t, out) != 0)
        return -1;
    result = emu_store_object_get(api->store, t->bucket, t->key, open_body,
                                  mark, view);
    if (result == EMU_STORE_OK && view->age_ms < (int64_t)req->hide_ms) {
        if (view->fd >= 0)
            close(view->fd);
        result = EMU_STORE_NO_KEY;
    }
    if (result != EMU_STORE_OK) {
        fail_result(out, result);
        return -1;
    }
    return 0;
}

/* If-None-Match: "*", or a list of entity tags, weak or strong, quoted or
 * not. */
static bool etag_matches(const char *header, const char *md5)
{
    const char *p = header;

    while (*p) {
        size_t len;

        p += strspn(p, " ,");
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        len = strcspn(p, ",");
        while (len && p[len - 1] == ' ')
            len--;
        if ((len == 1 && *p == '*') ||
            (len == 34 && p[0] == '"' && strncmp(p + 1, md5, 32) == 0) ||
            (len == 32 && strncmp(p, md5, 32) == 0))
            return true;
        p += len;
    }
    return false;
}

static void object_headers(const struct emu_object_view *v,
                           struct emu_reply *out)
{
    char etag[40];
    char date[EMU_TIME_TEXT];

    snprintf(etag, sizeof(etag), "\"%s\"", v->md5);
    emu_reply_header(out, "etag", etag);
    emu_reply_header(out, "last-modified", emu_http_date(v->updated_ms, date));
    emu_reply_header(out, "cache-control", v->cache_control);
}

static void fail_range(uint64_t size, struct emu_reply *out)
{
    char value[64];

    emu_reply_fail(out, EMU_ERR_INVALID_RANGE, NULL);
    snprintf(value, sizeof(value), "bytes */%llu", (unsigned long long)size);
    emu_reply_header(out, "content-range", value);
}

/* Answers with the body of v (taking v->fd): 200, 206, 304 or 416. */
static void serve(const struct emu_request *req, struct emu_object_view *v,
                  struct emu_reply *out)
{
    struct emu_range range = {0, v->size ? v->size - 1 : 0};
    enum emu_range_kind kind = emu_range_parse(req->range, v->size, &range);
    char value[96];

    if (req->if_none_match && etag_matches(req->if_none_match, v->md5)) {
        close(v->fd);
        emu_reply_release(out);
        out->status = 304;
        object_headers(v, out);
        return;
    }
    if (kind == EMU_RANGE_UNSATISFIABLE) {
        close(v->fd);
        fail_range(v->size, out);
        return;
    }
    emu_reply_release(out);
    out->status = kind == EMU_RANGE_PARTIAL ? 206 : 200;
    out->fd = v->fd;
    out->offset = kind == EMU_RANGE_PARTIAL ? range.start : 0;
    out->length =
        kind == EMU_RANGE_PARTIAL ? range.end - range.start + 1 : v->size;
    out->cache_status = v->served ? "HIT" : "MISS";
    emu_reply_header(out, "content-type", v->content_type);
    object_headers(v, out);
    emu_reply_header(out, "accept-ranges", "bytes");
    if (kind == EMU_RANGE_PARTIAL) {
        snprintf(value, sizeof(value), "bytes %llu-%llu/%llu",
                 (unsigned long long)range.start, (unsigned long long)range.end,
                 (unsigned long long)v->size);
        emu_reply_header(out, "content-range", value);
    }
}

void emu_object_read(const struct emu_api *api, const struct emu_request *req,
                     const struct emu_target *t, struct emu_reply *out)
{
    struct emu_object_view view;

    if (lookup(api, req, t, true, &view, out) == 0)
        serve(req, &view, out);
}

void emu_object_info(const struct emu_api *api, const struct emu_request *req,
                     const struct emu_target *t, struct emu_reply *out)
{
    struct emu_object_view view;

    if (lookup(api, req, t, false, &view, out) == 0)
        emu_reply_json(out, 200,
                       emu_object_info_json(&view, t->bucket, t->key));
}

/* "3600" (as supabase-js sends it) means max-age=3600. */
static void cache_control_of(const char *given, char *out, size_t outlen)
{
    if (!given || !*given)
        given = DEFAULT_CACHE_CONTROL;
    if (strspn(given, "0123456789") == strlen(given))
        snprintf(out, outlen, "max-age=%s", given);
    else
        snprintf(out, outlen, "%s", given);
}

static void store_upload(const struct emu_api *api,
                         const struct emu_request *req,
                         const struct emu_target *t, struct emu_blob *blob,
                         struct emu_reply *out)
{
    bool upsert = strcmp(req->method, "PUT") == 0 ||
                  (req->upsert && strcasecmp(req->upsert, "true") == 0);
    char cache_control[EMU_META_TEXT];
    char key[EMU_HEADER_VALUE];
    struct emu_object_view view;
    enum emu_store_result result;
    const char *type = req->content_type && *req->content_type
                           ? req->content_type
                           : DEFAULT_CONTENT_TYPE;

    cache_control_of(req->cache_control, cache_control, sizeof(cache_control));
    result = emu_store_object_put(api->store, t->bucket, t->key, blob, type,
                                  cache_control, upsert, &view);
    if (result != EMU_STORE_OK) {
        fail_result(out, result);
        return;
    }
    snprintf(key, sizeof(key), "%s/%s", t->bucket, t->key);
    emu_reply_json(out, 200,
                   json_pack("{s:s, s:s}", "Key", key, "Id", view.id));
}

void emu_object_upload(const struct emu_api *api, struct emu_request *req,
                       const struct emu_target *t, struct emu_reply *out)
{
    struct emu_upload *up = req->upload;
    struct emu_blob *blob;

    req->upload = NULL;
    if (!emu_store_bucket_exists(api->store, t->bucket, NULL)) {
        emu_reply_fail(out, EMU_ERR_NO_SUCH_BUCKET, NULL);
        goto out;
    }
    if (require_service(t, out) != 0 || check_key(t->key, out) != 0)
        goto out;
    if (!up || emu_upload_too_large(up)) {
        emu_reply_fail(out, up ? EMU_ERR_TOO_LARGE : EMU_ERR_INTERNAL, NULL);
        goto out;
    }
    blob = emu_upload_finish(up);
    up = NULL;
    if (!blob) {
        emu_reply_fail(out, EMU_ERR_INTERNAL, "could not store the body");
        goto out;
    }
    store_upload(api, req, t, blob, out);
out:
    emu_upload_abort(up);
}

void emu_object_delete(const struct emu_api *api, const struct emu_target *t,
                       struct emu_reply *out)
{
    enum emu_store_result result;

    if (require_service(t, out) != 0 || check_key(t->key, out) != 0)
        return;
    result = emu_store_object_delete(api->store, t->bucket, t->key);
    if (result != EMU_STORE_OK) {
        fail_result(out, result);
        return;
    }
    emu_reply_json(out, 200,
                   json_pack("{s:s}", "message", "Successfully deleted"));
}

void emu_object_delete_many(const struct emu_api *api,
                            const struct emu_target *t, const json_t *body,
                            struct emu_reply *out)
{
    const json_t *names = json_object_get(body, "prefixes");
    enum emu_store_result result;
    json_t *gone = NULL;

    if (require_service(t, out) != 0)
        return;
    if (!json_is_array(names)) {
        emu_reply_fail(out, EMU_ERR_INVALID_REQUEST,
                       "body must have required property 'prefixes'");
        return;
    }
    result = emu_store_delete_many(api->store, t->bucket, names, &gone);
    if (result != EMU_STORE_OK) {
        json_decref(gone);
        fail_result(out, result);
        return;
    }
    emu_reply_json(out, 200, gone);
}

static const char *body_string(const json_t *body, const char *name)
{
    return json_string_value(json_object_get(body, name));
}

static int require_strings(const json_t *body, const char *const *names,
                           struct emu_reply *out)
{
    char text[128];

    for (; *names; names++) {
        if (body_string(body, *names))
            continue;
        snprintf(text, sizeof(text), "body must have required property '%s'",
                 *names);
        emu_reply_fail(out, EMU_ERR_INVALID_REQUEST, text);
        return -1;
    }
    return 0;
}

void emu_object_transfer(const struct emu_api *api,
                         const struct emu_request *req,
                         const struct emu_target *t, const json_t *body,
                         bool move, struct emu_reply *out)
{
    static const char *const required[] = {"bucketId", "sourceKey",
                                           "destinationKey", NULL};
    const char *src_bucket, *dst_bucket, *src_key, *dst_key;
    bool upsert = req->upsert && strcasecmp(req->upsert, "true") == 0;
    struct emu_object_view view;
    enum emu_store_result result;
    char key[EMU_HEADER_VALUE];

    if (require_service(t, out) != 0 ||
        require_strings(body, required, out) != 0)
        return;
    src_bucket = body_string(body, "bucketId");
    dst_bucket = body_string(body, "destinationBucket");
    src_key = body_string(body, "sourceKey");
    dst_key = body_string(body, "destinationKey");
    if (check_key(src_key, out) != 0 || check_key(dst_key, out) != 0)
        return;
    if (!dst_bucket)
        dst_bucket = src_bucket;

    result = emu_store_object_copy(api->store, src_bucket, src_key, dst_bucket,
                                   dst_key, move, upsert, &view);
    if (result != EMU_STORE_OK) {
        fail_result(out, result);
        return;
    }
    snprintf(key, sizeof(key), "%s/%s", dst_bucket, dst_key);
    emu_reply_json(out, 200,
                   move ? json_pack("{s:s}", "message", "Successfully moved")
                        : json_pack("{s:s, s:s}", "Key", key, "Id", view.id));
}

static bool valid_column(const char *column)
{
    static const char *const columns[] = {"name", "created_at", "updated_at",
                                          "last_accessed_at", NULL};

    for (const char *const *c = columns; *c; c++)
        if (strcmp(column, *c) == 0)
            return true;
    return false;
}

static json_int_t number_or(const json_t *v, json_int_t fallback)
{
    return json_is_integer(v) ? json_integer_value(v) : fallback;
}

/* Fills q from the list body; -1 (with the error in out) when invalid. */
static int read_query(const json_t *body, struct emu_list_query *q,
                      struct emu_reply *out)
{
    const json_t *sort = json_object_get(body, "sortBy");
    const char *order = json_string_value(json_object_get(sort, "order"));
    json_int_t limit, offset;

    q->prefix = body_string(body, "prefix");
    q->search = body_string(body, "search");
    q->column = json_string_value(json_object_get(sort, "column"));
    limit = number_or(json_object_get(body, "limit"), LIST_LIMIT_DEFAULT);
    offset = number_or(json_object_get(body, "offset"), 0);
    if (!q->search)
        q->search = "";
    if (!q->column)
        q->column = "name";
    q->descending = order && strcasecmp(order, "desc") == 0;

    if (!q->prefix) {
        emu_reply_fail(out, EMU_ERR_INVALID_REQUEST,
                       "body must have required property 'prefix'");
        return -1;
    }
    if (limit < 0 || offset < 0 || !valid_column(q->column) ||
        (order && strcasecmp(order, "asc") != 0 && !q->descending)) {
        emu_reply_fail(out, EMU_ERR_INVALID_REQUEST,
                       "limit, offset or sortBy is invalid");
        return -1;
    }
    q->limit = (size_t)limit;
    q->offset = (size_t)offset;
    return 0;
}

/* Listing never reveals a missing or unreadable bucket: it answers []. */
void emu_object_list(const struct emu_api *api, const struct emu_target *t,
                     const json_t *body, struct emu_reply *out)
{
    struct emu_list_query q;
    enum emu_store_result result;
    json_t *list = NULL;
    bool is_public = false;

    if (read_query(body, &q, out) != 0)
        return;
    if (!emu_store_bucket_exists(api->store, t->bucket, &is_public) ||
        (!is_public && t->caller != EMU_CALLER_SERVICE)) {
        emu_reply_json(out, 200, json_array());
        return;
    }
    result = emu_store_list(api->store, t->bucket, &q, &list);
    if (result == EMU_STORE_NO_BUCKET) {
        emu_reply_json(out, 200, json_array());
        return;
    }
    if (result != EMU_STORE_OK) {
        fail_result(out, result);
        return;
    }
    emu_reply_json(out, 200, list);
}

/* "/object/sign/b/key?token=..." for key in bucket, valid for expires_in
 * seconds. NULL when out of memory. */
static char *signed_url(const struct emu_api *api, const char *bucket,
                        const char *key, json_int_t expires_in)
{
    json_int_t now = (json_int_t)time(NULL);
    size_t len = strlen(bucket) + strlen(key) + 2;
    char *url = malloc(len);
    char *token = NULL, *result = NULL;
    json_t *claims;

    if (!url)
        return NULL;
    snprintf(url, len, "%s/%s", bucket, key);
    claims = json_pack("{s:s, s:I, s:I}", "url", url, "iat", now, "exp",
                       now + expires_in);
    if (claims)
        token = emu_token_sign(api->keys.jwt_secret, claims);
    if (token && asprintf(&result, "/object/sign/%s?token=%s", url, token) < 0)
        result = NULL;
    json_decref(claims);
    free(token);
    free(url);
    return result;
}

static int read_expiry(const json_t *body, json_int_t *expires_in,
                       struct emu_reply *out)
{
    *expires_in = number_or(json_object_get(body, "expiresIn"), 0);
    if (*expires_in >= 1)
        return 0;
    emu_reply_fail(out, EMU_ERR_INVALID_REQUEST,
                   "body must have required property 'expiresIn'");
    return -1;
}

static const struct emu_request no_request = {.method = "HEAD"};

void emu_object_sign(const struct emu_api *api, const struct emu_target *t,
                     const json_t *body, struct emu_reply *out)
{
    struct emu_object_view view;
    json_int_t expires_in;
    char *url;

    if (read_expiry(body, &expires_in, out) != 0 ||
        lookup(api, &no_request, t, false, &view, out) != 0)
        return;
    url = signed_url(api, t->bucket, t->key, expires_in);
    emu_reply_json(out, 200, url ? json_pack("{s:s}", "signedURL", url) : NULL);
    free(url);
}

static json_t *sign_one(const struct emu_api *api, const struct emu_target *t,
                        json_int_t expires_in)
{
    struct emu_object_view view;
    struct emu_reply probe;
    char *url = NULL;
    json_t *row;

    emu_reply_init(&probe);
    if (lookup(api, &no_request, t, false, &view, &probe) == 0)
        url = signed_url(api, t->bucket, t->key, expires_in);
    emu_reply_release(&probe);
    if (url)
        row = json_pack("{s:n, s:s, s:s}", "error", "path", t->key, "signedURL",
                        url);
    else
        row = json_pack("{s:s, s:s, s:n}", "error",
                        "Either the object does not exist or you do not "
                        "have access to it",
                        "path", t->key, "signedURL");
    free(url);
    return row;
}

void emu_object_sign_batch(const struct emu_api *api,
                           const struct emu_target *t, const json_t *body,
                           struct emu_reply *out)
{
    const json_t *paths = json_object_get(body, "paths");
    struct emu_target one = *t;
    json_int_t expires_in;
    json_t *rows, *v;
    size_t i;

    if (read_expiry(body, &expires_in, out) != 0)
        return;
    if (!json_is_array(paths)) {
        emu_reply_fail(out, EMU_ERR_INVALID_REQUEST,
                       "body must have required property 'paths'");
        return;
    }
    rows = json_array();
    json_array_foreach(paths, i, v)
    {
        one.key = json_string_value(v);
        if (one.key)
            json_array_append_new(rows, sign_one(api, &one, expires_in));
    }
    emu_reply_json(out, 200, rows);
}

static int check_signed_token(const struct emu_api *api,
                              const struct emu_request *req,
                              const struct emu_target *t, struct emu_reply *out)
{
    enum emu_token_status status;
    json_t *claims = NULL;
    const char *url;
    int ok;

    if (!req->token) {
        emu_reply_fail(out, EMU_ERR_INVALID_REQUEST,
                       "querystring must have required property 'token'");
        return -1;
    }
    status = emu_token_verify(api->keys.jwt_secret, req->token,
                              (int64_t)time(NULL), &claims);
    if (status != EMU_TOKEN_OK) {
        emu_reply_fail(out, EMU_ERR_INVALID_JWT,
                       status == EMU_TOKEN_EXPIRED         ? "jwt expired"
                       : status == EMU_TOKEN_BAD_SIGNATURE ? "invalid signature"
                                                           : "jwt malformed");
        return -1;
    }
    url = json_string_value(json_object_get(claims, "url"));
    ok = url && strncmp(url, t->bucket, strlen(t->bucket)) == 0 &&
         url[strlen(t->bucket)] == '/' &&
         strcmp(url + strlen(t->bucket) + 1, t->key) == 0;
    json_decref(claims);
    if (!ok)
        emu_reply_fail(out, EMU_ERR_INVALID_SIGNATURE, NULL);
    return ok ? 0 : -1;
}

/* A signed URL grants read access by itself, like the service role. */
void emu_object_signed_read(const struct emu_api *api,
                            const struct emu_request *req,
                            const struct emu_target *t, struct emu_reply *out)
{
    struct emu_target granted = *t;

    granted.caller = EMU_CALLER_SERVICE;
    granted.access = EMU_ACCESS_DEFAULT;
    if (check_signed_token(api, req, t, out) == 0)
        emu_object_read(api, req, &granted, out);
}
