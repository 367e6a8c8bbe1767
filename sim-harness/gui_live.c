/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/gui_live.c - the live side of the window: the scenario runs in its own host
 * thread (one thread still runs the whole kernel, as determinism needs: docs/architecture.md;
 * the window only watches), its trace sink hands every record to the window and blocks
 * there to pause, step and pace the run, and its poll hook delivers typed keys to
 * console:// readers at a kernel boundary.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/kentry.h"
#include "../core/sched.h"
#include "gui_int.h"

#define PACE_MAX_WAIT_NS 50000000ull /* re-check the controls at least every 50 ms */

static const uint64_t speeds[GUI_SPEEDS] = {
    1000ull,      2000ull,       5000ull,       10000ull,       20000ull,
    50000ull,     100000ull,     200000ull,     500000ull,      1000000ull,
    2000000ull,   5000000ull,    10000000ull,   50000000ull,    100000000ull,
    500000000ull, 1000000000ull, 2000000000ull, 10000000000ull, 0 /* as fast as possible */
};

uint64_t gui_speed_ns(int i)
{
    return i >= 0 && i < GUI_SPEEDS ? speeds[i] : 0;
}

void gui_speed_label(int i, char *buf, size_t len)
{
    uint64_t ns = gui_speed_ns(i);
    if (ns == 0)
        snprintf(buf, len, "max");
    else if (ns >= 1000000000ull)
        snprintf(buf, len, "%llu s/s", (unsigned long long)(ns / 1000000000ull));
    else if (ns >= 1000000ull)
        snprintf(buf, len, "%llu ms/s", (unsigned long long)(ns / 1000000ull));
    else
        snprintf(buf, len, "%llu us/s", (unsigned long long)(ns / 1000ull));
}

uint64_t gui_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void wait_until(struct gui_live *lv, uint64_t deadline_ns)
{
    struct timespec now_rt, ts;
    clock_gettime(CLOCK_REALTIME, &now_rt);
    uint64_t now = gui_now_ns();
    uint64_t d = deadline_ns > now ? deadline_ns - now : 0;
    uint64_t at = (uint64_t)now_rt.tv_sec * 1000000000ull + (uint64_t)now_rt.tv_nsec + d;
    ts.tv_sec = (time_t)(at / 1000000000ull);
    ts.tv_nsec = (long)(at % 1000000000ull);
    int rc = pthread_cond_timedwait(&lv->cv, &lv->mu, &ts);
    if (rc != 0 && rc != ETIMEDOUT) {
        fprintf(stderr, "twain gui: pthread_cond_timedwait: %s\n", strerror(rc));
        exit(2);
    }
}

/* Hold the simulation (mu held) while paused, or until the record at virtual time t is due. */
static void gate(struct gui_live *lv, uint64_t t)
{
    for (int rounds = 0;; rounds++) {
        if (lv->quit)
            return;
        if (lv->paused) {
            if (lv->steps > 0) {
                lv->steps--;
                return;
            }
            pthread_cond_wait(&lv->cv, &lv->mu);
            lv->pace_reset = true;
            continue;
        }
        uint64_t speed = gui_speed_ns(lv->speed);
        if (speed == 0)
            return;
        uint64_t now = gui_now_ns();
        if (lv->pace_reset || t < lv->pace_v) {
            lv->pace_reset = false;
            lv->pace_v = t;
            lv->pace_r = now;
            return;
        }
        /* real ns for (t - pace_v) virtual ns at `speed` virtual ns a second */
        double due = (double)lv->pace_r + (double)(t - lv->pace_v) * 1e9 / (double)speed;
        if ((double)now >= due)
            return;
        uint64_t until =
            due - (double)now > (double)PACE_MAX_WAIT_NS ? now + PACE_MAX_WAIT_NS : (uint64_t)due;
        wait_until(lv, until);
        (void)rounds;
    }
}

