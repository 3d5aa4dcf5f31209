/* The inference of the diagnose command: from what was observed, the
 * causes that explain a failure, each with a stable identifier, its
 * evidence and its fix, ranked by the strength of that evidence. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "diag.h"

enum { LOW = 1, MEDIUM = 2, HIGH = 3 };

static struct diag_cause *find(struct diag *d, const char *id)
{
    for (size_t i = 0; i < d->ncauses; i++)
        if (strcmp(d->causes[i].id, id) == 0)
            return &d->causes[i];
    return NULL;
}

/* Adds cause id, or raises its confidence and replaces its evidence when
 * it is already named. */
static void add(struct diag *d, const char *id, int confidence, const char *fix,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add(struct diag *d, const char *id, int confidence, const char *fix,
                const char *fmt, ...)
{
    struct diag_cause *k = find(d, id);
    va_list ap;

    if (k == NULL) {
        if (d->ncauses == DIAG_MAX_CAUSES)
            return;
        k = &d->causes[d->ncauses++];
        k->id = id;
        k->confidence = 0;
    }
    if (confidence < k->confidence)
        return;
    k->confidence = confidence;
    va_start(ap, fmt);
    vsnprintf(k->evidence, sizeof k->evidence, fmt, ap);
    va_end(ap);
    snprintf(k->fix, sizeof k->fix, "%s", fix);
}

static const char *text(const struct diag *d, const char *path)
{
    const char *s = json_string_value(diag_config_get(d, path));

    return s != NULL ? s : "";
}

static int has_hygiene(const struct diag *d, const char *path, const char *what)
{
    json_t *arr = diag_config_get(d, path), *v;
    size_t i;

    json_array_foreach(arr, i, v)
    {
        if (what == NULL ? strcmp(json_string_value(v), "slash") != 0
                         : strcmp(json_string_value(v), what) == 0)
            return 1;
    }
    return 0;
}

static const char *const fix_whitespace =
    "remove the newline, blanks or quotes from the variable where it is "
    "set (printf '%s' instead of echo; no quotes inside the value)";

/* ---- Configuration and keys ------------------------------------------ */

static void infer_hygiene(struct diag *d)
{
    static const char *const what[] = {"newline", "quotes", "space"};
    static const char *const said[] = {"a newline", "surrounding quotes",
                                       "surrounding blanks"};

    for (size_t i = 0; i < 3; i++) {
        if (has_hygiene(d, "service_key.hygiene", what[i]))
            add(d, "key_whitespace", HIGH, fix_whitespace,
                "SUPABASE_SERVICE_ROLE_KEY carries %s; bucketguard removed "
                "it, but a worker that sends the value as it is sends an "
                "invalid token, which Storage treats as anonymous (\"Bucket "
                "not found\")",
                said[i]);
        else if (has_hygiene(d, "anon_key.hygiene", what[i]))
            add(d, "key_whitespace", MEDIUM, fix_whitespace,
                "SUPABASE_ANON_KEY carries %s; sent as it is, it is an "
                "invalid token",
                said[i]);
    }
    if (has_hygiene(d, "url.hygiene", NULL))
        add(d, "url_shape", MEDIUM,
            "set SUPABASE_URL to https://<ref>.supabase.co with no quotes, "
            "blanks, newline or doubled /storage/v1",
            "SUPABASE_URL needed cleaning (quotes, blanks, a newline or a "
            "doubled /storage/v1); a worker that uses it as it is builds "
            "wrong request URLs");
}

static void infer_identity(struct diag *d)
{
    const char *role = text(d, "service_key.role");
    const char *format = text(d, "service_key.format");

    if (strcmp(role, "anon") == 0 ||
        json_is_true(diag_config_get(d, "service_key.same_as_anon_key")))
        add(d, "key_is_anon", HIGH,
            "put the service_role key (Project Settings > API) in "
            "SUPABASE_SERVICE_ROLE_KEY",
            "the key in SUPABASE_SERVICE_ROLE_KEY is the anon key (role "
            "claim '%s'%s): private buckets look missing to it",
            role,
            json_is_true(diag_config_get(d, "service_key.same_as_anon_key"))
                ? ", same value as SUPABASE_ANON_KEY"
                : "");
    else if (strcmp(format, "publishable") == 0)
        add(d, "key_is_anon", HIGH,
            "put an sb_secret_ key or the service_role key in "
            "SUPABASE_SERVICE_ROLE_KEY",
            "SUPABASE_SERVICE_ROLE_KEY holds an sb_publishable_ key, which "
            "has anonymous rights only");
    else if (strcmp(format, "malformed") == 0)
        add(d, "key_format", d->key_state == DIAG_KEY_MALFORMED ? HIGH : MEDIUM,
            "copy the service_role key again, whole, from the project's API "
            "settings",
            "SUPABASE_SERVICE_ROLE_KEY is neither a JWT nor an sb_ key%s",
            d->key_state == DIAG_KEY_MALFORMED ? " and the server rejects it"
                                               : "");
}

/* The project the URL names against the project the key claims; without
 * a hosted URL, the anon key's claim is the reference. */
static void infer_project(struct diag *d)
{
    const char *url_ref = text(d, "url.project_ref");
    const char *key_ref = text(d, "service_key.ref");
    const char *anon_ref = text(d, "anon_key.ref");
    const char *ref = url_ref[0] ? url_ref : anon_ref;
    int rejected = d->key_state == DIAG_KEY_SIGNATURE;

    if (ref[0] == '\0' || key_ref[0] == '\0' || strcmp(ref, key_ref) == 0)
        return;
    add(d, "key_wrong_project",
        rejected     ? HIGH
        : url_ref[0] ? MEDIUM
                     : LOW,
        "use the service_role key of the project the URL names",
        "the service key belongs to project '%s' but %s names '%s'%s", key_ref,
        url_ref[0] ? "SUPABASE_URL" : "the anon key", ref,
        rejected ? "; the server rejects its signature" : "");
}

static void infer_server_key(struct diag *d)
{
    const char *fix_secret = "use the service_role key of this project "
                             "(Project Settings > API); it was signed "
                             "with another JWT secret";

    if (json_is_true(diag_config_get(d, "service_key.expired")) ||
        d->key_state == DIAG_KEY_EXPIRED)
        add(d, "key_expired", d->key_state == DIAG_KEY_EXPIRED ? HIGH : MEDIUM,
            "put a current service_role key in SUPABASE_SERVICE_ROLE_KEY",
            "the service key's exp claim is in the past%s%s",
            d->key_state == DIAG_KEY_EXPIRED ? "; the server answers: " : "",
            d->key_state == DIAG_KEY_EXPIRED ? d->key_message : "");
    else if (d->key_state == DIAG_KEY_SIGNATURE &&
             find(d, "key_wrong_project") == NULL)
        add(d, "key_wrong_secret", HIGH, fix_secret,
            "the server rejects the service key: \"%s\" (GET /bucket "
            "answered %d/%d %s)",
            d->key_message, d->key_rep.http_status, d->key_rep.body_status,
            d->key_rep.code);
    else if (d->key_state == DIAG_KEY_MALFORMED)
        add(d, "key_format", HIGH,
            "copy the service_role key again, whole, from the project's API "
            "settings",
            "the server cannot read the service key: \"%s\"", d->key_message);
    else if (d->key_state == DIAG_KEY_REJECTED)
        add(d, "key_rejected", HIGH,
            "check that SUPABASE_SERVICE_ROLE_KEY holds this project's "
            "service_role key",
            "the server rejects the service key: %d/%d %s \"%s\"",
            d->key_rep.http_status, d->key_rep.body_status, d->key_rep.code,
            d->key_message);
    else if (d->key_state == DIAG_KEY_UNAVAILABLE)
        add(d, "storage_unavailable", HIGH,
            "wait and retry with backoff; check the project's status page",
            "Storage answers %d/%d %s: it is overloaded or down",
            d->key_rep.http_status, d->key_rep.body_status, d->key_rep.code);
    else if (d->key_state == DIAG_KEY_UNKNOWN)
        add(d, "storage_unreachable", HIGH,
            "check SUPABASE_URL, DNS, the network path and TLS trust",
            "no answer from Storage (%s): nothing reached the server",
            d->key_rep.code[0] ? d->key_rep.code : "no connection");
}

/* ---- Bucket ------------------------------------------------------------ */

static void infer_bucket(struct diag *d)
{
    if (d->bucket_exists == DIAG_NO && d->case_match[0] != '\0')
        add(d, "bucket_case_mismatch", HIGH,
            "use the bucket id with its exact case",
            "bucket '%s' does not exist but '%s' does: bucket ids are "
            "case-sensitive",
            d->bucket, d->case_match);
    else if (d->bucket_exists == DIAG_NO)
        add(d, "bucket_missing", HIGH,
            "create the bucket (bucketguard buckets create ID) or fix its "
            "name",
            "bucket '%s' does not exist: GET /bucket/%s answers "
            "NoSuchBucket to a service key the server accepts (%zu buckets "
            "listed)",
            d->bucket, d->bucket, json_array_size(d->buckets));
    if (diag_route_word(d->bucket))
        add(d, "bucket_route_name_collision",
            d->bucket_exists == DIAG_YES ? MEDIUM : LOW,
            "rename the bucket: route words (public, authenticated, info, "
            "sign, list, upload) make its object paths ambiguous",
            "bucket '%s' is named like a route of /object/ paths", d->bucket);
    if (d->public_checked && strcmp(d->form, "public") == 0 &&
        !d->bucket_public)
        add(d, "public_url_private_bucket", HIGH,
            "use a signed URL (bucketguard sign) or an authenticated "
            "request, or make the bucket public",
            "the URL uses /object/public/ but bucket '%s' is private: "
            "public URLs answer %d/%d %s even with the service key",
            d->bucket, d->public_rep.http_status, d->public_rep.body_status,
            d->public_rep.code);
}

/* ---- Object and routes ------------------------------------------------- */

static void infer_late(struct diag *d)
{
    if (!d->rechecked)
        return;
    if (d->found_after >= 0)
        add(d, "object_late", HIGH,
            "retry a missing object for a few seconds after its upload "
            "(setting missing_grace), or wait for the upload to be "
            "confirmed before reading",
            "'%s/%s' was missing (NoSuchKey on every route) and appeared "
            "%.1f s later on route %s",
            d->bucket, d->key, d->found_after, d->recheck_route);
    else
        add(d, "object_missing", HIGH, "upload the object or fix its key",
            "'%s/%s' does not exist: NoSuchKey on every route, still "
            "missing after %.0f s of re-checks",
            d->bucket, d->key, d->waited);
}

static int works(const struct diag_route *r)
{
    return r->kind == DIAG_FOUND || r->kind == DIAG_MISSING;
}

static int fails(const struct diag_route *r)
{
    return r->kind == DIAG_NO_BUCKET || r->kind == DIAG_DENIED ||
           r->kind == DIAG_FAILED;
}

/* The address a route reached: the report's, else a pinned edge's. */
static const char *address_of(const struct diag_route *r)
{
    if (r->rep.address[0] != '\0')
        return r->rep.address;
    return strncmp(r->name, "edge-", 5) == 0 ? r->name + 5 : "";
}

static int address_works(const struct diag *d, const char *address)
{
    for (size_t i = 0; i < d->nroutes; i++)
        if (works(&d->routes[i]) &&
            strcmp(address_of(&d->routes[i]), address) == 0)
            return 1;
    return 0;
}

/* Appends "name (answer)" of the routes that pick() selects to buf. */
static void route_list(const struct diag *d,
                       int (*pick)(const struct diag *, size_t), char *buf,
                       size_t n)
{
    size_t w = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < d->nroutes && w + 1 < n; i++) {
        const struct diag_route *r = &d->routes[i];
        if (!pick(d, i))
            continue;
        snprintf(buf + w, n - w, "%s%s (%s%s%s)", w ? ", " : "", r->name,
                 r->rep.code[0] ? r->rep.code : "ok", r->rep.colo[0] ? " " : "",
                 r->rep.colo);
        w = strlen(buf);
    }
}

