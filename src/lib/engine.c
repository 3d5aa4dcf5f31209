/* The request engine: carries one logical request over the routes in
 * preference order, round after round. Inside a round a route-suspect
 * answer moves on to the next route at once; between rounds the engine
 * sleeps the backoff delay. The retry budget, the overall deadline, the
 * bucket check behind "Bucket not found", resumed downloads and one event
 * per attempt are handled here; the exchange itself is transfer.c's.
 * With hedging on, a read that has not answered by the hedge delay is
 * sent again on the next route and the first answer wins. */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "encode.h"
#include "latency.h"
#include "transfer.h"

/* Why a download stopped from our side of the wire. */
enum stop {
    STOP_NONE = 0,
    STOP_ABORTED,
    STOP_CHANGED,
    STOP_NOMEM,
    STOP_LOST /* a hedged attempt whose twin delivered first */
};

/* What an attempt leads to. */
enum step { STEP_NEXT = 0, STEP_DONE };

#define MAX_ORDER (BG__MAX_ROUTES + BG__MAX_ADDRS)

/* An attempt event with its own copies of the strings. */
struct held_event {
    bg_event ev;
    char route[BG__NAME_MAX], method[16], code[40], cf_ray[48], colo[8];
    char cache[16], address[64], message[160];
};

/* The state of one bg__perform call. */
struct call {
    struct bg_client *c;
    const struct bg__request *rq;
    struct bg__response *rs;
    int64_t start_mono, deadline; /* monotonic, µs */
    struct bg__buf ok_body;       /* 2xx body when rq->sink is NULL */
    struct bg__buf err_body;      /* error body of the last attempt */
    char etag[96];                /* ETag of the body being delivered */
    uint64_t skip;                /* bytes of a 200 answer to drop */
    enum bg__bucket_state bucket;
    int bucket_checked, bucket_denied;
    int sent_failed;    /* an attempt failed after sending the request */
    double retry_after; /* largest Retry-After of the round, -1 none */
    unsigned attempts, rounds;

    /* The last attempt, for the response and the report. */
    struct bg__answer answer;
    struct bg__headers hdr;
    char address[64];
    const char *route;
    struct bg__verdict verdict;
    char why[200]; /* set when the engine itself decided the result */

    struct held_event event; /* the last attempt's, not yet sent */
    int held;

    const struct bg__attempt *claimed; /* the hedged attempt that
                                          delivers the body */
};

static bg_result perform_until(struct bg_client *c,
                               const struct bg__request *rq,
                               struct bg__response *rs, bg_report *rep,
                               int64_t deadline_cap);

int64_t bg__now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t bg__mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void bg__response_free(struct bg__response *rs)
{
    if (rs == NULL)
        return;
    free(rs->body);
    rs->body = NULL;
    rs->body_len = 0;
}

/* A uniform number in [0, 1) for the jitter; per thread, no lock. */
static double uniform(void)
{
    static _Thread_local uint64_t state;

    if (state == 0)
        state = (uint64_t)bg__now_us() ^ (uint64_t)(uintptr_t)&state ^
                0x9e3779b97f4a7c15ULL;
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (double)(state >> 11) / 9007199254740992.0;
}

static void sleep_until(int64_t mono_us)
{
    struct timespec ts = {(time_t)(mono_us / 1000000),
                          (long)(mono_us % 1000000) * 1000};

    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0)
        continue;
}

static int is_2xx(int status)
{
    return status >= 200 && status < 300;
}

/* Copies src into dst (size n), cut short to fit. Every call copies a
 * dozen strings into events and reports; snprintf's format parsing
 * showed as 5 % of a request's instructions. */
static void copy(char *dst, size_t n, const char *src)
{
    size_t len = strnlen(src, n - 1);

    memcpy(dst, src, len);
    dst[len] = '\0';
}

/* ---- Delivery of a 2xx body ------------------------------------------ */

/* Checks, on the first bytes of an answer, that they continue what was
 * delivered before: a 206 must start where the last attempt stopped, and a
 * 200 (the server ignored Range) must be the same object, whose first
 * bytes are then dropped. */
static int continues(struct call *k, const struct bg__attempt *a)
{
    const struct bg__headers *h = &a->hdr;

    k->skip = 0;
    if (a->range_from == 0) {
        copy(k->etag, sizeof k->etag, h->etag);
        return 1;
    }
    if (h->etag[0] != '\0' && strcmp(h->etag, k->etag) != 0)
        return 0;
    if (h->status == 206)
        return h->range_start == (int64_t)a->range_from;
    k->skip = a->range_from;
    return 1;
}

