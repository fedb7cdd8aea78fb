/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container's mounts, done in its own user and mount namespaces: the
 * root file system, the spec's mounts (each created and mounted beneath the
 * root through an O_PATH descriptor, so no symbolic link in the image can
 * send a mount outside it, as crun does), the default devices, pivot_root,
 * then the masked and read-only paths.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "runtime/oci/oci-internal.h"

#include "common/banned.h"

static const struct {
        const char *name;
        bool clear;
        unsigned long flag;
} mount_flags[] = {
        { "defaults", false, 0 },
        { "ro", false, MS_RDONLY },
        { "rw", true, MS_RDONLY },
        { "suid", true, MS_NOSUID },
        { "nosuid", false, MS_NOSUID },
        { "dev", true, MS_NODEV },
        { "nodev", false, MS_NODEV },
        { "exec", true, MS_NOEXEC },
        { "noexec", false, MS_NOEXEC },
        { "sync", false, MS_SYNCHRONOUS },
        { "async", true, MS_SYNCHRONOUS },
        { "dirsync", false, MS_DIRSYNC },
        { "remount", false, MS_REMOUNT },
        { "mand", false, MS_MANDLOCK },
        { "nomand", true, MS_MANDLOCK },
        { "atime", true, MS_NOATIME },
        { "noatime", false, MS_NOATIME },
        { "diratime", true, MS_NODIRATIME },
        { "nodiratime", false, MS_NODIRATIME },
        { "relatime", false, MS_RELATIME },
        { "norelatime", true, MS_RELATIME },
        { "strictatime", false, MS_STRICTATIME },
        { "nostrictatime", true, MS_STRICTATIME },
        { "bind", false, MS_BIND },
        { "rbind", false, MS_BIND | MS_REC },
};

/* The recursive forms runc and crun take: set on the whole tree with
 * mount_setattr(AT_RECURSIVE), so a bind's submounts are read-only too. */
static const struct {
        const char *name;
        bool clear;
        uint64_t attr;
} recursive_flags[] = {
        { "rro", false, MOUNT_ATTR_RDONLY },
        { "rrw", true, MOUNT_ATTR_RDONLY },
        { "rnosuid", false, MOUNT_ATTR_NOSUID },
        { "rsuid", true, MOUNT_ATTR_NOSUID },
        { "rnodev", false, MOUNT_ATTR_NODEV },
        { "rdev", true, MOUNT_ATTR_NODEV },
        { "rnoexec", false, MOUNT_ATTR_NOEXEC },
        { "rexec", true, MOUNT_ATTR_NOEXEC },
        { "rnodiratime", false, MOUNT_ATTR_NODIRATIME },
        { "rdiratime", true, MOUNT_ATTR_NODIRATIME },
};

static const struct {
        const char *name;
        unsigned long flag;
} propagation_flags[] = {
        { "private", MS_PRIVATE },       { "rprivate", MS_REC | MS_PRIVATE },
        { "shared", MS_SHARED },         { "rshared", MS_REC | MS_SHARED },
        { "slave", MS_SLAVE },           { "rslave", MS_REC | MS_SLAVE },
        { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_REC | MS_UNBINDABLE },
};

json_t *oci_mount_option_names(void)
{
        json_t *l = json_array();

        for (size_t i = 0; i < ELEMENTSOF(mount_flags); i++)
                json_array_append_new(l, json_string(mount_flags[i].name));
        for (size_t i = 0; i < ELEMENTSOF(recursive_flags); i++)
                json_array_append_new(l, json_string(recursive_flags[i].name));
        for (size_t i = 0; i < ELEMENTSOF(propagation_flags); i++)
                json_array_append_new(l, json_string(propagation_flags[i].name));
        return l;
}

