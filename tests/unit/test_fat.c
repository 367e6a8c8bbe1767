/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_fat.c - unit tests of fat:// (providers/fat_*.c; Check, forked). Images
 * are made here by the real tools: mkfs.fat (FAT12, FAT16, FAT32) filled by mcopy/mmd;
 * Twain reads them back byte for byte; Twain writes (create, extend, truncate, mkdir,
 * rename, unlink) to a write-through disk, then fsck.fat -n must find the image clean and
 * mcopy must read back what was written. Broken images (boot sector, BPB, chain loops,
 * sizes past the chain) give TW_E_IO; path limits give TW_E_INVAL / TW_E_TOOBIG. A rename
 * whose device fails after the new entry is written is undone: the file stays in exactly
 * one directory (a failing device between fat:// and the disk, flaky://, defined here).
 */
#include "../fat/harness.h"

#include "../../core/abi.h"
#include "../../core/optable.h"
#include "../../core/provider.h"
#include "../../providers/fat.h"
#include "../../providers/storage.h"

#define IMG_FILES 3
static char img_path[512];
static uint8_t *want[IMG_FILES]; /* what the host put in the image */
static size_t want_len[IMG_FILES];
static const char *const want_url[IMG_FILES] = {
    "fat://[blk://disk0/]/hello.txt",
    "fat://[blk://disk0/]/Long%20File%20Name%20With%20Spaces.txt",
    "fat://[blk://disk0/]/sub/dir/deep.bin",
};

static void make_content(uint8_t *b, size_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b[i] = (uint8_t)x;
    }
}

/* An image made by mkfs.fat ARGS with three files and 40 small ones in /many. */
static void make_image(const char *mkfs_args, size_t kib)
{
    const char *d = th_tmp();
    snprintf(img_path, sizeof(img_path), "%s/fat.img", d);
    th_sh("rm -f %s && mkfs.fat -C %s %s %zu >/dev/null", img_path, mkfs_args, img_path, kib);
    static const size_t sizes[IMG_FILES] = {13, 5000, 100000};
    static const char *const names[IMG_FILES] = {"hello.txt", "Long File Name With Spaces.txt",
                                                 "sub/dir/deep.bin"};
    th_sh("mmd -i %s ::/sub ::/sub/dir ::/many", img_path);
    for (int i = 0; i < IMG_FILES; i++) {
        free(want[i]);
        want[i] = malloc(sizes[i]);
        want_len[i] = sizes[i];
        make_content(want[i], sizes[i], (uint32_t)i + 1);
        if (i == 0)
            memcpy(want[i], "hello, world\n", 13);
        char host[600];
        snprintf(host, sizeof(host), "%s/f%d", d, i);
        FILE *f = fopen(host, "wb");
        ck_assert(f != NULL && fwrite(want[i], 1, sizes[i], f) == sizes[i]);
        fclose(f);
        th_sh("mcopy -i %s '%s' '::/%s'", img_path, host, names[i]);
    }
    th_sh("for i in $(seq 1 40); do echo \"file $i\" > %s/m$i.txt; done && "
          "mcopy -i %s %s/m*.txt ::/many/",
          d, img_path, d);
}

static void add_disk(bool write_through)
{
    host_disks_clear();
    char err[600];
    ck_assert_msg(host_disk_add_file("disk0", img_path, write_through, err, sizeof(err)) == 0, "%s",
                  err);
}

/* Read a whole file through the kernel and compare with the host's bytes. */
static void expect_file(int line, const char *url, const uint8_t *data, size_t len, uint8_t *buf)
{
    int32_t h = (int32_t)u_open(url, 0);
    th_expect_at(line, h, WANT_NONNEG);
    if (h < 0)
        return;
    th_expect_at(line, tw_invoke(h, TW_BLK_SIZE, 0, 0, 0, 0), (int64_t)len);
    size_t got = 0;
    bool same = true;
    for (;;) {
        int64_t n = tw_read(h, buf, 4096);
        if (n <= 0) {
            th_expect_at(line, n, 0);
            break;
        }
        same = same && got + (size_t)n <= len && memcmp(buf, data + got, (size_t)n) == 0;
        got += (size_t)n;
    }
    th_expect_at(line, (int64_t)got, (int64_t)len);
    th_expect_at(line, same, 1);
    th_expect_at(line, tw_close(h), TW_OK);
}

