/* SPDX-License-Identifier: MIT */
/*
 * core/abi.h - the user/kernel contract: system-call numbers, the one error enum,
 * signals, rights, open flags, invoke operations and the poll item layout.
 *
 * Shared by core/ (which implements it) and user/ (which calls it). Every value here is
 * part of the ABI of both backends; change one and both worlds change together.
 */
#ifndef TWAIN_CORE_ABI_H
#define TWAIN_CORE_ABI_H

#include <stdint.h>

/* The nine system calls (docs/operations.md). Numbers index the dispatch table. */
enum tw_sysno {
    TW_SYS_OPEN = 0,   /* open(url, url_len, flags) -> handle */
    TW_SYS_CLOSE = 1,  /* close(h) */
    TW_SYS_READ = 2,   /* read(h, buf, len) -> bytes */
    TW_SYS_WRITE = 3,  /* write(h, buf, len) -> bytes */
    TW_SYS_INVOKE = 4, /* invoke(h, op, a0, a1, a2, a3) -> op-specific */
    TW_SYS_POLL = 5,   /* poll(items, n, deadline_ns) -> number ready */
    TW_SYS_WAIT = 6,   /* wait(h, signals, deadline_ns) -> observed signals */
    TW_SYS_SEEK = 7,   /* seek(h, off, whence) -> new position */
    TW_SYS_TELL = 8,   /* tell(h) -> position */
    TW_SYS_COUNT = 9,
};

/* One error enum: every call returns >= 0 or one of these. */
enum tw_err {
    TW_OK = 0,
    TW_E_INVAL = -1,      /* invalid argument */
    TW_E_BADH = -2,       /* bad handle */
    TW_E_ACCESS = -3,     /* handle lacks the right */
    TW_E_NOENT = -4,      /* no such entry (scheme, name, path) */
    TW_E_NOMEM = -5,      /* out of memory or object slots */
    TW_E_WOULDBLOCK = -6, /* non-blocking call could not proceed */
    TW_E_TIMEDOUT = -7,   /* deadline passed */
    TW_E_PEER = -8,       /* peer closed */
    TW_E_FAULT = -9,      /* bad user pointer */
    TW_E_NOTSUP = -10,    /* operation not supported by this resource */
    TW_E_TOOBIG = -11,    /* message or argument too large */
    TW_E_BUSY = -12,      /* resource busy (name taken, already waited on) */
    TW_E_IO = -13,        /* input/output error */
    TW_E_CANCELED = -14,  /* handle closed or thread killed while waiting */
    TW_E_LIMIT = -15,     /* a fixed limit was reached */
    TW_E_SYNTAX = -16,    /* malformed URL */
    TW_E_STALE = -17,     /* the server incarnation this handle reached is gone: open again */
    TW_E_RESTARTED = -18, /* the server restarted before answering: maybe done, maybe not */
    TW_E_VERSION = -19,   /* the service speaks another version of the protocol (schema hash) */
    TW_ERR_MIN = -19,
};

/* Services' messages (docs/services.md): an 8-byte header (uint16 method, uint8 kind,
 * uint8 flags = 0, int32 status), then the payload the protocol's schema defines. */
#define TW_SVC_HDR_BYTES 8
#define TW_SVC_REQUEST   0
#define TW_SVC_REPLY     1
#define TW_SVC_EVENT     2
#define TW_SVC_EV_OWNER  1 /* an event's status: the service's owner changed */

/* Signals asserted on objects; wait() and poll() block on a mask of these. */
#define TW_SIG_READABLE    (1u << 0)
#define TW_SIG_WRITABLE    (1u << 1)
#define TW_SIG_PEER_CLOSED (1u << 2)
#define TW_SIG_SIGNALED    (1u << 3) /* timers fired, events, memory pressure */
#define TW_SIG_EXITED      (1u << 4) /* task or thread ended */
#define TW_SIG_ALL         0x1fu

/* Rights held by a handle. */
#define TW_RIGHT_READ      (1u << 0)
#define TW_RIGHT_WRITE     (1u << 1)
#define TW_RIGHT_INVOKE    (1u << 2)
#define TW_RIGHT_WAIT      (1u << 3)
#define TW_RIGHT_SEEK      (1u << 4)
#define TW_RIGHT_TRANSFER  (1u << 5)
#define TW_RIGHT_DUPLICATE (1u << 6)
#define TW_RIGHTS_ALL      0x7fu
/* TW_TASK_DUPLICATE's mask alone: the duplicate gets exactly the rights held
 * (ZX_RIGHT_SAME_RIGHTS). */
