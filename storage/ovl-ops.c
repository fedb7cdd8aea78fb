/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * eng-overlayfs: the FUSE operations (libfuse3's low-level API), its
 * options, and its main loop.  Metadata operations hold fs->lock; reads,
 * writes and syncs go straight to the file descriptor they opened.
 * Errors are errno values answered with fuse_reply_err().
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define FUSE_USE_VERSION 35
#include <fuse_lowlevel.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "storage/ovl-internal.h"

#include "common/banned.h"

#define FS(req) ((struct ovl_fs *) fuse_req_userdata(req))

static void lock(struct ovl_fs *fs)
{
        pthread_mutex_lock(&fs->lock);
}

static void unlock(struct ovl_fs *fs)
{
        pthread_mutex_unlock(&fs->lock);
}

/*
 * How long the kernel may trust attributes: as long as it likes, but for a
 * file with other links, which are other nodes here (a change through one
 * name must show through the others).
 */
static double attr_timeout(struct ovl_fs *fs, const struct stat *st)
{
        return !S_ISDIR(st->st_mode) && st->st_nlink > 1 ? 0 : fs->timeout;
}

static void fill_entry(struct ovl_fs *fs, struct fuse_entry_param *e, struct ovl_node *n,
                       const struct stat *st)
{
        memset(e, 0, sizeof(*e));
        e->ino = ovl_node_id(n);
        e->attr = *st;
        e->attr_timeout = attr_timeout(fs, st);
        e->entry_timeout = fs->timeout;
}

/* the extended attributes that are the layers' business, not the user's */
static bool xattr_hidden(const char *name)
{
        return strncmp(name, "user.overlay.", 13) == 0 ||
               strncmp(name, "user.eng.overlay.", 17) == 0 ||
               strcmp(name, OVL_XATTR_OVERRIDE) == 0 ||
               strncmp(name, "user.fuseoverlayfs.", 19) == 0;
}

/* --- lookup and life of nodes */

static void op_init(void *data, struct fuse_conn_info *conn)
{
        struct ovl_fs *fs = data;

        if (conn->capable & FUSE_CAP_SPLICE_WRITE)
                conn->want |= FUSE_CAP_SPLICE_WRITE;
        if (conn->capable & FUSE_CAP_SPLICE_MOVE)
                conn->want |= FUSE_CAP_SPLICE_MOVE;
        if (conn->capable & FUSE_CAP_SPLICE_READ)
                conn->want |= FUSE_CAP_SPLICE_READ;
        if (conn->capable & FUSE_CAP_READDIRPLUS)
                conn->want |= FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO;
        if (conn->capable & FUSE_CAP_CACHE_SYMLINKS)
                conn->want |= FUSE_CAP_CACHE_SYMLINKS;
        fs->no_opendir = (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT) != 0;
        /* A request with its header must fit a pipe a user may have (1 MiB,
         * /proc/sys/fs/pipe-max-size), or libfuse reads every write into
         * memory instead of splicing it. */
        if (conn->max_write > (1u << 20) - 4096)
                conn->max_write = (1u << 20) - 4096;
        /* only this mount changes the layers: what the kernel caches stays true */
        conn->want &= ~(unsigned) FUSE_CAP_AUTO_INVAL_DATA;
        conn->want &= ~(unsigned) FUSE_CAP_WRITEBACK_CACHE;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
        struct ovl_fs *fs = FS(req);
        struct fuse_entry_param e;
        struct stat st;
        struct ovl_node *n;
        int r;

        lock(fs);
        n = ovl_lookup(fs, ovl_node_get(fs, parent), name, &st, &r);
        if (n)
                fill_entry(fs, &e, n, &st);
        unlock(fs);
        if (n)
                fuse_reply_entry(req, &e);
        else if (r == -ENOENT) {
                /* a negative entry the kernel may keep: nothing appears behind our back */
                memset(&e, 0, sizeof(e));
                e.entry_timeout = fs->timeout;
                fuse_reply_entry(req, &e);
        } else
                fuse_reply_err(req, -r);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
        struct ovl_fs *fs = FS(req);

        lock(fs);
        ovl_forget(fs, ovl_node_get(fs, ino), nlookup);
        unlock(fs);
        fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
        struct ovl_fs *fs = FS(req);

        lock(fs);
        for (size_t i = 0; i < count; i++)
                ovl_forget(fs, ovl_node_get(fs, forgets[i].ino), forgets[i].nlookup);
        unlock(fs);
        fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, _unused_ struct fuse_file_info *fi)
{
        struct ovl_fs *fs = FS(req);
        struct stat st;
        int r;

        lock(fs);
        r = ovl_stat(fs, ovl_node_get(fs, ino), &st);
        unlock(fs);
        if (r < 0)
                fuse_reply_err(req, -r);
        else
                fuse_reply_attr(req, &st, attr_timeout(fs, &st));
}

/* the override attribute of an upper path, if it has one: "uid:gid:mode" */
static bool get_override(struct ovl_fs *fs, const char *path, unsigned int v[3])
{
        _cleanup_free_ char *p = eng_xasprintf("/proc/self/fd/%d/%s", fs->layers[0].fd, path);
        char buf[64];
        ssize_t n = lgetxattr(p, OVL_XATTR_OVERRIDE, buf, sizeof(buf) - 1);

        if (n <= 0)
                return false;
        buf[n] = '\0';
        return sscanf(buf, "%u:%u:%o", &v[0], &v[1], &v[2]) == 3;
}

static int set_override(struct ovl_fs *fs, const char *path, const unsigned int v[3])
{
        _cleanup_free_ char *p = eng_xasprintf("/proc/self/fd/%d/%s", fs->layers[0].fd, path);
        char buf[64];

        snprintf(buf, sizeof(buf), "%u:%u:0%o", v[0], v[1], v[2] & 07777);
        return lsetxattr(p, OVL_XATTR_OVERRIDE, buf, strlen(buf), 0) < 0 ? -errno : 0;
}

/*
 * An open file.  A lower file opened for writing is not copied up at open
 * but at its first change (a write, a truncation, an allocation): what is
 * opened for writing and only read (as many programs do) costs no copy.
 * Until then @fd is the lower file; then the same descriptor number comes
 * to name the upper one (dup3), so that readers on other threads go on.
 */
struct ovl_file {
        int fd;
        int flags;
        bool lazy;
        int lock_op; /* LOCK_SH or LOCK_EX held through fd (flock); 0: none */
        struct ovl_node *node;
};

#define FH(fi) ((struct ovl_file *) (uintptr_t) (fi)->fh)

static int open_flags_write(int flags)
{
        return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}

/* the same, with fs->lock held; @off: where a write goes (-1: not a write) */
static int file_writable_locked(struct ovl_fs *fs, struct ovl_file *f, off_t off)
{
        int r = 0, fd = -1;

        if (f->lazy) {
                struct ovl_node *n = f->node;

                if (n->gone) {
                        /* removed since: an unnamed copy of its own */
                        fd = openat(fs->workfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
                        if (fd < 0)
                                r = -errno;
                        else
                                r = ovl_copy_data(f->fd, fd, -1);
                } else {
                        r = off >= 0 ? ovl_copy_up_for_write(fs, n, off) : ovl_copy_up(fs, n);
                        if (r == 0) {
                                fd = openat(fs->layers[0].fd, n->path,
                                            (f->flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY)) |
                                                    O_NOFOLLOW | O_CLOEXEC);
                                if (fd < 0)
                                        r = -errno;
                        }
                }
                /* A lock held on the lower file goes with the handle to its
                 * copy; it cannot be had only if another handle already on
                 * the copy holds one, and then the two did not conflict before. */
                if (r == 0 && f->lock_op)
                        (void) flock(fd, f->lock_op | LOCK_NB);
                if (r == 0 && dup3(fd, f->fd, O_CLOEXEC) < 0)
                        r = -errno;
                if (fd >= 0)
                        close(fd);
                if (r == 0)
                        __atomic_store_n(&f->lazy, false, __ATOMIC_RELEASE);
        }
        return r;
}

static int file_writable(struct ovl_fs *fs, struct ovl_file *f, off_t off)
{
        int r;

        if (!__atomic_load_n(&f->lazy, __ATOMIC_ACQUIRE))
                return 0;
        lock(fs);
        r = file_writable_locked(fs, f, off);
        unlock(fs);
        return r;
}

static struct ovl_file *file_new(int fd, int flags, bool lazy, struct ovl_node *n)
{
        struct ovl_file *f = eng_xcalloc(1, sizeof(*f));

        f->fd = fd;
        f->flags = flags;
        f->lazy = lazy;
        f->node = n;
        return f;
}

static int do_setattr(struct ovl_fs *fs, struct ovl_node *n, struct stat *attr, int to_set,
                      struct fuse_file_info *fi)
{
        int ufd = fs->layers[0].fd, r;
        unsigned int ov[3];
        bool has_ov;

        r = ovl_copy_up(fs, n);
        if (r < 0)
                return r;
        /* the data of a copy-up still to come first (a rare wait, under the lock) */
        if (n->type == S_IFREG && (r = ovl_fill_wait_file(fs, -1, n->path)) < 0)
                return r;
        has_ov = n->type != S_IFLNK && get_override(fs, n->path, ov);
        if (to_set & FUSE_SET_ATTR_MODE) {
                if (has_ov) {
                        ov[2] = attr->st_mode & 07777;
                        if ((r = set_override(fs, n->path, ov)) < 0)
                                return r;
                } else if (fchmodat(ufd, n->path, attr->st_mode & 07777, 0) < 0)
                        return -errno;
        }
        if (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
                uid_t uid = (to_set & FUSE_SET_ATTR_UID) ? ovl_uid_to_layer(fs, attr->st_uid)
                                                         : (uid_t) -1;
                gid_t gid = (to_set & FUSE_SET_ATTR_GID) ? ovl_gid_to_layer(fs, attr->st_gid)
                                                         : (gid_t) -1;

                if (has_ov) {
                        if (uid != (uid_t) -1)
                                ov[0] = uid;
                        if (gid != (gid_t) -1)
                                ov[1] = gid;
                        if ((r = set_override(fs, n->path, ov)) < 0)
                                return r;
                } else if (fchownat(ufd, n->path, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
        }
        if (to_set & FUSE_SET_ATTR_SIZE) {
                if (fi) {
                        /* (the node is copied up already: the handle follows) */
                        if ((r = file_writable_locked(fs, FH(fi), -1)) < 0)
                                return r;
                        if (ftruncate(FH(fi)->fd, attr->st_size) < 0)
                                return -errno;
                } else {
                        _cleanup_close_ int fd =
                                openat(ufd, n->path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);

                        if (fd < 0 || ftruncate(fd, attr->st_size) < 0)
                                return -errno;
                }
        }
        if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)) {
                struct timespec t[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } };

                if (to_set & FUSE_SET_ATTR_ATIME_NOW)
                        t[0].tv_nsec = UTIME_NOW;
                else if (to_set & FUSE_SET_ATTR_ATIME)
                        t[0] = attr->st_atim;
                if (to_set & FUSE_SET_ATTR_MTIME_NOW)
                        t[1].tv_nsec = UTIME_NOW;
                else if (to_set & FUSE_SET_ATTR_MTIME)
                        t[1] = attr->st_mtim;
                if (utimensat(ufd, n->path, t, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
        }
        return 0;
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                       struct fuse_file_info *fi)
{
        struct ovl_fs *fs = FS(req);
        struct ovl_node *n;
        struct stat st;
        int r;

        lock(fs);
        n = ovl_node_get(fs, ino);
        r = do_setattr(fs, n, attr, to_set, fi);
        if (r == 0)
                r = ovl_stat(fs, n, &st);
        unlock(fs);
        if (r < 0)
                fuse_reply_err(req, -r);
        else
                fuse_reply_attr(req, &st, attr_timeout(fs, &st));
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
        struct ovl_fs *fs = FS(req);
        char buf[PATH_MAX + 1];
        struct ovl_node *n;
        ssize_t len;

        lock(fs);
        n = ovl_node_get(fs, ino);
        len = readlinkat(fs->layers[n->layer].fd, n->path, buf, sizeof(buf) - 1);
        if (len < 0)
                len = -errno;
        unlock(fs);
        if (len < 0) {
                fuse_reply_err(req, (int) -len);
                return;
        }
        buf[len] = '\0';
        fuse_reply_readlink(req, buf);
}

/* --- making entries */

/*
 * Before an entry @name is made in @parent: the parent in the upper layer,
 * no whiteout in the way.  *@covers: something of a lower layer is hidden
 * there (a new directory must then be opaque).
 */
static int prepare_new(struct ovl_fs *fs, struct ovl_node *parent, const char *name,
                       const char *path, bool *covers)
{
        int ufd = fs->layers[0].fd, r;
        _cleanup_free_ char *wh = NULL;
        struct stat st;

        r = ovl_copy_up(fs, parent);
        if (r < 0)
                return r;
        ovl_dir_changed(parent);
        if (fstatat(ufd, path, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                if (!ovl_is_whiteout(fs, 0, path, &st))
                        return -EEXIST;
                if (unlinkat(ufd, path, 0) < 0)
                        return -errno;
        }
        wh = strcmp(parent->path, ".") == 0
                     ? eng_xasprintf(OVL_WH_PREFIX "%s", name)
                     : eng_xasprintf("%s/" OVL_WH_PREFIX "%s", parent->path, name);
        (void) unlinkat(ufd, wh, 0);
        if (covers)
                *covers = ovl_in_lower(fs, parent, name);
        return 0;
}

/* owner of a new entry: the caller, or the parent's group when it is set-group-id */
static void own_new(struct ovl_fs *fs, fuse_req_t req, struct ovl_node *parent, const char *path)
{
        const struct fuse_ctx *ctx = fuse_req_ctx(req);
        struct stat pst;
        gid_t gid = ovl_gid_to_layer(fs, ctx->gid);

        if (fstatat(fs->layers[0].fd, parent->path, &pst, 0) == 0 && (pst.st_mode & S_ISGID))
                gid = pst.st_gid;
        (void) !fchownat(fs->layers[0].fd, path, ovl_uid_to_layer(fs, ctx->uid), gid,
                         AT_SYMLINK_NOFOLLOW);
}

static void reply_new(fuse_req_t req, struct ovl_fs *fs, struct ovl_node *parent, const char *name,
                      int r)
{
        struct fuse_entry_param e;
        struct ovl_node *n = NULL;
        struct stat st;

        if (r == 0) {
                n = ovl_lookup(fs, parent, name, &st, &r);
                if (n)
                        fill_entry(fs, &e, n, &st);
        }
        unlock(fs);
        if (n)
                fuse_reply_entry(req, &e);
        else
                fuse_reply_err(req, -r);
}

static int set_opaque(struct ovl_fs *fs, const char *path)
{
        _cleanup_free_ char *p = eng_xasprintf("/proc/self/fd/%d/%s", fs->layers[0].fd, path);

        return lsetxattr(p, OVL_XATTR_OPAQUE, "y", 1, 0) < 0 ? -errno : 0;
}

/* mknod, mkdir and symlink (@target): made in the upper layer, the caller's */
static void make_entry(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev,
                       const char *target)
{
        struct ovl_fs *fs = FS(req);
        int ufd = fs->layers[0].fd, r;
        _cleanup_free_ char *path = NULL;
        struct ovl_node *p;
        bool covers = false;

        lock(fs);
        p = ovl_node_get(fs, parent);
        path = ovl_child_path(p, name);
        r = prepare_new(fs, p, name, path, &covers);
        if (r == 0 && S_ISCHR(mode) && rdev == makedev(0, 0))
                r = -EPERM; /* that would be a whiteout */
        if (r == 0 && (S_ISDIR(mode)   ? mkdirat(ufd, path, mode & 07777)
                       : S_ISLNK(mode) ? symlinkat(target, ufd, path)
                                       : mknodat(ufd, path, mode, rdev)) < 0)
                r = -errno;
        if (r == 0)
                own_new(fs, req, p, path);
        /* a directory over a removed one: what that held below must not come back */
        if (r == 0 && S_ISDIR(mode) && covers && (r = set_opaque(fs, path)) < 0)
                (void) unlinkat(ufd, path, AT_REMOVEDIR);
        reply_new(req, fs, p, name, r);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
        make_entry(req, parent, name, mode, rdev, NULL);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
        make_entry(req, parent, name, S_IFDIR | mode, 0, NULL);
}

static void op_symlink(fuse_req_t req, const char *target, fuse_ino_t parent, const char *name)
{
        make_entry(req, parent, name, S_IFLNK | 0777, 0, target);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
        struct ovl_fs *fs = FS(req);
        struct fuse_entry_param e;
        struct stat st;
        struct ovl_node *n, *p;
        _cleanup_free_ char *path = NULL;
        bool linked = false;
        int r;

        lock(fs);
        n = ovl_node_get(fs, ino);
        p = ovl_node_get(fs, newparent);
        path = ovl_child_path(p, newname);
        r = ovl_copy_up(fs, n);
        if (r == 0)
                r = prepare_new(fs, p, newname, path, NULL);
        if (r == 0 && linkat(fs->layers[0].fd, n->path, fs->layers[0].fd, path, 0) < 0)
                r = -errno;
        if (r == 0) {
                /* the new name is a node of its own, as a lookup of it makes: when
                 * the old name goes, this one still finds the file */
                struct ovl_node *nn = ovl_lookup(fs, p, newname, &st, &r);

                if (nn)
                        fill_entry(fs, &e, nn, &st);
                linked = true;
        }
        unlock(fs);
        /* the kernel's inode of the old name is another one: what it keeps of
         * its attributes (one link) is stale, before the link returns */
        if (linked && fs->se)
                (void) fuse_lowlevel_notify_inval_inode(fs->se, ino, -1, 0);
        if (r < 0)
                fuse_reply_err(req, -r);
        else
                fuse_reply_entry(req, &e);
}

/* --- removing entries */

/* the node @name of @parent as it is now, without a lookup count (a stack copy) */
static int probe(struct ovl_fs *fs, struct ovl_node *parent, const char *name, struct ovl_node *tmp,
                 struct stat *st)
{
        struct ovl_node *n;
        int r;

        n = ovl_lookup(fs, parent, name, st, &r);
        if (!n)
                return r;
        *tmp = *n;
        ovl_forget(fs, n, 1);
        return 0;
}

/* an upper directory holding only whiteouts, emptied */
static int clear_upper_dir(struct ovl_fs *fs, const char *path)
{
        int fd = openat(fs->layers[0].fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
                    unlinkat(dirfd(d), de->d_name, 0) < 0)
                        return -errno;
        return 0;
}

static void mark_gone(struct ovl_fs *fs, const char *path)
{
        struct ovl_node *n = ovl_node_find(fs, path);

        /* the kernel may still hold it (an open file): it stays until forgotten */
        if (n)
                ovl_node_unlink(fs, n);
}

static int do_remove(struct ovl_fs *fs, struct ovl_node *p, const char *name, bool dir)
{
        _cleanup_free_ char *path = ovl_child_path(p, name);
        struct ovl_node tmp;
        struct stat st;
        bool lower;
        int r;

        r = probe(fs, p, name, &tmp, &st);
        if (r < 0)
                return r;
        if (dir && !S_ISDIR(st.st_mode))
                return -ENOTDIR;
        if (!dir && S_ISDIR(st.st_mode))
                return -EISDIR;
        if (dir) {
                tmp.path = path;
                tmp.parent = p;
                if ((r = ovl_dir_check_empty(fs, &tmp)) < 0)
                        return r;
        }
        r = ovl_copy_up(fs, p);
        if (r < 0)
                return r;
        ovl_dir_changed(p);
        lower = ovl_in_lower(fs, p, name);
        {
                /* a node the kernel still holds (an open file) keeps the file at hand */
                struct ovl_node *held = ovl_node_find(fs, path);

                if (held && !dir)
                        ovl_node_keep_open(fs, held);
        }
        if (tmp.layer == 0) {
                if (dir && (r = clear_upper_dir(fs, path)) < 0)
                        return r;
                if (unlinkat(fs->layers[0].fd, path, dir ? AT_REMOVEDIR : 0) < 0)
                        return -errno;
        }
        if (lower && (r = ovl_whiteout_create(fs, path)) < 0)
                return r;
        mark_gone(fs, path);
        return 0;
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
        struct ovl_fs *fs = FS(req);
        int r;

        lock(fs);
        r = do_remove(fs, ovl_node_get(fs, parent), name, false);
        unlock(fs);
        fuse_reply_err(req, -r);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
        struct ovl_fs *fs = FS(req);
        int r;

        lock(fs);
        r = do_remove(fs, ovl_node_get(fs, parent), name, true);
        unlock(fs);
        fuse_reply_err(req, -r);
}

static int do_rename(struct ovl_fs *fs, struct ovl_node *p, const char *name, struct ovl_node *np,
                     const char *newname, unsigned int flags)
{
        _cleanup_free_ char *path = ovl_child_path(p, name);
        _cleanup_free_ char *npath = ovl_child_path(np, newname);
        struct ovl_node *src, *dst = NULL;
        struct stat st, dst_st;
        bool dst_exists, src_lower, dst_lower;
        int ufd = fs->layers[0].fd, r;

        if (flags & ~(unsigned) (RENAME_NOREPLACE | RENAME_EXCHANGE))
                return -EINVAL;
        src = ovl_lookup(fs, p, name, &st, &r);
        if (!src)
                return r;
        dst = ovl_lookup(fs, np, newname, &dst_st, &r);
        dst_exists = dst != NULL;
        if (!dst && r != -ENOENT)
                goto out;
        r = 0;
        if (dst == src)
                goto out; /* the same entry */
        if (dst_exists && (flags & RENAME_NOREPLACE)) {
                r = -EEXIST;
                goto out;
        }
        if (!dst_exists && (flags & RENAME_EXCHANGE)) {
                r = -ENOENT;
                goto out;
        }
        if (dst_exists && !(flags & RENAME_EXCHANGE)) {
                if (S_ISDIR(dst_st.st_mode) && !S_ISDIR(st.st_mode)) {
                        r = -EISDIR;
                        goto out;
                }
                if (!S_ISDIR(dst_st.st_mode) && S_ISDIR(st.st_mode)) {
                        r = -ENOTDIR;
                        goto out;
                }
                if (S_ISDIR(dst_st.st_mode) && (r = ovl_dir_check_empty(fs, dst)) < 0)
                        goto out;
        }
        /* everything moved is in the upper layer first */
        if ((r = ovl_copy_up_tree(fs, src)) < 0 || (r = ovl_copy_up(fs, np)) < 0)
                goto out;
        if ((flags & RENAME_EXCHANGE) && (r = ovl_copy_up_tree(fs, dst)) < 0)
                goto out;
        ovl_dir_changed(p);
        ovl_dir_changed(np);
        src_lower = ovl_in_lower(fs, p, name);
        dst_lower = ovl_in_lower(fs, np, newname);
        if (!(flags & RENAME_EXCHANGE)) {
                /* what is at the target in the upper layer: a whiteout, or a
                 * directory of whiteouts, goes */
                if (fstatat(ufd, npath, &dst_st, AT_SYMLINK_NOFOLLOW) == 0) {
                        if (ovl_is_whiteout(fs, 0, npath, &dst_st))
                                (void) unlinkat(ufd, npath, 0);
                        else if (S_ISDIR(dst_st.st_mode) && (r = clear_upper_dir(fs, npath)) < 0)
                                goto out;
                }
                {
                        _cleanup_free_ char *wh =
                                strcmp(np->path, ".") == 0
                                        ? eng_xasprintf(OVL_WH_PREFIX "%s", newname)
                                        : eng_xasprintf("%s/" OVL_WH_PREFIX "%s", np->path,
                                                        newname);

                        (void) unlinkat(ufd, wh, 0);
                }
        }
        if (renameat2(ufd, path, ufd, npath, flags & RENAME_EXCHANGE) < 0) {
                r = -errno;
                goto out;
        }
        if (!(flags & RENAME_EXCHANGE) && src_lower && (r = ovl_whiteout_create(fs, path)) < 0)
                goto out;
        /* a moved directory holds all it showed: nothing below may merge in */
        if (S_ISDIR(st.st_mode) && dst_lower && (r = set_opaque(fs, npath)) < 0)
                goto out;
        if ((flags & RENAME_EXCHANGE) && dst_st.st_mode && S_ISDIR(dst_st.st_mode) && src_lower &&
            (r = set_opaque(fs, path)) < 0)
                goto out;
        if (flags & RENAME_EXCHANGE) {
                /* through a name no entry has, so that the two subtrees do not mix */
                ovl_node_move(fs, src, np, "\x01exchange");
                ovl_node_move(fs, dst, p, name);
                ovl_node_move(fs, src, np, newname);
        } else {
                if (dst_exists)
                        mark_gone(fs, npath);
                ovl_node_move(fs, src, np, newname);
        }
        src->layer = 0;
        src->last_layer = S_ISDIR(st.st_mode) ? 0 : src->last_layer;
        if (dst && (flags & RENAME_EXCHANGE)) {
                dst->layer = 0;
                if (dst->type == S_IFDIR)
                        dst->last_layer = 0;
        }
out:
        if (dst)
                ovl_forget(fs, dst, 1);
        ovl_forget(fs, src, 1);
        return r;
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                      const char *newname, unsigned int flags)
{
        struct ovl_fs *fs = FS(req);
        int r;

        lock(fs);
        r = do_rename(fs, ovl_node_get(fs, parent), name, ovl_node_get(fs, newparent), newname,
                      flags);
        unlock(fs);
        fuse_reply_err(req, -r);
}

/* --- files */

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        struct ovl_fs *fs = FS(req);
        struct ovl_node *n;
        struct ovl_file *f;
        int fd, r = 0;
        int flags = fi->flags & ~(O_CREAT | O_EXCL | O_NOCTTY);
        bool lazy = false;

        lock(fs);
        n = ovl_node_get(fs, ino);
        /* a truncation waits for the data of a copy-up still to come */
        if ((fi->flags & O_TRUNC) && n->layer == 0 && n->type == S_IFREG)
                r = ovl_fill_wait_file(fs, -1, n->path);
        if (r == 0 && open_flags_write(fi->flags) && n->layer > 0) {
                if (fi->flags & O_TRUNC)
                        r = ovl_copy_up_empty(fs, n);
                else if (n->type == S_IFREG)
                        lazy = true;
                else
                        r = ovl_copy_up(fs, n);
        }
        fd = r < 0 ? r
                   : openat(fs->layers[n->layer].fd, n->path,
                            (lazy ? O_RDONLY : flags) | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && r == 0)
                r = -errno;
        unlock(fs);
        if (r < 0) {
                fuse_reply_err(req, -r);
                return;
        }
        f = file_new(fd, flags, lazy, n);
        fi->fh = (uint64_t) (uintptr_t) f;
        fi->keep_cache = 1; /* nobody but this mount changes the file */
        fi->noflush = 1;    /* writes reach the file as they come: nothing to flush at close */
        if (fuse_reply_open(req, fi) == -ENOENT) {
                close(fd); /* interrupted */
                free(f);
        }
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                      struct fuse_file_info *fi)
{
        struct ovl_fs *fs = FS(req);
        struct fuse_entry_param e;
        struct ovl_node *p, *n = NULL;
        _cleanup_free_ char *path = NULL;
        struct stat st;
        int r, fd = -1;

        lock(fs);
        p = ovl_node_get(fs, parent);
        path = ovl_child_path(p, name);
        r = prepare_new(fs, p, name, path, NULL);
        if (r == 0) {
                fd = openat(fs->layers[0].fd, path,
                            (fi->flags & ~O_NOCTTY) | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                            mode);
                if (fd < 0)
                        r = -errno;
        }
        if (r == 0) {
                own_new(fs, req, p, path);
                n = ovl_lookup(fs, p, name, &st, &r);
                if (n)
                        fill_entry(fs, &e, n, &st);
        }
        unlock(fs);
        if (!n) {
                if (fd >= 0)
                        close(fd);
                fuse_reply_err(req, -r);
                return;
        }
        fi->fh = (uint64_t) (uintptr_t) file_new(fd, fi->flags, false, n);
        fi->keep_cache = 1;
        fi->noflush = 1;
        if (fuse_reply_create(req, &e, fi) == -ENOENT) {
                close(fd);
                free(FH(fi));
        }
}

static void op_read(fuse_req_t req, _unused_ fuse_ino_t ino, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
        struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
        struct ovl_fs *fs = FS(req);
        struct ovl_fill *fl;

        /* a file whose data is still being copied up: part of it from below */
        if (ovl_fill_any(fs) && (fl = ovl_fill_find_file(fs, FH(fi)->fd, NULL))) {
                char *data = NULL;
                size_t len = 0;
                int r = ovl_fill_read(fl, FH(fi)->fd, size, off, &data, &len);

                ovl_fill_put(fs, fl);
                if (r < 0)
                        fuse_reply_err(req, -r);
                else
                        fuse_reply_buf(req, data, len);
                free(data);
                return;
        }

        buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
        buf.buf[0].fd = FH(fi)->fd;
        buf.buf[0].pos = off;
        fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

static void op_write_buf(fuse_req_t req, _unused_ fuse_ino_t ino, struct fuse_bufvec *in, off_t off,
                         struct fuse_file_info *fi)
{
        struct fuse_bufvec out = FUSE_BUFVEC_INIT(fuse_buf_size(in));
        struct ovl_fs *fs = FS(req);
        bool copy_up = __atomic_load_n(&FH(fi)->lazy, __ATOMIC_ACQUIRE);
        int r = file_writable(fs, FH(fi), off);
        struct ovl_fill *fl = NULL;
        ssize_t n;

        /* into a file whose data is still being copied up: past its end at once, else after */
        if (r == 0 && ovl_fill_any(fs) && (fl = ovl_fill_find_file(fs, FH(fi)->fd, NULL)) &&
            off < ovl_fill_size(fl)) {
                r = ovl_fill_wait(fs, fl);
                ovl_fill_put(fs, fl);
                fl = NULL;
        }
        if (r < 0) {
                /* (the handle may not be on the copy) */
                if (copy_up && ovl_fill_any(fs))
                        ovl_fill_start(fs, -1);
                fuse_reply_err(req, -r);
                return;
        }
        out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
        out.buf[0].fd = FH(fi)->fd;
        out.buf[0].pos = off;
        if (fl)
                ovl_fill_hold(fl);
        n = fuse_buf_copy(&out, in, 0);
        if (fl) {
                ovl_fill_unhold(fl, n > 0);
                ovl_fill_put(fs, fl);
        }
        /* a big file's data that this write's copy-up put off: copied from now on */
        if (copy_up && ovl_fill_any(fs))
                ovl_fill_start(fs, FH(fi)->fd);
        if (n < 0)
                fuse_reply_err(req, (int) -n);
        else
                fuse_reply_write(req, (size_t) n);
}

static void op_flush(fuse_req_t req, _unused_ fuse_ino_t ino, struct fuse_file_info *fi)
{
        /* a close of a duplicate: what close() of the file would report, here */
        int r = close(dup(FH(fi)->fd));

        fuse_reply_err(req, r < 0 ? errno : 0);
}

static void op_release(fuse_req_t req, _unused_ fuse_ino_t ino, struct fuse_file_info *fi)
{
        close(FH(fi)->fd);
        free(FH(fi));
        fuse_reply_err(req, 0);
}

static void op_fsync(fuse_req_t req, _unused_ fuse_ino_t ino, int datasync,
                     struct fuse_file_info *fi)
{
        /* the data of a copy-up still to come is part of what must reach the disk */
        int r = ovl_fill_wait_file(FS(req), FH(fi)->fd, NULL);

        if (r < 0) {
                fuse_reply_err(req, -r);
                return;
        }
        r = datasync ? fdatasync(FH(fi)->fd) : fsync(FH(fi)->fd);

        fuse_reply_err(req, r < 0 ? errno : 0);
}

static void op_fallocate(fuse_req_t req, _unused_ fuse_ino_t ino, int mode, off_t off, off_t len,
                         struct fuse_file_info *fi)
{
        int r = file_writable(FS(req), FH(fi), -1);

        if (r == 0)
                r = ovl_fill_wait_file(FS(req), FH(fi)->fd, NULL);
        if (r == 0 && fallocate(FH(fi)->fd, mode, off, len) < 0)
                r = -errno;
        fuse_reply_err(req, -r);
}

static void op_lseek(fuse_req_t req, _unused_ fuse_ino_t ino, off_t off, int whence,
                     struct fuse_file_info *fi)
{
        off_t r;
        int w = 0;

        /* holes and data: what they will be once the copy-up's data is all there */
        if (whence == SEEK_DATA || whence == SEEK_HOLE)
                w = ovl_fill_wait_file(FS(req), FH(fi)->fd, NULL);
        if (w < 0) {
                fuse_reply_err(req, -w);
                return;
        }
        r = lseek(FH(fi)->fd, off, whence);
        if (r < 0)
                fuse_reply_err(req, errno);
        else
                fuse_reply_lseek(req, r);
}

static void op_flock(fuse_req_t req, _unused_ fuse_ino_t ino, struct fuse_file_info *fi, int op)
{
        struct ovl_fs *fs = FS(req);
        struct ovl_file *f = FH(fi);
        bool was_lazy = __atomic_load_n(&f->lazy, __ATOMIC_ACQUIRE);
        int r = flock(f->fd, op);

        if (r < 0) {
                fuse_reply_err(req, errno);
                return;
        }
        /* remembered for a copy-up, which gives the handle another file */
        lock(fs);
        f->lock_op = op & (LOCK_SH | LOCK_EX);
        /* a copy-up in between may have taken the old state to the copy: this one, now */
        if (was_lazy && !f->lazy)
                (void) flock(f->fd, op | LOCK_NB);
        unlock(fs);
        fuse_reply_err(req, 0);
}

/* --- directories */

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        struct ovl_fs *fs = FS(req);
        struct ovl_dir *d;
        int r;

        if (fs->no_opendir) {
                /* from now on the kernel opens directories itself, and keeps what
                 * it read of them until we change them: no round trip per open */
                fuse_reply_err(req, ENOSYS);
                return;
        }
        d = eng_xcalloc(1, sizeof(*d));

        lock(fs);
        r = ovl_dir_read(fs, ovl_node_get(fs, ino), d);
        unlock(fs);
        if (r < 0) {
                free(d);
                fuse_reply_err(req, -r);
                return;
        }
        fi->fh = (uint64_t) (uintptr_t) d;
        /* the kernel may keep the listing: it drops it when we change the directory */
        fi->cache_readdir = 1;
        fi->keep_cache = 1;
        fuse_reply_open(req, fi);
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *fi, bool plus)
{
        struct ovl_fs *fs = FS(req);
        struct ovl_dir *d = (struct ovl_dir *) (uintptr_t) fi->fh;
        _cleanup_free_ char *buf = eng_xmalloc(size);
        struct ovl_node *dn;
        size_t used = 0;

        lock(fs);
        dn = ovl_node_get(fs, ino);
        if (!d) {
                /* no handle (the kernel opened it): the node keeps the listing
                 * from the first chunk to the last */
                if (off == 0 || !dn->listing) {
                        int r;

                        ovl_dir_changed(dn);
                        dn->listing = eng_xcalloc(1, sizeof(*dn->listing));
                        r = ovl_dir_read(fs, dn, dn->listing);
                        if (r < 0) {
                                ovl_dir_changed(dn);
                                unlock(fs);
                                fuse_reply_err(req, -r);
                                return;
                        }
                }
                d = dn->listing;
        }
        for (size_t i = (size_t) off; i < d->n; i++) {
                struct ovl_dirent *ent = &d->ents[i];
                size_t len;

                if (plus) {
                        struct fuse_entry_param e = { 0 };
                        struct ovl_node *n = NULL;
                        bool dots = strcmp(ent->name, ".") == 0 || strcmp(ent->name, "..") == 0;
                        int r;

                        if (!dots) {
                                struct stat st;

                                n = ovl_lookup(fs, ovl_node_get(fs, ino), ent->name, &st, &r);
                                if (!n)
                                        continue;
                                fill_entry(fs, &e, n, &st);
                        } else {
                                e.attr.st_ino = ent->ino;
                                e.attr.st_mode = ent->type;
                        }
                        len = fuse_add_direntry_plus(req, buf + used, size - used, ent->name, &e,
                                                     (off_t) i + 1);
                        if (len > size - used) {
                                if (n)
                                        ovl_forget(fs, n, 1); /* not given to the kernel */
                                break;
                        }
                } else {
                        struct stat st = { .st_ino = ent->ino, .st_mode = ent->type };

                        len = fuse_add_direntry(req, buf + used, size - used, ent->name, &st,
                                                (off_t) i + 1);
                        if (len > size - used)
                                break;
                }
                used += len;
        }
        if (used == 0 && d == dn->listing)
                ovl_dir_changed(dn); /* read to its end */
        unlock(fs);
        fuse_reply_buf(req, buf, used);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
        do_readdir(req, ino, size, off, fi, false);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                           struct fuse_file_info *fi)
{
        do_readdir(req, ino, size, off, fi, true);
}

static void op_releasedir(fuse_req_t req, _unused_ fuse_ino_t ino, struct fuse_file_info *fi)
{
        struct ovl_dir *d = (struct ovl_dir *) (uintptr_t) fi->fh;

        ovl_dir_release(d);
        free(d);
        fuse_reply_err(req, 0);
}

static void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, _unused_ int datasync,
                        _unused_ struct fuse_file_info *fi)
{
        struct ovl_fs *fs = FS(req);
        struct ovl_node *n;
        int fd, r = 0;

        lock(fs);
        n = ovl_node_get(fs, ino);
        fd = n->layer == 0 ? openat(fs->layers[0].fd, n->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                           : -1;
        unlock(fs);
        if (fd >= 0) {
                if (fsync(fd) < 0)
                        r = errno;
                close(fd);
        }
        fuse_reply_err(req, r);
}

static void op_statfs(fuse_req_t req, _unused_ fuse_ino_t ino)
{
        struct ovl_fs *fs = FS(req);
        struct statvfs sv;

        if (fstatvfs(fs->layers[0].fd, &sv) < 0)
                fuse_reply_err(req, errno);
        else
                fuse_reply_statfs(req, &sv);
}

/* --- extended attributes */

/*
 * getxattr or (@name NULL) listxattr of node @ino, under the lock: the path
 * is only good while nothing renames (a rename through the mount could
 * swap a directory on it for a symlink that leads out of the layer).
 */
static ssize_t node_xattr(struct ovl_fs *fs, fuse_ino_t ino, const char *name, char *buf,
                          size_t size)
{
        _cleanup_free_ char *p = NULL;
        struct ovl_node *n;
        ssize_t len;

        lock(fs);
        n = ovl_node_get(fs, ino);
        p = eng_xasprintf("/proc/self/fd/%d/%s", fs->layers[n->layer].fd, n->path);
        len = name ? lgetxattr(p, name, buf, size) : llistxattr(p, buf, size);
        len = len < 0 ? -errno : len;
        unlock(fs);
        return len;
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
        _cleanup_free_ char *buf = size ? eng_xmalloc(size) : NULL;
        ssize_t len;

        if (xattr_hidden(name)) {
                fuse_reply_err(req, ENODATA);
                return;
        }
        len = node_xattr(FS(req), ino, name, buf, size);
        if (len < 0)
                fuse_reply_err(req, (int) -len);
        else if (size == 0)
                fuse_reply_xattr(req, (size_t) len);
        else
                fuse_reply_buf(req, buf, (size_t) len);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
        struct ovl_fs *fs = FS(req);
        _cleanup_free_ char *names = NULL, *out = NULL;
        ssize_t len;
        size_t used = 0;

        len = node_xattr(fs, ino, NULL, NULL, 0);
        if (len < 0) {
                fuse_reply_err(req, (int) -len);
                return;
        }
        names = eng_xmalloc((size_t) len + 1);
        len = node_xattr(fs, ino, NULL, names, (size_t) len);
        if (len < 0) {
                fuse_reply_err(req, (int) -len);
                return;
        }
        out = eng_xmalloc((size_t) len + 1);
        for (ssize_t off = 0; off < len; off += (ssize_t) strlen(names + off) + 1) {
                size_t l = strlen(names + off) + 1;

                if (xattr_hidden(names + off))
                        continue;
                memcpy(out + used, names + off, l);
                used += l;
        }
        if (size == 0)
                fuse_reply_xattr(req, used);
        else if (size < used)
                fuse_reply_err(req, ERANGE);
        else
                fuse_reply_buf(req, out, used);
}

/* set (@value) or remove (NULL) an attribute: on the upper copy */
static void change_xattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
                         size_t size, int flags)
{
        struct ovl_fs *fs = FS(req);
        _cleanup_free_ char *p = NULL;
        struct ovl_node *n;
        int r;

        if (xattr_hidden(name)) {
                fuse_reply_err(req, value ? EPERM : ENODATA);
                return;
        }
        lock(fs);
        n = ovl_node_get(fs, ino);
        r = ovl_copy_up(fs, n);
        if (r == 0) {
                p = eng_xasprintf("/proc/self/fd/%d/%s", fs->layers[0].fd, n->path);
                if ((value ? lsetxattr(p, name, value, size, flags) : lremovexattr(p, name)) < 0)
                        r = -errno;
        }
        unlock(fs);
        fuse_reply_err(req, -r);
}

static void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
                        size_t size, int flags)
{
        change_xattr(req, ino, name, value ? value : "", size, flags);
}

