/* SPDX-License-Identifier: MIT */
/*
 * core/optable.c - the operation table (see optable.h): every system call and invoke
 * operation, described once. Rows are in ascending op number (tw_op_find searches them).
 * Each row: number, name, kinds, right, right on a handle argument, signals it blocks on,
 * flags, argument kinds, buffer limits, errors beyond the common ones, result, doc.
 */
#include "optable.h"
#include "limits.h"
#include "syscall.h"
#include "url.h"

#define E(x) TW_EBIT(TW_E_##x)
#define K(x) TW_KIND_##x
#define R(x) TW_RIGHT_##x
#define A(a, b, c, d)                                                                              \
    {                                                                                              \
        TW_ARG_##a, TW_ARG_##b, TW_ARG_##c, TW_ARG_##d, TW_ARG_NONE, TW_ARG_NONE                   \
    }
#define NO_ARGS A(NONE, NONE, NONE, NONE)
#define ONE_INT A(INT, NONE, NONE, NONE)
#define ONE_IN  A(IN, LEN, NONE, NONE)

/* What every file-system operation on fat:// may answer besides the common errors. */
#define FS_ERRORS (E(INVAL) | E(NOENT) | E(BUSY) | E(IO) | E(LIMIT) | E(NOMEM) | E(TOOBIG))
/* A resource of a user-space provider, and the kernel storage kinds. */
#define STORAGE (K(BLK) | K(CACHE) | K(FILE) | K(DIR) | K(USER))