#define TW_RIGHTS_SAME (1u << 31)

/* open() flags. */
#define TW_O_NONBLOCK     (1u << 0) /* read/write return TW_E_WOULDBLOCK instead of blocking */
#define TW_O_THREAD_LOCAL (1u << 1) /* a negative handle, closed when the opening thread exits */
#define TW_O_CREATE       (1u << 2) /* providers that create (files) */
#define TW_O_TRUNC        (1u << 3)
#define TW_O_FLAGS_ALL    0xfu

/* Deadlines: absolute virtual (or real) ns. */
#define TW_DEADLINE_NEVER UINT64_MAX
#define TW_DEADLINE_NOW   0u

/* seek() whence. */
#define TW_SEEK_SET 0
#define TW_SEEK_CUR 1
#define TW_SEEK_END 2

/*
 * Thread-local handles are negative, below every error code so that a call's
 * result is never ambiguous: TW_HANDLE_TLS_FIRST, TW_HANDLE_TLS_FIRST - 1, ... (16 of
 * them). A result r is an error exactly when TW_IS_ERROR(r).
 */
#define TW_HANDLE_TLS_FIRST (-1024)
#define TW_IS_ERROR(r)      ((r) < 0 && (r) >= TW_ERR_MIN)

/* Handle 0 in every task names the task itself (its "self" handle). */
#define TW_HANDLE_SELF 0
/* Written by TW_CHAN_READ_HANDLES into the entries a message did not fill. Never valid. */
#define TW_HANDLE_NONE INT32_MAX

/*
 * invoke() operations: the numbers. What each takes, on which kinds of object, with which
 * right, and what it returns is in the operation table (core/optable.c,
 * docs/operations.md); an op the table does not give an object's kind is TW_E_NOTSUP.
 */
enum tw_invoke_op {
    /* on TW_HANDLE_SELF */
    TW_TASK_EXIT = 0x100,
    TW_TASK_SPAWN_THREAD = 0x101,
    TW_TASK_COMPUTE = 0x102,
    TW_TASK_SLEEP = 0x103,
    TW_TASK_NOW = 0x104,
    TW_TASK_YIELD = 0x105,
    TW_TASK_THREAD_EXIT = 0x106,
    TW_TASK_EXPECT_FAIL = 0x107,
    TW_TASK_DUPLICATE = 0x108,
    TW_TASK_ID = 0x109,
    TW_TASK_THREAD_ID = 0x10a,
    TW_TASK_PRNG = 0x10b,
    TW_TASK_SPAWN = 0x10c, /* a new task running a program (docs/tasks.md) */
    /* on a task handle: the self handle, or a handle to another task (TW_TASK_SPAWN's) */
    TW_TASK_KILL = 0x110,
    TW_TASK_STATUS = 0x111,
    TW_TASK_CHILDREN = 0x112,
    TW_TASK_CHILD = 0x113,
    /* on channel endpoints */
    TW_CHAN_TAKE_PEER = 0x200,
    TW_CHAN_WRITE_HANDLES = 0x201,
    TW_CHAN_READ_HANDLES = 0x202,
    TW_CHAN_PENDING = 0x203,
    TW_PORT_SERVE_SCHEME = 0x210,
    TW_PORT_SET_REPEATABLE = 0x211, /* docs/supervision.md */
    TW_PORT_GENERATION = 0x212,
    TW_PORT_SENDER = 0x213, /* who wrote the request in service: a task id (docs/services.md) */
    /* on file:/// (the file server's VFS root) */
    TW_VFS_MOUNT = 0x600,
    TW_VFS_UNMOUNT = 0x601,
    /* on timers */
    TW_TIMER_SET_INTERVAL_MS = 0x300,
    TW_TIMER_SET_INTERVAL_NS = 0x301,
    TW_TIMER_FIRED = 0x302,
    TW_TIMER_CANCEL = 0x303,
    /* on system://memory/free_mem */
    TW_SYS_MEM_FREED = 0x380,
    TW_SYS_MEM_FREE_PAGES = 0x381,
    /* on storage (providers/blk.c, cache.c, fat*.c; docs/storage.md) */
    TW_BLK_SIZE = 0x400,
    TW_BLK_FLUSH = 0x401,
    TW_CACHE_HITS = 0x480,
    TW_CACHE_MISSES = 0x481,
    TW_CACHE_BLOCKS = 0x482,
    TW_CACHE_DIRTY = 0x483,
    TW_CACHE_SHRINK = 0x484,
    TW_CACHE_RESET_STATS = 0x485,
    TW_FILE_TRUNCATE = 0x500,
    TW_FILE_STAT = 0x501,
    TW_FS_MKDIR = 0x510,
    TW_FS_UNLINK = 0x511,
    TW_FS_RENAME = 0x512,
};

