/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_STORAGE_UNPACK_H
#define ENG_STORAGE_UNPACK_H

/*
 * The unpacking itself (libarchive), run by the helper eng-unpack inside the
 * user namespace that storage_layer_unpack_start() (storage/layer.h) makes.
 * A helper of its own keeps libarchive, and the libraries it brings, out of
 * the eng process.
 */

#include "common/error.h"

/**
 * storage_unpack_run() - unpack the layer stream on @fd into @dir/diff
 * (which must not exist), then write @dir/unpack.json with the diff ID,
 * sizes and counts.  @expected_diff_id (or NULL) must match.
 * @data_fd: -1, or a file the stream is being appended to, read from its
 *           current offset; then @fd only signals: a byte after each
 *           append, and its end once the file is complete
 */
/**
 * storage_unpack_confine() - confine the unpacker before it reads a byte:
 * a mount namespace whose root is @dir (nothing else of the host's files
 * is reachable), only the capabilities unpacking needs (owners, modes,
 * whiteout devices, file capabilities), no_new_privs, and a seccomp filter
 * refusing mounts, sockets, execve, ptrace and the like.  Afterwards @dir
 * is "/".
 */
int storage_unpack_confine(const char *dir, struct eng_error **err);

int storage_unpack_run(const char *dir, int fd, int data_fd, const char *expected_diff_id,
                       struct eng_error **err);

#endif
