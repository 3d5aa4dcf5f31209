/* Fault rules of the emulator: parses the rule language described in
 * docs/emulator-rules.md, keeps the rule set behind one mutex, and tells
 * the server, once per request, what the first matching rule asks for. */
#include "fault.h"
#include "clock.h"

#include <fnmatch.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RULES_MAX    256
#define LINE_LEN_MAX 4096
#define TOKENS_MAX   64
#define PATTERN_MAX  256
#define NAME_LEN_MAX 63
#define HEADERS_MAX  1000
#define DELAY_MAX_MS 600000
#define HIDE_MAX_MS  86400000
#define PPM          1000000 /* chance is kept in parts per million */

/* The clauses that compare one text trait against a glob. */
enum text_field {
    TF_UA,
    TF_CONNECTION,
    TF_VERSION,
    TF_METHOD,
    TF_PATH,
    TF_EDGE,
    TF_COUNT
};

struct text_spec {
    const char *keyword;
    size_t offset; /* of the string in struct emu_traits */
    int flags;     /* for fnmatch */
    bool list;     /* the pattern is a comma-separated list of globs */
};

static const struct text_spec text_specs[TF_COUNT] = {
    {"ua", offsetof(struct emu_traits, user_agent), FNM_CASEFOLD, false},
    {"connection", offsetof(struct emu_traits, connection), FNM_CASEFOLD,
     false},
    {"version", offsetof(struct emu_traits, version), FNM_CASEFOLD, false},
    {"method", offsetof(struct emu_traits, method), 0, true},
    {"path", offsetof(struct emu_traits, path), 0, false},
    {"edge", offsetof(struct emu_traits, edge), FNM_CASEFOLD, false},
};

struct text_clause {
    bool set;
    bool negate;
    char pattern[PATTERN_MAX];
};

enum cmp { CMP_EQ, CMP_GE, CMP_LE };
static const char *const cmp_words[] = {"=", ">=", "<="};

/* Inclusive for ordinals, half-open [lo, hi) for times; hi is UINT64_MAX
 * when the span is open. */
struct span {
    bool set;
    uint64_t lo;
    uint64_t hi;
};

static const char *const action_words[] = {
    [EMU_ACT_STATUS] = "status", [EMU_ACT_DELAY] = "delay",
    [EMU_ACT_RESET] = "reset",   [EMU_ACT_STALL] = "stall",
    [EMU_ACT_CUT] = "cut",       [EMU_ACT_HIDE_NEW] = "hide",
};

/* Bodies of the standard Storage errors, so rules can name them. */
struct named_body {
    const char *name;
    const char *json;
};

static const struct named_body bodies[] = {
    {"NoSuchBucket", "{\"statusCode\":\"404\",\"code\":\"NoSuchBucket\","
                     "\"error\":\"Bucket not found\","
                     "\"message\":\"Bucket not found\"}"},
    {"NoSuchKey", "{\"statusCode\":\"404\",\"code\":\"NoSuchKey\","
                  "\"error\":\"not_found\","
                  "\"message\":\"Object not found\"}"},
    {"SlowDown", "{\"statusCode\":\"429\",\"code\":\"SlowDown\","
                 "\"error\":\"Too Many Requests\","
                 "\"message\":\"Please reduce your request rate\"}"},
    {"DatabaseTimeout", "{\"statusCode\":\"544\",\"code\":\"DatabaseTimeout\","
                        "\"error\":\"Database timeout\","
                        "\"message\":\"The database timed out\"}"},
    {"ServiceUnavailable",
     "{\"statusCode\":\"503\",\"code\":\"ServiceUnavailable\","
     "\"error\":\"Service Unavailable\","
     "\"message\":\"The service is temporarily unavailable\"}"},
    {"InternalError", "{\"statusCode\":\"500\",\"code\":\"InternalError\","
                      "\"error\":\"Internal Server Error\","
                      "\"message\":\"Internal server error\"}"},
    {"AccessDenied", "{\"statusCode\":\"403\",\"code\":\"AccessDenied\","
                     "\"error\":\"Unauthorized\","
                     "\"message\":\"Access denied\"}"},
};
#define BODIES_COUNT (sizeof bodies / sizeof bodies[0])

