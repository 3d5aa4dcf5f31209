/* Specification of what an attempt reads from an answer: the edge
 * location in cf-ray, the headers kept for classification and resume, and
 * the info path that explains a bodiless HEAD error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "transfer.h"

static void colo_is_the_suffix_after_the_last_dash(void **state)
{
    static const struct {
        const char *ray, *colo;
    } cases[] = {
        {"8f1e2d3c4b5a6978-SJC", "SJC"},
        {"8f1e2d3c4b5a6978-PDX", "PDX"},
        {"a-b-FRA", "FRA"},
        {"8f1e2d3c4b5a6978", ""},
        {"8f1e2d3c4b5a6978-", ""},
        {"", ""},
    };
    char colo[8];

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bg__colo_from_ray(cases[i].ray, colo, sizeof colo);
        assert_string_equal(colo, cases[i].colo);
    }
}

static void colo_is_cut_to_the_buffer(void **state)
{
    char colo[4];

    (void)state;
    bg__colo_from_ray("abc-LONGNAME", colo, sizeof colo);
    assert_string_equal(colo, "LON");
}

static void parse_all(struct bg__headers *h, const char *const *lines)
{
    bg__headers_init(h);
    for (size_t i = 0; lines[i] != NULL; i++)
        bg__headers_parse(h, lines[i], strlen(lines[i]));
}

static void headers_that_matter_are_kept(void **state)
{
    const char *lines[] = {
        "HTTP/1.1 206 Partial Content\r\n",
        "CF-Ray: 0123456789abcdef-SJC\r\n",
        "cf-cache-status:  DYNAMIC \r\n",
        "ETag: \"5d41402abc4b2a76b9719d911017c592\"\r\n",
        "Content-Length: 5\r\n",
        "Content-Range: bytes 7-11/12\r\n",
        "Retry-After: 3\r\n",
        "X-Other: ignored\r\n",
        "\r\n",
        NULL,
    };
    struct bg__headers h;

    (void)state;
    parse_all(&h, lines);
    assert_int_equal(h.status, 206);
    assert_string_equal(h.cf_ray, "0123456789abcdef-SJC");
    assert_string_equal(h.colo, "SJC");
    assert_string_equal(h.cache_status, "DYNAMIC");
    assert_string_equal(h.etag, "\"5d41402abc4b2a76b9719d911017c592\"");
    assert_int_equal(h.content_length, 5);
    assert_int_equal(h.range_start, 7);
    assert_int_equal(h.range_total, 12);
    assert_string_equal(h.retry_after, "3");
}

static void a_new_status_line_forgets_the_interim_answer(void **state)
{
    const char *lines[] = {
        "HTTP/1.1 100 Continue\r\n",
        "ETag: \"old\"\r\n",
        "\r\n",
        "HTTP/2 400\r\n",
        "content-length: 80\r\n",
        NULL,
    };
    struct bg__headers h;

    (void)state;
    parse_all(&h, lines);
    assert_int_equal(h.status, 400);
    assert_string_equal(h.etag, "");
    assert_int_equal(h.content_length, 80);
}

static void unknown_lengths_and_ranges_stay_unknown(void **state)
{
    const char *lines[] = {
        "HTTP/1.1 200 OK",
        "Content-Length: lots",
        "Content-Range: items 1-2",
        "no colon here",
        ": no name",
        NULL,
    };
    struct bg__headers h;

    (void)state;
    parse_all(&h, lines);
    assert_int_equal(h.status, 200);
    assert_int_equal(h.content_length, -1);
    assert_int_equal(h.range_start, -1);
    assert_int_equal(h.range_total, -1);
    assert_string_equal(h.cf_ray, "");
    assert_string_equal(h.colo, "");
}

static void head_paths_map_to_their_info_path(void **state)
{
    static const struct {
        const char *path, *info;
    } cases[] = {
        {"/object/docs/a.txt", "/object/info/docs/a.txt"},
        {"/object/docs/dir/b%20c.pdf", "/object/info/docs/dir/b%20c.pdf"},
        {"/object/authenticated/docs/a", "/object/info/authenticated/docs/a"},
        {"/object/public/pics/x.png", "/object/info/public/pics/x.png"},
        {"/object/info/docs/a.txt", NULL},
        {"/object/", NULL},
        {"/bucket/docs", NULL},
        {"object/docs/a", NULL},
    };
    char out[128];

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int rc = bg__info_path(cases[i].path, out, sizeof out);
        if (cases[i].info == NULL) {
            assert_int_equal(rc, -1);
        } else {
            assert_int_equal(rc, 0);
            assert_string_equal(out, cases[i].info);
        }
    }
}

static void info_path_that_does_not_fit_is_refused(void **state)
{
    char out[16];

    (void)state;
    assert_int_equal(
        bg__info_path("/object/docs/long-name.txt", out, sizeof out), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(colo_is_the_suffix_after_the_last_dash),
        cmocka_unit_test(colo_is_cut_to_the_buffer),
        cmocka_unit_test(headers_that_matter_are_kept),
        cmocka_unit_test(a_new_status_line_forgets_the_interim_answer),
        cmocka_unit_test(unknown_lengths_and_ranges_stay_unknown),
        cmocka_unit_test(head_paths_map_to_their_info_path),
        cmocka_unit_test(info_path_that_does_not_fit_is_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
