/* Object keys and bucket ids checked against Storage's rules and
 * percent-encoded into request paths. */
#include <string.h>
#include "encode.h"

/* Storage accepts these besides ASCII letters and digits (DESIGN.md). */
static const char key_punct[] = "_/!.*'() &$=@;:+,?-";

static int is_alnum(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9');
}

static int is_dot_segment(const char *seg, size_t len)
{
    return (len == 1 && seg[0] == '.') ||
           (len == 2 && seg[0] == '.' && seg[1] == '.');
}

int bg__key_valid(const char *key)
{
    const char *seg;
    const char *p;

    if (key == NULL || *key == '\0')
        return 0;

    for (p = key; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (!is_alnum(c) && strchr(key_punct, c) == NULL)
            return 0;
    }

    /* A "." or ".." segment would be resolved away by the HTTP stack and
     * reach another object than the one named. */
    seg = key;
    for (p = key;; p++) {
        if (*p == '/' || *p == '\0') {
            if (is_dot_segment(seg, (size_t)(p - seg)))
                return 0;
            if (*p == '\0')
                break;
            seg = p + 1;
        }
    }
    return 1;
}

int bg__bucket_valid(const char *id)
{
    const char *p;

    if (id == NULL || *id == '\0' || is_dot_segment(id, strlen(id)))
        return 0;
    for (p = id; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '/' || c < 0x20 || c > 0x7e)
            return 0;
    }
    return 1;
}

int bg__path_encode(const char *s, int keep_slash, char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = 0;

    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        int keep = is_alnum(c) || c == '-' || c == '_' || c == '.' ||
                   c == '~' || (keep_slash && c == '/');
        size_t need = keep ? 1 : 3;

        if (len + need >= n)
            return -1;
        if (keep) {
            out[len++] = (char)c;
        } else {
            out[len++] = '%';
            out[len++] = hex[c >> 4];
            out[len++] = hex[c & 0xf];
        }
    }
    if (n == 0)
        return -1;
    out[len] = '\0';
    return (int)len;
}
