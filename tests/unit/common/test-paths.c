/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/paths.h"
#include "common/xalloc.h"
#include "tests/unit/harness.h"

static void clear_env(void)
{
        unsetenv("XDG_DATA_HOME");
        unsetenv("XDG_CONFIG_HOME");
        unsetenv("XDG_RUNTIME_DIR");
        setenv("HOME", eng_test_path("home"), 1);
}

START_TEST(test_defaults_from_home)
{
        _cleanup_err_ struct eng_error *err = NULL;
        struct eng_paths p;

        clear_env();
        setenv("XDG_RUNTIME_DIR", eng_test_path("xrd"), 1);
        ck_assert_int_eq(mkdir(eng_test_path("xrd"), 0700), 0);
        eng_assert_ok(eng_paths_init(&p, NULL, NULL, &err), err);
        ck_assert_str_eq(p.graph_root, eng_test_path("home/.local/share/eng"));
        ck_assert_str_eq(p.config_dir, eng_test_path("home/.config/eng"));
        ck_assert_str_eq(p.run_root, eng_test_path("xrd/eng"));
        ck_assert(!p.run_root_fallback);
        eng_paths_release(&p);
}
END_TEST

START_TEST(test_xdg_and_options)
{
        _cleanup_err_ struct eng_error *err = NULL;
        struct eng_paths p;

        clear_env();
        setenv("XDG_DATA_HOME", "/data", 1);
        setenv("XDG_CONFIG_HOME", "relative/ignored", 1);
        eng_assert_ok(eng_paths_init(&p, NULL, "/run/x", &err), err);
        ck_assert_str_eq(p.graph_root, "/data/eng");
        ck_assert_str_eq(p.config_dir, eng_test_path("home/.config/eng"));
        ck_assert_str_eq(p.run_root, "/run/x");
        eng_paths_release(&p);

        eng_assert_ok(eng_paths_init(&p, "/store", "/run/x", &err), err);
        ck_assert_str_eq(p.graph_root, "/store");
        eng_paths_release(&p);
}
END_TEST

START_TEST(test_runtime_dir_checks)
{
        _cleanup_free_ char *unset = eng_runtime_dir_check(NULL);
        _cleanup_free_ char *rel = eng_runtime_dir_check("run/user");
        _cleanup_free_ char *missing = eng_runtime_dir_check(eng_test_path("none"));
        _cleanup_free_ char *open_dir = NULL, *ok = NULL;

        ck_assert_ptr_nonnull(strstr(unset, "not set"));
        ck_assert_ptr_nonnull(strstr(rel, "absolute"));
        ck_assert_ptr_nonnull(missing);
        ck_assert_int_eq(mkdir(eng_test_path("open"), 0755), 0);
        ck_assert_int_eq(chmod(eng_test_path("open"), 0755), 0);
        open_dir = eng_runtime_dir_check(eng_test_path("open"));
        ck_assert_ptr_nonnull(strstr(open_dir, "open to others"));
        ck_assert_int_eq(mkdir(eng_test_path("mine"), 0700), 0);
        ok = eng_runtime_dir_check(eng_test_path("mine"));
        ck_assert_ptr_null(ok);
}
END_TEST

START_TEST(test_runtime_dir_of_another_user)
{
        _cleanup_free_ char *why = NULL;

        /* As root, a directory given to somebody else; as a normal user (or
         * in a user namespace, where chown to an unmapped id fails), "/". */
        ck_assert_int_eq(mkdir(eng_test_path("theirs"), 0700), 0);
        if (geteuid() == 0 && chown(eng_test_path("theirs"), 65534, 65534) == 0)
                why = eng_runtime_dir_check(eng_test_path("theirs"));
        else
                why = eng_runtime_dir_check("/");
        ck_assert_ptr_nonnull(why);
        ck_assert_ptr_nonnull(strstr(why, "belongs to uid"));
}
END_TEST

START_TEST(test_fallback_is_private)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_free_ char *expect = NULL;
        struct eng_paths p;
        struct stat st;

        clear_env(); /* no XDG_RUNTIME_DIR: after su, under cron */
        setenv("TMPDIR", eng_test_dir, 1);
        eng_assert_ok(eng_paths_init(&p, NULL, NULL, &err), err);
        expect = eng_xasprintf("%s/eng-run-%u", eng_test_dir, (unsigned) geteuid());
        ck_assert_str_eq(p.run_root, expect);
        ck_assert(p.run_root_fallback);
        ck_assert_ptr_nonnull(p.run_root_reason);
        ck_assert_int_eq(lstat(p.run_root, &st), 0);
        ck_assert(S_ISDIR(st.st_mode));
        ck_assert_int_eq(st.st_uid, geteuid());
        ck_assert_int_eq(st.st_mode & 077, 0);
        eng_paths_release(&p);
}
END_TEST

START_TEST(test_private_dir_refuses_link)
{
        _cleanup_err_ struct eng_error *err = NULL;

        ck_assert_int_eq(symlink("/", eng_test_path("link")), 0);
        eng_assert_fails(eng_private_dir_ensure(eng_test_path("link"), &err), err, ENG_E_USAGE);
        ck_assert_int_eq(err->errnum, ENOTDIR);
}
END_TEST

START_TEST(test_private_dir_tightens_mode)
{
        _cleanup_err_ struct eng_error *err = NULL;
        struct stat st;

        ck_assert_int_eq(mkdir(eng_test_path("d"), 0755), 0);
        ck_assert_int_eq(chmod(eng_test_path("d"), 0755), 0);
        eng_assert_ok(eng_private_dir_ensure(eng_test_path("d"), &err), err);
        ck_assert_int_eq(stat(eng_test_path("d"), &st), 0);
        ck_assert_int_eq(st.st_mode & 0777, 0700);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("paths");
        TCase *tc = eng_tcase("xdg");

        tcase_add_test(tc, test_defaults_from_home);
        tcase_add_test(tc, test_xdg_and_options);
        tcase_add_test(tc, test_fallback_is_private);
        suite_add_tcase(s, tc);
        tc = eng_tcase("runtime-dir");
        tcase_add_test(tc, test_runtime_dir_checks);
        tcase_add_test(tc, test_runtime_dir_of_another_user);
        tcase_add_test(tc, test_private_dir_refuses_link);
        tcase_add_test(tc, test_private_dir_tightens_mode);
        suite_add_tcase(s, tc);
        return eng_run_suite(s);
}
