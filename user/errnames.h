/* SPDX-License-Identifier: MIT */
/*
 * user/errnames.h - the names of the TW_E_* error codes, both ways.
 *
 * The names are the scenario language's ("peer_closed", "timed_out", ...); tw_strerror()
 * (declared in twain.h) maps a code to its name, tw_error_from_name() a name to its code.
 * Freestanding: usable by the interpreter, the kernel side and host tools alike.
 */
#ifndef TWAIN_USER_ERRNAMES_H
#define TWAIN_USER_ERRNAMES_H

#include <stddef.h>
#include <stdint.h>

/* What tw_error_from_name() returns for a name that is not an error's (never a TW_E_*). */
#define TW_ERRNAME_UNKNOWN 1

/*
 * The code named by name[0..len) (not NUL-terminated): a TW_E_* value, TW_OK for "ok", or
 * TW_ERRNAME_UNKNOWN.
 */
int64_t tw_error_from_name(const char *name, size_t len);

#endif /* TWAIN_USER_ERRNAMES_H */
