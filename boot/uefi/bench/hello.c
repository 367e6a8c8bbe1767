/* SPDX-License-Identifier: MIT */
/*
 * boot/uefi/bench/hello.c - the boot benchmark's baseline: the smallest gnu-efi
 * application booted the same way as Twain (same firmware, same QEMU line, same image
 * layout). It prints one line on COM1 and leaves through QEMU's isa-debug-exit, so the
 * time to its line is what OVMF and QEMU alone cost (tools/efi-bench).
 */
#include <efi.h>

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

static void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
    (void)image;
    (void)st;
    static const char line[] = "hello: UEFI application started\r\n";
    for (const char *p = line; *p != 0; p++) {
        for (int spin = 0; spin < 100000 && (inb(0x3fd) & 0x20) == 0; spin++)
            ;
        outb(0x3f8, (uint8_t)*p);
    }
    __asm__ volatile("outl %0, %1" : : "a"(0u), "Nd"((uint16_t)0xf4));
    for (;;)
        __asm__ volatile("hlt");
}
