/* bucketguard-emulator: a Supabase Storage server with fault rules, for
 * tests, benchmarks and rehearsing workers against the incident. This
 * file wires the modules together: options, keys, seed data, the server,
 * the keys file, and the signal that ends it all. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "blob.h"
#include "fault.h"
#include "keyrule.h"
#include "options.h"
#include "server.h"
#include "stats.h"
#include "store.h"
#include "token.h"

#define MEMORY_BODY_MAX (64ULL * 1024 * 1024)
/* Fixed times, so the keys of a secret never change. */
#define KEY_IAT          1700000000LL
#define KEY_EXP          2000000000LL
#define OPAQUE_KEY       64
#define BUCKET_NAME_TEXT 128

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* Everything a serving emulator owns, released in reverse order. */
struct emulator {
    struct emu_options opt;
    struct emu_blobs *blobs;
    struct emu_store *store;
    struct emu_faults *faults;
    struct emu_stats *stats;
    char *anon;
    char *service;
    char secret_key[OPAQUE_KEY];
    char publishable_key[OPAQUE_KEY];
    char *tls_cert;
    char *tls_key;
    struct emu_api api;
    struct emu_server *server;
};

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "bucketguard-emulator: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
}

/* Reads a whole file into a NUL-terminated string; NULL on failure (errno
 * set). *len receives the length when len is not NULL. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    long size;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)size + 1))) {
        if (fread(text, 1, (size_t)size, f) != (size_t)size) {
            free(text);
            text = NULL;
        } else {
            text[size] = '\0';
            if (len)
                *len = (size_t)size;
        }
    }
    fclose(f);
    return text;
}

static int load_rules(struct emulator *e)
{
    char err[256];
    char *text;
    int rc;

    for (size_t i = 0; i < e->opt.scenarios.count; i++)
        if (emu_faults_scenario(e->faults, e->opt.scenarios.items[i], err,
                                sizeof(err)) != 0) {
            fail("--scenario", err);
            return EXIT_USAGE;
        }
    for (size_t i = 0; i < e->opt.rules.count; i++)
        if (emu_faults_add(e->faults, e->opt.rules.items[i], err,
                           sizeof(err)) != 0) {
            fail("--rule", err);
            return EXIT_USAGE;
        }
    if (!e->opt.rules_file)
        return EXIT_OK;
    text = read_file(e->opt.rules_file, NULL);
    if (!text) {
        fail(e->opt.rules_file, strerror(errno));
        return EXIT_RUNTIME;
    }
    rc = emu_faults_add(e->faults, text, err, sizeof(err));
    free(text);
    if (rc != 0) {
        fail(e->opt.rules_file, err);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* NAME or NAME:public. */
