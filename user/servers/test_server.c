/* SPDX-License-Identifier: MIT */
/*
 * user/servers/test_server.c - "test-server", a small supervised server for the restart
 * scenarios (docs/supervision.md): on a raw port it answers "1" (op 0x31, marked safe to
 * repeat: a read) with "1 ok" and "2" (op 0x32, not: a change) with "2 ok N", N counting the
 * 2s this incarnation did; anything else gets "? NAME". Options make it fail on purpose:
 *
 *   ready_after=US  sleep US microseconds (beating) before it says ready: a slow start
 *   die=US          end with code US microseconds after it started (die=0: at once, before
 *                   ready: a crash loop)
 *   exit_after=N    end with code after answering N requests
 *   hang_after=US   US microseconds after ready, stop beating and answering (a hang)
 *   compute=US      compute US microseconds before each answer
 *   code=N          the exit code of die and exit_after (default 3: abnormal)
 *   crash_after=N crash=pf|gp
 *                   after answering N requests, read the next and take a real CPU fault
 *                   with it in service (tw_crash: a page fault or a general-protection
 *                   fault in ring 3 on UEFI, the same fault delivered in the simulator)
 *
 * Under a supervisor ("sup=NAME") it serves handle 2; alone, chan://test?listen.
 */
#include "../../core/klib.h"
#include "../ops.h"
#include "../programs.h"
#include "../twain.h"
#include "supervisor_proto.h"

#define US 1000ull

struct ts_opts {
    int64_t ready_after, die, exit_after, hang_after, compute, code, crash_after;
    int crash; /* 0: none, else enum tw_crash_kind */
};

/* crash=pf|gp: the fault to take (0 for none given), or -1 for any other value. */
static int crash_kind(const char *args, size_t len)
{
    const char *v;
    size_t n;
    if (!tw_program_text(args, len, "crash", &v, &n))
        return 0;
    return k_memeq_str(v, n, "pf") ? TW_CRASH_PF : k_memeq_str(v, n, "gp") ? TW_CRASH_GP : -1;
}

/* Sleep for good, saying nothing (a hung server: the supervisor must notice and kill it). */
static _Noreturn void hang(void)
{
    for (;;)
        (void)tw_sleep_ns(1000000 * US);
}

/* Answer one request read into buf (n bytes); the count of 2s goes up. */
static void answer(int32_t port, const char *buf, int64_t n, uint32_t *twos,
                   const struct ts_opts *o)
{
    char out[48];
    size_t len;
    if (o->compute > 0)
        tw_compute_ns((uint64_t)o->compute * US);
    if (n >= 1 && buf[0] == '1')
        len = k_snprintf(out, sizeof(out), "1 ok");
    else if (n >= 1 && buf[0] == '2')
        len = k_snprintf(out, sizeof(out), "2 ok %u", ++*twos);
    else
        len = k_snprintf(out, sizeof(out), "? %u", (unsigned)n);
    (void)tw_write(port, out, len);
}

int64_t test_server_main(const char *args, size_t len)
{
    struct ts_opts o = {
        .ready_after = tw_program_arg(args, len, "ready_after", 0),
        .die = tw_program_arg(args, len, "die", -1),
        .exit_after = tw_program_arg(args, len, "exit_after", 0),
        .hang_after = tw_program_arg(args, len, "hang_after", -1),
        .compute = tw_program_arg(args, len, "compute", 0),
        .code = tw_program_arg(args, len, "code", 3),
        .crash_after = tw_program_arg(args, len, "crash_after", 0),
        .crash = crash_kind(args, len),
    };
    if (o.crash < 0 || (o.crash != 0) != (o.crash_after > 0))
        return TW_E_INVAL; /* crash=pf|gp and crash_after=N go together */
    int32_t code = o.code > INT32_MAX ? INT32_MAX : (int32_t)o.code;
    uint64_t start = (uint64_t)tw_now();
    struct sup_child sup;
    int64_t port;
    if (sup_child_init(&sup, args, len)) {
        port = SUP_HANDLE_PORT;
    } else {
        char url[] = "chan://test?listen"; /* task memory */
        port = tw_open(url, 0);
    }
    if (port < 0)
        return port;
    if (o.die == 0)
        return code; /* dies at once after every start */
    int64_t rc = tw_port_set_repeatable((int32_t)port, 1ull << '1');
    if (rc < 0)
        return rc;
    if (o.ready_after > 0)
        sup_child_sleep(&sup, start + (uint64_t)o.ready_after * US);
    sup_child_ready(&sup);
    uint64_t die_at = o.die > 0 ? start + (uint64_t)o.die * US : 0;
    uint64_t hang_at = o.hang_after >= 0 ? (uint64_t)tw_now() + (uint64_t)o.hang_after * US : 0;
    uint32_t twos = 0;
    int64_t served = 0;
    char buf[256];
    for (;;) {
        uint64_t d = die_at;
        if (hang_at != 0 && (d == 0 || hang_at < d))
            d = hang_at;
        int32_t hs[1] = {(int32_t)port};
        uint32_t sig[1] = {TW_SIG_READABLE};
        int64_t w = sup_child_wait(&sup, hs, sig, 1, d);
        uint64_t now = (uint64_t)tw_now();
        if (w == TW_E_TIMEDOUT && die_at != 0 && now >= die_at)
            return code;
        if (w == TW_E_TIMEDOUT && hang_at != 0 && now >= hang_at)
            hang();
        if (w < 0)
            return w;
        int64_t n = tw_read((int32_t)port, buf, sizeof(buf));
        if (n < 0)
            return n;
        if (o.crash != 0 && served >= o.crash_after)
            return tw_crash((enum tw_crash_kind)o.crash); /* never returns */
        answer((int32_t)port, buf, n, &twos, &o);
        served++;
        if (o.exit_after > 0 && served >= o.exit_after)
            return code;
    }
}
