# Shell functions shared by the UEFI scripts (tools/boot-tests, tools/efi-run,
# tools/efi-bench): the QEMU/OVMF command line and reading its serial log. Sourced.
#
# The QEMU line is the fastest reliable one measured on these machines (see
# ../shared/notes/uefi-on-this-machine.md): q35, no default devices, std VGA (GOP stays
# on), both OVMF flash files read-only (the variable store is never written: no copy to
# make), isa-debug-exit for a real exit status, no reboot on a triple fault.

EFI_OVMF_CODE=${EFI_OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
EFI_OVMF_VARS=${EFI_OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
EFI_QEMU=${EFI_QEMU:-qemu-system-x86_64}

# QEMU exit statuses: the kernel writes v to port 0xf4 and QEMU exits (v << 1) | 1
# (hal/x86_64-efi/exitcodes.h). 0 is never a kernel's answer (a triple fault gives 0),
# timeout(1) gives 124.
EFI_RC_PASS=1
EFI_RC_FAIL=3
EFI_RC_BAD_INPUT=5
EFI_RC_BOOT_ERROR=7
EFI_RC_CPU_FAULT=33
EFI_RC_PANIC=35

efi_rc_name() {
    case $1 in
    1) echo "pass" ;; 3) echo "expectation failed" ;; 5) echo "bad scenario" ;;
    7) echo "boot error" ;; 33) echo "CPU exception in the kernel" ;; 35) echo "kernel panic" ;;
    0) echo "QEMU exited 0 (triple fault? never a kernel status)" ;;
    124) echo "timeout: QEMU killed" ;; *) echo "QEMU exit $1" ;;
    esac
}

efi_qemu_args() { # IMAGE
    echo "-nodefaults -machine q35 -m 256M -no-reboot -vga std" \
        "-drive if=pflash,format=raw,readonly=on,file=$EFI_OVMF_CODE" \
        "-drive if=pflash,format=raw,readonly=on,file=$EFI_OVMF_VARS" \
        "-drive format=raw,file=$1"
}

# Boot IMAGE headless with serial into LOG, killed after SECONDS; returns QEMU's status.
efi_boot_headless() { # IMAGE LOG SECONDS
    # shellcheck disable=SC2046
    timeout --kill-after=5 "$3" "$EFI_QEMU" $(efi_qemu_args "$1") -display none -monitor none \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial "file:$2" </dev/null >/dev/null 2>&1
}

# The serial log as plain text: no CR, no terminal escape sequences.
efi_clean_log() { # LOG
    tr -d '\r' <"$1" | sed 's/\x1b\[[0-9;?=]*[a-zA-Z]//g; s/\x1b[()][A-Z0-9]//g'
}
