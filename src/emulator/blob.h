/* Object bodies of the emulator: immutable, reference-counted files that
 * live in memory (memfd) or in a data directory, and the upload that
 * writes one chunk by chunk while computing its MD5. */
#ifndef EMU_BLOB_H
#define EMU_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct emu_blobs;
struct emu_blob;
struct emu_upload;

/* Creates the body space: files in dir, or anonymous memory when dir is
 * NULL. limit caps one body in bytes (0: no cap). NULL on failure with a
 * message in err. */
struct emu_blobs *emu_blobs_new(const char *dir, uint64_t limit, char *err,
                                size_t errlen);
void emu_blobs_free(struct emu_blobs *blobs);

/* Starts a body. NULL when no file can be created. Not shared between
 * threads; each upload belongs to one request. */
struct emu_upload *emu_upload_begin(struct emu_blobs *blobs);

/* Appends len bytes. Returns 0, or -1 on a write error or when the body
 * would pass the limit (emu_upload_too_large then tells which); after a
 * failure further writes are ignored. */
int emu_upload_write(struct emu_upload *up, const void *data, size_t len);
bool emu_upload_too_large(const struct emu_upload *up);
bool emu_upload_failed(const struct emu_upload *up);
uint64_t emu_upload_size(const struct emu_upload *up);

/* Turns the upload into a blob with one reference and frees up. NULL when
 * a write failed or memory ran out (up is freed either way). */
struct emu_blob *emu_upload_finish(struct emu_upload *up);

/* Discards an upload and its file. NULL is accepted. */
void emu_upload_abort(struct emu_upload *up);

/* A blob holding a copy of data; NULL on failure. */
struct emu_blob *emu_blob_from_bytes(struct emu_blobs *blobs, const void *data,
                                     size_t len);

/* Reference counting; the last unref removes the file. Thread-safe.
 * unref accepts NULL. */
struct emu_blob *emu_blob_ref(struct emu_blob *blob);
void emu_blob_unref(struct emu_blob *blob);

uint64_t emu_blob_size(const struct emu_blob *blob);

/* The body's MD5 as 32 lowercase hex digits. */
const char *emu_blob_md5(const struct emu_blob *blob);

/* Opens a new read-only descriptor on the body, independent of other
 * readers (its own file offset); the caller closes it. -1 on failure.
 * The descriptor stays valid after the blob is released. */
int emu_blob_open(const struct emu_blob *blob);

#endif
