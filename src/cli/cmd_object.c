/* The object commands of bucketguard: get, put, exists, info, rm, cp, mv
 * and sign. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cmd.h"
#include "out.h"

#define BUCKET_MAX 256

/* One object named on the command line. */
struct target {
    char bucket[BUCKET_MAX];
    const char *key;
    const char *text; /* as the user wrote it, for messages */
};

static int take_target(const struct cli *c, const char *s, struct target *t)
{
    t->text = s;
    return cli_split(c, s, t->bucket, sizeof t->bucket, &t->key, 0);
}

/* Scans argv for exactly one BUCKET/KEY and no command options. */
static int one_target(struct cli *c, int argc, char **argv, struct target *t)
{
    char *pos[2];
    size_t npos;
    int status = cli_parse(c, argc, argv, NULL, NULL, NULL, pos, 2, &npos);

    if (status != 0)
        return status;
    if (npos != 1)
        return cli_usage_error(c->cmd, "wants one BUCKET/KEY");
    return take_target(c, pos[0], t);
}

static json_t *target_json(const struct target *t)
{
    return json_pack("{s:s, s:s}", "bucket", t->bucket, "key", t->key);
}

static int take_output(int id, const char *value, void *userdata)
{
    (void)id;
    *(const char **)userdata = value;
    return 0;
}

int cmd_get(struct cli *c, int argc, char **argv)
{
    static const struct cli_optspec spec[] = {{"output", 'o', 1, 1},
                                              {NULL, 0, 0, 0}};
    const char *output = NULL;
    char *pos[2];
    size_t npos;
    struct target t;
    struct out_progress progress;
    bg_report rep;
    bg_result r;
    int status, to_stdout;

    status =
        cli_parse(c, argc, argv, spec, take_output, &output, pos, 2, &npos);
    if (status == 0 && npos != 1)
        status = cli_usage_error(c->cmd, "wants one BUCKET/KEY");
    if (status == 0)
        status = take_target(c, pos[0], &t);
    to_stdout = output == NULL || strcmp(output, "-") == 0;
    if (status == 0 && to_stdout && c->opt.json)
        status = cli_usage_error(c->cmd, "--json needs -o FILE: stdout "
                                         "would carry both the object and "
                                         "the report");
    if (status == 0)
        status = cli_connect(c);
    if (status != 0)
        return status;

    memset(&rep, 0, sizeof rep);
    if (to_stdout) {
        fflush(stdout);
        r = bg_get_fd(c->client, t.bucket, t.key, STDOUT_FILENO, &rep);
    } else {
        out_progress_init(&progress, t.text, c->opt.quiet || c->opt.json);
        r = bg_get_file_progress(c->client, t.bucket, t.key, output,
                                 out_progress_cb, &progress, &rep);
        out_progress_end(&progress);
    }
    return out_finish(c->cmd, t.text, c->opt.json, r, &rep,
                      to_stdout
                          ? NULL
                          : json_pack("{s:s, s:s, s:s}", "bucket", t.bucket,
                                      "key", t.key, "file", output),
                      0);
}

enum put_id { PUT_UPSERT = 1, PUT_PUT, PUT_TYPE, PUT_CACHE };

static int put_option(int id, const char *value, void *userdata)
{
    bg_put_options *o = userdata;

    switch (id) {
    case PUT_UPSERT:
        o->upsert = 1;
        break;
    case PUT_PUT:
        o->use_put = 1;
        break;
    case PUT_TYPE:
        o->content_type = value;
        break;
    case PUT_CACHE:
        o->cache_control = value;
        break;
    default:
        return CLI_EXIT_INTERNAL;
    }
    return 0;
}

static void put_done(const struct cli *c, const char *file,
                     const struct target *t, const bg_report *rep)
{
    struct stat st;
    char size[32] = "?";

    if (c->opt.quiet || c->opt.json)
        return;
    if (stat(file, &st) == 0)
        out_size((uint64_t)st.st_size, size, sizeof size);
    printf("uploaded %s to %s/%s (%s, route=%s, attempts=%u)\n", file,
           t->bucket, t->key, size, rep->route, rep->attempts);
}

