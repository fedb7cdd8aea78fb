/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * eng-overlayfs: the data of a big file copied up after the write that
 * asked for it.  A write past the end of a lower file of OVL_FILL_MIN bytes
 * or more (a log or a database growing) copies the file up without its
 * data: the upper file gets its size, owner, mode, xattrs and times, the
 * write lands past the end at once, and a thread of our own copies the
 * lower file's bytes in after it, OVL_FILL_CHUNK at a time.
 *
 * Until a fill is finished:
 * - reads of the upper file take what is not copied yet from the lower
 *   file (the same bytes: the layers below do not change);
 * - anything that would change the copied range (a write into it, a
 *   truncation, an allocation) or look at the file's blocks (fsync,
 *   SEEK_DATA, setattr) waits for the fill;
 * - stat shows the mtime the file will have, not the copy's: each chunk
 *   puts the mtime back, under the fill's lock, which a write past the end
 *   takes too.
 *
 * A fill is marked in WORK/fill: NAME, a link to the upper inode, and
 * NAME.src, which names the lower file (layer, size, path) and is locked
 * (flock) by the daemon filling it.  A fill finished removes both before
 * anything may write into the range.  A daemon that died leaves them: the
 * next mount takes them up (it waits for the lock, in case the daemon that
 * made them still runs) and copies the range again from the start, which
 * is right since nothing may have written into it.  The one thing a death
 * can lose is the mtime, if it came between a chunk and its correction.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/xalloc.h"
#include "storage/ovl-internal.h"

#include "common/banned.h"

#define SRC_VERSION "eng-overlayfs fill 1"
#define FILL_NICE   10
#define SRC_MAX     (PATH_MAX + 128)

struct ovl_fill {
        struct ovl_fill *next;
        pthread_mutex_t lock;  /* a chunk, a write past the end */
        pthread_mutex_t state; /* @mtime and @finished, for stat: never held for long */
        pthread_cond_t cond;   /* finished, or failed (with @lock) */
        int refs;              /* the list's and the lookers' (fills->lock) */
        dev_t dev;             /* the upper inode */
        ino_t ino;
        int lower, upper, src;
        char *name; /* WORK/fill/NAME and NAME.src */
        off_t size; /* the lower file's: what is copied */
        off_t done; /* copied so far (read without the lock) */
        struct timespec mtime;
        bool finished; /* set with both locks held */
        bool taken_up; /* from a daemon before */
        bool gated;    /* until the write that began it is done (ovl_fill_start; fills->lock) */
        int waiting;   /* callers waiting for it (atomic): it goes before the others */
        int error;     /* -errno it stopped on; cleared for another try */
};

static void fill_free(struct ovl_fill *fl)
{
        eng_close_safe(fl->lower);
        eng_close_safe(fl->upper);
        eng_close_safe(fl->src);
        free(fl->name);
        pthread_cond_destroy(&fl->cond);
        pthread_mutex_destroy(&fl->state);
        pthread_mutex_destroy(&fl->lock);
        free(fl);
}

/* with fl->lock held */
static void set_finished(struct ovl_fill *fl)
{
        pthread_mutex_lock(&fl->state);
        fl->finished = true;
        pthread_mutex_unlock(&fl->state);
}

static bool is_finished(struct ovl_fill *fl)
{
        bool r;

        pthread_mutex_lock(&fl->state);
        r = fl->finished;
        pthread_mutex_unlock(&fl->state);
        return r;
}

static struct ovl_fill *fill_new(void)
{
        struct ovl_fill *fl = eng_xcalloc(1, sizeof(*fl));

        pthread_mutex_init(&fl->lock, NULL);
        pthread_mutex_init(&fl->state, NULL);
        pthread_cond_init(&fl->cond, NULL);
        fl->lower = fl->upper = fl->src = -1;
        return fl;
}

/* with fills->lock held */
static void unref_locked(struct ovl_fill *fl)
{
        if (--fl->refs == 0)
                fill_free(fl);
}

