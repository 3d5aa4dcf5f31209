/* The object operations of the public API other than uploads (exists,
 * info, downloads, remove, list, copy, move, sign) as requests to the
 * engine, and the pieces they share with uploads and bucket operations. */
#include "storage.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "client.h"
#include "encode.h"
#include "sink.h"

#define GRACE_FIRST_US 200000  /* first pause while an object is not visible */
#define GRACE_MAX_US   1000000 /* longest pause between two looks */

static const char key_rule[] =
    "key must be non-empty and hold only letters, digits, spaces and "
    "_/!.*'()&$=@;:+,?- with no '.' or '..' segment";
const char bg__bucket_rule[] = "bucket id must be non-empty printable ASCII "
                               "without '/' and not '.' or '..'";

bg_result bg__fail(bg_report *rep, bg_result r, const char *fmt, ...)
{
    va_list ap;

    if (rep == NULL)
        return r;
    memset(rep, 0, sizeof *rep);
    rep->result = r;
    va_start(ap, fmt);
    vsnprintf(rep->detail, sizeof rep->detail, fmt, ap);
    va_end(ap);
    return r;
}

bg_result bg__amend(bg_report *rep, bg_result r, const char *fmt, ...)
{
    va_list ap;

    if (rep == NULL)
        return r;
    rep->result = r;
    va_start(ap, fmt);
    vsnprintf(rep->detail, sizeof rep->detail, fmt, ap);
    va_end(ap);
    return r;
}

char *bg__storage_path(const char *route, const char *bucket, const char *key)
{
    size_t len = strlen(route);
    size_t n = len + 3 * strlen(bucket) + (key ? 3 * strlen(key) : 0) + 3;
    char *path = malloc(n);
    int w;

    if (path == NULL)
        return NULL;
    memcpy(path, route, len);
    path[len++] = '/';
    w = bg__path_encode(bucket, 0, path + len, n - len);
    if (w >= 0 && key != NULL) {
        len += (size_t)w;
        path[len++] = '/';
        w = bg__path_encode(key, 1, path + len, n - len);
    }
    if (w < 0) {
        free(path);
        return NULL;
    }
    return path;
}

/* Moves a success answer's body into *out once it is known to be JSON. */
static bg_result take_json(struct bg__response *rs, char **out, bg_report *rep)
{
    json_t *v = NULL;

    /* jansson reports a failed allocation as a syntax error, so a body
     * that fails once is parsed again before it is called "not JSON". */
    for (int i = 0; v == NULL && rs->body != NULL && i < 2; i++)
        v = json_loadb(rs->body, rs->body_len, JSON_DECODE_ANY, NULL);
    if (v == NULL)
        return bg__amend(rep, BG_E_INTERNAL, "the answer is not JSON");
    json_decref(v);
    *out = rs->body;
    rs->body = NULL;
    rs->body_len = 0;
    return BG_OK;
}

/* Adds a header line to the first free slot of rq (one is always left). */
void bg__add_header(struct bg__request *rq, const char *line)
{
    size_t n = sizeof rq->headers / sizeof rq->headers[0];

    for (size_t i = 0; i + 1 < n; i++) {
        if (rq->headers[i] == NULL) {
            rq->headers[i] = line;
            return;
        }
    }
}

/* 1 when text reads back as body. NOTE: jansson 2.14's json_dumps drops
 * an object key, and still succeeds, when an allocation fails while it
 * escapes the key; such a body must not be sent. */
static int dump_faithful(const json_t *body, const char *text)
{
    json_t *back = json_loads(text, 0, NULL);
    int same = back != NULL && json_equal(back, body);

    json_decref(back);
    return same;
}

bg_result bg__call_json(struct bg_client *c, struct bg__request *rq,
                        const json_t *body, char **out, bg_report *rep)
{
    struct bg__response rs;
    char *text = NULL;
    bg_result result;

    memset(&rs, 0, sizeof rs);
    if (out != NULL)
        *out = NULL;
    if (body != NULL) {
        text = json_dumps(body, JSON_COMPACT);
        if (text == NULL || !dump_faithful(body, text)) {
            free(text);
            return bg__fail(rep, BG_E_NOMEM, "out of memory");
        }
        rq->body = text;
        rq->body_len = strlen(text);
        bg__add_header(rq, "Content-Type: application/json");
    }

    result = bg__perform(c, rq, &rs, rep);
    if (result == BG_OK && out != NULL)
        result = take_json(&rs, out, rep);

    bg__response_free(&rs);
    free(text);
    return result;
}

