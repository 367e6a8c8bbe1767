/* SPDX-License-Identifier: MIT */
/*
 * core/task.h - tasks: a handle table, memory regions and threads. A task ends when its
 * last thread ends; its handles are closed then, in ascending order.
 *
 * The tree (docs/tasks.md): a task spawned by another (TW_TASK_SPAWN, core/spawn.c) is its
 * child. The tree holds only living tasks: when a task ends, it leaves its parent's list
 * and its living children move, in order, to the end of its parent's list (adopted; the
 * parent's TW_SIG_SIGNALED asserts until a wait consumes it), or become roots when it had
 * none. Boot tasks (task_create) are roots and stay on the kernel's task list, which holds
 * a reference to them until k_teardown; a spawned task is held only by handles and by its
 * threads, so it is freed when the last of them goes (its status lives until then).
 */
#ifndef TWAIN_CORE_TASK_H
#define TWAIN_CORE_TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../hal/hal.h"
#include "handle.h"
#include "limits.h"
#include "list.h"
#include "obj.h"

/* A range of task memory carved from the page pool; user pointers must fall in one. */
struct thread;

struct region {
    struct list link; /* in task->regions */
    uintptr_t base;
    size_t len;
    void *block;       /* the page block, freed with the region (NULL: not owned) */
    const void *owner; /* the thread whose stack this is, or NULL (heap) */
    unsigned order;
};

struct task {
    struct kobj obj;
    uint32_t id;
    char name[K_TASK_NAME];
    int32_t priority;
    struct handle_table handles;
    struct hal_aspace *aspace; /* the task's address space (page tables on UEFI) */
    struct list regions;       /* struct region.link */
    struct list threads;       /* struct thread.task_link, creation order */
    uint32_t nthreads;         /* threads not yet ended */
    int32_t exit_status;
    bool exiting; /* exit or kill requested: threads end at their next kernel boundary */
    bool exited;  /* all threads ended, handles closed */
    bool killed;
    uint32_t expect_failures;
    uint32_t finish_rank;   /* 1 for the first task to end, 2 for the next ... */
    uint64_t cpu_ns;        /* its threads' slices, summed (sched.c) */
    uint64_t cpu_window_ns; /* the part of them inside sched_set_window's window */
    uint64_t end_time;
    struct list all_link; /* in the kernel's task list, creation order */
    /* the tree: living tasks only (an ended task has no parent and no children) */
    struct task *parent;  /* NULL: a root */
    struct list children; /* struct task.child_link: living children, in the order they came */
    struct list child_link;
    uint32_t nchildren;
    uint32_t adopted;    /* children adopted so far */
    uint32_t adopt_seen; /* adopted when a wait last consumed TW_SIG_SIGNALED */
    uint32_t end;        /* enum tw_task_end: how it ended (or is ending) */
    bool spawned;        /* made by TW_TASK_SPAWN: the task list holds no reference */
};

/* Create a task (no threads yet). Returns TW_OK or TW_E_NOMEM / TW_E_LIMIT / TW_E_INVAL. */
int task_create(const char *name, size_t name_len, int32_t priority, struct task **out)
    __attribute__((warn_unused_result));
/*
 * The first half of a spawn: a task as task_create makes it, but not yet traced, in the
 * tree or started; the caller owns its one reference (the task list holds none). Then
 * either task_spawn_commit (trace it, make it parent's child) or task_spawn_abort (free it:
 * its regions, its table and it, as if it had never been).
 */
int task_spawn_alloc(const char *name, size_t name_len, int32_t priority, struct task **out)
    __attribute__((warn_unused_result));
void task_spawn_commit(struct task *t, struct task *parent);
void task_spawn_abort(struct task *t);
/* Give the task npages of zeroed memory (its heap); returns the base or NULL. */
void *task_alloc_region(struct task *t, size_t npages);
/* Record [base, base+len) as task memory owned elsewhere (a thread stack). */
struct region *task_add_region(struct task *t, void *base, size_t len);
void task_remove_region(struct task *t, struct region *r);
/* True when [p, p+len) lies inside one of the task's regions that is not another thread's
 * stack (stacks are owned: a region with owner != NULL belongs to that thread). */
bool task_range_ok(struct task *t, const struct thread *caller, uintptr_t p, size_t len);

/* Request the end of every thread of t with status (kernel context, e.g. a fault): an exit
 * (killed false), a crash (killed, TW_EXIT_CRASHED) or a kill. The first request wins. */
void task_kill(struct task *t, int32_t status, bool killed);
/* The same with how it ends given (enum tw_task_end: EXIT, KILLED or CRASHED). */
void task_end_as(struct task *t, int32_t status, uint32_t end);
/* Called when t's last thread ended: close handles, free regions, trace, rank. */
void task_finish(struct task *t);

/* The kernel's tasks in creation order; NULL after the last. */
struct task *task_first(void);
struct task *task_next(struct task *t);
struct task *task_by_id(uint32_t id);
/* t's living child with id, or NULL. */
struct task *task_child_by_id(struct task *t, uint32_t id);
uint32_t task_count(void);
void task_module_init(void);

#endif /* TWAIN_CORE_TASK_H */
