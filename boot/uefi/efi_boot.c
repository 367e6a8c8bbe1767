/* SPDX-License-Identifier: MIT */
/*
 * boot/uefi/efi_boot.c - the UEFI application's entry (called by gnu-efi's crt0 after it
 * relocated the image): everything that needs the firmware happens here, then
 * ExitBootServices and a jump to uefi_kmain on the kernel's own stack.
 *
 * Before ExitBootServices it reads the compiled scenario from the ESP the application was
 * loaded from (\twain\scenario.bin, else the built-in demo), the switch files
 * (\twain\trace ...), the GOP framebuffer, and allocates what the kernel keeps: core's page
 * pool (exactly the scenario's pool_pages, so deterministic mode matches the simulator),
 * the page-table pool, the boot and IST stacks. Only this file includes gnu-efi headers.
 */
#include <efi.h>

#include "../../core/kentry.h"
#include "../../hal/x86_64-efi/cpu.h"
#include "../../user/scenario.h"
#include "uefi.h"

#define PT_POOL_PAGES   4096u  /* 16 MiB of page tables: ~60 per task for 64 tasks */
#define VIEW_POOL_PAGES 24576u /* 96 MiB for the view in VIEW builds, less if need be */

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

/* The built-in demo scenario (demo_blob.S includes the compiled scenarios/demo.json). */
extern const uint8_t uefi_demo_blob[], uefi_demo_blob_end[];
/* Zero-initialised data (efi.lds). */
extern uint8_t xe_bss_start[], xe_bss_end[];

static struct uefi_boot_info boot;
static struct scn_view view; /* too big for the firmware's stack */
static EFI_BOOT_SERVICES *bs;

/* Fatal before the kernel runs: say it on serial and on the firmware console, then stop. */
static _Noreturn void boot_fail(EFI_SYSTEM_TABLE *st, uint32_t code, const char *msg)
{
    xe_serial_write("twain: boot failed: ", 20);
    xe_serial_write(msg, k_strlen(msg));
    xe_serial_write("\n", 1);
    CHAR16 wide[160];
    size_t i = 0;
    for (const char *p = "twain: boot failed: "; *p != 0; p++)
        wide[i++] = (CHAR16)*p;
    for (const char *p = msg; *p != 0 && i < 156; p++)
        wide[i++] = (CHAR16)*p;
    wide[i++] = '\r';
    wide[i++] = '\n';
    wide[i] = 0;
    st->ConOut->OutputString(st->ConOut, wide);
    xe_exit(code);
}

static EFI_FILE_HANDLE open_root(EFI_HANDLE image)
{
    EFI_GUID lip = LOADED_IMAGE_PROTOCOL;
    EFI_GUID sfs = SIMPLE_FILE_SYSTEM_PROTOCOL;
    EFI_LOADED_IMAGE *li = NULL;
    EFI_FILE_IO_INTERFACE *fs = NULL;
    EFI_FILE_HANDLE root = NULL;
    if (bs->HandleProtocol(image, &lip, (void **)&li) != EFI_SUCCESS || li == NULL)
        return NULL;
    boot.machine.image_base = (uint64_t)(uintptr_t)li->ImageBase;
    if (bs->HandleProtocol(li->DeviceHandle, &sfs, (void **)&fs) != EFI_SUCCESS || fs == NULL)
        return NULL;
    if (fs->OpenVolume(fs, &root) != EFI_SUCCESS)
        return NULL;
    return root;
}

/* Read up to cap bytes of path into buf; returns the length, or -1 (absent or too big). */
static int64_t read_file(EFI_FILE_HANDLE root, CHAR16 *path, void *buf, size_t cap)
{
    EFI_FILE_HANDLE f;
    if (root == NULL || root->Open(root, &f, path, EFI_FILE_MODE_READ, 0) != EFI_SUCCESS)
        return -1;
    size_t total = 0;
    EFI_STATUS rc = EFI_SUCCESS;
    for (unsigned guard = 0; guard < 1024 && total <= cap; guard++) {
        UINTN n = cap + 1 - total; /* one more than fits: detects a file that is too big */
        rc = f->Read(f, &n, (uint8_t *)buf + total);
        if (rc != EFI_SUCCESS || n == 0)
            break;
        total += n;
    }
    f->Close(f);
    return rc == EFI_SUCCESS && total <= cap ? (int64_t)total : -1;
}

/* Size of the file at path, or -1. */
static int64_t file_size(EFI_FILE_HANDLE root, CHAR16 *path)
{
    EFI_FILE_HANDLE f;
    if (root == NULL || root->Open(root, &f, path, EFI_FILE_MODE_READ, 0) != EFI_SUCCESS)
        return -1;
    EFI_GUID id = EFI_FILE_INFO_ID;
    union {
        EFI_FILE_INFO info;
        uint8_t space[sizeof(EFI_FILE_INFO) + 512];
    } u;
    UINTN n = sizeof(u);
    EFI_STATUS rc = f->GetInfo(f, &id, &n, &u);
    f->Close(f);
    return rc == EFI_SUCCESS ? (int64_t)u.info.FileSize : -1;
}

