/* Uploads whose first attempt may have reached the server: our own object
 * stored by a timed-out attempt is recognised (size and ETag) and not
 * reported as a conflict, while someone else's object still is; and reads
 * right after an upload under replication lag, with and without a grace. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"

#define BUCKET "up"

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A client for the emulator with name = value settings (NULL-ended). */
static bg_client *client_with(const struct bg_harness *h,
                              const char *const *settings)
{
    bg_config *cfg = bg_harness_config(h);
    bg_client *c = NULL;
    int ok = cfg != NULL;

    for (size_t i = 0; ok && settings[i] != NULL; i += 2)
        ok = bg_config_set(cfg, settings[i], settings[i + 1]) == BG_OK;
    BG_CHECK(ok && bg_client_new(cfg, &c) == BG_OK, "client: %s",
             ok ? bg_client_error() : bg_config_error(cfg));
    bg_config_free(cfg);
    return c;
}

static int holds(bg_client *c, const char *bucket, const char *key,
                 const char *want)
{
    void *data = NULL;
    size_t n = 0;
    int same = bg_get_mem(c, bucket, key, &data, &n, NULL) == BG_OK &&
               n == strlen(want) && memcmp(data, want, n) == 0;

    bg_free(data);
    return same;
}

/* Clears the rules 1.5 s after it starts: after the first POST has been
 * caught by the delay rule, before the retry comes 3 s in. */
static void *clear_rules_later(void *arg)
{
    const struct bg_harness *h = arg;
    struct timespec pause = {1, 500000000};

    nanosleep(&pause, NULL);
    bg_harness_control(h, "DELETE", "/__emulator/rules", NULL, NULL);
    return NULL;
}

/* Uploads body to key while the first POST waits longer than the client's
 * attempt timeout (1 s): the server stores it after the client gave up,
 * and the retry, 2 s later, finds it there. */
static bg_result put_after_timeout(const struct bg_harness *h, bg_client *c,
                                   const char *key, const char *body,
                                   bg_report *rep)
{
    char rule[256];
    pthread_t clearer;
    bg_result r;

    snprintf(rule, sizeof rule,
             "slow-first: method POST path /object/" BUCKET "/%s"
             " -> delay 2500",
             key);
    BG_CHECK(bg_harness_control(h, "POST", "/__emulator/rules", rule, NULL) ==
                 200,
             "rule %s", rule);
    if (pthread_create(&clearer, NULL, clear_rules_later, (void *)h) != 0) {
        BG_CHECK(0, "thread");
        return BG_E_INTERNAL;
    }
    r = bg_put_mem(c, BUCKET, key, body, strlen(body), NULL, rep);
    pthread_join(clearer, NULL);
    return r;
}

static const char *const impatient[] = {
    "attempt_timeout", "1",       "retries", "1", "delays", "2",
    "routes",          "default", NULL};

static void
our_own_timed_out_upload_is_not_a_conflict(const struct bg_harness *h)
{
    bg_client *c = client_with(h, impatient);
    bg_report rep;
    bg_result r;

    if (c == NULL)
        return;
    r = put_after_timeout(h, c, "ours.txt", "our body", &rep);
    BG_CHECK(r == BG_OK, "ambiguous upload: %s (%s, code %s)", bg_strerror(r),
             rep.detail, rep.code);
    BG_CHECK(rep.attempts >= 3, "timed out, retried, checked: %u attempts",
             rep.attempts);
    BG_CHECK(holds(c, BUCKET, "ours.txt", "our body"), "the object is ours");
    bg_client_free(c);
}

static void someone_elses_object_is_still_a_conflict(const struct bg_harness *h)
{
    bg_client *c = client_with(h, impatient);
    bg_report rep;
    bg_result r;

    if (c == NULL)
        return;
    /* Same size, other bytes: only the ETag tells them apart. */
    BG_CHECK(bg_put_mem(c, BUCKET, "taken.txt", "their body", 10, NULL, NULL) ==
                 BG_OK,
             "their upload");
    r = bg_put_mem(c, BUCKET, "taken.txt", "your stuff", 10, NULL, &rep);
    BG_CHECK(r == BG_E_CONFLICT && rep.attempts == 1,
             "plain conflict: %s after %u attempts", bg_strerror(r),
             rep.attempts);

    r = put_after_timeout(h, c, "taken.txt", "our  body!", &rep);
    BG_CHECK(r == BG_E_CONFLICT, "ambiguous conflict: %s (%s)", bg_strerror(r),
             rep.detail);
    BG_CHECK(strcmp(rep.code, "KeyAlreadyExists") == 0 && rep.attempts >= 3,
             "code %s after %u attempts", rep.code, rep.attempts);
    BG_CHECK(holds(c, BUCKET, "taken.txt", "their body"),
             "their object is untouched");
    bg_client_free(c);
}

