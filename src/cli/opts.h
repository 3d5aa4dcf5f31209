/* The bucketguard command's global options, its argument scanner, and the
 * client they configure (defaults < --config < --env-file < environment <
 * flags). */
#ifndef BG_CLI_OPTS_H
#define BG_CLI_OPTS_H

#include <stddef.h>
#include "bucketguard/bucketguard.h"

#define CLI_MAX_SETS 64
#define CLI_MAX_POS  256

/* Exit codes; documented in --help and the man page, kept stable. */
enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_NOT_FOUND = 1,
    CLI_EXIT_USAGE = 2,
    CLI_EXIT_CONFIG = 3,
    CLI_EXIT_AUTH = 4,
    CLI_EXIT_NETWORK = 5,
    CLI_EXIT_CONFLICT = 6,
    CLI_EXIT_IO = 7,
    CLI_EXIT_INTERNAL = 70
};

/* Returned by the scanner when it printed help: leave with status 0. */
#define CLI_DONE (-1)

struct cli_opts {
    const char *env_file;
    const char *config_file;
    const char *url;
    const char *route;
    const char *retries;
    const char *timeout;
    const char *deadline;
    const char *ca_bundle;
    const char *resolve;
    const char *sets[CLI_MAX_SETS]; /* "NAME=VALUE", in order given */
    size_t nsets;
    int json;
    int verbose;
    int debug;
    int quiet;
    int help;
    int version;
};

/* One run of the command: its options, the client built from them and the
 * outcome of the last attempt the client reported. */
struct cli {
    struct cli_opts opt;
    const char *cmd; /* the command's name, for messages */
    bg_client *client;
    bg_outcome last_outcome;
    unsigned events; /* attempt events seen since cli_events_reset() */
};

/* An option a command accepts besides the global ones. */
struct cli_optspec {
    const char *name; /* long name without "--" */
    char letter;      /* short name, or 0 */
    int has_arg;
    int id; /* handed to the callback */
};

/* Receives one command option; returns 0, or CLI_EXIT_USAGE after
 * printing why the value is wrong. */
typedef int cli_opt_fn(int id, const char *value, void *userdata);

/* Scans the global options in argv from *index and stops at the first
 * word that is not an option (the command), leaving *index on it. Returns
 * 0 or CLI_EXIT_USAGE (the reason and a usage line printed). */
int cli_parse_globals(struct cli_opts *g, int argc, char **argv, int *index);

/* Scans a command's arguments argv[0..argc): options in spec go to fn,
 * global options to c->opt (they are accepted after the command too; fn
 * may be NULL when spec is),
 * "-h"/"--help" prints the command's help and returns CLI_DONE, and the
 * rest are stored in pos (at most max, count in *npos); "--" ends the
 * options. Returns 0, CLI_DONE or CLI_EXIT_USAGE. */
int cli_parse(struct cli *c, int argc, char **argv,
              const struct cli_optspec *spec, cli_opt_fn *fn, void *userdata,
              char **pos, size_t max, size_t *npos);

/* Splits "BUCKET/KEY" at its first '/' into bucket (written into buf, size
 * n) and *key (pointing into s). Empty parts are refused unless
 * key_optional, in which case *key may be "". Returns 0 or
 * CLI_EXIT_USAGE after printing the reason. */
int cli_split(const struct cli *c, const char *s, char *buf, size_t n,
              const char **key, int key_optional);

/* Parses a decimal number into *out, refusing signs, blanks and values
 * over max. Returns 0 or -1. */
int cli_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* Builds the configuration from its sources in precedence order (config
 * file, env file, environment, flags), validated, with the log and event
 * callbacks installed; *out is the caller's to free. Returns 0 or an exit
 * code after printing a one-line error. */
int cli_config(struct cli *c, bg_config **out);

/* Builds c->client from the configuration sources in precedence order and
 * installs the log and event callbacks. Returns 0 or an exit code after
 * printing a one-line error. */
int cli_connect(struct cli *c);

/* Forgets the outcome seen so far, before a call whose outcome matters. */
void cli_events_reset(struct cli *c);

/* Prints "bucketguard: CMD: message" and the command's usage line to
 * stderr; returns CLI_EXIT_USAGE. Implemented with the command table. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints the help of command cmd (NULL: the overview) to stdout. Returns
 * 0, or CLI_EXIT_USAGE when there is no such command. */
int cli_help(const char *cmd);

#endif
