/* The control endpoints under /__emulator/: read, add and clear fault
 * rules, load a scenario, read the request counters. */
#ifndef EMU_CONTROL_H
#define EMU_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#include "fault.h"
#include "reply.h"
#include "stats.h"

/* True when path belongs to the control endpoints. */
bool emu_control_path(const char *path);

/* Answers a control request into out (initialised by the caller). body
 * holds len bytes (any may be NUL-free text; NULL when empty). */
void emu_control_handle(struct emu_faults *faults, struct emu_stats *stats,
                        const char *method, const char *path, const char *body,
                        size_t len, struct emu_reply *out);

#endif
