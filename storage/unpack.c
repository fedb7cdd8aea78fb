/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/sandbox.h"
#include "common/xalloc.h"
#include "storage/layer.h"
#include "storage/unpack.h"

#include "common/banned.h"

#define OVERRIDE_XATTR "user.containers.override_stat"
#define OPAQUE_XATTR   "user.overlay.opaque"
#define OVERFLOW_ID    65534
#define READ_BLOCK     (128 * 1024)
#define RESULT_MAX     (64 * 1024)

struct unpack_args {
        const char *dir;
        int fd;
        int data_fd;
        const char *expected;
};

/*
 * The compressed stream: from the pipe, or kept in a file as it arrives
 * (the pull's journal): read from the file; at its end, wait on the signal
 * pipe, which gets a byte after each append and is closed once the file is
 * complete.  A wait also ends when @stop is readable (the unpack gave up).
 */
struct follow {
        int data; /* -1: the stream is the pipe itself */
        int signal;
        int stop;
        bool complete;
        bool unlinked; /* the pull let go of the file: nothing will resume from it */
        bool no_punch; /* the file system cannot free a part of a file */
        off_t pos;     /* bytes read from the file */
        off_t freed;   /* bytes of it given back to the file system */
        off_t asked;   /* where the file's name was last found still there */
        char buf[READ_BLOCK];
};

/*
 * Once the pull has removed the journal (the blob is whole and nothing will
 * resume from it), what was read of it goes back to the file system every
 * FREE_STEP bytes, and the rest at the end of the stream, on this thread,
 * instead of all at once when the last descriptor closes: that was 10 ms
 * of a 0.3 s pull on tmpfs, at its very end, with the other core idle.
 */
#define FREE_STEP (2 * 1024 * 1024)

static void free_read_part(struct follow *f, bool all)
{
        struct stat st;
        off_t end = all ? f->pos : f->pos & ~(off_t) (FREE_STEP - 1);

        if (end <= f->freed || f->no_punch)
                return;
        if (!f->unlinked) {
                /* asked once a step */
                if (!all && end <= f->asked)
                        return;
                f->asked = end;
                if (fstat(f->data, &st) < 0 || st.st_nlink != 0)
                        return;
                f->unlinked = true;
        }
        /* best effort: a file system that cannot punch frees it all at the close */
        if (fallocate(f->data, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, f->freed,
                      end - f->freed) < 0) {
                f->no_punch = true;
                return;
        }
        f->freed = end;
}

/*
 * The uncompressed tar on its way: a thread decompresses the layer
 * (libarchive's gzip and zstd filters, through its raw format) into a ring;
 * the main thread unpacks the tar from the ring where it lies; another
 * thread hashes it.  Each gets a core when there is one.  A thread that
 * waits is woken once RING_WAKE bytes (or that much room) are there for
 * it: waking a thread on another core costs tens of microseconds.
 */
#define RING_SIZE (512 * 1024)
#define RING_WAKE (64 * 1024)

struct feed {
        struct archive *raw;
        struct eng_digest *md;
        unsigned char *ring;
        pthread_t decompressor, hasher;
        bool decompressing, hashing; /* the threads were started */
        pthread_mutex_t lock;
        pthread_cond_t for_tar, for_md, for_room;
        bool tar_waits, md_waits, room_waits;
        uint64_t head;     /* bytes decompressed into the ring */
        uint64_t tar_tail; /* bytes the tar reader is done with */
        uint64_t tar_held; /* the end of the block the tar reader holds */
        uint64_t md_tail;  /* bytes hashed */
        bool end;          /* the decompressor is done: at the end, or failed */
        bool stop;         /* the unpack gave up: everybody stops */
        int errnum;        /* the decompressor's error */
        char *errmsg;
        int stop_pipe[2];
};

/* A directory whose owner, mode and times are set after its contents. */
struct dir_meta {
        char *path;
        uid_t uid;
        gid_t gid;
        mode_t mode;
        struct timespec mtime;
};

struct unpacker {
        int root;              /* the diff directory */
        struct feed feed;      /* decompresses and hashes the stream */
        struct archive *tar;   /* reads the tar from the feed's ring */
        struct follow *follow; /* where the compressed stream comes from */
        struct dir_meta *dirs;
        size_t ndirs;
        /* the directory of the last entry: most entries follow their siblings */
        char *cached_parent;
        int cached_fd;
        struct storage_unpack_result res;
};

static int archive_fail(struct eng_error **err, struct archive *a, const char *what)
{
        const char *msg = archive_error_string(a);
        int e = archive_errno(a);

        return eng_err(err, ENG_E_INVALID, e > 0 && e < 4096 ? e : 0, "%s: %s", what,
                       msg ? msg : "unknown libarchive error");
}

