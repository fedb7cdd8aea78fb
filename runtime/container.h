/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_RUNTIME_CONTAINER_H
#define ENG_RUNTIME_CONTAINER_H

/*
 * Containers: the OCI runtime spec made from an image's config and the
 * options of `eng run`, by podman's rules; the per-container files
 * (/etc/hosts, /etc/hostname, /etc/resolv.conf) it binds.
 */

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "common/error.h"
#include "common/userns.h"
#include "storage/container.h"
#include "storage/store.h"

enum runtime_network {
        RUNTIME_NET_DEFAULT, /* what `eng run` gives without --network */
        RUNTIME_NET_NONE,
        RUNTIME_NET_HOST,
        RUNTIME_NET_SLIRP,     /* a tap in its own netns, libslirp behind it (eng-slirp) */
        RUNTIME_NET_CONTAINER, /* another container's netns (container:ID) */
        RUNTIME_NET_NS,        /* a netns by path (ns:PATH) */
};

struct runtime_run_opts {
        char **command;        /* arguments after the image; NULL keeps the image's Cmd */
        bool has_entrypoint;   /* --entrypoint given */
        char **entrypoint;     /* its words; empty clears the image's */
        char **env;            /* -e, in order: "K=V", or "K" to take ours */
        char **env_files;      /* --env-file */
        const char *workdir;   /* -w */
        const char *user;      /* -u user[:group] */
        const char *hostname;  /* --hostname */
        bool tty;              /* -t */
        bool read_only;        /* --read-only */
        bool read_only_tmpfs;  /* tmpfs on /run, /tmp, /var/tmp with --read-only */
        bool init;             /* --init */
        const char *init_path; /* our init binary, bound at /run/eng-init */
        bool no_new_privileges;
        char **volumes; /* -v host:ctr[:opts] */
        char **mounts;  /* --mount type=...,... */
        char **tmpfs;   /* --tmpfs /path[:opts] */
        char **cap_add;
        char **cap_drop;
        const char *seccomp;         /* NULL: the default profile; "unconfined"; or a file */
        const char *seccomp_default; /* the default profile's file */
        enum runtime_network network;
        const char *slirp_helper;       /* eng-slirp, run as a createRuntime hook */
        const char *overlayfs_helper;   /* eng-overlayfs, for the fuse-overlay driver */
        unsigned int slirp_mtu;         /* 0: 65520 */
        bool allow_host_loopback;       /* slirp: 10.0.2.2 reaches the host's 127.0.0.1 */
        bool slirp_ipv6;                /* enable_ipv6 */
        const char *slirp_outbound;     /* outbound_addr, or NULL */
        const char *slirp_outbound6;    /* outbound_addr6, or NULL */
        const char *slirp_port_handler; /* rootlessport (NULL) or slirp4netns */
        char **publish;                 /* -p specs (checked with net_port_parse) */
        const char *net_join;           /* the container id, or the path, to join */
        bool keep_id;                   /* --userns=keep-id */
        int64_t memory;                 /* bytes, 0 for none */
        int64_t cpu_quota;              /* per 100000 us period, 0 for none */
        int64_t pids_limit;             /* 0 for none */
        /* with limits: where the container's cgroup goes (runtime_cgroup_place()),
         * beneath the cgroup v2 mount */
        const char *cgroup_parent;
};

/**
 * runtime_container_spec() - the config.json of a container
 * @record: the container's record (for its id, layers and directories)
 * @image_config: the image's config blob, parsed (its "config" member is used)
 * @map: the id mapping of the user namespace, as the store unpacked with
 * @ret_spec: a new object
 *
 * Writes the container's userdata files.  Errors are ENG_E_USAGE for bad
 * options (an unknown user, a bad volume), naming the option.
 */
int runtime_container_spec(struct storage_store *s, json_t *record, json_t *image_config,
                           const struct runtime_run_opts *opts, const struct eng_idmap *map,
                           json_t **ret_spec, struct eng_error **err);

/**
 * runtime_network_join() - for a container that shares another's network
 * (its "network" "container:ID") or joins one by path ("ns:PATH"): the
 * namespaces to join as they are now, written into its config.json (the
 * other container's pid changes with each start).  The network namespace
 * is joined with the user namespace that owns it, which must map ids as
 * this container's does; /etc/hosts and /etc/resolv.conf are the other
 * container's.  Nothing for other modes.
 */
int runtime_network_join(struct storage_store *s, const struct storage_container *c,
                         struct eng_error **err);

/**
 * runtime_container_cgroup_remove() - the cgroup of container @id (its
 * config.json's linux.cgroupsPath), once its processes are gone: removed.
 * Nothing for a container without one.
 */
int runtime_container_cgroup_remove(struct storage_store *s, const char *id,
                                    struct eng_error **err);

/**
 * runtime_exec_process() - the "process" object of `eng exec`: the
 * container's own (from @spec, its config.json) with @argv, the environment
 * entries @env added (as -e takes them), @workdir, @user resolved in the
 * container's files (NULL: the container's user), a terminal when @tty;
 * capabilities as run gives them to that user.  A new object.
 */
json_t *runtime_exec_process(struct storage_store *s, json_t *record, json_t *spec, char **argv,
                             char **env, const char *workdir, const char *user, bool tty,
                             struct eng_error **err);

/* One published port (-p), as ps, port and inspect show it. */
struct runtime_port {
        bool udp;
        char host_ip[16]; /* "" when it is on every address */
        unsigned int host_port;
        unsigned int container_port;
};

/**
 * runtime_ports_parse() - the ports of one -p value as the network helper
 * reads it, "[hostip:]hostport:containerport[/tcp|/udp]" with ranges
 * ("8000-8003:80-83"); appended to *@ports (heap)
 */
int runtime_ports_parse(const char *spec, struct runtime_port **ports, size_t *nports,
                        struct eng_error **err);

/**
 * runtime_outbound_check() - whether --network slirp:outbound_addr=@value
 * (outbound_addr6 with @v6) names an address or an interface that has one
 */
int runtime_outbound_check(const char *value, bool v6, struct eng_error **err);

/**
 * runtime_network_probe() - whether user-mode networking can work here: a
 * tap device made in a new user and network namespace with @map
 */
int runtime_network_probe(const struct eng_idmap *map, struct eng_error **err);

/** runtime_signal_parse() - "TERM", "SIGTERM" or "15" to its number; -1 if unknown */
int runtime_signal_parse(const char *name);

/** runtime_cap_name() - "CAP_CHOWN" for 0 and so on, NULL past the last known one */
const char *runtime_cap_name(int cap);

/* A container's resource limits, as its config.json has them (0: none). */
struct runtime_limits {
        int64_t memory;      /* bytes */
        int64_t memory_swap; /* memory plus swap, bytes */
        int64_t cpu_quota;   /* microseconds per period */
        int64_t cpu_period;  /* microseconds, 0 for the default */
        int64_t pids;
};

/**
 * runtime_container_config() - the config.json of container @id, checked
 * as the runtime reads it, with its limits in @ret_limits.  A new object.
 */
json_t *runtime_container_config(struct storage_store *s, const char *id,
                                 struct runtime_limits *ret_limits, struct eng_error **err);

/** runtime_parse_size() - "512m", "1g", "1024" (bytes) to bytes; -1 if bad */
int64_t runtime_parse_size(const char *s);

/** runtime_name_generate() - a name like podman's "adjective_noun" (heap) */
char *runtime_name_generate(void);

/** runtime_id_generate() - 64 random hex digits (heap) */
char *runtime_id_generate(void);

#endif
