/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64-efi/exitcodes.h - the status the kernel writes to QEMU's isa-debug-exit port
 * (0xf4). QEMU then exits with (status << 1) | 1, so a test never mistakes QEMU's own 0
 * (e.g. a triple fault with -no-reboot) or a timeout (124) for a result. Shell scripts
 * (tools/boot-tests, tools/efi-bench) use the QEMU numbers in the comments.
 */
#ifndef TWAIN_XE_EXITCODES_H
#define TWAIN_XE_EXITCODES_H

#define XE_EXIT_PASS       0x00 /* QEMU 1: the scenario ran, every expectation held */
#define XE_EXIT_FAIL       0x01 /* QEMU 3: the scenario ran, an expectation failed */
#define XE_EXIT_BAD_INPUT  0x02 /* QEMU 5: scenario.bin rejected, or it does not fit */
#define XE_EXIT_BOOT_ERROR 0x03 /* QEMU 7: firmware or memory problem before the kernel */
#define XE_EXIT_CPU_FAULT  0x10 /* QEMU 33: CPU exception in kernel mode (panic report) */
#define XE_EXIT_PANIC      0x11 /* QEMU 35: kernel panic (failed assertion, k_panic) */

#endif /* TWAIN_XE_EXITCODES_H */
