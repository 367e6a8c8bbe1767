/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64-efi/timer.c - time on the UEFI backend: the legacy PIC (remapped, masked but
 * for the input lines), and for real-time mode only the TSC as the clock and the LAPIC
 * timer as the one-shot deadline, both calibrated against the PIT. Deterministic mode
 * never touches the TSC or the LAPIC (core never calls hal_clock_now_ns there).
 */
#include "../../core/kentry.h"
#include "../hal.h"
#include "cpu.h"
#include "xe.h"

#define PIT_HZ          1193182u
#define CALIBRATE_MS    25u
#define LAPIC_SVR       0x0f0
#define LAPIC_EOI       0x0b0
#define LAPIC_TPR       0x080
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_INIT      0x380
#define LAPIC_CURRENT   0x390
#define LAPIC_DIVIDE    0x3e0
#define LVT_MASKED      (1u << 16)

static struct {
    volatile uint32_t *lapic;
    bool x2apic;
    uint64_t tsc0;
    uint64_t tsc_hz;
    uint64_t ns_mult;   /* ns = (tsc delta * ns_mult) >> 32 */
    uint64_t lapic_hz;  /* timer ticks per second (after the divider) */
    uint64_t tick_mult; /* LAPIC ticks = (ns * tick_mult) >> 32 */
    bool ready;
    const char *source; /* what the clocks were calibrated against */
} tm;

/* ---- legacy PIC ---------------------------------------------------------------------- */

void xe_pic_init(void)
{
    xe_outb(0x20, 0x11); /* ICW1: edge, cascade, ICW4 follows */
    xe_outb(0xa0, 0x11);
    xe_outb(0x21, XE_VEC_PIC_BASE); /* ICW2: vector bases */
    xe_outb(0xa1, XE_VEC_PIC_BASE + 8);
    xe_outb(0x21, 0x04); /* ICW3: slave on IRQ2 */
    xe_outb(0xa1, 0x02);
    xe_outb(0x21, 0x01); /* ICW4: 8086 mode */
    xe_outb(0xa1, 0x01);
    xe_outb(0x21, 0xff); /* everything masked */
    xe_outb(0xa1, 0xff);
}

void xe_pic_unmask(unsigned irq)
{
    uint16_t port = irq < 8 ? 0x21 : 0xa1;
    xe_outb(port, xe_inb(port) & (uint8_t) ~(1u << (irq & 7)));
    if (irq >= 8)
        xe_outb(0x21, xe_inb(0x21) & (uint8_t) ~(1u << 2));
}

void xe_pic_eoi(unsigned irq)
{
    if (irq >= 8)
        xe_outb(0xa0, 0x20);
    xe_outb(0x20, 0x20);
}

/* ---- calibration ---------------------------------------------------------------------- */