static int pick_edge_failure(const struct diag *d, size_t i)
{
    return fails(&d->routes[i]) && !address_works(d, address_of(&d->routes[i]));
}

static int pick_route_failure(const struct diag *d, size_t i)
{
    return fails(&d->routes[i]) && address_works(d, address_of(&d->routes[i]));
}

static int pick_working(const struct diag *d, size_t i)
{
    return works(&d->routes[i]);
}

static void infer_routes(struct diag *d)
{
    char bad_edge[DIAG_TEXT / 2], bad_route[DIAG_TEXT / 2], good[160];
    int mixed;

    route_list(d, pick_edge_failure, bad_edge, sizeof bad_edge);
    route_list(d, pick_route_failure, bad_route, sizeof bad_route);
    route_list(d, pick_working, good, sizeof good);
    if (good[0] == '\0' || (bad_edge[0] == '\0' && bad_route[0] == '\0'))
        return;
    mixed = bad_edge[0] != '\0' && bad_route[0] != '\0';
    if (bad_edge[0] != '\0')
        add(d, "edge_dependent", mixed ? MEDIUM : HIGH,
            "pin the working edge address (--resolve) or let requests fail "
            "over across edges (bucketguard's edge routes); report the "
            "cf-ray values to Supabase",
            "every request to one edge address fails while others answer: "
            "failing %s; working %s",
            bad_edge, good);
    if (bad_route[0] != '\0')
        add(d, "route_dependent", mixed ? MEDIUM : HIGH,
            "let requests fail over across routes (bucketguard's client "
            "does), or send a working header profile from the worker; "
            "report the cf-ray values to Supabase",
            "the answer depends on the request's route at the same address: "
            "failing %s; working %s",
            bad_route, good);
}

