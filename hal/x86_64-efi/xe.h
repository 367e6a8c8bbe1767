/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64-efi/xe.h - what the files of the UEFI backend declare to each other (prefix
 * xe_). Only efi_boot.c sees the firmware (gnu-efi headers); everything after
 * ExitBootServices meets here: the boot information handed over, the consoles, the CPU
 * tables, the MMU, the timers and the exit path.
 */
#ifndef TWAIN_XE_H
#define TWAIN_XE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exitcodes.h"

#define XE_PAGE 4096u
/* The identity map covers at most this much (one PDPT of 2 MiB pages): 512 GiB. */
#define XE_MAP_LIMIT (512ull << 30)

/* ---- handed over by efi_boot.c after ExitBootServices ------------------------------- */

struct xe_framebuffer {
    uint64_t base; /* 0: no GOP framebuffer */
    uint32_t width;
    uint32_t height;
    uint32_t stride; /* pixels per scan line */
    bool bgr;        /* blue in the low byte (PixelBlueGreenRedReserved8BitPerColor) */
};

/* Switches read from the ESP (\twain\<name> files exist) or built in. */
struct xe_switches {
    bool trace_serial; /* \twain\trace: every trace record on serial */
    bool kernel_fault; /* test builds: \twain\kernel-fault */
    bool user_fault;   /* test builds: \twain\user-fault */
    bool bench_ipc;    /* test builds: \twain\bench-ipc */
};

/* A disk for blk:// (hal_disk_*): an image file of the ESP, loaded into memory. */
#define XE_MAX_DISKS 8
struct xe_disk {
    char name[16]; /* line N of \twain\disknames for \twain\diskN.img, else "diskN" */
    uint8_t *data;
    uint64_t size;
};

struct xe_boot_info {
    const uint8_t *blob; /* the compiled scenario */
    size_t blob_len;
    bool builtin_blob; /* no \twain\scenario.bin: the built-in demo */
    void *pool;        /* core's page pool, pool_pages long */
    size_t pool_pages;
    void *pt_pool; /* page-table pages of the backend */
    size_t pt_pages;
    void *ist;        /* stacks for double fault / NMI / machine check, XE_IST_SIZE each */
    uint64_t map_top; /* identity-map [0, map_top): all RAM and the framebuffer */
    uint64_t image_base;
    struct xe_framebuffer fb;
    struct xe_switches sw;
    struct xe_disk disks[XE_MAX_DISKS];
    uint32_t ndisks;
    void *view_mem; /* VIEW builds: the scheduling view's region (view.c), else NULL */
    size_t view_pages;
};

#define XE_BOOT_STACK_SIZE (64u * 1024)
#define XE_IST_SIZE        (16u * 1024)
#define XE_IST_COUNT       3

/* The kernel after ExitBootServices (kmain.c), on its own stack. Does not return. */
_Noreturn void xe_kmain(struct xe_boot_info *bi);
/* entry.S: switch to stack_top and call fn(arg) there. */
_Noreturn void xe_call_on_stack(void *stack_top, void (*fn)(void *), void *arg);

/* ---- consoles (serial.c, fb.c, console.c) ------------------------------------------- */

void xe_serial_init(void);
/* Write bytes to COM1, "\n" as "\r\n". */
void xe_serial_write(const char *s, size_t n);
/* A received byte, or -1 when none is waiting. */
int xe_serial_getc(void);
void xe_serial_enable_rx_irq(void);

void xe_fb_init(const struct xe_framebuffer *fb);
void xe_fb_write(const char *s, size_t n);

/* printf-like to serial and screen (k_vsnprintf formats; %llx etc.). */
void xe_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Serial only (the trace dump, noisy diagnostics). */
void xe_serial_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Console input (real-time mode): bytes from the keyboard and serial to core. */
void xe_input_irq_keyboard(void);
void xe_input_irq_serial(void);

/* ---- CPU tables (gdt.c) ------------------------------------------------------------- */

/* Load the GDT (with the TSS), the IDT and the system-call MSRs. Interrupts stay masked. */
void xe_cpu_init(void *ist_stacks);
/* The kernel stack top used on entry from ring 3 (TSS.rsp0 and the syscall entry). */
void xe_set_kernel_stack(uint64_t top);
extern uint64_t xe_syscall_kstack; /* read by entry.S */
extern uint64_t xe_syscall_ustack; /* scratch for entry.S */
/* True when the CPU runs under a hypervisor (CPUID): QEMU's isa-debug-exit may exist. */
bool xe_cpu_hypervisor(void);

/* entry.S */
void xe_syscall_entry(void);
_Noreturn void xe_enter_user(uint64_t rip, uint64_t arg, uint64_t rsp, uint64_t rflags);
extern const uint64_t xe_isr_table[256];

/* ---- traps (trap.c) ----------------------------------------------------------------- */

