/* SPDX-License-Identifier: GPL-2.0-or-later */
/* eng run: make a container of an image and run it in the foreground. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/platform.h"
#include "common/process.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "image/image.h"
#include "runtime/cgroup.h"
#include "runtime/container.h"
#include "runtime/monitor.h"
#include "storage/container.h"
#include "storage/driver.h"

#include "common/banned.h"

enum {
        OPT_RM = 256,
        OPT_NAME,
        OPT_ENV_FILE,
        OPT_ENTRYPOINT,
        OPT_MOUNT,
        OPT_TMPFS,
        OPT_READ_ONLY,
        OPT_READ_ONLY_TMPFS,
        OPT_CAP_ADD,
        OPT_CAP_DROP,
        OPT_SECURITY_OPT,
        OPT_USERNS,
        OPT_INIT,
        OPT_NETWORK,
        OPT_PULL,
        OPT_CPUS,
        OPT_PIDS_LIMIT,
        OPT_TLS_VERIFY,
        OPT_QUIET,
        OPT_RESTART,
        OPT_PUBLISH_ALL,
};

struct run_args {
        struct runtime_run_opts o;
        bool rm;
        bool interactive;
        bool detach;
        bool quiet;
        bool tls_verify;
        bool tls_verify_given;
        const char *name;
        const char *pull;
        char **labels;
        bool publish_all;
        const char *restart;
        char *cgroup_parent; /* a->o.cgroup_parent's memory */
        long restart_max;
        char **slirp_values; /* what the slirp options point into */
};

static int parse_entrypoint(struct run_args *a, const char *arg, struct eng_error **err)
{
        a->o.has_entrypoint = true;
        eng_strv_free(a->o.entrypoint);
        a->o.entrypoint = NULL;
        if (arg[0] == '[') {
                /* --entrypoint '["sh","-c"]' as podman takes it */
                json_error_t je;
                json_t *j = json_loads(arg, 0, &je), *v;
                size_t i;

                if (!json_is_array(j)) {
                        json_decref(j);
                        return eng_err(err, ENG_E_USAGE, 0, "--entrypoint '%s' is not a JSON array",
                                       arg);
                }
                json_array_foreach(j, i, v)
                        if (json_is_string(v))
                                eng_strv_push(&a->o.entrypoint, json_string_value(v));
                json_decref(j);
        } else if (*arg)
                eng_strv_push(&a->o.entrypoint, arg);
        return 0;
}

/* --network slirp[4netns][:mtu=N,allow_host_loopback=true|false,...] as podman spells it */
static int parse_slirp(struct run_args *a, const char *arg, struct eng_error **err)
{
        const char *colon = strchr(arg, ':');
        size_t mode = colon ? (size_t) (colon - arg) : strlen(arg);

        if (!(mode == 5 || (mode == 11 && strncmp(arg, "slirp4netns", 11) == 0)))
                return eng_err(err, ENG_E_USAGE, 0, "--network '%s': unknown mode", arg);
        a->o.network = RUNTIME_NET_SLIRP;
        if (colon) {
                _cleanup_strv_ char **kv = eng_strv_split(colon + 1, ",");

                ENG_STRV_FOREACH(o, kv) {
                        char *eq = strchr(*o, '=');
                        const char *v = eq ? eq + 1 : "true";
                        size_t klen = eq ? (size_t) (eq - *o) : strlen(*o);

                        if (klen == 3 && strncmp(*o, "mtu", 3) == 0) {
                                char *end;
                                unsigned long m = strtoul(v, &end, 10);

                                if (*end || m < 576 || m > 65521)
                                        return eng_err(
                                                err, ENG_E_USAGE, 0,
                                                "--network: mtu '%s' is not between 576 and 65521",
                                                v);
                                a->o.slirp_mtu = (unsigned int) m;
                        } else if (klen == 19 && strncmp(*o, "allow_host_loopback", 19) == 0) {
                                if (cmd_parse_bool("allow_host_loopback", v,
                                                   &a->o.allow_host_loopback, err) < 0)
                                        return -1;
                        } else if (klen == 11 && strncmp(*o, "enable_ipv6", 11) == 0) {
                                if (cmd_parse_bool("enable_ipv6", v, &a->o.slirp_ipv6, err) < 0)
                                        return -1;
                        } else if ((klen == 13 && strncmp(*o, "outbound_addr", 13) == 0) ||
                                   (klen == 14 && strncmp(*o, "outbound_addr6", 14) == 0)) {
                                bool v6 = klen == 14;

                                if (runtime_outbound_check(v, v6, err) < 0)
                                        return eng_err_wrap(err, "--network");
                                eng_strv_push(&a->slirp_values, v);
                                *(v6 ? &a->o.slirp_outbound6 : &a->o.slirp_outbound) =
                                        a->slirp_values[eng_strv_length(a->slirp_values) - 1];
                        } else if (klen == 12 && strncmp(*o, "port_handler", 12) == 0) {
                                if (strcmp(v, "rootlessport") != 0 && strcmp(v, "slirp4netns") != 0)
                                        return eng_err(
                                                err, ENG_E_USAGE, 0,
                                                "--network: port_handler '%s': use rootlessport or slirp4netns",
                                                v);
                                a->o.slirp_port_handler =
                                        strcmp(v, "slirp4netns") == 0 ? "slirp4netns" : NULL;
                        } else
                                return eng_err(err, ENG_E_USAGE, 0,
                                               "--network: unknown slirp option '%s'", *o);
                }
        }
        return 0;
}

