/* SPDX-License-Identifier: MIT */
/*
 * core/task.h - tasks: a handle table, memory regions and threads. A task ends when its
 * last thread ends; its handles are closed then, in ascending order.
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
    uint32_t finish_rank; /* 1 for the first task to end, 2 for the next ... */
    uint64_t end_time;
    struct list all_link; /* in the kernel's task list, creation order */
};

/* Create a task (no threads yet). Returns TW_OK or TW_E_NOMEM / TW_E_LIMIT / TW_E_INVAL. */
int task_create(const char *name, size_t name_len, int32_t priority, struct task **out)
    __attribute__((warn_unused_result));
/* Give the task npages of zeroed memory (its heap); returns the base or NULL. */
void *task_alloc_region(struct task *t, size_t npages);
/* Record [base, base+len) as task memory owned elsewhere (a thread stack). */
struct region *task_add_region(struct task *t, void *base, size_t len);
void task_remove_region(struct task *t, struct region *r);
/* True when [p, p+len) lies inside one of the task's regions that is not another thread's
 * stack (stacks are owned: a region with owner != NULL belongs to that thread). */
bool task_range_ok(struct task *t, const struct thread *caller, uintptr_t p, size_t len);

/* Request the end of every thread of t with status (kernel context, e.g. a fault). */
void task_kill(struct task *t, int32_t status, bool killed);
/* Called when t's last thread ended: close handles, free regions, trace, rank. */
void task_finish(struct task *t);

/* The kernel's tasks in creation order; NULL after the last. */
struct task *task_first(void);
struct task *task_next(struct task *t);
struct task *task_by_id(uint32_t id);
uint32_t task_count(void);
void task_module_init(void);

#endif /* TWAIN_CORE_TASK_H */