void oci_mount_options_parse(char *const *options, struct oci_mount_flags *ret)
{
        struct eng_strbuf data = ENG_STRBUF_INIT;

        memset(ret, 0, sizeof(*ret));
        for (char *const *o = options; o && *o; o++) {
                size_t i;
                bool done = false;

                for (i = 0; i < ELEMENTSOF(mount_flags); i++)
                        if (strcmp(*o, mount_flags[i].name) == 0) {
                                if (mount_flags[i].clear)
                                        ret->flags &= ~mount_flags[i].flag;
                                else
                                        ret->flags |= mount_flags[i].flag;
                                done = true;
                        }
                for (i = 0; !done && i < ELEMENTSOF(recursive_flags); i++)
                        if (strcmp(*o, recursive_flags[i].name) == 0) {
                                if (recursive_flags[i].clear) {
                                        ret->attr_set &= ~recursive_flags[i].attr;
                                        ret->attr_clr |= recursive_flags[i].attr;
                                } else {
                                        ret->attr_clr &= ~recursive_flags[i].attr;
                                        ret->attr_set |= recursive_flags[i].attr;
                                }
                                done = true;
                        }
                for (i = 0; !done && i < ELEMENTSOF(propagation_flags); i++)
                        if (strcmp(*o, propagation_flags[i].name) == 0) {
                                ret->propagation = propagation_flags[i].flag;
                                done = true;
                        }
                /* SELinux relabelling and copy-up hints: nothing to do here. */
                if (!done && (strcmp(*o, "z") == 0 || strcmp(*o, "Z") == 0 ||
                              strcmp(*o, "tmpcopyup") == 0 || strcmp(*o, "notmpcopyup") == 0))
                        done = true;
                if (!done)
                        eng_strbuf_addf(&data, "%s%s", data.len ? "," : "", *o);
        }
        ret->data = eng_strbuf_steal(&data);
}

/* The flags of the mount at @path a user namespace cannot clear on remount. */
static unsigned long locked_flags(const char *path)
{
        struct statvfs sv;
        unsigned long f = 0;

        if (statvfs(path, &sv) < 0)
                return 0;
        if (sv.f_flag & ST_NOSUID)
                f |= MS_NOSUID;
        if (sv.f_flag & ST_NODEV)
                f |= MS_NODEV;
        if (sv.f_flag & ST_NOEXEC)
                f |= MS_NOEXEC;
        if (sv.f_flag & ST_RDONLY)
                f |= MS_RDONLY;
        if (sv.f_flag & ST_NOATIME)
                f |= MS_NOATIME;
        if (sv.f_flag & ST_NODIRATIME)
                f |= MS_NODIRATIME;
        if (sv.f_flag & ST_RELATIME)
                f |= MS_RELATIME;
        return f;
}

static int openat2_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
        struct open_how how = {
                .flags = (uint64_t) (flags | O_CLOEXEC),
                .mode = mode,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        int fd;

        do
                fd = (int) syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
        while (fd < 0 && errno == EAGAIN);
        return fd < 0 ? -errno : fd;
}

/*
 * An O_PATH descriptor of @path beneath @rootfd, made when missing: the
 * parents as directories, the last one a directory or (@is_dir false) an
 * empty file.  Symbolic links resolve inside the root.
 */
static int ensure_beneath(int rootfd, const char *path, bool is_dir, int depth,
                          struct eng_error **err);

/*
 * @path's last component is a symbolic link whose target is missing (an
 * image's /etc/resolv.conf -> ../run/systemd/resolve/stub-resolv.conf): the
 * target is made, inside the root, so that a mount can go onto it.
 */
static int ensure_link_target(int rootfd, const char *path, bool is_dir, int depth,
                              struct eng_error **err)
{
        _cleanup_free_ char *parent = eng_xstrdup(path), *target = NULL;
        _cleanup_close_ int pfd = -1;
        char link[PATH_MAX];
        char *base = strrchr(parent, '/');
        ssize_t n;

        if (!base || depth >= 8)
                return -ENOENT;
        *base++ = '\0';
        pfd = openat2_in_root(rootfd, *parent ? parent : "/", O_PATH | O_DIRECTORY, 0);
        if (pfd < 0)
                return -ENOENT;
        n = readlinkat(pfd, base, link, sizeof(link) - 1);
        if (n <= 0)
                return -ENOENT;
        link[n] = '\0';
        target = link[0] == '/' ? eng_xstrdup(link) : eng_xasprintf("%s/%s", parent, link);
        return ensure_beneath(rootfd, target, is_dir, depth + 1, err);
}

int oci_ensure_beneath(int rootfd, const char *path, bool is_dir, struct eng_error **err)
{
        return ensure_beneath(rootfd, path, is_dir, 0, err);
}

static int ensure_beneath(int rootfd, const char *path, bool is_dir, int depth,
                          struct eng_error **err)
{
        _cleanup_free_ char *p = eng_xstrdup(path);
        char *s = p;
        int fd;

