/* SPDX-License-Identifier: MIT */
/*
 * boot/uefi/user_tests.c - ring-3 halves of the test build's native programs (the
 * build moves this file into the user runtime's pages, like user/): tasks that misbehave
 * on purpose (read kernel memory, write read-only data, execute a privileged instruction,
 * ask the test kernel for a fault in ring 0), a well-behaved worker, and the two ends of
 * the IPC round-trip benchmark. Only the test build links it.
 */
#include "../../core/kentry.h" /* klib.h's helpers, which user code links too */
#include "../../hal/hal.h"
#include "../../user/twain.h"
#include "tests.h"

const char uefi_test_user_ro[16] = "read-only";

/*
 * The kernel takes user pointers only into the task's own memory (its stacks and heap),
 * never into the user runtime's image: strings are copied to the stack first.
 */
static int64_t open_url(const char *url)
{
    char buf[64];
    size_t n = K_MIN(k_strlen(url), sizeof(buf));
    k_memcpy(buf, url, n);
    return tw_open_n(buf, n, 0);
}

static void say(const char *text)
{
    char buf[128];
    size_t n = K_MIN(k_strlen(text), sizeof(buf));
    k_memcpy(buf, text, n);
    int64_t h = open_url("console://");
    if (h >= 0) {
        tw_write((int32_t)h, buf, n);
        tw_close((int32_t)h);
    }
}

void uefi_test_user_kernel_fault(uintptr_t unused)
{
    (void)unused;
    say("kernel-fault test: asking the kernel for a null dereference in ring 0\n");
    hal_trap(UEFI_TEST_SYS_KERNEL_FAULT, 0, 0, 0, 0, 0, 0);
    say("kernel-fault test: the kernel came back (wrong)\n");
    tw_exit(99);
}

void uefi_test_user_reader(uintptr_t kernel_addr)
{
    say("reader: reading kernel memory from ring 3\n");
    volatile const uint64_t *p = (const uint64_t *)kernel_addr;
    uint64_t v = *p;
    (void)v;
    say("reader: the read succeeded (wrong)\n");
    tw_exit(99);
}

void uefi_test_user_writer(uintptr_t ro_addr)
{
    say("writer: writing the user runtime's read-only data\n");
    *(volatile char *)ro_addr = 'X';
    say("writer: the write succeeded (wrong)\n");
    tw_exit(99);
}

void uefi_test_user_privileged(uintptr_t unused)
{
    (void)unused;
    say("privileged: executing hlt in ring 3\n");
    __asm__ volatile("hlt");
    say("privileged: hlt returned (wrong)\n");
    tw_exit(99);
}

/* Each frame holds 1 KiB and uses it after the call: no tail call, no frame elided. */
static uint64_t recurse(volatile uint8_t *above, uint64_t depth)
{
    volatile uint8_t frame[1024];
    frame[0] = (uint8_t)depth;
    frame[1023] = above != NULL ? above[0] : 0;
    if (depth > (1u << 20)) /* 1 GiB of frames: never reached before the guard */
        return 0;
    return recurse(frame, depth + 1) + frame[1023];
}

void uefi_test_user_overflow(uintptr_t unused)
{
    (void)unused;
    say("overflow: recursing until the stack guard\n");
    recurse(NULL, 0);
    say("overflow: the recursion ended (wrong)\n");
    tw_exit(99);
}

void uefi_test_user_worker(uintptr_t unused)
{
    (void)unused;
    for (int i = 0; i < 5; i++) {
        say("worker: working\n");
        tw_compute_ns(50000);
        tw_invoke(TW_HANDLE_SELF, TW_TASK_YIELD, 0, 0, 0, 0);
    }
    say("worker: finished\n");
    tw_exit(0);
}

void uefi_test_bench_server(uintptr_t rounds)
{
    int64_t h = open_url("chan://bench?listen");
    char buf[64];
    for (uintptr_t i = 0; h >= 0 && i < rounds; i++) {
        int64_t n = tw_read((int32_t)h, buf, sizeof(buf));
        if (n < 0 || tw_write((int32_t)h, buf, (size_t)n) < 0)
            tw_exit(1);
    }
    tw_exit(h >= 0 ? 0 : 1);
}

/* Times `rounds` write+read round trips in batches; prints each batch's ns per trip. */
void uefi_test_bench_client(uintptr_t rounds)
{
    int64_t h = open_url("chan://bench");
    if (h < 0)
        tw_exit(1);
    enum { BATCHES = 5 };
    uintptr_t per = rounds / BATCHES;
    char msg[16] = "ping", line[96];
    for (int b = 0; b < BATCHES; b++) {
        int64_t t0 = tw_now();
        for (uintptr_t i = 0; i < per; i++)
            if (tw_write((int32_t)h, msg, 8) < 0 || tw_read((int32_t)h, msg, sizeof(msg)) < 0)
                tw_exit(1);
        int64_t t1 = tw_now();
        k_snprintf(line, sizeof(line), "bench-ipc batch %d: %llu round trips, %llu ns each\n", b,
                   (unsigned long long)per, (unsigned long long)((t1 - t0) / (int64_t)per));
        say(line);
    }
    tw_exit(0);
}