static int deliver(struct bg__attempt *a, const void *data, size_t len)
{
    struct call *k = a->deliver_ud;
    const char *p = data;

    if (a->bytes == len && !continues(k, a))
        return STOP_CHANGED;
    if (k->skip > 0) {
        size_t drop = k->skip < len ? (size_t)k->skip : len;
        k->skip -= drop;
        p += drop;
        len -= drop;
        if (len == 0)
            return STOP_NONE;
    }
    if (k->rq->sink != NULL) {
        if (k->rq->sink(p, len, k->rq->sink_userdata) != 0)
            return STOP_ABORTED;
    } else if (bg__buf_append(&k->ok_body, p, len) != BG_OK) {
        return STOP_NOMEM;
    }
    k->rs->delivered += len;
    return STOP_NONE;
}

/* Decides how the next attempt continues a download that already
 * delivered bytes: ask for the rest (resume with a known ETag), start
 * over (our own buffer), or give up (a sink that cannot take bytes
 * twice). Returns BG_OK or BG_E_IO. */
static bg_result plan_resume(struct call *k, struct bg__attempt *a)
{
    a->range_from = 0;
    a->if_match = NULL;
    if (k->rs->delivered == 0)
        return BG_OK;
    if (k->rq->resume && k->etag[0] != '\0') {
        a->range_from = k->rs->delivered;
        a->if_match = k->etag;
        return BG_OK;
    }
    if (k->rq->sink == NULL) {
        bg__buf_clear(&k->ok_body);
        k->rs->delivered = 0;
        return BG_OK;
    }
    snprintf(k->why, sizeof k->why,
             "the download broke off after %llu bytes and cannot resume",
             (unsigned long long)k->rs->delivered);
    return BG_E_IO;
}

/* ---- Events ---------------------------------------------------------- */

/* Sends the held event: an attempt's event waits until the next attempt
 * or the end of the call, so that it can say whether it was the last and
 * how the call ended. */
static void flush(struct call *k, int last, bg_result result)
{
    if (!k->held)
        return;
    k->event.ev.last = last;
    k->event.ev.call_result = last ? result : BG_OK;
    bg__client_emit(k->c, &k->event.ev);
    k->held = 0;
}

static void emit(struct call *k, const struct bg__attempt *a,
                 const struct bg__route_spec *spec, bg_outcome outcome,
                 int64_t time_us, int64_t duration_us)
{
    struct held_event *h = &k->event;
    bg_event *ev = &h->ev;

    flush(k, 0, BG_OK);
    memset(h, 0, sizeof *h);
    copy(h->route, sizeof h->route, spec->name);
    copy(h->method, sizeof h->method, a->method);
    copy(h->code, sizeof h->code, a->answer.code);
    copy(h->cf_ray, sizeof h->cf_ray, a->hdr.cf_ray);
    copy(h->colo, sizeof h->colo, a->hdr.colo);
    copy(h->cache, sizeof h->cache, a->hdr.cache_status);
    copy(h->address, sizeof h->address, a->address);
    bg__redact(h->message, sizeof h->message, a->answer.message);
    *ev = (bg_event){.time_us = time_us,
                     .route = h->route,
                     .op = k->rq->op,
                     .method = h->method,
                     .probe = k->rq->probe,
                     .http_status = a->answer.http_status,
                     .body_status = a->answer.body_status,
                     .code = h->code,
                     .outcome = outcome,
                     .duration_us = duration_us,
                     .bytes = a->bytes,
                     .cf_ray = h->cf_ray,
                     .colo = h->colo,
                     .cache_status = h->cache,
                     .address = h->address,
                     .message = h->message};
    k->held = 1;

    bg__logf(&k->c->cfg.log, BG_LOG_DEBUG,
             "attempt route=%s op=%s method=%s status=%d body_status=%d "
             "code=%s outcome=%s ms=%.1f colo=%s address=%s",
             h->route, bg_op_name(ev->op), h->method, ev->http_status,
             ev->body_status, h->code[0] ? h->code : "-",
             bg_outcome_name(outcome), (double)duration_us / 1000.0,
             h->colo[0] ? h->colo : "-", h->address[0] ? h->address : "-");
}

/* ---- One exchange ---------------------------------------------------- */

