/* Control endpoints. Answers are plain text (one line) except the stats,
 * which are JSON; they never pass through the fault rules. */
#include "control.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTROL_PREFIX "/__emulator/"

bool emu_control_path(const char *path)
{
    return strncmp(path, CONTROL_PREFIX, strlen(CONTROL_PREFIX)) == 0;
}

static void answer_owned(struct emu_reply *out, char *text)
{
    emu_reply_text(out, text ? 200 : 500, text ? text : "out of memory\n");
    free(text);
}

static void add_rules(struct emu_faults *faults, const char *body, size_t len,
                      struct emu_reply *out)
{
    char err[256];
    char *text = strndup(body ? body : "", len);
    int rc;

    if (!text) {
        emu_reply_text(out, 500, "out of memory\n");
        return;
    }
    rc = emu_faults_add(faults, text, err, sizeof(err));
    free(text);
    if (rc != 0) {
        strncat(err, "\n", sizeof(err) - strlen(err) - 1);
        emu_reply_text(out, 400, err);
        return;
    }
    emu_reply_text(out, 200, "ok\n");
}

static void load_scenario(struct emu_faults *faults, const char *name,
                          struct emu_reply *out)
{
    char err[256];

    if (emu_faults_scenario(faults, name, err, sizeof(err)) != 0) {
        strncat(err, "\n", sizeof(err) - strlen(err) - 1);
        emu_reply_text(out, 400, err);
        return;
    }
    emu_reply_text(out, 200, "ok\n");
}

static void stats_answer(struct emu_stats *stats, struct emu_reply *out)
{
    char *text = emu_stats_json(stats);

    emu_reply_json(out, 200, text ? json_loads(text, 0, NULL) : NULL);
    free(text);
}

void emu_control_handle(struct emu_faults *faults, struct emu_stats *stats,
                        const char *method, const char *path, const char *body,
                        size_t len, struct emu_reply *out)
{
    const char *what = path + strlen(CONTROL_PREFIX);
    int get = strcmp(method, "GET") == 0;
    int post = strcmp(method, "POST") == 0;

    if (strcmp(what, "rules") == 0 && get)
        answer_owned(out, emu_faults_dump(faults));
    else if (strcmp(what, "rules") == 0 && post)
        add_rules(faults, body, len, out);
    else if (strcmp(what, "rules") == 0 && strcmp(method, "DELETE") == 0) {
        emu_faults_clear(faults);
        emu_reply_text(out, 200, "ok\n");
    } else if (strncmp(what, "scenario/", 9) == 0 && post)
        load_scenario(faults, what + 9, out);
    else if (strcmp(what, "stats") == 0 && get)
        stats_answer(stats, out);
    else
        emu_reply_text(out, 404, "no such control endpoint\n");
}