/* How many records a directory lists, and whether name is among them. */
static int64_t count_dir(const char *url, const char *name, bool *seen, uint8_t *buf)
{
    int32_t h = (int32_t)u_open(url, 0);
    if (h < 0)
        return h;
    int64_t n = 0;
    *seen = false;
    for (;;) {
        int64_t r = tw_read(h, buf, 4 * TW_DIRENT_SIZE);
        if (r <= 0) {
            n = r < 0 ? r : n;
            break;
        }
        for (int64_t k = 0; k < r / TW_DIRENT_SIZE; k++) {
            const struct tw_dirent *d = (const void *)(buf + k * TW_DIRENT_SIZE);
            *seen = *seen || strcmp(d->name, name) == 0;
            n++;
        }
    }
    tw_close(h);
    return n;
}

static void body_read(uintptr_t heap)
{
    uint8_t *buf = (uint8_t *)heap;
    for (int i = 0; i < IMG_FILES; i++)
        th_expect_at(1000 + i, 0, 0), expect_file(1000 + i, want_url[i], want[i], want_len[i], buf);
    /* Names are case-insensitive; short names work too. */
    expect_file(__LINE__, "fat://[blk://disk0/]/HELLO.TXT", want[0], 13, buf);
    expect_file(__LINE__, "fat://[blk://disk0/]/LONGFI~1.TXT", want[1], want_len[1], buf);
    expect_file(__LINE__, "fat://[blk://disk0/]/sub/../sub/./dir/../../hello.txt", want[0], 13,
                buf);
    expect_file(__LINE__, "fat://[blk://disk0/]/../../hello.txt", want[0], 13, buf);
    bool seen;
    EXPECT(count_dir("fat://[blk://disk0/]/", "Long File Name With Spaces.txt", &seen, buf), 4);
    EXPECT(seen, 1);
    EXPECT(count_dir("fat://[blk://disk0/]/many/", "m17.txt", &seen, buf), 40);
    EXPECT(seen, 1);
    EXPECT(count_dir("fat://[blk://disk0/]/sub/dir", "deep.bin", &seen, buf), 1);
    /* Seek and short reads. */
    int32_t h = (int32_t)u_open(want_url[2], 0);
    EXPECT(tw_seek(h, 99990, TW_SEEK_SET), 99990);
    EXPECT(tw_read(h, buf, 100), 10);
    EXPECT(memcmp(buf, want[2] + 99990, 10), 0);
    EXPECT(tw_read(h, buf, 100), 0);
    EXPECT(tw_seek(h, -50000, TW_SEEK_END), 50000);
    EXPECT(tw_read(h, buf, 3000), 3000);
    EXPECT(memcmp(buf, want[2] + 50000, 3000), 0);
    EXPECT(tw_close(h), TW_OK);
    /* Errors. */
    EXPECT(u_open("fat://[blk://disk0/]/nope.txt", 0), TW_E_NOENT);
    EXPECT(u_open("fat://[blk://disk0/]/hello.txt/x", 0), TW_E_NOENT);
    EXPECT(u_open("fat://[blk://disk0/]/sub", TW_O_TRUNC), TW_E_INVAL);
    EXPECT(u_open("fat://[blk://disk0/]/a%2", 0), TW_E_SYNTAX);
    EXPECT(u_open("fat://[blk://disk0/]/a%3F", 0), TW_E_INVAL); /* '?' */
    EXPECT(u_open("fat://[blk://disk0/]/a%00", 0), TW_E_INVAL);
    EXPECT(u_open("fat://[blk://disk0/]/%C3%28", 0), TW_E_INVAL);
    EXPECT(u_open("fat://[blk://disk0/]/trailing.", 0), TW_E_INVAL);
    EXPECT(u_open("fat://[blk://disk0/]x/", 0), TW_E_INVAL);
    EXPECT(u_open("fat://[blk://disk0/]/?q", 0), TW_E_INVAL);
    EXPECT(u_open("fat://[blk://nodisk/]/", 0), TW_E_NOENT);
    EXPECT(u_open("fat:///x", 0), TW_E_INVAL);
    EXPECT(u_open("fat://[null://]/", 0), TW_E_INVAL); /* not seekable */
    char deep[200] = "fat://[blk://disk0/]";
    for (int i = 0; i < 33; i++)
        strcat(deep, "/a");
    EXPECT(u_open(deep, 0), TW_E_TOOBIG);
    char lng[400] = "fat://[blk://disk0/]/";
    memset(lng + strlen(lng), 'n', 256);
    EXPECT(u_open(lng, 0), TW_E_TOOBIG);
    lng[strlen(lng) - 1] = '\0';
    EXPECT(u_open(lng, 0), TW_E_NOENT);
    th_done++;
}