/* with fills->lock held: out of the list */
static void unlist_locked(struct ovl_fs *fs, struct ovl_fill *fl)
{
        struct ovl_fills *f = &fs->fills;

        for (struct ovl_fill **p = &f->list; *p; p = &(*p)->next)
                if (*p == fl) {
                        *p = fl->next;
                        __atomic_store_n(&f->active, f->active - 1, __ATOMIC_RELEASE);
                        unref_locked(fl);
                        return;
                }
}

static void remove_marks(struct ovl_fs *fs, const struct ovl_fill *fl)
{
        _cleanup_free_ char *src = eng_xasprintf("%s.src", fl->name);

        /* the link first: a NAME.src alone is dropped by the next mount */
        (void) unlinkat(fs->fills.dirfd, fl->name, 0);
        (void) unlinkat(fs->fills.dirfd, src, 0);
}

/* one step of a copy of @len bytes at @off of @in into @out: bytes copied (0: @in ends), -errno */
static ssize_t copy_step(int in, int out, off_t off, size_t len)
{
        loff_t ioff = off, ooff = off;
        ssize_t n = copy_file_range(in, &ioff, out, &ooff, len, 0);
        char buf[65536];

        if (n >= 0)
                return n;
        if (errno != EXDEV && errno != ENOSYS && errno != EOPNOTSUPP && errno != EINVAL)
                return -errno;
        n = pread(in, buf, len < sizeof(buf) ? len : sizeof(buf), off);
        if (n <= 0)
                return n < 0 ? -errno : 0;
        /* a short write is progress; the next one says what stopped it */
        n = pwrite(out, buf, (size_t) n, off);
        if (n < 0)
                return -errno;
        return n > 0 ? n : -ENOSPC;
}

/* @len bytes (or to the end of @in): bytes copied, or -errno when none were */
static ssize_t copy_range(int in, int out, off_t off, size_t len)
{
        size_t total = 0;

        while (total < len) {
                ssize_t n = copy_step(in, out, off + (off_t) total, len - total);

                if (n < 0 && n != -EINTR)
                        return total > 0 ? (ssize_t) total : n;
                if (n == 0)
                        break;
                if (n > 0)
                        total += (size_t) n;
        }
        return (ssize_t) total;
}

/* the fill's chunks, on the thread; the marks removed when done */
static void run_fill(struct ovl_fs *fs, struct ovl_fill *fl)
{
        struct stat st;

        /* a fill taken up from a daemon that may still be at it: its turn */
        while (flock(fl->src, LOCK_EX) < 0 && errno == EINTR)
                ;
        if (fstat(fl->src, &st) == 0 && st.st_nlink == 0) {
                /* that daemon finished it */
                pthread_mutex_lock(&fl->lock);
                set_finished(fl);
                pthread_cond_broadcast(&fl->cond);
                pthread_mutex_unlock(&fl->lock);
                return;
        }
        if (fl->taken_up && fstat(fl->upper, &st) == 0 && st.st_nlink <= 1) {
                /* removed since, and closed by all (a daemon before held it open): only
                 * the mark holds the copy */
                pthread_mutex_lock(&fl->lock);
                remove_marks(fs, fl);
                set_finished(fl);
                pthread_cond_broadcast(&fl->cond);
                pthread_mutex_unlock(&fl->lock);
                return;
        }
        for (;;) {
                off_t done;
                ssize_t n = 0;

                pthread_mutex_lock(&fl->lock);
                if (fl->finished) {
                        /* cancelled */
                        pthread_mutex_unlock(&fl->lock);
                        return;
                }
                done = fl->done;
                /* no link left, not even the mark (the container's files were removed):
                 * nobody will read what is left to copy */
                if (fstat(fl->upper, &st) == 0 && st.st_nlink == 0) {
                        set_finished(fl);
                        pthread_cond_broadcast(&fl->cond);
                        pthread_mutex_unlock(&fl->lock);
                        return;
                }
                if (done < fl->size) {
                        off_t left = fl->size - done;

                        n = copy_range(fl->lower, fl->upper, done,
                                       left < OVL_FILL_CHUNK ? (size_t) left : OVL_FILL_CHUNK);
                        if (n < 0) {
                                fl->error = (int) n;
                                pthread_cond_broadcast(&fl->cond);
                                pthread_mutex_unlock(&fl->lock);
                                return;
                        }
                        if (n == 0)
                                fl->size = done; /* the lower file was shorter: that is all */
                }
                /* the chunk's writes moved the mtime: back to what it shows */
                (void) futimens(fl->upper,
                                (struct timespec[2]){ { .tv_nsec = UTIME_OMIT }, fl->mtime });
                __atomic_store_n(&fl->done, done + n, __ATOMIC_RELEASE);
                if (done + n >= fl->size) {
                        remove_marks(fs, fl);
                        set_finished(fl);
                        pthread_cond_broadcast(&fl->cond);
                        pthread_mutex_unlock(&fl->lock);
                        return;
                }
                pthread_mutex_unlock(&fl->lock);
                /* a caller waits for another fill (an fsync, a write into it), none
                 * for this one: that one first */
                if (__atomic_load_n(&fs->fills.waiting, __ATOMIC_ACQUIRE) >
                    __atomic_load_n(&fl->waiting, __ATOMIC_ACQUIRE))
                        return;
        }
}

