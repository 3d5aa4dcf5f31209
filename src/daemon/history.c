/* A bounded record of recent probes (time, latency, success) that the
 * status page draws its charts from: a ring under a mutex. */
#include "history.h"

#include <pthread.h>
#include <stdlib.h>

struct bgd_history {
    pthread_mutex_t lock;
    struct bgd_sample *ring;
    size_t capacity, head, count;
};

struct bgd_history *bgd_history_new(size_t capacity)
{
    struct bgd_history *h;

    if (capacity == 0)
        return NULL;
    h = calloc(1, sizeof(*h));
    if (h == NULL)
        return NULL;
    h->ring = calloc(capacity, sizeof(*h->ring));
    if (h->ring == NULL) {
        free(h);
        return NULL;
    }
    h->capacity = capacity;
    pthread_mutex_init(&h->lock, NULL);
    return h;
}

void bgd_history_free(struct bgd_history *h)
{
    if (h == NULL)
        return;
    pthread_mutex_destroy(&h->lock);
    free(h->ring);
    free(h);
}

void bgd_history_add(struct bgd_history *h, const struct bgd_sample *s)
{
    pthread_mutex_lock(&h->lock);
    h->ring[h->head] = *s;
    h->head = (h->head + 1) % h->capacity;
    if (h->count < h->capacity)
        h->count++;
    pthread_mutex_unlock(&h->lock);
}

size_t bgd_history_copy(struct bgd_history *h, struct bgd_sample **out)
{
    size_t n, first, i;

    *out = NULL;
    pthread_mutex_lock(&h->lock);
    n = h->count;
    if (n > 0)
        *out = malloc(n * sizeof(**out));
    if (*out == NULL) {
        pthread_mutex_unlock(&h->lock);
        return 0;
    }

    first = (h->head + h->capacity - n) % h->capacity;
    for (i = 0; i < n; i++)
        (*out)[i] = h->ring[(first + i) % h->capacity];
    pthread_mutex_unlock(&h->lock);
    return n;
}
