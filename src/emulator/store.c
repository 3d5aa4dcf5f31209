/* The bucket and object table. One mutex guards it all: requests hold it
 * only to copy metadata in or out, never while a body moves. */
#include "store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

#include "clock.h"

struct object {
    char *name;
    char id[37];
    char version[37];
    struct emu_blob *body;
    char content_type[EMU_META_TEXT];
    char cache_control[EMU_META_TEXT];
    int64_t created_ms;
    int64_t updated_ms;
    int64_t written_mono_ms;
    bool served;
};

struct bucket {
    char *id;
    char *name;
    bool is_public;
    int64_t file_size_limit;
    json_t *allowed_mime_types;
    int64_t created_ms;
    int64_t updated_ms;
    struct object **objects;
    size_t count;
    size_t cap;
    struct bucket *next;
};

struct emu_store {
    pthread_mutex_t lock;
    struct emu_blobs *blobs;
    struct bucket *buckets;
};

static void new_uuid(char out[37])
{
    unsigned char b[16];

    if (RAND_bytes(b, sizeof(b)) != 1)
        memset(b, 0, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
             b[11], b[12], b[13], b[14], b[15]);
}

static void object_free(struct object *o)
{
    if (!o)
        return;
    emu_blob_unref(o->body);
    free(o->name);
    free(o);
}

static void bucket_clear(struct bucket *b)
{
    for (size_t i = 0; i < b->count; i++)
        object_free(b->objects[i]);
    b->count = 0;
}

static void bucket_free(struct bucket *b)
{
    bucket_clear(b);
    free(b->objects);
    json_decref(b->allowed_mime_types);
    free(b->id);
    free(b->name);
    free(b);
}

struct emu_store *emu_store_new(struct emu_blobs *blobs)
{
    struct emu_store *store = calloc(1, sizeof(*store));

    if (!store)
        return NULL;
    pthread_mutex_init(&store->lock, NULL);
    store->blobs = blobs;
    return store;
}

void emu_store_free(struct emu_store *store)
{
    if (!store)
        return;
    while (store->buckets) {
        struct bucket *next = store->buckets->next;

        bucket_free(store->buckets);
        store->buckets = next;
    }
    pthread_mutex_destroy(&store->lock);
    free(store);
}

struct emu_blobs *emu_store_blobs(struct emu_store *store)
{
    return store->blobs;
}

static struct bucket *find_bucket(struct emu_store *store, const char *id)
{
    for (struct bucket *b = store->buckets; b; b = b->next)
        if (strcmp(b->id, id) == 0)
            return b;
    return NULL;
}

static size_t find_object(const struct bucket *b, const char *key)
{
    for (size_t i = 0; i < b->count; i++)
        if (strcmp(b->objects[i]->name, key) == 0)
            return i;
    return SIZE_MAX;
}

static void remove_object(struct bucket *b, size_t i)
{
    object_free(b->objects[i]);
    b->objects[i] = b->objects[--b->count];
}

static bool append_object(struct bucket *b, struct object *o)
{
    if (b->count == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        struct object **grown = realloc(b->objects, cap * sizeof(*grown));

        if (!grown)
            return false;
        b->objects = grown;
        b->cap = cap;
    }
    b->objects[b->count++] = o;
    return true;
}

enum emu_store_result emu_store_bucket_create(struct emu_store *store,
                                              const struct emu_bucket_spec *s)
{
    struct bucket *b = calloc(1, sizeof(*b));
    enum emu_store_result result = EMU_STORE_NO_MEMORY;

    if (!b)
        return result;
    b->id = strdup(s->id);
    b->name = strdup(s->name);
    if (!b->id || !b->name)
        goto out;
    b->is_public = s->is_public;
    b->file_size_limit = s->file_size_limit;
    if (s->allowed_mime_types)
        b->allowed_mime_types = json_deep_copy(s->allowed_mime_types);
    b->created_ms = b->updated_ms = emu_wall_ms();

    pthread_mutex_lock(&store->lock);
    result = EMU_STORE_EXISTS;
    if (!find_bucket(store, s->id)) {
        b->next = store->buckets;
        store->buckets = b;
        b = NULL;
        result = EMU_STORE_OK;
    }
    pthread_mutex_unlock(&store->lock);
out:
    if (b)
        bucket_free(b);
    return result;
}

