/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_COMMON_PATHS_H
#define ENG_COMMON_PATHS_H

/*
 * Where eng keeps things, per user (DESIGN.md "Where things live"):
 *   graph root: --root, else $XDG_DATA_HOME/eng, else ~/.local/share/eng
 *   run root:   --runroot, else $XDG_RUNTIME_DIR/eng when that directory is
 *               usable (ours, private, writable), else a private 0700
 *               directory $TMPDIR/eng-run-UID (TMPDIR defaults to /tmp)
 *               that we create and whose owner and mode we check (after
 *               su, under cron, in CI)
 *   config dir: $XDG_CONFIG_HOME/eng, else ~/.config/eng
 */

#include <stdbool.h>

#include "common/error.h"

struct eng_paths {
        char *graph_root;
        char *run_root;
        char *config_dir;
        char *home;
        /* Set when the run root is the /tmp fallback; why, for debug output. */
        bool run_root_fallback;
        char *run_root_reason;
};

/**
 * eng_paths_init() - work out the paths of this user
 * @root: --root, or NULL
 * @runroot: --runroot, or NULL
 *
 * Creates the fallback run root when it is needed (to check its owner);
 * creates nothing else.  Release with eng_paths_release().
 */
int eng_paths_init(struct eng_paths *p, const char *root, const char *runroot,
                   struct eng_error **err);

void eng_paths_release(struct eng_paths *p);

/**
 * eng_runtime_dir_check() - whether @dir can serve as XDG_RUNTIME_DIR for
 * the calling user.  Return: NULL when usable, else a heap string saying why
 * not (the caller frees it).
 */
char *eng_runtime_dir_check(const char *dir);

/**
 * eng_private_dir_ensure() - make @dir (mode 0700) if missing and check
 * that it is a directory, not a link, owned by us and closed to others.
 */
int eng_private_dir_ensure(const char *dir, struct eng_error **err);

#endif
