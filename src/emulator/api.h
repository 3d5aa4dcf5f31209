/* The Storage contract of the emulator: a request (already read by the
 * HTTP server) is routed to its operation and answered in an emu_reply. */
#ifndef EMU_API_H
#define EMU_API_H

#include <stdbool.h>
#include <stddef.h>

#include "auth.h"
#include "blob.h"
#include "reply.h"
#include "store.h"

enum emu_prefix {
    EMU_PREFIX_BOTH = 0, /* paths with and without /storage/v1 */
    EMU_PREFIX_STORAGE,  /* only under /storage/v1 */
    EMU_PREFIX_NONE      /* only without */
};

/* What the server must collect of a request body before answering. */
enum emu_body_kind {
    EMU_BODY_NONE = 0, /* ignore the body */
    EMU_BODY_JSON,     /* keep it in memory (bounded) */
    EMU_BODY_UPLOAD    /* stream it into an emu_upload */
};

struct emu_api {
    struct emu_store *store;
    struct emu_keys keys;
};

/* One request. Header fields are NULL when the header is absent. */
struct emu_request {
    const char *method;
    const char *path;  /* prefix removed, percent-decoded, no query */
    const char *token; /* the ?token= query argument */
    const char *authorization;
    const char *apikey;
    const char *user_agent;
    const char *range;
    const char *if_none_match;
    const char *content_type;  /* of the body, or of a multipart file */
    const char *cache_control; /* header, or multipart cacheControl */
    const char *upsert;        /* x-upsert */
    const char *json;          /* EMU_BODY_JSON: the body */
    size_t json_len;
    bool body_too_large;       /* the body passed the server's bound */
    struct emu_upload *upload; /* EMU_BODY_UPLOAD; handle consumes it */
    unsigned hide_ms;          /* objects younger are not found */
};

/* The route part of path under mode, or NULL when mode does not serve
 * path. The result points into path. */
const char *emu_api_route_path(enum emu_prefix mode, const char *path);

/* What to collect of the body of method on path (a route path). */
enum emu_body_kind emu_api_body_kind(const char *method, const char *path);

/* Answers that no operation serves method on path (HTTP 404). */
void emu_api_route_not_found(const char *method, const char *path,
                             struct emu_reply *out);

/* Answers req into out (initialised by the caller). Consumes req->upload.
 * Thread-safe. */
void emu_api_handle(const struct emu_api *api, struct emu_request *req,
                    struct emu_reply *out);

#endif
