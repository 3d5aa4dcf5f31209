/* The route table of a client: the routes in use, their health as the
 * engine saw it, and the preference order of a round (sticky success,
 * outlier ejection, re-admission by a single trial). */
#ifndef BG_ROUTE_H
#define BG_ROUTE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"

struct bg__route {
    struct bg__route_spec spec;
    /* Below: guarded by the table's lock. */
    unsigned consecutive; /* consecutive route-suspect outcomes */
    uint64_t successes, failures;
    int64_t last_success_us, last_failure_us;
    int64_t ejected_until_us; /* 0 when admitted */
    unsigned ejections;       /* how often ejected; sets the next length */
    int trial;                /* a re-admission trial is in flight */
    double score;             /* recent success, exponentially weighted */
};

struct bg__routes {
    pthread_mutex_t lock;
    struct bg__route *v;
    size_t n;
    size_t sticky; /* index of the route that last succeeded */
    unsigned eject_after;
    int64_t eject_base_us, eject_max_us;
    int64_t trial_lease_us; /* how long a granted trial may go unanswered
                               before it is offered again; meanwhile the
                               route's ejected_until_us is the lease end */
};

/* Builds the table from cfg's enabled routes: drops browser routes when
 * skip_browser (sb_secret_ keys), and appends one route per address in
 * addrs (named "edge-ADDR", pinned) when naddrs > 1 and cfg->edge_routes.
 * With cfg->kill_switch only the first route is kept. Returns BG_E_NOMEM
 * or BG_E_CONFIG (no route left, unknown name in cfg->route_list). */
bg_result bg__routes_init(struct bg__routes *t, const struct bg_config *cfg,
                          int skip_browser, const char *const *addrs,
                          size_t naddrs);
void bg__routes_free(struct bg__routes *t);

/* Writes the preference order of a round into order (at most max indexes)
 * and returns how many: the sticky route first, then by score; ejected
 * routes are left out, except that one whose ejection has expired is let
 * in as a single trial, and never are all routes left out (the one whose
 * ejection ends first is kept). */
size_t bg__routes_order(struct bg__routes *t, int64_t now_us, size_t *order,
                        size_t max);

/* Records the outcome of an attempt on route i: success makes it sticky
 * and admits it; BG_OUTCOME_ROUTE_SUSPECT counts toward ejection (the
 * ejection doubles each time, capped); a definitive outcome counts as the
 * route working. */
void bg__routes_record(struct bg__routes *t, size_t i, bg_outcome outcome,
                       int64_t now_us);

/* The same for an attempt that was held to route i (a route sweep, a
 * diagnosis on one route): the route's health is recorded, but a success
 * does not make it sticky, since no choice of the engine's picked it. */
void bg__routes_record_pinned(struct bg__routes *t, size_t i,
                              bg_outcome outcome, int64_t now_us);

/* Index of the route named name, or (size_t)-1. */
size_t bg__routes_find(const struct bg__routes *t, const char *name);

/* The built-in route specs in their default order: default, library-ua,
 * browser-ua, conn-close, minimal, ipv4, ipv6, http1.1, http2, fresh.
 * Returns the count written (at most max). */
unsigned bg__builtin_routes(struct bg__route_spec *out, unsigned max);

#endif
