/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_STORAGE_DRIVER_H
#define ENG_STORAGE_DRIVER_H

/*
 * Storage drivers: how a container's root file system is made of its
 * image's layers.  Native overlayfs inside the user namespace ("overlay"),
 * our FUSE overlay eng-overlayfs ("fuse-overlay"), or a plain copy ("vfs").
 * Each is one entry of an ops table (its probe, how a new container is
 * prepared, how its root is mounted); what decides between them is
 * storage_driver_choose(), for `eng run` and `eng info` alike.  The mounts
 * themselves are made by the runtime (the overlay as the spec's root
 * mount) and by eng-overlayfs (storage/ovl.h).
 */

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "common/error.h"
#include "common/userns.h"

struct storage_store;

enum storage_driver {
        STORAGE_DRIVER_OVERLAY,
        STORAGE_DRIVER_FUSE_OVERLAY,
        STORAGE_DRIVER_VFS,
        STORAGE_DRIVER_COUNT,
};

/* how the runtime gets a container's root */
enum storage_root_kind {
        STORAGE_ROOT_DIR,     /* rootfs/ is the root as it is (a copy) */
        STORAGE_ROOT_OVERLAY, /* the kernel's overlay, a mount of the OCI spec */
        STORAGE_ROOT_FUSE,    /* eng-overlayfs, mounted by a hook in the container's namespaces */
};

/* --userns=keep-id: the user's uid and gid inside the container */
struct storage_keep_id {
        uint32_t uid;
        uint32_t gid;
};

struct storage_driver_ops {
        const char *name;
        /* what storage_driver_choose() says when it takes this one because
         * the drivers before it in the table do not work */
        const char *chosen_because;
        enum storage_root_kind root;
        /* whether it works here, asked now; 0, or negative with *err saying why not */
        int (*probe)(const char *graph_root, const struct eng_idmap *map, struct eng_error **err);
        /* fills the new container directory @dir (diff/ work/ rootfs/ made) from
         * @layer_dirs (their diff/ directories, lowest first); NULL: nothing to do */
        int (*prepare)(struct storage_store *s, const char *dir, char **layer_dirs,
                       const struct storage_keep_id *keep_id, struct eng_error **err);
};

/** storage_driver_ops() - the entry of @d */
const struct storage_driver_ops *storage_driver_ops(enum storage_driver d);

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
 * storage_driver_probe_fn - whether driver @d works, for
 * storage_driver_choose(): true, or false with *ret_why (heap) saying why
 */
typedef bool (*storage_driver_probe_fn)(enum storage_driver d, void *arg, char **ret_why);

/**
 * storage_driver_choose() - the driver to use: @requested (--storage-driver
 * or the configuration) when given, else the first of the table whose
 * @probe passes (overlay, fuse-overlay, vfs)
 * @ret_reason: why this one (a heap string the caller frees)
 */
enum storage_driver storage_driver_choose(const enum storage_driver *requested,
                                          storage_driver_probe_fn probe, void *arg,
                                          char **ret_reason);

/**
 * storage_driver_usable() - a storage_driver_probe_fn over the store @arg
 * (a struct storage_store): native overlay probed once per kernel and
 * remembered in ROOT/overlay.json, the others asked each time
 */
bool storage_driver_usable(enum storage_driver d, void *arg, char **ret_why);

#endif
