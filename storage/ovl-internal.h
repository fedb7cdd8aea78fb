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

struct ovl_fs {
        bool no_opendir;          /* the kernel opens directories without asking us */
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

/* whiteouts */
bool ovl_is_whiteout(struct ovl_fs *fs, int layer, const char *path, const struct stat *st);
int ovl_whiteout_create(struct ovl_fs *fs, const char *path);
/* whether @path shows in any layer below 0 (an entry a removal must white out) */
bool ovl_in_lower(struct ovl_fs *fs, struct ovl_node *parent, const char *name);

/* copy-up: the node's path in the upper layer, made from what it shows now */
int ovl_copy_up(struct ovl_fs *fs, struct ovl_node *n);
int ovl_copy_up_tree(struct ovl_fs *fs, struct ovl_node *n);
/* the same without the data: for an open that truncates */
int ovl_copy_up_empty(struct ovl_fs *fs, struct ovl_node *n);
/* all of @in into @out, from offset 0 of both; @size: what @in holds, or -1 (read to its end) */
int ovl_copy_data(int in, int out, off_t size);

/* --- ovl-spare.c: inodes made ahead for copy-up */
void ovl_spare_init(struct ovl_fs *fs);
/* the thread stopped, what it made and nobody took removed */
void ovl_spare_release(struct ovl_fs *fs);
/* an unnamed file of the work directory, open for writing, of OVL_SPARE_FILE_MODE; -1 and errno */
int ovl_spare_file(struct ovl_fs *fs);
/* the name of a directory of the work directory, of OVL_SPARE_DIR_MODE; NULL and errno */
char *ovl_spare_dir(struct ovl_fs *fs);

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