enum emu_store_result emu_store_bucket_delete(struct emu_store *store,
                                              const char *id)
{
    enum emu_store_result result = EMU_STORE_NO_BUCKET;
    struct bucket **link;

    pthread_mutex_lock(&store->lock);
    for (link = &store->buckets; *link; link = &(*link)->next) {
        struct bucket *b = *link;

        if (strcmp(b->id, id) != 0)
            continue;
        result = EMU_STORE_NOT_EMPTY;
        if (b->count == 0) {
            *link = b->next;
            bucket_free(b);
            result = EMU_STORE_OK;
        }
        break;
    }
    pthread_mutex_unlock(&store->lock);
    return result;
}

enum emu_store_result emu_store_bucket_empty(struct emu_store *store,
                                             const char *id)
{
    enum emu_store_result result = EMU_STORE_NO_BUCKET;
    struct bucket *b;

    pthread_mutex_lock(&store->lock);
    b = find_bucket(store, id);
    if (b) {
        bucket_clear(b);
        result = EMU_STORE_OK;
    }
    pthread_mutex_unlock(&store->lock);
    return result;
}

bool emu_store_bucket_exists(struct emu_store *store, const char *id,
                             bool *is_public)
{
    struct bucket *b;

    pthread_mutex_lock(&store->lock);
    b = find_bucket(store, id);
    if (b && is_public)
        *is_public = b->is_public;
    pthread_mutex_unlock(&store->lock);
    return b != NULL;
}

static json_t *bucket_json(const struct bucket *b)
{
    char created[EMU_TIME_TEXT];
    char updated[EMU_TIME_TEXT];
    json_t *limit = b->file_size_limit < 0
                        ? json_null()
                        : json_integer((json_int_t)b->file_size_limit);
    json_t *mime = b->allowed_mime_types ? json_deep_copy(b->allowed_mime_types)
                                         : json_null();

    return json_pack("{s:s, s:s, s:s, s:b, s:s, s:o, s:o, s:s, s:s}", "id",
                     b->id, "name", b->name, "owner", "", "public",
                     b->is_public, "type", "STANDARD", "file_size_limit", limit,
                     "allowed_mime_types", mime, "created_at",
                     emu_iso8601(b->created_ms, created), "updated_at",
                     emu_iso8601(b->updated_ms, updated));
}

json_t *emu_store_bucket_json(struct emu_store *store, const char *id)
{
    json_t *j = NULL;
    struct bucket *b;

    pthread_mutex_lock(&store->lock);
    b = find_bucket(store, id);
    if (b)
        j = bucket_json(b);
    pthread_mutex_unlock(&store->lock);
    return j;
}

json_t *emu_store_bucket_list_json(struct emu_store *store)
{
    json_t *list = json_array();

    pthread_mutex_lock(&store->lock);
    for (struct bucket *b = store->buckets; b && list; b = b->next)
        json_array_append_new(list, bucket_json(b));
    pthread_mutex_unlock(&store->lock);
    return list;
}

static void view_of(const struct object *o, struct emu_object_view *out)
{
    memcpy(out->id, o->id, sizeof(out->id));
    memcpy(out->version, o->version, sizeof(out->version));
    out->size = emu_blob_size(o->body);
    memcpy(out->md5, emu_blob_md5(o->body), sizeof(out->md5));
    memcpy(out->content_type, o->content_type, sizeof(out->content_type));
    memcpy(out->cache_control, o->cache_control, sizeof(out->cache_control));
    out->created_ms = o->created_ms;
    out->updated_ms = o->updated_ms;
    out->age_ms = emu_mono_ms() - o->written_mono_ms;
    out->served = o->served;
    out->fd = -1;
}

/* Whether content_type (parameters ignored) is among the bucket's allowed
 * types, which may end in "/ *" without the space. */
static bool mime_allowed(const json_t *allowed, const char *content_type)
{
    size_t len = strcspn(content_type, "; ");
    size_t i;
    json_t *v;

    if (!allowed)
        return true;
    json_array_foreach(allowed, i, v)
    {
        const char *a = json_string_value(v);
        size_t alen = a ? strlen(a) : 0;

        if (!a)
            continue;
        if (alen == len && strncasecmp(a, content_type, len) == 0)
            return true;
        if (alen >= 2 && strcmp(a + alen - 2, "/*") == 0 &&
            strncasecmp(a, content_type, alen - 1) == 0)
            return true;
    }
    return false;
}

static void set_meta(struct object *o, const char *content_type,
                     const char *cache_control)
{
    snprintf(o->content_type, sizeof(o->content_type), "%s", content_type);
    snprintf(o->cache_control, sizeof(o->cache_control), "%s", cache_control);
}

