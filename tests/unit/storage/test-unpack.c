/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/fs.h"
#include "common/xalloc.h"
#include "storage/unpack.h"
#include "tests/unit/harness.h"

/* A tar built in memory, entry by entry (all owned by 0:0: no namespace needed). */
struct tar {
        struct archive *a;
        char *buf;
        size_t cap, used;
};

static void tar_begin_size(struct tar *t, size_t cap)
{
        t->cap = cap;
        t->buf = eng_xmalloc(t->cap);
        t->a = archive_write_new();
        archive_write_set_format_pax_restricted(t->a);
        ck_assert_int_eq(archive_write_open_memory(t->a, t->buf, t->cap, &t->used), ARCHIVE_OK);
}

static void tar_begin(struct tar *t)
{
        tar_begin_size(t, 1 << 20);
}

static void tar_add(struct tar *t, const char *path, mode_t type, mode_t perm, const char *data,
                    const char *link, const char *hardlink)
{
        struct archive_entry *e = archive_entry_new();

        archive_entry_set_pathname(e, path);
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, perm);
        archive_entry_set_mtime(e, 1000000000, 0);
        if (link)
                archive_entry_set_symlink(e, link);
        if (hardlink)
                archive_entry_set_hardlink(e, hardlink);
        archive_entry_set_size(e, data ? (la_int64_t) strlen(data) : 0);
        ck_assert_int_eq(archive_write_header(t->a, e), ARCHIVE_OK);
        if (data)
                ck_assert_int_eq(archive_write_data(t->a, data, strlen(data)),
                                 (la_ssize_t) strlen(data));
        archive_entry_free(e);
}

/* Unpack the tar into DIR/diff through a pipe, as eng-unpack gets it. */
static int tar_unpack(struct tar *t, struct eng_error **err)
{
        int fds[2];
        pid_t pid;
        int r;

        ck_assert_int_eq(archive_write_close(t->a), ARCHIVE_OK);
        archive_write_free(t->a);
        ck_assert_int_eq(pipe(fds), 0);
        pid = fork();
        if (pid == 0) {
                close(fds[0]);
                _exit(eng_write_all(fds[1], t->buf, t->used) < 0);
        }
        close(fds[1]);
        r = storage_unpack_run(eng_test_dir, fds[0], -1, NULL, err);
        close(fds[0]);
        waitpid(pid, NULL, 0);
        free(t->buf);
        return r;
}

static const char *diff(const char *name)
{
        static char buf[8192];

        if (snprintf(buf, sizeof(buf), "%s/diff/%s", eng_test_dir, name) >= (int) sizeof(buf))
                ck_abort_msg("path too long");
        return buf;
}

START_TEST(test_later_entries_replace_earlier_ones)
{
        _cleanup_err_ struct eng_error *err = NULL;
        struct tar t;
        struct stat st;
        char target[64] = { 0 };

        tar_begin(&t);
        tar_add(&t, "d", AE_IFDIR, 0755, NULL, NULL, NULL);
        tar_add(&t, "d/inner", AE_IFREG, 0644, "inner", NULL, NULL);
        tar_add(&t, "x", AE_IFREG, 0644, "first", NULL, NULL);
        tar_add(&t, "x", AE_IFREG, 0600, "second", NULL, NULL);     /* the same name again */
        tar_add(&t, "d", AE_IFREG, 0644, "now a file", NULL, NULL); /* a directory replaced */
        tar_add(&t, "s", AE_IFLNK, 0777, NULL, "x", NULL);
        tar_add(&t, "s", AE_IFDIR, 0755, NULL, NULL, NULL); /* a link replaced */
        tar_add(&t, "s/f", AE_IFREG, 0644, "in s", NULL, NULL);
        eng_assert_ok(tar_unpack(&t, &err), err);

        ck_assert_int_eq(stat(diff("d"), &st), 0);
        ck_assert(S_ISREG(st.st_mode));
        ck_assert_int_eq(stat(diff("x"), &st), 0);
        ck_assert_int_eq(st.st_size, 6);
        ck_assert_int_eq(st.st_mode & 07777, 0600);
        ck_assert_int_eq(lstat(diff("s"), &st), 0);
        ck_assert(S_ISDIR(st.st_mode));
        ck_assert_int_eq(stat(diff("s/f"), &st), 0);
        ck_assert_int_eq(readlink(diff("s"), target, sizeof(target) - 1), -1);
}
END_TEST

