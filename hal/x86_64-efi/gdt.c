/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64-efi/gdt.c - the backend's own CPU tables, loaded after ExitBootServices: the
 * GDT (kernel and user code/data, the TSS), the TSS (rsp0: the running thread's kernel
 * stack for entries from ring 3; IST stacks for double fault, NMI and machine check), the
 * IDT (256 interrupt gates to entry.S's stubs) and the MSRs of `syscall`/`sysret`.
 */
#include "../../core/kentry.h"
#include "cpu.h"
#include "xe.h"

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));
K_STATIC_ASSERT(sizeof(struct tss) == 104, "64-bit TSS layout");

struct idt_gate {
    uint16_t off_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type; /* present, DPL, 0xe = 64-bit interrupt gate (clears IF) */
    uint16_t off_mid;
    uint32_t off_hi;
    uint32_t zero;
} __attribute__((packed));
K_STATIC_ASSERT(sizeof(struct idt_gate) == 16, "IDT gate layout");

struct table_reg {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

/* Index in the GDT = selector / 8; the TSS descriptor takes two slots. */
static uint64_t gdt[7] __attribute__((aligned(16)));
static struct tss tss __attribute__((aligned(16)));
static struct idt_gate idt[256] __attribute__((aligned(16)));

uint64_t xe_syscall_kstack;
uint64_t xe_syscall_ustack;

void xe_gdt_load(const struct table_reg *gdtr);
extern const uint8_t xe_isr_stubs[];

#define IST_DOUBLE_FAULT  1
#define IST_NMI           2
#define IST_MACHINE_CHECK 3

static void build_gdt(void)
{
    K_STATIC_ASSERT(XE_SEL_TSS / 8 + 1 < sizeof(gdt) / sizeof(gdt[0]), "GDT holds the TSS");
    gdt[0] = 0;
    gdt[XE_SEL_KCODE / 8] = 0x00af9a000000ffffull; /* 64-bit code, DPL 0 */
    gdt[XE_SEL_KDATA / 8] = 0x00cf92000000ffffull; /* data, DPL 0 */
    gdt[XE_SEL_UDATA / 8] = 0x00cff2000000ffffull; /* data, DPL 3 */
    gdt[XE_SEL_UCODE / 8] = 0x00affa000000ffffull; /* 64-bit code, DPL 3 */
    uint64_t base = (uint64_t)(uintptr_t)&tss;
    uint64_t limit = sizeof(tss) - 1;
    gdt[XE_SEL_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
                          ((limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
    gdt[XE_SEL_TSS / 8 + 1] = base >> 32;
}

static void set_gate(unsigned vec, unsigned ist)
{
    uint64_t off = (uint64_t)(uintptr_t)(xe_isr_stubs + 16 * vec);
    idt[vec] = (struct idt_gate){
        .off_lo = (uint16_t)off,
        .selector = XE_SEL_KCODE,
        .ist = (uint8_t)ist,
        .type = 0x8e,
        .off_mid = (uint16_t)(off >> 16),
        .off_hi = (uint32_t)(off >> 32),
    };
}

static void setup_syscall_msrs(void)
{
    uint32_t r[4];
    xe_cpuid(0x80000001u, 0, r);
    uint64_t efer = xe_rdmsr(XE_MSR_EFER) | XE_EFER_SCE;
    if (r[3] & (1u << 20))
        efer |= XE_EFER_NXE; /* the MMU marks user data non-executable */
    xe_wrmsr(XE_MSR_EFER, efer);
    /* syscall: CS = 0x08, SS = 0x10. sysretq: SS = 0x13 + 8 = 0x1b, CS = 0x13 + 16 = 0x23. */
    xe_wrmsr(XE_MSR_STAR, ((uint64_t)(XE_SEL_KDATA | 3) << 48) | ((uint64_t)XE_SEL_KCODE << 32));
    xe_wrmsr(XE_MSR_LSTAR, (uint64_t)(uintptr_t)xe_syscall_entry);
    /* Cleared on entry: TF, DF, IF, IOPL, NT, AC (the kernel runs with interrupts masked). */
    xe_wrmsr(XE_MSR_SFMASK, 0x47700);
}

void xe_cpu_init(void *ist_stacks)
{
    build_gdt();
    for (unsigned i = 0; i < XE_IST_COUNT; i++)
        tss.ist[i] = (uint64_t)(uintptr_t)ist_stacks + (uint64_t)(i + 1) * XE_IST_SIZE;
    tss.iomap_base = sizeof(tss); /* no I/O bitmap: ring 3 has no port access */
    struct table_reg gdtr = {.limit = sizeof(gdt) - 1, .base = (uint64_t)(uintptr_t)gdt};
    xe_gdt_load(&gdtr);
    __asm__ volatile("ltr %w0" : : "r"((uint16_t)XE_SEL_TSS));
    for (unsigned v = 0; v < 256; v++)
        set_gate(v, 0);
    set_gate(2, IST_NMI);
    set_gate(8, IST_DOUBLE_FAULT);
    set_gate(18, IST_MACHINE_CHECK);
    struct table_reg idtr = {.limit = sizeof(idt) - 1, .base = (uint64_t)(uintptr_t)idt};
    __asm__ volatile("lidt %0" : : "m"(idtr));
    setup_syscall_msrs();
}

void xe_set_kernel_stack(uint64_t top)
{
    tss.rsp[0] = top;
    xe_syscall_kstack = top;
}

bool xe_cpu_hypervisor(void)
{
    uint32_t r[4];
    xe_cpuid(1, 0, r);
    return (r[2] & (1u << 31)) != 0;
}
