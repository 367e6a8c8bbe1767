/* SPDX-License-Identifier: MIT */
/*
 * user/errnames.c - error code <-> name tables (see errnames.h and tw_strerror in twain.h).
 *
 * One table indexed by -code, checked against the enum in core/abi.h at compile time, so
 * that a new error code without a name fails the build.
 */
#include "errnames.h"

#include "../core/abi.h"
#include "../core/kassert.h"
#include "../core/klib.h"
#include "twain.h"

/* Index i names the code -i; index 0 is TW_OK. */
static const char *const err_names[] = {
    [0] = "ok",
    [-TW_E_INVAL] = "invalid_argument",
    [-TW_E_BADH] = "bad_handle",
    [-TW_E_ACCESS] = "access_denied",
    [-TW_E_NOENT] = "no_entry",
    [-TW_E_NOMEM] = "no_memory",
    [-TW_E_WOULDBLOCK] = "would_block",
    [-TW_E_TIMEDOUT] = "timed_out",
    [-TW_E_PEER] = "peer_closed",
    [-TW_E_FAULT] = "fault",
    [-TW_E_NOTSUP] = "not_supported",
    [-TW_E_TOOBIG] = "too_big",
    [-TW_E_BUSY] = "busy",
    [-TW_E_IO] = "io",
    [-TW_E_CANCELED] = "canceled",
    [-TW_E_LIMIT] = "limit",
    [-TW_E_SYNTAX] = "syntax",
    [-TW_E_STALE] = "stale",
    [-TW_E_RESTARTED] = "restarted",
    [-TW_E_VERSION] = "version",
};

K_STATIC_ASSERT(K_ARRAY_SIZE(err_names) == (size_t)(1 - TW_ERR_MIN),
                "every error code from TW_OK to TW_ERR_MIN has a name");

const char *tw_strerror(int64_t code)
{
    if (code > 0 || code < TW_ERR_MIN)
        return NULL;
    const char *name = err_names[-code];
    K_ASSERT(name != NULL);
    return name;
}

int64_t tw_error_from_name(const char *name, size_t len)
{
    K_ASSERT(name != NULL || len == 0);
    for (size_t i = 0; i < K_ARRAY_SIZE(err_names); i++) {
        K_ASSERT(err_names[i] != NULL);
        if (k_memeq_str(name, len, err_names[i]))
            return -(int64_t)i;
    }
    return TW_ERRNAME_UNKNOWN;
}
