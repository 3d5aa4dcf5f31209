/* Time for the emulator: wall-clock and monotonic milliseconds, and the two
 * text forms Storage uses (ISO 8601 in JSON, IMF-fixdate in headers). */
#ifndef EMU_CLOCK_H
#define EMU_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#define EMU_TIME_TEXT 40

/* Milliseconds since the Unix epoch. */
int64_t emu_wall_ms(void);

/* Milliseconds of a monotonic clock, for ages and durations. */
int64_t emu_mono_ms(void);

/* Writes "2024-05-01T12:00:00.123Z" for wall_ms into out (at least
 * EMU_TIME_TEXT bytes). Returns out. */
char *emu_iso8601(int64_t wall_ms, char *out);

/* Writes "Wed, 01 May 2024 12:00:00 GMT" for wall_ms into out (at least
 * EMU_TIME_TEXT bytes). Returns out. */
char *emu_http_date(int64_t wall_ms, char *out);

#endif
