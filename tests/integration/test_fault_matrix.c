/* The fault matrix: every fault action of the emulator (status, delay,
 * reset, stall, cut, hide) against every client operation. Each cell
 * asserts the documented result code, that the call kept its deadline,
 * and, for downloads to a file, that the target holds either the new
 * object or its old content and that no temporary file is left behind.
 * CI runs this program under valgrind and under ASan + UBSan. */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define BODY     "the fault matrix's test object\n"
#define OLD      "the old content of the target\n"
#define DEADLINE 1.5 /* seconds, the clients' overall deadline */

enum expect {
    WORKS,     /* BG_OK with the right answer */
    EXHAUSTED, /* BG_E_EXHAUSTED: every route failed in every round */
    DEADLINE_, /* BG_E_DEADLINE: the overall deadline passed */
    MISSING    /* BG_E_NOT_FOUND (exists: BG_OK with *exists 0) */
};

struct fault {
    const char *name;
    const char *rule; /* POSTed to /__emulator/rules */
};

/* A rule matching every request, so every route and round meets it;
 * hide only concerns object reads. */
static const struct fault faults[] = {
    {"status", "-> status 503 ServiceUnavailable"},
    {"delay", "-> delay 150"},
    {"reset", "-> reset"},
    {"stall", "-> stall"},
    {"cut", "-> cut 3"},
    {"hide", "method GET,HEAD path /object/* -> hide 600000"},
};

struct op;
typedef bg_result op_fn(bg_client *c, const struct op *op, bg_report *rep);

struct op {
    const char *name;
    op_fn *run;
    /* Expected outcome under status, delay, reset, stall, cut, hide. */
    enum expect expect[6];
};

static char dir[64];
static char target[128];

static bg_result op_exists(bg_client *c, const struct op *op, bg_report *rep)
{
    int exists = -1;
    bg_result r = bg_exists(c, "docs", "a.txt", &exists, rep);

    (void)op;
    if (r == BG_OK && exists == 0)
        return BG_E_NOT_FOUND; /* the matrix's way to say "missing" */
    if (r == BG_OK)
        BG_CHECK(exists == 1, "exists said %d", exists);
    return r;
}

static bg_result op_info(bg_client *c, const struct op *op, bg_report *rep)
{
    char *json = NULL, size[32];
    bg_result r = bg_info(c, "docs", "a.txt", &json, rep);

    (void)op;
    snprintf(size, sizeof size, "\"size\":%zu", strlen(BODY));
    if (r == BG_OK)
        BG_CHECK(json != NULL && strstr(json, size) != NULL, "info: %s",
                 json ? json : "(null)");
    bg_free(json);
    return r;
}

static bg_result op_get_mem(bg_client *c, const struct op *op, bg_report *rep)
{
    void *data = NULL;
    size_t len = 0;
    bg_result r = bg_get_mem(c, "docs", "a.txt", &data, &len, rep);

    (void)op;
    if (r == BG_OK)
        BG_CHECK(len == strlen(BODY) && memcmp(data, BODY, len) == 0,
                 "get_mem: %zu wrong bytes", len);
    bg_free(data);
    return r;
}

static int file_is(const char *path, const char *text)
{
    char buf[256];
    FILE *f = fopen(path, "rb");
    size_t n;

    if (f == NULL)
        return 0;
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return n == strlen(text) && memcmp(buf, text, n) == 0;
}

/* Files in dir besides the target: a temporary file left behind. */
static int strays(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
            strcmp(e->d_name, "target.txt") != 0)
            n++;
    closedir(d);
    return n;
}

static bg_result op_get_file(bg_client *c, const struct op *op, bg_report *rep)
{
    FILE *f = fopen(target, "wb");
    bg_result r;

    (void)op;
    if (f != NULL) {
        fputs(OLD, f);
        fclose(f);
    }
    r = bg_get_file(c, "docs", "a.txt", target, rep);
    if (r == BG_OK)
        BG_CHECK(file_is(target, BODY), "get_file: target is not the object");
    else
        BG_CHECK(file_is(target, OLD),
                 "get_file failed (%s) but the target changed", bg_strerror(r));
    BG_CHECK(strays() == 0, "get_file left %d stray files", strays());
    return r;
}