static void prepare(struct call *k, struct bg__attempt *a,
                    const struct bg__route_spec *spec)
{
    const struct bg_config *cfg = &k->c->cfg;
    int64_t left_ms = (k->deadline - bg__mono_us()) / 1000;
    long timeout = (long)(cfg->attempt_timeout * 1000);
    long connect = (long)(cfg->connect_timeout * 1000);

    if (left_ms < timeout)
        timeout = left_ms > 0 ? (long)left_ms : 1;
    if (connect > timeout || connect <= 0)
        connect = timeout;

    memset(a, 0, sizeof *a);
    a->c = k->c;
    a->route = spec;
    a->rq = k->rq;
    a->method = k->rq->method;
    a->path = k->rq->path;
    a->send_body = k->rq->body != NULL || k->rq->body_fd >= 0;
    a->key = k->rq->use_anon && cfg->anon_key != NULL ? cfg->anon_key
                                                      : cfg->service_key;
    a->timeout_ms = timeout;
    a->connect_ms = connect;
    a->deliver = deliver;
    a->deliver_ud = k;
    a->error_body = &k->err_body;
    bg__buf_clear(&k->err_body);
}

/* A HEAD answered 400 or 404 carries no body to say why; the object's
 * info, asked on the same route, does. */
static int needs_info(const struct bg__attempt *a)
{
    return strcmp(a->method, "HEAD") == 0 && a->answer.curl_code == 0 &&
           (a->answer.http_status == 400 || a->answer.http_status == 404) &&
           a->answer.code[0] == '\0';
}

static void keep_last(struct call *k, const struct bg__attempt *a,
                      const struct bg__route_spec *spec)
{
    k->answer = a->answer;
    k->hdr = a->hdr;
    copy(k->address, sizeof k->address, a->address);
    k->route = spec->name;
    if (is_2xx(a->answer.http_status) && a->hdr.etag[0] != '\0')
        copy(k->rs->etag, sizeof k->rs->etag, a->hdr.etag);
    if (a->hdr.status == 206 && a->hdr.range_total >= 0)
        k->rs->content_length = a->hdr.range_total;
    else if (is_2xx(a->answer.http_status))
        k->rs->content_length = a->hdr.content_length;
}

/* ---- Classification with the bucket check ---------------------------- */

/* Asks GET /bucket/{id} with the service key, through the engine, within
 * what is left of the caller's deadline, and caches what it learns.
 * Returns the check's result. */
static bg_result check_bucket(struct call *k)
{
    char path[3 * BG__BUCKET_MAX + 16] = "/bucket/";
    struct bg__request rq;
    struct bg__response rs;
    bg_result result;

    if (bg__path_encode(k->rq->bucket, 0, path + 8, sizeof path - 8) < 0)
        return BG_E_USAGE;
    memset(&rq, 0, sizeof rq);
    rq.op = BG_OP_BUCKET_CHECK;
    rq.method = "GET";
    rq.path = path;
    rq.idempotent = 1;
    rq.probe = k->rq->probe;
    rq.body_fd = -1;

    result = perform_until(k->c, &rq, &rs, NULL, k->deadline);
    bg__response_free(&rs);
    if (result == BG_OK)
        k->bucket = BG__BUCKET_EXISTS;
    else if (result == BG_E_NOT_FOUND)
        k->bucket = BG__BUCKET_MISSING;
    if (k->bucket != BG__BUCKET_UNKNOWN)
        bg__client_bucket_put(k->c, k->rq->bucket, k->bucket);
    return result;
}

/* Classifies a, checking the bucket once per call when "Bucket not found"
 * leaves the answer ambiguous. With the kill switch the answer is taken
 * as it stands, as a plain client would. A denied check means the key is
 * bad: object reads with a bad key look exactly like a missing bucket. */
static struct bg__verdict judge(struct call *k, const struct bg__attempt *a)
{
    const struct bg__request *rq = k->rq;
    struct bg__verdict v;

    v = bg__classify(&a->answer, rq->op, k->bucket);
    /* The cache of known buckets is asked only when the verdict depends
     * on the bucket: most answers do not. */
    if (v.check_bucket && rq->bucket != NULL &&
        k->bucket == BG__BUCKET_UNKNOWN &&
        (k->bucket = bg__client_bucket_get(k->c, rq->bucket)) !=
            BG__BUCKET_UNKNOWN)
        v = bg__classify(&a->answer, rq->op, k->bucket);
    if (!v.check_bucket)
        return v;
    if (k->c->cfg.kill_switch) {
        v.outcome = BG_OUTCOME_DEFINITIVE;
        v.result = BG_E_NOT_FOUND;
        return v;
    }
    if (rq->bucket == NULL || k->bucket_checked)
        return v;

