/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/fuzz_scenario.c - a fuzzer input's system calls as a scenario (see
 * fuzz_scenario.h): one task per fuzz task with the same boot threads, a thread body per
 * thread (spawned ones start when a syscall step passes {"entry": N}), and one syscall step
 * per call with the bytes the program stored before it and, when it returned, its result as
 * "expect". The written file is then compiled and run in a forked child exactly as `twain
 * run` would run it (a kernel panic kills only the child), and its console is searched for
 * the interpreter's "EXPECT FAILED" line: the first call whose result differed.
 */
#include "fuzz_scenario.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/abi.h"
#include "../user/scenario_bc.h"
#include "fuzz_record.h"
#include "run.h"
#include "scenario_compile.h"

_Static_assert((int)SCN_ARG_INT == (int)FZ_ARG_INT && (int)SCN_ARG_STACK == (int)FZ_ARG_STACK &&
                   (int)SCN_ARG_HEAP == (int)FZ_ARG_HEAP &&
                   (int)SCN_ARG_KERNEL == (int)FZ_ARG_FOREIGN &&
                   (int)SCN_ARG_ENTRY == (int)FZ_ARG_ENTRY && (int)SCN_ARG_NULL == (int)FZ_ARG_NULL,
               "syscall argument kinds are fuzzprog's");
_Static_assert(SCN_SYS_HEAP == FZ_HEAP_BYTES, "the raw heap is fuzzprog's heap region");
_Static_assert(SCN_SYS_STACK == FZ_STACK_LEN, "the stack buffer is fuzzprog's");
_Static_assert(FZ_REC_THREADS == SCN_MAX_THREADS, "every recorded thread has a body");

#define MAX_STEPS 65535 /* per task (SCN_MAX_STEPS) */

/* What the generator made of a record. */
struct gen {
    const struct fz_record *r;
    const struct fz_layout *lay;
    uint32_t nthreads[FZ_MAX_TASKS]; /* thread bodies per task */
    long *step_call[FZ_MAX_TASKS];   /* step id -> recorded call index (-1: a thread) */
    uint32_t nsteps[FZ_MAX_TASKS];
    size_t expected;        /* steps with an expected result */
    size_t open;            /* calls that never returned (no expect) */
    size_t below;           /* pointers into free stack below the buffer */
    uint32_t program_fails; /* the program's own successful TW_TASK_EXPECT_FAIL calls */
    uint32_t extra_pages;   /* the interpreter's pages beyond fuzzprog's heap regions */
};

static cJSON *int_json(uint64_t v, bool hex)
{
    int64_t s = (int64_t)v;
    if (!hex && s >= -(int64_t)SCN_MAX_US && s <= (int64_t)SCN_MAX_US)
        return cJSON_CreateNumber((double)s);
    char b[24];
    snprintf(b, sizeof(b), "0x%llx", (unsigned long long)v);
    return cJSON_CreateString(b);
}

static cJSON *one_key(const char *key, int64_t v)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, key, (double)v);
    return o;
}

static cJSON *arg_json(struct gen *g, const struct fz_call *c, int i)
{
    bool spawn_arg = c->nr == TW_SYS_INVOKE && i == 3 && c->kind[2] == FZ_ARG_ENTRY;
    if (spawn_arg) /* the new thread's argument: its body in the scenario */
        return one_key("entry_arg", c->off[2]);
    switch (c->kind[i]) {
    case FZ_ARG_STACK:
        g->below += c->off[i] < 0;
        return one_key("stack", c->off[i]);
    case FZ_ARG_HEAP:
        return one_key("heap", c->off[i]);
    case FZ_ARG_FOREIGN:
        return cJSON_CreateString("kernel_data");
    case FZ_ARG_ENTRY:
        return one_key("entry", c->off[i]);
    case FZ_ARG_NULL:
        return cJSON_CreateString("null");
    default:
        return int_json(c->args[i], c->nr == TW_SYS_INVOKE && i == 1); /* operations in hex */
    }
}

