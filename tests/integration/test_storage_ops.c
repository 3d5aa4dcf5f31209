/* Every storage operation of the public API against a healthy emulator,
 * each checked by what it returns and by what the server then holds. */
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"

#define BUCKET "ops"

/* A temporary file holding len bytes of a fixed pattern; its path goes to
 * path (size 64). Returns 0 or -1. */
static int pattern_file(char *path, size_t len)
{
    char buf[4096];
    int fd;

    snprintf(path, 64, "/tmp/bg-ops-XXXXXX");
    fd = mkstemp(path);
    if (fd < 0)
        return -1;
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (char)('a' + i % 26);
    for (size_t done = 0; done < len;) {
        size_t n = len - done < sizeof buf ? len - done : sizeof buf;
        if (write(fd, buf, n) != (ssize_t)n)
            break;
        done += n;
    }
    close(fd);
    return 0;
}

/* The whole content of the file at path into a new buffer (*len bytes). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    long n;

    *len = 0;
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (data = malloc((size_t)n + 1)) != NULL)
        *len = fread(data, 1, (size_t)n, f);
    fclose(f);
    return data;
}

/* The string member name of the JSON object v, or "". */
static const char *member(const json_t *v, const char *name)
{
    const char *s = json_string_value(json_object_get(v, name));

    return s != NULL ? s : "";
}

/* Whether the object holds exactly want. */
static int holds(bg_client *c, const char *bucket, const char *key,
                 const void *want, size_t len)
{
    void *data = NULL;
    size_t n = 0;
    int same = bg_get_mem(c, bucket, key, &data, &n, NULL) == BG_OK &&
               n == len && memcmp(data, want, len) == 0;

    bg_free(data);
    return same;
}

static int put_text(bg_client *c, const char *key, const char *text,
                    const bg_put_options *opts)
{
    return bg_put_mem(c, BUCKET, key, text, strlen(text), opts, NULL);
}

static void buckets_are_created_once(bg_client *c)
{
    bg_bucket_options opts = {0, 1 << 20, "text/plain, application/*"};
    bg_report rep;

    BG_CHECK(bg_bucket_create(c, BUCKET, NULL, &rep) == BG_OK,
             "create bucket: %s", rep.detail);
    BG_CHECK(bg_bucket_create(c, "other", &opts, &rep) == BG_OK,
             "create bucket with limits: %s", rep.detail);
    BG_CHECK(bg_bucket_create(c, BUCKET, NULL, &rep) == BG_E_CONFLICT,
             "second create: %s", bg_strerror(rep.result));
    BG_CHECK(strcmp(rep.code, "BucketAlreadyExists") == 0, "code %s", rep.code);
}

static void uploads_create_conflict_and_replace(bg_client *c)
{
    bg_put_options upsert = {1, 0, "text/plain", "max-age=60"};
    bg_put_options put = {0, 1, NULL, NULL};
    bg_report rep;

    BG_CHECK(put_text(c, "a.txt", "first", NULL) == BG_OK, "create");
    BG_CHECK(bg_put_mem(c, BUCKET, "a.txt", "again", 5, NULL, &rep) ==
                 BG_E_CONFLICT,
             "duplicate create: %s", bg_strerror(rep.result));
    BG_CHECK(strcmp(rep.code, "KeyAlreadyExists") == 0, "code %s", rep.code);
    BG_CHECK(holds(c, BUCKET, "a.txt", "first", 5), "duplicate changed it");

    BG_CHECK(put_text(c, "a.txt", "second", &upsert) == BG_OK, "upsert");
    BG_CHECK(holds(c, BUCKET, "a.txt", "second", 6), "upsert replaced");
    BG_CHECK(put_text(c, "a.txt", "hello world", &put) == BG_OK, "PUT");
    BG_CHECK(holds(c, BUCKET, "a.txt", "hello world", 11), "PUT replaced");
    BG_CHECK(bg_put_mem(c, BUCKET, "empty", NULL, 0, NULL, NULL) == BG_OK,
             "empty object");
    BG_CHECK(holds(c, BUCKET, "empty", "", 0), "empty object reads back");
}

