/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading an OCI runtime config.json into struct oci_spec. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "runtime/oci/oci-internal.h"

#include "common/banned.h"

#define OCI_CONFIG_MAX (16u << 20)

static const char *const cap_names[] = {
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_DAC_READ_SEARCH",
        "CAP_FOWNER",
        "CAP_FSETID",
        "CAP_KILL",
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SETPCAP",
        "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST",
        "CAP_NET_ADMIN",
        "CAP_NET_RAW",
        "CAP_IPC_LOCK",
        "CAP_IPC_OWNER",
        "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO",
        "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN",
        "CAP_SYS_BOOT",
        "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG",
        "CAP_MKNOD",
        "CAP_LEASE",
        "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP",
        "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN",
        "CAP_SYSLOG",
        "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ",
        "CAP_PERFMON",
        "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
};

#define CAP_BIT(n) (UINT64_C(1) << (n))

/* podman's default set (containers.conf default_capabilities) */
const uint64_t oci_default_caps =
        CAP_BIT(0) /* CHOWN */ | CAP_BIT(1) /* DAC_OVERRIDE */ | CAP_BIT(3) /* FOWNER */ |
        CAP_BIT(4) /* FSETID */ | CAP_BIT(5) /* KILL */ | CAP_BIT(6) /* SETGID */ |
        CAP_BIT(7) /* SETUID */ | CAP_BIT(8) /* SETPCAP */ | CAP_BIT(10) /* NET_BIND_SERVICE */ |
        CAP_BIT(18) /* SYS_CHROOT */ | CAP_BIT(31) /* SETFCAP */;

int oci_cap_parse(const char *name)
{
        const char *n = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;

        for (size_t i = 0; i < ELEMENTSOF(cap_names); i++)
                if (strcasecmp(cap_names[i] + 4, n) == 0)
                        return (int) i;
        return -1;
}

const char *oci_cap_name(int cap)
{
        if (cap < 0 || (size_t) cap >= ELEMENTSOF(cap_names))
                return NULL;
        return cap_names[cap];
}

