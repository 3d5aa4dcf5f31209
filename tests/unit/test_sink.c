/* Specification of the download sinks: a memory buffer, a descriptor
 * written from its position, and a file that is either replaced whole or
 * left exactly as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sink.h"

struct dir {
    char path[64];
    char target[96];
};

static int dir_setup(void **state)
{
    struct dir *d = calloc(1, sizeof *d);

    if (d == NULL)
        return -1;
    snprintf(d->path, sizeof d->path, "/tmp/bg-sink-XXXXXX");
    if (mkdtemp(d->path) == NULL)
        return -1;
    snprintf(d->target, sizeof d->target, "%s/target.bin", d->path);
    *state = d;
    return 0;
}

/* Entries of the directory other than . and .. */
static int dir_entries(const char *path)
{
    DIR *dir = opendir(path);
    struct dirent *e;
    int n = 0;

    assert_non_null(dir);
    while ((e = readdir(dir)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(dir);
    return n;
}

static int dir_teardown(void **state)
{
    struct dir *d = *state;
    char cmd[128];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->path);
    if (system(cmd) != 0)
        return -1;
    free(d);
    return 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* The file's content, or "<absent>". */
static const char *read_file(const char *path)
{
    static char buf[256];
    FILE *f = fopen(path, "r");
    size_t n;

    if (f == NULL)
        return "<absent>";
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void memory_sink_collects_every_chunk_in_order(void **state)
{
    struct bg__mem_sink s = {0};
    char big[10000];

    (void)state;
    memset(big, 'x', sizeof big);
    assert_int_equal(bg__mem_sink_write("abc", 3, &s), 0);
    assert_int_equal(bg__mem_sink_write(big, sizeof big, &s), 0);
    assert_int_equal(bg__mem_sink_write("def", 3, &s), 0);
    assert_int_equal(s.len, 10006);
    assert_memory_equal(s.data, "abc", 3);
    assert_memory_equal(s.data + 10003, "def", 4); /* NUL-terminated */
    assert_int_equal(s.nomem, 0);
    bg__mem_sink_release(&s);
    assert_null(s.data);
}

static void fd_sink_writes_from_the_current_position(void **state)
{
    struct dir *d = *state;
    struct bg__fd_sink s;
    int fd;

    write_file(d->target, "keep-XXXX");
    fd = open(d->target, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(lseek(fd, 5, SEEK_SET), 5);
    bg__fd_sink_init(&s, fd, NULL, NULL);
    assert_int_equal(bg__fd_sink_write("body", 4, &s), 0);
    close(fd);
    assert_string_equal(read_file(d->target), "keep-body");
    assert_int_equal(s.written, 4);
}

static void fd_sink_names_the_failed_write(void **state)
{
    struct dir *d = *state;
    struct bg__fd_sink s;
    int fd;

    write_file(d->target, "ro");
    fd = open(d->target, O_RDONLY);
    assert_true(fd >= 0);
    bg__fd_sink_init(&s, fd, NULL, NULL);
    assert_int_not_equal(bg__fd_sink_write("x", 1, &s), 0);
    assert_int_equal(s.err, EBADF);
    close(fd);
}

static void count_progress(uint64_t done, int64_t total, void *userdata)
{
    (void)done;
    (void)total;
    (*(int *)userdata)++;
}

static void fd_sink_reports_progress_at_most_a_few_times(void **state)
{
    struct dir *d = *state;
    struct bg__fd_sink s;
    int calls = 0;
    int fd = open(d->target, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    assert_true(fd >= 0);
    bg__fd_sink_init(&s, fd, count_progress, &calls);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(bg__fd_sink_write("0123456789", 10, &s), 0);
    close(fd);
    assert_int_equal(s.written, 10000);
    assert_in_range(calls, 1, 2);
}

static void file_sink_replaces_the_target_whole(void **state)
{
    struct dir *d = *state;
    struct bg__file_sink s;
    char err[200];
    struct stat st;
    mode_t mask = umask(022);

    write_file(d->target, "old");
    assert_int_equal(
        bg__file_sink_open(&s, d->target, NULL, NULL, err, sizeof err), BG_OK);
    assert_int_equal(dir_entries(d->path), 2); /* target and temporary */
    assert_int_equal(bg__fd_sink_write("new body", 8, &s.out), 0);
    assert_string_equal(read_file(d->target), "old");

    assert_int_equal(bg__file_sink_commit(&s, 8, err, sizeof err), BG_OK);
    assert_string_equal(read_file(d->target), "new body");
    assert_int_equal(dir_entries(d->path), 1);
    assert_int_equal(stat(d->target, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    umask(mask);
}

static void
file_sink_with_a_short_body_leaves_the_target_as_it_was(void **state)
{
    struct dir *d = *state;
    struct bg__file_sink s;
    char err[200];

    write_file(d->target, "old");
    assert_int_equal(
        bg__file_sink_open(&s, d->target, NULL, NULL, err, sizeof err), BG_OK);
    assert_int_equal(bg__fd_sink_write("part", 4, &s.out), 0);
    assert_int_equal(bg__file_sink_commit(&s, 100, err, sizeof err),
                     BG_E_INTERNAL);
    assert_non_null(strstr(err, "Content-Length"));
    assert_string_equal(read_file(d->target), "old");
    assert_int_equal(dir_entries(d->path), 1);
}

static void file_sink_abort_leaves_no_file_behind(void **state)
{
    struct dir *d = *state;
    struct bg__file_sink s;
    char err[200];

    assert_int_equal(
        bg__file_sink_open(&s, d->target, NULL, NULL, err, sizeof err), BG_OK);
    assert_int_equal(bg__fd_sink_write("part", 4, &s.out), 0);
    bg__file_sink_abort(&s);
    bg__file_sink_abort(&s);
    assert_string_equal(read_file(d->target), "<absent>");
    assert_int_equal(dir_entries(d->path), 0);
}

static void file_sink_refuses_paths_it_cannot_use(void **state)
{
    static const struct {
        const char *suffix;
        bg_result want;
    } cases[] = {
        {"/", BG_E_USAGE},
        {"/no-such-dir/file", BG_E_IO},
    };
    struct dir *d = *state;
    struct bg__file_sink s;
    char path[160], err[200];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(path, sizeof path, "%s%s", d->path, cases[i].suffix);
        assert_int_equal(
            bg__file_sink_open(&s, path, NULL, NULL, err, sizeof err),
            cases[i].want);
        assert_true(err[0] != '\0');
    }
    assert_int_equal(dir_entries(d->path), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(memory_sink_collects_every_chunk_in_order),
        cmocka_unit_test_setup_teardown(
            fd_sink_writes_from_the_current_position, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(fd_sink_names_the_failed_write,
                                        dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(
            fd_sink_reports_progress_at_most_a_few_times, dir_setup,
            dir_teardown),
        cmocka_unit_test_setup_teardown(file_sink_replaces_the_target_whole,
                                        dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(
            file_sink_with_a_short_body_leaves_the_target_as_it_was, dir_setup,
            dir_teardown),
        cmocka_unit_test_setup_teardown(file_sink_abort_leaves_no_file_behind,
                                        dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(file_sink_refuses_paths_it_cannot_use,
                                        dir_setup, dir_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
