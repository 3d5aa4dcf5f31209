/* The HTML status page: health, figures, route table, colo distribution
 * and inline SVG charts of latency and success, with no external asset and
 * no script. */
#ifndef BGD_STATUS_H
#define BGD_STATUS_H

#include "bucketguard/bucketguard.h"
#include "history.h"

/* Builds the page from the client's registry and route table and the probe
 * history. Returns a new string (free with free()), NULL when out of
 * memory. */
char *bgd_status_page(bg_client *c, struct bgd_history *h);

#endif
