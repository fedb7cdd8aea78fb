/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The state directory of eng-runtime: ROOT/ID/state.json (what "state"
 * prints plus the process start time, so a reused pid is not taken for the
 * container), ROOT/ID/config.json (for exec) and ROOT/ID/exec.fifo while the
 * container is created but not started.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/xalloc.h"
#include "runtime/oci/oci.h"
#include "runtime/oci/state.h"

#include "common/banned.h"

void oci_wait_exec(pid_t pid)
{
        struct stat self, now;

        if (stat("/proc/self/exe", &self) < 0)
                return;
        for (;;) {
                char path[64];

                snprintf(path, sizeof(path), "/proc/%d/exe", (int) pid);
                /* gone, a zombie, or another program than ours: executed */
                if (stat(path, &now) < 0 || now.st_dev != self.st_dev || now.st_ino != self.st_ino)
                        return;
                (void) poll(NULL, 0, 1);
        }
}

/* /proc/PID/stat in *@buf, from just past the command name (field 2, which
 * may hold spaces and parens): " S PPID ..."; NULL when it cannot be read */
static char *stat_fields(pid_t pid, char **buf)
{
        char path[64], *p;
        struct eng_error *e = NULL;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        if (eng_read_file(path, 4096, buf, NULL, &e) < 0) {
                eng_err_free(e);
                return NULL;
        }
        p = strrchr(*buf, ')');
        return p ? p + 1 : NULL;
}

uint64_t oci_proc_start_time(pid_t pid)
{
        _cleanup_free_ char *stat = NULL;
        char *p = stat_fields(pid, &stat);

        if (!p)
                return 0;
        if (p[0] == ' ' && (p[1] == 'Z' || p[1] == 'X'))
                return 0; /* a zombie has exited already */
        /* p is at the space before field 3; step to the one before field 22 */
        for (int field = 3; field < 22 && p; field++)
                p = strchr(p + 1, ' ');
        return p ? strtoull(p + 1, NULL, 10) : 0;
}

bool oci_id_valid(const char *id)
{
        if (!id || !*id || strlen(id) > 1024 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
                return false;
        for (const char *c = id; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.' || *c == '+'))
                        return false;
        return true;
}

char *oci_state_dir(const char *root, const char *id)
{
        return eng_xasprintf("%s/%s", root, id);
}

const char *oci_status_name(enum oci_status s)
{
        switch (s) {
        case OCI_STATUS_CREATED:
                return "created";
        case OCI_STATUS_RUNNING:
                return "running";
        case OCI_STATUS_PAUSED:
                return "paused";
        case OCI_STATUS_STOPPED:
                return "stopped";
        }
        return "unknown";
}

int oci_state_write(const char *root, const char *id, json_t *state, struct eng_error **err)
{
        _cleanup_free_ char *dir = oci_state_dir(root, id);
        _cleanup_free_ char *path = eng_xasprintf("%s/state.json", dir);
        _cleanup_free_ char *data = json_dumps(state, JSON_INDENT(2));

        return eng_write_file_replace(path, data, strlen(data), 0600, err);
}

json_t *oci_state_read(const char *root, const char *id, enum oci_status *ret_status,
                       struct eng_error **err)
{
        _cleanup_free_ char *dir = NULL, *path = NULL, *fifo = NULL, *data = NULL;
        json_error_t je;
        json_t *st;
        size_t len;
        pid_t pid;
        uint64_t start;

        if (!oci_id_valid(id)) {
                eng_err(err, ENG_E_USAGE, 0, "'%s' is not a valid container id", id);
                return NULL;
        }
        dir = oci_state_dir(root, id);
        path = eng_xasprintf("%s/state.json", dir);
        if (eng_read_file(path, 1 << 20, &data, &len, err) < 0) {
                if ((*err)->errnum == ENOENT) {
                        *err = eng_err_free(*err);
                        eng_err(err, ENG_E_NOTFOUND, 0, "container '%s' does not exist", id);
                }
                return NULL;
        }
        st = json_loadb(data, len, 0, &je);
        if (!json_is_object(st)) {
                json_decref(st);
                eng_err(err, ENG_E_INVALID, 0, "'%s' is damaged: %s", path, je.text);
                return NULL;
        }
        pid = (pid_t) json_integer_value(json_object_get(st, "pid"));
        start = (uint64_t) json_integer_value(json_object_get(st, "start_time"));
        fifo = eng_xasprintf("%s/exec.fifo", dir);
        if (pid > 0 && kill(pid, 0) == 0 && oci_proc_start_time(pid) == start)
                *ret_status = access(fifo, F_OK) == 0 ? OCI_STATUS_CREATED : OCI_STATUS_RUNNING;
        else
                *ret_status = OCI_STATUS_STOPPED;
        if (*ret_status == OCI_STATUS_RUNNING &&
            oci_cgroup_frozen(json_string_value(json_object_get(st, "cgroupsPath"))))
                *ret_status = OCI_STATUS_PAUSED;
        json_object_set_new(st, "status", json_string(oci_status_name(*ret_status)));
        return st;
}

/* the pid namespace of @pid as "pid:[N]", or "" when it cannot be read */
static void pid_ns_of(pid_t pid, char *buf, size_t size)
{
        char path[64];
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int) pid);
        n = readlink(path, buf, size - 1);
        buf[n > 0 ? n : 0] = '\0';
}

