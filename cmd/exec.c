/* SPDX-License-Identifier: GPL-2.0-or-later */
/* eng exec: a process in a running container's namespaces, root and security. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "runtime/container.h"
#include "runtime/oci/oci.h"
#include "storage/container.h"

#include "common/banned.h"

struct exec_args {
        bool interactive;
        bool tty;
        bool detach;
        char **env;
        const char *user;
        const char *workdir;
};

static int exec_opt(int val, const char *arg, void *data, _unused_ struct eng_error **err)
{
        struct exec_args *a = data;

        switch (val) {
        case 'i':
                a->interactive = true;
                break;
        case 't':
                a->tty = true;
                break;
        case 'd':
                a->detach = true;
                break;
        case 'e':
                eng_strv_push(&a->env, arg);
                break;
        case 'u':
                a->user = arg;
                break;
        case 'w':
                a->workdir = arg;
                break;
        }
        return 0;
}

int cmd_exec(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        static const struct cmd_option opts[] = {
                { "interactive", no_argument, 'i' },
                { "tty", no_argument, 't' },
                { "detach", no_argument, 'd' },
                { "env", required_argument, 'e' },
                { "user", required_argument, 'u' },
                { "workdir", required_argument, 'w' },
                { 0 },
        };
        struct exec_args a = { 0 };
        struct cmd_store cs = CMD_STORE_INIT;
        _cleanup_json_ json_t *rec = NULL, *pj = NULL;
        _cleanup_free_ char *dir = NULL, *cache = NULL;
        struct oci_spec *spec = NULL;
        struct oci_process proc = { 0 };
        struct oci_exec_opts eo = { .console_socket = -1 };
        int first, r, master = -1, status = 0;
        pid_t pid;

        r = cmd_parse(cmd, argc, argv, opts, exec_opt, &a, &first, err);
        if (r != 0) {
                eng_strv_free(a.env);
                return r < 0 ? r : 0;
        }
        r = -1;
        if (first + 1 >= argc) {
                eng_err(err, ENG_E_USAGE, 0, "'eng exec' needs a container and a command");
                goto out;
        }
        if (cmd_store_open(&cs, false, err) < 0)
                goto out;
        rec = cmd_container_running(&cs, argv[first],
                                    "can only create exec sessions on running containers", err);
        if (!rec)
                goto out;
        dir = storage_container_dir(&cs.store, json_string_value(json_object_get(rec, "id")));
        spec = oci_spec_load(dir, err);
        if (!spec)
                goto out;
        pj = runtime_exec_process(&cs.store, rec, spec->json, argv + first + 1, a.env, a.workdir,
                                  a.user, a.tty, err);
        if (!pj)
                goto out;
        if (a.tty) {
                struct winsize ws;

                if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
                        json_object_set_new(
                                pj, "consoleSize",
                                json_pack("{s:i,s:i}", "height", ws.ws_row, "width", ws.ws_col));
        }
        if (oci_process_parse(pj, &proc, err) < 0)
                goto out;
        cache = eng_xasprintf("%s/seccomp", cs.paths.run_root);
        eo.process = &proc;
        eo.seccomp = spec->seccomp;
        eo.cgroups_path = spec->cgroups_path;
        eo.seccomp_cache = cache;
        eo.null_stdin = !a.interactive || a.detach;
        eo.ret_pty_master = &master;
        if (oci_exec((pid_t) json_integer_value(json_object_get(rec, "pid")), NULL, &eo, &pid,
                     err) < 0)
                goto out;
        if (a.detach) {
                /* -dt: a small holder of the pty master in a session of its own keeps
                 * the terminal alive, draining its output, until the process ends */
                if (master >= 0) {
                        pid_t h = fork();

                        if (h == 0) {
                                char buf[4096];

                                (void) setsid();
                                while (read(master, buf, sizeof(buf)) > 0)
                                        ;
                                _exit(0);
                        }
                }
                r = 0;
                goto out;
        }
        if (oci_foreground(pid, master, a.interactive, &status, err) < 0) {
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                goto out;
        }
        r = status;
out:
        if (master >= 0)
                close(master);
        oci_process_release(&proc);
        oci_spec_free(spec);
        eng_strv_free(a.env);
        cmd_store_close(&cs);
        return r;
}
