/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef HAVE_LINUX_OPENAT2_H
#        include <linux/openat2.h>
#endif

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/xalloc.h"

#include "common/banned.h"

#ifndef HAVE_LINUX_OPENAT2_H
struct open_how {
        unsigned long long flags;
        unsigned long long mode;
        unsigned long long resolve;
};
#        define RESOLVE_NO_MAGICLINKS 0x02
#        define RESOLVE_BENEATH       0x08
#        define RESOLVE_IN_ROOT       0x10
#endif
#ifndef SYS_openat2
#        define SYS_openat2 437
#endif

int eng_write_all(int fd, const void *data, size_t len)
{
        const char *p = data;

        while (len > 0) {
                ssize_t n = write(fd, p, len);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return -EIO;
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

int eng_write_string(const char *path, const char *s)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        int r;

        if (fd < 0)
                return -errno;
        r = eng_write_all(fd, s, strlen(s));
        close(fd);
        return r;
}

static int fsync_parent(const char *path)
{
        _cleanup_free_ char *dir = eng_xstrdup(path);
        char *slash = strrchr(dir, '/');
        _cleanup_close_ int fd = -1;

        if (!slash)
                fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        else {
                if (slash == dir)
                        slash++;
                *slash = '\0';
                fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        }
        if (fd < 0 || fsync(fd) < 0)
                return -errno;
        return 0;
}

static int write_replace(const char *path, const void *data, size_t len, mode_t mode, bool sync,
                         struct eng_error **err)
{
        const char *base = strrchr(path, '/');
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -1;
        int r;

        base = base ? base + 1 : path;
        if (*base == '\0')
                return eng_err(err, ENG_E_USAGE, EISDIR, "writing '%s': not a file name", path);
        tmp = eng_xasprintf("%.*s.%s.tmp-XXXXXX", (int) (base - path), path, base);
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return eng_err(err, ENG_E_SYS, errno, "creating a temporary file for '%s'", path);

        r = eng_write_all(fd, data, len);
        if (r < 0) {
                eng_err(err, ENG_E_SYS, -r, "writing '%s'", tmp);
                goto fail;
        }
        if (fchmod(fd, mode) < 0) {
                eng_err(err, ENG_E_SYS, errno, "setting the mode of '%s'", tmp);
                goto fail;
        }
        if (sync && fsync(fd) < 0) {
                eng_err(err, ENG_E_SYS, errno, "syncing '%s'", tmp);
                goto fail;
        }
        if (rename(tmp, path) < 0) {
                eng_err(err, ENG_E_SYS, errno, "renaming '%s' to '%s'", tmp, path);
                goto fail;
        }
        r = sync ? fsync_parent(path) : 0;
        if (r < 0)
                return eng_err(err, ENG_E_SYS, -r, "syncing the directory of '%s'", path);
        return 0;

fail:
        (void) unlink(tmp);
        return eng_err_return(*err);
}

int eng_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                          struct eng_error **err)
{
        return write_replace(path, data, len, mode, true, err);
}

int eng_write_file_replace(const char *path, const void *data, size_t len, mode_t mode,
                           struct eng_error **err)
{
        return write_replace(path, data, len, mode, false, err);
}

int eng_read_file_fd(int fd, const char *name, size_t max, char **ret_data, size_t *ret_len,
                     struct eng_error **err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;

        for (;;) {
                ssize_t n;

                if (len == cap) {
                        if (cap > max)
                                return eng_err(err, ENG_E_INVALID, 0,
                                               "'%s' is larger than %zu bytes", name, max);
                        cap = cap ? cap * 2 : 4096;
                        if (cap > max + 1)
                                cap = max + 1;
                        buf = eng_xrealloc(buf, cap + 1);
                }
                n = read(fd, buf + len, cap - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return eng_err(err, ENG_E_SYS, errno, "reading '%s'", name);
                }
                if (n == 0)
                        break;
                len += (size_t) n;
                if (len > max)
                        return eng_err(err, ENG_E_INVALID, 0, "'%s' is larger than %zu bytes", name,
                                       max);
        }
        if (!buf)
                buf = eng_xmalloc(1);
        buf[len] = '\0';
        *ret_data = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}

int eng_read_file(const char *path, size_t max, char **ret_data, size_t *ret_len,
                  struct eng_error **err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0)
                return eng_err(err, errno == ENOENT ? ENG_E_NOTFOUND : ENG_E_SYS, errno,
                               "opening '%s'", path);
        return eng_read_file_fd(fd, path, max, ret_data, ret_len, err);
}

int eng_mkdir_p(const char *path, mode_t mode, struct eng_error **err)
{
        _cleanup_free_ char *p = eng_xstrdup(path);
        struct stat st;

        for (char *s = p + 1;; s++) {
                bool end = *s == '\0';

                if (*s != '/' && !end)
                        continue;
                *s = '\0';
                if (mkdir(p, mode) < 0) {
                        if (errno != EEXIST)
                                return eng_err(err, ENG_E_SYS, errno, "creating directory '%s'", p);
                        if (stat(p, &st) < 0)
                                return eng_err(err, ENG_E_SYS, errno, "checking '%s'", p);
                        if (!S_ISDIR(st.st_mode))
                                return eng_err(err, ENG_E_SYS, ENOTDIR, "creating directory '%s'",
                                               p);
                }
                if (end)
                        break;
                *s = '/';
                while (s[1] == '/')
                        s++;
                if (s[1] == '\0')
                        break;
        }
        return 0;
}

