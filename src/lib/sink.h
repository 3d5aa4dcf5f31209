/* Download sinks: where the engine hands a download's body bytes. A memory
 * buffer, a caller's descriptor, and a file replaced atomically; each
 * keeps the error of its first failed write so the call can name it. */
#ifndef BG_SINK_H
#define BG_SINK_H

#include <stddef.h>
#include <stdint.h>
#include "bucketguard/bucketguard.h"

/* A buffer that grows with the body. Zero-initialise before use. */
struct bg__mem_sink {
    unsigned char *data; /* owned; NUL-terminated when not NULL */
    size_t len, cap;
    int nomem; /* an allocation failed: the call ends with BG_E_NOMEM */
};

/* bg_write_fn for a struct bg__mem_sink. Returns non-zero when out of
 * memory. */
int bg__mem_sink_write(const void *data, size_t len, void *userdata);

/* Frees the buffer of a sink that is not handed to the caller. */
void bg__mem_sink_release(struct bg__mem_sink *s);

/* A descriptor written from its current position, with full writes, and
 * progress reports at most four times a second. */
struct bg__fd_sink {
    int fd;
    int err;                  /* errno of the failed write, 0 when none */
    uint64_t written;         /* bytes written */
    bg_progress_fn *progress; /* may be NULL */
    void *progress_userdata;
    int64_t last_progress_us; /* monotonic time of the last report */
};

/* Prepares s to write to fd (not owned) with an optional progress
 * callback. */
void bg__fd_sink_init(struct bg__fd_sink *s, int fd, bg_progress_fn *fn,
                      void *userdata);

/* bg_write_fn for a struct bg__fd_sink: writes all of data, retrying on
 * EINTR and short writes. Returns non-zero, with s->err set, on failure. */
int bg__fd_sink_write(const void *data, size_t len, void *userdata);

/* A file written atomically: the body goes to a temporary file in the
 * target's directory, which replaces the target only once it is complete
 * and on disk. */
struct bg__file_sink {
    struct bg__fd_sink out; /* writes to the temporary file */
    char *path;             /* target, owned copy */
    char *tmp;              /* temporary file, NULL once renamed or gone */
    char *buf;              /* gathers small writes; NULL: none */
    size_t buffered;        /* bytes in buf */
    uint64_t flushed;       /* bytes whose writeback has been started */
};

/* bg_write_fn for a struct bg__file_sink: gathers the 16 KiB pieces
 * libcurl hands over into writes of BG__FILE_SINK_BUFFER bytes (one
 * write() per piece showed in a 1 GiB download's system time). Without
 * memory for the buffer it writes each piece at once. Returns non-zero,
 * with out.err set, on failure. */
#define BG__FILE_SINK_BUFFER (128 * 1024)
int bg__file_sink_write(const void *data, size_t len, void *userdata);

/* Creates the temporary file ".NAME.bgtmp-XXXXXX" next to path, mode
 * 0644 less the umask. Returns BG_E_USAGE (path names no file),
 * BG_E_NOMEM or BG_E_IO, with a one-line detail in err. */
bg_result bg__file_sink_open(struct bg__file_sink *s, const char *path,
                             bg_progress_fn *fn, void *userdata, char *err,
                             size_t errlen);

/* Completes the file: writes what is gathered, checks its length against
 * content_length (-1 when unknown), syncs it, renames it over the target and
 * syncs the directory. On any failure the temporary file is removed and the
 * target is left as it was. Returns BG_OK, BG_E_IO or BG_E_INTERNAL (length
 * mismatch) with a detail in err. Frees what s owns either way. */
bg_result bg__file_sink_commit(struct bg__file_sink *s, int64_t content_length,
                               char *err, size_t errlen);

/* Removes the temporary file and frees what s owns; the target is left as
 * it was. Safe after a commit. */
void bg__file_sink_abort(struct bg__file_sink *s);

#endif
