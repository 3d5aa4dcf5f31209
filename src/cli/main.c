/* The bucketguard command: global options, dispatch to a subcommand, help
 * and the exit status of the whole run. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "opts.h"
#include "out.h"

struct command {
    const char *name;
    cli_cmd_fn *fn;
    const char *args;    /* the usage line after the name */
    const char *summary; /* one line for the overview */
    const char *details; /* the command's own options, or NULL */
};

static const struct command commands[] = {
    {"get", cmd_get, "BUCKET/KEY [-o FILE]",
     "download an object to stdout or, atomically, to a file",
     "  -o, --output FILE  write to FILE atomically (temporary file, length\n"
     "                     check, fsync, rename); '-' is stdout\n"
     "With --json, -o is needed: stdout then carries the JSON report.\n"},
    {"put", cmd_put,
     "FILE BUCKET/KEY [--upsert] [--put] [--content-type T] "
     "[--cache-control C]",
     "upload a file",
     "  --upsert           replace an existing object\n"
     "  --put              send PUT instead of POST\n"
     "  --content-type T   content type (default application/octet-stream)\n"
     "  --cache-control C  cache-control value stored with the object\n"},
    {"exists", cmd_exists, "BUCKET/KEY",
     "print yes or no; exit 0 when the object exists, 1 when missing", NULL},
    {"info", cmd_info, "BUCKET/KEY", "print an object's metadata", NULL},
    {"ls", cmd_ls,
     "BUCKET[/PREFIX] [--limit N] [--offset N] [--sort COLUMN] [--desc]",
     "list objects and folders",
     "  --limit N        at most N entries (default 100)\n"
     "  --offset N       skip the first N entries\n"
     "  --sort COLUMN    name, created_at, updated_at or last_accessed_at\n"
     "  --desc           sort in descending order\n"},
    {"rm", cmd_rm, "BUCKET/KEY...",
     "delete objects (several keys of one bucket)", NULL},
    {"cp", cmd_cp, "BUCKET/KEY [BUCKET2/]KEY2",
     "copy an object; a destination without '/' stays in the bucket", NULL},
    {"mv", cmd_mv, "BUCKET/KEY [BUCKET2/]KEY2",
     "move an object; a destination without '/' stays in the bucket", NULL},
    {"sign", cmd_sign, "BUCKET/KEY... [--expires SECONDS]",
     "print signed URLs (secrets: they are printed nowhere else)",
     "  --expires SECONDS  validity of the URLs (default 3600)\n"},
    {"buckets", cmd_buckets,
     "[create ID [--public] [--size-limit N] [--mime TYPES] | delete ID | "
     "get ID]",
     "list buckets, or create, delete or show one",
     "  --public           create a public bucket\n"
     "  --size-limit N     largest object in bytes\n"
     "  --mime TYPES       allowed content types, comma-separated\n"},
    {"routes", cmd_routes, "BUCKET/KEY",
     "probe an object once on every route and tabulate the answers",
     "Exit status 0 when at least one route reached the object.\n"},
    {"monitor", cmd_monitor,
     "[BUCKET/KEY] [--interval S] [--route-interval S] [--metrics-file F | "
     "--no-metrics-file] [--metrics-every S] [--listen ADDR:PORT | "
     "--no-http] [--token-file F] [--count N]",
     "probe an object on an interval; serve health and metrics",
     "The probe object defaults to BUCKETGUARD_PROBE_OBJECT; the endpoints'\n"
     "bearer token comes from BUCKETGUARD_MONITOR_TOKEN or --token-file.\n"},
    {"health", cmd_health, "[BUCKET/KEY]",
     "probe an object once and print the health answer", NULL},
    {"verify", cmd_verify, "[BUCKET/KEY] [--count N]",
     "verify a deployment end to end, check by check",
     "  --count N          existence checks for the performance check "
     "(default 10)\n"
     "The object defaults to BUCKETGUARD_PROBE_OBJECT. Exit status 0 only "
     "when\nevery check passes, 1 when one fails.\n"},
    {"diagnose", cmd_diagnose, "BUCKET/KEY | URL",
     "find why access to an object fails, and say how to fix it",
     "The argument may be the Storage URL the worker uses (.../object/\n"
     "[public/|authenticated/]BUCKET/KEY); its query is ignored. Causes "
     "carry\nstable identifiers (see docs/diagnose.md). Exit status 0 when "
     "no\nproblem is found, 1 when a cause is named.\n"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const char global_help[] =
    "Global options (also accepted after the command):\n"
    "  --env-file FILE    read SUPABASE_* and BUCKETGUARD_* from a dotenv "
    "file\n"
    "  --config FILE      read a bucketguard config file\n"
    "  --url URL          Supabase project or Storage URL\n"
    "  --route NAME       use only this route\n"
    "  --retries N        rounds after the first\n"
    "  --timeout S        seconds per attempt\n"
    "  --deadline S       seconds for the whole call\n"
    "  --ca-bundle FILE   CA certificates to trust\n"
    "  --resolve HOST:PORT:ADDR[,ADDR]  pin a host to addresses\n"
    "  --set NAME=VALUE   any configuration setting (repeatable)\n"
    "  --json             print one JSON document with the call's report\n"
    "  -v, --verbose      log at info level\n"
    "  --debug            log every attempt (debug level)\n"
    "  -q, --quiet        only errors\n"
    "  -h, --help         help; --version prints the version\n"
    "Precedence: defaults < --config < --env-file < environment < options.\n"
    "Keys are not accepted as options, to keep them out of argv: put\n"
    "SUPABASE_SERVICE_ROLE_KEY and SUPABASE_ANON_KEY in the environment,\n"
    "an --env-file or a --config file.\n";

static const char exit_help[] =
    "Exit status: 0 success; 1 not found (object or bucket; exists: "
    "missing);\n"
    "2 usage error; 3 configuration error; 4 authentication or access "
    "denied;\n"
    "5 network exhausted (retries, deadline or retry budget spent); 6 "
    "conflict\n"
    "or rejected by the server; 7 local I/O error; 70 internal error.\n";

static const struct command *find_command(const char *name)
{
    size_t i;

    for (i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    const struct command *command = cmd != NULL ? find_command(cmd) : NULL;
    va_list ap;

    fputs("bucketguard: ", stderr);
    if (cmd != NULL)
        fprintf(stderr, "%s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (command != NULL)
        fprintf(stderr, "usage: bucketguard [OPTIONS] %s %s\n", command->name,
                command->args);
    else
        fputs("usage: bucketguard [OPTIONS] COMMAND [ARGS] "
              "(bucketguard help lists the commands)\n",
              stderr);
    return CLI_EXIT_USAGE;
}

static void overview(void)
{
    size_t i;

    printf("usage: bucketguard [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
           "A Supabase Storage client that fails over across routes and "
           "retries with\nmeasure. Commands:\n");
    for (i = 0; i < NCOMMANDS; i++)
        printf("  %-8s %s\n", commands[i].name, commands[i].summary);
    printf("  %-8s %s\n\n%s\n%s", "help", "help [COMMAND]", global_help,
           exit_help);
}

int cli_help(const char *cmd)
{
    const struct command *command;

    if (cmd == NULL || strcmp(cmd, "help") == 0) {
        overview();
        return 0;
    }
    command = find_command(cmd);
    if (command == NULL)
        return cli_usage_error(NULL, "unknown command '%s'", cmd);
    printf("usage: bucketguard [GLOBAL OPTIONS] %s %s\n\n%s.\n", command->name,
           command->args, command->summary);
    if (command->details != NULL)
        printf("\n%s", command->details);
    printf("\n%s\n%s", global_help, exit_help);
    return 0;
}

static int run_help(int argc, char **argv)
{
    if (argc > 1)
        return cli_usage_error(NULL, "help takes one command name");
    return cli_help(argc == 1 ? argv[0] : NULL);
}

int main(int argc, char **argv)
{
    struct cli c;
    const struct command *command;
    int i = 1, status;

    memset(&c, 0, sizeof c);
    status = cli_parse_globals(&c.opt, argc, argv, &i);
    if (status != 0)
        return status;
    if (c.opt.version) {
        printf("bucketguard %s\n", BG_VERSION);
        return 0;
    }
    if (i == argc) {
        if (c.opt.help)
            return cli_help(NULL);
        return cli_usage_error(NULL, "no command given");
    }
    if (strcmp(argv[i], "help") == 0)
        return run_help(argc - i - 1, argv + i + 1);
    command = find_command(argv[i]);
    if (command == NULL)
        return cli_usage_error(NULL, "unknown command '%s'", argv[i]);
    if (c.opt.help)
        return cli_help(command->name);

    c.cmd = command->name;
    status = command->fn(&c, argc - i - 1, argv + i + 1);
    if (c.client != NULL)
        bg_client_free(c.client);
    if (fflush(stdout) != 0 && status == 0) {
        out_errorf(NULL, "cannot write to standard output");
        status = CLI_EXIT_IO;
    }
    return status == CLI_DONE ? 0 : status;
}
