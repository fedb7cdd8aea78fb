/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <jansson.h>
#include <linux/fs.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/process.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "storage/driver.h"
#include "storage/store.h"

#include "common/banned.h"

static const struct storage_driver_ops drivers[STORAGE_DRIVER_COUNT];

const struct storage_driver_ops *storage_driver_ops(enum storage_driver d)
{
        assert(d < STORAGE_DRIVER_COUNT);
        return &drivers[d];
}

const char *storage_driver_name(enum storage_driver d)
{
        return storage_driver_ops(d)->name;
}

int storage_driver_parse(const char *name, enum storage_driver *ret, struct eng_error **err)
{
        for (size_t i = 0; i < STORAGE_DRIVER_COUNT; i++) {
                if (strcmp(name, drivers[i].name) == 0) {
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

/* --- the vfs driver: the layers copied, whiteouts applied */

struct link_seen {
        dev_t dev;
        ino_t ino;
        char *path;
};

struct copy_state {
        struct link_seen *links;
        size_t nlinks;
        /* keep-id: owners moved so they look the same under the shifted mapping */
        bool shift;
        uint32_t shift_uid;
        uint32_t shift_gid;
};

/*
 * Under --userns=keep-id the container maps 0..U-1 to the first subordinate
 * ids, U to the user, and U+1.. on.  A file of image id c must then belong,
 * in the store's namespace (0 = the user, 1.. = the subordinate ids), to
 * c + 1 below U, to 0 at U, and stay c above it.
 */
static uint32_t shift_id(uint32_t c, uint32_t u)
{
        if (c < u)
                return c + 1;
        return c == u ? 0 : c;
}

static int copy_xattrs(int src_dir, const char *name, int dst_dir, bool is_link)
{
        char list[8192], value[65536], path[64];
        _cleanup_close_ int sfd = -1, dfd = -1;
        ssize_t n;

        if (is_link)
                return 0; /* user xattrs cannot be on symbolic links */
        sfd = openat(src_dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        dfd = openat(dst_dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (sfd < 0 || dfd < 0)
                return -errno;
        snprintf(path, sizeof(path), "/proc/self/fd/%d", sfd);
        n = listxattr(path, list, sizeof(list));
        for (char *k = list; n > 0 && k < list + n; k += strlen(k) + 1) {
                char dpath[64];
                ssize_t v;

                if (strncmp(k, "user.overlay.", 13) == 0)
                        continue;
                v = getxattr(path, k, value, sizeof(value));
                if (v < 0)
                        continue;
                snprintf(dpath, sizeof(dpath), "/proc/self/fd/%d", dfd);
                (void) setxattr(dpath, k, value, (size_t) v, 0);
        }
        return 0;
}

static int set_meta(const struct copy_state *cs, int src_dir, const char *name,
                    const struct stat *st, int dst_dir)
{
        struct timespec ts[2] = { st->st_atim, st->st_mtim };
        uid_t uid = cs->shift ? shift_id(st->st_uid, cs->shift_uid) : st->st_uid;
        gid_t gid = cs->shift ? shift_id(st->st_gid, cs->shift_gid) : st->st_gid;

        if (fchownat(dst_dir, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        (void) copy_xattrs(src_dir, name, dst_dir, S_ISLNK(st->st_mode));
        if (!S_ISLNK(st->st_mode) && fchmodat(dst_dir, name, st->st_mode & 07777, 0) < 0)
                return -errno;
        if (utimensat(dst_dir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        return 0;
}

static int copy_file(int src_dir, const char *name, int dst_dir, mode_t mode)
{
        _cleanup_close_ int in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int out = -1;
        ssize_t n;

        if (in < 0)
                return -errno;
        out = openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                     mode & 0777);
        if (out < 0)
                return -errno;
        if (ioctl(out, FICLONE, in) == 0)
                return 0;
        do
                n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
        while (n > 0);
        if (n == 0)
                return 0;
        /* copy_file_range across file systems of old kernels: plain copy */
        for (;;) {
                char buf[65536];

                n = read(in, buf, sizeof(buf));
                if (n == 0)
                        return 0;
                if (n < 0 || eng_write_all(out, buf, (size_t) n) < 0)
                        return -errno;
        }
}

static bool is_opaque(int dir_fd, const char *name)
{
        char path[64], v[4];
        _cleanup_close_ int fd = openat(dir_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0)
                return false;
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        return getxattr(path, "user.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y';
}

static int apply_dir(struct copy_state *cs, int src, int dst, const char *rel,
                     struct eng_error **err)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int dupfd = dup(src);

        if (dupfd < 0)
                return eng_err(err, ENG_E_SYS, errno, "reading layer directory '%s'", rel);
        d = fdopendir(dupfd);
        if (!d) {
                close(dupfd);
                return eng_err(err, ENG_E_SYS, errno, "reading layer directory '%s'", rel);
        }
        while ((de = readdir(d))) {
                _cleanup_free_ char *sub = NULL;
                struct stat st, dst_st;
                bool exists;
                int r = 0;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                sub = eng_xasprintf("%s/%s", rel, de->d_name);
                if (fstatat(src, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return eng_err(err, ENG_E_SYS, errno, "reading '%s'", sub);
                exists = fstatat(dst, de->d_name, &dst_st, AT_SYMLINK_NOFOLLOW) == 0;
                if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
                        if (exists && eng_rm_rf_at(dst, de->d_name, err) < 0)
                                return -1;
                        continue;
                }
                if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int s2 = -1, d2 = -1;

                        if (exists && (!S_ISDIR(dst_st.st_mode) || is_opaque(src, de->d_name))) {
                                if (eng_rm_rf_at(dst, de->d_name, err) < 0)
                                        return -1;
                                exists = false;
                        }
                        if (!exists && mkdirat(dst, de->d_name, 0700) < 0)
                                return eng_err(err, ENG_E_SYS, errno, "creating '%s'", sub);
                        s2 = openat(src, de->d_name,
                                    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        d2 = openat(dst, de->d_name,
                                    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (s2 < 0 || d2 < 0)
                                return eng_err(err, ENG_E_SYS, errno, "opening '%s'", sub);
                        if (apply_dir(cs, s2, d2, sub, err) < 0)
                                return -1;
                        r = set_meta(cs, src, de->d_name, &st, dst);
                        if (r < 0)
                                return eng_err(err, ENG_E_SYS, -r, "copying the metadata of '%s'",
                                               sub);
                        continue;
                }
                if (exists && eng_rm_rf_at(dst, de->d_name, err) < 0)
                        return -1;
                if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
                        size_t i;

                        for (i = 0; i < cs->nlinks; i++)
                                if (cs->links[i].dev == st.st_dev && cs->links[i].ino == st.st_ino)
                                        break;
                        if (i < cs->nlinks) {
                                /* paths are relative to the root: linkat from its fd */
                                if (linkat(AT_FDCWD, cs->links[i].path, dst, de->d_name, 0) < 0)
                                        return eng_err(err, ENG_E_SYS, errno, "linking '%s'", sub);
                                continue;
                        }
                        cs->links =
                                eng_xreallocarray(cs->links, cs->nlinks + 1, sizeof(*cs->links));
                        cs->links[cs->nlinks++] = (struct link_seen){
                                .dev = st.st_dev, .ino = st.st_ino, .path = eng_xstrdup(sub + 1)
                        };
                }
                if (S_ISREG(st.st_mode))
                        r = copy_file(src, de->d_name, dst, st.st_mode);
                else if (S_ISLNK(st.st_mode)) {
                        char target[4096];
                        ssize_t n = readlinkat(src, de->d_name, target, sizeof(target) - 1);

                        if (n < 0)
                                r = -errno;
                        else {
                                target[n] = '\0';
                                r = symlinkat(target, dst, de->d_name) < 0 ? -errno : 0;
                        }
                } else if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
                        r = mknodat(dst, de->d_name, st.st_mode, 0) < 0 ? -errno : 0;
                else {
                        /* A device node: a user namespace cannot make one. */
                        eng_log_debug("vfs: skipping device '%s'", sub);
                        continue;
                }
                if (r == 0)
                        r = set_meta(cs, src, de->d_name, &st, dst);
                if (r < 0)
                        return eng_err(err, ENG_E_SYS, -r, "copying '%s'", sub);
        }
        return 0;
}

struct vfs_args {
        char *rootfs;
        char **layer_dirs;
        const struct storage_keep_id *keep_id;
};

static int vfs_copy(void *arg, struct eng_error **err)
{
        struct vfs_args *a = arg;
        _cleanup_close_ int dst = open(a->rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct copy_state cs = { 0 };
        int r = 0;

        if (a->keep_id) {
                cs.shift = true;
                cs.shift_uid = a->keep_id->uid;
                cs.shift_gid = a->keep_id->gid;
        }
        if (dst < 0 || fchdir(dst) < 0)
                return eng_err(err, ENG_E_SYS, errno, "opening '%s'", a->rootfs);
        ENG_STRV_FOREACH(l, a->layer_dirs) {
                _cleanup_close_ int src = open(*l, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                if (src < 0)
                        return eng_err(err, ENG_E_SYS, errno, "opening layer '%s'", *l);
                r = apply_dir(&cs, src, dst, "", err);
                for (size_t i = 0; i < cs.nlinks; i++)
                        free(cs.links[i].path);
                free(cs.links);
                cs.links = NULL;
                cs.nlinks = 0;
                if (r < 0)
                        return eng_err_wrap(err, "copying layer '%s'", *l);
        }
        return 0;
}

static int vfs_prepare(struct storage_store *s, const char *dir, char **layer_dirs,
                       const struct storage_keep_id *keep_id, struct eng_error **err)
{
        _cleanup_free_ char *rootfs = eng_xasprintf("%s/rootfs", dir);
        struct vfs_args a = { .rootfs = rootfs, .layer_dirs = layer_dirs, .keep_id = keep_id };

        /* in the store's user namespace: the copies keep the layers' owners */
        return s->map ? eng_userns_run(s->map, 0, vfs_copy, &a, err) : vfs_copy(&a, err);
}

/* --- the probes */

static int fuse_overlay_probe(_unused_ const char *graph_root, _unused_ const struct eng_idmap *map,
                              struct eng_error **err)
{
        /* the FUSE overlay is ours: eng-overlayfs beside eng */
        _cleanup_free_ char *helper = eng_find_helper("eng-overlayfs");

        if (!helper)
                return eng_err(err, ENG_E_NOTFOUND, 0, "eng-overlayfs is not installed beside eng");
        return storage_fuse_probe(err);
}

static int vfs_probe(_unused_ const char *graph_root, _unused_ const struct eng_idmap *map,
                     _unused_ struct eng_error **err)
{
        return 0; /* a copy works everywhere */
}

static const struct storage_driver_ops drivers[STORAGE_DRIVER_COUNT] = {
        [STORAGE_DRIVER_OVERLAY] = {
                .name = "overlay",
                .chosen_because = "native overlayfs mounts in a user namespace here",
                .root = STORAGE_ROOT_OVERLAY,
                .probe = storage_overlay_probe,
        },
        [STORAGE_DRIVER_FUSE_OVERLAY] = {
                .name = "fuse-overlay",
                .chosen_because = "native overlayfs does not mount in a user namespace here; /dev/fuse is usable",
                .root = STORAGE_ROOT_FUSE,
                .probe = fuse_overlay_probe,
        },
        [STORAGE_DRIVER_VFS] = {
                .name = "vfs",
                .chosen_because = "neither native overlayfs in a user namespace nor /dev/fuse is usable: every container gets a full copy of its image",
                .root = STORAGE_ROOT_DIR,
                .probe = vfs_probe,
                .prepare = vfs_prepare,
        },
};

enum storage_driver storage_driver_choose(const enum storage_driver *requested,
                                          storage_driver_probe_fn probe, void *arg,
                                          char **ret_reason)
{
        char *why = NULL;

        if (requested) {
                bool ok = probe(*requested, arg, &why);

                *ret_reason = eng_xasprintf(
                        "requested with --storage-driver or the configuration%s",
                        ok ? "" : ", but its probe failed: containers cannot mount their root");
                free(why);
                return *requested;
        }
        for (size_t i = 0; i < STORAGE_DRIVER_COUNT; i++) {
                if (probe((enum storage_driver) i, arg, &why)) {
                        free(why);
                        *ret_reason = eng_xstrdup(drivers[i].chosen_because);
                        return (enum storage_driver) i;
                }
                eng_log_debug("storage driver %s is not usable: %s", drivers[i].name,
                              why ? why : "?");
                free(why);
                why = NULL;
        }
        /* vfs's probe always passes */
        assert(false);
        *ret_reason = eng_xstrdup(drivers[STORAGE_DRIVER_VFS].chosen_because);
        return STORAGE_DRIVER_VFS;
}

static int noop(_unused_ void *arg, _unused_ struct eng_error **err)
{
        return 0;
}

/* native overlay for store @s, remembered per kernel in ROOT/overlay.json */
static bool overlay_usable(struct storage_store *s, char **ret_reason)
{
        _cleanup_free_ char *path = eng_xasprintf("%s/overlay.json", s->root);
        _cleanup_free_ char *data = NULL;
        _cleanup_json_ json_t *j = NULL;
        struct eng_error *e = NULL;
        struct utsname u;
        bool ok;

        *ret_reason = NULL;
        (void) uname(&u);
        if (eng_read_file(path, 65536, &data, NULL, &e) == 0) {
                j = json_loads(data, 0, NULL);
                if (j && json_is_string(json_object_get(j, "kernel")) &&
                    strcmp(json_string_value(json_object_get(j, "kernel")), u.release) == 0) {
                        const char *why = json_string_value(json_object_get(j, "reason"));

                        if (why)
                                *ret_reason = eng_xstrdup(why);
                        return json_is_true(json_object_get(j, "usable"));
                }
        }
        e = eng_err_free(e);
        ok = storage_overlay_probe(s->root, s->map, &e) == 0;
        if (!ok) {
                *ret_reason = eng_xstrdup(e->msg);
                e = eng_err_free(e);
                /* Remember only what overlay itself refused: a user namespace that
                 * could not be made now (a helper failing, a tracer) is asked again. */
                if (s->map && eng_userns_run(s->map, 0, noop, NULL, &e) < 0) {
                        eng_err_free(e);
                        return false;
                }
        }
        eng_err_free(e);
        json_decref(j);
        j = json_pack("{s:s,s:b,s:s?}", "kernel", u.release, "usable", ok, "reason", *ret_reason);
        free(data);
        data = json_dumps(j, 0);
        if (eng_write_file_replace(path, data, strlen(data), 0600, &e) < 0)
                eng_err_warn_and_free(&e);
        return ok;
}

bool storage_driver_usable(enum storage_driver d, void *arg, char **ret_why)
{
        struct storage_store *s = arg;
        struct eng_error *e = NULL;

        *ret_why = NULL;
        if (d == STORAGE_DRIVER_OVERLAY)
                return overlay_usable(s, ret_why);
        if (storage_driver_ops(d)->probe(s->root, s->map, &e) == 0)
                return true;
        *ret_why = eng_xstrdup(e->msg);
        eng_err_free(e);
        return false;
}
