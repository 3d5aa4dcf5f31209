/* Command line of bucketguard-emulator: the serve options and the mint
 * subcommand's options. */
#ifndef EMU_OPTIONS_H
#define EMU_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "server.h"

#define EMU_EDGES_MAX  16
#define EMU_REPEAT_MAX 64
#define EMU_DEFAULT_SECRET                                                     \
    "super-secret-jwt-token-with-at-least-32-characters-long"

/* A repeatable option: pointers into argv. */
struct emu_list {
    const char *items[EMU_REPEAT_MAX];
    size_t count;
};

struct emu_options {
    struct emu_edge_config edges[EMU_EDGES_MAX];
    size_t edge_count;
    unsigned port;
    enum emu_prefix prefix;
    const char *jwt_secret;
    const char *project_ref;
    const char *keys_file;
    const char *data_dir;
    const char *tls_cert;
    const char *tls_key;
    struct emu_list scenarios;
    const char *rules_file;
    struct emu_list rules;
    uint64_t seed;
    bool control;
    struct emu_list buckets;
    struct emu_list objects;
    bool quiet;
};

struct emu_mint_options {
    const char *jwt_secret;
    const char *role;
    const char *ref;
    int64_t iat;
    int64_t exp;
};

enum emu_parse {
    EMU_PARSE_OK = 0,
    EMU_PARSE_EXIT, /* --help or --version was printed */
    EMU_PARSE_USAGE /* a one-line message is in err */
};

/* Parses the serve options (argv[0] is the program). */
enum emu_parse emu_options_parse(int argc, char **argv, struct emu_options *o,
                                 char *err, size_t errlen);

/* Parses "mint" options (argv[0] is "mint"); now is the unix time. */
enum emu_parse emu_mint_parse(int argc, char **argv, int64_t now,
                              struct emu_mint_options *o, char *err,
                              size_t errlen);

#endif
