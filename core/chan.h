/* SPDX-License-Identifier: MIT */
/*
 * core/chan.h - channels (docs/architecture.md, "IPC and waiting"): message rings of
 * fixed-size slots, in two shapes.
 *
 * - Pairs: two endpoints; what one writes the other reads. Made by chan://?pair, the
 *   second end taken with TW_CHAN_TAKE_PEER and usually sent to another task.
 * - Ports: a named listening end (chan://NAME?listen) that many clients connect to
 *   (chan://NAME). The server reads requests from every client in arrival order; a write
 *   on the port answers the client whose message the thread read last (a reply
 *   capability, as in seL4's call/reply-recv). Replies never block: a full client queue
 *   is TW_E_BUSY.
 *
 * Signals: readable (a message waits), writable (the destination has a free slot),
 * peer closed (the other side has no handles left; queued messages can still be read).
 * Messages may carry up to TW_MSG_MAX_HANDLES handles, moved out of the sender's table.
 *
 * A port's server is the task whose threads read it; when that task ends the port's
 * incarnation ends: its generation goes up, its client ends go stale (TW_E_STALE), and
 * every request it had accepted is answered by the next incarnation (ops marked safe to
 * repeat) or refused with TW_E_RESTARTED (core/chan_req.c, docs/supervision.md).
 */
#ifndef TWAIN_CORE_CHAN_H
#define TWAIN_CORE_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kobj;
struct task;
struct thread;
struct url;

void chan_module_init(void);
/* Teardown check: no port is left registered. */
void chan_module_check_empty(void);

/*
 * Open per the URL level u of scheme "chan": "chan://?pair[&cap=N]",
 * "chan://NAME?listen[&cap=N][&gen=G]" (G: the first generation, 0..2^32-1; default 0) or
 * "chan://NAME[?cap=N]". TW_OK with *out (one reference, no
 * handle yet), TW_E_NOENT (nobody listens), TW_E_BUSY (name taken), TW_E_INVAL, TW_E_NOMEM.
 */
int chan_open(const struct url *u, struct kobj **out) __attribute__((warn_unused_result));

/*
 * Kernel-side use of channels (user-space providers): a kernel-owned client end of a
 * port, and sending/receiving on it from kernel code (no handles carried). Send returns
 * the length with *seq the message's seq, TW_E_WOULDBLOCK (full), TW_E_PEER or
 * TW_E_STALE (the end's incarnation ended). Receive returns the length, TW_E_WOULDBLOCK
 * (empty), TW_E_PEER (port gone, nothing queued), TW_E_STALE (stale, nothing more owed)
 * or TW_E_TOOBIG; *marker is 0, or, when what it took was an error owed for a request
 * (TW_E_RESTARTED, TW_E_PEER: docs/supervision.md), that request's seq (UINT64_MAX: not
 * known, a marker that found the ring full).
 */
bool chan_is_port(const struct kobj *o);
bool chan_port_closed(const struct kobj *port);
int chan_connect_port(struct kobj *port, struct kobj **end) __attribute__((warn_unused_result));
int64_t chan_kernel_send(struct kobj *end, const void *buf, size_t len, uint64_t *seq);
int64_t chan_kernel_recv(struct kobj *end, void *buf, size_t cap, uint64_t *marker);
/* True when end (a client end) belongs to an incarnation that ended. */
bool chan_end_stale(const struct kobj *end);

/*
 * Server incarnations (docs/supervision.md, "Incarnations and requests").
 * chan_port_bound: a live task serves port's current incarnation.
 * chan_port_end_incarnation: end the current incarnation of port, which nobody serves (its
 * scheme moved to another port): its clients go stale, its queued requests are settled.
 * chan_thread_exit: t ends; the request it has in service, if any, goes back to its port
 * (repeatable) or its caller gets TW_E_RESTARTED. Called before t's handles close.
 * chan_task_ended: t's last thread ended (before its handles close): every port t served
 * starts its next incarnation.
 */
