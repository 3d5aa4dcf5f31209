/* The metrics registry: attempt events in, fixed-size figures out. Every
 * table has a fixed capacity and an "other" bucket, so memory does not
 * grow with traffic or with the variety of names a server sends back. */
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "registry.h"

#define COMBO_LIMIT (BG__REG_COMBOS / 8 * 7) /* then labels become "other" */
#define COMBO_USED  (1u << 31)

/* Copies src into dst (size n), cut to fit, with every byte outside
 * printable ASCII replaced: names come from servers and end up in JSON
 * strings and Prometheus labels, which want valid, printable text. */
static void clean_copy(char *dst, size_t n, const char *src)
{
    size_t i;

    for (i = 0; src != NULL && src[i] != '\0' && i + 1 < n; i++) {
        unsigned char c = (unsigned char)src[i];

        dst[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    dst[i] = '\0';
}

static unsigned name_hash(const char *s)
{
    unsigned h = 2166136261u;

    while (*s != '\0')
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

/* Index of name in t, added when there is room, else BG__REG_OTHER. */
static unsigned intern(struct bg__names *t, const char *name)
{
    unsigned mask = 2 * BG__REG_NAMES - 1;
    unsigned h = name_hash(name) & mask;

    while (t->slot[h] != 0) {
        unsigned i = t->slot[h] - 1u;

        if (strcmp(t->name[i], name) == 0)
            return i;
        h = (h + 1) & mask;
    }
    if (t->n >= BG__REG_NAMES)
        return BG__REG_OTHER;
    memcpy(t->name[t->n], name, strlen(name) + 1);
    t->slot[h] = (uint8_t)(t->n + 1);
    return t->n++;
}

const char *bg__names_get(const struct bg__names *t, unsigned i)
{
    return i < t->n ? t->name[i] : "other";
}

static uint32_t combo_key(unsigned route, unsigned colo, unsigned op,
                          unsigned outcome, unsigned kind)
{
    return COMBO_USED | route << 14 | colo << 7 | op << 3 | outcome << 1 | kind;
}

void bg__combo_labels(uint32_t key, unsigned *route, unsigned *colo,
                      unsigned *op, unsigned *outcome, unsigned *kind)
{
    *route = key >> 14 & 0x7f;
    *colo = key >> 7 & 0x7f;
    *op = key >> 3 & 0xf;
    *outcome = key >> 1 & 0x3;
    *kind = key & 1;
}

/* Counts one attempt under its labels. Once the table is nearly full, new
 * label sets share one series per outcome and kind, which keeps the
 * exported label cardinality bounded. */
static void combo_add(struct bg__reg_stats *s, uint32_t key)
{
    uint32_t spill = combo_key(BG__REG_OTHER, BG__REG_OTHER, BG_OP_COUNT,
                               key >> 1 & 0x3, key & 1);
    unsigned mask = BG__REG_COMBOS - 1;
    unsigned h, i;

    for (;;) {
        h = (key * 2654435761u) >> 23 & mask;
        for (i = 0; i < BG__REG_COMBOS; i++, h = (h + 1) & mask) {
            if (s->combo[h].key == key) {
                s->combo[h].count++;
                return;
            }
            if (s->combo[h].key == 0)
                break;
        }
        if (i == BG__REG_COMBOS)
            return;
        if (s->ncombos < COMBO_LIMIT || key == spill) {
            s->combo[h].key = key;
            s->combo[h].count = 1;
            s->ncombos++;
            return;
        }
        key = spill;
    }
}

static size_t hist_index(int64_t d_us)
{
    uint64_t v;
    int msb;

    if (d_us < BG__HIST_BASE_US)
        return 0;
    if (d_us >= (int64_t)BG__HIST_BASE_US << BG__HIST_OCTAVES)
        return BG__HIST_BUCKETS - 1;
    /* In units of 1/1024 of the base, the octave is the position of the
     * top bit and the sub-bucket the two bits below it. */
    v = (uint64_t)d_us * 1024 / BG__HIST_BASE_US;
    msb = 63 - __builtin_clzll(v);
    return 1 + (size_t)(msb - 10) * BG__HIST_SUB + (v >> (msb - 2) & 3);
}

int64_t bg__hist_upper_us(size_t i)
{
    size_t o, sub;

    if (i == 0)
        return BG__HIST_BASE_US;
    if (i >= BG__HIST_BUCKETS - 1)
        return -1;
    o = (i - 1) / BG__HIST_SUB;
    sub = (i - 1) % BG__HIST_SUB;
    return ((int64_t)(BG__HIST_BASE_US / BG__HIST_SUB) << o) *
           (int64_t)(BG__HIST_SUB + sub + 1);
}

void bg__hist_add(struct bg__hist *h, int64_t d_us)
{
    if (d_us < 0)
        d_us = 0;
    if (h->count == 0 || d_us < h->min_us)
        h->min_us = d_us;
    if (h->count == 0 || d_us > h->max_us)
        h->max_us = d_us;
    h->bucket[hist_index(d_us)]++;
    h->count++;
    h->sum_us += (uint64_t)d_us;
}

void bg__hist_merge(struct bg__hist *dst, const struct bg__hist *src)
{
    size_t i;

    if (src->count == 0)
        return;
    if (dst->count == 0 || src->min_us < dst->min_us)
        dst->min_us = src->min_us;
    if (dst->count == 0 || src->max_us > dst->max_us)
        dst->max_us = src->max_us;
    for (i = 0; i < BG__HIST_BUCKETS; i++)
        dst->bucket[i] += src->bucket[i];
    dst->count += src->count;
    dst->sum_us += src->sum_us;
}

double bg__hist_quantile(const struct bg__hist *h, double q)
{
    double target, lower, upper, v;
    uint64_t cum = 0;
    size_t i;

    if (h->count == 0)
        return 0;
    target = q * (double)h->count;
    if (target < 1)
        target = 1;
    for (i = 0; i < BG__HIST_BUCKETS - 1; i++) {
        if ((double)(cum + h->bucket[i]) >= target)
            break;
        cum += h->bucket[i];
    }
    if (i == BG__HIST_BUCKETS - 1)
        return (double)h->max_us;

    lower = i == 0 ? 0 : (double)bg__hist_upper_us(i - 1);
    upper = (double)bg__hist_upper_us(i);
    v = lower + (upper - lower) * (target - (double)cum) / (double)h->bucket[i];
    if (v < (double)h->min_us)
        v = (double)h->min_us;
    if (v > (double)h->max_us)
        v = (double)h->max_us;
    return v;
}

/* The event's strings, cleaned before the lock is taken so that the
 * critical section only counts. */
struct prepared {
    char route[BG__REG_NAME_LEN];
    char colo[BG__REG_NAME_LEN];
    char code[BG__REG_NAME_LEN];
    char cache[BG__REG_NAME_LEN];
    char ray[BG__REG_NAME_LEN + 16];
    char message[256];
    unsigned outcome, kind;
    unsigned call_outcome; /* how the call ended, as an outcome */
    int counts_health;     /* the last attempt of a call in the window */
    int failed;            /* the call failed, for health */
    int64_t end_us;
};

/* Whether a finished call counts as access failing. A probe fails unless
 * it read the probe object. Passive traffic fails when Storage could not
 * be reached or refused the key; an answer such as "no such object" means
 * access worked. */
static int call_failed(const bg_event *ev)
{
    if (ev->probe == 1)
        return ev->call_result != BG_OK;
    switch (ev->call_result) {
    case BG_E_EXHAUSTED:
    case BG_E_DEADLINE:
    case BG_E_BUDGET:
    case BG_E_AUTH:
    case BG_E_INTERNAL:
    case BG_E_NOMEM:
        return 1;
    default:
        return 0;
    }
}

static void prepare(const bg_event *ev, struct prepared *p)
{
    clean_copy(p->route, sizeof(p->route), ev->route);
    clean_copy(p->colo, sizeof(p->colo), ev->colo);
    if (p->route[0] == '\0')
        memcpy(p->route, "none", sizeof("none"));
    if (p->colo[0] == '\0')
        memcpy(p->colo, "none", sizeof("none"));
    clean_copy(p->code, sizeof(p->code), ev->code);
    clean_copy(p->cache, sizeof(p->cache), ev->cache_status);
    clean_copy(p->ray, sizeof(p->ray), ev->cf_ray);

    p->outcome = (unsigned)ev->outcome < BG__REG_OUTCOMES
                     ? (unsigned)ev->outcome
                     : BG_OUTCOME_ROUTE_SUSPECT;
    p->kind = ev->probe ? BG__KIND_PROBE : BG__KIND_PASSIVE;
    p->counts_health = ev->last && ev->probe != 2;
    p->failed = call_failed(ev);
    p->call_outcome = p->failed                  ? BG_OUTCOME_ROUTE_SUSPECT
                      : ev->call_result == BG_OK ? BG_OUTCOME_OK
                                                 : BG_OUTCOME_DEFINITIVE;
    p->end_us = ev->time_us + (ev->duration_us > 0 ? ev->duration_us : 0);

    /* The engine redacts already; a second pass costs little and only
     * happens for errors. */
    p->message[0] = '\0';
    if (p->outcome != BG_OUTCOME_OK && ev->message != NULL) {
        bg__redact(p->message, sizeof(p->message), ev->message);
        clean_copy(p->message, sizeof(p->message), p->message);
    }
}

static void tally_add(struct bg__tally *t, const bg_event *ev, unsigned outcome)
{
    t->outcomes[outcome]++;
    t->duration_us += ev->duration_us > 0 ? (uint64_t)ev->duration_us : 0;
    t->bytes += ev->bytes;
}

static void streak(unsigned *consecutive, unsigned *max, int failed)
{
    *consecutive = failed ? *consecutive + 1 : 0;
    if (*consecutive > *max)
        *max = *consecutive;
}

static void count_labels(struct bg__reg_stats *s, const bg_event *ev,
                         const struct prepared *p)
{
    unsigned route = intern(&s->routes, p->route);
    unsigned colo = intern(&s->colos, p->colo);
    unsigned op =
        (unsigned)ev->op < BG_OP_COUNT ? (unsigned)ev->op : BG_OP_COUNT;

    tally_add(&s->route_tally[route], ev, p->outcome);
    tally_add(&s->colo_tally[colo], ev, p->outcome);
    if (op < BG_OP_COUNT)
        tally_add(&s->op_tally[op], ev, p->outcome);
    combo_add(s, combo_key(route, colo, op, p->outcome, p->kind));

    if (p->code[0] != '\0')
        s->code_count[intern(&s->codes, p->code)]++;
    if (p->cache[0] != '\0')
        s->cache_count[intern(&s->caches, p->cache)]++;
    if (p->ray[0] != '\0') {
        memcpy(s->rays[s->ray_head], p->ray, sizeof(p->ray));
        s->ray_head = (s->ray_head + 1) % BG__REG_RAYS;
        if (s->nrays < BG__REG_RAYS)
            s->nrays++;
    }
}

static void count_health(struct bg__reg_stats *s, const bg_event *ev,
                         const struct prepared *p)
{
    struct bg__side *side = &s->side[p->kind];

    tally_add(&side->tally, ev, p->call_outcome);
    streak(&side->consecutive, &side->max_consecutive, p->failed);
    streak(&s->consecutive, &s->max_consecutive, p->failed);
    if (p->failed) {
        side->last_failure_us = p->end_us;
        s->last_failure_us = p->end_us;
    } else {
        side->last_success_us = p->end_us;
        s->last_success_us = p->end_us;
    }
    if (p->kind == BG__KIND_PROBE)
        s->last_probe_us = p->end_us;
}

static void note_error(struct bg__last_error *e, const bg_event *ev,
                       const struct prepared *p)
{
    e->time_us = p->end_us;
    e->http_status = ev->http_status;
    e->body_status = ev->body_status;
    e->outcome = (bg_outcome)p->outcome;
    memcpy(e->route, p->route, sizeof(e->route));
    memcpy(e->colo, p->colo, sizeof(e->colo));
    memcpy(e->code, p->code, sizeof(e->code));
    memcpy(e->message, p->message, sizeof(e->message));
}

void bg__registry_record(struct bg__registry *r, const bg_event *ev)
{
    struct prepared p;

    if (r == NULL || ev == NULL)
        return;
    prepare(ev, &p);

    pthread_mutex_lock(&r->lock);
    count_labels(&r->s, ev, &p);
    bg__hist_add(&r->s.side[p.kind].hist, ev->duration_us);
    if (p.counts_health) {
        count_health(&r->s, ev, &p);
        bg__window_push(&r->window, p.end_us, p.failed);
    }
    if (p.outcome != BG_OUTCOME_OK)
        note_error(&r->s.last_error, ev, &p);
    pthread_mutex_unlock(&r->lock);
}

struct bg__registry *bg__registry_new(const struct bg_config *cfg)
{
    struct bg__registry *r = calloc(1, sizeof(*r));

    if (r == NULL)
        return NULL;
    bg__thresholds_from_config(&r->th, cfg);
    if (bg__window_init(&r->window, r->th.count) != BG_OK) {
        free(r);
        return NULL;
    }
    if (pthread_mutex_init(&r->lock, NULL) != 0) {
        bg__window_free(&r->window);
        free(r);
        return NULL;
    }
    return r;
}

void bg__registry_free(struct bg__registry *r)
{
    if (r == NULL)
        return;
    pthread_mutex_destroy(&r->lock);
    bg__window_free(&r->window);
    free(r);
}

void bg__registry_health(struct bg__registry *r, int64_t now_us,
                         struct bg__health_view *out)
{
    pthread_mutex_lock(&r->lock);
    bg__window_eval(&r->window, &r->th, now_us, out);
    pthread_mutex_unlock(&r->lock);
}

struct bg__snapshot *bg__registry_snapshot(struct bg__registry *r,
                                           int64_t now_us)
{
    struct bg__snapshot *sn = malloc(sizeof(*sn));

    if (sn == NULL)
        return NULL;
    sn->now_us = now_us;
    sn->th = r->th;

    pthread_mutex_lock(&r->lock);
    memcpy(&sn->s, &r->s, sizeof(sn->s));
    bg__window_eval(&r->window, &r->th, now_us, &sn->health);
    pthread_mutex_unlock(&r->lock);
    return sn;
}
