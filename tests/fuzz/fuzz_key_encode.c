/* Fuzz target: object keys and bucket ids are checked against Storage's
 * rules and percent-encoded into buffers of every size; an encoding that
 * fits is NUL-terminated, uses only path-safe bytes, and decodes back to
 * the input. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hexval(int c)
{
    return isdigit(c) ? c - '0' : (toupper(c) - 'A' + 10);
}

static void check_roundtrip(const char *in, const char *out, int len)
{
    char *dec = malloc((size_t)len + 1);
    int i, j = 0;

    if (dec == NULL)
        return;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)out[i];
        if (c <= ' ' || c >= 0x7f)
            abort();
        if (c == '%') {
            if (i + 2 >= len)
                abort();
            if (!isxdigit((unsigned char)out[i + 1]) ||
                !isxdigit((unsigned char)out[i + 2]))
                abort();
            dec[j++] = (char)(hexval(out[i + 1]) * 16 + hexval(out[i + 2]));
            i += 2;
        } else {
            dec[j++] = (char)c;
        }
    }
    dec[j] = '\0';
    if (strcmp(dec, in) != 0)
        abort();
    free(dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s, *out;
    size_t cap = size * 3 + 1, n;
    int len, keep;

    if (size > 4096)
        return 0;
    s = malloc(size + 1);
    out = malloc(cap);
    if (s == NULL || out == NULL)
        goto cleanup;
    memcpy(s, data, size);
    s[size] = '\0';
    (void)bg__key_valid(s);
    (void)bg__bucket_valid(s);

    for (keep = 0; keep <= 1; keep++) {
        len = bg__path_encode(s, keep, out, cap);
        if (len < 0 || (size_t)len >= cap || out[len] != '\0')
            abort();
        check_roundtrip(s, out, len);
        /* Every smaller buffer either fits the same text or says so. */
        for (n = 0; n <= (size_t)len; n += 1 + (size_t)len / 16) {
            int short_len = bg__path_encode(s, keep, out, n);
            if (short_len >= 0 && (size_t)short_len >= n)
                abort();
        }
    }

cleanup:
    free(s);
    free(out);
    return 0;
}
