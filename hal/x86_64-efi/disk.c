/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64-efi/disk.c - hal.h's disks on the UEFI backend: image files of the ESP
 * (\twain\disk0.img .. disk7.img, named by \twain\disknames: the scenario's "disks" in
 * order, put there by tools/efi-image) that boot/uefi/efi_boot.c loaded into memory before
 * ExitBootServices. Writes change the in-memory copy only, as the simulator's
 * copy-on-write disks do; the ESP is never written (write_through has no effect here).
 */
#include "../../core/kentry.h"
#include "../hal.h"
#include "xe.h"

static struct {
    struct xe_disk d[XE_MAX_DISKS];
    uint32_t n;
} disks;

void xe_disks_init(const struct xe_disk *d, uint32_t n)
{
    disks.n = K_MIN(n, (uint32_t)XE_MAX_DISKS);
    k_memcpy(disks.d, d, disks.n * sizeof(*d));
}

uint32_t hal_disk_count(void)
{
    return disks.n;
}

int hal_disk_info(uint32_t idx, char name[16], uint64_t *size)
{
    if (idx >= disks.n)
        return HAL_E_NOENT;
    k_memcpy(name, disks.d[idx].name, 16);
    name[15] = 0;
    *size = disks.d[idx].size;
    return HAL_OK;
}

static uint8_t *range(uint32_t idx, uint64_t off, size_t len)
{
    if (idx >= disks.n || off > disks.d[idx].size || len > disks.d[idx].size - off)
        return NULL;
    return disks.d[idx].data + off;
}

int hal_disk_read(uint32_t idx, uint64_t off, void *buf, size_t len)
{
    uint8_t *p = range(idx, off, len);
    if (p == NULL)
        return HAL_E_RANGE;
    k_memcpy(buf, p, len);
    return HAL_OK;
}

int hal_disk_write(uint32_t idx, uint64_t off, const void *buf, size_t len)
{
    uint8_t *p = range(idx, off, len);
    if (p == NULL)
        return HAL_E_RANGE;
    k_memcpy(p, buf, len);
    return HAL_OK;
}
