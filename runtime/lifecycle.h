/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_RUNTIME_LIFECYCLE_H
#define ENG_RUNTIME_LIFECYCLE_H

/*
 * A container's life after it is made: start (in the foreground or through
 * its monitor), stop, kill, remove, and what happens when it ends (the
 * monitor's cleanup, with the restart policy).  Here the record's state
 * changes: created -> running -> exited, and back to running on a start.
 *
 * The rule every change follows: take the container's lock
 * (runtime_container_lock()), then work on the record as it is on disk
 * after the lock, never on one read before it.
 */

#include <stdbool.h>

#include "common/error.h"
#include "common/paths.h"
#include "storage/container.h"
#include "storage/store.h"

/* What the lifecycle works in: the user's store and paths. */
struct runtime_ctx {
        struct storage_store *store;
        const struct eng_paths *paths; /* graph_root, run_root */
};

/**
 * runtime_container_refresh() - make @c's state true now: a running
 * container whose process is gone (its pid dead, or another process's: the
 * start time is compared) becomes exited with the status and time its
 * monitor wrote, or exit code -1 and an error when nobody saw it end; a
 * created one whose monitor did start it (eng was killed between the two)
 * becomes running.  Only @c changes.  Return: whether it changed.
 */
bool runtime_container_refresh(struct storage_store *s, struct storage_container *c);

/**
 * runtime_container_get() - the record of the container @name (a name, an
 * id or its prefix), refreshed.  ENG_E_NOTFOUND, ENG_E_USAGE (ambiguous) or
 * ENG_E_INVALID (damaged).
 */
int runtime_container_get(struct storage_store *s, const char *name, struct storage_container *ret,
                          struct eng_error **err);

/**
 * runtime_container_list() - every record that decodes, refreshed, as JSON
 * (storage_container_encode()) for printing (a new array)
 */
json_t *runtime_container_list(struct storage_store *s, struct eng_error **err);

/**
 * runtime_container_lock() - the lock of @c's container, and @c read again
 * under it (refreshed).  Return: the fd to close to unlock, or negative
 * (ENG_E_NOTFOUND when it was removed meanwhile).
 */
int runtime_container_lock(const struct runtime_ctx *ctx, struct storage_container *c,
                           struct eng_error **err);

struct runtime_start_opts {
        bool detach;      /* through a new monitor; else eng is the parent */
        bool interactive; /* stdin stays open (foreground) */
};

/**
 * runtime_container_start() - start @c (its config.json written; lock held
 * by the caller for a container that existed before).  In the foreground
 * it returns when the container ends.  After it, the record says how it
 * ended or why it did not start; --rm removes it instead.
 * Return: the foreground exit status, or 0 when detached; negative with
 * *err (ENG_E_EXEC when the command could not be executed).
 */
int runtime_container_start(const struct runtime_ctx *ctx, struct storage_container *c,
                            const struct runtime_start_opts *o, struct eng_error **err);

/**
 * runtime_container_stop() - stop the running @c: its stop signal, then
 * KILL after @timeout seconds; the restart policy does not bring it back.
 * Nothing for a container that is not running.  @c is refreshed.
 */
int runtime_container_stop(const struct runtime_ctx *ctx, struct storage_container *c, long timeout,
                           struct eng_error **err);

/** runtime_container_kill() - signal @sig to the running @c; ENG_E_USAGE if not running */
int runtime_container_kill(const struct runtime_ctx *ctx, const struct storage_container *c,
                           int sig, struct eng_error **err);

/**
 * runtime_container_restart() - stop @c if it runs (within @timeout), then
 * start it through a new monitor; the caller holds the lock
 */
int runtime_container_restart(const struct runtime_ctx *ctx, struct storage_container *c,
                              long timeout, struct eng_error **err);

/**
 * runtime_container_remove() - remove @c and its files, runtime state and
 * cgroup; the caller holds the lock.  A running one is stopped first with
 * @force (KILL after @timeout seconds), else refused: ENG_E_USAGE with
 * errnum EBUSY.
 */
int runtime_container_remove(const struct runtime_ctx *ctx, struct storage_container *c, bool force,
                             long timeout, struct eng_error **err);

/**
 * runtime_container_remove_damaged() - remove the container @name whose
 * record is damaged (its directory's name is or starts with @name);
 * @ret_id is its directory's name (heap)
 */
int runtime_container_remove_damaged(const struct runtime_ctx *ctx, const char *name, char **ret_id,
                                     struct eng_error **err);

/**
 * runtime_container_should_restart() - whether the restart policy starts
 * the exited @c again: always and unless-stopped do, on-failure after a
 * non-zero exit up to its maximum; none after `eng stop`
 */
bool runtime_container_should_restart(const struct storage_container *c);

/**
 * runtime_container_cleanup() - what the monitor runs when the container
 * @id ended: its cgroup goes, then the restart policy starts it again, or
 * --rm removes it, or the record says how it ended.  Nothing when it was
 * removed or started again meanwhile.
 */
int runtime_container_cleanup(const struct runtime_ctx *ctx, const char *id,
                              struct eng_error **err);

struct runtime_exec_opts {
        char **argv;         /* the command */
        char **env;          /* -e: "K=V", or "K" to take ours */
        const char *workdir; /* NULL: the container's */
        const char *user;    /* NULL: the container's */
        bool tty;            /* a terminal, sized as ours */
        bool interactive;    /* stdin forwarded */
        bool detach;         /* return once it runs */
};

/**
 * runtime_container_exec() - run a process in the running @c: its
 * namespaces, root, security and cgroup, with @o's changes
 * Return: its exit status (0 when detached), or negative with *err.
 */
int runtime_container_exec(const struct runtime_ctx *ctx, const struct storage_container *c,
                           const struct runtime_exec_opts *o, struct eng_error **err);

/** runtime_container_wait() - wait for @c to stop running; its exit code */
int runtime_container_wait(const struct runtime_ctx *ctx, struct storage_container *c);

#endif
