/* What the configuration modules share among themselves: parsing of
 * setting values, the one-line error messages (which never show a key or
 * a URL), the route settings and the list of plain setting names. */
#ifndef BG_CONFVAL_H
#define BG_CONFVAL_H

#include <stddef.h>
#include "config.h"

/* A number with optional surrounding blanks (finite): 1, else 0. */
int bg__parse_number(const char *s, double *out);

/* A whole number of decimal digits with optional surrounding blanks. */
int bg__parse_count(const char *s, unsigned long *out);

/* 1 for 1/true/yes/on, 0 for 0/false/no/off (any case), -1 otherwise. */
int bg__parse_bool(const char *s);

/* 1 when s holds only printable ASCII; spaces allowed when spaces. */
int bg__printable(const char *s, int spaces);

/* 1 when the len bytes at s make a route name: 1..31 letters, digits,
 * '-', '_' or '.'. */
int bg__route_name_valid(const char *s, size_t len);

/* A copy of s without surrounding blanks; NULL when out of memory. */
char *bg__cfg_trimmed(const char *s);

/* Set cfg->err and return BG_E_NOMEM or BG_E_CONFIG. bg__cfg_invalid
 * shows the value (redacted, shortened); bg__cfg_invalid_secret, for keys
 * and URLs, only names the problem. */
bg_result bg__cfg_nomem(struct bg_config *cfg);
bg_result bg__cfg_invalid(struct bg_config *cfg, const char *name,
                          const char *expect, const char *value);
bg_result bg__cfg_invalid_secret(struct bg_config *cfg, const char *name,
                                 const char *problem);
bg_result bg__cfg_unknown(struct bg_config *cfg, const char *name);

/* Applies route.NAME.KEY = value (confroute.c). */
bg_result bg__config_set_route(struct bg_config *cfg, const char *name,
                               const char *value);

/* The name of plain setting i (not route.*), NULL past the last. */
const char *bg__config_setting_name(size_t i);

#endif
