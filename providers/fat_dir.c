/* SPDX-License-Identifier: MIT */
/*
 * providers/fat_dir.c - fat:// directories: 32-byte slots in the fixed root (FAT12/16) or
 * a cluster chain, read through a one-sector buffer; VFAT long names (13 UTF-16 units a
 * slot, highest ordinal first, each slot carrying the checksum of the short entry that
 * follows); short names kept as given when they are valid 8.3 upper case, else generated
 * as BASIS~N; names from URL paths (percent escapes, UTF-8) to UTF-16 and back; adding
 * and removing entries, and taking a removal back (fs_rename's undo); stamping an entry's
 * times from the virtual clock. See fat.h.
 */
#include "../core/abi.h"
#include "../core/clock.h"
#include "../core/kassert.h"
#include "../core/klib.h"
#include "fat.h"
#include "storage.h"

#define LFN_CHARS   13
#define LFN_MAX_SEQ 20 /* 20 x 13 >= 255 */
#define TAIL_BITMAP 1024

/* Where the 13 UTF-16 units of a long-name slot are. */
static const uint8_t lfn_pos[LFN_CHARS] = {
    LDIR_Name1,      LDIR_Name1 + 2, LDIR_Name1 + 4, LDIR_Name1 + 6, LDIR_Name1 + 8,
    LDIR_Name2,      LDIR_Name2 + 2, LDIR_Name2 + 4, LDIR_Name2 + 6, LDIR_Name2 + 8,
    LDIR_Name2 + 10, LDIR_Name3,     LDIR_Name3 + 2,
};
K_STATIC_ASSERT(LFN_MAX_SEQ + 1 == FAT_ENTRY_MAX_SLOTS, "an entry's slots, in fat.h");

/* ---- slots ----------------------------------------------------------------------------- */

void fat_dirit_init(struct fat_mount *m, struct fat_dirit *it, uint32_t first)
{
    it->first = first == 0 && m->type == 32 ? m->root_cluster : first;
    it->slot = 0;
    it->walk.clus = 0;
}

/* Device offset of slot; TW_E_NOENT past the directory's storage (it->walk is then on its
 * last cluster). */
static int slot_off(struct fat_mount *m, struct fat_dirit *it, uint32_t slot, uint64_t *off)
{
    if (it->first == 0) {
        if (slot >= m->root_slots)
            return TW_E_NOENT;
        *off = m->root_off + (uint64_t)slot * FAT_SLOT_BYTES;
        return TW_OK;
    }
    if (slot >= FAT_MAX_DIR_SLOTS)
        return TW_E_NOENT;
    uint32_t idx = (slot * FAT_SLOT_BYTES) >> m->cluster_shift;
    int rc = fat_walk_to(m, &it->walk, it->first, idx);
    if (rc != TW_OK)
        return rc;
    *off = fat_clus_off(m, it->walk.clus) + ((slot * FAT_SLOT_BYTES) & (m->cluster - 1));
    return TW_OK;
}

int fat_slot_read(struct fat_mount *m, uint64_t off, uint8_t raw[FAT_SLOT_BYTES])
{
    uint64_t sec = off - off % m->sector;
    if (m->dbuf_off != sec) {
        int rc = kio_pread(m->sub, sec, m->dbuf, m->sector);
        if (rc != TW_OK) {
            m->dbuf_off = FAT_NO_OFF;
            return rc;
        }
        m->dbuf_off = sec;
    }
    k_memcpy(raw, m->dbuf + (off - sec), FAT_SLOT_BYTES);
    return TW_OK;
}

int fat_slot_write(struct fat_mount *m, uint64_t off, const uint8_t raw[FAT_SLOT_BYTES])
{
    uint64_t sec = off - off % m->sector;
    int rc = kio_pwrite(m->sub, off, raw, FAT_SLOT_BYTES);
    if (m->dbuf_off == sec && rc == TW_OK)
        k_memcpy(m->dbuf + (off - sec), raw, FAT_SLOT_BYTES);
    else if (m->dbuf_off == sec)
        m->dbuf_off = FAT_NO_OFF; /* what the device holds now is not known */
    return rc;
}