static void run_read(const char *mkfs_args, size_t kib)
{
    make_image(mkfs_args, kib);
    add_disk(false);
    th_boot(4096);
    th_task("t", body_read, 4);
    th_run_check(1);
    host_disks_clear();
    th_cleanup();
}

START_TEST(test_read_fat12)
{
    run_read("-F 12", 1440);
}
END_TEST

START_TEST(test_read_fat16)
{
    run_read("-F 16", 20 * 1024);
}
END_TEST

START_TEST(test_read_fat32)
{
    run_read("-F 32 -s 1", 40 * 1024);
}
END_TEST

/* ---- writes, checked by fsck.fat and mcopy --------------------------------------------- */

#define BIG_LEN 10000
#define X_LEN   70000
static uint8_t big[BIG_LEN], xbin[X_LEN];

/* Write all of data[0..len) to h in 4 KiB pieces. */
static int64_t put_all(int32_t h, const uint8_t *data, size_t len, uint8_t *buf)
{
    size_t done = 0;
    while (done < len) {
        size_t n = K_MIN(len - done, (size_t)4096);
        memcpy(buf, data + done, n);
        int64_t w = tw_write(h, buf, n);
        if (w <= 0)
            return w;
        done += (size_t)w;
    }
    return (int64_t)done;
}

static void body_write(uintptr_t heap)
{
    uint8_t *buf = (uint8_t *)heap;
    int32_t root = (int32_t)u_open("fat://[blk://disk0/]/", 0);
    EXPECT_OK(root);
    int32_t h = (int32_t)u_open("fat://[blk://disk0/]/new%20file.txt", TW_O_CREATE);
    EXPECT_OK(h);
    EXPECT(put_all(h, big, BIG_LEN, buf), BIG_LEN);
    EXPECT(tw_close(h), TW_OK);
    EXPECT(u_invoke_str(root, TW_FS_MKDIR, "newdir", NULL), TW_OK);
    EXPECT(u_invoke_str(root, TW_FS_MKDIR, "newdir/Inner Directory", NULL), TW_OK);
    EXPECT(u_invoke_str(root, TW_FS_MKDIR, "newdir", NULL), TW_E_BUSY);
    EXPECT(u_invoke_str(root, TW_FS_MKDIR, "nope/x", NULL), TW_E_NOENT);
    h = (int32_t)u_open("fat://[blk://disk0/]/newdir/Inner%20Directory/x.bin", TW_O_CREATE);
    EXPECT(put_all(h, xbin, X_LEN, buf), X_LEN);
    EXPECT(u_invoke_str(root, TW_FS_UNLINK, "newdir/Inner Directory/x.bin", NULL), TW_E_BUSY);
    EXPECT(tw_close(h), TW_OK);
    /* Created, then unlinked. */
    h = (int32_t)u_open("fat://[blk://disk0/]/tobedeleted.txt", TW_O_CREATE);
    EXPECT(put_all(h, xbin, 9000, buf), 9000);
    EXPECT(tw_close(h), TW_OK);
    EXPECT(u_invoke_str(root, TW_FS_UNLINK, "tobedeleted.txt", NULL), TW_OK);
    EXPECT(u_invoke_str(root, TW_FS_UNLINK, "tobedeleted.txt", NULL), TW_E_NOENT);
    /* Truncate an mcopy'd file. */
    h = (int32_t)u_open("fat://[blk://disk0/]/sub/dir/deep.bin", 0);
    EXPECT(tw_invoke(h, TW_FILE_TRUNCATE, 30000, 0, 0, 0), TW_OK);
    EXPECT(tw_invoke(h, TW_BLK_SIZE, 0, 0, 0, 0), 30000);
    EXPECT(tw_close(h), TW_OK);
    /* Renames: a file across directories, a directory into another ('..' follows). */
    EXPECT(u_invoke_str(root, TW_FS_RENAME, "hello.txt", "newdir/hello renamed.txt"), TW_OK);
    EXPECT(u_invoke_str(root, TW_FS_RENAME, "many", "newdir/Inner Directory/many2"), TW_OK);
    EXPECT(u_invoke_str(root, TW_FS_RENAME, "newdir", "newdir/Inner Directory/x"), TW_E_INVAL);
    EXPECT(u_invoke_str(root, TW_FS_RENAME, "sub", "newdir"), TW_E_BUSY);
    EXPECT(u_invoke_str(root, TW_FS_RENAME, "nothere", "x"), TW_E_NOENT);
    /* A hole: seek past the end, write; the gap reads as zeros. */
    h = (int32_t)u_open("fat://[blk://disk0/]/gap.bin", TW_O_CREATE);
    EXPECT(tw_seek(h, 5000, TW_SEEK_SET), 5000);
    memcpy(buf, "END", 3);
    EXPECT(tw_write(h, buf, 3), 3);
    EXPECT(tw_close(h), TW_OK);
    /* TW_O_TRUNC, then a short rewrite. */
    h = (int32_t)u_open("fat://[blk://disk0/]/Long%20File%20Name%20With%20Spaces.txt",
                        TW_O_TRUNC | TW_O_CREATE);
    memcpy(buf, "short", 5);
    EXPECT(tw_write(h, buf, 5), 5);
    EXPECT(tw_close(h), TW_OK);
    /* Directories: an empty one goes, a full one stays. */
    EXPECT(u_invoke_str(root, TW_FS_MKDIR, "empty", NULL), TW_OK);
    EXPECT(u_invoke_str(root, TW_FS_UNLINK, "empty", NULL), TW_OK);
    EXPECT(u_invoke_str(root, TW_FS_UNLINK, "newdir", NULL), TW_E_BUSY);
    /* Many names in one directory: tails ~1..~N, a directory growing past a cluster. */
    int32_t nd = (int32_t)u_open("fat://[blk://disk0/]/newdir", 0);
    for (int i = 0; i < 60; i++) {
        char name[64];
        snprintf(name, sizeof(name), "a rather long name number %d.text", i);
        EXPECT(u_invoke_str(nd, TW_FS_MKDIR, name, NULL), TW_OK);
    }
    EXPECT(u_invoke_str(nd, TW_FS_UNLINK, "../sub", NULL), TW_E_NOENT); /* stays beneath */
    EXPECT(u_invoke_str(nd, TW_FS_UNLINK, "/sub", NULL), TW_E_INVAL);
    EXPECT(tw_invoke(nd, TW_BLK_FLUSH, 0, 0, 0, 0), TW_OK);
    EXPECT(tw_close(nd), TW_OK);
    /* Read back through the kernel before closing the mount. */
    expect_file(__LINE__, "fat://[blk://disk0/]/NEWFIL~1.TXT", big, BIG_LEN, buf);
    EXPECT(tw_close(root), TW_OK);
    th_done++;
}

