/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdlib.h>

#include "common/digest.h"
#include "tests/unit/harness.h"

/* the digest of "abc" (FIPS 180-2, appendix B.1) */
#define ABC "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

START_TEST(test_of)
{
        char *d = eng_digest_of("abc", 3);

        ck_assert_str_eq(d, ABC);
        free(d);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("digest");
        TCase *tc = tcase_create("digest");

        tcase_add_test(tc, test_of);
        suite_add_tcase(s, tc);
        return eng_run_suite(s);
}
