/* SPDX-License-Identifier: MIT */
/*
 * providers/fat_bpb.c - fat:// mounts: the boot sector and BPB checked and turned into a
 * geometry, one mount per sub-URL text (reference counted by the open nodes on it), and
 * syncing (entries, FAT window, FSInfo, the device). See fat.h.
 */
#include "../core/abi.h"
#include "../core/kassert.h"
#include "../core/klib.h"
#include "../core/limits.h"
#include "../core/obj.h"
#include "../core/page.h"
#include "../core/provider.h"
#include "fat.h"
#include "storage.h"

K_STATIC_ASSERT(sizeof(struct fat_mount) <= K_PAGE_SIZE, "a mount fits one page");

static struct list mounts; /* struct fat_mount.link */

void fat_reset_mounts(void)
{
    list_init(&mounts); /* mounts of a previous boot went with its pool */
}

static bool pow2(uint32_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

/* The sizes the BPB gives, checked against each other and the device. */
static int bpb_geometry(struct fat_mount *m, const uint8_t *b, uint64_t dev_size)
{
    uint32_t bps = fat_le16(b + BPB_BytsPerSec), spc = b[BPB_SecPerClus];
    uint32_t rsvd = fat_le16(b + BPB_RsvdSecCnt), nfats = b[BPB_NumFATs];
    uint32_t root_ent = fat_le16(b + BPB_RootEntCnt), tot = fat_le16(b + BPB_TotSec16);
    uint32_t fatsz = fat_le16(b + BPB_FATSz16);
    bool f32 = fatsz == 0;
    if (tot == 0)
        tot = fat_le32(b + BPB_TotSec32);
    if (f32)
        fatsz = fat_le32(b + BPB_FATSz32);
    if (fat_le16(b + BS_Signature) != FAT_BOOT_SIGNATURE || !pow2(bps) || bps < 512 || bps > 4096 ||
        !pow2(spc) || (uint64_t)bps * spc > 65536 || rsvd == 0 || nfats == 0 || nfats > 4 ||
        tot == 0 || fatsz == 0 || (uint64_t)tot * bps > dev_size || (f32 && root_ent != 0) ||
        (!f32 && root_ent == 0))
        return TW_E_IO;
    uint64_t root_secs = ((uint64_t)root_ent * FAT_SLOT_BYTES + bps - 1) / bps;
    uint64_t data_sec = rsvd + (uint64_t)nfats * fatsz + root_secs;
    if (data_sec >= tot)
        return TW_E_IO;
    uint64_t clusters = (tot - data_sec) / spc;
    m->type = f32 ? 32 : clusters < 4085 ? 12 : 16;
    uint64_t fat_cap = (uint64_t)fatsz * bps * 8 / (m->type == 12 ? 12 : m->type);
    if (clusters == 0 || clusters + 2 > fat_cap || (m->type == 16 && clusters > 65524) ||
        clusters > 0x0ffffff5 - 2)
        return TW_E_IO;
    m->sector = bps;
    m->cluster = bps * spc;
    m->cluster_shift = (uint32_t)__builtin_ctz(m->cluster);
    m->fat_off = (uint64_t)rsvd * bps;
    m->fat_bytes = (uint64_t)fatsz * bps;
    m->nfats = nfats;
    m->root_off = m->fat_off + nfats * m->fat_bytes;
    m->root_slots = root_ent;
    m->data_off = data_sec * bps;
    m->nclusters = (uint32_t)clusters;
    m->next_free = 2;
    return TW_OK;
}

/* FAT32: the root cluster and the FSInfo sector (used only when its signatures hold). */
static int bpb_fat32(struct fat_mount *m, const uint8_t *b)
{
    m->fsinfo_off = FAT_NO_OFF;
    if (m->type != 32)
        return TW_OK;
    m->root_cluster = fat_le32(b + BPB_RootClus) & 0x0fffffff;
    if (!fat_clus_valid(m, m->root_cluster) || fat_le16(b + BPB_FSVer) != 0)
        return TW_E_IO;
    uint32_t fsi = fat_le16(b + BPB_FSInfo);
    if (fsi == 0 || fsi == 0xffff || (uint64_t)fsi * m->sector >= m->fat_off)
        return TW_OK;
    uint8_t *s = m->dbuf;
    int rc = kio_pread(m->sub, (uint64_t)fsi * m->sector, s, FAT_BOOT_BYTES);
    if (rc != TW_OK)
        return rc;
    if (fat_le32(s + FSI_LeadSig) == FSI_LEAD_SIG && fat_le32(s + FSI_StrucSig) == FSI_STRUC_SIG &&
        fat_le32(s + FSI_TrailSig) == FSI_TRAIL_SIG)
        m->fsinfo_off = (uint64_t)fsi * m->sector;
    uint32_t hint = fat_le32(s + FSI_Nxt_Free);
    if (fat_clus_valid(m, hint))
        m->next_free = hint;
    return TW_OK;
}

static void mount_free(struct fat_mount *m)
{
    if (m->sub != NULL)
        kobj_unref(m->sub);
    if (m->win != NULL)
        page_free(m->win, 0);
    if (m->dbuf != NULL)
        page_free(m->dbuf, 0);
    page_free(m, 0);
}

static int mount_new(const struct url_parsed *p, const struct url *u, struct fat_mount **out)
{
    struct fat_mount *m = page_alloc(0);
    if (m == NULL)
        return TW_E_NOMEM;
    list_init(&m->nodes);
    m->win_off = m->dbuf_off = FAT_NO_OFF;
    m->win = page_alloc(0);
    m->dbuf = page_alloc(0);
    int rc = m->win && m->dbuf ? provider_open_sub(p, u, 0, &m->sub) : TW_E_NOMEM;
    int64_t size = rc == TW_OK ? kio_size(m->sub) : rc;
    if (rc == TW_OK && size < FAT_BOOT_BYTES)
        rc = size < 0 ? (int)size : TW_E_IO;
    if (rc == TW_OK)
        rc = kio_pread(m->sub, 0, m->dbuf, FAT_BOOT_BYTES);
    if (rc == TW_OK)
        rc = bpb_geometry(m, m->dbuf, (uint64_t)size);
    if (rc == TW_OK)
        rc = bpb_fat32(m, m->dbuf);
    if (rc != TW_OK) {
        mount_free(m);
        return rc == TW_E_NOTSUP ? TW_E_INVAL : rc;
    }
    const struct url_str *key = &p->level[u->sub].text;
    k_memcpy(m->key, key->ptr, key->len);
    m->key_len = key->len;
    list_push_back(&mounts, &m->link);
    *out = m;
    return TW_OK;
}

int fat_mount_get(const struct url_parsed *p, const struct url *u, struct fat_mount **out)
{
    if (u->sub < 0)
        return TW_E_INVAL;
    const struct url_str *key = &p->level[u->sub].text;
    K_ASSERT(key->len <= URL_MAX_LEN);
    struct list *pos;
    list_for_each(pos, &mounts)
    {
        struct fat_mount *m = list_entry(pos, struct fat_mount, link);
        if (m->key_len == key->len && k_memcmp(m->key, key->ptr, key->len) == 0) {
            m->users++;
            *out = m;
            return TW_OK;
        }
    }
    int rc = mount_new(p, u, out);
    if (rc == TW_OK)
        (*out)->users = 1;
    return rc;
}

void fat_mount_put(struct fat_mount *m)
{
    K_ASSERT(m->users > 0);
    if (--m->users > 0)
        return;
    K_ASSERT(list_empty(&m->nodes));
    int rc = fat_sync(m);
    (void)rc; /* nobody is left to hear an error */
    list_remove(&m->link);
    mount_free(m);
}

/* FAT32: the exact free count and the next-free hint into FSInfo (one write: they are
 * neighbours). */
K_STATIC_ASSERT(FSI_Nxt_Free == FSI_Free_Count + 4, "FSInfo's two hints are one write");
static int fsinfo_write(struct fat_mount *m)
{
    if (!m->fsinfo_dirty || m->fsinfo_off == FAT_NO_OFF)
        return TW_OK;
    uint32_t nfree;
    int rc = fat_count_free(m, &nfree);
    uint8_t v[8];
    fat_put32(v, nfree);
    fat_put32(v + (FSI_Nxt_Free - FSI_Free_Count), m->next_free);
    if (rc == TW_OK)
        rc = kio_pwrite(m->sub, m->fsinfo_off + FSI_Free_Count, v, sizeof(v));
    if (rc == TW_OK)
        m->fsinfo_dirty = false;
    return rc;
}

int fat_sync(struct fat_mount *m)
{
    int rc = TW_OK;
    struct list *pos;
    list_for_each(pos, &m->nodes)
    {
        struct fat_node *n = list_entry(pos, struct fat_node, link);
        int r = fat_node_flush(n);
        rc = rc == TW_OK ? r : rc;
    }
    int r = fat_win_flush(m);
    rc = rc == TW_OK ? r : rc;
    r = fsinfo_write(m);
    rc = rc == TW_OK ? r : rc;
    r = kio_flush(m->sub);
    return rc == TW_OK ? r : rc;
}
