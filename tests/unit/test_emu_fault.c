/* Specification of the emulator's fault rules: the rule language and its
 * errors, every clause and action, the built-in scenarios, time windows,
 * dumps, and the determinism of chance clauses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <pthread.h>

#include "fault.h"

#define SEED     7
#define REQUESTS 10000

/* A request of the client's default header profile: an object read on the
 * first edge. */
static struct emu_traits default_traits(void)
{
    struct emu_traits t = {
        .method = "GET",
        .path = "/object/docs/report.pdf",
        .user_agent = "bucketguard/0.1.0",
        .connection = "keep-alive",
        .header_count = 6,
        .version = "HTTP/1.1",
        .edge = "127.0.0.1",
        .ordinal = 1,
        .now_ms = 0,
    };
    return t;
}

/* Sets the trait called field ("ua", "connection", "headers", "version",
 * "method", "path", "edge", "ordinal") to value. */
static void set_trait(struct emu_traits *t, const char *field,
                      const char *value)
{
    if (strcmp(field, "ua") == 0)
        t->user_agent = value;
    else if (strcmp(field, "connection") == 0)
        t->connection = value;
    else if (strcmp(field, "headers") == 0)
        t->header_count = (unsigned)strtoul(value, NULL, 10);
    else if (strcmp(field, "version") == 0)
        t->version = value;
    else if (strcmp(field, "method") == 0)
        t->method = value;
    else if (strcmp(field, "path") == 0)
        t->path = value;
    else if (strcmp(field, "edge") == 0)
        t->edge = value;
    else if (strcmp(field, "ordinal") == 0)
        t->ordinal = strtoull(value, NULL, 10);
    else
        fail_msg("unknown trait %s", field);
}

static int setup(void **state)
{
    *state = emu_faults_new(SEED);
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    emu_faults_free(*state);
    return 0;
}

static void add_ok(struct emu_faults *f, const char *text)
{
    char err[256];

    if (emu_faults_add(f, text, err, sizeof err) != 0)
        fail_msg("rejected %s: %s", text, err);
}

static enum emu_action_kind
match(struct emu_faults *f, const struct emu_traits *t, struct emu_action *a)
{
    return emu_faults_match(f, t, a);
}

static void assert_dump(struct emu_faults *f, const char *expected)
{
    char *text = emu_faults_dump(f);

    assert_non_null(text);
    assert_string_equal(text, expected);
    free(text);
}

static void empty_rule_set_serves_every_request_normally(void **state)
{
    struct emu_traits t = default_traits();
    struct emu_action a;

    assert_int_equal(match(*state, &t, &a), EMU_ACT_NONE);
    assert_string_equal(a.rule, "");
    assert_dump(*state, "");
}

