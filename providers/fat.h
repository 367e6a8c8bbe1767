/* SPDX-License-Identifier: MIT */
/*
 * providers/fat.h - the insides of fat:// (FAT12/16/32 with VFAT long names), shared by
 * its four files:
 *
 *   fat_bpb.c    the boot sector and BPB, mounts (one per sub-URL text, reference
 *                counted) and syncing them
 *   fat_table.c  the FAT: entries, the walker cluster chains are followed with (a loop
 *                is found), allocation, freeing
 *   fat_dir.c    directories: slots, long names and their checksum, short-name
 *                generation, adding and removing entries (and taking a removal back),
 *                entry times from the virtual clock
 *   fat_file.c   the provider: paths, file and directory objects, read/write/seek,
 *                truncate, mkdir, unlink, rename, readdir records
 *
 * The on-disk layout is Microsoft's FAT specification as mkfs.fat, fsck.fat and mtools
 * read it. Every value read from the disk is checked before use: a bad one is TW_E_IO,
 * never a crash or an endless loop (a chain walk stops at a loop).
 * Everything runs in kernel context, synchronously; nothing here blocks.
 */
#ifndef TWAIN_PROVIDERS_FAT_H
#define TWAIN_PROVIDERS_FAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/list.h"
#include "../core/url.h"
#include "../core/abi.h"

struct kobj;

#define FAT_MAX_NAME      255   /* UTF-16 units of a long name */
#define FAT_MAX_DEPTH     32    /* components of a path */
#define FAT_MAX_PATH      1024  /* bytes of a path given to invoke */
#define FAT_MAX_DIR_SLOTS 65536 /* 32-byte slots of a directory (2 MiB, the spec's limit) */
#define FAT_MAX_TAIL      99999 /* largest ~N of a generated short name */
#define FAT_NO_OFF        UINT64_MAX

/*
 * ---- the on-disk layout ----
 * Byte offsets of the fields fat:// reads and writes, named as in Microsoft's FAT
 * specification (fatgen103: BPB_BytsPerSec, DIR_FstClusLO, FSI_Nxt_Free ...) so each can
 * be looked up there. Fields of more than one byte are little-endian: read through
 * fat_le16 / fat_le32, written through fat_put16 / fat_put32 (the end of this header).
 */

/* The boot sector (sector 0) and its BPB; FAT32's extended BPB from BPB_FATSz32 on. */
enum fat_bpb_field {
    BPB_BytsPerSec = 11, /* u16: bytes per sector */
    BPB_SecPerClus = 13, /* u8: sectors per cluster */
    BPB_RsvdSecCnt = 14, /* u16: reserved sectors, the boot sector's among them */
    BPB_NumFATs = 16,    /* u8: copies of the FAT */
    BPB_RootEntCnt = 17, /* u16: slots of the FAT12/16 fixed root directory; 0 on FAT32 */
    BPB_TotSec16 = 19,   /* u16: sectors of the volume; 0: BPB_TotSec32 holds them */
    BPB_FATSz16 = 22,    /* u16: sectors of one FAT; 0 on FAT32 (BPB_FATSz32) */
    BPB_TotSec32 = 32,   /* u32 */
    BPB_FATSz32 = 36,    /* u32, FAT32 */
    BPB_FSVer = 42,      /* u16, FAT32: version 0.0 */
    BPB_RootClus = 44,   /* u32, FAT32: first cluster of the root directory */
    BPB_FSInfo = 48,     /* u16, FAT32: sector of the FSInfo structure */
    BS_Signature = 510,  /* u16: the spec's Signature_word, FAT_BOOT_SIGNATURE */
};
#define FAT_BOOT_BYTES     512u    /* what is read of sector 0 and of FSInfo: every field above */
#define FAT_BOOT_SIGNATURE 0xaa55u /* BS_Signature, little-endian */

/* The FAT32 FSInfo sector: hints, trusted only when its three signatures hold. */
enum fat_fsinfo_field {
    FSI_LeadSig = 0,      /* u32: FSI_LEAD_SIG */
    FSI_StrucSig = 484,   /* u32: FSI_STRUC_SIG */
    FSI_Free_Count = 488, /* u32: free clusters */
    FSI_Nxt_Free = 492,   /* u32: where to start looking for a free cluster */
    FSI_TrailSig = 508,   /* u32: FSI_TRAIL_SIG */
};
#define FSI_LEAD_SIG  0x41615252u
#define FSI_STRUC_SIG 0x61417272u
#define FSI_TRAIL_SIG 0xaa550000u

/* A directory entry (a 32-byte slot): a file's or directory's short entry. Times are FAT
 * times (hour << 11 | minute << 5 | second / 2), dates FAT dates ((year - 1980) << 9 |
 * month << 5 | day). */
