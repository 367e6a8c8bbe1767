/* SPDX-License-Identifier: MIT */
/*
 * hal/x86_64-efi/mmu.c - page tables: the kernel's identity map and one address space per
 * task (hal_aspace_*).
 *
 * The kernel template maps [0, map_top) one to one with 2 MiB pages, supervisor only
 * (page 0 is not present, so a null dereference faults). A task's address space starts as
 * a copy of the template's top table; making a page user-accessible copies the tables on
 * its path (copy on first touch) and splits the 2 MiB page into 4 KiB ones, so the kernel
 * stays mapped supervisor-only in every task and only the task's own regions, plus the
 * user runtime's code (read/execute) and read-only data (read, no execute), carry the
 * user bit. Page-table pages come from the backend's own pool, never from core's.
 *
 * A table is private to an address space exactly when its entry differs from the
 * template's at the same place: that is how destroy finds what to free, with no list.
 */
#include "../../core/kentry.h"
#include "../hal.h"
#include "cpu.h"
#include "xe.h"

#define PTE_P    (1ull << 0)
#define PTE_RW   (1ull << 1)
#define PTE_US   (1ull << 2)
#define PTE_PS   (1ull << 7)
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull
#define TABLE    (PTE_P | PTE_RW | PTE_US) /* non-leaf entries: the leaf decides */
#define GIB      (1ull << 30)
#define MIB2     (1ull << 21)

struct hal_aspace {
    uint64_t pml4[512];
};
K_STATIC_ASSERT(sizeof(struct hal_aspace) == XE_PAGE, "an address space is its top table");

static struct {
    uint64_t *free; /* free page-table pages, linked through their first word */
    size_t used, max_used, total;
    uint64_t *kpml4, *kpdpt;
    uint64_t *kpd[512]; /* one page directory per GiB of the identity map */
    uint32_t npd;
    struct hal_aspace *current; /* NULL: the kernel template is loaded */
    uint64_t utext, utext_end, udata, udata_end;
    uint64_t nx;
} mmu;

static uint64_t *pt_alloc(void)
{
    uint64_t *p = mmu.free;
    if (p == NULL)
        return NULL;
    mmu.free = (uint64_t *)(uintptr_t)p[0];
    mmu.used++;
    mmu.max_used = K_MAX(mmu.max_used, mmu.used);
    k_memset(p, 0, XE_PAGE);
    return p;
}

static void pt_free(uint64_t *p)
{
    K_ASSERT(mmu.used > 0);
    p[0] = (uint64_t)(uintptr_t)mmu.free;
    mmu.free = p;
    mmu.used--;
}

static uint64_t *table_of(uint64_t e)
{
    return (uint64_t *)(uintptr_t)(e & PTE_ADDR);
}

size_t xe_mmu_pages_used(void)
{
    return mmu.max_used;
}

static void build_template(uint64_t map_top)
{
    mmu.kpml4 = pt_alloc();
    mmu.kpdpt = pt_alloc();
    K_ASSERT(mmu.kpml4 != NULL && mmu.kpdpt != NULL);
    mmu.kpml4[0] = (uint64_t)(uintptr_t)mmu.kpdpt | TABLE;
    mmu.npd = (uint32_t)((map_top + GIB - 1) / GIB);
    K_ASSERT(mmu.npd >= 1 && mmu.npd <= 512);
    for (uint32_t i = 0; i < mmu.npd; i++) {
        uint64_t *pd = pt_alloc();
        K_ASSERT(pd != NULL);
        for (uint64_t j = 0; j < 512; j++)
            pd[j] = ((uint64_t)i * GIB + j * MIB2) | PTE_P | PTE_RW | PTE_PS;
        mmu.kpd[i] = pd;
        mmu.kpdpt[i] = (uint64_t)(uintptr_t)pd | TABLE;
    }
    uint64_t *pt0 = pt_alloc(); /* the first 2 MiB in 4 KiB pages, page 0 absent */
    K_ASSERT(pt0 != NULL);
    for (uint64_t k = 1; k < 512; k++)
        pt0[k] = (k * XE_PAGE) | PTE_P | PTE_RW;
    mmu.kpd[0][0] = (uint64_t)(uintptr_t)pt0 | TABLE;
}