    k->bucket_checked = 1;
    if (check_bucket(k) == BG_E_AUTH) {
        k->bucket_denied = 1;
        v.outcome = BG_OUTCOME_DEFINITIVE;
        v.result = BG_E_AUTH;
        v.check_bucket = 0;
        return v;
    }
    return bg__classify(&a->answer, rq->op, k->bucket);
}

/* ---- One route ------------------------------------------------------- */

/* One exchange with its timing; the attempt counts even when it could not
 * be sent. */
struct timed {
    struct bg__attempt a;
    int64_t time_us, duration_us;
};

static bg_result exchange(struct call *k, struct timed *t)
{
    int64_t start = bg__mono_us();
    bg_result result;

    t->time_us = bg__now_us();
    result = bg__transfer(&t->a);
    t->duration_us = bg__mono_us() - start;
    k->attempts++;
    return result;
}

/* Ends the call from our side when the exchange stopped for a local
 * reason or the object changed under a resumed download. Returns 1 when
 * it did. */
static int local_end(struct call *k, const struct bg__attempt *a,
                     bg_result *result)
{
    int changed = a->stopped == STOP_CHANGED ||
                  (a->range_from > 0 && (a->answer.http_status == 412 ||
                                         a->answer.body_status == 412));

    if (changed) {
        *result = BG_E_IO;
        snprintf(k->why, sizeof k->why,
                 "the object changed during the download; %llu bytes were "
                 "already delivered",
                 (unsigned long long)k->rs->delivered);
    } else if (a->stopped == STOP_ABORTED) {
        *result = BG_E_ABORTED;
        snprintf(k->why, sizeof k->why,
                 "the caller's callback stopped "
                 "the download");
    } else if (a->stopped == STOP_NOMEM) {
        *result = BG_E_NOMEM;
        snprintf(k->why, sizeof k->why, "out of memory");
    } else {
        return 0;
    }
    k->verdict.outcome = BG_OUTCOME_DEFINITIVE;
    k->verdict.result = *result;
    return 1;
}

static enum step decide(struct call *k, const struct bg__attempt *a,
                        bg_result *result)
{
    const struct bg__verdict *v = &k->verdict;

    if (v->outcome != BG_OUTCOME_ROUTE_SUSPECT) {
        *result = v->result;
        return STEP_DONE;
    }
    if (a->answer.curl_code != 0 && a->sent) {
        if (!k->rq->idempotent) {
            *result = v->result;
            snprintf(k->why, sizeof k->why,
                     "the request may have reached the server and is not "
                     "safe to repeat");
            return STEP_DONE;
        }
        k->sent_failed = 1;
    }
    *result = v->result;
    return STEP_NEXT;
}

static void note_retry_after(struct call *k, const struct bg__headers *h)
{
    double s =
        bg__retry_after(h->retry_after[0] ? h->retry_after : NULL, time(NULL));

    if (s > k->retry_after)
        k->retry_after = s;
}

/* Follows a bodiless HEAD error with GET /object/info on the same route.
 * Returns BG_OK (info filled, or not needed: info->a.method is NULL) or
 * BG_E_NOMEM. */
static bg_result ask_info(struct call *k, const struct bg__route_spec *spec,
                          const struct timed *head, struct timed *info)
{
    size_t n = strlen(k->rq->path) + 16;
    char *path;
    bg_result result;

    info->a.method = NULL;
    if (!needs_info(&head->a) || (path = malloc(n)) == NULL)
        return needs_info(&head->a) ? BG_E_NOMEM : BG_OK;
    if (bg__info_path(k->rq->path, path, n) != 0) {
        free(path);
        return BG_OK;
    }
    prepare(k, &info->a, spec);
    info->a.method = "GET";
    info->a.path = path;
    info->a.send_body = 0;
    info->a.deliver = NULL;
    result = exchange(k, info);
    info->a.path = NULL;
    free(path);
    return result;
}

/* Checks the budget and the deadline before an attempt other than the
 * request's first. Returns BG_OK to go on. */