/* The registers entry.S saves on every interrupt or exception, lowest address first. */
struct xe_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

void xe_trap(struct xe_frame *f);
/* Where the image was loaded: the panic report gives rip as an offset into the ELF file. */
void xe_trap_set_image_base(uint64_t base);
/* Interrupt vectors of this backend. */
#define XE_VEC_PIC_BASE 0x20 /* legacy PIC IRQ 0..15 -> 0x20..0x2f */
#define XE_VEC_KEYBOARD 0x21
#define XE_VEC_COM1     0x24
#define XE_VEC_TIMER    0x40 /* LAPIC timer */
#define XE_VEC_SPURIOUS 0xff

/* ---- memory management (mmu.c) ------------------------------------------------------ */

/*
 * Build the kernel's identity map of [0, map_top) (supervisor only, page 0 not present)
 * from pt_pool, and switch to it. The user runtime's text [utext, utext_end) and read-only
 * data [udata, udata_end) are mapped user-accessible in every task's address space.
 */
void xe_mmu_init(const struct xe_boot_info *bi, uint64_t utext, uint64_t utext_end, uint64_t udata,
                 uint64_t udata_end);
/*
 * Make the user page at va (of the running task's address space) supervisor-only: a
 * stack guard. hal_aspace_unmap of its region later resets it with the rest.
 */
void xe_mmu_guard_user_page(uint64_t va);
/* "page walk of va: L4 e L3 e ..." in the loaded address space (for fault reports). */
void xe_mmu_describe(uint64_t va, char *buf, size_t cap);
/* Page-table pages in use and the most ever used (for the report). */
size_t xe_mmu_pages_used(void);

/* ---- time (timer.c) ----------------------------------------------------------------- */

/* Remap and mask the legacy PIC (always). */
void xe_pic_init(void);
void xe_pic_unmask(unsigned irq);
void xe_pic_eoi(unsigned irq);
/* Real-time mode: calibrate the TSC and the LAPIC timer against the PIT, start the LAPIC. */
void xe_timer_init_realtime(void);
bool xe_timer_ready(void);
/* Real time 0 is now: scenarios' time bounds count from the kernel's boot (k_init). */
void xe_clock_restart(void);
uint64_t xe_tsc_hz(void);
const char *xe_timer_source(void); /* what calibration used */
void xe_lapic_eoi(void);
void xe_timer_irq(void);

/* ---- the rest of hal.h (hal.c) ------------------------------------------------------ */

/* core's page pool; in real-time mode user code runs with interrupts enabled. */
void xe_hal_init(void *pool, size_t pool_pages, bool realtime);
/* The disks hal_disk_* serve (disk.c). */
void xe_disks_init(const struct xe_disk *disks, uint32_t n);

/* Exit QEMU with status (see exitcodes.h), or print and halt on hardware. */
_Noreturn void xe_exit(uint32_t status);
/* Set by trap.c before it panics on a CPU exception: hal_panic_halt exits with that code. */
void xe_set_panic_code(uint32_t status);

/* Trace records seen by hal_trace_write, and whether to print them on serial. */
uint64_t xe_trace_records(void);
void xe_trace_to_serial(bool on);
/* The CPU vector of the crash of task task_id (ids below 64) seen in the trace, or 0. */
uint32_t xe_trace_fault_vector(uint32_t task_id);

/*
 * Test builds only (tests.c): run a test instead of the scenario when a switch asks;
 * returns false when no test switch is set. Other builds have no tests.
 */
#ifdef TWAIN_TEST_BUILD
bool xe_tests_run(const struct xe_boot_info *bi);
#else
static inline bool xe_tests_run(const struct xe_boot_info *bi)
{
    (void)bi;
    return false;
}
#endif

/*
 * The scheduling view on the framebuffer (view.c), in builds with -DTWAIN_VIEW only: it
 * takes over the screen from the text console, is fed every trace record, redraws now and
 * then, and draws the final frame at the end. Other builds have stubs.
 */
struct trace_rec;
#ifdef TWAIN_VIEW
void xe_view_init(const struct xe_boot_info *bi, const char *title, size_t title_len);
void xe_view_feed(const struct trace_rec *r, size_t n);
void xe_view_final(void);
bool xe_view_active(void);
#else
static inline void xe_view_init(const struct xe_boot_info *bi, const char *title, size_t len)
{
    (void)bi;
    (void)title;
    (void)len;
}
static inline void xe_view_feed(const struct trace_rec *r, size_t n)
{
    (void)r;
    (void)n;
}
static inline void xe_view_final(void)
{
}
static inline bool xe_view_active(void)
{
    return false;
}
#endif

/* The user runtime's pages (efi.lds): code, then read-only data; page aligned. */
extern const uint8_t xe_user_text_start[], xe_user_text_end[];
extern const uint8_t xe_user_data_start[], xe_user_data_end[];

#endif /* TWAIN_XE_H */