/*
 * Give ourselves rwx on a directory we own, so that it can be emptied.  A
 * failure shows as the open or unlink that follows it, with its errno.
 */
static void open_up(int dfd, const char *name, const struct stat *st)
{
        if ((st->st_mode & 0700) != 0700 && st->st_uid == geteuid()) {
                if (fchmodat(dfd, name, (st->st_mode & 07777) | 0700, 0) < 0)
                        return;
        }
}

/*
 * Remove what is inside the directory @dfd (on device @dev).  Returns 0 or
 * -errno and, on failure, the name that failed in @failed (relative to dfd,
 * joined as the recursion unwinds).
 */
static int rm_children(int dfd, dev_t dev, char **failed)
{
        _cleanup_closedir_ DIR *d = NULL;
        int dup_fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
        struct dirent *de;

        if (dup_fd < 0)
                return -errno;
        d = fdopendir(dup_fd);
        if (!d) {
                int r = -errno;
                (void) close(dup_fd);
                return r;
        }
        for (;;) {
                struct stat st;
                int r;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno)
                                return -errno;
                        break;
                }
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno == ENOENT)
                                continue;
                        r = -errno;
                        *failed = eng_xstrdup(de->d_name);
                        return r;
                }
                if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int cfd = -1;
                        _cleanup_free_ char *sub = NULL;

                        if (st.st_dev != dev) {
                                *failed = eng_xstrdup(de->d_name);
                                return -EXDEV;
                        }
                        /* Layers carry read-only directories; open them up to empty them. */
                        open_up(dfd, de->d_name, &st);
                        cfd = openat(dfd, de->d_name,
                                     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (cfd < 0) {
                                r = -errno;
                                *failed = eng_xstrdup(de->d_name);
                                return r;
                        }
                        r = rm_children(cfd, dev, &sub);
                        if (r < 0) {
                                *failed = eng_xasprintf("%s/%s", de->d_name, sub ? sub : "");
                                return r;
                        }
                        if (unlinkat(dfd, de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
                                r = -errno;
                                *failed = eng_xstrdup(de->d_name);
                                return r;
                        }
                } else if (unlinkat(dfd, de->d_name, 0) < 0 && errno != ENOENT) {
                        r = -errno;
                        *failed = eng_xstrdup(de->d_name);
                        return r;
                }
        }
        return 0;
}

int eng_rm_rf_at(int dirfd, const char *name, struct eng_error **err)
{
        _cleanup_free_ char *failed = NULL;
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r;

        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0;
                return eng_err(err, ENG_E_SYS, errno, "removing '%s'", name);
        }
        if (!S_ISDIR(st.st_mode)) {
                if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
                        return eng_err(err, ENG_E_SYS, errno, "removing '%s'", name);
                return 0;
        }
        open_up(dirfd, name, &st);
        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return eng_err(err, ENG_E_SYS, errno, "removing '%s'", name);
        r = rm_children(fd, st.st_dev, &failed);
        if (r < 0) {
                if (r == -EXDEV)
                        return eng_err(err, ENG_E_SYS, EXDEV,
                                       "removing '%s': '%s/%s' is a mount point; unmount it first",
                                       name, name, failed ? failed : "");
                return eng_err(err, ENG_E_SYS, -r, "removing '%s/%s'", name, failed ? failed : "");
        }
        if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return eng_err(err, ENG_E_SYS, errno, "removing '%s'", name);
        return 0;
}

int eng_rm_rf(const char *path, struct eng_error **err)
{
        return eng_rm_rf_at(AT_FDCWD, path, err);
}

static int open_resolved(int rootfd, const char *path, int flags, mode_t mode,
                         unsigned long long resolve, struct eng_error **err)
{
        struct open_how how = {
                .flags = (unsigned long long) (flags | O_CLOEXEC),
                .mode = (flags & (O_CREAT | __O_TMPFILE)) ? mode : 0,
                .resolve = resolve | RESOLVE_NO_MAGICLINKS,
        };
        long fd;

        /* EAGAIN: a rename raced with the lookup; the kernel asks us to try again. */
        for (int i = 0; i < 16; i++) {
                fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
                if (fd >= 0 || errno != EAGAIN)
                        break;
        }
        if (fd < 0) {
                if (errno == ENOSYS)
                        return eng_err(
                                err, ENG_E_SYS, ENOSYS,
                                "opening '%s' beneath its root: openat2() needs Linux 5.6 or later",
                                path);
                if (errno == EXDEV)
                        return eng_err(
                                err, ENG_E_INVALID, EXDEV,
                                "'%s' leads outside its root (through '..' or a symbolic link)",
                                path);
                return eng_err(err, errno == ENOENT ? ENG_E_NOTFOUND : ENG_E_SYS, errno,
                               "opening '%s' beneath its root", path);
        }
        return (int) fd;
}

int eng_open_beneath(int rootfd, const char *path, int flags, mode_t mode, struct eng_error **err)
{
        return open_resolved(rootfd, path, flags, mode, RESOLVE_IN_ROOT, err);
}

int eng_open_strictly_beneath(int rootfd, const char *path, int flags, mode_t mode,
                              struct eng_error **err)
{
        return open_resolved(rootfd, path, flags, mode, RESOLVE_BENEATH, err);
}