/* ---- short entries ----------------------------------------------------------------------- */

/* The checksum of an 8.3 name (DIR_Name) that its long-name slots carry (LDIR_Chksum). */
static uint8_t sfn_checksum(const uint8_t *n)
{
    uint8_t s = 0;
    for (uint32_t i = 0; i < FAT_NAME_BYTES; i++)
        s = (uint8_t)(((s & 1) << 7) + (s >> 1) + n[i]);
    return s;
}

uint32_t fat_entry_cluster(const struct fat_mount *m, const uint8_t raw[FAT_SLOT_BYTES])
{
    uint32_t hi = m->type == 32 ? (uint32_t)fat_le16(raw + DIR_FstClusHI) << 16 : 0;
    return hi | fat_le16(raw + DIR_FstClusLO);
}

void fat_entry_set_cluster(uint8_t raw[FAT_SLOT_BYTES], uint32_t clus)
{
    fat_put16(raw + DIR_FstClusHI, (uint16_t)(clus >> 16));
    fat_put16(raw + DIR_FstClusLO, (uint16_t)clus);
}

/* The virtual clock in FAT form: date << 16 | time (2000-01-01 plus virtual seconds). */
static uint32_t fat_time_now(void)
{
    static const uint8_t mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    uint64_t secs = clock_now() / 1000000000ull;
    uint64_t days = secs / 86400;
    uint32_t s = (uint32_t)(secs % 86400);
    uint32_t year = 2000, month = 0;
    while (days >= 365u + (year % 4 == 0) && year < 2099) {
        days -= 365u + (year % 4 == 0);
        year++;
    }
    while (month < 11 && days >= (uint64_t)mdays[month] + (month == 1 && year % 4 == 0)) {
        days -= mdays[month] + (month == 1 && year % 4 == 0);
        month++;
    }
    uint32_t day = (uint32_t)K_MIN(days, 30u) + 1;
    uint32_t date = (year - 1980) << 9 | (month + 1) << 5 | day;
    uint32_t time = (s / 3600) << 11 | (s / 60 % 60) << 5 | (s % 60) / 2;
    return date << 16 | time;
}

void fat_entry_stamp(uint8_t raw[FAT_SLOT_BYTES], enum fat_stamp which)
{
    uint32_t now = fat_time_now();
    uint16_t date = (uint16_t)(now >> 16), time = (uint16_t)now;
    if (which == FAT_STAMP_CREATED) {
        fat_put16(raw + DIR_CrtTime, time);
        fat_put16(raw + DIR_CrtDate, date);
    }
    fat_put16(raw + DIR_LstAccDate, date);
    fat_put16(raw + DIR_WrtTime, time);
    fat_put16(raw + DIR_WrtDate, date);
}

bool fat_entry_is_dot(const struct fat_entry *e)
{
    const uint8_t *r = e->raw + DIR_Name;
    return r[0] == '.' && (r[1] == ' ' || (r[1] == '.' && r[2] == ' '));
}

/* The 8.3 name, lower-casing the parts the entry's case flags (DIR_NTRes) mark. */
static uint32_t short_display(const uint8_t raw[FAT_SLOT_BYTES], char out[13], bool cases)
{
    uint32_t n = 0;
    for (int part = 0; part < 2; part++) {
        int from = part == 0 ? 0 : 8, to = part == 0 ? 8 : (int)FAT_NAME_BYTES;
        int end = to;
        while (end > from && raw[end - 1] == ' ')
            end--;
        if (part == 1 && end > from)
            out[n++] = '.';
        uint8_t flag = part == 0 ? FAT_CASE_LOWER_BASE : FAT_CASE_LOWER_EXT;
        bool lower = cases && (raw[DIR_NTRes] & flag) != 0;
        for (int i = from; i < end; i++) {
            uint8_t c = i == 0 && raw[DIR_Name] == FAT_NAME0_E5 ? FAT_SLOT_FREE : raw[i];
            if (c >= 0x80 || c < 0x20)
                c = '_'; /* OEM code page bytes: not translated */
            else if (lower && c >= 'A' && c <= 'Z')
                c = (uint8_t)(c + 32);
            out[n++] = (char)c;
        }
    }
    out[n] = '\0';
    return n;
}