static int free_port(bool udp, struct eng_error **err)
{
        struct sockaddr_in sa = { .sin_family = AF_INET };
        socklen_t len = sizeof(sa);
        _cleanup_close_ int fd =
                socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);

        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            getsockname(fd, (struct sockaddr *) &sa, &len) < 0)
                return eng_err(err, ENG_E_SYS, errno, "finding a free host port");
        return ntohs(sa.sin_port);
}

/*
 * -p [IP:]HOSTPORT:CONTAINERPORT[/PROTO]; without a host port ("80",
 * "127.0.0.1::80") each container port gets a free one, as podman picks.
 * Checked here, bound by the helper.
 */
static int add_publish(struct run_args *a, const char *arg, struct eng_error **err)
{
        _cleanup_free_ char *s = eng_xstrdup(arg);
        char *proto = strchr(s, '/'), *last;
        struct runtime_port *ports = NULL;
        size_t n = 0;

        if (proto)
                *proto++ = '\0';
        last = strrchr(s, ':');
        if (!last || last == s || last[-1] == ':') {
                /* the container port(s), and the address before "::" if any */
                const char *cport = last ? last + 1 : s;
                _cleanup_free_ char *ip =
                        last && last - s > 1 ? eng_xstrndup(s, (size_t) (last - 1 - s)) : NULL;
                _cleanup_free_ char *probe =
                        eng_xasprintf("1:%s%s%s", cport, proto ? "/" : "", proto ? proto : "");
                bool udp = proto && strcmp(proto, "udp") == 0;

                if (runtime_ports_parse(probe, &ports, &n, err) < 0) {
                        free(ports);
                        return eng_err_wrap(err, "-p '%s'", arg);
                }
                for (size_t i = 0; i < n; i++) {
                        int host = free_port(udp, err);

                        if (host < 0) {
                                free(ports);
                                return -1;
                        }
                        eng_strv_consume(&a->o.publish,
                                         eng_xasprintf("%s%s%d:%u/%s", ip ? ip : "", ip ? ":" : "",
                                                       host, (unsigned) ports[i].container_port,
                                                       udp ? "udp" : "tcp"));
                }
                free(ports);
                return 0;
        }
        if (runtime_ports_parse(arg, &ports, &n, err) < 0)
                return -1;
        free(ports);
        eng_strv_push(&a->o.publish, arg);
        return 0;
}