/* An owner of (uid_t) -1 is no id: chown(2) would leave the file root's. */
START_TEST(test_owner_minus_one_is_the_overflow_id)
{
        _cleanup_err_ struct eng_error *err = NULL;
        struct archive_entry *e = archive_entry_new();
        struct tar t;
        struct stat st;
        char v[64] = { 0 };
        ssize_t n;

        tar_begin(&t);
        archive_entry_set_pathname(e, "minus-one");
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_uid(e, 4294967295);
        archive_entry_set_gid(e, 4294967295);
        archive_entry_set_size(e, 0);
        ck_assert_int_eq(archive_write_header(t.a, e), ARCHIVE_OK);
        archive_entry_free(e);
        eng_assert_ok(tar_unpack(&t, &err), err);

        ck_assert_int_eq(stat(diff("minus-one"), &st), 0);
        n = getxattr(diff("minus-one"), "user.containers.override_stat", v, sizeof(v) - 1);
        /* owned by the overflow id where it is mapped, else recorded so */
        ck_assert_msg((st.st_uid == 65534 && st.st_gid == 65534) ||
                              (n > 0 && strncmp(v, "65534:65534:", 12) == 0),
                      "owner %u:%u, override '%s'", (unsigned) st.st_uid, (unsigned) st.st_gid, v);
}
END_TEST

START_TEST(test_modes_links_and_whiteouts)
{
        _cleanup_err_ struct eng_error *err = NULL;
        struct tar t;
        struct stat st, st2;
        char v[8] = { 0 };

        tar_begin(&t);
        tar_add(&t, "ro", AE_IFDIR, 0555, NULL, NULL, NULL); /* read-only, filled after */
        tar_add(&t, "ro/file", AE_IFREG, 0444, "read only", NULL, NULL);
        tar_add(&t, "suid", AE_IFREG, 04755, "#!/bin/sh", NULL, NULL);
        tar_add(&t, "hard", AE_IFREG, 0644, NULL, NULL, "ro/file");
        tar_add(&t, "deep/er/gone", AE_IFREG, 0644, "x", NULL, NULL); /* parents not listed */
        tar_add(&t, "deep/.wh.er", AE_IFREG, 0644, "", NULL, NULL);   /* deletes deep/er */
        tar_add(&t, "opq/.wh..wh..opq", AE_IFREG, 0644, "", NULL, NULL);
        eng_assert_ok(tar_unpack(&t, &err), err);

        ck_assert_int_eq(stat(diff("ro"), &st), 0);
        ck_assert_int_eq(st.st_mode & 07777, 0555);
        ck_assert_int_eq(stat(diff("ro/file"), &st), 0);
        ck_assert_int_eq(st.st_mode & 07777, 0444);
        ck_assert_int_eq(st.st_mtime, 1000000000);
        ck_assert_int_eq(stat(diff("suid"), &st), 0);
        ck_assert_int_eq(st.st_mode & 07777, 04755);
        ck_assert_int_eq(stat(diff("hard"), &st2), 0);
        ck_assert_int_eq(stat(diff("ro/file"), &st), 0);
        ck_assert_int_eq(st.st_ino, st2.st_ino);
        ck_assert_int_eq(lstat(diff("deep/er"), &st), 0);
        ck_assert(S_ISCHR(st.st_mode));
        ck_assert_int_eq(major(st.st_rdev), 0);
        ck_assert_int_eq(minor(st.st_rdev), 0);
        ck_assert_int_eq(getxattr(diff("opq"), "user.overlay.opaque", v, sizeof(v)), 1);
        ck_assert_int_eq(v[0], 'y');
        ck_assert_int_eq(access(diff("opq/.wh..wh..opq"), F_OK), -1);
}
END_TEST

START_TEST(test_escapes_refused)
{
        _cleanup_err_ struct eng_error *err = NULL;
        struct tar t;

        tar_begin(&t);
        tar_add(&t, "link", AE_IFLNK, 0777, NULL, "/", NULL);
        tar_add(&t, "link/tmp/eng-unit-escape", AE_IFREG, 0644, "x", NULL, NULL);
        ck_assert_int_lt(tar_unpack(&t, &err), 0);
        ck_assert_ptr_nonnull(strstr(err->msg, "leads outside its root"));
        ck_assert_int_eq(access("/tmp/eng-unit-escape", F_OK), -1);
}
END_TEST

