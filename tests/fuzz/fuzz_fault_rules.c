/* Fuzz target: the emulator's fault-rule language. Any text is either
 * rejected whole with a one-line message, or accepted; accepted rules
 * match a fixed request without crashing, and their dump parses back into
 * the same rules (the documented round trip). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void match_once(struct emu_faults *f)
{
    static const struct emu_traits t = {
        "GET", "/object/b/k", "bucketguard/0.1.0", "",
        6,     "HTTP/1.1",    "127.0.0.1",         10,
        5};
    struct emu_action act;

    if (emu_faults_match(f, &t, &act) > EMU_ACT_HIDE_NEW ||
        memchr(act.body, '\0', sizeof(act.body)) == NULL)
        abort();
}

static void check_roundtrip(struct emu_faults *f)
{
    char err[256];
    char *dump = emu_faults_dump(f), *again = NULL;
    struct emu_faults *g = emu_faults_new(1);

    if (dump == NULL || g == NULL)
        goto cleanup;
    if (emu_faults_add(g, dump, err, sizeof(err)) != 0)
        abort();
    again = emu_faults_dump(g);
    if (again != NULL && strcmp(dump, again) != 0)
        abort();

cleanup:
    free(again);
    free(dump);
    emu_faults_free(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    char *text = malloc(size + 1);
    struct emu_faults *f = emu_faults_new(42);

    if (text == NULL || f == NULL)
        goto cleanup;
    memcpy(text, data, size);
    text[size] = '\0';
    err[0] = '\0';
    if (emu_faults_add(f, text, err, sizeof(err)) != 0) {
        if (err[0] == '\0' || strchr(err, '\n') != NULL)
            abort();
        goto cleanup;
    }
    match_once(f);
    check_roundtrip(f);

cleanup:
    emu_faults_free(f);
    free(text);
    return 0;
}