const struct tw_op tw_invoke_ops[] = {
    /* ---- the calling task, on its self handle ---- */
    {.op = TW_TASK_EXIT,
     .name = "task_exit",
     .kinds = K(TASK),
     .right = R(INVOKE),
     .flags = TW_OPF_SELF | TW_OPF_NORETURN,
     .arg = ONE_INT,
     .result = "does not return",
     .doc = "end the task (every thread) with status a0"},
    {.op = TW_TASK_SPAWN_THREAD,
     .name = "task_spawn_thread",
     .kinds = K(TASK),
     .right = R(INVOKE),
     .flags = TW_OPF_SELF,
     .arg = A(ENTRY, INT, INT, NONE),
     .errors = E(INVAL) | E(NOMEM) | E(LIMIT),
     .result = "the new thread's id",
     .doc = "start a thread at entry point a0 (registered with the kernel) with argument a1, "
            "priority a2 (0..31)"},
    {.op = TW_TASK_COMPUTE,
     .name = "task_compute",
     .kinds = K(TASK),
     .right = R(INVOKE),
     .flags = TW_OPF_SELF | TW_OPF_SLEEPS,
     .arg = ONE_INT,
     .result = "0",
     .doc = "simulated work: bill a0 ns to the clock in slices, preemptible between them"},
    {.op = TW_TASK_SLEEP,
     .name = "task_sleep",
     .kinds = K(TASK),
     .right = R(INVOKE),
     .flags = TW_OPF_SELF | TW_OPF_SLEEPS,
     .arg = ONE_INT,
     .errors = E(INVAL) | E(LIMIT),
     .result = "0",
     .doc = "sleep a0 ns (0: return at once)"},
    {.op = TW_TASK_NOW,
     .name = "task_now",
     .kinds = K(TASK),
     .right = R(INVOKE),
     .flags = TW_OPF_SELF,
     .arg = NO_ARGS,
     .result = "the time in ns",
     .doc = "the current (virtual, or real in real-time mode) time"},
    {.op = TW_TASK_YIELD,
     .name = "task_yield",
     .kinds = K(TASK),
     .right = R(INVOKE),
     .flags = TW_OPF_SELF,
     .arg = NO_ARGS,
     .result = "0",
     .doc = "give the processor to the next ready thread"},
    {.op = TW_TASK_THREAD_EXIT,
     .name = "task_thread_exit",
     .kinds = K(TASK),
     .right = R(INVOKE),
     .flags = TW_OPF_SELF | TW_OPF_NORETURN,
     .arg = NO_ARGS,
     .result = "does not return",
     .doc = "end the calling thread"},
    {.op = TW_TASK_EXPECT_FAIL,
     .name = "task_expect_fail",
     .kinds = K(TASK),
     .right = R(INVOKE),
     .flags = TW_OPF_SELF,
     .arg = ONE_INT,
     .result = "0",
     .doc = "record a failed in-script expectation at step a0 (traced)"},
    {.op = TW_TASK_DUPLICATE,
     .name = "task_duplicate",
     .kinds = K(TASK),
     .right = R(INVOKE),
     .flags = TW_OPF_SELF,
     .arg_right = R(DUPLICATE),
     .arg = A(HANDLE, INT, NONE, NONE),
     .errors = E(BADH) | E(ACCESS) | E(INVAL) | E(LIMIT) | E(NOMEM),
     .result = "the new handle",
     .doc = "duplicate handle a0 with rights a1 (a subset of its own)"},
    {.op = TW_TASK_ID,
     .name = "task_id",
     .kinds = K(TASK),
     .right = R(INVOKE),
     .flags = TW_OPF_SELF,
     .arg = NO_ARGS,
     .result = "the task's id",
     .doc = "the calling task's id"},
    {.op = TW_TASK_THREAD_ID,
     .name = "task_thread_id",
     .kinds = K(TASK),
     .right = R(INVOKE),
     .flags = TW_OPF_SELF,
     .arg = NO_ARGS,
     .result = "the thread's id",
     .doc = "the calling thread's id"},
    {.op = TW_TASK_PRNG,
     .name = "task_prng",
     .kinds = K(TASK),
     .right = R(INVOKE),
     .flags = TW_OPF_SELF,
     .arg = NO_ARGS,
     .result = "31 random bits",
     .doc = "the next value of the kernel's seeded PRNG"},
    {.op = TW_TASK_SPAWN,
     .name = "task_spawn",
     .kinds = K(TASK),
     .right = R(INVOKE),
     .arg_right = R(TRANSFER),
     .flags = TW_OPF_SELF,
     .arg = A(IN, LEN, IN_HANDLES, LEN),
     .max = {TW_SPAWN_CMD_MAX, TW_SPAWN_MAX_HANDLES},
     .errors = E(INVAL) | E(NOENT) | E(BADH) | E(ACCESS) | E(NOMEM) | E(LIMIT),
     .result = "a handle to the child task",
     .doc = "start the program named by the first word of command line a0 in a new task, a "
            "child of this one, moving the a3 handles at a2 into it (its 1..a3, in order)"},
    /* ---- a task handle: the self handle, or a spawned task's (docs/tasks.md) ---- */
    {.op = TW_TASK_KILL,
     .name = "task_kill",
     .kinds = K(TASK),
     .right = R(INVOKE),
     .flags = TW_OPF_OTHER,
     .arg = ONE_INT,
     .errors = E(INVAL),
     .result = "0 (an ended task: 0, no change)",
     .doc = "end the task as killed with status a0 (an int32; the kill fault's is -1000); "
            "wait for exited to see it end"},
    {.op = TW_TASK_STATUS,
     .name = "task_status",
     .kinds = K(TASK),
     .right = R(INVOKE),
     .flags = TW_OPF_OUT_WHOLE,
     .arg = A(OUT, LEN, NONE, NONE),
     .max = {sizeof(struct tw_task_status)},
     .result = "0",
     .doc = "fill a0 with the task's struct tw_task_status (state, how it ended, code, end "
            "time, id, parent, children); a1 must be at least 40: too_big"},
    {.op = TW_TASK_CHILDREN,
     .name = "task_children",
     .kinds = K(TASK),
     .right = R(INVOKE),
     .arg = A(OUT, LEN, NONE, NONE),
     .max = {TW_TASK_CHILDREN_MAX * 4},
     .result = "how many living children it has",
     .doc = "fill a0 (a1 bytes) with the task ids of its living children, 4 bytes each, in "
            "the order they came (spawned or adopted)"},
    {.op = TW_TASK_CHILD,
     .name = "task_child",
     .kinds = K(TASK),
     .right = R(INVOKE),
     .arg = ONE_INT,
     .errors = E(NOENT) | E(NOMEM) | E(LIMIT),
     .result = "a handle to the child",
     .doc = "a new handle (wait, invoke, read, duplicate, transfer) to the task's living child "
            "whose id is a0"},
    /* ---- channels and ports ---- */
    {.op = TW_CHAN_TAKE_PEER,
     .name = "chan_take_peer",
     .kinds = K(CHAN) | K(PIPE),
     .right = R(INVOKE),
     .arg = NO_ARGS,
     .errors = E(NOENT) | E(LIMIT) | E(NOMEM),
     .result = "a handle to the other end",
     .doc = "on a fresh pair (chan://?pair, pipe://): take the other end"},
    {.op = TW_CHAN_WRITE_HANDLES,
     .name = "chan_write_handles",
     .kinds = K(CHAN) | K(PORT),
     .right = R(INVOKE) | R(WRITE),
     .arg_right = R(TRANSFER),
     .block = TW_SIG_WRITABLE | TW_SIG_PEER_CLOSED,
     .arg = A(IN, LEN, IN_HANDLES, LEN),
     .max = {TW_MSG_MAX_BYTES, TW_MSG_MAX_HANDLES},
     .errors = E(INVAL) | E(BADH) | E(ACCESS) | E(PEER) | E(WOULDBLOCK) | E(BUSY) | E(CANCELED) |
               E(NOMEM) | E(STALE),
     .result = "bytes sent",
     .doc =
         "send a message of a1 bytes carrying a3 handles (moved out of the caller's table); an end "
         "or port may not go to an end in flight: invalid_argument"},
    {.op = TW_CHAN_READ_HANDLES,
     .name = "chan_read_handles",
     .kinds = K(CHAN) | K(PORT),
     .right = R(INVOKE) | R(READ),
     .block = TW_SIG_READABLE | TW_SIG_PEER_CLOSED,
     .arg = A(OUT_RESULT, LEN, OUT_HANDLES, LEN),
     .max = {TW_MSG_MAX_BYTES, TW_MSG_MAX_HANDLES},
     .errors = E(TOOBIG) | E(PEER) | E(WOULDBLOCK) | E(CANCELED) | E(LIMIT) | E(NOMEM) | E(BUSY) |
               E(STALE) | E(RESTARTED),
     .result = "bytes received",
     .doc =
         "receive a message and its handles, installed in the caller's table; unused entries are "
         "TW_HANDLE_NONE; a message longer than a1 or with more than a3 handles stays: too_big"},
    {.op = TW_CHAN_PENDING,
     .name = "chan_pending",
     .kinds = K(CHAN) | K(PORT) | K(PIPE) | K(USER),
     .right = R(INVOKE),
     .arg = NO_ARGS,
     .result = "a count",
     .doc = "messages queued for reading (a pipe: bytes)"},
    {.op = TW_PORT_SERVE_SCHEME,
     .name = "port_serve_scheme",
     .kinds = K(PORT),
     .right = R(INVOKE),
     .arg = ONE_IN,
     .max = {URL_MAX_SCHEME},
     .errors = E(INVAL) | E(BUSY) | E(LIMIT),
     .result = "0",
     .doc = "serve the scheme named a0 from this port (docs/user-providers.md)"},
    {.op = TW_PORT_SET_REPEATABLE,
     .name = "port_set_repeatable",
     .kinds = K(PORT),
     .right = R(INVOKE),
     .arg = ONE_INT,
     .result = "0",
     .doc = "requests whose op k (their first 32 bits) has bit k of a0 set (k 0..63) are safe to "
            "repeat: a dying server's go to its next incarnation (docs/supervision.md)"},
    {.op = TW_PORT_GENERATION,
     .name = "port_generation",
     .kinds = K(PORT) | K(CHAN),
     .right = R(INVOKE),
     .arg = NO_ARGS,
     .result = "the generation",
     .doc = "the port's incarnation (0..2^32-1, wraps); on a client end the one it connected in, "
            "also when stale; a pair end: not_supported"},
    {.op = TW_PORT_SENDER,
     .name = "port_sender",
     .kinds = K(PORT),
     .right = R(INVOKE),
     .arg = NO_ARGS,
     .errors = E(INVAL),
     .result = "a task id",
     .doc = "the id of the task whose thread wrote the request this thread has in service from "
            "the port (0: kernel code with no task); none in service: invalid_argument"},
    /* ---- timers ---- */
    {.op = TW_TIMER_SET_INTERVAL_MS,
     .name = "timer_set_interval_ms",
     .kinds = K(TIMER) | K(USER),
     .right = R(INVOKE),
     .arg = ONE_INT,
     .errors = E(INVAL) | E(LIMIT),
     .result = "0",
     .doc = "re-arm with a period of a0 ms from now"},
    {.op = TW_TIMER_SET_INTERVAL_NS,
     .name = "timer_set_interval_ns",
     .kinds = K(TIMER) | K(USER),
     .right = R(INVOKE),
     .arg = ONE_INT,
     .errors = E(INVAL) | E(LIMIT),
     .result = "0",
     .doc = "re-arm with a period of a0 ns from now (at least 10 us)"},
    {.op = TW_TIMER_FIRED,
     .name = "timer_fired",
     .kinds = K(TIMER) | K(USER),
     .right = R(INVOKE),
     .arg = NO_ARGS,
     .result = "a count",
     .doc = "times the timer fired so far"},
    {.op = TW_TIMER_CANCEL,
     .name = "timer_cancel",
     .kinds = K(TIMER) | K(USER),
     .right = R(INVOKE),
     .arg = NO_ARGS,
     .result = "0",
     .doc = "disarm: a blocked reader gets peer_closed"},
    /* ---- system://memory/free_mem ---- */
    {.op = TW_SYS_MEM_FREED,
     .name = "sys_mem_freed",
     .kinds = K(MEMWATCH) | K(USER),
     .right = R(INVOKE),
     .arg = NO_ARGS,
     .result = "0",
     .doc =
         "'I freed what I could': the signal clears until free pages rise above the threshold and "
         "fall again"},
    {.op = TW_SYS_MEM_FREE_PAGES,
     .name = "sys_mem_free_pages",
     .kinds = K(MEMWATCH) | K(USER),
     .right = R(INVOKE),
     .arg = NO_ARGS,
     .result = "a count",
     .doc = "free pages now"},
    /* ---- storage ---- */
    {.op = TW_BLK_SIZE,
     .name = "blk_size",
     .kinds = STORAGE,
     .right = R(INVOKE),
     .flags = TW_OPF_TYPED,
     .arg = NO_ARGS,
     .result = "bytes",
     .doc = "the device's size (a file: the file's)"},
    {.op = TW_BLK_FLUSH,
     .name = "blk_flush",
     .kinds = STORAGE,
     .right = R(INVOKE),
     .flags = TW_OPF_TYPED,
     .arg = NO_ARGS,
     .errors = E(IO),
     .result = "0",
     .doc = "write back what is buffered, all the way down"},
    {.op = TW_CACHE_HITS,
     .name = "cache_hits",
     .kinds = K(CACHE) | K(USER),
     .right = R(INVOKE),
     .arg = NO_ARGS,
     .result = "a count",
     .doc = "block lookups served from memory"},
    {.op = TW_CACHE_MISSES,
     .name = "cache_misses",
     .kinds = K(CACHE) | K(USER),
     .right = R(INVOKE),
     .arg = NO_ARGS,
     .result = "a count",
     .doc = "block lookups that read the sub-resource"},
    {.op = TW_CACHE_BLOCKS,
     .name = "cache_blocks",
     .kinds = K(CACHE) | K(USER),
     .right = R(INVOKE),
     .arg = NO_ARGS,
     .result = "a count",
     .doc = "blocks held now"},
    {.op = TW_CACHE_DIRTY,
     .name = "cache_dirty",
     .kinds = K(CACHE) | K(USER),
     .right = R(INVOKE),
     .arg = NO_ARGS,
     .result = "a count",
     .doc = "dirty blocks now"},
    {.op = TW_CACHE_SHRINK,
     .name = "cache_shrink",
     .kinds = K(CACHE) | K(USER),
     .right = R(INVOKE),
     .arg = ONE_INT,
     .result = "blocks released",
     .doc = "release up to a0 blocks (dirty ones are written back first)"},
    {.op = TW_CACHE_RESET_STATS,
     .name = "cache_reset_stats",
     .kinds = K(CACHE) | K(USER),
     .right = R(INVOKE),
     .arg = NO_ARGS,
     .result = "0",
     .doc = "zero the hit and miss counters"},
    {.op = TW_FILE_TRUNCATE,
     .name = "file_truncate",
     .kinds = K(FILE) | K(USER),
     .right = R(INVOKE) | R(WRITE),
     .flags = TW_OPF_TYPED,
     .arg = ONE_INT,
     .errors = FS_ERRORS,
     .result = "0",
     .doc = "set the file's size to a0: frees clusters past it, or extends with zeros"},
    {.op = TW_FILE_STAT,
     .name = "file_stat",
     .kinds = K(FILE) | K(DIR) | K(USER),
     .right = R(INVOKE),
     .flags = TW_OPF_TYPED | TW_OPF_OUT_WHOLE,
     .arg = A(OUT, LEN, NONE, NONE),
     .max = {TW_DIRENT_SIZE},
     .errors = E(IO),
     .result = "0",
     .doc =
         "fill a0 with the handle's struct tw_dirent (no name); a1 must be at least 1024: too_big"},
    {.op = TW_FS_MKDIR,
     .name = "fs_mkdir",
     .kinds = K(DIR) | K(USER),
     .right = R(INVOKE) | R(WRITE),
     .arg = ONE_IN,
     .max = {FS_PATH_MAX},
     .errors = FS_ERRORS,
     .result = "0",
     .doc = "make the directory at path a0, relative to this directory"},
    {.op = TW_FS_UNLINK,
     .name = "fs_unlink",
     .kinds = K(DIR) | K(USER),
     .right = R(INVOKE) | R(WRITE),
     .arg = ONE_IN,
     .max = {FS_PATH_MAX},
     .errors = FS_ERRORS,
     .result = "0",
     .doc = "remove the file or empty directory at path a0, relative to this one"},
    {.op = TW_FS_RENAME,
     .name = "fs_rename",
     .kinds = K(DIR) | K(USER),
     .right = R(INVOKE) | R(WRITE),
     .arg = A(IN, LEN, IN, LEN),
     .max = {FS_PATH_MAX, FS_PATH_MAX},
     .errors = FS_ERRORS,
     .result = "0",
     .doc = "move path a0 to path a2 (both relative to this directory; an open file's handles "
            "follow it)"},
    /* ---- the VFS root, file:/// (user/servers/file_server.c) ---- */
    {.op = TW_VFS_MOUNT,
     .name = "vfs_mount",
     .kinds = K(USER),
     .right = R(INVOKE) | R(WRITE),
     .arg = ONE_IN,
     .max = {TW_PROV_REQ_DATA},
     .errors = E(INVAL) | E(BUSY) | E(LIMIT),
     .result = "0",
     .doc = "mount: a0 = \"/POINT URL\" (or \"/POINT=URL\")"},
    {.op = TW_VFS_UNMOUNT,
     .name = "vfs_unmount",
     .kinds = K(USER),
     .right = R(INVOKE) | R(WRITE),
     .arg = ONE_IN,
     .max = {TW_PROV_REQ_DATA},
     .errors = E(INVAL) | E(NOENT),
     .result = "0",
     .doc = "unmount the mount point a0"},
};

