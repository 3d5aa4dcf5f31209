/* The listing commands of bucketguard: ls (objects and folders of a bucket)
 * and buckets (list, create, delete, get). */
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "out.h"

enum ls_id { LS_LIMIT = 1, LS_OFFSET, LS_SORT, LS_DESC };

static int ls_option(int id, const char *value, void *userdata)
{
    static const char *const columns[] = {"name", "created_at", "updated_at",
                                          "last_accessed_at"};
    bg_list_options *o = userdata;
    uint64_t n;
    size_t i;

    if (id == LS_DESC) {
        o->descending = 1;
        return 0;
    }
    if (id == LS_SORT) {
        for (i = 0; i < sizeof columns / sizeof columns[0]; i++)
            if (strcmp(value, columns[i]) == 0)
                o->sort_column = columns[i];
        if (o->sort_column == NULL)
            return cli_usage_error("ls", "--sort wants name, created_at, "
                                         "updated_at or last_accessed_at");
        return 0;
    }
    if (cli_parse_u64(value, 0xffffffffu, &n) != 0)
        return cli_usage_error("ls", "--%s wants a count, not '%s'",
                               id == LS_LIMIT ? "limit" : "offset", value);
    *(id == LS_LIMIT ? &o->limit : &o->offset) = (unsigned)n;
    return 0;
}

/* Folders come back with a null id and no metadata; they are shown with a
 * trailing '/'. */
static int ls_row(struct out_table *t, const json_t *item)
{
    const json_t *meta = json_object_get(item, "metadata");
    const json_t *size = json_object_get(meta, "size");
    char name[1024], type[128], updated[64], bytes[32] = "-";
    const char *cells[4];

    out_text(json_object_get(item, "name"), name, sizeof name);
    if (json_is_null(json_object_get(item, "id")) &&
        strlen(name) + 1 < sizeof name)
        strcat(name, "/");
    if (json_is_integer(size))
        out_size((uint64_t)json_integer_value(size), bytes, sizeof bytes);
    cells[0] = name;
    cells[1] = bytes;
    cells[2] = out_text(json_object_get(meta, "mimetype"), type, sizeof type);
    cells[3] =
        out_text(json_object_get(item, "updated_at"), updated, sizeof updated);
    return out_table_add(t, cells);
}

static int print_table(const json_t *items, const char *const *heads,
                       size_t ncols,
                       int (*row)(struct out_table *, const json_t *))
{
    struct out_table *t = out_table_new(ncols, heads);
    json_t *item;
    size_t i;

    if (t == NULL)
        return -1;
    json_array_foreach(items, i, item)
    {
        if (row(t, item) != 0) {
            out_table_free(t);
            return -1;
        }
    }
    out_table_print(t, stdout);
    return 0;
}

int cmd_ls(struct cli *c, int argc, char **argv)
{
    static const struct cli_optspec spec[] = {{"limit", 0, 1, LS_LIMIT},
                                              {"offset", 0, 1, LS_OFFSET},
                                              {"sort", 0, 1, LS_SORT},
                                              {"desc", 0, 0, LS_DESC},
                                              {NULL, 0, 0, 0}};
    static const char *const heads[] = {"NAME", "SIZE", "TYPE", "UPDATED"};
    bg_list_options opts = {"", 0, 0, NULL, 0};
    char *pos[2], bucket[256], *text = NULL;
    size_t npos;
    bg_report rep;
    bg_result r;
    json_t *items = NULL;
    int status;

    status = cli_parse(c, argc, argv, spec, ls_option, &opts, pos, 2, &npos);
    if (status == 0 && npos != 1)
        status = cli_usage_error(c->cmd, "wants one BUCKET[/PREFIX]");
    if (status == 0)
        status = cli_split(c, pos[0], bucket, sizeof bucket, &opts.prefix, 1);
    if (status == 0)
        status = cli_connect(c);
    if (status != 0)
        return status;

    memset(&rep, 0, sizeof rep);
    r = bg_list(c->client, bucket, &opts, &text, &rep);
    if (r == BG_OK)
        items = out_parse(text);
    bg_free(text);
    if (items != NULL && !c->opt.json &&
        print_table(items, heads, 4, ls_row) != 0)
        r = BG_E_NOMEM;
    return out_finish(c->cmd, pos[0], c->opt.json, r, &rep,
                      json_pack("{s:s, s:s, s:o*}", "bucket", bucket, "prefix",
                                opts.prefix, "items", items),
                      1);
}

/* allowed_mime_types is an array or null; people read it comma-separated. */
static const char *joined(const json_t *v, char *buf, size_t n)
{
    json_t *item;
    size_t i, len = 0;

    if (!json_is_array(v) || json_array_size(v) == 0)
        return out_text(json_is_array(v) ? NULL : v, buf, n);
    buf[0] = '\0';
    json_array_foreach(v, i, item)
    {
        const char *s = json_string_value(item);
        if (s != NULL && len < n)
            len += (size_t)snprintf(buf + len, n - len, "%s%s",
                                    i > 0 ? "," : "", s);
    }
    return buf;
}

