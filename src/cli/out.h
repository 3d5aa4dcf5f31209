/* Output of the bucketguard command: one-line errors and log lines on
 * stderr, JSON documents or aligned tables on stdout, exit codes, and a
 * progress bar for long transfers when stderr is a terminal. */
#ifndef BG_CLI_OUT_H
#define BG_CLI_OUT_H

#include <jansson.h>
#include <stdio.h>
#include "bucketguard/bucketguard.h"

/* The exit code for a library result (see enum cli_exit). */
int out_exit_code(bg_result r);

/* Stable short name of a result for JSON: "ok", "not_found", ... */
const char *out_result_name(bg_result r);

/* Log callback: writes "bucketguard: level=LEVEL LINE" to stderr. */
void out_log(bg_log_level level, const char *line, void *userdata);

/* Prints "bucketguard: CMD: message" to stderr (no "CMD: " when NULL). */
void out_errorf(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints the one-line error of a failed call, for example
 * "bucketguard: get docs/a.pdf: object not found (NoSuchKey,
 * route=default, attempts=1)", and returns its exit code. what names the
 * target; bucket_op says a "not found" means the bucket. */
int out_fail(const char *cmd, const char *what, bg_result r,
             const bg_report *rep, int bucket_op);

/* Ends a data command: prints the error line when r failed, and with json
 * prints doc (taken over; NULL for an empty object) with "ok" (unless doc
 * has it), "error" when r failed, and "report" added. Returns the exit
 * code. */
int out_finish(const char *cmd, const char *what, int json, bg_result r,
               const bg_report *rep, json_t *doc, int bucket_op);

/* The report as a JSON object (result, http_status, body_status, code,
 * route, attempts, rounds, duration_ms, bytes, cf_ray, colo, cache_status,
 * address, detail). NULL when out of memory. */
json_t *out_report_json(bg_result r, const bg_report *rep);

/* Parses a JSON text returned by the library; a text that does not parse
 * is kept as a string so that nothing is lost. NULL only without memory. */
json_t *out_parse(const char *text);

/* Writes doc to stdout as one document and releases it (NULL is an
 * allocation failure). Returns 0, or an exit code after an error line. */
int out_json(json_t *doc);

/* Prints the members of a JSON object as aligned "name: value" lines;
 * nested values are printed as compact JSON. */
void out_fields(FILE *f, const json_t *obj);

/* A JSON value as display text into buf: strings bare, null as "-". */
const char *out_text(const json_t *v, char *buf, size_t n);

/* A byte count for people: "512 B", "1.5 KiB", "3.2 MiB". */
const char *out_size(uint64_t bytes, char *buf, size_t n);

/* ---- Tables ------------------------------------------------------------ */

struct out_table;

/* A table with ncols columns headed by heads (copied). NULL without
 * memory. */
struct out_table *out_table_new(size_t ncols, const char *const *heads);

/* Appends a row of ncols cells (copied; NULL prints as "-"). Returns 0 or
 * -1 when out of memory. */
int out_table_add(struct out_table *t, const char *const *cells);

/* Prints the table with columns padded to their widest cell, then frees
 * it. */
void out_table_print(struct out_table *t, FILE *f);
void out_table_free(struct out_table *t);

/* ---- Progress ------------------------------------------------------------ */

struct out_progress {
    int enabled;      /* stderr is a terminal and output is for people */
    int drawn;        /* something is on the line */
    int64_t start_ms; /* monotonic; short transfers draw nothing */
    const char *label;
};

/* Prepares a progress bar for label; it draws only on a terminal, and only
 * once the transfer has lasted a moment. */
void out_progress_init(struct out_progress *p, const char *label, int quiet);

/* bg_progress_fn for struct out_progress userdata. */
void out_progress_cb(uint64_t done, int64_t total, void *userdata);

/* Ends the bar's line if one was drawn. */
void out_progress_end(struct out_progress *p);

#endif
