/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "runtime/cgroup.h"

#include "common/banned.h"

#define PROC_FILE_MAX (1024 * 1024)

const char *runtime_cgroup_version_name(enum runtime_cgroup_version v)
{
        switch (v) {
        case RUNTIME_CGROUP_NONE:
                return "none";
        case RUNTIME_CGROUP_V1:
                return "v1";
        case RUNTIME_CGROUP_HYBRID:
                return "hybrid";
        case RUNTIME_CGROUP_V2:
                return "v2";
        }
        return "unknown";
}

/*
 * Scan mountinfo for cgroup file systems.  Field 5 is the mount point, and
 * the file system type follows the " - " separator.
 */
static int scan_mounts(char **ret_v2, bool *ret_v1, bool *ret_v2_at_root, struct eng_error **err)
{
        _cleanup_free_ char *data = NULL;
        char *v2 = NULL;
        bool v1 = false, v2_root = false;

        if (eng_read_file("/proc/self/mountinfo", PROC_FILE_MAX, &data, NULL, err) < 0)
                return -1;
        for (char *line = data, *next; line && *line; line = next) {
                char *sep, *fields[6] = { 0 };
                char *p = line;

                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                sep = strstr(line, " - ");
                if (!sep)
                        continue;
                *sep = '\0';
                for (int i = 0; i < 6 && p; i++) {
                        fields[i] = p;
                        p = strchr(p, ' ');
                        if (p)
                                *p++ = '\0';
                }
                if (!fields[4])
                        continue;
                if (strncmp(sep + 3, "cgroup2 ", 8) == 0) {
                        if (!v2) {
                                v2 = eng_xstrdup(fields[4]);
                                v2_root = strcmp(fields[4], "/sys/fs/cgroup") == 0;
                        }
                } else if (strncmp(sep + 3, "cgroup ", 7) == 0) {
                        v1 = true;
                }
        }
        *ret_v2 = v2;
        *ret_v1 = v1;
        *ret_v2_at_root = v2_root;
        return 0;
}

static char *own_v2_path(struct eng_error **err)
{
        _cleanup_free_ char *data = NULL;

        if (eng_read_file("/proc/self/cgroup", PROC_FILE_MAX, &data, NULL, err) < 0)
                return NULL;
        for (char *line = data, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                if (strncmp(line, "0::", 3) == 0)
                        return eng_xstrdup(line + 3);
        }
        return eng_xstrdup("");
}

int runtime_cgroup_probe(struct runtime_cgroup_info *ret, struct eng_error **err)
{
        _cleanup_free_ char *v2 = NULL, *rel = NULL, *ctrl = NULL;
        bool v1 = false, v2_root = false;
        struct runtime_cgroup_info info = { 0 };
        struct stat st;
        struct eng_error *rerr = NULL;

        if (scan_mounts(&v2, &v1, &v2_root, err) < 0)
                return -1;
        if (v2 && v2_root && !v1)
                info.version = RUNTIME_CGROUP_V2;
        else if (v2 && v1)
                info.version = RUNTIME_CGROUP_HYBRID;
        else if (v1)
                info.version = RUNTIME_CGROUP_V1;
        else if (v2)
                info.version = RUNTIME_CGROUP_V2;
        else
                info.version = RUNTIME_CGROUP_NONE;

        if (!v2) {
                info.detail = eng_xstrdup("no cgroup v2 file system is mounted");
                *ret = info;
                return 0;
        }
        rel = own_v2_path(err);
        if (!rel)
                return -1;
        info.v2_mount = TAKE_PTR(v2);
        info.own_path = eng_xasprintf("%s%s", info.v2_mount, strcmp(rel, "/") == 0 ? "" : rel);

        _cleanup_free_ char *cpath = eng_xasprintf("%s/cgroup.controllers", info.own_path);
        if (eng_read_file(cpath, 4096, &ctrl, NULL, &rerr) == 0) {
                ctrl[strcspn(ctrl, "\n")] = '\0';
                info.controllers = eng_strv_split(ctrl, " ");
        } else {
                rerr = eng_err_free(rerr);
                info.controllers = eng_strv_split("", " ");
        }

        _cleanup_free_ char *procs = eng_xasprintf("%s/cgroup.procs", info.own_path);
        if (stat(info.own_path, &st) < 0) {
                info.detail = eng_xasprintf("our cgroup '%s' cannot be read: %s", info.own_path,
                                            strerror(errno));
        } else if (st.st_uid != geteuid()) {
                info.detail = eng_xasprintf(
                        "our cgroup '%s' belongs to uid %u, so nothing delegated it to us",
                        info.own_path, (unsigned) st.st_uid);
        } else if (access(info.own_path, W_OK) < 0 || access(procs, W_OK) < 0) {
                info.detail = eng_xasprintf("our cgroup '%s' is not writable", info.own_path);
        } else {
                info.delegated = true;
                info.detail = eng_xasprintf("delegated: '%s'", info.own_path);
        }
        *ret = info;
        return 0;
}

int runtime_cgroup_place(const struct runtime_cgroup_info *info, const char *const *need,
                         char **ret_path, struct eng_error **err)
{
        _cleanup_free_ char *parent = NULL, *procs = NULL, *ctl = NULL, *have = NULL, *list = NULL;
        _cleanup_strv_ char **offered = NULL;
        size_t mlen = info->v2_mount ? strlen(info->v2_mount) : 0;
        struct stat st;

        if (!info->delegated)
                return eng_err(err, ENG_E_USAGE, 0, "no delegated cgroup v2 tree (%s)",
                               info->detail ? info->detail : "cgroups v1 or not delegated");
        if (strlen(info->own_path) <= mlen)
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "we run in the root cgroup '%s': containers' cgroups go beside ours, and the root has no parent",
                        info->own_path);
        parent = eng_xstrndup(info->own_path,
                              (size_t) (strrchr(info->own_path, '/') - info->own_path));
        procs = eng_xasprintf("%s/cgroup.procs", parent);
        ctl = eng_xasprintf("%s/cgroup.subtree_control", parent);
        if (stat(parent, &st) < 0 || st.st_uid != geteuid() || access(parent, W_OK) < 0 ||
            access(procs, W_OK) < 0 || access(ctl, W_OK) < 0)
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "containers' cgroups go beside ours, in '%s', and that cgroup is not delegated to us (not ours, or not writable); our own '%s' has processes and cannot share controllers out",
                        parent, info->own_path);
        have = eng_xasprintf("%s/cgroup.controllers", parent);
        if (eng_read_file(have, 4096, &list, NULL, err) < 0)
                return -1;
        list[strcspn(list, "\n")] = '\0';
        offered = eng_strv_split(list, " ");
        for (const char *const *c = need; *c; c++)
                if (!eng_strv_contains(offered, *c))
                        return eng_err(
                                err, ENG_E_USAGE, 0,
                                "the %s controller is not available in the delegated cgroup '%s' (it offers: %s): on a hybrid cgroup layout a v1 hierarchy may hold it",
                                *c, parent, *list ? list : "none");
        *ret_path = eng_xstrdup(parent + mlen);
        return 0;
}

void runtime_cgroup_info_release(struct runtime_cgroup_info *info)
{
        free(info->v2_mount);
        free(info->own_path);
        eng_strv_free(info->controllers);
        free(info->detail);
        *info = (struct runtime_cgroup_info){ 0 };
}
