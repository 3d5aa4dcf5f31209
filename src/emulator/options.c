/* Option parsing with getopt_long. Repeatable options keep pointers into
 * argv; nothing here allocates. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EMU_VERSION "0.1.0"

static const char serve_usage[] =
    "usage: bucketguard-emulator [OPTIONS]\n"
    "       bucketguard-emulator mint [--jwt-secret S] [--role ROLE]"
    " [--ref REF]\n"
    "                                 [--exp-in SECONDS | --expired]"
    " [--iat UNIX]\n"
    "\n"
    "A Supabase Storage emulator with fault rules.\n"
    "\n"
    "  --listen ADDR[=COLO]   listen on ADDR as an edge with colo COLO\n"
    "                         (repeatable; default 127.0.0.1=SJC)\n"
    "  --port N               port on every address (default 54321; 0 =\n"
    "                         a free port)\n"
    "  --prefix MODE          both, storage (/storage/v1 only) or none\n"
    "  --jwt-secret S         HS256 secret of the keys\n"
    "  --project-ref REF      ref claim of the minted keys\n"
    "  --keys-file FILE       write the URL and keys there once listening\n"
    "  --data-dir DIR         keep object bodies as files in DIR\n"
    "  --tls-cert FILE --tls-key FILE   serve HTTPS\n"
    "  --scenario NAME        load a built-in fault scenario (repeatable)\n"
    "  --rules FILE           load fault rules from FILE\n"
    "  --rule TEXT            add one fault rule (repeatable)\n"
    "  --seed N               seed of chance clauses (default 1)\n"
    "  --control              enable the /__emulator/ control endpoints\n"
    "  --bucket NAME[:public] create a bucket (repeatable)\n"
    "  --object B/KEY=TEXT|@FILE   create an object (repeatable)\n"
    "  --quiet                no key lines, no request log\n"
    "  --help, --version\n";

enum {
    OPT_LISTEN = 256,
    OPT_PORT,
    OPT_PREFIX,
    OPT_SECRET,
    OPT_REF,
    OPT_KEYS_FILE,
    OPT_DATA_DIR,
    OPT_TLS_CERT,
    OPT_TLS_KEY,
    OPT_SCENARIO,
    OPT_RULES,
    OPT_RULE,
    OPT_SEED,
    OPT_CONTROL,
    OPT_BUCKET,
    OPT_OBJECT,
    OPT_QUIET,
    OPT_HELP,
    OPT_VERSION,
    OPT_ROLE,
    OPT_EXP_IN,
    OPT_EXPIRED,
    OPT_IAT
};

static const struct option serve_options[] = {
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"port", required_argument, NULL, OPT_PORT},
    {"prefix", required_argument, NULL, OPT_PREFIX},
    {"jwt-secret", required_argument, NULL, OPT_SECRET},
    {"project-ref", required_argument, NULL, OPT_REF},
    {"keys-file", required_argument, NULL, OPT_KEYS_FILE},
    {"data-dir", required_argument, NULL, OPT_DATA_DIR},
    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
    {"tls-key", required_argument, NULL, OPT_TLS_KEY},
    {"scenario", required_argument, NULL, OPT_SCENARIO},
    {"rules", required_argument, NULL, OPT_RULES},
    {"rule", required_argument, NULL, OPT_RULE},
    {"seed", required_argument, NULL, OPT_SEED},
    {"control", no_argument, NULL, OPT_CONTROL},
    {"bucket", required_argument, NULL, OPT_BUCKET},
    {"object", required_argument, NULL, OPT_OBJECT},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static const struct option mint_options[] = {
    {"jwt-secret", required_argument, NULL, OPT_SECRET},
    {"role", required_argument, NULL, OPT_ROLE},
    {"ref", required_argument, NULL, OPT_REF},
    {"exp-in", required_argument, NULL, OPT_EXP_IN},
    {"expired", no_argument, NULL, OPT_EXPIRED},
    {"iat", required_argument, NULL, OPT_IAT},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static bool parse_int(const char *s, long long min, long long max,
                      long long *out)
{
    char *end = NULL;

    errno = 0;
    *out = strtoll(s, &end, 10);
    return errno == 0 && end != s && *end == '\0' && *out >= min && *out <= max;
}

static const char *const default_colos[] = {"SJC", "PDX", "LAX", "SEA",
                                            "DFW", "ORD", "IAD", "EWR"};

/* ADDR[=COLO]; ADDR may be an IPv6 address, in brackets or not. */
static bool parse_listen(const char *arg, struct emu_options *o)
{
    struct emu_edge_config *e = &o->edges[o->edge_count];
    const char *eq = strrchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    size_t n = o->edge_count % (sizeof(default_colos) / sizeof(*default_colos));

    if (o->edge_count == EMU_EDGES_MAX || len == 0)
        return false;
    if (arg[0] == '[' && len > 2 && arg[len - 1] == ']') {
        arg++;
        len -= 2;
    }
    if (len >= sizeof(e->address) ||
        (eq && (!eq[1] || strlen(eq + 1) >= sizeof(e->colo))))
        return false;
    memcpy(e->address, arg, len);
    e->address[len] = '\0';
    snprintf(e->colo, sizeof(e->colo), "%s", eq ? eq + 1 : default_colos[n]);
    o->edge_count++;
    return true;
}

static bool push(struct emu_list *list, const char *item)
{
    if (list->count == EMU_REPEAT_MAX)
        return false;
    list->items[list->count++] = item;
    return true;
}

