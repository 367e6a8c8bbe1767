/* SPDX-License-Identifier: MIT */
/*
 * core/program.c - the program registry (see program.h and k_program_register in
 * core/kentry.h).
 */
#include "program.h"
#include "kentry.h"
#include "klib.h"

static struct {
    struct k_program progs[K_MAX_PROGRAMS];
    uint32_t count;
} pg;

void program_reset(void)
{
    k_memset(&pg, 0, sizeof(pg));
}

const struct k_program *program_find(const char *name, size_t len)
{
    for (uint32_t i = 0; i < pg.count; i++)
        if (pg.progs[i].name_len == len && k_memcmp(pg.progs[i].name, name, len) == 0)
            return &pg.progs[i];
    return NULL;
}

uint32_t program_count(void)
{
    return pg.count;
}

int k_program_register(const char *name, void (*entry)(uintptr_t arg))
{
    if (name == NULL || entry == NULL)
        return TW_E_INVAL;
    size_t len = k_strlen(name);
    if (len == 0 || len >= K_PROGRAM_NAME)
        return TW_E_INVAL;
    for (size_t i = 0; i < len; i++)
        if (name[i] == ' ')
            return TW_E_INVAL; /* the first word of a command line names the program */
    if (program_find(name, len) != NULL)
        return TW_E_BUSY;
    if (pg.count >= K_MAX_PROGRAMS)
        return TW_E_LIMIT;
    struct k_program *p = &pg.progs[pg.count++];
    k_memcpy(p->name, name, len);
    p->name[len] = '\0';
    p->name_len = (uint32_t)len;
    p->entry = entry;
    return TW_OK;
}