bg_result bg__check_object(bg_client *c, const char *bucket, const char *key,
                           bg_report *rep)
{
    if (c == NULL)
        return bg__fail(rep, BG_E_USAGE, "client is NULL");
    if (!bg__bucket_valid(bucket))
        return bg__fail(rep, BG_E_USAGE, "%s", bg__bucket_rule);
    if (!bg__key_valid(key))
        return bg__fail(rep, BG_E_USAGE, "%s", key_rule);
    return BG_OK;
}

/* Folds what an earlier exchange of the same call did into rep, which the
 * engine just filled for the latest one. */
void bg__report_chain(bg_report *rep, const bg_report *before, int64_t start_us)
{
    rep->attempts += before->attempts;
    rep->rounds += before->rounds;
    rep->duration_us = bg__mono_us() - start_us;
}

static int no_such_key(bg_result result, const bg_report *rep)
{
    return result == BG_E_NOT_FOUND && strcmp(rep->code, "NoSuchKey") == 0;
}

static void sleep_us(int64_t us)
{
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        continue;
}

/* Performs a read. Storage may answer NoSuchKey for an object uploaded a
 * moment ago (replication lag); within cfg.missing_grace seconds of the
 * call's start such an answer is taken for "not visible yet" and the read
 * is repeated, with growing pauses. A NoSuchKey answer delivers nothing to
 * a sink, so repeating with the same sink is safe. */
static bg_result perform_read(bg_client *c, const struct bg__request *rq,
                              struct bg__response *rs, bg_report *rep)
{
    int64_t start = bg__mono_us();
    int64_t until = start + (int64_t)(c->cfg.missing_grace * 1e6);
    int64_t pause = GRACE_FIRST_US;
    bg_report local, before;
    bg_result result;

    if (rep == NULL)
        rep = &local;
    result = bg__perform(c, rq, rs, rep);
    while (no_such_key(result, rep) && bg__mono_us() < until) {
        int64_t left = until - bg__mono_us();

        sleep_us(pause < left ? pause : left);
        pause = pause * 2 < GRACE_MAX_US ? pause * 2 : GRACE_MAX_US;
        before = *rep;
        bg__response_free(rs);
        memset(rs, 0, sizeof *rs);
        result = bg__perform(c, rq, rs, rep);
        bg__report_chain(rep, &before, start);
    }
    return result;
}

/* ---- exists and info ------------------------------------------------- */

/* GET /object/info of the object into rs (op tells how it is counted). */
bg_result bg__fetch_info(bg_client *c, bg_op op, const char *bucket,
                         const char *key, struct bg__response *rs,
                         bg_report *rep)
{
    struct bg__request rq = {.op = op,
                             .method = "GET",
                             .bucket = bucket,
                             .idempotent = 1,
                             .body_fd = -1};
    bg_result result;
    char *path = bg__storage_path("/object/info", bucket, key);

    if (path == NULL)
        return bg__fail(rep, BG_E_NOMEM, "out of memory");
    rq.path = path;
    result = perform_read(c, &rq, rs, rep);
    free(path);
    return result;
}

/* A HEAD answer has no body, so a 400 or 404 to HEAD cannot tell a missing
 * object from a missing bucket; the info route answers with a body. */
static bg_result exists_by_info(bg_client *c, const char *bucket,
                                const char *key, int *exists, bg_report *rep)
{
    struct bg__response rs;
    bg_report before = *rep;
    int64_t start = bg__mono_us() - before.duration_us;
    bg_result result;

    memset(&rs, 0, sizeof rs);
    result = bg__fetch_info(c, BG_OP_EXISTS, bucket, key, &rs, rep);
    bg__report_chain(rep, &before, start);
    bg__response_free(&rs);
    if (result == BG_OK)
        *exists = 1;
    return result;
}

