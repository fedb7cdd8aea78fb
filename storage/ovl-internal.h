/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_STORAGE_OVL_INTERNAL_H
#define ENG_STORAGE_OVL_INTERNAL_H

/*
 * eng-overlayfs inside: layers, the node table, and what the FUSE
 * operations share.  Paths are relative to each layer's directory fd
 * ("." for the root) and every file system call is an *at() call on
 * them, so nothing outside the layers can be reached.
 *
 * Layer 0 is the upper directory; 1..n the lower ones, top first.  A node
 * is a path of the merged tree the kernel holds a reference to; it says in
 * which layer the path is found now, and its inode number, which does not
 * change for the life of the mount (a copied-up entry keeps its origin's,
 * recorded in an extended attribute of the copy).
 */

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "storage/ovl.h"

/* extended attributes of the store's layers (DESIGN.md) and ours */
#define OVL_XATTR_OPAQUE   "user.overlay.opaque"
#define OVL_XATTR_OVERRIDE "user.containers.override_stat"
#define OVL_XATTR_ORIGIN   "user.eng.overlay.origin" /* "ino" of the copied-up file's origin */
#define OVL_WH_PREFIX      ".wh."
#define OVL_WH_OPAQUE      ".wh..wh..opq"

struct ovl_dir;

struct ovl_layer {
        int fd;
        char *path;
        dev_t dev;
};

struct ovl_node {
        struct ovl_node *parent;
        struct ovl_node *hnext; /* in the path hash */
        char *name;
        char *path;
        size_t hash;
        int layer;               /* where the path is found now (0: upper) */
        int last_layer;          /* directories: the lowest layer merged (opaque stops) */
        mode_t type;             /* S_IFMT */
        ino_t ino;               /* what stat says, for the life of the mount */
        uint64_t lookups;        /* the kernel's references */
        bool gone;               /* unlinked: kept until forgotten */
        int gone_fd;             /* unlinked: an O_PATH descriptor of the file, or -1 */
        struct ovl_dir *listing; /* directories: the merged listing being read */
        struct stat *lower_st;   /* directories of a lower layer: their stat, as presented */
};

/* inodes made ahead for copy-up (ovl-spare.c) */
#define OVL_SPARE_FILES     16
#define OVL_SPARE_DIRS      8
#define OVL_SPARE_FILE_MODE 0644
#define OVL_SPARE_DIR_MODE  0755

struct ovl_spares {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        pthread_t thread;
        bool started, stop;
        bool no_thread; /* it could not be started */
        bool no_files;  /* no O_TMPFILE on the upper file system */
        bool paused;    /* making one failed: until the next copy-up */
        int files[OVL_SPARE_FILES];
        int nfiles, want_files;     /* made; to keep: as many as were taken, up to the array */
        char *dirs[OVL_SPARE_DIRS]; /* "tmp.s.N" of the work directory */
        int ndirs, want_dirs;
        uint64_t counter;
};

/* data copied up after the write that asked for it (ovl-fill.c) */
#define OVL_FILL_MIN   (32 << 20) /* files smaller are copied at once */
#define OVL_FILL_CHUNK (8 << 20)  /* copied between two looks at what else goes on */

struct ovl_fill;

struct ovl_fills {
        pthread_mutex_t lock;
        pthread_cond_t cond; /* work for the thread */
        pthread_t thread;
        bool started, stop, no_thread;
        struct ovl_fill *list; /* not finished, oldest first */
        int active;            /* in the list; read without the lock */
        int waiting;           /* callers waiting for a fill (atomic) */
        uint64_t counter;
        int dirfd; /* WORK/fill: the fills' marks, -1: none */
};

struct ovl_fs {
        struct fuse_session *se;  /* for notifications to the kernel */
        bool no_opendir;          /* the kernel opens directories without asking us */
        bool read_only;           /* no upper directory: layer 0 is the top lower one */
        struct ovl_layer *layers; /* [0] upper */
        int nlayers;
        int workfd;
        char *workpath;
        struct ovl_idmap uid_map, gid_map;
        bool squash_to_root;
        long squash_uid, squash_gid; /* -1: none */
        bool debug;
        double timeout; /* entry and attribute cache, seconds */
        pthread_mutex_t lock;
        struct ovl_node *root;
        struct ovl_node **table;
        size_t table_size, nnodes;
        uint64_t tmp_counter;
        /* linkat(AT_EMPTY_PATH) refused (Linux before 6.10): link copies through /proc */
        bool no_flink;
        struct ovl_spares spares;
        struct ovl_fills fills;
        cpu_set_t cpus; /* where the daemon may run: its threads' CPUs; none: any */
};

