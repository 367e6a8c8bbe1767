/* SPDX-License-Identifier: MIT */
/*
 * core/watch.h - kernel watchers: functions providers register to run at every kernel
 * boundary (system-call exit, each idle-loop turn), where they may look at kernel state
 * (free pages ...) and notify objects. Registered by providers' reset hooks, so the list
 * is rebuilt at every boot and runs in registration order: deterministic.
 */
#ifndef TWAIN_CORE_WATCH_H
#define TWAIN_CORE_WATCH_H

#include "limits.h" /* WATCH_MAX */

typedef void (*k_watch_fn)(void);

void watch_reset(void);
/* Add fn; TW_E_LIMIT when WATCH_MAX are registered. */
int watch_register(k_watch_fn fn) __attribute__((warn_unused_result));
/* Run every watcher (the kernel calls this at its boundaries). */
void watch_run(void);

#endif /* TWAIN_CORE_WATCH_H */
