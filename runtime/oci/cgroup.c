/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A container's cgroup (as crun does it with the cgroupfs manager):
 * linux.cgroupsPath beneath the cgroup2 mount is made, the controllers its
 * limits need are enabled in the parent's cgroup.subtree_control, the
 * limits are written, and the container process is moved in before it runs
 * anything of its own.  Rootless, the parent must be delegated to the user
 * (owned, writable); eng picks such a place (runtime/cgroup.h).
 *
 * On a hybrid or legacy machine a controller may be held by a cgroup v1
 * hierarchy instead (/sys/fs/cgroup/memory, ...).  The host's root uses it
 * there, as runc does: the same path is made in that hierarchy, its v1
 * files written, and the process entered in it too.  A user can have no v1
 * cgroup (v1 knows no delegation).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/strv.h"
#include "common/userns.h"
#include "common/xalloc.h"
#include "runtime/oci/oci-internal.h"

#include "common/banned.h"

#define CGROUP2_MAGIC 0x63677270
#define CGROUP1_MAGIC 0x27e0eb

/* where cgroup2 is mounted: /sys/fs/cgroup (unified) or its "unified" (hybrid) */
static const char *v2_mount(struct eng_error **err)
{
        static const char *const places[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
        struct statfs sf;

        for (size_t i = 0; i < ELEMENTSOF(places); i++)
                if (statfs(places[i], &sf) == 0 && sf.f_type == CGROUP2_MAGIC)
                        return places[i];
        eng_err(err, ENG_E_USAGE, 0,
                "resource limits need cgroup v2, and it is mounted neither at /sys/fs/cgroup nor at /sys/fs/cgroup/unified");
        return NULL;
}

char *oci_cgroup_dir(const char *cgroups_path, struct eng_error **err)
{
        const char *mnt = v2_mount(err);

        return mnt ? eng_xasprintf("%s%s", mnt, cgroups_path) : NULL;
}

static int write_value(const char *dir, const char *file, const char *value, struct eng_error **err)
{
        _cleanup_free_ char *path = eng_xasprintf("%s/%s", dir, file);
        int r = eng_write_string(path, value);

        return r < 0 ? eng_err(err, ENG_E_SYS, -r, "writing '%s' to '%s'", value, path) : 0;
}

/* whether the space-separated list in @dir/@file has @word */
static bool listed(const char *dir, const char *file, const char *word)
{
        _cleanup_free_ char *path = eng_xasprintf("%s/%s", dir, file);
        _cleanup_free_ char *data = NULL;
        _cleanup_strv_ char **words = NULL;
        struct eng_error *e = NULL;

        if (eng_read_file(path, 4096, &data, NULL, &e) < 0) {
                eng_err_free(e);
                return false;
        }
        data[strcspn(data, "\n")] = '\0';
        words = eng_strv_split(data, " ");
        return eng_strv_contains(words, word);
}

static bool have(const char *dir, const char *file)
{
        _cleanup_free_ char *path = eng_xasprintf("%s/%s", dir, file);

        return access(path, F_OK) == 0;
}

/* @ctrl shared out by @parent to its children: enabled now if it is not yet */
static int enable(const char *parent, const char *ctrl, struct eng_error **err)
{
        _cleanup_free_ char *plus = eng_xasprintf("+%s", ctrl);

        if (listed(parent, "cgroup.subtree_control", ctrl))
                return 0;
        if (!listed(parent, "cgroup.controllers", ctrl))
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "the %s controller is not available in the cgroup '%s' (its cgroup.controllers lacks it: a cgroup v1 hierarchy may hold it, or it was not delegated)",
                        ctrl, parent);
        if (write_value(parent, "cgroup.subtree_control", plus, err) < 0)
                return eng_err_wrap(err, "enabling the %s controller for containers", ctrl);
        return 0;
}

/* whether this is the host's root, the only one with v1 cgroups (v1 knows no delegation) */
static bool host_root(void)
{
        return geteuid() == 0 && eng_userns_is_initial();
}

/*
 * The cgroup v1 hierarchies mounted in /sys/fs/cgroup, by directory name
 * ("memory", "cpu,cpuacct", "systemd"), each once: a link to one
 * ("cpu" -> "cpu,cpuacct") is left out.
 */
static char **v1_hierarchies(void)
{
        char **l = eng_xcalloc(1, sizeof(char *));
        _cleanup_closedir_ DIR *d = opendir("/sys/fs/cgroup");
        struct dirent *de;

        while (d && (de = readdir(d))) {
                _cleanup_free_ char *path = NULL;
                struct statfs sf;
                struct stat st;

                if (de->d_name[0] == '.')
                        continue;
                path = eng_xasprintf("/sys/fs/cgroup/%s", de->d_name);
                if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || statfs(path, &sf) < 0 ||
                    sf.f_type != CGROUP1_MAGIC)
                        continue;
                eng_strv_push(&l, de->d_name);
        }
        return l;
}

/* @cgroups_path in the v1 hierarchy of @ctrl, or NULL when no such hierarchy is mounted */
static char *v1_dir(const char *ctrl, const char *cgroups_path)
{
        _cleanup_free_ char *mnt = eng_xasprintf("/sys/fs/cgroup/%s", ctrl);
        struct statfs sf;

        if (statfs(mnt, &sf) < 0 || sf.f_type != CGROUP1_MAGIC)
                return NULL;
        return eng_xasprintf("%s%s", mnt, cgroups_path);
}

