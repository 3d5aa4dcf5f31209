/* Backoff between rounds, Retry-After parsing, and the retry budget: a
 * token bucket that lets retries through in proportion to requests, so a
 * fleet of clients cannot multiply an outage's load. */
#include "backoff.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define RETRY_AFTER_MAX 3600.0

double bg__backoff_delay(const struct bg_config *cfg, unsigned round, double r)
{
    unsigned i;
    double d, jitter = cfg->jitter;

    if (round == 0 || cfg->ndelays == 0)
        return 0;
    i = round - 1 < cfg->ndelays ? round - 1 : cfg->ndelays - 1;
    d = cfg->delays[i];

    if (jitter < 0)
        jitter = 0;
    if (jitter > 1)
        jitter = 1;
    if (r < 0 || r >= 1)
        r = 0;
    return d * (1 - jitter * r);
}

/* delta-seconds: digits only. A double cannot overflow into a wrong
 * value here; at worst it becomes infinity, which the cap handles. */
static double parse_seconds(const char *s, const char *end)
{
    double n = 0;

    if (s == end)
        return -1;
    for (; s < end; s++) {
        if (!isdigit((unsigned char)*s))
            return -1;
        n = n * 10 + (*s - '0');
    }
    return n;
}

static int parse_num(const char **p, int digits, int *out)
{
    int i, n = 0;

    for (i = 0; i < digits; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        n = n * 10 + ((*p)[i] - '0');
    }
    *p += digits;
    *out = n;
    return 0;
}

static int parse_word(const char **p, const char *const *words, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        if (strncmp(*p, words[i], 3) == 0) {
            *p += 3;
            return i;
        }
    }
    return -1;
}

static int expect(const char **p, const char *lit)
{
    size_t n = strlen(lit);

    if (strncmp(*p, lit, n) != 0)
        return -1;
    *p += n;
    return 0;
}

/* An IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT". Returns -1 when the
 * text is not one or names a day that does not exist.
 * NOTE: the obsolete RFC 850 and asctime forms are not accepted; servers
 * have sent IMF-fixdate for decades. */
static time_t parse_http_date(const char *s, size_t len)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
                                       "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
                                         "May", "Jun", "Jul", "Aug",
                                         "Sep", "Oct", "Nov", "Dec"};
    struct tm tm, back;
    const char *p = s;
    time_t t;

    memset(&tm, 0, sizeof(tm));
    if (len != 29 || parse_word(&p, days, 7) < 0 || expect(&p, ", ") ||
        parse_num(&p, 2, &tm.tm_mday) || expect(&p, " ") ||
        (tm.tm_mon = parse_word(&p, months, 12)) < 0 || expect(&p, " ") ||
        parse_num(&p, 4, &tm.tm_year) || expect(&p, " ") ||
        parse_num(&p, 2, &tm.tm_hour) || expect(&p, ":") ||
        parse_num(&p, 2, &tm.tm_min) || expect(&p, ":") ||
        parse_num(&p, 2, &tm.tm_sec) || expect(&p, " GMT"))
        return -1;
    if (tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return -1;

    /* timegm() rolls 31 Feb over into March; the copy catches that. */
    tm.tm_year -= 1900;
    back = tm;
    t = timegm(&tm);
    if (t == (time_t)-1 || tm.tm_mday != back.tm_mday ||
        tm.tm_mon != back.tm_mon)
        return -1;
    return t;
}

double bg__retry_after(const char *value, time_t now)
{
    const char *s, *end;
    double d;
    time_t t;

    if (value == NULL)
        return -1;
    s = value;
    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;

    if (s < end && isdigit((unsigned char)*s)) {
        d = parse_seconds(s, end);
    } else {
        t = parse_http_date(s, (size_t)(end - s));
        if (t == (time_t)-1)
            return -1;
        d = t > now ? difftime(t, now) : 0;
    }
    if (d < 0)
        return -1;
    return d > RETRY_AFTER_MAX ? RETRY_AFTER_MAX : d;
}

void bg__budget_init(struct bg__budget *b, double ratio, double min_per_sec,
                     double cap, int64_t now_us)
{
    pthread_mutex_init(&b->lock, NULL);
    b->tokens = cap;
    b->cap = cap;
    b->ratio = ratio;
    b->min_per_sec = min_per_sec;
    b->last_us = now_us;
}

void bg__budget_destroy(struct bg__budget *b)
{
    pthread_mutex_destroy(&b->lock);
}

/* Deposits what the time since the last visit earned. A clock that went
 * backwards earns nothing and does not move the mark back. Lock held. */
static void refill(struct bg__budget *b, int64_t now_us)
{
    if (now_us > b->last_us) {
        b->tokens += b->min_per_sec * (double)(now_us - b->last_us) / 1e6;
        b->last_us = now_us;
    }
    if (b->tokens > b->cap)
        b->tokens = b->cap;
}

void bg__budget_on_request(struct bg__budget *b, int64_t now_us)
{
    pthread_mutex_lock(&b->lock);
    refill(b, now_us);
    b->tokens += b->ratio;
    if (b->tokens > b->cap)
        b->tokens = b->cap;
    pthread_mutex_unlock(&b->lock);
}

int bg__budget_take(struct bg__budget *b, int64_t now_us)
{
    int granted = 0;

    pthread_mutex_lock(&b->lock);
    refill(b, now_us);
    if (b->tokens >= 1) {
        b->tokens -= 1;
        granted = 1;
    }
    pthread_mutex_unlock(&b->lock);
    return granted;
}