static bg_result op_put(bg_client *c, const struct op *op, bg_report *rep)
{
    bg_put_options o = {1, 0, "text/plain", NULL};

    (void)op;
    return bg_put_mem(c, "docs", "put.txt", BODY, strlen(BODY), &o, rep);
}

static bg_result op_remove(bg_client *c, const struct op *op, bg_report *rep)
{
    const char *keys[] = {"gone.txt"};

    (void)op;
    return bg_remove(c, "docs", keys, 1, NULL, rep);
}

static bg_result op_list(bg_client *c, const struct op *op, bg_report *rep)
{
    char *json = NULL;
    bg_result r = bg_list(c, "docs", NULL, &json, rep);

    (void)op;
    if (r == BG_OK)
        BG_CHECK(json != NULL && strstr(json, "a.txt") != NULL, "list: %s",
                 json ? json : "(null)");
    bg_free(json);
    return r;
}

static bg_result op_copy(bg_client *c, const struct op *op, bg_report *rep)
{
    (void)op;
    return bg_copy(c, "docs", "a.txt", NULL, "copied.txt", rep);
}

static bg_result op_move(bg_client *c, const struct op *op, bg_report *rep)
{
    (void)op;
    return bg_move(c, "docs", "movable.txt", NULL, "moved.txt", rep);
}

static bg_result op_sign(bg_client *c, const struct op *op, bg_report *rep)
{
    char *url = NULL;
    bg_result r = bg_sign(c, "docs", "a.txt", 60, &url, rep);

    (void)op;
    if (r == BG_OK)
        BG_CHECK(url != NULL && strstr(url, "token=") != NULL,
                 "sign gave no token");
    bg_free(url);
    return r;
}

static bg_result op_buckets(bg_client *c, const struct op *op, bg_report *rep)
{
    char *json = NULL;
    bg_result r = bg_bucket_list(c, &json, rep);

    (void)op;
    if (r == BG_OK)
        BG_CHECK(json != NULL && strstr(json, "\"docs\"") != NULL,
                 "bucket list: %s", json ? json : "(null)");
    bg_free(json);
    return r;
}

static bg_result op_bucket(bg_client *c, const struct op *op, bg_report *rep)
{
    char *json = NULL;
    bg_result r = bg_bucket_get(c, "docs", &json, rep);

    (void)op;
    bg_free(json);
    return r;
}

#define E EXHAUSTED
#define D DEADLINE_
#define W WORKS
#define M MISSING

/* Columns: status, delay, reset, stall, cut, hide. Six rounds of two
 * routes cannot finish inside the deadline when every attempt stalls, so
 * a stall ends in the deadline; copy and move are the exception: after a
 * request that may have reached the server they are not repeated
 * (DESIGN.md, idempotency), so one stalled attempt ends them. A HEAD
 * answer has no body, so cutting the body changes nothing for exists; a
 * remove whose answer was cut is repeated (it is idempotent) and the
 * repeat's answer, "[]", is too short to be cut. */
static const struct op ops[] = {
    {"exists", op_exists, {E, W, E, D, W, M}},
    {"info", op_info, {E, W, E, D, E, M}},
    {"get_mem", op_get_mem, {E, W, E, D, E, M}},
    {"get_file", op_get_file, {E, W, E, D, E, M}},
    {"put", op_put, {E, W, E, D, E, W}},
    {"remove", op_remove, {E, W, E, D, W, W}},
    {"list", op_list, {E, W, E, D, E, W}},
    {"copy", op_copy, {E, W, E, E, E, W}},
    {"move", op_move, {E, W, E, E, E, W}},
    {"sign", op_sign, {E, W, E, D, E, W}},
    {"bucket_list", op_buckets, {E, W, E, D, E, W}},
    {"bucket_get", op_bucket, {E, W, E, D, E, W}},
};

static const char *expect_name(enum expect e)
{
    static const char *const names[] = {"works", "exhausted", "deadline",
                                        "missing"};
    return names[e];
}

