/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_IMAGE_MANIFEST_H
#define ENG_IMAGE_MANIFEST_H

/*
 * Manifests: the OCI image manifest and index, Docker schema 2 manifest and
 * manifest list.  Docker schema 1 is recognised and refused.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define IMAGE_MANIFEST_MAX (4 * 1024 * 1024)

#define IMAGE_MT_OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define IMAGE_MT_OCI_INDEX       "application/vnd.oci.image.index.v1+json"
#define IMAGE_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define IMAGE_MT_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define IMAGE_MT_DOCKER_SCHEMA1  "application/vnd.docker.distribution.manifest.v1+json"
#define IMAGE_MT_DOCKER_SCHEMA1S "application/vnd.docker.distribution.manifest.v1+prettyjws"

/* What a registry is asked for, best first. */
#define IMAGE_MANIFEST_ACCEPT                                                   \
        IMAGE_MT_OCI_INDEX ", " IMAGE_MT_DOCKER_LIST ", " IMAGE_MT_OCI_MANIFEST \
                           ", " IMAGE_MT_DOCKER_MANIFEST

enum image_manifest_kind {
        IMAGE_MANIFEST_OCI,
        IMAGE_MANIFEST_DOCKER,
        IMAGE_INDEX_OCI,
        IMAGE_INDEX_DOCKER,
};

enum image_compression {
        IMAGE_COMPRESSION_NONE,
        IMAGE_COMPRESSION_GZIP,
        IMAGE_COMPRESSION_ZSTD,
};

struct image_descriptor {
        char *media_type;
        char *digest;
        uint64_t size;
        /* In an index: the platform. */
        char *os;
        char *arch;
        char *variant;
        /* For a layer: how its blob is compressed. */
        enum image_compression compression;
};

struct image_manifest {
        enum image_manifest_kind kind;
        /* A manifest: */
        struct image_descriptor config;
        struct image_descriptor *layers;
        size_t nlayers;
        /* An index: */
        struct image_descriptor *manifests;
        size_t nmanifests;
};

static inline bool image_manifest_is_index(const struct image_manifest *m)
{
        return m->kind == IMAGE_INDEX_OCI || m->kind == IMAGE_INDEX_DOCKER;
}

/**
 * image_manifest_parse() - parse a manifest or index
 * @content_type: the Content-Type the registry sent, or NULL
 *
 * Checks what a pull relies on: digests well formed, sizes present, layer
 * media types known (gzip, zstd or uncompressed tar).  Schema 1 fails with
 * "not supported".  Errors are ENG_E_INVALID.  Release with
 * image_manifest_release().
 */
int image_manifest_parse(const char *data, size_t len, const char *content_type,
                         struct image_manifest *ret, struct eng_error **err);

void image_manifest_release(struct image_manifest *m);

/**
 * image_index_select() - the entry of index @m for @os/@arch[/@variant]
 * (@variant NULL: any, preferring none or this machine's)
 * Return: the descriptor (owned by @m), or NULL with ENG_E_NOTFOUND listing
 * the platforms the index has.
 */
const struct image_descriptor *image_index_select(const struct image_manifest *m, const char *os,
                                                  const char *arch, const char *variant,
                                                  struct eng_error **err);

/** image_compression_name() - "none", "gzip", "zstd" */
const char *image_compression_name(enum image_compression c);

#endif
