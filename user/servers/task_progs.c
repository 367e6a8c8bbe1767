/* SPDX-License-Identifier: MIT */
/*
 * user/servers/task_progs.c - small programs for tasks spawned from user space
 * (TW_TASK_SPAWN, docs/tasks.md): ones that end with a code, wait to be killed, write what
 * they are told on the handle they were given, or spawn children of their own and leave
 * them behind. The scenarios spawn-wait-kill and spawn-orphans run them.
 */
#include "../../core/klib.h"
#include "../ops.h"
#include "../programs.h"
#include "../twain.h"

#define US 1000ull

/* "exit-with code=N after=US": sleep US microseconds (default 0), then end with code N. */
int64_t exit_with_main(const char *args, size_t len)
{
    int64_t code = tw_program_arg(args, len, "code", 0);
    int64_t after = tw_program_arg(args, len, "after", 0);
    if (after > 0)
        (void)tw_sleep_ns((uint64_t)after * US);
    return code > INT32_MAX ? INT32_MAX : code;
}

/* "idle us=N": sleep N microseconds, then end with 0; without us (or 0), sleep until killed. */
int64_t idle_main(const char *args, size_t len)
{
    int64_t us = tw_program_arg(args, len, "us", 0);
    if (us > 0)
        return tw_sleep_ns((uint64_t)us * US);
    for (;;)
        (void)tw_sleep_ns(1000 * 1000 * US);
}

/* "say TEXT": write TEXT (the rest of the command line) on handle 1, the first handle the
 * spawn moved in (a channel end, a pipe); end with 0, or the write's error. */
int64_t say_main(const char *args, size_t len)
{
    int64_t r = tw_write(1, args, len); /* args lie in the task's heap: task memory */
    return r < 0 ? r : 0;
}

/*
 * "spawn-children n=N us=T stay=S": spawn N (1..8, default 2) children running "idle us=T"
 * (T = 0: until killed), sleep S microseconds (default 0), end with 0. The children outlive
 * it: its parent adopts them.
 */
int64_t spawn_children_main(const char *args, size_t len)
{
    int64_t n = tw_program_arg(args, len, "n", 2), us = tw_program_arg(args, len, "us", 0);
    int64_t stay = tw_program_arg(args, len, "stay", 0);
    if (n < 1 || n > 8)
        return TW_E_INVAL;
    char cmd[48]; /* on this thread's stack: task memory */
    size_t clen = k_snprintf(cmd, sizeof(cmd), "idle us=%lld", (long long)us);
    for (int64_t i = 0; i < n; i++) {
        int64_t h = tw_task_spawn(cmd, clen, NULL, 0);
        if (h < 0)
            return h;
    }
    if (stay > 0)
        (void)tw_sleep_ns((uint64_t)stay * US);
    return 0;
}
