/* libmicrohttpd glue. Each listening address gets its own daemon with a
 * thread per connection, so a stalled or delayed request only holds its
 * own thread. A request is read in three steps (headers, body chunks,
 * end); the fault rules are asked once, when the headers are in. */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "clock.h"
#include "control.h"
#include "response.h"

#define JSON_BODY_MAX  (1024 * 1024)
#define POST_BUFFER    (64 * 1024)
#define STALL_MAX_MS   120000
#define NAP_MS         20
#define IDLE_TIMEOUT_S 60

struct edge {
    struct emu_server *server;
    struct emu_edge_config config;
    struct MHD_Daemon *daemon;
};

struct emu_server {
    struct emu_server_config config;
    struct edge *edges;
    unsigned port;
    int64_t start_ms;
    atomic_uint_fast64_t ordinal;
    atomic_uint_fast64_t rays;
    atomic_bool stopping;
};

/* One request while it is being read and answered. */
struct exchange {
    struct edge *edge;
    char *path;
    char *method;
    const char *route; /* into path; NULL when the prefix mode refuses it */
    int64_t start_us;
    bool control;
    enum emu_body_kind kind;
    char *text; /* JSON or control body */
    size_t text_len;
    bool too_large;
    struct emu_upload *upload;
    struct MHD_PostProcessor *form;
    bool multipart;
    bool in_file_part;
    char part_type[EMU_META_TEXT];
    char form_cache_control[EMU_META_TEXT];
    struct emu_action action;
    int status; /* 0 until answered */
};

static int64_t now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Sleeps ms milliseconds in short naps; returns early on shutdown. */
static void nap(struct emu_server *s, int64_t ms)
{
    int64_t end = emu_mono_ms() + ms;
    struct timespec step = {0, NAP_MS * 1000000L};

    while (!atomic_load(&s->stopping) && emu_mono_ms() < end)
        nanosleep(&step, NULL);
}

static void exchange_free(struct exchange *x)
{
    if (x->form)
        MHD_destroy_post_processor(x->form);
    emu_upload_abort(x->upload);
    free(x->text);
    free(x->path);
    free(x->method);
    free(x);
}

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static void append_text(struct exchange *x, const char *data, size_t len)
{
    char *grown;

    if (x->too_large || x->text_len + len > JSON_BODY_MAX) {
        x->too_large = true;
        return;
    }
    grown = realloc(x->text, x->text_len + len + 1);
    if (!grown) {
        x->too_large = true;
        return;
    }
    memcpy(grown + x->text_len, data, len);
    x->text = grown;
    x->text_len += len;
    x->text[x->text_len] = '\0';
}

static void append_field(char *field, size_t cap, const char *data, size_t len)
{
    size_t used = strlen(field);

    if (used + len < cap) {
        memcpy(field + used, data, len);
        field[used + len] = '\0';
    }
}

/* Multipart uploads as supabase-js sends them: a cacheControl field and
 * one file part (its name does not matter, it may be empty). */
static enum MHD_Result on_form_part(void *cls, enum MHD_ValueKind kind,
                                    const char *key, const char *filename,
                                    const char *content_type,
                                    const char *transfer_encoding,
                                    const char *data, uint64_t off, size_t size)
{
    struct exchange *x = cls;
    bool field = key && (strcmp(key, "cacheControl") == 0 ||
                         strcmp(key, "metadata") == 0);

    (void)kind;
    (void)filename;
    (void)transfer_encoding;
    if (key && strcmp(key, "cacheControl") == 0) {
        append_field(x->form_cache_control, sizeof(x->form_cache_control), data,
                     size);
        return MHD_YES;
    }
    if (off == 0) {
        x->in_file_part = !field && !x->upload;
        if (x->in_file_part) {
            x->upload = emu_upload_begin(
                emu_store_blobs(x->edge->server->config.api->store));
            snprintf(x->part_type, sizeof(x->part_type), "%s",
                     content_type ? content_type : "");
        }
    }
    if (x->in_file_part && x->upload && size)
        emu_upload_write(x->upload, data, size);
    return MHD_YES;
}

static void start_upload(struct exchange *x, struct MHD_Connection *c)
{
    const char *type = header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
    struct emu_server *s = x->edge->server;

    if (type && strncasecmp(type, "multipart/form-data", 19) == 0) {
        x->form = MHD_create_post_processor(c, POST_BUFFER, on_form_part, x);
        x->multipart = x->form != NULL;
        if (x->form)
            return;
    }
    x->upload = emu_upload_begin(emu_store_blobs(s->config.api->store));
}