static void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
        change_xattr(req, ino, name, NULL, 0, 0);
}

static const struct fuse_lowlevel_ops ovl_ops = {
        .init = op_init,
        .lookup = op_lookup,
        .forget = op_forget,
        .forget_multi = op_forget_multi,
        .getattr = op_getattr,
        .setattr = op_setattr,
        .readlink = op_readlink,
        .mknod = op_mknod,
        .mkdir = op_mkdir,
        .unlink = op_unlink,
        .rmdir = op_rmdir,
        .symlink = op_symlink,
        .rename = op_rename,
        .link = op_link,
        .open = op_open,
        .create = op_create,
        .read = op_read,
        .write_buf = op_write_buf,
        .flush = op_flush,
        .release = op_release,
        .fsync = op_fsync,
        .fallocate = op_fallocate,
        .lseek = op_lseek,
        .flock = op_flock,
        .opendir = op_opendir,
        .readdir = op_readdir,
        .readdirplus = op_readdirplus,
        .releasedir = op_releasedir,
        .fsyncdir = op_fsyncdir,
        .statfs = op_statfs,
        .getxattr = op_getxattr,
        .listxattr = op_listxattr,
        .setxattr = op_setxattr,
        .removexattr = op_removexattr,
};

/* --- options and main */

static int parse_idmap(const char *v, struct ovl_idmap *m, const char *what, struct eng_error **err)
{
        _cleanup_strv_ char **parts = eng_strv_split(v, ":");
        size_t n = eng_strv_length(parts);

        if (n == 0 || n % 3 != 0)
                return eng_err(err, ENG_E_USAGE, 0,
                               "%s='%s': triples CONTAINER:HOST:SIZE, ':'-separated", what, v);
        free(m->r);
        m->n = n / 3;
        m->r = eng_xcalloc(m->n, sizeof(*m->r));
        for (size_t i = 0; i < m->n; i++) {
                char *e1, *e2, *e3;

                m->r[i].inside = strtoul(parts[3 * i], &e1, 10);
                m->r[i].outside = strtoul(parts[3 * i + 1], &e2, 10);
                m->r[i].count = strtoul(parts[3 * i + 2], &e3, 10);
                if (*e1 || *e2 || *e3 || m->r[i].count == 0)
                        return eng_err(err, ENG_E_USAGE, 0, "%s='%s': not numbers", what, v);
        }
        return 0;
}

