/* A growable text buffer for the pages and answers the daemon builds. */
#ifndef BGD_TEXT_H
#define BGD_TEXT_H

#include <stddef.h>

struct bgd_text {
    char *s;
    size_t len, cap;
    int failed; /* an allocation failed; the text is incomplete */
};

/* Appends formatted text; on allocation failure sets failed and keeps the
 * text as it was. */
void bgd_text_printf(struct bgd_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends s with &, <, >, " and ' escaped for HTML. */
void bgd_text_html(struct bgd_text *t, const char *s);

/* Hands the string over (NULL when an allocation failed, and then frees
 * it); the buffer is left empty. */
char *bgd_text_take(struct bgd_text *t);

#endif
