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

START_TEST(test_async_small)
{
        struct eng_digest_async *h = eng_digest_async_new();
        char *d;

        eng_digest_async_update(h, "a", 1);
        eng_digest_async_update(h, "", 0);
        eng_digest_async_update(h, "bc", 2);
        d = eng_digest_async_finish(h);
        ck_assert_str_eq(d, ABC);
        free(d);
}
END_TEST

/* more than the ring holds, in pieces of every size, some across its end */
START_TEST(test_async_many)
{
        size_t size = 5 * 1024 * 1024 + 123;
        unsigned char *data = malloc(size);
        struct eng_digest_async *h = eng_digest_async_new();
        char *want, *got;
        size_t off = 0, step = 1;

        ck_assert_ptr_nonnull(data);
        srandom(42);
        for (size_t i = 0; i < size; i++)
                data[i] = (unsigned char) random();
        want = eng_digest_of(data, size);
        while (off < size) {
                size_t n = step < size - off ? step : size - off;

                eng_digest_async_update(h, data + off, n);
                /* the caller may reuse its buffer at once: the ring holds a copy */
                memset(data + off, 0, n);
                off += n;
                step = step * 3 + 7;
                if (step > 1024 * 1024)
                        step = 1;
        }
        got = eng_digest_async_finish(h);
        ck_assert_str_eq(got, want);
        free(got);
        free(want);
        free(data);
}
END_TEST

START_TEST(test_async_empty_and_abandoned)
{
        struct eng_digest_async *h = eng_digest_async_new();
        char *d = eng_digest_async_finish(h);
        char *e = eng_digest_of("", 0);

        ck_assert_str_eq(d, e);
        free(d);
        free(e);
        /* given up half way (an error): the thread stops, nothing leaks */
        h = eng_digest_async_new();
        for (int i = 0; i < 64; i++)
                eng_digest_async_update(h, ABC, sizeof(ABC));
        h = eng_digest_async_free(h);
        ck_assert_ptr_null(h);
        ck_assert_ptr_null(eng_digest_async_free(NULL));
}
END_TEST

int main(void)
{
        Suite *s = suite_create("digest");
        TCase *tc = tcase_create("digest");

        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_of);
        tcase_add_test(tc, test_async_small);
        tcase_add_test(tc, test_async_many);
        tcase_add_test(tc, test_async_empty_and_abandoned);
        suite_add_tcase(s, tc);
        return eng_run_suite(s);
}
