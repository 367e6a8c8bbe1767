/* SPDX-License-Identifier: MIT */
/*
 * boot/uefi/view.c - the scheduling view (viz/, docs/viz.md) on the GOP framebuffer:
 * built with -DTWAIN_VIEW (tools/efi.mk's build/efi-view, `make run-efi VIEW=1`).
 *
 * Every trace record the application's sink sees (trace_out.c, handed on by the HAL's
 * hal_trace_write) is copied into an array and fed to a viz index;
 * both live in a region efi_boot.c reserved before ExitBootServices (not core's pool: the
 * kernel's own allocations stay as they are). Every so often (50 ms of real time at
 * least, and never more than a tenth of the time) the view, fitted to the whole
 * trace so far, is rendered into a back buffer and copied to the framebuffer; at the end
 * the final view is drawn and stays. Rendering runs on a stack of its own in the region:
 * trace records arrive on 16 KiB kernel stacks. The HAL's text console (fb.c) is off
 * meanwhile (xe_fb_text).
 */
#include "../../core/kentry.h"
#include "../../hal/x86_64-efi/cpu.h"
#include "uefi.h"

#ifdef TWAIN_VIEW

#include "../../viz/arena.h"
#include "../../viz/index.h"
#include "../../viz/layout.h"
#include "../../viz/render.h"

#define VIEW_STACK (256u * 1024)

static struct {
    bool on, ended;
    uint32_t *gop;
    uint32_t w, h, stride;
    bool bgr;
    uint32_t *back; /* w x h, 0x00RRGGBB */
    uint8_t *stack_top;
    struct trace_rec *recs;
    size_t nrecs, cap;
    bool full; /* the record array is full: later records are not shown */
    struct viz_arena arena;
    struct viz_index ix;
    char title[64];
    uint64_t last_frame, gap; /* TSC ticks */
    uint64_t frames, frame_ticks;
} vw;

void uefi_view_init(const struct uefi_boot_info *bi, const char *title, size_t title_len)
{
    const struct xe_framebuffer *f = &bi->machine.fb;
    if (f->base == 0 || bi->view_mem == NULL || f->width < 320 || f->height < 200)
        return;
    size_t total = bi->view_pages * XE_PAGE;
    size_t back = K_ALIGN_UP((size_t)f->width * f->height * 4, (size_t)XE_PAGE);
    if (total < back + VIEW_STACK + (4u << 20))
        return;
    uint8_t *p = bi->view_mem;
    vw.back = (uint32_t *)p;
    vw.stack_top = p + back + VIEW_STACK;
    size_t rest = total - back - VIEW_STACK;
    size_t rec_bytes = rest / 3; /* 48 bytes a record; the index needs ~2x its size */
    vw.recs = (struct trace_rec *)(vw.stack_top);
    vw.cap = rec_bytes / sizeof(struct trace_rec);
    viz_arena_init(&vw.arena, vw.stack_top + rec_bytes, rest - rec_bytes);
    struct viz_alloc a = viz_arena_alloc(&vw.arena);
    viz_index_init(&vw.ix, &a);
    vw.gop = (uint32_t *)(uintptr_t)f->base;
    vw.w = f->width;
    vw.h = f->height;
    vw.stride = f->stride;
    vw.bgr = f->bgr;
    size_t n = title_len < sizeof(vw.title) - 1 ? title_len : sizeof(vw.title) - 1;
    k_memcpy(vw.title, title, n);
    vw.title[n] = 0;
    uint64_t hz = xe_tsc_hz();
    vw.gap = hz / 20; /* 0 in deterministic mode (no calibrated clock): the end only */
    vw.last_frame = xe_rdtsc();
    vw.on = true;
    xe_fb_text(false); /* the view has the screen */
    xe_serial_printf("view: %ux%u GOP (%s), %zu records, %zu KiB of index memory\n", vw.w, vw.h,
                     vw.bgr ? "BGR" : "RGB", vw.cap, (rest - rec_bytes) / 1024);
}