/* mcopy the file at ::path out of the image and compare with data. */
static void expect_host_file(const char *path, const uint8_t *data, size_t len)
{
    char out[600];
    snprintf(out, sizeof(out), "%s/out.bin", th_tmp());
    th_sh("rm -f %s && mcopy -n -i %s '::%s' %s", out, img_path, path, out);
    size_t n;
    uint8_t *got = th_slurp(out, &n);
    ck_assert_msg(n == len, "%s: %zu bytes, want %zu", path, n, len);
    ck_assert_msg(memcmp(got, data, len) == 0, "%s: content differs", path);
    free(got);
}

static void run_write(const char *mkfs_args, size_t kib)
{
    make_image(mkfs_args, kib);
    make_content(big, BIG_LEN, 77);
    make_content(xbin, X_LEN, 78);
    add_disk(true);
    th_boot(4096);
    th_task("t", body_write, 4);
    th_run_check(1);
    host_disks_clear(); /* closes the write-through file */
    th_sh("fsck.fat -n %s > %s/fsck.log 2>&1 || (cat %s/fsck.log; false)", img_path, th_tmp(),
          th_tmp());
    th_sh("! grep -iE 'differ|wrong|bad|invalid|orphan|lost|free cluster' %s/fsck.log || "
          "(cat %s/fsck.log; false)",
          th_tmp(), th_tmp());
    expect_host_file("/new file.txt", big, BIG_LEN);
    expect_host_file("/newdir/Inner Directory/x.bin", xbin, X_LEN);
    expect_host_file("/sub/dir/deep.bin", want[2], 30000);
    expect_host_file("/newdir/hello renamed.txt", want[0], 13);
    expect_host_file("/newdir/Inner Directory/many2/m7.txt", (const uint8_t *)"file 7\n", 7);
    uint8_t gap[5003] = {0};
    memcpy(gap + 5000, "END", 3);
    expect_host_file("/gap.bin", gap, sizeof(gap));
    expect_host_file("/Long File Name With Spaces.txt", (const uint8_t *)"short", 5);
    th_sh("! mcopy -n -i %s ::/tobedeleted.txt %s/x 2>/dev/null", img_path, th_tmp());
    th_sh("mdir -i %s '::/newdir' | grep -c 'a rather long name number' | grep -qx 60", img_path);
    th_cleanup();
}

