/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_fsmatrix.c - one matrix of file-system operations run two ways (Check,
 * forked): on the FAT volume opened directly, fat://[cache://[blk://disk0/]/]/..., and on
 * the same volume through the user-space file server, file:///data/... (file-server
 * /data=fat://[cache://[blk://disk0/]/]). Each way starts from its own copy of one image
 * made here by mkfs.fat and mcopy, on a write-through disk.
 *
 * The matrix (steps[] below) is written once: each row is an operation (read, write, seek,
 * tell, truncate, size, flush, stat, readdir, mkdir, unlink, rename, open, close) on a
 * handle slot, with the result it must give and, for read, stat and readdir, the bytes it
 * must produce. Both ways must match the row: not merely each other. Rows after a change
 * read its effect back (size and bytes after a truncate, the listing after a rename), and
 * after the run the image itself must pass fsck.fat -n and hold exactly the files the
 * matrix leaves, byte for byte (mdir, mcopy). A new cell is one row; a new kind of
 * operation is an enum op value, its macro and its case in run_step.
 *
 * A failing cell prints one line: the step, the operation, the way, what it gave, what the
 * row wants, and what the other way gave. One loop test, test_matrix: iteration 0 judges
 * the fat way, 1 the file way (both run in each, for the other's value). Run alone:
 * make -f tools/build.mk build/tests/test_fsmatrix && build/tests/test_fsmatrix
 */
#include "../fat/harness.h"

#include "../../user/programs.h"

/* ---- the matrix ------------------------------------------------------------------------- */

/* What a row does (run_step). */
enum op {
    OPEN,
    CLOSE,
    READ,
    WRITE,
    SEEK,
    TELL,
    TRUNC,
    SIZE,
    FLUSH,
    STAT,
    READDIR,
    MKDIR,
    UNLINK,
    RENAME
};

static const char *const op_name[] = {
    [OPEN] = "open",     [CLOSE] = "close",   [READ] = "read",       [WRITE] = "write",
    [SEEK] = "seek",     [TELL] = "tell",     [TRUNC] = "truncate",  [SIZE] = "size",
    [FLUSH] = "flush",   [STAT] = "stat",     [READDIR] = "readdir", [MKDIR] = "mkdir",
    [UNLINK] = "unlink", [RENAME] = "rename",
};

/* Handle slots. */
enum { R, F, G, N, D, W, X, SLOTS };
static const char slot_name[SLOTS] = {'R', 'F', 'G', 'N', 'D', 'W', 'X'};

struct step {
    enum op op;
    int h;           /* the handle slot it works on (OPEN: the slot it fills) */
    const char *s;   /* OPEN: URL path after the way's base; WRITE: the bytes; MKDIR, UNLINK,
                        RENAME: the (old) path */
    const char *s2;  /* RENAME: the new path */
    int64_t n, n2;   /* OPEN: flags; READ: bytes asked; SEEK: offset, whence; TRUNC: size;
                        STAT: buffer bytes */
    int64_t want;    /* the result (OPEN: WANT_NONNEG for a handle) */
    const char *out; /* READ: the bytes; STAT: the record (stat_text); READDIR: the listing
                        (list_text); NULL: no output */
    size_t olen;     /* READ: bytes of out when they hold a NUL (else strlen(out)) */
};

/* One row each (clang-format would break them into blocks). */
// clang-format off
#define O_(h, path, flags, want)      {OPEN, h, path, NULL, flags, 0, want, NULL, 0}
#define CLOSE_(h)                     {CLOSE, h, NULL, NULL, 0, 0, TW_OK, NULL, 0}
#define READ_(h, n, want, out)        {READ, h, NULL, NULL, n, 0, want, out, 0}
#define READB_(h, n, want, out, olen) {READ, h, NULL, NULL, n, 0, want, out, olen}
#define WRITE_(h, data, want)         {WRITE, h, data, NULL, 0, 0, want, NULL, 0}
#define SEEK_(h, off, whence, want)   {SEEK, h, NULL, NULL, off, whence, want, NULL, 0}
#define TELL_(h, want)                {TELL, h, NULL, NULL, 0, 0, want, NULL, 0}
#define TRUNC_(h, size, want)         {TRUNC, h, NULL, NULL, size, 0, want, NULL, 0}
#define SIZE_(h, want)                {SIZE, h, NULL, NULL, 0, 0, want, NULL, 0}
#define FLUSH_(h, want)               {FLUSH, h, NULL, NULL, 0, 0, want, NULL, 0}
#define STAT_(h, buflen, want, out)   {STAT, h, NULL, NULL, buflen, 0, want, out, 0}
#define LIST_(h, records, out)        {READDIR, h, NULL, NULL, 0, 0, records, out, 0}
#define MKDIR_(h, path, want)         {MKDIR, h, path, NULL, 0, 0, want, NULL, 0}
#define UNLINK_(h, path, want)        {UNLINK, h, path, NULL, 0, 0, want, NULL, 0}
#define RENAME_(h, from, to, want)    {RENAME, h, from, to, 0, 0, want, NULL, 0}
// clang-format on

#define NUM_LEN 600
static char num[NUM_LEN + 1]; /* /num.txt: "000 001 002 ..." (filled by make_image) */

#define UNTOUCHED "untouched" /* stat_text of a failed stat that wrote nothing */

static const struct step steps[] = {
    /* The root: a directory. */
    O_(R, "/", 0, WANT_NONNEG),
    LIST_(R, 4, "a.txt:6 hello.txt:13 num.txt:600 dir/"),
    STAT_(R, TW_DIRENT_SIZE, TW_OK, "size=0 attr=0x10 cluster=0 kind=dir"),
    READ_(R, 100, TW_E_TOOBIG, ""), /* smaller than one record */
    WRITE_(R, "x", TW_E_NOTSUP),
    TRUNC_(R, 0, TW_E_NOTSUP),
    /* Reads, seeks and tells on a file. */
    O_(F, "/hello.txt", 0, WANT_NONNEG),
    SIZE_(F, 13),
    READ_(F, 5, 5, "hello"),
    TELL_(F, 5),
    SEEK_(F, 7, TW_SEEK_SET, 7),
    READ_(F, 100, 6, "world\n"),
    READ_(F, 100, 0, ""),
    SEEK_(F, -6, TW_SEEK_END, 7),
    SEEK_(F, -1, TW_SEEK_SET, TW_E_INVAL),
    TELL_(F, 7),
    SEEK_(F, 2, TW_SEEK_CUR, 9),
    READ_(F, 2, 2, "rl"),
    STAT_(F, TW_DIRENT_SIZE, TW_OK, "size=13 attr=0x20 cluster>0 kind=file"),
    STAT_(F, 100, TW_E_TOOBIG, UNTOUCHED),
    STAT_(F, TW_DIRENT_SIZE - 1, TW_E_TOOBIG, UNTOUCHED),
    /* Writes: append, overwrite in the middle, read back. */
    SEEK_(F, 0, TW_SEEK_END, 13),
    WRITE_(F, "!!", 2),
    SIZE_(F, 15),
    SEEK_(F, 3, TW_SEEK_SET, 3),
    WRITE_(F, "LO", 2),
    TELL_(F, 5),
    SEEK_(F, 0, TW_SEEK_SET, 0),
    READ_(F, 100, 15, "helLO, world\n!!"),
    /* Truncate down, then up (zeros), then flush. */
    TRUNC_(F, 5, TW_OK),
    SIZE_(F, 5),
    TELL_(F, 15), /* truncate leaves the position alone */
    READ_(F, 100, 0, ""),
    SEEK_(F, 0, TW_SEEK_SET, 0),
    READ_(F, 100, 5, "helLO"),
    STAT_(F, TW_DIRENT_SIZE, TW_OK, "size=5 attr=0x20 cluster>0 kind=file"),
    TRUNC_(F, 8, TW_OK),
    SIZE_(F, 8),
    SEEK_(F, 0, TW_SEEK_SET, 0),
    READB_(F, 100, 8, "helLO\0\0\0", 8),
    FLUSH_(F, TW_OK),
    FLUSH_(R, TW_OK),
    /* mkdir, unlink and rename on a file handle are not file operations. */
    MKDIR_(F, "x", TW_E_NOTSUP),
    UNLINK_(F, "x", TW_E_NOTSUP),
    RENAME_(F, "x", "y", TW_E_NOTSUP),
    /* A read longer than one reply (file://: continuations), then truncate to nothing. */
    O_(N, "/num.txt", 0, WANT_NONNEG),
    READ_(N, 1024, NUM_LEN, num),
    TRUNC_(N, 0, TW_OK),
    SIZE_(N, 0),
    STAT_(N, TW_DIRENT_SIZE, TW_OK, "size=0 attr=0x20 cluster=0 kind=file"),
    SEEK_(N, 0, TW_SEEK_SET, 0),
    READ_(N, 100, 0, ""),
    CLOSE_(N),
    /* mkdir. */
    MKDIR_(R, "newdir", TW_OK),
    MKDIR_(R, "newdir", TW_E_BUSY),
    MKDIR_(R, "nope/x", TW_E_NOENT),
    MKDIR_(R, "hello.txt/x", TW_E_NOENT),
    O_(D, "/newdir", 0, WANT_NONNEG),
    LIST_(D, 0, ""),
    STAT_(D, TW_DIRENT_SIZE, TW_OK, "size=0 attr=0x10 cluster>0 kind=dir"),
    O_(W, "/newdir/made.txt", TW_O_CREATE, WANT_NONNEG),
    WRITE_(W, "made here\n", 10),
    SIZE_(W, 10),
    CLOSE_(W),
    LIST_(D, 1, "made.txt:10"),
    LIST_(R, 5, "a.txt:6 hello.txt:8 num.txt:0 dir/ newdir/"),
    /* unlink. */
    UNLINK_(R, "missing.txt", TW_E_NOENT),
    UNLINK_(R, "newdir", TW_E_BUSY),    /* not empty */
    UNLINK_(R, "hello.txt", TW_E_BUSY), /* open (F) */
    UNLINK_(R, "num.txt", TW_OK),
    UNLINK_(R, "num.txt", TW_E_NOENT),
    O_(X, "/num.txt", 0, TW_E_NOENT),
    /* rename: a file into another directory; the old name goes, the new one lists. */
    RENAME_(R, "a.txt", "newdir/renamed a.txt", TW_OK),
    RENAME_(R, "a.txt", "b.txt", TW_E_NOENT),
    RENAME_(R, "hello.txt", "dir", TW_E_BUSY),
    RENAME_(R, "newdir", "newdir/inside", TW_E_INVAL),
    O_(X, "/a.txt", 0, TW_E_NOENT),
    O_(X, "/newdir/renamed%20a.txt", 0, WANT_NONNEG),
    READ_(X, 100, 6, "alpha\n"),
    STAT_(X, TW_DIRENT_SIZE, TW_OK, "size=6 attr=0x20 cluster>0 kind=file"),
    CLOSE_(X),
    UNLINK_(D, "made.txt", TW_OK),
    LIST_(D, 1, "renamed a.txt:6"),
    /* An open file renamed: its handle follows it. */
    RENAME_(R, "hello.txt", "Hello Renamed.txt", TW_OK),
    SEEK_(F, 0, TW_SEEK_SET, 0),
    READ_(F, 3, 3, "hel"),
    O_(G, "/hello%20renamed.txt", 0, WANT_NONNEG), /* names match case-insensitively */
    SIZE_(G, 8),
    CLOSE_(G),
    CLOSE_(F),
    LIST_(R, 3, "dir/ newdir/ Hello Renamed.txt:8"), /* 3 slots: none free that long */
    /* A directory, renamed. */
    RENAME_(R, "dir", "newdir/sub", TW_OK),
    O_(X, "/newdir/sub/inner.txt", 0, WANT_NONNEG),
    READ_(X, 100, 6, "inner\n"),
    CLOSE_(X),
    LIST_(D, 2, "sub/ renamed a.txt:6"), /* in made.txt's two freed slots */
    UNLINK_(D, "sub", TW_E_BUSY),        /* not empty */
    UNLINK_(D, "sub/inner.txt", TW_OK),
    UNLINK_(D, "sub", TW_OK),
    LIST_(D, 1, "renamed a.txt:6"),
    LIST_(R, 2, "newdir/ Hello Renamed.txt:8"),
    FLUSH_(D, TW_OK),
    CLOSE_(D),
    CLOSE_(R),
};
#define NSTEPS K_ARRAY_SIZE(steps)

/* What the image holds after the matrix: `mdir -/ -b` (slot order, then the directories'
 * contents) and each file's bytes. */
static const char final_tree[] = "::/newdir/\n"
                                 "::/Hello Renamed.txt\n"
                                 "::/newdir/renamed a.txt\n";
static const struct {
    const char *path, *data;
    size_t len;
} final_files[] = {
    {"/Hello Renamed.txt", "helLO\0\0\0", 8},
    {"/newdir/renamed a.txt", "alpha\n", 6},
};

/* ---- the two ways ------------------------------------------------------------------------ */

enum { WAY_FAT, WAY_FILE, WAYS };
static const char *const way_name[WAYS] = {"fat", "file"};
static const char *const way_base[WAYS] = {"fat://[cache://[blk://disk0/]/]", "file:///data"};

#define OUT_MAX 1100
struct cell {
    bool ran;
    int64_t got;
    size_t out_len;
    char out[OUT_MAX];
};
static struct cell cells[WAYS][NSTEPS];
static int cur_way;

/* A stat record as text: the fields stat fills, then whatever else is not as it must be. */
static size_t stat_text(const uint8_t *buf, int64_t rc, size_t buflen, char *out)
{
    bool poisoned = true;
    for (size_t i = 0; i < buflen + 16; i++)
        poisoned = poisoned && buf[i] == 0xaa;
    if (rc != TW_OK)
        return (size_t)snprintf(out, OUT_MAX, "%s", poisoned ? UNTOUCHED : "written");
    struct tw_dirent d;
    memcpy(&d, buf, sizeof(d));
    int n = snprintf(out, OUT_MAX, "size=%" PRIu64 " attr=0x%02x cluster%s kind=%s", d.size, d.attr,
                     d.cluster != 0 ? ">0" : "=0",
                     d.kind == TW_DIRENT_FILE  ? "file"
                     : d.kind == TW_DIRENT_DIR ? "dir"
                                               : "?");
    /* No name (mtime is not part of stat's contract). */
    size_t bad = 0;
    for (size_t i = 20; i < sizeof(d) && bad == 0; i++)
        if (i != 22 && buf[i] != 0)
            bad = i;
    if (bad != 0)
        n += snprintf(out + n, OUT_MAX - (size_t)n, " byte%zu=0x%02x", bad, buf[bad]);
    for (size_t i = sizeof(d); i < buflen + 16; i++)
        if (buf[i] != 0xaa) {
            n += snprintf(out + n, OUT_MAX - (size_t)n, " past-the-record@%zu", i);
            break;
        }
    return (size_t)n;
}

/* One directory record in a listing: "name:size", or "name/" for a directory; with what is
 * wrong with the record, if anything. */
static size_t record_text(const struct tw_dirent *d, char *out, size_t cap)
{
    size_t nl = strnlen(d->name, sizeof(d->name));
    bool ok = nl == d->name_len && nl < sizeof(d->name) && d->short_name[0] != '\0' &&
              d->reserved == 0 && (d->kind == TW_DIRENT_DIR) == ((d->attr & 0x10) != 0) &&
              (d->kind == TW_DIRENT_FILE || d->size == 0);
    for (size_t i = nl; i < sizeof(d->name) && ok; i++)
        ok = d->name[i] == '\0';
    int n = d->kind == TW_DIRENT_DIR
                ? snprintf(out, cap, "%.*s/", (int)nl, d->name)
                : snprintf(out, cap, "%.*s:%" PRIu64, (int)nl, d->name, d->size);
    if (!ok && (size_t)n < cap)
        n += snprintf(out + n, cap - (size_t)n, "(bad record)");
    return K_MIN((size_t)n, cap - 1); /* what snprintf wrote, not what it would have */
}

static int64_t list_text(int32_t h, uint8_t *rec, char *out, size_t *out_len)
{
    size_t n = 0;
    out[0] = '\0';
    int64_t r = tw_seek(h, 0, TW_SEEK_SET);
    if (r != 0)
        return r < 0 ? r : TW_E_IO;
    for (int64_t count = 0;; count++) {
        r = tw_read(h, rec, TW_DIRENT_SIZE);
        if (r == 0) {
            *out_len = n;
            return count;
        }
        if (r != TW_DIRENT_SIZE) {
            *out_len = n + (size_t)snprintf(out + n, OUT_MAX - n, "%s(read gave %" PRId64 ")",
                                            n > 0 ? " " : "", r);
            return r < 0 ? r : TW_E_IO;
        }
        if (n + 300 > OUT_MAX || count > 32) {
            *out_len = n;
            return TW_E_LIMIT; /* cut: the row's listing is shorter */
        }
        if (n > 0)
            out[n++] = ' ';
        n += record_text((const struct tw_dirent *)(void *)rec, out + n, OUT_MAX - n);
    }
}

/* Run one row in the client; its result and output go to cells[cur_way][i]. */
static void run_step(size_t i, int32_t *slot, uint8_t *heap)
{
    const struct step *s = &steps[i];
    struct cell *c = &cells[cur_way][i];
    uint8_t *buf = heap;              /* what is read into (poisoned first) */
    char *text = (char *)heap + 4096; /* what is written */
    int32_t h = slot[s->h];
    int64_t r;
    c->out_len = 0;
    switch (s->op) {
    case OPEN: {
        char url[300];
        snprintf(url, sizeof(url), "%s%s", way_base[cur_way], s->s);
        r = u_open(url, (uint32_t)s->n);
        if (r >= 0)
            slot[s->h] = (int32_t)r;
        break;
    }
    case CLOSE:
        r = tw_close(h);
        slot[s->h] = -1;
        break;
    case READ:
        memset(buf, 0xaa, (size_t)s->n + 16);
        r = tw_read(h, buf, (size_t)s->n);
        c->out_len = r > 0 ? (size_t)K_MIN(r, (int64_t)OUT_MAX - 40) : 0;
        memcpy(c->out, buf, c->out_len);
        for (size_t k = c->out_len; k < (size_t)s->n + 16; k++)
            if (buf[k] != 0xaa) {
                c->out_len += (size_t)snprintf(c->out + c->out_len, 40, "<written@%zu>", k);
                break;
            }
        break;
    case WRITE:
        memcpy(text, s->s, strlen(s->s));
        r = tw_write(h, text, strlen(s->s));
        break;
    case SEEK:
        r = tw_seek(h, s->n, (int)s->n2);
        break;
    case TELL:
        r = tw_tell(h);
        break;
    case TRUNC:
        r = tw_invoke(h, TW_FILE_TRUNCATE, (uint64_t)s->n, 0, 0, 0);
        break;
    case SIZE:
        r = tw_invoke(h, TW_BLK_SIZE, 0, 0, 0, 0);
        break;
    case FLUSH:
        r = tw_invoke(h, TW_BLK_FLUSH, 0, 0, 0, 0);
        break;
    case STAT:
        memset(buf, 0xaa, (size_t)s->n + 16);
        r = tw_invoke(h, TW_FILE_STAT, (uintptr_t)buf, (uint64_t)s->n, 0, 0);
        c->out_len = stat_text(buf, r, (size_t)s->n, c->out);
        break;
    case READDIR:
        r = list_text(h, buf, c->out, &c->out_len);
        break;
    case MKDIR:
        r = u_invoke_str(h, TW_FS_MKDIR, s->s, NULL);
        break;
    case UNLINK:
        r = u_invoke_str(h, TW_FS_UNLINK, s->s, NULL);
        break;
    case RENAME:
        r = u_invoke_str(h, TW_FS_RENAME, s->s, s->s2);
        break;
    default:
        r = TW_E_INVAL;
        break;
    }
    c->got = r;
    c->ran = true;
}

static void body_client(uintptr_t heap)
{
    int32_t slot[SLOTS];
    for (int i = 0; i < SLOTS; i++)
        slot[i] = -1;
    EXPECT(tw_sleep_ns(10000), TW_OK); /* the file server registers file:// first */
    for (size_t i = 0; i < NSTEPS; i++)
        run_step(i, slot, (uint8_t *)heap);
    for (int i = 0; i < SLOTS; i++)
        if (slot[i] >= 0)
            tw_close(slot[i]); /* after a failed row; the matrix closes what it opens */
    th_done++;
}

static void body_file_server(uintptr_t heap)
{
    (void)heap;
    static const char line[] = "file-server /data=fat://[cache://[blk://disk0/]/] idle=2000";
    char buf[sizeof(line)];
    memcpy(buf, line, sizeof(line));
    EXPECT(tw_program_run(buf, sizeof(line) - 1), 0);
    th_done++;
}

/* ---- the image, the runs, the judge -------------------------------------------------------- */

static char img[WAYS][300];

static void make_images(void)
{
    const char *d = th_tmp();
    for (int i = 0; i < NUM_LEN / 4; i++)
        snprintf(num + 4 * i, 5, "%03d%c", i, i % 16 == 15 ? '\n' : ' ');
    char p[400];
    snprintf(p, sizeof(p), "%s/num", d);
    FILE *f = fopen(p, "wb");
    ck_assert(f != NULL && fwrite(num, 1, NUM_LEN, f) == NUM_LEN);
    fclose(f);
    for (int w = 0; w < WAYS; w++)
        snprintf(img[w], sizeof(img[w]), "%s/%s.img", d, way_name[w]); /* judge_image too */
    th_sh("cd '%s' && mkfs.fat -C -F 12 fat.img 1440 >/dev/null && printf 'alpha\\n' > a && "
          "printf 'hello, world\\n' > h && printf 'inner\\n' > i && "
          "mcopy -i fat.img a ::/a.txt && mcopy -i fat.img h ::/hello.txt && "
          "mcopy -i fat.img num ::/num.txt && mmd -i fat.img ::/dir && "
          "mcopy -i fat.img i ::/dir/inner.txt && cp fat.img file.img",
          d);
}

static void run_way(int way)
{
    char err[600];
    cur_way = way;
    host_disks_clear();
    ck_assert_msg(host_disk_add_file("disk0", img[way], true, err, sizeof(err)) == 0, "%s", err);
    th_boot(4096);
    if (way == WAY_FILE)
        th_task("fs", body_file_server, 1);
    th_task("client", body_client, 4);
    th_run_check(way == WAY_FILE ? 2 : 1);
    host_disks_clear(); /* closes the write-through image */
}

/* Printable text of n bytes: control bytes, non-ASCII, '"' and '\\' as \xNN (newlines too:
 * tools/run-unit-tests shows the output through echo, which would turn a "\n" into one). */
static const char *shown(const char *b, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 8 < cap; i++) {
        unsigned char ch = (unsigned char)b[i];
        if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\')
            k += (size_t)snprintf(out + k, cap - k, "\\x%02x", ch);
        else
            out[k++] = (char)ch;
    }
    if (k + 8 >= cap)
        k += (size_t)snprintf(out + k, cap - k, "...");
    out[k] = '\0';
    return out;
}

