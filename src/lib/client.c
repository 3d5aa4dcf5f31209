/* Creation and teardown of a client: the configuration copy, libcurl's
 * process-wide setup, the share handle and its locks, the pool of easy
 * handles, the host's addresses, the route table and the retry budget. */
#include "client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "engine.h"
#include "registry.h"

static _Thread_local char client_error[256];
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_code;

static void curl_init(void)
{
    curl_init_code = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void set_error(const char *msg)
{
    bg__redact(client_error, sizeof client_error, msg);
}

BG_API const char *bg_client_error(void)
{
    return client_error;
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access,
                       void *userdata)
{
    struct bg_client *c = userdata;

    (void)h;
    (void)access;
    if (data >= 0 && data < CURL_LOCK_DATA_LAST)
        pthread_mutex_lock(&c->share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *userdata)
{
    struct bg_client *c = userdata;

    (void)h;
    if (data >= 0 && data < CURL_LOCK_DATA_LAST)
        pthread_mutex_unlock(&c->share_locks[data]);
}

static bg_result share_init(struct bg_client *c)
{
    CURLSHcode rc = CURLSHE_OK;
    int nomem = 0;

    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&c->share_locks[i], NULL);
    c->share = curl_share_init();
    if (c->share == NULL)
        return BG_E_NOMEM;

    rc |= curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock);
    rc |= curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    rc |= curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
    /* Sharing allocates: its failure is memory, not a bug. */
    static const curl_lock_data shared[] = {
        CURL_LOCK_DATA_DNS, CURL_LOCK_DATA_CONNECT, CURL_LOCK_DATA_SSL_SESSION};
    for (size_t i = 0; i < sizeof shared / sizeof *shared; i++) {
        CURLSHcode one =
            curl_share_setopt(c->share, CURLSHOPT_SHARE, shared[i]);
        nomem |= one == CURLSHE_NOMEM;
        rc |= one;
    }
    if (nomem)
        return BG_E_NOMEM;
    return rc == CURLSHE_OK ? BG_OK : BG_E_INTERNAL;
}

/* Host and port of the storage root, the host without IPv6 brackets. */
static bg_result parse_host(struct bg_client *c)
{
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL;
    bg_result result = BG_E_CONFIG;

    if (u == NULL)
        return BG_E_NOMEM;
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, c->cfg.url, 0);
    if (uc == CURLUE_OK)
        uc = curl_url_get(u, CURLUPART_HOST, &host, 0);
    if (uc == CURLUE_OK)
        uc = curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    if (uc == CURLUE_OUT_OF_MEMORY) {
        result = BG_E_NOMEM;
        goto out;
    }
    if (uc != CURLUE_OK) {
        set_error("the url has no host");
        goto out;
    }

    size_t n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        host[n - 1] = '\0';
        memmove(host, host + 1, n - 1);
    }
    if (strlen(host) >= sizeof c->host || strlen(port) >= sizeof c->port) {
        set_error("the url's host is too long");
        goto out;
    }
    strcpy(c->host, host);
    strcpy(c->port, port);
    result = BG_OK;

out:
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return result;
}

static void add_addr(struct bg_client *c, const char *addr, size_t len)
{
    if (len >= 2 && addr[0] == '[' && addr[len - 1] == ']') {
        addr++;
        len -= 2;
    }
    if (len == 0 || len >= sizeof c->addrs[0] || c->naddrs == BG__MAX_ADDRS)
        return;
    for (size_t i = 0; i < c->naddrs; i++)
        if (strlen(c->addrs[i]) == len && memcmp(c->addrs[i], addr, len) == 0)
            return;
    memcpy(c->addrs[c->naddrs], addr, len);
    c->addrs[c->naddrs][len] = '\0';
    c->naddrs++;
}

/* Addresses from cfg.resolve ("host:port:addr[,addr]") when it names our
 * host and port. Returns 1 when it did. */
static int addrs_from_resolve(struct bg_client *c)
{
    const char *r = c->cfg.resolve;
    const char *colon1, *colon2;

    if (r == NULL || (colon1 = strchr(r, ':')) == NULL ||
        (colon2 = strchr(colon1 + 1, ':')) == NULL)
        return 0;
    if ((size_t)(colon1 - r) != strlen(c->host) ||
        strncasecmp(r, c->host, strlen(c->host)) != 0 ||
        (size_t)(colon2 - colon1 - 1) != strlen(c->port) ||
        strncmp(colon1 + 1, c->port, strlen(c->port)) != 0)
        return 0;

    for (const char *p = colon2 + 1; *p != '\0';) {
        size_t len = strcspn(p, ",");
        add_addr(c, p, len);
        p += len;
        if (*p == ',')
            p++;
    }
    return c->naddrs > 0;
}

/* NOTE: resolution failure leaves no edge routes; the other routes still
 * work because libcurl resolves again on every connection. */
