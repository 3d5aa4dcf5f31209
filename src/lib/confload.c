/* Where settings come from besides bg_config_set: the process environment,
 * dotenv files holding the same variables, and bucketguard's own config
 * files with their sections. Each source applies its settings in order, so
 * the caller's order of sources decides which one wins. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "confval.h"

/* Finds a variable of one source; *where names it for error messages
 * ("environment variable X" or "FILE:LINE"). NULL when unset. */
typedef const char *lookup_fn(void *source, const char *var, char *where,
                              size_t wn);

/* Prefixes cfg->err with where the failed value came from. */
static bg_result located(struct bg_config *cfg, const char *where,
                         bg_result result)
{
    char line[sizeof(cfg->err) + 320];
    size_t len;

    if (result == BG_OK)
        return BG_OK;
    len = (size_t)snprintf(line, sizeof(line), "%s: %s", where, cfg->err);
    if (len >= sizeof(cfg->err))
        len = sizeof(cfg->err) - 1;
    memcpy(cfg->err, line, len);
    cfg->err[len] = '\0';
    return result;
}

/* The first of vars that is set and not empty, NULL when none is. */
static const char *first_set(lookup_fn *lookup, void *source,
                             const char *const *vars, char *where, size_t wn)
{
    const char *v;

    for (; *vars != NULL; vars++) {
        v = lookup(source, *vars, where, wn);
        if (v != NULL && *v != '\0')
            return v;
    }
    return NULL;
}

static bg_result apply_supabase(struct bg_config *cfg, lookup_fn *lookup,
                                void *source)
{
    static const char *const url[] = {"SUPABASE_URL", NULL};
    static const char *const service[] = {"SUPABASE_SERVICE_ROLE_KEY",
                                          "SUPABASE_SERVICE_KEY",
                                          "SUPABASE_SECRET_KEY", NULL};
    static const char *const anon[] = {"SUPABASE_ANON_KEY",
                                       "SUPABASE_PUBLISHABLE_KEY", NULL};
    static const char *const *const vars[] = {url, service, anon};
    static const char *const names[] = {"url", "service_key", "anon_key"};
    char where[300];
    const char *v;
    size_t i;
    bg_result result;

    for (i = 0; i < 3; i++) {
        v = first_set(lookup, source, vars[i], where, sizeof(where));
        if (v == NULL)
            continue;
        result = bg_config_set(cfg, names[i], v);
        if (result != BG_OK)
            return located(cfg, where, result);
    }
    return BG_OK;
}

/* BUCKETGUARD_DISABLE: any value but an explicit "off" turns every retry
 * and failover off, so an operator can fall back in an emergency. */
static bg_result apply_disable(struct bg_config *cfg, lookup_fn *lookup,
                               void *source)
{
    char where[300];
    const char *v = lookup(source, "BUCKETGUARD_DISABLE", where, sizeof(where));

    if (v == NULL || *v == '\0')
        return BG_OK;
    cfg->kill_switch = bg__parse_bool(v) != 0;
    return BG_OK;
}

/* BUCKETGUARD_<NAME> for every plain setting, '.' written as '_'. */
static bg_result apply_bucketguard(struct bg_config *cfg, lookup_fn *lookup,
                                   void *source)
{
    char var[64], where[300];
    const char *name, *v;
    size_t i, k;
    bg_result result;

    for (i = 0; (name = bg__config_setting_name(i)) != NULL; i++) {
        k = (size_t)snprintf(var, sizeof(var), "BUCKETGUARD_");
        for (; *name != '\0' && k + 1 < sizeof(var); name++)
            var[k++] = *name == '.' ? '_' : (char)toupper((unsigned char)*name);
        var[k] = '\0';

        v = lookup(source, var, where, sizeof(where));
        if (v == NULL || *v == '\0')
            continue;
        result = bg_config_set(cfg, bg__config_setting_name(i), v);
        if (result != BG_OK)
            return located(cfg, where, result);
    }
    return BG_OK;
}

/* Applies one source's variables: Supabase's own names first, so that the
 * more specific BUCKETGUARD_* names override them. */
static bg_result apply_vars(struct bg_config *cfg, lookup_fn *lookup,
                            void *source)
{
    bg_result result = apply_supabase(cfg, lookup, source);

    if (result == BG_OK)
        result = apply_disable(cfg, lookup, source);
    if (result == BG_OK)
        result = apply_bucketguard(cfg, lookup, source);
    return result;
}

static const char *env_lookup(void *source, const char *var, char *where,
                              size_t wn)
{
    (void)source;
    snprintf(where, wn, "environment variable %s", var);
    return getenv(var);
}

