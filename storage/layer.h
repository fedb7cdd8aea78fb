/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_STORAGE_LAYER_H
#define ENG_STORAGE_LAYER_H

/*
 * Unpacking a layer (a tar stream, gzip, zstd or uncompressed) into a
 * directory the mount drivers read:
 *
 * - inside a user namespace with the caller's id mapping, so owners are the
 *   image's; an owner outside the mapping becomes 65534 (nobody) and the
 *   real owner and mode are kept in the user.containers.override_stat
 *   extended attribute (fuse-overlayfs' convention);
 * - OCI whiteouts become what kernel overlayfs (userxattr) reads: ".wh.NAME"
 *   a 0/0 character device NAME, ".wh..wh..opq" the user.overlay.opaque
 *   attribute on its directory;
 * - every name is resolved beneath the layer directory (openat2
 *   RESOLVE_IN_ROOT); an entry with a ".." component fails the unpack;
 * - hardlinks, symlinks, setuid bits, xattrs and times are kept; device
 *   nodes, which a user namespace cannot make, are skipped.
 */

#include <stdint.h>

#include "common/error.h"
#include "common/userns.h"

struct storage_unpack_result {
        char *diff_id; /* "sha256:..." of the uncompressed tar */
        uint64_t size; /* bytes of file data */
        uint64_t entries;
        uint64_t overflow;    /* entries whose owner is outside the mapping */
        char *first_overflow; /* the first of them */
        uint64_t devices;     /* device nodes skipped */
};

void storage_unpack_result_release(struct storage_unpack_result *r);

/**
 * storage_layer_unpack_start() - start unpacking the stream read from @fd
 * into @dir/diff (which must not exist) in a user namespace with @map, by
 * the helper program eng-unpack (storage/unpack.h), found next to the
 * running program or in the package's libexec directory
 * @expected_diff_id: what the image config says the uncompressed tar's
 *                    digest is; a mismatch fails the unpack
 * @data_fd: -1, or a file the caller appends the stream to (read from its
 *           current offset); then @fd only signals, as storage_unpack_run()
 *           says
 *
 * The caller feeds @fd (a pipe), closes its end, then calls
 * storage_layer_unpack_finish().
 */
int storage_layer_unpack_start(const char *dir, const struct eng_idmap *map, int fd, int data_fd,
                               const char *expected_diff_id, struct eng_userns_child *ret,
                               struct eng_error **err);

/**
 * storage_layer_unpack_finish() - wait for the unpacker and read its
 * result (from @dir/unpack.json, which it removes)
 */
int storage_layer_unpack_finish(const char *dir, struct eng_userns_child *child,
                                struct storage_unpack_result *ret, struct eng_error **err);

#endif
