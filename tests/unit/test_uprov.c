/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_uprov.c - unit tests of user-space providers (core/uprov.c,
 * user/servers/prov_serve.c) and the file server (user/servers/file_server.c), Check,
 * forked: a READ longer than one reply travels in continuation replies (echo://, and
 * directory records through file://); an invoke with two buffers (TW_FS_RENAME) carries
 * both to the provider, which relays them; the limits and bad requests give clear errors.
 */
#include "../fat/harness.h"

#include "../../user/programs.h"

/* Run a native program (a server) in this thread: the line is copied to the stack first. */
static int64_t u_run(const char *line)
{
    char buf[256];
    size_t n = strlen(line);
    ck_assert_uint_lt(n, sizeof(buf));
    memcpy(buf, line, n);
    return tw_program_run(buf, n);
}

static void body_echo_server(uintptr_t heap)
{
    (void)heap;
    EXPECT(u_run("echo-server idle=500"), 0);
    th_done++;
}

/* 500 bytes queued in echo:// come back in one read (one reply and two continuations). */
static void body_echo_client(uintptr_t heap)
{
    uint8_t *buf = (uint8_t *)heap;
    EXPECT(tw_sleep_ns(10000), TW_OK);
    int32_t e = (int32_t)u_open("echo://long", 0);
    EXPECT_OK(e);
    for (int i = 0; i < 500; i++)
        buf[i] = (uint8_t)(i * 13 + 1);
    EXPECT(tw_write(e, buf, 192), 192); /* a request carries at most 192 bytes */
    EXPECT(tw_write(e, buf + 192, 308), 192);
    EXPECT(tw_write(e, buf + 384, 116), 116);
    memset(buf + 1000, 0, 1100);
    EXPECT(tw_read(e, buf + 1000, 2000), 500); /* asked 2000: at most TW_PROV_READ_MAX */
    EXPECT(memcmp(buf, buf + 1000, 500), 0);
    EXPECT(buf[1500], 0);
    EXPECT(tw_write(e, buf, 192), 192);
    EXPECT(tw_read(e, buf + 1000, 100), 100); /* a short read: the rest stays queued */
    EXPECT(tw_read(e, buf + 1000, 1024), 92);
    EXPECT(memcmp(buf + 100, buf + 1000, 92), 0);
    EXPECT(tw_close(e), TW_OK);
    th_done++;
}

START_TEST(test_echo_read_in_continuations)
{
    th_boot(4096);
    th_task("echo", body_echo_server, 1);
    th_task("client", body_echo_client, 1);
    th_run_check(2);
}
END_TEST

/* The names of a directory handle's records, "a\nb/\n" style, after rewinding it. */
static void list_dir(int32_t h, char *out, size_t cap, uint8_t *rec)
{
    size_t n = 0;
    out[0] = '\0';
    EXPECT(tw_seek(h, 0, TW_SEEK_SET), 0);
    for (int i = 0; i < 64; i++) {
        int64_t r = tw_read(h, rec, TW_DIRENT_SIZE);
        if (r <= 0) {
            EXPECT(r, 0);
            return;
        }
        EXPECT(r, TW_DIRENT_SIZE);
        const struct tw_dirent *d = (const struct tw_dirent *)rec;
        n += (size_t)snprintf(out + n, cap - n, "%s%s\n", d->name,
                              d->kind == TW_DIRENT_DIR ? "/" : "");
        if (n >= cap)
            return; /* cut: the comparison after the run fails */
    }
}

static char listing[4][512];

static void body_file_server(uintptr_t heap)
{
    (void)heap;
    EXPECT(u_run("file-server /v=fat://[cache://[blk://disk0/]/] idle=2000"), 0);
    th_done++;
}

/* A request written straight to the file server's port (as any task may): its reply. */
static int64_t raw_request(int32_t port, struct tw_prov_req *req, struct tw_prov_reply *reply)
{
    int64_t w = tw_write(port, req, sizeof(*req));
    if (w != (int64_t)sizeof(*req))
        return w < 0 ? w : TW_E_IO;
    int64_t r = tw_read(port, reply, sizeof(*reply));
    return r == (int64_t)sizeof(*reply) ? reply->result : TW_E_IO;
}

static void body_fs_client(uintptr_t heap)
{
    uint8_t *rec = (uint8_t *)heap;
    EXPECT(tw_sleep_ns(10000), TW_OK);
    int32_t v = (int32_t)u_open("file:///v", 0);
    EXPECT_OK(v);
    list_dir(v, listing[0], sizeof(listing[0]), rec);
    EXPECT(tw_read(v, rec, TW_DIRENT_SIZE - 1), TW_E_TOOBIG); /* fat's rule, relayed */
    /* Two paths in one invoke, through the kernel's proxy to the server and on to fat://. */
    EXPECT(u_invoke_str(v, TW_FS_RENAME, "a.txt", "dir/Moved A.txt"), TW_OK);
    EXPECT(u_invoke_str(v, TW_FS_RENAME, "a.txt", "b.txt"), TW_E_NOENT);
    EXPECT(u_invoke_str(v, TW_FS_RENAME, "b.txt", "dir"), TW_E_BUSY);
    EXPECT(u_invoke_str(v, TW_FS_RENAME, "dir/../../b.txt", "dir/b.txt"), TW_OK); /* beneath */
    char a150[151], b50[51];
    memset(a150, 'a', 150);
    a150[150] = '\0';
    memset(b50, 'b', 50);
    b50[50] = '\0';
    EXPECT(u_invoke_str(v, TW_FS_RENAME, a150, b50), TW_E_TOOBIG); /* 200 > 192 bytes */
    EXPECT(tw_invoke(v, TW_FS_RENAME, (uintptr_t)rec, 5, 16, 4), TW_E_FAULT);
    list_dir(v, listing[1], sizeof(listing[1]), rec);
    int32_t d = (int32_t)u_open("file:///v/dir", 0);
    EXPECT_OK(d);
    list_dir(d, listing[2], sizeof(listing[2]), rec);
    int32_t m = (int32_t)u_open("file:///v/dir/moved%20a.txt", 0);
    EXPECT_OK(m);
    EXPECT(tw_read(m, rec, 100), 6);
    EXPECT(memcmp(rec, "alpha\n", 6), 0);
    /* Bad requests straight to the port: two lengths that do not tile the data, a flag
     * the protocol does not have, an op given more data than its one buffer. */
    int32_t port = (int32_t)u_open("chan://file-server", 0);
    EXPECT_OK(port);
    struct tw_prov_req *req = (struct tw_prov_req *)(rec + 1024);
    struct tw_prov_reply *reply = (struct tw_prov_reply *)(rec + 2048);
    memset(req, 0, sizeof(*req));
    req->op = TW_PROV_INVOKE;
    req->rid = 1; /* d: the server's second resource */
    req->arg[0] = TW_FS_RENAME;
    memcpy(req->data, "b.txtc.txt", 10);
    req->len = 10;
    req->arg[1] = 5;
    req->arg[2] = 6;
    EXPECT(raw_request(port, req, reply), TW_E_INVAL);
    req->arg[2] = 5;
    req->flags = 1;
    EXPECT(raw_request(port, req, reply), TW_E_INVAL);
    req->flags = 0;
    req->arg[0] = TW_FS_MKDIR;
    EXPECT(raw_request(port, req, reply), TW_E_INVAL);
    req->arg[0] = TW_FS_RENAME;
    EXPECT(raw_request(port, req, reply), TW_OK); /* well formed: dir/b.txt -> dir/c.txt */
    list_dir(d, listing[3], sizeof(listing[3]), rec);
    EXPECT(tw_close(port), TW_OK);
    EXPECT(tw_close(m), TW_OK);
    EXPECT(tw_close(d), TW_OK);
    EXPECT(tw_close(v), TW_OK);
    th_done++;
}

START_TEST(test_file_server_rename_readdir)
{
    host_disks_clear();
    char path[300], err[256];
    snprintf(path, sizeof(path), "%s/v.img", th_tmp());
    th_sh("mkfs.fat -C -F 12 '%s' 1440 >/dev/null && printf 'alpha\\n' > '%s.a' && "
          "printf 'bravo\\n' > '%s.b' && mcopy -i '%s' '%s.a' ::/a.txt && "
          "mcopy -i '%s' '%s.b' ::/b.txt && mmd -i '%s' ::/dir",
          path, path, path, path, path, path, path, path);
    ck_assert_int_eq(host_disk_add_file("disk0", path, false, err, sizeof(err)), 0);
    th_boot(4096);
    th_task("fs", body_file_server, 1);
    th_task("client", body_fs_client, 4);
    th_run_check(2);
    ck_assert_str_eq(listing[0], "a.txt\nb.txt\ndir/\n");
    ck_assert_str_eq(listing[1], "dir/\n");
    ck_assert_str_eq(listing[2], "Moved A.txt\nb.txt\n");
    ck_assert_str_eq(listing[3], "Moved A.txt\nc.txt\n");
    host_disks_clear();
    th_cleanup();
}
END_TEST

static Suite *uprov_suite(void)
{
    Suite *s = suite_create("uprov");
    TCase *tc = tcase_create("uprov");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_echo_read_in_continuations);
    tcase_add_test(tc, test_file_server_rename_readdir);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(uprov_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
