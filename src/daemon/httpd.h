/* The monitor's HTTP endpoints on libmicrohttpd: /health, /health/fm027,
 * /metrics, /routes and the status page, with an optional bearer token on
 * everything but the health answers. */
#ifndef BGD_HTTPD_H
#define BGD_HTTPD_H

#include <stddef.h>
#include "bucketguard/bucketguard.h"
#include "history.h"

struct bgd_httpd;

/* Starts serving on listen ("127.0.0.1:9027", "[::1]:9027", ":9027" for
 * every address) in a thread of its own. token, when not NULL or empty,
 * is required as "Authorization: Bearer TOKEN" on every endpoint but the
 * health answers. c and h must outlive the server. Returns NULL with a
 * one-line message in err on failure. */
struct bgd_httpd *bgd_httpd_start(bg_client *c, struct bgd_history *h,
                                  const char *listen, const char *token,
                                  char *err, size_t errlen);

/* The port actually bound (useful with port 0). */
unsigned bgd_httpd_port(const struct bgd_httpd *d);

/* Stops the server and frees it. */
void bgd_httpd_stop(struct bgd_httpd *d);

#endif
