/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/xalloc.h"
#include "tests/unit/harness.h"

static size_t count_entries(const char *dir)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;
        size_t n = 0;

        ck_assert_ptr_nonnull(d);
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                        n++;
        return n;
}

static char *slurp(const char *path)
{
        struct eng_error *err = NULL;
        char *data = NULL;

        eng_assert_ok(eng_read_file(path, 1 << 20, &data, NULL, &err), err);
        return data;
}

/* --- atomic writes */

START_TEST(test_atomic_write_creates_and_replaces)
{
        _cleanup_err_ struct eng_error *err = NULL;
        const char *p = eng_test_path("state.json");
        _cleanup_free_ char *a = NULL, *b = NULL;
        struct stat st;

        eng_assert_ok(eng_write_file_atomic(p, "{}", 2, 0600, &err), err);
        a = slurp(p);
        ck_assert_str_eq(a, "{}");
        ck_assert_int_eq(stat(p, &st), 0);
        ck_assert_int_eq(st.st_mode & 07777, 0600);

        eng_assert_ok(eng_write_file_atomic(p, "{\"a\":1}", 7, 0644, &err), err);
        b = slurp(p);
        ck_assert_str_eq(b, "{\"a\":1}");
        ck_assert_int_eq(stat(p, &st), 0);
        ck_assert_int_eq(st.st_mode & 07777, 0644);
        ck_assert_uint_eq(count_entries(eng_test_dir), 1);
}
END_TEST

START_TEST(test_atomic_write_missing_dir)
{
        _cleanup_err_ struct eng_error *err = NULL;

        eng_assert_fails(eng_write_file_atomic(eng_test_path("no/such/file"), "x", 1, 0644, &err),
                         err, ENG_E_SYS);
        ck_assert_int_eq(err->errnum, ENOENT);
        ck_assert_ptr_nonnull(strstr(err->msg, "no/such/file"));
}
END_TEST

START_TEST(test_atomic_write_onto_directory)
{
        _cleanup_err_ struct eng_error *err = NULL;
        const char *d = eng_test_path("dir");

        ck_assert_int_eq(mkdir(d, 0755), 0);
        eng_assert_fails(eng_write_file_atomic(d, "x", 1, 0644, &err), err, ENG_E_SYS);
        ck_assert_int_eq(err->errnum, EISDIR);
        /* The directory is still there and no temporary file is left beside it. */
        ck_assert_uint_eq(count_entries(eng_test_dir), 1);
}
END_TEST

START_TEST(test_atomic_write_full_keeps_old)
{
        _cleanup_err_ struct eng_error *err = NULL;
        const char *p = eng_test_path("file");
        _cleanup_free_ char *after = NULL;
        char big[4096];
        struct rlimit rl = { 1024, 1024 };

        eng_test_write_file(p, "old content");
        /* A file size limit makes write() fail with EFBIG, as a full disk would with ENOSPC. */
        signal(SIGXFSZ, SIG_IGN);
        ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
        memset(big, 'x', sizeof(big));
        eng_assert_fails(eng_write_file_atomic(p, big, sizeof(big), 0644, &err), err, ENG_E_SYS);
        ck_assert_int_eq(err->errnum, EFBIG);
        after = slurp(p);
        ck_assert_str_eq(after, "old content");
        ck_assert_uint_eq(count_entries(eng_test_dir), 1);
}
END_TEST

/* --- reading */

START_TEST(test_read_file_cap)
{
        _cleanup_err_ struct eng_error *err = NULL;
        const char *p = eng_test_path("f");
        _cleanup_free_ char *data = NULL;
        size_t len = 0;

        eng_test_write_file(p, "0123456789");
        eng_assert_ok(eng_read_file(p, 10, &data, &len, &err), err);
        ck_assert_uint_eq(len, 10);
        ck_assert_str_eq(data, "0123456789");
        free(TAKE_PTR(data));
        eng_assert_fails(eng_read_file(p, 9, &data, &len, &err), err, ENG_E_INVALID);
        ck_assert_ptr_null(data);
}
END_TEST

START_TEST(test_read_file_missing)
{
        _cleanup_err_ struct eng_error *err = NULL;
        char *data = NULL;

        eng_assert_fails(eng_read_file(eng_test_path("none"), 10, &data, NULL, &err), err,
                         ENG_E_NOTFOUND);
        ck_assert_int_eq(err->errnum, ENOENT);
}
END_TEST