int cmd_put(struct cli *c, int argc, char **argv)
{
    static const struct cli_optspec spec[] = {
        {"upsert", 0, 0, PUT_UPSERT},
        {"put", 0, 0, PUT_PUT},
        {"content-type", 0, 1, PUT_TYPE},
        {"cache-control", 0, 1, PUT_CACHE},
        {NULL, 0, 0, 0}};
    bg_put_options opts = {0, 0, NULL, NULL};
    char *pos[3];
    size_t npos;
    struct target t;
    struct out_progress progress;
    bg_report rep;
    bg_result r;
    int status;

    status = cli_parse(c, argc, argv, spec, put_option, &opts, pos, 3, &npos);
    if (status == 0 && npos != 2)
        status = cli_usage_error(c->cmd, "wants FILE and BUCKET/KEY");
    if (status == 0)
        status = take_target(c, pos[1], &t);
    if (status == 0)
        status = cli_connect(c);
    if (status != 0)
        return status;

    memset(&rep, 0, sizeof rep);
    out_progress_init(&progress, pos[0], c->opt.quiet || c->opt.json);
    r = bg_put_file_progress(c->client, t.bucket, t.key, pos[0], &opts,
                             out_progress_cb, &progress, &rep);
    out_progress_end(&progress);
    if (r == BG_OK)
        put_done(c, pos[0], &t, &rep);
    return out_finish(c->cmd, t.text, c->opt.json, r, &rep,
                      json_pack("{s:s, s:s, s:s}", "file", pos[0], "bucket",
                                t.bucket, "key", t.key),
                      0);
}

int cmd_exists(struct cli *c, int argc, char **argv)
{
    struct target t;
    bg_report rep;
    bg_result r;
    int status, exists = 0;
    json_t *doc;

    status = one_target(c, argc, argv, &t);
    if (status == 0)
        status = cli_connect(c);
    if (status != 0)
        return status;

    memset(&rep, 0, sizeof rep);
    r = bg_exists(c->client, t.bucket, t.key, &exists, &rep);
    if (r == BG_OK && !c->opt.json && !c->opt.quiet)
        puts(exists ? "yes" : "no");
    doc = target_json(&t);
    if (doc != NULL && r == BG_OK)
        json_object_set_new(doc, "exists", json_boolean(exists));
    status = out_finish(c->cmd, t.text, c->opt.json, r, &rep, doc, 0);
    if (status == 0 && !exists)
        status = CLI_EXIT_NOT_FOUND;
    return status;
}

int cmd_info(struct cli *c, int argc, char **argv)
{
    struct target t;
    bg_report rep;
    bg_result r;
    char *text = NULL;
    json_t *info = NULL, *doc;
    int status;

    status = one_target(c, argc, argv, &t);
    if (status == 0)
        status = cli_connect(c);
    if (status != 0)
        return status;

    memset(&rep, 0, sizeof rep);
    r = bg_info(c->client, t.bucket, t.key, &text, &rep);
    if (r == BG_OK) {
        info = out_parse(text);
        if (info != NULL && !c->opt.json)
            out_fields(stdout, info);
    }
    bg_free(text);
    doc = target_json(&t);
    if (doc != NULL && info != NULL)
        json_object_set(doc, "info", info);
    json_decref(info);
    return out_finish(c->cmd, t.text, c->opt.json, r, &rep, doc, 0);
}

/* Scans several BUCKET/KEY words of one bucket into keys. */
static int same_bucket(struct cli *c, char **pos, size_t npos,
                       struct target *first, const char **keys)
{
    struct target t;
    size_t i;
    int status;

