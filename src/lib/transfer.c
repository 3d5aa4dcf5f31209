/* One attempt with libcurl: the request is built from the route's header
 * profile and transport traits, the body streams from memory or a
 * descriptor, the answer's body goes to the deliver callback (2xx) or a
 * bounded error buffer, and the headers that matter are captured. */
#include "transfer.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <curl/curl.h>

#include "client.h"

#define USER_AGENT "bucketguard/" BG_VERSION

void bg__headers_init(struct bg__headers *h)
{
    memset(h, 0, sizeof *h);
    h->content_length = -1;
    h->range_start = -1;
    h->range_total = -1;
}

void bg__colo_from_ray(const char *ray, char *out, size_t n)
{
    const char *dash = strrchr(ray, '-');

    if (n == 0)
        return;
    out[0] = '\0';
    if (dash == NULL || dash[1] == '\0')
        return;
    snprintf(out, n, "%s", dash + 1);
}

static void copy_value(char *dst, size_t n, const char *v, size_t len)
{
    if (len >= n)
        len = n - 1;
    memcpy(dst, v, len);
    dst[len] = '\0';
}

/* "bytes 0-4/12" or "bytes 0-4/ *" into start and total. */
static void parse_content_range(struct bg__headers *h, const char *v)
{
    long long start = -1, end = -1, total = -1;

    if (strncasecmp(v, "bytes ", 6) != 0)
        return;
    if (sscanf(v + 6, "%lld-%lld/%lld", &start, &end, &total) >= 2) {
        h->range_start = start;
        h->range_total = total;
    }
}

static void parse_field(struct bg__headers *h, const char *name, size_t nlen,
                        const char *v, size_t vlen)
{
    char tmp[64];

#define IS(s) (nlen == sizeof(s) - 1 && strncasecmp(name, s, nlen) == 0)
    if (IS("cf-ray")) {
        copy_value(h->cf_ray, sizeof h->cf_ray, v, vlen);
        bg__colo_from_ray(h->cf_ray, h->colo, sizeof h->colo);
    } else if (IS("cf-cache-status")) {
        copy_value(h->cache_status, sizeof h->cache_status, v, vlen);
    } else if (IS("etag")) {
        copy_value(h->etag, sizeof h->etag, v, vlen);
    } else if (IS("retry-after")) {
        copy_value(h->retry_after, sizeof h->retry_after, v, vlen);
    } else if (IS("content-length")) {
        copy_value(tmp, sizeof tmp, v, vlen);
        char *end;
        long long n = strtoll(tmp, &end, 10);
        if (end != tmp && *end == '\0' && n >= 0)
            h->content_length = n;
    } else if (IS("content-range")) {
        copy_value(tmp, sizeof tmp, v, vlen);
        parse_content_range(h, tmp);
    }
#undef IS
}

void bg__headers_parse(struct bg__headers *h, const char *line, size_t len)
{
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
        len--;
    if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        const char *sp = memchr(line, ' ', len);
        bg__headers_init(h);
        if (sp != NULL && (size_t)(sp - line) + 4 <= len &&
            isdigit((unsigned char)sp[1]) && isdigit((unsigned char)sp[2]) &&
            isdigit((unsigned char)sp[3]))
            h->status =
                (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
        return;
    }

    const char *colon = memchr(line, ':', len);
    if (colon == NULL || colon == line)
        return;
    size_t nlen = (size_t)(colon - line);
    const char *v = colon + 1;
    size_t vlen = len - nlen - 1;
    while (vlen > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        vlen--;
    }
    while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
        vlen--;
    parse_field(h, line, nlen, v, vlen);
}