static cJSON *store_json(const struct fz_rec *e)
{
    const struct fz_call *c = &e->call;
    char *hex = malloc(2 * (size_t)c->mem_len + 1);
    if (hex == NULL)
        return NULL;
    for (uint32_t i = 0; i < c->mem_len; i++)
        snprintf(hex + 2 * i, 3, "%02x", e->mem[i]);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "at", c->mem_kind == FZ_ARG_STACK ? "stack" : "heap");
    cJSON_AddNumberToObject(o, "off", (double)c->mem_off);
    cJSON_AddStringToObject(o, "hex", hex);
    free(hex);
    return o;
}

/* One syscall step for recorded call e. */
static cJSON *step_json(struct gen *g, const struct fz_rec *e)
{
    static const char *const names[] = {"open", "close", "read", "write", "invoke",
                                        "poll", "wait",  "seek", "tell"};
    const struct fz_call *c = &e->call;
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "op", "syscall");
    cJSON_AddItemToObject(
        s, "call", c->nr < TW_SYS_COUNT ? cJSON_CreateString(names[c->nr]) : int_json(c->nr, true));
    int n = 6;
    while (n > 0 && c->kind[n - 1] == FZ_ARG_INT && c->args[n - 1] == 0)
        n--; /* trailing zeros are what a missing argument passes */
    if (n > 0) {
        cJSON *args = cJSON_AddArrayToObject(s, "args");
        for (int i = 0; i < n; i++)
            cJSON_AddItemToArray(args, arg_json(g, c, i));
    }
    if (c->mem_len > 0)
        cJSON_AddItemToObject(s, "store", store_json(e));
    if (e->returned) {
        cJSON_AddItemToObject(s, "expect", int_json((uint64_t)c->result, false));
        g->expected++;
        bool own_fail = c->nr == TW_SYS_INVOKE && c->args[0] == (uint64_t)TW_HANDLE_SELF &&
                        c->args[1] == TW_TASK_EXPECT_FAIL && c->result >= 0;
        g->program_fails += own_fail;
    } else {
        g->open++;
    }
    return s;
}

/* Thread bodies: every thread a call ran in or a spawn named, at least the boot ones. */
static void count_threads(struct gen *g)
{
    for (uint32_t t = 0; t < g->lay->ntasks; t++)
        g->nthreads[t] = g->r->nthreads[t];
    for (size_t i = 0; i < g->r->n; i++) {
        const struct fz_call *c = &g->r->recs[i].call;
        for (int a = 0; a < 6; a++) {
            uint32_t want = c->kind[a] == FZ_ARG_ENTRY ? (uint32_t)c->off[a] + 1 : 0;
            if (want > g->nthreads[c->task] && want <= FZ_REC_THREADS)
                g->nthreads[c->task] = want;
        }
    }
}

static int note_step(struct gen *g, uint32_t task, long call)
{
    if (g->nsteps[task] >= MAX_STEPS)
        return -1;
    g->step_call[task][g->nsteps[task]++] = call;
    return 0;
}

static cJSON *task_json(struct gen *g, uint32_t t)
{
    char name[16];
    snprintf(name, sizeof(name), "fz%u", t);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", name);
    cJSON_AddNumberToObject(o, "priority", 10);
    cJSON_AddBoolToObject(o, "raw_memory", true); /* even a task that made no call has it */
    cJSON_AddNumberToObject(o, "boot_threads", g->lay->nthreads[t]);
    cJSON *threads = cJSON_AddArrayToObject(o, "threads");
    g->step_call[t] = malloc(MAX_STEPS * sizeof(long));
    if (g->step_call[t] == NULL)
        return NULL;
    for (uint32_t th = 0; th < g->nthreads[t]; th++) {
        cJSON *body = cJSON_CreateArray();
        cJSON_AddItemToArray(threads, body);
        if (note_step(g, t, -1) != 0)
            return NULL;
        for (size_t i = 0; i < g->r->n; i++) {
            const struct fz_rec *e = &g->r->recs[i];
            if (e->call.task != t || e->call.thread != th)
                continue;
            if (note_step(g, t, (long)i) != 0)
                return NULL;
            cJSON_AddItemToArray(body, step_json(g, e));
        }
    }
    return o;
}

