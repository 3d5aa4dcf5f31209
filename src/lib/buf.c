/* A small growable byte buffer: doubling growth, a NUL always kept after
 * the contents so text can be used in place. */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

bg_result bg__buf_append(struct bg__buf *b, const void *p, size_t n)
{
    if (n >= (size_t)-1 - b->len - 1)
        return BG_E_NOMEM;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (grown == NULL)
            return BG_E_NOMEM;
        b->data = grown;
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return BG_OK;
}

void bg__buf_clear(struct bg__buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

char *bg__buf_take(struct bg__buf *b, size_t *len)
{
    char *data = b->data;

    if (len != NULL)
        *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return data;
}

void bg__buf_free(struct bg__buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}
