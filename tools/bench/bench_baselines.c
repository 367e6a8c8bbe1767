/* SPDX-License-Identifier: MIT */
/*
 * tools/bench/bench_baselines.c - the baselines Twain's figures are measured against, in
 * the same run: a Linux pipe ping-pong between two threads (what POSIX-hosted simulators
 * pay per switch), and a bare round trip of the assembly context switch (the floor of an
 * in-process simulator).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../hal/x86_64/context.h"
#include "bench.h"

struct pipes {
    int to_b[2];
    int to_a[2];
    uint64_t n;
};

static void *pipe_peer(void *arg)
{
    struct pipes *p = arg;
    char c;
    for (uint64_t i = 0; i < p->n; i++) {
        if (read(p->to_b[0], &c, 1) != 1 || write(p->to_a[1], &c, 1) != 1)
            abort();
    }
    return NULL;
}

double bench_pipe_roundtrip_ns(uint64_t n)
{
    struct pipes p = {.n = n};
    if (pipe(p.to_b) != 0 || pipe(p.to_a) != 0)
        abort();
    pthread_t t;
    pthread_create(&t, NULL, pipe_peer, &p);
    char c = 'x';
    uint64_t t0 = bench_now_ns();
    for (uint64_t i = 0; i < n; i++) {
        if (write(p.to_b[1], &c, 1) != 1 || read(p.to_a[0], &c, 1) != 1)
            abort();
    }
    uint64_t t1 = bench_now_ns();
    pthread_join(t, NULL);
    close(p.to_b[0]);
    close(p.to_b[1]);
    close(p.to_a[0]);
    close(p.to_a[1]);
    return (double)(t1 - t0) / (double)n;
}

static void *main_sp;
static void *peer_sp;
static uint64_t switch_n;

static void bare_peer(uintptr_t arg)
{
    (void)arg;
    for (;;)
        x86_64_switch(&peer_sp, main_sp);
}

double bench_bare_switch_roundtrip_ns(uint64_t n)
{
    static uint64_t stack[4096] __attribute__((aligned(16)));
    switch_n = n;
    peer_sp = x86_64_context_prepare(stack, sizeof(stack), bare_peer, 0);
    uint64_t t0 = bench_now_ns();
    for (uint64_t i = 0; i < n; i++)
        x86_64_switch(&main_sp, peer_sp);
    uint64_t t1 = bench_now_ns();
    return (double)(t1 - t0) / (double)n;
}
