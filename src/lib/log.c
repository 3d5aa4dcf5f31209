/* The library's only way to say something: one line per event through the
 * caller's callback, with keys, tokens and signed URL tokens replaced
 * before the line leaves the library. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "log.h"

#define LINE_MAX_LEN 1024
#define REDACTED     "[redacted]"

struct out {
    char *p;
    size_t n, len;
};

static void put(struct out *o, const char *s, size_t k)
{
    while (k-- > 0 && o->len + 1 < o->n)
        o->p[o->len++] = *s++;
}

static int is_b64url(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Length of the secret value starting at s: up to a blank, a control
 * character, a quote or a separator of headers, JSON and query strings. */
static size_t value_len(const char *s)
{
    size_t k = 0;

    while (s[k] != '\0' && (unsigned char)s[k] > 0x20 &&
           strchr("\"'&,;#<>)]}", s[k]) == NULL)
        k++;
    return k;
}

/* A JWT: "eyJ" (base64url of '{"') then base64url parts joined by dots.
 * A run without a dot still counts once it is long enough to be a cut-off
 * token rather than an ordinary word. */
static size_t jwt_len(const char *s)
{
    size_t k = 3;
    int dots = 0;

    if (strncmp(s, "eyJ", 3) != 0)
        return 0;
    while (is_b64url((unsigned char)s[k]) || s[k] == '.') {
        dots += s[k] == '.';
        k++;
    }
    return dots > 0 || k >= 16 ? k : 0;
}

static size_t sb_key_len(const char *s)
{
    static const char *const prefixes[] = {"sb_secret_", "sb_publishable_"};
    size_t i, k;

    for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        k = strlen(prefixes[i]);
        if (strncmp(s, prefixes[i], k) == 0) {
            while (is_b64url((unsigned char)s[k]))
                k++;
            return k;
        }
    }
    return 0;
}

/* A label whose value is a secret: "Bearer X", "apikey: X", "apikey=X",
 * "token=X". Returns the length of the label and the blanks, separator
 * and opening quote after it (kept), and sets *vlen to the value's. */
static size_t label_len(const char *s, size_t *vlen)
{
    size_t k;

    if (strncasecmp(s, "bearer", 6) == 0 && (s[6] == ' ' || s[6] == '\t')) {
        k = 6;
    } else if (strncasecmp(s, "apikey", 6) == 0) {
        k = 6;
        while (s[k] == ' ' || s[k] == '"')
            k++;
        if (s[k] != ':' && s[k] != '=')
            return 0;
        k++;
    } else if (strncasecmp(s, "token=", 6) == 0) {
        k = 6;
    } else {
        return 0;
    }
    while (s[k] == ' ' || s[k] == '\t' || s[k] == '"')
        k++;
    if (strncmp(s + k, REDACTED, strlen(REDACTED)) == 0)
        return 0;
    *vlen = value_len(s + k);
    return *vlen > 0 ? k : 0;
}

size_t bg__redact(char *dst, size_t n, const char *src)
{
    struct out o = {dst, n, 0};
    size_t k, vlen;

    if (n == 0)
        return 0;
    while (*src != '\0' && o.len + 1 < o.n) {
        if ((k = jwt_len(src)) > 0 || (k = sb_key_len(src)) > 0) {
            put(&o, REDACTED, strlen(REDACTED));
            src += k;
        } else if ((k = label_len(src, &vlen)) > 0) {
            put(&o, src, k);
            put(&o, REDACTED, strlen(REDACTED));
            src += k + vlen;
        } else {
            /* Control characters would let a value forge a log line. */
            unsigned char c = (unsigned char)*src++;
            char ch = c < 0x20 || c == 0x7f ? ' ' : (char)c;
            put(&o, &ch, 1);
        }
    }
    dst[o.len] = '\0';
    return o.len;
}

void bg__log(const struct bg__logger *lg, bg_log_level level, const char *fmt,
             ...)
{
    char raw[LINE_MAX_LEN];
    char line[LINE_MAX_LEN];
    va_list ap;

    if (!bg__log_on(lg, level))
        return;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    bg__redact(line, sizeof(line), raw);
    lg->fn(level, line, lg->userdata);
}
