/* The integration test harness: one emulator process per test, started
 * on a free port, its keys read from the file it writes when ready, and
 * always stopped again. */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>

#define MAX_ARGS 64

int bg_test_passed, bg_test_failed;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

static const char *emulator_path(void)
{
    const char *p = getenv("BG_EMULATOR");

    return p != NULL && p[0] != '\0' ? p : NULL;
}

/* Copies the value of a dotenv line into out, without quotes or CR. */
static void copy_value(char *out, size_t n, const char *v)
{
    size_t len = strcspn(v, "\r\n");

    if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0]) {
        v++;
        len -= 2;
    }
    if (len >= n)
        len = n - 1;
    memcpy(out, v, len);
    out[len] = '\0';
}

static void read_line(struct bg_harness *h, const char *line)
{
    static const char *const names[] = {
        "SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY",
        "SUPABASE_SECRET_KEY", "SUPABASE_PUBLISHABLE_KEY"};
    char *const dst[] = {h->url, h->anon, h->service, h->secret,
                         h->publishable};
    const size_t len[] = {sizeof h->url, sizeof h->anon, sizeof h->service,
                          sizeof h->secret, sizeof h->publishable};
    char port[16];

    if (strncmp(line, "export ", 7) == 0)
        line += 7;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        size_t n = strlen(names[i]);
        if (strncmp(line, names[i], n) == 0 && line[n] == '=')
            copy_value(dst[i], len[i], line + n + 1);
    }
    if (strncmp(line, "BG_EMULATOR_PORT=", 17) == 0) {
        copy_value(port, sizeof port, line + 17);
        h->port = atoi(port);
    }
}

/* Reads the keys file; 0 once it holds a URL, a service key and a port. */
static int read_keys(struct bg_harness *h)
{
    char line[2048];
    FILE *f = fopen(h->keys_file, "r");

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL)
        read_line(h, line);
    fclose(f);
    if (h->url[0] == '\0' || h->service[0] == '\0' || h->port <= 0)
        return -1;

    /* The control endpoint lives at the server root. */
    const char *p = strstr(h->url, "://");
    size_t end = p != NULL ? (size_t)(p - h->url) + 3 : 0;
    end += strcspn(h->url + end, "/");
    snprintf(h->root, sizeof h->root, "%.*s", (int)end, h->url);
    return 0;
}