START_TEST(test_write_fat12)
{
    run_write("-F 12", 1440);
}
END_TEST

START_TEST(test_write_fat16)
{
    run_write("-F 16", 20 * 1024);
}
END_TEST

START_TEST(test_write_fat32)
{
    run_write("-F 32 -s 1", 40 * 1024);
}
END_TEST

/* ---- broken images: TW_E_IO, never a crash or a hang ----------------------------------------- */

static uint8_t *img;
static size_t img_len;

static uint32_t le16_at(size_t off)
{
    return (uint32_t)(img[off] | img[off + 1] << 8);
}

/* Offset of the short entry called name11 in the root directory (FAT12/16). */
static size_t root_entry(const char *name11)
{
    size_t bps = le16_at(11), root = (le16_at(14) + img[16] * le16_at(22)) * bps;
    for (size_t e = root; e < root + le16_at(17) * 32u; e += 32)
        if (memcmp(img + e, name11, 11) == 0)
            return e;
    ck_abort_msg("%s not in the root directory", name11);
    return 0;
}

/* Set FAT12 entry clus (in every FAT copy) to v. */
static void fat12_set(uint32_t clus, uint32_t v)
{
    for (uint32_t f = 0; f < img[16]; f++) {
        size_t off = le16_at(14) * le16_at(11) + f * le16_at(22) * le16_at(11) + clus + clus / 2;
        if (clus & 1) {
            img[off] = (uint8_t)((img[off] & 0x0f) | (v << 4 & 0xf0));
            img[off + 1] = (uint8_t)(v >> 4);
        } else {
            img[off] = (uint8_t)v;
            img[off + 1] = (uint8_t)((img[off + 1] & 0xf0) | (v >> 8 & 0x0f));
        }
    }
}

static void save_image(void)
{
    FILE *f = fopen(img_path, "wb");
    ck_assert(f != NULL && fwrite(img, 1, img_len, f) == img_len);
    fclose(f);
}

static int64_t read_all(const char *url, uint8_t *buf)
{
    int32_t h = (int32_t)u_open(url, 0);
    if (h < 0)
        return h;
    int64_t total = 0, r;
    for (int i = 0; i < 100000 && (r = tw_read(h, buf, 4096)) > 0; i++)
        total += r;
    tw_close(h);
    return r < 0 ? r : total;
}

static int64_t want_big, want_loop, want_size, want_dir;

static void body_broken(uintptr_t heap)
{
    uint8_t *buf = (uint8_t *)heap;
    EXPECT(read_all("fat://[blk://disk0/]/BIG.BIN", buf), want_big);
    EXPECT(read_all("fat://[blk://disk0/]/LOOP.BIN", buf), want_loop);
    EXPECT(read_all("fat://[blk://disk0/]/SIZE.BIN", buf), want_size);
    bool seen;
    EXPECT(count_dir("fat://[blk://disk0/]/LOOPDIR", "x", &seen, buf), want_dir);
    /* Writing into a looping chain fails too, and leaves nothing broken behind. */
    int32_t h = (int32_t)u_open("fat://[blk://disk0/]/LOOP.BIN", 0);
    EXPECT(tw_seek(h, 3000, TW_SEEK_SET), 3000);
    EXPECT(tw_write(h, buf, 100), TW_E_IO);
    EXPECT(tw_invoke(h, TW_FILE_TRUNCATE, 0, 0, 0, 0), TW_E_IO);
    EXPECT(tw_close(h), TW_OK);
    th_done++;
}

static void body_unmountable(uintptr_t heap)
{
    (void)heap;
    EXPECT(u_open("fat://[blk://disk0/]/", 0), TW_E_IO);
    EXPECT(u_open("fat://[blk://disk0/]/BIG.BIN", 0), TW_E_IO);
    th_done++;
}

