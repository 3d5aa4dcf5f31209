/* One client shared by several threads during the incident: every request
 * succeeds, the threads share the route table (so the failover learnt by
 * one serves all), and the client frees cleanly afterwards. */
#include <pthread.h>
#include <string.h>
#include "harness.h"

#define THREADS 8
#define EACH    200

struct worker {
    bg_client *c;
    unsigned ok, attempts;
};

static void *work(void *arg)
{
    struct worker *w = arg;

    for (int i = 0; i < EACH; i++) {
        bg_report rep;
        void *data = NULL;
        size_t len = 0;
        if (bg_get_mem(w->c, "docs", "a.txt", &data, &len, &rep) == BG_OK &&
            len == 2 && memcmp(data, "hi", 2) == 0)
            w->ok++;
        w->attempts += rep.attempts;
        bg_free(data);
    }
    return NULL;
}

int main(void)
{
    const char *args[] = {"--scenario", "incident",      "--bucket", "docs",
                          "--object",   "docs/a.txt=hi", NULL};
    struct worker w[THREADS];
    pthread_t tid[THREADS];
    struct bg_harness h;
    bg_config *cfg;
    bg_client *c = NULL;
    unsigned ok = 0, attempts = 0;

    if (bg_harness_start(&h, args) != 0)
        return 1;
    cfg = bg_harness_config(&h);
    if (cfg == NULL || bg_client_new(cfg, &c) != BG_OK) {
        BG_CHECK(0, "client: %s", bg_client_error());
        goto out;
    }
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){c, 0, 0};
        pthread_create(&tid[i], NULL, work, &w[i]);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(tid[i], NULL);
        ok += w[i].ok;
        attempts += w[i].attempts;
    }
    printf("threads: %u/%d ok, %u attempts\n", ok, THREADS * EACH, attempts);
    BG_CHECK(ok == THREADS * EACH, "%u of %d succeeded", ok, THREADS * EACH);
    /* Each thread may meet the bad route once before the failover is
     * shared; after that every request takes one attempt. */
    BG_CHECK(attempts <= THREADS * EACH + 2 * THREADS,
             "%u attempts for %d requests", attempts, THREADS * EACH);

out:
    bg_client_free(c);
    bg_config_free(cfg);
    bg_harness_stop(&h);
    return bg_test_finish("test_engine_threads");
}