        fd = openat2_in_root(rootfd, path, O_PATH, 0);
        if (fd >= 0)
                return fd;
        if (fd != -ENOENT)
                return eng_err(err, ENG_E_SYS, -fd, "opening '%s' in the container", path);
        /* Create each missing component in turn. */
        for (;;) {
                char *slash;
                bool last;
                int r;

                while (*s == '/')
                        s++;
                slash = strchr(s, '/');
                last = !slash || !slash[strspn(slash, "/")];
                if (slash)
                        *slash = '\0';
                if (*s == '\0')
                        break;
                fd = openat2_in_root(rootfd, p, O_PATH, 0);
                if (fd < 0 && fd != -ENOENT)
                        return eng_err(err, ENG_E_SYS, -fd, "opening '%s' in the container", p);
                if (fd < 0) {
                        _cleanup_free_ char *parent = eng_xstrdup(p);
                        char *base = strrchr(parent, '/');
                        _cleanup_close_ int pfd = -1;

                        if (base)
                                *base++ = '\0';
                        pfd = openat2_in_root(rootfd, *parent ? parent : "/", O_PATH | O_DIRECTORY,
                                              0);
                        if (pfd < 0)
                                return eng_err(err, ENG_E_SYS, -pfd,
                                               "opening '%s' in the container",
                                               *parent ? parent : "/");
                        if (last && !is_dir) {
                                _cleanup_close_ int nfd = openat(
                                        pfd, base ? base : p,
                                        O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);

                                r = nfd < 0 && errno != EEXIST ? -errno : 0;
                        } else {
                                r = mkdirat(pfd, base ? base : p, 0755) < 0 && errno != EEXIST
                                            ? -errno
                                            : 0;
                        }
                        if (r < 0)
                                return eng_err(err, ENG_E_SYS, -r, "creating '%s' in the container",
                                               p);
                } else
                        close(fd);
                if (!slash || last)
                        break;
                *slash = '/';
                s = slash + 1;
        }
        fd = openat2_in_root(rootfd, path, O_PATH, 0);
        if (fd == -ENOENT) {
                int t = ensure_link_target(rootfd, path, is_dir, depth, err);

                if (t >= 0) {
                        close(t);
                        fd = openat2_in_root(rootfd, path, O_PATH, 0);
                } else if (err && *err)
                        return t; /* an error made on the way */
        }
        if (fd < 0)
                return eng_err(err, ENG_E_SYS, -fd, "opening '%s' in the container", path);
        return fd;
}

static int mount_at_fd(const char *source, int fd, const char *type, unsigned long flags,
                       const char *data)
{
        char target[64];

        snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
        return mount(source, target, type, flags, data) < 0 ? -errno : 0;
}

static int remount_at_fd(int fd, unsigned long flags)
{
        char target[64];

        snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
        flags |= locked_flags(target);
        return mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0 ? -errno : 0;
}

/* The overlay of the root: the new mount API takes each lower layer on its own
 * (lowerdir+, no 4 KiB limit on the option string); mount(2) for older kernels. */