static bool parse_prefix(const char *arg, enum emu_prefix *prefix)
{
    if (strcmp(arg, "both") == 0)
        *prefix = EMU_PREFIX_BOTH;
    else if (strcmp(arg, "storage") == 0)
        *prefix = EMU_PREFIX_STORAGE;
    else if (strcmp(arg, "none") == 0)
        *prefix = EMU_PREFIX_NONE;
    else
        return false;
    return true;
}

static bool apply_number(int opt, const char *arg, struct emu_options *o)
{
    long long v;

    if (opt == OPT_PORT) {
        if (!parse_int(arg, 0, 65535, &v))
            return false;
        o->port = (unsigned)v;
        return true;
    }
    if (!parse_int(arg, 0, INT64_MAX, &v))
        return false;
    o->seed = (uint64_t)v;
    return true;
}

/* Applies one serve option; false when its argument is invalid. */
static bool apply_serve(int opt, const char *arg, struct emu_options *o)
{
    switch (opt) {
    case OPT_LISTEN:
        return parse_listen(arg, o);
    case OPT_PORT:
    case OPT_SEED:
        return apply_number(opt, arg, o);
    case OPT_PREFIX:
        return parse_prefix(arg, &o->prefix);
    case OPT_SCENARIO:
        return push(&o->scenarios, arg);
    case OPT_RULE:
        return push(&o->rules, arg);
    case OPT_BUCKET:
        return push(&o->buckets, arg);
    case OPT_OBJECT:
        return push(&o->objects, arg);
    case OPT_SECRET:
        o->jwt_secret = arg;
        return *arg != '\0';
    case OPT_REF:
        o->project_ref = arg;
        return true;
    case OPT_KEYS_FILE:
        o->keys_file = arg;
        return true;
    case OPT_DATA_DIR:
        o->data_dir = arg;
        return true;
    case OPT_TLS_CERT:
        o->tls_cert = arg;
        return true;
    case OPT_TLS_KEY:
        o->tls_key = arg;
        return true;
    case OPT_RULES:
        o->rules_file = arg;
        return true;
    case OPT_CONTROL:
        o->control = true;
        return true;
    case OPT_QUIET:
        o->quiet = true;
        return true;
    default:
        return false;
    }
}

static void serve_defaults(struct emu_options *o)
{
    memset(o, 0, sizeof(*o));
    o->port = 54321;
    o->prefix = EMU_PREFIX_BOTH;
    o->jwt_secret = EMU_DEFAULT_SECRET;
    o->project_ref = "emulator";
    o->seed = 1;
}

enum emu_parse emu_options_parse(int argc, char **argv, struct emu_options *o,
                                 char *err, size_t errlen)
{
    int opt;

    serve_defaults(o);
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", serve_options, NULL)) != -1) {
        if (opt == OPT_HELP || opt == OPT_VERSION) {
            fputs(opt == OPT_HELP ? serve_usage
                                  : "bucketguard-emulator " EMU_VERSION "\n",
                  stdout);
            return EMU_PARSE_EXIT;
        }
        if (opt == '?' || !apply_serve(opt, optarg, o)) {
            snprintf(err, errlen, "invalid option or argument: %s",
                     argv[optind - 1]);
            return EMU_PARSE_USAGE;
        }
    }
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument: %s", argv[optind]);
        return EMU_PARSE_USAGE;
    }
    if (!o->tls_cert != !o->tls_key) {
        snprintf(err, errlen, "--tls-cert and --tls-key go together");
        return EMU_PARSE_USAGE;
    }
    if (o->edge_count == 0)
        parse_listen("127.0.0.1=SJC", o);
    return EMU_PARSE_OK;
}

static bool valid_role(const char *role)
{
    return strcmp(role, "anon") == 0 || strcmp(role, "service_role") == 0 ||
           strcmp(role, "authenticated") == 0;
}

static bool apply_mint(int opt, const char *arg, struct emu_mint_options *o,
                       long long *exp_in, bool *expired)
{
    long long v;

    switch (opt) {
    case OPT_SECRET:
        o->jwt_secret = arg;
        return *arg != '\0';
    case OPT_ROLE:
        o->role = arg;
        return valid_role(arg);
    case OPT_REF:
        o->ref = arg;
        return true;
    case OPT_EXP_IN:
        return parse_int(arg, 1, INT32_MAX, exp_in);
    case OPT_EXPIRED:
        *expired = true;
        return true;
    case OPT_IAT:
        if (!parse_int(arg, 0, INT64_MAX / 2, &v))
            return false;
        o->iat = v;
        return true;
    default:
        return false;
    }
}

enum emu_parse emu_mint_parse(int argc, char **argv, int64_t now,
                              struct emu_mint_options *o, char *err,
                              size_t errlen)
{
    long long exp_in = 3600;
    bool expired = false;
    int opt;

    *o = (struct emu_mint_options){EMU_DEFAULT_SECRET, "anon", "emulator", now,
                                   0};
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", mint_options, NULL)) != -1) {
        if (opt == OPT_HELP) {
            fputs(serve_usage, stdout);
            return EMU_PARSE_EXIT;
        }
        if (opt == '?' || !apply_mint(opt, optarg, o, &exp_in, &expired)) {
            snprintf(err, errlen, "invalid mint option or argument: %s",
                     argv[optind - 1]);
            return EMU_PARSE_USAGE;
        }
    }
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument: %s", argv[optind]);
        return EMU_PARSE_USAGE;
    }
    o->exp = expired ? now - 60 : now + exp_in;
    if (expired && o->iat > o->exp - 3600)
        o->iat = o->exp - 3600;
    return EMU_PARSE_OK;
}
