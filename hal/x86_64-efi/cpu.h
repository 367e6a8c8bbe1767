/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64-efi/cpu.h - x86_64 instructions the UEFI backend needs (port I/O, MSRs,
 * control registers, the TSC), as static inline wrappers, and the backend's segment
 * selectors (the selectors are shared with the assembly files). Backend-private (prefix xe_ for
 * everything of this backend).
 */
#ifndef TWAIN_XE_CPU_H
#define TWAIN_XE_CPU_H

/* GDT layout (gdt.c). STAR needs user data right below user code (see syscall setup). */
#define XE_SEL_KCODE 0x08
#define XE_SEL_KDATA 0x10
#define XE_SEL_UDATA 0x18 /* used with RPL 3 */
#define XE_SEL_UCODE 0x20 /* used with RPL 3 */
#define XE_SEL_TSS   0x28

#define XE_RFLAGS_IF       (1ull << 9)
#define XE_RFLAGS_RESERVED (1ull << 1)

#define XE_MSR_APIC_BASE 0x1bu
#define XE_MSR_EFER      0xc0000080u
#define XE_MSR_STAR      0xc0000081u
#define XE_MSR_LSTAR     0xc0000082u
#define XE_MSR_SFMASK    0xc0000084u
#define XE_MSR_FS_BASE   0xc0000100u
#define XE_MSR_GS_BASE   0xc0000101u
#define XE_EFER_SCE      (1ull << 0)
#define XE_EFER_NXE      (1ull << 11)

#ifndef __ASSEMBLER__
#include <stdint.h>

static inline void xe_outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t xe_inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void xe_outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint64_t xe_rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void xe_wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t xe_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t xe_read_cr2(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

static inline uint64_t xe_read_cr3(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}

static inline void xe_write_cr3(uint64_t v)
{
    __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline uint64_t xe_read_cr0(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}

static inline uint64_t xe_read_cr4(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}

static inline void xe_write_cr4(uint64_t v)
{
    __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline void xe_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid"
                     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(sub));
}

static inline uint64_t xe_save_flags(void)
{
    uint64_t f;
    __asm__ volatile("pushfq; popq %0" : "=r"(f) : : "memory");
    return f;
}

static inline void xe_cli(void)
{
    __asm__ volatile("cli" : : : "memory");
}

static inline void xe_pause(void)
{
    __asm__ volatile("pause");
}

#endif /* __ASSEMBLER__ */
#endif /* TWAIN_XE_CPU_H */
