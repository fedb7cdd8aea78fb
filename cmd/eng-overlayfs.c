/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * eng-overlayfs: the FUSE overlay, with fuse-overlayfs' command line, so
 * that podman's mount_program (or a user) can take it in its place.
 *
 *	eng-overlayfs [-f] [-d] -o lowerdir=L1:L2,upperdir=U,workdir=W[,OPT...] [SOURCE] MOUNTPOINT
 *
 * With --hook it is an OCI createRuntime hook (the container's state on
 * stdin): the mount is made in the container's user and mount namespaces,
 * before its root is set up, and lasts as long as the container.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "storage/ovl.h"

#include "common/banned.h"

static void usage(FILE *f)
{
        fprintf(f,
                "usage: eng-overlayfs [-f] [-d] -o lowerdir=DIR[:DIR...],upperdir=DIR,workdir=DIR[,OPTION...] [SOURCE] MOUNTPOINT\n"
                "       eng-overlayfs [-f] [-d] -o lowerdir=DIR[:DIR...][,OPTION...] [SOURCE] MOUNTPOINT  (read-only)\n"
                "\n"
                "An overlay file system in user space, with fuse-overlayfs' options:\n"
                "  uidmapping=C:H:N[:C:H:N...]  gidmapping=...  squash_to_root\n"
                "  squash_to_uid=UID  squash_to_gid=GID  timeout=SECONDS  noacl\n"
                "and FUSE's own (allow_other, ...).  -f stays in the foreground, -d debugs.\n");
}

int main(int argc, char **argv)
{
        struct storage_ovl_opts o = { .squash_to_uid = -1, .squash_to_gid = -1 };
        _cleanup_free_ char *fuse_opts = NULL;
        struct eng_error *err = NULL;
        const char *mountpoint = NULL;
        bool foreground = false, hook = false;
        pid_t hook_pid = 0;
        int r;

        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];

                if (strcmp(a, "-f") == 0)
                        foreground = true;
                else if (strcmp(a, "--hook") == 0)
                        hook = true;
                else if (strcmp(a, "-d") == 0 || strcmp(a, "--debug") == 0) {
                        o.debug = true;
                        foreground = true;
                } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
                        usage(stdout);
                        return 0;
                } else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
                        printf("eng-overlayfs %s\n", PACKAGE_VERSION);
                        return 0;
                } else if (strncmp(a, "-o", 2) == 0) {
                        const char *list = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);

                        if (!list) {
                                usage(stderr);
                                return 1;
                        }
                        if (storage_ovl_parse_options(list, &o, &fuse_opts, &err) < 0)
                                goto fail;
                } else if (a[0] == '-') {
                        fprintf(stderr, "eng-overlayfs: unknown option '%s'\n", a);
                        usage(stderr);
                        return 1;
                } else
                        mountpoint = a; /* the last one; a SOURCE before it is ignored */
        }
        if (!mountpoint) {
                usage(stderr);
                storage_ovl_opts_release(&o);
                return 1;
        }
        if (hook) {
                /* {"pid": N, ...} on stdin; nothing else of the runtime's is kept */
                char state[65536];
                ssize_t n = read(STDIN_FILENO, state, sizeof(state) - 1);
                const char *p = n > 0 ? (state[n] = '\0', strstr(state, "\"pid\"")) : NULL;

                if (p)
                        p = strchr(p, ':');
                hook_pid = p ? (pid_t) strtol(p + 1, NULL, 10) : 0;
                if (hook_pid <= 0) {
                        fprintf(stderr,
                                "eng-overlayfs: --hook: no container pid in the state on stdin\n");
                        storage_ovl_opts_release(&o);
                        return 1;
                }
                (void) close_range(3, ~0U, 0);
        }
        r = storage_ovl_main(&o, mountpoint, fuse_opts, foreground, hook_pid, &err);
        if (r != 0 && err)
                goto fail;
        storage_ovl_opts_release(&o);
        return r;
fail : {
        _cleanup_free_ char *m = eng_err_format(err);

        fprintf(stderr, "eng-overlayfs: %s\n", m);
        eng_err_free(err);
        storage_ovl_opts_release(&o);
        return 1;
}
}
