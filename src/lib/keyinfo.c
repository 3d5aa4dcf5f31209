/* Reads what a Supabase key says about itself: the format, and for a JWT
 * the header's algorithm and the role, project and lifetime claims. The
 * signature is never checked and nothing here is ever logged. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "keyinfo.h"

#define SECRET_PREFIX      "sb_secret_"
#define PUBLISHABLE_PREFIX "sb_publishable_"

static int b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

/* Decodes len characters of unpadded (or '='-padded) base64url into a new
 * buffer of *outlen bytes. NULL when the text is not base64url. */
static unsigned char *b64url_decode(const char *s, size_t len, size_t *outlen)
{
    unsigned char *out;
    unsigned acc = 0;
    int bits = 0;
    size_t i, n = 0;

    while (len > 0 && s[len - 1] == '=')
        len--;
    if (len % 4 == 1)
        return NULL;
    out = malloc(len * 3 / 4 + 1);
    if (out == NULL)
        return NULL;

    for (i = 0; i < len; i++) {
        int v = b64url_value((unsigned char)s[i]);
        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    *outlen = n;
    return out;
}

/* Decodes one JWT part into a JSON object; NULL when it is not one. */
static json_t *decode_part(const char *s, size_t len)
{
    size_t n;
    unsigned char *raw = b64url_decode(s, len, &n);
    json_t *obj;

    if (raw == NULL)
        return NULL;
    obj = json_loadb((const char *)raw, n, 0, NULL);
    free(raw);
    if (obj != NULL && !json_is_object(obj)) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static void copy_claim(char *dst, size_t n, json_t *obj, const char *name)
{
    const char *v = json_string_value(json_object_get(obj, name));

    snprintf(dst, n, "%s", v != NULL ? v : "");
}

static int64_t number_claim(json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);

    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    /* A real outside int64_t's range (1e300, or NaN) is no time at all;
     * converting it would be undefined behaviour. */
    if (json_is_real(v) && json_real_value(v) > -9.2e18 &&
        json_real_value(v) < 9.2e18)
        return (int64_t)json_real_value(v);
    return 0;
}

/* Fills out from a JWT; returns 0 when key is not a decodable JWT. */
static int inspect_jwt(const char *key, struct bg__keyinfo *out)
{
    const char *dot1 = strchr(key, '.');
    const char *dot2 = dot1 != NULL ? strchr(dot1 + 1, '.') : NULL;
    json_t *header = NULL, *payload = NULL;
    const char *p;
    int ok = 0;

    if (dot2 == NULL || strchr(dot2 + 1, '.') != NULL)
        return 0;
    for (p = dot2 + 1; *p != '\0'; p++) {
        if (b64url_value((unsigned char)*p) < 0)
            return 0;
    }

    header = decode_part(key, (size_t)(dot1 - key));
    payload = decode_part(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    if (header == NULL || payload == NULL)
        goto out;

    copy_claim(out->alg, sizeof(out->alg), header, "alg");
    copy_claim(out->role, sizeof(out->role), payload, "role");
    copy_claim(out->ref, sizeof(out->ref), payload, "ref");
    copy_claim(out->iss, sizeof(out->iss), payload, "iss");
    out->iat = number_claim(payload, "iat");
    out->exp = number_claim(payload, "exp");
    ok = 1;

out:
    json_decref(header);
    json_decref(payload);
    return ok;
}

/* 1 when key is prefix followed by at least one base64url character and
 * nothing else. */
static int has_key_prefix(const char *key, const char *prefix)
{
    size_t n = strlen(prefix);
    const char *p;

    if (strncmp(key, prefix, n) != 0 || key[n] == '\0')
        return 0;
    for (p = key + n; *p != '\0'; p++) {
        if (b64url_value((unsigned char)*p) < 0)
            return 0;
    }
    return 1;
}

void bg__key_inspect(const char *key, struct bg__keyinfo *out)
{
    memset(out, 0, sizeof(*out));

    if (key == NULL || *key == '\0') {
        out->format = BG__KEY_EMPTY;
    } else if (has_key_prefix(key, SECRET_PREFIX)) {
        out->format = BG__KEY_SECRET;
    } else if (has_key_prefix(key, PUBLISHABLE_PREFIX)) {
        out->format = BG__KEY_PUBLISHABLE;
    } else if (inspect_jwt(key, out)) {
        out->format = BG__KEY_JWT;
    } else {
        memset(out, 0, sizeof(*out));
        out->format = BG__KEY_MALFORMED;
    }
}

const char *bg__key_format_name(enum bg__key_format f)
{
    switch (f) {
    case BG__KEY_EMPTY:
        return "empty";
    case BG__KEY_JWT:
        return "jwt";
    case BG__KEY_SECRET:
        return "secret";
    case BG__KEY_PUBLISHABLE:
        return "publishable";
    case BG__KEY_MALFORMED:
        return "malformed";
    }
    return "malformed";
}