/* until @fd is readable: 0, or -ECANCELED when the unpack gave up first */
static int wait_readable(struct follow *f, int fd)
{
        struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
                               { .fd = f->stop, .events = POLLIN } };

        for (;;) {
                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (p[1].revents)
                        return -ECANCELED;
                return 0;
        }
}

static la_ssize_t read_followed(struct archive *a, void *arg, const void **buf)
{
        struct follow *f = arg;

        for (;;) {
                char signals[4096];
                ssize_t n;
                int r;

                if (f->data >= 0) {
                        n = read(f->data, f->buf, sizeof(f->buf));
                        if (n > 0) {
                                f->pos += n;
                                free_read_part(f, false);
                                *buf = f->buf;
                                return n;
                        }
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0) {
                                archive_set_error(a, errno, "reading the layer");
                                return -1;
                        }
                        if (f->complete) {
                                free_read_part(f, true);
                                return 0;
                        }
                }
                /* at the end of what is there so far: wait for more, or for the end */
                r = wait_readable(f, f->signal);
                if (r < 0) {
                        archive_set_error(a, -r, "waiting for the layer");
                        return -1;
                }
                if (f->data < 0) {
                        n = read(f->signal, f->buf, sizeof(f->buf));
                        if (n >= 0) {
                                *buf = f->buf;
                                return n;
                        }
                } else {
                        n = read(f->signal, signals, sizeof(signals));
                        if (n == 0)
                                f->complete = true;
                }
                if (n < 0 && errno != EINTR && errno != EAGAIN) {
                        archive_set_error(a, errno, "waiting for the layer");
                        return -1;
                }
        }
}

/* --- the feed: decompression and digest on threads of their own */

static void *decompressor_thread(void *data)
{
        struct feed *fe = data;

        for (;;) {
                const void *block;
                size_t n;
                la_int64_t offset;
                int r = archive_read_data_block(fe->raw, &block, &n, &offset);
                const unsigned char *p = block;

                if (r != ARCHIVE_OK) {
                        pthread_mutex_lock(&fe->lock);
                        if (r != ARCHIVE_EOF && !fe->stop) {
                                const char *msg = archive_error_string(fe->raw);

                                fe->errnum = archive_errno(fe->raw);
                                fe->errmsg = eng_xstrdup(msg ? msg : "unknown libarchive error");
                        }
                        fe->end = true;
                        pthread_cond_signal(&fe->for_tar);
                        pthread_cond_signal(&fe->for_md);
                        pthread_mutex_unlock(&fe->lock);
                        return NULL;
                }
                while (n > 0) {
                        size_t at, room;

                        pthread_mutex_lock(&fe->lock);
                        for (;;) {
                                uint64_t tail =
                                        fe->tar_tail < fe->md_tail ? fe->tar_tail : fe->md_tail;

                                room = RING_SIZE - (size_t) (fe->head - tail);
                                if (room > 0 || fe->stop)
                                        break;
                                fe->room_waits = true;
                                pthread_cond_wait(&fe->for_room, &fe->lock);
                                fe->room_waits = false;
                        }
                        if (fe->stop) {
                                fe->end = true;
                                pthread_mutex_unlock(&fe->lock);
                                return NULL;
                        }
                        at = (size_t) (fe->head % RING_SIZE);
                        if (room > RING_SIZE - at)
                                room = RING_SIZE - at;
                        if (room > n)
                                room = n;
                        pthread_mutex_unlock(&fe->lock);
                        /* below head only the readers read: this part is ours */
                        memcpy(fe->ring + at, p, room);
                        p += room;
                        n -= room;
                        pthread_mutex_lock(&fe->lock);
                        fe->head += room;
                        if (fe->tar_waits && fe->head - fe->tar_tail >= RING_WAKE)
                                pthread_cond_signal(&fe->for_tar);
                        if (fe->md_waits && fe->head - fe->md_tail >= RING_WAKE)
                                pthread_cond_signal(&fe->for_md);
                        pthread_mutex_unlock(&fe->lock);
                }
        }
}

/* after a reader moved its tail: the decompressor, if it waits for that much room */
static void feed_room(struct feed *fe)
{
        uint64_t tail = fe->tar_tail < fe->md_tail ? fe->tar_tail : fe->md_tail;

        if (fe->room_waits && RING_SIZE - (fe->head - tail) >= RING_WAKE)
                pthread_cond_signal(&fe->for_room);
}

static void *hasher_thread(void *data)
{
        struct feed *fe = data;

        pthread_mutex_lock(&fe->lock);
        for (;;) {
                uint64_t avail = fe->head - fe->md_tail;
                size_t at, n;

                if (fe->stop || (fe->end && avail == 0))
                        break;
                if (avail < RING_WAKE && !fe->end) {
                        fe->md_waits = true;
                        pthread_cond_wait(&fe->for_md, &fe->lock);
                        fe->md_waits = false;
                        continue;
                }
                at = (size_t) (fe->md_tail % RING_SIZE);
                n = avail < RING_SIZE - at ? (size_t) avail : RING_SIZE - at;
                pthread_mutex_unlock(&fe->lock);
                eng_digest_update(fe->md, fe->ring + at, n);
                pthread_mutex_lock(&fe->lock);
                fe->md_tail += n;
                feed_room(fe);
        }
        pthread_mutex_unlock(&fe->lock);
        return NULL;
}

