/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_IMAGE_PULL_H
#define ENG_IMAGE_PULL_H

/*
 * Pulling an image into the store: the manifest (an index picks the
 * platform), the config, then each layer not stored yet, streamed from the
 * registry through SHA-256 into an unpacker in a user namespace, so a layer
 * is read from the network once.  A layer becomes visible only when both its
 * blob digest and its uncompressed digest (the config's diff_id) check out,
 * and the image record only when all its layers are in place.
 */

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "common/userns.h"
#include "image/auth.h"
#include "storage/store.h"

enum image_pull_event {
        IMAGE_PULL_RESOLVED,     /* @what: the full reference */
        IMAGE_PULL_LAYER_EXISTS, /* @what: the layer's blob digest */
        IMAGE_PULL_LAYER_START,
        IMAGE_PULL_LAYER_DONE,
        IMAGE_PULL_CONFIG,      /* @what: the config digest */
        IMAGE_PULL_WARNING,     /* @what: a message to show */
        IMAGE_PULL_LAYER_BYTES, /* @what: the layer digest, @size: bytes received so far,
                                   a few times a second while it downloads */
};

struct image_pull_options {
        const char *os;      /* NULL: linux */
        const char *arch;    /* NULL: this machine's */
        const char *variant; /* NULL: any */
        bool tls_verify;
        const struct image_creds *creds; /* --creds, or NULL */
        const char *home;
        /* Where short names are looked up, in order; NULL: docker.io only. */
        const char *const *search_registries;
        /* Registries reached without TLS verification (and over plain HTTP). */
        const char *const *insecure_registries;
        /* image_registry_options.stall_seconds; 0 for the default */
        unsigned int stall_seconds;
        void (*progress)(void *arg, enum image_pull_event ev, const char *what, uint64_t size);
        void *progress_arg;
};

/**
 * image_pull() - pull @name into @store, unpacking with @map
 * @ret_id:   the image ID, "sha256:..." of the config (caller frees)
 *
 * Errors name what failed: the reference, the registry's answer with its
 * HTTP status, a digest mismatch with both digests, the unpacker's failure.
 * On failure nothing half-made becomes visible.
 */
int image_pull(struct storage_store *store, const struct eng_idmap *map, const char *name,
               const struct image_pull_options *opts, char **ret_id, struct eng_error **err);

#endif