static bg_result may_attempt(struct call *k)
{
    struct bg_client *c = k->c;

    if (k->attempts > 0 && !bg__budget_take(&c->budget, bg__mono_us())) {
        snprintf(k->why, sizeof k->why, "the retry budget is spent");
        return BG_E_BUDGET;
    }
    if (bg__mono_us() >= k->deadline) {
        snprintf(k->why, sizeof k->why, "the deadline of %g s passed",
                 c->cfg.deadline);
        return BG_E_DEADLINE;
    }
    return BG_OK;
}

/* Counts the duration of an answered attempt on route idx for the hedge
 * delay; nothing to do while hedging is off. */
static void note_latency(struct call *k, size_t idx, const struct timed *t)
{
    struct bg_client *c = k->c;

    if (c->cfg.hedge && t->a.answer.curl_code == 0 &&
        idx < sizeof c->latency / sizeof c->latency[0])
        bg__latency_record(&c->latency[idx], t->duration_us);
}

/* What follows an exchange on route idx: the info of a bodiless HEAD
 * error, the verdict, the route's record, the events and the next step.
 */
static enum step conclude(struct call *k, size_t idx, struct timed *head,
                          bg_result *result)
{
    struct bg_client *c = k->c;
    const struct bg__route_spec *spec = &c->routes.v[idx].spec;
    struct timed info;
    const struct bg__attempt *last;
    int local;

    note_latency(k, idx, head);
    if ((*result = ask_info(k, spec, head, &info)) != BG_OK)
        return STEP_DONE;
    last = info.a.method != NULL ? &info.a : &head->a;

    local = local_end(k, last, result);
    if (!local) {
        k->verdict = judge(k, last);
        if (k->rq->only_route != NULL)
            bg__routes_record_pinned(&c->routes, idx, k->verdict.outcome,
                                     bg__mono_us());
        else
            bg__routes_record(&c->routes, idx, k->verdict.outcome,
                              bg__mono_us());
    }
    note_retry_after(k, &last->hdr);
    keep_last(k, last, spec);
    emit(k, &head->a, spec, k->verdict.outcome, head->time_us,
         head->duration_us);
    if (info.a.method != NULL)
        emit(k, &info.a, spec, k->verdict.outcome, info.time_us,
             info.duration_us);
    return local ? STEP_DONE : decide(k, last, result);
}

static enum step attempt_route(struct call *k, size_t idx, bg_result *result)
{
    const struct bg__route_spec *spec = &k->c->routes.v[idx].spec;
    struct timed head;

    if ((*result = may_attempt(k)) != BG_OK)
        return STEP_DONE;
    prepare(k, &head.a, spec);
    if ((*result = plan_resume(k, &head.a)) != BG_OK)
        return STEP_DONE;
    if (k->sent_failed)
        k->rs->ambiguous = 1;
    if ((*result = exchange(k, &head)) != BG_OK)
        return STEP_DONE;
    return conclude(k, idx, &head, result);
}

/* ---- Hedged reads ---------------------------------------------------- */

#define HEDGE_FLOOR_US 50000

/* One of the two attempts of a hedged read. */
struct side {
    struct timed t;
    struct bg__xfer x;
    struct bg__buf err; /* this attempt's error body */
    size_t idx;         /* route */
    int64_t start;      /* monotonic µs */
    enum { IDLE, RUNNING, DONE } state;
};

/* Hedging applies to reads that may be repeated and have not delivered a
 * byte yet: existence checks, info and downloads, on a client with more
 * than one route. */
static int hedgeable(const struct call *k)
{
    const struct bg__request *rq = k->rq;
    const struct bg_config *cfg = &k->c->cfg;

    return cfg->hedge && !cfg->kill_switch && rq->only_route == NULL &&
           rq->idempotent && rq->body == NULL && rq->body_fd < 0 &&
           (rq->op == BG_OP_EXISTS || rq->op == BG_OP_INFO ||
            rq->op == BG_OP_DOWNLOAD) &&
           k->rs->delivered == 0;
}

/* The configured delay, else the route's p95 with a floor. */
static int64_t hedge_delay_us(const struct call *k, size_t idx)
{
    struct bg_client *c = k->c;
    int64_t p95 = 0;

    if (c->cfg.hedge_delay > 0)
        return (int64_t)(c->cfg.hedge_delay * 1e6);
    if (idx < sizeof c->latency / sizeof c->latency[0])
        p95 = bg__latency_quantile(&c->latency[idx], 0.95);
    return p95 > HEDGE_FLOOR_US ? p95 : HEDGE_FLOOR_US;
}