/* Puts body under key in b; the caller holds the lock and has checked the
 * bucket's limits. */
static enum emu_store_result place_object(struct bucket *b, const char *key,
                                          struct emu_blob *body, bool upsert,
                                          struct object **placed)
{
    size_t i = find_object(b, key);
    struct object *o;

    if (i != SIZE_MAX) {
        if (!upsert)
            return EMU_STORE_EXISTS;
        o = b->objects[i];
        emu_blob_unref(o->body);
    } else {
        o = calloc(1, sizeof(*o));
        if (!o || !(o->name = strdup(key)) || !append_object(b, o)) {
            object_free(o);
            return EMU_STORE_NO_MEMORY;
        }
        new_uuid(o->id);
        o->created_ms = emu_wall_ms();
    }
    o->body = emu_blob_ref(body);
    new_uuid(o->version);
    o->updated_ms = emu_wall_ms();
    o->written_mono_ms = emu_mono_ms();
    o->served = false;
    *placed = o;
    return EMU_STORE_OK;
}

enum emu_store_result
emu_store_object_put(struct emu_store *store, const char *bucket,
                     const char *key, struct emu_blob *body,
                     const char *content_type, const char *cache_control,
                     bool upsert, struct emu_object_view *out)
{
    enum emu_store_result result = EMU_STORE_NO_BUCKET;
    struct object *o = NULL;
    struct bucket *b;

    pthread_mutex_lock(&store->lock);
    b = find_bucket(store, bucket);
    if (!b)
        goto out;
    result = EMU_STORE_TOO_LARGE;
    if (b->file_size_limit >= 0 &&
        emu_blob_size(body) > (uint64_t)b->file_size_limit)
        goto out;
    result = EMU_STORE_BAD_MIME;
    if (!mime_allowed(b->allowed_mime_types, content_type))
        goto out;
    result = place_object(b, key, body, upsert, &o);
    if (result == EMU_STORE_OK) {
        set_meta(o, content_type, cache_control);
        view_of(o, out);
    }
out:
    pthread_mutex_unlock(&store->lock);
    emu_blob_unref(body);
    return result;
}

/* Finds bucket and key under the lock the caller holds. */
static enum emu_store_result locate(struct emu_store *store, const char *bucket,
                                    const char *key, struct bucket **b,
                                    size_t *index)
{
    *b = find_bucket(store, bucket);
    if (!*b)
        return EMU_STORE_NO_BUCKET;
    *index = find_object(*b, key);
    return *index == SIZE_MAX ? EMU_STORE_NO_KEY : EMU_STORE_OK;
}

enum emu_store_result emu_store_object_get(struct emu_store *store,
                                           const char *bucket, const char *key,
                                           bool open_body, bool mark_served,
                                           struct emu_object_view *out)
{
    enum emu_store_result result;
    struct bucket *b;
    size_t i;

    pthread_mutex_lock(&store->lock);
    result = locate(store, bucket, key, &b, &i);
    if (result == EMU_STORE_OK) {
        view_of(b->objects[i], out);
        if (open_body) {
            out->fd = emu_blob_open(b->objects[i]->body);
            if (out->fd < 0)
                result = EMU_STORE_NO_MEMORY;
        }
        if (mark_served)
            b->objects[i]->served = true;
    }
    pthread_mutex_unlock(&store->lock);
    return result;
}

enum emu_store_result emu_store_object_delete(struct emu_store *store,
                                              const char *bucket,
                                              const char *key)
{
    enum emu_store_result result;
    struct bucket *b;
    size_t i;

    pthread_mutex_lock(&store->lock);
    result = locate(store, bucket, key, &b, &i);
    if (result == EMU_STORE_OK)
        remove_object(b, i);
    pthread_mutex_unlock(&store->lock);
    return result;
}

/* The "metadata" object Storage attaches to listed and deleted files. */
static json_t *file_metadata(const struct object *o)
{
    char etag[40];
    char modified[EMU_TIME_TEXT];
    json_int_t size = (json_int_t)emu_blob_size(o->body);

    snprintf(etag, sizeof(etag), "\"%s\"", emu_blob_md5(o->body));
    return json_pack("{s:s, s:I, s:s, s:s, s:s, s:I, s:i}", "eTag", etag,
                     "size", size, "mimetype", o->content_type, "cacheControl",
                     o->cache_control, "lastModified",
                     emu_iso8601(o->updated_ms, modified), "contentLength",
                     size, "httpStatusCode", 200);
}