static int on_opt(int val, const char *arg, void *data, struct eng_error **err)
{
        struct run_args *a = data;

        switch (val) {
        case OPT_RM:
                a->rm = true;
                return 0;
        case OPT_NAME:
                a->name = arg;
                return 0;
        case 'i':
                a->interactive = true;
                return 0;
        case 't':
                a->o.tty = true;
                return 0;
        case 'd':
                a->detach = true;
                return 0;
        case 'e':
                eng_strv_push(&a->o.env, arg);
                return 0;
        case OPT_ENV_FILE:
                eng_strv_push(&a->o.env_files, arg);
                return 0;
        case 'w':
                a->o.workdir = arg;
                return 0;
        case 'u':
                a->o.user = arg;
                return 0;
        case OPT_ENTRYPOINT:
                return parse_entrypoint(a, arg, err);
        case 'h': /* podman's -h is --hostname, not --help */
                a->o.hostname = arg;
                return 0;
        case 'v':
                eng_strv_push(&a->o.volumes, arg);
                return 0;
        case OPT_MOUNT:
                eng_strv_push(&a->o.mounts, arg);
                return 0;
        case OPT_TMPFS:
                eng_strv_push(&a->o.tmpfs, arg);
                return 0;
        case OPT_READ_ONLY:
                a->o.read_only = true;
                return 0;
        case OPT_READ_ONLY_TMPFS:
                return cmd_parse_bool("read-only-tmpfs", arg, &a->o.read_only_tmpfs, err);
        case OPT_SECURITY_OPT:
                if (strcmp(arg, "no-new-privileges") == 0 ||
                    strcmp(arg, "no-new-privileges=true") == 0 ||
                    strcmp(arg, "no-new-privileges:true") == 0) {
                        a->o.no_new_privileges = true;
                        return 0;
                }
                if (strncmp(arg, "seccomp=", 8) == 0 || strncmp(arg, "seccomp:", 8) == 0) {
                        a->o.seccomp = arg + 8;
                        return 0;
                }
                if (strncmp(arg, "label=", 6) == 0 || strncmp(arg, "apparmor=", 9) == 0) {
                        eng_log_debug("--security-opt '%s': no SELinux or AppArmor here", arg);
                        return 0;
                }
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "--security-opt '%s': eng knows no-new-privileges and seccomp=unconfined|FILE",
                        arg);
        case OPT_USERNS:
                if (strcmp(arg, "keep-id") == 0) {
                        a->o.keep_id = true;
                        return 0;
                }
                if (strcmp(arg, "") == 0 || strcmp(arg, "host") == 0)
                        return 0;
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "--userns '%s': eng knows the default (the user and its subordinate ids) and keep-id",
                        arg);
        case OPT_INIT:
                a->o.init = true;
                return 0;
        case OPT_NETWORK:
                if (strcmp(arg, "none") == 0)
                        a->o.network = RUNTIME_NET_NONE;
                else if (strcmp(arg, "host") == 0)
                        a->o.network = RUNTIME_NET_HOST;
                else if (strncmp(arg, "slirp", 5) == 0)
                        return parse_slirp(a, arg, err);
                else if (strncmp(arg, "container:", 10) == 0 && arg[10]) {
                        a->o.network = RUNTIME_NET_CONTAINER;
                        a->o.net_join = arg + 10;
                } else if (strncmp(arg, "ns:", 3) == 0 && arg[3] == '/') {
                        a->o.network = RUNTIME_NET_NS;
                        a->o.net_join = arg + 3;
                } else if (strcmp(arg, "pasta") == 0 || strcmp(arg, "private") == 0 ||
                           strcmp(arg, "bridge") == 0)
                        return eng_err(
                                err, ENG_E_USAGE, ENOSYS,
                                "--network %s is not implemented yet; use slirp, none, host, container:NAME or ns:PATH",
                                arg);
                else
                        return eng_err(
                                err, ENG_E_USAGE, 0,
                                "--network '%s': eng knows slirp (slirp4netns), none, host, container:NAME and ns:/PATH",
                                arg);
                return 0;
        case OPT_PULL:
                if (strcmp(arg, "always") != 0 && strcmp(arg, "missing") != 0 &&
                    strcmp(arg, "never") != 0 && strcmp(arg, "newer") != 0)
                        return eng_err(err, ENG_E_USAGE, 0,
                                       "--pull '%s': use always, missing, newer or never", arg);
                a->pull = strcmp(arg, "newer") == 0 ? "always" : arg;
                return 0;
        case 'm':
                a->o.memory = runtime_parse_size(arg);
                if (a->o.memory <= 0)
                        return eng_err(err, ENG_E_USAGE, 0, "--memory '%s' is not a size", arg);
                return 0;
        case OPT_CPUS: {
                char *end;
                double c = strtod(arg, &end);

                if (*end || c <= 0)
                        return eng_err(err, ENG_E_USAGE, 0, "--cpus '%s' is not a number", arg);
                a->o.cpu_quota = (int64_t) (c * 100000);
                return 0;
        }
        case OPT_PIDS_LIMIT: {
                char *end;
                long long n = strtoll(arg, &end, 10);

                if (*end || n == 0 || n < -1)
                        return eng_err(err, ENG_E_USAGE, 0, "--pids-limit '%s' is not a number",
                                       arg);
                a->o.pids_limit = n < 0 ? 0 : n;
                return 0;
        }
        case OPT_TLS_VERIFY:
                a->tls_verify_given = true;
                return cmd_parse_bool("tls-verify", arg, &a->tls_verify, err);
        case 'q':
                a->quiet = true;
                return 0;
        case 'l':
                eng_strv_push(&a->labels, arg);
                return 0;
        case 'p':
                return add_publish(a, arg, err);
        case 'P':
                a->publish_all = true;
                return 0;
        case OPT_RESTART: {
                char *end = NULL;

                a->restart_max = 0;
                if (strcmp(arg, "no") == 0 || strcmp(arg, "always") == 0 ||
                    strcmp(arg, "unless-stopped") == 0 || strcmp(arg, "on-failure") == 0) {
                        a->restart = arg;
                        return 0;
                }
                if (strncmp(arg, "on-failure:", 11) == 0) {
                        a->restart_max = strtol(arg + 11, &end, 10);
                        if (*end == '\0' && a->restart_max > 0) {
                                a->restart = "on-failure";
                                return 0;
                        }
                }
                return eng_err(err, ENG_E_USAGE, 0,
                               "--restart '%s': use no, on-failure[:N], always or unless-stopped",
                               arg);
        }
        }
        return 0;
}

/* --cap-add/--cap-drop take lists ("NET_RAW,SYS_TIME") */
static int on_opt_caps(int val, const char *arg, void *data, struct eng_error **err)
{
        struct run_args *a = data;

        if (val == OPT_CAP_ADD || val == OPT_CAP_DROP) {
                _cleanup_strv_ char **l = eng_strv_split(arg, ",");

                ENG_STRV_FOREACH(c, l)
                        eng_strv_push(val == OPT_CAP_ADD ? &a->o.cap_add : &a->o.cap_drop, *c);
                return 0;
        }
        return on_opt(val, arg, data, err);
}

static void run_args_release(struct run_args *a)
{
        eng_strv_free(a->o.publish);
        eng_strv_free(a->labels);
        eng_strv_free(a->o.entrypoint);
        eng_strv_free(a->o.env);
        eng_strv_free(a->o.env_files);
        eng_strv_free(a->o.volumes);
        eng_strv_free(a->o.mounts);
        eng_strv_free(a->o.tmpfs);
        eng_strv_free(a->o.cap_add);
        eng_strv_free(a->o.cap_drop);
        eng_strv_free(a->slirp_values);
        free(a->cgroup_parent);
}