int bg__info_path(const char *path, char *out, size_t n)
{
    static const char prefix[] = "/object/";
    size_t plen = sizeof prefix - 1;

    if (strncmp(path, prefix, plen) != 0 || path[plen] == '\0' ||
        strncmp(path + plen, "info/", 5) == 0)
        return -1;
    int w = snprintf(out, n, "/object/info/%s", path + plen);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

static int is_2xx(int status)
{
    return status >= 200 && status < 300;
}

static size_t on_header(char *buf, size_t size, size_t n, void *ud)
{
    struct bg__attempt *a = ud;

    bg__headers_parse(&a->hdr, buf, size * n);
    return size * n;
}

static size_t on_write(char *buf, size_t size, size_t n, void *ud)
{
    struct bg__attempt *a = ud;
    size_t len = size * n;

    a->bytes += len;
    if (is_2xx(a->hdr.status)) {
        if (a->deliver != NULL && len > 0) {
            int rc = a->deliver(a, buf, len);
            if (rc != 0) {
                a->stopped = rc;
                return 0;
            }
        }
        return len;
    }

    size_t room = BG__ERROR_BODY_MAX - a->error_body->len;
    if (a->error_body->len < BG__ERROR_BODY_MAX)
        bg__buf_append(a->error_body, buf, len < room ? len : room);
    return len;
}

/* Tells the caller how much of the request body went out, at each whole
 * percent, so a progress bar moves without a call per read. */
static void report_progress(struct bg__attempt *a)
{
    const struct bg__request *rq = a->rq;
    uint64_t len = rq->body_len;
    unsigned pct;

    if (rq->progress == NULL || len == 0)
        return;
    pct = (unsigned)((uint64_t)a->body_read * 100 / len);
    if (a->body_read > 0 && pct == a->progress_pct)
        return;
    a->progress_pct = pct;
    rq->progress((uint64_t)a->body_read, (int64_t)len, rq->progress_userdata);
}

static size_t on_read(char *buf, size_t size, size_t n, void *ud)
{
    struct bg__attempt *a = ud;
    const struct bg__request *rq = a->rq;
    size_t want = size * n;
    size_t left = rq->body_len - (size_t)a->body_read;

    if (want > left)
        want = left;
    if (want == 0)
        return 0;
    if (rq->body_fd >= 0) {
        ssize_t got =
            pread(rq->body_fd, buf, want, rq->body_offset + a->body_read);
        if (got < 0)
            return CURL_READFUNC_ABORT;
        want = (size_t)got;
    } else {
        memcpy(buf, (const char *)rq->body + a->body_read, want);
    }
    a->body_read += (int64_t)want;
    report_progress(a);
    return want;
}

static int on_seek(void *ud, curl_off_t offset, int origin)
{
    struct bg__attempt *a = ud;

    if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > a->rq->body_len)
        return CURL_SEEKFUNC_CANTSEEK;
    a->body_read = offset;
    return CURL_SEEKFUNC_OK;
}

static int push(struct curl_slist **l, const char *line)
{
    struct curl_slist *n = curl_slist_append(*l, line);

    if (n == NULL)
        return -1;
    *l = n;
    return 0;
}

/* Pushes name followed by v. Lines that fit go through a buffer on the
 * stack: asprintf for the key lines of every attempt showed in the
 * instruction counts. */
static int push_pair(struct curl_slist **l, const char *name, const char *v)
{
    char buf[2048], *line = buf;
    size_t nlen = strlen(name), vlen = strlen(v);
    int rc;

    if (nlen + vlen >= sizeof buf && (line = malloc(nlen + vlen + 1)) == NULL)
        return -1;
    memcpy(line, name, nlen);
    memcpy(line + nlen, v, vlen + 1);
    rc = push(l, line);
    if (line != buf)
        free(line);
    return rc;
}

/* The route's extra header lines, separated by '\n'. */
static int push_lines(struct curl_slist **l, const char *text)
{
    char line[sizeof((struct bg__route_spec *)0)->headers];

    while (*text != '\0') {
        size_t len = strcspn(text, "\n");
        if (len > 0) {
            copy_value(line, sizeof line, text, len);
            if (push(l, line) != 0)
                return -1;
        }
        text += len;
        if (*text == '\n')
            text++;
    }
    return 0;
}

/* The default profile: library User-Agent (or the route's), Accept and
 * x-client-info, then the route's own lines. */
static int push_profile(struct curl_slist **l, const struct bg__route_spec *r)
{
    int rc = 0;

    if (r->ua_mode == BG__UA_DEFAULT)
        rc |= push(l, "User-Agent: " USER_AGENT);
    else if (r->ua_mode == BG__UA_CUSTOM)
        rc |= push_pair(l, "User-Agent: ", r->user_agent);
    rc |= push(l, "Accept: */*");
    rc |= push(l, "x-client-info: " USER_AGENT);
    if (r->conn_close)
        rc |= push(l, "Connection: close");
    rc |= push_lines(l, r->headers);
    return rc;
}

