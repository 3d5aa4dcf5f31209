/* The bucket operations of the public API: list, get, create and delete,
 * each one JSON request to the engine with the service key. */
#include <stdlib.h>
#include <string.h>
#include "encode.h"
#include "storage.h"

/* Splits a comma-separated list of MIME types into *out, a JSON array,
 * with blanks around each type removed. An empty entry is BG_E_USAGE. */
static bg_result mime_array(const char *list, json_t **out)
{
    const char *p = list;

    *out = json_array();
    while (*out != NULL) {
        const char *end = p + strcspn(p, ",");
        const char *last = end;

        p += strspn(p, " \t");
        while (last > p && (last[-1] == ' ' || last[-1] == '\t'))
            last--;
        if (last == p) {
            json_decref(*out);
            *out = NULL;
            return BG_E_USAGE;
        }
        if (json_array_append_new(*out, json_stringn(p, (size_t)(last - p))) !=
            0)
            break;
        if (*end == '\0')
            return BG_OK;
        p = end + 1;
    }
    json_decref(*out);
    *out = NULL;
    return BG_E_NOMEM;
}

/* The body of a create into *out: id and name, visibility, and the limits
 * only when set (the server keeps its defaults otherwise). */
static bg_result create_body(const char *id, const bg_bucket_options *opts,
                             json_t **out, bg_report *rep)
{
    json_t *body = json_pack("{s:s, s:s, s:b}", "id", id, "name", id, "public",
                             opts->is_public != 0);
    json_t *mimes = NULL;
    bg_result result = body != NULL ? BG_OK : BG_E_NOMEM;

    if (result == BG_OK && opts->file_size_limit > 0 &&
        json_object_set_new(body, "file_size_limit",
                            json_integer(opts->file_size_limit)) != 0)
        result = BG_E_NOMEM;
    if (result == BG_OK && opts->allowed_mime_types != NULL)
        result = mime_array(opts->allowed_mime_types, &mimes);
    if (mimes != NULL &&
        json_object_set_new(body, "allowed_mime_types", mimes) != 0)
        result = BG_E_NOMEM;

    if (result == BG_OK) {
        *out = body;
        return BG_OK;
    }
    json_decref(body);
    return bg__fail(rep, result, "%s",
                    result == BG_E_USAGE
                        ? "allowed_mime_types has an empty entry"
                        : "out of memory");
}

/* One request on /bucket[/id]; body (borrowed) and out may be NULL. */
static bg_result bucket_call(bg_client *c, bg_op op, const char *method,
                             const char *id, int idempotent, const json_t *body,
                             char **out, bg_report *rep)
{
    struct bg__request rq = {
        .op = op, .method = method, .idempotent = idempotent, .body_fd = -1};
    char *path =
        id != NULL ? bg__storage_path("/bucket", id, NULL) : strdup("/bucket");
    bg_result result;

    if (path == NULL)
        return bg__fail(rep, BG_E_NOMEM, "out of memory");
    rq.path = path;
    result = bg__call_json(c, &rq, body, out, rep);
    free(path);
    return result;
}

BG_API bg_result bg_bucket_list(bg_client *c, char **json, bg_report *rep)
{
    if (json != NULL)
        *json = NULL;
    if (c == NULL || json == NULL)
        return bg__fail(rep, BG_E_USAGE, "client and json must not be NULL");
    return bucket_call(c, BG_OP_BUCKET_LIST, "GET", NULL, 1, NULL, json, rep);
}

BG_API bg_result bg_bucket_get(bg_client *c, const char *id, char **json,
                               bg_report *rep)
{
    if (json != NULL)
        *json = NULL;
    if (c == NULL || json == NULL)
        return bg__fail(rep, BG_E_USAGE, "client and json must not be NULL");
    if (!bg__bucket_valid(id))
        return bg__fail(rep, BG_E_USAGE, "%s", bg__bucket_rule);
    return bucket_call(c, BG_OP_BUCKET_GET, "GET", id, 1, NULL, json, rep);
}

/* Create and delete are not retried after an ambiguous failure: a second
 * create would answer BucketAlreadyExists for our own bucket, a second
 * delete NoSuchBucket. */
BG_API bg_result bg_bucket_create(bg_client *c, const char *id,
                                  const bg_bucket_options *opts, bg_report *rep)
{
    static const bg_bucket_options defaults = {0};
    bg_result result;
    json_t *body = NULL;

    if (c == NULL)
        return bg__fail(rep, BG_E_USAGE, "client is NULL");
    if (!bg__bucket_valid(id))
        return bg__fail(rep, BG_E_USAGE, "%s", bg__bucket_rule);
    opts = opts != NULL ? opts : &defaults;
    if (opts->file_size_limit < 0)
        return bg__fail(rep, BG_E_USAGE, "file_size_limit is negative");

    result = create_body(id, opts, &body, rep);
    if (result != BG_OK)
        return result;
    result =
        bucket_call(c, BG_OP_BUCKET_CREATE, "POST", NULL, 0, body, NULL, rep);
    json_decref(body);
    return result;
}

BG_API bg_result bg_bucket_delete(bg_client *c, const char *id, bg_report *rep)
{
    if (c == NULL)
        return bg__fail(rep, BG_E_USAGE, "client is NULL");
    if (!bg__bucket_valid(id))
        return bg__fail(rep, BG_E_USAGE, "%s", bg__bucket_rule);
    return bucket_call(c, BG_OP_BUCKET_DELETE, "DELETE", id, 0, NULL, NULL,
                       rep);
}
