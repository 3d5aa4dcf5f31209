/* Fault rules of the emulator: a small rule language, the built-in named
 * scenarios, and the matcher the server consults once per request. */
#ifndef EMU_FAULT_H
#define EMU_FAULT_H

#include <stddef.h>
#include <stdint.h>

/* What the server knows about a request when it asks for a fault. */
struct emu_traits {
    const char *method;     /* "GET", "HEAD", ... */
    const char *path;       /* URL path without query, prefix removed */
    const char *user_agent; /* "" when absent */
    const char *connection; /* value of Connection, "" when absent */
    unsigned header_count;  /* number of request headers */
    const char *version;    /* "HTTP/1.1", "HTTP/1.0", "HTTP/2" */
    const char *edge;       /* listening address, e.g. "127.0.0.2", "::1" */
    uint64_t ordinal;       /* 1 for the first request the emulator served */
    int64_t now_ms;         /* milliseconds since the emulator started */
};

enum emu_action_kind {
    EMU_ACT_NONE = 0, /* no rule matched: serve normally */
    EMU_ACT_STATUS,   /* answer status with body (JSON) */
    EMU_ACT_DELAY,    /* sleep delay_ms, then serve normally */
    EMU_ACT_RESET,    /* drop the connection with a TCP reset */
    EMU_ACT_STALL,    /* accept, never answer */
    EMU_ACT_CUT,      /* serve, but close after cut_bytes of the body */
    EMU_ACT_HIDE_NEW  /* objects younger than hide_ms answer NoSuchKey */
};

#define EMU_BODY_MAX 1024

/* The action of the first matching rule, copied out of the rule set so the
 * rules may change while the server acts on it. */
struct emu_action {
    enum emu_action_kind kind;
    int status;              /* EMU_ACT_STATUS: HTTP status */
    char body[EMU_BODY_MAX]; /* EMU_ACT_STATUS: body, "" for none */
    unsigned delay_ms;       /* EMU_ACT_DELAY */
    uint64_t cut_bytes;      /* EMU_ACT_CUT */
    unsigned hide_ms;        /* EMU_ACT_HIDE_NEW */
    char rule[64];           /* name of the rule, for the request log */
};

struct emu_faults;

/* Creates an empty rule set (no rule: every request served normally).
 * seed drives every probability clause. Returns NULL when out of memory. */
struct emu_faults *emu_faults_new(uint64_t seed);
void emu_faults_free(struct emu_faults *f);

/* Parses rule text (the format is in docs/emulator-rules.md) and, when it
 * is valid, appends its rules; on error nothing changes, a one-line
 * message goes to err and -1 is returned. Thread-safe. */
int emu_faults_add(struct emu_faults *f, const char *text, char *err,
                   size_t errlen);

/* Removes every rule. Thread-safe. */
void emu_faults_clear(struct emu_faults *f);

/* Appends the rules of a built-in scenario ("incident", "flaky",
 * "bad-edge", "slow-tail", "outage", "lag"). Returns -1 for an unknown
 * name. Thread-safe. */
int emu_faults_scenario(struct emu_faults *f, const char *name, char *err,
                        size_t errlen);

/* Names of the built-in scenarios, NULL-terminated. */
const char *const *emu_scenario_names(void);

/* Finds the first rule matching t and fills out; returns out->kind.
 * Deterministic: the same seed and the same traits give the same answer.
 * Thread-safe. */
enum emu_action_kind emu_faults_match(struct emu_faults *f,
                                      const struct emu_traits *t,
                                      struct emu_action *out);

/* Writes the current rules, one per line in the rule language, into a
 * newly allocated string (caller frees). NULL when out of memory. */
char *emu_faults_dump(struct emu_faults *f);

#endif