/* Channel messages: fixed-size slots. */
#define TW_MSG_MAX_BYTES   256
#define TW_MSG_MAX_HANDLES 4

/*
 * User-space providers (core/uprov.c, docs/user-providers.md). A task serving a scheme
 * opens a port, registers it with invoke(port, TW_PORT_SERVE_SCHEME, name, len), then reads
 * struct tw_prov_req messages from the port and answers each with a struct tw_prov_reply
 * written back on the port (the reply goes to whoever sent the request: the kernel).
 */
enum tw_prov_op {
    TW_PROV_OPEN = 1,   /* data: the whole URL; flags: open flags -> result: resource id */
    TW_PROV_READ = 2,   /* arg[0]: max bytes (<= TW_PROV_READ_MAX) -> result: bytes, in the
                           reply's data and, past TW_PROV_REPLY_DATA, in continuations */
    TW_PROV_WRITE = 3,  /* data: the bytes -> result: bytes written */
    TW_PROV_SEEK = 4,   /* arg[0]: offset, arg[1]: whence -> result: position */
    TW_PROV_TELL = 5,   /* -> result: position */
    TW_PROV_INVOKE = 6, /* arg[0]: op; arg[1..3]: its integers and buffer lengths in order;
                           data: its input buffers; an output buffer returns as for READ
                           (core/optable.h, docs/user-providers.md) */
    TW_PROV_CLOSE = 7,  /* the last handle is gone (no reply is awaited) */
};

#define TW_PROV_REQ_HDR    64
#define TW_PROV_REQ_DATA   (TW_MSG_MAX_BYTES - TW_PROV_REQ_HDR)
#define TW_PROV_REPLY_HDR  16
#define TW_PROV_REPLY_DATA (TW_MSG_MAX_BYTES - TW_PROV_REPLY_HDR)
/*
 * Most bytes one READ may answer (a directory record fits). A reply of n > 240 bytes is
 * followed at once by ceil(n / 240) - 1 continuation replies with the same seq, each with
 * result = the offset of its bytes in the answer and the next (at most) 240 bytes in data.
 */
#define TW_PROV_READ_MAX 1024

struct tw_prov_req {
    uint32_t op;    /* enum tw_prov_op */
    uint32_t flags; /* open flags */
    uint64_t seq;   /* echoed in the reply */
    uint64_t rid;   /* the resource, as the provider's OPEN reply named it */
    int64_t arg[4];
    uint32_t len; /* bytes of data */
    uint32_t reserved;
    uint8_t data[TW_PROV_REQ_DATA];
};

struct tw_prov_reply {
    uint64_t seq;                     /* the request's */
    int64_t result;                   /* >= 0, or a TW_E_* code passed back to the caller */
    uint8_t data[TW_PROV_REPLY_DATA]; /* READ: the bytes (result of them) */
};

_Static_assert(sizeof(struct tw_prov_req) == TW_MSG_MAX_BYTES, "a request fills one message");
_Static_assert(sizeof(struct tw_prov_reply) == TW_MSG_MAX_BYTES, "a reply fills one message");

/*
 * The directory record (fat:// and file:// over it; docs/storage.md): read() on a directory
 * handle returns whole records of this layout, one per entry ("." and ".." are not listed),
 * as many as fit the buffer; a buffer smaller than one record is TW_E_TOOBIG; 0 bytes at the
 * end. invoke(TW_FILE_STAT) fills one for the handle itself (without a name). Little-endian,
 * no padding.
 */
#define TW_DIRENT_SIZE     1024
#define TW_DIRENT_NAME_MAX 984 /* bytes of name, NUL included: 255 UTF-16 units as UTF-8 */

#define TW_DIRENT_FILE 0
#define TW_DIRENT_DIR  1

