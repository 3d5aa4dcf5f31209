/* HS256 JSON Web Tokens as the emulator uses them: base64url, minting the
 * anon and service keys, and verifying bearer and signed-URL tokens. */
#ifndef EMU_TOKEN_H
#define EMU_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum emu_token_status {
    EMU_TOKEN_OK = 0,
    EMU_TOKEN_MALFORMED,     /* not three base64url parts of JSON, or alg */
    EMU_TOKEN_BAD_SIGNATURE, /* HMAC does not match the secret */
    EMU_TOKEN_EXPIRED        /* exp claim at or before now */
};

/* Encodes len bytes as unpadded base64url into out (NUL-terminated).
 * Returns the number of characters written, or 0 when out is too small. */
size_t emu_b64url_encode(const unsigned char *in, size_t len, char *out,
                         size_t outlen);

/* Decodes len characters of unpadded base64url into out. Returns the number
 * of bytes written, or -1 on a character outside the alphabet, an
 * impossible length or an out buffer that is too small. */
long emu_b64url_decode(const char *in, size_t len, unsigned char *out,
                       size_t outlen);

/* Signs claims (a JSON object, not stolen) as an HS256 JWT with secret.
 * Returns a newly allocated token, NULL when out of memory. */
char *emu_token_sign(const char *secret, const json_t *claims);

/* Mints an API key: claims iss "supabase", ref, role, iat and exp.
 * Returns a newly allocated token, NULL when out of memory. */
char *emu_token_mint(const char *secret, const char *role, const char *ref,
                     int64_t iat, int64_t exp);

/* Writes an opaque API key "<prefix><32 base64url characters>" derived
 * from secret and prefix into out (at least 64 bytes), such as
 * "sb_secret_..." or "sb_publishable_...". The same inputs give the same
 * key. */
void emu_token_opaque(const char *secret, const char *prefix, char *out,
                      size_t outlen);

/* Verifies token against secret at unix time now. On EMU_TOKEN_OK and when
 * claims is not NULL, *claims receives the payload (caller decrefs).
 * Thread-safe. */
enum emu_token_status emu_token_verify(const char *secret, const char *token,
                                       int64_t now, json_t **claims);

/* The message Storage gives for a rejected bearer token, for example
 * "signature verification failed". */
const char *emu_token_reason(enum emu_token_status status);

#endif