static json_t *file_json(const struct object *o, const char *name)
{
    char created[EMU_TIME_TEXT];
    char updated[EMU_TIME_TEXT];

    emu_iso8601(o->created_ms, created);
    emu_iso8601(o->updated_ms, updated);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "name", name, "id",
                     o->id, "updated_at", updated, "created_at", created,
                     "last_accessed_at", updated, "metadata", file_metadata(o));
}

static json_t *folder_json(const char *name)
{
    return json_pack("{s:s, s:n, s:n, s:n, s:n, s:n}", "name", name, "id",
                     "updated_at", "created_at", "last_accessed_at",
                     "metadata");
}

enum emu_store_result emu_store_delete_many(struct emu_store *store,
                                            const char *bucket,
                                            const json_t *names, json_t **out)
{
    enum emu_store_result result = EMU_STORE_NO_BUCKET;
    struct bucket *b;
    size_t n;
    json_t *v;

    *out = json_array();
    if (!*out)
        return EMU_STORE_NO_MEMORY;
    pthread_mutex_lock(&store->lock);
    b = find_bucket(store, bucket);
    json_array_foreach(b ? names : NULL, n, v)
    {
        const char *key = json_string_value(v);
        size_t i = key ? find_object(b, key) : SIZE_MAX;
        json_t *gone;

        if (i == SIZE_MAX)
            continue;
        gone = file_json(b->objects[i], key);
        json_object_set_new(gone, "bucket_id", json_string(bucket));
        json_array_append_new(*out, gone);
        remove_object(b, i);
    }
    if (b)
        result = EMU_STORE_OK;
    pthread_mutex_unlock(&store->lock);
    return result;
}

/* Renames the object at index i of src to dst_key in dst (lock held). */
static enum emu_store_result rename_object(struct bucket *src, size_t i,
                                           struct bucket *dst,
                                           const char *dst_key)
{
    struct object *o = src->objects[i];
    char *name = strdup(dst_key);

    if (!name || !append_object(dst, o)) {
        free(name);
        return EMU_STORE_NO_MEMORY;
    }
    src->objects[i] = src->objects[--src->count];
    free(o->name);
    o->name = name;
    o->updated_ms = emu_wall_ms();
    return EMU_STORE_OK;
}

static enum emu_store_result
copy_locked(struct emu_store *store, const char *src_bucket,
            const char *src_key, const char *dst_bucket, const char *dst_key,
            bool move, bool upsert, struct object **result_o)
{
    enum emu_store_result result;
    struct bucket *src, *dst;
    struct object *from;
    size_t i, existing;

    result = locate(store, src_bucket, src_key, &src, &i);
    if (result != EMU_STORE_OK)
        return result;
    dst = find_bucket(store, dst_bucket);
    if (!dst)
        return EMU_STORE_NO_BUCKET;
    from = src->objects[i];
    if (src == dst && strcmp(src_key, dst_key) == 0) {
        *result_o = from;
        return upsert ? EMU_STORE_OK : EMU_STORE_EXISTS;
    }

    existing = find_object(dst, dst_key);
    if (existing != SIZE_MAX && !upsert)
        return EMU_STORE_EXISTS;
    if (move) {
        if (existing != SIZE_MAX)
            remove_object(dst, existing);
        *result_o = from;
        return rename_object(src, find_object(src, src_key), dst, dst_key);
    }
    result = place_object(dst, dst_key, from->body, true, result_o);
    if (result == EMU_STORE_OK)
        set_meta(*result_o, from->content_type, from->cache_control);
    return result;
}

enum emu_store_result
emu_store_object_copy(struct emu_store *store, const char *src_bucket,
                      const char *src_key, const char *dst_bucket,
                      const char *dst_key, bool move, bool upsert,
                      struct emu_object_view *out)
{
    enum emu_store_result result;
    struct object *o = NULL;

    pthread_mutex_lock(&store->lock);
    result = copy_locked(store, src_bucket, src_key, dst_bucket, dst_key, move,
                         upsert, &o);
    if (result == EMU_STORE_OK)
        view_of(o, out);
    pthread_mutex_unlock(&store->lock);
    return result;
}

/* One row of a listing: a file (obj set) or a folder (obj NULL). name
 * points into the object's key. */
struct entry {
    const char *name;
    size_t len;
    const struct object *obj;
};

struct sorter {
    const char *column;
    bool descending;
};