/* Beside the eng binary in a build tree, else where it is installed. */
static char *find_data_file(const char *name)
{
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

        if (n > 0) {
                char *slash, *p;

                exe[n] = '\0';
                slash = strrchr(exe, '/');
                if (slash) {
                        *slash = '\0';
                        p = eng_xasprintf("%s/runtime/%s", exe, name);
                        if (access(p, R_OK) == 0)
                                return p;
                        free(p);
                }
        }
        {
                char *p = eng_xasprintf("%s/%s", ENG_DATADIR, name);

                if (access(p, R_OK) == 0)
                        return p;
                free(p);
        }
        return NULL;
}

/* Limits need a cgroup of the container's own, in a delegated cgroup v2 tree. */
static int check_resources(struct run_args *a, struct eng_error **err)
{
        struct runtime_cgroup_info info = { 0 };
        const char *what = a->o.memory ? "--memory" : a->o.cpu_quota ? "--cpus" : "--pids-limit";
        const char *need[4];
        size_t n = 0;
        int r;

        if (!a->o.memory && !a->o.cpu_quota && !a->o.pids_limit)
                return 0;
        if (a->o.memory)
                need[n++] = "memory";
        if (a->o.cpu_quota)
                need[n++] = "cpu";
        if (a->o.pids_limit)
                need[n++] = "pids";
        need[n] = NULL;
        if (runtime_cgroup_probe(&info, err) < 0)
                return eng_err_wrap(err, "%s", what);
        if (!info.delegated)
                r = eng_err(
                        err, ENG_E_USAGE, 0,
                        "%s needs a cgroup, and this user has no delegated cgroup v2 tree (%s): run without resource limits, or have systemd delegate one (user@.service with Delegate=yes)",
                        what, info.detail ? info.detail : "cgroups v1 or not delegated");
        else if ((r = runtime_cgroup_place(&info, need, &a->cgroup_parent, err)) < 0)
                eng_err_wrap(err, "%s needs a cgroup", what);
        else
                a->o.cgroup_parent = a->cgroup_parent;
        runtime_cgroup_info_release(&info);
        return r;
}

static int choose_driver(struct cmd_store *cs, struct cmd_config *config, enum storage_driver *ret,
                         struct eng_error **err)
{
        const char *asked =
                arg_global.storage_driver ? arg_global.storage_driver : config->storage_driver;
        _cleanup_free_ char *why = NULL;
        enum storage_driver requested;

        /* the one policy, as eng info reports it: the first driver that works */
        if (asked && storage_driver_parse(asked, &requested, err) < 0)
                return -1;
        *ret = storage_driver_choose(asked ? &requested : NULL, storage_driver_usable, &cs->store,
                                     &why);
        eng_log_debug("storage driver %s: %s", storage_driver_name(*ret), why);
        return 0;
}

static json_t *find_or_pull(struct cmd_store *cs, struct cmd_config *config, struct run_args *a,
                            const char *name, struct eng_error **err)
{
        const char *policy = a->pull ? a->pull : "missing";
        _cleanup_free_ char *id = NULL;
        json_t *img;

        if (strcmp(policy, "always") != 0) {
                img = image_lookup(&cs->store, name, err);
                if (img || (*err)->kind != ENG_E_NOTFOUND)
                        return img;
                if (strcmp(policy, "never") == 0)
                        return NULL;
                *err = eng_err_free(*err);
        }
        if (cmd_pull_image(cs, config, name, a->quiet, a->tls_verify, a->tls_verify_given, &id,
                           err) < 0)
                return NULL;
        return image_lookup(&cs->store, id, err);
}

/* ENG_TRACE=run: where the time of `eng run` goes */
static void mark(const char *what)
{
        eng_trace_mark("run", what);
}

/* One of keep_id_map()'s two halves: 0..id-1, id -> the user, id+1.. */
static int keep_id_ranges(const struct eng_idrange *r, size_t n, uint32_t id, const char *what,
                          struct eng_idrange **ret, size_t *ret_n, struct eng_error **err)
{
        if (n != 2 || r[0].container != 0 || r[0].size != 1 || r[1].container != 1)
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "--userns=keep-id needs one subordinate %s range for you (/etc/sub%s)",
                        what, what);
        if (r[1].size <= id)
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "--userns=keep-id: your %s %u is not below the size of your subordinate range (%u)",
                        what, id, r[1].size);
        *ret = eng_xcalloc(3, sizeof(**ret));
        (*ret)[0] = (struct eng_idrange){ .container = 0, .host = r[1].host, .size = id };
        (*ret)[1] = (struct eng_idrange){ .container = id, .host = r[0].host, .size = 1 };
        (*ret)[2] = (struct eng_idrange){ .container = id + 1,
                                          .host = r[1].host + id,
                                          .size = r[1].size - id };
        *ret_n = id == 0 ? 0 : 3;
        if (id == 0) {
                free(*ret);
                *ret = NULL;
        }
        return 0;
}

/*
 * --userns=keep-id (podman): the user keeps its uid and gid inside, the
 * subordinate ids fill the rest around them.
 */