/* Point *e at a private copy of the table it shares with the template (or split a leaf). */
static bool own(uint64_t *e, uint64_t tmpl, uint64_t va_base)
{
    if ((*e & PTE_PS) == 0 && ((tmpl & PTE_PS) || table_of(*e) != table_of(tmpl)))
        return true; /* already private */
    uint64_t *t = pt_alloc();
    if (t == NULL)
        return false;
    if (*e & PTE_PS) { /* a 2 MiB leaf becomes 512 small pages with the same rights */
        uint64_t flags = *e & (PTE_P | PTE_RW | PTE_US);
        for (uint64_t k = 0; k < 512; k++)
            t[k] = (va_base + k * XE_PAGE) | flags;
    } else {
        k_memcpy(t, table_of(*e), XE_PAGE);
    }
    *e = (uint64_t)(uintptr_t)t | TABLE;
    return true;
}

/* The 4 KiB page-table entry of va in as, making its path private. NULL: out of pages. */
static uint64_t *pte_own(struct hal_aspace *as, uint64_t va)
{
    unsigned i4 = (va >> 39) & 511, i3 = (va >> 30) & 511, i2 = (va >> 21) & 511;
    K_ASSERT(i4 == 0 && i3 < mmu.npd);
    if (!own(&as->pml4[i4], mmu.kpml4[i4], 0))
        return NULL;
    uint64_t *pdpt = table_of(as->pml4[i4]);
    if (!own(&pdpt[i3], mmu.kpdpt[i3], 0))
        return NULL;
    uint64_t *pd = table_of(pdpt[i3]);
    if (!own(&pd[i2], mmu.kpd[i3][i2], va & ~(MIB2 - 1)))
        return NULL;
    return &table_of(pd[i2])[(va >> 12) & 511];
}

/* The private 4 KiB entry of va in as, or NULL when as shares that part of the template. */
static uint64_t *pte_find(struct hal_aspace *as, uint64_t va)
{
    unsigned i3 = (va >> 30) & 511, i2 = (va >> 21) & 511;
    if (i3 >= mmu.npd || (va >> 39) != 0 || table_of(as->pml4[0]) == mmu.kpdpt)
        return NULL;
    uint64_t e3 = table_of(as->pml4[0])[i3];
    if (table_of(e3) == mmu.kpd[i3])
        return NULL;
    uint64_t e2 = table_of(e3)[i2];
    if ((e2 & PTE_PS) || e2 == mmu.kpd[i3][i2])
        return NULL;
    return &table_of(e2)[(va >> 12) & 511];
}

static void flush_if_current(struct hal_aspace *as)
{
    if (as == mmu.current)
        xe_write_cr3((uint64_t)(uintptr_t)as);
}

/* Give [lo, hi) the rights flags (P and US always) in as; false when out of pages. */
static bool map_range(struct hal_aspace *as, uint64_t lo, uint64_t hi, uint64_t flags)
{
    for (uint64_t va = lo; va < hi; va += XE_PAGE) {
        uint64_t *pte = pte_own(as, va);
        if (pte == NULL)
            return false;
        *pte = (*pte & PTE_ADDR) | flags;
    }
    return true;
}

void xe_mmu_init(const struct xe_machine *m, uint64_t utext, uint64_t utext_end, uint64_t udata,
                 uint64_t udata_end)
{
    k_memset(&mmu, 0, sizeof(mmu));
    uint8_t *pool = m->pt_pool;
    for (size_t i = m->pt_pages; i-- > 0;) {
        uint64_t *p = (uint64_t *)(pool + i * XE_PAGE);
        p[0] = (uint64_t)(uintptr_t)mmu.free;
        mmu.free = p;
    }
    mmu.total = m->pt_pages;
    mmu.nx = (xe_rdmsr(XE_MSR_EFER) & XE_EFER_NXE) ? PTE_NX : 0;
    K_ASSERT(utext % XE_PAGE == 0 && utext_end % XE_PAGE == 0 && udata % XE_PAGE == 0 &&
             udata_end % XE_PAGE == 0);
    mmu.utext = utext;
    mmu.utext_end = utext_end;
    mmu.udata = udata;
    mmu.udata_end = udata_end;
    build_template(m->map_top);
    xe_write_cr3((uint64_t)(uintptr_t)mmu.kpml4);
}