void fat_short_name(const uint8_t raw[FAT_SLOT_BYTES], char out[13])
{
    (void)short_display(raw, out, false);
}

/* ---- names --------------------------------------------------------------------------------- */

static uint16_t fold(uint16_t c)
{
    return c >= 'a' && c <= 'z' ? (uint16_t)(c - 32) : c;
}

static bool name_eq(const uint16_t *a, uint32_t al, const uint16_t *b, uint32_t bl)
{
    if (al != bl)
        return false;
    for (uint32_t i = 0; i < al; i++)
        if (fold(a[i]) != fold(b[i]))
            return false;
    return true;
}

static bool entry_matches(const struct fat_entry *e, const uint16_t *name, uint32_t len)
{
    if (e->lname_len > 0 && name_eq(e->lname, e->lname_len, name, len))
        return true;
    char s[13];
    uint32_t sl = short_display(e->raw, s, false);
    uint16_t s16[13];
    for (uint32_t i = 0; i < sl; i++)
        s16[i] = (uint8_t)s[i];
    return name_eq(s16, sl, name, len);
}

/* One byte of a path component, decoding %XX; -1 for a bad escape. */
static int next_byte(const char *s, uint32_t len, uint32_t *i)
{
    if (s[*i] != '%') {
        return (uint8_t)s[(*i)++];
    }
    uint32_t v = 0;
    for (uint32_t k = 1; k <= 2; k++) {
        if (*i + k >= len)
            return -1;
        char c = s[*i + k];
        uint32_t d = c >= '0' && c <= '9'   ? (uint32_t)(c - '0')
                     : c >= 'a' && c <= 'f' ? (uint32_t)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (uint32_t)(c - 'A' + 10)
                                            : 16u;
        if (d == 16)
            return -1;
        v = v * 16 + d;
    }
    *i += 3;
    return (int)v;
}

