/* Turns an emu_reply into a libmicrohttpd response, optionally cut short
 * to reproduce a connection that dies in the middle of a body. */
#ifndef EMU_RESPONSE_H
#define EMU_RESPONSE_H

#include <stdint.h>

#include <microhttpd.h>

#include "reply.h"

#define EMU_NO_CUT UINT64_MAX

/* Builds the response for r, moving r's body (memory or file) into it,
 * with r's headers. With cut below the body length, the response still
 * announces the full length but the connection closes after cut bytes.
 * NULL when out of memory (r keeps what was not moved; release it). */
struct MHD_Response *emu_response_new(struct emu_reply *r, uint64_t cut);

#endif
