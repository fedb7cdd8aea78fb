/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * eng-overlayfs: the node table, lookup through the layers, what stat
 * presents, whiteouts, and copy-up.  Callers hold fs->lock.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define FUSE_USE_VERSION 35
#include <fuse_lowlevel.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/xalloc.h"
#include "storage/ovl-internal.h"

#include "common/banned.h"

#define OVERFLOW_ID 65534

/* --- the node table: path -> node */

static size_t path_hash(const char *p)
{
        size_t h = 1469598103934665603ULL;

        for (; *p; p++)
                h = (h ^ (unsigned char) *p) * 1099511628211ULL;
        return h;
}

static void table_grow(struct ovl_fs *fs)
{
        size_t size = fs->table_size ? fs->table_size * 2 : 1024;
        struct ovl_node **t = eng_xcalloc(size, sizeof(*t));

        for (size_t i = 0; i < fs->table_size; i++)
                for (struct ovl_node *n = fs->table[i], *next; n; n = next) {
                        next = n->hnext;
                        n->hnext = t[n->hash % size];
                        t[n->hash % size] = n;
                }
        free(fs->table);
        fs->table = t;
        fs->table_size = size;
}

static void table_add(struct ovl_fs *fs, struct ovl_node *n)
{
        if (fs->nnodes + 1 > fs->table_size * 3 / 4)
                table_grow(fs);
        n->hash = path_hash(n->path);
        n->hnext = fs->table[n->hash % fs->table_size];
        fs->table[n->hash % fs->table_size] = n;
        fs->nnodes++;
}

static void table_del(struct ovl_fs *fs, struct ovl_node *n)
{
        for (struct ovl_node **p = &fs->table[n->hash % fs->table_size]; *p; p = &(*p)->hnext)
                if (*p == n) {
                        *p = n->hnext;
                        n->hnext = NULL;
                        fs->nnodes--;
                        return;
                }
}

struct ovl_node *ovl_node_find(struct ovl_fs *fs, const char *path)
{
        size_t h = path_hash(path);

        if (!fs->table_size)
                return NULL;
        for (struct ovl_node *n = fs->table[h % fs->table_size]; n; n = n->hnext)
                if (n->hash == h && strcmp(n->path, path) == 0)
                        return n;
        return NULL;
}

struct ovl_node *ovl_node_get(struct ovl_fs *fs, uint64_t nodeid)
{
        return nodeid == FUSE_ROOT_ID ? fs->root : (struct ovl_node *) (uintptr_t) nodeid;
}

uint64_t ovl_node_id(struct ovl_node *n)
{
        return n->parent ? (uint64_t) (uintptr_t) n : FUSE_ROOT_ID;
}

char *ovl_child_path(const struct ovl_node *parent, const char *name)
{
        if (strcmp(parent->path, ".") == 0)
                return eng_xstrdup(name);
        return eng_xasprintf("%s/%s", parent->path, name);
}

/* --- reading the layers */

static char *proc_path(struct ovl_fs *fs, int layer, const char *path)
{
        return eng_xasprintf("/proc/self/fd/%d/%s", fs->layers[layer].fd, path);
}

static ssize_t layer_getxattr(struct ovl_fs *fs, int layer, const char *path, const char *name,
                              char *buf, size_t size)
{
        _cleanup_free_ char *p = proc_path(fs, layer, path);

        return lgetxattr(p, name, buf, size);
}

