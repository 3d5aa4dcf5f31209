/* Downloads when the body is cut short: a file download that cannot
 * complete leaves the target exactly as it was and no temporary file, one
 * cut once resumes with Range and ends byte for byte right, and a large
 * object streams through a callback in bounded memory. */
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"

#define BUCKET    "dl"
#define KEY       "big.bin"
#define SIZE      (256 * 1024)
#define HUGE_SIZE (16 * 1024 * 1024)
#define MIB       (1024 * 1024)

/* Byte i of every object this test uploads. */
static unsigned char pattern(size_t i)
{
    return (unsigned char)((i * 7 + i / 251) & 0xff);
}

static unsigned char *pattern_buffer(size_t len)
{
    unsigned char *p = malloc(len);

    for (size_t i = 0; p != NULL && i < len; i++)
        p[i] = pattern(i);
    return p;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

/* The first bytes of a file as text, or "<absent>". */
static const char *head_of(const char *path)
{
    static char buf[64];
    FILE *f = fopen(path, "r");
    size_t n;

    if (f == NULL)
        return "<absent>";
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Whether the file holds exactly the pattern of len bytes. */
static int file_is_pattern(const char *path, size_t len)
{
    unsigned char buf[4096];
    FILE *f = fopen(path, "rb");
    size_t n, at = 0;
    int same = f != NULL;

    while (same && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        for (size_t i = 0; same && i < n; i++)
            same = at + i < len && buf[i] == pattern(at + i);
        at += n;
    }
    if (f != NULL)
        fclose(f);
    return same && at == len;
}

static int dir_entries(const char *path)
{
    DIR *dir = opendir(path);
    struct dirent *e;
    int n = 0;

    while (dir != NULL && (e = readdir(dir)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (dir != NULL)
        closedir(dir);
    return n;
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

static void set_rule(const struct bg_harness *h, const char *rule)
{
    BG_CHECK(bg_harness_control(h, "DELETE", "/__emulator/rules", NULL, NULL) ==
                 200,
             "rules cleared");
    BG_CHECK(rule == NULL || bg_harness_control(h, "POST", "/__emulator/rules",
                                                rule, NULL) == 200,
             "rule added: %s", rule);
}

/* How many answers the emulator gave with HTTP status (e.g. "206"). */
static long answers_with(const struct bg_harness *h, const char *status)
{
    char *body = NULL;
    json_t *stats;
    long n = -1;

    if (bg_harness_control(h, "GET", "/__emulator/stats", NULL, &body) == 200) {
        stats = json_loads(body, 0, NULL);
        n = (long)json_integer_value(
            json_object_get(json_object_get(stats, "statuses"), status));
        json_decref(stats);
    }
    free(body);
    return n;
}

static void a_download_that_never_completes_leaves_the_target_alone(
    const struct bg_harness *h, const char *dir)
{
    static const char *const settings[] = {"retries", "0", "routes", "default",
                                           NULL};
    bg_client *c = client_with(h, settings);
    char target[128], fresh[128];
    bg_report rep;
    bg_result r;

    if (c == NULL)
        return;
    set_rule(h,
             "cut-all: method GET path /object/" BUCKET "/" KEY " -> cut 1000");
    snprintf(target, sizeof target, "%s/target.bin", dir);
    snprintf(fresh, sizeof fresh, "%s/fresh.bin", dir);
    write_text(target, "OLD CONTENT");

    r = bg_get_file(c, BUCKET, KEY, target, &rep);
    BG_CHECK(r == BG_E_EXHAUSTED, "cut download: %s (%s)", bg_strerror(r),
             rep.detail);
    BG_CHECK(strcmp(head_of(target), "OLD CONTENT") == 0,
             "the old content survives: %s", head_of(target));
    r = bg_get_file(c, BUCKET, KEY, fresh, &rep);
    BG_CHECK(r != BG_OK, "cut download to a new file: %s", bg_strerror(r));
    BG_CHECK(access(fresh, F_OK) != 0, "no file appears");
    BG_CHECK(dir_entries(dir) == 1, "no temporary file left (%d entries)",
             dir_entries(dir));
    unlink(target);
    bg_client_free(c);
}

static void record_progress(uint64_t done, int64_t total, void *userdata)
{
    int64_t *last = userdata;

    last[0] = (int64_t)done;
    last[1] = total;
    last[2]++;
}

/* The default route's body is cut; the next route must ask for the rest
 * with Range, so the server answers 206 once. */
static void a_download_cut_once_resumes_with_range(const struct bg_harness *h,
                                                   const char *dir)
{
    static const char *const settings[] = {"retries", "0", "routes",
                                           "default,library-ua", NULL};
    bg_client *c = client_with(h, settings);
    int64_t progress[3] = {0, 0, 0};
    char target[128];
    long partial = answers_with(h, "206");
    bg_report rep;
    bg_result r;

    if (c == NULL)
        return;
    set_rule(h, "cut-default: ua bucketguard/* method GET path /object/" BUCKET
                "/" KEY " -> cut 1000");
    snprintf(target, sizeof target, "%s/resumed.bin", dir);
    write_text(target, "OLD CONTENT");

    r = bg_get_file_progress(c, BUCKET, KEY, target, record_progress, progress,
                             &rep);
    BG_CHECK(r == BG_OK, "resumed download: %s (%s)", bg_strerror(r),
             rep.detail);
    BG_CHECK(rep.attempts == 2, "two attempts (%u)", rep.attempts);
    BG_CHECK(answers_with(h, "206") == partial + 1,
             "one 206 answer (before %ld, after %ld)", partial,
             answers_with(h, "206"));
    BG_CHECK(file_is_pattern(target, SIZE), "the file matches byte for byte");
    BG_CHECK(progress[0] == SIZE && progress[1] == SIZE && progress[2] >= 1,
             "last progress %lld of %lld after %lld calls",
             (long long)progress[0], (long long)progress[1],
             (long long)progress[2]);
    BG_CHECK(dir_entries(dir) == 1, "no temporary file left");
    unlink(target);
    bg_client_free(c);
}

/* Checks each byte against the pattern as it arrives. */
struct checker {
    size_t at;
    size_t wrong;
};

static int check_bytes(const void *data, size_t len, void *userdata)
{
    struct checker *k = userdata;
    const unsigned char *p = data;

    for (size_t i = 0; i < len; i++)
        k->wrong += p[i] != pattern(k->at + i);
    k->at += len;
    return 0;
}

static void a_callback_never_sees_a_byte_twice(const struct bg_harness *h)
{
    static const char *const settings[] = {"retries", "0", "routes",
                                           "default,library-ua", NULL};
    bg_client *c = client_with(h, settings);
    struct checker k = {0, 0};
    bg_report rep;
    bg_result r;

    if (c == NULL)
        return;
    r = bg_get_cb(c, BUCKET, KEY, check_bytes, &k, &rep);
    BG_CHECK(r == BG_OK && rep.attempts == 2, "get_cb: %s after %u attempts",
             bg_strerror(r), rep.attempts);
    BG_CHECK(k.at == SIZE && k.wrong == 0, "%zu bytes, %zu wrong", k.at,
             k.wrong);
    bg_client_free(c);
}

/* A value in kB from /proc/self/status ("VmRSS", "VmHWM"), -1 if none. */
static long status_kb(const char *name)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[128];
    long kb = -1;
    size_t n = strlen(name);

    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, name, n) == 0 && line[n] == ':')
            kb = strtol(line + n + 1, NULL, 10);
    if (f != NULL)
        fclose(f);
    return kb;
}

/* Resets the peak resident size, so VmHWM shows the peak from now on. */
static int reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    int ok = f != NULL && fputs("5", f) >= 0;

    if (f != NULL && fclose(f) != 0)
        ok = 0;
    return ok;
}

/* Memory checks mean nothing under valgrind or a sanitizer. */
static int memory_is_measurable(void)
{
    const char *preload = getenv("LD_PRELOAD");

#if defined(__SANITIZE_ADDRESS__)
    return 0;
#endif
    return preload == NULL || strstr(preload, "vgpreload") == NULL;
}

static int write_pattern_file(const char *path, size_t len)
{
    unsigned char *buf = pattern_buffer(MIB);
    FILE *f = fopen(path, "wb");
    int ok = buf != NULL && f != NULL;

    /* The pattern depends on the absolute offset: refill every MiB. */
    for (size_t at = 0; ok && at < len; at += MIB) {
        for (size_t i = 0; i < MIB; i++)
            buf[i] = pattern(at + i);
        ok = fwrite(buf, 1, MIB, f) == MIB;
    }
    if (f != NULL && fclose(f) != 0)
        ok = 0;
    free(buf);
    return ok ? 0 : -1;
}

static void a_large_object_streams_in_bounded_memory(const struct bg_harness *h,
                                                     bg_client *c,
                                                     const char *dir)
{
    struct checker k = {0, 0};
    char path[128];
    long rss, peak;
    bg_report rep;

    snprintf(path, sizeof path, "%s/huge.bin", dir);
    BG_CHECK(write_pattern_file(path, HUGE_SIZE) == 0, "16 MiB file");
    BG_CHECK(bg_put_file(c, BUCKET, "huge.bin", path, NULL, &rep) == BG_OK,
             "16 MiB upload: %s", rep.detail);
    unlink(path);
    set_rule(h, NULL);

    rss = status_kb("VmRSS");
    if (!memory_is_measurable() || rss < 0 || !reset_peak()) {
        printf("storage_download: memory check skipped\n");
        rss = -1;
    }
    BG_CHECK(bg_get_cb(c, BUCKET, "huge.bin", check_bytes, &k, &rep) == BG_OK,
             "16 MiB download: %s", rep.detail);
    BG_CHECK(k.at == HUGE_SIZE && k.wrong == 0, "%zu bytes, %zu wrong", k.at,
             k.wrong);
    peak = status_kb("VmHWM");
    if (rss >= 0) {
        printf("storage_download: 16 MiB through a callback raised the peak "
               "by %ld kB\n",
               peak - rss);
        BG_CHECK(peak - rss < 4096, "peak grew by %ld kB", peak - rss);
    }
}

int main(void)
{
    const char *args[] = {"--bucket", BUCKET, NULL};
    static const char *const plain[] = {NULL};
    struct bg_harness h;
    unsigned char *body = pattern_buffer(SIZE);
    char dir[] = "/tmp/bg-dl-XXXXXX";
    bg_client *c;

    if (body == NULL || mkdtemp(dir) == NULL || bg_harness_start(&h, args))
        return 1;
    c = client_with(&h, plain);
    if (c != NULL) {
        BG_CHECK(bg_put_mem(c, BUCKET, KEY, body, SIZE, NULL, NULL) == BG_OK,
                 "upload");
        a_download_that_never_completes_leaves_the_target_alone(&h, dir);
        a_download_cut_once_resumes_with_range(&h, dir);
        a_callback_never_sees_a_byte_twice(&h);
        a_large_object_streams_in_bounded_memory(&h, c, dir);
    }
    bg_client_free(c);
    bg_harness_stop(&h);
    rmdir(dir);
    free(body);
    return bg_test_finish("storage_download");
}