START_TEST(test_read_file_empty)
{
        _cleanup_err_ struct eng_error *err = NULL;
        const char *p = eng_test_path("empty");
        _cleanup_free_ char *data = NULL;
        size_t len = 99;

        eng_test_write_file(p, "");
        eng_assert_ok(eng_read_file(p, 10, &data, &len, &err), err);
        ck_assert_uint_eq(len, 0);
        ck_assert_str_eq(data, "");
}
END_TEST

/* --- directories */

START_TEST(test_mkdir_p)
{
        _cleanup_err_ struct eng_error *err = NULL;
        struct stat st;

        eng_assert_ok(eng_mkdir_p(eng_test_path("a/b//c/"), 0700, &err), err);
        ck_assert_int_eq(stat(eng_test_path("a/b/c"), &st), 0);
        ck_assert(S_ISDIR(st.st_mode));
        ck_assert_int_eq(st.st_mode & 0777, 0700);
        /* Existing directories are fine. */
        eng_assert_ok(eng_mkdir_p(eng_test_path("a/b"), 0700, &err), err);
}
END_TEST

START_TEST(test_mkdir_p_file_in_the_way)
{
        _cleanup_err_ struct eng_error *err = NULL;

        eng_test_write_file(eng_test_path("file"), "x");
        eng_assert_fails(eng_mkdir_p(eng_test_path("file/sub"), 0755, &err), err, ENG_E_SYS);
        ck_assert_int_eq(err->errnum, ENOTDIR);
}
END_TEST

START_TEST(test_rm_rf_tree)
{
        _cleanup_err_ struct eng_error *err = NULL;
        struct stat st;

        eng_assert_ok(eng_mkdir_p(eng_test_path("tree/a/b/c"), 0755, &err), err);
        eng_assert_ok(eng_mkdir_p(eng_test_path("outside"), 0755, &err), err);
        eng_test_write_file(eng_test_path("outside/precious"), "keep me");
        eng_test_write_file(eng_test_path("tree/a/file"), "x");
        eng_test_write_file(eng_test_path("tree/a/b/c/deep"), "x");
        ck_assert_int_eq(symlink("../../outside", eng_test_path("tree/a/link-to-outside")), 0);
        ck_assert_int_eq(symlink(eng_test_path("outside"), eng_test_path("tree/abs-link")), 0);
        ck_assert_int_eq(mkfifo(eng_test_path("tree/fifo"), 0644), 0);
        /* Layers have read-only directories and files. */
        ck_assert_int_eq(chmod(eng_test_path("tree/a/b/c"), 0555), 0);
        ck_assert_int_eq(chmod(eng_test_path("tree/a/b"), 0), 0);

        eng_assert_ok(eng_rm_rf(eng_test_path("tree"), &err), err);
        ck_assert_int_eq(lstat(eng_test_path("tree"), &st), -1);
        ck_assert_int_eq(errno, ENOENT);
        /* Links were removed, not followed. */
        ck_assert_int_eq(stat(eng_test_path("outside/precious"), &st), 0);
}
END_TEST

START_TEST(test_rm_rf_link_and_missing)
{
        _cleanup_err_ struct eng_error *err = NULL;
        struct stat st;

        eng_assert_ok(eng_mkdir_p(eng_test_path("target"), 0755, &err), err);
        eng_test_write_file(eng_test_path("target/f"), "x");
        ck_assert_int_eq(symlink("target", eng_test_path("link")), 0);
        eng_assert_ok(eng_rm_rf(eng_test_path("link"), &err), err);
        ck_assert_int_eq(stat(eng_test_path("target/f"), &st), 0);
        ck_assert_int_eq(lstat(eng_test_path("link"), &st), -1);
        eng_assert_ok(eng_rm_rf(eng_test_path("never-was"), &err), err);
}
END_TEST

/* --- opening beneath a root */