/* libarchive's tar reader pulls the uncompressed tar from here: blocks of the ring */
static la_ssize_t read_uncompressed(struct archive *a, void *arg, const void **buf)
{
        struct feed *fe = &((struct unpacker *) arg)->feed;
        uint64_t avail;
        size_t at;

        pthread_mutex_lock(&fe->lock);
        /* the block handed out last time is done with */
        fe->tar_tail = fe->tar_held;
        feed_room(fe);
        for (;;) {
                avail = fe->head - fe->tar_tail;
                if (avail > 0 || fe->end)
                        break;
                fe->tar_waits = true;
                pthread_cond_wait(&fe->for_tar, &fe->lock);
                fe->tar_waits = false;
        }
        if (avail == 0) {
                int e = fe->errnum;
                char *msg = fe->errmsg;

                pthread_mutex_unlock(&fe->lock);
                if (!msg)
                        return 0;
                archive_set_error(a, e, "%s", msg);
                return -1;
        }
        at = (size_t) (fe->tar_tail % RING_SIZE);
        if (avail > RING_SIZE - at)
                avail = RING_SIZE - at;
        fe->tar_held = fe->tar_tail + avail;
        pthread_mutex_unlock(&fe->lock);
        *buf = fe->ring + at;
        return (la_ssize_t) avail;
}

static int feed_start(struct feed *fe)
{
        sigset_t all, old;

        fe->ring = eng_xmalloc(RING_SIZE);
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        fe->decompressing = pthread_create(&fe->decompressor, NULL, decompressor_thread, fe) == 0;
        fe->hashing =
                fe->decompressing && pthread_create(&fe->hasher, NULL, hasher_thread, fe) == 0;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return fe->hashing ? 0 : -EAGAIN;
}

static void feed_init(struct feed *fe)
{
        *fe = (struct feed){ .stop_pipe = { -1, -1 } };
        pthread_mutex_init(&fe->lock, NULL);
        pthread_cond_init(&fe->for_tar, NULL);
        pthread_cond_init(&fe->for_md, NULL);
        pthread_cond_init(&fe->for_room, NULL);
        fe->md = eng_digest_new();
}

/* the threads stopped (told to, when @give_up) and gone */
static void feed_stop(struct feed *fe, bool give_up)
{
        if (give_up) {
                pthread_mutex_lock(&fe->lock);
                fe->stop = true;
                pthread_cond_signal(&fe->for_room);
                pthread_cond_signal(&fe->for_md);
                pthread_mutex_unlock(&fe->lock);
                /* a read waiting for the stream wakes up too */
                if (fe->stop_pipe[1] >= 0)
                        (void) !write(fe->stop_pipe[1], "", 1);
        }
        if (fe->decompressing)
                pthread_join(fe->decompressor, NULL);
        if (fe->hashing)
                pthread_join(fe->hasher, NULL);
        fe->decompressing = fe->hashing = false;
}

static void feed_release(struct feed *fe)
{
        feed_stop(fe, true);
        if (fe->raw)
                archive_read_free(fe->raw);
        eng_digest_free(fe->md);
        free(fe->ring);
        free(fe->errmsg);
        eng_close_safe(fe->stop_pipe[0]);
        eng_close_safe(fe->stop_pipe[1]);
        pthread_cond_destroy(&fe->for_room);
        pthread_cond_destroy(&fe->for_md);
        pthread_cond_destroy(&fe->for_tar);
        pthread_mutex_destroy(&fe->lock);
}

/*
 * Clean a tar path: drop leading "/" and "./", empty and "." components and
 * a trailing "/".  A ".." component is refused.  Returns a heap string ("" for
 * the root itself) or NULL.
 */
static char *clean_path(const char *in)
{
        size_t len = strlen(in);
        char *out = eng_xmalloc(len + 1), *o = out;
        const char *p = in;

        while (*p) {
                size_t n;

                while (*p == '/')
                        p++;
                n = strcspn(p, "/");
                if (n == 0)
                        break;
                if (n == 1 && p[0] == '.') {
                        p += n;
                        continue;
                }
                if (n == 2 && p[0] == '.' && p[1] == '.') {
                        free(out);
                        return NULL;
                }
                if (o != out)
                        *o++ = '/';
                memcpy(o, p, n);
                o += n;
                p += n;
        }
        *o = '\0';
        return out;
}

/*
 * Open directory @rel beneath the root, making missing ones (0755) on the
 * way (tars need not list parents first).  Each component is looked up with
 * RESOLVE_BENEATH, so a symbolic link that leads outside the layer fails
 * the unpack instead of being followed or clamped.
 */
