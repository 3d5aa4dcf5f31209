/* Global options and argument scanning of the bucketguard command, and the
 * construction of its client from every configuration source. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "opts.h"
#include "out.h"

enum global_id {
    G_ENV_FILE = 1000,
    G_CONFIG,
    G_URL,
    G_ROUTE,
    G_RETRIES,
    G_TIMEOUT,
    G_DEADLINE,
    G_CA_BUNDLE,
    G_RESOLVE,
    G_SET,
    G_JSON,
    G_VERBOSE,
    G_DEBUG,
    G_QUIET,
    G_HELP,
    G_VERSION
};

static const struct cli_optspec globals[] = {{"env-file", 0, 1, G_ENV_FILE},
                                             {"config", 0, 1, G_CONFIG},
                                             {"url", 0, 1, G_URL},
                                             {"route", 0, 1, G_ROUTE},
                                             {"retries", 0, 1, G_RETRIES},
                                             {"timeout", 0, 1, G_TIMEOUT},
                                             {"deadline", 0, 1, G_DEADLINE},
                                             {"ca-bundle", 0, 1, G_CA_BUNDLE},
                                             {"resolve", 0, 1, G_RESOLVE},
                                             {"set", 0, 1, G_SET},
                                             {"json", 0, 0, G_JSON},
                                             {"verbose", 'v', 0, G_VERBOSE},
                                             {"debug", 0, 0, G_DEBUG},
                                             {"quiet", 'q', 0, G_QUIET},
                                             {"help", 'h', 0, G_HELP},
                                             {"version", 0, 0, G_VERSION},
                                             {NULL, 0, 0, 0}};

int cli_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    unsigned long long v;

    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

static int positive_seconds(const char *s)
{
    char *end = NULL;
    double v;

    if (s == NULL || *s == '\0')
        return 0;
    errno = 0;
    v = strtod(s, &end);
    return errno == 0 && *end == '\0' && isfinite(v) && v > 0;
}

/* Keys stay out of argv (ps, shell history, crash reports), so no setting
 * whose name ends in "key" may be given on the command line. */
static int names_a_key(const char *setting, size_t len)
{
    return len >= 3 && strncmp(setting + len - 3, "key", 3) == 0;
}

static int set_pair(struct cli_opts *g, const char *cmd, const char *v)
{
    const char *eq = strchr(v, '=');

    if (eq == NULL || eq == v)
        return cli_usage_error(cmd, "--set wants NAME=VALUE, not '%s'", v);
    if (names_a_key(v, (size_t)(eq - v)))
        return cli_usage_error(cmd,
                               "keys are not accepted on the command line; "
                               "use the environment, --env-file or --config");
    if (g->nsets == CLI_MAX_SETS)
        return cli_usage_error(cmd, "too many --set options");
    g->sets[g->nsets++] = v;
    return 0;
}

static int set_global(struct cli_opts *g, const char *cmd, int id,
                      const char *v)
{
    uint64_t n;

    switch (id) {
    case G_ENV_FILE:
        g->env_file = v;
        break;
    case G_CONFIG:
        g->config_file = v;
        break;
    case G_URL:
        g->url = v;
        break;
    case G_ROUTE:
        g->route = v;
        break;
    case G_CA_BUNDLE:
        g->ca_bundle = v;
        break;
    case G_RESOLVE:
        g->resolve = v;
        break;
    case G_JSON:
        g->json = 1;
        break;
    case G_VERBOSE:
        g->verbose = 1;
        break;
    case G_DEBUG:
        g->debug = 1;
        break;
    case G_QUIET:
        g->quiet = 1;
        break;
    case G_HELP:
        g->help = 1;
        break;
    case G_VERSION:
        g->version = 1;
        break;
    case G_SET:
        return set_pair(g, cmd, v);
    case G_RETRIES:
        if (cli_parse_u64(v, 1000, &n) != 0)
            return cli_usage_error(cmd, "--retries wants a count, not '%s'", v);
        g->retries = v;
        break;
    case G_TIMEOUT:
    case G_DEADLINE:
        if (!positive_seconds(v))
            return cli_usage_error(cmd, "--%s wants seconds, not '%s'",
                                   id == G_TIMEOUT ? "timeout" : "deadline", v);
        *(id == G_TIMEOUT ? &g->timeout : &g->deadline) = v;
        break;
    default:
        return CLI_EXIT_INTERNAL;
    }
    return 0;
}

static const struct cli_optspec *find_long(const struct cli_optspec *spec,
                                           const char *name, size_t len)
{
    for (; spec != NULL && spec->name != NULL; spec++)
        if (strlen(spec->name) == len && strncmp(spec->name, name, len) == 0)
            return spec;
    return NULL;
}

