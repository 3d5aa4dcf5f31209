/* A download cut short resumes where it stopped: the second attempt asks
 * for the rest with Range, and the caller's callback receives every byte
 * exactly once, in order. */
#include <stdlib.h>
#include <string.h>
#include "harness.h"

#define SIZE 20000

struct collected {
    char data[SIZE + 16];
    size_t len, calls;
};

static int collect(const void *p, size_t n, void *ud)
{
    struct collected *c = ud;

    if (c->len + n > sizeof c->data)
        return 1;
    memcpy(c->data + c->len, p, n);
    c->len += n;
    c->calls++;
    return 0;
}

int main(void)
{
    static char object[SIZE + 32], body[SIZE + 1];
    static struct collected got;
    const char *args[] = {
        "--rule",
        "cut-first: method GET path /object/* ordinal 1 -> cut 5000",
        "--bucket",
        "docs",
        "--object",
        object,
        NULL};
    struct bg_harness h;
    bg_config *cfg = NULL;
    bg_client *c = NULL;
    bg_report rep;

    for (size_t i = 0; i < SIZE; i++)
        body[i] = (char)('a' + (i * 7 + i / 26) % 26);
    snprintf(object, sizeof object, "docs/big.txt=%s", body);
    if (bg_harness_start(&h, args) != 0)
        return 1;
    cfg = bg_harness_config(&h);
    if (cfg == NULL || bg_client_new(cfg, &c) != BG_OK) {
        BG_CHECK(0, "client: %s", bg_client_error());
        goto out;
    }

    bg_result r = bg_get_cb(c, "docs", "big.txt", collect, &got, &rep);
    printf("resume: %s, %u attempts, %zu bytes in %zu calls\n", bg_strerror(r),
           rep.attempts, got.len, got.calls);
    BG_CHECK(r == BG_OK, "download: %s (%s)", bg_strerror(r), rep.detail);
    BG_CHECK(rep.attempts == 2, "cut once, resumed once: %u attempts",
             rep.attempts);
    BG_CHECK(got.len == SIZE && memcmp(got.data, body, SIZE) == 0,
             "every byte once, in order (%zu bytes)", got.len);
    BG_CHECK(rep.http_status == 206, "the rest came as 206 (%d)",
             rep.http_status);

out:
    bg_client_free(c);
    bg_config_free(cfg);
    bg_harness_stop(&h);
    return bg_test_finish("test_engine_resume");
}