static int open_dir(struct unpacker *u, const char *rel, struct eng_error **err)
{
        _cleanup_free_ char *path = eng_xstrdup(rel);
        struct eng_error *e = NULL;
        int fd;

        if (!*rel)
                return fcntl(u->root, F_DUPFD_CLOEXEC, 3);
        fd = eng_open_strictly_beneath(u->root, path, O_PATH | O_DIRECTORY, 0, &e);
        if (fd >= 0)
                return fd;
        if (e->errnum != ENOENT) {
                *err = e;
                return -1;
        }
        eng_err_free(e);
        for (char *s = path;; s++) {
                bool end = *s == '\0';
                _cleanup_close_ int parent = -1;
                char *base;

                if (*s != '/' && !end)
                        continue;
                *s = '\0';
                base = strrchr(path, '/');
                if (base) {
                        *base = '\0';
                        parent = eng_open_strictly_beneath(u->root, path, O_PATH | O_DIRECTORY, 0,
                                                           err);
                        *base = '/';
                        base++;
                } else {
                        parent = fcntl(u->root, F_DUPFD_CLOEXEC, 3);
                        base = path;
                }
                if (parent < 0)
                        return -1;
                /* mkdirat() of one name in an opened directory follows no link. */
                if (mkdirat(parent, base, 0755) < 0 && errno != EEXIST)
                        return eng_err(err, ENG_E_SYS, errno, "creating directory '%s'", path);
                if (end)
                        break;
                *s = '/';
        }
        return eng_open_strictly_beneath(u->root, rel, O_PATH | O_DIRECTORY, 0, err);
}

/* Remove what is at @name in @dirfd, unless it is a directory and @keep_dir. */
static int clear_entry(int dirfd, const char *name, bool keep_dir, struct eng_error **err)
{
        struct stat st;

        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : eng_err(err, ENG_E_SYS, errno, "checking '%s'", name);
        if (S_ISDIR(st.st_mode)) {
                if (keep_dir)
                        return 0;
                return eng_rm_rf_at(dirfd, name, err);
        }
        if (unlinkat(dirfd, name, 0) < 0)
                return eng_err(err, ENG_E_SYS, errno, "replacing '%s'", name);
        return 0;
}

static bool xattr_allowed(const char *name)
{
        /* Overlay markers and our own override come from us, never from a layer. */
        if (strncmp(name, "user.overlay.", 13) == 0 || strncmp(name, "trusted.", 8) == 0 ||
            strcmp(name, OVERRIDE_XATTR) == 0)
                return false;
        return strncmp(name, "user.", 5) == 0 || strcmp(name, "security.capability") == 0;
}

static void set_xattrs(struct archive_entry *e, int fd, const char *path)
{
        const char *name;
        const void *value;
        size_t size;

        archive_entry_xattr_reset(e);
        while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
                if (!xattr_allowed(name)) {
                        eng_log_debug("layer entry '%s': xattr '%s' skipped", path, name);
                        continue;
                }
                if (fsetxattr(fd, name, value, size, 0) < 0)
                        eng_log_debug("layer entry '%s': xattr '%s': %s", path, name,
                                      strerror(errno));
        }
}

/*
 * Give @name in @dirfd its owner.  An id outside the mapping becomes the
 * overflow id, with the real owner and mode recorded in an xattr (regular
 * files and directories; symlinks cannot carry user xattrs).
 */
static int set_owner(struct unpacker *u, int fd, int dirfd, const char *name, const char *path,
                     uid_t uid, gid_t gid, mode_t mode, bool is_link, struct eng_error **err)
{
        int r;

        /* (uid_t) -1 is chown's "leave it": the file would stay root's */
        if (uid == (uid_t) -1 || gid == (gid_t) -1) {
                r = -1;
                errno = EINVAL;
        } else
                r = fd >= 0 ? fchown(fd, uid, gid)
                            : fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW);
        if (r == 0)
                return 0;
        if (errno != EINVAL)
                return eng_err(err, ENG_E_SYS, errno, "layer entry '%s': setting its owner %u:%u",
                               path, (unsigned) uid, (unsigned) gid);
        if (u->res.overflow++ == 0)
                u->res.first_overflow = eng_xstrdup(path);
        if (fd >= 0) {
                char v[64];

                (void) !fchown(fd, OVERFLOW_ID, OVERFLOW_ID);
                snprintf(v, sizeof(v), "%u:%u:0%o",
                         uid == (uid_t) -1 ? OVERFLOW_ID : (unsigned) uid,
                         gid == (gid_t) -1 ? OVERFLOW_ID : (unsigned) gid,
                         (unsigned) (mode & 07777));
                if (fsetxattr(fd, OVERRIDE_XATTR, v, strlen(v), 0) < 0)
                        eng_log_debug("layer entry '%s': recording its owner: %s", path,
                                      strerror(errno));
        } else if (is_link) {
                (void) !fchownat(dirfd, name, OVERFLOW_ID, OVERFLOW_ID, AT_SYMLINK_NOFOLLOW);
        }
        return 0;
}

