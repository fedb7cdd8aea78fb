/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "common/cleanup.h"
#include "common/strv.h"
#include "tests/unit/harness.h"

START_TEST(test_push_and_contains)
{
        _cleanup_strv_ char **v = NULL;

        ck_assert_uint_eq(eng_strv_length(v), 0);
        eng_strv_push(&v, "a");
        eng_strv_push(&v, "b");
        ck_assert_uint_eq(eng_strv_length(v), 2);
        ck_assert(eng_strv_contains(v, "b"));
        ck_assert(!eng_strv_contains(v, "c"));
        ck_assert_ptr_null(v[2]);
}
END_TEST

START_TEST(test_split)
{
        _cleanup_strv_ char **v = eng_strv_split("  cpu  memory pids ", " ");
        _cleanup_strv_ char **e = eng_strv_split("", " ");
        size_t n = 0;

        ck_assert_uint_eq(eng_strv_length(v), 3);
        ck_assert_str_eq(v[0], "cpu");
        ck_assert_str_eq(v[2], "pids");
        ENG_STRV_FOREACH(s, v)
                n++;
        ck_assert_uint_eq(n, 3);
        ck_assert_uint_eq(eng_strv_length(e), 0);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("strv");
        TCase *tc = tcase_create("strv");

        tcase_add_test(tc, test_push_and_contains);
        tcase_add_test(tc, test_split);
        suite_add_tcase(s, tc);
        return eng_run_suite(s);
}
