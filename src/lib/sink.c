/* Download sinks: a growing memory buffer, a caller's descriptor written
 * with full-write loops, and a file replaced atomically through a
 * temporary file in the same directory. */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "engine.h"

#define PROGRESS_EVERY_US 250000 /* at most four reports a second */
#define WRITEBACK_STEP    (8u << 20)
#define TMP_TRIES         100

int bg__mem_sink_write(const void *data, size_t len, void *userdata)
{
    struct bg__mem_sink *s = userdata;
    size_t cap = s->cap ? s->cap : 4096;
    unsigned char *p;

    /* One spare byte keeps the buffer NUL-terminated for text bodies. */
    if (len >= SIZE_MAX - s->len) {
        s->nomem = 1;
        return 1;
    }
    while (cap - s->len <= len && cap <= SIZE_MAX / 2)
        cap *= 2;
    if (cap - s->len <= len)
        cap = s->len + len + 1;
    if (cap != s->cap) {
        p = realloc(s->data, cap);
        if (p == NULL) {
            s->nomem = 1;
            return 1;
        }
        s->data = p;
        s->cap = cap;
    }
    memcpy(s->data + s->len, data, len);
    s->len += len;
    s->data[s->len] = '\0';
    return 0;
}

void bg__mem_sink_release(struct bg__mem_sink *s)
{
    free(s->data);
    s->data = NULL;
    s->len = s->cap = 0;
}

void bg__fd_sink_init(struct bg__fd_sink *s, int fd, bg_progress_fn *fn,
                      void *userdata)
{
    memset(s, 0, sizeof *s);
    s->fd = fd;
    s->progress = fn;
    s->progress_userdata = userdata;
}

int bg__fd_sink_write(const void *data, size_t len, void *userdata)
{
    struct bg__fd_sink *s = userdata;
    const char *p = data;
    int64_t now;

    while (len > 0) {
        ssize_t n = write(s->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            s->err = n < 0 ? errno : EIO;
            return 1;
        }
        p += n;
        len -= (size_t)n;
        s->written += (uint64_t)n;
    }

    /* The total is unknown while the body streams; the last report, made
     * by the caller once the call ends, carries it. */
    if (s->progress != NULL) {
        now = bg__mono_us();
        if (now - s->last_progress_us >= PROGRESS_EVERY_US) {
            s->last_progress_us = now;
            s->progress(s->written, -1, s->progress_userdata);
        }
    }
    return 0;
}

/* Starts the disk writeback of what was written since the last call,
 * once that is WRITEBACK_STEP bytes or more, without waiting for it: the
 * fsync at the end then finds the file mostly on disk instead of writing
 * all of it while the caller waits (a 1 GiB download spent a third of its
 * time in that fsync). Best effort: a failure here shows at the fsync. */
static void start_writeback(struct bg__file_sink *s)
{
#ifdef SYNC_FILE_RANGE_WRITE
    uint64_t done = s->out.written;

    if (done - s->flushed < WRITEBACK_STEP)
        return;
    (void)sync_file_range(s->out.fd, (off64_t)s->flushed,
                          (off64_t)(done - s->flushed), SYNC_FILE_RANGE_WRITE);
    s->flushed = done;
#else
    (void)s;
#endif
}

/* Writes out what s has gathered. Returns non-zero on failure. */
static int flush(struct bg__file_sink *s)
{
    size_t n = s->buffered;

    if (n == 0)
        return 0;
    s->buffered = 0;
    if (bg__fd_sink_write(s->buf, n, &s->out) != 0)
        return 1;
    start_writeback(s);
    return 0;
}

int bg__file_sink_write(const void *data, size_t len, void *userdata)
{
    struct bg__file_sink *s = userdata;

    if (s->buf == NULL && len < BG__FILE_SINK_BUFFER)
        s->buf = calloc(1, BG__FILE_SINK_BUFFER);
    if (s->buf == NULL)
        return bg__fd_sink_write(data, len, &s->out);
    if (BG__FILE_SINK_BUFFER - s->buffered < len && flush(s) != 0)
        return 1;
    if (len >= BG__FILE_SINK_BUFFER)
        return bg__fd_sink_write(data, len, &s->out);
    memcpy(s->buf + s->buffered, data, len);
    s->buffered += len;
    return 0;
}

/* Splits path into a directory (".", when path has no slash) and a file
 * name; NULL when out of memory. The name points into path. */
static char *split_dir(const char *path, const char **name)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL) {
        *name = path;
        return strdup(".");
    }
    *name = slash + 1;
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

/* A name for the temporary file that is unlikely to be taken; a clash is
 * caught by O_EXCL and the caller draws again. */