static int write_data(struct unpacker *u, struct archive_entry *e, int fd, const char *path,
                      struct eng_error **err)
{
        const void *block;
        size_t size;
        la_int64_t offset, end = 0;
        int r;

        while ((r = archive_read_data_block(u->tar, &block, &size, &offset)) == ARCHIVE_OK) {
                const char *p = block;
                size_t left = size;

                while (left > 0) {
                        ssize_t n = pwrite(fd, p, left, (off_t) offset);

                        if (n < 0) {
                                if (errno == EINTR)
                                        continue;
                                return eng_err(err, ENG_E_SYS, errno, "layer entry '%s': writing",
                                               path);
                        }
                        p += n;
                        left -= (size_t) n;
                        offset += n;
                }
                if (offset > end)
                        end = offset;
                u->res.size += size;
        }
        if (r != ARCHIVE_EOF)
                return archive_fail(err, u->tar, path);
        /* A sparse file may end in a hole. */
        if (archive_entry_size_is_set(e) && archive_entry_size(e) > end &&
            ftruncate(fd, (off_t) archive_entry_size(e)) < 0)
                return eng_err(err, ENG_E_SYS, errno, "layer entry '%s': setting its size", path);
        return 0;
}

static void forget_parent(struct unpacker *u)
{
        free(u->cached_parent);
        u->cached_parent = NULL;
        u->cached_fd = eng_close_safe(u->cached_fd);
}

/* The directory @parent, opened beneath the root; borrowed (cached) */
static int parent_dir(struct unpacker *u, const char *parent, struct eng_error **err)
{
        if (u->cached_parent && strcmp(u->cached_parent, parent) == 0)
                return u->cached_fd;
        forget_parent(u);
        u->cached_fd = open_dir(u, parent, err);
        if (u->cached_fd < 0)
                return -1;
        u->cached_parent = eng_xstrdup(parent);
        return u->cached_fd;
}

/* Whether @path is @dir or one of its ancestors: changing it changes @dir. */
static bool covers(const char *path, const char *dir)
{
        size_t n = strlen(path);

        return strncmp(dir, path, n) == 0 && (dir[n] == '\0' || dir[n] == '/');
}

/* Run @make (mknod, symlink, ...) once; if the name is taken, clear it and run it again. */
#define MAKE_OR_REPLACE(dirfd, name, make)                                  \
        ({                                                                  \
                int _r = (make);                                            \
                if (_r < 0 && errno == EEXIST) {                            \
                        struct eng_error *_e = NULL;                        \
                        if (clear_entry((dirfd), (name), false, &_e) < 0) { \
                                errno = _e->errnum ? _e->errnum : EEXIST;   \
                                eng_err_free(_e);                           \
                        } else {                                            \
                                _r = (make);                                \
                        }                                                   \
                }                                                           \
                _r;                                                         \
        })

