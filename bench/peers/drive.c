/* The request loop shared by the C peers: options, threads, pacing and
 * the sample lines. Output: a "# peer=..." header, then one line per
 * request: start_ms lat_us ok attempts bad. */
#include "drive.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_COUNT   10000000L
#define MAX_THREADS 256

struct thread_arg {
    const struct drive *d;
    const struct peer *p;
    void *shared;
    int index;
    double t0;
    struct sample *samples;
    int failed;
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_until(double t)
{
    double left = t - now_s();
    struct timespec ts;

    if (left <= 0)
        return;
    ts.tv_sec = (time_t)left;
    ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        continue;
}

/* The value of NAME=value in a dotenv file, copied into out (size size);
 * NULL when absent or too long. */
static const char *env_value(const char *path, const char *name, char *out,
                             size_t size)
{
    char line[4096];
    size_t n = strlen(name);
    const char *found = NULL;
    FILE *f = fopen(path, "r");

    if (f == NULL)
        return NULL;
    while (found == NULL && fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, name, n) != 0 || line[n] != '=')
            continue;
        line[strcspn(line, "\r\n")] = '\0';
        if (strlen(line + n + 1) < size)
            found = strcpy(out, line + n + 1);
    }
    fclose(f);
    return found;
}

static void drive_usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s --env-file F --bucket B --object K --op "
            "exists|get|file\n"
            "  [--out PATH] [--count N] [--threads N] [--interval S]\n"
            "  [--duration S] [--cacert F] [--resolve H:P:A[,A]]\n"
            "  [--url URL] [--bad-address A] [--set NAME=VALUE]...\n"
            "  [--headers bucketguard|minimal] [--url-form text|parsed]\n",
            argv0);
}

static int parse_numbers(struct drive *d)
{
    if (d->count < 1 || d->count > MAX_COUNT || d->threads < 1 ||
        d->threads > MAX_THREADS || d->interval < 0 || d->duration <= 0)
        return -1;
    if (strcmp(d->op, "exists") != 0 && strcmp(d->op, "get") != 0 &&
        strcmp(d->op, "file") != 0)
        return -1;
    if (strcmp(d->op, "file") == 0 && d->out == NULL)
        return -1;
    return 0;
}

static int load_env(struct drive *d)
{
    if (d->env_file == NULL)
        return d->url != NULL && d->key != NULL ? 0 : -1;
    if (d->url == NULL)
        d->url = env_value(d->env_file, "SUPABASE_URL", d->env_url,
                           sizeof(d->env_url));
    d->key = env_value(d->env_file, "SUPABASE_SERVICE_ROLE_KEY", d->env_key,
                       sizeof(d->env_key));
    return d->url != NULL && d->key != NULL ? 0 : -1;
}

/* Options kept as given, by the field they fill. */
static const struct {
    const char *name;
    size_t field;
} text_opts[] = {
    {"env-file", offsetof(struct drive, env_file)},
    {"url", offsetof(struct drive, url)},
    {"bucket", offsetof(struct drive, bucket)},
    {"object", offsetof(struct drive, object)},
    {"op", offsetof(struct drive, op)},
    {"out", offsetof(struct drive, out)},
    {"cacert", offsetof(struct drive, cacert)},
    {"resolve", offsetof(struct drive, resolve)},
    {"bad-address", offsetof(struct drive, bad_address)},
    {"headers", offsetof(struct drive, headers)},
    {"url-form", offsetof(struct drive, url_form)},
};

#define NTEXT (sizeof(text_opts) / sizeof(text_opts[0]))