/* The LAPIC by MMIO, or by MSR when the firmware left it in x2APIC mode (many PCs do). */
static uint32_t lapic_read(uint32_t reg)
{
    if (tm.x2apic)
        return (uint32_t)xe_rdmsr(0x800 + reg / 16);
    return tm.lapic[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
    if (tm.x2apic)
        xe_wrmsr(0x800 + reg / 16, v);
    else
        tm.lapic[reg / 4] = v;
}

/*
 * Run PIT channel 2 for ms milliseconds; TSC and LAPIC ticks elapsed. False when the PIT
 * never reached its count (some recent PCs have none).
 */
static bool pit_window(uint32_t ms, uint64_t *tsc_ticks, uint32_t *lapic_ticks)
{
    uint32_t count = PIT_HZ * ms / 1000;
    uint8_t gate = xe_inb(0x61);
    xe_outb(0x61, (uint8_t)((gate & ~0x02) | 0x01)); /* gate on, speaker off */
    xe_outb(0x43, 0xb0);                             /* channel 2, lo/hi, mode 0 */
    xe_outb(0x42, (uint8_t)count);
    xe_outb(0x42, (uint8_t)(count >> 8));
    lapic_write(LAPIC_INIT, 0xffffffffu);
    uint64_t t0 = xe_rdtsc();
    bool done = false;
    for (uint32_t guard = 0; guard < 50000000u && !done; guard++)
        done = (xe_inb(0x61) & 0x20) != 0;
    uint64_t t1 = xe_rdtsc();
    *lapic_ticks = 0xffffffffu - lapic_read(LAPIC_CURRENT);
    *tsc_ticks = t1 - t0;
    xe_outb(0x61, gate);
    return done;
}

/* The TSC frequency the CPU states (CPUID 0x15, else 0x16), or 0. */
static uint64_t cpuid_tsc_hz(void)
{
    uint32_t r[4];
    xe_cpuid(0, 0, r);
    uint32_t max = r[0];
    if (max >= 0x15) {
        xe_cpuid(0x15, 0, r);
        if (r[0] != 0 && r[1] != 0 && r[2] != 0)
            return (uint64_t)r[2] * r[1] / r[0];
    }
    if (max >= 0x16) {
        xe_cpuid(0x16, 0, r);
        return (uint64_t)(r[0] & 0xffff) * 1000000u;
    }
    return 0;
}

/* No PIT: the LAPIC timer measured against the TSC the CPU states. */
static bool calibrate_without_pit(uint64_t *tsc, uint32_t *lt)
{
    uint64_t hz = cpuid_tsc_hz();
    if (hz == 0)
        return false;
    *tsc = hz * CALIBRATE_MS / 1000;
    lapic_write(LAPIC_INIT, 0xffffffffu);
    uint64_t t0 = xe_rdtsc();
    while (xe_rdtsc() - t0 < *tsc)
        xe_pause();
    *lt = 0xffffffffu - lapic_read(LAPIC_CURRENT);
    return true;
}

void xe_timer_init_realtime(void)
{
    uint64_t base = xe_rdmsr(XE_MSR_APIC_BASE);
    xe_wrmsr(XE_MSR_APIC_BASE, base | (1ull << 11)); /* globally enabled */
    tm.x2apic = (base & (1ull << 10)) != 0;
    tm.lapic = (volatile uint32_t *)(uintptr_t)(base & 0xffffff000ull);
    lapic_write(LAPIC_SVR, 0x100 | XE_VEC_SPURIOUS);
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_LVT_LINT0, 0x700); /* ExtINT: the PIC's keyboard and serial lines */
    lapic_write(LAPIC_LVT_LINT1, 0x400); /* NMI */
    lapic_write(LAPIC_DIVIDE, 0x3);      /* divide by 16 */
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | XE_VEC_TIMER);
    uint64_t tsc;
    uint32_t lt;
    tm.source = "the PIT";
    if (!pit_window(CALIBRATE_MS, &tsc, &lt)) {
        tm.source = "the TSC frequency in CPUID (no PIT)";
        if (!calibrate_without_pit(&tsc, &lt))
            k_panic("real-time mode: no PIT and no TSC frequency in CPUID to calibrate with");
    }
    K_ASSERT(tsc > 0 && lt > 0);
    tm.tsc_hz = tsc * 1000 / CALIBRATE_MS;
    tm.lapic_hz = (uint64_t)lt * 1000 / CALIBRATE_MS;
    K_ASSERT(tm.lapic_hz < (1ull << 32));
    tm.ns_mult = (1000000000ull << 32) / tm.tsc_hz; /* 64-bit: no 128-bit division */
    tm.tick_mult = (tm.lapic_hz << 32) / 1000000000u;
    lapic_write(LAPIC_INIT, 0);
    lapic_write(LAPIC_LVT_TIMER, XE_VEC_TIMER); /* one-shot, unmasked; armed by count */
    tm.tsc0 = xe_rdtsc();
    tm.ready = true;
}

void xe_clock_restart(void)
{
    tm.tsc0 = xe_rdtsc();
}

bool xe_timer_ready(void)
{
    return tm.ready;
}

const char *xe_timer_source(void)
{
    return tm.source;
}

uint64_t xe_tsc_hz(void)
{
    return tm.tsc_hz;
}

void xe_lapic_eoi(void)
{
    if (tm.ready)
        lapic_write(LAPIC_EOI, 0);
}

void xe_timer_irq(void)
{
    xe_lapic_eoi();
    k_timer_interrupt();
}

/* ---- hal.h: the real clock ------------------------------------------------------------ */

uint64_t hal_clock_now_ns(void)
{
    K_ASSERT(tm.ready); /* real-time mode only */
    uint64_t d = xe_rdtsc() - tm.tsc0;
    return (uint64_t)(((unsigned __int128)d * tm.ns_mult) >> 32);
}

void hal_timer_arm(uint64_t deadline_ns)
{
    K_ASSERT(tm.ready);
    if (deadline_ns == UINT64_MAX) {
        lapic_write(LAPIC_INIT, 0);
        return;
    }
    uint64_t now = hal_clock_now_ns();
    uint64_t delta = deadline_ns > now ? deadline_ns - now : 0;
    unsigned __int128 ticks = ((unsigned __int128)delta * tm.tick_mult) >> 32;
    uint32_t count = ticks == 0 ? 1 : ticks > 0xffffffffu ? 0xffffffffu : (uint32_t)ticks;
    lapic_write(LAPIC_INIT, count); /* too far: fires early, and the idle loop re-arms */
}

void hal_idle(void)
{
    K_ASSERT(tm.ready);
    /* sti's one-instruction shadow: no interrupt slips in between sti and hlt. */
    __asm__ volatile("sti; hlt; cli" : : : "memory");
}
