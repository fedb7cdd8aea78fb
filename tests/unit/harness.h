/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_TESTS_UNIT_HARNESS_H
#define ENG_TESTS_UNIT_HARNESS_H

/*
 * What every unit test binary shares: a checked fixture that gives each
 * test a fresh temporary directory (checked fixtures run inside the test's
 * forked process), eng_assert_ok() that prints the error on failure, and a
 * main that runs the suite and fails if any test failed.
 */

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fs.h"
#include "common/strv.h"

/* The skip status of automake's test driver. */
#define ENG_TEST_SKIP 77

static char eng_test_dir[4096];

static inline void eng_test_dir_setup(void)
{
        const char *base = getenv("TMPDIR");

        if (snprintf(eng_test_dir, sizeof(eng_test_dir), "%s/eng-unit-XXXXXX",
                     base && *base ? base : "/tmp") >= (int) sizeof(eng_test_dir))
                ck_abort_msg("TMPDIR too long");
        ck_assert_msg(mkdtemp(eng_test_dir) != NULL, "mkdtemp: %s", strerror(errno));
}

static inline void eng_test_dir_teardown(void)
{
        struct eng_error *err = NULL;

        if (eng_test_dir[0] && eng_rm_rf(eng_test_dir, &err) < 0) {
                fprintf(stderr, "removing %s: %s\n", eng_test_dir, err->msg);
                eng_err_free(err);
        }
        eng_test_dir[0] = '\0';
}

/*
 * eng_test_path() - a path inside the test's directory, in one of eight
 * rotating static buffers: valid until eight more calls, so keep none longer.
 */
static inline const char *eng_test_path(const char *name)
{
        static char bufs[8][4096];
        static int next;
        char *b = bufs[next++ % 8];

        if (snprintf(b, sizeof(bufs[0]), "%s/%s", eng_test_dir, name) >= (int) sizeof(bufs[0]))
                ck_abort_msg("test path too long: %s/%s", eng_test_dir, name);
        return b;
}

#define eng_assert_ok(r, err)                                         \
        do {                                                          \
                int _r = (r);                                         \
                ck_assert_msg(_r >= 0, "failed (%d): %s", _r,         \
                              (err) ? (err)->msg : "(no error set)"); \
        } while (0)

#define eng_assert_fails(r, err, kind_)                                     \
        do {                                                                \
                int _r = (r);                                               \
                ck_assert_msg(_r < 0, "succeeded, a failure was expected"); \
                ck_assert_ptr_nonnull(err);                                 \
                ck_assert_int_eq((err)->kind, (kind_));                     \
        } while (0)

/* eng_test_write_file() - create or truncate @path (mode 0644) with @s */
static inline void eng_test_write_file(const char *path, const char *s)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        ck_assert_msg(fd >= 0, "open '%s': %s", path, strerror(errno));
        ck_assert_int_eq(eng_write_all(fd, s, strlen(s)), 0);
        close(fd);
}

/*
 * TEST_ARGV("info", "-q") - a heap copy of an argument vector (string
 * literals are const here); free it with eng_strv_free or _cleanup_strv_.
 */
static inline char **eng_test_argv(const char *const *args)
{
        char **v = NULL;

        for (; *args; args++)
                eng_strv_push(&v, *args);
        return v;
}
#define TEST_ARGV(...) eng_test_argv((const char *const[]){ __VA_ARGS__, NULL })

/* A TCase with the temporary-directory fixture. */
static inline TCase *eng_tcase(const char *name)
{
        TCase *tc = tcase_create(name);

        tcase_add_checked_fixture(tc, eng_test_dir_setup, eng_test_dir_teardown);
        return tc;
}

static inline int eng_run_suite(Suite *s)
{
        SRunner *sr = srunner_create(s);
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