static void live_sink(void *ctx, const void *records, size_t len)
{
    struct gui_live *lv = ctx;
    size_t n = len / sizeof(struct trace_rec);
    if (n == 0)
        return;
    pthread_mutex_lock(&lv->mu);
    if (lv->npend + n > lv->cap) {
        size_t cap = (lv->npend + n) * 2 + 1024;
        struct trace_rec *p = realloc(lv->pend, cap * sizeof(*p));
        if (p == NULL) {
            fprintf(stderr, "twain gui: out of memory for the trace\n");
            exit(2);
        }
        lv->pend = p;
        lv->cap = cap;
    }
    memcpy(lv->pend + lv->npend, records, n * sizeof(struct trace_rec));
    lv->npend += n;
    lv->produced += n;
    gate(lv, ((const struct trace_rec *)records)[n - 1].time);
    pthread_mutex_unlock(&lv->mu);
}

/* At every kernel boundary: typed bytes to console:// readers; stop when the window closed. */
static void live_poll(void *ctx)
{
    struct gui_live *lv = ctx;
    char buf[GUI_INPUT_MAX];
    size_t n;
    bool stop;
    pthread_mutex_lock(&lv->mu);
    n = lv->ninput;
    memcpy(buf, lv->input, n);
    lv->ninput = 0;
    stop = lv->quit && !lv->stop_sent;
    lv->stop_sent = lv->stop_sent || stop;
    pthread_mutex_unlock(&lv->mu);
    if (n > 0)
        k_console_input(buf, n);
    if (stop)
        sched_request_stop();
}

static void *live_thread(void *arg)
{
    struct gui_live *lv = arg;
    run_scenario(lv->c, lv->o, lv->r);
    pthread_mutex_lock(&lv->mu);
    lv->done = true;
    pthread_mutex_unlock(&lv->mu);
    SDL_Event ev = {.type = SDL_USEREVENT}; /* wake the window to show the end */
    SDL_PushEvent(&ev);
    return NULL;
}

int gui_live_start(struct gui_live *lv, pthread_t *th)
{
    pthread_mutex_init(&lv->mu, NULL);
    pthread_cond_init(&lv->cv, NULL);
    lv->o->extra_fn = live_sink;
    lv->o->extra_ctx = lv;
    lv->o->trace_batch = 1; /* every record as it happens: pause and step between any two */
    host_set_poll(live_poll, lv);
    /* 8 MiB: the kernel's idle loop and run_scenario run on this thread's stack */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 8u << 20);
    int rc = pthread_create(th, &attr, live_thread, lv);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        fprintf(stderr, "twain gui: cannot start the simulation thread: %s\n", strerror(rc));
        host_set_poll(NULL, NULL);
        return 2;
    }
    return 0;
}

bool gui_live_take(struct gui *g)
{
    struct gui_live *lv = g->live;
    pthread_mutex_lock(&lv->mu);
    size_t n = lv->npend;
    if (n == 0) {
        pthread_mutex_unlock(&lv->mu);
        return false;
    }
    if (g->nrecs + n > g->cap) {
        size_t cap = (g->nrecs + n) * 2 + 4096;
        struct trace_rec *p = realloc(g->recs, cap * sizeof(*p));
        if (p == NULL) {
            pthread_mutex_unlock(&lv->mu);
            fprintf(stderr, "twain gui: out of memory for the trace\n");
            exit(2);
        }
        g->recs = p;
        g->cap = cap;
    }
    memcpy(g->recs + g->nrecs, lv->pend, n * sizeof(struct trace_rec));
    lv->npend = 0;
    pthread_mutex_unlock(&lv->mu);
    g->nrecs += n;
    viz_index_feed(&g->ix, g->recs, g->nrecs);
    return true;
}

void gui_live_set(struct gui_live *lv, bool paused, uint32_t steps, int speed, bool quit)
{
    pthread_mutex_lock(&lv->mu);
    if (lv->speed != speed || lv->paused != paused)
        lv->pace_reset = true;
    lv->paused = paused;
    lv->steps += steps;
    lv->speed = speed;
    lv->quit = lv->quit || quit;
    pthread_cond_broadcast(&lv->cv);
    pthread_mutex_unlock(&lv->mu);
}

void gui_live_input(struct gui_live *lv, const char *bytes, size_t n)
{
    pthread_mutex_lock(&lv->mu);
    if (n > sizeof(lv->input) - lv->ninput)
        n = sizeof(lv->input) - lv->ninput;
    memcpy(lv->input + lv->ninput, bytes, n);
    lv->ninput += n;
    pthread_mutex_unlock(&lv->mu);
}
