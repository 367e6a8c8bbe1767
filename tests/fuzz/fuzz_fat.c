/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_fat.c - libFuzzer target for fat:// on image bytes. The input is a disk
 * image: either raw (the disk is the input, zero-padded to the size the BPB claims, at most
 * 64 MiB), or sparse ("TWSP" then chunks of u32 offset, u16 length, bytes: how FAT16/32
 * seeds fit a few KiB). The kernel boots in this process, one task mounts the image through
 * fat://[cache://[blk://disk0/]/?blocks=8]/, lists directories, reads files, creates, writes
 * and reads back a file, mkdir, rename, truncate, unlink, flushes; then every kernel
 * invariant is checked, the kernel is torn down and must have leaked nothing. A corrupt
 * image may fail any call (TW_E_IO) but must never crash, hang or leak; data written and
 * read back must agree.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/abi.h"
#include "../../core/invariants.h"
#include "../../core/kernel.h"
#include "../../core/obj.h"
#include "../../core/task.h"
#include "../../core/thread.h"
#include "../../core/trace.h"
#include "../../hal/hal.h"
#include "../../hal/sim/host.h"
#include "../../providers/providers.h"
#include "../../user/twain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DISK (64u << 20)
#define ROOT     "fat://[cache://[blk://disk0/]/?blocks=8]"
#define POOL     2048
#define HEAP_PGS 24

static void quiet(void *ctx, const char *bytes, size_t len)
{
    (void)ctx;
    (void)bytes;
    (void)len;
}

static int64_t open_str(const char *s, uint32_t flags, char *ubuf)
{
    size_t n = strlen(s);
    memcpy(ubuf, s, n);
    return tw_open_n(ubuf, n, flags);
}

/* ROOT + dir + "/" + name with every byte but [A-Za-z0-9._-] percent-escaped. */
static void url_of(char *out, size_t cap, const char *dir, const char *name)
{
    size_t n = (size_t)snprintf(out, cap, "%s%s/", ROOT, dir);
    for (const char *p = name; *p != '\0' && n + 4 < cap; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '_' || c == '-')
            out[n++] = (char)c;
        else
            n += (size_t)snprintf(out + n, cap - n, "%%%02X", c);
    }
    out[n] = '\0';
}

/* List a directory; read its files (up to 64 KiB each), descend one level. */
static void walk(uint8_t *heap, const char *dir, int depth)
{
    char *url = (char *)heap + 4 * TW_DIRENT_SIZE;
    char *ubuf = url + 2048;
    char(*names)[TW_DIRENT_NAME_MAX] = (void *)(heap + (8 + depth * 4) * 4096);
    uint8_t kinds[16];
    int n = 0;
    snprintf(url, 2048, "%s%s/", ROOT, dir);
    int32_t h = (int32_t)open_str(url, 0, ubuf);
    if (h < 0)
        return;
    while (n < 16) {
        int64_t r = tw_read(h, heap, 4 * TW_DIRENT_SIZE);
        if (r <= 0)
            break;
        for (int64_t k = 0; k < r / TW_DIRENT_SIZE && n < 16; k++) {
            const struct tw_dirent *d = (const void *)(heap + k * TW_DIRENT_SIZE);
            memcpy(names[n], d->name, sizeof(names[n]));
            names[n][TW_DIRENT_NAME_MAX - 1] = '\0';
            kinds[n++] = d->kind;
        }
    }
    tw_close(h);
    for (int i = 0; i < n; i++) {
        if (kinds[i] == TW_DIRENT_DIR) {
            if (depth < 1 && strlen(dir) + strlen(names[i]) < 200) {
                char sub[512];
                snprintf(sub, sizeof(sub), "%s/%s", dir, names[i]);
                url_of(url, 2048, dir, names[i]);
                walk(heap, sub + 0, depth + 1);
            }
            continue;
        }
        url_of(url, 2048, dir, names[i]);
        int32_t f = (int32_t)open_str(url, 0, ubuf);
        for (int k = 0; f >= 0 && k < 16 && tw_read(f, heap, 4096) > 0; k++)
            ;
        if (f >= 0)
            tw_close(f);
    }
}

static int64_t inv(int32_t h, uint32_t op, const char *a, const char *b, char *ubuf)
{
    size_t na = strlen(a), nb = b != NULL ? strlen(b) : 0;
    memcpy(ubuf, a, na);
    if (b != NULL)
        memcpy(ubuf + 1024, b, nb);
    return tw_invoke(h, op, (uintptr_t)ubuf, na, b != NULL ? (uintptr_t)(ubuf + 1024) : 0, nb);
}