/* ".wh..", ".wh..." and ".wh." name no entry: refused, and nothing removed first */
START_TEST(test_whiteout_of_dot_dot_refused)
{
        static const char *const names[] = { ".wh...", "sub/.wh...", ".wh..", ".wh." };

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_err_ struct eng_error *err = NULL;
                _cleanup_free_ char *d = eng_xasprintf("%s/diff", eng_test_dir);
                struct tar t;

                eng_assert_ok(eng_rm_rf(d, &err), err);
                tar_begin(&t);
                tar_add(&t, "keep", AE_IFREG, 0644, "x", NULL, NULL);
                tar_add(&t, "sub/keep", AE_IFREG, 0644, "x", NULL, NULL);
                tar_add(&t, names[i], AE_IFREG, 0644, "", NULL, NULL);
                ck_assert_int_lt(tar_unpack(&t, &err), 0);
                ck_assert_msg(strstr(err->msg, "which is no entry"), "%s: %s", names[i], err->msg);
                ck_assert_int_eq(access(diff("keep"), F_OK), 0);
                ck_assert_int_eq(access(diff("sub/keep"), F_OK), 0);
        }
}
END_TEST

/* a pattern no two MiB of which are alike */
static char *pattern(size_t size, unsigned int seed)
{
        char *p = eng_xmalloc(size + 1);

        for (size_t i = 0; i < size; i++)
                p[i] = (char) ('a' + (i / 7 + seed) % 26);
        p[size] = '\0';
        return p;
}

/*
 * Streams many times the unpacker's ring (it decompresses on one thread,
 * unpacks on another and hashes on a third): every byte where it belongs,
 * and the digest of the whole stream.
 */
START_TEST(test_stream_longer_than_the_ring)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_free_ char *a = pattern(3000001, 1), *b = pattern(777777, 2), *data = NULL,
                            *got = NULL, *want = NULL;
        _cleanup_json_ json_t *j = NULL;
        struct tar t;

        tar_begin_size(&t, 8 << 20);
        tar_add(&t, "a", AE_IFREG, 0644, a, NULL, NULL);
        for (int i = 0; i < 200; i++) {
                char name[32];

                snprintf(name, sizeof(name), "small/%d", i);
                tar_add(&t, name, AE_IFREG, 0644, name, NULL, NULL);
        }
        tar_add(&t, "b", AE_IFREG, 0600, b, NULL, NULL);
        ck_assert_int_eq(archive_write_close(t.a), ARCHIVE_OK);
        want = eng_digest_of(t.buf, t.used);
        /* (tar_unpack closes it again: a second close of a closed archive is harmless) */
        eng_assert_ok(tar_unpack(&t, &err), err);

        eng_assert_ok(eng_read_file(diff("a"), 4000000, &got, NULL, &err), err);
        ck_assert_str_eq(got, a);
        free(got);
        got = NULL;
        eng_assert_ok(eng_read_file(diff("b"), 4000000, &got, NULL, &err), err);
        ck_assert_str_eq(got, b);
        free(got);
        got = NULL;
        eng_assert_ok(eng_read_file(diff("small/199"), 100, &got, NULL, &err), err);
        ck_assert_str_eq(got, "small/199");
        eng_assert_ok(eng_read_file(eng_test_path("unpack.json"), 4096, &data, NULL, &err), err);
        j = json_loads(data, 0, NULL);
        ck_assert_str_eq(json_string_value(json_object_get(j, "diff_id")), want);
}
END_TEST

/* a refused entry with megabytes still behind it: the threads stop, the error is the entry's */
START_TEST(test_refused_with_more_behind)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_free_ char *a = pattern(2000000, 3), *b = pattern(3000000, 4);
        struct tar t;

        tar_begin_size(&t, 8 << 20);
        tar_add(&t, "a", AE_IFREG, 0644, a, NULL, NULL);
        tar_add(&t, "link", AE_IFLNK, 0777, NULL, "/", NULL);
        tar_add(&t, "link/tmp/eng-unit-escape", AE_IFREG, 0644, "x", NULL, NULL);
        tar_add(&t, "b", AE_IFREG, 0644, b, NULL, NULL);
        ck_assert_int_lt(tar_unpack(&t, &err), 0);
        ck_assert_ptr_nonnull(strstr(err->msg, "leads outside its root"));
        ck_assert_int_eq(access("/tmp/eng-unit-escape", F_OK), -1);
}
END_TEST

