/* The HTTP side of the emulator: one libmicrohttpd daemon per listening
 * address ("edge"), a thread per connection, fault actions applied before
 * the Storage contract answers. */
#ifndef EMU_SERVER_H
#define EMU_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "api.h"
#include "fault.h"
#include "stats.h"

#define EMU_ADDRESS_TEXT 64
#define EMU_COLO_TEXT    16

struct emu_edge_config {
    char address[EMU_ADDRESS_TEXT]; /* "127.0.0.1", "::1" */
    char colo[EMU_COLO_TEXT];       /* "SJC" */
};

struct emu_server_config {
    const struct emu_api *api; /* all borrowed, must outlive the server */
    struct emu_faults *faults;
    struct emu_stats *stats;
    enum emu_prefix prefix;
    bool control;         /* serve /__emulator/ */
    bool quiet;           /* no request log */
    const char *tls_cert; /* PEM text, NULL for plain HTTP */
    const char *tls_key;
    const struct emu_edge_config *edges;
    size_t edge_count;
    unsigned port; /* 0: a free port, the same on every edge */
};

struct emu_server;

/* Listens on every edge and serves in background threads. NULL on
 * failure, with a one-line message in err. */
struct emu_server *emu_server_start(const struct emu_server_config *config,
                                    char *err, size_t errlen);

/* The port every edge listens on. */
unsigned emu_server_port(const struct emu_server *server);

/* Stops serving: stalled and delayed requests give up within ~50 ms, open
 * connections are closed. Frees server; NULL is accepted. */
void emu_server_stop(struct emu_server *server);

#endif
