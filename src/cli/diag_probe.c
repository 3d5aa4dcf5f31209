/* The observations of the diagnose command: the configuration as
 * described by the library, the service key as the server judges it, the
 * bucket, the object on every route alone, the public route, and the
 * re-checks that catch an object appearing late. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "diag.h"
#include "out.h"

/* ---- Shared helpers ------------------------------------------------- */

int diag_route_word(const char *name)
{
    static const char *const words[] = {"public", "authenticated", "info",
                                        "sign",   "list",          "upload"};

    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strcmp(name, words[i]) == 0)
            return 1;
    return 0;
}

/* Percent-encodes s for a path (slashes kept when keep_slash) at out + w;
 * returns the new length or -1 when it does not fit in n. */
static int encode_at(char *out, size_t n, size_t w, const char *s,
                     int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";

    for (; *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        int plain = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                    (ch >= '0' && ch <= '9') || strchr("-._~", ch) != NULL ||
                    (keep_slash && ch == '/');

        if (w + (plain ? 1 : 3) >= n)
            return -1;
        if (plain) {
            out[w++] = (char)ch;
        } else {
            out[w++] = '%';
            out[w++] = hex[ch >> 4];
            out[w++] = hex[ch & 15];
        }
    }
    out[w] = '\0';
    return (int)w;
}

int diag_path(char *out, size_t n, const char *prefix, const char *bucket,
              const char *key)
{
    int w = snprintf(out, n, "%s", prefix);

    if (w < 0 || (size_t)w >= n)
        return -1;
    w = encode_at(out, n, (size_t)w, bucket, 0);
    if (w < 0 || key == NULL)
        return w < 0 ? -1 : 0;
    if ((size_t)w + 1 >= n)
        return -1;
    out[w++] = '/';
    return encode_at(out, n, (size_t)w, key, 1) < 0 ? -1 : 0;
}

void diag_check(struct diag *d, const char *name, const char *status,
                const char *fmt, ...)
{
    char detail[DIAG_TEXT];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    json_array_append_new(d->checks,
                          json_pack("{s:s, s:s, s:s}", "name", name, "status",
                                    status, "detail", detail));
}

json_t *diag_config_get(const struct diag *d, const char *path)
{
    const char *dot = strchr(path, '.');
    char head[64];
    json_t *v;

    if (d->config == NULL || dot == NULL || (size_t)(dot - path) >= sizeof head)
        return NULL;
    memcpy(head, path, (size_t)(dot - path));
    head[dot - path] = '\0';
    v = json_object_get(json_object_get(d->config, head), dot + 1);
    return json_is_null(v) ? NULL : v;
}

const char *diag_dash(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : "-";
}

/* "400/404 NoSuchBucket" or "reset" from a report. */
static const char *answer_text(const bg_report *rep, char *buf, size_t n)
{
    if (rep->http_status == 0)
        snprintf(buf, n, "no answer (%s)", diag_dash(rep->code));
    else if (rep->body_status != 0)
        snprintf(buf, n, "%d/%d %s", rep->http_status, rep->body_status,
                 diag_dash(rep->code));
    else
        snprintf(buf, n, "%d%s%s", rep->http_status, rep->code[0] ? " " : "",
                 rep->code);
    return buf;
}

static int is_2xx(int status)
{
    return status >= 200 && status < 300;
}

/* ---- Configuration --------------------------------------------------- */

static void hygiene_text(const json_t *arr, char *buf, size_t n)
{
    size_t i;
    json_t *v;

    buf[0] = '\0';
    json_array_foreach(arr, i, v)
    {
        size_t w = strlen(buf);
        snprintf(buf + w, n - w, "%s%s", w ? ", " : "", json_string_value(v));
    }
}

static void check_key(struct diag *d, const char *name, const char *member)
{
    json_t *k = json_object_get(d->config, member);
    const char *format = json_string_value(json_object_get(k, "format"));
    const char *role = json_string_value(json_object_get(k, "role"));
    const char *ref = json_string_value(json_object_get(k, "ref"));
    json_t *exp = json_object_get(k, "exp");
    char clean[128], when[64] = "-";

    if (k == NULL || !json_is_true(json_object_get(k, "set"))) {
        diag_check(d, name, "info", "not set");
        return;
    }
    hygiene_text(json_object_get(k, "hygiene"), clean, sizeof clean);
    if (json_is_integer(exp)) {
        time_t t = (time_t)json_integer_value(exp);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    }
    diag_check(d, name,
               clean[0] || json_is_true(json_object_get(k, "expired")) ? "warn"
                                                                       : "pass",
               "format %s, role %s, ref %s, expires %s%s%s%s",
               diag_dash(format), diag_dash(role), diag_dash(ref), when,
               json_is_true(json_object_get(k, "expired")) ? " (expired)" : "",
               clean[0] ? "; removed from the value: " : "", clean);
}

