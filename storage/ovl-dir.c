/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * eng-overlayfs: a directory as the merge of its layers.  Read top layer
 * first; a name seen once is taken from there; whiteouts (0/0 character
 * devices, ".wh.NAME" files) hide the name below; an opaque directory (its
 * attribute, or a ".wh..wh..opq" inside) ends the merge.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "storage/ovl-internal.h"

#include "common/banned.h"

/* the names met so far: an open-addressing set */
struct seen {
        char **slot;
        size_t size, n;
};

static size_t name_hash(const char *p)
{
        size_t h = 1469598103934665603ULL;

        for (; *p; p++)
                h = (h ^ (unsigned char) *p) * 1099511628211ULL;
        return h;
}

/* true if @name was not there (and is now) */
static bool seen_add(struct seen *s, const char *name)
{
        size_t i;

        if ((s->n + 1) * 2 > s->size) {
                struct seen t = { .size = s->size ? s->size * 2 : 64 };

                t.slot = eng_xcalloc(t.size, sizeof(*t.slot));
                for (size_t k = 0; k < s->size; k++)
                        if (s->slot[k]) {
                                i = name_hash(s->slot[k]) % t.size;
                                while (t.slot[i])
                                        i = (i + 1) % t.size;
                                t.slot[i] = s->slot[k];
                        }
                t.n = s->n;
                free(s->slot);
                *s = t;
        }
        for (i = name_hash(name) % s->size; s->slot[i]; i = (i + 1) % s->size)
                if (strcmp(s->slot[i], name) == 0)
                        return false;
        s->slot[i] = eng_xstrdup(name);
        s->n++;
        return true;
}

static void seen_release(struct seen *s)
{
        for (size_t i = 0; i < s->size; i++)
                free(s->slot[i]);
        free(s->slot);
}

static void dir_add(struct ovl_dir *d, size_t *cap, const char *name, ino_t ino, mode_t type)
{
        if (d->n == *cap) {
                *cap = *cap ? *cap * 2 : 32;
                d->ents = eng_xreallocarray(d->ents, *cap, sizeof(*d->ents));
        }
        d->ents[d->n].name = eng_xstrdup(name);
        d->ents[d->n].ino = ino;
        d->ents[d->n].type = type;
        d->n++;
}

static mode_t dtype_mode(unsigned char t)
{
        switch (t) {
        case DT_DIR:
                return S_IFDIR;
        case DT_REG:
                return S_IFREG;
        case DT_LNK:
                return S_IFLNK;
        case DT_CHR:
                return S_IFCHR;
        case DT_BLK:
                return S_IFBLK;
        case DT_FIFO:
                return S_IFIFO;
        case DT_SOCK:
                return S_IFSOCK;
        default:
                return 0;
        }
}

/* one layer's part; *@opaque when it ends the merge */
static int read_layer(struct ovl_fs *fs, struct ovl_node *n, int l, struct seen *seen,
                      struct ovl_dir *d, size_t *cap, bool *opaque)
{
        int fd = openat(fs->layers[l].fd, n->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_closedir_ DIR *dir = NULL;
        struct dirent *de;
        char v[4];

        if (fd < 0)
                return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
        if (fgetxattr(fd, OVL_XATTR_OPAQUE, v, sizeof(v)) == 1 && v[0] == 'y')
                *opaque = true;
        dir = fdopendir(fd);
        if (!dir) {
                int e = errno;

                close(fd);
                return -e;
        }
        while ((errno = 0, de = readdir(dir))) {
                const char *name = de->d_name;
                mode_t type = dtype_mode(de->d_type);
                ino_t ino = de->d_ino;

                if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                        continue;
                if (strncmp(name, OVL_WH_PREFIX, sizeof(OVL_WH_PREFIX) - 1) == 0) {
                        if (strcmp(name, OVL_WH_OPAQUE) == 0)
                                *opaque = true;
                        else
                                (void) seen_add(seen, name + sizeof(OVL_WH_PREFIX) - 1);
                        continue;
                }
                if (!seen_add(seen, name))
                        continue;
                if (type == 0 || type == S_IFCHR) {
                        struct stat st;

                        if (fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                                continue;
                        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
                                continue; /* a whiteout: seen, and hidden */
                        type = st.st_mode & S_IFMT;
                }
                if (l == 0) {
                        /* a copied-up entry keeps its origin's number */
                        _cleanup_free_ char *child = ovl_child_path(n, name);
                        struct ovl_node *c = ovl_node_find(fs, child);

                        if (c)
                                ino = c->ino;
                        else {
                                char o[32];
                                _cleanup_free_ char *p = eng_xasprintf("/proc/self/fd/%d/%s",
                                                                       fs->layers[0].fd, child);
                                ssize_t len = lgetxattr(p, OVL_XATTR_ORIGIN, o, sizeof(o) - 1);

                                if (len > 0) {
                                        o[len] = '\0';
                                        ino = (ino_t) strtoull(o, NULL, 10);
                                }
                        }
                }
                dir_add(d, cap, name, ino, type);
        }
        return errno ? -errno : 0;
}

int ovl_dir_read(struct ovl_fs *fs, struct ovl_node *n, struct ovl_dir *d)
{
        struct seen seen = { 0 };
        size_t cap = 0;
        int r = 0;

        d->ents = NULL;
        d->n = 0;
        dir_add(d, &cap, ".", n->ino, S_IFDIR);
        dir_add(d, &cap, "..", n->parent ? n->parent->ino : n->ino, S_IFDIR);
        for (int l = 0; l <= n->last_layer && r == 0; l++) {
                bool opaque = false;

                r = read_layer(fs, n, l, &seen, d, &cap, &opaque);
                /* a layer's root is never opaque (the kernel's overlay ignores the
                 * mark there, and lookups go through every layer) */
                if (opaque && n != fs->root)
                        break;
        }
        seen_release(&seen);
        if (r < 0)
                ovl_dir_release(d);
        return r;
}

void ovl_dir_release(struct ovl_dir *d)
{
        for (size_t i = 0; i < d->n; i++)
                free(d->ents[i].name);
        free(d->ents);
        d->ents = NULL;
        d->n = 0;
}

int ovl_dir_check_empty(struct ovl_fs *fs, struct ovl_node *n)
{
        struct ovl_dir d;
        int r = ovl_dir_read(fs, n, &d);

        if (r < 0)
                return r;
        r = d.n > 2 ? -ENOTEMPTY : 0;
        ovl_dir_release(&d);
        return r;
}

void ovl_dir_changed(struct ovl_node *n)
{
        if (n && n->listing) {
                ovl_dir_release(n->listing);
                free(n->listing);
                n->listing = NULL;
        }
}