static const struct {
    const char *text;
    const char *message;
} bad_rules[] = {
    {"-> explode", "line 1: unknown action 'explode' (expected status, "
                   "delay, reset, stall, cut, hide)"},
    {"# first\n\npath /x -> explode", "line 3: unknown action 'explode' "
                                      "(expected status, delay, reset, "
                                      "stall, cut, hide)"},
    {"-> reset\n-> explode", "line 2: unknown action 'explode' (expected "
                             "status, delay, reset, stall, cut, hide)"},
    {"path /x ->", "line 1: missing action after '->' (expected status, "
                   "delay, reset, stall, cut, hide)"},
    {"ua x", "line 1: missing '->' and an action (expected status, delay, "
             "reset, stall, cut, hide)"},
    {"reset", "line 1: unknown clause 'reset' (expected ua, connection, "
              "version, method, path, edge, headers, ordinal, every, "
              "chance, during, or '->' before the action)"},
    {"ua a ua b -> reset", "line 1: clause 'ua' given twice"},
    {"ua -> reset", "line 1: 'ua' expects a pattern"},
    {"ua 'abc -> reset", "line 1: unterminated ' quote"},
    {"ua 'a'b -> reset", "line 1: expected a blank after the closing quote"},
    {"headers 5 -> reset", "line 1: 'headers' expects >=, <= or = and a "
                           "number 0..1000"},
    {"headers >= many -> reset", "line 1: 'headers' expects >=, <= or = "
                                 "and a number 0..1000"},
    {"ordinal 7..3 -> reset", "line 1: 'ordinal' expects N, A..B or A.. "
                              "with A <= B, got '7..3'"},
    {"during 100 -> reset", "line 1: 'during' expects A..B or A.. with "
                            "A < B, got '100'"},
    {"every 0 -> reset", "line 1: 'every' expects a number "
                         "1..18446744073709551615, got '0'"},
    {"chance 120% -> reset", "line 1: 'chance' expects a percentage "
                             "0%..100% with at most 4 decimals, got '120%'"},
    {"chance 20 -> reset", "line 1: 'chance' expects a percentage 0%..100% "
                           "with at most 4 decimals, got '20'"},
    {"-> status 42", "line 1: 'status' expects a number 100..599, got '42'"},
    {"-> status", "line 1: 'status' expects a number 100..599, got nothing"},
    {"-> status 400 NoSuchThing",
     "line 1: unknown body 'NoSuchThing' (expected NoSuchBucket, NoSuchKey, "
     "SlowDown, DatabaseTimeout, ServiceUnavailable, InternalError, "
     "AccessDenied or quoted JSON)"},
    {"-> status 400 '{\"code\":'", "line 1: body is not valid JSON: "
                                   "{\"code\":"},
    {"-> delay soon", "line 1: 'delay' expects a number 0..600000, got "
                      "'soon'"},
    {"-> delay 600001", "line 1: 'delay' expects a number 0..600000, got "
                        "'600001'"},
    {"-> cut", "line 1: 'cut' expects a number 0..18446744073709551615, "
               "got nothing"},
    {"-> hide 1s", "line 1: 'hide' expects a number 0..86400000, got '1s'"},
    {"-> reset now", "line 1: unexpected 'now' after the action"},
    {"bad!: -> reset", "line 1: rule name 'bad!' is not 1..63 letters, "
                       "digits, '_', '.' or '-'"},
};

static void bad_rule_text_is_rejected_with_line_and_expectation(void **state)
{
    char err[512];

    (void)state;
    for (size_t i = 0; i < sizeof bad_rules / sizeof *bad_rules; i++) {
        struct emu_faults *f = emu_faults_new(SEED);

        assert_non_null(f);
        assert_int_equal(emu_faults_add(f, bad_rules[i].text, err, sizeof err),
                         -1);
        assert_string_equal(err, bad_rules[i].message);
        assert_dump(f, "");
        emu_faults_free(f);
    }
}

static void rejected_text_leaves_earlier_rules_in_place(void **state)
{
    char err[256];

    add_ok(*state, "first: -> reset\n");
    assert_int_equal(
        emu_faults_add(*state, "second: -> stall\n-> explode", err, sizeof err),
        -1);
    assert_dump(*state, "first: -> reset\n");
}

static void line_longer_than_4096_characters_is_rejected(void **state)
{
    char *text = malloc(4200);
    char err[256];

    assert_non_null(text);
    memset(text, ' ', 4200);
    memcpy(text + 4097 - 8, "-> reset", 8);
    text[4097] = '\0';
    assert_int_equal(emu_faults_add(*state, text, err, sizeof err), -1);
    assert_string_equal(err, "line 1: longer than 4096 characters");

    text[4096 - 8] = '\0';
    strcat(text, "-> reset");
    add_ok(*state, text);
    free(text);
}

static void more_than_256_rules_are_rejected(void **state)
{
    char err[256];

    for (int i = 0; i < 256; i++)
        add_ok(*state, "-> reset");
    assert_int_equal(emu_faults_add(*state, "-> stall", err, sizeof err), -1);
    assert_string_equal(err, "line 1: more than 256 rules");

    emu_faults_clear(*state);
    add_ok(*state, "-> stall");
}

