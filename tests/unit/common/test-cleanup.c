/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <fcntl.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "tests/unit/harness.h"

static bool fd_open(int fd)
{
        return fcntl(fd, F_GETFD) >= 0;
}

START_TEST(test_close_at_scope_end)
{
        int seen;

        {
                _cleanup_close_ int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                ck_assert_int_ge(fd, 0);
                seen = fd;
        }
        ck_assert(!fd_open(seen));
}
END_TEST

START_TEST(test_take_fd_keeps_it_open)
{
        int kept;

        {
                _cleanup_close_ int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                kept = TAKE_FD(fd);
                ck_assert_int_eq(fd, -1);
        }
        ck_assert(fd_open(kept));
        close(kept);
}
END_TEST

START_TEST(test_close_safe_keeps_errno)
{
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

        errno = ENOSPC;
        ck_assert_int_eq(eng_close_safe(fd), -1);
        ck_assert_int_eq(errno, ENOSPC);
        ck_assert(!fd_open(fd));
        ck_assert_int_eq(eng_close_safe(-1), -1);
}
END_TEST

static char *taken;

static void hand_over(void)
{
        _cleanup_free_ char *p = eng_xstrdup("owned");

        taken = TAKE_PTR(p);
        ck_assert_ptr_null(p);
}

START_TEST(test_take_ptr)
{
        hand_over();
        ck_assert_str_eq(taken, "owned"); /* not freed: ASan would report a use after free */
        free(taken);
}
END_TEST

START_TEST(test_cleanup_err_and_strv)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_strv_ char **v = NULL;
        _cleanup_free_ char *none = NULL;

        eng_err(&err, ENG_E_SYS, EIO, "freed at the end of the scope");
        eng_strv_push(&v, "also freed");
        /* LeakSanitizer, on in unit tests, fails the test if these leak. */
        ck_assert_ptr_nonnull(err);
        ck_assert_ptr_nonnull(v);
        ck_assert_ptr_null(none);
}
END_TEST

START_TEST(test_kill_at_scope_end)
{
        pid_t seen, kept;

        {
                _cleanup_kill_ pid_t c = fork();

                ck_assert_int_ge(c, 0);
                if (c == 0)
                        for (;;)
                                pause();
                seen = c;
        }
        /* killed and reaped: no such child any more */
        ck_assert_int_eq(waitpid(seen, NULL, WNOHANG), -1);
        ck_assert_int_eq(errno, ECHILD);
        {
                _cleanup_kill_ pid_t c = fork();

                ck_assert_int_ge(c, 0);
                if (c == 0)
                        _exit(7);
                kept = TAKE_PID(c);
                ck_assert_int_eq(c, -1);
        }
        {
                int status;

                ck_assert_int_eq(waitpid(kept, &status, 0), kept);
                ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 7);
        }
}
END_TEST

int main(void)
{
        Suite *s = suite_create("cleanup");
        TCase *tc = tcase_create("cleanup");

        tcase_add_test(tc, test_close_at_scope_end);
        tcase_add_test(tc, test_take_fd_keeps_it_open);
        tcase_add_test(tc, test_close_safe_keeps_errno);
        tcase_add_test(tc, test_take_ptr);
        tcase_add_test(tc, test_cleanup_err_and_strv);
        tcase_add_test(tc, test_kill_at_scope_end);
        suite_add_tcase(s, tc);
        return eng_run_suite(s);
}