/* A call as the listing shows it, without " = result" when it never returned. */
static void format_call(const struct fz_rec *e, char *line, size_t cap)
{
    fz_format_call(&e->call, line, cap);
    char *eq = strstr(line, ") = ");
    if (!e->returned && eq != NULL)
        eq[1] = '\0';
}

static void describe(char *d, size_t cap, const struct gen *g, const char *input)
{
    const struct fz_record *r = g->r;
    size_t n = (size_t)snprintf(
        d, cap,
        "The system calls of fuzzer input %s, written by `twain fuzz-repro %s --to-scenario`: "
        "the same configuration, tasks and threads as user/fuzzprog.c gives it, one syscall "
        "step per call (%zu), each expecting the result the call had (%zu calls never returned "
        "and expect nothing). Memory is fuzzprog's: a zeroed 16 KiB raw heap per task, a "
        "zeroed 4160-byte stack buffer per thread, and the bytes the program stored before a "
        "call. The pool has fuzzprog's %u pages plus %u for the interpreter's copies of the "
        "scenario (so that as many are free while the tasks live; which blocks fail first "
        "under pressure may still differ).",
        input, input, r->n, g->open, g->lay->pool_pages, g->extra_pages);
    if (r->crashed && r->last >= 0 && n < cap) {
        const struct fz_rec *e = &r->recs[r->last];
        char line[256];
        format_call(e, line, sizeof(line));
        n += (size_t)snprintf(d + n, cap - n,
                              e->returned ? " The run stopped in the program itself after its "
                                            "last call returned, the last step of "
                                            "tasks[%u].threads[%u], %s, whose result is expected "
                                            "as the kernel gave it. It said: %s"
                                          : " The run crashed in its last call, the last step "
                                            "of tasks[%u].threads[%u], %s, which has no "
                                            "expect. It said: %s",
                              e->call.task, e->call.thread, line,
                              r->panic[0] != '\0' ? r->panic : "(nothing)");
    }
    if (g->below > 0 && n < cap)
        snprintf(d + n, cap - n,
                 " %zu arguments point into free stack below the buffer: the kernel refuses "
                 "them in both runs (below the stack pointer), no bytes there are reproduced.",
                 g->below);
}

/* The scenario document for record r. */
static cJSON *scenario_json(struct gen *g, const char *name)
{
    static const char *const policies[] = {"round-robin", "priority", "random"};
    cJSON *root = cJSON_CreateObject(), *tasks;
    cJSON_AddStringToObject(root, "name", name);
    cJSON_AddStringToObject(root, "description", ""); /* set_description, at the end */
    cJSON_AddNumberToObject(root, "seed", (double)g->lay->seed);
    cJSON *cfg = cJSON_AddObjectToObject(root, "config");
    cJSON_AddStringToObject(cfg, "policy", policies[g->lay->policy]);
    cJSON_AddNumberToObject(cfg, "quantum_us", FZ_QUANTUM_NS / 1000);
    cJSON_AddNumberToObject(cfg, "max_time_us", (double)(FZ_MAX_TIME_NS / 1000));
    cJSON_AddNumberToObject(cfg, "pool_pages", g->lay->pool_pages);
    cJSON *cost = cJSON_AddObjectToObject(cfg, "cost");
    cJSON_AddNumberToObject(cost, "syscall_ns", FZ_SYSCALL_NS);
    cJSON_AddNumberToObject(cost, "switch_ns", FZ_SWITCH_NS);
    cJSON_AddNumberToObject(cost, "byte_ps", FZ_BYTE_PS);
    tasks = cJSON_AddArrayToObject(root, "tasks");
    count_threads(g);
    for (uint32_t t = 0; t < g->lay->ntasks; t++) {
        cJSON *tj = task_json(g, t);
        if (tj == NULL) {
            cJSON_Delete(root);
            return NULL;
        }
        cJSON_AddItemToArray(tasks, tj);
    }
    if (g->lay->kill_task >= 0) { /* fuzzprog's kill: a multiple of 100 us */
        char victim[16];
        snprintf(victim, sizeof(victim), "fz%d", g->lay->kill_task);
        cJSON *fault = cJSON_CreateObject();
        cJSON_AddNumberToObject(fault, "at_us", (double)(g->lay->kill_at_ns / 1000));
        cJSON_AddStringToObject(fault, "kill", victim);
        cJSON_AddItemToArray(cJSON_AddArrayToObject(root, "faults"), fault);
    }
    return root;
}