/* "123" or "-11 too_big". */
static const char *result_text(int64_t v, char *out, size_t cap)
{
    const char *name = v < 0 ? tw_strerror(v) : NULL;
    if (v == WANT_NONNEG)
        snprintf(out, cap, "a handle");
    else
        snprintf(out, cap, "%" PRId64 "%s%s", v, name != NULL ? " " : "", name != NULL ? name : "");
    return out;
}

static void step_text(const struct step *s, char *out, size_t cap)
{
    char a[120];
    switch (s->op) {
    case OPEN:
        snprintf(out, cap, "open(%c, \"%s\"%s)", slot_name[s->h], s->s,
                 s->n & TW_O_CREATE ? ", create" : "");
        return;
    case WRITE:
        snprintf(out, cap, "write(%c, \"%s\")", slot_name[s->h], shown(s->s, strlen(s->s), a, 120));
        return;
    case MKDIR:
    case UNLINK:
        snprintf(out, cap, "%s(%c, \"%s\")", op_name[s->op], slot_name[s->h], s->s);
        return;
    case RENAME:
        snprintf(out, cap, "rename(%c, \"%s\", \"%s\")", slot_name[s->h], s->s, s->s2);
        return;
    case READ:
    case TRUNC:
    case STAT:
        snprintf(out, cap, "%s(%c, %" PRId64 ")", op_name[s->op], slot_name[s->h], s->n);
        return;
    case SEEK:
        snprintf(out, cap, "seek(%c, %" PRId64 ", %s)", slot_name[s->h], s->n,
                 s->n2 == TW_SEEK_SET   ? "SET"
                 : s->n2 == TW_SEEK_CUR ? "CUR"
                                        : "END");
        return;
    default:
        snprintf(out, cap, "%s(%c)", op_name[s->op], slot_name[s->h]);
        return;
    }
}

