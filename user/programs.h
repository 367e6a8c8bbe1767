/* SPDX-License-Identifier: MIT */
/*
 * user/programs.h - the native user programs a scenario can run in a task with the step
 * {"op": "run", "program": NAME, "arg": N}, or start in a new task (TW_TASK_SPAWN, the
 * step spawn_task): servers written in C against user/twain.h (the echo:// provider, the
 * file server behind file://) and the small programs of servers/task_progs.c. The same
 * programs run on both backends; the scenario compiler checks names against this table.
 */
#ifndef TWAIN_USER_PROGRAMS_H
#define TWAIN_USER_PROGRAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A program's main: runs in the calling thread; returns >= 0 or a TW_E_* code. args are
 * the text after the program's name (not NUL-terminated; may be empty). */
typedef int64_t (*tw_program_main)(const char *args, size_t len);

struct tw_program {
    const char *name;
    tw_program_main main;
    const char *what; /* one line for docs and errors */
};

/* The program named name[0..len), or NULL. */
const struct tw_program *tw_program_find(const char *name, size_t len);
/* The table, for listing (NULL-terminated by name). */
const struct tw_program *tw_programs(void);

/*
 * Run "name" or "name args" (line[0..len)): TW_E_NOENT for an unknown program, else what
 * the program returns.
 */
int64_t tw_program_run(const char *line, size_t len);

/*
 * The entry point of a task spawned from user space (TW_TASK_SPAWN, docs/tasks.md): the
 * loader registers it for every program of the table (k_program_register). arg is the
 * task's struct tw_spawn_start (core/abi.h); it runs tw_program_run on its command line
 * and ends the task with what the program returned (a TW_E_* code for an unknown one).
 */
_Noreturn void tw_program_entry(uintptr_t arg);

/* The value of key=N among space-separated words of args, or dflt. */
int64_t tw_program_arg(const char *args, size_t len, const char *key, int64_t dflt);

/*
 * The value of key=TEXT among the space-separated words of args: true and *val, *vlen set
 * (TEXT may be empty), or false when no word starts with key=.
 */
bool tw_program_text(const char *args, size_t len, const char *key, const char **val, size_t *vlen);

/* The programs (user/servers/); docs/user-providers.md describes their arguments. */
int64_t echo_server_main(const char *args, size_t len);
int64_t file_server_main(const char *args, size_t len);
int64_t local_demo_main(const char *args, size_t len);
int64_t exit_with_main(const char *args, size_t len);
int64_t idle_main(const char *args, size_t len);
int64_t say_main(const char *args, size_t len);
int64_t spawn_children_main(const char *args, size_t len);
int64_t port_server_main(const char *args, size_t len);
int64_t init_main(const char *args, size_t len);
int64_t supervisor_main(const char *args, size_t len);
int64_t test_server_main(const char *args, size_t len);
int64_t request_loop_main(const char *args, size_t len);
int64_t proc_manager_main(const char *args, size_t len);
int64_t obedient_main(const char *args, size_t len);
int64_t stubborn_main(const char *args, size_t len);
int64_t proc_parent_main(const char *args, size_t len);
int64_t proc_signal_main(const char *args, size_t len);
int64_t kv_server_main(const char *args, size_t len);
int64_t svc_4way_main(const char *args, size_t len);
int64_t svc_watch_main(const char *args, size_t len);
int64_t svc_loop_main(const char *args, size_t len);
int64_t log_server_main(const char *args, size_t len);
int64_t log_append_main(const char *args, size_t len);
int64_t log_tail_main(const char *args, size_t len);

#endif /* TWAIN_USER_PROGRAMS_H */
