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
 */
#ifndef TWAIN_CORE_CHAN_H
#define TWAIN_CORE_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kobj;
struct url;

void chan_module_init(void);
/* Teardown check: no port is left registered. */
void chan_module_check_empty(void);

/*
 * Open per the URL level u of scheme "chan": "chan://?pair[&cap=N]",
 * "chan://NAME?listen[&cap=N]" or "chan://NAME". TW_OK with *out (one reference, no
 * handle yet), TW_E_NOENT (nobody listens), TW_E_BUSY (name taken), TW_E_INVAL, TW_E_NOMEM.
 */
int chan_open(const struct url *u, struct kobj **out) __attribute__((warn_unused_result));

/*
 * Kernel-side use of channels (user-space providers): a kernel-owned client end of a
 * port, and sending/receiving on it from kernel code (no handles carried). Send returns
 * the length, TW_E_WOULDBLOCK (full) or TW_E_PEER; receive the length, TW_E_WOULDBLOCK
 * (empty), TW_E_PEER (port gone, nothing queued) or TW_E_TOOBIG.
 */
bool chan_is_port(const struct kobj *o);
bool chan_port_closed(const struct kobj *port);
int chan_connect_port(struct kobj *port, struct kobj **end) __attribute__((warn_unused_result));
int64_t chan_kernel_send(struct kobj *end, const void *buf, size_t len);
int64_t chan_kernel_recv(struct kobj *end, void *buf, size_t cap);

/* Messages sent since chan_module_init (for statistics). */
uint64_t chan_messages_sent(void);

#endif /* TWAIN_CORE_CHAN_H */