static int keep_id_map(const struct eng_idmap *map, struct storage_keep_id *ret_keep,
                       struct eng_idmap *ret, struct eng_error **err)
{
        ret_keep->uid = getuid();
        ret_keep->gid = getgid();
        if (ret_keep->uid == 0)
                return eng_err(err, ENG_E_USAGE, 0,
                               "--userns=keep-id is for rootless eng: root keeps its ids anyway");
        if (keep_id_ranges(map->uid, map->nuid, ret_keep->uid, "uid", &ret->uid, &ret->nuid, err) <
            0)
                return -1;
        if (keep_id_ranges(map->gid, map->ngid, ret_keep->gid, "gid", &ret->gid, &ret->ngid, err) <
            0) {
                eng_idmap_release(ret);
                return -1;
        }
        return 0;
}

/* -P: every port the image exposes ("80/tcp") to a free host port */
static int publish_exposed(struct run_args *a, json_t *image_config, struct eng_error **err)
{
        json_t *exposed = json_object_get(json_object_get(image_config, "config"), "ExposedPorts");
        const char *k;
        json_t *v;

        json_object_foreach(exposed, k, v) {
                char *end;
                unsigned long port = strtoul(k, &end, 10);
                bool udp = strcmp(end, "/udp") == 0;
                int host;

                if (port == 0 || port > 65535 || (*end && !udp && strcmp(end, "/tcp") != 0))
                        continue;
                host = free_port(udp, err);
                if (host < 0)
                        return -1;
                eng_strv_consume(&a->o.publish,
                                 eng_xasprintf("%d:%lu/%s", host, port, udp ? "udp" : "tcp"));
        }
        return 0;
}

/* What storage_container_create() calls before the container appears: its spec. */
struct fill_args {
        struct cmd_store *cs;
        json_t *record;
        json_t *image_config;
        const struct runtime_run_opts *o;
        const struct eng_idmap *map;
};

static int fill_container(void *arg, struct eng_error **err)
{
        struct fill_args *f = arg;
        _cleanup_json_ json_t *spec = NULL;
        _cleanup_free_ char *files = storage_container_files_dir(&f->cs->store, f->record);
        _cleanup_free_ char *path = eng_xasprintf("%s/config.json", files);
        _cleanup_free_ char *data = NULL;

        if (runtime_container_spec(&f->cs->store, f->record, f->image_config, f->o, f->map, &spec,
                                   err) < 0)
                return -1;
        json_object_set(f->record, "command",
                        json_object_get(json_object_get(spec, "process"), "args"));
        if (f->o->tty) {
                /* The host terminal's size from the start, as podman passes it. */
                struct winsize ws;

                if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
                        json_object_set_new(
                                json_object_get(spec, "process"), "consoleSize",
                                json_pack("{s:i,s:i}", "height", ws.ws_row, "width", ws.ws_col));
        }
        data = json_dumps(spec, JSON_INDENT(1));
        mark("spec made");
        return eng_write_file_replace(path, data, strlen(data), 0600, err);
}

