/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/userns.h"

#include "common/banned.h"

struct unshare_args {
        char **argv;
};

static int exec_child(void *arg, struct eng_error **err)
{
        struct unshare_args *a = arg;

        execvp(a->argv[0], a->argv);
        return eng_err(err, ENG_E_EXEC, errno, "running '%s'", a->argv[0]);
}

int cmd_unshare(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        static char default_shell[] = "/bin/sh";
        char *shell_argv[] = { NULL, NULL };
        struct eng_idmap map = { 0 };
        struct eng_userns_child child;
        struct unshare_args a;
        int first, r, status = 0;

        r = cmd_parse(cmd, argc, argv, NULL, NULL, NULL, &first, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (first < argc) {
                a.argv = argv + first;
        } else {
                shell_argv[0] = getenv("SHELL") ? getenv("SHELL") : default_shell;
                a.argv = shell_argv;
        }
        if (eng_idmap_for_user(&map, err) < 0)
                return -1;
        r = eng_userns_spawn(&map, CLONE_NEWNS, exec_child, &a, NULL, 0, &child, err);
        eng_idmap_release(&map);
        if (r < 0)
                return -1;
        if (eng_userns_wait_status(&child, &status, err) < 0)
                return -1;
        return status;
}