static void file_uploads_stream_the_file(bg_client *c, const char *path,
                                         size_t len)
{
    size_t n;
    char *want = slurp(path, &n);
    bg_report rep;

    BG_CHECK(want != NULL && n == len, "pattern file");
    BG_CHECK(bg_put_file(c, BUCKET, "dir/file.bin", path, NULL, &rep) == BG_OK,
             "put_file: %s", rep.detail);
    BG_CHECK(want && holds(c, BUCKET, "dir/file.bin", want, len),
             "file reads back");
    BG_CHECK(bg_put_file(c, BUCKET, "dir/x", "/tmp", NULL, &rep) == BG_E_USAGE,
             "a directory is no upload source: %s", bg_strerror(rep.result));
    free(want);
}

static void exists_tells_missing_objects_from_missing_buckets(bg_client *c)
{
    int exists = -1;
    bg_report rep;

    BG_CHECK(bg_exists(c, BUCKET, "a.txt", &exists, &rep) == BG_OK &&
                 exists == 1,
             "exists: %s %d", bg_strerror(rep.result), exists);
    BG_CHECK(bg_exists(c, BUCKET, "nope.txt", &exists, &rep) == BG_OK &&
                 exists == 0,
             "missing object: %s %d", bg_strerror(rep.result), exists);
    BG_CHECK(bg_exists(c, "no-such-bucket", "a.txt", &exists, &rep) ==
                 BG_E_NOT_FOUND,
             "missing bucket: %s", bg_strerror(rep.result));
    BG_CHECK(strcmp(rep.code, "NoSuchBucket") == 0, "code %s", rep.code);
}

static void info_describes_the_object(bg_client *c)
{
    char *json = NULL;
    json_t *info;
    bg_report rep;

    BG_CHECK(bg_info(c, BUCKET, "a.txt", &json, &rep) == BG_OK, "info: %s",
             rep.detail);
    info = json ? json_loads(json, 0, NULL) : NULL;
    BG_CHECK(json_integer_value(json_object_get(info, "size")) == 11,
             "size in %s", json ? json : "(null)");
    /* md5("hello world") */
    BG_CHECK(strstr(member(info, "etag"), "5eb63bbbe01eeed093cb22bb8f5acdc3") !=
                 NULL,
             "etag in %s", json ? json : "(null)");
    json_decref(info);
    bg_free(json);
}

/* A growing buffer for bg_get_cb. */
struct collected {
    char data[256];
    size_t len;
    int calls;
};

static int collect(const void *data, size_t len, void *userdata)
{
    struct collected *c = userdata;

    c->calls++;
    if (len > sizeof c->data - c->len)
        return 1;
    memcpy(c->data + c->len, data, len);
    c->len += len;
    return 0;
}

static int stop_at_once(const void *data, size_t len, void *userdata)
{
    (void)data;
    (void)len;
    (void)userdata;
    return 1;
}

static void downloads_deliver_the_bytes(bg_client *c, const char *dir)
{
    struct collected got = {0};
    char path[128];
    size_t n;
    char *text;
    int fd;

    /* The descriptor is written from its current position. */
    snprintf(path, sizeof path, "%s/fd.out", dir);
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    BG_CHECK(fd >= 0 && write(fd, ">>", 2) == 2, "fd");
    BG_CHECK(bg_get_fd(c, BUCKET, "a.txt", fd, NULL) == BG_OK, "get_fd");
    close(fd);
    text = slurp(path, &n);
    BG_CHECK(text && n == 13 && memcmp(text, ">>hello world", 13) == 0,
             "get_fd wrote after the existing bytes");
    free(text);

    BG_CHECK(bg_get_cb(c, BUCKET, "a.txt", collect, &got, NULL) == BG_OK &&
                 got.len == 11 && memcmp(got.data, "hello world", 11) == 0,
             "get_cb delivered %zu bytes", got.len);
    BG_CHECK(bg_get_cb(c, BUCKET, "a.txt", stop_at_once, NULL, NULL) ==
                 BG_E_ABORTED,
             "a callback that stops aborts the call");

    snprintf(path, sizeof path, "%s/file.out", dir);
    BG_CHECK(bg_get_file(c, BUCKET, "a.txt", path, NULL) == BG_OK, "get_file");
    text = slurp(path, &n);
    BG_CHECK(text && n == 11 && memcmp(text, "hello world", 11) == 0,
             "get_file content");
    free(text);
}

