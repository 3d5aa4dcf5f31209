/* The configuration described for diagnostics: the storage root taken
 * apart, what hygiene removed from each value, and each key inspected
 * without trusting it, all as JSON that never holds a secret. */
#include <jansson.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"
#include "keyinfo.h"

#define HOSTED_SUFFIX ".supabase.co"

/* The hygiene bits of a value as an array of names. */
static json_t *clean_json(unsigned bits)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {
        {BG__CLEAN_SPACE, "space"},   {BG__CLEAN_NEWLINE, "newline"},
        {BG__CLEAN_QUOTES, "quotes"}, {BG__CLEAN_SLASH, "slash"},
        {BG__CLEAN_PREFIX, "prefix"},
    };
    json_t *arr = json_array();

    for (size_t i = 0; arr != NULL && i < sizeof names / sizeof *names; i++)
        if ((bits & names[i].bit) &&
            json_array_append_new(arr, json_string(names[i].name)) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    return arr;
}

/* Copies the part of s of length n into out (size size), cut to fit. */
static void copy_part(char *out, size_t size, const char *s, size_t n)
{
    if (n >= size)
        n = size - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

/* Splits url into scheme, host (brackets removed) and port ("" when
 * absent); user information before '@' is skipped, never copied. */
static void split_url(const char *url, char *scheme, char *host, char *port,
                      size_t size)
{
    const char *p = strstr(url, "://"), *end, *at, *colon;

    scheme[0] = host[0] = port[0] = '\0';
    if (p == NULL)
        return;
    copy_part(scheme, size, url, (size_t)(p - url));
    p += 3;
    end = p + strcspn(p, "/?#");
    at = memchr(p, '@', (size_t)(end - p));
    if (at != NULL)
        p = at + 1;

    if (*p == '[') {
        const char *close = memchr(p, ']', (size_t)(end - p));
        if (close == NULL)
            return;
        copy_part(host, size, p + 1, (size_t)(close - p - 1));
        colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = memchr(p, ':', (size_t)(end - p));
        copy_part(host, size, p, (size_t)((colon ? colon : end) - p));
    }
    if (colon != NULL)
        copy_part(port, size, colon + 1, (size_t)(end - colon - 1));
}

/* The project ref of a hosted project's host ("<ref>.supabase.co"), or
 * "" for any other host. */
static void host_ref(const char *host, char *ref, size_t size)
{
    size_t n = strlen(host), s = strlen(HOSTED_SUFFIX);
    const char *dot;

    ref[0] = '\0';
    if (n <= s || strcasecmp(host + n - s, HOSTED_SUFFIX) != 0)
        return;
    dot = strchr(host, '.');
    if (dot != NULL && (size_t)(dot - host) == n - s)
        copy_part(ref, size, host, n - s);
}

static json_t *url_json(const struct bg_config *cfg)
{
    char scheme[16], host[256], port[16], ref[64];
    const char *url = cfg->url != NULL ? cfg->url : "";
    const char *path;

    split_url(url, scheme, host, port, sizeof host);
    host_ref(host, ref, sizeof ref);
    path = strstr(url, "://");
    path = path != NULL ? path + 3 + strcspn(path + 3, "/") : "";
    return json_pack("{s:s?, s:s, s:s, s:s?, s:s, s:s?, s:b, s:o}", "url",
                     cfg->url, "scheme", scheme, "host", host, "port",
                     port[0] ? port : NULL, "path", path, "project_ref",
                     ref[0] ? ref : NULL, "hosted", ref[0] != '\0', "hygiene",
                     clean_json(cfg->url_clean));
}

/* One key as inspected: never the key itself, only what it claims. */
static json_t *key_json(const char *key, unsigned clean)
{
    struct bg__keyinfo ki;
    json_t *obj;

    bg__key_inspect(key != NULL ? key : "", &ki);
    obj = json_pack("{s:b, s:s, s:o}", "set", key != NULL && key[0] != '\0',
                    "format", bg__key_format_name(ki.format), "hygiene",
                    clean_json(clean));
    if (obj == NULL || ki.format != BG__KEY_JWT)
        return obj;
    if (json_object_set_new(obj, "alg", json_string(ki.alg)) != 0 ||
        json_object_set_new(obj, "role",
                            ki.role[0] ? json_string(ki.role) : json_null()) !=
            0 ||
        json_object_set_new(
            obj, "ref", ki.ref[0] ? json_string(ki.ref) : json_null()) != 0 ||
        json_object_set_new(
            obj, "iss", ki.iss[0] ? json_string(ki.iss) : json_null()) != 0 ||
        json_object_set_new(obj, "iat",
                            ki.iat ? json_integer(ki.iat) : json_null()) != 0 ||
        json_object_set_new(obj, "exp",
                            ki.exp ? json_integer(ki.exp) : json_null()) != 0 ||
        json_object_set_new(
            obj, "expired",
            json_boolean(ki.exp != 0 && ki.exp <= (int64_t)time(NULL))) != 0) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *describe(const struct bg_config *cfg)
{
    int same = cfg->service_key != NULL && cfg->anon_key != NULL &&
               strcmp(cfg->service_key, cfg->anon_key) == 0;
    json_t *service = key_json(cfg->service_key, cfg->service_clean);

    if (service != NULL &&
        json_object_set_new(service, "same_as_anon_key", json_boolean(same))) {
        json_decref(service);
        service = NULL;
    }
    return json_pack("{s:o, s:o, s:o, s:i}", "url", url_json(cfg),
                     "service_key", service, "anon_key",
                     key_json(cfg->anon_key, cfg->anon_clean), "now",
                     (json_int_t)time(NULL));
}

BG_API bg_result bg_config_describe(const bg_config *cfg, char **json)
{
    json_t *doc;

    if (json == NULL)
        return BG_E_USAGE;
    *json = NULL;
    if (cfg == NULL)
        return BG_E_USAGE;
    doc = describe(cfg);
    if (doc == NULL)
        return BG_E_NOMEM;
    *json = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return *json != NULL ? BG_OK : BG_E_NOMEM;
}
