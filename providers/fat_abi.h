/* SPDX-License-Identifier: MIT */
/*
 * providers/fat_abi.h - the directory record of fat:// (user-visible ABI, docs/storage.md):
 * read() on a directory handle returns whole records of this layout, one per entry ("."
 * and ".." are not listed), as many as fit the buffer; a buffer smaller than one record is
 * TW_E_TOOBIG; 0 bytes at the end. invoke(TW_FILE_STAT) fills one for the handle itself
 * (without a name). Little-endian, no padding. Freestanding: user/ includes it too.
 */
#ifndef TWAIN_PROVIDERS_FAT_ABI_H
#define TWAIN_PROVIDERS_FAT_ABI_H

#include <stdint.h>

#define TW_DIRENT_SIZE     1024
#define TW_DIRENT_NAME_MAX 984 /* bytes of name, NUL included: 255 UTF-16 units as UTF-8 */

#define TW_DIRENT_FILE 0
#define TW_DIRENT_DIR  1

struct tw_dirent {
    uint64_t size;                 /* bytes (0 for a directory) */
    uint32_t attr;                 /* FAT attributes: 0x01 read-only, 0x02 hidden, 0x04 system,
                                      0x10 directory, 0x20 archive */
    uint32_t cluster;              /* first cluster (0: none) */
    uint32_t mtime;                /* last write, FAT form: date << 16 | time */
    uint16_t name_len;             /* bytes of name before its NUL */
    uint8_t kind;                  /* TW_DIRENT_FILE or TW_DIRENT_DIR */
    uint8_t reserved;              /* 0 */
    char short_name[16];           /* the 8.3 name, "NAME.EXT", NUL-padded */
    char name[TW_DIRENT_NAME_MAX]; /* the long name (else the short one) as UTF-8, NUL-padded */
};

_Static_assert(sizeof(struct tw_dirent) == TW_DIRENT_SIZE, "directory records are 1 KiB");

#endif /* TWAIN_PROVIDERS_FAT_ABI_H */