enum fat_dir_field {
    DIR_Name = 0,          /* 11 bytes: the 8.3 name, space-padded, no dot */
    DIR_Attr = 11,         /* u8: FAT_ATTR_* */
    DIR_NTRes = 12,        /* u8: case flags FAT_CASE_LOWER_BASE / _EXT */
    DIR_CrtTimeTenth = 13, /* u8: hundredths of a second of the creation time (0 here) */
    DIR_CrtTime = 14,      /* u16: creation time */
    DIR_CrtDate = 16,      /* u16: creation date */
    DIR_LstAccDate = 18,   /* u16: last access date */
    DIR_FstClusHI = 20,    /* u16: first cluster, high half (FAT32 only) */
    DIR_WrtTime = 22,      /* u16: last write time */
    DIR_WrtDate = 24,      /* u16: last write date */
    DIR_FstClusLO = 26,    /* u16: first cluster, low half */
    DIR_FileSize = 28,     /* u32: bytes (0 for a directory) */
};
#define FAT_NAME_BYTES 11u /* DIR_Name: 8 + 3 */

/* A VFAT long-name slot: 13 UTF-16 units of the name in three pieces. */
enum fat_lfn_field {
    LDIR_Ord = 0,        /* u8: 1-based position, FAT_LFN_LAST on the slot holding the end */
    LDIR_Name1 = 1,      /* 5 units */
    LDIR_Attr = 11,      /* u8: FAT_ATTR_LFN */
    LDIR_Type = 12,      /* u8: 0 */
    LDIR_Chksum = 13,    /* u8: checksum of the short entry's DIR_Name */
    LDIR_Name2 = 14,     /* 6 units */
    LDIR_FstClusLO = 26, /* u16: 0 */
    LDIR_Name3 = 28,     /* 2 units */
};

/* Attributes of a directory entry (DIR_Attr). */
#define FAT_ATTR_RO       0x01
#define FAT_ATTR_HID      0x02
#define FAT_ATTR_SYS      0x04
#define FAT_ATTR_VOL      0x08
#define FAT_ATTR_DIR      0x10
#define FAT_ATTR_ARCH     0x20
#define FAT_ATTR_LFN      0x0f /* RO | HID | SYS | VOL: a long-name slot */
#define FAT_ATTR_LFN_MASK 0x3f /* the bits that tell a long-name slot (ATTR_LONG_NAME_MASK) */
/* DIR_NTRes: the base or extension of the 8.3 name is shown in lower case. */
#define FAT_CASE_LOWER_BASE 0x08
#define FAT_CASE_LOWER_EXT  0x10
/* LDIR_Ord */
#define FAT_LFN_LAST     0x40 /* the slot with the name's end (written first) */
#define FAT_LFN_ORD_MASK 0x1f /* the ordinal's bits */
/* DIR_Name[0] */
#define FAT_SLOT_FREE  0xe5
#define FAT_SLOT_END   0x00 /* free, and so is every slot after it */
#define FAT_NAME0_E5   0x05 /* a name that starts with byte 0xe5 */
#define FAT_SLOT_BYTES 32u

struct fat_mount {
    struct list link; /* in the mount table */
    uint32_t users;   /* nodes on this mount */
    struct kobj *sub; /* the device: one reference */
    uint32_t key_len;
    uint8_t type;           /* 12, 16 or 32 */
    uint32_t sector;        /* bytes per sector: 512 .. 4096 */
    uint32_t cluster;       /* bytes per cluster */
    uint32_t cluster_shift; /* log2(cluster) */
    uint64_t fat_off;       /* byte offset of the first FAT */
    uint64_t fat_bytes;     /* bytes of one FAT */
    uint32_t nfats;
    uint64_t root_off; /* FAT12/16: byte offset of the fixed root directory */
    uint32_t root_slots;
    uint32_t root_cluster; /* FAT32: first cluster of the root directory */
    uint64_t data_off;     /* byte offset of cluster 2 */
    uint32_t nclusters;    /* valid cluster numbers: 2 .. nclusters + 1 */
    uint64_t fsinfo_off;   /* FAT32 FSInfo sector, FAT_NO_OFF when absent or invalid */
    bool fsinfo_dirty;     /* clusters were allocated or freed since the last sync */
    uint32_t next_free;    /* where the next allocation starts looking */
    uint8_t *win;          /* one sector of the first FAT (a page) */
    uint64_t win_off;      /* its byte offset in the FAT, FAT_NO_OFF: empty */
    bool win_dirty;        /* written to every FAT copy on flush */
    uint8_t *dbuf;         /* one directory sector (a page) */
    uint64_t dbuf_off;     /* its device offset, FAT_NO_OFF: empty */
    struct list nodes;     /* struct fat_node.link: the open files and directories */
    char key[URL_MAX_LEN]; /* the sub-URL text this mount is found by */
};