/*
 * Where the limits of a controller go (@v2name in cgroup v2, @v1name in v1;
 * NULL where that version has none): the v2 directory @dir when the v2
 * tree offers the controller (enabled in the parent on the way), else its
 * v1 hierarchy, for the host's root.
 */
static char *controller_dir(const char *dir, const char *cgroups_path, const char *v1name,
                            const char *v2name, bool *ret_v1, struct eng_error **err)
{
        _cleanup_free_ char *parent = eng_xstrndup(dir, (size_t) (strrchr(dir, '/') - dir));
        _cleanup_free_ char *v1 = NULL;

        *ret_v1 = false;
        if (v1name && (!v2name || !listed(parent, "cgroup.controllers", v2name)) && host_root())
                v1 = v1_dir(v1name, cgroups_path);
        if (!v1 && v2name)
                return enable(parent, v2name, err) < 0 ? NULL : eng_xstrdup(dir);
        if (!v1) {
                eng_err(err, ENG_E_USAGE, 0,
                        host_root()
                                ? "the %s controller needs a cgroup v1 hierarchy, and none is mounted at /sys/fs/cgroup/%s"
                                : "the %s controller needs a cgroup v1 hierarchy, which only the host's root can have (%s)",
                        v1name, v1name);
                return NULL;
        }
        if (eng_mkdir_p(v1, 0755, err) < 0)
                return NULL;
        *ret_v1 = true;
        return TAKE_PTR(v1);
}

/*
 * A v1 cpuset cgroup starts with no CPUs and no memory nodes, and takes no
 * process so: each level made below the hierarchy's root gets its parent's
 * (as runc does), before the container's own are written.
 */
static int cpuset_v1_fill(const char *root, const char *dir, struct eng_error **err)
{
        static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
        _cleanup_free_ char *path = eng_xstrdup(root);
        const char *p = dir + strlen(root);

        while (*p == '/') {
                _cleanup_free_ char *parent = eng_xstrdup(path);
                const char *next = strchr(p + 1, '/');
                size_t n = next ? (size_t) (next - p) : strlen(p);
                char *np = eng_xasprintf("%s%.*s", path, (int) n, p);

                free(path);
                path = np;
                p += n;
                for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                        _cleanup_free_ char *mine = NULL, *theirs = NULL, *f = NULL;

                        f = eng_xasprintf("%s/%s", path, files[i]);
                        if (eng_read_file(f, 4096, &mine, NULL, err) < 0)
                                return -1;
                        if (mine[strspn(mine, " \n")] != '\0')
                                continue;
                        free(f);
                        f = eng_xasprintf("%s/%s", parent, files[i]);
                        if (eng_read_file(f, 4096, &theirs, NULL, err) < 0 ||
                            write_value(path, files[i], theirs, err) < 0)
                                return -1;
                }
        }
        return 0;
}

/* v1's cpu.shares (2..262144) as v2's cpu.weight (1..10000), as crun and runc map it */
static uint64_t shares_to_weight(int64_t shares)
{
        if (shares < 2)
                shares = 2;
        if (shares > 262144)
                shares = 262144;
        return 1 + ((uint64_t) (shares - 2) * 9999) / 262142;
}

static int write_cpu(const struct oci_spec *spec, const char *d, bool v1, struct eng_error **err)
{
        int64_t period = spec->cpu_period ? spec->cpu_period : 100000;
        char v[64];

        if (spec->cpu_shares) {
                if (v1)
                        snprintf(v, sizeof(v), "%" PRId64, spec->cpu_shares);
                else
                        snprintf(v, sizeof(v), "%" PRIu64, shares_to_weight(spec->cpu_shares));
                if (write_value(d, v1 ? "cpu.shares" : "cpu.weight", v, err) < 0)
                        return -1;
        }
        if (spec->cpu_quota) {
                if (v1) {
                        snprintf(v, sizeof(v), "%" PRId64, period);
                        if (write_value(d, "cpu.cfs_period_us", v, err) < 0)
                                return -1;
                        snprintf(v, sizeof(v), "%" PRId64, spec->cpu_quota);
                        if (write_value(d, "cpu.cfs_quota_us", v, err) < 0)
                                return -1;
                } else {
                        snprintf(v, sizeof(v), "%" PRId64 " %" PRId64, spec->cpu_quota, period);
                        if (write_value(d, "cpu.max", v, err) < 0)
                                return -1;
                }
        }
        if (spec->cpu_rt_period || spec->cpu_rt_runtime) {
                if (!v1)
                        return eng_err(
                                err, ENG_E_USAGE, 0,
                                "realtime CPU limits (linux.resources.cpu.realtimeRuntime, realtimePeriod) need a cgroup v1 cpu hierarchy; cgroup v2 has none");
                /* the period first: the runtime may not exceed it */
                snprintf(v, sizeof(v), "%" PRId64, spec->cpu_rt_period);
                if (spec->cpu_rt_period && write_value(d, "cpu.rt_period_us", v, err) < 0)
                        return -1;
                snprintf(v, sizeof(v), "%" PRId64, spec->cpu_rt_runtime);
                if (spec->cpu_rt_runtime && write_value(d, "cpu.rt_runtime_us", v, err) < 0)
                        return -1;
        }
        return 0;
}

