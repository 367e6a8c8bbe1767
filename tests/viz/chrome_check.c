/* SPDX-License-Identifier: MIT */
/*
 * tests/viz/chrome_check.c - `viz_tool chrome-check JSON NTHREADS`: a Chrome trace-event
 * export parses as JSON (cJSON), names every thread exactly once (ph M thread_name) and
 * NTHREADS threads in all, has non-overlapping X slices on each thread, and its flow
 * starts (s) and ends (f) pair up one to one by id, the end not before the start.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viz_tool.h"

#define EPS_US 0.0005 /* half a nanosecond: what printing microseconds may round away */

struct slice {
    double pid, tid, ts, dur;
};

struct flow {
    double id, ts;
    int ph; /* 's' or 'f' */
};

static int cmp_slice(const void *a, const void *b)
{
    const struct slice *x = a, *y = b;
    if (x->pid != y->pid)
        return x->pid < y->pid ? -1 : 1;
    if (x->tid != y->tid)
        return x->tid < y->tid ? -1 : 1;
    return (x->ts > y->ts) - (x->ts < y->ts);
}

static int cmp_flow(const void *a, const void *b)
{
    const struct flow *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return y->ph - x->ph; /* 's' before 'f' */
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n >= 0 ? (size_t)n : 0;
    return buf;
}

static double num(const cJSON *e, const char *key, int *bad)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, key);
    if (!cJSON_IsNumber(v)) {
        (*bad)++;
        return 0;
    }
    return v->valuedouble;
}

/* Names: one thread_name per (pid, tid); returns the number of named threads or -1. */
static int check_names(const cJSON *events, struct slice *named, int cap)
{
    int n = 0, bad = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, events)
    {
        const cJSON *ph = cJSON_GetObjectItemCaseSensitive(e, "ph");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
        if (!cJSON_IsString(ph) || strcmp(ph->valuestring, "M") != 0 || !cJSON_IsString(name) ||
            strcmp(name->valuestring, "thread_name") != 0)
            continue;
        struct slice t = {num(e, "pid", &bad), num(e, "tid", &bad), 0, 0};
        for (int i = 0; i < n; i++)
            if (named[i].pid == t.pid && named[i].tid == t.tid) {
                fprintf(stderr, "chrome-check: thread %g/%g named twice\n", t.pid, t.tid);
                return -1;
            }
        if (n >= cap || bad > 0)
            return -1;
        named[n++] = t;
    }
    return n;
}

static bool is_named(const struct slice *named, int n, double pid, double tid)
{
    for (int i = 0; i < n; i++)
        if (named[i].pid == pid && named[i].tid == tid)
            return true;
    return false;
}

static int check_slices(struct slice *x, size_t nx, const struct slice *named, int nnamed)
{
    qsort(x, nx, sizeof(*x), cmp_slice);
    for (size_t i = 0; i < nx; i++) {
        if (!is_named(named, nnamed, x[i].pid, x[i].tid)) {
            fprintf(stderr, "chrome-check: X slice on unnamed thread %g/%g\n", x[i].pid, x[i].tid);
            return 1;
        }
        if (x[i].dur < 0) {
            fprintf(stderr, "chrome-check: negative duration at ts %.3f\n", x[i].ts);
            return 1;
        }
        if (i + 1 < nx && x[i + 1].pid == x[i].pid && x[i + 1].tid == x[i].tid &&
            x[i].ts + x[i].dur > x[i + 1].ts + EPS_US) {
            fprintf(stderr, "chrome-check: slices overlap on %g/%g: [%.3f +%.3f] and %.3f\n",
                    x[i].pid, x[i].tid, x[i].ts, x[i].dur, x[i + 1].ts);
            return 1;
        }
    }
    return 0;
}

static int check_flows(struct flow *f, size_t nf)
{
    qsort(f, nf, sizeof(*f), cmp_flow);
    if (nf % 2 != 0) {
        fprintf(stderr, "chrome-check: %zu flow events: an odd number\n", nf);
        return 1;
    }
    for (size_t i = 0; i < nf; i += 2) {
        bool pair = f[i].ph == 's' && f[i + 1].ph == 'f' && f[i].id == f[i + 1].id &&
                    (i + 2 >= nf || f[i + 2].id != f[i].id);
        if (!pair || f[i + 1].ts + EPS_US < f[i].ts) {
            fprintf(stderr, "chrome-check: flow id %g is not one s then one f\n", f[i].id);
            return 1;
        }
    }
    return 0;
}

/* Collect X slices and s/f flows from events. */
static int collect(const cJSON *events, struct slice *x, size_t *nx, struct flow *f, size_t *nf)
{
    int bad = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, events)
    {
        const cJSON *ph = cJSON_GetObjectItemCaseSensitive(e, "ph");
        if (!cJSON_IsString(ph)) {
            fprintf(stderr, "chrome-check: an event without ph\n");
            return 1;
        }
        char p = ph->valuestring[0];
        if (p == 'X')
            x[(*nx)++] = (struct slice){num(e, "pid", &bad), num(e, "tid", &bad),
                                        num(e, "ts", &bad), num(e, "dur", &bad)};
        else if (p == 's' || p == 'f')
            f[(*nf)++] = (struct flow){num(e, "id", &bad), num(e, "ts", &bad), p};
        else if (p != 'M')
            (void)num(e, "ts", &bad);
    }
    if (bad > 0)
        fprintf(stderr, "chrome-check: %d events lack a numeric pid, tid, ts, dur or id\n", bad);
    return bad > 0;
}

int vt_cmd_chrome(int argc, char **argv)
{
    if (argc != 4)
        return 2;
    size_t len = 0;
    char *text = read_all(argv[2], &len);
    cJSON *root = text != NULL ? cJSON_ParseWithLength(text, len) : NULL;
    const cJSON *events = cJSON_GetObjectItemCaseSensitive(root, "traceEvents");
    if (!cJSON_IsArray(events)) {
        fprintf(stderr, "chrome-check: %s is not JSON with a traceEvents array\n", argv[2]);
        free(text);
        cJSON_Delete(root);
        return 1;
    }
    size_t n = (size_t)cJSON_GetArraySize(events), nx = 0, nf = 0;
    struct slice *x = calloc(n + 1, sizeof(*x)), named[4096];
    struct flow *f = calloc(n + 1, sizeof(*f));
    int nnamed = check_names(events, named, 4096);
    int rc = x == NULL || f == NULL || nnamed < 0 || collect(events, x, &nx, f, &nf) != 0;
    if (rc == 0 && nnamed != atoi(argv[3])) {
        fprintf(stderr, "chrome-check: %d threads named, the trace has %s\n", nnamed, argv[3]);
        rc = 1;
    }
    rc = rc || check_slices(x, nx, named, nnamed) || check_flows(f, nf);
    if (rc == 0)
        printf("chrome-check %s: %zu events, %d threads, %zu slices, %zu flows: ok\n", argv[2], n,
               nnamed, nx, nf / 2);
    free(x);
    free(f);
    free(text);
    cJSON_Delete(root);
    return rc;
}
