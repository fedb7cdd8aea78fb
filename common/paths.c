/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/paths.h"
#include "common/xalloc.h"

#include "common/banned.h"

static char *home_dir(struct eng_error **err)
{
        const char *h = getenv("HOME");
        struct passwd *pw;

        if (h && h[0] == '/')
                return eng_xstrdup(h);
        pw = getpwuid(geteuid());
        if (pw && pw->pw_dir && pw->pw_dir[0] == '/')
                return eng_xstrdup(pw->pw_dir);
        eng_err(err, ENG_E_USAGE, 0,
                "cannot find the home directory: HOME is unset and uid %u has no passwd entry; set HOME or use --root",
                (unsigned) geteuid());
        return NULL;
}

/* $VAR when it is an absolute path (the XDG spec ignores relative ones), else HOME/fallback */
static char *xdg_dir(const char *var, const char *home, const char *fallback)
{
        const char *v = getenv(var);

        if (v && v[0] == '/')
                return eng_xasprintf("%s/eng", v);
        return eng_xasprintf("%s/%s/eng", home, fallback);
}

char *eng_runtime_dir_check(const char *dir)
{
        struct stat st;

        if (!dir || !*dir)
                return eng_xstrdup("XDG_RUNTIME_DIR is not set");
        if (dir[0] != '/')
                return eng_xasprintf("XDG_RUNTIME_DIR '%s' is not an absolute path", dir);
        if (stat(dir, &st) < 0)
                return eng_xasprintf("XDG_RUNTIME_DIR '%s': %s", dir, strerror(errno));
        if (!S_ISDIR(st.st_mode))
                return eng_xasprintf("XDG_RUNTIME_DIR '%s' is not a directory", dir);
        if (st.st_uid != geteuid())
                return eng_xasprintf(
                        "XDG_RUNTIME_DIR '%s' belongs to uid %u, not to us (uid %u): left from su or sudo?",
                        dir, (unsigned) st.st_uid, (unsigned) geteuid());
        if (!eng_is_mode_private(st.st_mode))
                return eng_xasprintf("XDG_RUNTIME_DIR '%s' is open to others (mode %04o)", dir,
                                     (unsigned) (st.st_mode & 07777));
        if (access(dir, W_OK | X_OK) < 0)
                return eng_xasprintf("XDG_RUNTIME_DIR '%s' is not writable: %s", dir,
                                     strerror(errno));
        return NULL;
}

int eng_private_dir_ensure(const char *dir, struct eng_error **err)
{
        struct stat st;

        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return eng_err(err, ENG_E_SYS, errno, "creating '%s'", dir);
        if (lstat(dir, &st) < 0)
                return eng_err(err, ENG_E_SYS, errno, "checking '%s'", dir);
        if (!S_ISDIR(st.st_mode))
                return eng_err(
                        err, ENG_E_USAGE, ENOTDIR,
                        "'%s' is not a directory (a link or file put there by someone else?); remove it",
                        dir);
        if (st.st_uid != geteuid())
                return eng_err(
                        err, ENG_E_USAGE, EPERM,
                        "'%s' belongs to uid %u, not to us (uid %u); remove it, or set XDG_RUNTIME_DIR or --runroot",
                        dir, (unsigned) st.st_uid, (unsigned) geteuid());
        if (!eng_is_mode_private(st.st_mode) && chmod(dir, 0700) < 0)
                return eng_err(err, ENG_E_SYS, errno, "making '%s' private", dir);
        return 0;
}

int eng_paths_init(struct eng_paths *p, const char *root, const char *runroot,
                   struct eng_error **err)
{
        _cleanup_free_ char *home = NULL;
        _cleanup_free_ char *why = NULL;

        *p = (struct eng_paths){ 0 };
        home = home_dir(err);
        if (!home)
                return -1;

        p->graph_root = root ? eng_xstrdup(root) : xdg_dir("XDG_DATA_HOME", home, ".local/share");
        p->config_dir = xdg_dir("XDG_CONFIG_HOME", home, ".config");

        if (runroot) {
                p->run_root = eng_xstrdup(runroot);
        } else {
                const char *xrd = getenv("XDG_RUNTIME_DIR");

                why = eng_runtime_dir_check(xrd);
                if (!why) {
                        p->run_root = eng_xasprintf("%s/eng", xrd);
                } else {
                        const char *tmp = getenv("TMPDIR");

                        if (!tmp || tmp[0] != '/')
                                tmp = "/tmp";
                        p->run_root = eng_xasprintf("%s/eng-run-%u", tmp, (unsigned) geteuid());
                        p->run_root_fallback = true;
                        p->run_root_reason = TAKE_PTR(why);
                        eng_log_debug("%s; using the run root '%s'", p->run_root_reason,
                                      p->run_root);
                        if (eng_private_dir_ensure(p->run_root, err) < 0) {
                                eng_paths_release(p);
                                return eng_err_wrap(err, "setting up the run root");
                        }
                }
        }
        p->home = TAKE_PTR(home);
        return 0;
}

void eng_paths_release(struct eng_paths *p)
{
        free(p->graph_root);
        free(p->run_root);
        free(p->config_dir);
        free(p->home);
        free(p->run_root_reason);
        *p = (struct eng_paths){ 0 };
}
