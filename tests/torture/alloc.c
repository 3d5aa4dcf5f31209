/* The counting allocator behind alloc.h: every allocation function the
 * library uses, wrapped (-Wl,--wrap=NAME) so that one chosen call fails.
 * Thread-safe: the count is atomic, so allocations from libcurl's threads
 * are counted too. */
#include "alloc.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <curl/curl.h>
#include <jansson.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
ssize_t __real_getline(char **line, size_t *cap, FILE *f);
ssize_t __real___getdelim(char **line, size_t *cap, int delim, FILE *f);
int __real_vasprintf(char **out, const char *fmt, va_list ap);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
ssize_t __wrap_getline(char **line, size_t *cap, FILE *f);
ssize_t __wrap___getdelim(char **line, size_t *cap, int delim, FILE *f);
int __wrap_asprintf(char **out, const char *fmt, ...);
int __wrap_vasprintf(char **out, const char *fmt, va_list ap);

static atomic_long target; /* 0: disarmed; LONG_MAX: count only */
static atomic_long seen;
static atomic_int failed;

/* 1 when this allocation is the one to fail. */
static int fail_now(void)
{
    long t = atomic_load(&target);

    if (t == 0)
        return 0;
    if (atomic_fetch_add(&seen, 1) + 1 != t)
        return 0;
    atomic_store(&failed, 1);
    errno = ENOMEM;
    return 1;
}

void *__wrap_malloc(size_t n)
{
    return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t k, size_t n)
{
    return fail_now() ? NULL : __real_calloc(k, n);
}

void *__wrap_realloc(void *p, size_t n)
{
    return fail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return fail_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    return fail_now() ? NULL : __real_strndup(s, n);
}

ssize_t __wrap_getline(char **line, size_t *cap, FILE *f)
{
    return fail_now() ? -1 : __real_getline(line, cap, f);
}

/* Optimised builds inline getline() into a call of __getdelim(). */
ssize_t __wrap___getdelim(char **line, size_t *cap, int delim, FILE *f)
{
    return fail_now() ? -1 : __real___getdelim(line, cap, delim, f);
}

int __wrap_vasprintf(char **out, const char *fmt, va_list ap)
{
    return fail_now() ? -1 : __real_vasprintf(out, fmt, ap);
}

int __wrap_asprintf(char **out, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = __wrap_vasprintf(out, fmt, ap);
    va_end(ap);
    return n;
}

static void plain_free(void *p)
{
    free(p);
}

int torture_install(int with_curl)
{
    json_set_alloc_funcs(__wrap_malloc, plain_free);
    if (with_curl &&
        curl_global_init_mem(CURL_GLOBAL_DEFAULT, __wrap_malloc, plain_free,
                             __wrap_realloc, __wrap_strdup,
                             __wrap_calloc) != CURLE_OK)
        return -1;
    return 0;
}

void torture_arm(long n)
{
    atomic_store(&seen, 0);
    atomic_store(&failed, 0);
    atomic_store(&target, n > 0 ? n : LONG_MAX);
}

long torture_disarm(void)
{
    atomic_store(&target, 0);
    return atomic_load(&seen);
}

int torture_failed(void)
{
    return atomic_load(&failed);
}