static bg_result expected_result(enum expect e)
{
    static const bg_result results[] = {BG_OK, BG_E_EXHAUSTED, BG_E_DEADLINE,
                                        BG_E_NOT_FOUND};
    return results[e];
}

static int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bg_client *client(const struct bg_harness *h)
{
    bg_config *cfg = bg_harness_config(h);
    bg_client *c = NULL;

    if (cfg == NULL || bg_config_set(cfg, "routes", "default,conn-close") ||
        bg_config_set(cfg, "retries", "5") ||
        bg_config_set(cfg, "delays", "0.05") ||
        bg_config_set(cfg, "attempt_timeout", "0.4") ||
        bg_config_set(cfg, "connect_timeout", "0.4") ||
        bg_config_set(cfg, "deadline", "1.5") ||
        bg_config_set(cfg, "budget_min_per_sec", "100000") ||
        bg_config_set(cfg, "bucket_ttl", "0") ||
        bg_client_new(cfg, &c) != BG_OK)
        BG_CHECK(0, "client: %s", bg_client_error());
    bg_config_free(cfg);
    return c;
}

/* Puts back the objects the mutating operations consume or create, with
 * no fault loaded. */
static void reset_state(const struct bg_harness *h, bg_client *setup)
{
    bg_put_options o = {1, 0, "text/plain", NULL};
    const char *junk[] = {"copied.txt", "moved.txt"};

    BG_CHECK(bg_harness_control(h, "DELETE", "/__emulator/rules", NULL, NULL) ==
                 200,
             "rules cleared");
    bg_remove(setup, "docs", junk, 2, NULL, NULL);
    BG_CHECK(bg_put_mem(setup, "docs", "movable.txt", BODY, strlen(BODY), &o,
                        NULL) == BG_OK &&
                 bg_put_mem(setup, "docs", "gone.txt", BODY, strlen(BODY), &o,
                            NULL) == BG_OK,
             "state reset");
}

static void cell(const struct bg_harness *h, bg_client *setup, size_t fi,
                 const struct op *op)
{
    bg_client *c;
    bg_report rep;
    bg_result r;
    int64_t t0, ms;

    reset_state(h, setup);
    BG_CHECK(bg_harness_control(h, "POST", "/__emulator/rules", faults[fi].rule,
                                NULL) == 200,
             "rule %s loaded", faults[fi].rule);
    c = client(h);
    memset(&rep, 0, sizeof rep);
    t0 = mono_ms();
    r = op->run(c, op, &rep);
    ms = mono_ms() - t0;
    printf("%-7s %-12s %-10s %5lld ms  %s\n", faults[fi].name, op->name,
           r == BG_OK ? "ok" : bg_strerror(r), (long long)ms,
           r == expected_result(op->expect[fi]) ? "" : "UNEXPECTED");
    BG_CHECK(r == expected_result(op->expect[fi]),
             "%s x %s: %s, expected %s (%s)", faults[fi].name, op->name,
             bg_strerror(r), expect_name(op->expect[fi]), rep.detail);
    /* The deadline bounds the call; the slack covers a slow machine and
     * valgrind. */
    BG_CHECK(ms <= (int64_t)(DEADLINE * 1000) + 1500,
             "%s x %s: took %lld ms, deadline %.1f s", faults[fi].name,
             op->name, (long long)ms, DEADLINE);
    bg_client_free(c);
}

int main(void)
{
    const char *args[] = {"--bucket", "docs", "--object", "docs/a.txt=" BODY,
                          NULL};
    struct bg_harness h;
    bg_client *setup;

    snprintf(dir, sizeof dir, "/tmp/bg-matrix-XXXXXX");
    if (mkdtemp(dir) == NULL || bg_harness_start(&h, args) != 0)
        return 1;
    snprintf(target, sizeof target, "%s/target.txt", dir);
    setup = client(&h);
    for (size_t fi = 0; fi < sizeof faults / sizeof *faults; fi++)
        for (size_t oi = 0; oi < sizeof ops / sizeof *ops; oi++)
            cell(&h, setup, fi, &ops[oi]);

    bg_client_free(setup);
    bg_harness_stop(&h);
    unlink(target);
    rmdir(dir);
    return bg_test_finish("test_fault_matrix");
}
