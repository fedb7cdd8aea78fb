/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_IMAGE_IMAGE_H
#define ENG_IMAGE_IMAGE_H

/*
 * Images in the store, by the names users give them: a full or short
 * reference ("busybox", "localhost:5000/app:1"), a reference by digest, or
 * an image ID or a unique prefix of one.
 */

#include <stdbool.h>

#include <jansson.h>

#include "common/error.h"
#include "storage/store.h"

/**
 * image_lookup() - the image record @name refers to (a new reference)
 *
 * A short name matches an image whose repository ends with it ("busybox"
 * matches "127.0.0.1:5000/eng-test/busybox:latest") when only one does.
 * Unknown names fail with ENG_E_NOTFOUND "image not known"; ambiguous ones
 * with ENG_E_USAGE naming the candidates.
 */
json_t *image_lookup(struct storage_store *s, const char *name, struct eng_error **err);

/**
 * image_remove() - what "eng rmi NAME" does: a name of an image that has
 * other names is only untagged; otherwise the image is deleted, with its
 * layers and blobs that no other image uses.  Deleting by ID an image
 * with several names needs @force.
 * @report: lines "Untagged: NAME" / "Deleted: ID" are appended (strings)
 */
int image_remove(struct storage_store *s, const char *name, bool force, json_t *report,
                 struct eng_error **err);

/**
 * image_prune() - what "eng image prune" does: delete the images without a
 * name (with @all, every image) that no container uses, running or not, as
 * podman keeps them.  The deleted IDs are appended to @ret_ids (strings).
 */
int image_prune(struct storage_store *s, bool all, json_t *ret_ids, struct eng_error **err);

/**
 * image_untag() - take the names @names (as tag and rmi take them: a short
 * name matches by its repository's last components) from the image @name,
 * or every name of it when @names is empty; the image stays, dangling when
 * it has no name left.  A name the image does not have is ENG_E_NOTFOUND.
 */
int image_untag(struct storage_store *s, const char *name, char **names, struct eng_error **err);

/** image_tag() - give the image @name the further name @target (normalised) */
int image_tag(struct storage_store *s, const char *name, const char *target,
              struct eng_error **err);

/**
 * image_inspect() - the image as "podman image inspect" shows it (a new
 * JSON object: Id, Digest, RepoTags, RepoDigests, Created, Config,
 * Architecture, Os, Size, RootFS, GraphDriver, History, ...)
 */
json_t *image_inspect(struct storage_store *s, const char *name, struct eng_error **err);

#endif
