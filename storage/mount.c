/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/xalloc.h"
#include "storage/mount.h"

#include "common/banned.h"

static const char *const driver_names[] = {
        [STORAGE_DRIVER_OVERLAY] = "overlay",
        [STORAGE_DRIVER_FUSE_OVERLAY] = "fuse-overlay",
        [STORAGE_DRIVER_VFS] = "vfs",
};

const char *storage_driver_name(enum storage_driver d)
{
        return driver_names[d];
}

int storage_driver_parse(const char *name, enum storage_driver *ret, struct eng_error **err)
{
        for (size_t i = 0; i < sizeof(driver_names) / sizeof(driver_names[0]); i++) {
                if (strcmp(name, driver_names[i]) == 0) {
                        *ret = (enum storage_driver) i;
                        return 0;
                }
        }
        if (strcmp(name, "fuse-overlayfs") == 0) {
                *ret = STORAGE_DRIVER_FUSE_OVERLAY;
                return 0;
        }
        return eng_err(err, ENG_E_USAGE, 0,
                       "unknown storage driver '%s' (known: overlay, fuse-overlay, vfs)", name);
}

struct overlay_probe {
        const char *dir;
};

static int overlay_probe_child(void *arg, struct eng_error **err)
{
        struct overlay_probe *p = arg;
        _cleanup_free_ char *opts =
                eng_xasprintf("lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/work,userxattr",
                              p->dir, p->dir, p->dir);
        _cleanup_free_ char *merged = eng_xasprintf("%s/merged", p->dir);
        _cleanup_free_ char *file = eng_xasprintf("%s/merged/written", p->dir);
        _cleanup_close_ int fd = -1;

        if (mount("overlay", merged, "overlay", 0, opts) < 0)
                return eng_err(err, ENG_E_SYS, errno, "mounting overlay (%s)", opts);
        fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
                return eng_err(err, ENG_E_SYS, errno, "writing through the overlay mount");
        if (umount2(merged, MNT_DETACH) < 0)
                return eng_err(err, ENG_E_SYS, errno, "unmounting the probe overlay");
        return 0;
}

int storage_overlay_probe(const char *graph_root, const struct eng_idmap *map,
                          struct eng_error **err)
{
        _cleanup_free_ char *tmpl = NULL;
        struct overlay_probe p;
        struct eng_error *cleanup_err = NULL;
        const char *sub[] = { "lower", "upper", "work", "merged" };
        int r;

        if (eng_mkdir_p(graph_root, 0700, err) < 0)
                return -1;
        tmpl = eng_xasprintf("%s/.probe-overlay-XXXXXX", graph_root);
        if (!mkdtemp(tmpl))
                return eng_err(err, ENG_E_SYS, errno, "creating a probe directory in '%s'",
                               graph_root);
        p.dir = tmpl;
        for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
                _cleanup_free_ char *d = eng_xasprintf("%s/%s", tmpl, sub[i]);
                if (mkdir(d, 0755) < 0) {
                        r = eng_err(err, ENG_E_SYS, errno, "creating '%s'", d);
                        goto out;
                }
        }
        r = eng_userns_run(map, CLONE_NEWNS, overlay_probe_child, &p, err);
out:
        if (eng_rm_rf(tmpl, &cleanup_err) < 0)
                eng_err_warn_and_free(&cleanup_err);
        return r;
}

int storage_fuse_probe(struct eng_error **err)
{
        _cleanup_close_ int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);

        if (fd < 0)
                return eng_err(err, ENG_E_SYS, errno, "opening /dev/fuse");
        return 0;
}

enum storage_driver storage_driver_choose(const enum storage_driver *requested, bool overlay_ok,
                                          bool fuse_ok, char **ret_reason)
{
        if (requested) {
                *ret_reason = eng_xasprintf(
                        "requested with --storage-driver or the configuration%s",
                        (*requested == STORAGE_DRIVER_OVERLAY && !overlay_ok) ||
                                        (*requested == STORAGE_DRIVER_FUSE_OVERLAY && !fuse_ok)
                                ? ", but its probe failed: containers cannot mount their root"
                                : "");
                return *requested;
        }
        if (overlay_ok) {
                *ret_reason = eng_xstrdup("native overlayfs mounts in a user namespace here");
                return STORAGE_DRIVER_OVERLAY;
        }
        if (fuse_ok) {
                *ret_reason = eng_xstrdup(
                        "native overlayfs does not mount in a user namespace here; /dev/fuse is usable");
                return STORAGE_DRIVER_FUSE_OVERLAY;
        }
        *ret_reason = eng_xstrdup(
                "neither native overlayfs in a user namespace nor /dev/fuse is usable: every container gets a full copy of its image");
        return STORAGE_DRIVER_VFS;
}