struct hal_aspace *hal_aspace_create(void)
{
    struct hal_aspace *as = (struct hal_aspace *)pt_alloc();
    if (as == NULL)
        return NULL;
    k_memcpy(as->pml4, mmu.kpml4, XE_PAGE);
    if (!map_range(as, mmu.utext, mmu.utext_end, PTE_P | PTE_US) ||
        !map_range(as, mmu.udata, mmu.udata_end, PTE_P | PTE_US | mmu.nx)) {
        hal_aspace_destroy(as);
        return NULL;
    }
    return as;
}

void hal_aspace_destroy(struct hal_aspace *as)
{
    if (as == mmu.current) { /* the idle loop may still run on it */
        xe_write_cr3((uint64_t)(uintptr_t)mmu.kpml4);
        mmu.current = NULL;
    }
    uint64_t *pdpt = table_of(as->pml4[0]);
    for (uint32_t i3 = 0; pdpt != mmu.kpdpt && i3 < mmu.npd; i3++) {
        uint64_t *pd = table_of(pdpt[i3]);
        for (uint32_t i2 = 0; pd != mmu.kpd[i3] && i2 < 512; i2++) {
            uint64_t tmpl = mmu.kpd[i3][i2];
            if ((pd[i2] & PTE_PS) == 0 && ((tmpl & PTE_PS) || table_of(pd[i2]) != table_of(tmpl)))
                pt_free(table_of(pd[i2]));
        }
        if (pd != mmu.kpd[i3])
            pt_free(pd);
    }
    if (pdpt != mmu.kpdpt)
        pt_free(pdpt);
    pt_free(as->pml4);
}

int hal_aspace_map(struct hal_aspace *as, void *base, size_t len)
{
    uint64_t lo = (uint64_t)(uintptr_t)base;
    K_ASSERT(lo % XE_PAGE == 0 && len % XE_PAGE == 0);
    bool ok = map_range(as, lo, lo + len, PTE_P | PTE_RW | PTE_US | mmu.nx);
    if (!ok) {
        xe_serial_printf("twain: page-table pool exhausted (%zu pages)\n", mmu.total);
        hal_aspace_unmap(as, base, len);
    }
    flush_if_current(as);
    return ok ? HAL_OK : HAL_E_NOMEM;
}

void hal_aspace_unmap(struct hal_aspace *as, void *base, size_t len)
{
    uint64_t lo = (uint64_t)(uintptr_t)base;
    for (uint64_t va = lo; va < lo + len; va += XE_PAGE) {
        uint64_t *pte = pte_find(as, va);
        if (pte != NULL)
            *pte = (*pte & PTE_ADDR) | PTE_P | PTE_RW; /* back to kernel-only */
    }
    flush_if_current(as);
}

void xe_mmu_guard_user_page(uint64_t va)
{
    K_ASSERT(mmu.current != NULL && va % XE_PAGE == 0);
    uint64_t *pte = pte_find(mmu.current, va);
    K_ASSERT(pte != NULL && (*pte & PTE_US)); /* a user region of the running task */
    *pte &= ~PTE_US; /* still there for the kernel: only ring 3 faults on it */
    __asm__ volatile("invlpg (%0)" : : "r"((uintptr_t)va) : "memory");
}

void xe_mmu_describe(uint64_t va, char *buf, size_t cap)
{
    uint64_t *t = (uint64_t *)(uintptr_t)(xe_read_cr3() & PTE_ADDR);
    size_t n = k_snprintf(buf, cap, "page walk of %llx:", (unsigned long long)va);
    for (int level = 3; level >= 0 && n < cap; level--) {
        uint64_t e = t[(va >> (12 + 9 * level)) & 511];
        n += k_snprintf(buf + n, cap - n, " L%d %llx", level + 1, (unsigned long long)e);
        if ((e & PTE_P) == 0 || (level > 0 && level < 3 && (e & PTE_PS)))
            break;
        t = table_of(e);
    }
}

void hal_aspace_switch(struct hal_aspace *as)
{
    if (as == mmu.current)
        return;
    mmu.current = as;
    xe_write_cr3((uint64_t)(uintptr_t)(as != NULL ? as->pml4 : mmu.kpml4));
}