static pid_t spawn(char *const argv[], int out_fd)
{
    pid_t pid = fork();

    if (pid == 0) {
        if (out_fd >= 0)
            dup2(out_fd, STDOUT_FILENO);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* The arguments of the emulator; returns the count, -1 when too many. */
static int build_args(const struct bg_harness *h, const char *exe,
                      const char *const *extra, char *argv[MAX_ARGS])
{
    const char *fixed[] = {exe,           "--port",     "0",        "--quiet",
                           "--keys-file", h->keys_file, "--control"};
    int n = 0;

    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        argv[n++] = (char *)fixed[i];
    for (size_t i = 0; extra != NULL && extra[i] != NULL; i++) {
        if (n + 1 >= MAX_ARGS)
            return -1;
        argv[n++] = (char *)extra[i];
    }
    argv[n] = NULL;
    return n;
}

static int wait_ready(struct bg_harness *h)
{
    for (int i = 0; i < 500; i++) {
        int status;
        if (read_keys(h) == 0)
            return 0;
        if (waitpid(h->pid, &status, WNOHANG) == h->pid) {
            fprintf(stderr, "harness: the emulator exited early (%d)\n",
                    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
            h->pid = 0;
            return -1;
        }
        sleep_ms(20);
    }
    fprintf(stderr, "harness: no keys file after 10 s\n");
    return -1;
}

int bg_harness_start(struct bg_harness *h, const char *const *extra_args)
{
    const char *exe = emulator_path();
    char *argv[MAX_ARGS];

    memset(h, 0, sizeof *h);
    if (exe == NULL) {
        fprintf(stderr, "harness: BG_EMULATOR is not set\n");
        return -1;
    }
    snprintf(h->dir, sizeof h->dir, "/tmp/bg-harness-XXXXXX");
    if (mkdtemp(h->dir) == NULL) {
        fprintf(stderr, "harness: mkdtemp: %s\n", strerror(errno));
        h->dir[0] = '\0';
        return -1;
    }
    snprintf(h->keys_file, sizeof h->keys_file, "%s/keys.env", h->dir);
    if (build_args(h, exe, extra_args, argv) < 0) {
        fprintf(stderr, "harness: too many emulator arguments\n");
        bg_harness_stop(h);
        return -1;
    }
    if ((h->pid = spawn(argv, -1)) < 0) {
        fprintf(stderr, "harness: fork: %s\n", strerror(errno));
        h->pid = 0;
        bg_harness_stop(h);
        return -1;
    }
    if (wait_ready(h) != 0) {
        bg_harness_stop(h);
        return -1;
    }
    return 0;
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

void bg_harness_stop(struct bg_harness *h)
{
    if (h->pid > 0) {
        int status, gone = 0;
        kill(h->pid, SIGTERM);
        for (int i = 0; i < 250 && !gone; i++) {
            gone = waitpid(h->pid, &status, WNOHANG) == h->pid;
            if (!gone)
                sleep_ms(20);
        }
        if (!gone) {
            kill(h->pid, SIGKILL);
            waitpid(h->pid, &status, 0);
        }
        h->pid = 0;
    }
    if (h->dir[0] != '\0') {
        remove_dir(h->dir);
        h->dir[0] = '\0';
    }
}

bg_config *bg_harness_config(const struct bg_harness *h)
{
    bg_config *cfg = bg_config_new();

    if (cfg == NULL)
        return NULL;
    if (bg_config_set(cfg, "url", h->url) != BG_OK ||
        bg_config_set(cfg, "service_key", h->service) != BG_OK ||
        bg_config_set(cfg, "anon_key", h->anon) != BG_OK ||
        bg_config_set(cfg, "delays", "0.05,0.1,0.2") != BG_OK) {
        fprintf(stderr, "harness: config: %s\n", bg_config_error(cfg));
        bg_config_free(cfg);
        return NULL;
    }
    return cfg;
}

/* Connects to the host and port of h->root; -1 on failure. */
static int dial(const struct bg_harness *h)
{
    char host[256], port[16];
    const char *p = strstr(h->root, "://");
    struct addrinfo hints, *res = NULL;
    int fd = -1;

    p = p != NULL ? p + 3 : h->root;
    if (*p == '[')
        sscanf(p + 1, "%255[^]]]:%15s", host, port);
    else if (sscanf(p, "%255[^:]:%15s", host, port) != 2)
        return -1;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return -1;
    fd = socket(res->ai_family, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads the whole answer (the server closes: HTTP/1.0) into a string. */
static char *read_all(int fd)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    ssize_t got;

    while (buf != NULL && (got = read(fd, buf + len, cap - len - 1)) > 0) {
        len += (size_t)got;
        if (cap - len < 1024) {
            char *grown = realloc(buf, cap * 2);
            if (grown == NULL) {
                free(buf);
                return NULL;
            }
            buf = grown;
            cap *= 2;
        }
    }
    if (buf != NULL)
        buf[len] = '\0';
    return buf;
}

/* A plain HTTP/1.0 exchange over a socket, so the harness needs no HTTP
 * library of its own. */
int bg_harness_control(const struct bg_harness *h, const char *method,
                       const char *path, const char *body, char **out)
{
    struct timeval tv = {10, 0};
    char *req = NULL, *answer = NULL, *sep;
    int fd, status = -1, n;
    size_t blen = body != NULL ? strlen(body) : 0;

    if (out != NULL)
        *out = NULL;
    if ((fd = dial(h)) < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    n = asprintf(&req,
                 "%s %s HTTP/1.0\r\nHost: emulator\r\n"
                 "Content-Type: application/json\r\n"
                 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                 method, path, blen, body != NULL ? body : "");
    if (n > 0 && send_all(fd, req, (size_t)n) == 0)
        answer = read_all(fd);
    close(fd);
    free(req);
    if (answer == NULL || sscanf(answer, "HTTP/%*s %d", &status) != 1) {
        free(answer);
        return -1;
    }
    if (out != NULL && (sep = strstr(answer, "\r\n\r\n")) != NULL)
        *out = strdup(sep + 4);
    free(answer);
    return status;
}

char *bg_harness_mint(const char *const *args)
{
    const char *exe = emulator_path();
    char *argv[MAX_ARGS], buf[4096];
    int fds[2], n = 0, status;
    size_t len = 0;
    ssize_t got;
    pid_t pid;

    if (exe == NULL || pipe(fds) != 0)
        return NULL;
    argv[n++] = (char *)exe;
    argv[n++] = "mint";
    for (size_t i = 0; args != NULL && args[i] != NULL && n + 1 < MAX_ARGS; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;

    pid = spawn(argv, fds[1]);
    close(fds[1]);
    while (pid > 0 && len + 1 < sizeof buf &&
           (got = read(fds[0], buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)got;
    close(fds[0]);
    if (pid <= 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return NULL;
    buf[len] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    return buf[0] != '\0' ? strdup(buf) : NULL;
}

int bg_test_finish(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, bg_test_passed, bg_test_failed);
    return bg_test_failed == 0 && bg_test_passed > 0 ? 0 : 1;
}