/* The names, in order, of a listing, joined with ','. */
static void list_names(bg_client *c, const bg_list_options *opts, char *out,
                       size_t n)
{
    char *json = NULL;
    json_t *list, *item;
    size_t i;

    snprintf(out, n, "(failed)");
    if (bg_list(c, BUCKET, opts, &json, NULL) != BG_OK)
        return;
    list = json_loads(json, 0, NULL);
    out[0] = '\0';
    json_array_foreach(list, i, item)
    {
        size_t len = strlen(out);
        snprintf(out + len, n - len, "%s%s", i ? "," : "",
                 member(item, "name"));
    }
    json_decref(list);
    bg_free(json);
}

static void listing_pages_and_sorts(bg_client *c)
{
    static const struct {
        bg_list_options opts;
        const char *want;
    } cases[] = {
        {{"list", 0, 0, NULL, 0}, "a,b,c"},
        {{"list", 2, 0, NULL, 0}, "a,b"},
        {{"list", 2, 2, NULL, 0}, "c"},
        {{"list", 0, 0, "name", 1}, "c,b,a"},
        {{"", 0, 0, NULL, 0}, "a.txt,dir,empty,list"},
    };
    char got[128];

    BG_CHECK(put_text(c, "list/b", "b", NULL) == BG_OK &&
                 put_text(c, "list/a", "a", NULL) == BG_OK &&
                 put_text(c, "list/c", "c", NULL) == BG_OK,
             "list objects");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        list_names(c, &cases[i].opts, got, sizeof got);
        BG_CHECK(strcmp(got, cases[i].want) == 0, "list %zu: %s, want %s", i,
                 got, cases[i].want);
    }
}

static void copy_and_move_relocate_objects(bg_client *c)
{
    int exists = -1;

    BG_CHECK(bg_copy(c, BUCKET, "list/a", NULL, "copied/a", NULL) == BG_OK,
             "copy");
    BG_CHECK(holds(c, BUCKET, "copied/a", "a", 1) &&
                 holds(c, BUCKET, "list/a", "a", 1),
             "copy keeps the source");
    BG_CHECK(bg_copy(c, BUCKET, "list/a", "other", "from-ops", NULL) == BG_OK,
             "copy to another bucket");
    BG_CHECK(holds(c, "other", "from-ops", "a", 1), "copied across buckets");

    BG_CHECK(bg_move(c, BUCKET, "list/b", NULL, "moved/b", NULL) == BG_OK,
             "move");
    BG_CHECK(holds(c, BUCKET, "moved/b", "b", 1), "moved object");
    BG_CHECK(bg_exists(c, BUCKET, "list/b", &exists, NULL) == BG_OK &&
                 exists == 0,
             "move removed the source");
    BG_CHECK(bg_move(c, BUCKET, "list/b", NULL, "moved/b2", NULL) ==
                 BG_E_NOT_FOUND,
             "moving a missing object");
}

/* Fetches an absolute URL of the emulator through the harness. */
static char *fetch(const struct bg_harness *h, const char *url)
{
    size_t root = strlen(h->root);
    char *body = NULL;

    if (strncmp(url, h->root, root) != 0 ||
        bg_harness_control(h, "GET", url + root, NULL, &body) != 200) {
        free(body);
        return NULL;
    }
    return body;
}