static int run_or_create(const struct cmd_desc *cmd, int argc, char **argv, bool create_only,
                         struct eng_error **err)
{
        static const struct cmd_option opts[] = {
                { "detach", no_argument, 'd', NULL,
                  "run in the background and print the container's id" },
                { "interactive", no_argument, 'i', NULL, "keep stdin open" },
                { "tty", no_argument, 't', NULL, "give the container a terminal" },
                { "rm", no_argument, OPT_RM, NULL, "remove the container when it exits" },
                { "name", required_argument, OPT_NAME, "NAME", "name the container" },
                { "env", required_argument, 'e', "KEY[=VALUE]",
                  "set an environment variable (without a value: ours)" },
                { "env-file", required_argument, OPT_ENV_FILE, "FILE", "read KEY=VALUE lines" },
                { "workdir", required_argument, 'w', "DIR", "working directory" },
                { "user", required_argument, 'u', "USER[:GROUP]",
                  "user (name or id, from the container's /etc/passwd)" },
                { "entrypoint", required_argument, OPT_ENTRYPOINT, "CMD",
                  "replace the image's entrypoint ('' clears it)" },
                { "hostname", required_argument, 'h', "NAME",
                  "host name (default: the short container id)" },
                { "label", required_argument, 'l', "KEY=VALUE", "a label of the container" },
                { "volume", required_argument, 'v', "HOST:CTR[:OPTS]",
                  "bind a host directory (ro, rw, ...)" },
                { "mount", required_argument, OPT_MOUNT, "type=bind|tmpfs,source=,target=[,ro]",
                  "a bind or tmpfs mount" },
                { "tmpfs", required_argument, OPT_TMPFS, "PATH[:OPTS]", "a tmpfs at PATH" },
                { "read-only", no_argument, OPT_READ_ONLY, NULL,
                  "read-only root (with tmpfs on /run, /tmp, /var/tmp)" },
                { "read-only-tmpfs", optional_argument, OPT_READ_ONLY_TMPFS, "BOOL",
                  "those tmpfs with --read-only (default true)" },
                { "cap-add", required_argument, OPT_CAP_ADD, "CAP",
                  "add a capability (ALL for all)" },
                { "cap-drop", required_argument, OPT_CAP_DROP, "CAP",
                  "drop a capability (ALL for all)" },
                { "security-opt", required_argument, OPT_SECURITY_OPT, "OPT",
                  "no-new-privileges, seccomp=unconfined|FILE" },
                { "userns", required_argument, OPT_USERNS, "MODE",
                  "keep-id: the user's own uid and gid inside (default: root inside\nis the user, the rest its subordinate ids)" },
                { "init", no_argument, OPT_INIT, NULL, "run an init as PID 1 that reaps zombies" },
                { "network", required_argument, OPT_NETWORK, "MODE",
                  "slirp[:OPTIONS] (the default: user-mode, outbound traffic and DNS),\nnone, host, container:NAME or ns:PATH" },
                { "net", required_argument, OPT_NETWORK, NULL, NULL },
                { "publish", required_argument, 'p', "[[IP:]HOSTPORT:]PORT[/PROTO]",
                  "publish a container port on the host (slirp)" },
                { "publish-all", no_argument, 'P', NULL,
                  "publish every port the image exposes, on free host ports" },
                { "restart", required_argument, OPT_RESTART, "POLICY",
                  "no, always, unless-stopped or on-failure[:N] (with -d)" },
                { "pull", required_argument, OPT_PULL, "POLICY",
                  "always, missing, newer or never: when to pull the image\n(default missing)" },
                { "quiet", no_argument, 'q', NULL, "no progress when pulling" },
                { "tls-verify", optional_argument, OPT_TLS_VERIFY, "BOOL",
                  "verify the registry's TLS when pulling (default true)" },
                { "memory", required_argument, 'm', "SIZE",
                  "memory limit (needs a delegated cgroup v2)" },
                { "cpus", required_argument, OPT_CPUS, "N",
                  "CPU limit (needs a delegated cgroup v2)" },
                { "pids-limit", required_argument, OPT_PIDS_LIMIT, "N",
                  "process limit (needs a delegated cgroup v2)" },
                { 0 },
        };
        struct run_args a = { .tls_verify = true };
        struct cmd_store cs = CMD_STORE_INIT;
        struct cmd_config config = { 0 };
        _cleanup_free_ char *id = NULL, *name = NULL, *seccomp_default = NULL, *init_path = NULL;
        _cleanup_free_ char *cfg_data = NULL, *created = NULL, *slirp_helper = NULL;
        _cleanup_free_ char *net_join_id = NULL, *overlayfs_helper = NULL;
        _cleanup_json_ json_t *img = NULL, *image_config = NULL, *record = NULL;
        struct storage_keep_id keep = { 0 };
        struct eng_idmap kmap = { 0 };
        struct fill_args fill = { 0 };
        enum storage_driver driver;
        int first, r;

        mark("start");
        a.o.read_only_tmpfs = true;
        r = cmd_parse(cmd, argc, argv, opts, on_opt_caps, &a, &first, err);
        if (r != 0) {
                run_args_release(&a);
                return r < 0 ? r : 0;
        }
        r = -1;
        if (first >= argc) {
                eng_err(err, ENG_E_USAGE, 0, "'eng run' needs an image; see 'eng run --help'");
                goto out;
        }
        if (a.restart && strcmp(a.restart, "no") != 0 && a.rm) {
                eng_err(err, ENG_E_USAGE, 0, "--restart and --rm contradict each other");
                goto out;
        }
        if (a.restart && strcmp(a.restart, "no") != 0 && !a.detach && !create_only) {
                eng_err(err, ENG_E_USAGE, 0,
                        "--restart needs a detached container (-d): the monitor carries it out");
                goto out;
        }
        /* podman's words: it warns, and runs */
        if (a.o.tty && a.interactive && !create_only && !isatty(STDIN_FILENO))
                eng_log_warn(
                        "The input device is not a TTY. The --tty and --interactive flags might not work properly");
        if (argc > first + 1)
                a.o.command = argv + first + 1;
        if (check_resources(&a, err) < 0)
                goto out;
        seccomp_default = find_data_file("seccomp.json");
        a.o.seccomp_default = seccomp_default;
        if (a.o.init) {
                init_path = eng_find_helper("eng-init");
                a.o.init_path = init_path;
        }
        /* rootless podman's default: a network of its own through slirp */
        if (a.o.network == RUNTIME_NET_DEFAULT)
                a.o.network = RUNTIME_NET_SLIRP;
        if (a.o.publish && a.o.network != RUNTIME_NET_SLIRP) {
                eng_err(err, ENG_E_USAGE, 0,
                        "-p needs the slirp network (--network slirp): with none, host or another's network namespace there is nothing eng can publish");
                goto out;
        }
        if (a.o.network == RUNTIME_NET_SLIRP) {
                slirp_helper = eng_find_helper("eng-slirp");
                a.o.slirp_helper = slirp_helper;
        }
        overlayfs_helper = eng_find_helper("eng-overlayfs");
        a.o.overlayfs_helper = overlayfs_helper;