static int write_i64(const char *d, const char *file, int64_t n, struct eng_error **err)
{
        char v[32];

        snprintf(v, sizeof(v), "%" PRId64, n);
        return write_value(d, file, v, err);
}

/* "a limit for cgroup v1 only": the error for it in v2 */
static int v1_only(const char *field, struct eng_error **err)
{
        return eng_err(
                err, ENG_E_USAGE, 0,
                "linux.resources.%s needs a cgroup v1 hierarchy; cgroup v2 has no such limit",
                field);
}

static int write_memory(const struct oci_spec *spec, const char *d, bool v1, struct eng_error **err)
{
        json_t *m = json_object_get(spec->resources, "memory");
        json_int_t reservation = json_integer_value(json_object_get(m, "reservation"));
        json_int_t kernel = json_integer_value(json_object_get(m, "kernel"));
        json_int_t tcp = json_integer_value(json_object_get(m, "kernelTCP"));
        json_t *swappiness = json_object_get(m, "swappiness");
        char v[64];

        if (spec->memory_limit) {
                /* the spec's swap is memory plus swap; v2's memory.swap.max is swap
                 * alone (absent where swap is not accounted); v1's memsw the sum */
                if (spec->memory_swap > 0 && spec->memory_swap < spec->memory_limit)
                        return eng_err(err, ENG_E_USAGE, 0,
                                       "the memory and swap limit (%" PRId64
                                       ") is below the memory limit (%" PRId64 ")",
                                       spec->memory_swap, spec->memory_limit);
                if (write_i64(d, v1 ? "memory.limit_in_bytes" : "memory.max", spec->memory_limit,
                              err) < 0)
                        return -1;
                if (spec->memory_swap < 0)
                        snprintf(v, sizeof(v), v1 ? "-1" : "max");
                else if (v1)
                        snprintf(v, sizeof(v), "%" PRId64, spec->memory_swap);
                else
                        snprintf(v, sizeof(v), "%" PRId64, spec->memory_swap - spec->memory_limit);
                if (spec->memory_swap) {
                        const char *f = v1 ? "memory.memsw.limit_in_bytes" : "memory.swap.max";

                        if (have(d, f) && write_value(d, f, v, err) < 0)
                                return -1;
                }
        }
        /* a soft limit: memory.low is v2's nearest */
        if (reservation > 0 &&
            write_i64(d, v1 ? "memory.soft_limit_in_bytes" : "memory.low", reservation, err) < 0)
                return -1;
        if (kernel > 0 && (v1 ? write_i64(d, "memory.kmem.limit_in_bytes", kernel, err)
                              : v1_only("memory.kernel", err)) < 0)
                return -1;
        if (tcp > 0 && (v1 ? write_i64(d, "memory.kmem.tcp.limit_in_bytes", tcp, err)
                           : v1_only("memory.kernelTCP", err)) < 0)
                return -1;
        if (json_is_integer(swappiness)) {
                json_int_t n = json_integer_value(swappiness);

                if (n < 0 || n > 100)
                        return eng_err(err, ENG_E_INVALID, 0,
                                       "linux.resources.memory.swappiness %" JSON_INTEGER_FORMAT
                                       " is not 0 to 100",
                                       n);
                if ((v1 ? write_i64(d, "memory.swappiness", n, err)
                        : v1_only("memory.swappiness", err)) < 0)
                        return -1;
        }
        if (json_is_true(json_object_get(m, "disableOOMKiller")) &&
            (v1 ? write_value(d, "memory.oom_control", "1", err)
                : v1_only("memory.disableOOMKiller", err)) < 0)
                return -1;
        return 0;
}

static int write_pids(const struct oci_spec *spec, const char *d, bool v1, struct eng_error **err)
{
        (void) v1;
        return write_i64(d, "pids.max", spec->pids_limit, err);
}

static int write_cpuset(const struct oci_spec *spec, const char *d, bool v1, struct eng_error **err)
{
        if (v1 && cpuset_v1_fill("/sys/fs/cgroup/cpuset", d, err) < 0)
                return -1;
        if (spec->cpuset_cpus && write_value(d, "cpuset.cpus", spec->cpuset_cpus, err) < 0)
                return -1;
        if (spec->cpuset_mems && write_value(d, "cpuset.mems", spec->cpuset_mems, err) < 0)
                return -1;
        return 0;
}

/* "c 1:3 rwm": a device rule in the devices controller's words; NULL if bad */
static char *device_rule(json_t *r)
{
        const char *type = json_string_value(json_object_get(r, "type"));
        const char *access = json_string_value(json_object_get(r, "access"));
        json_t *major = json_object_get(r, "major"), *minor = json_object_get(r, "minor");
        char ma[24] = "*", mi[24] = "*";

        if (!type)
                type = "a";
        if (!access || !*access)
                access = "rwm";
        if (strlen(type) != 1 || !strchr("abc", type[0]) || strspn(access, "rwm") != strlen(access))
                return NULL;
        if (type[0] == 'a')
                return eng_xstrdup("a");
        if (json_is_integer(major) && json_integer_value(major) >= 0)
                snprintf(ma, sizeof(ma), "%" JSON_INTEGER_FORMAT, json_integer_value(major));
        if (json_is_integer(minor) && json_integer_value(minor) >= 0)
                snprintf(mi, sizeof(mi), "%" JSON_INTEGER_FORMAT, json_integer_value(minor));
        return eng_xasprintf("%s %s:%s %s", type, ma, mi, access);
}

