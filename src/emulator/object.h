/* Object operations of the Storage contract: upload, read (plain,
 * public, authenticated, signed), info, delete, copy and move, list and
 * sign. api.c routes to them after the credential check. */
#ifndef EMU_OBJECT_H
#define EMU_OBJECT_H

#include <jansson.h>

#include "api.h"

#define EMU_BUCKET_TEXT 256

/* How a read route treats the caller's credential. */
enum emu_access {
    EMU_ACCESS_DEFAULT = 0, /* a bad token counts as anonymous */
    EMU_ACCESS_PUBLIC,      /* public buckets only, credential ignored */
    EMU_ACCESS_AUTHENTICATED
};

/* The object a request names, and who asks. key is NULL when the route
 * names a bucket only. */
struct emu_target {
    char bucket[EMU_BUCKET_TEXT];
    const char *key;
    enum emu_access access;
    enum emu_caller caller;
};

/* Each answers into out; body is the parsed JSON body of the routes that
 * take one. None keeps a reference to its arguments. */
void emu_object_upload(const struct emu_api *api, struct emu_request *req,
                       const struct emu_target *t, struct emu_reply *out);
void emu_object_read(const struct emu_api *api, const struct emu_request *req,
                     const struct emu_target *t, struct emu_reply *out);
void emu_object_info(const struct emu_api *api, const struct emu_request *req,
                     const struct emu_target *t, struct emu_reply *out);
void emu_object_delete(const struct emu_api *api, const struct emu_target *t,
                       struct emu_reply *out);
void emu_object_delete_many(const struct emu_api *api,
                            const struct emu_target *t, const json_t *body,
                            struct emu_reply *out);
void emu_object_transfer(const struct emu_api *api,
                         const struct emu_request *req,
                         const struct emu_target *t, const json_t *body,
                         bool move, struct emu_reply *out);
void emu_object_list(const struct emu_api *api, const struct emu_target *t,
                     const json_t *body, struct emu_reply *out);
void emu_object_sign(const struct emu_api *api, const struct emu_target *t,
                     const json_t *body, struct emu_reply *out);
void emu_object_sign_batch(const struct emu_api *api,
                           const struct emu_target *t, const json_t *body,
                           struct emu_reply *out);
void emu_object_signed_read(const struct emu_api *api,
                            const struct emu_request *req,
                            const struct emu_target *t, struct emu_reply *out);

#endif
