/* The names of the library's enums as users and metrics see them, and the
 * one deallocator for memory the library hands out. */
#include <stdlib.h>
#include "bucketguard/bucketguard.h"

BG_API const char *bg_strerror(bg_result r)
{
    switch (r) {
    case BG_OK:
        return "success";
    case BG_E_USAGE:
        return "invalid argument";
    case BG_E_CONFIG:
        return "invalid or incomplete configuration";
    case BG_E_NOMEM:
        return "out of memory";
    case BG_E_NOT_FOUND:
        return "object or bucket not found";
    case BG_E_AUTH:
        return "key rejected or access denied";
    case BG_E_CONFLICT:
        return "already exists or not empty";
    case BG_E_REJECTED:
        return "request rejected as invalid";
    case BG_E_EXHAUSTED:
        return "every route failed";
    case BG_E_DEADLINE:
        return "deadline passed";
    case BG_E_BUDGET:
        return "retry budget spent";
    case BG_E_IO:
        return "local file or descriptor failed";
    case BG_E_ABORTED:
        return "stopped by a callback";
    case BG_E_INTERNAL:
        return "internal error";
    }
    return "unknown error";
}

BG_API const char *bg_outcome_name(bg_outcome o)
{
    switch (o) {
    case BG_OUTCOME_OK:
        return "ok";
    case BG_OUTCOME_DEFINITIVE:
        return "definitive";
    case BG_OUTCOME_ROUTE_SUSPECT:
        return "route_suspect";
    }
    return "unknown";
}

BG_API const char *bg_op_name(bg_op op)
{
    static const char *const names[BG_OP_COUNT] = {
        [BG_OP_EXISTS] = "exists",
        [BG_OP_INFO] = "info",
        [BG_OP_DOWNLOAD] = "download",
        [BG_OP_UPLOAD] = "upload",
        [BG_OP_REMOVE] = "remove",
        [BG_OP_LIST] = "list",
        [BG_OP_COPY] = "copy",
        [BG_OP_MOVE] = "move",
        [BG_OP_SIGN] = "sign",
        [BG_OP_BUCKET_LIST] = "bucket_list",
        [BG_OP_BUCKET_GET] = "bucket_get",
        [BG_OP_BUCKET_CREATE] = "bucket_create",
        [BG_OP_BUCKET_DELETE] = "bucket_delete",
        [BG_OP_BUCKET_CHECK] = "bucket_check",
    };

    if ((unsigned)op >= BG_OP_COUNT)
        return "unknown";
    return names[op];
}

BG_API const char *bg_log_level_name(bg_log_level level)
{
    switch (level) {
    case BG_LOG_ERROR:
        return "error";
    case BG_LOG_WARN:
        return "warn";
    case BG_LOG_INFO:
        return "info";
    case BG_LOG_DEBUG:
        return "debug";
    }
    return "unknown";
}

BG_API void bg_free(void *p)
{
    free(p);
}
