/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "common/cleanup.h"
#include "common/process.h"
#include "tests/unit/harness.h"

START_TEST(test_find_program)
{
        _cleanup_free_ char *sh = eng_find_program("sh");
        _cleanup_free_ char *none = eng_find_program("eng-no-such-program");
        _cleanup_free_ char *abs = eng_find_program("/bin/sh");

        ck_assert_ptr_nonnull(sh);
        ck_assert_ptr_null(none);
        ck_assert_str_eq(abs, "/bin/sh");
}
END_TEST

START_TEST(test_run_output)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_free_ char *out = NULL;
        _cleanup_strv_ char **argv = TEST_ARGV("sh", "-c", "echo out; echo err >&2");

        eng_assert_ok(eng_run_program(argv, &out, &err), err);
        ck_assert_str_eq(out, "out\nerr\n");
}
END_TEST

START_TEST(test_run_failure_names_last_line)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_strv_ char **argv =
                TEST_ARGV("sh", "-c",
                          "echo first >&2; echo 'newuidmap: write to uid_map failed' >&2; exit 3");

        ck_assert_int_lt(eng_run_program(argv, NULL, &err), 0);
        ck_assert_ptr_nonnull(strstr(err->msg, "exited with status 3"));
        ck_assert_ptr_nonnull(strstr(err->msg, "write to uid_map failed"));
        ck_assert_ptr_null(strstr(err->msg, "first"));
}
END_TEST

START_TEST(test_run_signal)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_strv_ char **argv = TEST_ARGV("sh", "-c", "kill -9 $$");

        ck_assert_int_lt(eng_run_program(argv, NULL, &err), 0);
        ck_assert_ptr_nonnull(strstr(err->msg, "signal 9"));
}
END_TEST

/* two at once, the later finished first: each reports its own outcome */
START_TEST(test_programs_side_by_side)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_free_ char *out = NULL;
        _cleanup_strv_ char **slow =
                TEST_ARGV("sh", "-c", "sleep 0.2; echo slow failed >&2; exit 4");
        _cleanup_strv_ char **fast = TEST_ARGV("sh", "-c", "echo fast");
        struct eng_program a, b;

        eng_assert_ok(eng_program_start(slow, &a, &err), err);
        eng_assert_ok(eng_program_start(fast, &b, &err), err);
        eng_assert_ok(eng_program_finish(&b, &out, &err), err);
        ck_assert_str_eq(out, "fast\n");
        ck_assert_int_lt(eng_program_finish(&a, NULL, &err), 0);
        ck_assert_ptr_nonnull(strstr(err->msg, "exited with status 4: slow failed"));
        ck_assert_int_eq(a.out, -1);
        ck_assert_int_eq(b.out, -1);
}
END_TEST

START_TEST(test_run_missing)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_strv_ char **argv = TEST_ARGV("eng-no-such-program");

        eng_assert_fails(eng_run_program(argv, NULL, &err), err, ENG_E_NOTFOUND);
}
END_TEST

START_TEST(test_run_huge_output)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_strv_ char **argv =
                TEST_ARGV("sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' x; exit 0");
        char *out = NULL;

        /* More than the cap: the program still finishes and its status counts. */
        eng_assert_ok(eng_run_program(argv, &out, &err), err);
        free(out);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("process");
        TCase *tc = eng_tcase("run");

        tcase_add_test(tc, test_find_program);
        tcase_add_test(tc, test_run_output);
        tcase_add_test(tc, test_run_failure_names_last_line);
        tcase_add_test(tc, test_run_signal);
        tcase_add_test(tc, test_programs_side_by_side);
        tcase_add_test(tc, test_run_missing);
        tcase_add_test(tc, test_run_huge_output);
        suite_add_tcase(s, tc);
        return eng_run_suite(s);
}
