/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_RUNTIME_MONITOR_H
#define ENG_RUNTIME_MONITOR_H

/*
 * The monitor of a detached container (eng-monitor, like conmon): started in
 * a session of its own, it runs `eng-runtime run -d` so the container becomes
 * its child, logs the container's output, writes its exit status and runs
 * the cleanup command when it ends.  docs/internals/runtime.md has the
 * protocol.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"

struct runtime_monitor_opts {
        const char *monitor;      /* eng-monitor */
        const char *runtime;      /* eng-runtime */
        const char *runtime_root; /* its --root */
        const char *bundle;       /* the container's directory (config.json) */
        const char *id;
        const char *log;         /* the container's log (k8s-file) */
        const char *exit_file;   /* "STATUS\nTIME\n" when it ended */
        const char *pid_file;    /* the container's pid, from the runtime */
        const char *runtime_log; /* the runtime's errors, one JSON object a line */
        char *const *cleanup;    /* run when the container ended; NULL for none */
        const char *attach;      /* the socket `eng attach` connects to, or NULL */
        const char *console;     /* with a terminal: where the runtime sends the pty */
        bool stdin;              /* keep the container's stdin open for attach (-i) */
};

/**
 * runtime_monitor_start() - start the monitor and, through it, the container
 * @ret_monitor: the monitor's pid
 * @ret_pid: the container process's pid
 *
 * Returns once the container's command runs.  A command that cannot run is
 * ENG_E_EXEC (errnum ENOENT for a missing one), with the runtime's message.
 */
int runtime_monitor_start(const struct runtime_monitor_opts *o, pid_t *ret_monitor, pid_t *ret_pid,
                          struct eng_error **err);

#endif
