/* Object bodies as files. Bodies never change once written, so a reader
 * only needs its own descriptor, and a copied object shares the body. */
#include "blob.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/evp.h>

struct emu_blobs {
    char *dir; /* NULL: memory */
    uint64_t limit;
};

struct emu_blob {
    atomic_int refs;
    int fd;
    char *path; /* NULL for memory */
    uint64_t size;
    char md5[33];
};

struct emu_upload {
    struct emu_blobs *blobs;
    struct emu_blob *blob;
    EVP_MD_CTX *md;
    bool too_large;
    bool failed;
};

struct emu_blobs *emu_blobs_new(const char *dir, uint64_t limit, char *err,
                                size_t errlen)
{
    struct emu_blobs *blobs = calloc(1, sizeof(*blobs));

    if (!blobs) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    blobs->limit = limit;
    if (dir && (access(dir, W_OK | X_OK) != 0 || !(blobs->dir = strdup(dir)))) {
        snprintf(err, errlen, "data directory %s: %s", dir, strerror(errno));
        free(blobs);
        return NULL;
    }
    return blobs;
}

void emu_blobs_free(struct emu_blobs *blobs)
{
    if (!blobs)
        return;
    free(blobs->dir);
    free(blobs);
}

/* Creates the file behind a new blob: a memfd, or a named file in the
 * data directory so a user can see the bodies there. */
static int create_body_file(struct emu_blobs *blobs, char **path)
{
    size_t len;
    int fd;

    *path = NULL;
    if (!blobs->dir)
        return memfd_create("emu-body", MFD_CLOEXEC);
    len = strlen(blobs->dir) + sizeof("/body-XXXXXX");
    *path = malloc(len);
    if (!*path)
        return -1;
    snprintf(*path, len, "%s/body-XXXXXX", blobs->dir);
    fd = mkostemp(*path, O_CLOEXEC);
    if (fd < 0) {
        free(*path);
        *path = NULL;
    }
    return fd;
}

static void blob_destroy(struct emu_blob *blob)
{
    if (blob->fd >= 0)
        close(blob->fd);
    if (blob->path)
        unlink(blob->path);
    free(blob->path);
    free(blob);
}

struct emu_upload *emu_upload_begin(struct emu_blobs *blobs)
{
    struct emu_upload *up = calloc(1, sizeof(*up));

    if (!up)
        return NULL;
    up->blobs = blobs;
    up->md = EVP_MD_CTX_new();
    up->blob = calloc(1, sizeof(*up->blob));
    if (up->blob) {
        atomic_init(&up->blob->refs, 1);
        up->blob->fd = create_body_file(blobs, &up->blob->path);
    }
    if (!up->blob || up->blob->fd < 0 || !up->md ||
        !EVP_DigestInit_ex(up->md, EVP_md5(), NULL)) {
        emu_upload_abort(up);
        return NULL;
    }
    return up;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int emu_upload_write(struct emu_upload *up, const void *data, size_t len)
{
    uint64_t limit = up->blobs->limit;

    if (up->failed)
        return -1;
    if (limit && up->blob->size + len > limit) {
        up->too_large = up->failed = true;
        return -1;
    }
    if (write_all(up->blob->fd, data, len) != 0 ||
        !EVP_DigestUpdate(up->md, data, len)) {
        up->failed = true;
        return -1;
    }
    up->blob->size += len;
    return 0;
}

bool emu_upload_too_large(const struct emu_upload *up)
{
    return up->too_large;
}

bool emu_upload_failed(const struct emu_upload *up)
{
    return up->failed;
}

uint64_t emu_upload_size(const struct emu_upload *up)
{
    return up->blob->size;
}

struct emu_blob *emu_upload_finish(struct emu_upload *up)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    struct emu_blob *blob = NULL;

    if (up->failed || !EVP_DigestFinal_ex(up->md, digest, &len))
        goto out;
    for (unsigned int i = 0; i < len && i < 16; i++)
        snprintf(up->blob->md5 + 2 * i, 3, "%02x", digest[i]);
    blob = up->blob;
    up->blob = NULL;
out:
    emu_upload_abort(up);
    return blob;
}

void emu_upload_abort(struct emu_upload *up)
{
    if (!up)
        return;
    if (up->blob)
        blob_destroy(up->blob);
    EVP_MD_CTX_free(up->md);
    free(up);
}

struct emu_blob *emu_blob_from_bytes(struct emu_blobs *blobs, const void *data,
                                     size_t len)
{
    struct emu_upload *up = emu_upload_begin(blobs);

    if (!up)
        return NULL;
    emu_upload_write(up, data, len);
    return emu_upload_finish(up);
}

struct emu_blob *emu_blob_ref(struct emu_blob *blob)
{
    atomic_fetch_add(&blob->refs, 1);
    return blob;
}

void emu_blob_unref(struct emu_blob *blob)
{
    if (blob && atomic_fetch_sub(&blob->refs, 1) == 1)
        blob_destroy(blob);
}

uint64_t emu_blob_size(const struct emu_blob *blob)
{
    return blob->size;
}

const char *emu_blob_md5(const struct emu_blob *blob)
{
    return blob->md5;
}

int emu_blob_open(const struct emu_blob *blob)
{
    char path[64];

    snprintf(path, sizeof(path), "/proc/self/fd/%d", blob->fd);
    return open(path, O_RDONLY | O_CLOEXEC);
}
