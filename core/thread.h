/* SPDX-License-Identifier: MIT */
/*
 * core/thread.h - threads: their own stacks, CPU context, scheduling and wait state.
 */
#ifndef TWAIN_CORE_THREAD_H
#define TWAIN_CORE_THREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "../hal/hal.h"
#include "clock.h"
#include "handle.h"
#include "limits.h"
#include "list.h"
#include "obj.h"
#include "wait.h"

struct task;
struct region;

enum thread_state { TH_NEW = 0, TH_READY, TH_RUNNING, TH_BLOCKED, TH_ZOMBIE };

/*
 * The request a port server's thread read last and has not ended (core/chan_req.c owns it;
 * docs/supervision.md): it ends when the thread answers it, reads its next request, or ends.
 */
struct port_service {
    struct kobj *port; /* the port it came from (a reference), or NULL: none in service */
    void *copy;        /* a repeatable request: the kernel's copy (struct chan_msg), or NULL */
    uint64_t req;      /* its number on that port */
    uint64_t seq;      /* its message seq (TR_IPC_*) */
    uint32_t task;     /* the id of the task that wrote it (TW_PORT_SENDER), 0: none */
};

struct thread {
    struct kobj obj;
    uint32_t id;
    enum thread_state state;
    struct task *task;
    int32_t priority; /* 0 .. K_PRIO_MAX, higher runs first under the priority policy */
    struct hal_context ctx;
    struct hal_thread_start start;
    void *ustack;
    void *kstack;
    struct region *stack_region;
    struct list task_link; /* in task->threads */
    struct list run_link;  /* in a policy's run queue */
    uint32_t ready_slot;   /* the random policy's array index + 1 (0: not there) */
    bool killed;           /* end at the next kernel boundary */
    /* wait state */
    uint32_t nwait;
    int64_t wake_result;
    struct ktimer deadline;
    struct wait_node wait[K_POLL_MAX];
    /* accounting */
    uintptr_t user_floor; /* user stack pointer at the current system call's entry */
    /* the current system call's first argument as a handle: a wait made inside an object
     * on the caller's behalf (a user provider's reply) is cancelled by close() of it */
    int32_t call_handle;
    uint64_t slice_start;   /* clock when it last got the CPU */
    uint64_t quantum_start; /* clock when its current quantum began */
    uint64_t run_ns;
    uint32_t switches;
    /* a port server's reply target: the client end of the last message read */
    struct kobj *reply_to;
    struct port_service svc;
    struct handle_entry tls[K_THREAD_HANDLES];
};

/* The running thread, or NULL in the idle loop. */
struct thread *thread_current(void);
/* The running thread's id, or 0 in the idle loop (what a trace record names). */
uint32_t thread_current_id(void);
void thread_set_current(struct thread *t);

/*
 * Create a thread in task running entry(arg) as user code, ready to run.
 * Returns TW_OK, TW_E_NOMEM or TW_E_LIMIT.
 */
int thread_create(struct task *task, void (*entry)(uintptr_t), uintptr_t arg, int32_t priority,
                  struct thread **out) __attribute__((warn_unused_result));
/*
 * The two halves of thread_create, for a caller that must be able to undo (a spawn): a
 * thread made but not traced or ready (thread_alloc: TW_OK, TW_E_NOMEM, TW_E_LIMIT,
 * TW_E_INVAL, TW_E_CANCELED), then either thread_start (trace it, make it ready) or
 * thread_discard (free it as if it had never been). A thread holds a reference to its task
 * until it is reaped.
 */
int thread_alloc(struct task *task, void (*entry)(uintptr_t), uintptr_t arg, int32_t priority,
                 struct thread **out) __attribute__((warn_unused_result));
void thread_start(struct thread *t);
void thread_discard(struct thread *t);
/* End the running thread (closing its local handles); never returns. */
_Noreturn void thread_exit_current(void);
/* Free the stacks and objects of threads that ended (called after every switch). */
void thread_reap(void);
/* If the running thread was killed, end it now (called at kernel boundaries). */
void thread_check_killed(void);
uint32_t thread_live_count(void);
/* Reset the module; user stacks are ustack_pages (a power of two) pages each. */
void thread_module_init(uint32_t ustack_pages);

#endif /* TWAIN_CORE_THREAD_H */