static bool file_exists(EFI_FILE_HANDLE root, CHAR16 *path)
{
    EFI_FILE_HANDLE f;
    if (root == NULL || root->Open(root, &f, path, EFI_FILE_MODE_READ, 0) != EFI_SUCCESS)
        return false;
    f->Close(f);
    return true;
}

/* Pages below XE_MAP_LIMIT, which the kernel's identity map always covers. */
static void *alloc_pages(size_t npages)
{
    EFI_PHYSICAL_ADDRESS a = XE_MAP_LIMIT - 1;
    if (bs->AllocatePages(AllocateMaxAddress, EfiLoaderData, npages, &a) != EFI_SUCCESS)
        return NULL;
    return (void *)(uintptr_t)a;
}

static void load_scenario(EFI_SYSTEM_TABLE *st, EFI_FILE_HANDLE root)
{
    size_t cap = SCN_MAX_BLOB;
    uint8_t *buf = alloc_pages(cap / XE_PAGE + 1);
    if (buf == NULL)
        boot_fail(st, XE_EXIT_BOOT_ERROR, "no memory for the scenario");
    int64_t n = read_file(root, L"\\twain\\scenario.bin", buf, cap);
    if (n >= 0) {
        boot.blob = buf;
        boot.blob_len = (size_t)n;
    } else {
        boot.blob = uefi_demo_blob;
        boot.blob_len = (size_t)(uefi_demo_blob_end - uefi_demo_blob);
        boot.builtin_blob = true;
    }
    struct scn_error err;
    if (scn_decode(boot.blob, boot.blob_len, &view, &err) != TW_OK) {
        char msg[200];
        k_snprintf(msg, sizeof(msg), "\\twain\\scenario.bin rejected at byte %u: %s", err.offset,
                   err.msg);
        boot_fail(st, XE_EXIT_BAD_INPUT, msg);
    }
    boot.sw.trace_serial = file_exists(root, L"\\twain\\trace");
    boot.sw.kernel_fault = file_exists(root, L"\\twain\\kernel-fault");
    boot.sw.user_fault = file_exists(root, L"\\twain\\user-fault");
    boot.sw.bench_ipc = file_exists(root, L"\\twain\\bench-ipc");
}

/*
 * \twain\disknames: the disks' names, one a line, in the scenario's order (tools/efi-image
 * writes it from the scenario's "disks"). Without it disk N is named "diskN".
 */
static void disk_names(EFI_FILE_HANDLE root)
{
    char text[XE_MAX_DISKS * 17 + 1];
    int64_t n = read_file(root, L"\\twain\\disknames", text, sizeof(text) - 1);
    for (uint32_t i = 0; i < XE_MAX_DISKS; i++)
        k_snprintf(boot.disks[i].name, sizeof(boot.disks[i].name), "disk%u", i);
    uint32_t disk = 0, len = 0;
    for (int64_t i = 0; i < n && disk < XE_MAX_DISKS; i++) {
        char c = text[i];
        if (c == '\n' || c == '\r') {
            disk += len > 0;
            len = 0;
        } else if (len < sizeof(boot.disks[disk].name) - 1) {
            boot.disks[disk].name[len++] = c;
            boot.disks[disk].name[len] = 0;
        }
    }
}

/* \twain\disk0.img .. disk7.img become the machine's disks for blk://, in memory. */
static void load_disks(EFI_SYSTEM_TABLE *st, EFI_FILE_HANDLE root)
{
    disk_names(root);
    for (uint32_t i = 0; i < XE_MAX_DISKS; i++) {
        CHAR16 path[] = L"\\twain\\disk0.img";
        path[11] = (CHAR16)('0' + i);
        int64_t size = file_size(root, path);
        if (size < 0)
            break; /* disks are numbered without gaps */
        struct xe_disk *d = &boot.disks[i];
        d->data = alloc_pages((size_t)size / XE_PAGE + 1);
        if (d->data == NULL || read_file(root, path, d->data, (size_t)size) != size)
            boot_fail(st, XE_EXIT_BOOT_ERROR, "a disk image does not fit in memory");
        d->size = (uint64_t)size;
        boot.ndisks = i + 1;
    }
}

static void find_framebuffer(void)
{
    EFI_GUID gg = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
    EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = NULL;
    if (bs->LocateProtocol(&gg, NULL, (void **)&gop) != EFI_SUCCESS || gop == NULL ||
        gop->Mode == NULL || gop->Mode->Info == NULL)
        return;
    EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *mi = gop->Mode->Info;
    if (mi->PixelFormat != PixelRedGreenBlueReserved8BitPerColor &&
        mi->PixelFormat != PixelBlueGreenRedReserved8BitPerColor)
        return; /* BltOnly or bit masks: serial only */
    boot.machine.fb.base = gop->Mode->FrameBufferBase;
    boot.machine.fb.width = mi->HorizontalResolution;
    boot.machine.fb.height = mi->VerticalResolution;
    boot.machine.fb.stride = mi->PixelsPerScanLine;
    boot.machine.fb.bgr = mi->PixelFormat == PixelBlueGreenRedReserved8BitPerColor;
}