    for (i = 0; i < npos; i++) {
        status = take_target(c, pos[i], i == 0 ? first : &t);
        if (status != 0)
            return status;
        if (i > 0 && strcmp(t.bucket, first->bucket) != 0)
            return cli_usage_error(c->cmd,
                                   "'%s': all keys must be in "
                                   "bucket '%s'",
                                   pos[i], first->bucket);
        keys[i] = i == 0 ? first->key : t.key;
    }
    return 0;
}

static int was_removed(const json_t *removed, const char *key)
{
    size_t i;
    json_t *item;

    if (!json_is_array(removed))
        return 1;
    json_array_foreach(removed, i, item)
    {
        const char *name = json_string_value(json_object_get(item, "name"));
        if (name != NULL && strcmp(name, key) == 0)
            return 1;
    }
    return 0;
}

/* Storage answers a bulk delete with the objects it deleted; a key that is
 * not among them did not exist. */
static int report_removed(struct cli *c, const struct target *t,
                          const char **keys, size_t nkeys,
                          const json_t *removed, json_t *doc)
{
    json_t *gone = json_array(), *missing = json_array();
    size_t i;
    int status = 0, hit;

    for (i = 0; i < nkeys; i++) {
        hit = was_removed(removed, keys[i]);
        json_array_append_new(hit ? gone : missing, json_string(keys[i]));
        if (!hit) {
            out_errorf(NULL, "%s %s/%s: object not found", c->cmd, t->bucket,
                       keys[i]);
            status = CLI_EXIT_NOT_FOUND;
        } else if (!c->opt.quiet && !c->opt.json) {
            printf("removed %s/%s\n", t->bucket, keys[i]);
        }
    }
    json_object_set_new(doc, "removed", gone);
    json_object_set_new(doc, "missing", missing);
    return status;
}

int cmd_rm(struct cli *c, int argc, char **argv)
{
    char *pos[CLI_MAX_POS];
    const char *keys[CLI_MAX_POS];
    size_t npos;
    struct target t;
    bg_report rep;
    bg_result r;
    char *text = NULL;
    json_t *removed = NULL, *doc;
    int status, missing = 0;

    status =
        cli_parse(c, argc, argv, NULL, NULL, NULL, pos, CLI_MAX_POS, &npos);
    if (status == 0 && npos == 0)
        status = cli_usage_error(c->cmd, "wants at least one BUCKET/KEY");
    if (status == 0)
        status = same_bucket(c, pos, npos, &t, keys);
    if (status == 0)
        status = cli_connect(c);
    if (status != 0)
        return status;

    memset(&rep, 0, sizeof rep);
    r = bg_remove(c->client, t.bucket, keys, npos, &text, &rep);
    doc = json_pack("{s:s}", "bucket", t.bucket);
    if (r == BG_OK && doc != NULL) {
        removed = out_parse(text);
        missing = report_removed(c, &t, keys, npos, removed, doc);
    }
    json_decref(removed);
    bg_free(text);
    status = out_finish(c->cmd, t.text, c->opt.json, r, &rep, doc, 0);
    return status != 0 ? status : missing;
}

typedef bg_result transfer_fn(bg_client *c, const char *bucket,
                              const char *from, const char *to_bucket,
                              const char *to, bg_report *rep);

/* cp and mv: the destination is BUCKET2/KEY2, or a bare KEY2 (no '/') in
 * the source's bucket. */
