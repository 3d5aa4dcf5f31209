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

static void copy_value(char *dst, size_t n, const char *v, size_t len)
{
    if (len >= n)
        len = n - 1;
    memcpy(dst, v, len);
    dst[len] = '\0';
}

void bg__colo_from_ray(const char *ray, char *out, size_t n)
{
    const char *dash = strrchr(ray, '-');

    if (n == 0)
        return;
    out[0] = '\0';
    if (dash == NULL || dash[1] == '\0')
        return;
    copy_value(out, n, dash + 1, strlen(dash + 1));
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
    if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
        const char *sp = memchr(line, ' ', len);
        bg__headers_init(h);
        if (sp != NULL && (size_t)(sp - line) + 4 <= len &&
            isdigit((unsigned char)sp[1]) && isdigit((unsigned char)sp[2]) &&
            isdigit((unsigned char)sp[3]))
            h->status =
                (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
        return;
    }

    /* Every field kept starts with c, e or r: most lines of an answer
     * (date, server, last-modified ...) are passed over here. */
    switch (len > 0 ? line[0] | 0x20 : 0) {
    case 'c':
    case 'e':
    case 'r':
        break;
    default:
        return;
    }
    const char *colon = memchr(line, ':', len);
    if (colon == NULL)
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

/* The key an attempt authenticates with, NULL when it sends none. */
static const char *auth_key(const struct bg__attempt *a)
{
    return a->rq->no_auth ? NULL : a->key;
}

/* The lines of every request on route r with key: the minimal profile
 * sends only Host, Authorization and apikey (curl's default Accept is
 * suppressed), the others their header profile. */
static int push_route(struct curl_slist **l, const struct bg__route_spec *r,
                      const char *key)
{
    int rc = r->minimal ? push(l, "Accept:") : push_profile(l, r);

    if (key != NULL) {
        rc |= push_pair(l, "apikey: ", key);
        rc |= push_pair(l, "Authorization: Bearer ", key);
    }
    return rc;
}

/* Whether the request adds header lines of its own to the route's. */
static int own_lines(const struct bg__attempt *a)
{
    return a->rq->headers[0] != NULL || a->range_from > 0 || a->send_body;
}

/* The route's lines followed by the request's, for a request that has
 * its own; NULL when out of memory. */
static struct curl_slist *build_headers(const struct bg__attempt *a)
{
    struct curl_slist *l = NULL;

    if (push_route(&l, a->route, auth_key(a)) != 0 ||
        push_request(&l, a) != 0) {
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

/* Sets the method of a on h. A handle keeps the method of its last
 * request; a bodiless GET or HEAD after the same needs nothing, any other
 * change goes back to a plain GET first. */
static void set_method(struct bg__handle *hd, struct bg__attempt *a)
{
    CURL *h = hd->h;
    const char *m = a->method;
    curl_off_t len = a->send_body ? (curl_off_t)a->rq->body_len : 0;
    int plain =
        !a->send_body && (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0);

    if (plain && strcmp(hd->method, m) == 0)
        return;
    if (hd->method[0] != '\0' && strcmp(hd->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    strcpy(hd->method, plain ? m : "-");
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
static int set_pin(struct bg__handle *hd, const struct bg_client *c,
                   const char *addr)
{
    char line[128];
    int v6 = strchr(addr, ':') != NULL;

    snprintf(line, sizeof line, "::%s%s%s:%s", v6 ? "[" : "", addr,
             v6 ? "]" : "", c->port);
    if (push(&hd->connect_to, line) != 0)
        return -1;
    curl_easy_setopt(hd->h, CURLOPT_CONNECT_TO, hd->connect_to);
    return 0;
}

/* The options of every attempt on a's route with a's key, set once per
 * handle: callbacks, transport traits, the route's header lines. Returns
 * -1 (hd left blank) when out of memory. */
static int prepare_handle(struct bg__handle *hd, const struct bg__attempt *a,
                          const char *base)
{
    const struct bg__route_spec *r = a->route;
    struct bg_client *c = a->c;
    CURL *h = hd->h;
    long version = http_version(r, base);

    if (hd->route != NULL)
        bg__handle_blank(hd);
    hd->method[0] = '\0';
    if (push_route(&hd->headers, r, auth_key(a)) != 0 ||
        (r->address[0] != '\0' && set_pin(hd, c, r->address) != 0)) {
        bg__handle_blank(hd);
        return -1;
    }
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, hd->errbuf);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_SHARE, c->share);
    curl_easy_setopt(h, CURLOPT_MAXCONNECTS, (long)BG__MAX_IDLE_CONNECTIONS);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
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
    hd->route = r;
    hd->key = auth_key(a);
    return 0;
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

static void reset_results(struct bg__attempt *a)
{
    memset(&a->answer, 0, sizeof a->answer);
    bg__headers_init(&a->hdr);
    a->bytes = 0;
    a->address[0] = '\0';
    a->sent = a->stopped = 0;
    a->body_read = 0;
}

/* Sets the URL, base followed by path, unless the last request on hd had
 * the same. It is parsed here, once, and handed to libcurl parsed
 * (CURLOPT_CURLU): given as text, it would be parsed again by every
 * transfer, which showed as 5 % of a request's instructions. A URL the
 * parser refuses goes as text, for libcurl to refuse it the usual way.
 * Returns -1 when out of memory. */
static int set_url(struct bg__handle *hd, const char *base, const char *path)
{
    size_t blen = strlen(base), plen = strlen(path);
    CURLUcode uc;
    CURLcode rc;

    if (hd->url != NULL && strncmp(hd->url, base, blen) == 0 &&
        strcmp(hd->url + blen, path) == 0)
        return 0;
    free(hd->url);
    if ((hd->url = malloc(blen + plen + 1)) == NULL)
        return -1;
    memcpy(hd->url, base, blen);
    memcpy(hd->url + blen, path, plen + 1);
    if (hd->u == NULL && (hd->u = curl_url()) == NULL)
        goto fail;
    uc = curl_url_set(hd->u, CURLUPART_URL, hd->url,
                      CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME);
    if (uc == CURLUE_OUT_OF_MEMORY)
        goto fail;
    if (uc == CURLUE_OK) {
        rc = curl_easy_setopt(hd->h, CURLOPT_CURLU, hd->u);
    } else {
        curl_easy_setopt(hd->h, CURLOPT_CURLU, NULL);
        rc = curl_easy_setopt(hd->h, CURLOPT_URL, hd->url);
    }
    if (rc == CURLE_OK)
        return 0;
fail:
    free(hd->url);
    hd->url = NULL;
    return -1;
}

/* The options that may change from one request to the next. */
static void set_request(struct bg__handle *hd, struct bg__attempt *a,
                        const struct curl_slist *lines)
{
    CURL *h = hd->h;

    if (hd->lines != lines) {
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, lines);
        hd->lines = lines;
    }
    if (hd->data != a) {
        curl_easy_setopt(h, CURLOPT_HEADERDATA, a);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, a);
        hd->data = a;
    }
    if (hd->timeout_ms != a->timeout_ms) {
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, a->timeout_ms);
        hd->timeout_ms = a->timeout_ms;
    }
    if (hd->connect_ms != a->connect_ms) {
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, a->connect_ms);
        hd->connect_ms = a->connect_ms;
    }
    if (a->rq->sink != NULL && hd->buffer < BG__STREAM_BUFFER) {
        curl_easy_setopt(h, CURLOPT_BUFFERSIZE, (long)BG__STREAM_BUFFER);
        hd->buffer = BG__STREAM_BUFFER; /* kept for the handle's life */
    }
    hd->errbuf[0] = '\0';
    set_method(hd, a);
}

bg_result bg__transfer_begin(struct bg__attempt *a, struct bg__xfer *x)
{
    const char *base =
        a->route->base_url[0] ? a->route->base_url : a->c->cfg.url;
    struct bg__handle *hd;

    memset(x, 0, sizeof *x);
    reset_results(a);
    hd = bg__client_take_handle(a->c, a->route, auth_key(a));
    if (hd == NULL)
        return BG_E_NOMEM;
    x->hd = hd;
    x->h = hd->h;
    if ((hd->route != a->route || hd->key != auth_key(a)) &&
        prepare_handle(hd, a, base) != 0)
        goto fail;
    if (own_lines(a) && (x->headers = build_headers(a)) == NULL)
        goto fail;
    if (set_url(hd, base, a->path) != 0)
        goto fail;
    set_request(hd, a, x->headers != NULL ? x->headers : hd->headers);
    return BG_OK;

fail:
    bg__transfer_end(a, x, -1);
    return BG_E_NOMEM;
}

void bg__transfer_end(struct bg__attempt *a, struct bg__xfer *x, int curl_code)
{
    if (curl_code >= 0 && x->h != NULL)
        collect(a, x->h, (CURLcode)curl_code, x->hd->errbuf);
    if (x->headers != NULL && x->hd != NULL)
        x->hd->lines = NULL; /* points to the list freed below */
    bg__client_put_handle(a->c, x->hd);
    curl_slist_free_all(x->headers);
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