/* --- ovl-node.c */
struct ovl_node *ovl_node_get(struct ovl_fs *fs, uint64_t nodeid);
uint64_t ovl_node_id(struct ovl_node *n);
char *ovl_child_path(const struct ovl_node *parent, const char *name);
/* lookup of @name in @parent: the node (its lookup count taken), or NULL and -errno */
struct ovl_node *ovl_lookup(struct ovl_fs *fs, struct ovl_node *parent, const char *name,
                            struct stat *st, int *ret_err);
void ovl_forget(struct ovl_fs *fs, struct ovl_node *n, uint64_t count);
/* stat of @n as the mount presents it (ids mapped, override, stable ino) */
int ovl_stat(struct ovl_fs *fs, struct ovl_node *n, struct stat *st);
void ovl_present(struct ovl_fs *fs, int layer, const char *path, int fd, ino_t ino,
                 struct stat *st);
/* the node table after a rename of @n to @path (children follow) */
void ovl_node_move(struct ovl_fs *fs, struct ovl_node *n, struct ovl_node *parent,
                   const char *name);
struct ovl_node *ovl_node_find(struct ovl_fs *fs, const char *path);
/* an entry removed: the node leaves the table, and memory once forgotten */
void ovl_node_unlink(struct ovl_fs *fs, struct ovl_node *n);
/* before its last name goes: a descriptor that keeps the file for fstat of an open file */
void ovl_node_keep_open(struct ovl_fs *fs, struct ovl_node *n);

/* whiteouts */
bool ovl_is_whiteout(struct ovl_fs *fs, int layer, const char *path, const struct stat *st);
int ovl_whiteout_create(struct ovl_fs *fs, const char *path);
/* whether @path shows in any layer below 0 (an entry a removal must white out) */
bool ovl_in_lower(struct ovl_fs *fs, struct ovl_node *parent, const char *name);

/* copy-up: the node's path in the upper layer, made from what it shows now */
int ovl_copy_up(struct ovl_fs *fs, struct ovl_node *n);
/* the same, for a write at @off: past the end of a big file, the data follows later */
int ovl_copy_up_for_write(struct ovl_fs *fs, struct ovl_node *n, off_t off);
/* linkat() of the unnamed or named file @fd as @dirfd/@name */
int ovl_link_fd(struct ovl_fs *fs, int fd, int dirfd, const char *name);
int ovl_copy_up_tree(struct ovl_fs *fs, struct ovl_node *n);
/* the same without the data: for an open that truncates */
int ovl_copy_up_empty(struct ovl_fs *fs, struct ovl_node *n);
/* all of @in into @out, from offset 0 of both; @size: what @in holds, or -1 (read to its end) */
int ovl_copy_data(int in, int out, off_t size);

/* --- ovl-loop.c: the kernel's requests read and answered until the mount ends;
 * 0, or the -errno that ended it */
struct fuse_session;
int ovl_loop(struct ovl_fs *fs, struct fuse_session *se);
/* a thread of the daemon's, on @cpu (-1: on fs->cpus); it takes no signal (they
 * are the main thread's).  0 or -errno */
int ovl_thread_start(struct ovl_fs *fs, pthread_t *ret_thread, void *(*fn)(void *), void *arg,
                     int cpu);

/* --- ovl-spare.c: inodes made ahead for copy-up */
void ovl_spare_init(struct ovl_fs *fs);
/* the thread stopped, what it made and nobody took removed */
void ovl_spare_release(struct ovl_fs *fs);
/* an unnamed file of the work directory, open for writing, of OVL_SPARE_FILE_MODE; -1 and errno */
int ovl_spare_file(struct ovl_fs *fs);
/* the name of a directory of the work directory, of OVL_SPARE_DIR_MODE; NULL and errno */
char *ovl_spare_dir(struct ovl_fs *fs);

