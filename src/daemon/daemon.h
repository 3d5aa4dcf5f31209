/* `bucketguard monitor`: probes a test object through the client on an
 * interval, sweeps every route on its own at a slower cadence, writes the
 * metrics file after probes (at most once a second by default), serves the
 * HTTP endpoints, and logs health changes, until SIGTERM or SIGINT. */
#ifndef BGD_DAEMON_H
#define BGD_DAEMON_H

#include "bucketguard/bucketguard.h"

struct bgd_options {
    const char *bucket, *key; /* the probe object */
    double interval;          /* seconds between probes: 300 */
    double route_interval;    /* seconds between route sweeps, 0 off */
    const char *metrics_file; /* NULL or "" for none */
    double metrics_every;     /* least seconds between the writes that
                                 follow probes (a health change and the
                                 stop always write): 1; 0 every probe */
    const char *listen;       /* NULL or "" for no HTTP server */
    const char *token;        /* bearer token for the endpoints, or NULL */
    long count;               /* stop after this many probes, 0 never */
    bg_log_fn *log;           /* where the daemon's own lines go */
    void *log_userdata;
};

/* Runs the monitor with c until a signal or o->count probes; the client's
 * signals SIGTERM and SIGINT are blocked in every thread and waited for.
 * Returns 0 after a clean stop, 1 when the HTTP server or the metrics file
 * cannot be set up (the reason is logged). */
int bgd_run(bg_client *c, const struct bgd_options *o);

#endif
