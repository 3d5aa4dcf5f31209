/* The harness of the C integration tests: starts the emulator on a free
 * port with its keys in a temporary directory, builds client
 * configurations for it, talks to its control endpoint, stops it, and
 * counts checks so a test ends with "N passed, N failed". */
#ifndef BG_HARNESS_H
#define BG_HARNESS_H

#include <stdio.h>
#include <sys/types.h>
#include "bucketguard/bucketguard.h"

struct bg_harness {
    pid_t pid;    /* the emulator, 0 when not running */
    char dir[64]; /* temporary directory holding the keys file */
    char keys_file[128];
    char url[256];      /* SUPABASE_URL */
    char root[256];     /* scheme://host:port, for the control endpoint */
    char anon[1024];    /* SUPABASE_ANON_KEY */
    char service[1024]; /* SUPABASE_SERVICE_ROLE_KEY */
    char secret[256];   /* SUPABASE_SECRET_KEY */
    char publishable[256];
    int port;
};

/* Starts $BG_EMULATOR with --port 0 --quiet --keys-file DIR/keys.env
 * --control and extra_args (NULL-terminated, may be NULL), waits at most
 * 10 s for its keys file and reads it into h. Returns 0, or -1 with a
 * message on stderr (the emulator is stopped again). */
int bg_harness_start(struct bg_harness *h, const char *const *extra_args);

/* Stops the emulator (SIGTERM, a bounded wait, then SIGKILL) and removes
 * the temporary directory. Safe to call twice. */
void bg_harness_stop(struct bg_harness *h);

/* A new configuration for the emulator: url, service and anon keys, and
 * short delays (0.05, 0.1, 0.2 s) so tests run fast. NULL on failure.
 * Free with bg_config_free. */
bg_config *bg_harness_config(const struct bg_harness *h);

/* Sends method path (below the server root, e.g. "/__emulator/stats") to
 * the emulator with body (NULL for none) and returns the HTTP status, or
 * -1 when no answer came. *out, when out is not NULL, receives the answer
 * body (free with free()). */
int bg_harness_control(const struct bg_harness *h, const char *method,
                       const char *path, const char *body, char **out);

/* Runs `$BG_EMULATOR mint ARGS...` (args NULL-terminated) and returns the
 * token it prints (free with free()), or NULL. */
char *bg_harness_mint(const char *const *args);

/* Counters of the checks made with BG_CHECK. */
extern int bg_test_passed, bg_test_failed;

/* Counts cond; on failure prints file, line and the printf-style
 * message to stderr. */
#define BG_CHECK(cond, ...)                                                    \
    do {                                                                       \
        if (cond) {                                                            \
            bg_test_passed++;                                                  \
        } else {                                                               \
            bg_test_failed++;                                                  \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);               \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
        }                                                                      \
    } while (0)

/* Prints "name: N passed, N failed" and returns the exit status: 0 when
 * every check passed and at least one was made. */
int bg_test_finish(const char *name);

#endif
