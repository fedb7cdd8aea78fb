/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_RUNTIME_SPEC_H
#define ENG_RUNTIME_SPEC_H

/*
 * The builders of a container's OCI spec, which runtime_container_spec()
 * (runtime/container.h) joins.  Each makes one part from the image's
 * config (@cfg, the "config" member of its config blob) and the options of
 * `eng run` (@o), owns what it makes until it returns it (a failure leaves
 * nothing to release), and writes no file.  Errors are ENG_E_USAGE naming
 * the option.
 */

#include <stdint.h>

#include <jansson.h>

#include "common/error.h"
#include "common/userns.h"
#include "runtime/container.h"
#include "storage/container.h"

/** runtime_spec_args() - process.args: --entrypoint or the image's, then the command or its Cmd */
int runtime_spec_args(json_t *cfg, const struct runtime_run_opts *o, json_t **ret,
                      struct eng_error **err);

/**
 * runtime_spec_env() - process.env: the image's, PATH and TERM (with -t)
 * when it has none, container=eng, HOSTNAME, then --env-file and -e in order
 */
int runtime_spec_env(json_t *cfg, const struct runtime_run_opts *o, const char *hostname,
                     json_t **ret, struct eng_error **err);

/** runtime_spec_caps() - the capability set: podman's default with --cap-add and --cap-drop */
int runtime_spec_caps(const struct runtime_run_opts *o, uint64_t *ret, struct eng_error **err);

/**
 * runtime_spec_process() - "process": args, env, cwd, the user (-u, the
 * image's, or keep-id's) resolved in the container's own /etc/passwd and
 * /etc/group as @map maps ids, @caps (in effect for root only), rlimits,
 * the terminal
 */
int runtime_spec_process(struct storage_store *s, json_t *record, json_t *cfg,
                         const struct runtime_run_opts *o, const struct eng_idmap *map,
                         const char *hostname, uint64_t caps, json_t **ret, struct eng_error **err);

/**
 * runtime_spec_mounts() - "mounts": the root overlay (for an overlay
 * @root), the kernel file systems, the files of @userdata bound on
 * /etc/hostname, /etc/hosts and /etc/resolv.conf, the tmpfs of
 * --read-only, then --tmpfs, --mount and -v, each replacing a mount of
 * the same place, and last /run/.containerenv (podman's) unless one of
 * them is there
 */
int runtime_spec_mounts(const struct runtime_run_opts *o, const struct storage_root *root,
                        const char *userdata, json_t **ret, struct eng_error **err);

/** runtime_spec_init() - --init: eng-init bound at /run/eng-init and put before the args */
int runtime_spec_init(const struct runtime_run_opts *o, json_t *process, json_t *mounts,
                      struct eng_error **err);

/**
 * runtime_spec_linux() - "linux": the namespaces (no network one for
 * host), the id mappings, masked and read-only paths, ping's sysctl in a
 * network of its own, and the resources and cgroup of -m, --cpus,
 * --pids-limit.  A new object.
 */
json_t *runtime_spec_linux(const struct runtime_run_opts *o, const struct eng_idmap *map,
                           const char *id);

/** runtime_spec_seccomp() - linux.seccomp of @linux_obj: the profile for @caps, or none
 * (unconfined) */
int runtime_spec_seccomp(const struct runtime_run_opts *o, uint64_t caps, json_t *linux_obj,
                         struct eng_error **err);

/**
 * runtime_spec_hooks() - "hooks": createRuntime runs eng-overlayfs for a
 * FUSE @root, then eng-slirp for the slirp network; *@ret NULL when there
 * is none
 */
int runtime_spec_hooks(const struct runtime_run_opts *o, const struct storage_root *root,
                       json_t **ret, struct eng_error **err);

#endif