BG_API bg_result bg_exists(bg_client *c, const char *bucket, const char *key,
                           int *exists, bg_report *rep)
{
    struct bg__request rq = {.op = BG_OP_EXISTS,
                             .method = "HEAD",
                             .bucket = bucket,
                             .idempotent = 1,
                             .body_fd = -1};
    struct bg__response rs;
    bg_report local, *r = rep != NULL ? rep : &local;
    bg_result result;

    if (exists == NULL)
        return bg__fail(rep, BG_E_USAGE, "exists is NULL");
    *exists = 0;
    result = bg__check_object(c, bucket, key, rep);
    if (result != BG_OK)
        return result;
    rq.path = bg__storage_path("/object", bucket, key);
    if (rq.path == NULL)
        return bg__fail(rep, BG_E_NOMEM, "out of memory");

    memset(&rs, 0, sizeof rs);
    result = bg__perform(c, &rq, &rs, r);
    if (result == BG_OK)
        *exists = 1;
    else if (r->code[0] == '\0' &&
             (r->http_status == 400 || r->http_status == 404))
        result = exists_by_info(c, bucket, key, exists, r);

    /* Only a missing object is an answer; a missing bucket stays an error
     * so that a wrong bucket name is not mistaken for an empty one. */
    if (no_such_key(result, r))
        result = bg__amend(r, BG_OK, "the object does not exist");
    bg__response_free(&rs);
    free((char *)rq.path);
    return result;
}

BG_API bg_result bg_info(bg_client *c, const char *bucket, const char *key,
                         char **json, bg_report *rep)
{
    struct bg__response rs;
    bg_result result;

    if (json == NULL)
        return bg__fail(rep, BG_E_USAGE, "json is NULL");
    *json = NULL;
    result = bg__check_object(c, bucket, key, rep);
    if (result != BG_OK)
        return result;

    memset(&rs, 0, sizeof rs);
    result = bg__fetch_info(c, BG_OP_INFO, bucket, key, &rs, rep);
    if (result == BG_OK)
        result = take_json(&rs, json, rep);
    bg__response_free(&rs);
    return result;
}

/* ---- downloads ------------------------------------------------------- */

/* Streams the object into sink fn, resuming with Range after a partial
 * body. */
static bg_result download(bg_client *c, const char *bucket, const char *key,
                          bg_write_fn *fn, void *userdata,
                          struct bg__response *rs, bg_report *rep)
{
    struct bg__request rq = {.op = BG_OP_DOWNLOAD,
                             .method = "GET",
                             .bucket = bucket,
                             .idempotent = 1,
                             .body_fd = -1,
                             .sink = fn,
                             .sink_userdata = userdata,
                             .resume = 1};
    bg_result result;
    char *path = bg__storage_path("/object", bucket, key);

    memset(rs, 0, sizeof *rs);
    if (path == NULL)
        return bg__fail(rep, BG_E_NOMEM, "out of memory");
    rq.path = path;
    result = perform_read(c, &rq, rs, rep);
    free(path);
    return result;
}

BG_API bg_result bg_get_mem(bg_client *c, const char *bucket, const char *key,
                            void **data, size_t *len, bg_report *rep)
{
    struct bg__mem_sink sink = {0};
    struct bg__response rs;
    bg_result result;

    if (data == NULL || len == NULL)
        return bg__fail(rep, BG_E_USAGE, "data and len must not be NULL");
    *data = NULL;
    *len = 0;
    result = bg__check_object(c, bucket, key, rep);
    if (result != BG_OK)
        return result;

    result = download(c, bucket, key, bg__mem_sink_write, &sink, &rs, rep);
    if (sink.nomem)
        result = bg__amend(rep, BG_E_NOMEM, "out of memory for the body");
    /* An empty object still gets a buffer, so *data is never NULL. */
    if (result == BG_OK && sink.data == NULL &&
        bg__mem_sink_write("", 0, &sink) != 0)
        result = bg__amend(rep, BG_E_NOMEM, "out of memory for the body");
    if (result == BG_OK) {
        *data = sink.data;
        *len = sink.len;
        sink.data = NULL;
    }

    bg__mem_sink_release(&sink);
    bg__response_free(&rs);
    return result;
}

BG_API bg_result bg_get_fd(bg_client *c, const char *bucket, const char *key,
                           int fd, bg_report *rep)
{
    struct bg__fd_sink sink;
    struct bg__response rs;
    bg_result result = bg__check_object(c, bucket, key, rep);

    if (result != BG_OK)
        return result;
    if (fd < 0)
        return bg__fail(rep, BG_E_USAGE, "fd is negative");

    bg__fd_sink_init(&sink, fd, NULL, NULL);
    result = download(c, bucket, key, bg__fd_sink_write, &sink, &rs, rep);
    if (result != BG_OK && sink.err != 0)
        result = bg__amend(rep, BG_E_IO, "cannot write to the descriptor: %s",
                           strerror(sink.err));
    bg__response_free(&rs);
    return result;
}