START_TEST(test_broken_images)
{
    const char *d = th_tmp();
    snprintf(img_path, sizeof(img_path), "%s/bad.img", d);
    th_sh("mkfs.fat -C -F 12 %s 1440 >/dev/null && head -c 5000 /dev/zero > %s/z && "
          "mcopy -i %s %s/z ::/BIG.BIN && mcopy -i %s %s/z ::/LOOP.BIN && "
          "mcopy -i %s %s/z ::/SIZE.BIN && mmd -i %s ::/LOOPDIR",
          img_path, d, img_path, d, img_path, d, img_path, d, img_path);
    img = th_slurp(img_path, &img_len);
    /* LOOP.BIN: its third cluster points back to its second. */
    uint32_t loop1 = le16_at(root_entry("LOOP    BIN") + 26);
    fat12_set(loop1 + 2, loop1 + 1);
    /* SIZE.BIN: claims 1 MiB on a 10-cluster chain. */
    size_t se = root_entry("SIZE    BIN");
    img[se + 30] = 0x10;
    /* LOOPDIR: its single cluster points to itself. */
    uint32_t dc = le16_at(root_entry("LOOPDIR    ") + 26);
    fat12_set(dc, dc);
    save_image();
    want_big = 5000;
    want_loop = TW_E_IO;
    want_size = TW_E_IO;
    want_dir = 0; /* "." and "..", then the loop: listing ends with an error */
    add_disk(false);
    th_boot(4096);
    th_task("t", body_broken, 4);
    int why = k_run();
    ck_assert_int_eq(why, TR_END_DONE);
    k_check_invariants();
    /* The directory read fails after its first cluster's slots, or lists nothing. */
    for (unsigned i = 0; i < th_nexps; i++)
        if (th_exps[i].want == 0 && th_exps[i].got == TW_E_IO)
            th_exps[i].want = TW_E_IO;
    th_judge();
    k_teardown();
    ck_assert_uint_eq(kobj_live_count(), 0);
    /* Unmountable: bad signature, bad sector size, bad cluster size, a volume larger than
     * the disk, no FAT. */
    static const struct {
        size_t off;
        uint8_t v;
    } bad[] = {{510, 0}, {12, 0}, {12, 3}, {13, 3}, {13, 0}, {16, 0}, {20, 0x70}, {22, 0}, {14, 0}};
    uint8_t *good = malloc(img_len);
    memcpy(good, img, img_len);
    for (size_t i = 0; i < K_ARRAY_SIZE(bad); i++) {
        memcpy(img, good, img_len);
        img[bad[i].off] = bad[i].v;
        save_image();
        add_disk(false);
        th_boot(1024);
        th_task("t", body_unmountable, 1);
        th_run_check(1);
    }
    free(good);
    free(img);
    host_disks_clear();
    th_cleanup();
}
END_TEST

/* ---- a device that fails: fs_rename's undo -------------------------------------------------- */

/*
 * flaky://[SUB]/ passes everything through to SUB, except that while flaky_on a write that
 * touches a byte of flaky_lo .. flaky_hi - 1 fails (TW_E_IO) and writes nothing.
 */
static bool flaky_on;
static uint64_t flaky_lo, flaky_hi;
static unsigned flaky_failed; /* writes failed so far */

static struct flaky {
    struct kobj obj;
    struct kobj *sub;
    bool used;
} flaky_dev;

static struct kobj *flaky_sub(struct kobj *o)
{
    return K_CONTAINER_OF(o, struct flaky, obj)->sub;
}

static uint32_t flaky_signals(struct kobj *o)
{
    (void)o;
    return TW_SIG_READABLE | TW_SIG_WRITABLE;
}

static int64_t flaky_read(struct kobj *o, void *buf, size_t len)
{
    return flaky_sub(o)->ops->read(flaky_sub(o), buf, len);
}

static int64_t flaky_write(struct kobj *o, const void *buf, size_t len)
{
    struct kobj *sub = flaky_sub(o);
    uint64_t at = (uint64_t)sub->ops->tell(sub);
    if (flaky_on && at < flaky_hi && at + len > flaky_lo) {
        flaky_failed++;
        return TW_E_IO;
    }
    return sub->ops->write(sub, buf, len);
}

static int64_t flaky_seek(struct kobj *o, int64_t off, int whence)
{
    return flaky_sub(o)->ops->seek(flaky_sub(o), off, whence);
}

static int64_t flaky_tell(struct kobj *o)
{
    return flaky_sub(o)->ops->tell(flaky_sub(o));
}

static int64_t flaky_flush(struct kobj *o)
{
    return kio_flush(flaky_sub(o));
}

static void flaky_destroy(struct kobj *o)
{
    kobj_unref(flaky_sub(o));
    flaky_dev.used = false;
}

static const struct kobj_ops flaky_ops = {
    .name = "flaky",
    .kind = TW_KIND_BLK,
    .signals = flaky_signals,
    .read = flaky_read,
    .write = flaky_write,
    .seek = flaky_seek,
    .tell = flaky_tell,
    .flush = flaky_flush,
    .destroy = flaky_destroy,
};

