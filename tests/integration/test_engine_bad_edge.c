/* A bad edge: the host resolves to two addresses and one of them resets
 * every connection. Every request must succeed, and within three requests
 * the engine must stop sending attempts to the bad address (apart from a
 * re-admission trial). Run with the good address listed first and with
 * the bad one first, so that the second case really needs the pinned
 * edge routes. */
#include <stdio.h>
#include <string.h>
#include "harness.h"

#define REQUESTS 100
#define BAD      "127.0.0.2"

struct tally {
    int request;     /* index of the request being made */
    unsigned on_bad; /* attempts on the bad address after request 3 */
    unsigned trials; /* of which on a pinned route for it */
    unsigned first;  /* attempts of the first request */
};

static void on_event(const bg_event *ev, void *ud)
{
    struct tally *t = ud;

    if (t->request >= 3 && strcmp(ev->address, BAD) == 0) {
        t->on_bad++;
        t->trials += strcmp(ev->route, "edge-" BAD) == 0;
    }
}

static void run(const struct bg_harness *h, const char *addrs)
{
    char url[128], resolve[128];
    struct tally t = {0, 0, 0, 0};
    bg_config *cfg = bg_harness_config(h);
    bg_client *c = NULL;
    unsigned ok = 0;

    snprintf(url, sizeof url, "http://edge.test:%d", h->port);
    snprintf(resolve, sizeof resolve, "edge.test:%d:%s", h->port, addrs);
    if (cfg == NULL || bg_config_set(cfg, "url", url) != BG_OK ||
        bg_config_set(cfg, "resolve", resolve) != BG_OK) {
        BG_CHECK(0, "config: %s", cfg ? bg_config_error(cfg) : "none");
        bg_config_free(cfg);
        return;
    }
    bg_config_set_event_cb(cfg, on_event, &t);
    if (bg_client_new(cfg, &c) != BG_OK) {
        BG_CHECK(0, "client: %s", bg_client_error());
        bg_config_free(cfg);
        return;
    }
    bg_config_free(cfg);

    for (t.request = 0; t.request < REQUESTS; t.request++) {
        bg_report rep;
        int exists = 0;
        bg_result r = bg_exists(c, "docs", "a.txt", &exists, &rep);
        if (t.request == 0)
            t.first = rep.attempts;
        if (r == BG_OK && exists)
            ok++;
        else if (bg_test_failed < 5)
            BG_CHECK(0, "%s: request %d: %s", addrs, t.request, rep.detail);
    }
    printf("bad edge (%s): %u/%d ok, first request %u attempts, %u "
           "attempts on %s after request 3 (%u on its pinned route)\n",
           addrs, ok, REQUESTS, t.first, t.on_bad, BAD, t.trials);
    BG_CHECK(ok == REQUESTS, "%s: %u of %d succeeded", addrs, ok, REQUESTS);
    BG_CHECK(t.on_bad <= 1 && t.on_bad == t.trials,
             "%s: %u attempts on the bad address after request 3", addrs,
             t.on_bad);
    bg_client_free(c);
}

int main(void)
{
    const char *args[] = {"--listen",   "127.0.0.1=SJC", "--listen", BAD "=PDX",
                          "--scenario", "bad-edge",      "--bucket", "docs",
                          "--object",   "docs/a.txt=hi", NULL};
    struct bg_harness h;

    if (bg_harness_start(&h, args) != 0)
        return 1;
    run(&h, "127.0.0.1," BAD);
    run(&h, BAD ",127.0.0.1");
    bg_harness_stop(&h);
    return bg_test_finish("test_engine_bad_edge");
}