static bool cell_ok(const struct step *s, const struct cell *c)
{
    if (!c->ran)
        return false;
    if (s->want == WANT_NONNEG ? c->got < 0 : c->got != s->want)
        return false;
    if (s->out == NULL)
        return true;
    size_t olen = s->olen != 0 ? s->olen : strlen(s->out);
    return c->out_len == olen && memcmp(c->out, s->out, olen) == 0;
}

/* A cell's value as text: its result, and its output when the row has one. */
static const char *cell_text(const struct step *s, const struct cell *c, char *out, size_t cap)
{
    char r[64], o[400];
    if (!c->ran)
        return snprintf(out, cap, "(not run)"), out;
    result_text(c->got, r, sizeof(r));
    if (s->out == NULL)
        snprintf(out, cap, "%s", r);
    else
        snprintf(out, cap, "%s \"%s\"", r, shown(c->out, c->out_len, o, sizeof(o)));
    return out;
}

/* Every failing cell of one way, one line each; the number of them. */
static unsigned judge_way(int way)
{
    unsigned bad = 0;
    for (size_t i = 0; i < NSTEPS; i++) {
        const struct step *s = &steps[i];
        if (cell_ok(s, &cells[way][i]))
            continue;
        char st[300], got[600], other[600], want[600], r[64], o[400];
        step_text(s, st, sizeof(st));
        result_text(s->want, r, sizeof(r));
        if (s->out == NULL)
            snprintf(want, sizeof(want), "%s", r);
        else
            snprintf(want, sizeof(want), "%s \"%s\"", r,
                     shown(s->out, s->olen != 0 ? s->olen : strlen(s->out), o, sizeof(o)));
        fprintf(stderr, "fsmatrix: step %zu %s [%s]: got %s, want %s (%s gave %s)\n", i, st,
                way_name[way], cell_text(s, &cells[way][i], got, sizeof(got)), want, way_name[!way],
                cell_text(s, &cells[!way][i], other, sizeof(other)));
        bad++;
    }
    return bad;
}

