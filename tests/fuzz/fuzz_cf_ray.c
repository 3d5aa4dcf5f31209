/* Fuzz target: response header lines (status lines, cf-ray, ETag,
 * Content-Length, Content-Range, Retry-After ...) are parsed into the
 * attempt's header record, and the colo is taken from any cf-ray value,
 * without overflowing a field or leaving one unterminated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transfer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must_be_terminated(const char *s, size_t n)
{
    if (memchr(s, '\0', n) == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bg__headers h;
    char colo[8], ray[128];
    const uint8_t *line = data, *end = data + size, *nl;

    bg__headers_init(&h);
    while (line < end) {
        nl = memchr(line, '\n', (size_t)(end - line));
        nl = nl ? nl + 1 : end;
        bg__headers_parse(&h, (const char *)line, (size_t)(nl - line));
        line = nl;
    }
    must_be_terminated(h.cf_ray, sizeof(h.cf_ray));
    must_be_terminated(h.colo, sizeof(h.colo));
    must_be_terminated(h.cache_status, sizeof(h.cache_status));
    must_be_terminated(h.etag, sizeof(h.etag));
    must_be_terminated(h.retry_after, sizeof(h.retry_after));
    if (h.content_length < -1)
        abort();

    /* The whole input as one cf-ray value, into buffers of every size. */
    size = size < sizeof(ray) - 1 ? size : sizeof(ray) - 1;
    memcpy(ray, data, size);
    ray[size] = '\0';
    for (size_t n = 1; n <= sizeof(colo); n++) {
        bg__colo_from_ray(ray, colo, n);
        must_be_terminated(colo, n);
    }
    return 0;
}
