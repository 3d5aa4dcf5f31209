/* Every setting of a client by name: defaults, parsing with range checks,
 * route definitions, and the hygiene that repairs or rejects the classic
 * broken URL and key before a request can fail because of them. */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "config.h"
#include "confval.h"
#include "route.h"

#define HYGIENE_BITS (BG__CLEAN_SPACE | BG__CLEAN_NEWLINE | BG__CLEAN_QUOTES)
#define POSITIVE     1u /* a number setting must be above its minimum */
#define NONEMPTY     2u /* a path setting cannot be emptied */

/* The defaults point at static strings so that bg__config_defaults cannot
 * fail and a configuration that was never changed needs no release. */
static const char default_prefix[] = "/storage/v1";
static const char default_metrics[] = "/tmp/fm027_metrics.json";

/* The string fields a configuration owns, for copy and release. */
static const size_t string_fields[] = {
    offsetof(struct bg_config, url),
    offsetof(struct bg_config, url_raw),
    offsetof(struct bg_config, service_key),
    offsetof(struct bg_config, anon_key),
    offsetof(struct bg_config, ca_bundle),
    offsetof(struct bg_config, resolve),
    offsetof(struct bg_config, storage_prefix),
    offsetof(struct bg_config, route_list),
    offsetof(struct bg_config, metrics_file),
};

#define NSTRING_FIELDS        (sizeof(string_fields) / sizeof(string_fields[0]))
#define FIELD(cfg, off, type) (*(type *)((char *)(cfg) + (off)))

struct setting;
typedef bg_result setter_fn(struct bg_config *cfg, const struct setting *s,
                            const char *value);

struct setting {
    const char *name;
    setter_fn *set;
    size_t off; /* the field the setting writes */
    size_t aux; /* keys: the field recording what hygiene removed */
    double min, max;
    unsigned flags; /* POSITIVE, NONEMPTY */
};

static int is_static_default(const char *p)
{
    return p == default_prefix || p == default_metrics;
}

/* Frees a string the configuration owns, wiping it first: it may be a
 * key, and freed memory can end up in a core dump. */
static void release_string(char **p)
{
    if (*p != NULL && !is_static_default(*p)) {
        explicit_bzero(*p, strlen(*p));
        free(*p);
    }
    *p = NULL;
}

static void replace_string(char **p, char *v)
{
    release_string(p);
    *p = v;
}

/* ---- Hygiene --------------------------------------------------------- */

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int is_newline(char c)
{
    return c == '\r' || c == '\n';
}

/* Removes blanks and CR/LF from both ends of s, recording which. */
static unsigned trim_ends(char *s)
{
    unsigned bits = 0;
    size_t start = 0, len = strlen(s);

    while (len > 0 && (is_blank(s[len - 1]) || is_newline(s[len - 1]))) {
        bits |= is_newline(s[len - 1]) ? BG__CLEAN_NEWLINE : BG__CLEAN_SPACE;
        len--;
    }
    while (start < len && (is_blank(s[start]) || is_newline(s[start]))) {
        bits |= is_newline(s[start]) ? BG__CLEAN_NEWLINE : BG__CLEAN_SPACE;
        start++;
    }
    memmove(s, s + start, len - start);
    s[len - start] = '\0';
    return bits;
}

unsigned bg__clean_value(char *s)
{
    unsigned bits = trim_ends(s);
    size_t len = strlen(s);

    if (len >= 2 && (s[0] == '"' || s[0] == '\'') && s[len - 1] == s[0]) {
        memmove(s, s + 1, len - 2);
        s[len - 2] = '\0';
        bits |= BG__CLEAN_QUOTES | trim_ends(s);
    }
    return bits;
}

static int ends_with(const char *s, size_t len, const char *suffix, size_t slen)
{
    return len >= slen && memcmp(s + len - slen, suffix, slen) == 0;
}

