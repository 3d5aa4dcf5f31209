/* The subcommands of the bucketguard command. Each receives the words after
 * its name, scans them with cli_parse(), connects, calls the library,
 * prints for people or as one JSON document, and returns the exit code. */
#ifndef BG_CLI_CMD_H
#define BG_CLI_CMD_H

#include "opts.h"

typedef int cli_cmd_fn(struct cli *c, int argc, char **argv);

/* cmd_object.c: one object at a time (rm and sign take several keys). */
cli_cmd_fn cmd_get, cmd_put, cmd_exists, cmd_info, cmd_rm, cmd_cp, cmd_mv,
    cmd_sign;

/* cmd_list.c: listing objects; listing and managing buckets. */
cli_cmd_fn cmd_ls, cmd_buckets;

/* cmd_routes.c: one probe per route. */
cli_cmd_fn cmd_routes;

/* cmd_monitor.c: the monitor daemon and the one-probe health check. */
cli_cmd_fn cmd_monitor, cmd_health;

/* cmd_verify.c, cmd_diagnose.c: end-to-end verification and diagnosis. */
cli_cmd_fn cmd_verify, cmd_diagnose;

#endif