/*
 * linux.resources.devices, in order, then the devices every container may
 * use (runc's list: mknod of any, the null, zero, full, tty, random and
 * urandom nodes, the console, ptys, the tun device), as runc writes them.
 */
static int write_devices(const struct oci_spec *spec, const char *d, bool v1,
                         struct eng_error **err)
{
        static const char *const defaults[] = {
                "c *:* m",   "b *:* m",   "c 1:3 rwm", "c 1:5 rwm",   "c 1:7 rwm", "c 5:0 rwm",
                "c 1:8 rwm", "c 1:9 rwm", "c 5:1 rwm", "c 136:* rwm", "c 5:2 rwm", "c 10:200 rwm",
        };
        json_t *rules = json_object_get(spec->resources, "devices"), *r;
        size_t i;

        (void) v1;
        json_array_foreach(rules, i, r) {
                _cleanup_free_ char *rule = device_rule(r);

                if (!rule)
                        return eng_err(
                                err, ENG_E_INVALID, 0,
                                "linux.resources.devices[%zu] is not a device rule (type a, b or c; access of r, w, m)",
                                i);
                if (write_value(d,
                                json_is_true(json_object_get(r, "allow")) ? "devices.allow"
                                                                          : "devices.deny",
                                rule, err) < 0)
                        return -1;
        }
        for (i = 0; i < ELEMENTSOF(defaults); i++)
                if (write_value(d, "devices.allow", defaults[i], err) < 0)
                        return -1;
        return 0;
}

static int write_hugetlb(const struct oci_spec *spec, const char *d, bool v1,
                         struct eng_error **err)
{
        json_t *l = json_object_get(spec->resources, "hugepageLimits"), *h;
        size_t i;

        json_array_foreach(l, i, h) {
                const char *size = json_string_value(json_object_get(h, "pageSize"));
                json_t *limit = json_object_get(h, "limit");
                _cleanup_free_ char *file = NULL;

                if (!size || !*size || strspn(size, "0123456789KMGB") != strlen(size) ||
                    !json_is_integer(limit))
                        return eng_err(
                                err, ENG_E_INVALID, 0,
                                "linux.resources.hugepageLimits[%zu] needs a pageSize (\"2MB\") and a limit",
                                i);
                file = eng_xasprintf("hugetlb.%s.%s", size, v1 ? "limit_in_bytes" : "max");
                if (!have(d, file))
                        return eng_err(err, ENG_E_USAGE, 0,
                                       "this machine has no huge pages of %s (no %s in '%s')", size,
                                       file, d);
                if (write_i64(d, file, json_integer_value(limit), err) < 0)
                        return -1;
        }
        return 0;
}

/* "MAJOR:MINOR" of a weightDevice or throttle entry, or false */
static bool device_numbers(json_t *e, char *buf, size_t size)
{
        json_t *ma = json_object_get(e, "major"), *mi = json_object_get(e, "minor");

        if (!json_is_integer(ma) || !json_is_integer(mi))
                return false;
        snprintf(buf, size, "%" JSON_INTEGER_FORMAT ":%" JSON_INTEGER_FORMAT,
                 json_integer_value(ma), json_integer_value(mi));
        return true;
}

/* v1's blkio weight (10..1000) as v2's io.weight (1..10000), crun's mapping */
static json_int_t blkio_to_io_weight(json_int_t w)
{
        return 1 + (w - 10) * 9999 / 990;
}