        if (cmd_store_open(&cs, true, err) < 0 || cmd_config_load(&cs.paths, &config, err) < 0)
                goto out;
        mark("store open");
        if (a.o.network == RUNTIME_NET_CONTAINER) {
                /* the container is named now; it must run when this one starts */
                _cleanup_json_ json_t *other = storage_container_get(&cs.store, a.o.net_join, err);

                if (!other) {
                        eng_err_wrap(err, "--network container:%s", a.o.net_join);
                        goto out;
                }
                net_join_id = eng_xstrdup(json_string_value(json_object_get(other, "id")));
        }
        img = find_or_pull(&cs, &config, &a, argv[first], err);
        if (!img)
                goto out;
        {
                const char *cd = json_string_value(json_object_get(img, "config"));
                json_error_t je;
                size_t len;

                if (storage_blob_get(&cs.store, cd, 8u << 20, &cfg_data, &len, err) < 0)
                        goto out;
                image_config = json_loadb(cfg_data, len, 0, &je);
                if (!json_is_object(image_config)) {
                        eng_err(err, ENG_E_INVALID, 0, "the config of image %s is damaged: %s", cd,
                                je.text);
                        goto out;
                }
        }
        mark("image and config");
        if (a.publish_all && publish_exposed(&a, image_config, err) < 0)
                goto out;
        if (choose_driver(&cs, &config, &driver, err) < 0)
                goto out;
        mark("driver chosen");

        id = runtime_id_generate();
        name = a.name ? eng_xstrdup(a.name) : runtime_name_generate();
        created = eng_time_now_rfc3339();
        record = json_pack("{s:s,s:s,s:s,s:O,s:O?,s:s,s:s,s:b}", "id", id, "name", name, "image",
                           argv[first], "image_id", json_object_get(img, "id"), "image_name",
                           json_array_get(json_object_get(img, "names"), 0), "created", created,
                           "state", "created", "rm", a.rm);
        {
                /* the image's labels, then --label's (podman) */
                json_t *labels = json_object(), *v;
                const char *k;

                json_object_foreach(
                        json_object_get(json_object_get(image_config, "config"), "Labels"), k, v)
                        if (json_is_string(v))
                                json_object_set(labels, k, v);
                ENG_STRV_FOREACH(l, a.labels) {
                        char *eq = strchr(*l, '=');
                        _cleanup_free_ char *key =
                                eq ? eng_xstrndup(*l, (size_t) (eq - *l)) : eng_xstrdup(*l);

                        json_object_set_new(labels, key, json_string(eq ? eq + 1 : ""));
                }
                json_object_set_new(record, "labels", labels);
                json_object_set_new(record, "tty", json_boolean(a.o.tty));
                if (a.o.network == RUNTIME_NET_CONTAINER)
                        json_object_set_new(record, "network",
                                            json_sprintf("container:%s", net_join_id));
                else if (a.o.network == RUNTIME_NET_NS)
                        json_object_set_new(record, "network", json_sprintf("ns:%s", a.o.net_join));
                else
                        json_object_set_new(
                                record, "network",
                                json_string(a.o.network == RUNTIME_NET_SLIRP  ? "slirp4netns"
                                            : a.o.network == RUNTIME_NET_HOST ? "host"
                                                                              : "none"));
                if (a.o.publish) {
                        json_t *ports = json_array();

                        ENG_STRV_FOREACH(p, a.o.publish)
                                json_array_append_new(ports, json_string(*p));
                        json_object_set_new(record, "ports", ports);
                }
                json_object_set_new(record, "stdin", json_boolean(a.interactive));
                if (a.restart && strcmp(a.restart, "no") != 0)
                        json_object_set_new(record, "restart",
                                            json_pack("{s:s,s:i}", "policy", a.restart, "max",
                                                      (int) a.restart_max));
        }
        if (a.o.keep_id && keep_id_map(&cs.map, &keep, &kmap, err) < 0)
                goto out;
        {
                const char *ss = json_string_value(
                        json_object_get(json_object_get(image_config, "config"), "StopSignal"));

                if (ss)
                        json_object_set_new(record, "stop_signal", json_string(ss));
        }
        fill.cs = &cs;
        fill.record = record;
        fill.image_config = image_config;
        fill.o = &a.o;
        fill.map = a.o.keep_id ? &kmap : &cs.map;
        for (int tries = 0;; tries++) {
                if (storage_container_create(&cs.store, record, json_object_get(img, "layers"),
                                             driver, a.o.keep_id ? &keep : NULL, fill_container,
                                             &fill, err) == 0)
                        break;
                /* a name we made up is taken (by a parallel run, say): another one */
                if (a.name || (*err)->errnum != EEXIST || tries == 20)
                        goto out;
                *err = eng_err_free(*err);
                free(name);
                name = runtime_name_generate();
                json_object_set_new(record, "name", json_string(name));
        }
        mark("container created");
        /* The container is whole (or was never there): the lifecycle owns its fate. */
        if (create_only) {
                printf("%s\n", id);
                r = 0;
                goto out;
        }
        {
                _cleanup_(storage_container_release) struct storage_container c = { 0 };
                const struct runtime_start_opts so = { .detach = a.detach,
                                                       .interactive = a.interactive };

                if (storage_container_decode(record, &c, err) < 0)
                        goto out;
                r = runtime_container_start(&cs.rt, &c, &so, err);
        }
        if (r >= 0 && a.detach)
                printf("%s\n", id);
out:
        mark("cleaned up");
        eng_idmap_release(&kmap);
        cmd_store_close(&cs);
        cmd_config_release(&config);
        run_args_release(&a);
        return r;
}

