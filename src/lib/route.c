/* The route table: which routes a client uses, how each has fared, and
 * the order in which a round tries them (the last success first, then by
 * recent success; routes that keep failing are ejected for a while and
 * re-admitted by a single trial). */
#include "route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BROWSER_UA                                                             \
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "         \
    "Gecko) Chrome/124.0.0.0 Safari/537.36"

#define NONE ((size_t)-1)

/* A score moves this far toward 1 on success and toward 0 on failure. */
#define SCORE_WEIGHT 0.2

static void set_name(struct bg__route_spec *s, const char *name)
{
    snprintf(s->name, sizeof(s->name), "%s", name);
}

static void set_ua(struct bg__route_spec *s, enum bg__ua_mode mode,
                   const char *ua)
{
    s->ua_mode = mode;
    snprintf(s->user_agent, sizeof(s->user_agent), "%s", ua);
}

/* The default header profile: our own User-Agent, keep-alive, and the
 * full set of headers the engine adds. */
static void default_spec(struct bg__route_spec *s, const char *name)
{
    memset(s, 0, sizeof(*s));
    set_name(s, name);
    set_ua(s, BG__UA_DEFAULT, "bucketguard/" BG_VERSION);
}

unsigned bg__builtin_routes(struct bg__route_spec *out, unsigned max)
{
    struct bg__route_spec v[10];
    unsigned i, n = 0;

    default_spec(&v[n++], "default");
    default_spec(&v[n], "library-ua");
    set_ua(&v[n++], BG__UA_CUSTOM, "python-httpx/0.27.0");
    default_spec(&v[n], "browser-ua");
    set_ua(&v[n], BG__UA_CUSTOM, BROWSER_UA);
    v[n++].browser = 1;
    default_spec(&v[n], "conn-close");
    v[n++].conn_close = 1;
    default_spec(&v[n], "minimal");
    set_ua(&v[n], BG__UA_NONE, "");
    v[n++].minimal = 1;
    default_spec(&v[n], "ipv4");
    v[n++].ip = 4;
    default_spec(&v[n], "ipv6");
    v[n++].ip = 6;
    default_spec(&v[n], "http1.1");
    v[n++].http = 11;
    default_spec(&v[n], "http2");
    v[n++].http = 2;
    default_spec(&v[n], "fresh");
    v[n++].fresh = 1;

    for (i = 0; i < n && i < max; i++)
        out[i] = v[i];
    return i;
}

static const struct bg__route_spec *find_spec(const struct bg_config *cfg,
                                              const char *name, size_t len)
{
    unsigned i;

    for (i = 0; i < cfg->nroutes; i++) {
        const char *have = cfg->routes[i].name;
        if (strlen(have) == len && strncmp(have, name, len) == 0)
            return &cfg->routes[i];
    }
    return NULL;
}

static int already_added(const struct bg__routes *t, const char *name)
{
    return bg__routes_find(t, name) != NONE;
}

static void add_route(struct bg__routes *t, const struct bg__route_spec *s,
                      int skip_browser)
{
    struct bg__route *r;

    if ((skip_browser && s->browser) || already_added(t, s->name))
        return;
    r = &t->v[t->n++];
    memset(r, 0, sizeof(*r));
    r->spec = *s;
    r->score = 1.0;
}

/* Adds the routes cfg->route_list names, in the list's order (so the list
 * also sets the preference among routes that have not been tried yet), or
 * every configured route when there is no list. The name "edges" in a list
 * asks for the per-address routes; without a list they come by default.
 * A user who names routes gets those and no others. */
static bg_result add_listed(struct bg__routes *t, const struct bg_config *cfg,
                            int skip_browser, int *want_edges)
{
    const char *p = cfg->route_list;
    unsigned i;

    *want_edges = p == NULL;
    if (p == NULL) {
        for (i = 0; i < cfg->nroutes; i++)
            add_route(t, &cfg->routes[i], skip_browser);
        return BG_OK;
    }
    while (*p != '\0') {
        const struct bg__route_spec *s;
        size_t len;

        p += strspn(p, " \t,");
        len = strcspn(p, " \t,");
        if (len == 0)
            continue;
        if (len == 5 && strncmp(p, "edges", 5) == 0) {
            *want_edges = 1;
            p += len;
            continue;
        }
        s = find_spec(cfg, p, len);
        if (s == NULL)
            return BG_E_CONFIG;
        add_route(t, s, skip_browser);
        p += len;
    }
    return BG_OK;
}

