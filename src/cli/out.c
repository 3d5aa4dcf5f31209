/* Output of the bucketguard command: errors and log lines on stderr, JSON
 * or tables on stdout, and the terminal progress bar. */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "opts.h"
#include "out.h"

int out_exit_code(bg_result r)
{
    switch (r) {
    case BG_OK:
        return CLI_EXIT_OK;
    case BG_E_NOT_FOUND:
        return CLI_EXIT_NOT_FOUND;
    case BG_E_USAGE:
        return CLI_EXIT_USAGE;
    case BG_E_CONFIG:
        return CLI_EXIT_CONFIG;
    case BG_E_AUTH:
        return CLI_EXIT_AUTH;
    case BG_E_EXHAUSTED:
    case BG_E_DEADLINE:
    case BG_E_BUDGET:
        return CLI_EXIT_NETWORK;
    case BG_E_CONFLICT:
    case BG_E_REJECTED:
        return CLI_EXIT_CONFLICT;
    case BG_E_IO:
        return CLI_EXIT_IO;
    default:
        return CLI_EXIT_INTERNAL;
    }
}

const char *out_result_name(bg_result r)
{
    static const char *const names[] = {
        "ok",     "usage",    "config",   "nomem",     "not_found",
        "auth",   "conflict", "rejected", "exhausted", "deadline",
        "budget", "io",       "aborted",  "internal"};

    if ((size_t)r < sizeof names / sizeof names[0])
        return names[r];
    return "internal";
}

void out_log(bg_log_level level, const char *line, void *userdata)
{
    (void)userdata;
    fprintf(stderr, "bucketguard: level=%s %s\n", bg_log_level_name(level),
            line);
}

