/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "image/manifest.h"
#include "tests/unit/harness.h"

#define DA "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DB "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define DC "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

static const char oci_manifest[] =
        "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
        "\"digest\":\"" DA "\",\"size\":100},\"layers\":["
        "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" DB
        "\",\"size\":10},"
        "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"" DC
        "\",\"size\":20},"
        "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" DC
        "\",\"size\":30}]}";

static const char docker_manifest[] =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
        "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"" DA
        "\",\"size\":1},"
        "\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"digest\":\"" DB
        "\",\"size\":2}]}";

static const char index_doc[] =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
        "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" DA
        "\",\"size\":5,"
        "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
        "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" DB
        "\",\"size\":5,"
        "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}},"
        "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" DC
        "\",\"size\":5,"
        "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";

static int parse(const char *doc, const char *ct, struct image_manifest *m, struct eng_error **err)
{
        return image_manifest_parse(doc, strlen(doc), ct, m, err);
}

START_TEST(test_oci_manifest)
{
        _cleanup_err_ struct eng_error *err = NULL;
        struct image_manifest m;

        eng_assert_ok(parse(oci_manifest, NULL, &m, &err), err);
        ck_assert_int_eq(m.kind, IMAGE_MANIFEST_OCI);
        ck_assert_str_eq(m.config.digest, DA);
        ck_assert_uint_eq(m.config.size, 100);
        ck_assert_uint_eq(m.nlayers, 3);
        ck_assert_int_eq(m.layers[0].compression, IMAGE_COMPRESSION_GZIP);
        ck_assert_int_eq(m.layers[1].compression, IMAGE_COMPRESSION_ZSTD);
        ck_assert_int_eq(m.layers[2].compression, IMAGE_COMPRESSION_NONE);
        image_manifest_release(&m);
}
END_TEST

START_TEST(test_docker_manifest)
{
        _cleanup_err_ struct eng_error *err = NULL;
        struct image_manifest m;

        eng_assert_ok(parse(docker_manifest, IMAGE_MT_DOCKER_MANIFEST, &m, &err), err);
        ck_assert_int_eq(m.kind, IMAGE_MANIFEST_DOCKER);
        ck_assert_uint_eq(m.nlayers, 1);
        image_manifest_release(&m);
}
END_TEST

START_TEST(test_index_select)
{
        _cleanup_err_ struct eng_error *err = NULL;
        const struct image_descriptor *d;
        struct image_manifest m;

        eng_assert_ok(parse(index_doc, NULL, &m, &err), err);
        ck_assert(image_manifest_is_index(&m));
        ck_assert_uint_eq(m.nmanifests, 3);
        d = image_index_select(&m, "linux", "amd64", NULL, &err);
        ck_assert_ptr_nonnull(d);
        ck_assert_str_eq(d->digest, DC);
        d = image_index_select(&m, "linux", "arm64", "v8", &err);
        ck_assert_ptr_nonnull(d);
        ck_assert_str_eq(d->digest, DA);
        d = image_index_select(&m, "linux", "arm", "v7", &err);
        ck_assert_str_eq(d->digest, DB);
        d = image_index_select(&m, "linux", "arm", "v6", &err);
        ck_assert_ptr_null(d);
        ck_assert_int_eq(err->kind, ENG_E_NOTFOUND);
        ck_assert_ptr_nonnull(strstr(err->msg, "linux/arm64, linux/arm/v7, linux/amd64"));
        image_manifest_release(&m);
}
END_TEST

START_TEST(test_refusals)
{
        static const struct {
                const char *doc, *ct, *why;
        } cases[] = {
                { "{\"schemaVersion\":1,\"name\":\"x\"}", NULL, "schema 1" },
                { "{}", IMAGE_MT_DOCKER_SCHEMA1S, "schema 1" },
                { "{\"schemaVersion\":2,", NULL, "malformed" },
                { "[1]", NULL, "not a JSON object" },
                { "{\"schemaVersion\":2}", NULL, "not an image manifest" },
                { "{\"schemaVersion\":2,\"mediaType\":\"text/html\"}", NULL,
                  "unknown manifest media type" },
                { "{\"schemaVersion\":3,\"config\":{}}", NULL, "schemaVersion" },
                { "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:abc\",\"size\":1},\"layers\":[]}",
                  NULL, "no valid digest" },
                { "{\"schemaVersion\":2,\"config\":{\"digest\":\"" DA
                  "\",\"size\":-1},\"layers\":[]}",
                  NULL, "no valid size" },
                { "{\"schemaVersion\":2,\"config\":{\"digest\":\"" DA "\",\"size\":1}}", NULL,
                  "no 'layers' list" },
                { "{\"schemaVersion\":2,\"config\":{\"digest\":\"" DA
                  "\",\"size\":1},\"layers\":[{\"mediaType\":\"application/x-foo\",\"digest\":\"" DB
                  "\",\"size\":1}]}",
                  NULL, "not a layer eng can unpack" },
                { "{\"schemaVersion\":2,\"config\":{\"digest\":\"" DA
                  "\",\"size\":1},\"config\":{}}",
                  NULL, "malformed" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_err_ struct eng_error *err = NULL;
                struct image_manifest m;

                ck_assert_msg(parse(cases[i].doc, cases[i].ct, &m, &err) < 0, "case %zu accepted",
                              i);
                ck_assert_int_eq(err->kind, ENG_E_INVALID);
                ck_assert_msg(strstr(err->msg, cases[i].why), "case %zu: '%s'", i, err->msg);
        }
}
END_TEST

START_TEST(test_too_large)
{
        _cleanup_err_ struct eng_error *err = NULL;
        _cleanup_free_ char *big = eng_xmalloc(IMAGE_MANIFEST_MAX + 2);
        struct image_manifest m;

        memset(big, ' ', IMAGE_MANIFEST_MAX + 1);
        big[IMAGE_MANIFEST_MAX + 1] = '\0';
        ck_assert_int_lt(image_manifest_parse(big, IMAGE_MANIFEST_MAX + 1, NULL, &m, &err), 0);
        ck_assert_ptr_nonnull(strstr(err->msg, "larger than"));
}
END_TEST

int main(void)
{
        Suite *s = suite_create("manifest");
        TCase *tc = tcase_create("parse");

        tcase_add_test(tc, test_oci_manifest);
        tcase_add_test(tc, test_docker_manifest);
        tcase_add_test(tc, test_index_select);
        tcase_add_test(tc, test_refusals);
        tcase_add_test(tc, test_too_large);
        suite_add_tcase(s, tc);
        return eng_run_suite(s);
}