/* with fills->lock held: the next to copy, one a caller waits for first */
static struct ovl_fill *next_fill_locked(struct ovl_fs *fs)
{
        struct ovl_fill *first = NULL;

        for (struct ovl_fill *fl = fs->fills.list; fl; fl = fl->next) {
                bool ready;

                pthread_mutex_lock(&fl->lock);
                ready = !fl->finished && fl->error == 0;
                pthread_mutex_unlock(&fl->lock);
                if (!ready || fl->gated)
                        continue;
                if (__atomic_load_n(&fl->waiting, __ATOMIC_ACQUIRE) > 0)
                        return fl;
                if (!first)
                        first = fl;
        }
        return first;
}

static void *fill_thread(void *data)
{
        struct ovl_fs *fs = data;
        struct ovl_fills *f = &fs->fills;

        /* background work: what the container does now goes first (on Linux a nice
         * value is a thread's own) */
        (void) setpriority(PRIO_PROCESS, (id_t) gettid(), FILL_NICE);

        pthread_mutex_lock(&f->lock);
        for (;;) {
                struct ovl_fill *fl = next_fill_locked(fs);

                if (!fl) {
                        if (f->stop)
                                break;
                        pthread_cond_wait(&f->cond, &f->lock);
                        continue;
                }
                fl->refs++;
                pthread_mutex_unlock(&f->lock);
                run_fill(fs, fl);
                pthread_mutex_lock(&f->lock);
                if (is_finished(fl))
                        unlist_locked(fs, fl);
                unref_locked(fl);
        }
        pthread_mutex_unlock(&f->lock);
        return NULL;
}

/* with fills->lock held: the fills that wait for their write may go (not fl->lock:
 * that is the copy's, a chunk long) */
static void ungate_locked(struct ovl_fs *fs)
{
        for (struct ovl_fill *fl = fs->fills.list; fl; fl = fl->next)
                fl->gated = false;
}

/* with fills->lock held: failed fills get another try, and the thread starts or wakes */
static void wake_locked(struct ovl_fs *fs)
{
        struct ovl_fills *f = &fs->fills;

        for (struct ovl_fill *fl = f->list; fl; fl = fl->next) {
                pthread_mutex_lock(&fl->lock);
                fl->error = 0;
                pthread_mutex_unlock(&fl->lock);
        }
        if (!f->started && !f->no_thread && f->list) {
                f->started = ovl_thread_start(fs, &f->thread, fill_thread, fs, -1) == 0;
                f->no_thread = !f->started;
        }
        pthread_cond_signal(&f->cond);
}

