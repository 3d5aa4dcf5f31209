/* A small growable byte buffer, always NUL-terminated, for response bodies
 * and other text the library assembles. */
#ifndef BG_BUF_H
#define BG_BUF_H

#include <stddef.h>
#include "bucketguard/bucketguard.h"

struct bg__buf {
    char *data; /* NUL-terminated when not NULL; owned */
    size_t len;
    size_t cap;
};

/* Appends n bytes of p (keeping a NUL after them). Returns BG_E_NOMEM and
 * leaves b unchanged when memory runs out. */
bg_result bg__buf_append(struct bg__buf *b, const void *p, size_t n);

/* Forgets the contents but keeps the memory. */
void bg__buf_clear(struct bg__buf *b);

/* Hands the contents to the caller (NULL when empty and never grown) and
 * leaves b empty. */
char *bg__buf_take(struct bg__buf *b, size_t *len);

/* Frees the memory; b may be reused afterwards. */
void bg__buf_free(struct bg__buf *b);

#endif
