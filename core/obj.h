/* SPDX-License-Identifier: MIT */
/*
 * core/obj.h - the kernel object header every resource starts with, its operations table
 * (the provider contract), reference and handle counting, and signal notification.
 *
 * Counting: refs counts every reference (handles, messages in flight, kernel pointers);
 * handles counts the handles (in tables or in flight). When handles drops to zero the
 * object's last_close runs (a channel end tells its peer); when refs drops to zero, its
 * destroy runs and the memory goes back to its cache. An object dropped before it ever had
 * a handle (open whose handle could not be installed) gets its last_close then, so
 * destroy always sees a closed object.
 */
#ifndef TWAIN_CORE_OBJ_H
#define TWAIN_CORE_OBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "list.h"

struct kobj;
struct thread;

/* Operations of one resource kind. NULL entries mean TW_E_NOTSUP (or no-op for hooks). */
struct kobj_ops {
    const char *kind;        /* "chan", "timer", "console" ... (diagnostics only) */
    uint32_t default_rights; /* rights of a handle made by open() */
    /* Current signals (TW_SIG_*). Required. */
    uint32_t (*signals)(struct kobj *o);
    /* A wait() returned with these signals observed: edge-triggered kinds consume them. */
    void (*consume)(struct kobj *o, uint32_t observed);
    /* I/O on checked user buffers. TW_E_WOULDBLOCK makes the syscall layer wait for
     * block_signals (unless the handle is non-blocking) and call again. */
    int64_t (*read)(struct kobj *o, void *buf, size_t len);
    int64_t (*write)(struct kobj *o, const void *buf, size_t len);
    int64_t (*invoke)(struct kobj *o, uint32_t op, const uint64_t args[4]);
    int64_t (*seek)(struct kobj *o, int64_t off, int whence);
    int64_t (*tell)(struct kobj *o);
    /* The last handle went away (the object may live on through other references). */
    void (*last_close)(struct kobj *o);
    /* The last reference went away: release everything and free the object. Required. */
    void (*destroy)(struct kobj *o);
    /* Invariant checker: assert internal consistency and add 1 to the scratch counter of
     * every object this one holds a handle to (handles in flight). Optional. */
    void (*check)(struct kobj *o);
};

struct kobj {
    const struct kobj_ops *ops;
    uint32_t id; /* sequential, deterministic: what traces name */
    uint32_t refs;
    uint32_t handles;
    uint32_t scratch;    /* the invariant checker's counter */
    bool closed;         /* last_close has run */
    struct list waiters; /* struct wait_node.link */
    struct list all;     /* in the list of live objects (static objects are not) */
};

/* Initialise with one reference and no handles; assigns the next object id. */
void kobj_init(struct kobj *o, const struct kobj_ops *ops);
void kobj_ref(struct kobj *o);
void kobj_unref(struct kobj *o);
/* A handle to o was made (table entry or message in flight): takes a reference. */
void kobj_handle_get(struct kobj *o);
/* A handle to o went away: may run last_close, drops the reference. */
void kobj_handle_put(struct kobj *o);
/* Signals may have changed: wake every waiter whose wanted signals are now asserted. */
void kobj_notify(struct kobj *o);
uint32_t kobj_signals(struct kobj *o);

/* Objects live now (for the invariant checker and teardown accounting). */
uint32_t kobj_live_count(void);
void kobj_reset_ids(void);
/* The live objects in creation order (the invariant checker walks them). */
struct list *kobj_all(void);

#endif /* TWAIN_CORE_OBJ_H */