static int bucket_row(struct out_table *t, const json_t *item)
{
    char id[256], pub[8], limit[32], mime[256], created[64];
    const json_t *size = json_object_get(item, "file_size_limit");
    const char *cells[5];

    cells[0] = out_text(json_object_get(item, "id"), id, sizeof id);
    cells[1] = out_text(json_object_get(item, "public"), pub, sizeof pub);
    cells[2] =
        json_is_integer(size) && json_integer_value(size) > 0
            ? out_size((uint64_t)json_integer_value(size), limit, sizeof limit)
            : "-";
    cells[3] =
        joined(json_object_get(item, "allowed_mime_types"), mime, sizeof mime);
    cells[4] =
        out_text(json_object_get(item, "created_at"), created, sizeof created);
    return out_table_add(t, cells);
}

static int buckets_list(struct cli *c)
{
    static const char *const heads[] = {"ID", "PUBLIC", "SIZE LIMIT",
                                        "MIME TYPES", "CREATED"};
    bg_report rep;
    bg_result r;
    char *text = NULL;
    json_t *list = NULL;

    memset(&rep, 0, sizeof rep);
    r = bg_bucket_list(c->client, &text, &rep);
    if (r == BG_OK)
        list = out_parse(text);
    bg_free(text);
    if (list != NULL && !c->opt.json &&
        print_table(list, heads, 5, bucket_row) != 0)
        r = BG_E_NOMEM;
    return out_finish(c->cmd, "list", c->opt.json, r, &rep,
                      json_pack("{s:o*}", "buckets", list), 1);
}

enum bucket_id { BK_PUBLIC = 1, BK_SIZE, BK_MIME };

struct bucket_args {
    bg_bucket_options opts;
    int given; /* a create option was given */
};

static int bucket_option(int id, const char *value, void *userdata)
{
    struct bucket_args *a = userdata;
    uint64_t n;

    a->given = 1;
    if (id == BK_PUBLIC) {
        a->opts.is_public = 1;
    } else if (id == BK_MIME) {
        a->opts.allowed_mime_types = value;
    } else if (cli_parse_u64(value, INT64_MAX, &n) == 0) {
        a->opts.file_size_limit = (int64_t)n;
    } else {
        return cli_usage_error("buckets",
                               "--size-limit wants bytes, not "
                               "'%s'",
                               value);
    }
    return 0;
}

/* create, delete or get on bucket id. */
static int bucket_action(struct cli *c, const char *action, const char *id,
                         const struct bucket_args *a)
{
    bg_report rep;
    bg_result r;
    char *text = NULL;
    json_t *doc = json_pack("{s:s, s:s}", "action", action, "id", id);

    memset(&rep, 0, sizeof rep);
    if (strcmp(action, "create") == 0)
        r = bg_bucket_create(c->client, id, &a->opts, &rep);
    else if (strcmp(action, "delete") == 0)
        r = bg_bucket_delete(c->client, id, &rep);
    else
        r = bg_bucket_get(c->client, id, &text, &rep);

    if (r == BG_OK && text != NULL) {
        json_t *bucket = out_parse(text);
        if (bucket != NULL && !c->opt.json)
            out_fields(stdout, bucket);
        if (doc != NULL && bucket != NULL)
            json_object_set(doc, "bucket", bucket);
        json_decref(bucket);
    } else if (r == BG_OK && !c->opt.quiet && !c->opt.json) {
        printf("%s bucket %s\n", action[0] == 'c' ? "created" : "deleted", id);
    }
    bg_free(text);
    return out_finish(c->cmd, id, c->opt.json, r, &rep, doc, 1);
}

int cmd_buckets(struct cli *c, int argc, char **argv)
{
    static const struct cli_optspec spec[] = {{"public", 0, 0, BK_PUBLIC},
                                              {"size-limit", 0, 1, BK_SIZE},
                                              {"mime", 0, 1, BK_MIME},
                                              {NULL, 0, 0, 0}};
    struct bucket_args a;
    char *pos[3];
    size_t npos;
    int status, known;

    memset(&a, 0, sizeof a);
    status = cli_parse(c, argc, argv, spec, bucket_option, &a, pos, 3, &npos);
    if (status != 0)
        return status;
    known = npos == 0 || strcmp(pos[0], "create") == 0 ||
            strcmp(pos[0], "delete") == 0 || strcmp(pos[0], "get") == 0;
    if (!known)
        return cli_usage_error(c->cmd, "unknown action '%s'", pos[0]);
    if (npos == 1 || npos > 2)
        return cli_usage_error(c->cmd, "%s wants one bucket ID", pos[0]);
    if (a.given && (npos == 0 || strcmp(pos[0], "create") != 0))
        return cli_usage_error(c->cmd, "--public, --size-limit and --mime "
                                       "go with create");
    if (npos == 2 && (pos[1][0] == '\0' || strchr(pos[1], '/') != NULL))
        return cli_usage_error(c->cmd, "'%s' is no bucket ID", pos[1]);

    status = cli_connect(c);
    if (status != 0)
        return status;
    if (npos == 0)
        return buckets_list(c);
    return bucket_action(c, pos[0], pos[1], &a);
}
