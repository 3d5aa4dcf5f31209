/* Who is calling: the credential of a request (Authorization bearer, else
 * the apikey header) checked against the emulator's secret and keys. */
#ifndef EMU_AUTH_H
#define EMU_AUTH_H

#include <stdint.h>

enum emu_caller {
    EMU_CALLER_NONE = 0,      /* no credential at all */
    EMU_CALLER_INVALID,       /* malformed, expired, wrongly signed */
    EMU_CALLER_ANON,          /* valid anon (or authenticated) key */
    EMU_CALLER_SERVICE,       /* valid service_role key */
    EMU_CALLER_BROWSER_SECRET /* sb_secret_ key sent by a browser */
};

struct emu_keys {
    const char *jwt_secret;
    const char *secret_key;      /* sb_secret_..., maps to service_role */
    const char *publishable_key; /* sb_publishable_..., maps to anon */
};

struct emu_auth {
    enum emu_caller caller;
    const char *reason; /* for EMU_CALLER_INVALID: Storage's message */
};

/* Classifies a request's credential at unix time now. Any header may be
 * NULL when absent. Thread-safe. */
void emu_auth_check(const struct emu_keys *keys, const char *authorization,
                    const char *apikey, const char *user_agent, int64_t now,
                    struct emu_auth *out);

#endif
