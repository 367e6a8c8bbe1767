/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_proc_manager.c - libFuzzer target for the process manager itself
 * (user/servers/proc_manager.c, docs/processes.md): the kernel boots with the manager and a
 * client task, and the client sends the input's lines ('\n' separates them, at most 48,
 * each cut to one 256-byte message) as requests on its session; a line starting with byte
 * 0x01 goes with one end of a fresh channel pair attached.
 *
 * The client checks what the brief of the manager promises: every request gets its reply
 * within a second of virtual time (a valid wait: its refusal, or its end line now or later;
 * a "self" after it marks where its immediate answer would be), every reply is one of the
 * protocol's forms, a request the parser refuses is answered "err invalid_argument", and so
 * are connect on a session and handles on anything but spawn; a handle the manager did not
 * pass on is closed by the time the refusal comes; and at the end "status 1" still answers
 * "running 1 parent=0". The manager must not have ended. The kernel's invariants are checked
 * after the run and after the teardown. Any violation abort()s, naming it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/invariants.h"
#include "../../core/kentry.h"
#include "../../core/kernel.h"
#include "../../hal/sim/host.h"
#include "../../providers/providers.h"
#include "../../user/ops.h"
#include "../../user/proc_client.h"
#include "../../user/programs.h"
#include "../../user/twain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES  48
#define INPUT_MAX  (MAX_LINES * (PROC_MSG_MAX + 2))
#define POOL_PAGES 4096
#define REPLY_NS   (1000ull * 1000 * 1000) /* a reply's deadline after its request */
#define RUN_NS     (20ull * 1000 * 1000 * 1000)

/* What the client found wrong: its exit status (0: nothing). */
enum {
    V_CONNECT = 2,
    V_WRITE,
    V_TIMEOUT,
    V_FORM,
    V_REFUSAL,
    V_HANDLE,
    V_FINAL,
    V_WAIT,
};

static const char *const violations[] = {
    [V_CONNECT] = "connect failed",
    [V_WRITE] = "a request could not be written",
    [V_TIMEOUT] = "no reply within a second",
    [V_FORM] = "a reply that is not the protocol's",
    [V_REFUSAL] = "a refused request not answered err invalid_argument",
    [V_HANDLE] = "a refused request's handle not closed",
    [V_FINAL] = "status 1 did not answer running 1 parent=0",
    [V_WAIT] = "a wait answered with something else than its end or a refusal",
};

static void manager_main(uintptr_t arg)
{
    (void)arg;
    tw_exit((int32_t)proc_manager_main("", 0));
}

/* The next message on sess, parsed: its length, or the client ends with the violation. */
static size_t next_reply(int32_t sess, char *buf, struct proc_msg *m)
{
    if (tw_wait(sess, TW_SIG_READABLE, (uint64_t)tw_now() + REPLY_NS) < 0)
        tw_exit(V_TIMEOUT);
    int64_t r = tw_read(sess, buf, PROC_MSG_MAX);
    if (r < 0)
        tw_exit(V_TIMEOUT);
    if (proc_msg_parse(buf, (size_t)r, m) != TW_OK)
        tw_exit(V_FORM);
    return (size_t)r;
}

/* A wait's late answer: an end line without parent= (a status of an ended one has it). */
static bool is_wait_answer(const struct proc_msg *m)
{
    return m->kind == PROC_MSG_END && !m->has_parent;
}

/* The immediate reply to the request just sent (skipping late wait answers). */
static void immediate_reply(int32_t sess, char *buf, struct proc_msg *m)
{
    do
        (void)next_reply(sess, buf, m);
    while (is_wait_answer(m));
}

static void send_text(int32_t sess, const char *text)
{
    char buf[32];
    size_t n = strlen(text);
    memcpy(buf, text, n);
    if (tw_write(sess, buf, n) != (int64_t)n)
        tw_exit(V_WRITE);
}