static int push_request(struct curl_slist **l, const struct bg__attempt *a)
{
    char range[64];
    int rc = 0;

    for (size_t i = 0; i < 8 && a->rq->headers[i] != NULL; i++)
        rc |= push(l, a->rq->headers[i]);
    if (a->range_from > 0) {
        snprintf(range, sizeof range, "Range: bytes=%llu-",
                 (unsigned long long)a->range_from);
        rc |= push(l, range);
        if (a->if_match != NULL && a->if_match[0] != '\0')
            rc |= push_pair(l, "If-Match: ", a->if_match);
    }
    if (a->send_body) /* no 100-continue round trip for uploads */
        rc |= push(l, "Expect:");
    return rc;
}

/* The minimal profile sends only Host, Authorization and apikey (plus
 * what the request itself needs); curl's default Accept is suppressed. */
static struct curl_slist *build_headers(const struct bg__attempt *a)
{
    struct curl_slist *l = NULL;
    int rc = 0;

    if (a->route->minimal)
        rc |= push(&l, "Accept:");
    else
        rc |= push_profile(&l, a->route);
    if (a->key != NULL && !a->rq->no_auth) {
        rc |= push_pair(&l, "apikey: ", a->key);
        rc |= push_pair(&l, "Authorization: Bearer ", a->key);
    }
    rc |= push_request(&l, a);
    if (rc != 0) {
        curl_slist_free_all(l);
        return NULL;
    }
    return l;
}

static long http_version(const struct bg__route_spec *r, const char *url)
{
    if (r->http == 11)
        return CURL_HTTP_VERSION_1_1;
    if (r->http == 2)
        return strncasecmp(url, "https:", 6) == 0 ? CURL_HTTP_VERSION_2TLS
                                                  : CURL_HTTP_VERSION_2_0;
    return CURL_HTTP_VERSION_NONE;
}

static void set_method(CURL *h, struct bg__attempt *a)
{
    const char *m = a->method;
    curl_off_t len = a->send_body ? (curl_off_t)a->rq->body_len : 0;

    if (strcmp(m, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
        return;
    }
    if (strcmp(m, "GET") == 0 && !a->send_body)
        return;
    if (strcmp(m, "PUT") == 0) {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, len);
    } else if (a->send_body || strcmp(m, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, len);
        if (strcmp(m, "POST") != 0)
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
    } else {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
    }
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, a);
    curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
    curl_easy_setopt(h, CURLOPT_SEEKDATA, a);
}

/* A pinned route connects to its address whatever the URL's host
 * resolves to. NOTE: CONNECT_TO rather than RESOLVE, because RESOLVE
 * entries land in the shared DNS cache and would steer other routes. */
static int set_pin(CURL *h, const struct bg_client *c, const char *addr,
                   struct curl_slist **connect_to)
{
    char line[128];
    int v6 = strchr(addr, ':') != NULL;

    snprintf(line, sizeof line, "::%s%s%s:%s", v6 ? "[" : "", addr,
             v6 ? "]" : "", c->port);
    if (push(connect_to, line) != 0)
        return -1;
    curl_easy_setopt(h, CURLOPT_CONNECT_TO, *connect_to);
    return 0;
}

static void set_transport(CURL *h, struct bg__attempt *a, const char *url)
{
    const struct bg__route_spec *r = a->route;
    struct bg_client *c = a->c;
    long version = http_version(r, url);

    curl_easy_setopt(h, CURLOPT_SHARE, c->share);
    curl_easy_setopt(h, CURLOPT_MAXCONNECTS, (long)BG__MAX_IDLE_CONNECTIONS);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, a->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, a->connect_ms);
    if (version != CURL_HTTP_VERSION_NONE)
        curl_easy_setopt(h, CURLOPT_HTTP_VERSION, version);
    if (r->ip == 4)
        curl_easy_setopt(h, CURLOPT_IPRESOLVE, CURL_IPRESOLVE_V4);
    else if (r->ip == 6)
        curl_easy_setopt(h, CURLOPT_IPRESOLVE, CURL_IPRESOLVE_V6);
    if (r->fresh) {
        curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
    }
    if (c->resolve != NULL)
        curl_easy_setopt(h, CURLOPT_RESOLVE, c->resolve);
    if (c->cfg.ca_bundle != NULL)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->cfg.ca_bundle);
}