static int set_option(struct drive *d, const char *name, const char *value)
{
    for (size_t i = 0; i < NTEXT; i++)
        if (strcmp(name, text_opts[i].name) == 0) {
            *(const char **)((char *)d + text_opts[i].field) = value;
            return 0;
        }
    if (strcmp(name, "count") == 0)
        d->count = strtol(value, NULL, 10);
    else if (strcmp(name, "threads") == 0)
        d->threads = atoi(value);
    else if (strcmp(name, "interval") == 0)
        d->interval = strtod(value, NULL);
    else if (strcmp(name, "duration") == 0)
        d->duration = strtod(value, NULL);
    else if (strcmp(name, "set") == 0 &&
             d->nsets < (int)(sizeof(d->sets) / sizeof(d->sets[0])))
        d->sets[d->nsets++] = value;
    else
        return -1;
    return 0;
}

int drive_parse(int argc, char **argv, struct drive *d)
{
    static const char *const numeric[] = {"count", "threads", "interval",
                                          "duration", "set"};
    struct option opts[NTEXT + 6];
    size_t n = 0;
    int c, index;

    for (size_t i = 0; i < NTEXT; i++)
        opts[n++] = (struct option){text_opts[i].name, 1, NULL, 0};
    for (size_t i = 0; i < 5; i++)
        opts[n++] = (struct option){numeric[i], 1, NULL, 0};
    opts[n] = (struct option){NULL, 0, NULL, 0};

    memset(d, 0, sizeof(*d));
    d->count = 1;
    d->threads = 1;
    d->duration = 3600;
    d->bucket = "bench";
    d->object = "obj";
    d->op = "get";
    d->headers = "bucketguard";
    d->url_form = "text";
    while ((c = getopt_long(argc, argv, "", opts, &index)) != -1)
        if (c != 0 || set_option(d, opts[index].name, optarg) != 0)
            goto usage;
    if (optind == argc && parse_numbers(d) == 0 && load_env(d) == 0)
        return 0;
usage:
    drive_usage(argv[0]);
    return 2;
}

static void *worker_main(void *p_)
{
    struct thread_arg *a = p_;
    const struct drive *d = a->d;
    void *w = a->p->worker_new(d, a->index, a->shared);
    long k = 0;

    if (w == NULL) {
        a->failed = 1;
        return NULL;
    }
    for (long i = a->index; i < d->count; i += d->threads, k++) {
        struct sample *s = &a->samples[i];
        double start = a->t0 + (double)k * d->interval;

        sleep_until(start);
        start = now_s();
        if (start - a->t0 >= d->duration)
            break;
        s->start_ms = (start - a->t0) * 1e3;
        a->p->request(w, i, s);
        s->lat_us = (int64_t)((now_s() - start) * 1e6);
    }
    a->p->worker_free(w);
    return NULL;
}

static void print_samples(const struct drive *d, const struct peer *p,
                          const struct sample *samples, double t0, double wall)
{
    printf("# peer=%s op=%s threads=%d wall_s=%.6f t0_mono=%.6f\n", p->name,
           d->op, d->threads, wall, t0);
    for (long i = 0; i < d->count; i++) {
        const struct sample *s = &samples[i];

        if (s->lat_us < 0)
            continue;
        printf("%.3f %lld %d %d %d\n", s->start_ms, (long long)s->lat_us, s->ok,
               s->attempts, s->bad);
    }
}

int drive_run(const struct drive *d, const struct peer *p, void *shared)
{
    struct sample *samples = calloc((size_t)d->count, sizeof(*samples));
    struct thread_arg args[MAX_THREADS];
    pthread_t tids[MAX_THREADS];
    int started = 0, status = 0;
    double t0 = now_s();

    if (samples == NULL)
        return 1;
    for (long i = 0; i < d->count; i++)
        samples[i].lat_us = -1;
    for (; started < d->threads; started++) {
        args[started] =
            (struct thread_arg){d, p, shared, started, t0, samples, 0};
        if (pthread_create(&tids[started], NULL, worker_main, &args[started]) !=
            0)
            break;
    }
    for (int t = 0; t < started; t++) {
        pthread_join(tids[t], NULL);
        status |= args[t].failed;
    }
    if (started < d->threads)
        status = 1;
    if (status == 0)
        print_samples(d, p, samples, t0, now_s() - t0);
    free(samples);
    return status;
}