START_TEST(test_result_and_diff_id_check)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_free_ char *data = NULL;
        _cleanup_json_ json_t *j = NULL;
        struct tar t;
        int fds[2];

        tar_begin(&t);
        tar_add(&t, "a", AE_IFREG, 0644, "12345", NULL, NULL);
        eng_assert_ok(tar_unpack(&t, &err), err);
        eng_assert_ok(eng_read_file(eng_test_path("unpack.json"), 4096, &data, NULL, &err), err);
        j = json_loads(data, 0, NULL);
        ck_assert_int_eq(json_integer_value(json_object_get(j, "size")), 5);
        ck_assert_int_eq(json_integer_value(json_object_get(j, "entries")), 1);

        /* a wrong expected diff ID fails */
        ck_assert_int_eq(pipe(fds), 0);
        close(fds[1]);
        ck_assert_int_eq(mkdir(eng_test_path("other"), 0700), 0);
        ck_assert_int_lt(
                storage_unpack_run(
                        eng_test_path("other"), fds[0], -1,
                        "sha256:0000000000000000000000000000000000000000000000000000000000000000",
                        &err),
                0);
        close(fds[0]);
        ck_assert_ptr_nonnull(strstr(err->msg, "uncompressed digest"));
}
END_TEST

/*
 * The stream read from a file as it is appended to, the pipe only
 * signalling (the pull's journal): the unpacker reaches the end of what is
 * there, waits, and goes on; the pipe's end means the file is complete.
 */
static int unpack_followed_file(struct tar *t, size_t leave_out, bool unlink_file, int *ret_fd,
                                struct eng_error **err)
{
        _cleanup_free_ char *file = eng_xstrdup(eng_test_path("stream"));
        int fds[2], wfd, rfd;
        pid_t pid;
        int r;

        ck_assert_int_eq(archive_write_close(t->a), ARCHIVE_OK);
        archive_write_free(t->a);
        ck_assert_int_eq(pipe(fds), 0);
        wfd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        rfd = open(file, O_RDWR | O_CLOEXEC); /* RDWR, as the pull opens it: to free it */
        ck_assert_int_ge(wfd, 0);
        ck_assert_int_ge(rfd, 0);
        pid = fork();
        if (pid == 0) {
                size_t stop_at = t->used - leave_out, half = stop_at / 2;
                struct timespec pause = { 0, 50 * 1000 * 1000 };

                close(fds[0]);
                /* half, a signal, a pause (the unpacker waits at the end), the rest */
                if (eng_write_all(wfd, t->buf, half) < 0 || write(fds[1], "", 1) != 1)
                        _exit(1);
                nanosleep(&pause, NULL);
                if (eng_write_all(wfd, t->buf + half, stop_at - half) < 0 ||
                    write(fds[1], "", 1) != 1)
                        _exit(1);
                /* as the pull does with a blob that is whole: nothing will resume from it */
                if (unlink_file && unlink(file) < 0)
                        _exit(1);
                _exit(0);
        }
        close(fds[1]);
        close(wfd);
        r = storage_unpack_run(eng_test_dir, fds[0], rfd, NULL, err);
        close(fds[0]);
        waitpid(pid, NULL, 0);
        if (ret_fd)
                *ret_fd = rfd;
        else
                close(rfd);
        return r;
}

static int unpack_followed(struct tar *t, size_t leave_out, struct eng_error **err)
{
        return unpack_followed_file(t, leave_out, false, NULL, err);
}

START_TEST(test_followed_file)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_free_ char *data = NULL, *big = eng_xmalloc(300001), *want = NULL;
        _cleanup_json_ json_t *j = NULL;
        struct tar t;
        struct stat st;

        memset(big, 'b', 300000);
        big[300000] = '\0';
        tar_begin(&t);
        tar_add(&t, "small", AE_IFREG, 0644, "small", NULL, NULL);
        tar_add(&t, "big", AE_IFREG, 0600, big, NULL, NULL);
        tar_add(&t, "last", AE_IFREG, 0644, "last", NULL, NULL);
        eng_assert_ok(unpack_followed(&t, 0, &err), err);
        want = eng_digest_of(t.buf, t.used);
        free(t.buf);

        ck_assert_int_eq(stat(diff("big"), &st), 0);
        ck_assert_int_eq(st.st_size, 300000);
        ck_assert_int_eq(stat(diff("last"), &st), 0);
        ck_assert_int_eq(st.st_size, 4);
        eng_assert_ok(eng_read_file(eng_test_path("unpack.json"), 4096, &data, NULL, &err), err);
        j = json_loads(data, 0, NULL);
        ck_assert_str_eq(json_string_value(json_object_get(j, "diff_id")), want);
}
END_TEST

