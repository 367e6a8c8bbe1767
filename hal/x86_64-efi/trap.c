/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64-efi/trap.c - every interrupt and exception lands in xe_trap (entry.S built
 * the frame). Interrupts go to their devices; an exception in ring 3 is the running
 * thread's fault (core ends its task: k_user_fault, on the thread's kernel stack); an
 * exception in ring 0 is a kernel bug: the panic report (vector, error code, rip, cr2,
 * every register, the running thread) on serial and screen, then QEMU exits with
 * XE_EXIT_CPU_FAULT.
 */
#include "../../core/kentry.h"
#include "cpu.h"
#include "xe.h"

static const char *const vector_names[32] = {
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range",
    "#UD invalid opcode",
    "#NM device not available",
    "#DF double fault",
    "coprocessor segment overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack fault",
    "#GP general protection",
    "#PF page fault",
    "reserved 15",
    "#MF x87 floating point",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD floating point",
    "#VE virtualization",
    "#CP control protection",
    "reserved 22",
    "reserved 23",
    "reserved 24",
    "reserved 25",
    "reserved 26",
    "reserved 27",
    "#HV hypervisor injection",
    "#VC VMM communication",
    "#SX security",
    "reserved 31",
};

static uint64_t image_base;
static bool in_panic;

void xe_trap_set_image_base(uint64_t base)
{
    image_base = base;
}

static void page_fault_detail(uint64_t err, char *buf, size_t cap)
{
    k_snprintf(buf, cap, " [%s, %s, %s%s%s]", (err & 1) ? "protection" : "not present",
               (err & 2) ? "write" : "read", (err & 4) ? "user" : "kernel",
               (err & 8) ? ", reserved bit" : "", (err & 16) ? ", instruction fetch" : "");
}

static void report(const struct xe_frame *f)
{
    char detail[96] = "";
    if (f->vector == 14)
        page_fault_detail(f->error, detail, sizeof(detail));
    xe_printf("\n*** KERNEL PANIC: CPU exception %s (vector %llu) in kernel mode\n",
              vector_names[f->vector & 31], (unsigned long long)f->vector);
    xe_printf("  error code %016llx%s\n", (unsigned long long)f->error, detail);
    xe_printf("  rip %016llx (image+%llx)  cs %04llx  rflags %016llx\n", (unsigned long long)f->rip,
              (unsigned long long)(f->rip - image_base), (unsigned long long)f->cs,
              (unsigned long long)f->rflags);
    xe_printf("  rsp %016llx  ss %04llx  cr2 %016llx  cr3 %016llx\n", (unsigned long long)f->rsp,
              (unsigned long long)f->ss, (unsigned long long)xe_read_cr2(),
              (unsigned long long)xe_read_cr3());
    xe_printf("  rax %016llx  rbx %016llx  rcx %016llx  rdx %016llx\n", (unsigned long long)f->rax,
              (unsigned long long)f->rbx, (unsigned long long)f->rcx, (unsigned long long)f->rdx);
    xe_printf("  rsi %016llx  rdi %016llx  rbp %016llx  r8  %016llx\n", (unsigned long long)f->rsi,
              (unsigned long long)f->rdi, (unsigned long long)f->rbp, (unsigned long long)f->r8);
    xe_printf("  r9  %016llx  r10 %016llx  r11 %016llx  r12 %016llx\n", (unsigned long long)f->r9,
              (unsigned long long)f->r10, (unsigned long long)f->r11, (unsigned long long)f->r12);
    xe_printf("  r13 %016llx  r14 %016llx  r15 %016llx\n", (unsigned long long)f->r13,
              (unsigned long long)f->r14, (unsigned long long)f->r15);
}

static _Noreturn void kernel_exception(const struct xe_frame *f)
{
    xe_cli();
    if (in_panic) { /* a fault while reporting one: the short form, then out */
        xe_serial_printf("\n*** nested CPU exception %llu at rip %016llx\n",
                         (unsigned long long)f->vector, (unsigned long long)f->rip);
        xe_exit(XE_EXIT_CPU_FAULT);
    }
    in_panic = true;
    report(f);
    xe_set_panic_code(XE_EXIT_CPU_FAULT);
    /* core's panic adds the running thread and its task, then calls hal_panic_halt. */
    k_panic("CPU exception %s in kernel mode at image+%llx", vector_names[f->vector & 31],
            (unsigned long long)(f->rip - image_base));
}

static void pic_irq(unsigned irq)
{
    if (irq == 7 || irq == 15) { /* spurious unless the PIC says it is in service */
        uint16_t port = irq == 7 ? 0x20 : 0xa0;
        xe_outb(port, 0x0b);
        if ((xe_inb(port) & 0x80) == 0) {
            if (irq == 15)
                xe_pic_eoi(2);
            return;
        }
    }
    if (irq == XE_VEC_KEYBOARD - XE_VEC_PIC_BASE)
        xe_input_irq_keyboard();
    else if (irq == XE_VEC_COM1 - XE_VEC_PIC_BASE)
        xe_input_irq_serial();
    xe_pic_eoi(irq);
}

void xe_trap(struct xe_frame *f)
{
    uint64_t v = f->vector;
    if (v < 32) {
        bool from_user = (f->cs & 3) == 3;
        if (from_user && v != 2 && v != 8 && v != 18) {
            /* Not traced (addresses never are): the machine console says where. */
            xe_printf("twain: user fault: %s, error %llx, rip image+%llx, cr2 %llx\n",
                      vector_names[v], (unsigned long long)f->error,
                      (unsigned long long)(f->rip - image_base), (unsigned long long)xe_read_cr2());
            if (v == 14) {
                char walk[160];
                xe_mmu_describe(xe_read_cr2(), walk, sizeof(walk));
                xe_printf("  %s\n", walk);
            }
            k_user_fault((uint32_t)v); /* ends the task; another thread runs */
        }
        kernel_exception(f);
    }
    bool from_user = (f->cs & 3) == 3;
    if (v == XE_VEC_TIMER) {
        xe_timer_irq();
        if (from_user)
            k_interrupt_exit(); /* the quantum may be over: core may switch threads */
        return;
    }
    if (v >= XE_VEC_PIC_BASE && v < XE_VEC_PIC_BASE + 16) {
        pic_irq((unsigned)(v - XE_VEC_PIC_BASE));
        if (from_user)
            k_interrupt_exit(); /* typed input may wake a higher-priority reader */
        return;
    }
    if (v == XE_VEC_SPURIOUS)
        return;
    xe_serial_printf("twain: unexpected interrupt vector %llu\n", (unsigned long long)v);
    xe_lapic_eoi();
}
