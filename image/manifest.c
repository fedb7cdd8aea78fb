/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "image/manifest.h"
#include "image/reference.h"

#include "common/banned.h"

/* Sanity caps: a real index or manifest is far below these. */
#define MAX_LAYERS    1024
#define MAX_MANIFESTS 1024

static const struct {
        const char *type;
        enum image_compression compression;
} layer_types[] = {
        { "application/vnd.oci.image.layer.v1.tar", IMAGE_COMPRESSION_NONE },
        { "application/vnd.oci.image.layer.v1.tar+gzip", IMAGE_COMPRESSION_GZIP },
        { "application/vnd.oci.image.layer.v1.tar+zstd", IMAGE_COMPRESSION_ZSTD },
        { "application/vnd.oci.image.layer.nondistributable.v1.tar", IMAGE_COMPRESSION_NONE },
        { "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", IMAGE_COMPRESSION_GZIP },
        { "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", IMAGE_COMPRESSION_ZSTD },
        { "application/vnd.docker.image.rootfs.diff.tar", IMAGE_COMPRESSION_NONE },
        { "application/vnd.docker.image.rootfs.diff.tar.gzip", IMAGE_COMPRESSION_GZIP },
        { "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", IMAGE_COMPRESSION_GZIP },
        { "application/vnd.docker.image.rootfs.diff.tar.zstd", IMAGE_COMPRESSION_ZSTD },
};

const char *image_compression_name(enum image_compression c)
{
        switch (c) {
        case IMAGE_COMPRESSION_NONE:
                return "none";
        case IMAGE_COMPRESSION_GZIP:
                return "gzip";
        case IMAGE_COMPRESSION_ZSTD:
                return "zstd";
        }
        return "unknown";
}

static void descriptor_release(struct image_descriptor *d)
{
        free(d->media_type);
        free(d->digest);
        free(d->os);
        free(d->arch);
        free(d->variant);
        *d = (struct image_descriptor){ 0 };
}

void image_manifest_release(struct image_manifest *m)
{
        descriptor_release(&m->config);
        for (size_t i = 0; i < m->nlayers; i++)
                descriptor_release(&m->layers[i]);
        free(m->layers);
        for (size_t i = 0; i < m->nmanifests; i++)
                descriptor_release(&m->manifests[i]);
        free(m->manifests);
        *m = (struct image_manifest){ 0 };
}

static char *opt_string(json_t *o, const char *key)
{
        json_t *v = json_object_get(o, key);

        return json_is_string(v) ? eng_xstrdup(json_string_value(v)) : NULL;
}

static int parse_descriptor(json_t *o, const char *what, struct image_descriptor *ret,
                            struct eng_error **err)
{
        json_t *digest = json_object_get(o, "digest");
        json_t *size = json_object_get(o, "size");
        json_t *platform = json_object_get(o, "platform");

        if (!json_is_object(o))
                return eng_err(err, ENG_E_INVALID, 0, "%s is not an object", what);
        if (!json_is_string(digest) || !image_digest_valid(json_string_value(digest)))
                return eng_err(err, ENG_E_INVALID, 0, "%s has no valid digest", what);
        if (!json_is_integer(size) || json_integer_value(size) < 0)
                return eng_err(err, ENG_E_INVALID, 0, "%s has no valid size", what);
        *ret = (struct image_descriptor){ 0 };
        ret->media_type = opt_string(o, "mediaType");
        ret->digest = eng_xstrdup(json_string_value(digest));
        ret->size = (uint64_t) json_integer_value(size);
        if (json_is_object(platform)) {
                ret->os = opt_string(platform, "os");
                ret->arch = opt_string(platform, "architecture");
                ret->variant = opt_string(platform, "variant");
        }
        return 0;
}

static int parse_array(json_t *a, const char *what, size_t max, struct image_descriptor **ret,
                       size_t *ret_n, struct eng_error **err)
{
        size_t i, n;
        json_t *item;

        if (!json_is_array(a))
                return eng_err(err, ENG_E_INVALID, 0, "no '%s' list", what);
        n = json_array_size(a);
        if (n > max)
                return eng_err(err, ENG_E_INVALID, 0, "%zu %s: more than %zu", n, what, max);
        *ret = eng_xcalloc(n, sizeof(**ret));
        *ret_n = 0;
        json_array_foreach(a, i, item) {
                _cleanup_free_ char *name = eng_xasprintf("%s[%zu]", what, i);

                if (parse_descriptor(item, name, &(*ret)[i], err) < 0)
                        return -1;
                (*ret_n)++;
        }
        return 0;
}

static int layer_compression(struct image_descriptor *d, size_t i, struct eng_error **err)
{
        if (!d->media_type)
                return eng_err(err, ENG_E_INVALID, 0, "layers[%zu] has no mediaType", i);
        for (size_t k = 0; k < sizeof(layer_types) / sizeof(layer_types[0]); k++) {
                if (strcmp(d->media_type, layer_types[k].type) == 0) {
                        d->compression = layer_types[k].compression;
                        return 0;
                }
        }
        return eng_err(err, ENG_E_INVALID, 0,
                       "layers[%zu] has media type '%s', which is not a layer eng can unpack", i,
                       d->media_type);
}

/* The kind: Content-Type first, then the document's mediaType, then its shape. */
static int manifest_kind(json_t *root, const char *content_type, enum image_manifest_kind *ret,
                         struct eng_error **err)
{
        const char *mt = json_string_value(json_object_get(root, "mediaType"));
        json_t *schema = json_object_get(root, "schemaVersion");
        const char *types[] = { mt, content_type };