int storage_ovl_parse_options(const char *list, struct storage_ovl_opts *o, char **fuse_opts,
                              struct eng_error **err)
{
        _cleanup_strv_ char **opts = eng_strv_split(list, ",");

        ENG_STRV_FOREACH(p, opts) {
                char *eq = strchr(*p, '=');
                const char *v = eq ? eq + 1 : NULL;
                size_t klen = eq ? (size_t) (eq - *p) : strlen(*p);

#define KEY(s) (klen == strlen(s) && strncmp(*p, s, klen) == 0)
                if (**p == '\0')
                        continue;
                if (KEY("lowerdir") && v) {
                        eng_strv_free(o->lowerdirs);
                        o->lowerdirs = eng_strv_split(v, ":");
                } else if (KEY("upperdir") && v)
                        o->upperdir = eng_xstrdup(v);
                else if (KEY("workdir") && v)
                        o->workdir = eng_xstrdup(v);
                else if (KEY("uidmapping") && v) {
                        if (parse_idmap(v, &o->uid_map, "uidmapping", err) < 0)
                                return -1;
                } else if (KEY("gidmapping") && v) {
                        if (parse_idmap(v, &o->gid_map, "gidmapping", err) < 0)
                                return -1;
                } else if (KEY("squash_to_root"))
                        o->squash_to_root = true;
                else if (KEY("squash_to_uid") && v)
                        o->squash_to_uid = strtol(v, NULL, 10);
                else if (KEY("squash_to_gid") && v)
                        o->squash_to_gid = strtol(v, NULL, 10);
                else if (KEY("timeout") && v)
                        o->timeout = strtod(v, NULL);
                else if (KEY("debug"))
                        o->debug = true;
                else if (KEY("noacl") || KEY("fast_ino") || KEY("threaded") || KEY("writeback") ||
                         KEY("xattr_permissions") || KEY("plugins") || KEY("static_nlink") ||
                         KEY("volatile") || KEY("fsync") || KEY("redirect_dir") || KEY("index") ||
                         KEY("metacopy") || KEY("userxattr") || KEY("context"))
                        continue; /* fuse-overlayfs' and the kernel's: nothing to change here */
                else {
                        char *t = *fuse_opts ? eng_xasprintf("%s,%s", *fuse_opts, *p)
                                             : eng_xstrdup(*p);

                        free(*fuse_opts);
                        *fuse_opts = t;
                }
#undef KEY
        }
        return 0;
}

