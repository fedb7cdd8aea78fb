/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_RUNTIME_OCI_OCI_H
#define ENG_RUNTIME_OCI_OCI_H

/*
 * The low-level runtime, like crun: an OCI runtime config.json and a root
 * file system in, a process in its own namespaces out.  It knows nothing of
 * images or the store; `eng run` and `eng-runtime` both drive it.
 *
 * One extension of the OCI format: a mount whose destination is "/" is
 * mounted onto root.path before anything else, inside the container's user
 * and mount namespaces.  That is how the container's overlay (image layers
 * plus its upper directory) becomes its root without ever being mounted on
 * the host.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "common/error.h"
#include "common/userns.h"

/* the version of the OCI runtime spec this runtime follows */
#define OCI_VERSION "1.0.2"

struct oci_mount {
        char *destination;
        char *type;
        char *source;
        char **options;
};

struct oci_rlimit {
        int resource;
        uint64_t soft;
        uint64_t hard;
};

struct oci_process {
        bool terminal;
        unsigned short console_height;
        unsigned short console_width;
        uint32_t uid;
        uint32_t gid;
        uint32_t *additional_gids;
        size_t nadditional_gids;
        char **args;
        char **env;
        char *cwd;
        bool has_caps;
        uint64_t cap_bounding;
        uint64_t cap_effective;
        uint64_t cap_permitted;
        uint64_t cap_inheritable;
        uint64_t cap_ambient;
        bool no_new_privileges;
        struct oci_rlimit *rlimits;
        size_t nrlimits;
        bool has_umask;
        mode_t umask;
        bool has_oom_score_adj;
        int oom_score_adj;
        bool keep_groups; /* the runtime's supplementary groups stay (no setgroups) */
};

/* The namespaces a container can have, in the order they are joined. */
enum oci_ns {
        OCI_NS_USER,
        OCI_NS_MOUNT,
        OCI_NS_PID,
        OCI_NS_UTS,
        OCI_NS_IPC,
        OCI_NS_NET,
        OCI_NS_CGROUP,
        OCI_NS_COUNT,
};

/* An OCI hook: a program run with the container's state on its stdin. */
struct oci_hook {
        char *path;
        char **args;
        char **env;  /* NULL: the runtime's own environment (runc, crun) */
        int timeout; /* seconds, 0 for none */
};

/* The hooks of the OCI life cycle, in the order they run. */
enum oci_hook_kind {
        /* createRuntime (and the older prestart), in the runtime's namespaces
         * once the container's exist, before its root is mounted */
        OCI_HOOK_CREATE_RUNTIME,
        /* createContainer: in the container's mount namespace, its mounts
         * made, before pivot_root */
        OCI_HOOK_CREATE_CONTAINER,
        /* startContainer: in the container, at start, before its command */
        OCI_HOOK_START_CONTAINER,
        /* poststart: in the runtime's namespaces once the command runs;
         * poststop: once the container is deleted.  Failures only warn. */
        OCI_HOOK_POSTSTART,
        OCI_HOOK_POSTSTOP,
        OCI_HOOK_COUNT,
};

struct oci_hooks {
        struct oci_hook *v;
        size_t n;
};

/* linux.devices: a device node made in the container's /dev */
struct oci_device {
        char *path;
        mode_t type; /* S_IFCHR, S_IFBLK or S_IFIFO */
        unsigned int major, minor;
        mode_t mode; /* permission bits, 0666 when not given */
        uint32_t uid, gid;
};

