/* SPDX-License-Identifier: MIT */
/*
 * user/programs.c - the table of native user programs (see programs.h).
 */
#include "programs.h"
#include "../core/abi.h"
#include "../core/klib.h"
#include "twain.h"

static const struct tw_program table[] = {
    {"echo-server", echo_server_main,
     "serves echo:// from user space: reads return what was written"},
    {"file-server", file_server_main, "serves file://, the VFS with its mount table"},
    {"local-demo", local_demo_main, "serves mem:// inside itself: no system call to open it"},
    {"exit-with", exit_with_main, "sleeps after=US microseconds, then ends with code=N"},
    {"idle", idle_main, "sleeps us=N microseconds (without us: until killed), then ends"},
    {"say", say_main, "writes the rest of its command line on handle 1 (spawned with one)"},
    {"spawn-children", spawn_children_main,
     "spawns n=N children running idle us=T, sleeps stay=S microseconds, ends: they outlive it"},
    {"port-server", port_server_main,
     "answers requests on a port (re: + request); crash_after=N crash=pf|gp: a real CPU fault"},
    {"init", init_main,
     "the guardian: makes the servers' ports, keeps them, starts and restarts the supervisor"},
    {"supervisor", supervisor_main,
     "starts servers in dependency order, restarts them by policy (docs/supervision.md)"},
    {"test-server", test_server_main,
     "a supervised test server: 1 (safe to repeat) and 2 (not); ways to die, hang, start slow"},
    {"request-loop", request_loop_main,
     "a client that keeps asking port=NAME n=N times, tolerating restarts (the campaign)"},
    {"proc-manager", proc_manager_main,
     "serves chan://proc, the process manager (docs/processes.md); idle=US ends it when quiet"},
    {"obedient", obedient_main, "relays its signals to handle 3; ends with code=N on terminate"},
    {"stubborn", stubborn_main, "relays its signals to handle 3; ignores terminate"},
    {"proc-parent", proc_parent_main,
     "spawns n=N children (idle us=T) through the manager, relays their exits for stay=S us"},
    {"proc-signal", proc_signal_main, "sends the signal n=N to process pid=P through the manager"},
    {"kv-server", kv_server_main,
     "provides the kv service (name=NAME, or its port as handle 1; docs/services.md)"},
    {"svc-4way", svc_4way_main,
     "the four combinations of kernel and task providers and callers: equal transcripts"},
    {"svc-watch", svc_watch_main, "subscribes to name=NAME and prints its owner changes"},
    {"svc-loop", svc_loop_main,
     "n=N kv calls on one subscription to name=NAME, through its server's restarts"},
    {"log-server", log_server_main,
     "provides the log service (name=NAME, default log, or under init; docs/services.md)"},
    {"log-append", log_append_main, "appends n=N records to the log name=NAME, one subscription"},
    {"log-tail", log_tail_main, "prints the log name=NAME's records back=B .. B+n-1, oldest first"},
    {NULL, NULL, NULL},
};

const struct tw_program *tw_program_find(const char *name, size_t len)
{
    for (const struct tw_program *p = table; p->name != NULL; p++)
        if (k_memeq_str(name, len, p->name))
            return p;
    return NULL;
}

int64_t tw_program_run(const char *line, size_t len)
{
    size_t name_len = 0;
    while (name_len < len && line[name_len] != ' ')
        name_len++;
    const struct tw_program *p = tw_program_find(line, name_len);
    if (p == NULL)
        return TW_E_NOENT;
    size_t skip = name_len < len ? name_len + 1 : name_len;
    return p->main(line + skip, len - skip);
}

int64_t tw_program_arg(const char *args, size_t len, const char *key, int64_t dflt)
{
    size_t klen = k_strlen(key);
    for (size_t i = 0; i < len;) {
        size_t end = i;
        while (end < len && args[end] != ' ')
            end++;
        uint64_t v;
        if (end - i > klen && k_memcmp(args + i, key, klen) == 0 && args[i + klen] == '=' &&
            k_parse_u64(args + i + klen + 1, end - i - klen - 1, &v) && v <= INT64_MAX)
            return (int64_t)v;
        i = end + 1;
    }
    return dflt;
}

bool tw_program_text(const char *args, size_t len, const char *key, const char **val, size_t *vlen)
{
    size_t klen = k_strlen(key);
    for (size_t i = 0; i < len;) {
        size_t end = i;
        while (end < len && args[end] != ' ')
            end++;
        if (end - i > klen && k_memcmp(args + i, key, klen) == 0 && args[i + klen] == '=') {
            *val = args + i + klen + 1;
            *vlen = end - i - klen - 1;
            return true;
        }
        i = end + 1;
    }
    return false;
}

const struct tw_program *tw_programs(void)
{
    return table;
}

_Noreturn void tw_program_entry(uintptr_t arg)
{
    const struct tw_spawn_start *s = (const struct tw_spawn_start *)arg;
    int64_t r = tw_program_run(s->cmd, s->cmd_len);
    tw_exit(r > INT32_MAX ? INT32_MAX : r < INT32_MIN ? INT32_MIN : (int32_t)r);
}