static const struct {
    const char *clauses; /* the rule is "<clauses> -> reset" */
    const char *field;   /* trait changed from default_traits, or NULL */
    const char *value;
    int matches;
} clause_cases[] = {
    {"", NULL, NULL, 1},
    {"ua bucketguard/*", NULL, NULL, 1},
    {"ua bucketguard/*", "ua", "python-httpx/0.27.0", 0},
    {"ua BUCKETGUARD/*", NULL, NULL, 1},
    {"ua not Mozilla/*", "ua", "Mozilla/5.0 (X11; Linux x86_64)", 0},
    {"ua not Mozilla/*", NULL, NULL, 1},
    {"ua 'Mozilla/5.0 (X11*'", "ua", "Mozilla/5.0 (X11; Linux x86_64)", 1},
    {"ua ''", "ua", "", 1},
    {"ua ''", NULL, NULL, 0},
    {"connection close", "connection", "close", 1},
    {"connection close", NULL, NULL, 0},
    {"connection not close", NULL, NULL, 1},
    {"connection not close", "connection", "", 1},
    {"connection not close", "connection", "Close", 0},
    {"headers >= 5", "headers", "5", 1},
    {"headers >= 5", "headers", "3", 0},
    {"headers <=3", "headers", "3", 1},
    {"headers <=3", "headers", "4", 0},
    {"headers =3", "headers", "3", 1},
    {"headers = 3", "headers", "2", 0},
    {"version HTTP/1.0", "version", "HTTP/1.0", 1},
    {"version HTTP/1.0", NULL, NULL, 0},
    {"version HTTP/2", "version", "HTTP/2", 1},
    {"method GET,HEAD", "method", "HEAD", 1},
    {"method GET,HEAD", NULL, NULL, 1},
    {"method GET,HEAD", "method", "POST", 0},
    {"method not GET,HEAD", "method", "POST", 1},
    {"method not GET,HEAD", NULL, NULL, 0},
    {"path /object/*", "path", "/object/info/docs/report.pdf", 1},
    {"path /object/*", "path", "/bucket/docs", 0},
    {"path not /bucket*", NULL, NULL, 1},
    {"edge 127.0.0.1", NULL, NULL, 1},
    {"edge 127.0.0.1", "edge", "127.0.0.2", 0},
    {"edge ::1", "edge", "::1", 1},
    {"ordinal 3..7", "ordinal", "3", 1},
    {"ordinal 3..7", "ordinal", "7", 1},
    {"ordinal 3..7", "ordinal", "2", 0},
    {"ordinal 3..7", "ordinal", "8", 0},
    {"ordinal 5", "ordinal", "5", 1},
    {"ordinal 5", "ordinal", "6", 0},
    {"ordinal 10..", "ordinal", "1000000", 1},
    {"ordinal 10..", "ordinal", "9", 0},
    {"every 3", "ordinal", "9", 1},
    {"every 3", "ordinal", "10", 0},
    {"ordinal 10..20 every 5", "ordinal", "15", 1},
    {"ordinal 10..20 every 5", "ordinal", "25", 0},
    {"chance 100%", NULL, NULL, 1},
    {"chance 0%", NULL, NULL, 0},
    {"ua bucketguard/* edge 127.0.0.1", NULL, NULL, 1},
    {"ua bucketguard/* edge 127.0.0.1", "edge", "::1", 0},
};

static void each_clause_matches_only_its_traits(void **state)
{
    char text[256];

    (void)state;
    for (size_t i = 0; i < sizeof clause_cases / sizeof *clause_cases; i++) {
        struct emu_faults *f = emu_faults_new(SEED);
        struct emu_traits t = default_traits();
        struct emu_action a;

        assert_non_null(f);
        snprintf(text, sizeof text, "%s -> reset", clause_cases[i].clauses);
        add_ok(f, text);
        if (clause_cases[i].field)
            set_trait(&t, clause_cases[i].field, clause_cases[i].value);
        if ((match(f, &t, &a) == EMU_ACT_RESET) != clause_cases[i].matches)
            fail_msg("'%s' with %s=%s should %smatch", text,
                     clause_cases[i].field ? clause_cases[i].field : "-",
                     clause_cases[i].value ? clause_cases[i].value : "-",
                     clause_cases[i].matches ? "" : "not ");
        emu_faults_free(f);
    }
}

