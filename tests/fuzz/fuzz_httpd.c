/* Fuzz target: the monitor's HTTP server. Each input is sent as raw bytes
 * over a loopback connection to a running server (the real listener, the
 * real routing and token check); the server must answer or close, never
 * crash, and must never serve a protected endpoint to a request that does
 * not carry the bearer token. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bucketguard/bucketguard.h"
#include "history.h"
#include "httpd.h"

#define TOKEN "fuzz-bearer-token-5f3a9c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned port;

static void start_server(void)
{
    static bg_client *client;
    static struct bgd_history *history;
    static struct bgd_httpd *server;
    bg_config *cfg = bg_config_new();
    char err[256];

    if (cfg == NULL ||
        bg_config_set(cfg, "url", "http://127.0.0.1:9/storage/v1") != BG_OK ||
        bg_config_set(cfg, "service_key", "fuzz-service-key") != BG_OK ||
        bg_client_new(cfg, &client) != BG_OK)
        abort();
    bg_config_free(cfg);
    history = bgd_history_new(16);
    server = bgd_httpd_start(client, history, "127.0.0.1:0", TOKEN, err,
                             sizeof(err));
    if (history == NULL || server == NULL)
        abort();
    port = bgd_httpd_port(server);
}

/* Reads everything the server sends until it closes, at most cap bytes
 * and a few seconds. Returns the length read. */
static size_t drain(int fd, char *out, size_t cap)
{
    struct pollfd p = {fd, POLLIN, 0};
    size_t len = 0;
    ssize_t n;
    char scratch[4096];

    for (;;) {
        int ready = poll(&p, 1, 3000);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready != 1)
            break;
        n = recv(fd, scratch, sizeof(scratch), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (len < cap) {
            size_t take = (size_t)n < cap - len ? (size_t)n : cap - len;
            memcpy(out + len, scratch, take);
            len += take;
        }
    }
    return len;
}

static int contains(const char *hay, size_t n, const char *needle)
{
    return memmem(hay, n, needle, strlen(needle)) != NULL;
}

/* Connects from a new loopback source address each time: the server
 * closes first on many inputs, and its TIME_WAIT sockets would otherwise
 * use up one source address's ephemeral ports within seconds. */
static int connect_once(void)
{
    static uint32_t n;
    struct sockaddr_in src = {0}, dst = {0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0)
        return -1;
    n++;
    src.sin_family = AF_INET;
    src.sin_addr.s_addr = htonl(0x7f000000u | (1 + n % 0xfffffdu));
    dst.sin_family = AF_INET;
    dst.sin_port = htons((uint16_t)port);
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0 ||
        connect(fd, (struct sockaddr *)&dst, sizeof(dst)) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* libFuzzer's timer signal can interrupt connect(): try again then. */
static int connect_server(void)
{
    int fd = -1;

    for (int i = 0; i < 10 && fd < 0; i++) {
        fd = connect_once();
        if (fd < 0 && errno != EINTR)
            break;
    }
    if (fd < 0)
        perror("fuzz_httpd: connect");
    return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char reply[1 << 16];
    struct linger lg = {1, 0};
    size_t len;
    int fd;

    if (port == 0)
        start_server();
    fd = connect_server();
    if (fd < 0)
        abort();
    if (size > 0 && send(fd, data, size, MSG_NOSIGNAL) < 0)
        size = 0;
    shutdown(fd, SHUT_WR);
    len = drain(fd, reply, sizeof(reply));
    /* A reset on close leaves no TIME_WAIT behind: millions of runs. */
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(fd);

    if (!contains((const char *)data, size, TOKEN) &&
        (contains(reply, len, "text/plain; version=0.0.4") ||
         contains(reply, len, "bucketguard status") ||
         contains(reply, len, "ejected_seconds_left") ||
         contains(reply, len, "\"schema_version")))
        abort();
    return 0;
}
