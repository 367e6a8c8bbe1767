/* SPDX-License-Identifier: MIT */
/*
 * hal/sim/host_disk.c - the simulator's disks (hal.h "Disks"): host image files a scenario
 * names, mapped into memory: MAP_PRIVATE makes writes copy-on-write (the image on the host
 * is untouched), MAP_SHARED (write-through) sends them to the file. Mapping instead of
 * loading means a run touches only the blocks it uses. RAM disks are anonymous memory.
 *
 * Reads of what the run has not written come from the file with pread(), not from the
 * mapping: the host kernel copies from its page cache, where a copy out of a fresh mapping
 * takes a page fault (in a virtual machine, a trap to the hypervisor too) for every 4 KiB
 * touched the first time, several times the cost of the copy. A copy-on-write disk keeps
 * one bit per page it has written; those pages exist only in the mapping and are read
 * from there. A write-through disk's mapping and file are the same pages: always pread().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../hal.h"
#include "host.h"

#define MAX_DISKS 8

#define DISK_PAGE 4096u

struct host_disk {
    char name[16];
    uint8_t *data;
    uint64_t size;
    bool mapped;      /* data is a file mapping (else calloc'ed) */
    int fd;           /* the image file (mapped disks), for pread */
    uint8_t *written; /* copy-on-write disks: one bit per DISK_PAGE written (else NULL) */
};

static struct host_disk disks[MAX_DISKS];
static uint32_t ndisks;

void host_disks_clear(void)
{
    for (uint32_t i = 0; i < ndisks; i++) {
        if (disks[i].mapped) {
            munmap(disks[i].data, disks[i].size);
            close(disks[i].fd);
        } else {
            free(disks[i].data);
        }
        free(disks[i].written);
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
    int fd = open(path, write_through ? O_RDWR : O_RDONLY);
    off_t size = fd >= 0 ? lseek(fd, 0, SEEK_END) : -1;
    if (fd < 0 || size < 0) {
        snprintf(err, errlen, "disk '%s': %s: %s", name, path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (ndisks >= MAX_DISKS || strlen(name) == 0 || strlen(name) > 15 || size <= 0) {
        snprintf(err, errlen, "disk '%s': %s", name,
                 size <= 0 ? "empty image" : "too many disks or a bad name");
        close(fd);
        return -1;
    }
    void *map = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
                     write_through ? MAP_SHARED : MAP_PRIVATE, fd, 0);
    uint8_t *written = NULL;
    if (map != MAP_FAILED && !write_through)
        written = calloc(1, ((uint64_t)size + DISK_PAGE * 8 - 1) / (DISK_PAGE * 8));
    if (map == MAP_FAILED || (!write_through && written == NULL)) {
        snprintf(err, errlen, "disk '%s': %s: %s", name, path,
                 map == MAP_FAILED ? strerror(errno) : "out of memory");
        if (map != MAP_FAILED)
            munmap(map, (size_t)size);
        close(fd);
        return -1;
    }
    struct host_disk *d = &disks[ndisks++];
    snprintf(d->name, sizeof(d->name), "%s", name);
    d->data = map;
    d->size = (uint64_t)size;
    d->mapped = true;
    d->fd = fd;
    d->written = written;
    return 0;
}

uint32_t hal_disk_count(void)
{
    return ndisks;
}

int hal_disk_info(uint32_t idx, char name[16], uint64_t *size)
{
    if (idx >= ndisks)
        return HAL_E_NOENT;
    memcpy(name, disks[idx].name, 16);
    *size = disks[idx].size;
    return HAL_OK;
}

static int range_ok(uint32_t idx, uint64_t off, size_t len)
{
    return idx < ndisks && off <= disks[idx].size && len <= disks[idx].size - off;
}

/* Whether any page of [off, off+len) of copy-on-write disk d was written in this run. */
static bool any_written(const struct host_disk *d, uint64_t off, size_t len)
{
    for (uint64_t p = off / DISK_PAGE; len > 0 && p <= (off + len - 1) / DISK_PAGE; p++)
        if (d->written[p / 8] & (1u << (p % 8)))
            return true;
    return false;
}

/* pread all of [off, off+len) from d's file; false on an error or an early end of file. */
static bool read_file(const struct host_disk *d, uint64_t off, uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = pread(d->fd, buf, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        buf += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return true;
}

int hal_disk_read(uint32_t idx, uint64_t off, void *buf, size_t len)
{
    if (!range_ok(idx, off, len))
        return HAL_E_RANGE;
    const struct host_disk *d = &disks[idx];
    if (!d->mapped || (d->written != NULL && any_written(d, off, len))) {
        memcpy(buf, d->data + off, len);
        return HAL_OK;
    }
    return read_file(d, off, buf, len) ? HAL_OK : HAL_E_IO;
}

int hal_disk_write(uint32_t idx, uint64_t off, const void *buf, size_t len)
{
    if (!range_ok(idx, off, len))
        return HAL_E_RANGE;
    struct host_disk *d = &disks[idx];
    memcpy(d->data + off, buf, len); /* a shared mapping carries it to the file */
    for (uint64_t p = off / DISK_PAGE;
         d->written != NULL && len > 0 && p <= (off + len - 1) / DISK_PAGE; p++)
        d->written[p / 8] |= (uint8_t)(1u << (p % 8));
    return HAL_OK;
}
