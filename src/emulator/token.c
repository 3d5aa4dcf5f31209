/* HS256 JSON Web Tokens: base64url coding, signing with HMAC-SHA256 from
 * libcrypto, and verification in the order Storage reports failures. */
#include "token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define SEGMENT_MAX 4096

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t emu_b64url_encode(const unsigned char *in, size_t len, char *out,
                         size_t outlen)
{
    size_t need = len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
    size_t o = 0;

    if (need + 1 > outlen)
        return 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        size_t left = len - i;

        if (left > 1)
            v |= (uint32_t)in[i + 1] << 8;
        if (left > 2)
            v |= in[i + 2];
        out[o++] = b64url_alphabet[(v >> 18) & 63];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
        if (left > 1)
            out[o++] = b64url_alphabet[(v >> 6) & 63];
        if (left > 2)
            out[o++] = b64url_alphabet[v & 63];
    }
    out[o] = '\0';
    return o;
}

static int b64url_value(char c)
{
    const char *p = c ? strchr(b64url_alphabet, c) : NULL;

    return p ? (int)(p - b64url_alphabet) : -1;
}

long emu_b64url_decode(const char *in, size_t len, unsigned char *out,
                       size_t outlen)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;

    if (len % 4 == 1)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int v = b64url_value(in[i]);

        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o == outlen)
                return -1;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    return (long)o;
}

/* Appends ".<base64url(HMAC(secret, signing_input))>" to a buffer that
 * holds signing_input and has room for it. */
static void append_signature(const char *secret, char *buf, size_t buflen)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    size_t used = strlen(buf);

    HMAC(EVP_sha256(), secret, (int)strlen(secret), (unsigned char *)buf, used,
         mac, &maclen);
    buf[used++] = '.';
    emu_b64url_encode(mac, maclen, buf + used, buflen - used);
}

static size_t encode_json(const json_t *j, char *out, size_t outlen)
{
    char *text = json_dumps(j, JSON_COMPACT);
    size_t n = 0;

    if (text)
        n = emu_b64url_encode((unsigned char *)text, strlen(text), out, outlen);
    free(text);
    return n;
}

char *emu_token_sign(const char *secret, const json_t *claims)
{
    static const char header[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
    size_t cap = sizeof(header) + 2 * SEGMENT_MAX;
    char *token = malloc(cap);
    size_t used;

    if (!token)
        return NULL;
    memcpy(token, header, sizeof(header));
    used = sizeof(header) - 1;
    token[used++] = '.';
    if (encode_json(claims, token + used, SEGMENT_MAX) == 0) {
        free(token);
        return NULL;
    }
    append_signature(secret, token, cap);
    return token;
}

char *emu_token_mint(const char *secret, const char *role, const char *ref,
                     int64_t iat, int64_t exp)
{
    json_t *claims =
        json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss", "supabase", "ref", ref,
                  "role", role, "iat", (json_int_t)iat, "exp", (json_int_t)exp);
    char *token = NULL;

    if (claims)
        token = emu_token_sign(secret, claims);
    json_decref(claims);
    return token;
}

void emu_token_opaque(const char *secret, const char *prefix, char *out,
                      size_t outlen)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    char text[EVP_MAX_MD_SIZE * 2];

    HMAC(EVP_sha256(), secret, (int)strlen(secret),
         (const unsigned char *)prefix, strlen(prefix), mac, &maclen);
    emu_b64url_encode(mac, maclen, text, sizeof(text));
    snprintf(out, outlen, "%s%.32s", prefix, text);
}

/* Decodes one base64url segment holding a JSON object. */
static json_t *decode_segment(const char *seg, size_t len)
{
    unsigned char raw[SEGMENT_MAX];
    long n = emu_b64url_decode(seg, len, raw, sizeof(raw));
    json_t *j;

    if (n < 0)
        return NULL;
    j = json_loadb((char *)raw, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
    if (j && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static int signature_matches(const char *secret, const char *token,
                             size_t signed_len, const unsigned char *given,
                             size_t given_len)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;

    HMAC(EVP_sha256(), secret, (int)strlen(secret),
         (const unsigned char *)token, signed_len, mac, &maclen);
    return given_len == maclen && CRYPTO_memcmp(mac, given, maclen) == 0;
}

static int header_is_hs256(const char *token, size_t len)
{
    json_t *header = decode_segment(token, len);
    const char *alg = json_string_value(json_object_get(header, "alg"));
    int ok = alg && strcmp(alg, "HS256") == 0;

    json_decref(header);
    return ok;
}

enum emu_token_status emu_token_verify(const char *secret, const char *token,
                                       int64_t now, json_t **claims)
{
    const char *dot1 = strchr(token, '.');
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    unsigned char sig[EVP_MAX_MD_SIZE];
    long sig_len = -1;
    json_t *payload = NULL;
    json_t *exp;
    enum emu_token_status status = EMU_TOKEN_MALFORMED;

    if (!dot2 || strchr(dot2 + 1, '.') ||
        !header_is_hs256(token, (size_t)(dot1 - token)))
        goto out;
    payload = decode_segment(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    if (payload)
        sig_len =
            emu_b64url_decode(dot2 + 1, strlen(dot2 + 1), sig, sizeof(sig));
    if (sig_len <= 0)
        goto out;

    status = EMU_TOKEN_BAD_SIGNATURE;
    if (!signature_matches(secret, token, (size_t)(dot2 - token), sig,
                           (size_t)sig_len))
        goto out;

    exp = json_object_get(payload, "exp");
    status = EMU_TOKEN_EXPIRED;
    if (exp && (!json_is_number(exp) || json_number_value(exp) <= (double)now))
        goto out;

    status = EMU_TOKEN_OK;
    if (claims) {
        *claims = payload;
        payload = NULL;
    }
out:
    json_decref(payload);
    return status;
}

const char *emu_token_reason(enum emu_token_status status)
{
    switch (status) {
    case EMU_TOKEN_OK:
        return "ok";
    case EMU_TOKEN_BAD_SIGNATURE:
        return "signature verification failed";
    case EMU_TOKEN_EXPIRED:
        return "\"exp\" claim timestamp check failed";
    case EMU_TOKEN_MALFORMED:
        break;
    }
    return "Invalid Compact JWS";
}