static int relocate(struct cli *c, int argc, char **argv, transfer_fn *fn,
                    const char *verb)
{
    char *pos[3];
    size_t npos;
    struct target from, to;
    bg_report rep;
    bg_result r;
    int status;

    status = cli_parse(c, argc, argv, NULL, NULL, NULL, pos, 3, &npos);
    if (status == 0 && npos != 2)
        status = cli_usage_error(c->cmd, "wants BUCKET/KEY and a destination");
    if (status == 0)
        status = take_target(c, pos[0], &from);
    if (status == 0 && strchr(pos[1], '/') == NULL) {
        to = from;
        to.key = pos[1];
        to.text = pos[1];
    } else if (status == 0) {
        status = take_target(c, pos[1], &to);
    }
    if (status == 0)
        status = cli_connect(c);
    if (status != 0)
        return status;

    memset(&rep, 0, sizeof rep);
    r = fn(c->client, from.bucket, from.key,
           strcmp(to.bucket, from.bucket) == 0 ? NULL : to.bucket, to.key,
           &rep);
    if (r == BG_OK && !c->opt.quiet && !c->opt.json)
        printf("%s %s/%s to %s/%s\n", verb, from.bucket, from.key, to.bucket,
               to.key);
    return out_finish(c->cmd, from.text, c->opt.json, r, &rep,
                      json_pack("{s:s, s:s, s:s, s:s}", "bucket", from.bucket,
                                "key", from.key, "to_bucket", to.bucket,
                                "to_key", to.key),
                      0);
}

int cmd_cp(struct cli *c, int argc, char **argv)
{
    return relocate(c, argc, argv, bg_copy, "copied");
}

int cmd_mv(struct cli *c, int argc, char **argv)
{
    return relocate(c, argc, argv, bg_move, "moved");
}

static int take_expires(int id, const char *value, void *userdata)
{
    uint64_t v;

    (void)id;
    if (cli_parse_u64(value, 0xffffffffu, &v) != 0 || v == 0)
        return cli_usage_error("sign", "--expires wants seconds, not '%s'",
                               value);
    *(unsigned *)userdata = (unsigned)v;
    return 0;
}

/* Signs one key and prints its URL. The URL is a secret the user asked
 * for: it goes to stdout and nowhere else. */
static int sign_one(struct cli *c, const struct target *t, unsigned expires,
                    json_t *urls, bg_report *rep)
{
    char *url = NULL;
    bg_result r;

    memset(rep, 0, sizeof *rep);
    r = bg_sign(c->client, t->bucket, t->key, expires, &url, rep);
    if (r == BG_OK && !c->opt.json)
        puts(url);
    json_array_append_new(
        urls, r == BG_OK ? json_pack("{s:s, s:s}", "key", t->key, "url", url)
                         : json_pack("{s:s, s:s}", "key", t->key, "error",
                                     out_result_name(r)));
    bg_free(url);
    return r == BG_OK ? 0 : out_fail(c->cmd, t->text, r, rep, 0);
}

int cmd_sign(struct cli *c, int argc, char **argv)
{
    static const struct cli_optspec spec[] = {{"expires", 0, 1, 1},
                                              {NULL, 0, 0, 0}};
    char *pos[CLI_MAX_POS];
    const char *keys[CLI_MAX_POS];
    unsigned expires = 3600;
    size_t npos, i;
    struct target t, each;
    bg_report rep;
    json_t *urls, *doc;
    int status, first = 0;

    status = cli_parse(c, argc, argv, spec, take_expires, &expires, pos,
                       CLI_MAX_POS, &npos);
    if (status == 0 && npos == 0)
        status = cli_usage_error(c->cmd, "wants at least one BUCKET/KEY");
    if (status == 0)
        status = same_bucket(c, pos, npos, &t, keys);
    if (status == 0)
        status = cli_connect(c);
    if (status != 0)
        return status;

    urls = json_array();
    for (i = 0; i < npos; i++) {
        each = t;
        each.key = keys[i];
        each.text = pos[i];
        status = sign_one(c, &each, expires, urls, &rep);
        if (first == 0)
            first = status;
    }
    doc = json_pack("{s:s, s:I, s:o, s:b}", "bucket", t.bucket, "expires_in",
                    (json_int_t)expires, "urls", urls, "ok", first == 0);
    status = out_finish(c->cmd, t.text, c->opt.json, BG_OK, &rep, doc, 0);
    return first != 0 ? first : status;
}