/* One code point of UTF-8 (after escapes); -1 when malformed. */
static int32_t next_char(const char *s, uint32_t len, uint32_t *i)
{
    int b = next_byte(s, len, i);
    if (b < 0x80)
        return b;
    uint32_t extra = b >= 0xf0 && b < 0xf5 ? 3 : b >= 0xe0 ? 2 : b >= 0xc2 && b < 0xe0 ? 1 : 9;
    if (extra == 9 || b >= 0xf5)
        return -1;
    uint32_t cp = (uint32_t)b & (0x3fu >> extra);
    for (uint32_t k = 0; k < extra; k++) {
        if (*i >= len)
            return -1;
        int c = next_byte(s, len, i);
        if (c < 0 || (c & 0xc0) != 0x80)
            return -1;
        cp = cp << 6 | ((uint32_t)c & 0x3f);
    }
    static const uint32_t min[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < min[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
        return -1;
    return (int32_t)cp;
}

static bool char_forbidden(int32_t c)
{
    return c < 0x20 || c == 0x7f || c == '"' || c == '*' || c == '/' || c == ':' || c == '<' ||
           c == '>' || c == '?' || c == '\\' || c == '|';
}

int fat_name_from_utf8(const char *s, uint32_t len, uint16_t *out, uint32_t *out_len)
{
    uint32_t n = 0, i = 0;
    while (i < len) {
        int32_t c = next_char(s, len, &i);
        if (c < 0 || char_forbidden(c))
            return TW_E_INVAL;
        if (n + (c > 0xffff ? 2u : 1u) > FAT_MAX_NAME)
            return TW_E_TOOBIG;
        if (c > 0xffff) {
            out[n++] = (uint16_t)(0xd800 + ((c - 0x10000) >> 10));
            out[n++] = (uint16_t)(0xdc00 + ((c - 0x10000) & 0x3ff));
        } else {
            out[n++] = (uint16_t)c;
        }
    }
    if (n == 0 || out[n - 1] == ' ' || out[n - 1] == '.')
        return TW_E_INVAL; /* Windows strips those: names ending so are ambiguous */
    *out_len = n;
    return TW_OK;
}

static uint32_t put_utf8(char *out, uint32_t at, uint32_t cap, uint32_t cp)
{
    uint32_t need = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (at + need >= cap)
        return at;
    if (need == 1) {
        out[at] = (char)cp;
    } else {
        for (uint32_t k = need - 1; k > 0; k--, cp >>= 6)
            out[at + k] = (char)(0x80 | (cp & 0x3f));
        out[at] = (char)((0xf00u >> need) | cp);
    }
    return at + need;
}

uint32_t fat_entry_name(const struct fat_entry *e, char *out, uint32_t cap)
{
    K_ASSERT(cap >= 13);
    if (e->lname_len == 0)
        return short_display(e->raw, out, true);
    uint32_t n = 0;
    for (uint32_t i = 0; i < e->lname_len; i++) {
        uint32_t c = e->lname[i];
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < e->lname_len && e->lname[i + 1] >= 0xdc00 &&
            e->lname[i + 1] < 0xe000) {
            c = 0x10000 + ((c - 0xd800) << 10) + (e->lname[i + 1] - 0xdc00u);
            i++;
        } else if (c >= 0xd800 && c < 0xe000) {
            c = 0xfffd;
        }
        n = put_utf8(out, n, cap, c);
    }
    out[n] = '\0';
    return n;
}

/* ---- walking a directory --------------------------------------------------------------------- */

struct lfn_state {
    int expect; /* next ordinal awaited; -1: no sequence; 0: complete */
    uint8_t csum;
    uint32_t first_slot;
    uint32_t total; /* 13 x number of slots */
};

static void lfn_slot(struct lfn_state *st, const uint8_t *raw, uint32_t slot, struct fat_entry *e)
{
    uint32_t ord = raw[LDIR_Ord] & FAT_LFN_ORD_MASK;
    if (raw[LDIR_Ord] & FAT_LFN_LAST) {
        if (ord == 0 || ord > LFN_MAX_SEQ) {
            st->expect = -1;
            return;
        }
        st->expect = (int)ord;
        st->csum = raw[LDIR_Chksum];
        st->first_slot = slot;
        st->total = ord * LFN_CHARS;
    }
    if (st->expect <= 0 || ord != (uint32_t)st->expect || raw[LDIR_Chksum] != st->csum) {
        st->expect = -1;
        return;
    }
    for (uint32_t k = 0; k < LFN_CHARS; k++) {
        uint32_t at = (ord - 1) * LFN_CHARS + k;
        if (at <= FAT_MAX_NAME)
            e->lname[at] = fat_le16(raw + lfn_pos[k]);
    }
    st->expect--;
}

/* The short entry at slot ends a walk step: attach the long name when it is whole. */
static void finish_entry(const struct lfn_state *st, uint32_t slot, struct fat_entry *e)
{
    e->lname_len = 0;
    e->first_slot = slot;
    e->slot = slot;
    if (st->expect != 0 || st->csum != sfn_checksum(e->raw))
        return;
    uint32_t n = 0;
    uint32_t limit = K_MIN(st->total, (uint32_t)FAT_MAX_NAME + 1);
    while (n < limit && e->lname[n] != 0)
        n++;
    if (n == 0 || n > FAT_MAX_NAME)
        return;
    e->lname_len = n;
    e->first_slot = st->first_slot;
}

int fat_dir_next(struct fat_mount *m, struct fat_dirit *it, struct fat_entry *e)
{
    struct lfn_state st = {.expect = -1};
    for (;;) {
        uint64_t off;
        int rc = slot_off(m, it, it->slot, &off);
        if (rc == TW_OK)
            rc = fat_slot_read(m, off, e->raw);
        if (rc != TW_OK)
            return rc;
        if (e->raw[DIR_Name] == FAT_SLOT_END)
            return TW_E_NOENT; /* it->slot stays: later calls end here too */
        uint32_t slot = it->slot++;
        if (e->raw[DIR_Name] == FAT_SLOT_FREE) {
            st.expect = -1;
        } else if ((e->raw[DIR_Attr] & FAT_ATTR_LFN_MASK) == FAT_ATTR_LFN) {
            lfn_slot(&st, e->raw, slot, e);
        } else if (e->raw[DIR_Attr] & FAT_ATTR_VOL) {
            st.expect = -1;
        } else {
            e->off = off;
            finish_entry(&st, slot, e);
            return TW_OK;
        }
    }
}

int fat_dir_find(struct fat_mount *m, uint32_t first, const uint16_t *name, uint32_t len,
                 struct fat_entry *e)
{
    struct fat_dirit it;
    fat_dirit_init(m, &it, first);
    for (;;) {
        int rc = fat_dir_next(m, &it, e);
        if (rc != TW_OK)
            return rc;
        if (!fat_entry_is_dot(e) && entry_matches(e, name, len))
            return TW_OK;
    }
}

int fat_dir_empty(struct fat_mount *m, uint32_t first)
{
    struct fat_dirit it;
    struct fat_entry e;
    fat_dirit_init(m, &it, first);
    for (;;) {
        int rc = fat_dir_next(m, &it, &e);
        if (rc == TW_E_NOENT)
            return 1;
        if (rc != TW_OK)
            return rc;
        if (!fat_entry_is_dot(&e))
            return 0;
    }
}

/* ---- short-name generation ----------------------------------------------------------------- */

static bool sfn_char_ok(uint16_t c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    for (const char *p = "$%'-_@~`!(){}^#&"; *p != '\0'; p++)
        if (c == (uint8_t)*p)
            return true;
    return false;
}

/* The name as a short entry when it is one already (8.3, upper case, allowed characters). */
static bool fits_short(const uint16_t *name, uint32_t len, uint8_t sfn[FAT_NAME_BYTES])
{
    k_memset(sfn, ' ', FAT_NAME_BYTES);
    uint32_t part = 0, n = 0;
    for (uint32_t i = 0; i < len; i++) {
        if (name[i] == '.' && part == 0 && i > 0) {
            part = 1;
            n = 0;
            continue;
        }
        if (!sfn_char_ok(name[i]) || n >= (part == 0 ? 8u : 3u))
            return false;
        sfn[part * 8 + n++] = (uint8_t)name[i];
    }
    return !(part == 1 && n == 0);
}

static uint8_t sfn_map(uint16_t c)
{
    uint16_t f = fold(c);
    return sfn_char_ok(f) ? (uint8_t)f : '_';
}

/* BASIS (up to 8) and EXT (up to 3) of a long name, Windows-like. */
static void sfn_basis(const uint16_t *name, uint32_t len, uint8_t base[8], uint32_t *blen,
                      uint8_t ext[3], uint32_t *elen)
{
    uint32_t start = 0;
    while (start < len && name[start] == '.')
        start++;
    uint32_t dot = len;
    for (uint32_t i = len; i > start; i--)
        if (name[i - 1] == '.') {
            dot = i - 1;
            break;
        }
    *blen = *elen = 0;
    for (uint32_t i = start; i < dot && *blen < 8; i++)
        if (name[i] != ' ' && name[i] != '.')
            base[(*blen)++] = sfn_map(name[i]);
    for (uint32_t i = dot + 1; i < len && *elen < 3; i++)
        if (name[i] != ' ' && name[i] != '.')
            ext[(*elen)++] = sfn_map(name[i]);
    if (*blen == 0)
        base[(*blen)++] = '_';
}

static void sfn_with_tail(const uint8_t *base, uint32_t blen, const uint8_t *ext, uint32_t elen,
                          uint32_t tail, uint8_t sfn[FAT_NAME_BYTES])
{
    char digits[8];
    uint32_t nd = (uint32_t)k_snprintf(digits, sizeof(digits), "%u", tail);
    uint32_t keep = K_MIN(blen, 8 - 1 - nd);
    k_memset(sfn, ' ', FAT_NAME_BYTES);
    k_memcpy(sfn, base, keep);
    sfn[keep] = '~';
    k_memcpy(sfn + keep + 1, digits, nd);
    k_memcpy(sfn + 8, ext, elen);
}

/* A short name BASIS~N not in directory first: one walk marks the tails in use. */
static int sfn_generate(struct fat_mount *m, uint32_t first, const uint16_t *name, uint32_t len,
                        uint8_t sfn[FAT_NAME_BYTES], struct fat_entry *scratch)
{
    uint8_t base[8], ext[3];
    uint32_t blen, elen;
    sfn_basis(name, len, base, &blen, ext, &elen);
    uint8_t used[TAIL_BITMAP / 8];
    k_memset(used, 0, sizeof(used));
    struct fat_dirit it;
    fat_dirit_init(m, &it, first);
    int rc;
    while ((rc = fat_dir_next(m, &it, scratch)) == TW_OK) {
        const uint8_t *r = scratch->raw;
        uint32_t t = 0, i = 0;
        while (i < 8 && r[i] != '~')
            i++;
        for (i++; i < 8 && r[i] >= '0' && r[i] <= '9' && t < TAIL_BITMAP; i++)
            t = t * 10 + (uint32_t)(r[i] - '0');
        uint8_t cand[FAT_NAME_BYTES];
        if (t == 0 || t >= TAIL_BITMAP)
            continue;
        sfn_with_tail(base, blen, ext, elen, t, cand);
        if (k_memcmp(cand, r + DIR_Name, FAT_NAME_BYTES) == 0)
            used[t / 8] |= (uint8_t)(1u << (t % 8));
    }
    if (rc != TW_E_NOENT)
        return rc;
    for (uint32_t t = 1; t < TAIL_BITMAP; t++)
        if (!(used[t / 8] & (1u << (t % 8)))) {
            sfn_with_tail(base, blen, ext, elen, t, sfn);
            return TW_OK;
        }
    return TW_E_LIMIT;
}

/* ---- adding and removing entries ------------------------------------------------------------- */

/* need free slots in a row (growing the directory by a zeroed cluster when it must). */
static int find_run(struct fat_mount *m, uint32_t first, uint32_t need, uint32_t *start)
{
    struct fat_dirit it;
    fat_dirit_init(m, &it, first);
    uint32_t run = 0;
    for (uint32_t slot = 0;; slot++) {
        uint64_t off;
        uint8_t raw[FAT_SLOT_BYTES];
        int rc = slot_off(m, &it, slot, &off);
        if (rc == TW_E_NOENT) {
            if (it.first == 0 || slot >= FAT_MAX_DIR_SLOTS)
                return TW_E_LIMIT;
            uint32_t last = it.walk.clus != 0 ? it.walk.clus : it.first, added;
            rc = fat_alloc(m, last, true, &added);
            if (rc == TW_OK)
                rc = slot_off(m, &it, slot, &off);
        }
        if (rc == TW_OK)
            rc = fat_slot_read(m, off, raw);
        if (rc != TW_OK)
            return rc;
        run = raw[DIR_Name] == FAT_SLOT_END || raw[DIR_Name] == FAT_SLOT_FREE ? run + 1 : 0;
        if (run == need) {
            *start = slot + 1 - need;
            return TW_OK;
        }
    }
}

static void lfn_fill(uint8_t raw[FAT_SLOT_BYTES], const uint16_t *name, uint32_t len, uint32_t ord,
                     bool last, uint8_t csum)
{
    k_memset(raw, 0, FAT_SLOT_BYTES);
    raw[LDIR_Ord] = (uint8_t)(ord | (last ? FAT_LFN_LAST : 0));
    raw[LDIR_Attr] = FAT_ATTR_LFN;
    raw[LDIR_Chksum] = csum;
    for (uint32_t k = 0; k < LFN_CHARS; k++) {
        uint32_t at = (ord - 1) * LFN_CHARS + k;
        uint16_t c = at < len ? name[at] : at == len ? 0x0000 : 0xffff;
        fat_put16(raw + lfn_pos[k], c);
    }
}

int fat_dir_add(struct fat_mount *m, uint32_t first, const uint16_t *name, uint32_t len,
                const uint8_t tmpl[FAT_SLOT_BYTES], struct fat_entry *e)
{
    uint8_t sfn[FAT_NAME_BYTES];
    uint32_t nlfn = 0;
    int rc = TW_OK;
    if (!fits_short(name, len, sfn)) {
        nlfn = (len + LFN_CHARS - 1) / LFN_CHARS;
        rc = sfn_generate(m, first, name, len, sfn, e);
    }
    uint32_t start;
    if (rc == TW_OK)
        rc = find_run(m, first, nlfn + 1, &start);
    if (rc != TW_OK)
        return rc;
    struct fat_dirit it;
    fat_dirit_init(m, &it, first);
    uint8_t csum = sfn_checksum(sfn);
    for (uint32_t i = 0; i <= nlfn; i++) {
        uint64_t off;
        if ((rc = slot_off(m, &it, start + i, &off)) != TW_OK)
            return rc == TW_E_NOENT ? TW_E_IO : rc;
        if (i < nlfn) {
            lfn_fill(e->raw, name, len, nlfn - i, i == 0, csum);
        } else {
            k_memcpy(e->raw, tmpl, FAT_SLOT_BYTES);
            k_memcpy(e->raw + DIR_Name, sfn, FAT_NAME_BYTES);
            e->raw[DIR_NTRes] = 0;
            e->off = off;
        }
        if ((rc = fat_slot_write(m, off, e->raw)) != TW_OK)
            return rc;
    }
    e->first_slot = start;
    e->slot = start + nlfn;
    e->lname_len = nlfn > 0 ? len : 0;
    if (nlfn > 0)
        k_memcpy(e->lname, name, len * sizeof(uint16_t));
    return TW_OK;
}

/* Set the first byte of slot s of the directory it walks to v; what it was goes to *was. */
static int slot_set_first(struct fat_mount *m, struct fat_dirit *it, uint32_t s, uint8_t v,
                          uint8_t *was)
{
    uint64_t off;
    uint8_t raw[FAT_SLOT_BYTES];
    int rc = slot_off(m, it, s, &off);
    if (rc == TW_OK)
        rc = fat_slot_read(m, off, raw);
    if (rc != TW_OK)
        return rc == TW_E_NOENT ? TW_E_IO : rc;
    *was = raw[DIR_Name];
    raw[DIR_Name] = v;
    return fat_slot_write(m, off, raw);
}

int fat_dir_remove(struct fat_mount *m, uint32_t dir_first, const struct fat_entry *e,
                   struct fat_removed *undo)
{
    struct fat_dirit it;
    fat_dirit_init(m, &it, dir_first);
    K_ASSERT(e->first_slot <= e->slot && e->slot - e->first_slot < FAT_ENTRY_MAX_SLOTS);
    if (undo != NULL)
        undo->n = 0;
    for (uint32_t s = e->first_slot; s <= e->slot; s++) {
        uint8_t was;
        int rc = slot_set_first(m, &it, s, FAT_SLOT_FREE, &was);
        if (rc != TW_OK)
            return rc;
        if (undo != NULL)
            undo->was[undo->n++] = was;
    }
    return TW_OK;
}

int fat_dir_restore(struct fat_mount *m, uint32_t dir_first, const struct fat_entry *e,
                    struct fat_removed *undo)
{
    struct fat_dirit it;
    fat_dirit_init(m, &it, dir_first);
    K_ASSERT(e->first_slot <= e->slot && undo->n <= e->slot - e->first_slot + 1);
    while (undo->n > 0) {
        uint32_t i = undo->n - 1;
        uint8_t was;
        int rc = slot_set_first(m, &it, e->first_slot + i, undo->was[i], &was);
        if (rc != TW_OK)
            return rc;
        undo->n--;
    }
    return TW_OK;
}
