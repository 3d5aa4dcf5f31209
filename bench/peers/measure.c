/* Runs a command and writes its resource use to a file: peak RSS, user
 * and system CPU. bench/run starts every peer through it because a child
 * forked from the Python harness would inherit the harness's peak RSS;
 * forked from this small program, the figure is the peer's own. */
#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static double seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    struct rusage ru;
    int status;
    pid_t pid;
    FILE *out;

    if (argc < 3) {
        fprintf(stderr, "usage: measure RUSAGE_FILE COMMAND [ARG]...\n");
        return 2;
    }
    pid = fork();
    if (pid < 0)
        return 126;
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror(argv[2]);
        _exit(127);
    }
    while (wait4(pid, &status, 0, &ru) < 0)
        if (errno != EINTR)
            return 126;
    out = fopen(argv[1], "w");
    if (out == NULL)
        return 126;
    fprintf(out, "%ld %.6f %.6f\n", ru.ru_maxrss, seconds(ru.ru_utime),
            seconds(ru.ru_stime));
    fclose(out);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