static const struct {
    const char *text;
    struct emu_action expected;
} action_cases[] = {
    {"-> status 400 NoSuchBucket",
     {.kind = EMU_ACT_STATUS,
      .status = 400,
      .body = "{\"statusCode\":\"404\",\"code\":\"NoSuchBucket\",\"error\":"
              "\"Bucket not found\",\"message\":\"Bucket not found\"}"}},
    {"-> status 418 '{\"code\":\"Teapot\"}'",
     {.kind = EMU_ACT_STATUS, .status = 418, .body = "{\"code\":\"Teapot\"}"}},
    {"-> status 204", {.kind = EMU_ACT_STATUS, .status = 204}},
    {"-> delay 250", {.kind = EMU_ACT_DELAY, .delay_ms = 250}},
    {"-> reset", {.kind = EMU_ACT_RESET}},
    {"-> stall", {.kind = EMU_ACT_STALL}},
    {"-> cut 100", {.kind = EMU_ACT_CUT, .cut_bytes = 100}},
    {"-> hide 3000", {.kind = EMU_ACT_HIDE_NEW, .hide_ms = 3000}},
};

static void each_action_is_handed_to_the_server(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof action_cases / sizeof *action_cases; i++) {
        const struct emu_action *want = &action_cases[i].expected;
        struct emu_faults *f = emu_faults_new(SEED);
        struct emu_traits t = default_traits();
        struct emu_action a;

        assert_non_null(f);
        add_ok(f, action_cases[i].text);
        assert_int_equal(match(f, &t, &a), want->kind);
        assert_int_equal(a.status, want->status);
        assert_string_equal(a.body, want->body);
        assert_int_equal(a.delay_ms, want->delay_ms);
        assert_int_equal(a.cut_bytes, want->cut_bytes);
        assert_int_equal(a.hide_ms, want->hide_ms);
        assert_string_equal(a.rule, "rule1");
        emu_faults_free(f);
    }
}

static const struct {
    const char *name;
    const char *status_code;
} named_bodies[] = {
    {"NoSuchBucket", "404"},       {"NoSuchKey", "404"},
    {"SlowDown", "429"},           {"DatabaseTimeout", "544"},
    {"ServiceUnavailable", "503"}, {"InternalError", "500"},
    {"AccessDenied", "403"},
};

static void named_bodies_are_storage_errors_with_their_code(void **state)
{
    char text[128];

    (void)state;
    for (size_t i = 0; i < sizeof named_bodies / sizeof *named_bodies; i++) {
        struct emu_faults *f = emu_faults_new(SEED);
        struct emu_traits t = default_traits();
        struct emu_action a;
        json_t *body;

        assert_non_null(f);
        snprintf(text, sizeof text, "-> status 400 %s", named_bodies[i].name);
        add_ok(f, text);
        match(f, &t, &a);
        body = json_loads(a.body, 0, NULL);
        assert_non_null(body);
        assert_string_equal(json_string_value(json_object_get(body, "code")),
                            named_bodies[i].name);
        assert_string_equal(
            json_string_value(json_object_get(body, "statusCode")),
            named_bodies[i].status_code);
        assert_non_null(json_string_value(json_object_get(body, "error")));
        assert_non_null(json_string_value(json_object_get(body, "message")));
        json_decref(body);
        emu_faults_free(f);
    }
}

static void first_matching_rule_wins_and_names_itself(void **state)
{
    struct emu_traits t = default_traits();
    struct emu_action a;

    add_ok(*state, "ordinal 1 -> reset\n"
                   "slow: ordinal 1..2 -> delay 5\n"
                   "-> stall\n");
    assert_int_equal(match(*state, &t, &a), EMU_ACT_RESET);
    assert_string_equal(a.rule, "rule1");
    t.ordinal = 2;
    assert_int_equal(match(*state, &t, &a), EMU_ACT_DELAY);
    assert_string_equal(a.rule, "slow");
    t.ordinal = 3;
    assert_int_equal(match(*state, &t, &a), EMU_ACT_STALL);
    assert_string_equal(a.rule, "rule3");
}