void storage_ovl_opts_release(struct storage_ovl_opts *o)
{
        eng_strv_free(o->lowerdirs);
        free((char *) o->upperdir);
        free((char *) o->workdir);
        free(o->uid_map.r);
        free(o->gid_map.r);
        memset(o, 0, sizeof(*o));
}

static int open_layer(struct ovl_layer *l, const char *path, struct eng_error **err)
{
        struct stat st;

        l->fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (l->fd < 0)
                return eng_err(err, ENG_E_USAGE, errno, "the layer directory '%s'", path);
        if (fstat(l->fd, &st) < 0)
                return eng_err(err, ENG_E_SYS, errno, "'%s'", path);
        l->path = eng_xstrdup(path);
        l->dev = st.st_dev;
        return 0;
}

static void fs_release(struct ovl_fs *fs)
{
        ovl_fill_release(fs);
        ovl_spare_release(fs);
        for (int i = 0; i < fs->nlayers; i++) {
                eng_close_safe(fs->layers[i].fd);
                free(fs->layers[i].path);
        }
        free(fs->layers);
        eng_close_safe(fs->workfd);
        for (size_t i = 0; i < fs->table_size; i++)
                for (struct ovl_node *n = fs->table[i], *next; n; n = next) {
                        next = n->hnext;
                        if (n != fs->root) {
                                free(n->name);
                                free(n->path);
                                free(n);
                        }
                }
        free(fs->table);
        if (fs->root) {
                free(fs->root->name);
                free(fs->root->path);
                free(fs->root);
        }
        pthread_mutex_destroy(&fs->lock);
}

