/* The monitor's HTTP endpoints on libmicrohttpd. Handlers only read the
 * registry through the public exports; they never talk to Storage. The
 * server is bounded: a connection limit, a per-connection memory limit and
 * an idle timeout keep slow or abusive clients from starving /health. */
#include "httpd.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "status.h"

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT;
#else
typedef enum MHD_Result MHD_RESULT;
#endif

#define CONNECTION_LIMIT  512
#define IDLE_TIMEOUT_S    10
#define CONNECTION_MEMORY (32 * 1024)

struct bgd_httpd {
    struct MHD_Daemon *mhd;
    bg_client *client;
    struct bgd_history *history;
    char token[256];
    unsigned port;
};

static MHD_RESULT answer(struct MHD_Connection *conn, unsigned status,
                         const char *type, char *body)
{
    struct MHD_Response *r;
    MHD_RESULT ret;

    if (body == NULL)
        return MHD_NO;
    r = MHD_create_response_from_buffer(strlen(body), body,
                                        MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, "Allow", "GET, HEAD");
    ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static MHD_RESULT answer_error(struct MHD_Connection *conn, unsigned status,
                               const char *message)
{
    char *body = NULL;

    if (asprintf(&body, "{\"error\":\"%s\"}\n", message) < 0)
        return MHD_NO;
    return answer(conn, status, "application/json", body);
}

/* Compares in time independent of where the strings differ. */
static int token_ok(const struct bgd_httpd *d, struct MHD_Connection *conn)
{
    const char *auth;
    size_t i, n = strlen(d->token), m;
    unsigned char diff = 0;

    if (n == 0)
        return 1;
    auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                       MHD_HTTP_HEADER_AUTHORIZATION);
    if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0)
        return 0;
    auth += 7;
    m = strlen(auth);
    for (i = 0; i < n; i++)
        diff |= (unsigned char)d->token[i] ^ (unsigned char)auth[i < m ? i : 0];
    return diff == 0 && m == n;
}

static MHD_RESULT health(struct bgd_httpd *d, struct MHD_Connection *conn)
{
    char *json = NULL;
    bg_health h = bg_health_now(d->client, NULL, NULL);

    if (bg_health_json(d->client, &json) != BG_OK)
        return answer_error(conn, 500, "out of memory");
    return answer(conn, h == BG_UNHEALTHY ? 503 : 200, "application/json",
                  json);
}

/* Answers with what an export of the library produced. */
static MHD_RESULT from_library(struct MHD_Connection *conn, bg_result r,
                               char *text, const char *type)
{
    char *copy;

    if (r != BG_OK || text == NULL) {
        bg_free(text);
        return answer_error(conn, 500, bg_strerror(r));
    }
    copy = strdup(text);
    bg_free(text);
    if (copy == NULL)
        return MHD_NO;
    return answer(conn, 200, type, copy);
}

static MHD_RESULT route(struct bgd_httpd *d, struct MHD_Connection *conn,
                        const char *url)
{
    char *text = NULL;
    bg_result r;

    if (strcmp(url, "/health") == 0 || strcmp(url, "/health/fm027") == 0)
        return health(d, conn);
    if (!token_ok(d, conn))
        return answer_error(conn, MHD_HTTP_UNAUTHORIZED, "unauthorized");

    if (strcmp(url, "/metrics") == 0) {
        r = bg_metrics_prometheus(d->client, &text);
        return from_library(conn, r, text, "text/plain; version=0.0.4");
    }
    if (strcmp(url, "/metrics.json") == 0) {
        r = bg_metrics_json(d->client, &text);
        return from_library(conn, r, text, "application/json");
    }
    if (strcmp(url, "/routes") == 0) {
        r = bg_routes_json(d->client, &text);
        return from_library(conn, r, text, "application/json");
    }
    if (strcmp(url, "/") == 0)
        return answer(conn, 200, "text/html; charset=utf-8",
                      bgd_status_page(d->client, d->history));
    return answer_error(conn, MHD_HTTP_NOT_FOUND, "not found");
}

static MHD_RESULT on_request(void *cls, struct MHD_Connection *conn,
                             const char *url, const char *method,
                             const char *version, const char *upload_data,
                             size_t *upload_size, void **state)
{
    static int seen;

    (void)version;
    (void)upload_data;
    if (*state == NULL) {
        *state = &seen;
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
            return answer_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                                "method not allowed");
        return MHD_YES;
    }
    if (*upload_size != 0) {
        *upload_size = 0; /* a body on GET is read and ignored */
        return MHD_YES;
    }
    return route(cls, conn, url);
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss,
                        char *err, size_t errlen)
{
    char host[128] = "", port[16] = "";
    const char *colon = strrchr(listen, ':');
    struct addrinfo hints = {0}, *ai = NULL;

    if (colon == NULL || strlen(colon + 1) >= sizeof(port) ||
        (size_t)(colon - listen) >= sizeof(host)) {
        snprintf(err, errlen, "listen address must be HOST:PORT");
        return -1;
    }
    memcpy(host, listen, (size_t)(colon - listen));
    strcpy(port, colon + 1);
    if (host[0] == '[') {
        size_t n = strlen(host);
        if (n < 2 || host[n - 1] != ']') {
            snprintf(err, errlen, "listen address: unbalanced brackets");
            return -1;
        }
        host[n - 1] = '\0';
        memmove(host, host + 1, n - 1);
    }

    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host[0] ? host : NULL, port, &hints, &ai) != 0) {
        snprintf(err, errlen,
                 "listen address must be a numeric "
                 "HOST:PORT");
        return -1;
    }
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(ai);
    return 0;
}

struct bgd_httpd *bgd_httpd_start(bg_client *c, struct bgd_history *h,
                                  const char *listen, const char *token,
                                  char *err, size_t errlen)
{
    struct bgd_httpd *d;
    struct sockaddr_storage ss = {0};
    /* poll(), not epoll: edge-triggered epoll misses a FIN that arrives
     * with the request, so a client that half-closes after sending kept
     * its connection slot until the idle timeout. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
    const union MHD_DaemonInfo *info;

    if (parse_listen(listen, &ss, err, errlen) != 0)
        return NULL;
    if (token != NULL && strlen(token) >= sizeof(d->token)) {
        snprintf(err, errlen, "token longer than %zu bytes",
                 sizeof(d->token) - 1);
        return NULL;
    }
    d = calloc(1, sizeof(*d));
    if (d == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->client = c;
    d->history = h;
    if (token != NULL)
        strcpy(d->token, token);
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;

    d->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, d, MHD_OPTION_SOCK_ADDR, &ss,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
        MHD_OPTION_END);
    if (d->mhd == NULL) {
        snprintf(err, errlen, "cannot listen on %s", listen);
        free(d);
        return NULL;
    }
    info = MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_BIND_PORT);
    d->port = info ? info->port : 0;
    return d;
}

unsigned bgd_httpd_port(const struct bgd_httpd *d)
{
    return d->port;
}

void bgd_httpd_stop(struct bgd_httpd *d)
{
    if (d == NULL)
        return;
    MHD_stop_daemon(d->mhd);
    free(d);
}
