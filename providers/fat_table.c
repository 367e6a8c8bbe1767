/* SPDX-License-Identifier: MIT */
/*
 * providers/fat_table.c - the File Allocation Table of a fat:// mount: 12-, 16- and
 * 28-bit entries read and written through a one-sector window of the first FAT (written
 * to every copy when it moves on or is flushed); the walker that file data and directories
 * follow their chains with (struct fat_walk: a cursor, with Brent's cycle detection, so a
 * loop is an I/O error, not a hang); allocation and freeing. See fat.h.
 */
#include "../core/abi.h"
#include "../core/kassert.h"
#include "../core/klib.h"
#include "fat.h"
#include "storage.h"

static const uint8_t zeros[4096];

uint64_t fat_clus_off(const struct fat_mount *m, uint32_t clus)
{
    K_ASSERT(fat_clus_valid(m, clus));
    return m->data_off + ((uint64_t)(clus - 2) << m->cluster_shift);
}

bool fat_clus_valid(const struct fat_mount *m, uint32_t clus)
{
    return clus >= 2 && clus - 2 < m->nclusters;
}

int fat_win_flush(struct fat_mount *m)
{
    if (!m->win_dirty)
        return TW_OK;
    for (uint32_t i = 0; i < m->nfats; i++) {
        int rc = kio_pwrite(m->sub, m->fat_off + i * m->fat_bytes + m->win_off, m->win, m->sector);
        if (rc != TW_OK)
            return rc;
    }
    m->win_dirty = false;
    return TW_OK;
}

/* The window byte at FAT offset off (loading its sector). */
static int win_at(struct fat_mount *m, uint64_t off, uint8_t **p)
{
    K_ASSERT(off < m->fat_bytes);
    uint64_t sec = off - off % m->sector;
    if (sec != m->win_off) {
        int rc = fat_win_flush(m);
        if (rc == TW_OK)
            rc = kio_pread(m->sub, m->fat_off + sec, m->win, m->sector);
        if (rc != TW_OK) {
            m->win_off = FAT_NO_OFF;
            return rc;
        }
        m->win_off = sec;
    }
    *p = m->win + (off - sec);
    return TW_OK;
}

static int fat_get(struct fat_mount *m, uint32_t clus, uint32_t *val)
{
    uint8_t *p, *q;
    int rc;
    if (m->type == 12) {
        uint64_t off = clus + clus / 2;
        if ((rc = win_at(m, off, &p)) != TW_OK)
            return rc;
        uint32_t lo = *p;
        if ((rc = win_at(m, off + 1, &q)) != TW_OK)
            return rc;
        uint32_t v = lo | (uint32_t)*q << 8;
        *val = clus & 1 ? v >> 4 : v & 0xfff;
        return TW_OK;
    }
    uint64_t off = (uint64_t)clus * (m->type / 8);
    if ((rc = win_at(m, off, &p)) != TW_OK)
        return rc;
    *val = m->type == 16 ? fat_le16(p) : fat_le32(p) & 0x0fffffff;
    return TW_OK;
}

static int fat_set(struct fat_mount *m, uint32_t clus, uint32_t val)
{
    uint8_t *p;
    int rc;
    m->fsinfo_dirty = true;
    if (m->type == 12) {
        uint64_t off = clus + clus / 2;
        if ((rc = win_at(m, off, &p)) != TW_OK)
            return rc;
        *p = clus & 1 ? (uint8_t)((*p & 0x0f) | (val << 4 & 0xf0)) : (uint8_t)val;
        m->win_dirty = true;
        if ((rc = win_at(m, off + 1, &p)) != TW_OK)
            return rc;
        *p = clus & 1 ? (uint8_t)(val >> 4) : (uint8_t)((*p & 0xf0) | (val >> 8 & 0x0f));
        m->win_dirty = true;
        return TW_OK;
    }
    uint64_t off = (uint64_t)clus * (m->type / 8);
    if ((rc = win_at(m, off, &p)) != TW_OK)
        return rc;
    if (m->type == 16)
        fat_put16(p, (uint16_t)val);
    else
        fat_put32(p, (fat_le32(p) & 0xf0000000u) | (val & 0x0fffffff));
    m->win_dirty = true;
    return TW_OK;
}

static uint32_t eoc_min(const struct fat_mount *m)
{
    return m->type == 12 ? 0xff8 : m->type == 16 ? 0xfff8 : 0x0ffffff8;
}

int fat_next(struct fat_mount *m, uint32_t clus, uint32_t *next)
{
    uint32_t v;
    int rc = fat_get(m, clus, &v);
    if (rc != TW_OK)
        return rc;
    if (v >= eoc_min(m)) {
        *next = 0;
        return TW_OK;
    }
    if (!fat_clus_valid(m, v))
        return TW_E_IO; /* free, reserved, bad or out of range inside a chain */
    *next = v;
    return TW_OK;
}

