/* SPDX-License-Identifier: MIT */
/*
 * core/handle.h - per-task handle tables with rights, and thread-local (negative) handles.
 *
 * A task's handles are small non-negative integers (0 is the task's self handle), kept in a
 * two-level table (a directory of pages of entries) so a task can hold K_HANDLE_PAGE *
 * K_HANDLE_DIR handles without a large up-front allocation. The lowest free value is
 * always the one handed out, which keeps handle values deterministic. Thread-local
 * handles are TW_HANDLE_TLS_FIRST, TW_HANDLE_TLS_FIRST - 1, ... (below every error code)
 * and live in the thread.
 */
#ifndef TWAIN_CORE_HANDLE_H
#define TWAIN_CORE_HANDLE_H

#include <stdbool.h>
#include <stdint.h>

struct kobj;
struct task;
struct thread;

struct handle_entry {
    struct kobj *obj; /* NULL: free */
    uint32_t rights;  /* TW_RIGHT_* */
    uint32_t flags;   /* TW_O_NONBLOCK */
};

struct handle_table {
    struct handle_entry **dir; /* K_HANDLE_DIR page pointers, NULL until used */
    uint32_t count;            /* entries in use */
    uint32_t hint;             /* no free entry below this index */
    uint32_t limit;            /* one past the highest entry ever used */
};

int handle_table_init(struct handle_table *ht) __attribute__((warn_unused_result));
/* Close every handle (kobj_handle_put each) and free the table's pages. */
void handle_table_destroy(struct handle_table *ht);

/*
 * Install obj with rights/flags, taking a handle reference. thread_local installs into
 * th's negative handles. Returns the handle, or TW_E_LIMIT / TW_E_NOMEM.
 */
int64_t handle_install(struct task *tk, struct thread *th, struct kobj *obj, uint32_t rights,
                       uint32_t flags, bool thread_local) __attribute__((warn_unused_result));
/* The entry for h in tk/th, or NULL when h names nothing. */
struct handle_entry *handle_lookup(struct task *tk, struct thread *th, int32_t h);
/*
 * Look h up and check rights: TW_OK with *out set, TW_E_BADH (no such handle) or
 * TW_E_ACCESS (missing right).
 */
int handle_get(struct task *tk, struct thread *th, int32_t h, uint32_t rights,
               struct handle_entry **out) __attribute__((warn_unused_result));
/*
 * Remove h from its table without dropping the reference: the caller now owns it (for
 * transfer, or to put it after cancelling waiters). Returns the entry's copy.
 */
int handle_take(struct task *tk, struct thread *th, int32_t h, struct handle_entry *out)
    __attribute__((warn_unused_result));
/*
 * A pair's second end waits in *pending as a handle in flight (its only reference):
 * install it in the running thread's task (TW_CHAN_TAKE_PEER) and clear *pending, or
 * return TW_E_NOENT when there is none, or the install error (then *pending stays).
 */
int64_t handle_take_pending(struct kobj **pending, uint32_t rights)
    __attribute__((warn_unused_result));
/* Drop the in-flight handle in *pending, if any (the first end closed before taking it). */
void handle_drop_pending(struct kobj **pending);

/* Drop a thread's local handles (thread exit). */
void handle_close_thread_locals(struct thread *th);
uint32_t handle_table_count(const struct handle_table *ht);

#endif /* TWAIN_CORE_HANDLE_H */
