/* The route.NAME.KEY settings: changes to the built-in routes and the
 * user's own routes, each a header profile and a transport choice. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "confval.h"

/* The User-Agent of the default header profile, as route.c builds it. */
#define DEFAULT_UA "bucketguard/" BG_VERSION

#define FIELD(p, off, type) (*(type *)((char *)(p) + (off)))

typedef bg_result route_setter_fn(struct bg_config *cfg,
                                  struct bg__route_spec *r, const char *name,
                                  const char *value, size_t off);

struct route_key {
    const char *key;
    route_setter_fn *set;
    size_t off;
};

static bg_result route_bool(struct bg_config *cfg, struct bg__route_spec *r,
                            const char *name, const char *value, size_t off)
{
    int v = bg__parse_bool(value);

    if (v < 0)
        return bg__cfg_invalid(cfg, name, "1/0, true/false, yes/no or on/off",
                               value);
    FIELD(r, off, int) = v;
    return BG_OK;
}

/* Picks one of a few words; *out gets the matching number. */
static int pick(const char *value, const char *const *words, const int *numbers,
                size_t n, int *out)
{
    char word[16];
    size_t i, len;

    while (isspace((unsigned char)*value))
        value++;
    len = strlen(value);
    while (len > 0 && isspace((unsigned char)value[len - 1]))
        len--;
    if (len >= sizeof(word))
        return 0;
    memcpy(word, value, len);
    word[len] = '\0';
    for (i = 0; i < n; i++) {
        if (strcasecmp(word, words[i]) == 0) {
            *out = numbers[i];
            return 1;
        }
    }
    return 0;
}

static bg_result route_choice(struct bg_config *cfg, struct bg__route_spec *r,
                              const char *name, const char *value, size_t off)
{
    static const char *const conn[] = {"close", "keep-alive"};
    static const int conn_v[] = {1, 0};
    static const char *const ip[] = {"4", "6", "any"};
    static const int ip_v[] = {4, 6, 0};
    static const char *const http[] = {"1.1", "2", "default"};
    static const int http_v[] = {11, 2, 0};
    int ok, v = 0;

    if (off == offsetof(struct bg__route_spec, conn_close)) {
        ok = pick(value, conn, conn_v, 2, &v);
        if (!ok)
            return bg__cfg_invalid(cfg, name, "close or keep-alive", value);
    } else if (off == offsetof(struct bg__route_spec, ip)) {
        ok = pick(value, ip, ip_v, 3, &v);
        if (!ok)
            return bg__cfg_invalid(cfg, name, "4, 6 or any", value);
    } else {
        ok = pick(value, http, http_v, 3, &v);
        if (!ok)
            return bg__cfg_invalid(cfg, name, "1.1, 2 or default", value);
    }
    FIELD(r, off, int) = v;
    return BG_OK;
}

static bg_result route_user_agent(struct bg_config *cfg,
                                  struct bg__route_spec *r, const char *name,
                                  const char *value, size_t off)
{
    char *v = bg__cfg_trimmed(value);

    (void)off;
    if (v == NULL)
        return bg__cfg_nomem(cfg);
    if (!bg__printable(v, 1) || strlen(v) >= sizeof(r->user_agent)) {
        free(v);
        return bg__cfg_invalid(cfg, name, "printable text under 200 characters",
                               value);
    }
    if (strcasecmp(v, "none") == 0) {
        r->ua_mode = BG__UA_NONE;
        r->user_agent[0] = '\0';
    } else if (*v == '\0' || strcasecmp(v, "default") == 0) {
        r->ua_mode = BG__UA_DEFAULT;
        snprintf(r->user_agent, sizeof(r->user_agent), "%s", DEFAULT_UA);
    } else {
        r->ua_mode = BG__UA_CUSTOM;
        snprintf(r->user_agent, sizeof(r->user_agent), "%s", v);
    }
    free(v);
    return BG_OK;
}

static bg_result route_address(struct bg_config *cfg, struct bg__route_spec *r,
                               const char *name, const char *value, size_t off)
{
    char *v = bg__cfg_trimmed(value);
    char *a = v;
    unsigned char bin[16];
    size_t len;

    (void)off;
    if (v == NULL)
        return bg__cfg_nomem(cfg);
    len = strlen(a);
    if (len >= 2 && a[0] == '[' && a[len - 1] == ']') {
        a[len - 1] = '\0';
        a++;
    }
    if (*a == '\0' || strcasecmp(a, "none") == 0) {
        r->address[0] = '\0';
    } else if (inet_pton(AF_INET, a, bin) == 1 ||
               inet_pton(AF_INET6, a, bin) == 1) {
        snprintf(r->address, sizeof(r->address), "%s", a);
    } else {
        free(v);
        return bg__cfg_invalid(cfg, name, "an IPv4 or IPv6 address, or none",
                               value);
    }
    free(v);
    return BG_OK;
}

/* NOTE: a route's base_url is normalised with the storage_prefix in force
 * when it is set, and not again when the prefix changes later. */
