/* SPDX-License-Identifier: MIT */
/*
 * tests/fat/fat_bench.c - the storage benchmark behind `make bench` (tools/fat-bench):
 * loads IMAGE as disk0 (the simulator's disk: the image file read into memory), boots the
 * kernel and reads FILE twice through fat://[cache://[blk://disk0/]/?blocks=N]/FILE with
 * 4 KiB reads (what one system call moves at most), checking both passes agree. Prints
 * host wall-clock milliseconds (disk load and boot included in the first pass) and the
 * cache hit rate of each pass.
 * Usage: fat_bench IMAGE FILE   (FILE as a URL path, e.g. big.bin)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../core/abi.h"
#include "../../core/kernel.h"
#include "../../core/obj.h"
#include "../../core/task.h"
#include "../../core/thread.h"
#include "../../core/trace.h"
#include "../../hal/sim/host.h"
#include "../../providers/providers.h"
#include "../../user/twain.h"

#define POOL_PAGES 40000u
#define CACHE_BLKS 24000u

static const char *file;
static double t_start, t_read1, t_read2;
static uint64_t bytes[2], hits[2], misses[2];
static uint64_t sums[2];
static int failed;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void body(uintptr_t arg)
{
    uint8_t *buf = (uint8_t *)arg;
    char *url = (char *)buf + 4096, *curl = url + 1024;
    int n = snprintf(url, 1024, "fat://[cache://[blk://disk0/]/?blocks=%u]/%s", CACHE_BLKS, file);
    int cn = snprintf(curl, 1024, "cache://[blk://disk0/]/");
    int32_t f = (int32_t)tw_open_n(url, (size_t)n, 0);
    int32_t c = (int32_t)tw_open_n(curl, (size_t)cn, 0); /* the same cache: shared by sub-URL */
    if (f < 0 || c < 0) {
        failed = 1;
        return;
    }
    for (int pass = 0; pass < 2; pass++) {
        tw_invoke(c, TW_CACHE_RESET_STATS, 0, 0, 0, 0);
        tw_seek(f, 0, TW_SEEK_SET);
        uint64_t sum = 0;
        for (;;) {
            int64_t r = tw_read(f, buf, 4096);
            if (r <= 0) {
                failed |= r < 0;
                break;
            }
            bytes[pass] += (uint64_t)r;
            sum = sum * 31 + buf[0] + buf[r - 1];
        }
        sums[pass] = sum;
        hits[pass] = (uint64_t)tw_invoke(c, TW_CACHE_HITS, 0, 0, 0, 0);
        misses[pass] = (uint64_t)tw_invoke(c, TW_CACHE_MISSES, 0, 0, 0, 0);
        if (pass == 0)
            t_read1 = now_ms();
        else
            t_read2 = now_ms();
    }
    tw_close(f);
    tw_close(c);
}

static void quiet(void *ctx, const char *b, size_t len)
{
    (void)ctx;
    (void)b;
    (void)len;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: fat_bench IMAGE FILE\n");
        return 2;
    }
    file = argv[2];
    char err[600];
    t_start = now_ms();
    if (host_disk_add_file("disk0", argv[1], false, err, sizeof(err)) != 0) {
        fprintf(stderr, "fat_bench: %s\n", err);
        return 2;
    }
    host_set_pool_pages(POOL_PAGES);
    host_set_console(quiet, NULL);
    struct k_config cfg = {
        .seed = 1,
        .policy = SCHED_RR,
        .clock = {.quantum_ns = 1000000,
                  .cost_syscall_ns = 200,
                  .cost_switch_ns = 400,
                  .cost_byte_ps = 250},
        .max_time_ns = 1000ull * 1000 * 1000 * 1000,
        .pool_pages = POOL_PAGES,
    };
    struct task *t;
    if (k_init(&cfg) != TW_OK || providers_register_all() != TW_OK ||
        task_create("bench", 5, 10, &t) != TW_OK)
        return 2;
    void *heap = task_alloc_region(t, 2);
    if (heap == NULL || thread_create(t, body, (uintptr_t)heap, 10, NULL) != TW_OK)
        return 2;
    int why = k_run();
    k_teardown();
    host_disks_clear();
    if (why != TR_END_DONE || failed || bytes[0] != bytes[1] || sums[0] != sums[1] ||
        bytes[0] == 0) {
        fprintf(stderr, "fat_bench: the read failed or the passes differ\n");
        return 1;
    }
    printf("bytes %llu\nfirst_ms %.1f\nsecond_ms %.1f\n", (unsigned long long)bytes[0],
           t_read1 - t_start, t_read2 - t_read1);
    for (int p = 0; p < 2; p++)
        printf("hit_rate%d %.1f\n", p + 1,
               hits[p] + misses[p] > 0 ? 100.0 * (double)hits[p] / (double)(hits[p] + misses[p])
                                       : 0.0);
    return 0;
}
