/* Hedged reads: with `hedge` on, a read whose route has not answered by
 * the hedge delay is sent again on the next route and the first answer
 * wins; the slow attempt is cancelled and reported as an attempt of its
 * own. Off by default, and a hedge needs a retry-budget token. The
 * emulator delays every request with bucketguard's own User-Agent (the
 * `default` route) by 1.5 s; the `library-ua` route next to it is fast. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "harness.h"

struct events {
    unsigned all, lost, last_ok;
    char last_route[40];
};

static void on_event(const bg_event *ev, void *ud)
{
    struct events *e = ud;

    e->all++;
    e->lost += strcmp(ev->code, "hedge_lost") == 0;
    if (ev->last) {
        e->last_ok += ev->call_result == BG_OK;
        snprintf(e->last_route, sizeof e->last_route, "%s", ev->route);
    }
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A client with the given extra settings (NULL-ended name, value pairs)
 * and the event counter. */
static bg_client *client_with(const struct bg_harness *h,
                              const char *const *sets, struct events *ev)
{
    bg_config *cfg = bg_harness_config(h);
    bg_client *c = NULL;

    if (cfg == NULL)
        return NULL;
    bg_config_set(cfg, "routes", "default,library-ua,conn-close");
    for (size_t i = 0; sets != NULL && sets[i] != NULL; i += 2)
        BG_CHECK(bg_config_set(cfg, sets[i], sets[i + 1]) == BG_OK,
                 "setting %s: %s", sets[i], bg_config_error(cfg));
    bg_config_set_event_cb(cfg, on_event, ev);
    if (bg_client_new(cfg, &c) != BG_OK)
        BG_CHECK(0, "client: %s", bg_client_error());
    bg_config_free(cfg);
    return c;
}

static void
download_is_answered_by_the_hedge_on_the_next_route(const struct bg_harness *h)
{
    const char *sets[] = {"hedge", "on", "hedge_delay", "0.1", NULL};
    struct events ev = {0};
    bg_client *c = client_with(h, sets, &ev);
    void *data = NULL;
    size_t len = 0;
    bg_report rep;
    double t0 = now_s(), took;

    if (c == NULL)
        return;
    BG_CHECK(bg_get_mem(c, "docs", "a.txt", &data, &len, &rep) == BG_OK,
             "hedged download: %s", rep.detail);
    took = now_s() - t0;
    BG_CHECK(len == 5 && data != NULL && memcmp(data, "hello", 5) == 0,
             "the body arrives whole, once (%zu bytes)", len);
    BG_CHECK(took < 1.0, "answered by the hedge in %.3f s", took);
    BG_CHECK(rep.attempts == 2, "the hedge is an extra attempt: %u",
             rep.attempts);
    BG_CHECK(strcmp(rep.route, "library-ua") == 0, "won on %s", rep.route);
    BG_CHECK(ev.all == 2 && ev.lost == 1 && ev.last_ok == 1,
             "one event per attempt, the slow one cancelled: %u events, "
             "%u lost",
             ev.all, ev.lost);
    BG_CHECK(strcmp(ev.last_route, "library-ua") == 0,
             "the winner's event is the call's last (%s)", ev.last_route);
    bg_free(data);
    bg_client_free(c);
}

static void existence_check_is_hedged_too(const struct bg_harness *h)
{
    const char *sets[] = {"hedge", "on", "hedge_delay", "0.1", NULL};
    struct events ev = {0};
    bg_client *c = client_with(h, sets, &ev);
    bg_report rep;
    int exists = 0;
    double t0 = now_s();

    if (c == NULL)
        return;
    BG_CHECK(bg_exists(c, "docs", "a.txt", &exists, &rep) == BG_OK &&
                 exists == 1,
             "hedged exists: %s", rep.detail);
    BG_CHECK(now_s() - t0 < 1.0 && rep.attempts == 2 && ev.lost == 1,
             "exists answered by the hedge: %u attempts", rep.attempts);
    bg_client_free(c);
}

static void hedging_is_off_by_default(const struct bg_harness *h)
{
    struct events ev = {0};
    bg_client *c = client_with(h, NULL, &ev);
    bg_report rep;
    int exists = 0;
    double t0 = now_s();

    if (c == NULL)
        return;
    BG_CHECK(bg_exists(c, "docs", "a.txt", &exists, &rep) == BG_OK,
             "plain exists: %s", rep.detail);
    BG_CHECK(now_s() - t0 >= 1.4 && rep.attempts == 1 && ev.lost == 0,
             "without hedge the slow route answers: %u attempts", rep.attempts);
    bg_client_free(c);
}

static void a_hedge_needs_a_budget_token(const struct bg_harness *h)
{
    const char *sets[] = {"hedge",
                          "on",
                          "hedge_delay",
                          "0.1",
                          "budget_ratio",
                          "0",
                          "budget_min_per_sec",
                          "0",
                          "budget_cap",
                          "0",
                          NULL};
    struct events ev = {0};
    bg_client *c = client_with(h, sets, &ev);
    bg_report rep;
    int exists = 0;
    double t0 = now_s();

    if (c == NULL)
        return;
    BG_CHECK(bg_exists(c, "docs", "a.txt", &exists, &rep) == BG_OK,
             "exists with no budget: %s", rep.detail);
    BG_CHECK(now_s() - t0 >= 1.4 && rep.attempts == 1,
             "no token, no hedge: %u attempts", rep.attempts);
    bg_client_free(c);
}

int main(void)
{
    const char *args[] = {
        "--rule",   "slow-default: ua bucketguard/* -> delay 1500",
        "--bucket", "docs",
        "--object", "docs/a.txt=hello",
        NULL};
    struct bg_harness h;

    if (bg_harness_start(&h, args) != 0)
        return 1;
    download_is_answered_by_the_hedge_on_the_next_route(&h);
    existence_check_is_hedged_too(&h);
    hedging_is_off_by_default(&h);
    a_hedge_needs_a_budget_token(&h);
    bg_harness_stop(&h);
    return bg_test_finish("test_engine_hedge");
}