static void comments_blank_lines_and_crlf_are_accepted(void **state)
{
    add_ok(*state, "# a comment\r\n\r\n   \n"
                   "edge 127.0.0.2 -> reset   # the bad edge\r\n"
                   "ua '#1' -> stall\n");
    assert_dump(*state, "rule1: edge 127.0.0.2 -> reset\n"
                        "rule2: ua '#1' -> stall\n");
}

static void clear_removes_every_rule(void **state)
{
    struct emu_traits t = default_traits();
    struct emu_action a;

    add_ok(*state, "-> reset\n-> stall");
    emu_faults_clear(*state);
    assert_int_equal(match(*state, &t, &a), EMU_ACT_NONE);
    assert_dump(*state, "");
}

/* The server's clock reads 50 s when the rules are added: windows count
 * from there, not from the emulator's start. */
static void time_window_starts_when_the_rule_is_added(void **state)
{
    struct emu_traits t = default_traits();
    struct emu_action a;

    t.now_ms = 50000;
    match(*state, &t, &a);
    add_ok(*state, "first: during 0..10000 -> reset\n"
                   "later: during 5000.. -> stall\n");

    const struct {
        int64_t now_ms;
        enum emu_action_kind kind;
    } cases[] = {
        {40000, EMU_ACT_NONE},  {50500, EMU_ACT_RESET}, {55000, EMU_ACT_RESET},
        {60500, EMU_ACT_STALL}, {90000, EMU_ACT_STALL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        t.now_ms = cases[i].now_ms;
        assert_int_equal(match(*state, &t, &a), cases[i].kind);
    }
}

static void dump_writes_canonical_rules(void **state)
{
    add_ok(*state, "incident: ua \"bucketguard/*\" connection not close "
                   "headers >=5 edge 127.0.0.1 method GET,HEAD path /object/* "
                   "-> status 400 NoSuchBucket\n"
                   "ua 'Mozilla/5.0 (X11; Linux)' version HTTP/2 -> delay 20\n"
                   "ua \"it's\" ordinal 3..7 every 2 chance 2.50% -> cut 10\n"
                   "path 'not' ordinal 9.. during 0..5000 -> status 418 "
                   "'{\"a\":\"b c\"}'\n"
                   "edge ::1 ordinal 4 headers <= 3 -> hide 3000\n");
    assert_dump(*state,
                "incident: ua bucketguard/* connection not close headers >= "
                "5 method GET,HEAD path /object/* edge 127.0.0.1 -> status "
                "400 NoSuchBucket\n"
                "rule2: ua 'Mozilla/5.0 (X11; Linux)' version HTTP/2 -> "
                "delay 20\n"
                "rule3: ua \"it's\" ordinal 3..7 every 2 chance 2.5% -> "
                "cut 10\n"
                "rule4: path 'not' ordinal 9.. during 0..5000 -> status 418 "
                "'{\"a\":\"b c\"}'\n"
                "rule5: headers <= 3 edge ::1 ordinal 4 -> hide 3000\n");
}

static void dump_reads_back_as_the_same_rules(void **state)
{
    struct emu_faults *copy = emu_faults_new(SEED);
    char *first, *second;

    assert_non_null(copy);
    add_ok(*state,
           "incident: ua \"bucketguard/*\" connection not close "
           "headers >=5 edge 127.0.0.1 method GET,HEAD path /object/* "
           "-> status 400 NoSuchBucket\n"
           "ua 'Mozilla/5.0 (X11; Linux)' version HTTP/2 -> delay 20\n"
           "ua \"it's \\\"x\\\"\" ordinal 3..7 every 2 chance 2.50% -> cut 10\n"
           "path 'not' ordinal 9.. during 0..5000 -> status 418 "
           "'{\"a\":\"b c\"}'\n"
           "edge ::1 ordinal 4 headers <= 3 -> hide 3000\n"
           "-> status 503 \"{\\\"m\\\":\\\"don't\\\"}\"\n");
    for (const char *const *name = emu_scenario_names(); *name; name++)
        assert_int_equal(emu_faults_scenario(*state, *name, NULL, 0), 0);
    first = emu_faults_dump(*state);
    assert_non_null(first);
    add_ok(copy, first);
    second = emu_faults_dump(copy);
    assert_non_null(second);
    assert_string_equal(second, first);
    free(first);
    free(second);
    emu_faults_free(copy);
}

/* The library's header profiles, as the emulator sees them. */
static struct emu_traits profile_traits(const char *profile)
{
    struct emu_traits t = default_traits();

    if (strcmp(profile, "library-ua") == 0)
        t.user_agent = "python-httpx/0.27.0";
    if (strcmp(profile, "browser-ua") == 0)
        t.user_agent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0";
    if (strcmp(profile, "conn-close") == 0)
        t.connection = "close";
    if (strcmp(profile, "conn-close") == 0)
        t.header_count = 7;
    if (strcmp(profile, "minimal") == 0) {
        t.user_agent = "";
        t.connection = "";
        t.header_count = 3;
    }
    return t;
}

static const struct {
    const char *profile;
    const char *method;
    const char *path;
    const char *edge;
    enum emu_action_kind kind;
} incident_cases[] = {
    {"default", "GET", "/object/docs/a.pdf", "127.0.0.1", EMU_ACT_STATUS},
    {"default", "HEAD", "/object/docs/a.pdf", "127.0.0.1", EMU_ACT_STATUS},
    {"default", "GET", "/object/info/docs/a.pdf", "127.0.0.1", EMU_ACT_STATUS},
    {"default", "GET", "/object/authenticated/docs/a.pdf", "127.0.0.1",
     EMU_ACT_STATUS},
    {"default", "GET", "/object/docs/a.pdf", "127.0.0.2", EMU_ACT_NONE},
    {"default", "GET", "/object/docs/a.pdf", "::1", EMU_ACT_NONE},
    {"default", "POST", "/object/docs/a.pdf", "127.0.0.1", EMU_ACT_NONE},
    {"default", "GET", "/bucket/docs", "127.0.0.1", EMU_ACT_NONE},
    {"library-ua", "GET", "/object/docs/a.pdf", "127.0.0.1", EMU_ACT_NONE},
    {"browser-ua", "GET", "/object/docs/a.pdf", "127.0.0.1", EMU_ACT_NONE},
    {"conn-close", "GET", "/object/docs/a.pdf", "127.0.0.1", EMU_ACT_NONE},
    {"minimal", "GET", "/object/docs/a.pdf", "127.0.0.1", EMU_ACT_NONE},
};

static void
incident_fails_default_profile_object_reads_on_one_edge(void **state)
{
    struct emu_traits t;
    struct emu_action a;

    assert_int_equal(emu_faults_scenario(*state, "incident", NULL, 0), 0);
    for (size_t i = 0; i < sizeof incident_cases / sizeof *incident_cases;
         i++) {
        t = profile_traits(incident_cases[i].profile);
        t.method = incident_cases[i].method;
        t.path = incident_cases[i].path;
        t.edge = incident_cases[i].edge;
        if (match(*state, &t, &a) != incident_cases[i].kind)
            fail_msg("incident: %s %s %s on %s", incident_cases[i].profile,
                     t.method, t.path, t.edge);
    }
    t = default_traits();
    t.user_agent = "bucketguard/1.2.3";
    t.header_count = 5;
    assert_int_equal(match(*state, &t, &a), EMU_ACT_STATUS);
    assert_int_equal(a.status, 400);
    assert_non_null(strstr(a.body, "\"code\":\"NoSuchBucket\""));
    assert_string_equal(a.rule, "incident");
}

static void bad_edge_resets_every_request_to_the_second_edge(void **state)
{
    struct emu_traits t = profile_traits("minimal");
    struct emu_action a;

    assert_int_equal(emu_faults_scenario(*state, "bad-edge", NULL, 0), 0);
    t.edge = "127.0.0.2";
    for (t.ordinal = 1; t.ordinal <= 100; t.ordinal++)
        assert_int_equal(match(*state, &t, &a), EMU_ACT_RESET);
    t.edge = "127.0.0.1";
    assert_int_equal(match(*state, &t, &a), EMU_ACT_NONE);
}

static void lag_hides_new_objects_from_reads_only(void **state)
{
    struct emu_traits t = default_traits();
    struct emu_action a;

    assert_int_equal(emu_faults_scenario(*state, "lag", NULL, 0), 0);
    assert_int_equal(match(*state, &t, &a), EMU_ACT_HIDE_NEW);
    assert_int_equal(a.hide_ms, 3000);
    t.method = "POST";
    assert_int_equal(match(*state, &t, &a), EMU_ACT_NONE);
}

/* Counts the actions of ordinals 1..REQUESTS into counts, by kind. */
static void count_actions(struct emu_faults *f, unsigned counts[7])
{
    struct emu_traits t = default_traits();
    struct emu_action a;

    memset(counts, 0, 7 * sizeof *counts);
    for (t.ordinal = 1; t.ordinal <= REQUESTS; t.ordinal++)
        counts[match(f, &t, &a)]++;
}

static void flaky_fails_one_request_in_five_half_503_half_reset(void **state)
{
    unsigned counts[7];

    assert_int_equal(emu_faults_scenario(*state, "flaky", NULL, 0), 0);
    count_actions(*state, counts);
    assert_in_range(counts[EMU_ACT_STATUS] + counts[EMU_ACT_RESET], 1850, 2150);
    assert_in_range(counts[EMU_ACT_STATUS], 850, 1150);
    assert_in_range(counts[EMU_ACT_RESET], 850, 1150);
    assert_int_equal(counts[EMU_ACT_NONE] + counts[EMU_ACT_STATUS] +
                         counts[EMU_ACT_RESET],
                     REQUESTS);
}

static void slow_tail_delays_one_answer_in_twenty_by_two_seconds(void **state)
{
    struct emu_traits t = default_traits();
    struct emu_action a;
    unsigned counts[7];

    assert_int_equal(emu_faults_scenario(*state, "slow-tail", NULL, 0), 0);
    count_actions(*state, counts);
    assert_in_range(counts[EMU_ACT_DELAY], 350, 650);
    for (t.ordinal = 1; match(*state, &t, &a) != EMU_ACT_DELAY; t.ordinal++)
        assert_in_range(t.ordinal, 1, 1000);
    assert_int_equal(a.delay_ms, 2000);
}

static void outage_fails_everything_for_ten_seconds_after_loading(void **state)
{
    struct emu_traits t = default_traits();
    struct emu_action a;
    unsigned counts[7];

    t.now_ms = 120000;
    match(*state, &t, &a);
    assert_int_equal(emu_faults_scenario(*state, "outage", NULL, 0), 0);

    memset(counts, 0, sizeof counts);
    for (t.ordinal = 1; t.ordinal <= REQUESTS; t.ordinal++) {
        t.now_ms = 120000 + 500 + (int64_t)(t.ordinal % 9000);
        counts[match(*state, &t, &a)]++;
    }
    assert_int_equal(counts[EMU_ACT_NONE], 0);
    assert_in_range(counts[EMU_ACT_RESET], 4500, 5500);
    assert_in_range(counts[EMU_ACT_STATUS], 4500, 5500);

    t.now_ms = 120000 + 10500;
    assert_int_equal(match(*state, &t, &a), EMU_ACT_NONE);
}

static void unknown_scenario_is_refused_with_the_known_names(void **state)
{
    const char *const *names = emu_scenario_names();
    char err[256];
    size_t n = 0;

    assert_int_equal(emu_faults_scenario(*state, "meltdown", err, sizeof err),
                     -1);
    assert_string_equal(err, "unknown scenario 'meltdown' (expected "
                             "incident, flaky, bad-edge, slow-tail, outage, "
                             "lag)");
    while (names[n])
        assert_int_equal(
            emu_faults_scenario(*state, names[n++], err, sizeof err), 0);
    assert_int_equal(n, 6);
}

/* Fills kinds[0..REQUESTS-1] with the flaky actions of ordinals
 * 1..REQUESTS under seed. */
static void flaky_sequence(uint64_t seed, unsigned char *kinds)
{
    struct emu_faults *f = emu_faults_new(seed);
    struct emu_traits t = default_traits();
    struct emu_action a;

    assert_non_null(f);
    assert_int_equal(emu_faults_scenario(f, "flaky", NULL, 0), 0);
    for (t.ordinal = 1; t.ordinal <= REQUESTS; t.ordinal++)
        kinds[t.ordinal - 1] = (unsigned char)match(f, &t, &a);
    emu_faults_free(f);
}

static void same_seed_gives_the_same_action_sequence(void **state)
{
    static unsigned char first[REQUESTS], again[REQUESTS], other[REQUESTS];

    (void)state;
    flaky_sequence(7, first);
    flaky_sequence(7, again);
    flaky_sequence(8, other);
    assert_memory_equal(first, again, REQUESTS);
    assert_memory_not_equal(first, other, REQUESTS);
}

struct worker {
    struct emu_faults *faults;
    uint64_t start; /* this worker asks for start, start + WORKERS, ... */
    unsigned char *kinds;
};

#define WORKERS 4

static void *match_interleaved(void *arg)
{
    struct worker *w = arg;
    struct emu_traits t = default_traits();
    struct emu_action a;

    for (t.ordinal = w->start; t.ordinal <= REQUESTS; t.ordinal += WORKERS)
        w->kinds[t.ordinal - 1] = (unsigned char)match(w->faults, &t, &a);
    return NULL;
}

static void thread_timing_does_not_change_the_sequence(void **state)
{
    static unsigned char alone[REQUESTS], threaded[REQUESTS];
    struct worker workers[WORKERS];
    pthread_t threads[WORKERS];

    flaky_sequence(SEED, alone);
    assert_int_equal(emu_faults_scenario(*state, "flaky", NULL, 0), 0);
    for (int i = 0; i < WORKERS; i++) {
        workers[i] = (struct worker){*state, (uint64_t)i + 1, threaded};
        assert_int_equal(
            pthread_create(&threads[i], NULL, match_interleaved, &workers[i]),
            0);
    }
    for (int i = 0; i < WORKERS; i++)
        pthread_join(threads[i], NULL);
    assert_memory_equal(alone, threaded, REQUESTS);
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(empty_rule_set_serves_every_request_normally),
        TEST(bad_rule_text_is_rejected_with_line_and_expectation),
        TEST(rejected_text_leaves_earlier_rules_in_place),
        TEST(line_longer_than_4096_characters_is_rejected),
        TEST(more_than_256_rules_are_rejected),
        TEST(each_clause_matches_only_its_traits),
        TEST(each_action_is_handed_to_the_server),
        TEST(named_bodies_are_storage_errors_with_their_code),
        TEST(first_matching_rule_wins_and_names_itself),
        TEST(comments_blank_lines_and_crlf_are_accepted),
        TEST(clear_removes_every_rule),
        TEST(time_window_starts_when_the_rule_is_added),
        TEST(dump_writes_canonical_rules),
        TEST(dump_reads_back_as_the_same_rules),
        TEST(incident_fails_default_profile_object_reads_on_one_edge),
        TEST(bad_edge_resets_every_request_to_the_second_edge),
        TEST(lag_hides_new_objects_from_reads_only),
        TEST(flaky_fails_one_request_in_five_half_503_half_reset),
        TEST(slow_tail_delays_one_answer_in_twenty_by_two_seconds),
        TEST(outage_fails_everything_for_ten_seconds_after_loading),
        TEST(unknown_scenario_is_refused_with_the_known_names),
        TEST(same_seed_gives_the_same_action_sequence),
        TEST(thread_timing_does_not_change_the_sequence),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
