/* `bucketguard monitor` and `bucketguard health`: the daemon around the
 * client, and the one-probe health check for container and platform health
 * commands. The probe object comes from the argument or from
 * BUCKETGUARD_PROBE_OBJECT; the endpoints' bearer token from
 * BUCKETGUARD_MONITOR_TOKEN or a file, never from argv. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

#ifdef BG_HAVE_DAEMON
#include "daemon.h"
#endif

#define DEFAULT_METRICS_FILE "/tmp/fm027_metrics.json"
#define DEFAULT_LISTEN       "127.0.0.1:9027"

/* The route sweep sends one request per route: by default it runs every
 * six probes, but not more often than once a minute, so that a monitor
 * probing every second does not sweep every six seconds. */
#define ROUTE_INTERVAL_MIN 60.0

enum {
    OPT_INTERVAL = 1,
    OPT_ROUTE_INTERVAL,
    OPT_METRICS_EVERY,
    OPT_METRICS_FILE,
    OPT_NO_METRICS_FILE,
    OPT_LISTEN,
    OPT_NO_HTTP,
    OPT_TOKEN_FILE,
    OPT_COUNT
};

struct monitor_args {
    double interval, route_interval, metrics_every;
    int route_interval_set;
    const char *metrics_file, *listen, *token_file;
    long count;
};

static const struct cli_optspec monitor_spec[] = {
    {"interval", 0, 1, OPT_INTERVAL},
    {"route-interval", 0, 1, OPT_ROUTE_INTERVAL},
    {"metrics-every", 0, 1, OPT_METRICS_EVERY},
    {"metrics-file", 0, 1, OPT_METRICS_FILE},
    {"no-metrics-file", 0, 0, OPT_NO_METRICS_FILE},
    {"listen", 0, 1, OPT_LISTEN},
    {"no-http", 0, 0, OPT_NO_HTTP},
    {"token-file", 0, 1, OPT_TOKEN_FILE},
    {"count", 0, 1, OPT_COUNT},
    {NULL, 0, 0, 0}};

static int seconds(const char *opt, const char *value, double *out)
{
    char *end;

    errno = 0;
    *out = strtod(value, &end);
    if (errno != 0 || end == value || *end != '\0' || *out < 0 ||
        *out > 86400 * 7)
        return cli_usage_error("monitor",
                               "--%s: expected seconds, got "
                               "'%s'",
                               opt, value);
    return 0;
}

/* HOST:PORT with a numeric port (1..65535), as the HTTP server wants it;
 * the server itself checks the host when it binds. */
static int listen_valid(const char *value)
{
    const char *colon = strrchr(value, ':');
    char *end;
    long port;

    if (colon == NULL || colon[1] == '\0')
        return 0;
    port = strtol(colon + 1, &end, 10);
    return *end == '\0' && port >= 0 && port <= 65535 &&
           isdigit((unsigned char)colon[1]);
}

static int on_monitor_opt(int id, const char *value, void *userdata)
{
    struct monitor_args *a = userdata;
    uint64_t n;

    switch (id) {
    case OPT_INTERVAL:
        return seconds("interval", value, &a->interval);
    case OPT_ROUTE_INTERVAL:
        a->route_interval_set = 1;
        return seconds("route-interval", value, &a->route_interval);
    case OPT_METRICS_EVERY:
        return seconds("metrics-every", value, &a->metrics_every);
    case OPT_METRICS_FILE:
        a->metrics_file = value;
        return 0;
    case OPT_NO_METRICS_FILE:
        a->metrics_file = "";
        return 0;
    case OPT_LISTEN:
        if (!listen_valid(value))
            return cli_usage_error("monitor",
                                   "--listen: expected HOST:PORT, such as "
                                   "127.0.0.1:9027");
        a->listen = value;
        return 0;
    case OPT_NO_HTTP:
        a->listen = "";
        return 0;
    case OPT_TOKEN_FILE:
        a->token_file = value;
        return 0;
    case OPT_COUNT:
        if (cli_parse_u64(value, 1000000000, &n) != 0)
            return cli_usage_error("monitor",
                                   "--count: expected a whole "
                                   "number, got '%s'",
                                   value);
        a->count = (long)n;
        return 0;
    }
    return CLI_EXIT_USAGE;
}