int diag_observe_config(struct cli *c, struct diag *d)
{
    bg_config *cfg = NULL;
    char *text = NULL, clean[128];
    json_t *url;
    int rc = cli_config(c, &cfg);

    if (rc != 0)
        return rc;
    if (bg_config_describe(cfg, &text) != BG_OK) {
        bg_config_free(cfg);
        out_errorf(c->cmd, "out of memory");
        return CLI_EXIT_INTERNAL;
    }
    bg_config_free(cfg);
    d->config = json_loads(text, 0, NULL);
    bg_free(text);
    if (d->config == NULL) {
        out_errorf(c->cmd, "cannot read the configuration description");
        return CLI_EXIT_INTERNAL;
    }

    url = json_object_get(d->config, "url");
    hygiene_text(json_object_get(url, "hygiene"), clean, sizeof clean);
    diag_check(
        d, "url", clean[0] ? "warn" : "pass",
        "%s (scheme %s, host %s, project ref %s)%s%s",
        diag_dash(json_string_value(json_object_get(url, "url"))),
        diag_dash(json_string_value(json_object_get(url, "scheme"))),
        diag_dash(json_string_value(json_object_get(url, "host"))),
        diag_dash(json_string_value(json_object_get(url, "project_ref"))),
        clean[0] ? "; removed from the value: " : "", clean);
    check_key(d, "service key", "service_key");
    check_key(d, "anon key", "anon_key");
    return 0;
}

/* ---- The key as the server sees it ----------------------------------- */

static enum diag_key judge_key(const bg_report *rep, const char *message)
{
    int denied = rep->body_status == 403 || rep->http_status == 401 ||
                 rep->http_status == 403 ||
                 strcmp(rep->code, "AccessDenied") == 0 ||
                 strcmp(rep->code, "InvalidJWT") == 0;

    if (is_2xx(rep->http_status))
        return DIAG_KEY_ACCEPTED;
    if (rep->http_status >= 500 || rep->http_status == 429 ||
        rep->body_status >= 500 || rep->body_status == 429)
        return DIAG_KEY_UNAVAILABLE;
    if (!denied)
        return DIAG_KEY_REJECTED;
    if (strcasestr(message, "exp") != NULL &&
        strcasestr(message, "timestamp") != NULL)
        return DIAG_KEY_EXPIRED;
    if (strcasestr(message, "signature") != NULL)
        return DIAG_KEY_SIGNATURE;
    if (strcasestr(message, "JWS") != NULL ||
        strcasestr(message, "malformed") != NULL)
        return DIAG_KEY_MALFORMED;
    return DIAG_KEY_REJECTED;
}

void diag_observe_key(struct cli *c, struct diag *d)
{
    char *body = NULL, ans[96];
    json_t *doc;
    bg_result r;

    r = bg_raw(c->client, NULL, "GET", "/bucket", BG_AUTH_SERVICE, &body,
               &d->key_rep);
    if (r != BG_OK) {
        d->key_state = DIAG_KEY_UNKNOWN;
        diag_check(d, "key check", "fail", "GET /bucket: %s: %s",
                   bg_strerror(r), answer_text(&d->key_rep, ans, sizeof ans));
        bg_free(body);
        return;
    }
    doc = body != NULL ? json_loads(body, 0, NULL) : NULL;
    bg_free(body);
    snprintf(d->key_message, sizeof d->key_message, "%s",
             diag_dash(json_string_value(json_object_get(doc, "message"))));
    d->key_state = judge_key(&d->key_rep, d->key_message);
    if (d->key_state == DIAG_KEY_ACCEPTED && json_is_array(doc)) {
        d->buckets = doc;
        diag_check(d, "key check", "pass",
                   "GET /bucket with the service key: %d, %zu buckets "
                   "visible",
                   d->key_rep.http_status, json_array_size(doc));
        return;
    }
    json_decref(doc);
    diag_check(d, "key check",
               d->key_state == DIAG_KEY_ACCEPTED ? "pass" : "fail",
               "GET /bucket with the service key: %s \"%s\"",
               answer_text(&d->key_rep, ans, sizeof ans), d->key_message);
}

/* ---- The bucket ------------------------------------------------------ */

static void find_case_match(struct diag *d)
{
    size_t i;
    json_t *b;

    json_array_foreach(d->buckets, i, b)
    {
        const char *id = json_string_value(json_object_get(b, "id"));
        if (id != NULL && strcasecmp(id, d->bucket) == 0 &&
            strcmp(id, d->bucket) != 0) {
            snprintf(d->case_match, sizeof d->case_match, "%s", id);
            return;
        }
    }
}