struct oci_spec {
        json_t *json; /* the whole document, kept for seccomp and annotations */
        struct oci_hooks hooks[OCI_HOOK_COUNT];
        char *root_path;
        bool root_readonly;
        char *hostname;
        char *domainname;
        struct oci_device *devices;
        size_t ndevices;
        struct oci_process process;
        struct oci_mount *mounts;
        size_t nmounts;
        bool ns_new[OCI_NS_COUNT];   /* a new namespace of this kind */
        char *ns_path[OCI_NS_COUNT]; /* or join this one */
        struct eng_idmap idmap;      /* linux.uidMappings / gidMappings */
        char **masked_paths;
        char **readonly_paths;
        json_t *sysctl;  /* borrowed from json */
        json_t *seccomp; /* borrowed from json, or NULL */
        unsigned long rootfs_propagation;
        bool has_resources;      /* limits that need a cgroup */
        char *resources_summary; /* which ones, for the error */
        /* linux.resources: 0 where not set */
        int64_t memory_limit, memory_swap;     /* bytes; swap is memory plus swap, -1 unlimited */
        int64_t cpu_quota, cpu_period;         /* microseconds */
        int64_t cpu_shares;                    /* v1's cpu.shares (v2's cpu.weight from it) */
        int64_t cpu_rt_runtime, cpu_rt_period; /* microseconds, v1 only */
        char *cpuset_cpus, *cpuset_mems;       /* "0-3", or NULL */
        int64_t pids_limit;
        /* linux.resources itself (borrowed from json), for the rest of it:
         * devices rules, hugepageLimits, blockIO, network, memory's others */
        json_t *resources;
        /* linux.cgroupsPath, beneath the cgroup v2 mount; NULL: no cgroup of its own */
        char *cgroups_path;
};

/**
 * oci_spec_parse() - read a config.json document
 * @json: the document; a reference is taken
 * @bundle: directory relative paths (root.path) are resolved against, or NULL
 * Return: a spec freed with oci_spec_free(), or NULL with ENG_E_INVALID
 *         naming the bad field.
 */
struct oci_spec *oci_spec_parse(json_t *json, const char *bundle, struct eng_error **err);

/** oci_spec_load() - oci_spec_parse() of BUNDLE/config.json */
struct oci_spec *oci_spec_load(const char *bundle, struct eng_error **err);

/** oci_spec_load_file() - oci_spec_load() of @config, relative to @bundle unless absolute */
struct oci_spec *oci_spec_load_file(const char *bundle, const char *config, struct eng_error **err);

struct oci_spec *oci_spec_free(struct oci_spec *spec);

/**
 * oci_spec_example() - the config.json "spec" writes, as runc and crun make
 * it: sh in a root file system "rootfs", with a terminal; @rootless adds a
 * user namespace mapping 0 to the calling user and drops what a user cannot
 * have (the network namespace stays, /sys is bound).  Caller frees with
 * json_decref().
 */
json_t *oci_spec_example(bool rootless);

/**
 * oci_features() - what "features" prints (runc's format): the spec
 * versions, hooks, mount options, namespaces, capabilities, cgroup and
 * seccomp support this runtime has.  Caller frees with json_decref().
 */
json_t *oci_features(void);

/** oci_seccomp_version() - the libseccomp version in use, "2.5.4" (static) */
const char *oci_seccomp_version(void);

/** oci_cap_parse() - "CAP_CHOWN" or "chown" to its number; -1 if unknown */
int oci_cap_parse(const char *name);

/** oci_cap_name() - "CAP_CHOWN" for 0 and so on, NULL past the last known one */
const char *oci_cap_name(int cap);

/** oci_signal_parse() - "TERM", "SIGTERM" or "15" to its number; -1 if unknown */
int oci_signal_parse(const char *name);

/** oci_default_caps - podman's default capability set, as a bit mask */
extern const uint64_t oci_default_caps;

/* How oci_container_start() starts the process. */
struct oci_start_opts {
        /* When set: the process waits, fully set up, for this fifo to be
         * opened for reading ("start") before it executes. */
        const char *exec_fifo;
        /* -1, or a unix socket the pty master goes to (--console-socket) */
        int console_socket;
        /* With a terminal and no console socket: the master comes back here. */
        int *ret_pty_master;
        /* Without a terminal, when set: the process's stdout and stderr are
         * pipes whose read ends come back here (-1 with a terminal). */
        int *ret_output;
        /* Kill the container when the calling process dies. */
        bool die_with_parent;
        /* Fds 3..3+N-1 stay open in the process (LISTEN_FDS, --preserve-fds). */
        unsigned int preserve_fds;
        /* Redirect stdin from /dev/null (no -i). */
        bool null_stdin;
        /* Where compiled seccomp programs are kept, or NULL. */
        const char *seccomp_cache;
        /* For the state hooks read: the container's id and bundle, or NULL. */
        const char *id;
        const char *bundle;
        /* LISTEN_FDS came to the runtime (socket activation): the process
         * gets LISTEN_PID, its own pid, unless its environment sets one. */
        bool listen_pid;
};