/* The probe object from the argument or the environment. */
static int probe_object(struct cli *c, char **pos, size_t npos, char *bucket,
                        size_t n, const char **key)
{
    const char *obj = npos > 0 ? pos[0] : getenv("BUCKETGUARD_PROBE_OBJECT");

    if (npos > 1)
        return cli_usage_error(c->cmd, "expected one BUCKET/KEY");
    if (obj == NULL || obj[0] == '\0')
        return cli_usage_error(c->cmd, "no probe object: give BUCKET/KEY "
                                       "or set BUCKETGUARD_PROBE_OBJECT");
    return cli_split(c, obj, bucket, n, key, 0);
}

/* Reads the token from a file (first line) or the environment. */
static int read_token(const struct monitor_args *a, char *token, size_t n)
{
    const char *env = getenv("BUCKETGUARD_MONITOR_TOKEN");
    FILE *f;

    token[0] = '\0';
    if (a->token_file == NULL) {
        if (env != NULL && strlen(env) < n)
            strcpy(token, env);
        return 0;
    }
    f = fopen(a->token_file, "r");
    if (f == NULL || fgets(token, (int)n, f) == NULL) {
        fprintf(stderr, "bucketguard: monitor: cannot read token file %s\n",
                a->token_file);
        if (f != NULL)
            fclose(f);
        return CLI_EXIT_CONFIG;
    }
    fclose(f);
    token[strcspn(token, "\r\n")] = '\0';
    return 0;
}

static void daemon_log(bg_log_level level, const char *line, void *userdata)
{
    const struct cli *c = userdata;

    if (level == BG_LOG_DEBUG && !c->opt.debug)
        return;
    if (level == BG_LOG_INFO && c->opt.quiet)
        return;
    fprintf(stderr, "bucketguard: level=%s %s\n", bg_log_level_name(level),
            line);
}

int cmd_monitor(struct cli *c, int argc, char **argv)
{
    struct monitor_args a = {.interval = 300,
                             .metrics_every = 1,
                             .metrics_file = getenv("BUCKETGUARD_METRICS_FILE"),
                             .listen = DEFAULT_LISTEN};
    char *pos[2], bucket[256], token[256];
    const char *key;
    size_t npos = 0;
    int rc;

    rc = cli_parse(c, argc, argv, monitor_spec, on_monitor_opt, &a, pos, 2,
                   &npos);
    if (rc == 0)
        rc = probe_object(c, pos, npos, bucket, sizeof(bucket), &key);
    if (rc == 0)
        rc = read_token(&a, token, sizeof(token));
    if (rc == 0 && a.interval <= 0)
        rc = cli_usage_error("monitor", "--interval must be above 0");
    if (rc == 0)
        rc = cli_connect(c);
    if (rc != 0)
        return rc == CLI_DONE ? 0 : rc;

#ifdef BG_HAVE_DAEMON
    {
        struct bgd_options o = {
            .bucket = bucket,
            .key = key,
            .interval = a.interval,
            .route_interval = a.route_interval_set
                                  ? a.route_interval
                                  : fmax(6 * a.interval, ROUTE_INTERVAL_MIN),
            .metrics_every = a.metrics_every,
            .metrics_file =
                a.metrics_file ? a.metrics_file : DEFAULT_METRICS_FILE,
            .listen = a.listen,
            .token = token,
            .count = a.count,
            .log = daemon_log,
            .log_userdata = c};
        return bgd_run(c->client, &o) == 0 ? 0 : CLI_EXIT_IO;
    }
#else
    fprintf(stderr, "bucketguard: monitor: built without the daemon\n");
    return CLI_EXIT_INTERNAL;
#endif
}

int cmd_health(struct cli *c, int argc, char **argv)
{
    char *pos[2], bucket[256], *json = NULL;
    const char *key;
    size_t npos = 0;
    bg_result r;
    int rc;

    rc = cli_parse(c, argc, argv, NULL, NULL, NULL, pos, 2, &npos);
    if (rc == 0)
        rc = probe_object(c, pos, npos, bucket, sizeof(bucket), &key);
    if (rc == 0)
        rc = cli_connect(c);
    if (rc != 0)
        return rc == CLI_DONE ? 0 : rc;

    r = bg_health_check(c->client, bucket, key, &json);
    if (json == NULL) {
        fprintf(stderr, "bucketguard: health: %s\n", bg_strerror(r));
        return CLI_EXIT_INTERNAL;
    }
    printf("%s\n", json);
    bg_free(json);
    return r == BG_OK ? 0 : 1;
}
