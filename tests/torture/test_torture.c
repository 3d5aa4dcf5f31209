/* Allocation-failure torture: the main operations (dotenv and config
 * files, client, exists, download, upload, info, list, metrics) run against the
 * emulator once per N, with the Nth allocation failing, for N = 1, 2, ... until
 * a run makes fewer than N allocations. Every run must end cleanly: each call
 * succeeds with the right answer or reports BG_E_NOMEM, nothing crashes, and
 * (under valgrind or ASan, as CI runs it) nothing leaks. BG_TORTURE_MAX caps N;
 * past BG_TORTURE_DENSE only every BG_TORTURE_STEP-th N is tried, so the run
 * time stays bounded. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "harness.h"

#define BODY "torture body, 32 bytes of text.\n"

/* How each call of a run may end. */
static bg_report rep;

static int nomem_seen; /* a call of the current run said BG_E_NOMEM */

static int ok_or_nomem(bg_result r, const char *what, long n)
{
    nomem_seen |= r == BG_E_NOMEM;
    if (r == BG_OK || r == BG_E_NOMEM)
        return r == BG_OK;
    BG_CHECK(0, "N=%ld %s: %s instead of success or out of memory (%s)", n,
             what, bg_strerror(r), rep.detail);
    return 0;
}

static char env_file[128], conf_file[128];

/* Writes the emulator's URL and keys to a dotenv file and routes and
 * timings to a config file, so that the runs parse both. */
static int write_files(const struct bg_harness *h)
{
    FILE *f;

    snprintf(env_file, sizeof env_file, "%s/torture.env", h->dir);
    snprintf(conf_file, sizeof conf_file, "%s/torture.conf", h->dir);
    f = fopen(env_file, "w");
    if (f == NULL)
        return -1;
    fprintf(f,
            "# torture\nSUPABASE_URL=%s\nexport "
            "SUPABASE_SERVICE_ROLE_KEY=\"%s\"\nSUPABASE_ANON_KEY='%s'\n",
            h->url, h->service, h->anon);
    fclose(f);
    f = fopen(conf_file, "w");
    if (f == NULL)
        return -1;
    fputs("routes = default,conn-close,mine\ndelays = 0.01\ndeadline = 10\n"
          "[route mine]\nuser_agent = torture/1\nconnection = close\n"
          "[health]\nwindow = 50\n",
          f);
    fclose(f);
    return 0;
}

static bg_config *make_config(long n)
{
    bg_config *cfg = bg_config_new();
    bg_result r;

    if (cfg == NULL)
        return NULL;
    r = bg_config_load_env_file(cfg, env_file);
    if (r == BG_OK)
        r = bg_config_load_file(cfg, conf_file);
    if (r == BG_OK)
        r = bg_config_set(cfg, "metrics_file", "/dev/null");
    if (r != BG_OK) {
        BG_CHECK(r == BG_E_NOMEM, "N=%ld config: %s (%s)", n, bg_strerror(r),
                 bg_config_error(cfg));
        bg_config_free(cfg);
        return NULL;
    }
    return cfg;
}

static void objects(bg_client *c, long n)
{
    bg_put_options put = {1, 0, "text/plain", NULL};
    bg_list_options list = {"", 0, 0, NULL, 0};
    void *data = NULL;
    size_t len = 0;
    char *json = NULL;
    int exists = -1;

    if (ok_or_nomem(bg_exists(c, "docs", "a.txt", &exists, &rep), "exists", n))
        BG_CHECK(exists == 1, "N=%ld exists said %d", n, exists);
    if (ok_or_nomem(bg_get_mem(c, "docs", "a.txt", &data, &len, &rep), "get",
                    n))
        BG_CHECK(len == strlen(BODY) && memcmp(data, BODY, len) == 0,
                 "N=%ld get returned %zu wrong bytes", n, len);
    bg_free(data);
    ok_or_nomem(bg_put_mem(c, "docs", "up.txt", BODY, strlen(BODY), &put, &rep),
                "put", n);
    if (ok_or_nomem(bg_info(c, "docs", "a.txt", &json, &rep), "info", n))
        BG_CHECK(json != NULL && strstr(json, "\"size\"") != NULL,
                 "N=%ld info: %s", n, json ? json : "(null)");
    bg_free(json);
    json = NULL;
    if (ok_or_nomem(bg_list(c, "docs", &list, &json, &rep), "list", n))
        BG_CHECK(json != NULL && strstr(json, "a.txt") != NULL,
                 "N=%ld list: %s", n, json ? json : "(null)");
    bg_free(json);
    json = NULL;
    ok_or_nomem(bg_metrics_json(c, &json), "metrics", n);
    bg_free(json);
}

/* One run of every operation with the Nth allocation failing. Returns the
 * number of allocations the run made. */
static long run(long n)
{
    bg_config *cfg;
    bg_client *c = NULL;
    bg_result r;

    memset(&rep, 0, sizeof rep);
    nomem_seen = 0;
    torture_arm(n);
    cfg = make_config(n);
    if (cfg != NULL) {
        r = bg_client_new(cfg, &c);
        bg_config_free(cfg);
        if (ok_or_nomem(r, "client", n))
            objects(c, n);
        bg_client_free(c);
    }
    return torture_disarm();
}

static long env_long(const char *name, long fallback)
{
    const char *v = getenv(name);

    return v != NULL && *v != '\0' ? atol(v) : fallback;
}

int main(void)
{
    const char *args[] = {"--bucket", "docs", "--object", "docs/a.txt=" BODY,
                          NULL};
    long max = env_long("BG_TORTURE_MAX", 20000);
    long dense = env_long("BG_TORTURE_DENSE", 400);
    long step = env_long("BG_TORTURE_STEP", 1);
    long n, total = 0, tried = 0;
    struct bg_harness h;
    time_t t0 = time(NULL);

    if (torture_install(env_long("BG_TORTURE_CURL", 0) != 0) != 0 ||
        bg_harness_start(&h, args) != 0)
        return 1;
    if (write_files(&h) != 0) {
        bg_harness_stop(&h);
        return 1;
    }
    total = run(0);
    BG_CHECK(!torture_failed() && !nomem_seen && total > 0,
             "a run without failure succeeds and allocates: %ld", total);
    for (n = 1; n <= total && n <= max; n += n < dense ? 1 : step) {
        run(n);
        BG_CHECK(torture_failed(), "N=%ld: allocation %ld never came (%ld)", n,
                 n, total);
        tried++;
    }
    printf("torture: %ld allocations per run, %ld runs with one failing "
           "(every N to %ld, then every %ld), %lds\n",
           total, tried, dense, step, (long)(time(NULL) - t0));
    unlink(env_file);
    unlink(conf_file);
    bg_harness_stop(&h);
    return bg_test_finish("test_torture");
}