/* Nothing works while the bucket exists and the key is good: the object
 * routes contradict the bucket routes. */
static void infer_all_failing(struct diag *d)
{
    size_t i, failing = 0, no_bucket = 0, usable = 0;

    for (i = 0; i < d->nroutes; i++) {
        const struct diag_route *r = &d->routes[i];
        if (r->kind == DIAG_NA)
            continue;
        usable++;
        failing += fails(r);
        no_bucket += r->kind == DIAG_NO_BUCKET;
    }
    if (usable == 0 || failing < usable)
        return;
    if (no_bucket == usable && d->bucket_exists == DIAG_YES)
        add(d, "bucket_hidden", MEDIUM,
            "check the bucket's storage policies; report the cf-ray values "
            "to Supabase",
            "bucket '%s' exists (GET /bucket/%s) but every route's object "
            "request answers NoSuchBucket",
            d->bucket, d->bucket);
    else if (no_bucket == 0)
        add(d, "storage_unavailable", MEDIUM,
            "wait and retry with backoff; check the project's status page",
            "every route failed to reach '%s/%s' (%s on route %s)", d->bucket,
            d->key, d->routes[0].rep.code, d->routes[0].name);
}

/* ---- Ranking ------------------------------------------------------------ */

static void rank(struct diag *d)
{
    for (size_t i = 1; i < d->ncauses; i++) {
        struct diag_cause k = d->causes[i];
        size_t j = i;
        for (; j > 0 && d->causes[j - 1].confidence < k.confidence; j--)
            d->causes[j] = d->causes[j - 1];
        d->causes[j] = k;
    }
    d->mixed =
        d->ncauses > 1 && d->causes[0].confidence == d->causes[1].confidence;
}