/* The caller's callback, and whether it asked to stop. */
struct cb_sink {
    bg_write_fn *fn;
    void *userdata;
    int stopped;
};

static int cb_sink_write(const void *data, size_t len, void *userdata)
{
    struct cb_sink *s = userdata;

    if (s->fn(data, len, s->userdata) != 0)
        s->stopped = 1;
    return s->stopped;
}

BG_API bg_result bg_get_cb(bg_client *c, const char *bucket, const char *key,
                           bg_write_fn *fn, void *userdata, bg_report *rep)
{
    struct cb_sink sink = {fn, userdata, 0};
    struct bg__response rs;
    bg_result result = bg__check_object(c, bucket, key, rep);

    if (result != BG_OK)
        return result;
    if (fn == NULL)
        return bg__fail(rep, BG_E_USAGE, "fn is NULL");

    result = download(c, bucket, key, cb_sink_write, &sink, &rs, rep);
    if (result != BG_OK && sink.stopped)
        result =
            bg__amend(rep, BG_E_ABORTED, "the write callback asked to stop");
    bg__response_free(&rs);
    return result;
}

BG_API bg_result bg_get_file(bg_client *c, const char *bucket, const char *key,
                             const char *path, bg_report *rep)
{
    return bg_get_file_progress(c, bucket, key, path, NULL, NULL, rep);
}

BG_API bg_result bg_get_file_progress(bg_client *c, const char *bucket,
                                      const char *key, const char *path,
                                      bg_progress_fn *fn, void *userdata,
                                      bg_report *rep)
{
    struct bg__file_sink sink;
    struct bg__response rs;
    char err[200];
    bg_result result = bg__check_object(c, bucket, key, rep);

    if (result != BG_OK)
        return result;
    if (path == NULL || *path == '\0')
        return bg__fail(rep, BG_E_USAGE, "path is empty");
    result = bg__file_sink_open(&sink, path, fn, userdata, err, sizeof err);
    if (result != BG_OK)
        return bg__fail(rep, result, "%s", err);

    result = download(c, bucket, key, bg__file_sink_write, &sink, &rs, rep);
    if (result == BG_OK) {
        result =
            bg__file_sink_commit(&sink, rs.content_length, err, sizeof err);
        if (result != BG_OK)
            bg__amend(rep, result, "%s", err);
    } else if (sink.out.err != 0) {
        result = bg__amend(rep, BG_E_IO, "cannot write the temporary file: %s",
                           strerror(sink.out.err));
    }
    if (fn != NULL)
        fn(sink.out.written, rs.content_length, userdata);

    bg__file_sink_abort(&sink);
    bg__response_free(&rs);
    return result;
}

/* ---- remove, list, copy, move ---------------------------------------- */