static int64_t entry_time(const struct entry *e, const char *column)
{
    if (!e->obj)
        return -1;
    return strcmp(column, "created_at") == 0 ? e->obj->created_ms
                                             : e->obj->updated_ms;
}

static int compare_entries(const void *pa, const void *pb, void *arg)
{
    const struct entry *a = pa, *b = pb;
    const struct sorter *s = arg;
    int c = 0;

    if (strcmp(s->column, "name") != 0) {
        int64_t ta = entry_time(a, s->column), tb = entry_time(b, s->column);

        c = ta < tb ? -1 : ta > tb;
    }
    if (c == 0) {
        size_t n = a->len < b->len ? a->len : b->len;

        c = strncmp(a->name, b->name, n);
        if (c == 0)
            c = a->len < b->len ? -1 : a->len > b->len;
    }
    return s->descending ? -c : c;
}

static bool has_folder(const struct entry *rows, size_t n, const char *name,
                       size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (!rows[i].obj && rows[i].len == len &&
            memcmp(rows[i].name, name, len) == 0)
            return true;
    return false;
}

/* Collects the rows directly under folder dir (dirlen bytes, no trailing
 * slash) whose names start with search. rows has room for b->count. */
static size_t collect(const struct bucket *b, const char *dir, size_t dirlen,
                      const char *search, struct entry *rows)
{
    size_t n = 0;

    for (size_t i = 0; i < b->count; i++) {
        const char *rest = b->objects[i]->name;
        const char *slash;

        if (dirlen) {
            if (strncmp(rest, dir, dirlen) != 0 || rest[dirlen] != '/')
                continue;
            rest += dirlen + 1;
        }
        if (strncmp(rest, search, strlen(search)) != 0)
            continue;
        slash = strchr(rest, '/');
        if (slash && has_folder(rows, n, rest, (size_t)(slash - rest)))
            continue;
        rows[n].name = rest;
        rows[n].len = slash ? (size_t)(slash - rest) : strlen(rest);
        rows[n].obj = slash ? NULL : b->objects[i];
        n++;
    }
    return n;
}

static json_t *rows_json(const struct entry *rows, size_t n,
                         const struct emu_list_query *q)
{
    json_t *list = json_array();

    for (size_t i = q->offset; list && i < n && i - q->offset < q->limit; i++) {
        char *name = strndup(rows[i].name, rows[i].len);

        json_array_append_new(list, !name         ? NULL
                                    : rows[i].obj ? file_json(rows[i].obj, name)
                                                  : folder_json(name));
        free(name);
    }
    return list;
}

enum emu_store_result emu_store_list(struct emu_store *store,
                                     const char *bucket,
                                     const struct emu_list_query *q,
                                     json_t **out)
{
    enum emu_store_result result = EMU_STORE_NO_BUCKET;
    const char *dir = q->prefix;
    size_t dirlen;
    struct sorter sorter = {q->column, q->descending};
    struct entry *rows = NULL;
    struct bucket *b;
    size_t n;

    *out = NULL;
    while (*dir == '/')
        dir++;
    dirlen = strlen(dir);
    while (dirlen && dir[dirlen - 1] == '/')
        dirlen--;

    pthread_mutex_lock(&store->lock);
    b = find_bucket(store, bucket);
    if (!b)
        goto out;
    result = EMU_STORE_NO_MEMORY;
    rows = malloc((b->count + 1) * sizeof(*rows));
    if (!rows)
        goto out;
    n = collect(b, dir, dirlen, q->search, rows);
    qsort_r(rows, n, sizeof(*rows), compare_entries, &sorter);
    *out = rows_json(rows, n, q);
    if (*out)
        result = EMU_STORE_OK;
out:
    pthread_mutex_unlock(&store->lock);
    free(rows);
    return result;
}

json_t *emu_object_info_json(const struct emu_object_view *view,
                             const char *bucket, const char *key)
{
    char etag[40];
    char created[EMU_TIME_TEXT];
    char updated[EMU_TIME_TEXT];

    snprintf(etag, sizeof(etag), "\"%s\"", view->md5);
    emu_iso8601(view->created_ms, created);
    emu_iso8601(view->updated_ms, updated);
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:{}, s:s, "
                     "s:s}",
                     "id", view->id, "name", key, "version", view->version,
                     "bucket_id", bucket, "size", (json_int_t)view->size,
                     "content_type", view->content_type, "cache_control",
                     view->cache_control, "etag", etag, "metadata",
                     "last_modified", updated, "created_at", created);
}
