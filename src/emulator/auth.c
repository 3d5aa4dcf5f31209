/* Credential checks. JWTs are verified with the shared secret; the opaque
 * sb_ keys are compared with the two the emulator issued. */
#include "auth.h"

#include <string.h>
#include <strings.h>

#include "token.h"

static const char *bearer_token(const char *authorization)
{
    if (strncasecmp(authorization, "Bearer ", 7) != 0)
        return NULL;
    return authorization + 7;
}

static enum emu_caller role_caller(const json_t *claims)
{
    const char *role = json_string_value(json_object_get(claims, "role"));

    if (role && strcmp(role, "service_role") == 0)
        return EMU_CALLER_SERVICE;
    return EMU_CALLER_ANON;
}

static void check_token(const struct emu_keys *keys, const char *token,
                        int64_t now, struct emu_auth *out)
{
    enum emu_token_status status;
    json_t *claims = NULL;

    out->caller = EMU_CALLER_INVALID;
    out->reason = emu_token_reason(EMU_TOKEN_MALFORMED);
    if (!token)
        return;
    if (strcmp(token, keys->secret_key) == 0) {
        out->caller = EMU_CALLER_SERVICE;
        return;
    }
    if (strcmp(token, keys->publishable_key) == 0) {
        out->caller = EMU_CALLER_ANON;
        return;
    }
    status = emu_token_verify(keys->jwt_secret, token, now, &claims);
    out->reason = emu_token_reason(status);
    if (status == EMU_TOKEN_OK)
        out->caller = role_caller(claims);
    json_decref(claims);
}

static int is_secret_key(const char *value)
{
    return value && strncmp(value, "sb_secret_", 10) == 0;
}

void emu_auth_check(const struct emu_keys *keys, const char *authorization,
                    const char *apikey, const char *user_agent, int64_t now,
                    struct emu_auth *out)
{
    const char *token = authorization ? bearer_token(authorization) : apikey;

    out->caller = EMU_CALLER_NONE;
    out->reason = NULL;
    if (user_agent && strstr(user_agent, "Mozilla/") &&
        (is_secret_key(apikey) || is_secret_key(token))) {
        out->caller = EMU_CALLER_BROWSER_SECRET;
        return;
    }
    if (authorization || apikey)
        check_token(keys, token, now, out);
}