bool chan_port_bound(const struct kobj *port);
void chan_port_end_incarnation(struct kobj *port);
void chan_thread_exit(struct thread *t);
void chan_task_ended(struct task *t);
/*
 * Servers, for fault injection (core/fault.c, docs/supervision.md "Campaign"):
 * chan_port_named is the open port named name[0..len) (NULL: none); chan_port_next the
 * open port after prev in the order they were opened (prev NULL: the first; NULL after
 * the last); chan_port_server the task bound to port's current incarnation (NULL: none).
 */
struct kobj *chan_port_named(const char *name, size_t len);
struct kobj *chan_port_next(const struct kobj *prev);
struct task *chan_port_server(const struct kobj *port);
/*
 * Services (providers/svc.c; docs/services.md). The registry is a provider; these are the
 * channel mechanisms it builds on.
 *
 * chan_port_anon: a port with no name (chan:// never reaches it), cap slots. With ks, a
 * kernel-served port: a client's write is served at once in the writer's thread by
 * ks->call (the work is the caller's, charged to its time), whose reply goes into the
 * client's ring; such a port queues nothing and no task serves it. TW_OK, TW_E_NOMEM.
 * chan_port_set_hook: h->event(ctx, port, what) is called when a task binds port's
 * incarnation (CHAN_PORT_BOUND), when that incarnation ended (CHAN_PORT_ENDED, its
 * subscriptions already moved on to the next) and when its last handle goes
 * (CHAN_PORT_CLOSED, before its clients are told: the hook may move them elsewhere).
 * chan_subscribe: a durable client end of port (cap slots): at an incarnation's end it
 * is not made stale but follows the port to the next one (its requests are redelivered
 * or refused as every client's are). TW_OK, TW_E_PEER (port closed), TW_E_NOMEM.
 * chan_end_move: subscription end now writes to port (another service owner); requests it
 * had queued or in service at the old port are still answered there, or refused with
 * TW_E_RESTARTED when the old port closes first.
 * chan_post_event: put msg[0..len) (<= K_CHAN_EVENT_MAX) into every subscription of port,
 * as if the port had written it; a ring that is full keeps the newest event and takes
 * it at its next read.
 */
struct chan_kserve {
    /* Serve request req[0..len); write the reply (at most cap bytes) to rep and return its
     * length (>= 0). May block the caller (a relay waits for its target's reply); the
     * reply's slot in the caller's ring is kept meanwhile. */
    int64_t (*call)(void *ctx, const uint8_t *req, size_t len, uint8_t *rep, size_t cap);
};
enum chan_port_event { CHAN_PORT_BOUND = 1, CHAN_PORT_ENDED = 2, CHAN_PORT_CLOSED = 3 };
struct chan_port_hook {
    void (*event)(void *ctx, struct kobj *port, int what);
};
int chan_port_anon(uint32_t cap, const struct chan_kserve *ks, void *ctx, struct kobj **out)
    __attribute__((warn_unused_result));
void chan_port_set_hook(struct kobj *port, const struct chan_port_hook *h, void *ctx);
int chan_subscribe(struct kobj *port, uint32_t cap, struct kobj **end)
    __attribute__((warn_unused_result));
void chan_end_move(struct kobj *end, struct kobj *port);
void chan_post_event(struct kobj *port, const void *msg, size_t len);
/* Events posted to subscription end go on to every subscription of port instead (a
 * relay's: its caller is told what a direct subscriber is); port NULL: to end again. No
 * reference: the caller clears it before port closes. */
void chan_end_forward_events(struct kobj *end, struct kobj *port);
/* The port end (a client or subscription) writes to (NULL: a pair end, or closed). */
struct kobj *chan_end_port(const struct kobj *end);
uint32_t chan_port_gen(const struct kobj *port);
/* port's first subscription (NULL: none), for moving them all to another port. */
struct kobj *chan_port_first_client(const struct kobj *port);
/* For invariant checks: port's subscriptions, counted. */
uint32_t chan_port_subscribers(const struct kobj *port);

/* The invariant checker: every request accepted into a port is in exactly one place (its
 * ring, in service by one thread, or ended), and stale ends' owed counts are exact. */
void chan_check_requests(void);

/* Messages sent since chan_module_init (for statistics). */
uint64_t chan_messages_sent(void);

#endif /* TWAIN_CORE_CHAN_H */
