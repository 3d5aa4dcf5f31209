/* Fuzz target: a Storage error body, however broken, is read into an
 * answer and classified for every operation and bucket state without
 * crashing, and the verdict stays inside the documented enums. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bg__answer a;
    struct bg__verdict v;
    int op, state;

    if (size < 3)
        return 0;
    memset(&a, 0, sizeof(a));
    a.http_status = data[0] | (data[1] & 0x03) << 8;
    a.curl_code = data[2] & 0x80 ? data[2] & 0x7f : 0;
    a.truncated = data[2] & 0x40 ? 1 : 0;
    bg__parse_error_body((const char *)data + 3, size - 3, &a);

    if (memchr(a.code, '\0', sizeof(a.code)) == NULL ||
        memchr(a.message, '\0', sizeof(a.message)) == NULL)
        abort();
    for (op = 0; op < BG_OP_COUNT; op++) {
        for (state = BG__BUCKET_UNKNOWN; state <= BG__BUCKET_MISSING; state++) {
            v = bg__classify(&a, (bg_op)op, (enum bg__bucket_state)state);
            if (v.outcome > BG_OUTCOME_ROUTE_SUSPECT ||
                v.result > BG_E_INTERNAL)
                abort();
            if ((v.outcome == BG_OUTCOME_OK) != (v.result == BG_OK))
                abort();
        }
    }
    (void)bg__transport_class(a.curl_code);
    return 0;
}
