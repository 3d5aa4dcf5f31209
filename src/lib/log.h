/* Logging through the caller's callback: one line per event as key=value
 * pairs, behind a level check that costs nothing when logging is off, with
 * secrets removed before a line leaves the library. */
#ifndef BG_LOG_H
#define BG_LOG_H

#include <stddef.h>
#include "bucketguard/bucketguard.h"

struct bg__logger {
    bg_log_fn *fn;
    void *userdata;
    bg_log_level level;
};

#define bg__log_on(lg, lvl) ((lg)->fn != NULL && (lvl) <= (lg)->level)

/* Formats one line, redacts it and hands it to the callback. Use through
 * bg__logf so that the arguments are not evaluated when the level is off. */
void bg__log(const struct bg__logger *lg, bg_log_level level, const char *fmt,
             ...) __attribute__((format(printf, 3, 4)));

#define bg__logf(lg, lvl, ...)                                                 \
    do {                                                                       \
        if (bg__log_on(lg, lvl))                                               \
            bg__log(lg, lvl, __VA_ARGS__);                                     \
    } while (0)

/* Copies src into dst (size n, always terminated) with secrets replaced by
 * "[redacted]": JWTs (eyJ...), sb_secret_/sb_publishable_ keys, "Bearer X",
 * "apikey: X", and token= query values. Newlines become spaces. Returns
 * the length written. */
size_t bg__redact(char *dst, size_t n, const char *src);

#endif
