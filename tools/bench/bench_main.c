/* SPDX-License-Identifier: MIT */
/*
 * tools/bench/bench_main.c - `make bench`: the kernel's figures (IPC round trip, switch
 * cost, events per second, time compression, scale), each against a
 * baseline measured in the same run, each the median of BENCH_REPS repetitions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../sim-harness/run.h"
#include "../../sim-harness/scenario_compile.h"
#include "bench.h"

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench_print(const char *name, double value, const char *unit, const char *baseline_name,
                 double baseline, int lower_is_better)
{
    printf("bench %s: %.4g %s", name, value, unit);
    if (baseline_name != NULL) {
        double ratio = lower_is_better ? baseline / value : value / baseline;
        printf(" (baseline %s: %.4g %s, ratio %.3g)", baseline_name, baseline, unit, ratio);
    }
    printf("\n");
    fflush(stdout);
}

#define MEDIAN_OF(expr)                                                                            \
    ({                                                                                             \
        double v_[BENCH_REPS];                                                                     \
        for (int r_ = 0; r_ < BENCH_REPS; r_++)                                                    \
            v_[r_] = (expr);                                                                       \
        bench_median(v_, BENCH_REPS);                                                              \
    })

/* Run a scenario's JSON text once (quiet); wall seconds, records and virtual ns out. */
static void run_text(const char *name, const char *json, double *wall, double *records,
                     double *virt)
{
    struct scn_compiled c;
    char err[512];
    if (scn_compile_text(name, json, strlen(json), &c, err, sizeof(err)) != SCN_COMPILE_OK) {
        fprintf(stderr, "bench: %s\n", err);
        exit(1);
    }
    struct run_opts o = {.quiet = true};
    struct run_result r;
    uint64_t t0 = bench_now_ns();
    if (run_scenario(&c, &o, &r) != 0) {
        fprintf(stderr, "bench: %s did not pass\n", name);
        exit(1);
    }
    *wall = (double)(bench_now_ns() - t0) / 1e9;
    *records = (double)r.out.records;
    *virt = (double)r.out.end_time / 1e9;
    run_result_free(&r);
    scn_compiled_free(&c);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* The eight-client scenario scaled up: 8 clients x 5000 requests. */
static char *eight_clients_scaled(void)
{
    static char json[16384];
    size_t n = (size_t)snprintf(
        json, sizeof(json),
        "{\"name\": \"server-8-clients-scaled\", \"tasks\": [{\"name\": \"server\", \"script\": ["
        "{\"op\": \"open\", \"url\": \"chan://s?listen\", \"as\": \"p\"},"
        "{\"op\": \"repeat\", \"count\": 40000, \"do\": ["
        "{\"op\": \"read\", \"handle\": \"p\"}, {\"op\": \"write\", \"handle\": \"p\", "
        "\"data\": \"ok\"}]}]}");
    for (int i = 0; i < 8; i++)
        n += (size_t)snprintf(
            json + n, sizeof(json) - n,
            ", {\"name\": \"c%d\", \"script\": [{\"op\": \"open\", \"url\": \"chan://s\", "
            "\"as\": \"s\"}, {\"op\": \"repeat\", \"count\": 5000, \"do\": ["
            "{\"op\": \"write\", \"handle\": \"s\", \"data\": \"req\"}, {\"op\": \"read\", "
            "\"handle\": \"s\", \"expect\": \"ok\"}]}]}",
            i);
    snprintf(json + n, sizeof(json) - n, "], \"expect\": {\"no_deadlock\": true}}");
    return json;
}

/* The services' figures (docs/services.md), against the raw round trip ipc_rt. */
static void bench_services(double ipc_rt)
{
    /* a kv call, whole: encode, write, read, decode */
    double svc_k = MEDIAN_OF(bench_svc_call_ns(200000, 0));
    double svc_u = MEDIAN_OF(bench_svc_call_ns(200000, 1));
    bench_print("svc-call-user-to-kernel", svc_k, "ns", "ipc-roundtrip", ipc_rt, 1);
    bench_print("svc-call-user-to-user", svc_u, "ns", "ipc-roundtrip", ipc_rt, 1);
    double sub10 = MEDIAN_OF(bench_svc_subscribe_s(100000, 10));
    double sub10k = MEDIAN_OF(bench_svc_subscribe_s(100000, 10000));
    bench_print("svc-subscribe-and-close-10000-names", sub10k * 10, "us", "10-names", sub10 * 10,
                1);
    bench_print("svc-100k-subscriptions-made-and-torn-down", sub10k, "s", "target", 1.0, 1);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--ipc-only") == 0) { /* for profiling */
        printf("ipc round trip: %.1f ns\n", bench_ipc_roundtrip_ns(strtoull(argv[2], NULL, 10)));
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "--svc-call-only") == 0) { /* for profiling */
        printf("svc call (%s): %.1f ns\n", atoi(argv[3]) ? "to a task" : "to the kernel",
               bench_svc_call_ns(strtoull(argv[2], NULL, 10), atoi(argv[3])));
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--svc-only") == 0) { /* the services' lines alone */
        bench_services(MEDIAN_OF(bench_ipc_roundtrip_ns(200000)));
        return 0;
    }
    double pipe_rt = MEDIAN_OF(bench_pipe_roundtrip_ns(20000));
    double bare_rt = MEDIAN_OF(bench_bare_switch_roundtrip_ns(2000000));
    double ipc_rt = MEDIAN_OF(bench_ipc_roundtrip_ns(200000));
    double sw = MEDIAN_OF(bench_sched_switch_ns(500000));
    bench_print("ipc-roundtrip-vs-pipe", ipc_rt, "ns", "linux-pipe-pingpong-2-threads", pipe_rt, 1);
    bench_print("ipc-roundtrip-vs-bare-switch", ipc_rt, "ns", "bare-asm-switch-roundtrip", bare_rt,
                1);
    bench_print("sched-switch", sw, "ns", "bare-asm-switch-one-way", bare_rt / 2, 1);
    bench_services(ipc_rt);

    char *scaled = eight_clients_scaled();
    double ev[BENCH_REPS], tc[BENCH_REPS], wall, recs, virt;
    for (int r = 0; r < BENCH_REPS; r++) {
        run_text("server-8-clients-scaled", scaled, &wall, &recs, &virt);
        ev[r] = recs / wall;
    }
    bench_print("events-per-second-8-clients-x5000", bench_median(ev, BENCH_REPS), "events/s", NULL,
                0, 0);
    char *periodic = read_file("scenarios/periodic-timers.json");
    for (int r = 0; r < BENCH_REPS; r++) {
        run_text("periodic-timers", periodic, &wall, &recs, &virt);
        tc[r] = virt / wall;
    }
    bench_print("time-compression-periodic-timers", bench_median(tc, BENCH_REPS),
                "virtual-s/wall-s", "real-time", 1.0, 0);

    double secs, rss;
    bench_scale(10000, 100000, &secs, &rss);
    bench_print("scale-10k-threads-100k-channels-time", secs, "s", "target", 2.0, 1);
    bench_print("scale-10k-threads-100k-channels-peak-rss", rss, "MiB", "target", 1024.0, 1);
    return 0;
}
