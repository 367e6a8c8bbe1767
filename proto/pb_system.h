/* SPDX-License-Identifier: MIT */
/*
 * proto/pb_system.h - nanopb's system header (PB_SYSTEM_HEADER) for Twain: what pb.h would
 * take from libc, freestanding, so the same runtime compiles into the kernel, into ring-3
 * code on UEFI and into the simulator. The compiler's own headers give the types; memcpy
 * and memset are the builtins (the kernel provides the symbols a builtin may call).
 */
#ifndef TWAIN_PROTO_PB_SYSTEM_H
#define TWAIN_PROTO_PB_SYSTEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef CHAR_BIT
#define CHAR_BIT __CHAR_BIT__ /* gcc's <limits.h> wants libc's beside it */
#endif

#define memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define memset(d, c, n) __builtin_memset((d), (c), (n))
#define strlen(s)       __builtin_strlen(s)

#endif /* TWAIN_PROTO_PB_SYSTEM_H */