struct tw_dirent {
    uint64_t size;                 /* bytes (0 for a directory) */
    uint32_t attr;                 /* FAT attributes: 0x01 read-only, 0x02 hidden, 0x04 system,
                                      0x10 directory, 0x20 archive */
    uint32_t cluster;              /* first cluster (0: none) */
    uint32_t mtime;                /* last write, FAT form: date << 16 | time */
    uint16_t name_len;             /* bytes of name before its NUL */
    uint8_t kind;                  /* TW_DIRENT_FILE or TW_DIRENT_DIR */
    uint8_t reserved;              /* 0 */
    char short_name[16];           /* the 8.3 name, "NAME.EXT", NUL-padded */
    char name[TW_DIRENT_NAME_MAX]; /* the long name (else the short one) as UTF-8, NUL-padded */
};

_Static_assert(sizeof(struct tw_dirent) == TW_DIRENT_SIZE, "directory records are 1 KiB");
_Static_assert(TW_PROV_READ_MAX >= TW_DIRENT_SIZE, "a user provider can answer one record");

/* One item of poll(): the caller fills handle and signals, the kernel fills observed. */
struct tw_poll_item {
    int32_t handle;
    uint32_t signals;  /* wanted */
    uint32_t observed; /* asserted at return */
    uint32_t reserved;
};

/* Status a killed task reports, and a crashed one (outside the range of exit()). */
#define TW_EXIT_KILLED  (-1000)
#define TW_EXIT_CRASHED (-1001)

/*
 * Tasks from user space (docs/tasks.md). invoke(TW_HANDLE_SELF, TW_TASK_SPAWN, cmd, cmd_len,
 * handles, nhandles) starts the program named by the first word of cmd ("program args...",
 * 1..TW_SPAWN_CMD_MAX bytes) in a new task, a child of the caller's, and moves the nhandles
 * (at most TW_SPAWN_MAX_HANDLES) handles into it as its handles 1..nhandles, in order. It
 * returns a handle to the child with TW_TASK_RIGHTS.
 */
#define TW_SPAWN_CMD_MAX     256
#define TW_SPAWN_MAX_HANDLES 8
/* A spawned task's handle: wait (its end), invoke (kill, status, children), read (given,
 * needed by no operation yet), duplicate, transfer. */
#define TW_TASK_RIGHTS                                                                             \
    (TW_RIGHT_WAIT | TW_RIGHT_INVOKE | TW_RIGHT_READ | TW_RIGHT_DUPLICATE | TW_RIGHT_TRANSFER)
/* Most task ids one TW_TASK_CHILDREN call fills in (its buffer: 4 bytes an id). */
#define TW_TASK_CHILDREN_MAX 128

/*
 * What a spawned task's one thread starts with: its argument points at this block, at the
 * base of the task's heap (zeroed pages, heap_size bytes, the block included). The program
 * runs from a user entry point registered with the kernel for it (user/programs.c's
 * tw_program_entry runs tw_program_run on cmd).
 */
struct tw_spawn_start {
    uint64_t heap_size;         /* bytes of the heap, this block at its start */
    uint32_t cmd_len;           /* bytes of cmd */
    uint32_t nhandles;          /* handles moved in: they are 1..nhandles */
    char cmd[TW_SPAWN_CMD_MAX]; /* the command line, "program args..." (not NUL-terminated) */
};

/* TW_TASK_STATUS's output (40 bytes, little-endian, no padding). */
enum tw_task_state { TW_TASK_RUNNING = 0, TW_TASK_EXITED = 1 };
enum tw_task_end {
    TW_TASK_END_NONE = 0,    /* still running (or ending: its threads have not all ended) */
    TW_TASK_END_EXIT = 1,    /* TW_TASK_EXIT (or its main script/program returned): code */
    TW_TASK_END_KILLED = 2,  /* TW_TASK_KILL or a kill fault: code is the kill's status */
    TW_TASK_END_CRASHED = 3, /* a fault in user code: code is TW_EXIT_CRASHED */
};

struct tw_task_status {
    uint32_t id;       /* the task's id (TW_TASK_ID's) */
    uint32_t state;    /* enum tw_task_state */
    uint32_t end;      /* enum tw_task_end: how it ended, or is ending */
    int32_t code;      /* the exit status (0 while running) */
    uint64_t end_ns;   /* when its last thread ended (0 while running) */
    uint32_t parent;   /* its parent's id now (0: none; always 0 once it has ended) */
    uint32_t children; /* its living children */
    uint32_t adopted;  /* children it adopted so far (their parent ended) */
    uint32_t reserved; /* 0 */
};

_Static_assert(sizeof(struct tw_task_status) == 40, "the status is 40 bytes");
_Static_assert(sizeof(struct tw_spawn_start) == 16 + TW_SPAWN_CMD_MAX, "the start block");

#endif /* TWAIN_CORE_ABI_H */