static int write_blkio(const struct oci_spec *spec, const char *d, bool v1, struct eng_error **err)
{
        static const struct {
                const char *field, *v1file, *v2key;
        } throttles[] = {
                { "throttleReadBpsDevice", "blkio.throttle.read_bps_device", "rbps" },
                { "throttleWriteBpsDevice", "blkio.throttle.write_bps_device", "wbps" },
                { "throttleReadIOPSDevice", "blkio.throttle.read_iops_device", "riops" },
                { "throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", "wiops" },
        };
        json_t *b = json_object_get(spec->resources, "blockIO"), *e;
        json_t *weight = json_object_get(b, "weight");
        const char *wfile = NULL;
        char dev[64], v[128];
        size_t i;

        /* the weight file the kernel's scheduler offers: bfq's, or the old cfq one */
        if (v1)
                wfile = have(d, "blkio.bfq.weight") ? "blkio.bfq.weight"
                        : have(d, "blkio.weight")   ? "blkio.weight"
                                                    : NULL;
        else
                wfile = have(d, "io.bfq.weight") ? "io.bfq.weight"
                        : have(d, "io.weight")   ? "io.weight"
                                                 : NULL;
        if ((json_is_integer(weight) || json_array_size(json_object_get(b, "weightDevice"))) &&
            !wfile)
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "linux.resources.blockIO weights need a block I/O scheduler that has them (bfq), and '%s' has no weight file",
                        d);
        if (json_is_integer(weight)) {
                json_int_t w = json_integer_value(weight);

                if (w < 10 || w > 1000)
                        return eng_err(err, ENG_E_INVALID, 0,
                                       "linux.resources.blockIO.weight %" JSON_INTEGER_FORMAT
                                       " is not 10 to 1000",
                                       w);
                snprintf(v, sizeof(v),
                         v1 ? "%" JSON_INTEGER_FORMAT : "default %" JSON_INTEGER_FORMAT,
                         v1 || strcmp(wfile, "io.bfq.weight") == 0 ? w : blkio_to_io_weight(w));
                if (write_value(d, wfile, v, err) < 0)
                        return -1;
        }
        if (json_is_integer(json_object_get(b, "leafWeight")))
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "linux.resources.blockIO.leafWeight is cfq's, which this kernel lacks");
        json_array_foreach(json_object_get(b, "weightDevice"), i, e) {
                json_t *w = json_object_get(e, "weight");

                if (!device_numbers(e, dev, sizeof(dev)))
                        return eng_err(
                                err, ENG_E_INVALID, 0,
                                "linux.resources.blockIO.weightDevice[%zu] needs major and minor",
                                i);
                if (!json_is_integer(w))
                        continue;
                snprintf(v, sizeof(v), "%s %" JSON_INTEGER_FORMAT, dev, json_integer_value(w));
                if (write_value(d,
                                v1 && strcmp(wfile, "blkio.weight") == 0 ? "blkio.weight_device"
                                                                         : wfile,
                                v, err) < 0)
                        return -1;
        }
        for (size_t t = 0; t < ELEMENTSOF(throttles); t++)
                json_array_foreach(json_object_get(b, throttles[t].field), i, e) {
                        json_t *rate = json_object_get(e, "rate");

                        if (!device_numbers(e, dev, sizeof(dev)) || !json_is_integer(rate))
                                return eng_err(
                                        err, ENG_E_INVALID, 0,
                                        "linux.resources.blockIO.%s[%zu] needs major, minor and rate",
                                        throttles[t].field, i);
                        if (v1)
                                snprintf(v, sizeof(v), "%s %" JSON_INTEGER_FORMAT, dev,
                                         json_integer_value(rate));
                        else
                                snprintf(v, sizeof(v), "%s %s=%" JSON_INTEGER_FORMAT, dev,
                                         throttles[t].v2key, json_integer_value(rate));
                        if (write_value(d, v1 ? throttles[t].v1file : "io.max", v, err) < 0)
                                return -1;
                }
        return 0;
}

static int write_net_cls(const struct oci_spec *spec, const char *d, bool v1,
                         struct eng_error **err)
{
        json_t *id = json_object_get(json_object_get(spec->resources, "network"), "classID");

        (void) v1;
        return write_i64(d, "net_cls.classid", json_integer_value(id), err);
}

static int write_net_prio(const struct oci_spec *spec, const char *d, bool v1,
                          struct eng_error **err)
{
        json_t *l = json_object_get(json_object_get(spec->resources, "network"), "priorities"), *p;
        size_t i;

        (void) v1;
        json_array_foreach(l, i, p) {
                const char *name = json_string_value(json_object_get(p, "name"));
                json_t *prio = json_object_get(p, "priority");
                char v[128];

                if (!name || !*name || strchr(name, ' ') || !json_is_integer(prio))
                        return eng_err(
                                err, ENG_E_INVALID, 0,
                                "linux.resources.network.priorities[%zu] needs a name and a priority",
                                i);
                snprintf(v, sizeof(v), "%s %" JSON_INTEGER_FORMAT, name, json_integer_value(prio));
                if (write_value(d, "net_prio.ifpriomap", v, err) < 0)
                        return -1;
        }
        return 0;
}

static bool need_memory(const struct oci_spec *s)
{
        json_t *m = json_object_get(s->resources, "memory");

        return s->memory_limit || json_integer_value(json_object_get(m, "reservation")) > 0 ||
               json_integer_value(json_object_get(m, "kernel")) > 0 ||
               json_integer_value(json_object_get(m, "kernelTCP")) > 0 ||
               json_is_integer(json_object_get(m, "swappiness")) ||
               json_is_true(json_object_get(m, "disableOOMKiller"));
}

static bool need_cpu(const struct oci_spec *s)
{
        return s->cpu_quota || s->cpu_shares || s->cpu_rt_runtime || s->cpu_rt_period;
}

static bool need_pids(const struct oci_spec *s)
{
        return s->pids_limit;
}

static bool need_cpuset(const struct oci_spec *s)
{
        return s->cpuset_cpus || s->cpuset_mems;
}

/* device rules are the host's root's, in v1: cgroup v2 has them only as BPF programs */
static bool need_devices(const struct oci_spec *s)
{
        _cleanup_free_ char *d = NULL;

        if (!json_array_size(json_object_get(s->resources, "devices")) || !host_root())
                return false;
        d = v1_dir("devices", "");
        return d != NULL;
}

static bool need_hugetlb(const struct oci_spec *s)
{
        return json_array_size(json_object_get(s->resources, "hugepageLimits"));
}

static bool need_blkio(const struct oci_spec *s)
{
        return json_object_size(json_object_get(s->resources, "blockIO"));
}

static bool need_net_cls(const struct oci_spec *s)
{
        return json_is_integer(
                json_object_get(json_object_get(s->resources, "network"), "classID"));
}

static bool need_net_prio(const struct oci_spec *s)
{
        return json_array_size(
                json_object_get(json_object_get(s->resources, "network"), "priorities"));
}