static int key_is_anon(const struct diag *d)
{
    const char *role =
        json_string_value(diag_config_get(d, "service_key.role"));
    const char *format =
        json_string_value(diag_config_get(d, "service_key.format"));

    return (role != NULL && strcmp(role, "anon") == 0) ||
           (format != NULL && strcmp(format, "publishable") == 0) ||
           json_is_true(diag_config_get(d, "service_key.same_as_anon_key"));
}

void diag_observe_bucket(struct cli *c, struct diag *d)
{
    char path[1024], *body = NULL, ans[96];
    bg_report rep;
    json_t *doc;

    d->bucket_exists = DIAG_UNKNOWN;
    if (diag_route_word(d->bucket))
        diag_check(d, "bucket name", "warn",
                   "'%s' is also a route word of /object/ paths", d->bucket);
    if (d->key_state != DIAG_KEY_ACCEPTED || key_is_anon(d)) {
        diag_check(d, "bucket", "skip",
                   "cannot tell without a service key the server accepts");
        return;
    }
    if (diag_path(path, sizeof path, "/bucket/", d->bucket, NULL) != 0 ||
        bg_raw(c->client, NULL, "GET", path, BG_AUTH_SERVICE, &body, &rep) !=
            BG_OK) {
        diag_check(d, "bucket", "fail", "GET /bucket/ID: no answer");
        bg_free(body);
        return;
    }
    doc = body != NULL ? json_loads(body, 0, NULL) : NULL;
    bg_free(body);
    if (is_2xx(rep.http_status)) {
        d->bucket_exists = DIAG_YES;
        d->bucket_public = json_is_true(json_object_get(doc, "public"));
        diag_check(d, "bucket", "pass", "'%s' exists and is %s", d->bucket,
                   d->bucket_public ? "public" : "private");
    } else if (strcmp(rep.code, "NoSuchBucket") == 0) {
        d->bucket_exists = DIAG_NO;
        find_case_match(d);
        diag_check(d, "bucket", "fail", "'%s' does not exist (%s)%s%s%s",
                   d->bucket, answer_text(&rep, ans, sizeof ans),
                   d->case_match[0] ? "; '" : "", d->case_match,
                   d->case_match[0] ? "' does" : "");
    } else {
        diag_check(d, "bucket", "fail", "GET /bucket/ID: %s",
                   answer_text(&rep, ans, sizeof ans));
    }
    json_decref(doc);
}

/* ---- The object on every route --------------------------------------- */

static enum diag_kind kind_of(bg_result r, const bg_report *rep)
{
    if (r != BG_OK || rep->http_status == 0)
        return DIAG_FAILED;
    if (is_2xx(rep->http_status))
        return DIAG_FOUND;
    if (strcmp(rep->code, "NoSuchKey") == 0)
        return DIAG_MISSING;
    if (strcmp(rep->code, "NoSuchBucket") == 0)
        return DIAG_NO_BUCKET;
    if (rep->http_status == 401 || rep->http_status == 403 ||
        rep->body_status == 401 || rep->body_status == 403)
        return DIAG_DENIED;
    return DIAG_FAILED;
}

void diag_route_traits(bg_client *client, struct diag_route *routes, size_t n)
{
    char *text = NULL;
    json_t *arr, *row;
    size_t i, j;

    if (bg_routes_json(client, &text) != BG_OK)
        return;
    arr = json_loads(text, 0, NULL);
    bg_free(text);
    json_array_foreach(arr, i, row)
    {
        const char *name = json_string_value(json_object_get(row, "name"));
        json_t *ip = json_object_get(json_object_get(row, "traits"), "ip");
        for (j = 0; name != NULL && j < n; j++)
            if (strcmp(routes[j].name, name) == 0)
                routes[j].ip = (int)json_integer_value(ip);
    }
    json_decref(arr);
}

void diag_mark_na(struct diag_route *routes, size_t n)
{
    int seen4 = 0, seen6 = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        const char *a = routes[i].rep.address;
        if (routes[i].rep.http_status != 0 && a[0] != '\0')
            *(strchr(a, ':') != NULL ? &seen6 : &seen4) = 1;
    }
    for (i = 0; i < n; i++) {
        struct diag_route *r = &routes[i];
        if (r->kind == DIAG_FAILED && r->rep.http_status == 0 &&
            ((r->ip == 6 && !seen6) || (r->ip == 4 && !seen4)))
            r->kind = DIAG_NA;
    }
}

static void check_route(struct diag *d, const struct diag_route *r)
{
    static const char *const status[] = {"pass", "info", "fail",
                                         "fail", "fail", "skip"};
    char name[64], ans[96];

    snprintf(name, sizeof name, "route %s", r->name);
    diag_check(d, name, status[r->kind],
               "%s%s, %.1f ms, colo %s, cache %s, address %s%s",
               r->kind == DIAG_MISSING ? "object missing: " : "",
               answer_text(&r->rep, ans, sizeof ans),
               (double)r->rep.duration_us / 1000.0, diag_dash(r->rep.colo),
               diag_dash(r->rep.cache_status), diag_dash(r->rep.address),
               r->kind == DIAG_NA ? " (no address of this family)" : "");
}

