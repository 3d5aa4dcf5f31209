/* Inspection of a Supabase key without trusting it: its format, and for a
 * JWT the claims that tell role, project and lifetime. */
#ifndef BG_KEYINFO_H
#define BG_KEYINFO_H

#include <stdint.h>

enum bg__key_format {
    BG__KEY_EMPTY = 0,
    BG__KEY_JWT,         /* three base64url parts, HS256 or other */
    BG__KEY_SECRET,      /* sb_secret_... */
    BG__KEY_PUBLISHABLE, /* sb_publishable_... */
    BG__KEY_MALFORMED    /* anything else, or a JWT that does not decode */
};

struct bg__keyinfo {
    enum bg__key_format format;
    char alg[16];  /* JWT header alg */
    char role[32]; /* role claim, "" when absent */
    char ref[64];  /* ref claim (project ref), "" when absent */
    char iss[128];
    int64_t iat, exp; /* 0 when absent */
};

/* Fills out from key; never fails (a bad key is BG__KEY_MALFORMED). */
void bg__key_inspect(const char *key, struct bg__keyinfo *out);

/* "empty", "jwt", "secret", "publishable", "malformed". */
const char *bg__key_format_name(enum bg__key_format f);

#endif