static void collect(struct exchange *x, const char *data, size_t len)
{
    if (x->control || x->kind == EMU_BODY_JSON)
        append_text(x, data, len);
    else if (x->form)
        MHD_post_process(x->form, data, len);
    else if (x->upload)
        emu_upload_write(x->upload, data, len);
}

static void fill_traits(struct exchange *x, struct MHD_Connection *c,
                        const char *version, struct emu_traits *t)
{
    struct emu_server *s = x->edge->server;
    const char *ua = header(c, MHD_HTTP_HEADER_USER_AGENT);
    const char *connection = header(c, MHD_HTTP_HEADER_CONNECTION);
    int count = MHD_get_connection_values(c, MHD_HEADER_KIND, NULL, NULL);

    t->method = x->method;
    t->path = x->route ? x->route : x->path;
    t->user_agent = ua ? ua : "";
    t->connection = connection ? connection : "";
    t->header_count = count > 0 ? (unsigned)count : 0;
    t->version = version;
    t->edge = x->edge->config.address;
    t->ordinal = atomic_fetch_add(&s->ordinal, 1) + 1;
    t->now_ms = emu_mono_ms() - s->start_ms;
}

/* Resets the connection now. SO_LINGER 0 alone is not enough: MHD shuts
 * the socket down (FIN) before closing it, and the client would see an
 * orderly end. Disconnecting a TCP socket with connect(AF_UNSPEC) makes
 * Linux send the RST at once; MHD's own close then finds nothing to do. */
static void reset_connection(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct linger off = {1, 0};
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};

    if (!info)
        return;
    setsockopt(info->connect_fd, SOL_SOCKET, SO_LINGER, &off, sizeof(off));
    connect(info->connect_fd, &unspec, sizeof(unspec));
}

/* Asks the fault rules; returns MHD_NO when the action ends the
 * connection instead of answering. */
static enum MHD_Result apply_fault(struct exchange *x, struct MHD_Connection *c,
                                   const char *version)
{
    struct emu_server *s = x->edge->server;
    struct emu_traits traits;

    fill_traits(x, c, version, &traits);
    if (s->config.faults)
        emu_faults_match(s->config.faults, &traits, &x->action);
    emu_stats_request(s->config.stats, x->edge->config.address,
                      x->action.kind ? x->action.rule : NULL);
    switch (x->action.kind) {
    case EMU_ACT_RESET:
        reset_connection(c);
        return MHD_NO;
    case EMU_ACT_STALL:
        nap(s, STALL_MAX_MS);
        return MHD_NO;
    case EMU_ACT_DELAY:
        nap(s, x->action.delay_ms);
        return MHD_YES;
    default:
        return MHD_YES;
    }
}

static enum MHD_Result begin(struct edge *edge, struct MHD_Connection *c,
                             const char *url, const char *method,
                             const char *version, void **req_cls)
{
    struct emu_server *s = edge->server;
    struct exchange *x = calloc(1, sizeof(*x));

    if (!x)
        return MHD_NO;
    *req_cls = x;
    x->edge = edge;
    x->start_us = now_us();
    x->path = strdup(url);
    x->method = strdup(method);
    if (!x->path || !x->method)
        return MHD_NO;
    x->control = s->config.control && emu_control_path(x->path);
    if (x->control)
        return MHD_YES;

    x->route = emu_api_route_path(s->config.prefix, x->path);
    if (apply_fault(x, c, version) == MHD_NO)
        return MHD_NO;
    if (x->route && x->action.kind != EMU_ACT_STATUS)
        x->kind = emu_api_body_kind(method, x->route);
    if (x->kind == EMU_BODY_UPLOAD)
        start_upload(x, c);
    return MHD_YES;
}

static void read_request(struct exchange *x, struct MHD_Connection *c,
                         struct emu_request *req)
{
    const char *cache_control = header(c, MHD_HTTP_HEADER_CACHE_CONTROL);

