/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

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

/* fed in pieces across block boundaries: the digest of the whole (FIPS 180-2, B.2 and B.3) */
START_TEST(test_pieces)
{
        static const char two[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        struct eng_digest *d = eng_digest_new();
        char *hex, a[1000];

        eng_digest_update(d, two, 5);
        eng_digest_update(d, two + 5, 0);
        eng_digest_update(d, two + 5, sizeof(two) - 1 - 5);
        hex = eng_digest_finish(d);
        eng_digest_free(d);
        ck_assert_str_eq(hex,
                         "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        free(hex);

        /* a million 'a', in pieces that never line up with the 64-byte blocks */
        memset(a, 'a', sizeof(a));
        d = eng_digest_new();
        eng_digest_update(d, a, 63);
        for (int i = 0; i < 999; i++)
                eng_digest_update(d, a, sizeof(a));
        eng_digest_update(d, a, 937);
        hex = eng_digest_finish(d);
        eng_digest_free(d);
        ck_assert_str_eq(hex,
                         "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
        free(hex);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("digest");
        TCase *tc = tcase_create("digest");

        tcase_add_test(tc, test_of);
        tcase_add_test(tc, test_pieces);
        suite_add_tcase(s, tc);
        return eng_run_suite(s);
}