/* The first attempt to deliver body bytes claims the caller's sink; its
 * twin stops at its first byte. */
static int deliver_hedged(struct bg__attempt *a, const void *data, size_t len)
{
    struct call *k = a->deliver_ud;

    if (k->claimed == NULL)
        k->claimed = a;
    if (k->claimed != a)
        return STOP_LOST;
    return deliver(a, data, len);
}

static bg_result start_side(struct call *k, CURLM *m, struct side *s,
                            size_t idx)
{
    prepare(k, &s->t.a, &k->c->routes.v[idx].spec);
    s->t.a.deliver = deliver_hedged;
    s->t.a.error_body = &s->err;
    s->idx = idx;
    if (bg__transfer_begin(&s->t.a, &s->x) != BG_OK)
        return BG_E_NOMEM;
    if (curl_multi_add_handle(m, s->x.h) != CURLM_OK) {
        bg__transfer_end(&s->t.a, &s->x, -1);
        return BG_E_NOMEM;
    }
    s->t.time_us = bg__now_us();
    s->start = bg__mono_us();
    s->state = RUNNING;
    k->attempts++;
    return BG_OK;
}

/* Stops a running attempt that lost the race and reports it as an
 * attempt of its own. */
static void cancel_side(struct call *k, CURLM *m, struct side *s)
{
    struct bg__answer *ans = &s->t.a.answer;

    if (s->state != RUNNING)
        return;
    curl_multi_remove_handle(m, s->x.h);
    bg__transfer_end(&s->t.a, &s->x, -1);
    s->state = DONE;
    s->t.duration_us = bg__mono_us() - s->start;
    memset(ans, 0, sizeof *ans);
    snprintf(ans->code, sizeof ans->code, "hedge_lost");
    snprintf(ans->message, sizeof ans->message,
             "cancelled: the same request on another route answered first");
    emit(k, &s->t.a, &k->c->routes.v[s->idx].spec, BG_OUTCOME_ROUTE_SUSPECT,
         s->t.time_us, s->t.duration_us);
}

/* A finished attempt: a 2xx answer (or a claimed body) ends the race,
 * cancelling the twin first so that the winner's event is the call's
 * last; any other answer is judged as a plain attempt would be. */
static enum step finish_side(struct call *k, CURLM *m, struct side *s,
                             struct side *twin, int curl_code,
                             bg_result *result)
{
    struct bg__buf swap;
    int won;

    if (s->t.a.stopped == STOP_LOST) {
        cancel_side(k, m, s); /* reported as cancelled, not as a failure */
        return STEP_NEXT;
    }
    curl_multi_remove_handle(m, s->x.h);
    bg__transfer_end(&s->t.a, &s->x, curl_code);
    s->state = DONE;
    s->t.duration_us = bg__mono_us() - s->start;
    won = k->claimed == &s->t.a ||
          (curl_code == 0 && is_2xx(s->t.a.answer.http_status));
    if (won)
        cancel_side(k, m, twin);

    swap = k->err_body;
    k->err_body = s->err;
    s->err = swap;
    return conclude(k, s->idx, &s->t, result);
}

/* Runs the multi handle until no attempt is left running or the race is
 * decided, starting the hedge at hedge_at. */
static enum step race(struct call *k, CURLM *m, struct side *s,
                      size_t hedge_idx, int64_t hedge_at, bg_result *result)
{
    enum step step = STEP_NEXT;
    int can_hedge = 1;

    while (s[0].state == RUNNING || s[1].state == RUNNING) {
        int64_t now = bg__mono_us(), wait_ms = 1000;
        CURLMsg *msg;
        int running, left;

        if (can_hedge && s[1].state == IDLE && s[0].state == RUNNING) {
            if (now >= hedge_at) {
                can_hedge = 0;
                if (may_attempt(k) == BG_OK &&
                    start_side(k, m, &s[1], hedge_idx) != BG_OK) {
                    *result = BG_E_NOMEM;
                    return STEP_DONE;
                }
                k->why[0] = '\0'; /* no budget for a hedge is no error */
            } else if ((hedge_at - now) / 1000 + 1 < wait_ms) {
                wait_ms = (hedge_at - now) / 1000 + 1;
            }
        }
        curl_multi_perform(m, &running);
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            struct side *done = msg->easy_handle == s[0].x.h ? &s[0] : &s[1];

            if (msg->msg != CURLMSG_DONE || done->state != RUNNING)
                continue;
            step = finish_side(k, m, done, done == s ? &s[1] : &s[0],
                               (int)msg->data.result, result);
            if (step == STEP_DONE)
                return step;
        }
        if (s[0].state == RUNNING || s[1].state == RUNNING)
            curl_multi_poll(m, NULL, 0, (int)wait_ms, NULL);
    }
    return step;
}

