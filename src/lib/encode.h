/* Encoding of bucket names and object keys into URL paths, and the check
 * of Storage's key character rules before a request is sent. */
#ifndef BG_ENCODE_H
#define BG_ENCODE_H

#include <stddef.h>

/* 1 when key obeys Storage's rules (DESIGN.md: the allowed characters, no
 * empty key, no "." or ".." segment), else 0. */
int bg__key_valid(const char *key);

/* 1 when id is a plausible bucket id (non-empty, no '/', printable). */
int bg__bucket_valid(const char *id);

/* Percent-encodes s into out for use in a path: unreserved characters and
 * '/' stay as they are (when keep_slash), everything else becomes %XX.
 * Returns the length, or -1 when out (size n) is too small. */
int bg__path_encode(const char *s, int keep_slash, char *out, size_t n);

#endif