static void addrs_from_dns(struct bg_client *c)
{
    struct addrinfo hints, *res = NULL;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(c->host, c->port, &hints, &res) != 0)
        return;
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        char text[INET6_ADDRSTRLEN];
        const void *src;
        if (ai->ai_family == AF_INET)
            src = &((struct sockaddr_in *)ai->ai_addr)->sin_addr;
        else if (ai->ai_family == AF_INET6)
            src = &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
        else
            continue;
        if (inet_ntop(ai->ai_family, src, text, sizeof text) != NULL)
            add_addr(c, text, strlen(text));
    }
    freeaddrinfo(res);
}

static void warn_clean(const struct bg_client *c, const char *what,
                       unsigned bits)
{
    static const struct {
        unsigned bit;
        const char *text;
    } notes[] = {
        {BG__CLEAN_NEWLINE, "had a trailing newline; removed"},
        {BG__CLEAN_QUOTES, "had surrounding quotes; removed"},
        {BG__CLEAN_SPACE, "had surrounding blanks; removed"},
        {BG__CLEAN_SLASH, "had a trailing slash; removed"},
        {BG__CLEAN_PREFIX, "had a doubled /storage/v1; collapsed"},
    };

    for (size_t i = 0; i < sizeof notes / sizeof *notes; i++)
        if (bits & notes[i].bit)
            bg__logf(&c->cfg.log, BG_LOG_WARN, "msg=\"%s %s\"", what,
                     notes[i].text);
}

static void log_setup(const struct bg_client *c)
{
    warn_clean(c, "url", c->cfg.url_clean);
    warn_clean(c, "service key", c->cfg.service_clean);
    warn_clean(c, "anon key", c->cfg.anon_clean);
    if (c->cfg.kill_switch)
        bg__logf(&c->cfg.log, BG_LOG_WARN,
                 "msg=\"kill switch on: one route, no retries\"");
    bg__logf(&c->cfg.log, BG_LOG_INFO,
             "msg=\"client ready\" routes=%zu addresses=%zu", c->routes.n,
             c->naddrs);
}

static bg_result routes_setup(struct bg_client *c)
{
    const char *addrs[BG__MAX_ADDRS];
    int skip_browser;

    for (size_t i = 0; i < c->naddrs; i++)
        addrs[i] = c->addrs[i];
    skip_browser = c->cfg.service_key != NULL &&
                   strncmp(c->cfg.service_key, "sb_secret_", 10) == 0;
    return bg__routes_init(&c->routes, &c->cfg, skip_browser, addrs, c->naddrs);
}

/* Everything after the configuration copy; undone by client_teardown. */
static bg_result client_setup(struct bg_client *c)
{
    bg_result result;

    pthread_mutex_init(&c->pool_lock, NULL);
    pthread_mutex_init(&c->bucket_lock, NULL);
    bg__budget_init(&c->budget, c->cfg.budget_ratio, c->cfg.budget_min_per_sec,
                    c->cfg.budget_cap, bg__mono_us());
    if ((c->registry = bg__registry_new(&c->cfg)) == NULL)
        return BG_E_NOMEM;
    if ((result = share_init(c)) != BG_OK)
        return result;
    if (c->cfg.resolve != NULL &&
        (c->resolve = curl_slist_append(NULL, c->cfg.resolve)) == NULL)
        return BG_E_NOMEM;
    if ((result = parse_host(c)) != BG_OK)
        return result;
    if (!addrs_from_resolve(c))
        addrs_from_dns(c);
    if ((result = routes_setup(c)) != BG_OK) {
        set_error(c->cfg.err[0] ? c->cfg.err : "no usable route");
        return result;
    }
    c->routes_ready = 1;
    return BG_OK;
}

static void client_teardown(struct bg_client *c)
{
    if (c->routes_ready)
        bg__routes_free(&c->routes);
    for (unsigned i = 0; i < c->npool; i++)
        bg__handle_free(c->pool[i]);
    curl_slist_free_all(c->resolve);
    if (c->share != NULL)
        curl_share_cleanup(c->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&c->share_locks[i]);
    bg__registry_free(c->registry);
    bg__budget_destroy(&c->budget);
    pthread_mutex_destroy(&c->bucket_lock);
    pthread_mutex_destroy(&c->pool_lock);
}