void out_errorf(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fputs("bucketguard: ", stderr);
    if (cmd != NULL)
        fprintf(stderr, "%s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Says which thing was missing: Storage tells a missing bucket apart from
 * a missing object by its code. */
static const char *describe(bg_result r, const bg_report *rep, int bucket_op)
{
    if (r != BG_E_NOT_FOUND)
        return bg_strerror(r);
    if (bucket_op || strcmp(rep->code, "NoSuchBucket") == 0)
        return "bucket not found";
    return "object not found";
}

/* Writes s with control characters as \xNN, so that an argument holding a
 * newline cannot split the one-line error. */
static void put_visible(const char *s)
{
    for (; *s != '\0'; s++) {
        if (iscntrl((unsigned char)*s))
            fprintf(stderr, "\\x%02X", (unsigned)(unsigned char)*s);
        else
            fputc(*s, stderr);
    }
}

/* The detail is printed only for failures that never reached the server
 * (a local file, a bad argument): for the others the code, route and
 * attempt count say it in fewer words. */
int out_fail(const char *cmd, const char *what, bg_result r,
             const bg_report *rep, int bucket_op)
{
    char extra[200] = "";
    size_t len = 0;

    if (rep->code[0] != '\0')
        len += (size_t)snprintf(extra, sizeof extra, "%s, ", rep->code);
    if (rep->attempts > 0 && len < sizeof extra)
        snprintf(extra + len, sizeof extra - len, "route=%s, attempts=%u, ",
                 rep->route, rep->attempts);
    len = strlen(extra);
    if (len >= 2)
        extra[len - 2] = '\0';

    fprintf(stderr, "bucketguard: %s ", cmd);
    put_visible(what);
    fprintf(stderr, ": %s", describe(r, rep, bucket_op));
    if (rep->attempts == 0 && rep->detail[0] != '\0')
        fprintf(stderr, ": %s", rep->detail);
    if (extra[0] != '\0')
        fprintf(stderr, " (%s)", extra);
    fputc('\n', stderr);
    return out_exit_code(r);
}

int out_finish(const char *cmd, const char *what, int json, bg_result r,
               const bg_report *rep, json_t *doc, int bucket_op)
{
    int status = r == BG_OK ? 0 : out_fail(cmd, what, r, rep, bucket_op);
    int failed;

    if (!json) {
        json_decref(doc);
        return status;
    }
    if (doc == NULL)
        doc = json_object();
    failed =
        doc == NULL ||
        (json_object_get(doc, "ok") == NULL &&
         json_object_set_new(doc, "ok", json_boolean(r == BG_OK)) != 0) ||
        (r != BG_OK &&
         json_object_set_new(doc, "error",
                             json_string(describe(r, rep, bucket_op))) != 0) ||
        json_object_set_new(doc, "report", out_report_json(r, rep)) != 0;
    if (failed) {
        json_decref(doc);
        doc = NULL;
    }
    failed = out_json(doc);
    return status != 0 ? status : failed;
}

json_t *out_report_json(bg_result r, const bg_report *rep)
{
    return json_pack(
        "{s:s, s:i, s:i, s:s, s:s, s:I, s:I, s:f, s:I, s:s, "
        "s:s, s:s, s:s, s:s}",
        "result", out_result_name(r), "http_status", rep->http_status,
        "body_status", rep->body_status, "code", rep->code, "route", rep->route,
        "attempts", (json_int_t)rep->attempts, "rounds",
        (json_int_t)rep->rounds, "duration_ms",
        (double)rep->duration_us / 1000.0, "bytes", (json_int_t)rep->bytes,
        "cf_ray", rep->cf_ray, "colo", rep->colo, "cache_status",
        rep->cache_status, "address", rep->address, "detail", rep->detail);
}

json_t *out_parse(const char *text)
{
    json_t *v = json_loads(text != NULL ? text : "null",
                           JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);

    return v != NULL ? v : json_string(text);
}

int out_json(json_t *doc)
{
    int status = CLI_EXIT_OK;

    if (doc == NULL) {
        out_errorf(NULL, "out of memory");
        return CLI_EXIT_INTERNAL;
    }
    if (json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
        fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
        out_errorf(NULL, "cannot write to standard output");
        status = CLI_EXIT_IO;
    }
    json_decref(doc);
    return status;
}

const char *out_text(const json_t *v, char *buf, size_t n)
{
    char *dump;

    if (v == NULL || json_is_null(v))
        snprintf(buf, n, "-");
    else if (json_is_string(v))
        snprintf(buf, n, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_boolean(v))
        snprintf(buf, n, "%s", json_is_true(v) ? "yes" : "no");
    else {
        dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        snprintf(buf, n, "%s", dump != NULL ? dump : "?");
        free(dump);
    }
    return buf;
}

void out_fields(FILE *f, const json_t *obj)
{
    const char *name;
    json_t *v;
    size_t width = 0;
    char buf[1024];

    json_object_foreach((json_t *)obj, name, v)
    {
        if (strlen(name) > width)
            width = strlen(name);
    }
    json_object_foreach((json_t *)obj, name, v)
    {
        fprintf(f, "%-*s  %s\n", (int)width + 1, name,
                out_text(v, buf, sizeof buf));
    }
}

const char *out_size(uint64_t bytes, char *buf, size_t n)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    size_t u = 0;

    if (bytes < 1024) {
        snprintf(buf, n, "%llu B", (unsigned long long)bytes);
        return buf;
    }
    v /= 1024.0;
    while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, n, "%.1f %s", v, units[u]);
    return buf;
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void out_progress_init(struct out_progress *p, const char *label, int quiet)
{
    p->enabled = !quiet && isatty(STDERR_FILENO);
    p->drawn = 0;
    p->start_ms = now_ms();
    p->label = label;
}

void out_progress_cb(uint64_t done, int64_t total, void *userdata)
{
    struct out_progress *p = userdata;
    char a[32], b[32];
    int width = 30, filled;

    if (!p->enabled || (!p->drawn && now_ms() - p->start_ms < 700))
        return;
    if (total <= 0) {
        fprintf(stderr, "\r%.40s %s", p->label, out_size(done, a, sizeof a));
    } else {
        filled = (int)((double)done / (double)total * width);
        if (filled > width)
            filled = width;
        fprintf(stderr, "\r%.40s [%.*s%*s] %3d%% %s / %s", p->label, filled,
                "##############################", width - filled, "",
                (int)(100.0 * (double)done / (double)total),
                out_size(done, a, sizeof a),
                out_size((uint64_t)total, b, sizeof b));
    }
    fputs("\033[K", stderr);
    fflush(stderr);
    p->drawn = 1;
}

void out_progress_end(struct out_progress *p)
{
    if (p->drawn)
        fputc('\n', stderr);
    p->drawn = 0;
}

struct out_table {
    size_t ncols, nrows, cap; /* rows include the heads */
    char **cells;             /* nrows * ncols, row-major */
};

void out_table_free(struct out_table *t)
{
    size_t i;

    if (t == NULL)
        return;
    for (i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t);
}

struct out_table *out_table_new(size_t ncols, const char *const *heads)
{
    struct out_table *t = calloc(1, sizeof *t);

    if (t == NULL)
        return NULL;
    t->ncols = ncols;
    if (out_table_add(t, heads) != 0) {
        out_table_free(t);
        return NULL;
    }
    return t;
}

int out_table_add(struct out_table *t, const char *const *cells)
{
    size_t i, base;

    if (t->nrows == t->cap) {
        size_t cap = t->cap != 0 ? t->cap * 2 : 16;
        char **grown = realloc(t->cells, cap * t->ncols * sizeof *grown);
        if (grown == NULL)
            return -1;
        t->cells = grown;
        t->cap = cap;
    }
    base = t->nrows * t->ncols;
    for (i = 0; i < t->ncols; i++) {
        t->cells[base + i] = strdup(cells[i] != NULL ? cells[i] : "-");
        if (t->cells[base + i] == NULL) {
            while (i-- > 0)
                free(t->cells[base + i]);
            return -1;
        }
    }
    t->nrows++;
    return 0;
}

void out_table_print(struct out_table *t, FILE *f)
{
    size_t r, col, width[16] = {0};
    size_t ncols = t->ncols < 16 ? t->ncols : 16;

    for (r = 0; r < t->nrows; r++)
        for (col = 0; col < ncols; col++)
            if (strlen(t->cells[r * t->ncols + col]) > width[col])
                width[col] = strlen(t->cells[r * t->ncols + col]);
    for (r = 0; r < t->nrows; r++) {
        for (col = 0; col + 1 < ncols; col++)
            fprintf(f, "%-*s  ", (int)width[col], t->cells[r * t->ncols + col]);
        fprintf(f, "%s\n", t->cells[r * t->ncols + ncols - 1]);
    }
    out_table_free(t);
}