static int extract_entry(struct unpacker *u, struct archive_entry *e, struct eng_error **err)
{
        const char *raw = archive_entry_pathname(e);
        _cleanup_free_ char *path = raw ? clean_path(raw) : NULL;
        _cleanup_close_ int fd = -1;
        int dirfd;
        const char *slash, *name;
        _cleanup_free_ char *parent = NULL;
        mode_t mode = archive_entry_mode(e);
        /* an owner past 32 bits (or negative) has no id here: the overflow id's */
        uid_t uid = archive_entry_uid(e) < 0 || archive_entry_uid(e) >= UINT32_MAX
                            ? (uid_t) -1
                            : (uid_t) archive_entry_uid(e);
        gid_t gid = archive_entry_gid(e) < 0 || archive_entry_gid(e) >= UINT32_MAX
                            ? (gid_t) -1
                            : (gid_t) archive_entry_gid(e);
        struct timespec times[2];
        const char *hardlink = archive_entry_hardlink(e);

        if (!raw)
                return eng_err(err, ENG_E_INVALID, 0, "a layer entry has no name");
        if (!path)
                return eng_err(
                        err, ENG_E_INVALID, 0,
                        "layer entry '%s' has a '..' component: refusing a tar that reaches outside its root",
                        raw);
        u->res.entries++;
        times[0].tv_sec =
                archive_entry_atime_is_set(e) ? archive_entry_atime(e) : archive_entry_mtime(e);
        times[0].tv_nsec = 0;
        times[1].tv_sec = archive_entry_mtime(e);
        times[1].tv_nsec = archive_entry_mtime_nsec(e);

        if (!*path) {
                /* the root directory itself: only its metadata */
                if (AE_IFDIR != (mode & AE_IFMT))
                        return 0;
                goto record_dir;
        }
        slash = strrchr(path, '/');
        parent = slash ? eng_xstrndup(path, (size_t) (slash - path)) : eng_xstrdup("");
        name = slash ? slash + 1 : path;
        /* this entry may replace the cached directory or one above it */
        if (u->cached_parent && covers(path, u->cached_parent))
                forget_parent(u);
        dirfd = parent_dir(u, parent, err);
        if (dirfd < 0)
                return eng_err_wrap(err, "layer entry '%s'", raw);

        /* OCI whiteouts */
        if (strncmp(name, ".wh.", 4) == 0) {
                if (strcmp(name, ".wh..wh..opq") == 0) {
                        fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (fd < 0 || fsetxattr(fd, OPAQUE_XATTR, "y", 1, 0) < 0)
                                return eng_err(err, ENG_E_SYS, errno,
                                               "layer entry '%s': marking the directory opaque",
                                               raw);
                        return 0;
                }
                /* a whiteout of "." or ".." would remove the directory the layer is
                 * unpacked into (replacing the entry first) */
                if (!name[4] || strcmp(name + 4, ".") == 0 || strcmp(name + 4, "..") == 0)
                        return eng_err(err, ENG_E_INVALID, 0,
                                       "layer entry '%s' is a whiteout of '%s', which is no entry",
                                       raw, name + 4);
                {
                        /* the whiteout replaces NAME, maybe the cached directory or above */
                        _cleanup_free_ char *target =
                                *parent ? eng_xasprintf("%s/%s", parent, name + 4)
                                        : eng_xstrdup(name + 4);
                        if (u->cached_parent && covers(target, u->cached_parent))
                                forget_parent(u);
                        dirfd = parent_dir(u, parent, err);
                        if (dirfd < 0)
                                return eng_err_wrap(err, "layer entry '%s'", raw);
                }
                if (MAKE_OR_REPLACE(dirfd, name + 4,
                                    mknodat(dirfd, name + 4, S_IFCHR | 0600, makedev(0, 0))) < 0)
                        return eng_err(err, ENG_E_SYS, errno,
                                       "layer entry '%s': making the whiteout", raw);
                return 0;
        }

        if (hardlink) {
                _cleanup_free_ char *target = clean_path(hardlink);
                _cleanup_free_ char *tparent = NULL;
                _cleanup_close_ int tfd = -1;
                const char *ts;

                if (!target || !*target)
                        return eng_err(err, ENG_E_INVALID, 0,
                                       "layer entry '%s' is a hardlink to '%s', outside its root",
                                       raw, hardlink);
                ts = strrchr(target, '/');
                tparent = ts ? eng_xstrndup(target, (size_t) (ts - target)) : eng_xstrdup("");
                tfd = open_dir(u, tparent, err);
                if (tfd < 0)
                        return eng_err_wrap(err, "layer entry '%s'", raw);
                if (MAKE_OR_REPLACE(dirfd, name,
                                    linkat(tfd, ts ? ts + 1 : target, dirfd, name, 0)) < 0)
                        return eng_err(err, ENG_E_INVALID, errno,
                                       "layer entry '%s': linking to '%s'", raw, hardlink);
                return 0;
        }

        switch (mode & AE_IFMT) {
        case AE_IFDIR:
                if (mkdirat(dirfd, name, 0700) < 0) {
                        /* an existing directory is merged; anything else is replaced */
                        if (errno != EEXIST || clear_entry(dirfd, name, true, err) < 0 ||
                            (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST))
                                return *err ? -1
                                            : eng_err(err, ENG_E_SYS, errno,
                                                      "layer entry '%s': mkdir", raw);
                }
                fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return eng_err(err, ENG_E_SYS, errno, "layer entry '%s': opening", raw);
                set_xattrs(e, fd, raw);
                goto record_dir;
        case AE_IFREG:
                /* created with its mode (umask is 0 here); special bits after the owner */
                fd = MAKE_OR_REPLACE(dirfd, name,
                                     openat(dirfd, name,
                                            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                            mode & 0777));
                if (fd < 0)
                        return eng_err(err, ENG_E_SYS, errno, "layer entry '%s': creating", raw);
                if (write_data(u, e, fd, raw, err) < 0)
                        return -1;
                if ((uid != 0 || gid != 0) &&
                    set_owner(u, fd, dirfd, name, raw, uid, gid, mode, false, err) < 0)
                        return -1;
                if ((mode & 07000) && fchmod(fd, mode & 07777) < 0)
                        return eng_err(err, ENG_E_SYS, errno, "layer entry '%s': chmod", raw);
                set_xattrs(e, fd, raw);
                if (futimens(fd, times) < 0)
                        return eng_err(err, ENG_E_SYS, errno, "layer entry '%s': setting times",
                                       raw);
                return 0;
        case AE_IFLNK: {
                const char *target = archive_entry_symlink(e);

                if (!target)
                        return eng_err(err, ENG_E_INVALID, 0,
                                       "layer entry '%s': a symlink without a target", raw);
                if (MAKE_OR_REPLACE(dirfd, name, symlinkat(target, dirfd, name)) < 0)
                        return eng_err(err, ENG_E_SYS, errno, "layer entry '%s': symlink", raw);
                if ((uid != 0 || gid != 0) &&
                    set_owner(u, -1, dirfd, name, raw, uid, gid, mode, true, err) < 0)
                        return -1;
                (void) utimensat(dirfd, name, times, AT_SYMLINK_NOFOLLOW);
                return 0;
        }
        case AE_IFIFO:
                if (MAKE_OR_REPLACE(dirfd, name,
                                    mknodat(dirfd, name, S_IFIFO | (mode & 07777), 0)) < 0)
                        return eng_err(err, ENG_E_SYS, errno, "layer entry '%s': mkfifo", raw);
                if (set_owner(u, -1, dirfd, name, raw, uid, gid, mode, true, err) < 0)
                        return -1;
                (void) utimensat(dirfd, name, times, AT_SYMLINK_NOFOLLOW);
                return 0;
        case AE_IFCHR:
        case AE_IFBLK:
                /* A user namespace cannot make device nodes; runtimes bind /dev anyway. */
                u->res.devices++;
                eng_log_debug("layer entry '%s': device node skipped", raw);
                return 0;
        default:
                eng_log_debug("layer entry '%s': type 0%o skipped", raw,
                              (unsigned) (mode & AE_IFMT));
                return 0;
        }

record_dir:
        u->dirs = eng_xreallocarray(u->dirs, u->ndirs + 1, sizeof(*u->dirs));
        u->dirs[u->ndirs++] = (struct dir_meta){
                .path = eng_xstrdup(path), .uid = uid, .gid = gid, .mode = mode, .mtime = times[1]
        };
        return 0;
}

