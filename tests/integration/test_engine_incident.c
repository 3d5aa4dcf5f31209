/* The incident, replayed: the default header profile gets "Bucket not
 * found" from one edge on object reads. Every download must still
 * succeed, and once the engine has failed over, every later request must
 * go straight to the working route in one attempt. */
#include <stdlib.h>
#include <string.h>
#include "harness.h"

#define REQUESTS 1000

static void downloads_survive_the_incident(bg_client *c)
{
    unsigned ok = 0, single = 0, later = 0, first_attempts = 0;
    bg_report rep;

    for (int i = 0; i < REQUESTS; i++) {
        void *data = NULL;
        size_t len = 0;
        bg_result r = bg_get_mem(c, "docs", "report.txt", &data, &len, &rep);

        if (r == BG_OK && len == 5 && memcmp(data, "hello", 5) == 0)
            ok++;
        else if (bg_test_failed < 5)
            BG_CHECK(0, "request %d: %s (%s)", i, bg_strerror(r), rep.detail);
        if (i == 0)
            first_attempts = rep.attempts;
        else {
            later++;
            single += rep.attempts == 1;
        }
        bg_free(data);
    }
    printf("incident: %u/%d downloads ok; first request %u attempts; "
           "%u/%u later requests in one attempt\n",
           ok, REQUESTS, first_attempts, single, later);
    BG_CHECK(ok == REQUESTS, "%u of %d downloads succeeded", ok, REQUESTS);
    BG_CHECK(first_attempts >= 2, "the first request failed over (%u)",
             first_attempts);
    BG_CHECK(single == later, "%u of %u later requests took one attempt",
             single, later);
    BG_CHECK(strcmp(rep.route, "default") != 0,
             "the working route is not the default one (%s)", rep.route);
}

/* With the kill switch the client is a plain one: one route, one attempt,
 * and the incident shows through as the server's answer. */
static void kill_switch_shows_the_incident(const struct bg_harness *h)
{
    bg_config *cfg = bg_harness_config(h);
    bg_client *c = NULL;
    bg_report rep;
    void *data = NULL;
    size_t len;

    BG_CHECK(cfg != NULL && bg_config_set(cfg, "kill_switch", "1") == BG_OK,
             "kill switch set");
    BG_CHECK(bg_client_new(cfg, &c) == BG_OK, "client: %s", bg_client_error());
    bg_config_free(cfg);
    if (c == NULL)
        return;
    BG_CHECK(bg_route_count(c) == 1, "one route (%zu)", bg_route_count(c));
    bg_result r = bg_get_mem(c, "docs", "report.txt", &data, &len, &rep);
    BG_CHECK(r == BG_E_NOT_FOUND, "kill switch: %s, want not found",
             bg_strerror(r));
    BG_CHECK(rep.attempts == 1 && rep.rounds == 1,
             "kill switch: %u attempts, %u rounds", rep.attempts, rep.rounds);
    BG_CHECK(strcmp(rep.code, "NoSuchBucket") == 0, "code %s", rep.code);
    bg_free(data);
    bg_client_free(c);
}

int main(void)
{
    const char *args[] = {"--scenario", "incident", "--bucket",
                          "docs",       "--object", "docs/report.txt=hello",
                          NULL};
    struct bg_harness h;
    bg_config *cfg;
    bg_client *c = NULL;

    if (bg_harness_start(&h, args) != 0)
        return 1;
    cfg = bg_harness_config(&h);
    BG_CHECK(cfg != NULL, "config");
    if (cfg != NULL && bg_client_new(cfg, &c) == BG_OK) {
        downloads_survive_the_incident(c);
        bg_client_free(c);
    } else {
        BG_CHECK(0, "client: %s", bg_client_error());
    }
    bg_config_free(cfg);
    kill_switch_shows_the_incident(&h);
    bg_harness_stop(&h);
    return bg_test_finish("test_engine_incident");
}