static int mount_root_overlay(const struct oci_mount *m, const char *root, struct eng_error **err)
{
        struct oci_mount_flags mf;
        _cleanup_close_ int fsfd = -1, mfd = -1;
        int r = 0;

        fsfd = fsopen(m->type, FSOPEN_CLOEXEC);
        if (fsfd >= 0) {
                ENG_STRV_FOREACH(o, m->options) {
                        const char *eq = strchr(*o, '=');

                        if (!eq) {
                                if (fsconfig(fsfd, FSCONFIG_SET_FLAG, *o, NULL, 0) < 0)
                                        r = -errno;
                        } else if (strncmp(*o, "lowerdir=", 9) == 0) {
                                _cleanup_strv_ char **l = eng_strv_split(eq + 1, ":");

                                ENG_STRV_FOREACH(d, l)
                                        if (r == 0 && fsconfig(fsfd, FSCONFIG_SET_STRING,
                                                               "lowerdir+", *d, 0) < 0)
                                                r = -errno;
                        } else {
                                _cleanup_free_ char *k = eng_xstrndup(*o, (size_t) (eq - *o));

                                if (fsconfig(fsfd, FSCONFIG_SET_STRING, k, eq + 1, 0) < 0)
                                        r = -errno;
                        }
                        if (r < 0)
                                break;
                }
                if (r == 0 && fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                        r = -errno;
                if (r == 0) {
                        mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
                        if (mfd < 0)
                                r = -errno;
                }
                if (r == 0 && move_mount(mfd, "", AT_FDCWD, root, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                        r = -errno;
                if (r == 0)
                        return 0;
                if (r != -EINVAL) {
                        char log[512];
                        ssize_t n = read(fsfd, log, sizeof(log) - 1);

                        log[n > 0 ? n - 1 : 0] = '\0';
                        return eng_err(err, ENG_E_SYS, -r, "mounting the %s root file system%s%s",
                                       m->type, n > 0 ? ": " : "", n > 0 ? log : "");
                }
        }
        /* No new mount API, or no lowerdir+ (before Linux 6.8). */
        oci_mount_options_parse(m->options, &mf);
        if (mount(m->source, root, m->type, mf.flags, mf.data) < 0) {
                r = errno;
                free(mf.data);
                return eng_err(err, ENG_E_SYS, r, "mounting the %s root file system", m->type);
        }
        free(mf.data);
        return 0;
}

static bool is_type(const struct oci_mount *m, const char *type)
{
        return strcmp(m->type, type) == 0;
}

static int do_bind(int rootfd, const char *source, const char *dest, unsigned long flags,
                   unsigned long propagation, struct eng_error **err)
{
        struct stat st;
        _cleanup_close_ int fd = -1;
        int r;

        if (stat(source, &st) < 0)
                return eng_err(err, ENG_E_SYS, errno, "bind mount source '%s'", source);
        fd = oci_ensure_beneath(rootfd, dest, S_ISDIR(st.st_mode), err);
        if (fd < 0)
                return -1;
        r = mount_at_fd(source, fd, NULL, MS_BIND | (flags & MS_REC), NULL);
        if (r < 0)
                return eng_err(err, ENG_E_SYS, -r, "bind mounting '%s' on '%s'", source, dest);
        /* The descriptor still names the directory under the new mount. */
        fd = eng_close_safe(fd);
        fd = oci_ensure_beneath(rootfd, dest, S_ISDIR(st.st_mode), err);
        if (fd < 0)
                return -1;
        flags &= ~(MS_BIND | MS_REC | MS_REMOUNT);
        if (flags) {
                r = remount_at_fd(fd, flags);
                if (r < 0)
                        return eng_err(err, ENG_E_SYS, -r, "remounting '%s' with its options",
                                       dest);
        }
        if (propagation) {
                r = mount_at_fd(NULL, fd, NULL, propagation, NULL);
                if (r < 0)
                        return eng_err(err, ENG_E_SYS, -r, "setting the propagation of '%s'", dest);
        }
        return 0;
}

/* rro, rnosuid, ...: the attributes set on the mount at @dest and every mount beneath it */
static int set_recursive(int rootfd, const char *dest, const struct oci_mount_flags *mf,
                         struct eng_error **err)
{
        struct mount_attr attr = { .attr_set = mf->attr_set, .attr_clr = mf->attr_clr };
        _cleanup_close_ int fd = -1;

        if (!mf->attr_set && !mf->attr_clr)
                return 0;
        fd = oci_ensure_beneath(rootfd, dest, true, err);
        if (fd < 0)
                return -1;
        if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
                return eng_err(err, ENG_E_SYS, errno, "setting the recursive mount options of '%s'",
                               dest);
        return 0;
}

/* the options that mount the v1 hierarchy of /sys/fs/cgroup/@name: its
 * controllers, or "none,name=NAME" for a named one (systemd's) */
static char *cgroup1_options(const char *name)
{
        _cleanup_free_ char *data = NULL;
        _cleanup_strv_ char **parts = eng_strv_split(name, ",");
        struct eng_error *e = NULL;

        if (eng_read_file("/proc/cgroups", 1 << 16, &data, NULL, &e) < 0) {
                eng_err_free(e);
                return eng_xstrdup(name);
        }
        ENG_STRV_FOREACH(p, parts) {
                _cleanup_free_ char *line = eng_xasprintf("\n%s\t", *p);

                if (!strstr(data, line))
                        return eng_xasprintf("none,name=%s", name);
        }
        return eng_xstrdup(name);
}

/*
 * A "cgroup" mount for a container whose cgroups are in v1 hierarchies
 * (the host's root's, on a v1 or hybrid machine), as runc and crun make
 * it: a tmpfs with a directory per hierarchy, each showing the
 * container's own cgroup (the hierarchy mounted in its cgroup namespace,
 * or else its cgroup directory bound), "cpu" and "cpuacct" links to a
 * "cpu,cpuacct", and cgroup v2 at "unified" on a hybrid machine.
 * Return: 1 when the container has no v1 cgroup (a v2 mount is for it).
 */
static int mount_cgroup_v1(const struct oci_spec *spec, int rootfd, const struct oci_mount *m,
                           unsigned long flags, struct eng_error **err)
{
        const unsigned long f = MS_NOSUID | MS_NODEV | MS_NOEXEC | (flags & MS_RDONLY);
        _cleanup_strv_ char **names = oci_cgroup_v1_names(spec->cgroups_path);
        _cleanup_close_ int fd = -1, dfd = -1;
        bool ns = spec->ns_new[OCI_NS_CGROUP];
        struct statfs sf;
        int r;

        if (!names[0])
                return 1;
        fd = oci_ensure_beneath(rootfd, m->destination, true, err);
        if (fd < 0)
                return -1;
        r = mount_at_fd("tmpfs", fd, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755");
        if (r < 0)
                return eng_err(err, ENG_E_SYS, -r, "mounting a tmpfs at '%s'", m->destination);
        dfd = openat2_in_root(rootfd, m->destination, O_PATH | O_DIRECTORY, 0);
        if (dfd < 0)
                return eng_err(err, ENG_E_SYS, -dfd, "opening '%s'", m->destination);
        if (statfs("/sys/fs/cgroup/unified", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
                eng_strv_push(&names, "unified");
        ENG_STRV_FOREACH(n, names) {
                _cleanup_free_ char *dest = eng_xasprintf("%s/%s", m->destination, *n);
                _cleanup_free_ char *src =
                        eng_xasprintf("/sys/fs/cgroup/%s%s", *n, spec->cgroups_path);
                _cleanup_free_ char *opts = NULL;
                _cleanup_close_ int t = oci_ensure_beneath(rootfd, dest, true, err);
                bool v2 = strcmp(*n, "unified") == 0;

                if (t < 0)
                        return -1;
                r = -EPERM;
                if (ns && v2)
                        r = mount_at_fd("cgroup2", t, "cgroup2", f, NULL);
                else if (ns)
                        r = mount_at_fd("cgroup", t, "cgroup", f, opts = cgroup1_options(*n));
                t = eng_close_safe(t);
                if (r < 0 && do_bind(rootfd, src, dest, MS_BIND | f, 0, err) < 0)
                        return -1;
                if (strchr(*n, ',')) {
                        _cleanup_strv_ char **parts = eng_strv_split(*n, ",");

                        ENG_STRV_FOREACH(p, parts)
                                if (symlinkat(*n, dfd, *p) < 0 && errno != EEXIST)
                                        return eng_err(err, ENG_E_SYS, errno, "linking '%s/%s'",
                                                       m->destination, *p);
                }
        }
        if (flags & MS_RDONLY) {
                r = mount_at_fd(NULL, dfd, NULL,
                                MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                                NULL);
                if (r < 0)
                        return eng_err(err, ENG_E_SYS, -r, "making '%s' read-only", m->destination);
        }
        return 0;
}

static int do_mount(const struct oci_spec *spec, int rootfd, const struct oci_mount *m,
                    struct eng_error **err)
{
        struct oci_mount_flags mf;
        _cleanup_close_ int fd = -1;
        int r;

        oci_mount_options_parse(m->options, &mf);
        _cleanup_free_ char *data = mf.data;

        if ((mf.flags & MS_BIND) || is_type(m, "bind")) {
                if (do_bind(rootfd, m->source, m->destination, mf.flags | MS_BIND, mf.propagation,
                            err) < 0)
                        return -1;
                return set_recursive(rootfd, m->destination, &mf, err);
        }

        fd = oci_ensure_beneath(rootfd, m->destination, true, err);
        if (fd < 0)
                return -1;
        if (is_type(m, "cgroup") && spec->cgroups_path) {
                fd = eng_close_safe(fd);
                r = mount_cgroup_v1(spec, rootfd, m, mf.flags, err);
                if (r <= 0)
                        return r;
                fd = oci_ensure_beneath(rootfd, m->destination, true, err);
                if (fd < 0)
                        return -1;
        }
        if (is_type(m, "cgroup") || is_type(m, "cgroup2")) {
                /* A cgroup namespace of our own shows the v2 hierarchy; without
                 * one, or where cgroup2 is refused, the host's is bound read-only. */
                r = -EPERM;
                if (spec->ns_new[OCI_NS_CGROUP])
                        r = mount_at_fd("cgroup2", fd, "cgroup2", mf.flags, NULL);
                if (r == 0)
                        return 0;
                fd = eng_close_safe(fd);
                if (do_bind(rootfd, "/sys/fs/cgroup", m->destination,
                            MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0,
                            err) == 0)
                        return 0;
                eng_log_debug("no cgroup file system in the container: %s", (*err)->msg);
                *err = eng_err_free(*err);
                return 0;
        }
        r = mount_at_fd(m->source, fd, m->type, mf.flags, data);
        if (r == -EPERM || r == -EACCES) {
                /* sysfs needs a network namespace of our own, mqueue an IPC one:
                 * without them bind the host's, as crun does. */
                if (is_type(m, "sysfs")) {
                        fd = eng_close_safe(fd);
                        return do_bind(rootfd, "/sys", m->destination,
                                       MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID | MS_NODEV |
                                               MS_NOEXEC,
                                       0, err);
                }
                if (is_type(m, "mqueue")) {
                        fd = eng_close_safe(fd);
                        return do_bind(rootfd, "/dev/mqueue", m->destination,
                                       MS_BIND | MS_REC | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0, err);
                }
        }
        if (r < 0 && is_type(m, "devpts") && strstr(data, "gid=")) {
                /* gid 5 (tty) is not mapped with a single-id mapping */
                _cleanup_strv_ char **opts = eng_strv_split(data, ",");
                _cleanup_strbuf_ struct eng_strbuf d2 = ENG_STRBUF_INIT;

                ENG_STRV_FOREACH(o, opts)
                        if (strncmp(*o, "gid=", 4) != 0)
                                eng_strbuf_addf(&d2, "%s%s", d2.len ? "," : "", *o);
                r = mount_at_fd(m->source, fd, m->type, mf.flags, eng_strbuf_str(&d2));
        }
        if (r < 0)
                return eng_err(err, ENG_E_SYS, -r, "mounting '%s' (%s) on '%s'", m->source, m->type,
                               m->destination);
        if (mf.propagation) {
                fd = eng_close_safe(fd);
                fd = oci_ensure_beneath(rootfd, m->destination, true, err);
                if (fd < 0)
                        return -1;
                r = mount_at_fd(NULL, fd, NULL, mf.propagation, NULL);
                if (r < 0)
                        return eng_err(err, ENG_E_SYS, -r, "setting the propagation of '%s'",
                                       m->destination);
        }
        return set_recursive(rootfd, m->destination, &mf, err);
}

static bool is_bind(const struct oci_mount *m)
{
        return is_type(m, "bind") || eng_strv_contains(m->options, "bind") ||
               eng_strv_contains(m->options, "rbind");
}

/* the device of the file system at @path beneath @rootfd, 0 when it cannot be opened */
static dev_t dev_of(int rootfd, const char *path)
{
        _cleanup_close_ int fd = openat2_in_root(rootfd, path, O_PATH | O_DIRECTORY, 0);
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0)
                return 0;
        return st.st_dev;
}

static const char *const default_devices[] = { "null", "zero", "full", "tty", "random", "urandom" };

static const struct {
        const char *target;
        const char *link;
} default_links[] = {
        { "/proc/self/fd", "/dev/fd" },       { "/proc/self/fd/0", "/dev/stdin" },
        { "/proc/self/fd/1", "/dev/stdout" }, { "/proc/self/fd/2", "/dev/stderr" },
        { "/proc/kcore", "/dev/core" },
};

/* The devices every container has (OCI "Default Devices"): bound from the
 * host, since a user namespace cannot make device nodes. */
static int setup_devices(int rootfd, bool have_pts, struct eng_error **err)
{
        _cleanup_close_ int devfd = -1;

        for (size_t i = 0; i < ELEMENTSOF(default_devices); i++) {
                _cleanup_free_ char *host = eng_xasprintf("/dev/%s", default_devices[i]);

                if (do_bind(rootfd, host, host, MS_BIND, 0, err) < 0)
                        return -1;
        }
        devfd = openat2_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY, 0);
        if (devfd < 0)
                return eng_err(err, ENG_E_SYS, -devfd, "opening /dev in the container");
        for (size_t i = 0; i < ELEMENTSOF(default_links); i++)
                if (symlinkat(default_links[i].target, devfd, default_links[i].link + 5) < 0 &&
                    errno != EEXIST)
                        return eng_err(err, ENG_E_SYS, errno, "creating '%s'",
                                       default_links[i].link);
        if (have_pts) {
                (void) unlinkat(devfd, "ptmx", 0);
                if (symlinkat("pts/ptmx", devfd, "ptmx") < 0)
                        return eng_err(err, ENG_E_SYS, errno, "creating '/dev/ptmx'");
        }
        return 0;
}

/*
 * linux.devices: each node made with mknod, or, where a user namespace may
 * not make devices, the host's node of that path bound onto an empty file
 * (as crun does).  Only into a /dev of the container's own (@own_dev): a
 * node missing from a bound host /dev would be made on the host.
 */
/* the host's id of the container's @id by @r, or -1 when it is not mapped */
static int64_t host_id(const struct eng_idrange *r, size_t n, uint32_t id)
{
        for (size_t i = 0; i < n; i++)
                if (id >= r[i].container && id - r[i].container < r[i].size)
                        return (int64_t) r[i].host + (id - r[i].container);
        return -1;
}

int *oci_devices_precreate(const struct oci_spec *spec)
{
        _cleanup_close_ int fs = -1, mnt = -1;
        int *fds;

        if (!spec->ndevices || !spec->ns_new[OCI_NS_USER] || geteuid() != 0 ||
            !eng_userns_is_initial())
                return NULL;
        fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
        if (fs < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0700", 0) < 0 ||
            fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return NULL;
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
        if (mnt < 0)
                return NULL;
        fds = eng_xcalloc(spec->ndevices, sizeof(int));
        for (size_t i = 0; i < spec->ndevices; i++) {
                const struct oci_device *d = &spec->devices[i];
                int64_t uid = host_id(spec->idmap.uid, spec->idmap.nuid, d->uid);
                int64_t gid = host_id(spec->idmap.gid, spec->idmap.ngid, d->gid);
                char name[32];

                fds[i] = -1;
                snprintf(name, sizeof(name), "%zu", i);
                if (uid < 0 || gid < 0 ||
                    mknodat(mnt, name, d->type | d->mode, makedev(d->major, d->minor)) < 0 ||
                    fchownat(mnt, name, (uid_t) uid, (gid_t) gid, AT_SYMLINK_NOFOLLOW) < 0 ||
                    fchmodat(mnt, name, d->mode, 0) < 0)
                        continue;
                fds[i] = open_tree(mnt, name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        }
        return fds;
}

void oci_devices_release(const struct oci_spec *spec, int *fds)
{
        for (size_t i = 0; fds && i < spec->ndevices; i++)
                eng_close_safe(fds[i]);
        free(fds);
}

static int create_devices(const struct oci_spec *spec, int rootfd, bool own_dev, const int *dev_fds,
                          struct eng_error **err)
{
        for (size_t i = 0; i < spec->ndevices; i++) {
                const struct oci_device *d = &spec->devices[i];
                _cleanup_free_ char *parent = eng_xstrdup(d->path);
                _cleanup_close_ int pfd = -1, fd = -1;
                char *base = strrchr(parent, '/');
                struct stat st;

                fd = openat2_in_root(rootfd, d->path, O_PATH, 0);
                if (fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == d->type &&
                    (d->type == S_IFIFO || st.st_rdev == makedev(d->major, d->minor)))
                        continue; /* there already (a default device) */
                if (!own_dev && strncmp(d->path, "/dev/", 5) == 0)
                        return eng_err(
                                err, ENG_E_USAGE, 0,
                                "linux.devices: '%s' would be made in a /dev the runtime did not mount (a bind of the host's)",
                                d->path);
                fd = eng_close_safe(fd);
                *base++ = '\0';
                pfd = oci_ensure_beneath(rootfd, *parent ? parent : "/", true, err);
                if (pfd < 0)
                        return -1;
                /* outside /dev (crun allows it), only on the root file system itself:
                 * a bind's would be made on the host */
                if (strncmp(d->path, "/dev/", 5) != 0 && fstat(pfd, &st) == 0 &&
                    st.st_dev != dev_of(rootfd, "/"))
                        return eng_err(
                                err, ENG_E_USAGE, 0,
                                "linux.devices: '%s' would be made on a mount in the container, not on its root file system",
                                d->path);
                (void) unlinkat(pfd, base, 0);
                if (mknodat(pfd, base, d->type | d->mode, makedev(d->major, d->minor)) == 0) {
                        if (fchownat(pfd, base, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
                                return eng_err(err, ENG_E_SYS, errno, "giving '%s' to %u:%u",
                                               d->path, (unsigned) d->uid, (unsigned) d->gid);
                        if (fchmodat(pfd, base, d->mode, 0) < 0)
                                return eng_err(err, ENG_E_SYS, errno, "chmod of '%s'", d->path);
                        continue;
                }
                if (errno != EPERM)
                        return eng_err(err, ENG_E_SYS, errno, "making the device '%s'", d->path);
                /* the node the host's root made for it, moved onto an empty file */
                if (dev_fds && dev_fds[i] >= 0) {
                        int t = openat(pfd, base, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);

                        if (t < 0 || close(t) < 0 ||
                            move_mount(dev_fds[i], "", pfd, base, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                                return eng_err(err, ENG_E_SYS, errno, "placing the device '%s'",
                                               d->path);
                        continue;
                }
                if (do_bind(rootfd, d->path, d->path, MS_BIND, 0, err) < 0)
                        return eng_err_wrap(err, "linux.devices (no mknod in a user namespace)");
        }
        return 0;
}

static int mask_path(const char *path, struct eng_error **err)
{
        struct stat st;

        if (lstat(path, &st) < 0) {
                if (errno == ENOENT || errno == EACCES)
                        return 0;
                return eng_err(err, ENG_E_SYS, errno, "masking '%s'", path);
        }
        if (S_ISDIR(st.st_mode)) {
                if (mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                          "size=0k") < 0)
                        return eng_err(err, ENG_E_SYS, errno, "masking '%s'", path);
        } else if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0)
                return eng_err(err, ENG_E_SYS, errno, "masking '%s'", path);
        return 0;
}

static int readonly_path(const char *path, struct eng_error **err)
{
        if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
                if (errno == ENOENT)
                        return 0;
                return eng_err(err, ENG_E_SYS, errno, "making '%s' read-only", path);
        }
        if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(path), NULL) <
            0)
                return eng_err(err, ENG_E_SYS, errno, "making '%s' read-only", path);
        return 0;
}

static void mkdir_parents_beneath(const char *path)
{
        struct eng_error *e = NULL;
        _cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int fd = -1;

        if (rootfd < 0)
                return;
        fd = oci_ensure_beneath(rootfd, path, true, &e);
        if (fd < 0)
                eng_log_debug("creating the working directory: %s", e->msg);
        eng_err_free(e);
}

int oci_setup_rootfs(const struct oci_spec *spec, const struct oci_start_opts *opts,
                     const int *dev_fds, struct eng_error **err)
{
        const char *root = spec->root_path;
        _cleanup_close_ int rootfd = -1;
        bool have_pts = false, root_mounted = false, own_dev;
        dev_t dev_id = 0; /* the file system of the /dev we mounted ourselves, 0 for none */

        /* Nothing we mount may reach the host's mount namespace. */
        if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
                return eng_err(err, ENG_E_SYS, errno, "making the mounts private");
        for (size_t i = 0; i < spec->nmounts; i++)
                if (strcmp(spec->mounts[i].destination, "/") == 0) {
                        if (mount_root_overlay(&spec->mounts[i], root, err) < 0)
                                return -1;
                        root_mounted = true;
                }
        if (!root_mounted && mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
                return eng_err(err, ENG_E_SYS, errno, "bind mounting the root file system '%s'",
                               root);
        rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return eng_err(err, ENG_E_SYS, errno, "opening the root file system '%s'", root);
        for (size_t i = 0; i < spec->nmounts; i++) {
                const struct oci_mount *m = &spec->mounts[i];

                if (strcmp(m->destination, "/") == 0)
                        continue;
                if (do_mount(spec, rootfd, m, err) < 0)
                        return -1;
                if (strcmp(m->destination, "/dev") == 0)
                        dev_id = is_bind(m) ? 0 : dev_of(rootfd, "/dev");
                if (strcmp(m->destination, "/dev/pts") == 0)
                        have_pts = true;
        }
        /*
         * The default devices and links go only into a /dev we mounted: never
         * through a bind of the host's /dev (replacing its /dev/ptmx takes every
         * user's terminals), nor into one a later mount or a symbolic link
         * covered, as crun does.
         */
        own_dev = dev_id && dev_of(rootfd, "/dev") == dev_id;
        if (own_dev && setup_devices(rootfd, have_pts, err) < 0)
                return -1;
        if (create_devices(spec, rootfd, own_dev, dev_fds, err) < 0)
                return -1;
        /* the mounts made, before pivot_root: paths are still the host's */
        if (oci_hooks_run(spec, OCI_HOOK_CREATE_CONTAINER, opts->id, opts->bundle, "created",
                          getpid(), err) < 0)
                return -1;

        /* pivot_root(".", ".") stacks the old root on the new one; the detach
         * then takes it away (runc, crun). */
        if (fchdir(rootfd) < 0)
                return eng_err(err, ENG_E_SYS, errno, "entering the root file system");
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return eng_err(err, ENG_E_SYS, errno, "pivot_root into '%s'", root);
        if (umount2(".", MNT_DETACH) < 0)
                return eng_err(err, ENG_E_SYS, errno, "detaching the old root");
        if (chdir("/") < 0)
                return eng_err(err, ENG_E_SYS, errno, "entering the new root");
        if (mount(NULL, "/", NULL, spec->rootfs_propagation, NULL) < 0)
                return eng_err(err, ENG_E_SYS, errno, "setting the root's propagation");

        /* The working directory exists, as runc makes it (podman relies on that). */
        if (spec->process.cwd)
                (void) mkdir_parents_beneath(spec->process.cwd);
        ENG_STRV_FOREACH(p, spec->masked_paths)
                if (mask_path(*p, err) < 0)
                        return -1;
        ENG_STRV_FOREACH(p, spec->readonly_paths)
                if (readonly_path(*p, err) < 0)
                        return -1;
        if (spec->root_readonly &&
            mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags("/"), NULL) < 0)
                return eng_err(err, ENG_E_SYS, errno, "making the root file system read-only");
        return 0;
}
