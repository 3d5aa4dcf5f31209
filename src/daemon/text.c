/* A growable text buffer for the pages and answers the daemon builds. */
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int reserve(struct bgd_text *t, size_t more)
{
    size_t cap;
    char *s;

    if (t->failed)
        return -1;
    if (t->len + more + 1 <= t->cap)
        return 0;
    cap = t->cap ? t->cap : 1024;
    while (cap < t->len + more + 1)
        cap *= 2;
    s = realloc(t->s, cap);
    if (s == NULL) {
        t->failed = 1;
        return -1;
    }
    t->s = s;
    t->cap = cap;
    return 0;
}

void bgd_text_printf(struct bgd_text *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(t, (size_t)n) != 0)
        return;

    va_start(ap, fmt);
    vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

void bgd_text_html(struct bgd_text *t, const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        switch (*s) {
        case '&':
            bgd_text_printf(t, "&amp;");
            break;
        case '<':
            bgd_text_printf(t, "&lt;");
            break;
        case '>':
            bgd_text_printf(t, "&gt;");
            break;
        case '"':
            bgd_text_printf(t, "&quot;");
            break;
        case '\'':
            bgd_text_printf(t, "&#39;");
            break;
        default:
            bgd_text_printf(t, "%c", *s);
        }
    }
}

char *bgd_text_take(struct bgd_text *t)
{
    char *s = t->failed ? NULL : t->s;

    if (t->failed)
        free(t->s);
    if (s == NULL && !t->failed) {
        s = strdup("");
    }
    t->s = NULL;
    t->len = t->cap = 0;
    t->failed = 0;
    return s;
}