/* Under the lag scenario objects stay invisible to reads for 3 s after
 * they are written. */
static void reads_under_lag(const struct bg_harness *h)
{
    static const char *const plain[] = {NULL};
    static const char *const patient[] = {"missing_grace", "5", NULL};
    bg_client *c = client_with(h, plain);
    bg_client *g = client_with(h, patient);
    void *data = NULL;
    size_t len = 0;
    bg_report rep;
    bg_result r;
    double t;

    if (c == NULL || g == NULL)
        goto out;
    BG_CHECK(bg_put_mem(c, "lag", "new.txt", "fresh", 5, NULL, NULL) == BG_OK,
             "upload under lag");
    t = now_s();
    r = bg_get_mem(c, "lag", "new.txt", &data, &len, &rep);
    t = now_s() - t;
    BG_CHECK(r == BG_E_NOT_FOUND && strcmp(rep.code, "NoSuchKey") == 0,
             "read right after upload: %s, code %s", bg_strerror(r), rep.code);
    BG_CHECK(t < 1.0, "without grace it fails fast (%.2f s)", t);

    BG_CHECK(bg_put_mem(g, "lag", "new2.txt", "fresh", 5, NULL, NULL) == BG_OK,
             "second upload under lag");
    t = now_s();
    r = bg_get_mem(g, "lag", "new2.txt", &data, &len, &rep);
    t = now_s() - t;
    BG_CHECK(r == BG_OK && len == 5 && memcmp(data, "fresh", 5) == 0,
             "with missing_grace 5 the read succeeds: %s", bg_strerror(r));
    BG_CHECK(t > 1.5 && t < 5.5, "after waiting out the lag (%.2f s)", t);

out:
    bg_free(data);
    bg_client_free(c);
    bg_client_free(g);
}

struct progress_seen {
    uint64_t last;
    int64_t total;
    unsigned calls, backwards;
};

static void on_progress(uint64_t done, int64_t total, void *userdata)
{
    struct progress_seen *p = userdata;

    p->backwards += done < p->last;
    p->last = done;
    p->total = total;
    p->calls++;
}

/* A file upload reports its progress as the body goes out: many steps,
 * never backwards, ending at the file's size. */
static void file_upload_reports_progress_as_it_goes(const struct bg_harness *h)
{
    static const char *const none[] = {NULL};
    enum { SIZE = 4 << 20 };
    char path[] = "/tmp/bg-upload-XXXXXX";
    struct progress_seen seen = {0, 0, 0, 0};
    bg_client *c = client_with(h, none);
    char *block = calloc(1, SIZE);
    int fd = mkstemp(path);
    bg_result r;

    BG_CHECK(block != NULL && fd >= 0 && write(fd, block, SIZE) == SIZE,
             "test file");
    if (fd >= 0)
        close(fd);
    r = bg_put_file_progress(c, BUCKET, "big.bin", path, NULL, on_progress,
                             &seen, NULL);
    BG_CHECK(r == BG_OK, "upload: %s", bg_strerror(r));
    BG_CHECK(seen.calls >= 20, "%u progress calls", seen.calls);
    BG_CHECK(seen.backwards == 0, "progress went backwards");
    BG_CHECK(seen.last == SIZE && seen.total == SIZE,
             "last progress %llu of %lld", (unsigned long long)seen.last,
             (long long)seen.total);
    unlink(path);
    free(block);
    bg_client_free(c);
}

int main(void)
{
    const char *args[] = {"--bucket", BUCKET, NULL};
    const char *lag_args[] = {"--scenario", "lag", "--bucket", "lag", NULL};
    struct bg_harness h;

    if (bg_harness_start(&h, args) != 0)
        return 1;
    our_own_timed_out_upload_is_not_a_conflict(&h);
    someone_elses_object_is_still_a_conflict(&h);
    file_upload_reports_progress_as_it_goes(&h);
    bg_harness_stop(&h);

    if (bg_harness_start(&h, lag_args) != 0)
        return 1;
    reads_under_lag(&h);
    bg_harness_stop(&h);
    return bg_test_finish("storage_upload");
}