static const struct cli_optspec *find_short(const struct cli_optspec *spec,
                                            char letter)
{
    for (; spec != NULL && spec->name != NULL; spec++)
        if (spec->letter != 0 && spec->letter == letter)
            return spec;
    return NULL;
}

static int unknown_option(const char *cmd, const char *arg)
{
    if (strstr(arg, "key") != NULL)
        return cli_usage_error(cmd,
                               "unknown option '%s' (keys are not accepted "
                               "on the command line; use the environment, "
                               "--env-file or --config)",
                               arg);
    return cli_usage_error(cmd, "unknown option '%s'", arg);
}

/* Finds the option argv[*i] names, in spec first, then among the globals;
 * sets *value from "=VALUE", an attached short value or the next word. */
static const struct cli_optspec *take_option(const char *cmd,
                                             const struct cli_optspec *spec,
                                             int argc, char **argv, int *i,
                                             const char **value, int *status)
{
    const char *arg = argv[*i], *inline_value = NULL;
    const struct cli_optspec *o;

    if (arg[1] == '-') {
        size_t len = strcspn(arg + 2, "=");
        if (arg[2 + len] == '=')
            inline_value = arg + 3 + len;
        o = find_long(spec, arg + 2, len);
        if (o == NULL)
            o = find_long(globals, arg + 2, len);
    } else {
        if (arg[2] != '\0')
            inline_value = arg + 2;
        o = find_short(spec, arg[1]);
        if (o == NULL)
            o = find_short(globals, arg[1]);
    }

    *status = 0;
    if (o == NULL) {
        *status = unknown_option(cmd, arg);
    } else if (!o->has_arg && inline_value != NULL) {
        *status = cli_usage_error(cmd, "option '--%s' takes no value", o->name);
    } else if (o->has_arg && inline_value == NULL && *i + 1 >= argc) {
        *status = cli_usage_error(cmd, "option '--%s' needs a value", o->name);
    } else if (o->has_arg) {
        *value = inline_value != NULL ? inline_value : argv[++*i];
    }
    return *status == 0 ? o : NULL;
}

static int is_option(const char *arg)
{
    return arg[0] == '-' && arg[1] != '\0';
}

int cli_parse_globals(struct cli_opts *g, int argc, char **argv, int *index)
{
    int i, status;

    for (i = *index; i < argc && is_option(argv[i]); i++) {
        const char *value = NULL;
        const struct cli_optspec *o;

        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        o = take_option(NULL, NULL, argc, argv, &i, &value, &status);
        if (o == NULL)
            return status;
        status = set_global(g, NULL, o->id, value);
        if (status != 0)
            return status;
    }
    *index = i;
    return 0;
}

int cli_parse(struct cli *c, int argc, char **argv,
              const struct cli_optspec *spec, cli_opt_fn *fn, void *userdata,
              char **pos, size_t max, size_t *npos)
{
    int i, status = 0, options = 1;

    *npos = 0;
    for (i = 0; i < argc && status == 0; i++) {
        const char *value = NULL;
        const struct cli_optspec *o;

        if (!options || !is_option(argv[i])) {
            if (*npos == max)
                return cli_usage_error(c->cmd, "too many arguments");
            pos[(*npos)++] = argv[i];
            continue;
        }
        if (strcmp(argv[i], "--") == 0) {
            options = 0;
            continue;
        }
        o = take_option(c->cmd, spec, argc, argv, &i, &value, &status);
        if (o == NULL)
            return status;
        if (o->id == G_HELP)
            return cli_help(c->cmd) == 0 ? CLI_DONE : CLI_EXIT_USAGE;
        if (o->id >= G_ENV_FILE)
            status = set_global(&c->opt, c->cmd, o->id, value);
        else
            status = fn(o->id, value, userdata);
    }
    return status;
}

int cli_split(const struct cli *c, const char *s, char *buf, size_t n,
              const char **key, int key_optional)
{
    const char *slash = strchr(s, '/');
    size_t blen = slash != NULL ? (size_t)(slash - s) : strlen(s);

    if (blen == 0)
        return cli_usage_error(c->cmd, "'%s': the bucket name is empty", s);
    if (blen >= n)
        return cli_usage_error(c->cmd, "'%s': the bucket name is too long", s);
    if (!key_optional && slash == NULL)
        return cli_usage_error(c->cmd, "'%s': wants BUCKET/KEY", s);
    if (!key_optional && slash[1] == '\0')
        return cli_usage_error(c->cmd, "'%s': the key is empty", s);
    memcpy(buf, s, blen);
    buf[blen] = '\0';
    *key = slash != NULL ? slash + 1 : "";
    return 0;
}

