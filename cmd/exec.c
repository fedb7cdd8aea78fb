/* SPDX-License-Identifier: GPL-2.0-or-later */
/* eng exec: a process in a running container's namespaces, root and security. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/strv.h"
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
                { "interactive", no_argument, 'i', NULL, "keep stdin open" },
                { "tty", no_argument, 't', NULL, "a terminal" },
                { "detach", no_argument, 'd', NULL, "do not wait for it" },
                { "env", required_argument, 'e', "KEY[=VALUE]", "add to the environment" },
                { "user", required_argument, 'u', "USER[:GROUP]",
                  "another user (from the container's passwd)" },
                { "workdir", required_argument, 'w', "DIR", "working directory" },
                { 0 },
        };
        struct exec_args a = { 0 };
        struct cmd_store cs = CMD_STORE_INIT;
        _cleanup_(storage_container_release) struct storage_container c = { 0 };
        int first, r;

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
        if (cmd_store_open(&cs, false, err) < 0 ||
            runtime_container_get(&cs.store, argv[first], &c, err) < 0)
                goto out;
        if (c.state != STORAGE_CONTAINER_RUNNING) {
                eng_err(err, ENG_E_USAGE, 0,
                        "can only create exec sessions on running containers: container state improper");
                goto out;
        }
        {
                const struct runtime_exec_opts eo = {
                        .argv = argv + first + 1,
                        .env = a.env,
                        .workdir = a.workdir,
                        .user = a.user,
                        .tty = a.tty,
                        .interactive = a.interactive,
                        .detach = a.detach,
                };

                r = runtime_container_exec(&cs.rt, &c, &eo, err);
        }
out:
        eng_strv_free(a.env);
        cmd_store_close(&cs);
        return r;
}