struct rule {
    struct text_clause text[TF_COUNT];
    bool headers_set;
    enum cmp headers_cmp;
    unsigned headers;
    struct span ordinal;
    uint64_t every; /* 0: no every clause */
    bool chance_set;
    uint32_t chance_ppm;
    struct span during;       /* milliseconds since added_ms */
    int64_t added_ms;         /* on the clock of emu_traits.now_ms */
    int body;                 /* index into bodies, -1 for a raw or no body */
    struct emu_action action; /* action.rule holds the rule's name */
};

struct emu_faults {
    pthread_mutex_t lock;
    uint64_t seed;
    /* now_ms minus the monotonic clock, as last seen by a match; lets a
     * rule added later start its clock on the server's time line. */
    int64_t clock_offset_ms;
    size_t count;
    struct rule rules[RULES_MAX];
};

struct token {
    const char *text;
    bool quoted;
};

/* Where the parser is: one line at a time, its words, and the caller's
 * error buffer. */
struct parser {
    unsigned line;
    char *err;
    size_t errlen;
    struct token tokens[TOKENS_MAX];
    size_t ntokens;
    size_t pos;
};

/* The arguments of "got %s%s%s" in a message: the word t in quotes, or
 * "nothing" at the end of the line. */
#define GOT(t) (t) ? "'" : "", (t) ? (t)->text : "nothing", (t) ? "'" : ""

/* Writes "line N: <message>" to the caller's buffer; returns -1. */
static int fail(struct parser *p, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!p->err || p->errlen == 0)
        return -1;
    n = snprintf(p->err, p->errlen, "line %u: ", p->line);
    if (n < 0 || (size_t)n >= p->errlen)
        return -1;
    va_start(ap, fmt);
    vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Copies the quoted string starting at *src (on its opening quote) onto
 * itself without the quotes; in "..." a backslash escapes " and \. Leaves
 * *src after the closing quote. Returns -1 when the quote is not closed. */
static int unquote(char **src)
{
    char quote = **src;
    char *r = *src + 1;
    char *w = *src;

    while (*r != quote) {
        if (*r == '\0')
            return -1;
        if (quote == '"' && *r == '\\' && (r[1] == '"' || r[1] == '\\'))
            r++;
        *w++ = *r++;
    }
    *w = '\0';
    *src = r + 1;
    return 0;
}

/* Splits line, in place, into words separated by blanks. '...' and "..."
 * make one word; an unquoted word starting with # ends the line. */
static int tokenize(struct parser *p, char *line)
{
    char *s = line;

    p->ntokens = 0;
    p->pos = 0;
    for (;;) {
        s += strspn(s, " \t");
        if (*s == '\0' || *s == '#')
            return 0;
        if (p->ntokens == TOKENS_MAX)
            return fail(p, "more than %d words", TOKENS_MAX);

        struct token *t = &p->tokens[p->ntokens++];
        char quote = *s;
        t->text = s;
        t->quoted = quote == '\'' || quote == '"';
        if (t->quoted && unquote(&s) < 0)
            return fail(p, "unterminated %c quote", quote);
        if (!t->quoted)
            s += strcspn(s, " \t");
        if (*s != '\0' && *s != ' ' && *s != '\t')
            return fail(p, "expected a blank after the closing quote");
        if (*s != '\0')
            *s++ = '\0';
    }
}

static const struct token *next(struct parser *p)
{
    return p->pos < p->ntokens ? &p->tokens[p->pos++] : NULL;
}

/* True when the next word is the unquoted keyword word; consumes it. */
static bool accept(struct parser *p, const char *word)
{
    const struct token *t = p->pos < p->ntokens ? &p->tokens[p->pos] : NULL;

    if (!t || t->quoted || strcmp(t->text, word) != 0)
        return false;
    p->pos++;
    return true;
}