/* field 4 (the parent) of /proc/PID/stat, or -1 */
static pid_t parent_of(pid_t pid)
{
        _cleanup_free_ char *stat = NULL;
        char *p = stat_fields(pid, &stat);

        if (!p || strlen(p) < 4)
                return -1;
        return (pid_t) strtol(p + 3, NULL, 10);
}

int oci_container_pids(json_t *state, pid_t **ret, size_t *ret_n, struct eng_error **err)
{
        const char *cg = json_string_value(json_object_get(state, "cgroupsPath"));
        pid_t init = (pid_t) json_integer_value(json_object_get(state, "pid"));
        char mine[64], theirs[64], ns[64];
        _cleanup_closedir_ DIR *d = NULL;
        pid_t *all = NULL, *parents = NULL;
        size_t nall = 0, n = 0;
        struct dirent *de;

        if (cg)
                return oci_cgroup_pids(cg, ret, ret_n, err);
        /* no cgroup: the processes of its pid namespace, when it has its own;
         * else its process and that process's descendants */
        *ret = NULL;
        *ret_n = 0;
        pid_ns_of(getpid(), mine, sizeof(mine));
        pid_ns_of(init, theirs, sizeof(theirs));
        if (!*theirs)
                return eng_err(err, ENG_E_SYS, errno, "reading the namespaces of process %d",
                               (int) init);
        d = opendir("/proc");
        if (!d)
                return eng_err(err, ENG_E_SYS, errno, "reading /proc");
        while ((de = readdir(d))) {
                char *end;
                long v = strtol(de->d_name, &end, 10);

                if (*end || v <= 0)
                        continue;
                all = eng_xreallocarray(all, nall + 1, sizeof(*all));
                parents = eng_xreallocarray(parents, nall + 1, sizeof(*parents));
                all[nall] = (pid_t) v;
                parents[nall++] = parent_of((pid_t) v);
        }
        *ret = eng_xreallocarray(NULL, nall + 1, sizeof(**ret));
        if (strcmp(mine, theirs) != 0) {
                for (size_t i = 0; i < nall; i++) {
                        pid_ns_of(all[i], ns, sizeof(ns));
                        if (strcmp(ns, theirs) == 0)
                                (*ret)[n++] = all[i];
                }
        } else {
                /* breadth first from init: each found process's children */
                (*ret)[n++] = init;
                for (size_t k = 0; k < n; k++)
                        for (size_t i = 0; i < nall; i++)
                                if (parents[i] == (*ret)[k] && all[i] != init)
                                        (*ret)[n++] = all[i];
        }
        *ret_n = n;
        free(all);
        free(parents);
        return 0;
}
