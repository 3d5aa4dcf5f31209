/* Uploads from memory or a regular file, POST or PUT, with upsert, and the
 * check that tells our own earlier attempt from a genuine conflict after a
 * create was retried. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "storage.h"

#define HEADER_MAX 300

/* What an upload sends: memory, or a regular file's descriptor. */
struct source {
    const void *data;
    size_t len;
    int fd; /* -1 for memory */
    bg_progress_fn *progress;
    void *progress_userdata;
};

/* The quoted-less lowercase hex MD5 of the source into hex[33]. */
static int source_md5(const struct source *src, char hex[33])
{
    unsigned char md[EVP_MAX_MD_SIZE], buf[65536];
    unsigned mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1;
    uint64_t off = 0;

    if (ok && src->fd < 0)
        ok = EVP_DigestUpdate(ctx, src->data, src->len) == 1;
    while (ok && src->fd >= 0 && off < src->len) {
        ssize_t n = pread(src->fd, buf, sizeof buf, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        ok = n > 0 && EVP_DigestUpdate(ctx, buf, (size_t)n) == 1;
        off += n > 0 ? (uint64_t)n : 0;
    }
    ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 16;
    EVP_MD_CTX_free(ctx);
    for (unsigned i = 0; ok && i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return ok ? 0 : -1;
}

/* Whether the info JSON describes src: same size, and an ETag that is the
 * MD5 of src (quotes and a weak prefix aside). */
static int info_matches(const char *info, const struct source *src)
{
    json_t *root = json_loads(info, 0, NULL);
    json_t *meta = json_object_get(root, "metadata");
    json_t *size = json_object_get(root, "size");
    json_t *etag = json_object_get(root, "etag");
    const char *tag;
    char hex[33];
    int ok;

    if (!json_is_integer(size))
        size = json_object_get(meta, "size");
    if (!json_is_string(etag))
        etag = json_object_get(meta, "eTag");
    tag = json_string_value(etag);
    ok = json_is_integer(size) && tag != NULL &&
         json_integer_value(size) == (json_int_t)src->len;
    if (ok && strncmp(tag, "W/", 2) == 0)
        tag += 2;
    if (ok && *tag == '"')
        tag++;
    ok = ok && source_md5(src, hex) == 0 && strncasecmp(tag, hex, 32) == 0 &&
         (tag[32] == '\0' || (tag[32] == '"' && tag[33] == '\0'));
    json_decref(root);
    return ok;
}

/* After a create answered KeyAlreadyExists following an attempt that may
 * have reached the server: the object may be the one that attempt stored.
 * It is accepted only when its size and ETag match what we sent; otherwise
 * the conflict stands, as rep already says. */
static bg_result check_our_object(bg_client *c, const char *bucket,
                                  const char *key, const struct source *src,
                                  bg_report *rep)
{
    struct bg__response rs;
    bg_report conflict = *rep, info;
    int64_t start = bg__mono_us() - conflict.duration_us;
    bg_result result;

    memset(&rs, 0, sizeof rs);
    result = bg__fetch_info(c, BG_OP_UPLOAD, bucket, key, &rs, &info);
    if (result == BG_OK && rs.body != NULL && info_matches(rs.body, src)) {
        *rep = info;
        bg__report_chain(rep, &conflict, start);
        bg__response_free(&rs);
        return bg__amend(rep, BG_OK,
                         "stored by an earlier attempt (size and ETag match)");
    }
    bg__response_free(&rs);
    rep->attempts += info.attempts;
    rep->duration_us = bg__mono_us() - start;
    return BG_E_CONFLICT;
}

/* A header line "name: value" into out; -1 when value could smuggle in
 * another header or does not fit. */
static int header_line(char *out, size_t n, const char *name, const char *value)
{
    int w;

    if (strpbrk(value, "\r\n") != NULL || *value == '\0')
        return -1;
    w = snprintf(out, n, "%s: %s", name, value);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

static bg_result upload(bg_client *c, const char *bucket, const char *key,
                        const struct source *src, const bg_put_options *opts,
                        bg_report *rep)
{
    static const bg_put_options defaults = {0};
    struct bg__request rq = {.op = BG_OP_UPLOAD,
                             .bucket = bucket,
                             .idempotent = 1,
                             .body = src->data,
                             .body_len = src->len,
                             .body_fd = src->fd,
                             .progress = src->progress,
                             .progress_userdata = src->progress_userdata};
    char type[HEADER_MAX], cache[HEADER_MAX];
    struct bg__response rs;
    bg_report local, *r = rep != NULL ? rep : &local;
    bg_result result;

    opts = opts != NULL ? opts : &defaults;
    if (header_line(type, sizeof type, "Content-Type",
                    opts->content_type ? opts->content_type
                                       : "application/octet-stream") != 0 ||
        (opts->cache_control != NULL &&
         header_line(cache, sizeof cache, "cache-control",
                     opts->cache_control) != 0))
        return bg__fail(rep, BG_E_USAGE,
                        "content_type and cache_control must be one "
                        "non-empty line of at most 250 characters");
    rq.method = opts->use_put ? "PUT" : "POST";
    bg__add_header(&rq, type);
    if (opts->cache_control != NULL)
        bg__add_header(&rq, cache);
    if (opts->upsert)
        bg__add_header(&rq, "x-upsert: true");
    rq.path = bg__storage_path("/object", bucket, key);
    if (rq.path == NULL)
        return bg__fail(rep, BG_E_NOMEM, "out of memory");

    memset(&rs, 0, sizeof rs);
    result = bg__perform(c, &rq, &rs, r);
    if (result == BG_E_CONFLICT && rs.ambiguous && !opts->upsert)
        result = check_our_object(c, bucket, key, src, r);
    bg__response_free(&rs);
    free((char *)rq.path);
    return result;
}

BG_API bg_result bg_put_mem(bg_client *c, const char *bucket, const char *key,
                            const void *data, size_t len,
                            const bg_put_options *opts, bg_report *rep)
{
    struct source src = {data, len, -1, NULL, NULL};
    bg_result result = bg__check_object(c, bucket, key, rep);

    if (result != BG_OK)
        return result;
    if (data == NULL && len > 0)
        return bg__fail(rep, BG_E_USAGE, "data is NULL");
    if (data == NULL)
        src.data = "";
    return upload(c, bucket, key, &src, opts, rep);
}

BG_API bg_result bg_put_file(bg_client *c, const char *bucket, const char *key,
                             const char *path, const bg_put_options *opts,
                             bg_report *rep)
{
    return bg_put_file_progress(c, bucket, key, path, opts, NULL, NULL, rep);
}

BG_API bg_result bg_put_file_progress(bg_client *c, const char *bucket,
                                      const char *key, const char *path,
                                      const bg_put_options *opts,
                                      bg_progress_fn *fn, void *userdata,
                                      bg_report *rep)
{
    struct source src = {NULL, 0, -1, NULL, NULL};
    struct stat st;
    bg_result result = bg__check_object(c, bucket, key, rep);

    if (result != BG_OK)
        return result;
    if (path == NULL || *path == '\0')
        return bg__fail(rep, BG_E_USAGE, "path is empty");
    src.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (src.fd < 0)
        return bg__fail(rep, BG_E_IO, "cannot open %s: %s", path,
                        strerror(errno));
    if (fstat(src.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        result = bg__fail(rep, BG_E_USAGE, "%s is not a regular file", path);
        goto out;
    }
    src.len = (size_t)st.st_size;

    src.progress = fn;
    src.progress_userdata = userdata;
    result = upload(c, bucket, key, &src, opts, rep);

out:
    close(src.fd);
    return result;
}