/*
 * --- ovl-fill.c: the data of a big file copied up after the write past its
 * end that asked for it.  Until its fill is finished the upper file reads
 * from the lower one where it is not copied yet, and whatever would change
 * or look at the copied range waits for the fill.
 */
/* the fills' state, empty (before anything can fail) */
void ovl_fill_prepare(struct ovl_fs *fs);
/* WORK/fill made and opened; fills a daemon before left unfinished taken up */
int ovl_fill_init(struct ovl_fs *fs);
/* their copying started (after the daemon's fork: a thread does not cross it) */
void ovl_fill_resume(struct ovl_fs *fs);
/* every fill finished (or left marked for the next mount), the thread stopped */
void ovl_fill_release(struct ovl_fs *fs);
/* the upper file @out of @size bytes is to get the data of @in (lower layer @layer's
 * @path) later: marked in the work directory and queued; NULL and -errno in *ret_err
 * when it cannot be (the caller copies the data itself) */
struct ovl_fill *ovl_fill_begin(struct ovl_fs *fs, int in, int layer, const char *path,
                                const struct stat *lst, int out, int *ret_err);
/* a fill begun waits for the write that asked for it: let the fill of the upper file
 * open as @fd go (-1: all of them) */
void ovl_fill_start(struct ovl_fs *fs, int fd);
/* a fill begun for a copy that then failed: its marks removed */
void ovl_fill_cancel(struct ovl_fs *fs, struct ovl_fill *fl);
/* whether any fill is going on (no lock: a fill begins under fs->lock) */
static inline bool ovl_fill_any(struct ovl_fs *fs)
{
        return __atomic_load_n(&fs->fills.active, __ATOMIC_ACQUIRE) > 0;
}
/* the unfinished fill of the upper inode @dev/@ino, referenced; NULL: none */
struct ovl_fill *ovl_fill_find(struct ovl_fs *fs, dev_t dev, ino_t ino);
/* the same for the file open as @fd, or at @path of the upper layer (@fd < 0) */
struct ovl_fill *ovl_fill_find_file(struct ovl_fs *fs, int fd, const char *path);
void ovl_fill_put(struct ovl_fs *fs, struct ovl_fill *fl);
/* until @fl is finished: 0, or the -errno it stopped on (after another try) */
int ovl_fill_wait(struct ovl_fs *fs, struct ovl_fill *fl);
/* wait for the fill of the file at @fd or @path, if there is one */
int ovl_fill_wait_file(struct ovl_fs *fs, int fd, const char *path);
/* the size the fill copies (what lies past it is the upper file's own) */
off_t ovl_fill_size(const struct ovl_fill *fl);
/* a write past the fill's size, with the fill held so no copy runs meanwhile */
void ovl_fill_hold(struct ovl_fill *fl);
void ovl_fill_unhold(struct ovl_fill *fl, bool wrote);
/* @size bytes at @off of the file being filled, open as @fd: a heap buffer and its length */
int ovl_fill_read(struct ovl_fill *fl, int fd, size_t size, off_t off, char **ret_buf,
                  size_t *ret_len);
/* stat of an upper file: its mtime as it will be, not the copy's */
void ovl_fill_present(struct ovl_fs *fs, struct stat *st);

/* ids: a caller's id, as stored in the layers */
uid_t ovl_uid_to_layer(struct ovl_fs *fs, uid_t uid);
gid_t ovl_gid_to_layer(struct ovl_fs *fs, gid_t gid);

/* --- ovl-dir.c */
struct ovl_dirent {
        char *name;
        ino_t ino;
        mode_t type;
};

struct ovl_dir {
        struct ovl_dirent *ents;
        size_t n;
};

int ovl_dir_read(struct ovl_fs *fs, struct ovl_node *n, struct ovl_dir *d);
/* the directory @n changed (an entry made, removed or renamed): its listing goes */
void ovl_dir_changed(struct ovl_node *n);
void ovl_dir_release(struct ovl_dir *d);
/* -ENOTEMPTY when the merged directory @n has entries */
int ovl_dir_check_empty(struct ovl_fs *fs, struct ovl_node *n);

#endif
