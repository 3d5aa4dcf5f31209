/* Range header parsing: one byte range, clamped to the body, as Storage
 * serves it; several ranges are refused rather than served multipart. */
#include "range.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* Parses decimal digits at *p into *value; false when there are none or
 * they overflow. Advances *p past the digits. */
static bool parse_number(const char **p, uint64_t *value)
{
    const char *s = *p;
    uint64_t v = 0;

    if (*s < '0' || *s > '9')
        return false;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *p = s;
    *value = v;
    return true;
}

static enum emu_range_kind suffix_range(const char *p, uint64_t size,
                                        struct emu_range *out)
{
    uint64_t n;

    if (!parse_number(&p, &n) || *p != '\0' || n == 0 || size == 0)
        return EMU_RANGE_UNSATISFIABLE;
    out->start = n >= size ? 0 : size - n;
    out->end = size - 1;
    return EMU_RANGE_PARTIAL;
}

enum emu_range_kind emu_range_parse(const char *header, uint64_t size,
                                    struct emu_range *out)
{
    const char *p;
    uint64_t start, end;

    if (!header || strncasecmp(header, "bytes=", 6) != 0)
        return EMU_RANGE_NONE;
    p = header + 6;
    while (*p == ' ')
        p++;
    if (strchr(p, ','))
        return EMU_RANGE_UNSATISFIABLE;
    if (*p == '-')
        return suffix_range(p + 1, size, out);

    if (!parse_number(&p, &start) || *p++ != '-' || start >= size)
        return EMU_RANGE_UNSATISFIABLE;
    end = size - 1;
    if (*p != '\0' && (!parse_number(&p, &end) || end < start))
        return EMU_RANGE_UNSATISFIABLE;
    if (*p != '\0')
        return EMU_RANGE_UNSATISFIABLE;
    out->start = start;
    out->end = end < size ? end : size - 1;
    return EMU_RANGE_PARTIAL;
}