/* One attempt on order[*i] with a hedge on order[*i + 1] when the first
 * has not answered by the hedge delay. The hedge takes a retry-budget
 * token and counts as an attempt; when it ran, *i moves past its route. */
static enum step attempt_hedged(struct call *k, const size_t *order, size_t *i,
                                bg_result *result)
{
    struct side s[2];
    enum step step = STEP_DONE;
    CURLM *m;

    if ((*result = may_attempt(k)) != BG_OK)
        return STEP_DONE;
    if ((m = curl_multi_init()) == NULL) {
        *result = BG_E_NOMEM;
        return STEP_DONE;
    }
    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)BG__MAX_IDLE_CONNECTIONS);
    memset(s, 0, sizeof s);
    k->claimed = NULL;
    if (start_side(k, m, &s[0], order[*i]) != BG_OK)
        *result = BG_E_NOMEM;
    else
        step = race(k, m, s, order[*i + 1],
                    s[0].start + hedge_delay_us(k, order[*i]), result);

    for (int j = 0; j < 2; j++) {
        cancel_side(k, m, &s[j]);
        bg__buf_free(&s[j].err);
    }
    if (s[1].state != IDLE)
        (*i)++;
    curl_multi_cleanup(m);
    return step;
}

/* ---- Rounds ---------------------------------------------------------- */

/* Sleeps the backoff delay after round (or the round's Retry-After when
 * larger). When the sleep would pass the deadline the call stops now with
 * BG_E_DEADLINE rather than sleeping only to fail. */
static bg_result pause_after(struct call *k, unsigned round)
{
    const struct bg_config *cfg = &k->c->cfg;
    double delay = bg__backoff_delay(cfg, round, uniform());
    int64_t wake;

    if (k->retry_after > delay)
        delay = k->retry_after;
    wake = bg__mono_us() + (int64_t)(delay * 1e6);
    if (wake >= k->deadline) {
        snprintf(k->why, sizeof k->why,
                 "the deadline of %g s would pass during the %g s pause "
                 "before round %u",
                 cfg->deadline, delay, round + 1);
        return BG_E_DEADLINE;
    }
    sleep_until(wake);
    return BG_OK;
}

/* The routes of one round: the only route asked for, or the preference
 * order (one route with the kill switch). Returns the count, 0 when the
 * only route is unknown. */
static size_t round_order(struct call *k, size_t *order)
{
    struct bg_client *c = k->c;
    size_t n;

    if (k->rq->only_route != NULL) {
        order[0] = bg__routes_find(&c->routes, k->rq->only_route);
        return order[0] == (size_t)-1 ? 0 : 1;
    }
    n = bg__routes_order(&c->routes, bg__mono_us(), order, MAX_ORDER);
    if (c->cfg.kill_switch && n > 1)
        n = 1;
    return n;
}

static bg_result run(struct call *k)
{
    const struct bg_config *cfg = &k->c->cfg;
    int single = cfg->kill_switch || k->rq->only_route != NULL;
    unsigned rounds = single ? 1 : 1 + cfg->retries;
    size_t order[MAX_ORDER];
    bg_result result = BG_E_EXHAUSTED;

    bg__budget_on_request(&k->c->budget, bg__mono_us());
    for (unsigned round = 1; round <= rounds; round++) {
        size_t n = round_order(k, order);

        if (n == 0) {
            snprintf(k->why, sizeof k->why, "no route named '%.40s'",
                     k->rq->only_route);
            return BG_E_USAGE;
        }
        k->rounds = round;
        k->retry_after = -1;
        for (size_t i = 0; i < n; i++) {
            enum step step = hedgeable(k) && i + 1 < n
                                 ? attempt_hedged(k, order, &i, &result)
                                 : attempt_route(k, order[i], &result);
            if (step == STEP_DONE)
                return result;
        }
        if (round < rounds && (result = pause_after(k, round)) != BG_OK)
            return result;
    }
    return result; /* the last verdict's: BG_E_EXHAUSTED, or INTERNAL */
}