/* Parses a decimal number without sign into out; false unless all of s
 * is digits and the value is at most max. */
static bool parse_number(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (*s == '\0')
        return false;
    for (; *s; s++) {
        uint64_t digit = (uint64_t)(*s - '0');
        if (*s < '0' || *s > '9' || digit > max || v > (max - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    *out = v;
    return true;
}

/* Takes the numeric argument of keyword, from min to max. */
static int number_arg(struct parser *p, const char *keyword, uint64_t min,
                      uint64_t max, uint64_t *out)
{
    const struct token *t = next(p);

    if (!t || !parse_number(t->text, max, out) || *out < min)
        return fail(
            p, "'%s' expects a number %" PRIu64 "..%" PRIu64 ", got %s%s%s",
            keyword, min, max, GOT(t));
    return 0;
}

/* Parses "A", "A..B" or "A.." into r. */
static bool parse_span(const char *s, struct span *r)
{
    const char *dots = strstr(s, "..");
    char lo[24];

    if (!dots)
        return parse_number(s, UINT64_MAX, &r->lo) &&
               parse_number(s, UINT64_MAX, &r->hi);
    if ((size_t)(dots - s) >= sizeof lo)
        return false;
    memcpy(lo, s, (size_t)(dots - s));
    lo[dots - s] = '\0';
    if (!parse_number(lo, UINT64_MAX, &r->lo))
        return false;
    r->hi = UINT64_MAX;
    if (dots[2] != '\0' && !parse_number(dots + 2, UINT64_MAX, &r->hi))
        return false;
    return r->lo <= r->hi;
}

/* ordinal is inclusive (N, A..B, A..); during is half-open (A..B, A..)
 * and so must not be empty. */
static int parse_span_clause(struct parser *p, const char *keyword,
                             struct span *r, bool half_open)
{
    const struct token *t = next(p);

    if (r->set)
        return fail(p, "clause '%s' given twice", keyword);
    if (!t || !parse_span(t->text, r) || (half_open && r->lo == r->hi))
        return fail(p, "'%s' expects %sA..B or A.. with A %s B, got %s%s%s",
                    keyword, half_open ? "" : "N, ",
                    half_open ? "<" : "<=", GOT(t));
    r->set = true;
    return 0;
}

static int parse_text(struct parser *p, enum text_field field, struct rule *r)
{
    const char *keyword = text_specs[field].keyword;
    struct text_clause *c = &r->text[field];
    const struct token *t;

    if (c->set)
        return fail(p, "clause '%s' given twice", keyword);
    c->negate = accept(p, "not");
    t = next(p);
    if (!t || (!t->quoted && strcmp(t->text, "->") == 0))
        return fail(p, "'%s' expects a pattern", keyword);
    if (strlen(t->text) >= sizeof c->pattern)
        return fail(p, "pattern of '%s' longer than %d characters", keyword,
                    PATTERN_MAX - 1);
    strcpy(c->pattern, t->text);
    c->set = true;
    return 0;
}

/* headers OP N, where OP is >=, <= or = and may be glued to N. */
static int parse_headers(struct parser *p, struct rule *r)
{
    const struct token *t = next(p);
    const char *rest = NULL;
    uint64_t n;

    if (r->headers_set)
        return fail(p, "clause 'headers' given twice");
    for (size_t i = 0; t && i < sizeof cmp_words / sizeof *cmp_words; i++) {
        size_t len = strlen(cmp_words[i]);
        if (strncmp(t->text, cmp_words[i], len) == 0) {
            r->headers_cmp = (enum cmp)i;
            rest = t->text + len;
        }
    }
    if (rest && *rest == '\0') {
        t = next(p);
        rest = t ? t->text : NULL;
    }
    if (!rest || !parse_number(rest, HEADERS_MAX, &n))
        return fail(p,
                    "'headers' expects >=, <= or = and a number "
                    "0..%d",
                    HEADERS_MAX);
    r->headers = (unsigned)n;
    r->headers_set = true;
    return 0;
}

/* Parses "P%", P from 0 to 100 with up to four decimals, into parts per
 * million. */
static bool parse_percent(const char *s, uint32_t *ppm)
{
    char whole[4] = "", frac[5] = "0000";
    size_t n = strspn(s, "0123456789");
    uint64_t w, f;

    if (n == 0 || n >= sizeof whole)
        return false;
    memcpy(whole, s, n);
    s += n;
    if (*s == '.') {
        n = strspn(++s, "0123456789");
        if (n == 0 || n >= sizeof frac)
            return false;
        memcpy(frac, s, n);
        s += n;
    }
    if (strcmp(s, "%") != 0 || !parse_number(whole, 100, &w) ||
        !parse_number(frac, 9999, &f) || w * 10000 + f > PPM)
        return false;
    *ppm = (uint32_t)(w * 10000 + f);
    return true;
}

static int parse_chance(struct parser *p, struct rule *r)
{
    const struct token *t = next(p);

    if (r->chance_set)
        return fail(p, "clause 'chance' given twice");
    if (!t || !parse_percent(t->text, &r->chance_ppm))
        return fail(p,
                    "'chance' expects a percentage 0%%..100%% with at "
                    "most 4 decimals, got %s%s%s",
                    GOT(t));
    r->chance_set = true;
    return 0;
}

static int parse_every(struct parser *p, struct rule *r)
{
    if (r->every)
        return fail(p, "clause 'every' given twice");
    return number_arg(p, "every", 1, UINT64_MAX, &r->every);
}

static int parse_clause(struct parser *p, struct rule *r)
{
    const struct token *t = next(p);
    const char *word = t->quoted ? "" : t->text; /* quoted: no keyword */

    for (int i = 0; i < TF_COUNT; i++)
        if (strcmp(word, text_specs[i].keyword) == 0)
            return parse_text(p, (enum text_field)i, r);
    if (strcmp(word, "headers") == 0)
        return parse_headers(p, r);
    if (strcmp(word, "ordinal") == 0)
        return parse_span_clause(p, "ordinal", &r->ordinal, false);
    if (strcmp(word, "every") == 0)
        return parse_every(p, r);
    if (strcmp(word, "chance") == 0)
        return parse_chance(p, r);
    if (strcmp(word, "during") == 0)
        return parse_span_clause(p, "during", &r->during, true);
    return fail(p,
                "unknown clause '%s' (expected ua, connection, version, "
                "method, path, edge, headers, ordinal, every, chance, "
                "during, or '->' before the action)",
                t->text);
}

/* The optional body of a status action: a quoted JSON text or the name
 * of a standard Storage error. */
static int parse_body(struct parser *p, struct rule *r)
{
    const struct token *t = next(p);
    json_t *json;

    r->body = -1;
    if (!t)
        return 0;
    for (size_t i = 0; i < BODIES_COUNT && !t->quoted; i++)
        if (strcmp(t->text, bodies[i].name) == 0)
            r->body = (int)i;
    if (r->body < 0 && !t->quoted)
        return fail(p,
                    "unknown body '%s' (expected NoSuchBucket, NoSuchKey, "
                    "SlowDown, DatabaseTimeout, ServiceUnavailable, "
                    "InternalError, AccessDenied or quoted JSON)",
                    t->text);
    if (r->body >= 0) {
        strcpy(r->action.body, bodies[r->body].json);
        return 0;
    }
    if (strlen(t->text) >= sizeof r->action.body)
        return fail(p, "body longer than %d characters", EMU_BODY_MAX - 1);
    json = json_loads(t->text, JSON_DECODE_ANY, NULL);
    if (!json)
        return fail(p, "body is not valid JSON: %s", t->text);
    json_decref(json);
    strcpy(r->action.body, t->text);
    return 0;
}

/* The argument of the action already in r->action.kind. */
static int parse_action_arg(struct parser *p, struct rule *r)
{
    struct emu_action *a = &r->action;
    uint64_t n = 0;
    int rc;

    switch (a->kind) {
    case EMU_ACT_STATUS:
        rc = number_arg(p, "status", 100, 599, &n);
        a->status = (int)n;
        return rc < 0 ? rc : parse_body(p, r);
    case EMU_ACT_DELAY:
        rc = number_arg(p, "delay", 0, DELAY_MAX_MS, &n);
        a->delay_ms = (unsigned)n;
        return rc;
    case EMU_ACT_CUT:
        return number_arg(p, "cut", 0, UINT64_MAX, &a->cut_bytes);
    case EMU_ACT_HIDE_NEW:
        rc = number_arg(p, "hide", 0, HIDE_MAX_MS, &n);
        a->hide_ms = (unsigned)n;
        return rc;
    default:
        return 0;
    }
}

static int parse_action(struct parser *p, struct rule *r)
{
    const struct token *t = next(p);

    for (int k = EMU_ACT_STATUS; t && k <= EMU_ACT_HIDE_NEW; k++)
        if (!t->quoted && strcmp(t->text, action_words[k]) == 0)
            r->action.kind = (enum emu_action_kind)k;
    if (!t)
        return fail(p, "missing action after '->' (expected status, delay, "
                       "reset, stall, cut, hide)");
    if (r->action.kind == EMU_ACT_NONE)
        return fail(p,
                    "unknown action '%s' (expected status, delay, reset, "
                    "stall, cut, hide)",
                    t->text);
    return parse_action_arg(p, r);
}

/* "name:" as the first word names the rule. */
static int parse_name(struct parser *p, struct rule *r)
{
    const struct token *t = &p->tokens[0];
    size_t len = strlen(t->text);

    if (t->quoted || len == 0 || t->text[len - 1] != ':')
        return 0;
    p->pos++;
    len--;
    if (len == 0 || len > NAME_LEN_MAX ||
        strspn(t->text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                        "0123456789_.-") != len)
        return fail(p,
                    "rule name '%.*s' is not 1..%d letters, digits, "
                    "'_', '.' or '-'",
                    (int)len, t->text, NAME_LEN_MAX);
    memcpy(r->action.rule, t->text, len);
    r->action.rule[len] = '\0';
    return 0;
}

/* Parses one line into r. Returns 1 for a rule, 0 for a blank or comment
 * line, -1 on error. */
static int parse_line(struct parser *p, char *line, struct rule *r)
{
    memset(r, 0, sizeof *r);
    r->body = -1;
    if (tokenize(p, line) < 0)
        return -1;
    if (p->ntokens == 0)
        return 0;
    if (parse_name(p, r) < 0)
        return -1;

    while (!accept(p, "->")) {
        if (p->pos == p->ntokens)
            return fail(p, "missing '->' and an action (expected status, "
                           "delay, reset, stall, cut, hide)");
        if (parse_clause(p, r) < 0)
            return -1;
    }
    if (parse_action(p, r) < 0)
        return -1;
    if (p->pos < p->ntokens)
        return fail(p, "unexpected '%s' after the action",
                    p->tokens[p->pos].text);
    return 1;
}

/* Parses every line of text into the free slots after f->count and
 * commits them together; on error f->count is left as it was. Called
 * with the lock held. */
static int add_locked(struct emu_faults *f, const char *text, struct parser *p)
{
    size_t count = f->count;
    int64_t now = emu_mono_ms() + f->clock_offset_ms;
    char line[LINE_LEN_MAX + 1];
    struct rule r;

    for (const char *s = text; *s; p->line++) {
        size_t len = strcspn(s, "\n");
        const char *end = s + len;

        if (len > 0 && s[len - 1] == '\r')
            len--;
        if (len > LINE_LEN_MAX)
            return fail(p, "longer than %d characters", LINE_LEN_MAX);
        memcpy(line, s, len);
        line[len] = '\0';
        s = *end ? end + 1 : end;

        int rc = parse_line(p, line, &r);
        if (rc < 0)
            return -1;
        if (rc == 0)
            continue;
        if (count == RULES_MAX)
            return fail(p, "more than %d rules", RULES_MAX);
        if (r.action.rule[0] == '\0')
            snprintf(r.action.rule, sizeof r.action.rule, "rule%zu", count + 1);
        r.added_ms = now;
        f->rules[count++] = r;
    }
    f->count = count;
    return 0;
}

int emu_faults_add(struct emu_faults *f, const char *text, char *err,
                   size_t errlen)
{
    struct parser p = {.line = 1, .err = err, .errlen = errlen};
    int rc;

    if (err && errlen > 0)
        err[0] = '\0';
    pthread_mutex_lock(&f->lock);
    rc = add_locked(f, text, &p);
    pthread_mutex_unlock(&f->lock);
    return rc;
}

struct emu_faults *emu_faults_new(uint64_t seed)
{
    struct emu_faults *f = calloc(1, sizeof *f);

    if (!f)
        return NULL;
    if (pthread_mutex_init(&f->lock, NULL) != 0) {
        free(f);
        return NULL;
    }
    f->seed = seed;
    f->clock_offset_ms = -emu_mono_ms();
    return f;
}

void emu_faults_free(struct emu_faults *f)
{
    if (!f)
        return;
    pthread_mutex_destroy(&f->lock);
    free(f);
}

void emu_faults_clear(struct emu_faults *f)
{
    pthread_mutex_lock(&f->lock);
    f->count = 0;
    pthread_mutex_unlock(&f->lock);
}

/* splitmix64's finalizer: spreads every input bit over the output. */
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

/* The chance draw of rule index for one request, 0..PPM-1: a function of
 * the seed, the ordinal and the index only, so thread timing cannot
 * change it. */
static uint32_t draw(uint64_t seed, uint64_t ordinal, size_t index)
{
    return (uint32_t)(mix(mix(mix(seed) ^ ordinal) ^ index) % PPM);
}

static bool text_matches(const struct text_clause *c,
                         const struct text_spec *spec,
                         const struct emu_traits *t)
{
    const char *value = *(const char *const *)((const char *)t + spec->offset);
    const char *s = c->pattern;
    char item[PATTERN_MAX];
    bool hit;

    if (!value)
        value = "";
    do {
        size_t len = spec->list ? strcspn(s, ",") : strlen(s);
        memcpy(item, s, len);
        item[len] = '\0';
        hit = fnmatch(item, value, spec->flags) == 0;
        s += len;
    } while (!hit && *s++ == ',');
    return hit != c->negate;
}

static bool in_span(const struct span *r, uint64_t v, bool half_open)
{
    return v >= r->lo && (half_open ? v < r->hi : v <= r->hi);
}

static bool headers_match(const struct rule *r, unsigned n)
{
    switch (r->headers_cmp) {
    case CMP_GE:
        return n >= r->headers;
    case CMP_LE:
        return n <= r->headers;
    default:
        return n == r->headers;
    }
}

static bool rule_matches(const struct emu_faults *f, size_t index,
                         const struct emu_traits *t)
{
    const struct rule *r = &f->rules[index];
    int64_t age = t->now_ms - r->added_ms;

    for (int i = 0; i < TF_COUNT; i++)
        if (r->text[i].set && !text_matches(&r->text[i], &text_specs[i], t))
            return false;
    if (r->headers_set && !headers_match(r, t->header_count))
        return false;
    if (r->ordinal.set && !in_span(&r->ordinal, t->ordinal, false))
        return false;
    if (r->every && t->ordinal % r->every != 0)
        return false;
    if (r->during.set && (age < 0 || !in_span(&r->during, (uint64_t)age, true)))
        return false;
    return !r->chance_set || draw(f->seed, t->ordinal, index) < r->chance_ppm;
}

enum emu_action_kind emu_faults_match(struct emu_faults *f,
                                      const struct emu_traits *t,
                                      struct emu_action *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&f->lock);
    f->clock_offset_ms = t->now_ms - emu_mono_ms();
    for (size_t i = 0; i < f->count; i++) {
        if (rule_matches(f, i, t)) {
            *out = f->rules[i].action;
            break;
        }
    }
    pthread_mutex_unlock(&f->lock);
    return out->kind;
}

/* Writes s as one quoted word of the rule language: in '...' or, when it
 * holds a ', in "..." with escapes. */
static void put_quoted(FILE *out, const char *s)
{
    if (!strchr(s, '\'')) {
        fprintf(out, " '%s'", s);
        return;
    }
    fputs(" \"", out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/* Writes s as one word of the rule language: bare when it reads back the
 * same, else quoted. */
static void put_word(FILE *out, const char *s)
{
    bool bare = *s && !strpbrk(s, " \t'\"") && *s != '#' &&
                strcmp(s, "not") != 0 && strcmp(s, "->") != 0;

    if (bare)
        fprintf(out, " %s", s);
    else
        put_quoted(out, s);
}

static void put_span(FILE *out, const char *keyword, const struct span *r)
{
    fprintf(out, " %s %" PRIu64, keyword, r->lo);
    if (r->hi == UINT64_MAX)
        fputs("..", out);
    else if (r->hi != r->lo)
        fprintf(out, "..%" PRIu64, r->hi);
}

static void put_percent(FILE *out, uint32_t ppm)
{
    char frac[8];
    size_t n;

    fprintf(out, " chance %u", ppm / 10000);
    n = (size_t)snprintf(frac, sizeof frac, "%04u", ppm % 10000);
    while (n > 0 && frac[n - 1] == '0')
        frac[--n] = '\0';
    fprintf(out, "%s%s%%", n ? "." : "", frac);
}

static void put_action(FILE *out, const struct rule *r)
{
    const struct emu_action *a = &r->action;

    fprintf(out, " -> %s", action_words[a->kind]);
    if (a->kind == EMU_ACT_STATUS)
        fprintf(out, " %d", a->status);
    if (a->kind == EMU_ACT_STATUS && r->body >= 0)
        fprintf(out, " %s", bodies[r->body].name);
    else if (a->kind == EMU_ACT_STATUS && a->body[0])
        put_quoted(out, a->body); /* bare, it would name a standard body */
    if (a->kind == EMU_ACT_DELAY)
        fprintf(out, " %u", a->delay_ms);
    if (a->kind == EMU_ACT_CUT)
        fprintf(out, " %" PRIu64, a->cut_bytes);
    if (a->kind == EMU_ACT_HIDE_NEW)
        fprintf(out, " %u", a->hide_ms);
}

static void put_text(FILE *out, const struct rule *r, enum text_field i)
{
    if (!r->text[i].set)
        return;
    fprintf(out, " %s%s", text_specs[i].keyword,
            r->text[i].negate ? " not" : "");
    put_word(out, r->text[i].pattern);
}

/* Writes r as one line, clauses in the order of docs/emulator-rules.md. */
static void put_rule(FILE *out, const struct rule *r)
{
    fprintf(out, "%s:", r->action.rule);
    put_text(out, r, TF_UA);
    put_text(out, r, TF_CONNECTION);
    if (r->headers_set)
        fprintf(out, " headers %s %u", cmp_words[r->headers_cmp], r->headers);
    for (int i = TF_VERSION; i < TF_COUNT; i++)
        put_text(out, r, (enum text_field)i);
    if (r->ordinal.set)
        put_span(out, "ordinal", &r->ordinal);
    if (r->every)
        fprintf(out, " every %" PRIu64, r->every);
    if (r->chance_set)
        put_percent(out, r->chance_ppm);
    if (r->during.set)
        put_span(out, "during", &r->during);
    put_action(out, r);
    fputc('\n', out);
}

char *emu_faults_dump(struct emu_faults *f)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    int failed;

    if (!out)
        return NULL;
    pthread_mutex_lock(&f->lock);
    for (size_t i = 0; i < f->count; i++)
        put_rule(out, &f->rules[i]);
    pthread_mutex_unlock(&f->lock);
    failed = ferror(out);
    if (fclose(out) != 0 || failed) {
        free(text);
        return NULL;
    }
    return text;
}