/* The back buffer to the framebuffer: 0x00RRGGBB is BGR8 in memory; RGB8 swaps. */
static void present(void)
{
    for (uint32_t y = 0; y < vw.h; y++) {
        const uint32_t *s = vw.back + (size_t)y * vw.w;
        uint32_t *d = vw.gop + (size_t)y * vw.stride;
        if (vw.bgr) {
            k_memcpy(d, s, (size_t)vw.w * 4);
            continue;
        }
        for (uint32_t x = 0; x < vw.w; x++) {
            uint32_t c = s[x];
            d[x] = ((c & 0xff) << 16) | (c & 0xff00) | ((c >> 16) & 0xff);
        }
    }
}

static void frame(void)
{
    struct viz_fb fb;
    struct viz_layout L;
    struct viz_view v = {0};
    viz_fb_init(&fb, vw.back, (int)vw.w, (int)vw.h, (int)vw.w);
    viz_layout_compute(&L, (int)vw.w, (int)vw.h, vw.ix.nlanes);
    viz_view_fit(&v, &vw.ix);
    struct viz_status st = {
        .title = vw.title,
        .state = vw.ended ? "ENDED" : "LIVE",
        .hint = vw.full ? "UEFI GOP, real time - record buffer full: the view stops here"
                        : "UEFI GOP, real time - the whole run so far",
    };
    viz_render(&fb, &L, &vw.ix, &v, &st);
    present();
    vw.frames++;
}

/* Call fn on the view's own stack (kernel stacks are 16 KiB). Interrupts are off. */
static void on_view_stack(void (*fn)(void))
{
    __asm__ volatile("mov %%rsp, %%rbx\n\t"
                     "mov %0, %%rsp\n\t"
                     "call *%1\n\t"
                     "mov %%rbx, %%rsp\n\t"
                     :
                     : "r"(vw.stack_top), "r"(fn)
                     : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory",
                       "cc");
}

void uefi_view_feed(const struct trace_rec *r, size_t n)
{
    if (!vw.on)
        return;
    size_t room = vw.cap - vw.nrecs;
    if (n > room) {
        n = room;
        vw.full = true;
    }
    if (n > 0) {
        k_memcpy(vw.recs + vw.nrecs, r, n * sizeof(*r));
        vw.nrecs += n;
        viz_index_feed(&vw.ix, vw.recs, vw.nrecs);
    }
    if (vw.gap == 0)
        return;
    uint64_t t0 = xe_rdtsc();
    if (t0 - vw.last_frame < vw.gap)
        return;
    on_view_stack(frame);
    uint64_t t1 = xe_rdtsc();
    /* At most a tenth of the time goes to drawing. */
    uint64_t cost = t1 - t0, min_gap = xe_tsc_hz() / 20;
    vw.frame_ticks += cost;
    vw.gap = cost * 10 > min_gap ? cost * 10 : min_gap;
    vw.last_frame = t1;
}

void uefi_view_final(void)
{
    if (!vw.on)
        return;
    vw.ended = true;
    uint64_t f = xe_save_flags();
    xe_cli();
    on_view_stack(frame);
    if (f & XE_RFLAGS_IF)
        __asm__ volatile("sti" : : : "memory");
    uint64_t live = vw.frames - 1, khz = xe_tsc_hz() / 1000;
    uint64_t us = live > 0 && khz > 0 ? vw.frame_ticks * 1000 / khz / live : 0;
    xe_serial_printf("view: %llu frames (live ones %llu us each), %zu records, %u lanes, %zu KiB "
                     "of index%s\n",
                     (unsigned long long)vw.frames, (unsigned long long)us, vw.nrecs, vw.ix.nlanes,
                     viz_index_bytes(&vw.ix) / 1024, vw.ix.oom ? " (out of memory)" : "");
}

#endif /* TWAIN_VIEW */