/* A JSON array of keys, each checked, into *out. */
static bg_result key_array(const char *const *keys, size_t nkeys, json_t **out,
                           bg_report *rep)
{
    json_t *a;

    *out = NULL;
    if (keys == NULL || nkeys == 0)
        return bg__fail(rep, BG_E_USAGE, "keys is empty");
    for (size_t i = 0; i < nkeys; i++)
        if (!bg__key_valid(keys[i]))
            return bg__fail(rep, BG_E_USAGE, "keys[%zu]: %s", i, key_rule);

    a = json_array();
    for (size_t i = 0; a != NULL && i < nkeys; i++) {
        if (json_array_append_new(a, json_string(keys[i])) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    if (a == NULL)
        return bg__fail(rep, BG_E_NOMEM, "out of memory");
    *out = a;
    return BG_OK;
}

/* Sends body (taken over, NULL meaning out of memory) as JSON to route
 * (a path built for bucket) and returns the answer in *out. */
static bg_result object_call(bg_client *c, struct bg__request *rq,
                             const char *route, const char *bucket,
                             json_t *body, char **out, bg_report *rep)
{
    char *path = bg__storage_path(route, bucket, NULL);
    bg_result result;

    if (path == NULL || body == NULL) {
        result = bg__fail(rep, BG_E_NOMEM, "out of memory");
        goto out;
    }
    rq->path = path;
    rq->bucket = bucket;
    rq->body_fd = -1;
    result = bg__call_json(c, rq, body, out, rep);

out:
    json_decref(body);
    free(path);
    return result;
}

BG_API bg_result bg_remove(bg_client *c, const char *bucket,
                           const char *const *keys, size_t nkeys, char **json,
                           bg_report *rep)
{
    struct bg__request rq = {
        .op = BG_OP_REMOVE, .method = "DELETE", .idempotent = 1};
    json_t *prefixes;
    bg_result result;

    if (json != NULL)
        *json = NULL;
    if (c == NULL)
        return bg__fail(rep, BG_E_USAGE, "client is NULL");
    if (!bg__bucket_valid(bucket))
        return bg__fail(rep, BG_E_USAGE, "%s", bg__bucket_rule);
    result = key_array(keys, nkeys, &prefixes, rep);
    if (result != BG_OK)
        return result;

    return object_call(c, &rq, "/object", bucket,
                       json_pack("{s:o}", "prefixes", prefixes), json, rep);
}

BG_API bg_result bg_list(bg_client *c, const char *bucket,
                         const bg_list_options *opts, char **json,
                         bg_report *rep)
{
    static const bg_list_options defaults = {0};
    struct bg__request rq = {
        .op = BG_OP_LIST, .method = "POST", .idempotent = 1};
    const char *column;

    if (json == NULL)
        return bg__fail(rep, BG_E_USAGE, "json is NULL");
    *json = NULL;
    if (c == NULL)
        return bg__fail(rep, BG_E_USAGE, "client is NULL");
    if (!bg__bucket_valid(bucket))
        return bg__fail(rep, BG_E_USAGE, "%s", bg__bucket_rule);
    opts = opts != NULL ? opts : &defaults;
    column = opts->sort_column != NULL ? opts->sort_column : "name";
    if (*column == '\0')
        return bg__fail(rep, BG_E_USAGE, "sort_column is empty");

    return object_call(
        c, &rq, "/object/list", bucket,
        json_pack("{s:s, s:I, s:I, s:{s:s, s:s}}", "prefix",
                  opts->prefix != NULL ? opts->prefix : "", "limit",
                  (json_int_t)(opts->limit != 0 ? opts->limit : 100), "offset",
                  (json_int_t)opts->offset, "sortBy", "column", column, "order",
                  opts->descending ? "desc" : "asc"),
        json, rep);
}

/* Copy and move differ only in their route and how they are counted. They
 * are not retried after an ambiguous failure: a repeated move of an object
 * that moved fails, a repeated copy may overwrite a newer destination. */
static bg_result relocate(bg_client *c, bg_op op, const char *route,
                          const char *bucket, const char *from,
                          const char *to_bucket, const char *to, bg_report *rep)
{
    struct bg__request rq = {.op = op, .method = "POST", .body_fd = -1};
    bg_result result = bg__check_object(c, bucket, from, rep);
    json_t *body;

    if (result != BG_OK)
        return result;
    if (to_bucket != NULL && !bg__bucket_valid(to_bucket))
        return bg__fail(rep, BG_E_USAGE, "to_bucket: %s", bg__bucket_rule);
    if (!bg__key_valid(to))
        return bg__fail(rep, BG_E_USAGE, "to: %s", key_rule);

    body = json_pack("{s:s, s:s, s:s, s:s}", "bucketId", bucket, "sourceKey",
                     from, "destinationKey", to, "destinationBucket",
                     to_bucket != NULL ? to_bucket : bucket);
    if (body == NULL)
        return bg__fail(rep, BG_E_NOMEM, "out of memory");
    rq.path = route;
    rq.bucket = bucket;
    result = bg__call_json(c, &rq, body, NULL, rep);
    json_decref(body);
    return result;
}

BG_API bg_result bg_copy(bg_client *c, const char *bucket, const char *from,
                         const char *to_bucket, const char *to, bg_report *rep)
{
    return relocate(c, BG_OP_COPY, "/object/copy", bucket, from, to_bucket, to,
                    rep);
}

BG_API bg_result bg_move(bg_client *c, const char *bucket, const char *from,
                         const char *to_bucket, const char *to, bg_report *rep)
{
    return relocate(c, BG_OP_MOVE, "/object/move", bucket, from, to_bucket, to,
                    rep);
}

/* ---- signed URLs ----------------------------------------------------- */

/* The absolute form of a signedURL the server gave relative to the
 * storage root. NULL when out of memory. */
static char *absolute_url(const char *root, const char *signed_url)
{
    size_t n = strlen(root) + strlen(signed_url) + 2;
    char *url;

    if (strncmp(signed_url, "http://", 7) == 0 ||
        strncmp(signed_url, "https://", 8) == 0)
        return strdup(signed_url);
    url = malloc(n);
    if (url != NULL)
        snprintf(url, n, "%s%s%s", root, *signed_url == '/' ? "" : "/",
                 signed_url);
    return url;
}

/* Replaces the signedURL member of obj by its absolute form; objects
 * without one (an error entry) are left alone. -1 when out of memory. */
static int make_absolute(const char *root, json_t *obj)
{
    const char *rel = json_string_value(json_object_get(obj, "signedURL"));
    char *url;
    int rc;

    if (rel == NULL)
        return 0;
    url = absolute_url(root, rel);
    if (url == NULL)
        return -1;
    rc = json_object_set_new(obj, "signedURL", json_string(url));
    free(url);
    return rc;
}

BG_API bg_result bg_sign(bg_client *c, const char *bucket, const char *key,
                         unsigned expires_in, char **url, bg_report *rep)
{
    struct bg__request rq = {.op = BG_OP_SIGN,
                             .method = "POST",
                             .bucket = bucket,
                             .idempotent = 1,
                             .body_fd = -1};
    json_t *body, *answer = NULL;
    const char *rel;
    char *text = NULL;
    bg_result result;

    if (url == NULL || expires_in == 0)
        return bg__fail(rep, BG_E_USAGE,
                        "url must not be NULL and expires_in not 0");
    *url = NULL;
    result = bg__check_object(c, bucket, key, rep);
    if (result != BG_OK)
        return result;
    rq.path = bg__storage_path("/object/sign", bucket, key);
    body = json_pack("{s:I}", "expiresIn", (json_int_t)expires_in);
    if (rq.path == NULL || body == NULL) {
        result = bg__fail(rep, BG_E_NOMEM, "out of memory");
        goto out;
    }

    result = bg__call_json(c, &rq, body, &text, rep);
    if (result == BG_OK)
        answer = json_loads(text, 0, NULL);
    rel = json_string_value(json_object_get(answer, "signedURL"));
    if (result == BG_OK && rel == NULL)
        result = bg__amend(rep, BG_E_INTERNAL, "the answer has no signedURL");
    if (result == BG_OK) {
        *url = absolute_url(c->cfg.url, rel);
        if (*url == NULL)
            result = bg__amend(rep, BG_E_NOMEM, "out of memory");
    }

out:
    json_decref(answer);
    json_decref(body);
    free(text);
    free((char *)rq.path);
    return result;
}

/* Rewrites a sign-many answer with absolute URLs into *json. */
static bg_result absolute_list(bg_client *c, const char *text, char **json,
                               bg_report *rep)
{
    json_t *answer = json_loads(text, 0, NULL);
    bg_result result = BG_OK;
    size_t i;
    json_t *item;

    if (!json_is_array(answer))
        result = bg__amend(rep, BG_E_INTERNAL, "the answer is not an array");
    json_array_foreach(answer, i, item)
    {
        if (result == BG_OK && make_absolute(c->cfg.url, item) != 0)
            result = bg__amend(rep, BG_E_NOMEM, "out of memory");
    }
    if (result == BG_OK) {
        *json = json_dumps(answer, JSON_COMPACT);
        if (*json == NULL)
            result = bg__amend(rep, BG_E_NOMEM, "out of memory");
    }
    json_decref(answer);
    return result;
}

BG_API bg_result bg_sign_many(bg_client *c, const char *bucket,
                              const char *const *keys, size_t nkeys,
                              unsigned expires_in, char **json, bg_report *rep)
{
    struct bg__request rq = {
        .op = BG_OP_SIGN, .method = "POST", .idempotent = 1};
    json_t *paths;
    char *text = NULL;
    bg_result result;

    if (json == NULL || expires_in == 0)
        return bg__fail(rep, BG_E_USAGE,
                        "json must not be NULL and expires_in not 0");
    *json = NULL;
    if (c == NULL)
        return bg__fail(rep, BG_E_USAGE, "client is NULL");
    if (!bg__bucket_valid(bucket))
        return bg__fail(rep, BG_E_USAGE, "%s", bg__bucket_rule);
    result = key_array(keys, nkeys, &paths, rep);
    if (result != BG_OK)
        return result;

    result = object_call(c, &rq, "/object/sign", bucket,
                         json_pack("{s:I, s:o}", "expiresIn",
                                   (json_int_t)expires_in, "paths", paths),
                         &text, rep);
    if (result == BG_OK)
        result = absolute_list(c, text, json, rep);
    free(text);
    return result;
}
