/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_COMMON_CLEANUP_H
#define ENG_COMMON_CLEANUP_H

/*
 * Scope-bound cleanup, after systemd's _cleanup_ and crun's cleanup_*.
 * Declare and initialise these at the top of their block: a goto past one
 * would run the cleanup on garbage.  Hand ownership on with TAKE_PTR() and
 * TAKE_FD():
 *
 *	_cleanup_free_ char *p = eng_xstrdup(s);
 *	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
 *	...
 *	*ret_p = TAKE_PTR(p);
 */

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.h"
#include "common/strv.h"

#define _cleanup_(f)  __attribute__((cleanup(f)))
#define _unused_      __attribute__((unused))
#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* ENG_DEFINE_CLEANUP(type, fn): makes fn##p(type *), calling fn on a non-NULL value */
#define ENG_DEFINE_CLEANUP(type, fn)      \
        static inline void fn##p(type *p) \
        {                                 \
                if (*p)                   \
                        fn(*p);           \
        }

/* Take a pointer (or fd) out of a cleanup variable, leaving NULL (or -1). */
#define TAKE_PTR(p)                  \
        ({                           \
                typeof(p) _tp = (p); \
                (p) = NULL;          \
                _tp;                 \
        })
#define TAKE_FD(fd)             \
        ({                      \
                int _tf = (fd); \
                (fd) = -1;      \
                _tf;            \
        })
#define TAKE_PID(pid)               \
        ({                          \
                pid_t _tp_ = (pid); \
                (pid) = -1;         \
                _tp_;               \
        })

static inline void eng_freep(void *p)
{
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(eng_freep)

/* close() keeping errno, for cleanup paths that report an earlier errno. */
static inline int eng_close_safe(int fd)
{
        if (fd >= 0) {
                int saved = errno;
                (void) close(fd);
                errno = saved;
        }
        return -1;
}
static inline void eng_closep(int *fd)
{
        eng_close_safe(*fd);
}
#define _cleanup_close_ _cleanup_(eng_closep)

static inline void eng_fclosep(FILE **f)
{
        if (*f)
                (void) fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(eng_fclosep)

/*
 * A child of ours: killed and reaped when the block is left, however that
 * is, unless it was reaped (set it to -1) or handed on with TAKE_PID().
 */
static inline void eng_pid_killp(pid_t *pid)
{
        if (*pid > 0) {
                int saved = errno;

                (void) kill(*pid, SIGKILL);
                (void) waitpid(*pid, NULL, 0);
                errno = saved;
        }
}
#define _cleanup_kill_ _cleanup_(eng_pid_killp)

static inline void eng_closedirp(DIR **d)
{
        if (*d)
                (void) closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(eng_closedirp)

static inline void eng_errp(struct eng_error **e)
{
        *e = eng_err_free(*e);
}
#define _cleanup_err_ _cleanup_(eng_errp)

/* NULL-terminated string vectors (common/strv.h) */
static inline void eng_strv_freep(char ***v)
{
        eng_strv_free(*v);
}
#define _cleanup_strv_ _cleanup_(eng_strv_freep)

/*
 * Library handles.  These are declared here without their libraries'
 * headers: a file that uses one includes the library header itself.
 */
#define _cleanup_json_       _cleanup_(eng_json_decrefp)
#define _cleanup_archive_    _cleanup_(eng_archive_freep)
#define _cleanup_curl_       _cleanup_(eng_curl_cleanupp)
#define _cleanup_evp_md_ctx_ _cleanup_(eng_evp_md_ctx_freep)

#ifdef JANSSON_H
static inline void eng_json_decrefp(json_t **j)
{
        json_decref(*j);
}
#endif
#ifdef ARCHIVE_H_INCLUDED
static inline void eng_archive_freep(struct archive **a)
{
        if (*a)
                archive_free(*a);
}
#endif
#ifdef CURLINC_CURL_H
static inline void eng_curl_cleanupp(CURL **c)
{
        if (*c)
                curl_easy_cleanup(*c);
}
#endif

#endif