BG_API bg_result bg_config_load_env(bg_config *cfg)
{
    if (cfg == NULL)
        return BG_E_USAGE;
    return apply_vars(cfg, env_lookup, NULL);
}

/* ---- Line-oriented files ----------------------------------------------- */

/* Handles one line (without its line ending) of a file. */
typedef bg_result line_fn(struct bg_config *cfg, void *state, char *line,
                          const char *where);

/* Calls fn for every line of path. The buffer is wiped: lines may hold
 * keys. */
static bg_result read_lines(struct bg_config *cfg, const char *path,
                            line_fn *fn, void *state)
{
    FILE *f;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned lineno = 0;
    char where[300];
    bg_result result = BG_OK;

    if (cfg == NULL || path == NULL)
        return BG_E_USAGE;
    f = fopen(path, "r");
    if (f == NULL) {
        snprintf(cfg->err, sizeof(cfg->err), "%s: cannot read: %s", path,
                 strerror(errno));
        return BG_E_IO;
    }
    while (result == BG_OK && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        if (len > 0 && line[len - 1] == '\r')
            line[--len] = '\0';
        snprintf(where, sizeof(where), "%s:%u", path, lineno);
        /* A NUL would hide the rest of the line from the parser. */
        if (memchr(line, '\0', (size_t)len) != NULL) {
            snprintf(cfg->err, sizeof(cfg->err), "%.200s: a NUL byte", where);
            result = BG_E_CONFIG;
            break;
        }
        result = fn(cfg, state, line, where);
    }
    if (result == BG_OK && ferror(f)) {
        snprintf(cfg->err, sizeof(cfg->err), "%s: read error", path);
        result = BG_E_IO;
    } else if (result == BG_OK && !feof(f)) {
        /* getline stopped short of the end: it could not grow its line. */
        snprintf(cfg->err, sizeof(cfg->err), "out of memory");
        result = BG_E_NOMEM;
    }
    if (line != NULL)
        explicit_bzero(line, cap);
    free(line);
    fclose(f);
    return result;
}

static bg_result syntax_error(struct bg_config *cfg, const char *where,
                              const char *what)
{
    /* A long file name may cut the message; one line is still one line. */
    if (snprintf(cfg->err, sizeof(cfg->err), "%s: %s", where, what) < 0)
        cfg->err[0] = '\0';
    return BG_E_CONFIG;
}

