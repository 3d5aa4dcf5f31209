/* Fuzz target: a Retry-After value, delta-seconds or HTTP date or junk,
 * yields -1 or a delay in [0, 3600]. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backoff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *value = malloc(size + 1);
    double d;

    if (value == NULL)
        return 0;
    memcpy(value, data, size);
    value[size] = '\0';
    d = bg__retry_after(value, (time_t)1700000000);
    if (!(d == -1 || (d >= 0 && d <= 3600)))
        abort();
    d = bg__retry_after(value, (time_t)0);
    if (!(d == -1 || (d >= 0 && d <= 3600)))
        abort();
    free(value);
    return 0;
}