const uint32_t tw_invoke_op_count = sizeof(tw_invoke_ops) / sizeof(tw_invoke_ops[0]);

/* What a resource's provider may answer to open, read or write besides the listed codes;
 * stale and restarted come from a provider's restart (docs/supervision.md), on channel ends
 * too. */
#define PROVIDER_ERRORS                                                                            \
    (E(IO) | E(PEER) | E(TIMEDOUT) | E(BUSY) | E(LIMIT) | E(NOMEM) | E(STALE) | E(RESTARTED))
/* What a read or a write may give. */
#define IO_ERRORS                                                                                  \
    (PROVIDER_ERRORS | E(BADH) | E(ACCESS) | E(NOTSUP) | E(TOOBIG) | E(FAULT) | E(WOULDBLOCK) |    \
     E(CANCELED) | E(INVAL))
#define ALL_KINDS ((1u << TW_KIND_COUNT) - 1)
#define S(a, b, c, d, e, f)                                                                        \
    {                                                                                              \
        TW_ARG_##a, TW_ARG_##b, TW_ARG_##c, TW_ARG_##d, TW_ARG_##e, TW_ARG_##f                     \
    }

const struct tw_op tw_syscalls[TW_SYS_COUNT] = {
    {.op = TW_SYS_OPEN,
     .name = "open",
     .kinds = ALL_KINDS,
     .flags = TW_OPF_SYSCALL | TW_OPF_PROVIDER,
     .arg = S(IN, LEN, INT, NONE, NONE, NONE),
     .max = {URL_MAX_LEN},
     .errors = PROVIDER_ERRORS | E(INVAL) | E(TOOBIG) | E(FAULT) | E(NOENT) | E(SYNTAX) |
               E(NOTSUP) | E(CANCELED) | E(ACCESS) | E(VERSION),
     .result = "a handle",
     .doc = "open the resource named by URL a0 with flags a2 (TW_O_*)"},
    {.op = TW_SYS_CLOSE,
     .name = "close",
     .kinds = ALL_KINDS,
     .flags = TW_OPF_SYSCALL,
     .arg = S(HANDLE, NONE, NONE, NONE, NONE, NONE),
     .errors = E(BADH) | E(INVAL),
     .result = "0",
     .doc = "close handle a0 (not 0); threads waiting through it wake with canceled"},
    {.op = TW_SYS_READ,
     .name = "read",
     .kinds = ALL_KINDS,
     .right = R(READ),
     .block = TW_SIG_READABLE | TW_SIG_PEER_CLOSED,
     .flags = TW_OPF_SYSCALL | TW_OPF_PROVIDER,
     .arg = S(HANDLE, OUT_RESULT, LEN, NONE, NONE, NONE),
     .max = {SYS_IO_MAX},
     .errors = IO_ERRORS,
     .result = "bytes read (0: end)",
     .doc = "read up to a2 bytes (at most 4096 a call: short reads)"},
    {.op = TW_SYS_WRITE,
     .name = "write",
     .kinds = ALL_KINDS,
     .right = R(WRITE),
     .block = TW_SIG_WRITABLE | TW_SIG_PEER_CLOSED,
     .flags = TW_OPF_SYSCALL | TW_OPF_PROVIDER,
     .arg = S(HANDLE, IN, LEN, NONE, NONE, NONE),
     .max = {SYS_IO_MAX},
     .errors = IO_ERRORS,
     .result = "bytes written",
     .doc = "write up to a2 bytes (at most 4096 a call: short writes)"},
    {.op = TW_SYS_INVOKE,
     .name = "invoke",
     .kinds = ALL_KINDS,
     .flags = TW_OPF_SYSCALL,
     .arg = S(HANDLE, INT, INT, INT, INT, INT),
     .result = "op-specific",
     .doc = "operation a1 on handle a0 with a2..a5 (the invoke table)"},
    {.op = TW_SYS_POLL,
     .name = "poll",
     .kinds = ALL_KINDS,
     .right = R(WAIT),
     .flags = TW_OPF_SYSCALL | TW_OPF_SLEEPS,
     .arg = S(INOUT, LEN, INT, NONE, NONE, NONE),
     .max = {K_POLL_MAX},
     .errors = E(INVAL) | E(TOOBIG) | E(FAULT) | E(BADH) | E(ACCESS) | E(TIMEDOUT) | E(CANCELED) |
               E(LIMIT),
     .result = "items ready",
     .doc = "wait until one of a1 struct tw_poll_item (a0, filled back) is ready, or deadline a2"},
    {.op = TW_SYS_WAIT,
     .name = "wait",
     .kinds = ALL_KINDS,
     .right = R(WAIT),
     .flags = TW_OPF_SYSCALL | TW_OPF_SLEEPS,
     .arg = S(HANDLE, INT, INT, NONE, NONE, NONE),
     .errors = E(BADH) | E(ACCESS) | E(INVAL) | E(TIMEDOUT) | E(CANCELED) | E(LIMIT),
     .result = "signals observed",
     .doc = "wait for signals a1 on a0 until deadline a2; consumes edge-triggered ones (timer "
            "firings)"},
    {.op = TW_SYS_SEEK,
     .name = "seek",
     .kinds = ALL_KINDS,
     .right = R(SEEK),
     .flags = TW_OPF_SYSCALL | TW_OPF_PROVIDER,
     .arg = S(HANDLE, INT, INT, NONE, NONE, NONE),
     .errors = PROVIDER_ERRORS | E(BADH) | E(ACCESS) | E(INVAL) | E(NOTSUP),
     .result = "the new position",
     .doc = "move to offset a1 from whence a2 (TW_SEEK_*)"},
    {.op = TW_SYS_TELL,
     .name = "tell",
     .kinds = ALL_KINDS,
     .right = R(SEEK),
     .flags = TW_OPF_SYSCALL | TW_OPF_PROVIDER,
     .arg = S(HANDLE, NONE, NONE, NONE, NONE, NONE),
     .errors = PROVIDER_ERRORS | E(BADH) | E(ACCESS) | E(NOTSUP),
     .result = "the position",
     .doc = "the current position"},
};