/**
 * oci_hooks_run() - run @spec's hooks of @kind in turn, each given the
 * state (@id, @bundle, @status, @pid; @pid <= 0 leaves it out) on stdin.
 * A createRuntime, createContainer or startContainer hook that fails or
 * outlives its timeout is the error; poststart and poststop failures are
 * logged as warnings and the rest still run (OCI runtime spec).
 */
int oci_hooks_run(const struct oci_spec *spec, enum oci_hook_kind kind, const char *id,
                  const char *bundle, const char *status, pid_t pid, struct eng_error **err);

/**
 * oci_container_start() - make the namespaces, mounts and process of @spec
 *
 * Returns once the process has executed its command (or, with
 * @opts->exec_fifo, is ready and waiting for it).  Every failure before that
 * point, in the child too, comes back here as an error: a missing command is
 * ENG_E_EXEC with ENOENT and names the file.
 * @ret_pid: the process, as this (the host) pid namespace sees it
 */
int oci_container_start(const struct oci_spec *spec, const struct oci_start_opts *opts,
                        pid_t *ret_pid, struct eng_error **err);

/* What oci_exec() runs in a running container. */
struct oci_exec_opts {
        const struct oci_process *process;
        int console_socket;
        int *ret_pty_master;
        bool null_stdin;
        json_t *seccomp; /* the container's profile, or NULL */
        const char *seccomp_cache;
        unsigned int preserve_fds;
        const char *cgroups_path; /* the container's cgroup (its spec's), joined too; or NULL */
};

/*
 * Cgroups (cgroup v2 only).  oci_cgroup_create() makes @spec's cgroup
 * (linux.cgroupsPath), enables the controllers its limits need in the
 * parent, and writes the limits; oci_cgroup_enter() moves @pid in;
 * oci_cgroup_remove() removes the (empty) cgroup of @cgroups_path, waiting
 * a little for its last processes to be reaped; a missing one is fine
 * (@err may be NULL: no error made).
 */
int oci_cgroup_create(const struct oci_spec *spec, struct eng_error **err);
int oci_cgroup_enter(const struct oci_spec *spec, pid_t pid, struct eng_error **err);
int oci_cgroup_remove(const char *cgroups_path, struct eng_error **err);

/**
 * oci_cgroup_update() - write @spec's limits (runc update) into the cgroups
 * oci_cgroup_create() made for the container
 */
int oci_cgroup_update(const struct oci_spec *spec, struct eng_error **err);

/**
 * oci_cgroup_freeze() - freeze (pause) or thaw (resume) the processes of the
 * cgroup @cgroups_path with cgroup v2's cgroup.freeze, and wait until the
 * kernel says it is done; a container with no cgroup cannot be paused
 */
int oci_cgroup_freeze(const char *cgroups_path, bool freeze, struct eng_error **err);

/**
 * oci_cgroup_stats() - the usage figures of the cgroup @cgroups_path as the
 * "data" of runc's stats event: cpu (ns), memory and pids, where the
 * cgroup (v2, or the host's root's v1 hierarchies) has them
 */
json_t *oci_cgroup_stats(const char *cgroups_path, struct eng_error **err);

/** oci_cgroup_frozen() - whether @cgroups_path (NULL: none) is frozen */
bool oci_cgroup_frozen(const char *cgroups_path);

/**
 * oci_cgroup_pids() - the processes in the cgroup @cgroups_path and the
 * cgroups below it; *@ret is freed by the caller
 */
int oci_cgroup_pids(const char *cgroups_path, pid_t **ret, size_t *ret_n, struct eng_error **err);

/**
 * oci_exec() - start @opts->process inside the namespaces of the running
 * process @pid (user first, then the rest), with its root directory.
 * @ret_pid: the new process, for the caller to wait on
 */
int oci_exec(pid_t pid, const bool ns_shared[OCI_NS_COUNT], const struct oci_exec_opts *opts,
             pid_t *ret_pid, struct eng_error **err);