static bg_result route_base_url(struct bg_config *cfg, struct bg__route_spec *r,
                                const char *name, const char *value, size_t off)
{
    char problem[128] = "";
    char *v = strdup(value);
    char *url = NULL;
    unsigned clean = 0;

    (void)off;
    if (v == NULL)
        return bg__cfg_nomem(cfg);
    bg__clean_value(v);
    if (*v == '\0' || strcasecmp(v, "none") == 0) {
        r->base_url[0] = '\0';
        free(v);
        return BG_OK;
    }
    url = bg__normalize_url(v, cfg->storage_prefix, &clean, problem,
                            sizeof(problem));
    free(v);
    if (url == NULL && strcmp(problem, "out of memory") == 0)
        return bg__cfg_nomem(cfg);
    if (url != NULL && strlen(url) >= sizeof(r->base_url))
        snprintf(problem, sizeof(problem), "it is longer than 255 bytes");
    if (url == NULL || strlen(url) >= sizeof(r->base_url)) {
        free(url);
        return bg__cfg_invalid_secret(cfg, name, problem);
    }
    snprintf(r->base_url, sizeof(r->base_url), "%s", url);
    free(url);
    return BG_OK;
}

/* Appends one "Name: value" line; "" or "none" removes them all. The
 * client's own credentials headers cannot be replaced this way, which
 * also keeps keys out of route definitions. */
static bg_result route_header(struct bg_config *cfg, struct bg__route_spec *r,
                              const char *name, const char *value, size_t off)
{
    char *v = bg__cfg_trimmed(value);
    size_t have = strlen(r->headers), nlen, len;

    (void)off;
    if (v == NULL)
        return bg__cfg_nomem(cfg);
    if (*v == '\0' || strcasecmp(v, "none") == 0) {
        r->headers[0] = '\0';
        free(v);
        return BG_OK;
    }
    nlen = strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                     "0123456789-_");
    len = strlen(v);
    if (nlen == 0 || v[nlen] != ':' || !bg__printable(v, 1) ||
        (nlen == 13 && strncasecmp(v, "authorization", 13) == 0) ||
        (nlen == 6 && strncasecmp(v, "apikey", 6) == 0) ||
        have + (have > 0) + len >= sizeof(r->headers)) {
        free(v);
        return bg__cfg_invalid(
            cfg, name,
            "a 'Name: value' line (not Authorization or apikey; "
            "all lines under 256 bytes)",
            value);
    }
    snprintf(r->headers + have, sizeof(r->headers) - have, "%s%s",
             have > 0 ? "\n" : "", v);
    free(v);
    return BG_OK;
}

#define ROUTE_FIELD(f) offsetof(struct bg__route_spec, f)

static const struct route_key route_keys[] = {
    {"user_agent", route_user_agent, 0},
    {"connection", route_choice, ROUTE_FIELD(conn_close)},
    {"minimal", route_bool, ROUTE_FIELD(minimal)},
    {"browser", route_bool, ROUTE_FIELD(browser)},
    {"fresh", route_bool, ROUTE_FIELD(fresh)},
    {"ip", route_choice, ROUTE_FIELD(ip)},
    {"http", route_choice, ROUTE_FIELD(http)},
    {"address", route_address, 0},
    {"base_url", route_base_url, 0},
    {"header", route_header, 0},
};

#define NROUTE_KEYS (sizeof(route_keys) / sizeof(route_keys[0]))

/* route.NAME.KEY: NAME may hold dots ("http1.1"), KEY never does. A NAME
 * that is not in the table yet becomes a user route, appended after the
 * existing ones and starting from the default header profile. */
bg_result bg__config_set_route(struct bg_config *cfg, const char *name,
                               const char *value)
{
    const char *rname = name + strlen("route.");
    const char *dot = strrchr(rname, '.');
    const struct route_key *k = NULL;
    struct bg__route_spec spec;
    size_t i, nlen;
    bg_result result;

    if (dot == NULL || !bg__route_name_valid(rname, (size_t)(dot - rname)))
        return bg__cfg_unknown(cfg, name);
    for (i = 0; i < NROUTE_KEYS && k == NULL; i++)
        k = strcmp(dot + 1, route_keys[i].key) == 0 ? &route_keys[i] : NULL;
    if (k == NULL)
        return bg__cfg_unknown(cfg, name);

    nlen = (size_t)(dot - rname);
    for (i = 0; i < cfg->nroutes; i++) {
        if (strlen(cfg->routes[i].name) == nlen &&
            memcmp(cfg->routes[i].name, rname, nlen) == 0)
            break;
    }
    if (i == cfg->nroutes && i == BG__MAX_ROUTES) {
        snprintf(cfg->err, sizeof(cfg->err),
                 "invalid setting '%s': at most %d routes", name,
                 BG__MAX_ROUTES);
        return BG_E_CONFIG;
    }
    if (i < cfg->nroutes) {
        spec = cfg->routes[i];
    } else {
        memset(&spec, 0, sizeof(spec));
        memcpy(spec.name, rname, nlen);
        spec.ua_mode = BG__UA_DEFAULT;
        snprintf(spec.user_agent, sizeof(spec.user_agent), "%s", DEFAULT_UA);
    }

    /* Applied to a copy so that a rejected value leaves no half-made
     * route behind. */
    result = k->set(cfg, &spec, name, value, k->off);
    if (result != BG_OK)
        return result;
    cfg->routes[i] = spec;
    if (i == cfg->nroutes)
        cfg->nroutes++;
    return BG_OK;
}