/* Directories last, so a read-only directory is filled before it is closed. */
static int finish_dirs(struct unpacker *u, struct eng_error **err)
{
        for (size_t i = u->ndirs; i-- > 0;) {
                struct dir_meta *d = &u->dirs[i];
                _cleanup_close_ int fd = -1;
                struct timespec times[2] = { d->mtime, d->mtime };

                if (*d->path) {
                        struct eng_error *e = NULL;

                        fd = eng_open_strictly_beneath(u->root, d->path,
                                                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, &e);
                        /* a later entry of the layer replaced or removed the directory */
                        if (fd < 0 &&
                            (e->errnum == ENOENT || e->errnum == ENOTDIR || e->errnum == ELOOP)) {
                                eng_err_free(e);
                                continue;
                        }
                        if (fd < 0) {
                                *err = e;
                                return eng_err_wrap(err, "layer directory '%s'", d->path);
                        }
                } else {
                        fd = fcntl(u->root, F_DUPFD_CLOEXEC, 3);
                }
                if ((d->uid != 0 || d->gid != 0) &&
                    set_owner(u, fd, -1, NULL, d->path, d->uid, d->gid, d->mode, false, err) < 0)
                        return -1;
                if (fchmod(fd, d->mode & 07777) < 0)
                        return eng_err(err, ENG_E_SYS, errno, "layer directory '%s': chmod",
                                       d->path);
                (void) futimens(fd, times);
        }
        return 0;
}

static void unpacker_release(struct unpacker *u)
{
        forget_parent(u);
        /* the threads go first: the tar reader's blocks are in their ring */
        feed_stop(&u->feed, true);
        if (u->tar)
                archive_read_free(u->tar);
        feed_release(&u->feed);
        free(u->follow);
        for (size_t i = 0; i < u->ndirs; i++)
                free(u->dirs[i].path);
        free(u->dirs);
        eng_close_safe(u->root);
        storage_unpack_result_release(&u->res);
}

