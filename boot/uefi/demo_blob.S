/* SPDX-License-Identifier: MIT */
/*
 * boot/uefi/demo_blob.S - the built-in scenario, run when the ESP has no
 * \twain\scenario.bin: scenarios/demo.json compiled by `twain compile` at build time
 * (tools/efi.mk passes its path as UEFI_DEMO_BLOB).
 */
    .section .rodata
    .balign 16
    .globl uefi_demo_blob
    .hidden uefi_demo_blob
    .globl uefi_demo_blob_end
    .hidden uefi_demo_blob_end
uefi_demo_blob:
    .incbin UEFI_DEMO_BLOB
uefi_demo_blob_end:
    .byte 0

    .section .note.GNU-stack,"",@progbits
