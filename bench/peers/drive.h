/* The request loop shared by the C peers of the benchmark: command-line
 * options, worker threads, pacing, timing and the sample lines that
 * bench/run reads. Each peer supplies only how one request is made. */
#ifndef BENCH_DRIVE_H
#define BENCH_DRIVE_H

#include <stdint.h>

/* What to do, from the command line (see drive_usage in drive.c). */
struct drive {
    const char *env_file; /* dotenv with SUPABASE_URL and the keys */
    const char *url;      /* base URL, from env_file unless given */
    const char *key;      /* service key, from env_file */
    const char *bucket;
    const char *object;
    const char *op; /* "exists", "get" or "file" */
    const char *out;
    const char *cacert;
    const char *resolve;     /* host:port:addr[,addr] */
    const char *bad_address; /* attempts there are counted */
    const char *headers;     /* rawcurl: "bucketguard" or "minimal" */
    const char *url_form;    /* rawcurl: "text" or "parsed" (CURLOPT_CURLU) */
    long count;
    int threads;
    double interval; /* seconds between request starts, per thread */
    double duration; /* seconds after which no request starts */
    const char *sets[32];
    int nsets;
    char env_url[1024]; /* url and key as read from env_file */
    char env_key[2048];
};

/* One request as bench/run sees it. */
struct sample {
    double start_ms; /* since the first request began */
    int64_t lat_us;
    int ok;
    int attempts; /* -1 when the peer cannot tell */
    int bad;      /* attempts that went to bad_address, -1 unknown */
};

/* A peer: per-thread state and one request. */
struct peer {
    const char *name;
    /* Creates the state of worker index; NULL on failure (after a message
     * on stderr). shared is what setup returned. */
    void *(*worker_new)(const struct drive *d, int index, void *shared);
    void (*worker_free)(void *worker);
    /* Makes request i; fills ok, attempts and bad of s. */
    void (*request)(void *worker, long i, struct sample *s);
};

/* Parses argv into d (0, or 2 after a usage message on stderr). Loads
 * SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY from --env-file when given. */
int drive_parse(int argc, char **argv, struct drive *d);

/* Runs d with peer p across d->threads threads, then prints a header line
 * and one line per sample on stdout. Returns the process exit status. */
int drive_run(const struct drive *d, const struct peer *p, void *shared);

#endif