static void client_main(uintptr_t arg)
{
    const uint8_t *in = (const uint8_t *)arg + 8;
    size_t len = (size_t) * (const uint64_t *)arg;
    int64_t s = tw_proc_connect();
    if (s < 0)
        tw_exit(V_CONNECT);
    int32_t sess = (int32_t)s;
    size_t pos = 0;
    for (int line = 0; pos < len && line < MAX_LINES; line++) {
        size_t end = pos;
        while (end < len && in[end] != '\n')
            end++;
        const uint8_t *m = in + pos;
        size_t ml = end - pos;
        pos = end + 1;
        bool with_handle = ml > 0 && m[0] == 0x01;
        if (with_handle) {
            m++;
            ml--;
        }
        char buf[PROC_MSG_MAX], why[160];
        ml = ml < sizeof(buf) ? ml : sizeof(buf);
        memcpy(buf, m, ml); /* on this thread's stack: task memory */
        struct proc_req rq;
        int64_t prc = proc_req_parse(buf, ml, &rq, why, sizeof(why));
        int64_t mine = -1;
        int64_t w;
        if (with_handle) {
            char url[] = "chan://?pair";
            mine = tw_open(url, 0);
            int32_t theirs = mine < 0 ? -1 : (int32_t)tw_chan_take_peer((int32_t)mine);
            w = tw_chan_write_handles(sess, buf, ml, &theirs, 1);
        } else {
            w = tw_write(sess, buf, ml);
        }
        if (w < 0)
            tw_exit(V_WRITE);
        char reply[PROC_MSG_MAX];
        struct proc_msg msg;
        bool refused = prc != TW_OK || rq.kind == PROC_REQ_CONNECT ||
                       (with_handle && rq.kind != PROC_REQ_SPAWN);
        if (!refused && rq.kind == PROC_REQ_WAIT) {
            /* its refusal (if any) comes before the reply to a "self" sent after it */
            send_text(sess, "self");
            int errs = 0;
            for (;;) {
                (void)next_reply(sess, reply, &msg);
                if (msg.kind == PROC_MSG_OK && msg.rest_len == 1 && msg.rest[0] == '0')
                    break;
                if (is_wait_answer(&msg))
                    continue;
                if (msg.kind != PROC_MSG_ERR || errs++ > 0 ||
                    (msg.err != TW_E_NOENT && msg.err != TW_E_ACCESS && msg.err != TW_E_LIMIT))
                    tw_exit(V_WAIT);
            }
        } else {
            immediate_reply(sess, reply, &msg);
            if (refused && (msg.kind != PROC_MSG_ERR || msg.err != TW_E_INVAL))
                tw_exit(V_REFUSAL);
        }
        if (mine >= 0) {
            /* refused (or a spawn that failed): the manager closed the end it was given */
            if (msg.kind == PROC_MSG_ERR &&
                tw_wait((int32_t)mine, TW_SIG_PEER_CLOSED, TW_DEADLINE_NOW) < 0)
                tw_exit(V_HANDLE);
            tw_close((int32_t)mine);
        }
    }
    send_text(sess, "status 1");
    char reply[PROC_MSG_MAX];
    struct proc_msg msg;
    for (;;) {
        size_t n = next_reply(sess, reply, &msg);
        if (is_wait_answer(&msg))
            continue;
        if (n != 18 || memcmp(reply, "running 1 parent=0", 18) != 0)
            tw_exit(V_FINAL);
        break;
    }
    tw_close(sess);
    tw_exit(0);
}

static void quiet(void *ctx, const char *bytes, size_t len)
{
    (void)ctx;
    (void)bytes;
    (void)len;
}

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_proc_manager: " __VA_ARGS__);                                    \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > INPUT_MAX)
        return 0;
    host_set_pool_pages(POOL_PAGES);
    host_set_stack_guards(false);
    host_set_trace_sink(NULL, NULL);
    host_set_console(quiet, NULL);
    struct k_native_config cfg = {
        .seed = 1,
        .quantum_ns = 1000000,
        .cost_syscall_ns = 200,
        .cost_switch_ns = 400,
        .cost_byte_ps = 250,
        .max_time_ns = RUN_NS,
        .pool_pages = POOL_PAGES,
        .quiet_trace = true,
    };
    CHECK(k_native_init(&cfg) == TW_OK, "boot failed");
    CHECK(providers_register_all() == TW_OK, "providers");
    for (const struct tw_program *p = tw_programs(); p->name != NULL; p++)
        CHECK(k_program_register(p->name, tw_program_entry) == TW_OK, "program %s", p->name);
    uint32_t mgr, cli;
    CHECK(k_native_spawn("proc", 4, 10, manager_main, 0, &mgr) == TW_OK, "manager task");
    CHECK(k_native_task("client", 6, 10, &cli) == TW_OK, "client task");
    size_t pages = (8 + size + K_NATIVE_PAGE - 1) / K_NATIVE_PAGE;
    uint8_t *heap = k_native_heap(cli, pages);
    CHECK(heap != NULL, "client heap");
    uint64_t n = size;
    memcpy(heap, &n, 8);
    if (size > 0)
        memcpy(heap + 8, data, size);
    CHECK(k_native_thread(cli, client_main, (uintptr_t)heap, 10) == TW_OK, "client thread");
    (void)k_native_run();
    k_check_invariants();
    struct k_task_end ce, me;
    CHECK(k_native_task_end(cli, &ce) == TW_OK && k_native_task_end(mgr, &me) == TW_OK,
          "task ends");
    CHECK(ce.exited && !ce.killed, "the client did not finish (status %d)", (int)ce.status);
    CHECK(ce.status == 0, "client: %s (status %d)",
          ce.status > 0 && ce.status <= V_WAIT && violations[ce.status] != NULL
              ? violations[ce.status]
              : "?",
          (int)ce.status);
    CHECK(!me.exited, "the manager ended (status %d)", (int)me.status);
    k_teardown();
    k_check_invariants();
    host_set_console(NULL, NULL);
    return 0;
}
