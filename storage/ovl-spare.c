/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * eng-overlayfs: inodes made ahead for copy-up.  Making an inode is the
 * dearest part of copying a small file up (the file system allocates it,
 * journals it and, for an unnamed file, puts it on its orphan list): a
 * thread of its own makes unnamed files and directories in the work
 * directory while the copy-ups before them run, so a copy-up takes one
 * ready-made and only gives it its mode, owner, data and name.
 *
 * The thread starts at the first copy-up (a mount that copies nothing up
 * makes nothing) and keeps as many of each as copy-ups took so far, up to
 * a few: a container that copies up three directories makes three more.
 * Unnamed files go with their descriptors when the daemon ends; the
 * directories are "tmp.s.N" of the work directory, removed at the end, or
 * by the next mount if we died.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "storage/ovl-internal.h"

#include "common/banned.h"

static int make_file(struct ovl_fs *fs)
{
        return openat(fs->workfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, OVL_SPARE_FILE_MODE);
}

static char *make_dir(struct ovl_fs *fs, uint64_t n)
{
        char *name = eng_xasprintf("tmp.s.%" PRIu64, n);

        if (mkdirat(fs->workfd, name, OVL_SPARE_DIR_MODE) < 0) {
                free(name);
                return NULL;
        }
        return name;
}

static void *spare_thread(void *data)
{
        struct ovl_fs *fs = data;
        struct ovl_spares *s = &fs->spares;

        pthread_mutex_lock(&s->lock);
        while (!s->stop) {
                if (s->nfiles < s->want_files && !s->no_files && !s->paused) {
                        int fd, e;

                        pthread_mutex_unlock(&s->lock);
                        fd = make_file(fs);
                        e = errno;
                        pthread_mutex_lock(&s->lock);
                        /* no O_TMPFILE here: copy-up names its own files */
                        if (fd < 0 && (e == EOPNOTSUPP || e == EISDIR || e == EINVAL))
                                s->no_files = true;
                        else if (fd < 0)
                                s->paused = true; /* (a full disk, say) until the next copy-up */
                        else if (s->nfiles < OVL_SPARE_FILES)
                                s->files[s->nfiles++] = fd;
                        else
                                close(fd);
                } else if (s->ndirs < s->want_dirs && !s->paused) {
                        uint64_t n = ++s->counter;
                        char *name;

                        pthread_mutex_unlock(&s->lock);
                        name = make_dir(fs, n);
                        pthread_mutex_lock(&s->lock);
                        if (!name)
                                s->paused = true;
                        else if (s->ndirs < OVL_SPARE_DIRS)
                                s->dirs[s->ndirs++] = name;
                        else {
                                (void) unlinkat(fs->workfd, name, AT_REMOVEDIR);
                                free(name);
                        }
                } else
                        pthread_cond_wait(&s->cond, &s->lock);
        }
        pthread_mutex_unlock(&s->lock);
        return NULL;
}

void ovl_spare_init(struct ovl_fs *fs)
{
        struct ovl_spares *s = &fs->spares;

        memset(s, 0, sizeof(*s));
        pthread_mutex_init(&s->lock, NULL);
        pthread_cond_init(&s->cond, NULL);
}

/* the thread, at the first call; and a word to it that one was taken */
static void spare_wake(struct ovl_fs *fs)
{
        struct ovl_spares *s = &fs->spares;

        s->paused = false;
        if (!s->started && !s->stop && !s->no_thread) {
                s->started = ovl_thread_start(fs, &s->thread, spare_thread, fs, -1) == 0;
                s->no_thread = !s->started; /* copy-ups make their own */
        }
        pthread_cond_signal(&s->cond);
}

int ovl_spare_file(struct ovl_fs *fs)
{
        struct ovl_spares *s = &fs->spares;
        int fd = -1;

        pthread_mutex_lock(&s->lock);
        if (s->nfiles > 0)
                fd = s->files[--s->nfiles];
        if (s->want_files < OVL_SPARE_FILES)
                s->want_files++;
        spare_wake(fs);
        pthread_mutex_unlock(&s->lock);
        if (fd >= 0)
                return fd;
        return make_file(fs);
}

char *ovl_spare_dir(struct ovl_fs *fs)
{
        struct ovl_spares *s = &fs->spares;
        char *name = NULL;
        uint64_t n = 0;

        pthread_mutex_lock(&s->lock);
        if (s->ndirs > 0)
                name = s->dirs[--s->ndirs];
        else
                n = ++s->counter; /* none ready: made here, under a name of its own */
        if (s->want_dirs < OVL_SPARE_DIRS)
                s->want_dirs++;
        spare_wake(fs);
        pthread_mutex_unlock(&s->lock);
        return name ? name : make_dir(fs, n);
}

void ovl_spare_release(struct ovl_fs *fs)
{
        struct ovl_spares *s = &fs->spares;

        pthread_mutex_lock(&s->lock);
        s->stop = true;
        pthread_cond_signal(&s->cond);
        pthread_mutex_unlock(&s->lock);
        if (s->started)
                pthread_join(s->thread, NULL);
        for (int i = 0; i < s->nfiles; i++)
                close(s->files[i]);
        for (int i = 0; i < s->ndirs; i++) {
                (void) unlinkat(fs->workfd, s->dirs[i], AT_REMOVEDIR);
                free(s->dirs[i]);
        }
        s->nfiles = s->ndirs = 0;
        pthread_cond_destroy(&s->cond);
        pthread_mutex_destroy(&s->lock);
}
