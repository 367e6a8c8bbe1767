/* SPDX-License-Identifier: MIT */
/*
 * boot/uefi/trace_out.c - where the UEFI application's trace records go (uefi.h): the HAL's
 * hal_trace_write hands every batch here. Each record on serial as a "T" line when
 * \twain\trace asks (index, time, event, thread, arguments, chain), the CPU vector of
 * every task's crash (the test build's user-fault test checks them), and the scheduling
 * view's feed in VIEW builds.
 */
#include "../../core/kentry.h"
#include "uefi.h"

#define FAULT_TASKS 64

static struct {
    bool serial;
    uint64_t records;
    uint32_t fault_vector[FAULT_TASKS]; /* by task id: the CPU vector of its crash */
} out;

static void sink(const void *records, size_t len)
{
    const struct trace_rec *r = records;
    size_t n = len / sizeof(*r);
    for (size_t i = 0; i < n; i++)
        if (r[i].type == TR_FAULT && r[i].a == TR_FAULT_CRASH && r[i].b < FAULT_TASKS)
            out.fault_vector[r[i].b] = (uint32_t)r[i].c; /* b: task, c: vector */
    for (size_t i = 0; out.serial && i < n; i++)
        xe_serial_printf("T %llu %llu %s %u %llx %llx %llx %016llx\n",
                         (unsigned long long)(out.records + i), (unsigned long long)r[i].time,
                         trace_event_name(r[i].type), r[i].tid, (unsigned long long)r[i].a,
                         (unsigned long long)r[i].b, (unsigned long long)r[i].c,
                         (unsigned long long)r[i].chain);
    out.records += n;
    uefi_view_feed(r, n);
}

void uefi_trace_init(bool serial)
{
    out.serial = serial;
    xe_set_trace_sink(sink);
}

uint32_t uefi_trace_fault_vector(uint32_t task_id)
{
    return task_id < FAULT_TASKS ? out.fault_vector[task_id] : 0;
}