/*
 * Brent's cycle detection along a chain walk (fat_table.c): a loop in a cluster chain is an
 * I/O error as soon as the walk comes round, whatever the file size claims.
 */
struct fat_loop {
    uint32_t saved; /* the cluster remembered */
    uint32_t power; /* steps until the next one is remembered */
    uint32_t steps;
};

/*
 * Where a walk along a cluster chain is, kept between calls so that a sequential reader
 * follows one link a step (fat_walk_to): file data (struct fat_node) and directories
 * (struct fat_dirit) are walked with one; only fat_free_chain follows a chain by itself.
 */
struct fat_walk {
    uint32_t clus;        /* the cluster the walk is on; 0: not started */
    uint32_t idx;         /* its index in the chain (0: the first cluster) */
    struct fat_loop loop; /* cycle detection along the walk */
};

/* An open file or directory: shared by every handle on it. */
struct fat_node {
    struct list link; /* in mount->nodes */
    struct fat_mount *m;
    uint32_t refs; /* fat objects on it */
    bool dir;
    bool root;
    bool dirty;          /* size or first cluster changed: the entry must be written */
    uint8_t attr;        /* entry attributes */
    uint32_t first;      /* first cluster; 0: none (empty file, fixed root) */
    uint32_t size;       /* files: bytes */
    uint64_t ent_off;    /* device offset of its short entry (0 for the root) */
    struct fat_walk cur; /* the data's cursor along the chain */
};

/* The most slots one entry takes: a long name of FAT_MAX_NAME units, then the short entry. */
#define FAT_ENTRY_MAX_SLOTS ((FAT_MAX_NAME + 12) / 13 + 1)

/* One directory entry as read: its short entry, long name and where its slots are. */
struct fat_entry {
    uint8_t raw[FAT_SLOT_BYTES];
    uint16_t lname[FAT_MAX_NAME + 1];
    uint32_t lname_len; /* 0: no valid long name */
    uint32_t first_slot;
    uint32_t slot;
    uint64_t off; /* device offset of the short entry */
};

/* What fat_dir_remove marked free, so that fat_dir_restore can take it back. */
struct fat_removed {
    uint32_t n;                       /* slots marked, from the entry's first slot on */
    uint8_t was[FAT_ENTRY_MAX_SLOTS]; /* their first bytes before */
};

/* Where a walk through a directory is. */
struct fat_dirit {
    uint32_t first;       /* the directory's first cluster; 0: FAT12/16 fixed root */
    uint32_t slot;        /* next slot to read */
    struct fat_walk walk; /* the cluster holding the slots last read */
};

/* ---- fat_bpb.c ---------------------------------------------------------------------------- */

/* The mount for u's sub-URL: found, or mounted now. Takes a user reference. */
int fat_mount_get(const struct url_parsed *p, const struct url *u, struct fat_mount **out)
    __attribute__((warn_unused_result));
/* Drop a user reference; the last one syncs and unmounts. */
void fat_mount_put(struct fat_mount *m);
/* Write back dirty entries, the FAT window, FSInfo, then flush the device. */
int fat_sync(struct fat_mount *m) __attribute__((warn_unused_result));
void fat_reset_mounts(void);
/* Write n's short entry back when its size or first cluster changed. */
int fat_node_flush(struct fat_node *n) __attribute__((warn_unused_result));

/* ---- fat_table.c -------------------------------------------------------------------------- */

uint64_t fat_clus_off(const struct fat_mount *m, uint32_t clus);
bool fat_clus_valid(const struct fat_mount *m, uint32_t clus);
/* The cluster after clus: *next = 0 at the end of the chain; TW_E_IO for a bad link. */
int fat_next(struct fat_mount *m, uint32_t clus, uint32_t *next)
    __attribute__((warn_unused_result));
/* A free cluster marked end-of-chain (and linked after prev when prev != 0); zeroed when
 * zero. TW_E_LIMIT when the volume is full. */
int fat_alloc(struct fat_mount *m, uint32_t prev, bool zero, uint32_t *out)
    __attribute__((warn_unused_result));
/* Free the chain starting at first (0: nothing). */
int fat_free_chain(struct fat_mount *m, uint32_t first) __attribute__((warn_unused_result));
/* Mark clus end-of-chain. */
int fat_set_eoc(struct fat_mount *m, uint32_t clus) __attribute__((warn_unused_result));
int fat_win_flush(struct fat_mount *m) __attribute__((warn_unused_result));
/* Free clusters now (a bounded scan of the FAT). */
int fat_count_free(struct fat_mount *m, uint32_t *out) __attribute__((warn_unused_result));
/* Cluster number idx of n's chain (with n's cursor): TW_E_NOENT past the end (the cursor is
 * then on the last cluster), TW_E_IO for a broken chain. */