static void on_event(const bg_event *ev, void *userdata)
{
    struct cli *c = userdata;

    c->last_outcome = ev->outcome;
    c->events++;
}

void cli_events_reset(struct cli *c)
{
    c->last_outcome = BG_OUTCOME_OK;
    c->events = 0;
}

/* Every failure while configuring is a configuration error (a file that
 * cannot be read included) unless memory ran out. */
static int config_failed(const struct cli *c, bg_result r, const char *what,
                         const char *detail)
{
    if (r == BG_E_NOMEM) {
        out_errorf(c->cmd, "out of memory");
        return CLI_EXIT_INTERNAL;
    }
    if (detail == NULL || *detail == '\0')
        detail = bg_strerror(r);
    /* The library's detail may already name the source ("FILE:LINE: ...")
     * or say what failed ("invalid configuration: ..."). */
    if (what == NULL || strncmp(detail, what, strlen(what)) == 0)
        out_errorf(c->cmd, "%s", detail);
    else
        out_errorf(c->cmd, "%s: %s", what, detail);
    return CLI_EXIT_CONFIG;
}

static int load_sources(const struct cli *c, bg_config *cfg)
{
    const struct cli_opts *g = &c->opt;
    bg_result r;

    if (g->config_file != NULL) {
        r = bg_config_load_file(cfg, g->config_file);
        if (r != BG_OK)
            return config_failed(c, r, g->config_file, bg_config_error(cfg));
    }
    if (g->env_file != NULL) {
        r = bg_config_load_env_file(cfg, g->env_file);
        if (r != BG_OK)
            return config_failed(c, r, g->env_file, bg_config_error(cfg));
    }
    r = bg_config_load_env(cfg);
    if (r != BG_OK)
        return config_failed(c, r, "environment", bg_config_error(cfg));
    return 0;
}

static int apply_flags(const struct cli *c, bg_config *cfg)
{
    const struct cli_opts *g = &c->opt;
    const struct {
        const char *flag, *setting, *value;
    } flags[] = {
        {"--url", "url", g->url},
        {"--route", "routes", g->route},
        {"--retries", "retries", g->retries},
        {"--timeout", "attempt_timeout", g->timeout},
        {"--deadline", "deadline", g->deadline},
        {"--ca-bundle", "ca_bundle", g->ca_bundle},
        {"--resolve", "resolve", g->resolve},
    };
    char name[128];
    size_t i;
    bg_result r;

    for (i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        if (flags[i].value == NULL)
            continue;
        r = bg_config_set(cfg, flags[i].setting, flags[i].value);
        if (r != BG_OK)
            return config_failed(c, r, flags[i].flag, bg_config_error(cfg));
    }
    for (i = 0; i < g->nsets; i++) {
        const char *eq = strchr(g->sets[i], '=');
        size_t len = (size_t)(eq - g->sets[i]);

        if (len >= sizeof name)
            len = sizeof name - 1;
        memcpy(name, g->sets[i], len);
        name[len] = '\0';
        r = bg_config_set(cfg, name, eq + 1);
        if (r != BG_OK)
            return config_failed(c, r, "--set", bg_config_error(cfg));
    }
    return 0;
}

static bg_log_level log_level(const struct cli_opts *g)
{
    if (g->debug)
        return BG_LOG_DEBUG;
    if (g->verbose)
        return BG_LOG_INFO;
    return g->quiet ? BG_LOG_ERROR : BG_LOG_WARN;
}

int cli_config(struct cli *c, bg_config **out)
{
    bg_config *cfg = bg_config_new();
    int result;
    bg_result r;

    *out = NULL;
    if (cfg == NULL) {
        out_errorf(c->cmd, "out of memory");
        return CLI_EXIT_INTERNAL;
    }
    bg_config_set_log(cfg, out_log, NULL, log_level(&c->opt));
    bg_config_set_event_cb(cfg, on_event, c);

    result = load_sources(c, cfg);
    if (result == 0)
        result = apply_flags(c, cfg);
    if (result == 0) {
        r = bg_config_validate(cfg);
        if (r != BG_OK)
            result = config_failed(c, r, NULL, bg_config_error(cfg));
    }
    if (result != 0) {
        bg_config_free(cfg);
        return result;
    }
    *out = cfg;
    return 0;
}

int cli_connect(struct cli *c)
{
    bg_config *cfg;
    int result;
    bg_result r;

    result = cli_config(c, &cfg);
    if (result != 0)
        return result;
    r = bg_client_new(cfg, &c->client);
    if (r != BG_OK)
        result = config_failed(c, r, "configuration", bg_client_error());
    bg_config_free(cfg);
    return result;
}
