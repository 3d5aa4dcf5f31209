/* Buckets and objects of the emulator, behind one mutex. Object bodies are
 * blobs (blob.h); the store keeps their metadata and answers listings. */
#ifndef EMU_STORE_H
#define EMU_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "blob.h"

enum emu_store_result {
    EMU_STORE_OK = 0,
    EMU_STORE_NO_BUCKET,
    EMU_STORE_NO_KEY,
    EMU_STORE_EXISTS,
    EMU_STORE_NOT_EMPTY,
    EMU_STORE_TOO_LARGE, /* over the bucket's file_size_limit */
    EMU_STORE_BAD_MIME,  /* not in the bucket's allowed_mime_types */
    EMU_STORE_NO_MEMORY
};

struct emu_bucket_spec {
    const char *id;
    const char *name;
    bool is_public;
    int64_t file_size_limit;          /* -1: none */
    const json_t *allowed_mime_types; /* array of strings, or NULL */
};

#define EMU_META_TEXT 256

/* A snapshot of one object, copied out under the lock. */
struct emu_object_view {
    char id[37];
    char version[37];
    uint64_t size;
    char md5[33];
    char content_type[EMU_META_TEXT];
    char cache_control[EMU_META_TEXT];
    int64_t created_ms; /* wall clock */
    int64_t updated_ms;
    int64_t age_ms; /* since the body was last written */
    bool served;    /* a GET was served before this one */
    int fd;         /* open body when asked for, else -1; caller closes */
};

struct emu_list_query {
    const char *prefix; /* folder, "" for the top */
    const char *search; /* name prefix within the folder, "" for all */
    size_t limit;
    size_t offset;
    const char *column; /* name, created_at, updated_at, last_accessed_at */
    bool descending;
};

/* Creates an empty store whose bodies live in blobs (borrowed). */
struct emu_store *emu_store_new(struct emu_blobs *blobs);
void emu_store_free(struct emu_store *store);

struct emu_blobs *emu_store_blobs(struct emu_store *store);

/* Every function below is thread-safe. */

enum emu_store_result emu_store_bucket_create(struct emu_store *store,
                                              const struct emu_bucket_spec *s);
enum emu_store_result emu_store_bucket_delete(struct emu_store *store,
                                              const char *id);
enum emu_store_result emu_store_bucket_empty(struct emu_store *store,
                                             const char *id);

/* Whether bucket id exists; its public flag goes to *is_public. */
bool emu_store_bucket_exists(struct emu_store *store, const char *id,
                             bool *is_public);

/* JSON of one bucket (NULL when missing or out of memory), or an array of
 * all buckets. The caller decrefs. */
json_t *emu_store_bucket_json(struct emu_store *store, const char *id);
json_t *emu_store_bucket_list_json(struct emu_store *store);

/* Stores body (the reference is consumed whatever the result) as key in
 * bucket. An existing key is replaced only when upsert is true. */
enum emu_store_result
emu_store_object_put(struct emu_store *store, const char *bucket,
                     const char *key, struct emu_blob *body,
                     const char *content_type, const char *cache_control,
                     bool upsert, struct emu_object_view *out);

/* Looks an object up; with open_body, out->fd is a new descriptor on its
 * body. With mark_served, the object counts as served from now on. */
enum emu_store_result emu_store_object_get(struct emu_store *store,
                                           const char *bucket, const char *key,
                                           bool open_body, bool mark_served,
                                           struct emu_object_view *out);

enum emu_store_result emu_store_object_delete(struct emu_store *store,
                                              const char *bucket,
                                              const char *key);

/* Deletes the named objects; *out receives an array describing those that
 * existed (caller decrefs). */
enum emu_store_result emu_store_delete_many(struct emu_store *store,
                                            const char *bucket,
                                            const json_t *names, json_t **out);

/* Copies (or, with move, renames) an object; the body is shared. */
enum emu_store_result
emu_store_object_copy(struct emu_store *store, const char *src_bucket,
                      const char *src_key, const char *dst_bucket,
                      const char *dst_key, bool move, bool upsert,
                      struct emu_object_view *out);

/* Lists one folder level the way Storage does: files and folders (id
 * null) sorted and sliced. *out receives the array (caller decrefs). */
enum emu_store_result emu_store_list(struct emu_store *store,
                                     const char *bucket,
                                     const struct emu_list_query *q,
                                     json_t **out);

/* JSON for GET /object/info of the object in view. NULL when out of
 * memory. */
json_t *emu_object_info_json(const struct emu_object_view *view,
                             const char *bucket, const char *key);

#endif