static int seed_bucket(struct emulator *e, const char *arg)
{
    char name[BUCKET_NAME_TEXT];
    const char *colon = strrchr(arg, ':');
    bool is_public = colon && strcmp(colon, ":public") == 0;
    size_t len = is_public ? (size_t)(colon - arg) : strlen(arg);
    struct emu_bucket_spec spec = {name, name, is_public, -1, NULL};
    enum emu_store_result result;

    if (len >= sizeof(name))
        len = 0;
    memcpy(name, arg, len);
    name[len] = '\0';
    if (!emu_bucket_name_valid(name)) {
        fail("--bucket: invalid name", arg);
        return EXIT_USAGE;
    }
    result = emu_store_bucket_create(e->store, &spec);
    if (result != EMU_STORE_OK && result != EMU_STORE_EXISTS) {
        fail("--bucket: cannot create", arg);
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

/* The body of --object: TEXT, or the contents of FILE for @FILE. */
static struct emu_blob *seed_body(struct emulator *e, const char *value)
{
    struct emu_blob *blob;
    size_t len = strlen(value);
    char *text = NULL;

    if (value[0] == '@') {
        text = read_file(value + 1, &len);
        if (!text) {
            fail(value + 1, strerror(errno));
            return NULL;
        }
        value = text;
    }
    blob = emu_blob_from_bytes(e->blobs, value, len);
    free(text);
    if (!blob)
        fail("--object: cannot store the body", NULL);
    return blob;
}

/* BUCKET/KEY=TEXT or BUCKET/KEY=@FILE; a missing bucket is created
 * private. */
static int seed_object(struct emulator *e, const char *arg)
{
    const char *slash = strchr(arg, '/');
    const char *eq = slash ? strchr(slash, '=') : NULL;
    char *bucket = NULL, *key = NULL;
    struct emu_object_view view;
    struct emu_blob *blob;
    int rc = EXIT_USAGE;

    if (!eq || !(bucket = strndup(arg, (size_t)(slash - arg))) ||
        !(key = strndup(slash + 1, (size_t)(eq - slash - 1))) ||
        !emu_key_valid(key) || seed_bucket(e, bucket) != EXIT_OK) {
        fail("--object: expected BUCKET/KEY=TEXT or BUCKET/KEY=@FILE", arg);
        goto out;
    }
    rc = EXIT_RUNTIME;
    blob = seed_body(e, eq + 1);
    if (!blob)
        goto out;
    if (emu_store_object_put(e->store, bucket, key, blob,
                             eq[1] == '@' ? "application/octet-stream"
                                          : "text/plain;charset=UTF-8",
                             "max-age=3600", true, &view) != EMU_STORE_OK) {
        fail("--object: cannot store", arg);
        goto out;
    }
    rc = EXIT_OK;
out:
    free(bucket);
    free(key);
    return rc;
}

static int seed(struct emulator *e)
{
    int rc = EXIT_OK;

    for (size_t i = 0; rc == EXIT_OK && i < e->opt.buckets.count; i++)
        rc = seed_bucket(e, e->opt.buckets.items[i]);
    for (size_t i = 0; rc == EXIT_OK && i < e->opt.objects.count; i++)
        rc = seed_object(e, e->opt.objects.items[i]);
    return rc;
}

static int make_keys(struct emulator *e)
{
    const char *secret = e->opt.jwt_secret;
    const char *ref = e->opt.project_ref;

    e->anon = emu_token_mint(secret, "anon", ref, KEY_IAT, KEY_EXP);
    e->service = emu_token_mint(secret, "service_role", ref, KEY_IAT, KEY_EXP);
    emu_token_opaque(secret, "sb_secret_", e->secret_key,
                     sizeof(e->secret_key));
    emu_token_opaque(secret, "sb_publishable_", e->publishable_key,
                     sizeof(e->publishable_key));
    if (!e->anon || !e->service) {
        fail("out of memory", NULL);
        return EXIT_RUNTIME;
    }
    e->api.store = e->store;
    e->api.keys.jwt_secret = secret;
    e->api.keys.secret_key = e->secret_key;
    e->api.keys.publishable_key = e->publishable_key;
    return EXIT_OK;
}

static int load_tls(struct emulator *e)
{
    if (!e->opt.tls_cert)
        return EXIT_OK;
    e->tls_cert = read_file(e->opt.tls_cert, NULL);
    if (!e->tls_cert) {
        fail(e->opt.tls_cert, strerror(errno));
        return EXIT_RUNTIME;
    }
    e->tls_key = read_file(e->opt.tls_key, NULL);
    if (!e->tls_key) {
        fail(e->opt.tls_key, strerror(errno));
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

static int setup(struct emulator *e)
{
    char err[256];
    int rc;

    e->blobs =
        emu_blobs_new(e->opt.data_dir, e->opt.data_dir ? 0 : MEMORY_BODY_MAX,
                      err, sizeof(err));
    if (!e->blobs) {
        fail(err, NULL);
        return EXIT_RUNTIME;
    }
    e->store = emu_store_new(e->blobs);
    e->faults = emu_faults_new(e->opt.seed);
    e->stats = emu_stats_new();
    if (!e->store || !e->faults || !e->stats) {
        fail("out of memory", NULL);
        return EXIT_RUNTIME;
    }
    rc = load_rules(e);
    if (rc == EXIT_OK)
        rc = make_keys(e);
    if (rc == EXIT_OK)
        rc = seed(e);
    if (rc == EXIT_OK)
        rc = load_tls(e);
    return rc;
}

static int start(struct emulator *e)
{
    struct emu_server_config config = {
        .api = &e->api,
        .faults = e->faults,
        .stats = e->stats,
        .prefix = e->opt.prefix,
        .control = e->opt.control,
        .quiet = e->opt.quiet,
        .tls_cert = e->tls_cert,
        .tls_key = e->tls_key,
        .edges = e->opt.edges,
        .edge_count = e->opt.edge_count,
        .port = e->opt.port,
    };
    char err[256];

    e->server = emu_server_start(&config, err, sizeof(err));
    if (!e->server) {
        fail(err, NULL);
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

static void write_keys(struct emulator *e, FILE *f)
{
    const char *address = e->opt.edges[0].address;
    int v6 = strchr(address, ':') != NULL;

    fprintf(f, "SUPABASE_URL=%s://%s%s%s:%u\n", e->tls_cert ? "https" : "http",
            v6 ? "[" : "", address, v6 ? "]" : "", emu_server_port(e->server));
    fprintf(f, "SUPABASE_ANON_KEY=%s\n", e->anon);
    fprintf(f, "SUPABASE_SERVICE_ROLE_KEY=%s\n", e->service);
    fprintf(f, "SUPABASE_SECRET_KEY=%s\n", e->secret_key);
    fprintf(f, "SUPABASE_PUBLISHABLE_KEY=%s\n", e->publishable_key);
    fprintf(f, "BG_EMULATOR_PORT=%u\n", emu_server_port(e->server));
}

/* Writes the keys file through a temporary file and a rename, so a reader
 * that sees the file sees all of it. */
static int write_keys_file(struct emulator *e)
{
    const char *path = e->opt.keys_file;
    size_t len = strlen(path) + 32;
    char *tmp = malloc(len);
    FILE *f = NULL;
    int fd, rc = EXIT_RUNTIME;

    if (!tmp)
        goto out;
    snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || !(f = fdopen(fd, "w"))) {
        if (fd >= 0)
            close(fd);
        goto out;
    }
    write_keys(e, f);
    if (fflush(f) == 0 && fsync(fileno(f)) == 0 && fclose(f) == 0 &&
        rename(tmp, path) == 0)
        rc = EXIT_OK;
    else
        unlink(tmp);
    f = NULL;
out:
    if (f)
        fclose(f);
    if (rc != EXIT_OK)
        fail(path, strerror(errno));
    free(tmp);
    return rc;
}

static void teardown(struct emulator *e)
{
    emu_server_stop(e->server);
    free(e->tls_key);
    free(e->tls_cert);
    free(e->service);
    free(e->anon);
    emu_stats_free(e->stats);
    emu_faults_free(e->faults);
    emu_store_free(e->store);
    emu_blobs_free(e->blobs);
}

static int serve(int argc, char **argv)
{
    struct emulator e;
    sigset_t stop;
    char err[256];
    int sig, rc;

    memset(&e, 0, sizeof(e));
    switch (emu_options_parse(argc, argv, &e.opt, err, sizeof(err))) {
    case EMU_PARSE_EXIT:
        return EXIT_OK;
    case EMU_PARSE_USAGE:
        fail(err, NULL);
        return EXIT_USAGE;
    case EMU_PARSE_OK:
        break;
    }

    /* Blocked before any thread exists, so only sigwait sees them. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    rc = setup(&e);
    if (rc == EXIT_OK)
        rc = start(&e);
    if (rc == EXIT_OK && e.opt.keys_file)
        rc = write_keys_file(&e);
    if (rc == EXIT_OK) {
        if (!e.opt.quiet) {
            write_keys(&e, stdout);
            fflush(stdout);
        }
        sigwait(&stop, &sig);
    }
    teardown(&e);
    return rc;
}

static int mint(int argc, char **argv)
{
    struct emu_mint_options o;
    char err[256];
    char *token;

    switch (
        emu_mint_parse(argc, argv, (int64_t)time(NULL), &o, err, sizeof(err))) {
    case EMU_PARSE_EXIT:
        return EXIT_OK;
    case EMU_PARSE_USAGE:
        fail(err, NULL);
        return EXIT_USAGE;
    case EMU_PARSE_OK:
        break;
    }
    token = emu_token_mint(o.jwt_secret, o.role, o.ref, o.iat, o.exp);
    if (!token) {
        fail("out of memory", NULL);
        return EXIT_RUNTIME;
    }
    printf("%s\n", token);
    free(token);
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "mint") == 0)
        return mint(argc - 1, argv + 1);
    return serve(argc, argv);
}
