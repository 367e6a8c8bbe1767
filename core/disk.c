/* SPDX-License-Identifier: MIT */
/*
 * core/disk.c - the machine's disks for providers (see disk.h): a name lookup over the
 * HAL's numbered disks, and their I/O with the HAL's results turned into TW_E_* codes.
 */
#include "disk.h"
#include "../hal/hal.h"
#include "abi.h"
#include "klib.h"

int disk_find(const char *name, size_t len, uint32_t *idx, uint64_t *size)
{
    uint32_t n = hal_disk_count();
    for (uint32_t i = 0; i < n; i++) {
        char dn[16];
        if (hal_disk_info(i, dn, size) == HAL_OK && k_strnlen(dn, sizeof(dn)) < sizeof(dn) &&
            k_memeq_str(name, len, dn)) {
            *idx = i;
            return TW_OK;
        }
    }
    return TW_E_NOENT;
}

int disk_read(uint32_t idx, uint64_t off, void *buf, size_t len)
{
    return hal_disk_read(idx, off, buf, len) == HAL_OK ? TW_OK : TW_E_IO;
}

int disk_write(uint32_t idx, uint64_t off, const void *buf, size_t len)
{
    return hal_disk_write(idx, off, buf, len) == HAL_OK ? TW_OK : TW_E_IO;
}