static int open_root(void)
{
        _cleanup_err_ struct eng_error *err = NULL;
        int fd;

        eng_assert_ok(eng_mkdir_p(eng_test_path("root/etc"), 0755, &err), err);
        eng_test_write_file(eng_test_path("root/etc/passwd"), "inside");
        fd = open(eng_test_path("root"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        return fd;
}

static char *read_beneath(int rootfd, const char *path)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_close_ int fd = eng_open_beneath(rootfd, path, O_RDONLY, 0, &err);
        char *data = NULL;

        eng_assert_ok(fd, err);
        eng_assert_ok(eng_read_file_fd(fd, path, 1024, &data, NULL, &err), err);
        return data;
}

START_TEST(test_beneath_dotdot_and_absolute)
{
        _cleanup_close_ int root = open_root();
        _cleanup_free_ char *a = read_beneath(root, "../../../../etc/passwd");
        _cleanup_free_ char *b = read_beneath(root, "/etc/passwd");

        ck_assert_str_eq(a, "inside");
        ck_assert_str_eq(b, "inside");
}
END_TEST

START_TEST(test_beneath_symlinks)
{
        _cleanup_close_ int root = open_root();

        ck_assert_int_eq(symlink("/etc/passwd", eng_test_path("root/abs")), 0);
        ck_assert_int_eq(symlink("../../../etc", eng_test_path("root/rel")), 0);
        _cleanup_free_ char *a = read_beneath(root, "abs");
        _cleanup_free_ char *b = read_beneath(root, "rel/passwd");
        ck_assert_str_eq(a, "inside");
        ck_assert_str_eq(b, "inside");
}
END_TEST

START_TEST(test_beneath_create_through_dangling_link)
{
        _cleanup_close_ int root = open_root();
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_free_ char *outside = NULL;
        struct stat st;
        int fd;

        /* A link to a path outside the root: creating through it stays inside. */
        outside = eng_xasprintf("%s/escaped", eng_test_dir);
        ck_assert_int_eq(symlink("../escaped", eng_test_path("root/evil")), 0);
        fd = eng_open_beneath(root, "evil", O_WRONLY | O_CREAT, 0644, &err);
        eng_assert_ok(fd, err);
        close(fd);
        ck_assert_int_eq(stat(outside, &st), -1);
        ck_assert_int_eq(errno, ENOENT);
        ck_assert_int_eq(stat(eng_test_path("root/escaped"), &st), 0); /* made inside */
}
END_TEST

START_TEST(test_beneath_magic_link_refused)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_close_ int root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        eng_assert_fails(eng_open_beneath(root, "proc/self/root/etc/hostname", O_RDONLY, 0, &err),
                         err, ENG_E_SYS);
        ck_assert_int_eq(err->errnum, ELOOP);
}
END_TEST

START_TEST(test_beneath_missing)
{
        _cleanup_close_ int root = open_root();
        _cleanup_err_ struct eng_error *err = NULL;

        eng_assert_fails(eng_open_beneath(root, "nope", O_RDONLY, 0, &err), err, ENG_E_NOTFOUND);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("fs");
        TCase *tc = eng_tcase("atomic-write");

        tcase_add_test(tc, test_atomic_write_creates_and_replaces);
        tcase_add_test(tc, test_atomic_write_missing_dir);
        tcase_add_test(tc, test_atomic_write_onto_directory);
        tcase_add_test(tc, test_atomic_write_full_keeps_old);
        suite_add_tcase(s, tc);
        tc = eng_tcase("read");
        tcase_add_test(tc, test_read_file_cap);
        tcase_add_test(tc, test_read_file_missing);
        tcase_add_test(tc, test_read_file_empty);
        suite_add_tcase(s, tc);
        tc = eng_tcase("dirs");
        tcase_add_test(tc, test_mkdir_p);
        tcase_add_test(tc, test_mkdir_p_file_in_the_way);
        tcase_add_test(tc, test_rm_rf_tree);
        tcase_add_test(tc, test_rm_rf_link_and_missing);
        suite_add_tcase(s, tc);
        tc = eng_tcase("beneath");
        tcase_add_test(tc, test_beneath_dotdot_and_absolute);
        tcase_add_test(tc, test_beneath_symlinks);
        tcase_add_test(tc, test_beneath_create_through_dangling_link);
        tcase_add_test(tc, test_beneath_magic_link_refused);
        tcase_add_test(tc, test_beneath_missing);
        suite_add_tcase(s, tc);
        return eng_run_suite(s);
}
