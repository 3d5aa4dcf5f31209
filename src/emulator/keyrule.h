/* Character rules Storage applies to object keys and bucket names. */
#ifndef EMU_KEYRULE_H
#define EMU_KEYRULE_H

#include <stdbool.h>

/* True when key (already percent-decoded) is a valid object key: not
 * empty, only A-Z a-z 0-9 _ / ! . * ' ( ) space & $ = @ ; : + , ? -, and
 * no "." or ".." path segment. */
bool emu_key_valid(const char *key);

/* True when name is a valid bucket name: 1 to 100 characters from the key
 * alphabet without "/", and not "." or "..". */
bool emu_bucket_name_valid(const char *name);

#endif