int cmd_run(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        return run_or_create(cmd, argc, argv, false, err);
}

int cmd_create(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        return run_or_create(cmd, argc, argv, true, err);
}

struct start_args {
        bool attach;
        bool interactive;
        bool all;
        char **filters;
        long timeout;
};

enum { OPT_START_ALL = 300, OPT_START_FILTER };

static int start_opt(int val, const char *arg, void *data, struct eng_error **err)
{
        struct start_args *a = data;
        char *end;

        switch (val) {
        case 'a':
                a->attach = true;
                break;
        case 'i':
                a->interactive = true;
                break;
        case OPT_START_ALL:
                a->all = true;
                break;
        case 'f':
        case OPT_START_FILTER:
                if (!strchr(arg, '='))
                        return eng_err(err, ENG_E_USAGE, 0, "--filter '%s': use KEY=VALUE", arg);
                eng_strv_push(&a->filters, arg);
                a->all = true; /* podman: a filter picks among all containers */
                break;
        case 't':
                a->timeout = strtol(arg, &end, 10);
                if (*end || a->timeout < 0)
                        return eng_err(err, ENG_E_USAGE, 0, "--time '%s' is not a number", arg);
                break;
        }
        return 0;
}

/* start and restart: each container again, through its monitor (or attached, -a). */
static int start_or_restart(const struct cmd_desc *cmd, int argc, char **argv, bool restart,
                            struct eng_error **err)
{
        static const struct cmd_option start_opts[] = {
                { "attach", no_argument, 'a', NULL, "stay with it in the foreground" },
                { "interactive", no_argument, 'i', NULL, "pass stdin (with -a)" },
                { "all", no_argument, OPT_START_ALL, NULL,
                  "every container (running ones stay as they are)" },
                { "filter", required_argument, 'f', "K=V",
                  "the containers ps --filter K=V lists (status=, name=, id=, ancestor=, label=)" },
                { 0 },
        };
        static const struct cmd_option restart_opts[] = {
                { "time", required_argument, 't', "SECONDS",
                  "how long to wait before KILL (default 10)" },
                { 0 },
        };
        struct start_args a = { .timeout = 10 };
        struct cmd_store cs = CMD_STORE_INIT;
        _cleanup_strv_ char **names = NULL;
        int first, r, ret = 0;

        r = cmd_parse(cmd, argc, argv, restart ? restart_opts : start_opts, start_opt, &a, &first,
                      err);
        if (r == 0 && first >= argc && !a.all)
                r = eng_err(err, ENG_E_USAGE, 0, "'eng %s' needs a container", cmd->name);
        if (r == 0 && a.all && first < argc)
                r = eng_err(err, ENG_E_USAGE, 0, "--all and --filter take no container names");
        if (r == 0 && a.attach && (a.all || argc - first > 1))
                r = eng_err(err, ENG_E_USAGE, 0, "--attach takes one container");
        if (r != 0) {
                eng_strv_free(a.filters);
                return r < 0 ? r : 0;
        }
        if (cmd_store_open(&cs, true, err) < 0) {
                eng_strv_free(a.filters);
                cmd_store_close(&cs);
                return -1;
        }
        if (a.all)
                names = cmd_containers_matching(&cs, a.filters, err);
        else
                for (int i = first; i < argc; i++)
                        eng_strv_push(&names, argv[i]);
        eng_strv_free(a.filters);
        if (!names) {
                cmd_store_close(&cs);
                return -1;
        }
        for (int i = 0; names[i]; i++) {
                _cleanup_(storage_container_release) struct storage_container c = { 0 };
                const struct runtime_start_opts so = { .detach = !a.attach,
                                                       .interactive = a.interactive };
                _cleanup_close_ int lock = -1;

                if (storage_container_load(&cs.store, names[i], &c, err) < 0)
                        goto failed;
                lock = runtime_container_lock(&cs.rt, &c, err);
                if (lock < 0)
                        goto failed;
                if (c.state == STORAGE_CONTAINER_RUNNING && !restart) {
                        /* podman: starting a running container is no error */
                        printf("%s\n", names[i]);
                        continue;
                }
                r = restart ? runtime_container_restart(&cs.rt, &c, a.timeout, err)
                            : runtime_container_start(&cs.rt, &c, &so, err);
                if (r >= 0) {
                        if (a.attach)
                                ret = r;
                        else
                                printf("%s\n", names[i]);
                        continue;
                }
failed:
                if (a.attach) {
                        cmd_store_close(&cs);
                        return -1;
                }
                {
                        cmd_print_error(*err);
                        ret = (*err)->kind == ENG_E_EXEC ? ((*err)->errnum == ENOENT ? 127 : 126)
                                                         : 125;
                        *err = eng_err_free(*err);
                }
        }
        cmd_store_close(&cs);
        return ret;
}

int cmd_start(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        return start_or_restart(cmd, argc, argv, false, err);
}

int cmd_restart(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        return start_or_restart(cmd, argc, argv, true, err);
}