/* Checks url's shape; returns the length of "scheme://host" or 0 with
 * the problem in err. */
static size_t check_url(const char *url, char *err, size_t errlen)
{
    size_t start, host;

    if (!bg__printable(url, 0)) {
        snprintf(err, errlen,
                 "it contains a space, a control character "
                 "or a non-ASCII character");
        return 0;
    }
    if (strncasecmp(url, "https://", 8) == 0) {
        start = 8;
    } else if (strncasecmp(url, "http://", 7) == 0) {
        start = 7;
    } else {
        snprintf(err, errlen, "the scheme must be http:// or https://");
        return 0;
    }
    host = strcspn(url + start, "/");
    if (host == 0) {
        snprintf(err, errlen, "it has no host");
        return 0;
    }
    if (strpbrk(url, "?#") != NULL || memchr(url + start, '@', host)) {
        snprintf(err, errlen,
                 "it must not have credentials, a query or "
                 "a fragment");
        return 0;
    }
    return start + host;
}

char *bg__normalize_url(const char *url, const char *prefix, unsigned *clean,
                        char *err, size_t errlen)
{
    size_t root = check_url(url, err, errlen);
    size_t len = strlen(url);
    size_t plen = prefix != NULL ? strlen(prefix) : 0;
    char *out;

    if (root == 0)
        return NULL;
    while (len > root && url[len - 1] == '/') {
        *clean |= BG__CLEAN_SLASH;
        len--;
    }

    /* A client that appends the prefix to a URL already ending in it
     * produces the doubled form; the storage root is the single one. */
    while (plen > 0 && ends_with(url + root, len - root, prefix, plen) &&
           ends_with(url + root, len - root - plen, prefix, plen)) {
        *clean |= BG__CLEAN_PREFIX;
        len -= plen;
    }

    out = malloc(len + plen + 1);
    if (out == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    memcpy(out, url, len);
    out[len] = '\0';
    if (len == root && plen > 0)
        memcpy(out + len, prefix, plen + 1);
    return out;
}

/* Normalises raw with the current storage_prefix into cfg->url. */
static bg_result refresh_url(struct bg_config *cfg, const char *raw,
                             unsigned clean)
{
    char problem[128] = "";
    char *url = bg__normalize_url(raw, cfg->storage_prefix, &clean, problem,
                                  sizeof(problem));

    if (url == NULL && strcmp(problem, "out of memory") == 0)
        return bg__cfg_nomem(cfg);
    if (url == NULL)
        return bg__cfg_invalid_secret(cfg, "url", problem);
    replace_string(&cfg->url, url);
    cfg->url_clean = clean;
    return BG_OK;
}

/* ---- Setters of plain settings --------------------------------------- */

static bg_result set_url(struct bg_config *cfg, const struct setting *s,
                         const char *value)
{
    char *raw = strdup(value);
    unsigned clean;
    bg_result result;

    (void)s;
    if (raw == NULL)
        return bg__cfg_nomem(cfg);
    clean = bg__clean_value(raw);
    if (*raw == '\0') {
        free(raw);
        release_string(&cfg->url);
        release_string(&cfg->url_raw);
        cfg->url_clean = 0;
        return BG_OK;
    }
    result = refresh_url(cfg, raw, clean);
    if (result != BG_OK) {
        free(raw);
        return result;
    }
    replace_string(&cfg->url_raw, raw);
    return BG_OK;
}

static bg_result set_key(struct bg_config *cfg, const struct setting *s,
                         const char *value)
{
    char *key = strdup(value);
    unsigned clean;

    if (key == NULL)
        return bg__cfg_nomem(cfg);
    clean = bg__clean_value(key);
    if (!bg__printable(key, 0)) {
        release_string(&key);
        return bg__cfg_invalid_secret(
            cfg, s->name,
            "it contains a space, a control character or "
            "a non-ASCII character (a typographic quote?) "
            "inside; check how it was copied");
    }
    if (*key == '\0') {
        release_string(&key);
        clean = 0;
    }
    replace_string(&FIELD(cfg, s->off, char *), key);
    FIELD(cfg, s->aux, unsigned) = clean;
    return BG_OK;
}

/* ca_bundle: a path, "" for the system's CAs. metrics_file: a path. */
static bg_result set_path(struct bg_config *cfg, const struct setting *s,
                          const char *value)
{
    char *v = bg__cfg_trimmed(value);

    if (v == NULL)
        return bg__cfg_nomem(cfg);
    if (!bg__printable(v, 1) || (*v == '\0' && s->flags & NONEMPTY)) {
        free(v);
        return bg__cfg_invalid(cfg, s->name, "a file path", value);
    }
    if (*v == '\0') {
        free(v);
        v = NULL;
    }
    replace_string(&FIELD(cfg, s->off, char *), v);
    return BG_OK;
}

/* "host:port:addr[,addr...]", as curl's --resolve; "" for none. */
static bg_result set_resolve(struct bg_config *cfg, const struct setting *s,
                             const char *value)
{
    char *v = bg__cfg_trimmed(value);
    size_t host, port;
    unsigned long n;
    char digits[8];
    int ok;

    if (v == NULL)
        return bg__cfg_nomem(cfg);
    host = strcspn(v, ":");
    port = v[host] == ':' ? strcspn(v + host + 1, ":") : 0;
    ok = bg__printable(v, 0) && host > 0 && port > 0 && port < sizeof(digits) &&
         v[host + 1 + port] == ':' && v[host + 2 + port] != '\0';
    if (ok) {
        memcpy(digits, v + host + 1, port);
        digits[port] = '\0';
        ok = bg__parse_count(digits, &n) && n > 0 && n < 65536;
    }
    if (*v != '\0' && !ok) {
        free(v);
        return bg__cfg_invalid(cfg, s->name, "host:port:address[,address...]",
                               value);
    }
    if (*v == '\0') {
        free(v);
        v = NULL;
    }
    replace_string(&cfg->resolve, v);
    return BG_OK;
}

static bg_result set_prefix(struct bg_config *cfg, const struct setting *s,
                            const char *value)
{
    char *v = bg__cfg_trimmed(value);
    char *old = cfg->storage_prefix;
    size_t len;
    bg_result result;

    if (v == NULL)
        return bg__cfg_nomem(cfg);
    if (strcasecmp(v, "none") == 0)
        v[0] = '\0';
    len = strlen(v);
    while (len > 0 && v[len - 1] == '/')
        v[--len] = '\0';
    if (!bg__printable(v, 0) || strpbrk(v, "?#") != NULL ||
        (len > 0 && v[0] != '/')) {
        free(v);
        return bg__cfg_invalid(cfg, s->name,
                               "a path starting with '/', or none", value);
    }

    cfg->storage_prefix = v;
    if (cfg->url_raw != NULL) {
        result = refresh_url(cfg, cfg->url_raw, cfg->url_clean & HYGIENE_BITS);
        if (result != BG_OK) {
            cfg->storage_prefix = old;
            free(v);
            return result;
        }
    }
    release_string(&old);
    return BG_OK;
}

static bg_result set_count(struct bg_config *cfg, const struct setting *s,
                           const char *value)
{
    unsigned long v;
    char expect[64];

    if (!bg__parse_count(value, &v) || v < s->min || v > s->max) {
        snprintf(expect, sizeof(expect), "a whole number %.0f..%.0f", s->min,
                 s->max);
        return bg__cfg_invalid(cfg, s->name, expect, value);
    }
    FIELD(cfg, s->off, unsigned) = (unsigned)v;
    return BG_OK;
}

static bg_result set_number(struct bg_config *cfg, const struct setting *s,
                            const char *value)
{
    double v;
    char expect[64];

    if (!bg__parse_number(value, &v) || v < s->min || v > s->max ||
        (s->flags & POSITIVE && v <= s->min)) {
        snprintf(expect, sizeof(expect), "a number %s %g, at most %g",
                 s->flags & POSITIVE ? "above" : "from", s->min, s->max);
        return bg__cfg_invalid(cfg, s->name, expect, value);
    }
    FIELD(cfg, s->off, double) = v;
    return BG_OK;
}

static bg_result set_bool(struct bg_config *cfg, const struct setting *s,
                          const char *value)
{
    int v = bg__parse_bool(value);

    if (v < 0)
        return bg__cfg_invalid(cfg, s->name,
                               "1/0, true/false, yes/no or on/off", value);
    FIELD(cfg, s->off, int) = v;
    return BG_OK;
}

static bg_result set_delays(struct bg_config *cfg, const struct setting *s,
                            const char *value)
{
    double delays[BG__MAX_DELAYS];
    unsigned n = 0;
    const char *p = value;
    char item[64];
    size_t len;

    for (;;) {
        len = strcspn(p, ",");
        if (n == BG__MAX_DELAYS || len >= sizeof(item))
            goto bad;
        memcpy(item, p, len);
        item[len] = '\0';
        if (!bg__parse_number(item, &delays[n]) || delays[n] < s->min ||
            delays[n] > s->max)
            goto bad;
        n++;
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    memcpy(cfg->delays, delays, n * sizeof(delays[0]));
    cfg->ndelays = n;
    return BG_OK;

bad:
    return bg__cfg_invalid(cfg, s->name,
                           "1 to 16 comma-separated numbers of seconds 0..3600",
                           value);
}

/* routes: the enabled route names, kept as "a,b,c"; "" or "all" for
 * every route. Whether a name exists is checked when the client builds
 * its route table, since edge routes only exist then. */
static bg_result set_route_list(struct bg_config *cfg, const struct setting *s,
                                const char *value)
{
    char *v = bg__cfg_trimmed(value);
    char *list = v != NULL ? malloc(strlen(v) + 1) : NULL;
    const char *p = v, *item;
    size_t len = 0, n, m;

    if (list == NULL) {
        free(v);
        return bg__cfg_nomem(cfg);
    }
    if (*v == '\0' || strcasecmp(v, "all") == 0) {
        free(list);
        list = NULL;
        goto done;
    }
    for (;;) {
        n = strcspn(p, ",");
        for (item = p, m = n; m > 0 && isspace((unsigned char)*item); m--)
            item++;
        while (m > 0 && isspace((unsigned char)item[m - 1]))
            m--;
        if (!bg__route_name_valid(item, m)) {
            free(list);
            free(v);
            return bg__cfg_invalid(cfg, s->name, "comma-separated route names",
                                   value);
        }
        if (len > 0)
            list[len++] = ',';
        memcpy(list + len, item, m);
        len += m;
        list[len] = '\0';
        if (p[n] == '\0')
            break;
        p += n + 1;
    }

done:
    free(v);
    replace_string(&cfg->route_list, list);
    return BG_OK;
}

/* ---- The table of plain settings -------------------------------------- */

#define CFG(f) offsetof(struct bg_config, f)
#define DAY    86400.0

static const struct setting settings[] = {
    {"url", set_url, CFG(url), 0, 0, 0, 0},
    {"service_key", set_key, CFG(service_key), CFG(service_clean), 0, 0, 0},
    {"anon_key", set_key, CFG(anon_key), CFG(anon_clean), 0, 0, 0},
    {"ca_bundle", set_path, CFG(ca_bundle), 0, 0, 0, 0},
    {"resolve", set_resolve, CFG(resolve), 0, 0, 0, 0},
    {"storage_prefix", set_prefix, CFG(storage_prefix), 0, 0, 0, 0},
    {"retries", set_count, CFG(retries), 0, 0, 100, 0},
    {"delays", set_delays, CFG(delays), 0, 0, 3600, 0},
    {"jitter", set_number, CFG(jitter), 0, 0, 1, 0},
    {"attempt_timeout", set_number, CFG(attempt_timeout), 0, 0, DAY, POSITIVE},
    {"connect_timeout", set_number, CFG(connect_timeout), 0, 0, 3600, POSITIVE},
    {"deadline", set_number, CFG(deadline), 0, 0, 7 * DAY, POSITIVE},
    {"budget_ratio", set_number, CFG(budget_ratio), 0, 0, 100, 0},
    {"budget_min_per_sec", set_number, CFG(budget_min_per_sec), 0, 0, 1e6, 0},
    {"budget_cap", set_number, CFG(budget_cap), 0, 0, 1e9, 0},
    {"eject_after", set_count, CFG(eject_after), 0, 1, 1000, 0},
    {"eject_base", set_number, CFG(eject_base), 0, 0, DAY, POSITIVE},
    {"eject_max", set_number, CFG(eject_max), 0, 0, DAY, POSITIVE},
    {"bucket_ttl", set_number, CFG(bucket_ttl), 0, 0, DAY, 0},
    {"missing_grace", set_number, CFG(missing_grace), 0, 0, 3600, 0},
    {"hedge", set_bool, CFG(hedge), 0, 0, 0, 0},
    {"hedge_delay", set_number, CFG(hedge_delay), 0, 0, 3600, 0},
    {"routes", set_route_list, CFG(route_list), 0, 0, 0, 0},
    {"edge_routes", set_bool, CFG(edge_routes), 0, 0, 0, 0},
    {"kill_switch", set_bool, CFG(kill_switch), 0, 0, 0, 0},
    {"metrics_file", set_path, CFG(metrics_file), 0, 0, 0, NONEMPTY},
    {"health.window", set_count, CFG(window_count), 0, 1, 100000, 0},
    {"health.window_seconds", set_number, CFG(window_seconds), 0, 0, 7 * DAY,
     POSITIVE},
    {"health.healthy_rate", set_number, CFG(healthy_rate), 0, 0, 1, 0},
    {"health.healthy_consecutive", set_count, CFG(healthy_consec), 0, 1, 10000,
     0},
    {"health.degraded_rate", set_number, CFG(degraded_rate), 0, 0, 1, 0},
    {"health.degraded_consecutive", set_count, CFG(degraded_consec), 0, 1,
     10000, 0},
};

#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

const char *bg__config_setting_name(size_t i)
{
    return i < NSETTINGS ? settings[i].name : NULL;
}

/* ---- Life cycle -------------------------------------------------------- */

void bg__config_defaults(struct bg_config *cfg)
{
    static const double delays[] = {1, 2, 3, 5, 8};

    memset(cfg, 0, sizeof(*cfg));
    cfg->storage_prefix = (char *)default_prefix;
    cfg->metrics_file = (char *)default_metrics;

    cfg->retries = 5;
    memcpy(cfg->delays, delays, sizeof(delays));
    cfg->ndelays = sizeof(delays) / sizeof(delays[0]);
    cfg->attempt_timeout = 30;
    cfg->connect_timeout = 10;
    cfg->deadline = 60;
    cfg->budget_ratio = 0.5;
    cfg->budget_min_per_sec = 10;
    cfg->budget_cap = 100;
    cfg->eject_after = 3;
    cfg->eject_base = 30;
    cfg->eject_max = 300;
    cfg->bucket_ttl = 60;

    cfg->nroutes = bg__builtin_routes(cfg->routes, BG__MAX_ROUTES);
    cfg->edge_routes = 1;

    cfg->window_count = 100;
    cfg->window_seconds = 900;
    cfg->healthy_rate = 0.95;
    cfg->healthy_consec = 3;
    cfg->degraded_rate = 0.80;
    cfg->degraded_consec = 5;
    cfg->log.level = BG_LOG_WARN;
}

void bg__config_release(struct bg_config *cfg)
{
    size_t i;

    for (i = 0; i < NSTRING_FIELDS; i++)
        release_string(&FIELD(cfg, string_fields[i], char *));
}

bg_result bg__config_copy(struct bg_config *dst, const struct bg_config *src)
{
    size_t i;
    char **field;

    *dst = *src;
    for (i = 0; i < NSTRING_FIELDS; i++)
        FIELD(dst, string_fields[i], char *) = NULL;
    for (i = 0; i < NSTRING_FIELDS; i++) {
        const char *s = FIELD(src, string_fields[i], char *);

        field = &FIELD(dst, string_fields[i], char *);
        if (s == NULL || is_static_default(s)) {
            *field = (char *)s;
            continue;
        }
        *field = strdup(s);
        if (*field == NULL) {
            bg__config_release(dst);
            return BG_E_NOMEM;
        }
    }
    return BG_OK;
}

BG_API bg_config *bg_config_new(void)
{
    bg_config *cfg = malloc(sizeof(*cfg));

    if (cfg != NULL)
        bg__config_defaults(cfg);
    return cfg;
}

BG_API void bg_config_free(bg_config *cfg)
{
    if (cfg == NULL)
        return;
    bg__config_release(cfg);
    free(cfg);
}

BG_API bg_result bg_config_set(bg_config *cfg, const char *name,
                               const char *value)
{
    size_t i;

    if (cfg == NULL)
        return BG_E_USAGE;
    if (name == NULL || value == NULL) {
        snprintf(cfg->err, sizeof(cfg->err), "setting name or value missing");
        return BG_E_USAGE;
    }
    if (strncmp(name, "route.", 6) == 0)
        return bg__config_set_route(cfg, name, value);
    for (i = 0; i < NSETTINGS; i++) {
        if (strcmp(name, settings[i].name) == 0)
            return settings[i].set(cfg, &settings[i], value);
    }
    return bg__cfg_unknown(cfg, name);
}

static bg_result inconsistent(struct bg_config *cfg, const char *what)
{
    snprintf(cfg->err, sizeof(cfg->err), "invalid configuration: %s", what);
    return BG_E_CONFIG;
}

BG_API bg_result bg_config_validate(bg_config *cfg)
{
    if (cfg == NULL)
        return BG_E_USAGE;
    if (cfg->url == NULL)
        return inconsistent(cfg, "url is not set (SUPABASE_URL)");
    if (cfg->service_key == NULL)
        return inconsistent(cfg, "service_key is not set "
                                 "(SUPABASE_SERVICE_ROLE_KEY)");
    if (cfg->ndelays == 0)
        return inconsistent(cfg, "delays is empty");
    if (cfg->eject_max < cfg->eject_base)
        return inconsistent(cfg, "eject_max is below eject_base");
    if (cfg->degraded_rate > cfg->healthy_rate)
        return inconsistent(cfg, "health.degraded_rate is above "
                                 "health.healthy_rate");
    if (cfg->degraded_consec < cfg->healthy_consec)
        return inconsistent(cfg, "health.degraded_consecutive is below "
                                 "health.healthy_consecutive");
    return BG_OK;
}

BG_API const char *bg_config_error(const bg_config *cfg)
{
    return cfg != NULL ? cfg->err : "no configuration";
}

BG_API void bg_config_set_log(bg_config *cfg, bg_log_fn *fn, void *userdata,
                              bg_log_level level)
{
    if (cfg == NULL)
        return;
    cfg->log.fn = fn;
    cfg->log.userdata = userdata;
    cfg->log.level = level;
}

BG_API void bg_config_set_event_cb(bg_config *cfg, bg_event_fn *fn,
                                   void *userdata)
{
    if (cfg == NULL)
        return;
    cfg->event_fn = fn;
    cfg->event_ud = userdata;
}
