/* The bucketguard peer of the benchmark: one client shared by every
 * thread, as a worker process would hold it, making the same requests as
 * the other peers through the public API only. */
#include "drive.h"

#include <bucketguard/bucketguard.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct shared {
    bg_client *client;
    const char *bad_address;
};

struct worker {
    const struct drive *d;
    bg_client *client;
    void *body; /* kept only to be freed: the peers copy nothing out */
};

/* Attempts of the current request that reached the bad address; the
 * event callback runs in the thread that made the attempt. */
static _Thread_local int bad_attempts;

static void count_bad(const bg_event *ev, void *userdata)
{
    const struct shared *sh = userdata;

    if (strcmp(ev->address, sh->bad_address) == 0)
        bad_attempts++;
}

static void *worker_new(const struct drive *d, int index, void *shared_)
{
    struct shared *sh = shared_;
    struct worker *w = calloc(1, sizeof(*w));

    (void)index;
    if (w == NULL)
        return NULL;
    w->d = d;
    w->client = sh->client;
    return w;
}

static void worker_free(void *w)
{
    free(w);
}

static void request(void *w_, long i, struct sample *s)
{
    struct worker *w = w_;
    const struct drive *d = w->d;
    bg_report rep;
    bg_result r;
    size_t len = 0;
    int exists = 0;

    (void)i;
    bad_attempts = 0;
    if (strcmp(d->op, "exists") == 0) {
        r = bg_exists(w->client, d->bucket, d->object, &exists, &rep);
        r = r == BG_OK && !exists ? BG_E_NOT_FOUND : r;
    } else if (strcmp(d->op, "get") == 0) {
        r = bg_get_mem(w->client, d->bucket, d->object, &w->body, &len, &rep);
        bg_free(w->body);
        w->body = NULL;
    } else {
        r = bg_get_file(w->client, d->bucket, d->object, d->out, &rep);
    }
    s->ok = r == BG_OK;
    s->attempts = (int)rep.attempts;
    s->bad = d->bad_address != NULL ? bad_attempts : -1;
}

static int configure(bg_config *cfg, const struct drive *d, struct shared *sh)
{
    bg_result r = BG_OK;

    if (d->env_file != NULL)
        r = bg_config_load_env_file(cfg, d->env_file);
    if (r == BG_OK && d->url != NULL)
        r = bg_config_set(cfg, "url", d->url);
    if (r == BG_OK && d->cacert != NULL)
        r = bg_config_set(cfg, "ca_bundle", d->cacert);
    if (r == BG_OK && d->resolve != NULL)
        r = bg_config_set(cfg, "resolve", d->resolve);
    for (int i = 0; r == BG_OK && i < d->nsets; i++) {
        char name[128];
        const char *eq = strchr(d->sets[i], '=');
        size_t n = eq ? (size_t)(eq - d->sets[i]) : 0;

        if (eq == NULL || n >= sizeof(name))
            return -1;
        memcpy(name, d->sets[i], n);
        name[n] = '\0';
        r = bg_config_set(cfg, name, eq + 1);
    }
    if (r == BG_OK && d->bad_address != NULL)
        bg_config_set_event_cb(cfg, count_bad, sh);
    if (r != BG_OK)
        fprintf(stderr, "bgbench: %s\n", bg_config_error(cfg));
    return r == BG_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
    static const struct peer peer = {"bucketguard", worker_new, worker_free,
                                     request};
    struct shared sh = {NULL, NULL};
    struct drive d;
    bg_config *cfg;
    int status = 1;

    if (drive_parse(argc, argv, &d) != 0)
        return 2;
    sh.bad_address = d.bad_address;
    cfg = bg_config_new();
    if (cfg == NULL || configure(cfg, &d, &sh) != 0)
        goto out;
    if (bg_client_new(cfg, &sh.client) != BG_OK) {
        fprintf(stderr, "bgbench: %s\n", bg_client_error());
        goto out;
    }
    status = drive_run(&d, &peer, &sh);
    bg_client_free(sh.client);
out:
    bg_config_free(cfg);
    return status;
}
