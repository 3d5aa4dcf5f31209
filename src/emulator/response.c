/* Responses: file bodies go out with MHD's fd responses (sendfile, no
 * copy), memory bodies as buffers, cut bodies through a reader callback
 * that fails once the cut is reached. */
#include "response.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CUT_BLOCK (64 * 1024)

struct cut_body {
    int fd;     /* -1: memory */
    char *body; /* owned, when fd < 0 */
    uint64_t offset;
    uint64_t cut;
};

static ssize_t read_cut(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct cut_body *cb = cls;
    size_t n;
    ssize_t got;

    if (pos >= cb->cut)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    n = cb->cut - pos < max ? (size_t)(cb->cut - pos) : max;
    if (cb->fd < 0) {
        memcpy(buf, cb->body + pos, n);
        return (ssize_t)n;
    }
    do
        got = pread(cb->fd, buf, n, (off_t)(cb->offset + pos));
    while (got < 0 && errno == EINTR);
    return got > 0 ? got : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void free_cut(void *cls)
{
    struct cut_body *cb = cls;

    if (cb->fd >= 0)
        close(cb->fd);
    free(cb->body);
    free(cb);
}

static struct MHD_Response *cut_response(struct emu_reply *r, uint64_t len,
                                         uint64_t cut)
{
    struct cut_body *cb = malloc(sizeof(*cb));
    struct MHD_Response *resp;

    if (!cb)
        return NULL;
    cb->fd = r->fd;
    cb->body = r->body;
    cb->offset = r->offset;
    cb->cut = cut;
    resp = MHD_create_response_from_callback(len, CUT_BLOCK, read_cut, cb,
                                             free_cut);
    if (!resp) {
        free(cb);
        return NULL;
    }
    r->fd = -1;
    r->body = NULL;
    return resp;
}

static struct MHD_Response *plain_response(struct emu_reply *r)
{
    struct MHD_Response *resp;

    if (r->fd >= 0 && r->length > 0) {
        resp = MHD_create_response_from_fd_at_offset64(r->length, r->fd,
                                                       r->offset);
        if (resp)
            r->fd = -1;
        return resp;
    }
    resp = MHD_create_response_from_buffer(r->body_len, r->body,
                                           MHD_RESPMEM_MUST_FREE);
    if (resp)
        r->body = NULL;
    return resp;
}

struct MHD_Response *emu_response_new(struct emu_reply *r, uint64_t cut)
{
    uint64_t len = r->fd >= 0 ? r->length : r->body_len;
    struct MHD_Response *resp;

    if (cut < len)
        resp = cut_response(r, len, cut);
    else
        resp = plain_response(r);
    if (!resp)
        return NULL;
    for (unsigned i = 0; i < r->header_count; i++)
        MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
    return resp;
}