int fat_chain_at(struct fat_node *n, uint32_t idx, uint32_t *clus)
    __attribute__((warn_unused_result));
/*
 * Put w on cluster idx of the chain that starts at first: on from where w is when that is
 * not past idx, else from first. TW_OK; TW_E_NOENT when the chain is shorter (w is then on
 * its last cluster); TW_E_IO for a bad first cluster, a bad link or a loop (w stays on the
 * last good cluster). A walk that was never started has w->clus == 0.
 */
int fat_walk_to(struct fat_mount *m, struct fat_walk *w, uint32_t first, uint32_t idx)
    __attribute__((warn_unused_result));

/* ---- fat_dir.c ---------------------------------------------------------------------------- */

void fat_dirit_init(struct fat_mount *m, struct fat_dirit *it, uint32_t first);
/* Next entry (skipping free slots and volume labels): TW_OK, TW_E_NOENT at the end. */
int fat_dir_next(struct fat_mount *m, struct fat_dirit *it, struct fat_entry *e)
    __attribute__((warn_unused_result));
/* Entry called name[0..len) in directory first: TW_OK, TW_E_NOENT, TW_E_IO. */
int fat_dir_find(struct fat_mount *m, uint32_t first, const uint16_t *name, uint32_t len,
                 struct fat_entry *e) __attribute__((warn_unused_result));
/* Add an entry called name to directory first, its short entry's fields (attributes,
 * times, cluster, size) from tmpl; *e describes the new entry. */
int fat_dir_add(struct fat_mount *m, uint32_t first, const uint16_t *name, uint32_t len,
                const uint8_t tmpl[FAT_SLOT_BYTES], struct fat_entry *e)
    __attribute__((warn_unused_result));
/* Mark e's slots (long name, then short entry) free; what was marked goes to *undo (NULL: not
 * kept), also when a write fails part of the way. */
int fat_dir_remove(struct fat_mount *m, uint32_t dir_first, const struct fat_entry *e,
                   struct fat_removed *undo) __attribute__((warn_unused_result));
/* Take back what fat_dir_remove marked (undo), the short entry first; undo->n counts the
 * slots still marked, so after a failed write fat_entry_in_dir says whether e is back. */
int fat_dir_restore(struct fat_mount *m, uint32_t dir_first, const struct fat_entry *e,
                    struct fat_removed *undo) __attribute__((warn_unused_result));
/* After a removal recorded in undo (and any restore): e's short entry is still in place. */
static inline bool fat_entry_in_dir(const struct fat_entry *e, const struct fat_removed *undo)
{
    return undo->n <= e->slot - e->first_slot;
}
/* True when the directory holds nothing but "." and "..". */
int fat_dir_empty(struct fat_mount *m, uint32_t first) __attribute__((warn_unused_result));
int fat_slot_read(struct fat_mount *m, uint64_t off, uint8_t raw[FAT_SLOT_BYTES])
    __attribute__((warn_unused_result));
int fat_slot_write(struct fat_mount *m, uint64_t off, const uint8_t raw[FAT_SLOT_BYTES])
    __attribute__((warn_unused_result));
/* A path component (percent escapes, UTF-8) as UTF-16: TW_E_INVAL for bad bytes or
 * characters FAT forbids, TW_E_TOOBIG past FAT_MAX_NAME. */
int fat_name_from_utf8(const char *s, uint32_t len, uint16_t *out, uint32_t *out_len)
    __attribute__((warn_unused_result));
/* e's name (long, else the short one with its case flags) as UTF-8, NUL-terminated. */
uint32_t fat_entry_name(const struct fat_entry *e, char *out, uint32_t cap);
/* The 8.3 form "NAME.EXT" of a short entry. */
void fat_short_name(const uint8_t raw[FAT_SLOT_BYTES], char out[13]);
/* A short entry's first cluster (DIR_FstClusHI only on FAT32), and setting it. */
uint32_t fat_entry_cluster(const struct fat_mount *m, const uint8_t raw[FAT_SLOT_BYTES]);
void fat_entry_set_cluster(uint8_t raw[FAT_SLOT_BYTES], uint32_t clus);
bool fat_entry_is_dot(const struct fat_entry *e);
/* Which of a short entry's times fat_entry_stamp sets. */
enum fat_stamp {
    FAT_STAMP_CREATED, /* creation, last write and last access */
    FAT_STAMP_WRITTEN, /* last write and last access */
};
/* Stamp a short entry's times from the virtual clock (2000-01-01 plus virtual seconds). */
void fat_entry_stamp(uint8_t raw[FAT_SLOT_BYTES], enum fat_stamp which);

/* ---- little-endian fields ------------------------------------------------------------------ */

static inline uint16_t fat_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t fat_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void fat_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void fat_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

#endif /* TWAIN_PROVIDERS_FAT_H */
