/* Raw requests for diagnostics: one method and path sent on one route (or
 * through the whole engine) as a chosen identity, where every answer the
 * server gives is a result to read, not an error. */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "engine.h"

static bg_result refuse(bg_report *rep, bg_result r, const char *detail)
{
    if (rep != NULL) {
        memset(rep, 0, sizeof *rep);
        rep->result = r;
        strncpy(rep->detail, detail, sizeof rep->detail - 1);
    }
    return r;
}

static int method_known(const char *m)
{
    static const char *const known[] = {"GET", "HEAD", "DELETE", "POST", "PUT"};

    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (strcmp(m, known[i]) == 0)
            return 1;
    return 0;
}

/* The operation a raw request is counted as, which also decides how
 * "Bucket not found" is classified: final for bucket requests, for object
 * reads a reason to try another route. */
static bg_op op_of(const char *method, const char *path)
{
    if (strcmp(path, "/bucket") == 0 || strncmp(path, "/bucket?", 8) == 0)
        return BG_OP_BUCKET_LIST;
    if (strncmp(path, "/bucket/", 8) == 0)
        return BG_OP_BUCKET_GET;
    if (strncmp(path, "/object/list/", 13) == 0)
        return BG_OP_LIST;
    return strcmp(method, "HEAD") == 0 ? BG_OP_EXISTS : BG_OP_INFO;
}

/* Whether r came from an answer of the server: those are results to read,
 * the rest (no answer, bad arguments, memory) are errors of the call. */
static int answered(bg_result r, const struct bg__response *rs,
                    const bg_report *rep)
{
    if (r == BG_E_USAGE || r == BG_E_NOMEM || r == BG_E_CONFIG ||
        r == BG_E_IO || r == BG_E_ABORTED)
        return 0;
    return rs->http_status != 0 || (rep != NULL && rep->http_status != 0);
}

BG_API bg_result bg_raw(bg_client *c, const char *route, const char *method,
                        const char *path, bg_auth auth, char **body,
                        bg_report *rep)
{
    struct bg__request rq;
    struct bg__response rs;
    bg_report local;
    bg_result r;

    if (body != NULL)
        *body = NULL;
    if (c == NULL || method == NULL || path == NULL || path[0] != '/' ||
        !method_known(method) || auth > BG_AUTH_NONE)
        return refuse(rep, BG_E_USAGE,
                      "a client, a method and a path from "
                      "'/' are needed");
    if (route != NULL && bg__routes_find(&c->routes, route) == (size_t)-1)
        return refuse(rep, BG_E_USAGE, "no route of that name");
    if (auth == BG_AUTH_ANON && c->cfg.anon_key == NULL)
        return refuse(rep, BG_E_CONFIG, "no anon key is configured");

    memset(&rq, 0, sizeof rq);
    rq.op = op_of(method, path);
    rq.method = method;
    rq.path = path;
    rq.use_anon = auth == BG_AUTH_ANON;
    rq.no_auth = auth == BG_AUTH_NONE;
    rq.idempotent = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    rq.probe = 2;
    rq.only_route = route;
    rq.body_fd = -1;

    if (rep == NULL)
        rep = &local;
    r = bg__perform(c, &rq, &rs, rep);
    if (answered(r, &rs, rep)) {
        r = BG_OK;
        rep->result = BG_OK;
        if (body != NULL && rs.body != NULL) {
            *body = rs.body;
            rs.body = NULL;
        }
    }
    bg__response_free(&rs);
    return r;
}
