/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A container's cgroup, cgroup v2 only (as crun does it with the cgroupfs
 * manager): linux.cgroupsPath beneath the cgroup2 mount is made, the
 * controllers its limits need are enabled in the parent's
 * cgroup.subtree_control, the limits are written, and the container
 * process is moved in before it runs anything of its own.  Rootless, the
 * parent must be delegated to the user (owned, writable); eng picks such a
 * place (runtime/cgroup.h).
 */
#include "config.h"

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
#include "common/xalloc.h"
#include "runtime/oci/oci-internal.h"

#include "common/banned.h"

#define CGROUP2_MAGIC 0x63677270

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

int oci_cgroup_create(const struct oci_spec *spec, struct eng_error **err)
{
        _cleanup_free_ char *dir = NULL, *parent = NULL;
        char v[64];

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
        parent = eng_xstrndup(dir, (size_t) (strrchr(dir, '/') - dir));
        if ((spec->memory_limit && enable(parent, "memory", err) < 0) ||
            (spec->cpu_quota && enable(parent, "cpu", err) < 0) ||
            (spec->pids_limit && enable(parent, "pids", err) < 0))
                return -1;
        /* a cgroup a killed run left behind is empty: taken as it is */
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return eng_err(err, ENG_E_SYS, errno, "creating the cgroup '%s'", dir);
        if (spec->memory_limit) {
                snprintf(v, sizeof(v), "%" PRId64, spec->memory_limit);
                if (write_value(dir, "memory.max", v, err) < 0)
                        goto fail;
                /* the spec's swap is memory plus swap; memory.swap.max, swap
                 * alone (absent where swap is not accounted) */
                if (spec->memory_swap > 0 && spec->memory_swap < spec->memory_limit) {
                        eng_err(err, ENG_E_USAGE, 0,
                                "the memory and swap limit (%" PRId64
                                ") is below the memory limit (%" PRId64 ")",
                                spec->memory_swap, spec->memory_limit);
                        goto fail;
                }
                if (spec->memory_swap < 0)
                        snprintf(v, sizeof(v), "max");
                else
                        snprintf(v, sizeof(v), "%" PRId64, spec->memory_swap - spec->memory_limit);
                if (spec->memory_swap && have(dir, "memory.swap.max") &&
                    write_value(dir, "memory.swap.max", v, err) < 0)
                        goto fail;
        }
        if (spec->cpu_quota) {
                snprintf(v, sizeof(v), "%" PRId64 " %" PRId64, spec->cpu_quota,
                         spec->cpu_period ? spec->cpu_period : 100000);
                if (write_value(dir, "cpu.max", v, err) < 0)
                        goto fail;
        }
        if (spec->pids_limit) {
                snprintf(v, sizeof(v), "%" PRId64, spec->pids_limit);
                if (write_value(dir, "pids.max", v, err) < 0)
                        goto fail;
        }
        return 0;
fail:
        (void) rmdir(dir);
        return eng_err_wrap(err, "setting the container's resource limits");
}

int oci_cgroup_enter(const struct oci_spec *spec, pid_t pid, struct eng_error **err)
{
        _cleanup_free_ char *dir = NULL;
        char v[32];

        if (!spec->cgroups_path)
                return 0;
        dir = oci_cgroup_dir(spec->cgroups_path, err);
        if (!dir)
                return -1;
        snprintf(v, sizeof(v), "%d", (int) pid);
        if (write_value(dir, "cgroup.procs", v, err) < 0)
                return eng_err_wrap(err, "moving the container into its cgroup");
        return 0;
}

int oci_cgroup_remove(const char *cgroups_path, struct eng_error **err)
{
        _cleanup_free_ char *dir = NULL;
        struct eng_error *e = NULL;

        if (!cgroups_path)
                return 0;
        dir = oci_cgroup_dir(cgroups_path, &e);
        if (!dir) {
                eng_err_free(e); /* no cgroup2 at all: nothing was made */
                return 0;
        }
        /* EBUSY while the last processes are being reaped: a second at most */
        for (int i = 0; i < 100; i++) {
                struct timespec ts = { 0, 10 * 1000 * 1000 };

                if (rmdir(dir) == 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY)
                        break;
                nanosleep(&ts, NULL);
        }
        if (!err)
                return -errno; /* the caller has a better error to report */
        return eng_err(err, ENG_E_SYS, errno, "removing the cgroup '%s'", dir);
}
