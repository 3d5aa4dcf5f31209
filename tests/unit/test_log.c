/* Log lines as an operator would read them: secrets gone whatever their
 * shape, the rest of the line intact, one line per call, and nothing
 * formatted when the level is off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "log.h"

#define JWT                                                                    \
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6"    \
    "ImFiY2RlZmdoaWprbG1ub3BxcnN0Iiwicm9sZSI6InNlcnZpY2Vfcm9sZSJ9.Sfl"         \
    "KxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
#define SECRET      "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"
#define PUBLISHABLE "sb_publishable_ZGVtbyBrZXk_abc-123XYZ"
#define OPAQUE      "opaque-TOKEN-1234567890abcdef"

/* 1 when any 8 consecutive characters of secret appear in text. */
static int leaks(const char *text, const char *secret)
{
    char window[9];
    size_t i, len = strlen(secret);

    for (i = 0; i + 8 <= len; i++) {
        memcpy(window, secret + i, 8);
        window[8] = '\0';
        if (strstr(text, window) != NULL)
            return 1;
    }
    return 0;
}

struct leak_case {
    const char *line, *secret;
};

static void no_part_of_a_secret_survives_in_realistic_lines(void **state)
{
    static const struct leak_case cases[] = {
        {"op=download header=\"Authorization: Bearer " JWT "\"", JWT},
        {"authorization: bearer " OPAQUE " route=default", OPAQUE},
        {"apikey: " JWT, JWT},
        {"APIKEY=" OPAQUE "&select=*", OPAQUE},
        {"body={\"apikey\": \"" OPAQUE "\"}", OPAQUE},
        {"url=https://p.supabase.co/storage/v1/object/sign/b/k.pdf?token=" JWT
         "&download=1",
         JWT},
        {"signedURL=/object/sign/b/k?token=" OPAQUE, OPAQUE},
        {"access_token=" OPAQUE " expires=3600", OPAQUE},
        {"service_key=" JWT " route=minimal", JWT},
        {"key=" SECRET, SECRET},
        {"anon=" PUBLISHABLE ",next=1", PUBLISHABLE},
        {"Bearer%20" JWT, JWT},
        {"cut=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", "IsInR5cCI6IkpXVCJ9"},
        {"two=" SECRET "/" JWT, SECRET JWT},
        {"code=x\r\nAuthorization: Bearer " OPAQUE "\nfake=1", OPAQUE},
    };
    char out[1024];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bg__redact(out, sizeof(out), cases[i].line);
        if (leaks(out, cases[i].secret) || strchr(out, '\n') != NULL ||
            strchr(out, '\r') != NULL)
            fail_msg("case %zu leaks: %s", i, out);
        assert_non_null(strstr(out, "[redacted]"));
    }
}

struct redact_case {
    const char *in, *want;
};

static void the_rest_of_the_line_stays_readable(void **state)
{
    static const struct redact_case cases[] = {
        {"route=default status=200 colo=SJC", "route=default status=200 "
                                              "colo=SJC"},
        {"Authorization: Bearer " OPAQUE " next=1",
         "Authorization: Bearer [redacted] next=1"},
        {"apikey: " OPAQUE, "apikey: [redacted]"},
        {"x?apikey=" OPAQUE "&y=2", "x?apikey=[redacted]&y=2"},
        {"/object/sign/b/k?token=" JWT "&download=",
         "/object/sign/b/k?token=[redacted]&download="},
        {"key=" SECRET " ok", "key=[redacted] ok"},
        {"a\r\nb\tc", "a  b c"},
        {"monkeyJuggler tokens=5 Bearer", "monkeyJuggler tokens=5 Bearer"},
        {"Bearer [redacted]", "Bearer [redacted]"},
        {"", ""},
    };
    char out[512];
    size_t i, n;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        n = bg__redact(out, sizeof(out), cases[i].in);
        assert_string_equal(out, cases[i].want);
        assert_int_equal(n, strlen(cases[i].want));
    }
}

static void redaction_respects_the_buffer(void **state)
{
    char out[12];

    (void)state;
    assert_int_equal(bg__redact(out, sizeof(out), "key=" JWT), 11);
    assert_string_equal(out, "key=[redact");
    assert_int_equal(bg__redact(out, 1, "abc"), 0);
    assert_string_equal(out, "");
    assert_int_equal(bg__redact(out, 0, "abc"), 0);
}

struct captured {
    int calls;
    bg_log_level level;
    char line[2048];
};

static void capture(bg_log_level level, const char *line, void *userdata)
{
    struct captured *c = userdata;

    c->calls++;
    c->level = level;
    snprintf(c->line, sizeof(c->line), "%s", line);
}

static int evaluated;

static const char *count_evaluation(void)
{
    evaluated++;
    return "x";
}

static void log_line_reaches_the_callback_redacted(void **state)
{
    struct captured c = {0};
    struct bg__logger lg = {capture, &c, BG_LOG_INFO};

    (void)state;
    bg__log(&lg, BG_LOG_WARN, "event=retry route=%s auth=Bearer %s", "minimal",
            JWT);
    assert_int_equal(c.calls, 1);
    assert_int_equal(c.level, BG_LOG_WARN);
    assert_string_equal(c.line, "event=retry route=minimal auth=Bearer "
                                "[redacted]");
}

static void level_off_costs_no_formatting(void **state)
{
    struct captured c = {0};
    struct bg__logger lg = {capture, &c, BG_LOG_WARN};
    struct bg__logger off = {NULL, NULL, BG_LOG_DEBUG};

    (void)state;
    evaluated = 0;
    bg__logf(&lg, BG_LOG_DEBUG, "v=%s", count_evaluation());
    bg__logf(&off, BG_LOG_ERROR, "v=%s", count_evaluation());
    assert_int_equal(evaluated, 0);
    assert_int_equal(c.calls, 0);
    bg__logf(&lg, BG_LOG_ERROR, "v=%s", count_evaluation());
    assert_int_equal(evaluated, 1);
    assert_int_equal(c.calls, 1);
    assert_string_equal(c.line, "v=x");
}

static void overlong_line_is_cut_not_overflowed(void **state)
{
    struct captured c = {0};
    struct bg__logger lg = {capture, &c, BG_LOG_DEBUG};
    char big[3000];

    (void)state;
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    bg__log(&lg, BG_LOG_INFO, "msg=%s", big);
    assert_int_equal(c.calls, 1);
    assert_true(strlen(c.line) < 1024);
    assert_memory_equal(c.line, "msg=aaa", 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_part_of_a_secret_survives_in_realistic_lines),
        cmocka_unit_test(the_rest_of_the_line_stays_readable),
        cmocka_unit_test(redaction_respects_the_buffer),
        cmocka_unit_test(log_line_reaches_the_callback_redacted),
        cmocka_unit_test(level_off_costs_no_formatting),
        cmocka_unit_test(overlong_line_is_cut_not_overflowed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
