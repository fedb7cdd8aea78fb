/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "runtime/monitor.h"

#include "common/banned.h"

/* The last message the runtime logged, or NULL. */
static char *runtime_message(const char *log)
{
        _cleanup_free_ char *data = NULL;
        _cleanup_strv_ char **lines = NULL;
        struct eng_error *e = NULL;
        char *msg = NULL;

        if (eng_read_file(log, 1 << 20, &data, NULL, &e) < 0) {
                eng_err_free(e);
                return NULL;
        }
        lines = eng_strv_split(data, "\n");
        ENG_STRV_FOREACH(l, lines) {
                json_t *j = json_loads(*l, 0, NULL);
                const char *m = json_string_value(json_object_get(j, "msg"));

                if (m) {
                        free(msg);
                        msg = eng_xstrdup(m);
                }
                json_decref(j);
        }
        return msg;
}

/*
 * The runtime's message ends with ": " and the text of its errno; cut it off
 * and return that errno (ours adds the text again), else @fallback.
 */
static int split_errno(char *msg, int fallback)
{
        static const int candidates[] = {
                ENOENT, EACCES, ENOEXEC, ETXTBSY, EPERM, EISDIR, ENOTDIR
        };
        size_t ml = strlen(msg);

        for (size_t i = 0; i < ELEMENTSOF(candidates); i++) {
                const char *t = strerror(candidates[i]);
                size_t tl = strlen(t);

                if (ml > tl + 2 && strcmp(msg + ml - tl, t) == 0 && msg[ml - tl - 2] == ':') {
                        msg[ml - tl - 2] = '\0';
                        return candidates[i];
                }
        }
        return fallback;
}

int runtime_monitor_start(const struct runtime_monitor_opts *o, pid_t *ret_monitor, pid_t *ret_pid,
                          struct eng_error **err)
{
        _cleanup_strv_ char **argv = NULL;
        _cleanup_free_ char *reply = NULL;
        int p[2], status = 0;
        pid_t mon;
        size_t n;

        if (pipe2(p, O_CLOEXEC) < 0)
                return eng_err(err, ENG_E_SYS, errno, "making a pipe for the monitor");
        eng_strv_push(&argv, o->monitor);
        eng_strv_consume(&argv, eng_xasprintf("%d", p[1]));
        eng_strv_push(&argv, o->log);
        eng_strv_push(&argv, o->exit_file);
        eng_strv_push(&argv, o->pid_file);
        eng_strv_push(&argv, o->console ? "16" : "14");
        eng_strv_push(&argv, o->runtime);
        eng_strv_push(&argv, "--root");
        eng_strv_push(&argv, o->runtime_root);
        eng_strv_push(&argv, "--log");
        eng_strv_push(&argv, o->runtime_log);
        /* runtime_message() reads its "msg" */
        eng_strv_push(&argv, "--log-format");
        eng_strv_push(&argv, "json");
        eng_strv_push(&argv, "run");
        if (o->console) {
                eng_strv_push(&argv, "--console-socket");
                eng_strv_push(&argv, o->console);
        }
        eng_strv_push(&argv, "-d");
        eng_strv_push(&argv, "--bundle");
        eng_strv_push(&argv, o->bundle);
        eng_strv_push(&argv, "--pid-file");
        eng_strv_push(&argv, o->pid_file);
        eng_strv_push(&argv, o->id);
        for (char *const *c = o->cleanup; c && *c; c++)
                eng_strv_push(&argv, *c);
        (void) unlink(o->runtime_log);

        mon = fork();
        if (mon < 0) {
                close(p[0]);
                close(p[1]);
                return eng_err(err, ENG_E_SYS, errno, "starting the monitor");
        }
        if (mon == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);

                /* its own session: no terminal of ours, no signal of our group */
                (void) setsid();
                if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
                        _exit(125);
                (void) fcntl(p[1], F_SETFD, 0);
                if (o->attach)
                        (void) setenv("ENG_MONITOR_ATTACH", o->attach, 1);
                if (o->console)
                        (void) setenv("ENG_MONITOR_CONSOLE", o->console, 1);
                if (o->stdin)
                        (void) setenv("ENG_MONITOR_STDIN", "1", 1);
                execv(argv[0], argv);
                _exit(127);
        }
        close(p[1]);
        {
                struct eng_error *e = NULL;
                size_t len;

                int r = eng_read_file_fd(p[0], "the monitor's answer", 256, &reply, &len, err);

                (void) e;
                if (r < 0) {
                        close(p[0]);
                        return eng_err_wrap(err, "starting the monitor");
                }
        }
        close(p[0]);
        if (sscanf(reply, "ok %d", &status) == 1 && status > 0) {
                *ret_monitor = mon;
                *ret_pid = (pid_t) status;
                return 0;
        }
        n = (size_t) sscanf(reply, "error %d", &status);
        {
                _cleanup_free_ char *msg = runtime_message(o->runtime_log);

                if (n == 1 && (status == 126 || status == 127)) {
                        int errnum = status == 127 ? ENOENT : EACCES;

                        if (msg)
                                errnum = split_errno(msg, errnum);
                        return eng_err(err, ENG_E_EXEC, errnum, "%s",
                                       msg ? msg : "the command could not be executed");
                }
                if (msg)
                        return eng_err(err, ENG_E_SYS, 0, "%s", msg);
                return eng_err(err, ENG_E_SYS, 0, "the monitor could not start the container (%s)",
                               *reply ? reply : "it died");
        }
}