int fat_set_eoc(struct fat_mount *m, uint32_t clus)
{
    K_ASSERT(fat_clus_valid(m, clus));
    return fat_set(m, clus, m->type == 12 ? 0xfff : m->type == 16 ? 0xffff : 0x0fffffff);
}

static int zero_cluster(struct fat_mount *m, uint32_t clus)
{
    uint64_t off = fat_clus_off(m, clus);
    for (uint32_t done = 0; done < m->cluster; done += sizeof(zeros)) {
        int rc = kio_pwrite(m->sub, off + done, zeros, K_MIN(sizeof(zeros), m->cluster - done));
        if (rc != TW_OK)
            return rc;
    }
    if (m->dbuf_off != FAT_NO_OFF && m->dbuf_off >= off && m->dbuf_off < off + m->cluster)
        m->dbuf_off = FAT_NO_OFF;
    return TW_OK;
}

int fat_alloc(struct fat_mount *m, uint32_t prev, bool zero, uint32_t *out)
{
    uint32_t c = fat_clus_valid(m, m->next_free) ? m->next_free : 2;
    for (uint32_t i = 0; i < m->nclusters; i++, c = c + 1 < m->nclusters + 2 ? c + 1 : 2) {
        uint32_t v;
        int rc = fat_get(m, c, &v);
        if (rc != TW_OK)
            return rc;
        if (v != 0)
            continue;
        if ((rc = fat_set_eoc(m, c)) != TW_OK)
            return rc;
        if (zero && (rc = zero_cluster(m, c)) != TW_OK)
            return rc;
        if (prev != 0 && (rc = fat_set(m, prev, c)) != TW_OK)
            return rc;
        m->next_free = c + 1 < m->nclusters + 2 ? c + 1 : 2;
        *out = c;
        return TW_OK;
    }
    return TW_E_LIMIT;
}

/*
 * Not a walk with struct fat_walk: freeing as it goes is its own loop detection (a chain that
 * comes round reaches a freed cluster, whose link fat_next refuses), and cycle detection
 * on top would stop some loops one FAT read earlier than freeing has always found them.
 */
int fat_free_chain(struct fat_mount *m, uint32_t first)
{
    uint32_t c = first;
    for (uint32_t i = 0; c != 0 && i <= m->nclusters; i++) {
        if (!fat_clus_valid(m, c))
            return TW_E_IO;
        uint32_t next;
        int rc = fat_next(m, c, &next);
        if (rc == TW_OK)
            rc = fat_set(m, c, 0);
        if (rc != TW_OK)
            return rc;
        c = next;
    }
    return c == 0 ? TW_OK : TW_E_IO;
}

int fat_count_free(struct fat_mount *m, uint32_t *out)
{
    uint32_t n = 0;
    for (uint32_t c = 2; c - 2 < m->nclusters; c++) {
        uint32_t v;
        int rc = fat_get(m, c, &v);
        if (rc != TW_OK)
            return rc;
        n += v == 0;
    }
    *out = n;
    return TW_OK;
}

/* ---- walking a chain ---------------------------------------------------------------------- */

/* Start watching a walk at cluster first. */
static void fat_loop_start(struct fat_loop *l, uint32_t first)
{
    l->saved = first;
    l->power = 1;
    l->steps = 0;
}

/* The walk stepped to next: false when it came back to a cluster it had passed. */
static bool fat_loop_step(struct fat_loop *l, uint32_t next)
{
    if (next == l->saved)
        return false;
    if (++l->steps == l->power) {
        l->saved = next;
        l->power = l->power < (1u << 31) ? l->power * 2 : l->power;
        l->steps = 0;
    }
    return true;
}

int fat_walk_to(struct fat_mount *m, struct fat_walk *w, uint32_t first, uint32_t idx)
{
    if (!fat_clus_valid(m, first))
        return TW_E_IO;
    if (w->clus == 0 || w->idx > idx) {
        w->clus = first;
        w->idx = 0;
        fat_loop_start(&w->loop, first);
    }
    while (w->idx < idx) {
        uint32_t next;
        int rc = fat_next(m, w->clus, &next);
        if (rc != TW_OK)
            return rc;
        if (next == 0)
            return TW_E_NOENT;
        if (!fat_loop_step(&w->loop, next))
            return TW_E_IO; /* the chain loops */
        w->clus = next;
        w->idx++;
    }
    K_ASSERT(w->idx == idx && fat_clus_valid(m, w->clus));
    return TW_OK;
}

int fat_chain_at(struct fat_node *n, uint32_t idx, uint32_t *clus)
{
    if (n->first == 0) {
        n->cur.clus = 0;
        return TW_E_NOENT;
    }
    if (idx >= n->m->nclusters)
        return TW_E_IO; /* a chain longer than the volume has a loop */
    int rc = fat_walk_to(n->m, &n->cur, n->first, idx);
    if (rc == TW_OK)
        *clus = n->cur.clus;
    return rc;
}