static int fs_init(struct ovl_fs *fs, const struct storage_ovl_opts *o, struct eng_error **err)
{
        size_t nlower = eng_strv_length(o->lowerdirs);
        struct stat st;
        int r;

        memset(fs, 0, sizeof(*fs));
        fs->workfd = -1;
        pthread_mutex_init(&fs->lock, NULL);
        if (sched_getaffinity(0, sizeof(fs->cpus), &fs->cpus) < 0)
                CPU_ZERO(&fs->cpus);
        ovl_spare_init(fs);
        ovl_fill_prepare(fs);
        if (nlower == 0 || (o->upperdir && !o->workdir))
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "-o lowerdir=DIR[:DIR...],upperdir=DIR,workdir=DIR are needed (lowerdir alone: read-only)");
        /* no upper directory: the layers read-only (the mount is "ro"), the top one as
         * layer 0, which nothing is copied up to */
        fs->read_only = !o->upperdir;
        fs->nlayers = (int) nlower + (fs->read_only ? 0 : 1);
        fs->layers = eng_xcalloc((size_t) fs->nlayers, sizeof(*fs->layers));
        for (int i = 0; i < fs->nlayers; i++)
                fs->layers[i].fd = -1;
        if (!fs->read_only && open_layer(&fs->layers[0], o->upperdir, err) < 0)
                return -1;
        for (size_t i = 0; i < nlower; i++)
                if (open_layer(&fs->layers[i + (fs->read_only ? 0 : 1)], o->lowerdirs[i], err) < 0)
                        return -1;
        if (fs->read_only)
                goto layers_done;
        fs->workfd = open(o->workdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fs->workfd < 0)
                return eng_err(err, ENG_E_USAGE, errno, "the work directory '%s'", o->workdir);
        if (fstat(fs->workfd, &st) < 0 || st.st_dev != fs->layers[0].dev)
                return eng_err(
                        err, ENG_E_USAGE, EXDEV,
                        "the work directory '%s' must be on the upper directory's file system",
                        o->workdir);
        if (mkdirat(fs->workfd, "index", 0700) < 0 && errno != EEXIST)
                return eng_err(err, ENG_E_SYS, errno, "'%s/index'", o->workdir);
        /* what a copy-up that died left behind */
        {
                _cleanup_closedir_ DIR *d = NULL;
                int dfd = openat(fs->workfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                struct dirent *de;

                d = dfd >= 0 ? fdopendir(dfd) : NULL;
                while (d && (de = readdir(d))) {
                        if (strncmp(de->d_name, "tmp.", 4) != 0)
                                continue;
                        if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno == EISDIR) {
                                _cleanup_free_ char *p =
                                        eng_xasprintf("%s/%s", o->workdir, de->d_name);
                                struct eng_error *e = NULL;

                                if (eng_rm_rf(p, &e) < 0)
                                        eng_err_free(e);
                        }
                }
                if (!d && dfd >= 0)
                        close(dfd);
        }
        /* copy-ups whose data a daemon before did not finish copying */
        if ((r = ovl_fill_init(fs)) < 0)
                return eng_err(err, ENG_E_SYS, -r, "'%s/fill'", o->workdir);
