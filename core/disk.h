/* SPDX-License-Identifier: MIT */
/*
 * core/disk.h - the machine's disks as core offers them to providers: the one interface
 * between a provider and a device. blk:// (providers/blk.c) finds a disk by name and moves
 * its bytes through these functions; only core/disk.c calls the HAL's disks (hal/hal.h,
 * "Disks"), and it turns their HAL_E_* results into the kernel's TW_E_* codes, so no
 * provider includes hal/hal.h (tools/check-layering). docs/storage.md, "Devices".
 *
 * A disk is a number the HAL gave it (0, 1, ...) and a size fixed for the whole run. I/O
 * is synchronous and bills nothing: the provider bills the bytes it moves
 * (clock_charge_bytes), whatever device they come from.
 */
#ifndef TWAIN_CORE_DISK_H
#define TWAIN_CORE_DISK_H

#include <stddef.h>
#include <stdint.h>

/*
 * The machine disk called name[0..len) (not NUL-terminated): TW_OK with its number in *idx
 * and its size in bytes in *size, or TW_E_NOENT (no disk has that name; *idx and *size may
 * have changed). When two disks share a name, the lower number.
 */
int disk_find(const char *name, size_t len, uint32_t *idx, uint64_t *size)
    __attribute__((warn_unused_result));

/*
 * Copy the len bytes at byte offset off of disk idx into buf (disk_read), or from buf onto
 * the disk (disk_write): TW_OK, or TW_E_IO when the device failed or [off, off + len) is
 * not inside the disk (the caller bounds its I/O by the size disk_find gave).
 */
int disk_read(uint32_t idx, uint64_t off, void *buf, size_t len)
    __attribute__((warn_unused_result));
int disk_write(uint32_t idx, uint64_t off, const void *buf, size_t len)
    __attribute__((warn_unused_result));

#endif /* TWAIN_CORE_DISK_H */
