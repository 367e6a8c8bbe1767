/* SPDX-License-Identifier: MIT */
/*
 * hal/sim/host_disk.c - the simulator's disks (hal.h "Disks"): host image files a scenario
 * names, mapped into memory: MAP_PRIVATE makes writes copy-on-write (the image on the host
 * is untouched), MAP_SHARED (write-through) sends them to the file. Mapping instead of
 * reading means a run touches only the blocks it uses. RAM disks are anonymous memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../hal.h"
#include "host.h"

#define MAX_DISKS 8

struct host_disk {
    char name[16];
    uint8_t *data;
    uint64_t size;
    bool mapped; /* data is a file mapping (else calloc'ed) */
};

static struct host_disk disks[MAX_DISKS];
static uint32_t ndisks;

void host_disks_clear(void)
{
    for (uint32_t i = 0; i < ndisks; i++) {
        if (disks[i].mapped)
            munmap(disks[i].data, disks[i].size);
        else
            free(disks[i].data);
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
    if (ndisks >= MAX_DISKS || strlen(name) == 0 || strlen(name) > 15 || size <= 0) {
        snprintf(err, errlen, "disk '%s': %s", name,
                 size <= 0 ? "empty image" : "too many disks or a bad name");
        fclose(f);
        return -1;
    }
    void *map = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
                     write_through ? MAP_SHARED : MAP_PRIVATE, fileno(f), 0);
    fclose(f); /* the mapping keeps the file */
    if (map == MAP_FAILED) {
        snprintf(err, errlen, "disk '%s': %s: mmap: %s", name, path, strerror(errno));
        return -1;
    }
    struct host_disk *d = &disks[ndisks++];
    snprintf(d->name, sizeof(d->name), "%s", name);
    d->data = map;
    d->size = (uint64_t)size;
    d->mapped = true;
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
    memcpy(disks[idx].data + off, buf, len); /* a shared mapping carries it to the file */
    return TW_OK;
}
