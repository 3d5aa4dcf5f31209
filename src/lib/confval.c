/* Parsing of setting values and the configuration's error messages: one
 * line each, naming the setting and what it expects, never showing a key
 * or a URL. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "confval.h"
#include "log.h"

int bg__parse_number(const char *s, double *out)
{
    char *end;

    errno = 0;
    *out = strtod(s, &end);
    if (end == s || errno != 0 || !isfinite(*out))
        return 0;
    while (isspace((unsigned char)*end))
        end++;
    return *end == '\0';
}

int bg__parse_count(const char *s, unsigned long *out)
{
    unsigned long v = 0;

    while (isspace((unsigned char)*s))
        s++;
    if (!isdigit((unsigned char)*s))
        return 0;
    for (; isdigit((unsigned char)*s); s++) {
        if (v > 1000000000UL)
            return 0;
        v = v * 10 + (unsigned long)(*s - '0');
    }
    while (isspace((unsigned char)*s))
        s++;
    *out = v;
    return *s == '\0';
}

/* 1 or 0, or -1 when s is no boolean. */
int bg__parse_bool(const char *s)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    char word[8];
    size_t i, len;

    while (isspace((unsigned char)*s))
        s++;
    for (len = 0; len < sizeof(word) - 1 && isalnum((unsigned char)s[len]);
         len++)
        word[len] = s[len];
    word[len] = '\0';
    for (i = len; isspace((unsigned char)s[i]); i++)
        ;
    if (s[i] != '\0')
        return -1;
    for (i = 0; i < 4; i++) {
        if (strcasecmp(word, yes[i]) == 0)
            return 1;
        if (strcasecmp(word, no[i]) == 0)
            return 0;
    }
    return -1;
}

/* 1 when s has only printable ASCII (a space included when spaces). */
int bg__printable(const char *s, int spaces)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c > 0x7e || c < 0x20 || (c == ' ' && !spaces))
            return 0;
    }
    return 1;
}

int bg__route_name_valid(const char *s, size_t len)
{
    size_t i;

    if (len == 0 || len >= BG__NAME_MAX)
        return 0;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && c != '-' && c != '_' && c != '.')
            return 0;
    }
    return 1;
}

bg_result bg__cfg_nomem(struct bg_config *cfg)
{
    snprintf(cfg->err, sizeof(cfg->err), "out of memory");
    return BG_E_NOMEM;
}

/* A copy of s without surrounding blanks; NULL when out of memory. */
char *bg__cfg_trimmed(const char *s)
{
    size_t len;

    while (isspace((unsigned char)*s))
        s++;
    len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    return strndup(s, len);
}

/* Writes a value into an error message: secrets redacted, control
 * characters blanked, cut at 40 characters. Never used for keys or URLs,
 * whose values no message shows. */
static void quote_value(char *dst, size_t n, const char *value)
{
    char tmp[256];

    bg__redact(tmp, sizeof(tmp), value);
    if (strlen(tmp) > 40)
        snprintf(dst, n, "%.40s...", tmp);
    else
        snprintf(dst, n, "%s", tmp);
}

bg_result bg__cfg_invalid(struct bg_config *cfg, const char *name,
                          const char *expect, const char *value)
{
    char shown[64];

    quote_value(shown, sizeof(shown), value);
    snprintf(cfg->err, sizeof(cfg->err),
             "invalid value for '%s': expected %s, got '%s'", name, expect,
             shown);
    return BG_E_CONFIG;
}

/* For keys and URLs: says what is wrong without showing the value. */
bg_result bg__cfg_invalid_secret(struct bg_config *cfg, const char *name,
                                 const char *problem)
{
    snprintf(cfg->err, sizeof(cfg->err), "invalid value for '%s': %s", name,
             problem);
    return BG_E_CONFIG;
}

bg_result bg__cfg_unknown(struct bg_config *cfg, const char *name)
{
    char shown[64];

    quote_value(shown, sizeof(shown), name);
    snprintf(cfg->err, sizeof(cfg->err), "unknown setting '%s'", shown);
    return BG_E_CONFIG;
}
