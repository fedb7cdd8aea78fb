/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "tests/unit/harness.h"

START_TEST(test_strbuf)
{
        struct eng_strbuf b = ENG_STRBUF_INIT;
        char *s;

        /* empty: "" to read, a heap "" to take */
        ck_assert_str_eq(eng_strbuf_str(&b), "");
        s = eng_strbuf_steal(&b);
        ck_assert_str_eq(s, "");
        free(s);

        eng_strbuf_add(&b, "ab");
        eng_strbuf_addf(&b, "%s%d", b.len ? "," : "", 42);
        ck_assert_str_eq(eng_strbuf_str(&b), "ab,42");
        ck_assert_uint_eq(b.len, 5);
        /* growing past any first size keeps what was there */
        for (int i = 0; i < 1000; i++)
                eng_strbuf_addf(&b, "%c", 'a' + i % 26);
        ck_assert_uint_eq(b.len, 1005);
        ck_assert_uint_eq(strlen(eng_strbuf_str(&b)), 1005);
        ck_assert(strncmp(eng_strbuf_str(&b), "ab,42abc", 8) == 0);
        s = eng_strbuf_steal(&b);
        ck_assert_ptr_null(b.s);
        ck_assert_uint_eq(b.len, 0);
        ck_assert_uint_eq(strlen(s), 1005);
        free(s);

        eng_strbuf_add(&b, "");
        ck_assert_str_eq(eng_strbuf_str(&b), "");
        eng_strbuf_release(&b);
        ck_assert_ptr_null(b.s);
        {
                _cleanup_strbuf_ struct eng_strbuf c = ENG_STRBUF_INIT;

                eng_strbuf_addf(&c, "%s", "freed at the end of the block");
        }
}
END_TEST

int main(void)
{
        Suite *s = suite_create("strbuf");
        TCase *tc = tcase_create("strbuf");

        tcase_add_test(tc, test_strbuf);
        suite_add_tcase(s, tc);
        return eng_run_suite(s);
}