static void collect(struct bg__attempt *a, CURL *h, CURLcode rc,
                    const char *errbuf)
{
    struct bg__answer *ans = &a->answer;
    long status = 0, request_size = 0;
    char *ip = NULL;

    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &request_size);
    if (curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK &&
        ip != NULL)
        copy_value(a->address, sizeof a->address, ip, strlen(ip));
    ans->curl_code = (int)rc;
    ans->http_status = (int)status;
    a->sent = request_size > 0 || a->body_read > 0;

    if (status != 0 && !is_2xx((int)status) && a->error_body->len > 0)
        bg__parse_error_body(a->error_body->data, a->error_body->len, ans);
    ans->truncated = is_2xx((int)status) && strcmp(a->method, "HEAD") != 0 &&
                     a->hdr.content_length >= 0 &&
                     a->bytes < (uint64_t)a->hdr.content_length;
    if (rc != CURLE_OK && ans->code[0] == '\0')
        snprintf(ans->code, sizeof ans->code, "%s",
                 bg__transport_class((int)rc));
    else if (ans->truncated && ans->code[0] == '\0')
        snprintf(ans->code, sizeof ans->code, "truncated");
    if (rc != CURLE_OK && ans->message[0] == '\0')
        bg__redact(ans->message, sizeof ans->message,
                   errbuf[0] ? errbuf : curl_easy_strerror(rc));
}

/* base followed by path, newly allocated; NULL when out of memory. */
static char *join(const char *base, const char *path)
{
    size_t blen = strlen(base), plen = strlen(path);
    char *s = malloc(blen + plen + 1);

    if (s != NULL) {
        memcpy(s, base, blen);
        memcpy(s + blen, path, plen + 1);
    }
    return s;
}

static void reset_results(struct bg__attempt *a)
{
    memset(&a->answer, 0, sizeof a->answer);
    bg__headers_init(&a->hdr);
    a->bytes = 0;
    a->address[0] = '\0';
    a->sent = a->stopped = 0;
    a->body_read = 0;
}

bg_result bg__transfer_begin(struct bg__attempt *a, struct bg__xfer *x)
{
    const char *base =
        a->route->base_url[0] ? a->route->base_url : a->c->cfg.url;

    memset(x, 0, sizeof *x);
    reset_results(a);
    if ((x->url = join(base, a->path)) == NULL)
        goto fail;
    if ((x->headers = build_headers(a)) == NULL ||
        (x->h = bg__client_take_handle(a->c)) == NULL)
        goto fail;
    if (a->route->address[0] != '\0' &&
        set_pin(x->h, a->c, a->route->address, &x->connect_to) != 0)
        goto fail;

    curl_easy_setopt(x->h, CURLOPT_URL, x->url);
    curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, x->headers);
    curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(x->h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(x->h, CURLOPT_HEADERDATA, a);
    curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(x->h, CURLOPT_WRITEDATA, a);
    set_transport(x->h, a, x->url);
    set_method(x->h, a);
    return BG_OK;

fail:
    bg__transfer_end(a, x, -1);
    return BG_E_NOMEM;
}

void bg__transfer_end(struct bg__attempt *a, struct bg__xfer *x, int curl_code)
{
    if (curl_code >= 0 && x->h != NULL)
        collect(a, x->h, (CURLcode)curl_code, x->errbuf);
    bg__client_put_handle(a->c, x->h);
    curl_slist_free_all(x->connect_to);
    curl_slist_free_all(x->headers);
    free(x->url);
    memset(x, 0, sizeof *x);
}

bg_result bg__transfer(struct bg__attempt *a)
{
    struct bg__xfer x;

    if (bg__transfer_begin(a, &x) != BG_OK)
        return BG_E_NOMEM;
    bg__transfer_end(a, &x, (int)curl_easy_perform(x.h));
    return BG_OK;
}
