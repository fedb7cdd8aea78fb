/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <fcntl.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "tests/unit/harness.h"

START_TEST(test_make)
{
        struct eng_error *err = NULL;
        int r = eng_err(&err, ENG_E_SYS, ENOENT, "open '%s'", "/x");

        ck_assert_int_eq(r, -ENOENT);
        ck_assert_int_eq(err->kind, ENG_E_SYS);
        ck_assert_int_eq(err->errnum, ENOENT);
        ck_assert_str_eq(err->msg, "open '/x'");
        err = eng_err_free(err);
        ck_assert_ptr_null(err);
}
END_TEST

START_TEST(test_no_errnum_returns_negative)
{
        _cleanup_err_ struct eng_error *err = NULL;

        ck_assert_int_lt(eng_err(&err, ENG_E_INVALID, 0, "bad"), 0);
        ck_assert_int_eq(eng_err_return(err), -EIO);
}
END_TEST

START_TEST(test_wrap_chain)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_free_ char *text = NULL;

        eng_err(&err, ENG_E_SYS, ECONNREFUSED, "fetching blob %s", "sha256:ab");
        ck_assert_int_eq(eng_err_wrap(&err, "pulling '%s'", "alpine"), -ECONNREFUSED);
        ck_assert_str_eq(err->msg, "pulling 'alpine': fetching blob sha256:ab");
        ck_assert_int_eq(err->kind, ENG_E_SYS);
        text = eng_err_format(err);
        ck_assert_str_eq(text, "pulling 'alpine': fetching blob sha256:ab: Connection refused");
}
END_TEST

START_TEST(test_first_error_wins)
{
        _cleanup_err_ struct eng_error *err = NULL;

        eng_err(&err, ENG_E_NOTFOUND, 0, "first");
        eng_err(&err, ENG_E_SYS, EIO, "second");
        ck_assert_str_eq(err->msg, "first");
        ck_assert_int_eq(err->kind, ENG_E_NOTFOUND);
}
END_TEST

START_TEST(test_wrap_without_error)
{
        _cleanup_err_ struct eng_error *err = NULL;

        ck_assert_int_lt(eng_err_wrap(&err, "context"), 0);
        ck_assert_ptr_nonnull(err);
        ck_assert_ptr_nonnull(strstr(err->msg, "internal error"));
}
END_TEST

START_TEST(test_format_without_errnum)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_free_ char *text = NULL;

        eng_err(&err, ENG_E_REMOTE, 0, "manifest unknown (HTTP 404)");
        text = eng_err_format(err);
        ck_assert_str_eq(text, "manifest unknown (HTTP 404)");
}
END_TEST

START_TEST(test_free_null)
{
        ck_assert_ptr_null(eng_err_free(NULL));
        eng_err_warn_and_free(NULL);
}
END_TEST

START_TEST(test_warn_and_free)
{
        struct eng_error *err = NULL;
        char buf[256] = { 0 };
        int fds[2];

        ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
        eng_log_set_fd(fds[1]);
        eng_err(&err, ENG_E_SYS, EACCES, "chmod '%s'", "f");
        eng_err_warn_and_free(&err);
        ck_assert_ptr_null(err);
        ck_assert_int_gt(read(fds[0], buf, sizeof(buf) - 1), 0);
        ck_assert_str_eq(buf, "eng: warning: chmod 'f': Permission denied\n");
        close(fds[0]);
        close(fds[1]);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("error");
        TCase *tc = tcase_create("make");

        tcase_add_test(tc, test_make);
        tcase_add_test(tc, test_no_errnum_returns_negative);
        tcase_add_test(tc, test_first_error_wins);
        tcase_add_test(tc, test_free_null);
        suite_add_tcase(s, tc);
        tc = tcase_create("wrap");
        tcase_add_test(tc, test_wrap_chain);
        tcase_add_test(tc, test_wrap_without_error);
        suite_add_tcase(s, tc);
        tc = tcase_create("format");
        tcase_add_test(tc, test_format_without_errnum);
        tcase_add_test(tc, test_warn_and_free);
        suite_add_tcase(s, tc);
        return eng_run_suite(s);
}