static void signed_urls_serve_the_object(bg_client *c,
                                         const struct bg_harness *h)
{
    const char *keys[] = {"a.txt", "nope.txt"};
    char *url = NULL, *json = NULL, *body;
    json_t *list;
    bg_report rep;

    BG_CHECK(bg_sign(c, BUCKET, "a.txt", 60, &url, &rep) == BG_OK, "sign: %s",
             rep.detail);
    BG_CHECK(url && strncmp(url, h->url, strlen(h->url)) == 0,
             "the signed URL is absolute");
    BG_CHECK(url == NULL || strstr(rep.detail, "token") == NULL,
             "the report holds no token");
    body = url ? fetch(h, url) : NULL;
    BG_CHECK(body && strcmp(body, "hello world") == 0,
             "the signed URL serves the object");
    free(body);
    bg_free(url);

    BG_CHECK(bg_sign_many(c, BUCKET, keys, 2, 60, &json, &rep) == BG_OK,
             "sign_many: %s", rep.detail);
    list = json ? json_loads(json, 0, NULL) : NULL;
    url = (char *)json_string_value(
        json_object_get(json_array_get(list, 0), "signedURL"));
    BG_CHECK(json_array_size(list) == 2, "two entries");
    BG_CHECK(url && strncmp(url, h->url, strlen(h->url)) == 0,
             "sign_many URLs are absolute");
    body = url ? fetch(h, url) : NULL;
    BG_CHECK(body && strcmp(body, "hello world") == 0,
             "a sign_many URL serves the object");
    free(body);
    json_decref(list);
    bg_free(json);
}

static void remove_deletes_many(bg_client *c)
{
    const char *keys[] = {"list/c", "moved/b"};
    char *json = NULL;
    json_t *list;
    int exists = -1;

    BG_CHECK(bg_remove(c, BUCKET, keys, 2, &json, NULL) == BG_OK, "remove");
    list = json ? json_loads(json, 0, NULL) : NULL;
    BG_CHECK(json_array_size(list) == 2, "two removed: %s",
             json ? json : "(null)");
    BG_CHECK(bg_exists(c, BUCKET, "list/c", &exists, NULL) == BG_OK &&
                 exists == 0,
             "removed object is gone");
    json_decref(list);
    bg_free(json);
}

static void buckets_are_listed_read_and_deleted(bg_client *c)
{
    char *json = NULL;
    json_t *v;
    bg_report rep;

    BG_CHECK(bg_bucket_get(c, BUCKET, &json, NULL) == BG_OK, "bucket get");
    v = json ? json_loads(json, 0, NULL) : NULL;
    BG_CHECK(strcmp(member(v, "id"), BUCKET) == 0, "bucket id in %s",
             json ? json : "(null)");
    json_decref(v);
    bg_free(json);

    json = NULL;
    BG_CHECK(bg_bucket_list(c, &json, NULL) == BG_OK, "bucket list");
    v = json ? json_loads(json, 0, NULL) : NULL;
    BG_CHECK(json_array_size(v) == 2, "two buckets: %s",
             json ? json : "(null)");
    json_decref(v);
    bg_free(json);

    BG_CHECK(bg_bucket_delete(c, BUCKET, &rep) == BG_E_CONFLICT,
             "deleting a non-empty bucket: %s", bg_strerror(rep.result));
    BG_CHECK(bg_bucket_create(c, "scratch", NULL, NULL) == BG_OK &&
                 bg_bucket_delete(c, "scratch", &rep) == BG_OK,
             "deleting an empty bucket: %s", rep.detail);
    BG_CHECK(bg_bucket_get(c, "scratch", &json, &rep) == BG_E_NOT_FOUND,
             "deleted bucket: %s", bg_strerror(rep.result));
}

static void bad_arguments_are_refused_before_sending(bg_client *c)
{
    static const char *const keys[] = {"",    "../etc", "a/./b", "caf\xc3\xa9",
                                       "x#y", "tilde~"};
    void *data = NULL;
    char *url = NULL;
    size_t len;
    bg_report rep;

    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        BG_CHECK(bg_get_mem(c, BUCKET, keys[i], &data, &len, &rep) ==
                     BG_E_USAGE,
                 "key %zu: %s", i, bg_strerror(rep.result));
        BG_CHECK(rep.attempts == 0 && strstr(rep.detail, "key") != NULL,
                 "key %zu: detail names the rule: %s", i, rep.detail);
    }
    BG_CHECK(bg_get_mem(c, "a/b", "k", &data, &len, &rep) == BG_E_USAGE,
             "bucket with a slash");
    BG_CHECK(bg_get_mem(c, BUCKET, "k", NULL, &len, &rep) == BG_E_USAGE,
             "NULL data");
    BG_CHECK(bg_sign(c, BUCKET, "a.txt", 0, &url, &rep) == BG_E_USAGE,
             "expires_in 0");
}

