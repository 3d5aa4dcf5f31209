/* Parsing of the HTTP Range request header for object downloads. */
#ifndef EMU_RANGE_H
#define EMU_RANGE_H

#include <stdint.h>

enum emu_range_kind {
    EMU_RANGE_NONE = 0,     /* no usable Range: serve the whole body */
    EMU_RANGE_PARTIAL,      /* serve start..end (inclusive) with 206 */
    EMU_RANGE_UNSATISFIABLE /* answer 416 */
};

struct emu_range {
    uint64_t start;
    uint64_t end; /* inclusive */
};

/* Interprets header (NULL when absent) against a body of size bytes.
 * Headers of another unit than "bytes" are ignored (NONE). A single range
 * "a-b", "a-" or "-n" is clamped to the body; a start at or past the end,
 * several ranges, "-0" or a malformed byte range are UNSATISFIABLE.
 * out is set only for PARTIAL. */
enum emu_range_kind emu_range_parse(const char *header, uint64_t size,
                                    struct emu_range *out);

#endif