    memset(req, 0, sizeof(*req));
    req->method = x->method;
    req->path = x->route;
    req->token = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
    req->authorization = header(c, MHD_HTTP_HEADER_AUTHORIZATION);
    req->apikey = header(c, "apikey");
    req->user_agent = header(c, MHD_HTTP_HEADER_USER_AGENT);
    req->range = header(c, MHD_HTTP_HEADER_RANGE);
    req->if_none_match = header(c, MHD_HTTP_HEADER_IF_NONE_MATCH);
    req->content_type = header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
    req->cache_control = cache_control;
    req->upsert = header(c, "x-upsert");
    req->json = x->text;
    req->json_len = x->text_len;
    req->body_too_large = x->too_large;
    if (x->multipart) {
        req->content_type = x->part_type;
        if (x->form_cache_control[0])
            req->cache_control = x->form_cache_control;
    }
    if (x->action.kind == EMU_ACT_HIDE_NEW)
        req->hide_ms = x->action.hide_ms;
}

/* A fault's own answer: its status and JSON body. */
static void fault_reply(const struct emu_action *a, struct emu_reply *out)
{
    bool json = a->body[0] == '{' || a->body[0] == '[';

    emu_reply_raw(out, a->status, a->body,
                  json ? "application/json; charset=utf-8" : NULL);
}

static void answer(struct exchange *x, struct MHD_Connection *c,
                   struct emu_reply *out)
{
    struct emu_server *s = x->edge->server;
    struct emu_request req;

    if (x->control) {
        emu_control_handle(s->config.faults, s->config.stats, x->method,
                           x->path, x->text, x->text_len, out);
        return;
    }
    if (x->action.kind == EMU_ACT_STATUS) {
        fault_reply(&x->action, out);
        return;
    }
    if (!x->route) {
        emu_api_route_not_found(x->method, x->path, out);
        return;
    }
    if (x->form) {
        MHD_destroy_post_processor(x->form);
        x->form = NULL;
        if (!x->upload)
            x->upload = emu_upload_begin(emu_store_blobs(s->config.api->store));
        x->kind = EMU_BODY_UPLOAD;
    }
    read_request(x, c, &req);
    req.upload = x->upload;
    x->upload = NULL;
    emu_api_handle(s->config.api, &req, out);
}

/* cf-ray: 16 hex digits, distinct per answer, then the edge's colo. */
static void add_edge_headers(struct exchange *x, struct MHD_Response *resp,
                             const char *cache_status)
{
    struct emu_server *s = x->edge->server;
    uint64_t z = atomic_fetch_add(&s->rays, 1) + 0x9e3779b97f4a7c15ULL;
    char ray[40];

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    snprintf(ray, sizeof(ray), "%016llx-%s", (unsigned long long)z,
             x->edge->config.colo);
    MHD_add_response_header(resp, "cf-ray", ray);
    MHD_add_response_header(resp, "cf-cache-status", cache_status);
    MHD_add_response_header(resp, "server", "cloudflare");
}

static enum MHD_Result finish(struct exchange *x, struct MHD_Connection *c)
{
    struct emu_server *s = x->edge->server;
    uint64_t cut =
        x->action.kind == EMU_ACT_CUT ? x->action.cut_bytes : EMU_NO_CUT;
    struct MHD_Response *resp;
    struct emu_reply reply;
    enum MHD_Result result = MHD_NO;

    emu_reply_init(&reply);
    answer(x, c, &reply);
    resp = emu_response_new(&reply, cut);
    if (!resp)
        goto out;
    add_edge_headers(x, resp, reply.cache_status);
    result = MHD_queue_response(c, (unsigned)reply.status, resp);
    MHD_destroy_response(resp);
    if (result == MHD_YES) {
        x->status = reply.status;
        if (!x->control)
            emu_stats_status(s->config.stats, reply.status);
    }
out:
    emu_reply_release(&reply);
    return result;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *data,
                                  size_t *data_size, void **req_cls)
{
    struct exchange *x = *req_cls;

    if (!x)
        return begin(cls, c, url, method, version, req_cls);
    if (*data_size) {
        collect(x, data, *data_size);
        *data_size = 0;
        return MHD_YES;
    }
    return finish(x, c);
}

/* Writes s with bytes outside printable ASCII (and blanks) as %XX, so a
 * log line stays one line of key=value pairs. */
static void log_word(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p > ' ' && *p < 0x7f && *p != '%')
            fputc(*p, f);
        else
            fprintf(f, "%%%02X", *p);
    }
}

