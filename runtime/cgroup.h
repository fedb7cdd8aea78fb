/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_RUNTIME_CGROUP_H
#define ENG_RUNTIME_CGROUP_H

/*
 * Cgroups of rootless containers.  A rootless container gets a cgroup only
 * from a delegated cgroup v2 tree (systemd's user@.service Delegate=yes, or
 * one an administrator chowned to the user); without one, containers run in
 * the cgroup of the eng command and resource limits are refused.
 */

#include <stdbool.h>

#include "common/error.h"

enum runtime_cgroup_version {
        RUNTIME_CGROUP_NONE,   /* no cgroup file system mounted */
        RUNTIME_CGROUP_V1,     /* legacy hierarchies only */
        RUNTIME_CGROUP_HYBRID, /* v1 hierarchies plus v2 at .../unified */
        RUNTIME_CGROUP_V2,     /* unified */
};

struct runtime_cgroup_info {
        enum runtime_cgroup_version version;
        char *v2_mount;     /* where cgroup2 is mounted, or NULL */
        char *own_path;     /* our cgroup v2 directory (mount + /proc/self/cgroup "0::") */
        char **controllers; /* controllers available in our cgroup (cgroup.controllers) */
        bool delegated;     /* own_path is ours to create children in */
        char *detail;       /* why not delegated, or what was found */
};

/** runtime_cgroup_version_name() - "none", "v1", "hybrid" or "v2" */
const char *runtime_cgroup_version_name(enum runtime_cgroup_version v);

/**
 * runtime_cgroup_probe() - find the cgroup layout and whether we have a
 * delegated v2 tree.  Reads /proc/self/mountinfo and /proc/self/cgroup and
 * checks the owner and permissions of our cgroup directory; creates
 * nothing.  Release with runtime_cgroup_info_release().
 */
int runtime_cgroup_probe(struct runtime_cgroup_info *ret, struct eng_error **err);

void runtime_cgroup_info_release(struct runtime_cgroup_info *info);

/**
 * runtime_cgroup_place() - where containers with limits get their cgroups:
 * beside our own (a cgroup with processes of its own cannot share
 * controllers out to children), so in our cgroup's parent, which must be
 * delegated to us too (owned, writable) and offer each controller in
 * @need (NULL-terminated: "memory", "cpu", "pids").  Returns the parent's
 * path beneath the cgroup v2 mount in @ret_path, or -1 with an error that
 * says what is missing.
 */
int runtime_cgroup_place(const struct runtime_cgroup_info *info, const char *const *need,
                         char **ret_path, struct eng_error **err);

#endif