static const struct {
        const char *name;
        int resource;
} rlimit_names[] = {
        { "RLIMIT_AS", RLIMIT_AS },
        { "RLIMIT_CORE", RLIMIT_CORE },
        { "RLIMIT_CPU", RLIMIT_CPU },
        { "RLIMIT_DATA", RLIMIT_DATA },
        { "RLIMIT_FSIZE", RLIMIT_FSIZE },
        { "RLIMIT_LOCKS", RLIMIT_LOCKS },
        { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
        { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
        { "RLIMIT_NICE", RLIMIT_NICE },
        { "RLIMIT_NOFILE", RLIMIT_NOFILE },
        { "RLIMIT_NPROC", RLIMIT_NPROC },
        { "RLIMIT_RSS", RLIMIT_RSS },
        { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
        { "RLIMIT_RTTIME", RLIMIT_RTTIME },
        { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
        { "RLIMIT_STACK", RLIMIT_STACK },
};

static char *append_word(char *s, const char *word)
{
        char *t = eng_xasprintf("%s %s", s, word);

        free(s);
        return t;
}

static int bad(struct eng_error **err, const char *field, const char *why)
{
        return eng_err(err, ENG_E_INVALID, 0, "config.json: '%s' %s", field, why);
}

/* An optional string member; NULL when absent, an error when of another type. */
static int get_string(json_t *obj, const char *key, const char *field, char **ret,
                      struct eng_error **err)
{
        json_t *v = json_object_get(obj, key);

        *ret = NULL;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_string(v))
                return bad(err, field, "is not a string");
        *ret = eng_xstrdup(json_string_value(v));
        return 0;
}

static int get_strv(json_t *obj, const char *key, const char *field, char ***ret,
                    struct eng_error **err)
{
        json_t *v = json_object_get(obj, key), *e;
        size_t i;
        char **l;

        *ret = NULL;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_array(v))
                return bad(err, field, "is not an array");
        l = eng_xcalloc(json_array_size(v) + 1, sizeof(char *));
        json_array_foreach(v, i, e) {
                if (!json_is_string(e)) {
                        eng_strv_free(l);
                        return bad(err, field, "has an element that is not a string");
                }
                l[i] = eng_xstrdup(json_string_value(e));
        }
        *ret = l;
        return 0;
}

static int get_u32(json_t *obj, const char *key, const char *field, uint32_t *ret,
                   struct eng_error **err)
{
        json_t *v = json_object_get(obj, key);

        if (!v)
                return 0;
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > UINT32_MAX)
                return bad(err, field, "is not a 32-bit unsigned number");
        *ret = (uint32_t) json_integer_value(v);
        return 0;
}

static int get_caps(json_t *caps, const char *key, uint64_t *ret, struct eng_error **err)
{
        _cleanup_strv_ char **names = NULL;
        _cleanup_free_ char *field = eng_xasprintf("process.capabilities.%s", key);

        *ret = 0;
        if (get_strv(caps, key, field, &names, err) < 0)
                return -1;
        ENG_STRV_FOREACH(n, names) {
                int c = oci_cap_parse(*n);

                /* Newer capabilities than we know: crun ignores them too. */
                if (c >= 0)
                        *ret |= CAP_BIT(c);
        }
        return 0;
}

void oci_process_release(struct oci_process *p)
{
        free(p->additional_gids);
        eng_strv_free(p->args);
        eng_strv_free(p->env);
        free(p->cwd);
        free(p->rlimits);
        memset(p, 0, sizeof(*p));
}

int oci_process_parse(json_t *process, struct oci_process *p, struct eng_error **err)
{
        json_t *user, *caps, *rl, *v, *cs;
        size_t i;

        memset(p, 0, sizeof(*p));
        if (!json_is_object(process))
                return bad(err, "process", "is missing or not an object");
        v = json_object_get(process, "terminal");
        p->terminal = json_is_true(v);
        cs = json_object_get(process, "consoleSize");
        if (json_is_object(cs)) {
                uint32_t h = 0, w = 0;

                if (get_u32(cs, "height", "process.consoleSize.height", &h, err) < 0 ||
                    get_u32(cs, "width", "process.consoleSize.width", &w, err) < 0)
                        goto fail;
                p->console_height = (unsigned short) (h > 65535 ? 65535 : h);
                p->console_width = (unsigned short) (w > 65535 ? 65535 : w);
        }
        user = json_object_get(process, "user");
        if (user) {
                json_t *g;

                if (!json_is_object(user)) {
                        bad(err, "process.user", "is not an object");
                        goto fail;
                }
                if (get_u32(user, "uid", "process.user.uid", &p->uid, err) < 0 ||
                    get_u32(user, "gid", "process.user.gid", &p->gid, err) < 0)
                        goto fail;
                /* set*id(-1) changes nothing: the process would stay root */
                if (p->uid == UINT32_MAX || p->gid == UINT32_MAX) {
                        bad(err, p->uid == UINT32_MAX ? "process.user.uid" : "process.user.gid",
                            "is 4294967295, which is no id");
                        goto fail;
                }
                if (json_object_get(user, "umask")) {
                        uint32_t m = 0;

                        if (get_u32(user, "umask", "process.user.umask", &m, err) < 0)
                                goto fail;
                        p->has_umask = true;
                        p->umask = (mode_t) (m & 0777);
                }
                g = json_object_get(user, "additionalGids");
                if (json_is_array(g)) {
                        p->additional_gids = eng_xcalloc(json_array_size(g) + 1, sizeof(uint32_t));
                        json_array_foreach(g, i, v) {
                                if (!json_is_integer(v) || json_integer_value(v) < 0 ||
                                    json_integer_value(v) >= UINT32_MAX) {
                                        bad(err, "process.user.additionalGids",
                                            "has an element that is not a gid");
                                        goto fail;
                                }
                                p->additional_gids[p->nadditional_gids++] =
                                        (uint32_t) json_integer_value(v);
                        }
                }
        }
        if (get_strv(process, "args", "process.args", &p->args, err) < 0 ||
            get_strv(process, "env", "process.env", &p->env, err) < 0 ||
            get_string(process, "cwd", "process.cwd", &p->cwd, err) < 0)
                goto fail;
        if (!p->args || !p->args[0]) {
                bad(err, "process.args", "is empty: there is no command to run");
                goto fail;
        }
        if (!p->env)
                p->env = eng_xcalloc(1, sizeof(char *));
        if (!p->cwd)
                p->cwd = eng_xstrdup("/");
        if (p->cwd[0] != '/') {
                bad(err, "process.cwd", "is not an absolute path");
                goto fail;
        }
        caps = json_object_get(process, "capabilities");
        if (json_is_object(caps)) {
                p->has_caps = true;
                if (get_caps(caps, "bounding", &p->cap_bounding, err) < 0 ||
                    get_caps(caps, "effective", &p->cap_effective, err) < 0 ||
                    get_caps(caps, "permitted", &p->cap_permitted, err) < 0 ||
                    get_caps(caps, "inheritable", &p->cap_inheritable, err) < 0 ||
                    get_caps(caps, "ambient", &p->cap_ambient, err) < 0)
                        goto fail;
        }
        p->no_new_privileges = json_is_true(json_object_get(process, "noNewPrivileges"));
        v = json_object_get(process, "oomScoreAdj");
        if (v) {
                if (!json_is_integer(v) || json_integer_value(v) < -1000 ||
                    json_integer_value(v) > 1000) {
                        bad(err, "process.oomScoreAdj", "is not a number from -1000 to 1000");
                        goto fail;
                }
                p->has_oom_score_adj = true;
                p->oom_score_adj = (int) json_integer_value(v);
        }
        rl = json_object_get(process, "rlimits");
        if (json_is_array(rl)) {
                p->rlimits = eng_xcalloc(json_array_size(rl) + 1, sizeof(*p->rlimits));
                json_array_foreach(rl, i, v) {
                        const char *type = json_string_value(json_object_get(v, "type"));
                        json_t *soft = json_object_get(v, "soft"),
                               *hard = json_object_get(v, "hard");
                        size_t k;

                        for (k = 0; type && k < ELEMENTSOF(rlimit_names); k++)
                                if (strcmp(rlimit_names[k].name, type) == 0)
                                        break;
                        if (!type || k == ELEMENTSOF(rlimit_names)) {
                                bad(err, "process.rlimits", "names an unknown limit");
                                goto fail;
                        }
                        if (!json_is_integer(soft) || !json_is_integer(hard)) {
                                bad(err, "process.rlimits", "has a limit without soft and hard");
                                goto fail;
                        }
                        p->rlimits[p->nrlimits].resource = rlimit_names[k].resource;
                        p->rlimits[p->nrlimits].soft = (uint64_t) json_integer_value(soft);
                        p->rlimits[p->nrlimits].hard = (uint64_t) json_integer_value(hard);
                        p->nrlimits++;
                }
        }
        return 0;
fail:
        oci_process_release(p);
        return -1;
}

static int parse_idmap(json_t *arr, const char *field, struct eng_idrange **ret, size_t *ret_n,
                       struct eng_error **err)
{
        json_t *v;
        size_t i;

        *ret = NULL;
        *ret_n = 0;
        if (!arr)
                return 0;
        if (!json_is_array(arr))
                return bad(err, field, "is not an array");
        *ret = eng_xcalloc(json_array_size(arr) + 1, sizeof(**ret));
        json_array_foreach(arr, i, v) {
                struct eng_idrange *r = &(*ret)[i];

                if (!json_is_object(v) ||
                    get_u32(v, "containerID", field, &r->container, err) < 0 ||
                    get_u32(v, "hostID", field, &r->host, err) < 0 ||
                    get_u32(v, "size", field, &r->size, err) < 0)
                        return bad(err, field, "has a bad entry");
                *ret_n = i + 1;
        }
        return 0;
}

static const char *const ns_names[OCI_NS_COUNT] = {
        [OCI_NS_USER] = "user",     [OCI_NS_MOUNT] = "mount", [OCI_NS_PID] = "pid",
        [OCI_NS_UTS] = "uts",       [OCI_NS_IPC] = "ipc",     [OCI_NS_NET] = "network",
        [OCI_NS_CGROUP] = "cgroup",
};

/* a resource value: positive, or 0 for not set */
static int64_t positive(json_t *v)
{
        return json_is_integer(v) && json_integer_value(v) > 0 ? (int64_t) json_integer_value(v)
                                                               : 0;
}

static int parse_devices(struct oci_spec *s, json_t *devs, struct eng_error **err)
{
        json_t *d;
        size_t i;

        if (!devs)
                return 0;
        if (!json_is_array(devs))
                return bad(err, "linux.devices", "is not an array");
        s->devices = eng_xcalloc(json_array_size(devs) + 1, sizeof(*s->devices));
        json_array_foreach(devs, i, d) {
                struct oci_device *o = &s->devices[i];
                const char *type = json_string_value(json_object_get(d, "type"));
                uint32_t major = 0, minor = 0, mode = 0666;

                s->ndevices = i + 1;
                if (!json_is_object(d) ||
                    get_string(d, "path", "linux.devices.path", &o->path, err) < 0)
                        return -1;
                if (!o->path || o->path[0] != '/' || !o->path[1] || strstr(o->path, ".."))
                        return bad(err, "linux.devices.path",
                                   "is not an absolute path in the container");
                if (!type || strlen(type) != 1 || !strchr("cubp", type[0]))
                        return bad(err, "linux.devices.type", "is not one of c, u, b, p");
                o->type = type[0] == 'b' ? S_IFBLK : type[0] == 'p' ? S_IFIFO : S_IFCHR;
                if (get_u32(d, "major", "linux.devices.major", &major, err) < 0 ||
                    get_u32(d, "minor", "linux.devices.minor", &minor, err) < 0 ||
                    get_u32(d, "fileMode", "linux.devices.fileMode", &mode, err) < 0 ||
                    get_u32(d, "uid", "linux.devices.uid", &o->uid, err) < 0 ||
                    get_u32(d, "gid", "linux.devices.gid", &o->gid, err) < 0)
                        return -1;
                if (o->type != S_IFIFO &&
                    (!json_object_get(d, "major") || !json_object_get(d, "minor")))
                        return bad(err, "linux.devices", "has a device without major and minor");
                o->major = major;
                o->minor = minor;
                o->mode = (mode_t) (mode & 07777);
        }
        return 0;
}

static int parse_linux(struct oci_spec *s, json_t *lx, struct eng_error **err)
{
        json_t *v, *res, *cg;
        size_t i;
        const char *prop;

        if (!lx)
                return 0;
        if (!json_is_object(lx))
                return bad(err, "linux", "is not an object");
        v = json_object_get(lx, "namespaces");
        if (v && !json_is_array(v))
                return bad(err, "linux.namespaces", "is not an array");
        json_array_foreach(v, i, res) {
                const char *type = json_string_value(json_object_get(res, "type"));
                const char *path = json_string_value(json_object_get(res, "path"));
                int k;

                for (k = 0; type && k < OCI_NS_COUNT; k++)
                        if (strcmp(ns_names[k], type) == 0)
                                break;
                if (!type || k == OCI_NS_COUNT)
                        return eng_err(err, ENG_E_INVALID, 0,
                                       "config.json: unknown namespace type '%s'",
                                       type ? type : "(none)");
                if (path && *path)
                        s->ns_path[k] = eng_xstrdup(path);
                else
                        s->ns_new[k] = true;
        }
        if (parse_idmap(json_object_get(lx, "uidMappings"), "linux.uidMappings", &s->idmap.uid,
                        &s->idmap.nuid, err) < 0 ||
            parse_idmap(json_object_get(lx, "gidMappings"), "linux.gidMappings", &s->idmap.gid,
                        &s->idmap.ngid, err) < 0)
                return -1;
        if (get_strv(lx, "maskedPaths", "linux.maskedPaths", &s->masked_paths, err) < 0 ||
            get_strv(lx, "readonlyPaths", "linux.readonlyPaths", &s->readonly_paths, err) < 0)
                return -1;
        if (parse_devices(s, json_object_get(lx, "devices"), err) < 0)
                return -1;
        s->sysctl = json_object_get(lx, "sysctl");
        if (s->sysctl && !json_is_object(s->sysctl))
                return bad(err, "linux.sysctl", "is not an object");
        s->seccomp = json_object_get(lx, "seccomp");
        if (s->seccomp && json_is_null(s->seccomp))
                s->seccomp = NULL;
        if (s->seccomp && !json_is_object(s->seccomp))
                return bad(err, "linux.seccomp", "is not an object");
        prop = json_string_value(json_object_get(lx, "rootfsPropagation"));
        s->rootfs_propagation = MS_REC | MS_PRIVATE;
        if (prop) {
                if (strcmp(prop, "shared") == 0 || strcmp(prop, "rshared") == 0)
                        s->rootfs_propagation = MS_REC | MS_SHARED;
                else if (strcmp(prop, "slave") == 0 || strcmp(prop, "rslave") == 0)
                        s->rootfs_propagation = MS_REC | MS_SLAVE;
                else if (strcmp(prop, "private") == 0 || strcmp(prop, "rprivate") == 0)
                        s->rootfs_propagation = MS_REC | MS_PRIVATE;
                else if (strcmp(prop, "unbindable") == 0 || strcmp(prop, "runbindable") == 0)
                        s->rootfs_propagation = MS_REC | MS_UNBINDABLE;
                else
                        return bad(err, "linux.rootfsPropagation", "is not a propagation mode");
        }
        res = json_object_get(lx, "resources");
        if (json_is_object(res)) {
                _cleanup_free_ char *what = eng_xstrdup("");
                json_t *m = json_object_get(res, "memory"), *c = json_object_get(res, "cpu"),
                       *p = json_object_get(res, "pids");

                s->memory_limit = positive(json_object_get(m, "limit"));
                s->memory_swap = json_integer_value(json_object_get(m, "swap"));
                s->cpu_quota = positive(json_object_get(c, "quota"));
                s->cpu_period = positive(json_object_get(c, "period"));
                s->pids_limit = positive(json_object_get(p, "limit"));
                s->cpu_shares = positive(json_object_get(c, "shares"));
                s->cpu_rt_runtime = positive(json_object_get(c, "realtimeRuntime"));
                s->cpu_rt_period = positive(json_object_get(c, "realtimePeriod"));
                if (json_string_length(json_object_get(c, "cpus")))
                        s->cpuset_cpus = eng_xstrdup(json_string_value(json_object_get(c, "cpus")));
                if (json_string_length(json_object_get(c, "mems")))
                        s->cpuset_mems = eng_xstrdup(json_string_value(json_object_get(c, "mems")));
                if (s->memory_limit)
                        what = append_word(what, "memory");
                if (s->cpu_quota || s->cpu_shares || s->cpu_rt_runtime || s->cpu_rt_period)
                        what = append_word(what, "cpu");
                if (s->cpuset_cpus || s->cpuset_mems)
                        what = append_word(what, "cpuset");
                if (s->pids_limit)
                        what = append_word(what, "pids");
                /* the limits runtime/oci/cgroup.c reads from the object itself */
                s->resources = res;
                if (!s->memory_limit && (positive(json_object_get(m, "reservation")) ||
                                         positive(json_object_get(m, "kernel")) ||
                                         positive(json_object_get(m, "kernelTCP")) ||
                                         json_is_integer(json_object_get(m, "swappiness")) ||
                                         json_is_true(json_object_get(m, "disableOOMKiller"))))
                        what = append_word(what, "memory");
                if (json_array_size(json_object_get(res, "hugepageLimits")))
                        what = append_word(what, "hugetlb");
                if (json_object_size(json_object_get(res, "blockIO")))
                        what = append_word(what, "blkio");
                if (json_object_size(json_object_get(res, "network")))
                        what = append_word(what, "network");
                if (*what) {
                        s->has_resources = true;
                        s->resources_summary = eng_xstrdup(what + 1);
                }
        }
        cg = json_object_get(lx, "cgroupsPath");
        if (cg && !json_is_string(cg))
                return bad(err, "linux.cgroupsPath", "is not a string");
        if (cg) {
                const char *cp = json_string_value(cg);

                /* beneath the cgroup mount, and only there */
                if (!*cp || strstr(cp, "..") || strchr(cp, ':'))
                        return bad(
                                err, "linux.cgroupsPath",
                                "is not a path beneath the cgroup v2 mount (no '..'; systemd slices are not supported)");
                s->cgroups_path = eng_xasprintf("%s%s", *cp == '/' ? "" : "/", cp);
        }
        return 0;
}

static int parse_mounts(struct oci_spec *s, json_t *mounts, struct eng_error **err)
{
        json_t *m;
        size_t i;

        if (!mounts)
                return 0;
        if (!json_is_array(mounts))
                return bad(err, "mounts", "is not an array");
        s->mounts = eng_xcalloc(json_array_size(mounts) + 1, sizeof(*s->mounts));
        json_array_foreach(mounts, i, m) {
                struct oci_mount *o = &s->mounts[i];

                s->nmounts = i + 1;
                if (!json_is_object(m))
                        return bad(err, "mounts", "has an element that is not an object");
                if (get_string(m, "destination", "mounts.destination", &o->destination, err) < 0 ||
                    get_string(m, "type", "mounts.type", &o->type, err) < 0 ||
                    get_string(m, "source", "mounts.source", &o->source, err) < 0 ||
                    get_strv(m, "options", "mounts.options", &o->options, err) < 0)
                        return -1;
                if (!o->destination || o->destination[0] != '/')
                        return bad(err, "mounts.destination", "is missing or not absolute");
                if (!o->type)
                        o->type = eng_xstrdup("none");
                if (!o->source)
                        o->source = eng_xstrdup(o->type);
                if (!o->options)
                        o->options = eng_xcalloc(1, sizeof(char *));
        }
        return 0;
}

static const struct {
        const char *name;
        enum oci_hook_kind kind;
} hook_kinds[] = {
        { "prestart", OCI_HOOK_CREATE_RUNTIME },
        { "createRuntime", OCI_HOOK_CREATE_RUNTIME },
        { "createContainer", OCI_HOOK_CREATE_CONTAINER },
        { "startContainer", OCI_HOOK_START_CONTAINER },
        { "poststart", OCI_HOOK_POSTSTART },
        { "poststop", OCI_HOOK_POSTSTOP },
};

static int parse_hooks(struct oci_spec *s, json_t *hooks, struct eng_error **err)
{
        if (!hooks)
                return 0;
        if (!json_is_object(hooks))
                return bad(err, "hooks", "is not an object");
        for (size_t k = 0; k < ELEMENTSOF(hook_kinds); k++) {
                json_t *list = json_object_get(hooks, hook_kinds[k].name), *h;
                struct oci_hooks *hs = &s->hooks[hook_kinds[k].kind];
                size_t i;

                if (list && !json_is_array(list))
                        return bad(err, "hooks", "has a list that is not an array");
                if (!json_array_size(list))
                        continue;
                hs->v = eng_xrealloc(hs->v, (hs->n + json_array_size(list)) * sizeof(*hs->v));
                json_array_foreach(list, i, h) {
                        struct oci_hook *o = &hs->v[hs->n];
                        json_t *t = json_object_get(h, "timeout");

                        memset(o, 0, sizeof(*o));
                        hs->n++;
                        if (get_string(h, "path", "hooks.path", &o->path, err) < 0 ||
                            get_strv(h, "args", "hooks.args", &o->args, err) < 0 ||
                            get_strv(h, "env", "hooks.env", &o->env, err) < 0)
                                return -1;
                        if (!o->path || o->path[0] != '/')
                                return bad(err, "hooks.path", "is missing or not absolute");
                        if (t && (!json_is_integer(t) || json_integer_value(t) <= 0 ||
                                  json_integer_value(t) > 86400))
                                return bad(err, "hooks.timeout", "is not a number of seconds");
                        if (!o->args)
                                eng_strv_push(&o->args, o->path);
                        o->timeout = t ? (int) json_integer_value(t) : 0;
                }
        }
        return 0;
}

/* whether @a (may be NULL) is @b */
static bool str_eq(const char *a, const char *b)
{
        return a && strcmp(a, b) == 0;
}

struct oci_spec *oci_spec_parse(json_t *json, const char *bundle, struct eng_error **err)
{
        struct oci_spec *s = eng_xcalloc(1, sizeof(*s));
        json_t *root;

        s->json = json_incref(json);
        if (!json_is_object(json)) {
                bad(err, "(document)", "is not a JSON object");
                return oci_spec_free(s);
        }
        root = json_object_get(json, "root");
        if (!json_is_object(root) || !json_is_string(json_object_get(root, "path"))) {
                bad(err, "root.path", "is missing");
                return oci_spec_free(s);
        }
        {
                const char *path = json_string_value(json_object_get(root, "path"));

                if (path[0] == '/' || !bundle)
                        s->root_path = eng_xstrdup(path);
                else
                        s->root_path = eng_xasprintf("%s/%s", bundle, path);
        }
        s->root_readonly = json_is_true(json_object_get(root, "readonly"));
        if (get_string(json, "hostname", "hostname", &s->hostname, err) < 0 ||
            get_string(json, "domainname", "domainname", &s->domainname, err) < 0 ||
            oci_process_parse(json_object_get(json, "process"), &s->process, err) < 0 ||
            parse_mounts(s, json_object_get(json, "mounts"), err) < 0 ||
            parse_linux(s, json_object_get(json, "linux"), err) < 0 ||
            parse_hooks(s, json_object_get(json, "hooks"), err) < 0)
                return oci_spec_free(s);
        /* the names have fields of their own: kernel.hostname is refused, and
         * kernel.domainname must agree with domainname (crun's rules) */
        if (json_object_get(s->sysctl, "kernel.hostname")) {
                bad(err, "linux.sysctl", "sets kernel.hostname: the hostname field is for that");
                return oci_spec_free(s);
        }
        if (s->domainname && json_object_get(s->sysctl, "kernel.domainname") &&
            !str_eq(json_string_value(json_object_get(s->sysctl, "kernel.domainname")),
                    s->domainname)) {
                bad(err, "linux.sysctl",
                    "sets kernel.domainname to another value than the domainname field");
                return oci_spec_free(s);
        }
        /* crun's annotation (podman --group-add keep-groups): the groups stay the runtime's */
        {
                s->process.keep_groups = str_eq(
                        json_string_value(json_object_get(json_object_get(json, "annotations"),
                                                          "run.oci.keep_original_groups")),
                        "1");
        }
        /* No mappings with a new user namespace: the caller's ids become 0, as crun does. */
        if (s->ns_new[OCI_NS_USER] && !s->idmap.nuid) {
                s->idmap.uid = eng_xcalloc(1, sizeof(*s->idmap.uid));
                s->idmap.uid[0] =
                        (struct eng_idrange){ .container = 0, .host = geteuid(), .size = 1 };
                s->idmap.nuid = 1;
        }
        if (s->ns_new[OCI_NS_USER] && !s->idmap.ngid) {
                s->idmap.gid = eng_xcalloc(1, sizeof(*s->idmap.gid));
                s->idmap.gid[0] =
                        (struct eng_idrange){ .container = 0, .host = getegid(), .size = 1 };
                s->idmap.ngid = 1;
        }
        return s;
}

struct oci_spec *oci_spec_load(const char *bundle, struct eng_error **err)
{
        return oci_spec_load_file(bundle, "config.json", err);
}

struct oci_spec *oci_spec_load_file(const char *bundle, const char *config, struct eng_error **err)
{
        _cleanup_free_ char *path =
                config[0] == '/' ? eng_xstrdup(config) : eng_xasprintf("%s/%s", bundle, config);
        _cleanup_free_ char *data = NULL;
        json_error_t je;
        json_t *json;
        size_t len;
        struct oci_spec *s;

        if (eng_read_file(path, OCI_CONFIG_MAX, &data, &len, err) < 0)
                return NULL;
        json = json_loadb(data, len, 0, &je);
        if (!json) {
                eng_err(err, ENG_E_INVALID, 0, "'%s' is not valid JSON: %s (line %d)", path,
                        je.text, je.line);
                return NULL;
        }
        s = oci_spec_parse(json, bundle, err);
        json_decref(json);
        return s;
}

struct oci_spec *oci_spec_free(struct oci_spec *s)
{
        if (!s)
                return NULL;
        json_decref(s->json);
        free(s->root_path);
        free(s->hostname);
        free(s->domainname);
        for (size_t i = 0; i < s->ndevices; i++)
                free(s->devices[i].path);
        free(s->devices);
        oci_process_release(&s->process);
        for (size_t i = 0; i < s->nmounts; i++) {
                free(s->mounts[i].destination);
                free(s->mounts[i].type);
                free(s->mounts[i].source);
                eng_strv_free(s->mounts[i].options);
        }
        free(s->mounts);
        for (int k = 0; k < OCI_NS_COUNT; k++)
                free(s->ns_path[k]);
        eng_idmap_release(&s->idmap);
        for (int k = 0; k < OCI_HOOK_COUNT; k++) {
                for (size_t i = 0; i < s->hooks[k].n; i++) {
                        free(s->hooks[k].v[i].path);
                        eng_strv_free(s->hooks[k].v[i].args);
                        eng_strv_free(s->hooks[k].v[i].env);
                }
                free(s->hooks[k].v);
        }
        eng_strv_free(s->masked_paths);
        eng_strv_free(s->readonly_paths);
        free(s->resources_summary);
        free(s->cpuset_cpus);
        free(s->cpuset_mems);
        free(s->cgroups_path);
        free(s);
        return NULL;
}

static json_t *caps_array(uint64_t mask)
{
        json_t *a = json_array();

        for (size_t i = 0; i < ELEMENTSOF(cap_names); i++)
                if (mask & CAP_BIT(i))
                        json_array_append_new(a, json_string(cap_names[i]));
        return a;
}

static json_t *mount_new(const char *dest, const char *type, const char *source,
                         const char *const *options)
{
        json_t *o = json_array();

        for (; *options; options++)
                json_array_append_new(o, json_string(*options));
        return json_pack("{s:s,s:s,s:s,s:o}", "destination", dest, "type", type, "source", source,
                         "options", o);
}

json_t *oci_spec_example(bool rootless)
{
        static const char *const proc_o[] = { NULL };
        static const char *const dev_o[] = { "nosuid", "strictatime", "mode=755", "size=65536k",
                                             NULL };
        static const char *const pts_o[] = { "nosuid",        "noexec",    "newinstance",
                                             "ptmxmode=0666", "mode=0620", NULL };
        static const char *const pts_gid_o[] = {
                "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL
        };
        static const char *const shm_o[] = { "nosuid",    "noexec",      "nodev",
                                             "mode=1777", "size=65536k", NULL };
        static const char *const mq_o[] = { "nosuid", "noexec", "nodev", NULL };
        static const char *const sys_o[] = { "nosuid", "noexec", "nodev", "ro", NULL };
        static const char *const sysbind_o[] = { "rbind", "nosuid", "noexec", "nodev", "ro", NULL };
        static const char *const cg_o[] = { "nosuid", "noexec", "nodev", "relatime", "ro", NULL };
        uint64_t caps = CAP_BIT(29) /* AUDIT_WRITE */ | CAP_BIT(5) /* KILL */ |
                        CAP_BIT(10) /* NET_BIND_SERVICE */;
        json_t *mounts = json_array(), *ns = json_array(), *lx;

        json_array_append_new(mounts, mount_new("/proc", "proc", "proc", proc_o));
        json_array_append_new(mounts, mount_new("/dev", "tmpfs", "tmpfs", dev_o));
        json_array_append_new(
                mounts, mount_new("/dev/pts", "devpts", "devpts", rootless ? pts_o : pts_gid_o));
        json_array_append_new(mounts, mount_new("/dev/shm", "tmpfs", "shm", shm_o));
        json_array_append_new(mounts, mount_new("/dev/mqueue", "mqueue", "mqueue", mq_o));
        if (rootless)
                json_array_append_new(mounts, mount_new("/sys", "none", "/sys", sysbind_o));
        else
                json_array_append_new(mounts, mount_new("/sys", "sysfs", "sysfs", sys_o));
        if (!rootless)
                json_array_append_new(mounts,
                                      mount_new("/sys/fs/cgroup", "cgroup", "cgroup", cg_o));

        json_array_append_new(ns, json_pack("{s:s}", "type", "pid"));
        if (!rootless)
                json_array_append_new(ns, json_pack("{s:s}", "type", "network"));
        json_array_append_new(ns, json_pack("{s:s}", "type", "ipc"));
        json_array_append_new(ns, json_pack("{s:s}", "type", "uts"));
        json_array_append_new(ns, json_pack("{s:s}", "type", "mount"));
        json_array_append_new(ns, json_pack("{s:s}", "type", "cgroup"));
        lx = json_pack("{s:o,s:[sssssssss],s:[ssssss]}", "namespaces", ns, "maskedPaths",
                       "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                       "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                       "/proc/sched_debug", "/sys/firmware", "readonlyPaths", "/proc/bus",
                       "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", "/proc/scsi");
        if (rootless) {
                json_array_append_new(ns, json_pack("{s:s}", "type", "user"));
                json_object_set_new(lx, "uidMappings",
                                    json_pack("[{s:I,s:I,s:I}]", "containerID", (json_int_t) 0,
                                              "hostID", (json_int_t) getuid(), "size",
                                              (json_int_t) 1));
                json_object_set_new(lx, "gidMappings",
                                    json_pack("[{s:I,s:I,s:I}]", "containerID", (json_int_t) 0,
                                              "hostID", (json_int_t) getgid(), "size",
                                              (json_int_t) 1));
        }
        return json_pack(
                "{s:s,s:{s:b,s:{s:i,s:i},s:[s],s:[ss],s:s,s:{s:o,s:o,s:o,s:o},s:[{s:s,s:i,s:i}],s:b},s:{s:s,s:b},s:s,s:o,s:o}",
                "ociVersion", OCI_VERSION, "process", "terminal", 1, "user", "uid", 0, "gid", 0,
                "args", "sh", "env",
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
                "cwd", "/", "capabilities", "bounding", caps_array(caps), "effective",
                caps_array(caps), "permitted", caps_array(caps), "ambient", caps_array(caps),
                "rlimits", "type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024, "noNewPrivileges",
                1, "root", "path", "rootfs", "readonly", 1, "hostname", "eng", "mounts", mounts,
                "linux", lx);
}

int oci_signal_parse(const char *s)
{
        static const struct {
                const char *name;
                int sig;
        } sigs[] = {
                { "HUP", SIGHUP },     { "INT", SIGINT },   { "QUIT", SIGQUIT },
                { "KILL", SIGKILL },   { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
                { "TERM", SIGTERM },   { "STOP", SIGSTOP }, { "CONT", SIGCONT },
                { "WINCH", SIGWINCH }, { "ALRM", SIGALRM }, { "PIPE", SIGPIPE },
        };
        char *end;
        long n = strtol(s, &end, 10);

        if (*s && !*end)
                return n > 0 && n < 65 ? (int) n : -1;
        if (strncasecmp(s, "SIG", 3) == 0)
                s += 3;
        for (size_t i = 0; i < ELEMENTSOF(sigs); i++)
                if (strcasecmp(sigs[i].name, s) == 0)
                        return sigs[i].sig;
        return -1;
}

json_t *oci_features(void)
{
        json_t *hooks = json_array(), *ns = json_array(), *caps = json_array(), *mounts;
        const char *v;

        for (size_t i = 0; i < ELEMENTSOF(hook_kinds); i++)
                json_array_append_new(hooks, json_string(hook_kinds[i].name));
        for (size_t i = 0; i < OCI_NS_COUNT; i++)
                json_array_append_new(ns, json_string(ns_names[i]));
        for (int i = 0; (v = oci_cap_name(i)); i++)
                json_array_append_new(caps, json_string(v));
        mounts = oci_mount_option_names();
        return json_pack(
                "{s:s,s:s,s:o,s:o,s:{s:o,s:o,s:{s:b,s:b,s:b,s:b},s:o,s:{s:b},s:{s:b}},s:{s:s,s:s}}",
                "ociVersionMin", "1.0.0", "ociVersionMax", OCI_VERSION, "hooks", hooks,
                "mountOptions", mounts, "linux", "namespaces", ns, "capabilities", caps, "cgroup",
                "v1", true, "v2", true, "systemd", false, "systemdUser", false, "seccomp",
                oci_seccomp_features(), "apparmor", "enabled", false, "selinux", "enabled", false,
                "annotations", "io.github.seccomp.libseccomp.version", oci_seccomp_version(),
                "org.eng.runtime.version", PACKAGE_VERSION);
}