static void tmp_suffix(char out[7])
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz"
                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    static atomic_uint_fast64_t counter;
    uint64_t x = (uint64_t)bg__mono_us() ^ ((uint64_t)getpid() << 32) ^
                 (atomic_fetch_add(&counter, 1) * 0x9E3779B97F4A7C15u);

    for (int i = 0; i < 6; i++) {
        x ^= x >> 29;
        x *= 0xBF58476D1CE4E5B9u;
        out[i] = alphabet[x % (sizeof alphabet - 1)];
    }
    out[6] = '\0';
}

/* Creates the temporary file. mkstemp() would make it 0600; opening with
 * O_EXCL and 0644 lets the kernel apply the umask without the process
 * having to read it (umask() is process-wide and racy). */
static int create_tmp(struct bg__file_sink *s, const char *dir,
                      const char *name, char *err, size_t errlen)
{
    size_t n = strlen(dir) + strlen(name) + 24;
    char suffix[7];
    int fd = -1;

    s->tmp = malloc(n);
    if (s->tmp == NULL)
        return -ENOMEM;
    for (int i = 0; i < TMP_TRIES && fd < 0; i++) {
        tmp_suffix(suffix);
        snprintf(s->tmp, n, "%s/.%s.bgtmp-%s", dir, name, suffix);
        fd = open(s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot create a temporary file in %s: %s", dir,
                 strerror(e));
        free(s->tmp);
        s->tmp = NULL;
        return -e;
    }
    return fd;
}

bg_result bg__file_sink_open(struct bg__file_sink *s, const char *path,
                             bg_progress_fn *fn, void *userdata, char *err,
                             size_t errlen)
{
    const char *name;
    char *dir;
    int fd;

    memset(s, 0, sizeof *s);
    s->out.fd = -1;
    if (path[0] == '\0' || path[strlen(path) - 1] == '/') {
        snprintf(err, errlen, "path must name a file");
        return BG_E_USAGE;
    }
    dir = split_dir(path, &name);
    s->path = strdup(path);
    if (dir == NULL || s->path == NULL) {
        free(dir);
        free(s->path);
        s->path = NULL;
        snprintf(err, errlen, "out of memory");
        return BG_E_NOMEM;
    }

    fd = create_tmp(s, dir, name, err, errlen);
    free(dir);
    if (fd < 0) {
        free(s->path);
        s->path = NULL;
        if (fd == -ENOMEM)
            snprintf(err, errlen, "out of memory");
        return fd == -ENOMEM ? BG_E_NOMEM : BG_E_IO;
    }
    bg__fd_sink_init(&s->out, fd, fn, userdata);
    return BG_OK;
}

/* Makes the rename durable. NOTE: best effort: once the rename is done the
 * target holds the complete body, so a directory that cannot be synced
 * (some file systems refuse) does not fail the call. */
static void sync_dir(const char *path)
{
    const char *name;
    char *dir = split_dir(path, &name);
    int fd;

    if (dir == NULL)
        return;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

bg_result bg__file_sink_commit(struct bg__file_sink *s, int64_t content_length,
                               char *err, size_t errlen)
{
    bg_result result = BG_E_IO;
    int fd = s->out.fd;

    if (flush(s) != 0) {
        snprintf(err, errlen, "cannot write the temporary file: %s",
                 strerror(s->out.err));
        goto out;
    }
    if (content_length >= 0 && s->out.written != (uint64_t)content_length) {
        snprintf(err, errlen,
                 "received %llu bytes, Content-Length announced %lld",
                 (unsigned long long)s->out.written, (long long)content_length);
        result = BG_E_INTERNAL;
        goto out;
    }
    if (fsync(fd) != 0) {
        snprintf(err, errlen, "cannot sync the temporary file: %s",
                 strerror(errno));
        goto out;
    }
    s->out.fd = -1;
    if (close(fd) != 0) {
        snprintf(err, errlen, "cannot close the temporary file: %s",
                 strerror(errno));
        goto out;
    }
    if (rename(s->tmp, s->path) != 0) {
        snprintf(err, errlen, "cannot rename over %s: %s", s->path,
                 strerror(errno));
        goto out;
    }
    free(s->tmp);
    s->tmp = NULL;
    sync_dir(s->path);
    result = BG_OK;

out:
    bg__file_sink_abort(s);
    return result;
}

void bg__file_sink_abort(struct bg__file_sink *s)
{
    if (s->out.fd >= 0)
        close(s->out.fd);
    s->out.fd = -1;
    if (s->tmp != NULL)
        unlink(s->tmp);
    free(s->tmp);
    free(s->path);
    free(s->buf);
    s->tmp = NULL;
    s->path = NULL;
    s->buf = NULL;
    s->buffered = 0;
}