const struct tw_op *tw_op_find(uint32_t op)
{
    uint32_t lo = 0, hi = tw_invoke_op_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (tw_invoke_ops[mid].op == op)
            return &tw_invoke_ops[mid];
        if (tw_invoke_ops[mid].op < op)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

const struct tw_op *tw_sys_find(uint64_t nr)
{
    return nr < TW_SYS_COUNT ? &tw_syscalls[nr] : 0;
}

const struct tw_op *tw_op_by_name(const char *name, uint32_t len)
{
    for (uint32_t i = 0; i < tw_invoke_op_count; i++) {
        const char *n = tw_invoke_ops[i].name;
        uint32_t j = 0;
        while (j < len && n[j] != '\0' && n[j] == name[j])
            j++;
        if (j == len && n[j] == '\0')
            return &tw_invoke_ops[i];
    }
    return 0;
}

const char *tw_kind_name(uint32_t kind_bit)
{
    static const char *const names[TW_KIND_COUNT] = {
        "task",     "chan", "port",  "timer", "console", "zero", "null",   "pipe",
        "memwatch", "blk",  "cache", "file",  "dir",     "user", "thread",
    };
    for (uint32_t i = 0; i < TW_KIND_COUNT; i++)
        if (kind_bit == 1u << i)
            return names[i];
    return "?";
}

const char *tw_arg_kind_name(uint8_t kind)
{
    static const char *const names[TW_ARG_KIND_COUNT] = {
        "-",          "int",        "handle",      "entry", "in",    "out",
        "out-result", "in-handles", "out-handles", "len",   "inout",
    };
    return kind < TW_ARG_KIND_COUNT ? names[kind] : "?";
}
