/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_STORAGE_OVL_H
#define ENG_STORAGE_OVL_H

/*
 * eng-overlayfs: an overlay file system on libfuse3's low-level API, for
 * where native overlayfs cannot be mounted in a user namespace.  Its
 * command line is fuse-overlayfs':
 *
 *	eng-overlayfs -o lowerdir=L1:L2,upperdir=U,workdir=W[,uidmapping=..][,..] MOUNTPOINT
 *
 * It reads the layers the store writes (0/0 character-device whiteouts,
 * "user.overlay.opaque" directories, owners in
 * "user.containers.override_stat") and plain OCI trees (".wh." files,
 * ".wh..wh..opq" markers).
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

/* uidmapping=/gidmapping=: "CONTAINER:HOST:SIZE" ranges, ':'-separated */
struct ovl_idmap {
        struct {
                unsigned long inside, outside, count;
        } * r;
        size_t n;
};

struct storage_ovl_opts {
        char **lowerdirs; /* top first */
        const char *upperdir;
        const char *workdir;
        struct ovl_idmap uid_map, gid_map;
        bool squash_to_root;
        long squash_to_uid, squash_to_gid; /* -1: none */
        bool debug;
        double timeout; /* kernel cache of entries and attributes, seconds */
};

/**
 * storage_ovl_parse_options() - take what eng-overlayfs understands out of
 * a comma-separated -o list into @o; the rest (FUSE's own: allow_other,
 * ...) is appended to *@fuse_opts.  Unknown options of fuse-overlayfs that
 * change nothing here (noacl, fast_ino, ...) are accepted.
 */
int storage_ovl_parse_options(const char *list, struct storage_ovl_opts *o, char **fuse_opts,
                              struct eng_error **err);

void storage_ovl_opts_release(struct storage_ovl_opts *o);

/**
 * storage_ovl_main() - mount @mountpoint and serve it until it is
 * unmounted; @foreground keeps the terminal, else the process daemonizes
 * once the mount is made.
 * @hook_pid: not 0: an OCI createRuntime hook of that container process:
 *   the mount is made in its user and mount namespaces, and the daemon
 *   then keeps a mount namespace of its own without the mount, so that the
 *   mount (and the daemon) end when the container's namespace does.
 * Return: the exit status.
 */
int storage_ovl_main(const struct storage_ovl_opts *o, const char *mountpoint,
                     const char *fuse_opts, bool foreground, pid_t hook_pid,
                     struct eng_error **err);

#endif
