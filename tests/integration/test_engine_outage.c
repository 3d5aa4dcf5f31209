/* An outage of 10 s (half the requests reset, the rest answer 503): a
 * call with a short deadline gives up within its deadline, and a call
 * with the default deadline and delays rides the outage out and succeeds
 * soon after the service recovers. */
#include <stdint.h>
#include <time.h>
#include "harness.h"

static int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bg_client *client(const struct bg_harness *h, const char *deadline,
                         const char *delays)
{
    bg_config *cfg = bg_harness_config(h);
    bg_client *c = NULL;

    if (cfg == NULL || bg_config_set(cfg, "deadline", deadline) != BG_OK ||
        bg_config_set(cfg, "delays", delays) != BG_OK ||
        bg_client_new(cfg, &c) != BG_OK)
        BG_CHECK(0, "client: %s", bg_client_error());
    bg_config_free(cfg);
    return c;
}

int main(void)
{
    const char *args[] = {"--bucket", "docs", "--object", "docs/a.txt=hi",
                          NULL};
    struct bg_harness h;
    bg_client *hasty, *patient;
    bg_report rep;
    int64_t t0, t;
    int exists;

    if (bg_harness_start(&h, args) != 0)
        return 1;
    hasty = client(&h, "2", "0.2,0.4,0.8");
    patient = client(&h, "30", "1,2,3,5,8");
    /* NOTE: the emulator starts a rule's clock on its own time line only
     * after it has matched a request; serve one before loading the
     * scenario so "during 0..10000" counts from the load. */
    BG_CHECK(bg_exists(patient, "docs", "a.txt", &exists, &rep) == BG_OK,
             "served before the outage");
    BG_CHECK(bg_harness_control(&h, "POST", "/__emulator/scenario/outage", NULL,
                                NULL) == 200,
             "outage loaded");
    t0 = mono_ms();

    bg_result r = bg_exists(hasty, "docs", "a.txt", &exists, &rep);
    t = mono_ms() - t0;
    printf("outage, 2 s deadline: %s after %lld ms, %u attempts, %u "
           "rounds\n",
           bg_strerror(r), (long long)t, rep.attempts, rep.rounds);
    BG_CHECK(r == BG_E_DEADLINE || r == BG_E_EXHAUSTED,
             "short deadline: %s (%s)", bg_strerror(r), rep.detail);
    BG_CHECK(t <= 2300, "short deadline respected: %lld ms", (long long)t);

    r = bg_exists(patient, "docs", "a.txt", &exists, &rep);
    t = mono_ms() - t0;
    printf("outage, 30 s deadline: %s after %lld ms, %u attempts, %u "
           "rounds\n",
           bg_strerror(r), (long long)t, rep.attempts, rep.rounds);
    BG_CHECK(r == BG_OK && exists == 1, "rode the outage out: %s (%s)",
             bg_strerror(r), rep.detail);
    BG_CHECK(t >= 10000 && t < 20000,
             "first success after recovery, and soon: %lld ms", (long long)t);

    bg_client_free(hasty);
    bg_client_free(patient);
    bg_harness_stop(&h);
    return bg_test_finish("test_engine_outage");
}