static void log_request(const struct exchange *x)
{
    double ms = (double)(now_us() - x->start_us) / 1000.0;

    flockfile(stderr);
    fputs("method=", stderr);
    log_word(stderr, x->method ? x->method : "-");
    fputs(" path=", stderr);
    log_word(stderr, x->path ? x->path : "-");
    fprintf(stderr, " status=%d edge=%s colo=%s rule=%s ms=%.2f\n", x->status,
            x->edge->config.address, x->edge->config.colo,
            x->action.kind ? x->action.rule : "-", ms);
    funlockfile(stderr);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode why)
{
    struct exchange *x = *req_cls;
    struct emu_server *s = cls;

    (void)c;
    (void)why;
    if (!x)
        return;
    if (!s->config.quiet)
        log_request(x);
    exchange_free(x);
    *req_cls = NULL;
}

/* Opens a listening TCP socket on address:port; *bound receives the port
 * in use. -1 on failure with a message in err. */
static int open_listener(const char *address, unsigned port, unsigned *bound,
                         char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    socklen_t len = sizeof(ss);
    int one = 1;
    int fd;

    memset(&ss, 0, sizeof(ss));
    if (inet_pton(AF_INET, address, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        len = sizeof(*v4);
    } else if (inet_pton(AF_INET6, address, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        len = sizeof(*v6);
    } else {
        snprintf(err, errlen, "not an IP address: %s", address);
        return -1;
    }

    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        (ss.ss_family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
        bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 128) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
        snprintf(err, errlen, "cannot listen on %s port %u: %s", address, port,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *bound = ntohs(ss.ss_family == AF_INET ? v4->sin_port : v6->sin6_port);
    return fd;
}

static struct MHD_Daemon *start_daemon(struct edge *edge, int fd)
{
    const struct emu_server_config *cfg = &edge->server->config;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
    struct MHD_OptionItem options[] = {
        {MHD_OPTION_LISTEN_SOCKET, fd, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, edge->server},
        {MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT_S, NULL},
        {MHD_OPTION_END, 0, NULL},
        {MHD_OPTION_END, 0, NULL},
        {MHD_OPTION_END, 0, NULL},
    };

    if (strchr(edge->config.address, ':'))
        flags |= MHD_USE_IPv6;
    if (cfg->tls_cert) {
        flags |= MHD_USE_TLS;
        options[3] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0,
                                             (void *)cfg->tls_cert};
        options[4] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0,
                                             (void *)cfg->tls_key};
    }
    return MHD_start_daemon(flags, 0, NULL, NULL, on_request, edge,
                            MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

static int start_edge(struct emu_server *s, size_t i, char *err, size_t errlen)
{
    struct edge *edge = &s->edges[i];
    unsigned port = i == 0 ? s->config.port : s->port;
    int fd;

    edge->server = s;
    edge->config = s->config.edges[i];
    fd = open_listener(edge->config.address, port, &s->port, err, errlen);
    if (fd < 0)
        return -1;
    edge->daemon = start_daemon(edge, fd);
    if (!edge->daemon) {
        close(fd);
        snprintf(err, errlen, "cannot start the HTTP server on %s%s",
                 edge->config.address,
                 s->config.tls_cert ? " (check the TLS certificate and key)"
                                    : "");
        return -1;
    }
    return 0;
}

struct emu_server *emu_server_start(const struct emu_server_config *config,
                                    char *err, size_t errlen)
{
    struct emu_server *s = calloc(1, sizeof(*s));

    if (!s || !(s->edges = calloc(config->edge_count, sizeof(*s->edges)))) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->config = *config;
    s->start_ms = emu_mono_ms();
    atomic_init(&s->ordinal, 0);
    atomic_init(&s->rays, 0);
    atomic_init(&s->stopping, false);
    if (config->tls_cert && !MHD_is_feature_supported(MHD_FEATURE_TLS)) {
        snprintf(err, errlen, "libmicrohttpd was built without TLS");
        goto fail;
    }
    for (size_t i = 0; i < config->edge_count; i++)
        if (start_edge(s, i, err, errlen) != 0)
            goto fail;
    return s;
fail:
    emu_server_stop(s);
    return NULL;
}

unsigned emu_server_port(const struct emu_server *server)
{
    return server->port;
}

void emu_server_stop(struct emu_server *server)
{
    if (!server)
        return;
    atomic_store(&server->stopping, true);
    for (size_t i = 0; i < server->config.edge_count; i++)
        if (server->edges[i].daemon)
            MHD_stop_daemon(server->edges[i].daemon);
    free(server->edges);
    free(server);
}
