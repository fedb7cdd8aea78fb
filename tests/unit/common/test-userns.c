/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "common/cleanup.h"
#include "common/userns.h"
#include "common/xalloc.h"
#include "tests/unit/harness.h"

START_TEST(test_subid_parse)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_free_ struct eng_subid_range *r = NULL;
        const char *f = eng_test_path("subuid");
        size_t n = 0;

        eng_test_write_file(f, "# comment\n"
                               "alice:100000:65536\n"
                               "bob:165536:65536\n"
                               "1000:300000:1000\n"
                               "alice:bad:10\n"
                               "alice:5:0\n"
                               "alice:4294967295:2\n"
                               "alice\n"
                               "\n"
                               "alice:400000:10");
        eng_assert_ok(eng_subid_read(f, "alice", 1000, &r, &n, &err), err);
        ck_assert_uint_eq(n, 3);
        ck_assert_uint_eq(r[0].start, 100000);
        ck_assert_uint_eq(r[0].count, 65536);
        ck_assert_uint_eq(r[1].start, 300000); /* by uid */
        ck_assert_uint_eq(r[2].start, 400000); /* last line without newline */
}
END_TEST

START_TEST(test_subid_missing_file_is_empty)
{
        _cleanup_err_ struct eng_error *err = NULL;
        struct eng_subid_range *r = (void *) 1;
        size_t n = 99;

        eng_assert_ok(eng_subid_read(eng_test_path("none"), "alice", 1000, &r, &n, &err), err);
        ck_assert_uint_eq(n, 0);
        ck_assert_ptr_null(r);
}
END_TEST

START_TEST(test_subid_no_entry)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_free_ struct eng_subid_range *r = NULL;
        size_t n = 99;

        eng_test_write_file(eng_test_path("subuid"), "bob:100000:65536\n");
        eng_assert_ok(eng_subid_read(eng_test_path("subuid"), "alice", 1000, &r, &n, &err), err);
        ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_subid_free_start)
{
        _cleanup_err_ struct eng_error *err = NULL;
        const char *f = eng_test_path("subuid");

        /* an empty or missing file: useradd's first range */
        ck_assert_int_eq(eng_subid_free_start(eng_test_path("none"), 65536, &err), 100000);
        /* bob has 100000..165535, carol a range further up that a second one would meet */
        eng_test_write_file(f, "# comment\nbob:100000:65536\ncarol:200000:65536\n");
        ck_assert_int_eq(eng_subid_free_start(f, 65536, &err), 265536);
        /* a small one fits in the gap */
        ck_assert_int_eq(eng_subid_free_start(f, 1000, &err), 165536);
        /* ranges in any order, one below the minimum */
        eng_test_write_file(f, "x:300000:10\n1001:165536:100000\ny:1000:99999\nz:100000:1\n");
        ck_assert_int_eq(eng_subid_free_start(f, 65536, &err), 300010);
        /* no room: said so */
        eng_test_write_file(f, "all:100000:4294867296\n");
        ck_assert_int_lt(eng_subid_free_start(f, 65536, &err), 0);
        ck_assert_int_eq(err->kind, ENG_E_NOTFOUND);
}
END_TEST

START_TEST(test_idmap_build)
{
        struct eng_subid_range su[] = { { 100000, 65536 }, { 300000, 10 } };
        struct eng_subid_range sg[] = { { 200000, 1000 } };
        struct eng_idmap m;
        _cleanup_free_ char *fu = NULL, *fg = NULL;

        eng_idmap_build(1000, su, 2, 1001, sg, 1, &m);
        ck_assert_uint_eq(m.nuid, 3);
        ck_assert_uint_eq(m.ngid, 2);
        fu = eng_idmap_format(m.uid, m.nuid);
        fg = eng_idmap_format(m.gid, m.ngid);
        ck_assert_str_eq(fu, "0:1000:1,1:100000:65536,65537:300000:10");
        ck_assert_str_eq(fg, "0:1001:1,1:200000:1000");
        ck_assert_uint_eq(eng_idmap_count(m.uid, m.nuid), 65547);
        ck_assert(!eng_idmap_is_single(&m));
        eng_idmap_release(&m);

        eng_idmap_build(1000, NULL, 0, 1000, NULL, 0, &m);
        ck_assert(eng_idmap_is_single(&m));
        eng_idmap_release(&m);
}
END_TEST

START_TEST(test_idmap_build_caps_at_uint32)
{
        struct eng_subid_range su[] = { { 0, 0xffffffffu }, { 10, 10 } };
        struct eng_idmap m;

        eng_idmap_build(1000, su, 2, 1000, NULL, 0, &m);
        ck_assert_uint_eq(m.nuid, 2);
        ck_assert_uint_eq(m.uid[1].container, 1);
        ck_assert_uint_eq(m.uid[1].size, 0xfffffffeu);
        eng_idmap_release(&m);
}
END_TEST

