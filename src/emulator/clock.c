/* Clocks and time formatting shared by the store and the API. */
#include "clock.h"

#include <stdio.h>
#include <time.h>

static int64_t clock_ms(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t emu_wall_ms(void)
{
    return clock_ms(CLOCK_REALTIME);
}

int64_t emu_mono_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

char *emu_iso8601(int64_t wall_ms, char *out)
{
    time_t secs = (time_t)(wall_ms / 1000);
    struct tm tm;
    size_t n;

    gmtime_r(&secs, &tm);
    n = strftime(out, EMU_TIME_TEXT, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, EMU_TIME_TEXT - n, ".%03dZ", (int)(wall_ms % 1000));
    return out;
}

char *emu_http_date(int64_t wall_ms, char *out)
{
    time_t secs = (time_t)(wall_ms / 1000);
    struct tm tm;

    gmtime_r(&secs, &tm);
    strftime(out, EMU_TIME_TEXT, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return out;
}