static void add_locked(struct ovl_fs *fs, struct ovl_fill *fl)
{
        struct ovl_fill **p = &fs->fills.list;

        while (*p)
                p = &(*p)->next;
        fl->refs = 1;
        *p = fl;
        __atomic_store_n(&fs->fills.active, fs->fills.active + 1, __ATOMIC_RELEASE);
}

struct ovl_fill *ovl_fill_begin(struct ovl_fs *fs, int in, int layer, const char *path,
                                const struct stat *lst, int out, int *ret_err)
{
        struct ovl_fills *f = &fs->fills;
        _cleanup_free_ char *src = NULL, *tmp = NULL, *rec = NULL;
        struct ovl_fill *fl;
        struct stat st;
        size_t len;
        int r;

        if (f->dirfd < 0 || f->no_thread || fstat(out, &st) < 0) {
                *ret_err = f->dirfd < 0 || f->no_thread ? -EOPNOTSUPP : -errno;
                return NULL;
        }
        fl = fill_new();
        fl->dev = st.st_dev;
        fl->ino = st.st_ino;
        fl->size = lst->st_size;
        fl->mtime = lst->st_mtim;
        pthread_mutex_lock(&f->lock);
        fl->name = eng_xasprintf("%ld.%" PRIu64, (long) getpid(), ++f->counter);
        pthread_mutex_unlock(&f->lock);
        src = eng_xasprintf("%s.src", fl->name);
        tmp = eng_xasprintf("%s.src.tmp", fl->name);
        /* what the next mount needs to finish it: NUL-separated, a path may hold anything */
        rec = eng_xasprintf("%s%c%d%c%lld%c%s", SRC_VERSION, '\0', layer, '\0',
                            (long long) lst->st_size, '\0', path);
        len = strlen(SRC_VERSION) + 1;
        len += strlen(rec + len) + 1;
        len += strlen(rec + len) + 1;
        len += strlen(path) + 1;
        fl->src = openat(f->dirfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        r = fl->src < 0 ? -errno : 0;
        if (r == 0 && flock(fl->src, LOCK_EX | LOCK_NB) < 0)
                r = -errno;
        if (r == 0)
                r = eng_write_all(fl->src, rec, len);
        if (r == 0 && renameat(f->dirfd, tmp, f->dirfd, src) < 0)
                r = -errno;
        if (r == 0)
                r = ovl_link_fd(fs, out, f->dirfd, fl->name);
        if (r == 0) {
                fl->lower = fcntl(in, F_DUPFD_CLOEXEC, 3);
                fl->upper = fcntl(out, F_DUPFD_CLOEXEC, 3);
                if (fl->lower < 0 || fl->upper < 0)
                        r = -errno;
        }
        if (r < 0) {
                (void) unlinkat(f->dirfd, tmp, 0);
                remove_marks(fs, fl);
                fill_free(fl);
                *ret_err = r;
                return NULL;
        }
        /* the write that asked for it goes first: on a nearly full disk the copy
         * must not take the space the write needs (ovl_fill_start) */
        fl->gated = true;
        pthread_mutex_lock(&f->lock);
        add_locked(fs, fl);
        wake_locked(fs);
        pthread_mutex_unlock(&f->lock);
        if (f->no_thread) {
                /* no thread to copy it after all: the caller copies it now */
                ovl_fill_cancel(fs, fl);
                *ret_err = -EAGAIN;
                return NULL;
        }
        return fl;
}

void ovl_fill_cancel(struct ovl_fs *fs, struct ovl_fill *fl)
{
        pthread_mutex_lock(&fl->lock);
        set_finished(fl);
        remove_marks(fs, fl);
        pthread_cond_broadcast(&fl->cond);
        pthread_mutex_unlock(&fl->lock);
        pthread_mutex_lock(&fs->fills.lock);
        unlist_locked(fs, fl);
        pthread_mutex_unlock(&fs->fills.lock);
}

struct ovl_fill *ovl_fill_find(struct ovl_fs *fs, dev_t dev, ino_t ino)
{
        struct ovl_fill *fl;

        pthread_mutex_lock(&fs->fills.lock);
        for (fl = fs->fills.list; fl; fl = fl->next)
                if (fl->ino == ino && fl->dev == dev) {
                        fl->refs++;
                        break;
                }
        pthread_mutex_unlock(&fs->fills.lock);
        return fl;
}

struct ovl_fill *ovl_fill_find_file(struct ovl_fs *fs, int fd, const char *path)
{
        struct stat st;

        if (!ovl_fill_any(fs))
                return NULL;
        if (fd >= 0 ? fstat(fd, &st) < 0
                    : fstatat(fs->layers[0].fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return NULL;
        return S_ISREG(st.st_mode) ? ovl_fill_find(fs, st.st_dev, st.st_ino) : NULL;
}

void ovl_fill_put(struct ovl_fs *fs, struct ovl_fill *fl)
{
        if (!fl)
                return;
        pthread_mutex_lock(&fs->fills.lock);
        unref_locked(fl);
        pthread_mutex_unlock(&fs->fills.lock);
}

void ovl_fill_start(struct ovl_fs *fs, int fd)
{
        struct ovl_fill *fl = fd >= 0 ? ovl_fill_find_file(fs, fd, NULL) : NULL;

        pthread_mutex_lock(&fs->fills.lock);
        if (fl) {
                fl->gated = false;
                unref_locked(fl);
        } else if (fd < 0)
                ungate_locked(fs);
        pthread_cond_signal(&fs->fills.cond);
        pthread_mutex_unlock(&fs->fills.lock);
}

int ovl_fill_wait(struct ovl_fs *fs, struct ovl_fill *fl)
{
        bool stalled;
        int r;

        /* one that failed (a full disk, say) is tried again first: space may be back;
         * one still waiting for its write goes now */
        pthread_mutex_lock(&fs->fills.lock);
        stalled = fl->gated;
        fl->gated = false;
        __atomic_add_fetch(&fl->waiting, 1, __ATOMIC_ACQ_REL);
        __atomic_add_fetch(&fs->fills.waiting, 1, __ATOMIC_ACQ_REL);
        pthread_mutex_unlock(&fs->fills.lock);
        pthread_mutex_lock(&fl->lock);
        stalled |= !fl->finished && fl->error != 0;
        pthread_mutex_unlock(&fl->lock);
        if (stalled) {
                pthread_mutex_lock(&fs->fills.lock);
                pthread_mutex_lock(&fl->lock);
                fl->error = 0;
                pthread_mutex_unlock(&fl->lock);
                pthread_cond_signal(&fs->fills.cond);
                pthread_mutex_unlock(&fs->fills.lock);
        }
        pthread_mutex_lock(&fl->lock);
        while (!fl->finished && fl->error == 0)
                pthread_cond_wait(&fl->cond, &fl->lock);
        r = fl->finished ? 0 : fl->error;
        pthread_mutex_unlock(&fl->lock);
        __atomic_sub_fetch(&fl->waiting, 1, __ATOMIC_ACQ_REL);
        __atomic_sub_fetch(&fs->fills.waiting, 1, __ATOMIC_ACQ_REL);
        return r;
}

int ovl_fill_wait_file(struct ovl_fs *fs, int fd, const char *path)
{
        struct ovl_fill *fl = ovl_fill_find_file(fs, fd, path);
        int r;

        if (!fl)
                return 0;
        r = ovl_fill_wait(fs, fl);
        ovl_fill_put(fs, fl);
        return r;
}

off_t ovl_fill_size(const struct ovl_fill *fl)
{
        return fl->size;
}

void ovl_fill_hold(struct ovl_fill *fl)
{
        pthread_mutex_lock(&fl->lock);
}

void ovl_fill_unhold(struct ovl_fill *fl, bool wrote)
{
        struct stat st;

        /* the write's mtime is the one to show, and to keep */
        if (wrote && fstat(fl->upper, &st) == 0) {
                pthread_mutex_lock(&fl->state);
                fl->mtime = st.st_mtim;
                pthread_mutex_unlock(&fl->state);
        }
        pthread_mutex_unlock(&fl->lock);
}

int ovl_fill_read(struct ovl_fill *fl, int fd, size_t size, off_t off, char **ret_buf,
                  size_t *ret_len)
{
        off_t done = __atomic_load_n(&fl->done, __ATOMIC_ACQUIRE), end = fl->size;
        char *buf = eng_xmalloc(size ? size : 1);
        size_t total = 0;

        /* below done: the copy; done to end: the lower file, the same bytes to come; past end:
         * the upper file's own */
        while (total < size) {
                off_t pos = off + (off_t) total;
                size_t want = size - total;
                int from = fd;
                ssize_t n;

                if (pos < done) {
                        if ((off_t) want > done - pos)
                                want = (size_t) (done - pos);
                } else if (pos < end) {
                        from = fl->lower;
                        if ((off_t) want > end - pos)
                                want = (size_t) (end - pos);
                }
                n = pread(from, buf + total, want, pos);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && total == 0) {
                        int e = errno;

                        free(buf);
                        return -e;
                }
                if (n <= 0)
                        break;
                total += (size_t) n;
                if ((size_t) n < want && from == fd)
                        break; /* the end of the file */
        }
        *ret_buf = buf;
        *ret_len = total;
        return 0;
}

void ovl_fill_present(struct ovl_fs *fs, struct stat *st)
{
        struct ovl_fill *fl;
        struct stat now;

        if (!S_ISREG(st->st_mode) || !(fl = ovl_fill_find(fs, st->st_dev, st->st_ino)))
                return;
        pthread_mutex_lock(&fl->state);
        if (!fl->finished) {
                /* the copy's mtime is not the file's; nor is the mark a link of the file */
                st->st_mtim = fl->mtime;
                if (st->st_nlink > 1)
                        st->st_nlink--;
        } else if (fstat(fl->upper, &now) == 0) {
                /* finished since @st was taken, maybe between a chunk and its correction */
                st->st_mtim = now.st_mtim;
                st->st_ctim = now.st_ctim;
                st->st_nlink = now.st_nlink;
        }
        pthread_mutex_unlock(&fl->state);
        ovl_fill_put(fs, fl);
}

/* a fill a daemon before left: WORK/fill/NAME.src and NAME */
static void take_up(struct ovl_fs *fs, const char *src_name)
{
        struct ovl_fills *f = &fs->fills;
        _cleanup_free_ char *name = eng_xstrndup(src_name, strlen(src_name) - 4);
        _cleanup_free_ char *data = NULL;
        _cleanup_close_ int src = openat(f->dirfd, src_name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        size_t len = 0;
        const char *version, *layer_s, *size_s, *path;
        struct ovl_fill *fl;
        struct stat st;
        char *end;
        long layer;
        long long size;

        if (src < 0)
                return;
        data = eng_xmalloc(SRC_MAX + 1);
        for (ssize_t n; len < SRC_MAX && (n = read(src, data + len, SRC_MAX - len)) != 0;) {
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return;
                len += (size_t) n;
        }
        data[len] = '\0';
        version = data;
        layer_s = version + strlen(version) + 1;
        size_s = (size_t) (layer_s - data) < len ? layer_s + strlen(layer_s) + 1 : NULL;
        path = size_s && (size_t) (size_s - data) < len ? size_s + strlen(size_s) + 1 : NULL;
        if (!path || (size_t) (path - data) >= len || strcmp(version, SRC_VERSION) != 0) {
                fprintf(stderr,
                        "eng-overlayfs: 'fill/%s' of the work directory is not a fill record; left alone\n",
                        src_name);
                return;
        }
        layer = strtol(layer_s, &end, 10);
        size = strtoll(size_s, &end, 10);
        fl = fill_new();
        fl->name = TAKE_PTR(name);
        fl->upper = openat(f->dirfd, fl->name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fl->upper < 0 && errno == ENOENT) {
                /* the daemon died between its two removals, or before its link */
                (void) unlinkat(f->dirfd, src_name, 0);
                fill_free(fl);
                return;
        }
        if (layer > 0 && layer < fs->nlayers)
                fl->lower = openat(fs->layers[layer].fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fl->upper < 0 || fl->lower < 0 || fstat(fl->upper, &st) < 0 || size < 0) {
                /* (a bad size, or the layer index out of range, sets no errno) */
                bool bad = size < 0 || (fl->lower < 0 && (layer <= 0 || layer >= fs->nlayers));
                int e = bad ? EINVAL : errno;

                fprintf(stderr,
                        "eng-overlayfs: the copy-up of '%s' left unfinished cannot be finished (%s); its data stays incomplete\n",
                        path, strerror(e));
                fill_free(fl);
                return;
        }
        fl->src = TAKE_FD(src);
        fl->taken_up = true;
        fl->dev = st.st_dev;
        fl->ino = st.st_ino;
        fl->size = (off_t) size;
        fl->mtime = st.st_mtim;
        add_locked(fs, fl);
}

void ovl_fill_prepare(struct ovl_fs *fs)
{
        struct ovl_fills *f = &fs->fills;

        memset(f, 0, sizeof(*f));
        pthread_mutex_init(&f->lock, NULL);
        pthread_cond_init(&f->cond, NULL);
        f->dirfd = -1;
}

int ovl_fill_init(struct ovl_fs *fs)
{
        struct ovl_fills *f = &fs->fills;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int dfd;

        if (mkdirat(fs->workfd, "fill", 0700) < 0 && errno != EEXIST)
                return -errno;
        f->dirfd = openat(fs->workfd, "fill", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (f->dirfd < 0)
                return -errno;
        dfd = fcntl(f->dirfd, F_DUPFD_CLOEXEC, 3);
        d = dfd >= 0 ? fdopendir(dfd) : NULL;
        if (!d) {
                eng_close_safe(dfd);
                return 0;
        }
        pthread_mutex_lock(&f->lock);
        while ((de = readdir(d))) {
                size_t n = strlen(de->d_name);

                if (n > 8 && strcmp(de->d_name + n - 8, ".src.tmp") == 0)
                        (void) unlinkat(f->dirfd, de->d_name, 0);
                else if (n > 4 && strcmp(de->d_name + n - 4, ".src") == 0)
                        take_up(fs, de->d_name);
        }
        pthread_mutex_unlock(&f->lock);
        return 0;
}

void ovl_fill_resume(struct ovl_fs *fs)
{
        struct ovl_fills *f = &fs->fills;

        pthread_mutex_lock(&f->lock);
        if (f->list)
                wake_locked(fs);
        pthread_mutex_unlock(&f->lock);
        if (f->list && f->no_thread) {
                /* no thread to do it: done here, before the mount serves anything */
                for (struct ovl_fill *fl = f->list; fl; fl = fl->next)
                        run_fill(fs, fl);
                pthread_mutex_lock(&f->lock);
                for (struct ovl_fill *fl = f->list, *next; fl; fl = next) {
                        next = fl->next;
                        if (is_finished(fl))
                                unlist_locked(fs, fl);
                }
                pthread_mutex_unlock(&f->lock);
        }
}

void ovl_fill_release(struct ovl_fs *fs)
{
        struct ovl_fills *f = &fs->fills;

        pthread_mutex_lock(&f->lock);
        f->stop = true;
        /* one more try for a fill that failed (a disk that was full may not be now) */
        ungate_locked(fs);
        wake_locked(fs);
        pthread_mutex_unlock(&f->lock);
        if (f->started)
                pthread_join(f->thread, NULL);
        /* what could not be finished stays marked for the next mount */
        pthread_mutex_lock(&f->lock);
        while (f->list) {
                struct ovl_fill *fl = f->list;

                f->list = fl->next;
                unref_locked(fl);
        }
        f->active = 0;
        pthread_mutex_unlock(&f->lock);
        eng_close_safe(f->dirfd);
        f->dirfd = -1;
        pthread_cond_destroy(&f->cond);
        pthread_mutex_destroy(&f->lock);
}
