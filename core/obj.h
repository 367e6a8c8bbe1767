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

struct tw_op;
struct tw_dirent;

/*
 * An invoke's arguments as an object sees them, marshalled by the operation table
 * (core/optable.h) in the system-call layer: v[i] is argument i as the caller gave it
 * (integers, handles, lengths; an output capacity clamped to the table's bound), buf[i]
 * the kernel's copy of buffer argument i (NULL for the others). Input buffers hold the
 * caller's bytes; output buffers start zeroed and are copied back after the call (whole,
 * or as many bytes as the result says). Objects never see a user pointer.
 */
struct kargs {
    const struct tw_op *op;
    uint64_t v[4];
    void *buf[4];
};

/* Operations of one resource kind. NULL entries mean TW_E_NOTSUP (or no-op for hooks). */
struct kobj_ops {
    const char *name;        /* "chan", "timer", "console" ... (diagnostics only) */
    uint32_t kind;           /* TW_KIND_*: which operations of the table it accepts */
    uint32_t default_rights; /* rights of a handle made by open() */
    /* Current signals (TW_SIG_*). Required. */
    uint32_t (*signals)(struct kobj *o);
    /* A wait() returned with these signals observed: edge-triggered kinds consume them. */
    void (*consume)(struct kobj *o, uint32_t observed);
    /* I/O on kernel buffers. TW_E_WOULDBLOCK makes the syscall layer wait for
     * block_signals (unless the handle is non-blocking) and call again. */
    int64_t (*read)(struct kobj *o, void *buf, size_t len);
    int64_t (*write)(struct kobj *o, const void *buf, size_t len);
    /* An invoke operation the table lets this kind take (a->op), other than the typed ones
     * below; a kind whose typed member is NULL gets those here too (the user-provider
     * proxy marshals every operation alike). */
    int64_t (*invoke)(struct kobj *o, const struct kargs *a);
    int64_t (*seek)(struct kobj *o, int64_t off, int whence);
    int64_t (*tell)(struct kobj *o);
    /* Typed operations (TW_BLK_SIZE, TW_BLK_FLUSH, TW_FILE_TRUNCATE, TW_FILE_STAT). */
    int64_t (*size)(struct kobj *o);
    int64_t (*flush)(struct kobj *o);
    int64_t (*truncate)(struct kobj *o, uint64_t size);
    int64_t (*stat)(struct kobj *o, struct tw_dirent *out); /* zeroed by the caller */
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

/*
 * Run invoke operation a->op on o: a typed member of its kobj_ops where the operation has
 * one and o's kind implements it, else ops->invoke. The caller has checked that the table
 * lets o's kind take the operation and marshalled a. TW_E_NOTSUP when o has neither.
 */
int64_t kobj_invoke(struct kobj *o, const struct kargs *a);
/* An operation without arguments, from kernel code (a provider flushing its sub-resource):
 * TW_E_NOTSUP when o's kind does not take it. */
int64_t kobj_invoke_simple(struct kobj *o, uint32_t op);

/* Objects live now (for the invariant checker and teardown accounting). */
uint32_t kobj_live_count(void);
void kobj_reset_ids(void);
/* The live objects in creation order (the invariant checker walks them). */
struct list *kobj_all(void);

#endif /* TWAIN_CORE_OBJ_H */
