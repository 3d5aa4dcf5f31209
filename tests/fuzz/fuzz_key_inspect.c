/* Fuzz target: any string inspected as a Supabase key (JWT header and
 * claims decoded from base64url JSON) gives a known format and
 * NUL-terminated claim fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keyinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *key = malloc(size + 1);
    struct bg__keyinfo info;

    if (key == NULL)
        return 0;
    memcpy(key, data, size);
    key[size] = '\0';
    memset(&info, 0xAA, sizeof(info));
    bg__key_inspect(key, &info);
    if (info.format > BG__KEY_MALFORMED ||
        memchr(info.alg, '\0', sizeof(info.alg)) == NULL ||
        memchr(info.role, '\0', sizeof(info.role)) == NULL ||
        memchr(info.ref, '\0', sizeof(info.ref)) == NULL ||
        memchr(info.iss, '\0', sizeof(info.iss)) == NULL)
        abort();
    (void)bg__key_format_name(info.format);
    free(key);
    return 0;
}