/* Write 5000 bytes, read them back: when the write succeeded, they must agree. */
static void write_check(uint8_t *heap, char *ubuf)
{
    int32_t f = (int32_t)open_str(ROOT "/fuzz%20file.txt", TW_O_CREATE, ubuf);
    if (f < 0)
        return;
    for (int i = 0; i < 5000; i++)
        heap[i] = (uint8_t)(i * 13 + 1);
    int64_t w1 = tw_write(f, heap, 4096);
    int64_t w2 = w1 == 4096 ? tw_write(f, heap + 4096, 904) : -1;
    if (w1 == 4096 && w2 == 904 && tw_seek(f, 0, TW_SEEK_SET) == 0) {
        int64_t r1 = tw_read(f, heap + 8192, 4096);
        int64_t r2 = tw_read(f, heap + 8192 + 4096, 904);
        if (r1 == 4096 && r2 == 904 && memcmp(heap, heap + 8192, 5000) != 0)
            __builtin_trap(); /* written and read back differently */
    }
    tw_invoke(f, TW_FILE_TRUNCATE, 100, 0, 0, 0);
    tw_invoke(f, TW_FILE_TRUNCATE, 9000, 0, 0, 0);
    tw_close(f);
}

static void body(uintptr_t arg)
{
    uint8_t *heap = (uint8_t *)arg;
    char *ubuf = (char *)heap + 6 * 4096;
    walk(heap, "", 0);
    write_check(heap, ubuf);
    int32_t root = (int32_t)open_str(ROOT "/", 0, ubuf);
    if (root >= 0) {
        inv(root, TW_FS_MKDIR, "new dir", NULL, ubuf);
        inv(root, TW_FS_RENAME, "fuzz file.txt", "new dir/renamed.txt", ubuf);
        inv(root, TW_FS_MKDIR, "new dir/inner", NULL, ubuf);
        inv(root, TW_FS_RENAME, "new dir/inner", "moved", ubuf);
        inv(root, TW_FS_UNLINK, "new dir/renamed.txt", NULL, ubuf);
        inv(root, TW_FS_UNLINK, "moved", NULL, ubuf);
        tw_invoke(root, TW_BLK_FLUSH, 0, 0, 0, 0);
        tw_close(root);
    }
    walk(heap, "", 0);
}

/* The disk: raw or sparse input, zero-filled. */
static int make_disk(const uint8_t *d, size_t n)
{
    char err[128];
    host_disks_clear();
    if (n >= 4 && memcmp(d, "TWSP", 4) == 0) {
        uint64_t end = 512;
        for (size_t i = 4; i + 6 <= n;) {
            uint32_t off = (uint32_t)d[i] | (uint32_t)d[i + 1] << 8 | (uint32_t)d[i + 2] << 16 |
                           (uint32_t)d[i + 3] << 24;
            size_t len = (size_t)(d[i + 4] | d[i + 5] << 8);
            len = len < n - i - 6 ? len : n - i - 6;
            if ((uint64_t)off + len > end)
                end = (uint64_t)off + len;
            i += 6 + len;
        }
        if (end > MAX_DISK || host_disk_add_ram("disk0", (end + 511) / 512 * 512, err, 128) != 0)
            return -1;
        for (size_t i = 4; i + 6 <= n;) {
            uint32_t off = (uint32_t)d[i] | (uint32_t)d[i + 1] << 8 | (uint32_t)d[i + 2] << 16 |
                           (uint32_t)d[i + 3] << 24;
            size_t len = (size_t)(d[i + 4] | d[i + 5] << 8);
            len = len < n - i - 6 ? len : n - i - 6;
            if (hal_disk_write(0, off, d + i + 6, len) != HAL_OK)
                return -1;
            i += 6 + len;
        }
        return 0;
    }
    uint64_t size = n;
    if (n >= 36) { /* what the BPB claims, so that its geometry can be valid */
        uint64_t bps = (uint64_t)(d[11] | d[12] << 8);
        uint64_t tot = (uint64_t)(d[19] | d[20] << 8);
        if (tot == 0)
            tot = (uint64_t)d[32] | (uint64_t)d[33] << 8 | (uint64_t)d[34] << 16 |
                  (uint64_t)d[35] << 24;
        if (bps * tot > size && bps * tot <= MAX_DISK)
            size = bps * tot;
    }
    if (host_disk_add_ram("disk0", (size + 511) / 512 * 512, err, sizeof(err)) != 0)
        return -1;
    return hal_disk_write(0, 0, d, n) == HAL_OK ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536 || make_disk(data, size) != 0)
        return 0;
    host_set_pool_pages(POOL);
    host_set_trace_sink(NULL, NULL);
    host_set_console(quiet, NULL);
    struct k_config cfg = {
        .seed = 1,
        .policy = SCHED_RR,
        .clock = {.quantum_ns = 1000000, .cost_syscall_ns = 200, .cost_switch_ns = 400},
        .max_time_ns = 1000ull * 1000 * 1000 * 1000,
        .pool_pages = POOL,
    };
    struct task *t;
    if (k_init(&cfg) != TW_OK || providers_register_all() != TW_OK ||
        task_create("fuzz", 4, 10, &t) != TW_OK)
        abort();
    void *heap = task_alloc_region(t, HEAP_PGS);
    if (heap == NULL || thread_create(t, body, (uintptr_t)heap, 10, NULL) != TW_OK)
        abort();
    int why = k_run();
    k_check_invariants();
    k_teardown();
    k_check_invariants();
    if (why != TR_END_DONE || kobj_live_count() != 0)
        abort(); /* a hang (time limit) or a leak */
    host_set_console(NULL, NULL);
    host_disks_clear();
    return 0;
}