/*
 * Pretty-print v at nesting depth: two-space indents, a step (an object with "op") or a
 * container of plain values on one line. Bounded recursion: a scenario is five levels deep.
 */
static void print_json(FILE *f, const cJSON *v, int depth)
{
    bool container = cJSON_IsObject(v) || cJSON_IsArray(v);
    bool flat = !container || v->child == NULL || depth > 8 ||
                (cJSON_IsObject(v) && cJSON_GetObjectItemCaseSensitive(v, "op") != NULL);
    for (const cJSON *c = container ? v->child : NULL; c != NULL && !flat; c = c->next)
        flat = !cJSON_IsObject(c) && !cJSON_IsArray(c) && cJSON_IsArray(v);
    if (flat) {
        char *s = cJSON_PrintUnformatted(v);
        fputs(s != NULL ? s : "null", f);
        free(s);
        return;
    }
    fputs(cJSON_IsArray(v) ? "[\n" : "{\n", f);
    for (const cJSON *c = v->child; c != NULL; c = c->next) {
        fprintf(f, "%*s", 2 * (depth + 1), "");
        if (cJSON_IsObject(v))
            fprintf(f, "\"%s\": ", c->string); /* keys are the generator's own ASCII */
        print_json(f, c, depth + 1);
        fputs(c->next != NULL ? ",\n" : "\n", f);
    }
    fprintf(f, "%*s%s", 2 * depth, "", cJSON_IsArray(v) ? "]" : "}");
}