BG_API bg_result bg_client_new(const bg_config *cfg, bg_client **out)
{
    struct bg_client *c = NULL;
    bg_result result;

    client_error[0] = '\0';
    if (cfg == NULL || out == NULL) {
        set_error("no configuration or no place for the client");
        return BG_E_USAGE;
    }
    *out = NULL;
    pthread_once(&curl_once, curl_init);
    if (curl_init_code != CURLE_OK) {
        set_error("libcurl could not be initialised");
        return BG_E_INTERNAL;
    }
    if ((c = calloc(1, sizeof *c)) == NULL)
        return BG_E_NOMEM;
    if ((result = bg__config_copy(&c->cfg, cfg)) != BG_OK) {
        free(c);
        set_error("out of memory copying the configuration");
        return result;
    }
    if ((result = bg_config_validate(&c->cfg)) != BG_OK) {
        set_error(c->cfg.err);
        bg__config_release(&c->cfg);
        free(c);
        return result;
    }

    result = client_setup(c);
    if (result != BG_OK) {
        if (client_error[0] == '\0')
            set_error(result == BG_E_NOMEM ? "out of memory"
                                           : "the client could not be set up");
        client_teardown(c);
        bg__config_release(&c->cfg);
        free(c);
        return result;
    }
    log_setup(c);
    *out = c;
    return BG_OK;
}

BG_API void bg_client_free(bg_client *c)
{
    if (c == NULL)
        return;
    client_teardown(c);
    bg__config_release(&c->cfg);
    free(c);
}

void bg__client_emit(struct bg_client *c, const bg_event *ev)
{
    bg__registry_record(c->registry, ev);
    if (c->cfg.event_fn != NULL)
        c->cfg.event_fn(ev, c->cfg.event_ud);
}

/* Frees what the options of hd point to. */
static void drop_prepared(struct bg__handle *hd)
{
    curl_slist_free_all(hd->headers);
    curl_slist_free_all(hd->connect_to);
    curl_url_cleanup(hd->u);
    free(hd->url);
}

void bg__handle_blank(struct bg__handle *hd)
{
    CURL *h = hd->h;

    curl_easy_reset(h);
    drop_prepared(hd);
    memset(hd, 0, sizeof *hd);
    hd->h = h;
}

void bg__handle_free(struct bg__handle *hd)
{
    if (hd == NULL)
        return;
    curl_easy_cleanup(hd->h);
    drop_prepared(hd);
    free(hd);
}

struct bg__handle *bg__client_take_handle(struct bg_client *c,
                                          const struct bg__route_spec *route,
                                          const char *key)
{
    struct bg__handle *hd = NULL;

    pthread_mutex_lock(&c->pool_lock);
    if (c->npool > 0) {
        unsigned i = c->npool - 1;
        while (i > 0 && (c->pool[i]->route != route || c->pool[i]->key != key))
            i--;
        hd = c->pool[i];
        c->pool[i] = c->pool[--c->npool];
    }
    pthread_mutex_unlock(&c->pool_lock);
    if (hd != NULL)
        return hd;
    if ((hd = calloc(1, sizeof *hd)) != NULL &&
        (hd->h = curl_easy_init()) == NULL) {
        free(hd);
        hd = NULL;
    }
    return hd;
}

void bg__client_put_handle(struct bg_client *c, struct bg__handle *hd)
{
    if (hd == NULL)
        return;
    pthread_mutex_lock(&c->pool_lock);
    if (c->npool < BG__POOL_MAX) {
        c->pool[c->npool++] = hd;
        hd = NULL;
    }
    pthread_mutex_unlock(&c->pool_lock);
    bg__handle_free(hd);
}

enum bg__bucket_state bg__client_bucket_get(struct bg_client *c, const char *id)
{
    enum bg__bucket_state state = BG__BUCKET_UNKNOWN;
    int64_t now = bg__mono_us();

    pthread_mutex_lock(&c->bucket_lock);
    for (size_t i = 0; i < BG__BUCKETS; i++) {
        struct bg__bucket_entry *e = &c->buckets[i];
        if (e->state != BG__BUCKET_UNKNOWN && e->expires_us > now &&
            strcmp(e->id, id) == 0) {
            state = e->state;
            break;
        }
    }
    pthread_mutex_unlock(&c->bucket_lock);
    return state;
}

void bg__client_bucket_put(struct bg_client *c, const char *id,
                           enum bg__bucket_state state)
{
    int64_t now = bg__mono_us();
    struct bg__bucket_entry *slot = NULL;

    if (strlen(id) >= BG__BUCKET_MAX || c->cfg.bucket_ttl <= 0)
        return;
    pthread_mutex_lock(&c->bucket_lock);
    for (size_t i = 0; i < BG__BUCKETS; i++) {
        struct bg__bucket_entry *e = &c->buckets[i];
        if (strcmp(e->id, id) == 0) {
            slot = e;
            break;
        }
        if (slot == NULL || e->expires_us < slot->expires_us)
            slot = e;
    }
    strcpy(slot->id, id);
    slot->state = state;
    slot->expires_us = now + (int64_t)(c->cfg.bucket_ttl * 1e6);
    pthread_mutex_unlock(&c->bucket_lock);
}

struct bg__registry *bg__client_registry(struct bg_client *c)
{
    return c->registry;
}