static char *skip_blanks(char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* ---- dotenv files --------------------------------------------------------
 */

struct env_var {
    char *name, *value;
    char where[300];
};

struct env_file {
    struct env_var *v;
    size_t n, cap;
};

/* Unquotes a value in place from its opening quote q. Double quotes know
 * \n, \" and \\. Returns the end of the quoted part, NULL when the closing
 * quote is missing. */
static char *unquote(char *q)
{
    char quote = *q, *in = q + 1, *out = q;

    for (; *in != quote; in++) {
        if (*in == '\0')
            return NULL;
        /* in[1] may be the terminator, which strchr() would find. */
        if (quote == '"' && *in == '\\' && in[1] != '\0' &&
            strchr("n\"\\", in[1]) != NULL) {
            in++;
            *out++ = *in == 'n' ? '\n' : *in;
        } else {
            *out++ = *in;
        }
    }
    *out = '\0';
    return in + 1;
}

/* Splits one dotenv line into *name and *value (both inside line). Returns
 * 1 for a variable, 0 for a blank or comment line, -1 for bad syntax and
 * -2 for a missing closing quote. */
static int parse_env_line(char *line, char **name, char **value)
{
    char *p = skip_blanks(line), *end;
    size_t len;

    if (*p == '\0' || *p == '#')
        return 0;
    if (strncmp(p, "export", 6) == 0 && (p[6] == ' ' || p[6] == '\t'))
        p = skip_blanks(p + 6);
    if (!isalpha((unsigned char)*p) && *p != '_')
        return -1;
    *name = p;
    while (isalnum((unsigned char)*p) || *p == '_')
        p++;
    end = p;
    p = skip_blanks(p);
    if (*p != '=')
        return -1;
    *end = '\0';
    *value = p = skip_blanks(p + 1);

    if (*p == '"' || *p == '\'') {
        end = unquote(p);
        if (end == NULL)
            return -2;
        end = skip_blanks(end);
        return *end == '\0' || *end == '#' ? 1 : -1;
    }

    /* Unquoted: a '#' after a blank starts a comment. */
    for (end = p; *end != '\0'; end++) {
        if (*end == '#' && (end == p || end[-1] == ' ' || end[-1] == '\t'))
            break;
    }
    len = (size_t)(end - p);
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    p[len] = '\0';
    return 1;
}

static bg_result env_line(struct bg_config *cfg, void *state, char *line,
                          const char *where)
{
    struct env_file *ef = state;
    struct env_var *grown, *var;
    char *name = NULL, *value = NULL;
    int kind = parse_env_line(line, &name, &value);

    if (kind == 0)
        return BG_OK;
    if (kind < 0)
        return syntax_error(cfg, where,
                            kind == -2 ? "missing closing quote"
                                       : "expected KEY=value");

    if (ef->n == ef->cap) {
        size_t cap = ef->cap > 0 ? ef->cap * 2 : 16;
        grown = realloc(ef->v, cap * sizeof(*grown));
        if (grown == NULL)
            return bg__cfg_nomem(cfg);
        ef->v = grown;
        ef->cap = cap;
    }
    var = &ef->v[ef->n];
    var->name = strdup(name);
    var->value = strdup(value);
    snprintf(var->where, sizeof(var->where), "%s", where);
    ef->n++;
    if (var->name == NULL || var->value == NULL)
        return bg__cfg_nomem(cfg);
    return BG_OK;
}

/* The last assignment of var in the file wins, as in a shell. */
static const char *file_lookup(void *source, const char *var, char *where,
                               size_t wn)
{
    struct env_file *ef = source;
    size_t i;

    for (i = ef->n; i-- > 0;) {
        if (strcmp(ef->v[i].name, var) == 0) {
            snprintf(where, wn, "%s", ef->v[i].where);
            return ef->v[i].value;
        }
    }
    return NULL;
}

BG_API bg_result bg_config_load_env_file(bg_config *cfg, const char *path)
{
    struct env_file ef = {NULL, 0, 0};
    size_t i;
    bg_result result;

    result = read_lines(cfg, path, env_line, &ef);
    if (result == BG_OK)
        result = apply_vars(cfg, file_lookup, &ef);

    for (i = 0; i < ef.n; i++) {
        free(ef.v[i].name);
        if (ef.v[i].value != NULL)
            explicit_bzero(ef.v[i].value, strlen(ef.v[i].value));
        free(ef.v[i].value);
    }
    free(ef.v);
    return result;
}

/* ---- Config files ------------------------------------------------------ */

/* The prefix that the current section gives to setting names. */
struct section {
    char prefix[64];
};

static bg_result section_line(struct bg_config *cfg, struct section *sec,
                              char *p, const char *where)
{
    size_t len = strlen(p);
    char *name;

    if (p[len - 1] != ']')
        return syntax_error(cfg, where, "expected [section]");
    p[len - 1] = '\0';
    p = skip_blanks(p + 1);
    len = strlen(p);
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        p[--len] = '\0';

    if (strcmp(p, "retry") == 0) {
        sec->prefix[0] = '\0';
    } else if (strcmp(p, "health") == 0) {
        snprintf(sec->prefix, sizeof(sec->prefix), "health.");
    } else if (strncmp(p, "route", 5) == 0 && (p[5] == ' ' || p[5] == '\t')) {
        name = skip_blanks(p + 5);
        if (!bg__route_name_valid(name, strlen(name)))
            return syntax_error(cfg, where, "invalid route name in [route]");
        snprintf(sec->prefix, sizeof(sec->prefix), "route.%s.", name);
    } else {
        return syntax_error(cfg, where,
                            "unknown section (expected [route NAME], "
                            "[retry] or [health])");
    }
    return BG_OK;
}

static bg_result conf_line(struct bg_config *cfg, void *state, char *line,
                           const char *where)
{
    struct section *sec = state;
    char *p = skip_blanks(line), *eq, *value;
    char name[160];
    size_t len;

    if (*p == '\0' || *p == '#' || *p == ';')
        return BG_OK;
    if (*p == '[')
        return section_line(cfg, sec, p, where);

    eq = strchr(p, '=');
    len = eq != NULL ? (size_t)(eq - p) : 0;
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    if (len == 0)
        return syntax_error(cfg, where, "expected name = value");
    snprintf(name, sizeof(name), "%s%.*s", sec->prefix, (int)len, p);

    /* Quotes around a value are syntax here, not a hygiene problem. */
    value = skip_blanks(eq + 1);
    len = strlen(value);
    while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
        value[--len] = '\0';
    if (len >= 2 && (value[0] == '"' || value[0] == '\'') &&
        value[len - 1] == value[0]) {
        value[len - 1] = '\0';
        value++;
    }
    return located(cfg, where, bg_config_set(cfg, name, value));
}

BG_API bg_result bg_config_load_file(bg_config *cfg, const char *path)
{
    struct section sec = {""};

    return read_lines(cfg, path, conf_line, &sec);
}