static void allocate_kernel_memory(EFI_SYSTEM_TABLE *st)
{
    boot.pool_pages = view.config.pool_pages;
    boot.pool = alloc_pages(boot.pool_pages);
    if (boot.pool == NULL)
        boot_fail(st, XE_EXIT_BAD_INPUT, "not enough contiguous memory for config.pool_pages");
    for (boot.machine.pt_pages = PT_POOL_PAGES; boot.machine.pt_pages >= 64;
         boot.machine.pt_pages /= 2)
        if ((boot.machine.pt_pool = alloc_pages(boot.machine.pt_pages)) != NULL)
            break;
    boot.machine.ist = alloc_pages(XE_IST_COUNT * XE_IST_SIZE / XE_PAGE);
    if (boot.machine.pt_pool == NULL || boot.machine.ist == NULL)
        boot_fail(st, XE_EXIT_BOOT_ERROR, "no memory for page tables");
#ifdef TWAIN_VIEW
    /* The scheduling view (view.c): back buffer, its stack, the records and the index. */
    for (boot.view_pages = VIEW_POOL_PAGES; boot.view_pages >= 2048; boot.view_pages /= 2)
        if ((boot.view_mem = alloc_pages(boot.view_pages)) != NULL)
            break;
    if (boot.view_mem == NULL)
        boot.view_pages = 0; /* no view: the text console as usual */
#endif
}

/* Highest address the kernel's identity map must cover: RAM, firmware data, framebuffer. */
static uint64_t map_top(const uint8_t *map, size_t size, size_t dsize)
{
    uint64_t top = 4ull << 30;
    for (size_t off = 0; off + dsize <= size; off += dsize) {
        const EFI_MEMORY_DESCRIPTOR *d = (const EFI_MEMORY_DESCRIPTOR *)(map + off);
        if (d->Type == EfiMemoryMappedIO || d->Type == EfiMemoryMappedIOPortSpace)
            continue;
        uint64_t end = d->PhysicalStart + d->NumberOfPages * XE_PAGE;
        top = end > top ? end : top;
    }
    uint64_t fb_end =
        boot.machine.fb.base + (uint64_t)boot.machine.fb.stride * boot.machine.fb.height * 4;
    if (fb_end > XE_MAP_LIMIT)
        boot.machine.fb.base = 0; /* out of the kernel's map: serial only */
    else
        top = fb_end > top ? fb_end : top;
    return top < XE_MAP_LIMIT ? top : XE_MAP_LIMIT;
}

/*
 * Get the memory map and exit boot services. The map key goes stale when anything
 * allocates in between (the firmware may, too), so retry with a fresh map; after a failed
 * ExitBootServices only GetMemoryMap may be called, so the buffer is allocated up front.
 */
static void exit_boot_services(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
    UINTN size = 0, key = 0, dsize = 0;
    UINT32 dver = 0;
    bs->GetMemoryMap(&size, NULL, &key, &dsize, &dver);
    size_t cap = size * 2 + 16 * XE_PAGE;
    uint8_t *map = alloc_pages(cap / XE_PAGE);
    if (map == NULL)
        boot_fail(st, XE_EXIT_BOOT_ERROR, "no memory for the memory map");
    for (int tries = 0; tries < 16; tries++) {
        size = cap;
        if (bs->GetMemoryMap(&size, (EFI_MEMORY_DESCRIPTOR *)map, &key, &dsize, &dver) !=
            EFI_SUCCESS)
            continue;
        boot.machine.map_top = map_top(map, size, dsize);
        if (bs->ExitBootServices(image, key) == EFI_SUCCESS)
            return;
    }
    boot_fail(st, XE_EXIT_BOOT_ERROR, "ExitBootServices kept failing");
}

static void kmain_thunk(void *arg)
{
    uefi_kmain(arg);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
    /* The loader zero-fills .bss (it has no bytes in the file); nothing ran that uses it. */
    k_memset(xe_bss_start, 0, (size_t)(xe_bss_end - xe_bss_start));
    xe_serial_init();
    xe_serial_write("twain: UEFI application started\n", 32);
    bs = st->BootServices;
    bs->SetWatchdogTimer(0, 0, 0, NULL);
    EFI_FILE_HANDLE root = open_root(image);
    load_scenario(st, root);
    load_disks(st, root);
    find_framebuffer();
    allocate_kernel_memory(st);
    void *stack = alloc_pages(UEFI_BOOT_STACK_SIZE / XE_PAGE);
    if (stack == NULL)
        boot_fail(st, XE_EXIT_BOOT_ERROR, "no memory for the kernel stack");
    exit_boot_services(image, st);
    xe_cli();
    xe_call_on_stack((uint8_t *)stack + UEFI_BOOT_STACK_SIZE, kmain_thunk, &boot);
}
