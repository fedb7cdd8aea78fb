/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_STORAGE_STORE_H
#define ENG_STORAGE_STORE_H

/*
 * The store (docs/internals/store.md):
 *
 *	ROOT/store.lock              flock(2): held while records change
 *	ROOT/tmp/                    work in progress, renamed into place
 *	ROOT/blobs/sha256/HEX        manifests and configs, verified
 *	ROOT/layers/CHAINHEX/diff/   an unpacked layer, one per chain ID
 *	ROOT/layers/CHAINHEX/layer.json
 *	ROOT/images/IDHEX/image.json the image: names, digests, layers
 *
 * Everything lands under tmp/ and is renamed into place, so a crash leaves
 * either nothing or a whole record; what is left in tmp/ is removed by the
 * next writer.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/error.h"
#include "common/userns.h"

struct storage_store {
        char *root;
        int root_fd;
        int lock_fd; /* -1 when not locked */
        int hold_fd; /* ROOT/gc.lock, shared, while pulling; -1 otherwise */
        /* The id mapping layers are unpacked with (borrowed; may be NULL). */
        const struct eng_idmap *map;
};

#define STORAGE_STORE_INIT                                               \
        {                                                                \
                .root_fd = -1, .lock_fd = -1, .hold_fd = -1, .map = NULL \
        }

/**
 * storage_store_clean_tmp() - remove the tmp/ entries whose creator is gone
 * (a killed pull's worker, a kill -9 during rm) and partial downloads over
 * a week old.  storage_store_open() does it when it has a mapping.
 */
void storage_store_clean_tmp(struct storage_store *s);

/**
 * storage_store_open() - open (and create) the store at @root
 * @map: the id mapping of the user namespace that owns the store's files
 *       (borrowed, must outlive the store); NULL when nothing will be
 *       unpacked or removed
 *
 * Close with storage_store_close().
 */
int storage_store_open(struct storage_store *s, const char *root, const struct eng_idmap *map,
                       struct eng_error **err);

/**
 * storage_remove_tree() - remove @path and all below it, inside the user
 * namespace when the store has a mapping: files of subordinate ids cannot be
 * removed from outside it.
 */
int storage_remove_tree(struct storage_store *s, const char *path, struct eng_error **err);
void storage_store_close(struct storage_store *s);

/** storage_store_lock() - take the store lock (blocks); storage_store_unlock() drops it */
int storage_store_lock(struct storage_store *s, struct eng_error **err);
void storage_store_unlock(struct storage_store *s);

/*
 * The store lock held until the end of a block, however it is left:
 *
 *	_cleanup_store_unlock_ struct storage_store *locked = storage_store_lock_guard(s, err);
 *
 *	if (!locked)
 *		return -1;
 */
static inline struct storage_store *storage_store_lock_guard(struct storage_store *s,
                                                             struct eng_error **err)
{
        return storage_store_lock(s, err) < 0 ? NULL : s;
}
static inline void storage_store_unlockp(struct storage_store **s)
{
        if (*s)
                storage_store_unlock(*s);
}
#define _cleanup_store_unlock_ __attribute__((cleanup(storage_store_unlockp)))

/**
 * storage_tmpdir() - a new private directory under ROOT/tmp (heap path).
 * Remove it with eng_rm_rf(), or rename it into place.
 */
char *storage_tmpdir(struct storage_store *s, const char *prefix, struct eng_error **err);

/* --- blobs (manifests, configs) */

/** storage_blob_path() - ROOT/blobs/sha256/HEX for "sha256:HEX" (heap) */
char *storage_blob_path(struct storage_store *s, const char *digest);

/** storage_blob_put() - store @len bytes as blob @digest (atomically; the caller verified it) */
int storage_blob_put(struct storage_store *s, const char *digest, const void *data, size_t len,
                     struct eng_error **err);

/** storage_blob_get() - read blob @digest (at most @max bytes; caller frees *ret_data) */
int storage_blob_get(struct storage_store *s, const char *digest, size_t max, char **ret_data,
                     size_t *ret_len, struct eng_error **err);

/* --- layers */

/** storage_layer_dir() - ROOT/layers/HEX for chain ID "sha256:HEX" (heap) */
char *storage_layer_dir(struct storage_store *s, const char *chain_id);

/** storage_layer_exists() - whether the layer @chain_id is stored whole */
bool storage_layer_exists(struct storage_store *s, const char *chain_id);

/** storage_layer_info() - the layer.json of @chain_id (caller decrefs), or NULL with *err */
json_t *storage_layer_info(struct storage_store *s, const char *chain_id, struct eng_error **err);

/**
 * storage_layer_commit() - move an unpacked layer into place
 * @tmp: a storage_tmpdir() holding diff/; layer.json is written into it
 * @info: what layer.json says (chain_id, diff_id, parent, size, ...); borrowed
 *
 * If another pull stored the same layer meanwhile, @tmp is removed and
 * that one kept.
 */
int storage_layer_commit(struct storage_store *s, const char *tmp, const char *chain_id,
                         json_t *info, struct eng_error **err);

/* --- images */

/**
 * storage_image_put() - store or update the image record @image (an object
 * with "id", "names", "digests", "layers", ...), under the store lock: its
 * names are taken from any other image that had them.  Borrowed.
 */
int storage_image_put(struct storage_store *s, json_t *image, struct eng_error **err);

/** storage_image_untag() - remove the name @name from image @id */
int storage_image_untag(struct storage_store *s, const char *id, const char *name,
                        struct eng_error **err);

/**
 * storage_image_delete() - delete the record of image @id, then the layers
 * and blobs no image uses any more.  Waits for pulls that hold the store
 * (storage_store_hold()) so no layer of an image being written is taken.
 */
int storage_image_delete(struct storage_store *s, const char *id, struct eng_error **err);

/**
 * storage_store_hold() - keep garbage collection away while this process
 * adds layers and records (a shared lock on ROOT/gc.lock, held until
 * storage_store_close())
 */
int storage_store_hold(struct storage_store *s, struct eng_error **err);

/** storage_image_list() - every image record (a JSON array; caller decrefs) */
json_t *storage_image_list(struct storage_store *s, struct eng_error **err);

/**
 * storage_check() - verify the store: every image's manifest and config
 * blobs and layers are there and whole (and, with @verify_blobs, that each
 * blob's content has its digest), and nothing is left in tmp/ by a process
 * that is gone
 * @repair: remove images that are broken (their layers and blobs go with
 *          garbage collection, so the next pull fetches them again) and the
 *          leftovers
 * @ret_problems: one string per problem found (a new array)
 */
int storage_check(struct storage_store *s, bool verify_blobs, bool repair, json_t **ret_problems,
                  struct eng_error **err);

/**
 * storage_usage() - what the store holds: {"images": N, "layers": N,
 * "layers_size": BYTES, "blobs_size": BYTES} (a new object)
 */
json_t *storage_usage(struct storage_store *s, struct eng_error **err);

/** storage_chain_id() - the chain ID after @parent (NULL for the first layer) and @diff_id (heap)
 */
char *storage_chain_id(const char *parent, const char *diff_id);

#endif