/* ---- The result ------------------------------------------------------ */

/* One line on what happened, no secret: the engine's own reason when it
 * decided, then the last answer. */
static void describe(const struct call *k, bg_result result, char *out,
                     size_t n)
{
    const struct bg__answer *a = &k->answer;
    char cause[256] = "", last[300] = "";

    if (result == BG_OK) {
        out[0] = '\0';
        return;
    }
    if (k->bucket_denied)
        snprintf(cause, sizeof cause,
                 "the key was refused when checking bucket '%.60s' "
                 "(bad key?)",
                 k->rq->bucket);
    else if (k->why[0] != '\0')
        copy(cause, sizeof cause, k->why);
    else if (result == BG_E_EXHAUSTED)
        snprintf(cause, sizeof cause, "every route failed in %u rounds",
                 k->rounds);
    if (k->route != NULL)
        snprintf(last, sizeof last,
                 "last: %s (%s, http %d, body %d) on route %s after %u "
                 "attempts",
                 a->message[0] ? a->message : bg_strerror(result),
                 a->code[0] ? a->code : "-", a->http_status, a->body_status,
                 k->route, k->attempts);

    char line[600];
    snprintf(line, sizeof line, "%s%s%s", cause,
             cause[0] && last[0] ? "; " : "",
             cause[0] || last[0] ? last : bg_strerror(result));
    bg__redact(out, n, line);
}

static void fill_report(const struct call *k, bg_result result, bg_report *rep)
{
    memset(rep, 0, sizeof *rep);
    rep->result = result;
    rep->http_status = k->answer.http_status;
    rep->body_status = k->answer.body_status;
    copy(rep->code, sizeof rep->code, k->answer.code);
    copy(rep->route, sizeof rep->route, k->route ? k->route : "");
    rep->attempts = k->attempts;
    rep->rounds = k->rounds;
    rep->duration_us = bg__mono_us() - k->start_mono;
    rep->bytes = k->rs->delivered;
    copy(rep->cf_ray, sizeof rep->cf_ray, k->hdr.cf_ray);
    copy(rep->colo, sizeof rep->colo, k->hdr.colo);
    copy(rep->cache_status, sizeof rep->cache_status, k->hdr.cache_status);
    copy(rep->address, sizeof rep->address, k->address);
    describe(k, result, rep->detail, sizeof rep->detail);
}

/* Hands the final body to the response: the 2xx body when the call
 * succeeded into our buffer, else the last error body. */
static void finish(struct call *k, bg_result result)
{
    struct bg__buf *keep = result == BG_OK ? &k->ok_body : &k->err_body;

    k->rs->http_status = k->answer.http_status;
    k->rs->body = bg__buf_take(keep, &k->rs->body_len);
    if (k->rs->body == NULL)
        k->rs->body = calloc(1, 1); /* "" rather than NULL when it can */
    bg__buf_free(&k->ok_body);
    bg__buf_free(&k->err_body);
}

static bg_result perform_until(struct bg_client *c,
                               const struct bg__request *rq,
                               struct bg__response *rs, bg_report *rep,
                               int64_t deadline_cap)
{
    struct call k;
    bg_result result;

    if (rs != NULL) {
        memset(rs, 0, sizeof *rs);
        rs->content_length = -1;
    }
    if (c == NULL || rq == NULL || rs == NULL || rq->method == NULL ||
        rq->path == NULL || rq->path[0] != '/') {
        if (rep != NULL) {
            memset(rep, 0, sizeof *rep);
            rep->result = BG_E_USAGE;
            snprintf(rep->detail, sizeof rep->detail, "invalid request");
        }
        return BG_E_USAGE;
    }

    memset(&k, 0, sizeof k);
    k.c = c;
    k.rq = rq;
    k.rs = rs;
    k.start_mono = bg__mono_us();
    k.deadline = k.start_mono + (int64_t)(c->cfg.deadline * 1e6);
    if (deadline_cap > 0 && deadline_cap < k.deadline)
        k.deadline = deadline_cap;

    result = run(&k);
    flush(&k, 1, result);
    finish(&k, result);
    if (rep != NULL)
        fill_report(&k, result, rep);
    return result;
}

bg_result bg__perform(struct bg_client *c, const struct bg__request *rq,
                      struct bg__response *rs, bg_report *rep)
{
    return perform_until(c, rq, rs, rep, 0);
}