        if (json_is_integer(schema) && json_integer_value(schema) == 1)
                goto schema1;
        for (size_t i = 0; i < 2; i++) {
                const char *t = types[i];

                if (!t || !*t)
                        continue;
                if (strncmp(t, IMAGE_MT_OCI_MANIFEST, strlen(IMAGE_MT_OCI_MANIFEST)) == 0)
                        *ret = IMAGE_MANIFEST_OCI;
                else if (strncmp(t, IMAGE_MT_OCI_INDEX, strlen(IMAGE_MT_OCI_INDEX)) == 0)
                        *ret = IMAGE_INDEX_OCI;
                else if (strncmp(t, IMAGE_MT_DOCKER_MANIFEST, strlen(IMAGE_MT_DOCKER_MANIFEST)) ==
                         0)
                        *ret = IMAGE_MANIFEST_DOCKER;
                else if (strncmp(t, IMAGE_MT_DOCKER_LIST, strlen(IMAGE_MT_DOCKER_LIST)) == 0)
                        *ret = IMAGE_INDEX_DOCKER;
                else if (strncmp(t, IMAGE_MT_DOCKER_SCHEMA1, strlen(IMAGE_MT_DOCKER_SCHEMA1)) ==
                                 0 ||
                         strncmp(t, IMAGE_MT_DOCKER_SCHEMA1S, strlen(IMAGE_MT_DOCKER_SCHEMA1S)) ==
                                 0)
                        goto schema1;
                else if (i == 0)
                        return eng_err(err, ENG_E_INVALID, 0, "unknown manifest media type '%s'",
                                       t);
                else
                        continue;
                return 0;
        }
        /* OCI allows leaving mediaType out: decide by shape. */
        if (json_is_array(json_object_get(root, "manifests"))) {
                *ret = IMAGE_INDEX_OCI;
                return 0;
        }
        if (json_is_object(json_object_get(root, "config"))) {
                *ret = IMAGE_MANIFEST_OCI;
                return 0;
        }
        return eng_err(err, ENG_E_INVALID, 0, "not an image manifest or index");
schema1:
        return eng_err(
                err, ENG_E_INVALID, 0,
                "Docker schema 1 manifests are not supported (the registry or image is too old; push it again with a current tool)");
}

int image_manifest_parse(const char *data, size_t len, const char *content_type,
                         struct image_manifest *ret, struct eng_error **err)
{
        _cleanup_json_ json_t *root = NULL;
        struct image_manifest m = { 0 };
        json_error_t jerr;
        json_t *schema;

        if (len > IMAGE_MANIFEST_MAX)
                return eng_err(err, ENG_E_INVALID, 0, "the manifest is larger than %d bytes",
                               IMAGE_MANIFEST_MAX);
        root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!root)
                return eng_err(err, ENG_E_INVALID, 0, "malformed manifest JSON: %s (line %d)",
                               jerr.text, jerr.line);
        if (!json_is_object(root))
                return eng_err(err, ENG_E_INVALID, 0, "the manifest is not a JSON object");
        if (manifest_kind(root, content_type, &m.kind, err) < 0)
                return -1;
        schema = json_object_get(root, "schemaVersion");
        if (!json_is_integer(schema) || json_integer_value(schema) != 2)
                return eng_err(err, ENG_E_INVALID, 0,
                               "unsupported manifest schemaVersion (want 2)");

        if (image_manifest_is_index(&m)) {
                if (parse_array(json_object_get(root, "manifests"), "manifests", MAX_MANIFESTS,
                                &m.manifests, &m.nmanifests, err) < 0)
                        goto fail;
        } else {
                if (parse_descriptor(json_object_get(root, "config"), "config", &m.config, err) < 0)
                        goto fail;
                if (parse_array(json_object_get(root, "layers"), "layers", MAX_LAYERS, &m.layers,
                                &m.nlayers, err) < 0)
                        goto fail;
                for (size_t i = 0; i < m.nlayers; i++)
                        if (layer_compression(&m.layers[i], i, err) < 0)
                                goto fail;
        }
        *ret = m;
        return 0;
fail:
        image_manifest_release(&m);
        return -1;
}

static bool variant_ok(const struct image_descriptor *d, const char *arch, const char *variant)
{
        if (!variant)
                return true;
        /* arm64 images say "v8" or nothing: the same thing. */
        if (strcmp(arch, "arm64") == 0 && strcmp(variant, "v8") == 0 && !d->variant)
                return true;
        return d->variant && strcmp(d->variant, variant) == 0;
}

const struct image_descriptor *image_index_select(const struct image_manifest *m, const char *os,
                                                  const char *arch, const char *variant,
                                                  struct eng_error **err)
{
        _cleanup_strbuf_ struct eng_strbuf have = ENG_STRBUF_INIT;

        for (size_t i = 0; i < m->nmanifests; i++) {
                const struct image_descriptor *d = &m->manifests[i];

                if (d->os && d->arch && strcmp(d->os, os) == 0 && strcmp(d->arch, arch) == 0 &&
                    variant_ok(d, arch, variant))
                        return d;
        }
        for (size_t i = 0; i < m->nmanifests; i++) {
                const struct image_descriptor *d = &m->manifests[i];
                eng_strbuf_addf(&have, "%s%s/%s%s%s", have.len ? ", " : "", d->os ? d->os : "?",
                                d->arch ? d->arch : "?", d->variant ? "/" : "",
                                d->variant ? d->variant : "");
        }
        eng_err(err, ENG_E_NOTFOUND, 0, "no image for %s/%s%s%s in the index (it has: %s)", os,
                arch, variant ? "/" : "", variant ? variant : "",
                have.len ? eng_strbuf_str(&have) : "nothing");
        return NULL;
}
