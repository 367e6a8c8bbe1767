/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/args.c - command-line number parsing (see args.h).
 */
#include "args.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool args_u64(const char *s, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

bool args_range(const char *s, uint64_t *lo, uint64_t *hi)
{
    const char *dots = strstr(s, "..");
    if (dots == NULL)
        return args_u64(s, lo) && (*hi = *lo, true);
    char first[32];
    size_t n = (size_t)(dots - s);
    if (n == 0 || n >= sizeof(first))
        return false;
    memcpy(first, s, n);
    first[n] = '\0';
    return args_u64(first, lo) && args_u64(dots + 2, hi) && *lo <= *hi;
}