int diag_observe_routes(struct cli *c, struct diag *d)
{
    char path[1400];
    size_t i, n = bg_route_count(c->client);

    if (diag_path(path, sizeof path, "/object/info/", d->bucket, d->key) != 0)
        return cli_usage_error(c->cmd, "the bucket or key is too long");
    if (n > DIAG_MAX_ROUTES)
        n = DIAG_MAX_ROUTES;
    for (i = 0; i < n; i++) {
        struct diag_route *r = &d->routes[i];
        snprintf(r->name, sizeof r->name, "%s", bg_route_name(c->client, i));
        r->result = bg_raw(c->client, r->name, "GET", path, BG_AUTH_SERVICE,
                           NULL, &r->rep);
        r->kind = kind_of(r->result, &r->rep);
    }
    d->nroutes = n;
    diag_route_traits(c->client, d->routes, n);
    diag_mark_na(d->routes, n);
    for (i = 0; i < n; i++)
        check_route(d, &d->routes[i]);
    return 0;
}

/* ---- The public route -------------------------------------------------- */

/* The first route that reached the object, else the first route. */
static const char *working_route(struct cli *c, const struct diag *d)
{
    for (size_t i = 0; i < d->nroutes; i++)
        if (d->routes[i].kind == DIAG_FOUND)
            return d->routes[i].name;
    return bg_route_name(c->client, 0);
}

void diag_observe_public(struct cli *c, struct diag *d)
{
    int asked = strcmp(d->form, "public") == 0;
    char path[1400], ans[96];
    bg_report rep;

    if (d->bucket_exists != DIAG_YES || (d->bucket_public && !asked))
        return;
    if (diag_path(path, sizeof path, "/object/public/", d->bucket, d->key))
        return;
    d->public_checked = 1;

    /* One route alone: through the engine, "Bucket not found" for a bucket
     * that exists would be retried round after round. */
    if (bg_raw(c->client, working_route(c, d),
               d->bucket_public ? "HEAD" : "GET", path, BG_AUTH_SERVICE, NULL,
               &rep) != BG_OK) {
        diag_check(d, "public route", "fail", "no answer: %s",
                   answer_text(&rep, ans, sizeof ans));
        return;
    }
    d->public_rep = rep;
    diag_check(d, "public route",
               is_2xx(rep.http_status) ? "pass"
               : asked                 ? "fail"
                                       : "info",
               "/object/public/ with the service key: %s%s",
               answer_text(&rep, ans, sizeof ans),
               d->bucket_public ? ""
                                : " (the bucket is private: public URLs "
                                  "never serve it)");
}

/* ---- Late appearance ------------------------------------------------- */

static double mono_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_seconds(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        continue;
}

/* The route to re-check on: the first whose answer was "no such key". */
static const char *missing_route(const struct diag *d)
{
    size_t i, missing = 0;

    for (i = 0; i < d->nroutes; i++) {
        if (d->routes[i].kind == DIAG_FOUND)
            return NULL;
        missing += d->routes[i].kind == DIAG_MISSING;
    }
    for (i = 0; missing > 0 && i < d->nroutes; i++)
        if (d->routes[i].kind == DIAG_MISSING)
            return d->routes[i].name;
    return NULL;
}

void diag_observe_late(struct cli *c, struct diag *d)
{
    static const double delays[] = {1, 2, 3, 5, 8};
    const char *route = missing_route(d);
    char path[1400];
    double start = mono_seconds();
    size_t i;

    d->found_after = -1;
    if (route == NULL || d->key_state != DIAG_KEY_ACCEPTED || key_is_anon(d) ||
        diag_path(path, sizeof path, "/object/info/", d->bucket, d->key))
        return;
    snprintf(d->recheck_route, sizeof d->recheck_route, "%s", route);
    d->rechecked = 1;
    for (i = 0; i < sizeof delays / sizeof *delays; i++) {
        bg_report rep;
        sleep_seconds(delays[i]);
        if (bg_raw(c->client, route, "GET", path, BG_AUTH_SERVICE, NULL,
                   &rep) == BG_OK &&
            is_2xx(rep.http_status)) {
            d->found_after = mono_seconds() - start;
            break;
        }
    }
    d->waited = mono_seconds() - start;
    if (d->found_after >= 0)
        diag_check(d, "late re-check", "warn",
                   "found on route %s after %.1f s (re-check %zu of 5)", route,
                   d->found_after, i + 1);
    else
        diag_check(d, "late re-check", "fail",
                   "still missing on route %s after %.1f s (5 re-checks)",
                   route, d->waited);
}