/**
 * oci_process_parse() - a "process" object (config.json, or exec's
 * --process file) into @ret; released with oci_process_release()
 */
int oci_process_parse(json_t *process, struct oci_process *ret, struct eng_error **err);
void oci_process_release(struct oci_process *p);

/* A compiled seccomp filter: BPF instructions, and the seccomp(2) flags. */
struct oci_seccomp_prog {
        void *filter; /* struct sock_filter[len] */
        size_t len;
        unsigned int flags;
};

/**
 * oci_seccomp_compile() - the BPF program of the OCI seccomp object @seccomp,
 * made with libseccomp; syscall names this libseccomp or architecture does
 * not know are skipped, as crun and runc do.  Compiling a profile of some
 * 400 rules for three architectures takes milliseconds, so with @cache_dir
 * the program is kept there, named by a digest of the object, the
 * libseccomp version and the architecture.
 * Return: a program freed with oci_seccomp_prog_free(), or NULL with *err.
 */
struct oci_seccomp_prog *oci_seccomp_compile(json_t *seccomp, const char *cache_dir,
                                             struct eng_error **err);
struct oci_seccomp_prog *oci_seccomp_prog_free(struct oci_seccomp_prog *p);

/**
 * oci_seccomp_load() - load @p into this process (seccomp(2)); with a
 * listenerPath in its profile, *@ret_listener is the notify fd (else -1)
 */
int oci_seccomp_load(const struct oci_seccomp_prog *p, int *ret_listener, struct eng_error **err);

/* Where a seccomp notify fd goes (linux.seccomp.listenerPath), with what. */
struct oci_seccomp_listener {
        const char *path;
        const char *metadata; /* listenerMetadata, or NULL */
        const char *id, *bundle;
        pid_t pid;
};

/**
 * oci_seccomp_send_listener() - connect to @l->path and send it @fd with
 * the container's process state (OCI runtime spec 1.0.2)
 */
int oci_seccomp_send_listener(const struct oci_seccomp_listener *l, int fd, struct eng_error **err);

/**
 * oci_seccomp_from_profile() - the OCI seccomp object of a docker/podman
 * profile for this machine's architecture and the capabilities @caps (the
 * profile's "includes"/"excludes" decide which rules apply).  New reference.
 */
json_t *oci_seccomp_from_profile(json_t *profile, uint64_t caps);

/** oci_seccomp_load_file() - read a profile file (docker/podman seccomp.json) */
json_t *oci_seccomp_load_file(const char *path, struct eng_error **err);

/* how long a foreground container has after INT or TERM was passed on to it */
#define OCI_FOREGROUND_GRACE_MS 10000

/**
 * oci_foreground() - stay with the container process @pid until it exits:
 * signals sent to us (INT, TERM, HUP, QUIT, USR1, USR2) go on to it; after
 * INT or TERM it is killed when it is still there OCI_FOREGROUND_GRACE_MS
 * later, or at once on a second INT or TERM (a process 1 without a handler
 * never receives them); with a
 * pty @master (else -1) our stdin is copied into it and its output to our
 * stdout, our terminal is raw meanwhile and restored on every way out, and
 * the window size follows SIGWINCH.  @forward_stdin: copy stdin (-i); its
 * EOF becomes the pty's end-of-file character.
 * @ret_status: exit status, 128 + signal when it was killed
 */
int oci_foreground(pid_t pid, int master, bool forward_stdin, int *ret_status,
                   struct eng_error **err);

/* What oci_foreground_io() relays. */
struct oci_foreground_io {
        int master;         /* a pty master, or -1 */
        int out[2];         /* without one: the process's stdout and stderr pipes, or -1 */
        int log_fd;         /* a k8s-file log (common/k8slog.h) the output also goes to, or -1 */
        bool forward_stdin; /* with @master: copy our stdin in */
};

/**
 * oci_foreground_io() - oci_foreground() with the process's output also
 * read from pipes (@io->out, to our stdout and stderr) and written to a log
 */
int oci_foreground_io(pid_t pid, const struct oci_foreground_io *io, int *ret_status,
                      struct eng_error **err);

#endif