/* The image after the run: fsck.fat clean, exactly the files the matrix leaves, their bytes. */
static unsigned judge_image(int way)
{
    const char *d = th_tmp();
    unsigned bad = 0;
    char cmd[1200];
    /* The image by a relative name, so that the grep never meets the random directory's
     * (mkdtemp may well make "/tmp/twain-fat-xBADx"). */
    snprintf(cmd, sizeof(cmd),
             "export PATH=\"$PATH:/usr/sbin:/sbin\"; cd '%s' && "
             "fsck.fat -n %s.img > fsck.log 2>&1 && "
             "! grep -iE 'differ|wrong|bad|invalid|orphan|lost|free cluster' fsck.log",
             d, way_name[way]);
    if (system(cmd) != 0) {
        fprintf(stderr, "fsmatrix: image [%s]: fsck.fat -n is not clean:\n", way_name[way]);
        snprintf(cmd, sizeof(cmd), "cat '%s/fsck.log' >&2", d);
        (void)!system(cmd);
        bad++;
    }
    snprintf(cmd, sizeof(cmd), "%s/tree", d);
    th_sh("mdir -/ -b -i '%s' ::/ > '%s'", img[way], cmd);
    size_t n;
    uint8_t *tree = th_slurp(cmd, &n);
    if (n != strlen(final_tree) || memcmp(tree, final_tree, n) != 0) {
        char g[400], w[400];
        fprintf(stderr, "fsmatrix: image [%s]: mdir lists \"%s\", want \"%s\"\n", way_name[way],
                shown((const char *)tree, n, g, sizeof(g)),
                shown(final_tree, strlen(final_tree), w, sizeof(w)));
        bad++;
    }
    free(tree);
    for (size_t i = 0; i < K_ARRAY_SIZE(final_files); i++) {
        snprintf(cmd, sizeof(cmd), "%s/out", d);
        th_sh("rm -f '%s' && mcopy -n -i '%s' '::%s' '%s'", cmd, img[way], final_files[i].path,
              cmd);
        uint8_t *b = th_slurp(cmd, &n);
        if (n != final_files[i].len || memcmp(b, final_files[i].data, n) != 0) {
            char g[400], w[400];
            fprintf(stderr, "fsmatrix: image [%s]: %s holds \"%s\", want \"%s\"\n", way_name[way],
                    final_files[i].path, shown((const char *)b, n, g, sizeof(g)),
                    shown(final_files[i].data, final_files[i].len, w, sizeof(w)));
            bad++;
        }
        free(b);
    }
    return bad;
}

/* Loop test: _i is the way judged; both ways run, so a failing line shows the other's value. */
START_TEST(test_matrix)
{
    memset(cells, 0, sizeof(cells));
    make_images();
    run_way(WAY_FAT);
    run_way(WAY_FILE);
    unsigned bad = judge_way(_i), img_bad = judge_image(_i);
    th_cleanup();
    ck_assert_msg(bad == 0 && img_bad == 0, "%s way: %u of %zu cells fail, %u image checks fail",
                  way_name[_i], bad, NSTEPS, img_bad);
}
END_TEST

static Suite *fsmatrix_suite(void)
{
    Suite *s = suite_create("fsmatrix");
    TCase *tc = tcase_create("fsmatrix");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_matrix, WAY_FAT, WAYS);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fsmatrix_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
