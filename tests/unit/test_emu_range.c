/* Range header parsing of the emulator: which headers give 206, which are
 * ignored and which are unsatisfiable (416). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "range.h"

struct range_case {
    const char *name;
    const char *header;
    uint64_t size;
    enum emu_range_kind kind;
    uint64_t start;
    uint64_t end;
};

static const struct range_case cases[] = {
    {"absent header serves whole body", NULL, 12, EMU_RANGE_NONE, 0, 0},
    {"other unit is ignored", "items=0-4", 12, EMU_RANGE_NONE, 0, 0},
    {"closed range", "bytes=0-4", 12, EMU_RANGE_PARTIAL, 0, 4},
    {"unit is case-insensitive", "Bytes=2-3", 12, EMU_RANGE_PARTIAL, 2, 3},
    {"open range runs to the end", "bytes=6-", 12, EMU_RANGE_PARTIAL, 6, 11},
    {"end past the body is clamped", "bytes=6-100", 12, EMU_RANGE_PARTIAL, 6,
     11},
    {"suffix range takes the tail", "bytes=-3", 12, EMU_RANGE_PARTIAL, 9, 11},
    {"suffix longer than body takes it all", "bytes=-50", 12, EMU_RANGE_PARTIAL,
     0, 11},
    {"last byte alone", "bytes=11-11", 12, EMU_RANGE_PARTIAL, 11, 11},
    {"start at the end is unsatisfiable", "bytes=12-", 12,
     EMU_RANGE_UNSATISFIABLE, 0, 0},
    {"start past the end is unsatisfiable", "bytes=50-60", 12,
     EMU_RANGE_UNSATISFIABLE, 0, 0},
    {"several ranges are unsatisfiable", "bytes=0-1,3-4", 12,
     EMU_RANGE_UNSATISFIABLE, 0, 0},
    {"zero suffix is unsatisfiable", "bytes=-0", 12, EMU_RANGE_UNSATISFIABLE, 0,
     0},
    {"any range of an empty body is unsatisfiable", "bytes=0-", 0,
     EMU_RANGE_UNSATISFIABLE, 0, 0},
    {"end before start is unsatisfiable", "bytes=5-2", 12,
     EMU_RANGE_UNSATISFIABLE, 0, 0},
    {"letters are unsatisfiable", "bytes=a-b", 12, EMU_RANGE_UNSATISFIABLE, 0,
     0},
    {"trailing garbage is unsatisfiable", "bytes=0-4x", 12,
     EMU_RANGE_UNSATISFIABLE, 0, 0},
    {"overflowing number is unsatisfiable", "bytes=99999999999999999999999-",
     12, EMU_RANGE_UNSATISFIABLE, 0, 0},
    {"missing dash is unsatisfiable", "bytes=5", 12, EMU_RANGE_UNSATISFIABLE, 0,
     0},
};

static void ranges_are_interpreted_like_storage(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct range_case *c = &cases[i];
        struct emu_range r = {UINT64_MAX, UINT64_MAX};
        enum emu_range_kind kind = emu_range_parse(c->header, c->size, &r);

        print_message("case: %s\n", c->name);
        assert_int_equal(kind, c->kind);
        if (kind == EMU_RANGE_PARTIAL) {
            assert_int_equal(r.start, c->start);
            assert_int_equal(r.end, c->end);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ranges_are_interpreted_like_storage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