/* the controllers limits use: their v1 hierarchy's name, v2's (NULL: none there) */
static const struct {
        const char *v1name, *v2name;
        bool (*needed)(const struct oci_spec *spec);
        int (*write)(const struct oci_spec *spec, const char *dir, bool v1, struct eng_error **err);
} controllers[] = {
        { "memory", "memory", need_memory, write_memory },
        { "cpu", "cpu", need_cpu, write_cpu },
        { "pids", "pids", need_pids, write_pids },
        { "cpuset", "cpuset", need_cpuset, write_cpuset },
        { "devices", NULL, need_devices, write_devices },
        { "hugetlb", "hugetlb", need_hugetlb, write_hugetlb },
        { "blkio", "io", need_blkio, write_blkio },
        { "net_cls", NULL, need_net_cls, write_net_cls },
        { "net_prio", NULL, need_net_prio, write_net_prio },
};

static int write_limits(const struct oci_spec *spec, const char *dir, struct eng_error **err)
{
        for (size_t c = 0; c < ELEMENTSOF(controllers); c++) {
                _cleanup_free_ char *d = NULL;
                bool v1;

                if (!controllers[c].needed(spec))
                        continue;
                d = controller_dir(dir, spec->cgroups_path, controllers[c].v1name,
                                   controllers[c].v2name, &v1, err);
                if (!d || controllers[c].write(spec, d, v1, err) < 0)
                        return -1;
        }
        return 0;
}

int oci_cgroup_create(const struct oci_spec *spec, struct eng_error **err)
{
        _cleanup_free_ char *dir = NULL;

        if (!spec->cgroups_path) {
                if (!spec->has_resources)
                        return 0;
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "resource limits (%s) need a cgroup, and the spec names none (linux.cgroupsPath)",
                        spec->resources_summary);
        }
        dir = oci_cgroup_dir(spec->cgroups_path, err);
        if (!dir)
                return -1;
        /* a cgroup a killed run left behind is empty: taken as it is; the host's
         * root makes the parents too (runc), a user's must be delegated */
        if (host_root()) {
                _cleanup_strv_ char **hs = v1_hierarchies();

                if (eng_mkdir_p(dir, 0755, err) < 0)
                        return -1;
                /* and in every v1 hierarchy, as runc does: the container is
                 * counted (and its tools see it) in each */
                ENG_STRV_FOREACH(h, hs) {
                        _cleanup_free_ char *root = eng_xasprintf("/sys/fs/cgroup/%s", *h);
                        _cleanup_free_ char *d = eng_xasprintf("%s%s", root, spec->cgroups_path);

                        if (eng_mkdir_p(d, 0755, err) < 0 ||
                            (strstr(*h, "cpuset") && cpuset_v1_fill(root, d, err) < 0)) {
                                (void) oci_cgroup_remove(spec->cgroups_path, NULL);
                                return eng_err_wrap(err, "making the container's cgroups");
                        }
                }
        } else if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return eng_err(err, ENG_E_SYS, errno, "creating the cgroup '%s'", dir);
        if (write_limits(spec, dir, err) < 0) {
                (void) oci_cgroup_remove(spec->cgroups_path, NULL);
                return eng_err_wrap(err, "setting the container's resource limits");
        }
        return 0;
}

int oci_cgroup_update(const struct oci_spec *spec, struct eng_error **err)
{
        _cleanup_free_ char *dir = NULL;

        if (!spec->cgroups_path)
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "the container has no cgroup of its own (linux.cgroupsPath): its limits cannot be changed");
        dir = oci_cgroup_dir(spec->cgroups_path, err);
        if (!dir)
                return -1;
        /* its cgroups, in every hierarchy, exist since oci_cgroup_create() */
        if (write_limits(spec, dir, err) < 0)
                return eng_err_wrap(err, "changing the container's resource limits");
        return 0;
}

char **oci_cgroup_v1_names(const char *cgroups_path)
{
        char **l = eng_xcalloc(1, sizeof(char *));
        _cleanup_strv_ char **hs = v1_hierarchies();

        ENG_STRV_FOREACH(h, hs) {
                _cleanup_free_ char *d = eng_xasprintf("/sys/fs/cgroup/%s%s", *h, cgroups_path);

                if (access(d, F_OK) == 0)
                        eng_strv_push(&l, *h);
        }
        return l;
}

char **oci_cgroup_v1_dirs(const char *cgroups_path)
{
        char **l = eng_xcalloc(1, sizeof(char *));

        _cleanup_strv_ char **hs = NULL;

        /* only the host's root has cgroups there (v1 knows no delegation) */
        if (!host_root())
                return l;
        hs = v1_hierarchies();
        ENG_STRV_FOREACH(h, hs) {
                char *d = eng_xasprintf("/sys/fs/cgroup/%s%s", *h, cgroups_path);

                if (access(d, F_OK) == 0)
                        eng_strv_consume(&l, d);
                else
                        free(d);
        }
        return l;
}

/* @pid into the cgroup directory @dir */
static int enter_dir(const char *dir, pid_t pid, struct eng_error **err)
{
        char v[32];

        snprintf(v, sizeof(v), "%d", (int) pid);
        if (write_value(dir, "cgroup.procs", v, err) < 0)
                return eng_err_wrap(err, "moving the container into its cgroup");
        return 0;
}