bool ovl_is_whiteout(_unused_ struct ovl_fs *fs, _unused_ int layer, _unused_ const char *path,
                     const struct stat *st)
{
        return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

/* ".wh.NAME" beside @path in @layer */
static bool wh_file(struct ovl_fs *fs, int layer, const char *path)
{
        const char *slash = strrchr(path, '/');
        _cleanup_free_ char *wh = slash ? eng_xasprintf("%.*s/" OVL_WH_PREFIX "%s",
                                                        (int) (slash - path), path, slash + 1)
                                        : eng_xasprintf(OVL_WH_PREFIX "%s", path);
        struct stat st;

        return fstatat(fs->layers[layer].fd, wh, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static bool dir_opaque(struct ovl_fs *fs, int layer, const char *path)
{
        _cleanup_free_ char *marker = eng_xasprintf("%s/" OVL_WH_OPAQUE, path);
        char v[4];
        ssize_t n = layer_getxattr(fs, layer, path, OVL_XATTR_OPAQUE, v, sizeof(v));
        struct stat st;

        if (n == 1 && v[0] == 'y')
                return true;
        return fstatat(fs->layers[layer].fd, marker, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/*
 * Where @path shows, searching layers @from..@to: the layer (or -ENOENT,
 * a whiteout included) and its stat.
 */
static int find_layer(struct ovl_fs *fs, const char *path, int from, int to, struct stat *st)
{
        for (int l = from; l <= to; l++) {
                if (fstatat(fs->layers[l].fd, path, st, AT_SYMLINK_NOFOLLOW) == 0) {
                        if (ovl_is_whiteout(fs, l, path, st))
                                return -ENOENT;
                        return l;
                }
                if (errno != ENOENT && errno != ENOTDIR)
                        return -errno;
                if (wh_file(fs, l, path))
                        return -ENOENT;
        }
        return -ENOENT;
}

/* a directory found in @layer: the lowest layer its listing merges */
static int merge_depth(struct ovl_fs *fs, const char *path, int layer, int limit)
{
        int last = layer;
        struct stat st;

        if (dir_opaque(fs, layer, path))
                return layer;
        for (int l = layer + 1; l <= limit; l++) {
                if (wh_file(fs, l, path))
                        break;
                if (fstatat(fs->layers[l].fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (!S_ISDIR(st.st_mode))
                        break; /* a file below a directory: hidden, and what is under it */
                last = l;
                if (dir_opaque(fs, l, path))
                        break;
        }
        return last;
}

static ino_t origin_ino(struct ovl_fs *fs, int layer, const char *path, ino_t ino)
{
        char v[32];
        ssize_t n;

        if (layer != 0)
                return ino;
        n = layer_getxattr(fs, 0, path, OVL_XATTR_ORIGIN, v, sizeof(v) - 1);
        if (n <= 0)
                return ino;
        v[n] = '\0';
        return (ino_t) strtoull(v, NULL, 10);
}

/* --- ids */

static unsigned long map_id(const struct ovl_idmap *m, unsigned long id, bool to_inside)
{
        if (!m->n)
                return id;
        for (size_t i = 0; i < m->n; i++) {
                unsigned long from = to_inside ? m->r[i].outside : m->r[i].inside;
                unsigned long to = to_inside ? m->r[i].inside : m->r[i].outside;

                if (id >= from && id - from < m->r[i].count)
                        return to + (id - from);
        }
        return OVERFLOW_ID;
}

uid_t ovl_uid_to_layer(struct ovl_fs *fs, uid_t uid)
{
        return (uid_t) map_id(&fs->uid_map, uid, false);
}

gid_t ovl_gid_to_layer(struct ovl_fs *fs, gid_t gid)
{
        return (gid_t) map_id(&fs->gid_map, gid, false);
}

/* ovl_present() with the override attribute read by @get from the path @p */
static void present_with(struct ovl_fs *fs, int layer, const char *p, ino_t ino, struct stat *st,
                         ssize_t (*get)(const char *, const char *, void *, size_t))
{
        char v[64];
        ssize_t n = S_ISLNK(st->st_mode) ? -1 : get(p, OVL_XATTR_OVERRIDE, v, sizeof(v) - 1);

        if (n > 0) {
                unsigned int uid, gid, mode;

                v[n] = '\0';
                if (sscanf(v, "%u:%u:%o", &uid, &gid, &mode) == 3) {
                        st->st_uid = uid;
                        st->st_gid = gid;
                        st->st_mode = (st->st_mode & S_IFMT) | (mode & 07777);
                }
        }
        st->st_uid = (uid_t) map_id(&fs->uid_map, st->st_uid, true);
        st->st_gid = (gid_t) map_id(&fs->gid_map, st->st_gid, true);
        if (fs->squash_to_root)
                st->st_uid = st->st_gid = 0;
        if (fs->squash_uid >= 0)
                st->st_uid = (uid_t) fs->squash_uid;
        if (fs->squash_gid >= 0)
                st->st_gid = (gid_t) fs->squash_gid;
        if (layer == 0 && ovl_fill_any(fs))
                ovl_fill_present(fs, st);
        st->st_ino = ino;
}

void ovl_present(struct ovl_fs *fs, int layer, const char *path, _unused_ int fd, ino_t ino,
                 struct stat *st)
{
        _cleanup_free_ char *p = proc_path(fs, layer, path);

        present_with(fs, layer, p, ino, st, lgetxattr);
}

/*
 * The lower layers do not change under the mount, and a directory of one
 * is copied up before anything in it changes: its stat is kept, which
 * spares the two lookups of its path when the kernel asks again (it does
 * for each directory whose listing it read: reading marks the atime stale).
 */
int ovl_stat(struct ovl_fs *fs, struct ovl_node *n, struct stat *st)
{
        if (n->gone && n->gone_fd >= 0) {
                /* unlinked but still open (fstat): the file itself, its link count 0 */
                _cleanup_free_ char *p = eng_xasprintf("/proc/self/fd/%d", n->gone_fd);

                if (fstat(n->gone_fd, st) < 0)
                        return -errno;
                present_with(fs, n->layer, p, n->ino, st, getxattr);
                return 0;
        }
        if (n->lower_st && n->layer > 0) {
                *st = *n->lower_st;
                return 0;
        }
        if (fstatat(fs->layers[n->layer].fd, n->path, st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        ovl_present(fs, n->layer, n->path, -1, n->ino, st);
        if (S_ISDIR(st->st_mode) && n->last_layer > n->layer)
                st->st_nlink = 2; /* a merged directory: its links cannot be counted cheaply */
        return 0;
}

/* --- lookup */

static struct ovl_node *node_new(struct ovl_fs *fs, struct ovl_node *parent, const char *name,
                                 char *path)
{
        struct ovl_node *n = eng_xcalloc(1, sizeof(*n));

        n->parent = parent;
        n->name = eng_xstrdup(name);
        n->path = path;
        n->gone_fd = -1;
        table_add(fs, n);
        return n;
}

static int hardlink_index(struct ovl_fs *fs, struct ovl_node *n, const struct stat *st);

struct ovl_node *ovl_lookup(struct ovl_fs *fs, struct ovl_node *parent, const char *name,
                            struct stat *st, int *ret_err)
{
        char *path;
        struct ovl_node *n;
        int l;

        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strchr(name, '/')) {
                *ret_err = -EINVAL;
                return NULL;
        }
        if (strncmp(name, OVL_WH_PREFIX, sizeof(OVL_WH_PREFIX) - 1) == 0) {
                *ret_err = -ENOENT; /* whiteout files are the layers' business */
                return NULL;
        }
        path = ovl_child_path(parent, name);
        n = ovl_node_find(fs, path);
        l = find_layer(fs, path, 0, parent->last_layer, st);
        if (l < 0) {
                free(path);
                *ret_err = l;
                return NULL;
        }
        if (!n) {
                n = node_new(fs, parent, name, path);
                n->ino = origin_ino(fs, l, path, st->st_ino);
        } else
                free(path);
        n->layer = l;
        n->type = st->st_mode & S_IFMT;
        n->last_layer = S_ISDIR(st->st_mode) ? merge_depth(fs, n->path, l, parent->last_layer) : l;
        if (l > 0 && S_ISREG(st->st_mode) && st->st_nlink > 1 && hardlink_index(fs, n, st) == 0 &&
            fstatat(fs->layers[0].fd, n->path, st, AT_SYMLINK_NOFOLLOW) == 0)
                n->layer = 0;
        n->lookups++;
        ovl_present(fs, n->layer, n->path, -1, n->ino, st);
        if (S_ISDIR(st->st_mode) && n->last_layer > n->layer)
                st->st_nlink = 2;
        if (S_ISDIR(st->st_mode) && n->layer > 0) {
                if (!n->lower_st)
                        n->lower_st = eng_xmalloc(sizeof(*n->lower_st));
                *n->lower_st = *st;
        }
        *ret_err = 0;
        return n;
}

static void node_free(struct ovl_node *n)
{
        if (n->gone_fd >= 0)
                close(n->gone_fd);
        ovl_dir_changed(n);
        free(n->lower_st);
        free(n->name);
        free(n->path);
        free(n);
}

void ovl_forget(struct ovl_fs *fs, struct ovl_node *n, uint64_t count)
{
        if (!n->parent)
                return; /* the root stays */
        n->lookups = count > n->lookups ? 0 : n->lookups - count;
        if (n->lookups)
                return;
        if (!n->gone)
                table_del(fs, n);
        node_free(n);
}

void ovl_node_unlink(struct ovl_fs *fs, struct ovl_node *n)
{
        if (n->gone)
                return;
        table_del(fs, n);
        n->gone = true;
}

void ovl_node_keep_open(struct ovl_fs *fs, struct ovl_node *n)
{
        if (n->gone_fd < 0 && n->type != S_IFDIR)
                n->gone_fd =
                        openat(fs->layers[n->layer].fd, n->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

/* The path of @n (and of every node under it) after a rename. */
void ovl_node_move(struct ovl_fs *fs, struct ovl_node *n, struct ovl_node *parent, const char *name)
{
        char *old = n->path;
        size_t olen = strlen(old);

        table_del(fs, n);
        n->parent = parent;
        free(n->name);
        n->name = eng_xstrdup(name);
        n->path = ovl_child_path(parent, name);
        table_add(fs, n);
        if (n->type == S_IFDIR) {
                /* the nodes below, every path "OLD/...": found first, then moved */
                struct ovl_node **below = NULL;
                size_t nbelow = 0;

                for (size_t i = 0; i < fs->table_size; i++)
                        for (struct ovl_node *c = fs->table[i]; c; c = c->hnext)
                                if (strncmp(c->path, old, olen) == 0 && c->path[olen] == '/') {
                                        below = eng_xreallocarray(below, nbelow + 1,
                                                                  sizeof(*below));
                                        below[nbelow++] = c;
                                }
                for (size_t i = 0; i < nbelow; i++) {
                        struct ovl_node *c = below[i];
                        char *p = eng_xasprintf("%s%s", n->path, c->path + olen);

                        table_del(fs, c);
                        free(c->path);
                        c->path = p;
                        /* a directory is moved whole in the upper layer */
                        c->layer = 0;
                        c->last_layer = 0;
                        table_add(fs, c);
                }
                free(below);
        }
        free(old);
}

bool ovl_in_lower(struct ovl_fs *fs, struct ovl_node *parent, const char *name)
{
        _cleanup_free_ char *path = ovl_child_path(parent, name);
        struct stat st;

        return parent->last_layer >= 1 && find_layer(fs, path, 1, parent->last_layer, &st) > 0;
}

/* --- whiteouts */

int ovl_whiteout_create(struct ovl_fs *fs, const char *path)
{
        const char *slash;
        _cleanup_free_ char *wh = NULL;
        int fd;

        if (mknodat(fs->layers[0].fd, path, S_IFCHR | 0, makedev(0, 0)) == 0)
                return 0;
        if (errno != EPERM && errno != EOPNOTSUPP)
                return -errno;
        /* no right to make devices: the OCI form, a ".wh." file */
        slash = strrchr(path, '/');
        wh = slash ? eng_xasprintf("%.*s/" OVL_WH_PREFIX "%s", (int) (slash - path), path,
                                   slash + 1)
                   : eng_xasprintf(OVL_WH_PREFIX "%s", path);
        fd = openat(fs->layers[0].fd, wh, O_WRONLY | O_CREAT | O_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        close(fd);
        return 0;
}

/* --- copy-up */

static char *tmp_name(struct ovl_fs *fs)
{
        return eng_xasprintf("tmp.%" PRIu64, ++fs->tmp_counter);
}

int ovl_copy_data(int in, int out, off_t size)
{
        loff_t ioff = 0, ooff = 0;

        for (;;) {
                ssize_t n = copy_file_range(in, &ioff, out, &ooff, 1 << 30, 0);

                /* all that the lower file had when it was looked at: no call to see its end */
                if (n == 0 || (n > 0 && size >= 0 && ioff >= size))
                        return 0;
                if (n > 0)
                        continue;
                if (errno != EXDEV && errno != ENOSYS && errno != EOPNOTSUPP && errno != EINVAL)
                        return -errno;
                break;
        }
        {
                char buf[65536];
                ssize_t r;

                while ((r = pread(in, buf, sizeof(buf), ioff)) > 0) {
                        ssize_t w = pwrite(out, buf, (size_t) r, ooff);

                        /* a short write is progress; the next one says what stopped it */
                        if (w <= 0)
                                return w < 0 ? -errno : -ENOSPC;
                        ioff += w;
                        ooff += w;
                }
                return r < 0 ? -errno : 0;
        }
}

/* "index/INO" in the work directory: the copy-up of a lower file with hard links */
static char *index_name(ino_t ino)
{
        return eng_xasprintf("index/%" PRIu64, (uint64_t) ino);
}

static int hardlink_index(struct ovl_fs *fs, struct ovl_node *n, const struct stat *st)
{
        _cleanup_free_ char *idx = index_name(st->st_ino);
        struct stat ist;
        int r;

        if (fstatat(fs->workfd, idx, &ist, AT_SYMLINK_NOFOLLOW) < 0)
                return -ENOENT;
        /* another link was copied up: this one becomes the same upper inode */
        r = ovl_copy_up(fs, n->parent);
        if (r < 0)
                return r;
        if (linkat(fs->workfd, idx, fs->layers[0].fd, n->path, 0) < 0)
                return -errno;
        return 0;
}

/* the extended attributes of @in onto @out, but the layers' own; then the origin */
static void copy_xattrs_fd(int in, int out, ino_t origin)
{
        char names[8192], val[4096], ino[32];
        ssize_t len = flistxattr(in, names, sizeof(names));

        for (ssize_t off = 0; len > 0 && off < len; off += (ssize_t) strlen(names + off) + 1) {
                const char *name = names + off;
                ssize_t vlen;

                if (strcmp(name, OVL_XATTR_OPAQUE) == 0 || strcmp(name, OVL_XATTR_ORIGIN) == 0)
                        continue;
                vlen = fgetxattr(in, name, val, sizeof(val));
                if (vlen >= 0)
                        (void) fsetxattr(out, name, val, (size_t) vlen, 0);
        }
        if (len < 0 && errno == ERANGE) {
                /* more names than fit here: the slow way, by path */
                _cleanup_free_ char *src = eng_xasprintf("/proc/self/fd/%d", in);
                _cleanup_free_ char *dst = eng_xasprintf("/proc/self/fd/%d", out);
                _cleanup_free_ char *all = NULL, *big = NULL;

                len = listxattr(src, NULL, 0);
                all = eng_xmalloc(len > 0 ? (size_t) len : 1);
                big = eng_xmalloc(65536);
                len = listxattr(src, all, len > 0 ? (size_t) len : 0);
                for (ssize_t off = 0; len > 0 && off < len;
                     off += (ssize_t) strlen(all + off) + 1) {
                        ssize_t vlen;

                        if (strcmp(all + off, OVL_XATTR_OPAQUE) == 0 ||
                            strcmp(all + off, OVL_XATTR_ORIGIN) == 0)
                                continue;
                        vlen = getxattr(src, all + off, big, 65536);
                        if (vlen >= 0)
                                (void) setxattr(dst, all + off, big, (size_t) vlen, 0);
                }
        }
        snprintf(ino, sizeof(ino), "%" PRIu64, (uint64_t) origin);
        (void) fsetxattr(out, OVL_XATTR_ORIGIN, ino, strlen(ino), 0);
}

int ovl_link_fd(struct ovl_fs *fs, int fd, int dirfd, const char *name)
{
        char self[64];

        /* Linux 6.10 lets the opener link a file by its descriptor; before, /proc does */
        if (!fs->no_flink && linkat(fd, "", dirfd, name, AT_EMPTY_PATH) == 0)
                return 0;
        if (!fs->no_flink && errno != ENOENT && errno != EPERM)
                return -errno;
        fs->no_flink = true;
        snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
        if (linkat(AT_FDCWD, self, dirfd, name, AT_SYMLINK_FOLLOW) < 0)
                return -errno;
        return 0;
}

/* whether the data of @st may follow the copy-up, for a write at @append_at */
static bool fill_later(const struct stat *st, off_t append_at)
{
        return S_ISREG(st->st_mode) && st->st_size >= OVL_FILL_MIN && append_at >= st->st_size &&
               st->st_nlink == 1;
}

/*
 * @path of layer @l made anew in WORK/tmp.N and renamed into the upper
 * layer: data, owner, mode, xattrs, times (through descriptors for files
 * and directories: no path is walked twice).  For a write at @append_at
 * (-1: none) past the end of a big file, the data follows (ovl-fill.c).
 */
static int copy_up_one(struct ovl_fs *fs, const char *path, int l, ino_t origin, bool data,
                       off_t append_at)
{
        int ufd = fs->layers[0].fd, lfd = fs->layers[l].fd;
        _cleanup_free_ char *tmp = tmp_name(fs);
        _cleanup_close_ int in = -1, out = -1;
        struct timespec times[2];
        struct ovl_fill *fill = NULL;
        bool unnamed = false;
        mode_t made; /* the mode the copy was made with */
        struct stat st;
        int r = 0;

        if (fstatat(lfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        made = st.st_mode & 07777;
        switch (st.st_mode & S_IFMT) {
        case S_IFDIR: {
                char *spare = ovl_spare_dir(fs);

                if (!spare)
                        return -errno;
                free(tmp);
                tmp = spare;
                made = OVL_SPARE_DIR_MODE;
                in = openat(lfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                out = openat(fs->workfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (in < 0 || out < 0) {
                        r = -errno;
                        (void) unlinkat(fs->workfd, tmp, AT_REMOVEDIR);
                        return r;
                }
                break;
        }
        case S_IFREG:
                in = openat(lfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                if (in < 0)
                        return -errno;
                /* an unnamed file, linked in when whole: nothing to clean up
                 * if we die half way, one directory entry fewer to write */
                out = ovl_spare_file(fs);
                if (out >= 0) {
                        unnamed = true;
                        made = OVL_SPARE_FILE_MODE;
                } else
                        out = openat(fs->workfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                                     st.st_mode & 07777);
                if (out < 0)
                        return -errno;
                if (data && fill_later(&st, append_at) && ftruncate(out, st.st_size) == 0)
                        data = false; /* unless the fill cannot begin (below) */
                else if (data && st.st_size > 0 && (r = ovl_copy_data(in, out, st.st_size)) < 0) {
                        if (!unnamed)
                                (void) unlinkat(fs->workfd, tmp, 0);
                        return r;
                } else
                        append_at = -1;
                break;
        case S_IFLNK: {
                char target[PATH_MAX + 1];
                ssize_t len = readlinkat(lfd, path, target, sizeof(target) - 1);

                if (len < 0)
                        return -errno;
                target[len] = '\0';
                if (symlinkat(target, fs->workfd, tmp) < 0)
                        return -errno;
                break;
        }
        default:
                if (mknodat(fs->workfd, tmp, st.st_mode, st.st_rdev) < 0)
                        return -errno;
                break;
        }
        times[0] = st.st_atim;
        times[1] = st.st_mtim;
        if (out >= 0) {
                /* an id the namespace cannot map stays the override attribute's business */
                (void) !fchown(out, st.st_uid, st.st_gid);
                /* (no umask here) a chown clears set-id bits */
                if ((st.st_mode & 07777) != made || (st.st_mode & (S_ISUID | S_ISGID | S_ISVTX)))
                        (void) !fchmod(out, st.st_mode & 07777);
                copy_xattrs_fd(in, out, origin);
                (void) futimens(out, times);
                /* the data to follow: marked before the copy has a name, or copied now */
                if (S_ISREG(st.st_mode) && append_at >= 0 &&
                    !(fill = ovl_fill_begin(fs, in, l, path, &st, out, &r)) &&
                    (r = ovl_copy_data(in, out, st.st_size)) < 0) {
                        if (!unnamed)
                                (void) unlinkat(fs->workfd, tmp, 0);
                        return r;
                }
                r = 0;
        } else {
                (void) !fchownat(fs->workfd, tmp, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
                if (!S_ISLNK(st.st_mode))
                        (void) !fchmodat(fs->workfd, tmp, st.st_mode & 07777, 0);
                (void) utimensat(fs->workfd, tmp, times, AT_SYMLINK_NOFOLLOW);
        }
        if (unnamed) {
                r = ovl_link_fd(fs, out, ufd, path);
        } else if (renameat(fs->workfd, tmp, ufd, path) < 0) {
                r = -errno;
                (void) unlinkat(fs->workfd, tmp, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0);
        }
        if (r < 0) {
                if (fill)
                        ovl_fill_cancel(fs, fill);
                return r;
        }
        if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
                _cleanup_free_ char *idx = index_name(st.st_ino);

                (void) !linkat(ufd, path, fs->workfd, idx, 0);
        }
        return 0;
}

static int copy_up(struct ovl_fs *fs, struct ovl_node *n, bool data, off_t append_at)
{
        int r;

        if (n->layer == 0)
                return 0;
        if (n->parent && (r = copy_up(fs, n->parent, true, -1)) < 0)
                return r;
        r = copy_up_one(fs, n->path, n->layer, n->ino, data, append_at);
        if (r < 0)
                return r;
        n->layer = 0;
        return 0;
}

int ovl_copy_up(struct ovl_fs *fs, struct ovl_node *n)
{
        return copy_up(fs, n, true, -1);
}

int ovl_copy_up_for_write(struct ovl_fs *fs, struct ovl_node *n, off_t off)
{
        return copy_up(fs, n, true, off);
}

int ovl_copy_up_empty(struct ovl_fs *fs, struct ovl_node *n)
{
        return copy_up(fs, n, n->type != S_IFREG, -1);
}

/* a directory's whole merged tree, for a rename of a lower directory */
static int copy_up_tree_path(struct ovl_fs *fs, struct ovl_node *dir)
{
        struct ovl_dir d = { 0 };
        int r = ovl_dir_read(fs, dir, &d);

        for (size_t i = 0; r == 0 && i < d.n; i++) {
                struct ovl_node child = { .parent = dir };
                struct stat st;
                int l;

                if (strcmp(d.ents[i].name, ".") == 0 || strcmp(d.ents[i].name, "..") == 0)
                        continue;
                child.path = ovl_child_path(dir, d.ents[i].name);
                l = find_layer(fs, child.path, 0, dir->last_layer, &st);
                if (l > 0)
                        r = copy_up_one(fs, child.path, l, d.ents[i].ino, true, -1);
                if (r == 0 && l >= 0 && S_ISDIR(st.st_mode)) {
                        child.layer = 0;
                        child.last_layer = merge_depth(fs, child.path, l, dir->last_layer);
                        r = copy_up_tree_path(fs, &child);
                }
                free(child.path);
        }
        ovl_dir_release(&d);
        return r;
}

int ovl_copy_up_tree(struct ovl_fs *fs, struct ovl_node *n)
{
        int r = ovl_copy_up(fs, n);

        if (r < 0 || n->type != S_IFDIR || n->last_layer == 0)
                return r;
        return copy_up_tree_path(fs, n);
}