/* One route per resolved address, pinned, with the header profile of the
 * configured "default" route (the built-in one when it was removed). An
 * address too long for a route name gives "edge-N" instead.
 * NOTE: addresses that do not fit a spec's address field are skipped. */
static void add_edges(struct bg__routes *t, const struct bg_config *cfg,
                      const char *const *addrs, size_t naddrs)
{
    struct bg__route_spec base, s;
    const struct bg__route_spec *d = find_spec(cfg, "default", 7);
    size_t i;
    int len;

    if (d != NULL)
        base = *d;
    else
        default_spec(&base, "default");

    for (i = 0; i < naddrs; i++) {
        if (strlen(addrs[i]) >= sizeof(s.address))
            continue;
        s = base;
        snprintf(s.address, sizeof(s.address), "%s", addrs[i]);
        len = snprintf(s.name, sizeof(s.name), "edge-%s", addrs[i]);
        if (len < 0 || (size_t)len >= sizeof(s.name))
            snprintf(s.name, sizeof(s.name), "edge-%zu", i + 1);
        add_route(t, &s, 0);
    }
}

static int64_t seconds_us(double s)
{
    return s > 0 ? (int64_t)(s * 1e6) : 0;
}

bg_result bg__routes_init(struct bg__routes *t, const struct bg_config *cfg,
                          int skip_browser, const char *const *addrs,
                          size_t naddrs)
{
    bg_result result;
    int edges = naddrs > 1 && cfg->edge_routes && !cfg->kill_switch;
    int want_edges;

    memset(t, 0, sizeof(*t));
    t->v = calloc(cfg->nroutes + (edges ? naddrs : 0) + 1, sizeof(*t->v));
    if (t->v == NULL)
        return BG_E_NOMEM;

    result = add_listed(t, cfg, skip_browser, &want_edges);
    if (result != BG_OK)
        goto fail;
    if (cfg->kill_switch && t->n > 1)
        t->n = 1;
    if (edges && want_edges)
        add_edges(t, cfg, addrs, naddrs);
    if (t->n == 0) {
        result = BG_E_CONFIG;
        goto fail;
    }

    t->eject_after = cfg->eject_after;
    t->eject_base_us = seconds_us(cfg->eject_base);
    t->eject_max_us = seconds_us(cfg->eject_max);
    t->trial_lease_us =
        seconds_us(cfg->deadline > 0 ? cfg->deadline : cfg->eject_base);
    pthread_mutex_init(&t->lock, NULL);
    return BG_OK;

fail:
    free(t->v);
    memset(t, 0, sizeof(*t));
    return result;
}

void bg__routes_free(struct bg__routes *t)
{
    if (t->v == NULL)
        return;
    pthread_mutex_destroy(&t->lock);
    free(t->v);
    memset(t, 0, sizeof(*t));
}

size_t bg__routes_find(const struct bg__routes *t, const char *name)
{
    size_t i;

    for (i = 0; i < t->n; i++)
        if (strcmp(t->v[i].spec.name, name) == 0)
            return i;
    return NONE;
}

static int admitted(const struct bg__route *r)
{
    return r->ejected_until_us == 0;
}

/* Appends the admitted routes other than skip to order[n..] by score,
 * highest first, ties by index; with too little room the lowest are left
 * out. Returns the new count. Lock held. */
static size_t add_by_score(const struct bg__routes *t, size_t skip,
                           size_t *order, size_t n, size_t max)
{
    size_t i, j, first = n;

    for (i = 0; i < t->n; i++) {
        double score = t->v[i].score;

        if (i == skip || !admitted(&t->v[i]))
            continue;
        if (n == max) {
            if (n == first || t->v[order[n - 1]].score >= score)
                continue;
            n--; /* the lowest so far makes room */
        }
        for (j = n; j > first && t->v[order[j - 1]].score < score; j--)
            order[j] = order[j - 1];
        order[j] = i;
        n++;
    }
    return n;
}

/* Lets routes whose ejection has ended in as trials, at the end of the
 * order. The lease keeps concurrent rounds from trying the same route at
 * once; it lapses if this round ends before reaching the trial. */
static size_t add_trials(struct bg__routes *t, int64_t now_us, size_t *order,
                         size_t n, size_t max)
{
    size_t i;

    for (i = 0; i < t->n && n < max; i++) {
        struct bg__route *r = &t->v[i];

        if (admitted(r) || now_us < r->ejected_until_us)
            continue;
        r->trial = 1;
        r->ejected_until_us = now_us + t->trial_lease_us;
        order[n++] = i;
    }
    return n;
}