int oci_cgroup_enter(const struct oci_spec *spec, pid_t pid, struct eng_error **err)
{
        _cleanup_free_ char *dir = NULL;

        if (!spec->cgroups_path)
                return 0;
        dir = oci_cgroup_dir(spec->cgroups_path, err);
        if (!dir || enter_dir(dir, pid, err) < 0)
                return -1;
        {
                _cleanup_strv_ char **v1 = oci_cgroup_v1_dirs(spec->cgroups_path);

                ENG_STRV_FOREACH(d, v1)
                        if (enter_dir(*d, pid, err) < 0)
                                return -1;
        }
        return 0;
}

/* whether cgroup.events of @dir says "frozen 1" */
static bool frozen_dir(const char *dir)
{
        _cleanup_free_ char *path = eng_xasprintf("%s/cgroup.events", dir);
        _cleanup_free_ char *data = NULL;
        struct eng_error *e = NULL;

        if (eng_read_file(path, 4096, &data, NULL, &e) < 0) {
                eng_err_free(e);
                return false;
        }
        return strstr(data, "frozen 1\n") != NULL;
}

bool oci_cgroup_frozen(const char *cgroups_path)
{
        _cleanup_free_ char *dir = NULL;
        struct eng_error *e = NULL;

        if (!cgroups_path)
                return false;
        dir = oci_cgroup_dir(cgroups_path, &e);
        if (!dir) {
                eng_err_free(e);
                return false;
        }
        return frozen_dir(dir);
}

int oci_cgroup_freeze(const char *cgroups_path, bool freeze, struct eng_error **err)
{
        _cleanup_free_ char *dir = NULL;

        if (!cgroups_path)
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "the container has no cgroup of its own (linux.cgroupsPath), and pausing needs one");
        dir = oci_cgroup_dir(cgroups_path, err);
        if (!dir)
                return -1;
        if (!have(dir, "cgroup.freeze"))
                return eng_err(err, ENG_E_USAGE, 0,
                               "pausing needs cgroup v2's freezer, and '%s' has no cgroup.freeze",
                               dir);
        if (write_value(dir, "cgroup.freeze", freeze ? "1" : "0", err) < 0)
                return -1;
        /* the kernel freezes the tasks one by one: done when cgroup.events says so */
        for (int i = 0; i < 1000; i++) {
                struct timespec ts = { 0, 5 * 1000 * 1000 };

                if (frozen_dir(dir) == freeze)
                        return 0;
                nanosleep(&ts, NULL);
        }
        return eng_err(err, ENG_E_SYS, ETIMEDOUT, "the cgroup '%s' did not %s within 5 s", dir,
                       freeze ? "freeze" : "thaw");
}

/* the pids in cgroup.procs of @dir and of the cgroups below it, appended to @l */
static void procs_below(const char *dir, pid_t **l, size_t *n, int depth)
{
        _cleanup_free_ char *path = eng_xasprintf("%s/cgroup.procs", dir);
        _cleanup_free_ char *data = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct eng_error *e = NULL;
        struct dirent *de;

        if (eng_read_file(path, 1 << 22, &data, NULL, &e) == 0) {
                for (char *p = data, *end; *p; p = end) {
                        long v = strtol(p, &end, 10);

                        if (end == p)
                                break;
                        *l = eng_xreallocarray(*l, *n + 1, sizeof(**l));
                        (*l)[(*n)++] = (pid_t) v;
                }
        }
        eng_err_free(e);
        if (depth > 64 || !(d = opendir(dir)))
                return;
        while ((de = readdir(d)))
                if (de->d_type == DT_DIR && de->d_name[0] != '.') {
                        _cleanup_free_ char *sub = eng_xasprintf("%s/%s", dir, de->d_name);

                        procs_below(sub, l, n, depth + 1);
                }
}

int oci_cgroup_pids(const char *cgroups_path, pid_t **ret, size_t *ret_n, struct eng_error **err)
{
        _cleanup_free_ char *dir = oci_cgroup_dir(cgroups_path, err);

        *ret = NULL;
        *ret_n = 0;
        if (!dir)
                return -1;
        if (access(dir, F_OK) < 0)
                return eng_err(err, ENG_E_SYS, errno, "reading the cgroup '%s'", dir);
        procs_below(dir, ret, ret_n, 0);
        return 0;
}

/* the number in @dir/@file ("max" is UINT64_MAX), or false when it has none */
static bool read_u64(const char *dir, const char *file, uint64_t *ret)
{
        _cleanup_free_ char *path = eng_xasprintf("%s/%s", dir, file);
        _cleanup_free_ char *data = NULL;
        struct eng_error *e = NULL;
        char *end;

        if (!dir || eng_read_file(path, 4096, &data, NULL, &e) < 0) {
                eng_err_free(e);
                return false;
        }
        if (strncmp(data, "max", 3) == 0) {
                *ret = UINT64_MAX;
                return true;
        }
        errno = 0;
        *ret = strtoull(data, &end, 10);
        return errno == 0 && end != data;
}

/* a limit for JSON: "max" (no limit) as the largest integer */
static json_int_t as_limit(uint64_t v)
{
        return v > (uint64_t) INT64_MAX ? (json_int_t) INT64_MAX : (json_int_t) v;
}

