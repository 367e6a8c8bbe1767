/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64-efi/machine.c - bringing the machine up after ExitBootServices (xe.h): the CPU
 * tables, the PIC, the MMU, the trap handler and the text console from what the boot
 * program handed over; in real-time mode, the timers and the input interrupts.
 */
#include "../../core/kentry.h"
#include "cpu.h"
#include "xe.h"

void xe_machine_init(const struct xe_machine *m)
{
    xe_cpu_init(m->ist);
    xe_pic_init();
    xe_mmu_init(m, (uint64_t)(uintptr_t)xe_user_text_start, (uint64_t)(uintptr_t)xe_user_text_end,
                (uint64_t)(uintptr_t)xe_user_data_start, (uint64_t)(uintptr_t)xe_user_data_end);
    xe_trap_set_image_base(m->image_base);
    xe_serial_printf("twain: image at %llx; user runtime: text +%llx..+%llx, data +%llx..+%llx\n",
                     (unsigned long long)m->image_base,
                     (unsigned long long)((uintptr_t)xe_user_text_start - m->image_base),
                     (unsigned long long)((uintptr_t)xe_user_text_end - m->image_base),
                     (unsigned long long)((uintptr_t)xe_user_data_start - m->image_base),
                     (unsigned long long)((uintptr_t)xe_user_data_end - m->image_base));
    xe_fb_init(&m->fb);
}

/* Real time: the clock, the one-shot timer and console input, all by interrupt. */
void xe_realtime_init(void)
{
    xe_timer_init_realtime();
    xe_serial_enable_rx_irq();
    xe_pic_unmask(XE_VEC_KEYBOARD - XE_VEC_PIC_BASE);
    xe_pic_unmask(XE_VEC_COM1 - XE_VEC_PIC_BASE);
    xe_printf("twain: real time: TSC %llu kHz, LAPIC timer calibrated against %s\n",
              (unsigned long long)(xe_tsc_hz() / 1000), xe_timer_source());
}
