/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_STORAGE_MOUNT_H
#define ENG_STORAGE_MOUNT_H

/*
 * Mount drivers of the container root file system: native overlayfs inside
 * the user namespace ("overlay"), our FUSE overlay eng-overlayfs
 * ("fuse-overlay"), or a plain copy ("vfs").  This header has what decides
 * between them; the mounts themselves are made by the runtime (the overlay as
the spec's root mount) and by eng-overlayfs (storage/ovl.h).
 */

#include <stdbool.h>

#include "common/error.h"
#include "common/userns.h"

enum storage_driver {
        STORAGE_DRIVER_OVERLAY,
        STORAGE_DRIVER_FUSE_OVERLAY,
        STORAGE_DRIVER_VFS,
};

/** storage_driver_name() - "overlay", "fuse-overlay" or "vfs" */
const char *storage_driver_name(enum storage_driver d);

/**
 * storage_driver_parse() - a driver from its name; "fuse-overlayfs" is
 * taken for "fuse-overlay".  Unknown names fail with ENG_E_USAGE listing the
 * known ones.
 */
int storage_driver_parse(const char *name, enum storage_driver *ret, struct eng_error **err);

/**
 * storage_overlay_probe() - whether native overlayfs can be mounted inside a
 * user namespace on the file system of @graph_root
 *
 * Makes @graph_root if missing, mounts a small overlay (with "userxattr")
 * in a child in a new user and mount namespace with @map, writes through
 * it, and removes everything again.  Return: 0 when it works; negative
 * with *err saying why not.
 */
int storage_overlay_probe(const char *graph_root, const struct eng_idmap *map,
                          struct eng_error **err);

/**
 * storage_fuse_probe() - whether /dev/fuse can be opened for reading and
 * writing, as a FUSE mount inside a user namespace needs.
 */
int storage_fuse_probe(struct eng_error **err);

/**
 * storage_driver_choose() - the driver to use
 * @requested: the driver asked for (--storage-driver or the config), or NULL
 * @overlay_ok, @fuse_ok: what the probes found
 * @ret_reason: why this one (a heap string the caller frees)
 */
enum storage_driver storage_driver_choose(const enum storage_driver *requested, bool overlay_ok,
                                          bool fuse_ok, char **ret_reason);

#endif
