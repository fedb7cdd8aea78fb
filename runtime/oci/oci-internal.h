/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_RUNTIME_OCI_OCI_INTERNAL_H
#define ENG_RUNTIME_OCI_OCI_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/oci/oci.h"

/* Mount options split into mount(2) flags, propagation and the data string. */
struct oci_mount_flags {
        unsigned long flags;
        unsigned long propagation;
        /* the recursive options (rro, rnosuid, ...): MOUNT_ATTR_* for mount_setattr() */
        uint64_t attr_set;
        uint64_t attr_clr;
        char *data; /* heap, "" when none */
};

void oci_mount_options_parse(char *const *options, struct oci_mount_flags *ret);

/**
 * oci_ensure_beneath() - an O_PATH fd of @path beneath @rootfd (symbolic
 * links resolved inside it), creating what is missing: directories, and
 * for the last component an empty file unless @is_dir
 */
int oci_ensure_beneath(int rootfd, const char *path, bool is_dir, struct eng_error **err);

/**
 * oci_setup_rootfs() - in the container's mount namespace: mount the root
 * and the spec's mounts, add the default devices (only to a /dev it mounted
 * itself) and linux.devices, run the createContainer hooks (@opts' id and
 * bundle in their state), pivot_root, mask and make read-only what the spec
 * says.  The working directory is created.
 */
int oci_setup_rootfs(const struct oci_spec *spec, const struct oci_start_opts *opts,
                     const int *dev_fds, struct eng_error **err);

/*
 * oci_devices_precreate() - as the host's root, before a container with a
 * user namespace is made: its linux.devices, which it cannot make itself
 * (and whose nodes on a tmpfs of its own would not open), made on a tmpfs
 * of ours, owned by the host's ids of theirs, each as a detached mount
 * (open_tree) oci_setup_rootfs() moves into place, as crun does.  NULL
 * when none is needed or they cannot be made (the host's nodes are bound
 * then); oci_devices_release() closes them.
 */
int *oci_devices_precreate(const struct oci_spec *spec);
void oci_devices_release(const struct oci_spec *spec, int *fds);

/* the mount options oci_mount_options_parse() knows, as a JSON array */
json_t *oci_mount_option_names(void);

/* the seccomp part of oci_features(): actions, operators, architectures */
json_t *oci_seccomp_features(void);

/* the directory of linux.cgroupsPath @cgroups_path: beneath the cgroup2 mount */
char *oci_cgroup_dir(const char *cgroups_path, struct eng_error **err);

/* the directories of linux.cgroupsPath @cgroups_path that exist in the v1
 * hierarchies of the limits' controllers (the host's root's containers on
 * a hybrid machine); an empty list elsewhere */
char **oci_cgroup_v1_dirs(const char *cgroups_path);

/* the names of the v1 hierarchies ("memory", "cpu,cpuacct", "systemd") in
 * which @cgroups_path exists, whoever asks (the container, in its user
 * namespace, sees the cgroups the runtime made) */
char **oci_cgroup_v1_names(const char *cgroups_path);

/* What oci_process_finish() needs besides the process. */
struct oci_finish {
        const struct oci_seccomp_prog *seccomp; /* or NULL */
        int sync_fd;
        /* when >= 0 (create): "ready" goes to sync_fd and the process waits
         * for the fifo to be opened before it executes */
        int exec_fifo_fd;
        bool listen_pid; /* LISTEN_PID=<our pid> unless the environment has one */
        /* PR_SET_PDEATHSIG again after the user changes (a uid change clears
         * it), and go if the parent is gone already (sync_fd hung up) */
        bool die_with_parent;
        /* the container's spec, whose startContainer hooks run just before
         * the command (with @id and @bundle in their state); NULL for exec */
        const struct oci_spec *spec;
        const char *id;
        const char *bundle;
};

/**
 * oci_process_finish() - the last steps of a container process, shared by
 * start and exec: rlimits, umask, oom_score_adj, HOME (from the container's
 * /etc/passwd when the environment has none), working directory,
 * no_new_privs, capabilities, user and groups, seccomp, then execve of
 * args[0] looked up in the process's PATH.
 * Returns only on failure, with the error set.
 */
int oci_process_finish(const struct oci_process *p, const struct oci_finish *f,
                       struct eng_error **err);

/**
 * oci_setup_terminal() - open a pty in the container's devpts, make its
 * slave our controlling terminal and stdio, and hand the master to
 * @console_socket, or (when -1) to the parent over @sync_fd
 */
int oci_setup_terminal(const struct oci_process *p, int console_socket, int sync_fd,
                       struct eng_error **err);

/* Sync records between a container child and the process starting it. */
#define OCI_SYNC_READY   'r' /* set up; waiting on the exec fifo */
#define OCI_SYNC_PTY     't' /* carries the pty master */
#define OCI_SYNC_PID     'p' /* exec: followed by the pid of the process */
#define OCI_SYNC_SECCOMP 's' /* carries the seccomp notify fd (listenerPath) */

/**
 * oci_sync_wait() - the starting side: read records until the child
 * executes (end of file), is ready, or fails; a pty master is stored in
 * *ret_master, a pid record in *ret_pid; a seccomp notify fd goes on to
 * @listener at once (the process may block on it before it executes), or
 * is closed when @listener is NULL.
 */
int oci_sync_wait(int sync_fd, int *ret_master, pid_t *ret_pid, bool *ret_ready,
                  const struct oci_seccomp_listener *listener, struct eng_error **err);

#endif
