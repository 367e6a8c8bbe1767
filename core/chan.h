/* SPDX-License-Identifier: MIT */
/*
 * core/chan.h - channels (DESIGN.md section 4, seed 004): message rings of fixed-size
 * slots, in two shapes.
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

/* Messages sent since chan_module_init (for statistics). */
uint64_t chan_messages_sent(void);

#endif /* TWAIN_CORE_CHAN_H */
