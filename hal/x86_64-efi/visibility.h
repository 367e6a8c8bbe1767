/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64-efi/visibility.h - forced into every compilation of the UEFI build
 * (-include): every symbol is hidden, so position-independent code reaches functions and
 * data directly (rip-relative) instead of through a GOT or PLT. That matters beyond speed:
 * user code runs in ring 3 and may not read the kernel's GOT.
 */
#pragma GCC visibility push(hidden)