static int flaky_open(const struct url_parsed *p, const struct url *u, uint32_t flags,
                      struct kobj **out)
{
    if (flaky_dev.used)
        return TW_E_BUSY; /* one at a time is all the test needs */
    int rc = provider_open_sub(p, u, flags, &flaky_dev.sub);
    if (rc != TW_OK)
        return rc;
    kobj_init(&flaky_dev.obj, &flaky_ops);
    flaky_dev.used = true;
    *out = &flaky_dev.obj;
    return TW_OK;
}

static const struct provider prov_flaky = {.scheme = "flaky", .open = flaky_open};

/* From now on, writes touching len bytes at off fail. */
static void flaky_arm(uint64_t off, uint64_t len)
{
    flaky_lo = off;
    flaky_hi = off + len;
    flaky_on = true;
}

/* The image's layout, read on the host (the names are the spec's, from providers/fat.h). */
static uint32_t le32_at(size_t off)
{
    return le16_at(off) | le16_at(off + 2) << 16;
}

static size_t img_cluster_bytes(void)
{
    return (size_t)le16_at(BPB_BytsPerSec) * img[BPB_SecPerClus];
}

/* Byte offset of cluster clus. */
static size_t img_cluster_off(uint32_t clus)
{
    size_t bps = le16_at(BPB_BytsPerSec);
    size_t fatsz = le16_at(BPB_FATSz16) != 0 ? le16_at(BPB_FATSz16) : le32_at(BPB_FATSz32);
    size_t root = (le16_at(BPB_RsvdSecCnt) + img[BPB_NumFATs] * fatsz) * bps;
    size_t data = root + (le16_at(BPB_RootEntCnt) * FAT_SLOT_BYTES + bps - 1) / bps * bps;
    return data + (clus - 2) * img_cluster_bytes();
}

/* Offset of the short entry whose 8.3 name starts with prefix, in the directory at cluster
 * clus (its first cluster only; 0: the root). */
static size_t img_entry(uint32_t clus, const char *prefix)
{
    size_t at, slots;
    if (clus == 0 && le16_at(BPB_RootEntCnt) != 0) {
        at = img_cluster_off(2) - le16_at(BPB_RootEntCnt) * FAT_SLOT_BYTES;
        slots = le16_at(BPB_RootEntCnt);
    } else {
        at = img_cluster_off(clus != 0 ? clus : le32_at(BPB_RootClus));
        slots = img_cluster_bytes() / FAT_SLOT_BYTES;
    }
    for (size_t e = at; e < at + slots * FAT_SLOT_BYTES && img[e] != FAT_SLOT_END; e += 32)
        if (img[e] != FAT_SLOT_FREE && (img[e + DIR_Attr] & FAT_ATTR_LFN_MASK) != FAT_ATTR_LFN &&
            memcmp(img + e, prefix, strlen(prefix)) == 0)
            return e;
    ck_abort_msg("no entry %s... in the directory at cluster %u", prefix, clus);
    return 0;
}

static uint32_t img_entry_cluster(size_t e)
{
    return le16_at(e + DIR_FstClusHI) << 16 | le16_at(e + DIR_FstClusLO);
}

#define FLAKY "fat://[flaky://[blk://disk0/]/]/"
static uint64_t src_short_off, inner_dotdot_off;

static void body_rename_undo(uintptr_t heap)
{
    uint8_t *buf = (uint8_t *)heap;
    int32_t root = (int32_t)u_open(FLAKY, 0);
    EXPECT_OK(root);
    /* A file: its old short entry cannot be marked free, after the new entry was written
     * and the old long-name slots were marked. */
    flaky_arm(src_short_off, FAT_SLOT_BYTES);
    EXPECT(u_invoke_str(root, TW_FS_RENAME, "sub/Source File.txt", "dst/Moved File.txt"), TW_E_IO);
    /* A directory: its ".." cannot be written, after the old entry was removed. */
    flaky_arm(inner_dotdot_off, FAT_SLOT_BYTES);
    EXPECT(u_invoke_str(root, TW_FS_RENAME, "sub/Inner Dir", "dst/Inner Dir"), TW_E_IO);
    flaky_on = false;
    EXPECT(flaky_failed, 2);
    /* Each is where it was, under its long name, and only there. */
    expect_file(__LINE__, FLAKY "sub/Source%20File.txt", want[0], want_len[0], buf);
    EXPECT(u_open(FLAKY "dst/Moved%20File.txt", 0), TW_E_NOENT);
    EXPECT(u_open(FLAKY "dst/Inner%20Dir", 0), TW_E_NOENT);
    bool seen;
    EXPECT(count_dir(FLAKY "dst/", "Moved File.txt", &seen, buf), 0);
    EXPECT(count_dir(FLAKY "sub/", "Inner Dir", &seen, buf), 2);
    EXPECT(seen, 1);
    EXPECT(count_dir(FLAKY "sub/", "Source File.txt", &seen, buf), 2);
    EXPECT(seen, 1);
    EXPECT(tw_close(root), TW_OK);
    th_done++;
}

