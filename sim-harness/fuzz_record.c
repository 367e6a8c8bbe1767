/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/fuzz_record.c - run a system-call fuzzer input in a forked child and collect
 * every call it makes in the parent (see fuzz_record.h). The child reports each call before
 * it is made (fz_set_announce) and again when it returns or its thread ends (the listing),
 * over a pipe; a kernel panic kills only the child, and the parent still holds every call
 * up to the one that crashed, and the panic message (the child's console and stderr go to a
 * file, shown once the child is done).
 */
#include "fuzz_record.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz_driver.h"

/* One message on the pipe; an announce ('C') is followed by call.mem_len stored bytes. */
struct wire {
    uint8_t type; /* 'C' call about to be made, 'L' listing (returned, or a thread end), 'Z' */
    struct fz_call call;
};

static int wire_fd = -1;

static void write_all(const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t w = write(wire_fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            _exit(3); /* the parent is gone */
        b += w;
        n -= (size_t)w;
    }
}

static void send_msg(uint8_t type, const struct fz_call *c)
{
    struct wire w;
    memset(&w, 0, sizeof(w));
    w.type = type;
    w.call = *c;
    w.call.mem = NULL;
    if (type != 'C')
        w.call.mem_len = 0;
    write_all(&w, sizeof(w));
    if (type == 'C' && c->mem_len > 0)
        write_all(c->mem, c->mem_len);
}

static void on_announce(const struct fz_call *c)
{
    send_msg('C', c);
}

static void on_listing(const struct fz_call *c)
{
    send_msg('L', c);
}

static _Noreturn void child(int fd, int err_fd, const uint8_t *data, size_t len)
{
    wire_fd = fd;
    dup2(err_fd, STDOUT_FILENO); /* the console, where a panic report goes */
    dup2(err_fd, STDERR_FILENO);
    fz_set_announce(on_announce);
    struct fz_call end = {.result = fz_execute(data, len, on_listing)};
    fz_set_announce(NULL);
    send_msg('Z', &end);
    fflush(stdout);
    _exit(0);
}

static int add_rec(struct fz_record *r, const struct fz_call *c, const uint8_t *mem)
{
    if (r->n == r->cap) {
        size_t cap = r->cap == 0 ? 64 : r->cap * 2;
        struct fz_rec *p = realloc(r->recs, cap * sizeof(*p));
        if (p == NULL)
            return -1;
        r->recs = p;
        r->cap = cap;
    }
    struct fz_rec *e = &r->recs[r->n];
    memset(e, 0, sizeof(*e));
    e->call = *c;
    e->mem = NULL;
    if (c->mem_len > 0) {
        e->mem = malloc(c->mem_len);
        if (e->mem == NULL)
            return -1;
        memcpy(e->mem, mem, c->mem_len);
    }
    e->call.mem = e->mem;
    r->n++;
    return 0;
}

static void print_call(const struct fz_call *call, const char *tail)
{
    char line[256];
    fz_format_call(call, line, sizeof(line));
    printf("  %s%s\n", line, tail);
}

/* A returned call or a thread's end ('L'): the thread's pending call, if any, returned. */
static void on_listed(struct fz_record *r, const struct fz_call *c, bool print)
{
    long *pend = &r->pending[c->task][c->thread];
    if (*pend >= 0) {
        struct fz_rec *e = &r->recs[*pend];
        e->call.result = c->result;
        e->returned = true;
        *pend = -1;
        if (print)
            print_call(&e->call, "");
        return;
    }
    r->ended[c->task][c->thread] = true;
    if (print)
        print_call(c, "");
}

/* Read messages until the child closes the pipe. Returns -1 on a malformed stream. */
static int collect(struct fz_record *r, FILE *in, bool print)
{
    struct wire w;
    static uint8_t mem[1 << 16];
    while (fread(&w, sizeof(w), 1, in) == 1) {
        const struct fz_call *c = &w.call;
        if (w.type == 'Z') {
            r->finished = true;
            r->end = (int)c->result;
            continue;
        }
        if (c->task >= FZ_MAX_TASKS || c->thread >= FZ_REC_THREADS || c->mem_len > sizeof(mem))
            return -1;
        if (c->thread + 1 > r->nthreads[c->task])
            r->nthreads[c->task] = c->thread + 1;
        if (w.type == 'L') {
            on_listed(r, c, print);
            continue;
        }
        if (w.type != 'C' || (c->mem_len > 0 && fread(mem, c->mem_len, 1, in) != 1))
            return -1;
        if (add_rec(r, c, mem) != 0)
            return -1;
        r->pending[c->task][c->thread] = (long)r->n - 1;
        r->last = (long)r->n - 1;
    }
    return 0;
}

/*
 * Show what the child wrote (its console, a panic report, a sanitizer's); keep the kernel's
 * "PANIC at" line in r->panic, else the last line written.
 */
static void read_panic(struct fz_record *r, FILE *err)
{
    char line[512];
    bool panic = false;
    rewind(err);
    while (fgets(line, sizeof(line), err) != NULL) {
        fputs(line, stdout);
        size_t n = strcspn(line, "\n");
        line[n] = '\0';
        if (n > 0 && !panic)
            snprintf(r->panic, sizeof(r->panic), "%.*s", (int)sizeof(r->panic) - 1, line);
        panic = panic || strncmp(line, "PANIC at ", 9) == 0;
    }
}

int fz_record_run(const uint8_t *data, size_t len, bool print, struct fz_record *r)
{
    memset(r, 0, sizeof(*r));
    memset(r->pending, 0xff, sizeof(r->pending)); /* -1: nothing pending */
    r->last = -1;
    struct fz_layout lay;
    fz_layout(data, len, &lay);
    for (uint32_t i = 0; i < lay.ntasks; i++)
        r->nthreads[i] = lay.nthreads[i];
    int fds[2];
    FILE *err = tmpfile();
    if (pipe(fds) != 0 || err == NULL) {
        perror("fuzz-repro: pipe");
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fuzz-repro: fork");
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        child(fds[1], fileno(err), data, len);
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "rb");
    int rc = in != NULL ? collect(r, in, print) : -1;
    if (in != NULL)
        fclose(in);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    read_panic(r, err);
    fclose(err);
    r->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    r->crashed = !r->finished || r->signal != 0 || WEXITSTATUS(status) != 0;
    if (rc != 0)
        fprintf(stderr, "fuzz-repro: malformed records from the run\n");
    return rc;
}

void fz_record_free(struct fz_record *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->recs[i].mem);
    free(r->recs);
    memset(r, 0, sizeof(*r));
}