layers_done:
        fs->uid_map = o->uid_map;
        fs->gid_map = o->gid_map;
        fs->squash_to_root = o->squash_to_root;
        fs->squash_uid = o->squash_to_uid;
        fs->squash_gid = o->squash_to_gid;
        fs->debug = o->debug;
        fs->timeout = o->timeout > 0 ? o->timeout : 86400;
        fs->root = eng_xcalloc(1, sizeof(*fs->root));
        fs->root->name = eng_xstrdup("");
        fs->root->path = eng_xstrdup(".");
        fs->root->gone_fd = -1;
        fs->root->type = S_IFDIR;
        fs->root->lookups = 1;
        /* the root: found in the top layer that has it, merged through every layer
         * (an opaque mark at a layer's root counts for nothing, as in the kernel's) */
        for (r = 0; r < fs->nlayers; r++)
                if (fstatat(fs->layers[r].fd, ".", &st, 0) == 0)
                        break;
        fs->root->ino = st.st_ino;
        fs->root->layer = 0;
        fs->root->last_layer = fs->nlayers - 1;
        return 0;
}

/* the hook's way in: the container's user and mount namespaces */
static int join_container(pid_t pid, struct eng_error **err)
{
        static const char *const kinds[2] = { "user", "mnt" };
        static const int flags[2] = { CLONE_NEWUSER, CLONE_NEWNS };

        for (int i = 0; i < 2; i++) {
                char path[64];
                _cleanup_close_ int fd = -1;

                snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int) pid, kinds[i]);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0 || setns(fd, flags[i]) < 0)
                        return eng_err(err, ENG_E_SYS, errno,
                                       "joining the %s namespace of the container (process %d)",
                                       kinds[i], (int) pid);
        }
        return 0;
}

