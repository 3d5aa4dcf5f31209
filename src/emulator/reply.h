/* An answer of the emulator before it meets the HTTP server: status,
 * headers, and a body held in memory or read from a file. */
#ifndef EMU_REPLY_H
#define EMU_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define EMU_REPLY_HEADERS 12
#define EMU_HEADER_VALUE  320

struct emu_header {
    char name[32];
    char value[EMU_HEADER_VALUE];
};

struct emu_reply {
    int status;
    char *body; /* owned; NULL when the body is a file or empty */
    size_t body_len;
    int fd; /* owned; >= 0 when the body is length bytes at offset */
    uint64_t offset;
    uint64_t length;
    const char *cache_status; /* cf-cache-status, "DYNAMIC" by default */
    unsigned header_count;
    struct emu_header headers[EMU_REPLY_HEADERS];
};

void emu_reply_init(struct emu_reply *r);

/* Frees what r owns and makes it empty again. */
void emu_reply_release(struct emu_reply *r);

/* Adds a header; silently dropped when the table is full (the table is
 * sized for every answer the emulator gives). */
void emu_reply_header(struct emu_reply *r, const char *name, const char *value);

/* Every setter below replaces the status, the body and the headers. */

/* Sets status and a JSON body (stolen; NULL means out of memory, which
 * becomes a 500). Adds content-type: application/json. */
void emu_reply_json(struct emu_reply *r, int status, json_t *body);

/* Sets a Storage error: HTTP status http, body {"statusCode":code_status
 * as a string, "code", "error", "message"}. */
void emu_reply_error(struct emu_reply *r, int http, int body_status,
                     const char *code, const char *error, const char *message);

/* The errors Storage gives, each with its fixed HTTP status, body status,
 * code and short error text. */
enum emu_error {
    EMU_ERR_NO_SUCH_BUCKET = 0,
    EMU_ERR_NO_SUCH_KEY,
    EMU_ERR_INVALID_KEY,
    EMU_ERR_INVALID_BUCKET_NAME,
    EMU_ERR_KEY_EXISTS,
    EMU_ERR_BUCKET_EXISTS,
    EMU_ERR_NOT_EMPTY,
    EMU_ERR_ACCESS_DENIED,
    EMU_ERR_INVALID_REQUEST,
    EMU_ERR_INVALID_JWT,
    EMU_ERR_INVALID_SIGNATURE,
    EMU_ERR_INVALID_RANGE,
    EMU_ERR_TOO_LARGE,
    EMU_ERR_INVALID_MIME,
    EMU_ERR_ROUTE_NOT_FOUND,
    EMU_ERR_INTERNAL
};

/* Sets the error kind with message, or its usual message when message is
 * NULL. */
void emu_reply_fail(struct emu_reply *r, enum emu_error kind,
                    const char *message);

/* Sets status and a plain text body (copied). */
void emu_reply_text(struct emu_reply *r, int status, const char *text);

/* Sets status and body (copied) with content_type, or with no
 * content-type when content_type is NULL. */
void emu_reply_raw(struct emu_reply *r, int status, const char *body,
                   const char *content_type);

#endif
