/* The diagnose command of bucketguard: finds why access to an object
 * fails and says it in one sentence with the evidence and the fix, then a
 * line per check; --json gives the same as {verdict, causes, checks}. */
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "diag.h"
#include "out.h"

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Copies the n characters at s into out (size size), percent-decoded.
 * Returns 0, or -1 when it does not fit or a %XX is broken. */
static int decode(const char *s, size_t n, char *out, size_t size)
{
    size_t w = 0;

    for (size_t i = 0; i < n; i++, w++) {
        if (w + 1 >= size)
            return -1;
        if (s[i] != '%') {
            out[w] = s[i];
            continue;
        }
        if (i + 2 >= n || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0)
            return -1;
        out[w] = (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
        i += 2;
    }
    out[w] = '\0';
    return 0;
}

/* Takes the target from a Storage URL the user has (".../object/[ROUTE/]
 * BUCKET/KEY", query ignored). The URL itself is never printed: a signed
 * URL's query is a secret. */
static int target_from_url(struct cli *c, struct diag *d, const char *url)
{
    const char *p = strstr(url, "/object/"), *slash, *end;

    if (p == NULL)
        return cli_usage_error(c->cmd, "the URL has no /object/ path");
    p += 8;
    end = p + strcspn(p, "?#");
    slash = memchr(p, '/', (size_t)(end - p));
    if (slash != NULL && (size_t)(slash - p) < sizeof d->form) {
        snprintf(d->form, sizeof d->form, "%.*s", (int)(slash - p), p);
        if (!diag_route_word(d->form))
            d->form[0] = '\0';
    }
    if (d->form[0] != '\0') {
        p = slash + 1;
        slash = memchr(p, '/', (size_t)(end - p));
    }
    if (slash == NULL || slash == p || slash + 1 == end ||
        decode(p, (size_t)(slash - p), d->bucket, sizeof d->bucket) != 0 ||
        decode(slash + 1, (size_t)(end - slash - 1), d->key, sizeof d->key) !=
            0)
        return cli_usage_error(c->cmd, "the URL does not end in BUCKET/KEY");
    d->from_url = 1;
    return 0;
}

static int target(struct cli *c, struct diag *d, const char *arg)
{
    const char *key;
    int status;

    if (strstr(arg, "://") != NULL)
        return target_from_url(c, d, arg);
    status = cli_split(c, arg, d->bucket, sizeof d->bucket, &key, 0);
    if (status == 0 && strlen(key) >= sizeof d->key)
        status = cli_usage_error(c->cmd, "the key is too long");
    if (status == 0)
        snprintf(d->key, sizeof d->key, "%s", key);
    return status;
}

/* ---- Output ------------------------------------------------------------ */

static const char *const level[] = {"none", "low", "medium", "high"};

static json_t *causes_json(const struct diag *d)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr != NULL && i < d->ncauses; i++) {
        const struct diag_cause *k = &d->causes[i];
        if (json_array_append_new(
                arr, json_pack("{s:s, s:s, s:s, s:s}", "id", k->id,
                               "confidence", level[k->confidence], "evidence",
                               k->evidence, "fix", k->fix))) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static int print_json(const struct diag *d, const char *verdict)
{
    json_t *doc =
        json_pack("{s:s, s:b, s:o, s:O, s:{s:s, s:s, s:s}}", "verdict", verdict,
                  "mixed", d->mixed, "causes", causes_json(d), "checks",
                  d->checks, "target", "bucket", d->bucket, "key", d->key,
                  "route", d->form[0] ? d->form : "object");

    return out_json(doc);
}

static void print_text(const struct diag *d, const char *verdict)
{
    size_t i;
    json_t *check;

    printf("%s\n", verdict);
    if (d->ncauses > 1) {
        printf("\nOther causes:\n");
        for (i = 1; i < d->ncauses; i++)
            printf("  %s (%s confidence): %s\n", d->causes[i].id,
                   level[d->causes[i].confidence], d->causes[i].evidence);
    }
    printf("\nChecks:\n");
    json_array_foreach(d->checks, i, check)
    {
        printf("  %-4s  %-22s %s\n",
               json_string_value(json_object_get(check, "status")),
               json_string_value(json_object_get(check, "name")),
               json_string_value(json_object_get(check, "detail")));
    }
}

/* ---- The command ------------------------------------------------------- */

static int observe(struct cli *c, struct diag *d)
{
    int status = diag_observe_config(c, d);

    if (status != 0)
        return status;
    diag_observe_key(c, d);
    if (d->key_state == DIAG_KEY_UNKNOWN)
        return 0;
    diag_observe_bucket(c, d);
    status = diag_observe_routes(c, d);
    if (status != 0)
        return status;
    diag_observe_public(c, d);
    if (d->bucket_exists != DIAG_NO)
        diag_observe_late(c, d);
    return 0;
}

static int run(struct cli *c, struct diag *d)
{
    char verdict[2 * DIAG_TEXT + 256];
    int status;

    d->checks = json_array();
    if (d->checks == NULL) {
        out_errorf(c->cmd, "out of memory");
        return CLI_EXIT_INTERNAL;
    }
    status = observe(c, d);
    if (status != 0)
        return status;
    diag_infer(d);
    diag_verdict(d, verdict, sizeof verdict);
    if (c->opt.json) {
        status = print_json(d, verdict);
        if (status != 0)
            return status;
    } else {
        print_text(d, verdict);
    }
    return d->ncauses > 0 ? CLI_EXIT_NOT_FOUND : CLI_EXIT_OK;
}

int cmd_diagnose(struct cli *c, int argc, char **argv)
{
    static struct diag d; /* large (a report per route): not on the stack */
    char *pos[2];
    size_t npos;
    int status;

    memset(&d, 0, sizeof d);
    status = cli_parse(c, argc, argv, NULL, NULL, NULL, pos, 2, &npos);
    if (status == 0 && npos != 1)
        status = cli_usage_error(c->cmd, "wants one BUCKET/KEY or URL");
    if (status == 0)
        status = target(c, &d, pos[0]);
    if (status == 0)
        status = cli_connect(c);
    if (status == 0)
        status = run(c, &d);
    json_decref(d.config);
    json_decref(d.checks);
    json_decref(d.buckets);
    return status;
}
