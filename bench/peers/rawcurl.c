/* The floor of the benchmark: the same requests as bucketguard (same
 * URL, same header lines as its default route) made with one libcurl easy
 * handle per thread, keep-alive, and no resilience at all. A request
 * counts as a success on HTTP 200 only. --url-form parsed gives libcurl
 * the URL parsed once (CURLOPT_CURLU), the way bucketguard does. */
#include "drive.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct worker {
    const struct drive *d;
    CURL *easy;
    struct curl_slist *headers;
    struct curl_slist *resolve;
    CURLU *url; /* with --url-form parsed */
    char *body; /* download to memory: reused between requests */
    size_t len, cap;
    int fd; /* download to a file */
};

static size_t to_memory(char *data, size_t size, size_t n, void *w_)
{
    struct worker *w = w_;
    size_t len = size * n;

    if (w->len + len > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        char *p;

        while (cap < w->len + len)
            cap *= 2;
        p = realloc(w->body, cap);
        if (p == NULL)
            return 0;
        w->body = p;
        w->cap = cap;
    }
    memcpy(w->body + w->len, data, len);
    w->len += len;
    return len;
}

static size_t to_file(char *data, size_t size, size_t n, void *w_)
{
    struct worker *w = w_;
    size_t len = size * n, done = 0;

    while (done < len) {
        ssize_t r = write(w->fd, data + done, len - done);

        if (r <= 0)
            return 0;
        done += (size_t)r;
    }
    return len;
}

/* The header lines of bucketguard's default route, so that the floor
 * sends the same request bytes; "minimal" sends only the keys. */
static const char *const profile[] = {"User-Agent: bucketguard/0.1.0",
                                      "Accept: */*",
                                      "x-client-info: bucketguard/0.1.0"};

static int append(struct curl_slist **l, const char *line)
{
    struct curl_slist *next = curl_slist_append(*l, line);

    if (next == NULL)
        return -1;
    *l = next;
    return 0;
}

static int set_headers(struct worker *w)
{
    char line[4096];
    int rc = 0;

    if (strcmp(w->d->headers, "minimal") != 0)
        for (size_t i = 0; i < sizeof(profile) / sizeof(profile[0]); i++)
            rc |= append(&w->headers, profile[i]);
    snprintf(line, sizeof(line), "apikey: %s", w->d->key);
    rc |= append(&w->headers, line);
    snprintf(line, sizeof(line), "Authorization: Bearer %s", w->d->key);
    rc |= append(&w->headers, line);
    if (w->d->resolve != NULL)
        rc |= append(&w->resolve, w->d->resolve);
    return rc;
}

static void worker_free(void *w_)
{
    struct worker *w = w_;

    curl_easy_cleanup(w->easy);
    curl_slist_free_all(w->headers);
    curl_slist_free_all(w->resolve);
    curl_url_cleanup(w->url);
    free(w->body);
    free(w);
}

static void *worker_new(const struct drive *d, int index, void *shared)
{
    struct worker *w = calloc(1, sizeof(*w));
    char url[4096];

    (void)index;
    (void)shared;
    if (w == NULL)
        return NULL;
    w->d = d;
    w->fd = -1;
    w->easy = curl_easy_init();
    if (w->easy == NULL || set_headers(w) != 0) {
        worker_free(w);
        return NULL;
    }
    snprintf(url, sizeof(url), "%s/storage/v1/object/%s/%s", d->url, d->bucket,
             d->object);
    /* "parsed" hands libcurl the URL parsed once, as bucketguard does,
     * rather than as text that every transfer parses again. */
    if (strcmp(d->url_form, "parsed") == 0) {
        if ((w->url = curl_url()) == NULL ||
            curl_url_set(w->url, CURLUPART_URL, url, 0) != CURLUE_OK) {
            worker_free(w);
            return NULL;
        }
        curl_easy_setopt(w->easy, CURLOPT_CURLU, w->url);
    } else {
        curl_easy_setopt(w->easy, CURLOPT_URL, url);
    }
    curl_easy_setopt(w->easy, CURLOPT_HTTPHEADER, w->headers);
    curl_easy_setopt(w->easy, CURLOPT_RESOLVE, w->resolve);
    curl_easy_setopt(w->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(w->easy, CURLOPT_TIMEOUT, 30L);
    if (d->cacert != NULL)
        curl_easy_setopt(w->easy, CURLOPT_CAINFO, d->cacert);
    if (strcmp(d->op, "exists") == 0)
        curl_easy_setopt(w->easy, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(w->easy, CURLOPT_WRITEDATA, w);
    curl_easy_setopt(w->easy, CURLOPT_WRITEFUNCTION,
                     strcmp(d->op, "file") == 0 ? to_file : to_memory);
    return w;
}

static void request(void *w_, long i, struct sample *s)
{
    struct worker *w = w_;
    long status = 0;
    CURLcode rc;

    (void)i;
    w->len = 0;
    if (strcmp(w->d->op, "file") == 0) {
        w->fd = open(w->d->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (w->fd < 0)
            return;
    }
    rc = curl_easy_perform(w->easy);
    if (w->fd >= 0) {
        close(w->fd);
        w->fd = -1;
    }
    curl_easy_getinfo(w->easy, CURLINFO_RESPONSE_CODE, &status);
    s->ok = rc == CURLE_OK && status == 200;
    s->attempts = 1;
    s->bad = -1;
}

int main(int argc, char **argv)
{
    static const struct peer peer = {"rawcurl", worker_new, worker_free,
                                     request};
    struct drive d;
    int status;

    if (drive_parse(argc, argv, &d) != 0)
        return 2;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;
    status = drive_run(&d, &peer, NULL);
    curl_global_cleanup();
    return status;
}
