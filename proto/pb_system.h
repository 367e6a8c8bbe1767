/* SPDX-License-Identifier: MIT */
/*
 * proto/pb_system.h - nanopb's system header (PB_SYSTEM_HEADER), the same for the kernel,
 * ring-3 user code and the host tests: the freestanding C headers (and CHAR_BIT), the two memory
 * functions nanopb calls mapped onto the compiler's builtins (which expand inline or call
 * memcpy/memset, which every link provides: libc in the simulator and the host tests,
 * hal/x86_64-efi/user_lib.c in the UEFI image, in the user runtime's pages that the kernel
 * and ring 3 both execute), and the configuration every translation unit that includes
 * pb.h must share, since it changes nanopb's structures:
 *
 *   PB_BUFFER_ONLY   streams are memory buffers only (no callbacks: nothing to point at)
 *   PB_NO_ERRMSG     no error strings: the codec (proto/svc_proto.c) reports TW_E_* codes,
 *                    and the ring-3 pages may hold no writable data to keep a message in
 *   no PB_ENABLE_MALLOC: every message is a static structure (max_size, max_count)
 *
 * Strings are validated by the codec itself (UTF-8 without NUL), not by PB_VALIDATE_UTF8,
 * whose checker stops at a NUL and refuses U+FFFE/U+FFFF, which protobuf accepts.
 */
#ifndef TWAIN_PROTO_PB_SYSTEM_H
#define TWAIN_PROTO_PB_SYSTEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* gcc's <limits.h> wants the C library's under -nostdinc: nanopb needs CHAR_BIT alone. */
#ifndef CHAR_BIT
#define CHAR_BIT __CHAR_BIT__
#endif

#define PB_BUFFER_ONLY 1
#define PB_NO_ERRMSG   1

/* Checked by proto/svc_proto.h: a unit that reached pb.h without this header would lay the
 * streams out differently. */
#define TWAIN_PB_SYSTEM 1

#ifndef memcpy
#define memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#endif
#ifndef memset
#define memset(d, c, n) __builtin_memset((d), (c), (n))
#endif

#endif /* TWAIN_PROTO_PB_SYSTEM_H */
