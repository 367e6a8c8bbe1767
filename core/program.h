/* SPDX-License-Identifier: MIT */
/*
 * core/program.h - the registry of native programs TW_TASK_SPAWN starts: a name and one
 * user entry point each, registered at boot (k_program_register, core/kentry.h) and reset
 * by k_init. Names are compared byte for byte; the table keeps registration order.
 */
#ifndef TWAIN_CORE_PROGRAM_H
#define TWAIN_CORE_PROGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"

struct k_program {
    char name[K_PROGRAM_NAME]; /* NUL-terminated */
    uint32_t name_len;
    void (*entry)(uintptr_t arg); /* user code; arg: the task's struct tw_spawn_start */
};

/* Forget every program (k_init). */
void program_reset(void);
/* The program named name[0..len), or NULL. */
const struct k_program *program_find(const char *name, size_t len);
/* Programs registered (for the invariant checker and tests). */
uint32_t program_count(void);

#endif /* TWAIN_CORE_PROGRAM_H */
