/* The emulator's built-in fault scenarios. Each is plain rule text, so a
 * dump of the rule set shows exactly what a scenario does. */
#include "fault.h"

#include <stdio.h>
#include <string.h>

static const char *const names[] = {
    "incident", "flaky", "bad-edge", "slow-tail", "outage", "lag", NULL,
};

/* In the order of names. */
static const char *const texts[] = {
    /* The client's default header profile gets Bucket not found from one
     * edge on object reads; other profiles, edges and requests work. */
    "incident: ua bucketguard/* connection not close headers >= 5"
    " method GET,HEAD path /object/* edge 127.0.0.1"
    " -> status 400 NoSuchBucket\n",

    /* 20 % fail: 10 % answer 503, and 11.11 % of the other 90 % reset. */
    "flaky-503: chance 10% -> status 503 ServiceUnavailable\n"
    "flaky-reset: chance 11.11% -> reset\n",

    "bad-edge: edge 127.0.0.2 -> reset\n",

    "slow-tail: chance 5% -> delay 2000\n",

    /* Half of the requests reset, the other half answer 503, for the
     * first 10 s after the scenario is loaded. */
    "outage-reset: chance 50% during 0..10000 -> reset\n"
    "outage-503: during 0..10000 -> status 503 ServiceUnavailable\n",

    "lag: method GET,HEAD path /object/* -> hide 3000\n",
};

_Static_assert(sizeof names / sizeof *names == sizeof texts / sizeof *texts + 1,
               "every scenario has a name and a text");

const char *const *emu_scenario_names(void)
{
    return names;
}

int emu_faults_scenario(struct emu_faults *f, const char *name, char *err,
                        size_t errlen)
{
    for (size_t i = 0; names[i]; i++)
        if (strcmp(name, names[i]) == 0)
            return emu_faults_add(f, texts[i], err, errlen);
    if (err && errlen > 0)
        snprintf(err, errlen,
                 "unknown scenario '%s' (expected incident, flaky, bad-edge, "
                 "slow-tail, outage, lag)",
                 name);
    return -1;
}