int storage_ovl_main(const struct storage_ovl_opts *o, const char *mountpoint,
                     const char *fuse_opts, bool foreground, pid_t hook_pid, struct eng_error **err)
{
        _cleanup_free_ char *opts = NULL;
        char *argv[] = { (char *) "eng-overlayfs", (char *) "-o", NULL, NULL, NULL };
        struct fuse_args args = FUSE_ARGS_INIT(3, argv);
        struct fuse_session *se;
        struct ovl_fs fs;
        int r;

        if (o->debug) {
                argv[3] = (char *) "-d";
                args.argc = 4;
        }
        /* a small daemon: one malloc arena for all threads, and big buffers
         * (listings, the kernel's requests) given back when freed */
        /* modes come from the kernel with the caller's umask applied already */
        umask(0);
        (void) mallopt(M_ARENA_MAX, 1);
        (void) mallopt(M_MMAP_THRESHOLD, 64 * 1024);
        (void) mallopt(M_TRIM_THRESHOLD, 256 * 1024);
        if (hook_pid > 0 && join_container(hook_pid, err) < 0)
                return 1;
        /* as root (of the container's namespace too), other users may come in
         * where the modes let them, and set-user-ID programs work, as with
         * fuse-overlayfs; for anyone else FUSE lets only the mounter in */
        opts = eng_xasprintf(
                "fsname=eng-overlayfs,subtype=eng-overlayfs,default_permissions%s%s%s%s",
                geteuid() == 0 ? ",allow_other,suid" : "", o->upperdir ? "" : ",ro",
                fuse_opts ? "," : "", fuse_opts ? fuse_opts : "");
        argv[2] = opts;
        if (fs_init(&fs, o, err) < 0) {
                fs_release(&fs);
                return 1;
        }
        se = fuse_session_new(&args, &ovl_ops, sizeof(ovl_ops), &fs);
        fs.se = se;
        if (!se) {
                fs_release(&fs);
                eng_err(err, ENG_E_USAGE, 0, "the FUSE options '%s' were refused", opts);
                return 1;
        }
        if (fuse_set_signal_handlers(se) < 0 || fuse_session_mount(se, mountpoint) < 0) {
                fuse_session_destroy(se);
                fs_release(&fs);
                eng_err(err, ENG_E_SYS, 0, "mounting '%s' failed (see above)", mountpoint);
                return 1;
        }
        if (hook_pid > 0) {
                /* the container's namespace holds the mount, ours not: when the
                 * container is gone, so is the mount, and the loop ends */
                if (unshare(CLONE_NEWNS) < 0 || umount2(mountpoint, MNT_DETACH) < 0) {
                        eng_err(err, ENG_E_SYS, errno, "leaving the container's mount namespace");
                        fuse_session_unmount(se);
                        fuse_session_destroy(se);
                        fs_release(&fs);
                        return 1;
                }
        }
        if (!foreground)
                (void) fuse_daemonize(0);
        /* threads start here, after the fork of fuse_daemonize() */
        ovl_fill_resume(&fs);
        r = o->debug ? fuse_session_loop(se) : ovl_loop(&fs, se);
        if (hook_pid <= 0)
                fuse_session_unmount(se);
        fuse_remove_signal_handlers(se);
        fuse_session_destroy(se);
        fs_release(&fs);
        return r == 0 ? 0 : 1;
}