static int child_ok(void *arg, struct eng_error **err)
{
        int *seen = arg;

        (void) err;
        *seen = 1; /* in the child's copy only */
        if (getuid() != 0)
                return eng_err(err, ENG_E_SYS, 0, "uid %u, not 0", (unsigned) getuid());
        return 0;
}

static int child_fails(void *arg, struct eng_error **err)
{
        (void) arg;
        return eng_err(err, ENG_E_INVALID, EBADMSG, "failed inside with %d", 42);
}

/* Whether this machine lets us make a user namespace at all. */
static bool userns_available(void)
{
        pid_t pid = fork();
        int status;

        if (pid == 0)
                _exit(unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
        waitpid(pid, &status, 0);
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

START_TEST(test_userns_run_single)
{
        _cleanup_err_ struct eng_error *err = NULL;
        struct eng_idmap m;
        int seen = 0;

        eng_idmap_build(geteuid(), NULL, 0, getegid(), NULL, 0, &m);
        eng_assert_ok(eng_userns_run(&m, 0, child_ok, &seen, &err), err);
        ck_assert_int_eq(seen, 0);
        eng_idmap_release(&m);
}
END_TEST

START_TEST(test_userns_run_error_comes_back)
{
        _cleanup_err_ struct eng_error *err = NULL;
        struct eng_idmap m;

        eng_idmap_build(geteuid(), NULL, 0, getegid(), NULL, 0, &m);
        eng_assert_fails(eng_userns_run(&m, CLONE_NEWNS, child_fails, NULL, &err), err,
                         ENG_E_INVALID);
        ck_assert_int_eq(err->errnum, EBADMSG);
        ck_assert_str_eq(err->msg, "failed inside with 42");
        eng_idmap_release(&m);
}
END_TEST

START_TEST(test_userns_bad_mapping_fails_cleanly)
{
        _cleanup_err_ struct eng_error *err = NULL;
        struct eng_subid_range su[] = { { 0, 1 } };
        struct eng_idmap m;

        /* Host uid 0 is not ours: the mapping must fail, and the child must not run. */
        setenv("PATH", "/nonexistent", 1);
        eng_idmap_build(geteuid(), su, 1, getegid(), NULL, 0, &m);
        ck_assert_int_lt(eng_userns_run(&m, 0, child_ok, NULL, &err), 0);
        ck_assert_ptr_nonnull(strstr(err->msg, "newuidmap"));
        eng_idmap_release(&m);
}
END_TEST

START_TEST(test_helper_check_missing)
{
        struct eng_idmap_helper h;

        setenv("PATH", eng_test_dir, 1);
        eng_idmap_helper_check("newuidmap", &h);
        ck_assert_ptr_null(h.path);
        ck_assert(!h.usable);
        ck_assert_ptr_nonnull(strstr(h.detail, "uidmap"));
        eng_idmap_helper_release(&h);
}
END_TEST

START_TEST(test_helper_check_not_setuid)
{
        struct eng_idmap_helper h;

        eng_test_write_file(eng_test_path("newuidmap"), "#!/bin/sh\n");
        ck_assert_int_eq(chmod(eng_test_path("newuidmap"), 0755), 0);
        setenv("PATH", eng_test_dir, 1);
        eng_idmap_helper_check("newuidmap", &h);
        ck_assert_ptr_nonnull(h.path);
        ck_assert(!h.usable);
        ck_assert_ptr_nonnull(strstr(h.detail, "chmod u+s"));
        eng_idmap_helper_release(&h);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("userns");
        TCase *tc = eng_tcase("subid");

        tcase_add_test(tc, test_subid_parse);
        tcase_add_test(tc, test_subid_missing_file_is_empty);
        tcase_add_test(tc, test_subid_no_entry);
        tcase_add_test(tc, test_subid_free_start);
        suite_add_tcase(s, tc);
        tc = eng_tcase("idmap");
        tcase_add_test(tc, test_idmap_build);
        tcase_add_test(tc, test_idmap_build_caps_at_uint32);
        tcase_add_test(tc, test_helper_check_missing);
        tcase_add_test(tc, test_helper_check_not_setuid);
        suite_add_tcase(s, tc);
        if (userns_available()) {
                tc = eng_tcase("run");
                tcase_add_test(tc, test_userns_run_single);
                tcase_add_test(tc, test_userns_run_error_comes_back);
                /* root may map any id, so only a normal user sees the refusal */
                if (geteuid() != 0)
                        tcase_add_test(tc, test_userns_bad_mapping_fails_cleanly);
                suite_add_tcase(s, tc);
        } else {
                fprintf(stderr,
                        "test-userns: user namespaces are unavailable here; the run cases are left out\n");
        }
        return eng_run_suite(s);
}
