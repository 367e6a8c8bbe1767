/* SPDX-License-Identifier: MIT */
/*
 * hal/sim/host_disk.c - the simulator's disks (hal.h "Disks"): host image files a scenario
 * names, loaded into memory. Writes go to the in-memory copy (copy-on-write: the image on
 * the host is untouched) unless the disk was added write-through, in which case they also
 * go to the file. RAM disks are the same thing without a file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../hal.h"
#include "host.h"

#define MAX_DISKS 8

struct host_disk {
    char name[16];
    uint8_t *data;
    uint64_t size;
    FILE *through; /* write-through target, or NULL */
};

static struct host_disk disks[MAX_DISKS];
static uint32_t ndisks;

void host_disks_clear(void)
{
    for (uint32_t i = 0; i < ndisks; i++) {
        free(disks[i].data);
        if (disks[i].through != NULL)
            fclose(disks[i].through);
    }
    memset(disks, 0, sizeof(disks));
    ndisks = 0;
}

static int add(const char *name, uint64_t size, char *err, size_t errlen)
{
    if (ndisks >= MAX_DISKS || strlen(name) == 0 || strlen(name) > 15) {
        snprintf(err, errlen, "disk '%s': too many disks or a bad name", name);
        return -1;
    }
    struct host_disk *d = &disks[ndisks];
    d->data = calloc(1, size > 0 ? size : 1);
    if (d->data == NULL) {
        snprintf(err, errlen, "disk '%s': out of memory for %llu bytes", name,
                 (unsigned long long)size);
        return -1;
    }
    snprintf(d->name, sizeof(d->name), "%s", name);
    d->size = size;
    ndisks++;
    return 0;
}

int host_disk_add_ram(const char *name, uint64_t size, char *err, size_t errlen)
{
    return add(name, size, err, errlen);
}

int host_disk_add_file(const char *name, const char *path, bool write_through, char *err,
                       size_t errlen)
{
    FILE *f = fopen(path, write_through ? "r+b" : "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0) {
        snprintf(err, errlen, "disk '%s': %s: %s", name, path, strerror(errno));
        if (f != NULL)
            fclose(f);
        return -1;
    }
    long size = ftell(f);
    rewind(f);
    if (size < 0 || add(name, (uint64_t)size, err, errlen) != 0) {
        fclose(f);
        return -1;
    }
    struct host_disk *d = &disks[ndisks - 1];
    if (fread(d->data, 1, (size_t)size, f) != (size_t)size) {
        snprintf(err, errlen, "disk '%s': %s: short read", name, path);
        fclose(f);
        return -1;
    }
    if (write_through)
        d->through = f;
    else
        fclose(f);
    return 0;
}

uint32_t hal_disk_count(void)
{
    return ndisks;
}

int hal_disk_info(uint32_t idx, char name[16], uint64_t *size)
{
    if (idx >= ndisks)
        return TW_E_NOENT;
    memcpy(name, disks[idx].name, 16);
    *size = disks[idx].size;
    return TW_OK;
}

static int range_ok(uint32_t idx, uint64_t off, size_t len)
{
    return idx < ndisks && off <= disks[idx].size && len <= disks[idx].size - off;
}

int hal_disk_read(uint32_t idx, uint64_t off, void *buf, size_t len)
{
    if (!range_ok(idx, off, len))
        return TW_E_INVAL;
    memcpy(buf, disks[idx].data + off, len);
    return TW_OK;
}

int hal_disk_write(uint32_t idx, uint64_t off, const void *buf, size_t len)
{
    if (!range_ok(idx, off, len))
        return TW_E_INVAL;
    memcpy(disks[idx].data + off, buf, len);
    FILE *f = disks[idx].through;
    if (f != NULL &&
        (fseek(f, (long)off, SEEK_SET) != 0 || fwrite(buf, 1, len, f) != len || fflush(f) != 0))
        return TW_E_IO;
    return TW_OK;
}
