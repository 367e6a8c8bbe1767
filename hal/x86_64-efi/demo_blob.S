/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64-efi/demo_blob.S - the built-in scenario, run when the ESP has no
 * \twain\scenario.bin: scenarios/demo.json compiled by `twain compile` at build time
 * (tools/efi.mk passes its path as XE_DEMO_BLOB).
 */
    .section .rodata
    .balign 16
    .globl xe_demo_blob
    .hidden xe_demo_blob
    .globl xe_demo_blob_end
    .hidden xe_demo_blob_end
xe_demo_blob:
    .incbin XE_DEMO_BLOB
xe_demo_blob_end:
    .byte 0

    .section .note.GNU-stack,"",@progbits
