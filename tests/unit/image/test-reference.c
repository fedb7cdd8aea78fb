/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "image/reference.h"
#include "tests/unit/harness.h"

#define D64 "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void expect(const char *in, const char *full, bool is_short)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_free_ char *s = NULL;
        struct image_ref ref;
        bool sh = !is_short;

        eng_assert_ok(image_ref_parse(in, &ref, &sh, &err), err);
        s = image_ref_string(&ref);
        ck_assert_msg(strcmp(s, full) == 0, "'%s' gave '%s', expected '%s'", in, s, full);
        ck_assert_msg(sh == is_short, "'%s': short %d", in, sh);
        image_ref_release(&ref);
}

static void refuse(const char *in, const char *why)
{
        _cleanup_err_ struct eng_error *err = NULL;
        struct image_ref ref;

        ck_assert_msg(image_ref_parse(in, &ref, NULL, &err) < 0, "'%s' was accepted", in);
        ck_assert_int_eq(err->kind, ENG_E_USAGE);
        ck_assert_msg(strstr(err->msg, why) != NULL, "'%s': '%s' does not say '%s'", in, err->msg,
                      why);
}

START_TEST(test_normalise)
{
        expect("alpine", "docker.io/library/alpine:latest", true);
        expect("alpine:3", "docker.io/library/alpine:3", true);
        expect("library/alpine", "docker.io/library/alpine:latest", true);
        /* podman's transport prefix */
        expect("docker://alpine", "docker.io/library/alpine:latest", true);
        expect("docker://quay.io/a/b:1", "quay.io/a/b:1", false);
        expect("user/app:v1.2-rc_3", "docker.io/user/app:v1.2-rc_3", true);
        expect("docker.io/alpine", "docker.io/library/alpine:latest", false);
        expect("index.docker.io/alpine", "docker.io/library/alpine:latest", false);
        expect("quay.io/podman/stable", "quay.io/podman/stable:latest", false);
        expect("localhost/app", "localhost/app:latest", false);
        expect("localhost:5000/app:1", "localhost:5000/app:1", false);
        expect("127.0.0.1:5000/a/b/c:tag", "127.0.0.1:5000/a/b/c:tag", false);
        expect("[::1]:5000/app", "[::1]:5000/app:latest", false);
        expect("Registry/app", "Registry/app:latest", false);
        expect("my-registry.example.com:443/a__b/c.d/e---f",
               "my-registry.example.com:443/a__b/c.d/e---f:latest", false);
}
END_TEST

START_TEST(test_digests)
{
        expect("alpine@" D64, "docker.io/library/alpine@" D64, true);
        expect("localhost:5000/app:1@" D64, "localhost:5000/app:1@" D64, false);
        refuse("alpine@sha256:abc", "is not a digest");
        refuse("alpine@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
               "is not a digest");
        refuse("alpine@md5:0123", "is not a digest");
        ck_assert(image_digest_valid(D64));
        ck_assert(!image_digest_valid("sha256:"));
}
END_TEST

START_TEST(test_refused)
{
        refuse("", "empty");
        refuse("Alpine", "lower case");
        refuse("docker.io/Library/alpine", "lower case");
        refuse("alpine:", "empty tag");
        refuse("alpine:-x", "must start");
        refuse("alpine:a+b", "invalid character in the tag");
        refuse("a//b", "empty path component");
        refuse("a/", "empty path component");
        refuse("-a", "start and end");
        refuse("a-", "start and end");
        refuse("a..b", "start and end");
        refuse("a___b", "start and end");
        refuse("a$b", "invalid character");
        refuse("host:port/app", "invalid registry port");
        refuse("host:/app", "invalid registry port");
        refuse("-bad.host/app", "invalid registry host name");
        refuse("[::1/app", "IPv6");
        refuse(":tag", "no repository name");
        refuse("docker.io/", "no repository name"); /* found by fuzz-reference */
        refuse("localhost:5000/", "no repository name");
}
END_TEST

START_TEST(test_long_names)
{
        char tag[200], name[300];
        _cleanup_free_ char *ok = NULL, *ref = NULL;

        memset(tag, 'a', 129);
        tag[129] = '\0';
        ref = eng_xasprintf("alpine:%s", tag);
        refuse(ref, "at most 128");
        tag[128] = '\0';
        free(ref);
        ref = eng_xasprintf("alpine:%s", tag);
        ok = eng_xasprintf("docker.io/library/alpine:%s", tag);
        expect(ref, ok, true);

        memset(name, 'a', 250);
        name[250] = '\0';
        free(ref);
        ref = eng_xasprintf("example.com/%s", name);
        refuse(ref, "longer than 255");
}
END_TEST

START_TEST(test_set_domain)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_free_ char *a = NULL, *b = NULL, *n = NULL;
        struct image_ref ref;

        eng_assert_ok(image_ref_parse("busybox", &ref, NULL, &err), err);
        image_ref_set_domain(&ref, "quay.io");
        a = image_ref_string(&ref);
        /* library/ is docker.io's alone: another registry is asked for the name
         * as given (podman asks quay.io for busybox, not library/busybox) */
        ck_assert_str_eq(a, "quay.io/busybox:latest");
        image_ref_set_domain(&ref, "docker.io");
        free(a);
        a = image_ref_string(&ref);
        ck_assert_str_eq(a, "docker.io/library/busybox:latest");
        image_ref_set_domain(&ref, "127.0.0.1:5880");
        free(a);
        a = image_ref_string(&ref);
        ck_assert_str_eq(a, "127.0.0.1:5880/busybox:latest");
        image_ref_release(&ref);
        /* a library/ the user wrote stays */
        eng_assert_ok(image_ref_parse("library/busybox", &ref, NULL, &err), err);
        image_ref_set_domain(&ref, "quay.io");
        free(a);
        a = image_ref_string(&ref);
        ck_assert_str_eq(a, "quay.io/library/busybox:latest");
        image_ref_release(&ref);
        eng_assert_ok(image_ref_parse("eng-test/busybox", &ref, NULL, &err), err);
        image_ref_set_domain(&ref, "127.0.0.1:5000");
        b = image_ref_string(&ref);
        n = image_ref_name(&ref);
        ck_assert_str_eq(b, "127.0.0.1:5000/eng-test/busybox:latest");
        ck_assert_str_eq(n, "127.0.0.1:5000/eng-test/busybox");
        image_ref_release(&ref);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("reference");
        TCase *tc = tcase_create("parse");

        tcase_add_test(tc, test_normalise);
        tcase_add_test(tc, test_digests);
        tcase_add_test(tc, test_refused);
        tcase_add_test(tc, test_long_names);
        tcase_add_test(tc, test_set_domain);
        suite_add_tcase(s, tc);
        return eng_run_suite(s);
}