static int unpack(struct unpacker *u, const struct unpack_args *a, struct eng_error **err)
{
        struct feed *fe = &u->feed;
        struct archive_entry *e;
        int r;

        if (pipe2(fe->stop_pipe, O_CLOEXEC) < 0)
                return eng_err(err, ENG_E_SYS, errno, "creating a pipe");
        fe->raw = archive_read_new();
        /* the compressions of OCI layers; no other filter is linked in */
        archive_read_support_filter_gzip(fe->raw);
        archive_read_support_filter_zstd(fe->raw);
        archive_read_support_format_raw(fe->raw);
        archive_read_support_format_empty(fe->raw);
        u->follow = eng_xmalloc(sizeof(*u->follow));
        *u->follow =
                (struct follow){ .data = a->data_fd, .signal = a->fd, .stop = fe->stop_pipe[0] };
        r = archive_read_open(fe->raw, u->follow, NULL, read_followed, NULL);
        if (r != ARCHIVE_OK)
                return archive_fail(err, fe->raw, "reading the layer");
        r = archive_read_next_header(fe->raw, &e);
        if (r == ARCHIVE_EOF)
                goto done; /* an empty blob: no entries at all */
        if (r != ARCHIVE_OK)
                return archive_fail(err, fe->raw, "reading the layer");
        /* from here on the raw reader is the decompressor's */
        if (feed_start(fe) < 0)
                return eng_err(err, ENG_E_SYS, EAGAIN, "starting the unpacker's threads");

        u->tar = archive_read_new();
        archive_read_support_format_tar(u->tar);
        if (archive_read_open(u->tar, u, NULL, read_uncompressed, NULL) != ARCHIVE_OK)
                return archive_fail(err, u->tar, "reading the layer's tar");
        while ((r = archive_read_next_header(u->tar, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
                if (extract_entry(u, e, err) < 0)
                        return -1;
        }
        if (r != ARCHIVE_EOF)
                return archive_fail(err, u->tar, "reading the layer's tar");
        /* The padding after the end-of-archive blocks belongs to the digest too. */
        for (;;) {
                const void *buf;
                la_ssize_t n = read_uncompressed(u->tar, u, &buf);

                if (n < 0)
                        return archive_fail(err, u->tar, "reading the layer");
                if (n == 0)
                        break;
        }
        /* the whole stream decompressed and hashed */
        feed_stop(fe, false);
done:
        if (finish_dirs(u, err) < 0)
                return -1;
        u->res.diff_id = eng_digest_finish(fe->md);
        if (a->expected && strcmp(a->expected, u->res.diff_id) != 0)
                return eng_err(
                        err, ENG_E_INVALID, 0,
                        "the layer's uncompressed digest is %s, but the image config says %s",
                        u->res.diff_id, a->expected);
        return 0;
}

int storage_unpack_confine(const char *dir, struct eng_error **err)
{
        const uint64_t keep = ENG_SANDBOX_CAP(CAP_CHOWN) | ENG_SANDBOX_CAP(CAP_DAC_OVERRIDE) |
                              ENG_SANDBOX_CAP(CAP_DAC_READ_SEARCH) | ENG_SANDBOX_CAP(CAP_FOWNER) |
                              ENG_SANDBOX_CAP(CAP_FSETID) | ENG_SANDBOX_CAP(CAP_MKNOD) |
                              ENG_SANDBOX_CAP(CAP_SETFCAP);

        if (unshare(CLONE_NEWNS) < 0)
                return eng_err(err, ENG_E_SYS, errno, "unpacker: a mount namespace of its own");
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount(dir, dir, NULL, MS_BIND | MS_REC, NULL) < 0)
                return eng_err(err, ENG_E_SYS, errno, "unpacker: binding '%s'", dir);
        /* pivot_root(".", ".") and the detach leave only the layer's directory (runc) */
        if (chdir(dir) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
            umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
                return eng_err(err, ENG_E_SYS, errno, "unpacker: making '%s' its root", dir);
        if (eng_sandbox_caps(keep, err) < 0 ||
            eng_sandbox_seccomp(ENG_SANDBOX_NO_SPEC_MITIGATION | ENG_SANDBOX_NO_NETWORK, err) < 0)
                return eng_err_wrap(err, "unpacker: confining it");
        return 0;
}

int storage_unpack_run(const char *dir, int fd, int data_fd, const char *expected_diff_id,
                       struct eng_error **err)
{
        const struct unpack_args args = {
                .dir = dir, .fd = fd, .data_fd = data_fd, .expected = expected_diff_id
        };
        const struct unpack_args *a = &args;
        _cleanup_free_ char *diff = eng_xasprintf("%s/diff", a->dir);
        _cleanup_free_ char *result = eng_xasprintf("%s/unpack.json", a->dir);
        _cleanup_free_ char *json = NULL;
        struct unpacker u = { .root = -1, .cached_fd = -1 };
        json_t *j;
        int r;

        /* files are created with their final permission bits */
        umask(0);
        if (mkdir(diff, 0755) < 0)
                return eng_err(err, ENG_E_SYS, errno, "creating '%s'", diff);
        u.root = open(diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (u.root < 0)
                return eng_err(err, ENG_E_SYS, errno, "opening '%s'", diff);
        feed_init(&u.feed);
        r = unpack(&u, a, err);
        if (r == 0) {
                j = json_pack("{s:s, s:I, s:I, s:I, s:s?, s:I}", "diff_id", u.res.diff_id, "size",
                              (json_int_t) u.res.size, "entries", (json_int_t) u.res.entries,
                              "overflow", (json_int_t) u.res.overflow, "first_overflow",
                              u.res.first_overflow, "devices", (json_int_t) u.res.devices);
                json = json_dumps(j, JSON_COMPACT);
                json_decref(j);
                r = eng_write_file_atomic(result, json, strlen(json), 0600, err);
        }
        unpacker_release(&u);
        return r;
}