/* The route whose ejection ends first. Lock held. */
static size_t soonest_back(const struct bg__routes *t)
{
    size_t i, best = 0;

    for (i = 1; i < t->n; i++)
        if (t->v[i].ejected_until_us < t->v[best].ejected_until_us)
            best = i;
    return best;
}

size_t bg__routes_order(struct bg__routes *t, int64_t now_us, size_t *order,
                        size_t max)
{
    size_t n = 0, sticky;

    if (max == 0 || t->n == 0)
        return 0;
    pthread_mutex_lock(&t->lock);

    sticky = t->sticky < t->n && admitted(&t->v[t->sticky]) ? t->sticky : NONE;
    if (sticky != NONE)
        order[n++] = sticky;
    n = add_by_score(t, sticky, order, n, max);
    n = add_trials(t, now_us, order, n, max);
    if (n == 0)
        order[n++] = soonest_back(t);

    pthread_mutex_unlock(&t->lock);
    return n;
}

/* The admitted route with the best score, or NONE. Lock held. */
static size_t best_admitted(const struct bg__routes *t)
{
    size_t i, best = NONE;

    for (i = 0; i < t->n; i++) {
        if (!admitted(&t->v[i]))
            continue;
        if (best == NONE || t->v[i].score > t->v[best].score)
            best = i;
    }
    return best;
}

static int64_t ejection_length(const struct bg__routes *t, unsigned times)
{
    int64_t len = t->eject_base_us;

    while (times-- > 0 && len < t->eject_max_us)
        len *= 2;
    return len < t->eject_max_us ? len : t->eject_max_us;
}

/* Ejects route i and, when it was sticky, hands stickiness to the best
 * admitted route. Lock held. */
static void eject(struct bg__routes *t, size_t i, int64_t now_us)
{
    struct bg__route *r = &t->v[i];
    size_t best;

    r->ejected_until_us = now_us + ejection_length(t, r->ejections);
    r->ejections++;
    r->consecutive = 0;
    if (t->sticky == i && (best = best_admitted(t)) != NONE)
        t->sticky = best;
}

static void readmit(struct bg__route *r)
{
    r->ejected_until_us = 0;
    r->trial = 0;
}

/* A route-suspect outcome. A failed trial is ejected again at once, for
 * longer; an admitted route after eject_after in a row (0 never ejects),
 * unless it is the last admitted one. A route already out only counts.
 * NOTE: the ejection count never decays, so a route that failed long ago
 * is ejected for longer when it fails again. */
static void record_suspect(struct bg__routes *t, size_t i, int was_trial,
                           int64_t now_us)
{
    struct bg__route *r = &t->v[i];
    size_t j, others = 0;

    r->failures++;
    r->last_failure_us = now_us;
    r->score *= 1 - SCORE_WEIGHT;
    if (was_trial) {
        eject(t, i, now_us);
        return;
    }
    if (!admitted(r))
        return;

    r->consecutive++;
    if (t->eject_after == 0 || r->consecutive < t->eject_after)
        return;
    for (j = 0; j < t->n; j++)
        others += j != i && admitted(&t->v[j]);
    if (others > 0)
        eject(t, i, now_us);
}

static void record(struct bg__routes *t, size_t i, bg_outcome outcome,
                   int64_t now_us, int pinned)
{
    struct bg__route *r;
    int was_trial;

    if (i >= t->n)
        return;
    pthread_mutex_lock(&t->lock);
    r = &t->v[i];
    was_trial = r->trial;
    r->trial = 0;

    switch (outcome) {
    case BG_OUTCOME_OK:
        r->consecutive = 0;
        r->successes++;
        r->last_success_us = now_us;
        r->score = r->score * (1 - SCORE_WEIGHT) + SCORE_WEIGHT;
        readmit(r);
        if (!pinned)
            t->sticky = i;
        break;
    case BG_OUTCOME_DEFINITIVE:
        /* The route carried the server's final word: it works. */
        r->consecutive = 0;
        r->score = r->score * (1 - SCORE_WEIGHT) + SCORE_WEIGHT;
        if (was_trial)
            readmit(r);
        break;
    case BG_OUTCOME_ROUTE_SUSPECT:
        record_suspect(t, i, was_trial, now_us);
        break;
    }
    pthread_mutex_unlock(&t->lock);
}

void bg__routes_record(struct bg__routes *t, size_t i, bg_outcome outcome,
                       int64_t now_us)
{
    record(t, i, outcome, now_us, 0);
}

void bg__routes_record_pinned(struct bg__routes *t, size_t i,
                              bg_outcome outcome, int64_t now_us)
{
    record(t, i, outcome, now_us, 1);
}
