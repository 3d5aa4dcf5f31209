/* Final answers end a call at once: a bucket that truly does not exist is
 * "not found" in the first round, and a bad key on a private bucket is an
 * auth problem in the first round, not half a minute of retries with the
 * default delays (1, 2, 3, 5, 8 s). */
#include <stdlib.h>
#include <string.h>
#include "harness.h"

static bg_client *client_with(const struct bg_harness *h, const char *key)
{
    bg_config *cfg = bg_harness_config(h);
    bg_client *c = NULL;

    if (cfg == NULL)
        return NULL;
    if (bg_config_set(cfg, "delays", "1,2,3,5,8") != BG_OK ||
        (key != NULL && bg_config_set(cfg, "service_key", key) != BG_OK) ||
        bg_client_new(cfg, &c) != BG_OK)
        BG_CHECK(0, "client: %s / %s", bg_config_error(cfg), bg_client_error());
    bg_config_free(cfg);
    return c;
}

static void missing_bucket_is_not_found_in_one_round(bg_client *c)
{
    bg_report rep;
    void *data = NULL;
    size_t len;
    int exists = -1;

    bg_result r = bg_get_mem(c, "nope", "a.txt", &data, &len, &rep);
    printf("missing bucket: %s, %u attempts, %u rounds, %.3f s\n",
           bg_strerror(r), rep.attempts, rep.rounds, rep.duration_us / 1e6);
    BG_CHECK(r == BG_E_NOT_FOUND, "download: %s (%s)", bg_strerror(r),
             rep.detail);
    BG_CHECK(rep.rounds == 1, "download: %u rounds", rep.rounds);
    BG_CHECK(rep.duration_us < 1000000, "download: %lld µs",
             (long long)rep.duration_us);
    BG_CHECK(strcmp(rep.code, "NoSuchBucket") == 0, "code %s", rep.code);
    bg_free(data);

    r = bg_probe(c, "nope", "a.txt", &rep);
    BG_CHECK(r == BG_E_NOT_FOUND && rep.rounds == 1 &&
                 rep.duration_us < 1000000,
             "probe: %s, %u rounds, %lld µs", bg_strerror(r), rep.rounds,
             (long long)rep.duration_us);

    r = bg_exists(c, "docs", "missing.txt", &exists, &rep);
    BG_CHECK(r == BG_OK && exists == 0 && rep.duration_us < 1000000,
             "missing object: %s, exists %d, %lld µs", bg_strerror(r), exists,
             (long long)rep.duration_us);
}

static void bad_key_is_an_auth_problem_in_one_round(bg_client *c)
{
    bg_report rep;
    void *data = NULL;
    size_t len;

    bg_result r = bg_get_mem(c, "docs", "a.txt", &data, &len, &rep);
    printf("bad key: %s, %u attempts, %u rounds, %.3f s: %s\n", bg_strerror(r),
           rep.attempts, rep.rounds, rep.duration_us / 1e6, rep.detail);
    BG_CHECK(r == BG_E_AUTH, "download: %s, want auth", bg_strerror(r));
    BG_CHECK(rep.rounds == 1, "download: %u rounds", rep.rounds);
    BG_CHECK(rep.duration_us < 1000000, "download: %lld µs",
             (long long)rep.duration_us);
    BG_CHECK(strstr(rep.detail, "key") != NULL, "detail names the key: %s",
             rep.detail);
    bg_free(data);
}

int main(void)
{
    const char *args[] = {"--bucket", "docs", "--object", "docs/a.txt=hi",
                          NULL};
    const char *mint[] = {"--role", "service_role", "--jwt-secret", "other",
                          NULL};
    struct bg_harness h;
    bg_client *c;
    char *bad;

    if (bg_harness_start(&h, args) != 0)
        return 1;
    if ((c = client_with(&h, NULL)) != NULL) {
        missing_bucket_is_not_found_in_one_round(c);
        bg_client_free(c);
    }

    bad = bg_harness_mint(mint);
    BG_CHECK(bad != NULL, "minted a key signed with another secret");
    if (bad != NULL && (c = client_with(&h, bad)) != NULL) {
        bad_key_is_an_auth_problem_in_one_round(c);
        bg_client_free(c);
    }
    free(bad);
    bg_harness_stop(&h);
    return bg_test_finish("test_engine_verdicts");
}