/*
 * What the unpacker has read of a file with no name left goes back to the
 * file system as it goes (2 MiB at a time, the rest at the end); a file
 * with its name (a journal kept for a resume) stays whole.
 */
static void unpack_followed_big(bool keep)
{
        _cleanup_err_ struct eng_error *err = NULL;
        size_t len = 7 * 1024 * 1024;
        _cleanup_free_ char *big = eng_xmalloc(len + 1);
        struct stat st;
        struct tar t;
        int fd;

        for (size_t i = 0; i < len; i++)
                big[i] = (char) ('a' + i % 26);
        big[len] = '\0';
        tar_begin_size(&t, len + (1 << 20));
        tar_add(&t, "big", AE_IFREG, 0644, big, NULL, NULL);
        eng_assert_ok(unpack_followed_file(&t, 0, !keep, &fd, &err), err);
        ck_assert_int_eq(fstat(fd, &st), 0);
        close(fd);
        ck_assert_int_eq(st.st_size, (off_t) t.used);
        free(t.buf);
        if (keep)
                ck_assert_int_ge((int64_t) st.st_blocks * 512, (int64_t) st.st_size);
        else /* all but the block of the last bytes, partly punched */
                ck_assert_int_le((int64_t) st.st_blocks * 512, 4096);
        ck_assert_int_eq(stat(diff("big"), &st), 0);
        ck_assert_int_eq(st.st_size, (off_t) len);
}

START_TEST(test_followed_file_freed_once_unlinked)
{
        unpack_followed_big(false);
}
END_TEST

START_TEST(test_followed_file_kept_whole_with_its_name)
{
        unpack_followed_big(true);
}
END_TEST

START_TEST(test_followed_file_cut_short)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_free_ char *big = eng_xmalloc(300001);
        struct tar t;

        memset(big, 'b', 300000);
        big[300000] = '\0';
        tar_begin(&t);
        tar_add(&t, "big", AE_IFREG, 0600, big, NULL, NULL);
        /* the writer stops in the middle of the file's data and goes away */
        ck_assert_int_lt(unpack_followed(&t, 200000, &err), 0);
        ck_assert_ptr_nonnull(strstr(err->msg, "Truncated"));
        free(t.buf);
        ck_assert_ptr_nonnull(err);
}
END_TEST

static bool write_proc(const char *path, const char *s)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        bool ok = fd >= 0 && eng_write_all(fd, s, strlen(s)) == 0;

        if (fd >= 0)
                close(fd);
        return ok;
}

/* The unpacker runs as root of a user namespace: be that, or skip. */
static bool become_root(void)
{
        char map[64];
        uid_t uid = geteuid();
        gid_t gid = getegid();

        if (uid == 0)
                return true;
        if (unshare(CLONE_NEWUSER) < 0)
                return false;
        snprintf(map, sizeof(map), "0 %u 1", (unsigned) uid);
        if (!write_proc("/proc/self/setgroups", "deny") || !write_proc("/proc/self/uid_map", map))
                return false;
        snprintf(map, sizeof(map), "0 %u 1", (unsigned) gid);
        return write_proc("/proc/self/gid_map", map) && geteuid() == 0;
}

int main(void)
{
        if (!become_root()) {
                fprintf(stderr, "test-unpack: no user namespace to be root in: skipped\n");
                return ENG_TEST_SKIP;
        }

        Suite *s = suite_create("unpack");
        TCase *tc = eng_tcase("unpack");

        tcase_add_test(tc, test_later_entries_replace_earlier_ones);
        tcase_add_test(tc, test_modes_links_and_whiteouts);
        tcase_add_test(tc, test_owner_minus_one_is_the_overflow_id);
        tcase_add_test(tc, test_escapes_refused);
        tcase_add_test(tc, test_whiteout_of_dot_dot_refused);
        tcase_add_test(tc, test_result_and_diff_id_check);
        tcase_add_test(tc, test_followed_file);
        tcase_add_test(tc, test_followed_file_freed_once_unlinked);
        tcase_add_test(tc, test_followed_file_kept_whole_with_its_name);
        tcase_add_test(tc, test_followed_file_cut_short);
        tcase_add_test(tc, test_stream_longer_than_the_ring);
        tcase_add_test(tc, test_refused_with_more_behind);
        suite_add_tcase(s, tc);
        return eng_run_suite(s);
}
