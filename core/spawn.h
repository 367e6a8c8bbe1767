/* SPDX-License-Identifier: MIT */
/*
 * core/spawn.h - tasks from user space (docs/tasks.md): TW_TASK_SPAWN, and the operations
 * on a task handle (kill, status, children, a child's handle). Called by the system-call
 * layer with arguments marshalled by the operation table (kernel copies, checked bounds).
 */
#ifndef TWAIN_CORE_SPAWN_H
#define TWAIN_CORE_SPAWN_H

#include <stdint.h>

#include "obj.h"

struct task;

/*
 * TW_TASK_SPAWN by the running thread: a.buf[0] the command line (a.v[1] bytes), a.buf[2]
 * the handles to move (a.v[3]). Every check comes before any change, in this order:
 * TW_E_INVAL (an empty command line); TW_E_BADH, TW_E_ACCESS (a handle that is none, or
 * lacks transfer) and TW_E_INVAL (a handle twice), for each handle in turn; TW_E_NOENT (no
 * program is named by the first word); then TW_E_NOMEM and TW_E_LIMIT (the child, its
 * heap, its thread or the caller's handle to it cannot be made). A failed spawn changes
 * nothing: no task, no trace record of one, every handle where it was. On success the
 * child runs the program with the calling thread's priority, the handles are its 1..n,
 * and the result is the caller's new handle to it (TW_TASK_RIGHTS).
 */
int64_t spawn_task(const struct kargs *a);

/*
 * An operation of the table on task t through a handle of the running thread's task that
 * is not one of the task's own (TW_OPF_SELF) operations: TW_TASK_KILL (never t itself: the
 * system-call layer refuses TW_OPF_OTHER ops there), TW_TASK_STATUS, TW_TASK_CHILDREN,
 * TW_TASK_CHILD.
 */
int64_t task_handle_invoke(struct task *t, const struct kargs *a);

#endif /* TWAIN_CORE_SPAWN_H */
