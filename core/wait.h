/* SPDX-License-Identifier: MIT */
/*
 * core/wait.h - blocking the current thread on object signals and deadlines: the one
 * mechanism behind wait(), poll(), sleep and blocking read/write.
 */
#ifndef TWAIN_CORE_WAIT_H
#define TWAIN_CORE_WAIT_H

#include <stdint.h>

#include "list.h"

struct kobj;
struct task;
struct thread;

/* One object a blocked thread waits on; lives in struct thread (up to K_POLL_MAX). */
struct wait_node {
    struct list link; /* in obj->waiters */
    struct thread *thread;
    struct kobj *obj;
    struct task *task; /* the handle's table, for close() cancelling */
    int32_t handle;    /* the handle waited through */
    uint32_t signals;  /* wanted */
};

/*
 * Block the current thread on its first n wait nodes (thread->wait[0..n), filled by the
 * caller) until a node's signals are asserted, the deadline passes, the handle is closed
 * or the thread is killed. Returns TW_OK, TW_E_TIMEDOUT or TW_E_CANCELED. n may be 0 (a
 * pure sleep). Precondition: no node is satisfied now (callers check first).
 */
int64_t wait_block(uint32_t n, uint64_t deadline_ns);

/* End a blocked thread's wait with result: unlink its nodes, cancel its deadline, ready it. */
void wait_wake(struct thread *t, int64_t result);

/* close(handle) on task: wake waiters that waited through that handle with TW_E_CANCELED. */
void wait_cancel_handle(struct kobj *o, struct task *task, int32_t handle);

#endif /* TWAIN_CORE_WAIT_H */