static void missing_objects_say_no_such_key(bg_client *c)
{
    void *data = NULL;
    size_t len;
    bg_report rep;

    BG_CHECK(bg_get_mem(c, BUCKET, "nope.txt", &data, &len, &rep) ==
                 BG_E_NOT_FOUND,
             "missing object: %s", bg_strerror(rep.result));
    BG_CHECK(strcmp(rep.code, "NoSuchKey") == 0 && rep.body_status == 404,
             "code %s, body status %d", rep.code, rep.body_status);
    BG_CHECK(data == NULL, "no buffer on failure");
}

/* A client keeps its easy handles, options and all, from one call to the
 * next: every method must follow every other without leaking into it (a
 * GET after a HEAD that still sent HEAD would return no body, a HEAD after
 * a PUT that still uploaded would replace the object). */
static void methods_follow_each_other(bg_client *c)
{
    static const bg_put_options put = {1, 1, NULL, NULL};
    static const bg_put_options post = {1, 0, NULL, NULL};
    const char *keys[] = {"seq/b.txt"};
    char *json = NULL;
    int exists = -1;

    for (int round = 0; round < 3; round++) {
        BG_CHECK(put_text(c, "seq/a.txt", "first", &put) == BG_OK,
                 "PUT, round %d", round);
        BG_CHECK(bg_exists(c, BUCKET, "seq/a.txt", &exists, NULL) == BG_OK &&
                     exists == 1,
                 "HEAD after PUT, round %d", round);
        BG_CHECK(holds(c, BUCKET, "seq/a.txt", "first", 5),
                 "GET after HEAD, round %d", round);
        BG_CHECK(put_text(c, "seq/b.txt", "second", &post) == BG_OK,
                 "POST after GET, round %d", round);
        BG_CHECK(bg_exists(c, BUCKET, "seq/b.txt", &exists, NULL) == BG_OK &&
                     exists == 1,
                 "HEAD after POST, round %d", round);
        BG_CHECK(bg_list(c, BUCKET, &(bg_list_options){"seq/", 0, 0, NULL, 0},
                         &json, NULL) == BG_OK &&
                     json != NULL && strstr(json, "a.txt") != NULL &&
                     strstr(json, "b.txt") != NULL,
                 "list (POST with JSON) after HEAD, round %d", round);
        bg_free(json);
        json = NULL;
        BG_CHECK(bg_remove(c, BUCKET, keys, 1, NULL, NULL) == BG_OK,
                 "DELETE after POST, round %d", round);
        BG_CHECK(bg_exists(c, BUCKET, "seq/b.txt", &exists, NULL) == BG_OK &&
                     exists == 0,
                 "HEAD after DELETE, round %d", round);
        BG_CHECK(holds(c, BUCKET, "seq/a.txt", "first", 5),
                 "GET after HEAD after DELETE, round %d", round);
    }
}

static void run(bg_client *c, const struct bg_harness *h)
{
    char file[64];

    buckets_are_created_once(c);
    uploads_create_conflict_and_replace(c);
    BG_CHECK(pattern_file(file, 300000) == 0, "pattern file");
    file_uploads_stream_the_file(c, file, 300000);
    unlink(file);
    exists_tells_missing_objects_from_missing_buckets(c);
    info_describes_the_object(c);
    downloads_deliver_the_bytes(c, h->dir);
    listing_pages_and_sorts(c);
    copy_and_move_relocate_objects(c);
    signed_urls_serve_the_object(c, h);
    remove_deletes_many(c);
    buckets_are_listed_read_and_deleted(c);
    bad_arguments_are_refused_before_sending(c);
    missing_objects_say_no_such_key(c);
    methods_follow_each_other(c);
}

int main(void)
{
    struct bg_harness h;
    bg_config *cfg;
    bg_client *c = NULL;

    if (bg_harness_start(&h, NULL) != 0)
        return 1;
    cfg = bg_harness_config(&h);
    BG_CHECK(cfg && bg_client_new(cfg, &c) == BG_OK, "client: %s",
             bg_client_error());
    bg_config_free(cfg);
    if (c != NULL)
        run(c, &h);
    bg_client_free(c);
    bg_harness_stop(&h);
    return bg_test_finish("storage_ops");
}
