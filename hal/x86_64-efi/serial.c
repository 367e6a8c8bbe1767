/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64-efi/serial.c - COM1 (I/O port 0x3f8), 115200 8N1: the console every boot
 * test reads. Polled output; input by polling or, in real-time mode, the RX interrupt.
 */
#include "cpu.h"
#include "xe.h"

#define COM1     0x3f8
#define REG_DATA 0
#define REG_IER  1 /* interrupt enable (DLAB=0) / divisor high (DLAB=1) */
#define REG_FCR  2
#define REG_LCR  3
#define REG_MCR  4
#define REG_LSR  5
#define LSR_RX   0x01
#define LSR_THRE 0x20

static bool present;

void xe_serial_init(void)
{
    xe_outb(COM1 + REG_IER, 0x00);
    xe_outb(COM1 + REG_LCR, 0x80);  /* DLAB: divisor follows */
    xe_outb(COM1 + REG_DATA, 0x01); /* 115200 baud */
    xe_outb(COM1 + REG_IER, 0x00);
    xe_outb(COM1 + REG_LCR, 0x03); /* 8N1 */
    xe_outb(COM1 + REG_FCR, 0xc7); /* FIFOs on, cleared, 14-byte threshold */
    xe_outb(COM1 + REG_MCR, 0x0b); /* DTR, RTS, OUT2 (routes the IRQ) */
    /* A missing UART reads back 0xff: then writes would spin on LSR forever. */
    present = xe_inb(COM1 + REG_LSR) != 0xff;
}

static void put(char c)
{
    for (unsigned spin = 0; spin < 100000 && (xe_inb(COM1 + REG_LSR) & LSR_THRE) == 0; spin++)
        xe_pause();
    xe_outb(COM1 + REG_DATA, (uint8_t)c);
}

void xe_serial_write(const char *s, size_t n)
{
    if (!present)
        return;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            put('\r');
        put(s[i]);
    }
}

int xe_serial_getc(void)
{
    if (!present || (xe_inb(COM1 + REG_LSR) & LSR_RX) == 0)
        return -1;
    return xe_inb(COM1 + REG_DATA);
}

void xe_serial_enable_rx_irq(void)
{
    if (present)
        xe_outb(COM1 + REG_IER, 0x01);
}
