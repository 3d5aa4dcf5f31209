/* A flaky path (seeded: one attempt in five answers 503 or is reset):
 * failover inside a round hides it, so existence checks succeed at least
 * 99.9 % of the time at fewer than 1.3 attempts per request. */
#include <string.h>
#include "harness.h"

#define REQUESTS 1000

struct events {
    unsigned all, last, last_ok;
};

static void on_event(const bg_event *ev, void *ud)
{
    struct events *e = ud;

    e->all++;
    e->last += ev->last == 1;
    e->last_ok += ev->last == 1 && ev->call_result == BG_OK;
}

int main(void)
{
    const char *args[] = {"--scenario", "flaky",         "--seed",
                          "7",          "--bucket",      "docs",
                          "--object",   "docs/a.txt=hi", NULL};
    struct bg_harness h;
    bg_config *cfg;
    bg_client *c = NULL;
    unsigned ok = 0, attempts = 0, failed_over = 0;
    struct events ev = {0, 0, 0};

    if (bg_harness_start(&h, args) != 0)
        return 1;
    cfg = bg_harness_config(&h);
    if (cfg != NULL)
        bg_config_set_event_cb(cfg, on_event, &ev);
    if (cfg == NULL || bg_client_new(cfg, &c) != BG_OK) {
        BG_CHECK(0, "client: %s", bg_client_error());
        goto out;
    }

    for (int i = 0; i < REQUESTS; i++) {
        bg_report rep;
        int exists = 0;
        bg_result r = bg_exists(c, "docs", "a.txt", &exists, &rep);
        ok += r == BG_OK && exists == 1;
        attempts += rep.attempts;
        failed_over += rep.attempts > 1;
    }
    printf("flaky: %u/%d ok (%.2f %%), %.3f attempts per request, %u "
           "requests failed over\n",
           ok, REQUESTS, 100.0 * ok / REQUESTS, (double)attempts / REQUESTS,
           failed_over);
    BG_CHECK(ok * 1000 >= REQUESTS * 999, "%u of %d succeeded", ok, REQUESTS);
    BG_CHECK(attempts * 10 < REQUESTS * 13, "%u attempts for %d requests",
             attempts, REQUESTS);
    BG_CHECK(failed_over > 0, "the scenario made some attempts fail");
    BG_CHECK(ev.all == attempts,
             "one event per attempt: %u events, %u "
             "attempts",
             ev.all, attempts);
    BG_CHECK(ev.last == REQUESTS && ev.last_ok == ok,
             "one last event per call, with its result: %u (%u ok)", ev.last,
             ev.last_ok);

out:
    bg_client_free(c);
    bg_config_free(cfg);
    bg_harness_stop(&h);
    return bg_test_finish("test_engine_flaky");
}