void diag_infer(struct diag *d)
{
    infer_hygiene(d);
    infer_identity(d);
    infer_project(d);
    infer_server_key(d);

    /* Bucket and object answers mean something only to a key with the
     * service role that the server accepts. */
    if (d->key_state == DIAG_KEY_ACCEPTED && find(d, "key_is_anon") == NULL) {
        infer_bucket(d);
        if (d->bucket_exists != DIAG_NO) {
            infer_late(d);
            infer_routes(d);
            infer_all_failing(d);
        }
    }
    rank(d);
}

static const char *const level[] = {"no", "low", "medium", "high"};

void diag_verdict(const struct diag *d, char *out, size_t n)
{
    const struct diag_cause *k = &d->causes[0];

    if (d->ncauses == 0) {
        snprintf(out, n,
                 "No problem found: the service key is accepted and "
                 "'%s/%s' answers on every route.",
                 d->bucket, d->key);
        return;
    }
    if (d->mixed)
        snprintf(out, n,
                 "Mixed evidence, most likely %s (%s confidence, as is %s): "
                 "%s; fix: %s.",
                 k->id, level[k->confidence], d->causes[1].id, k->evidence,
                 k->fix);
    else
        snprintf(out, n, "Cause: %s (%s confidence): %s; fix: %s.", k->id,
                 level[k->confidence], k->evidence, k->fix);
}
