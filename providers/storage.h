/* SPDX-License-Identifier: MIT */
/*
 * providers/storage.h - what the storage providers (blk://, cache://, fat://) share:
 * positioned I/O on any seekable kernel object (a sub-resource opened with
 * provider_open_sub) and their seek arithmetic (providers/kio.c), and the cache's
 * memory-pressure entry point. docs/storage.md has the URL forms, invoke operations and
 * limits.
 *
 * Every function here runs in kernel context on kernel buffers, synchronously (storage never
 * blocks: the kernel is not preemptible and the disks answer at once).
 */
#ifndef TWAIN_PROVIDERS_STORAGE_H
#define TWAIN_PROVIDERS_STORAGE_H

#include <stddef.h>
#include <stdint.h>

struct kobj;

/* Limits of the storage providers (docs/storage.md). */
#define BLK_MAX_RAMDISKS   8
#define BLK_RAM_MAX_BYTES  (512ull << 20) /* one page of 1 MiB chunk pointers */
#define CACHE_BLOCK        4096u          /* bytes per cached block (one page) */
#define CACHE_DEFAULT_BLKS 1024u          /* 4 MiB unless ?blocks=N says otherwise */
#define CACHE_MAX_BLKS     (1u << 20)     /* 4 GiB of blocks: more than any pool */
#define CACHE_READAHEAD    32u            /* blocks a sequential miss reads at most (128 KiB) */

/*
 * Read or write exactly len bytes at off of a seekable object (seek, then read/write until
 * done). TW_OK; TW_E_IO when the object ends early or fails; TW_E_NOTSUP when it cannot
 * seek. Moves the object's position.
 */
int kio_pread(struct kobj *o, uint64_t off, void *buf, size_t len)
    __attribute__((warn_unused_result));
int kio_pwrite(struct kobj *o, uint64_t off, const void *buf, size_t len)
    __attribute__((warn_unused_result));
/* Size in bytes of a seekable object (seek to the end, then back): >= 0 or TW_E_*. */
int64_t kio_size(struct kobj *o);
/* invoke(TW_BLK_FLUSH) when the object has it; TW_OK when it has nothing to flush. */
int kio_flush(struct kobj *o) __attribute__((warn_unused_result));
/*
 * Where a seek moves an object positioned at pos whose end is end and whose position may be
 * anything in 0 .. max: off bytes from whence (TW_SEEK_SET: 0, TW_SEEK_CUR: pos, else
 * end). The new position (>= 0), or TW_E_INVAL when it would fall outside 0 .. max.
 * Requires pos <= max, end <= max <= INT64_MAX.
 */
int64_t kio_seek_pos(uint64_t pos, uint64_t end, uint64_t max, int64_t off, int whence);

/*
 * Memory pressure (called when system://memory/free_mem fires): release up to pages pages
 * held by every cache://, least recently used first, clean blocks before dirty ones (which
 * are written back first). Returns the pages released.
 */
size_t cache_shrink_all(size_t pages);

#endif /* TWAIN_PROVIDERS_STORAGE_H */
