/* SPDX-License-Identifier: MIT */
/*
 * core/caller.h - what a provider may know of, and do to, the thread its call runs in,
 * without the task and thread machinery (tools/check-layering keeps that from
 * providers/): the calling task's id, and blocking the caller on one object.
 */
#ifndef TWAIN_CORE_CALLER_H
#define TWAIN_CORE_CALLER_H

#include <stdint.h>

struct kobj;

/* The id of the task whose thread is running (0: none, kernel context). */
uint32_t caller_task_id(void);

/*
 * Block the calling thread until obj asserts one of signals, the deadline (virtual ns)
 * passes or the thread is killed: TW_OK, TW_E_TIMEDOUT or TW_E_CANCELED. Precondition:
 * obj does not assert them now.
 */
int64_t caller_wait_one(struct kobj *obj, uint32_t signals, uint64_t deadline);

#endif /* TWAIN_CORE_CALLER_H */