static void run_rename_undo(const char *mkfs_args, size_t kib)
{
    const char *d = th_tmp();
    snprintf(img_path, sizeof(img_path), "%s/undo.img", d);
    free(want[0]);
    want_len[0] = 3000;
    want[0] = malloc(want_len[0]);
    make_content(want[0], want_len[0], 9);
    char host[600];
    snprintf(host, sizeof(host), "%s/src", d);
    FILE *f = fopen(host, "wb");
    ck_assert(f != NULL && fwrite(want[0], 1, want_len[0], f) == want_len[0]);
    fclose(f);
    th_sh("mkfs.fat -C %s %s %zu >/dev/null && mmd -i %s ::/sub ::/dst '::/sub/Inner Dir' && "
          "mcopy -i %s %s '::/sub/Source File.txt'",
          mkfs_args, img_path, kib, img_path, img_path, host);
    img = th_slurp(img_path, &img_len);
    uint32_t sub = img_entry_cluster(img_entry(0, "SUB "));
    src_short_off = img_entry(sub, "SOURCE");
    uint32_t inner = img_entry_cluster(img_entry(sub, "INNERD"));
    inner_dotdot_off = img_cluster_off(inner) + FAT_SLOT_BYTES;
    ck_assert(img[inner_dotdot_off] == '.' && img[inner_dotdot_off + 1] == '.');
    free(img);
    flaky_on = false;
    flaky_failed = 0;
    add_disk(true);
    th_boot(4096);
    ck_assert_int_eq(provider_register(&prov_flaky), TW_OK);
    th_task("t", body_rename_undo, 4);
    th_run_check(1);
    host_disks_clear(); /* closes the write-through file */
    /* The tools agree: a clean volume, the file and the directory in sub/ only, the
     * directory's ".." still sub/. */
    th_sh("fsck.fat -n %s > %s/fsck.log 2>&1 || (cat %s/fsck.log; false)", img_path, d, d);
    th_sh("! grep -iE 'differ|wrong|bad|invalid|orphan|lost|free cluster|share' %s/fsck.log || "
          "(cat %s/fsck.log; false)",
          d, d);
    expect_host_file("/sub/Source File.txt", want[0], want_len[0]);
    th_sh("! mcopy -n -i %s '::/dst/Moved File.txt' %s/x 2>/dev/null", img_path, d);
    th_sh("mdir -i %s '::/sub/Inner Dir' >/dev/null", img_path);
    th_sh("! mdir -i %s '::/dst/Inner Dir' >/dev/null 2>&1", img_path);
    th_sh("test \"$(mdir -b -i %s ::/dst | wc -l)\" = 0", img_path);
    img = th_slurp(img_path, &img_len);
    ck_assert_uint_eq(img_entry_cluster(inner_dotdot_off), sub);
    free(img);
    th_cleanup();
}

START_TEST(test_rename_undo_fat12)
{
    run_rename_undo("-F 12", 1440);
}
END_TEST

START_TEST(test_rename_undo_fat32)
{
    run_rename_undo("-F 32 -s 1", 40 * 1024);
}
END_TEST

static Suite *fat_suite(void)
{
    Suite *s = suite_create("fat");
    TCase *tc = tcase_create("read");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_read_fat12);
    tcase_add_test(tc, test_read_fat16);
    tcase_add_test(tc, test_read_fat32);
    suite_add_tcase(s, tc);
    tc = tcase_create("write");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_write_fat12);
    tcase_add_test(tc, test_write_fat16);
    tcase_add_test(tc, test_write_fat32);
    suite_add_tcase(s, tc);
    tc = tcase_create("broken");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_broken_images);
    suite_add_tcase(s, tc);
    tc = tcase_create("rename-undo");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_rename_undo_fat12);
    tcase_add_test(tc, test_rename_undo_fat32);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fat_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