static int write_scenario(const char *path, const cJSON *root)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "fuzz-repro: %s: %s\n", path, strerror(errno));
        return -1;
    }
    print_json(f, root, 0);
    fputc('\n', f);
    if (fclose(f) != 0) {
        fprintf(stderr, "fuzz-repro: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* "fuzz-" and the input's file name in the task-name alphabet, at most 63 bytes. */
static void scenario_name(char *name, size_t cap, const char *input)
{
    const char *base = strrchr(input, '/');
    base = base != NULL ? base + 1 : input;
    size_t n = (size_t)snprintf(name, cap, "fuzz-");
    for (size_t i = 0; base[i] != '\0' && n + 1 < cap && n < SCN_MAX_SCN_NAME; i++) {
        char ch = base[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
        name[n++] = ok ? ch : '_';
    }
    name[n] = '\0';
}

/*
 * The pool: fuzzprog's plus what the interpreter's regions take beyond its heap regions (a
 * copy of the whole scenario per task), so that as many pages are free while the tasks
 * live. Compiles the document once to learn the blob's size (pool_pages does not change it).
 */
static int size_pool(struct gen *g, cJSON *root)
{
    char *text = cJSON_PrintUnformatted(root), err[512];
    struct scn_compiled c;
    static struct scn_view v;
    if (text == NULL ||
        scn_compile_text("fuzz-repro", text, strlen(text), &c, err, sizeof(err)) != 0) {
        fprintf(stderr, "fuzz-repro: internal error: %s\n", text != NULL ? err : "no memory");
        free(text);
        return -1;
    }
    free(text);
    int rc = scn_decode(c.blob, c.len, &v, NULL);
    for (uint32_t t = 0; rc == 0 && t < v.ntasks; t++)
        g->extra_pages += (uint32_t)scn_task_region_pages(&v, t) - FZ_HEAP_PAGES;
    scn_compiled_free(&c);
    cJSON *cfg = cJSON_GetObjectItemCaseSensitive(root, "config");
    cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(cfg, "pool_pages"),
                         g->lay->pool_pages + g->extra_pages);
    return rc;
}

/* ---- running the written scenario ---- */

static void to_file(void *ctx, const char *bytes, size_t len)
{
    fwrite(bytes, 1, len, (FILE *)ctx);
    fflush((FILE *)ctx);
}

/* In a child: compile and run path as `twain run` does; console (and a last line) to out. */
static _Noreturn void replay_child(const char *path, FILE *out)
{
    struct scn_compiled c;
    char err[512];
    if (scn_compile_file(path, &c, err, sizeof(err)) != SCN_COMPILE_OK) {
        fprintf(stderr, "%s\n", err);
        _exit(2);
    }
    struct run_opts o = {.console_fn = to_file, .console_ctx = out};
    struct run_result r;
    run_scenario(&c, &o, &r);
    fprintf(out, "\n@@ rc=%d fails=%u hash=%016llx end=%d\n", r.rc, r.nfails,
            (unsigned long long)r.out.trace_hash, r.out.end_reason);
    fflush(out);
    _exit(r.rc == 2 ? 2 : 0);
}

/* What the replay showed. */
struct replay {
    bool crashed;
    int signal;
    int rc;
    unsigned fails;
    char hash[17];
    char first[256]; /* the first "EXPECT FAILED" line, or empty */
    char panic[256]; /* the first "PANIC at" line, or empty */
    bool no_boot;    /* the loader could not set the scenario up */
};

static void scan_console(FILE *out, struct replay *p)
{
    char line[512];
    rewind(out);
    while (fgets(line, sizeof(line), out) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (p->first[0] == '\0' && strncmp(line, "EXPECT FAILED task ", 19) == 0)
            snprintf(p->first, sizeof(p->first), "%.*s", (int)sizeof(p->first) - 1, line);
        if (p->panic[0] == '\0' && strncmp(line, "PANIC at ", 9) == 0)
            snprintf(p->panic, sizeof(p->panic), "%.*s", (int)sizeof(p->panic) - 1, line);
        sscanf(line, "@@ rc=%d fails=%u hash=%16s", &p->rc, &p->fails, p->hash);
    }
}

static int replay(const char *path, struct replay *p)
{
    memset(p, 0, sizeof(*p));
    p->rc = -1;
    FILE *out = tmpfile();
    if (out == NULL)
        return -1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        fclose(out);
        return -1;
    }
    if (pid == 0)
        replay_child(path, out);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    scan_console(out, p);
    fclose(out);
    p->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    p->crashed = p->signal != 0 || (p->rc < 0 && WEXITSTATUS(status) != 2);
    p->no_boot = !p->crashed && WEXITSTATUS(status) == 2; /* said so on stderr */
    return 0;
}

/* The recorded call behind "EXPECT FAILED task fzT step S (...)", listed; false if none. */
static bool failed_call(const struct gen *g, const char *line, char *out, size_t cap)
{
    unsigned task, step;
    if (sscanf(line, "EXPECT FAILED task fz%u step %u", &task, &step) != 2 ||
        task >= g->lay->ntasks || step >= g->nsteps[task] || g->step_call[task][step] < 0)
        return false;
    long i = g->step_call[task][step];
    char call[256];
    fz_format_call(&g->r->recs[i].call, call, sizeof(call));
    const char *why = strstr(line, "): ");
    snprintf(out, cap,
             "call %ld of the recording, tasks[%u].threads[%u] step %u: %s -- in the "
             "replay: %s",
             i + 1, task, g->r->recs[i].call.thread, step, call, why != NULL ? why + 3 : line);
    return true;
}

/* Compare the replay with the record; print the verdict. Returns 0 reproduced, 1 not. */
static int judge(const struct gen *g, const struct replay *p)
{
    const struct fz_record *r = g->r;
    char what[700];
    bool started = r->n > 0;
    for (uint32_t t = 0; t < FZ_MAX_TASKS; t++)
        for (uint32_t th = 0; th < FZ_REC_THREADS; th++)
            started = started || r->ended[t][th];
    if (p->no_boot) {
        printf("replay: the scenario could not be set up%s\n",
               started ? "" : ", and the input's own tasks never started (its boot failed too)");
        return started ? 1 : 0;
    }
    if (p->first[0] != '\0') {
        if (!failed_call(g, p->first, what, sizeof(what)))
            snprintf(what, sizeof(what), "%s", p->first);
        printf("replay: DIFFERS: the first call that gave another result: %s\n", what);
        if (strstr(p->first, "got -5 no_memory") != NULL)
            printf("note: the replay's pool also holds the interpreter's copies of the scenario "
                   "(%u pages more, in other blocks): under memory pressure an allocation can "
                   "fail where the input's did not\n",
                   g->extra_pages);
        return 1;
    }
    if (p->crashed) {
        bool same = r->crashed && strcmp(p->panic, r->panic) == 0;
        printf("replay: no call of the %zu with a result gave another one before the scenario "
               "crashed%s (signal %d): %s\n",
               g->expected,
               same         ? " again, as the input did"
               : r->crashed ? ", but not as the input did"
                            : " where the input did not",
               p->signal, p->panic[0] != '\0' ? p->panic : "(no panic message)");
        return same ? 0 : 1;
    }
    uint32_t want_fails = g->program_fails < RUN_MAX_FAILS ? g->program_fails : RUN_MAX_FAILS;
    if (p->fails != want_fails) {
        printf("replay: DIFFERS: %u expectation failures recorded by the kernel, want %u (the "
               "program's own TW_TASK_EXPECT_FAIL calls)\n",
               p->fails, want_fails);
        return 1;
    }
    bool in_program = r->crashed && r->last >= 0 && r->recs[r->last].returned;
    printf("replay: the scenario reproduces all %zu calls%s (trace-hash %s)\n", g->expected,
           in_program   ? "; the input stopped in the program's own check after its last call, "
                          "which the scenario does not make: its last step expects what the "
                          "kernel returned then"
           : r->crashed ? ", but the crash did not recur (fixed?)"
                        : "",
           p->hash);
    if (g->program_fails > 0)
        printf("note: the program itself reported %u expectation failures (invoke "
               "TW_TASK_EXPECT_FAIL), so `twain run` says FAIL for them as it did here\n",
               g->program_fails);
    return r->crashed && !in_program ? 1 : 0;
}

static void gen_free(struct gen *g)
{
    for (uint32_t t = 0; t < FZ_MAX_TASKS; t++)
        free(g->step_call[t]);
}

int fz_to_scenario(const uint8_t *data, size_t len, const char *input_name, const char *out_path)
{
    struct fz_record r;
    struct fz_layout lay;
    fz_layout(data, len, &lay);
    if (fz_record_run(data, len, true, &r) != 0) {
        fz_record_free(&r);
        return 2;
    }
    if (r.crashed && r.last >= 0) {
        char line[256];
        format_call(&r.recs[r.last], line, sizeof(line));
        printf("the run crashed (signal %d) %s its call %ld: %s\n", r.signal,
               r.recs[r.last].returned ? "after" : "in", r.last + 1, line);
    }
    struct gen g = {.r = &r, .lay = &lay};
    char name[SCN_MAX_SCN_NAME + 1];
    scenario_name(name, sizeof(name), input_name);
    cJSON *root = scenario_json(&g, name);
    int rc = root != NULL && size_pool(&g, root) == 0 ? 0 : 2;
    if (rc == 0) {
        char text[2048];
        describe(text, sizeof(text), &g, input_name);
        cJSON_SetValuestring(cJSON_GetObjectItemCaseSensitive(root, "description"), text);
        rc = write_scenario(out_path, root) == 0 ? 0 : 2;
    }
    cJSON_Delete(root);
    struct replay p;
    if (rc == 0) {
        printf("wrote %s: %u tasks, %zu calls (%zu with a result to expect)\n", out_path,
               lay.ntasks, r.n, g.expected);
        rc = replay(out_path, &p) == 0 ? judge(&g, &p) : 2;
    }
    if (rc == 2)
        fprintf(stderr, "fuzz-repro: could not write or run the scenario\n");
    gen_free(&g);
    fz_record_free(&r);
    return rc;
}
