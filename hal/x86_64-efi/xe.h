/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64-efi/xe.h - the x86_64 UEFI machine (prefix xe_): what the files of this HAL
 * declare to each other, and what the program that boots the machine (boot/uefi/) calls
 * to bring it up and to use it besides hal.h: the machine handed over after
 * ExitBootServices, the consoles, the CPU tables, the MMU, the timers, the disks, the
 * trace sink and the exit path. The HAL never calls the program: what it hands on (trace
 * records; in test builds, system calls) goes to functions the program registers. No file
 * of the HAL sees the firmware: the program does all of that before ExitBootServices.
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

/* ---- the machine, handed over after ExitBootServices (machine.c) --------------------- */

struct xe_framebuffer {
    uint64_t base; /* 0: no GOP framebuffer */
    uint32_t width;
    uint32_t height;
    uint32_t stride; /* pixels per scan line */
    bool bgr;        /* blue in the low byte (PixelBlueGreenRedReserved8BitPerColor) */
};

#define XE_IST_SIZE  (16u * 1024)
#define XE_IST_COUNT 3

/* What the program found and allocated with the firmware's help, for the machine itself. */
struct xe_machine {
    void *pt_pool; /* page-table pages of the HAL, pt_pages long, below XE_MAP_LIMIT */
    size_t pt_pages;
    void *ist;        /* stacks for double fault / NMI / machine check, XE_IST_SIZE each */
    uint64_t map_top; /* identity-map [0, map_top): all RAM and the framebuffer */
    uint64_t image_base;
    struct xe_framebuffer fb;
};

/*
 * Bring the machine up after ExitBootServices, interrupts masked: CPU tables, the PIC
 * (masked), the MMU (the kernel's identity map, the user runtime's pages of efi.lds), the
 * trap handler's image base and the text console on the framebuffer.
 */
void xe_machine_init(const struct xe_machine *m);
/* Real time: calibrate and start the timers, take keyboard and serial input by interrupt. */
void xe_realtime_init(void);

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
/* The text console on the framebuffer writes (on, the default) or leaves the screen to a
 * program that draws on it itself (off: boot/uefi/view.c's scheduling view). */
void xe_fb_text(bool on);

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
 * Build the kernel's identity map of [0, m->map_top) (supervisor only, page 0 not present)
 * from m->pt_pool, and switch to it. The user runtime's text [utext, utext_end) and
 * read-only data [udata, udata_end) are mapped user-accessible in every task's address
 * space.
 */
void xe_mmu_init(const struct xe_machine *m, uint64_t utext, uint64_t utext_end, uint64_t udata,
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

/* ---- the rest of hal.h (hal.c, disk.c) ---------------------------------------------- */

/* core's page pool; in real-time mode user code runs with interrupts enabled. */
void xe_hal_init(void *pool, size_t pool_pages, bool realtime);

/* A disk for blk:// (hal_disk_*): an image file of the ESP, loaded into memory. */
#define XE_MAX_DISKS 8
struct xe_disk {
    char name[16]; /* 1 to 15 bytes and a NUL */
    uint8_t *data;
    uint64_t size;
};
/* The disks hal_disk_* serve, numbered in this order (at most XE_MAX_DISKS; copied). */
void xe_disks_init(const struct xe_disk *disks, uint32_t n);

/* Exit QEMU with status (see exitcodes.h), or print and halt on hardware. */
_Noreturn void xe_exit(uint32_t status);
/* Set by trap.c before it panics on a CPU exception: hal_panic_halt exits with that code. */
void xe_set_panic_code(uint32_t status);

/* Where hal_trace_write hands the records it is given (whole records; NULL: nowhere). */
typedef void (*xe_trace_fn)(const void *records, size_t len);
void xe_set_trace_sink(xe_trace_fn fn);
/* Trace records hal_trace_write has seen. */
uint64_t xe_trace_records(void);

/*
 * Test builds only (-DTWAIN_TEST_BUILD): the system-call entry (entry.S) calls fn instead
 * of k_syscall, so that a test program can serve a system call of its own and pass the
 * others on to k_syscall (boot/uefi/tests.c). k_syscall until set.
 */
#ifdef TWAIN_TEST_BUILD
typedef int64_t (*xe_syscall_fn)(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                                 uint64_t a4, uint64_t a5);
void xe_set_syscall_handler(xe_syscall_fn fn);
#endif

/* The user runtime's pages (efi.lds): code, then read-only data; page aligned. */
extern const uint8_t xe_user_text_start[], xe_user_text_end[];
extern const uint8_t xe_user_data_start[], xe_user_data_end[];

#endif /* TWAIN_XE_H */