/* "KEY N" of the flat-keyed file @dir/@file (cpu.stat), or 0 */
static uint64_t keyed(const char *dir, const char *file, const char *key)
{
        _cleanup_free_ char *path = eng_xasprintf("%s/%s", dir, file);
        _cleanup_free_ char *data = NULL;
        _cleanup_strv_ char **lines = NULL;
        struct eng_error *e = NULL;
        size_t klen = strlen(key);

        if (eng_read_file(path, 1 << 16, &data, NULL, &e) < 0) {
                eng_err_free(e);
                return 0;
        }
        lines = eng_strv_split(data, "\n");
        ENG_STRV_FOREACH(l, lines)
                if (strncmp(*l, key, klen) == 0 && (*l)[klen] == ' ')
                        return strtoull(*l + klen + 1, NULL, 10);
        return 0;
}

/* @cgroups_path in the v1 hierarchy of @ctrl when the container has a cgroup there */
static char *v1_existing(const char *ctrl, const char *cgroups_path)
{
        char *d = host_root() ? v1_dir(ctrl, cgroups_path) : NULL;

        if (d && access(d, F_OK) < 0) {
                free(d);
                return NULL;
        }
        return d;
}

json_t *oci_cgroup_stats(const char *cgroups_path, struct eng_error **err)
{
        _cleanup_free_ char *dir = NULL, *mem1 = NULL, *pids1 = NULL;
        json_t *data = json_object();
        uint64_t v, lim;

        if (!cgroups_path) {
                json_decref(data);
                eng_err(err, ENG_E_USAGE, 0,
                        "the container has no cgroup of its own (linux.cgroupsPath): it has no statistics");
                return NULL;
        }
        dir = oci_cgroup_dir(cgroups_path, err);
        if (!dir || access(dir, F_OK) < 0) {
                if (dir)
                        eng_err(err, ENG_E_SYS, errno, "reading the cgroup '%s'", dir);
                json_decref(data);
                return NULL;
        }
        /* microseconds in cpu.stat, nanoseconds in runc's stats */
        json_object_set_new(
                data, "cpu",
                json_pack("{s:{s:I,s:I,s:I}}", "usage", "total",
                          (json_int_t) (keyed(dir, "cpu.stat", "usage_usec") * 1000), "user",
                          (json_int_t) (keyed(dir, "cpu.stat", "user_usec") * 1000), "kernel",
                          (json_int_t) (keyed(dir, "cpu.stat", "system_usec") * 1000)));
        mem1 = v1_existing("memory", cgroups_path);
        if (read_u64(dir, "memory.current", &v)) {
                json_t *u = json_pack("{s:I}", "usage", (json_int_t) v);

                if (read_u64(dir, "memory.max", &lim))
                        json_object_set_new(u, "limit", json_integer(as_limit(lim)));
                if (read_u64(dir, "memory.peak", &v))
                        json_object_set_new(u, "max", json_integer((json_int_t) v));
                json_object_set_new(data, "memory", json_pack("{s:o}", "usage", u));
        } else if (mem1 && read_u64(mem1, "memory.usage_in_bytes", &v)) {
                json_t *u = json_pack("{s:I}", "usage", (json_int_t) v);

                if (read_u64(mem1, "memory.limit_in_bytes", &lim))
                        json_object_set_new(u, "limit", json_integer(as_limit(lim)));
                if (read_u64(mem1, "memory.max_usage_in_bytes", &v))
                        json_object_set_new(u, "max", json_integer((json_int_t) v));
                if (read_u64(mem1, "memory.failcnt", &v))
                        json_object_set_new(u, "failcnt", json_integer((json_int_t) v));
                json_object_set_new(data, "memory", json_pack("{s:o}", "usage", u));
        }
        pids1 = v1_existing("pids", cgroups_path);
        if (read_u64(dir, "pids.current", &v) || (pids1 && read_u64(pids1, "pids.current", &v))) {
                json_t *p = json_pack("{s:I}", "current", (json_int_t) v);

                /* runc: 0 for no limit */
                if ((read_u64(dir, "pids.max", &lim) ||
                     (pids1 && read_u64(pids1, "pids.max", &lim))) &&
                    lim != UINT64_MAX)
                        json_object_set_new(p, "limit", json_integer((json_int_t) lim));
                json_object_set_new(data, "pids", p);
        }
        return data;
}

/* rmdir of @dir; EBUSY while the last processes are being reaped: a second at most */
static int remove_dir(const char *dir)
{
        for (int i = 0; i < 100; i++) {
                struct timespec ts = { 0, 10 * 1000 * 1000 };

                if (rmdir(dir) == 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY)
                        break;
                nanosleep(&ts, NULL);
        }
        return -errno;
}

int oci_cgroup_remove(const char *cgroups_path, struct eng_error **err)
{
        _cleanup_free_ char *dir = NULL;
        _cleanup_strv_ char **v1 = NULL;
        struct eng_error *e = NULL;
        int r;

        if (!cgroups_path)
                return 0;
        v1 = oci_cgroup_v1_dirs(cgroups_path);
        ENG_STRV_FOREACH(d, v1)
                if ((r = remove_dir(*d)) < 0 && err)
                        return eng_err(err, ENG_E_SYS, -r, "removing the cgroup '%s'", *d);
        dir = oci_cgroup_dir(cgroups_path, &e);
        if (!dir) {
                eng_err_free(e); /* no cgroup2 at all: nothing was made */
                return 0;
        }
        r = remove_dir(dir);
        if (r == 0)
                return 0;
        if (!err)
                return r; /* the caller has a better error to report */
        return eng_err(err, ENG_E_SYS, -r, "removing the cgroup '%s'", dir);
}
