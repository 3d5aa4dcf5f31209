/* Object key and bucket name rules. Storage checks keys with a character
 * class; dot segments are refused too, since a file backend would resolve
 * them. */
#include "keyrule.h"

#include <string.h>

#define BUCKET_NAME_MAX 100

static bool allowed_char(char c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("_/!.*'() &$=@;:+,?-", c) != NULL;
}

static bool dot_segment(const char *seg, size_t len)
{
    return (len == 1 && seg[0] == '.') ||
           (len == 2 && seg[0] == '.' && seg[1] == '.');
}

bool emu_key_valid(const char *key)
{
    const char *seg = key;

    if (*key == '\0')
        return false;
    for (const char *p = key;; p++) {
        if (*p == '/' || *p == '\0') {
            if (dot_segment(seg, (size_t)(p - seg)))
                return false;
            if (*p == '\0')
                return true;
            seg = p + 1;
        } else if (!allowed_char(*p)) {
            return false;
        }
    }
}

bool emu_bucket_name_valid(const char *name)
{
    size_t len = strlen(name);

    if (len == 0 || len > BUCKET_NAME_MAX || strchr(name, '/'))
        return false;
    return emu_key_valid(name);
}
