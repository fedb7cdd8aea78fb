/* SPDX-License-Identifier: GPL-2.0-or-later */
/* eng top: the processes of a running container, as podman top shows them. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "runtime/container.h"
#include "storage/container.h"

#include "common/banned.h"

struct proc_info {
        long nspid;
        long host_ppid;
        long uid; /* as the host sees it */
        double start_s;
        double cpu_s;
        char *cmd;
        char tty[16];
};

static ino_t ns_inode(long pid)
{
        char path[64];
        struct stat st;

        snprintf(path, sizeof(path), "/proc/%ld/ns/pid", pid);
        return stat(path, &st) == 0 ? st.st_ino : 0;
}

static bool read_proc(long pid, struct proc_info *p)
{
        char path[64], *stat = NULL, *status = NULL, *cmd = NULL, *rp;
        struct eng_error *e = NULL;
        size_t clen = 0;
        long tck = sysconf(_SC_CLK_TCK);
        unsigned long long ut = 0, st = 0, start = 0;
        int tty_nr = 0;
        bool ok = false;

        memset(p, 0, sizeof(*p));
        snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
        if (eng_read_file(path, 4096, &stat, NULL, &e) < 0)
                goto out;
        snprintf(path, sizeof(path), "/proc/%ld/status", pid);
        if (eng_read_file(path, 16384, &status, NULL, &e) < 0)
                goto out;
        snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
        if (eng_read_file(path, 65536, &cmd, &clen, &e) < 0)
                goto out;
        rp = strrchr(stat, ')');
        if (!rp || sscanf(rp + 2,
                          "%*c %ld %*d %*d %d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d "
                          "%*d %*d %*d %*d %llu",
                          &p->host_ppid, &tty_nr, &ut, &st, &start) != 5)
                goto out;
        p->cpu_s = (double) (ut + st) / (double) tck;
        p->start_s = (double) start / (double) tck;
        if (tty_nr)
                snprintf(p->tty, sizeof(p->tty), "pts/%d",
                         (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00));
        else
                snprintf(p->tty, sizeof(p->tty), "?");
        {
                char *l = strstr(status, "\nNSpid:"), *u = strstr(status, "\nUid:");

                if (l) {
                        char *end = strchr(l + 1, '\n'), *last;

                        if (end)
                                *end = '\0';
                        last = strrchr(l, '\t');
                        p->nspid = last ? strtol(last + 1, NULL, 10) : pid;
                        if (end)
                                *end = '\n';
                }
                if (u)
                        p->uid = strtol(u + 6, NULL, 10);
        }
        for (size_t i = 0; i + 1 < clen; i++)
                if (cmd[i] == '\0')
                        cmd[i] = ' ';
        p->cmd = clen ? TAKE_PTR(cmd) : eng_xstrdup("");
        ok = true;
out:
        eng_err_free(e);
        free(stat);
        free(status);
        free(cmd);
        return ok;
}

/* Host uid back to the container's, through the container's uid_map. */
static long container_uid(const char *map, long host)
{
        _cleanup_strv_ char **lines = eng_strv_split(map, "\n");

        ENG_STRV_FOREACH(l, lines) {
                long c, h, n;

                if (sscanf(*l, "%ld %ld %ld", &c, &h, &n) == 3 && host >= h && host < h + n)
                        return c + (host - h);
        }
        return 65534;
}

static double uptime_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_BOOTTIME, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int cmd_top(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        struct cmd_store cs = CMD_STORE_INIT;
        _cleanup_json_ json_t *rec = NULL;
        _cleanup_free_ char *map = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        static const char *const heads[] = { "USER",    "PID", "PPID", "%CPU",
                                             "ELAPSED", "TTY", "TIME", "COMMAND" };
        struct cmd_table t;
        ino_t ns;
        long pid;
        int first, r;
        double up = uptime_s();

        r = cmd_parse(cmd, argc, argv, NULL, NULL, NULL, &first, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (first + 1 != argc)
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "'eng top' takes one container (ps descriptors are not implemented yet)");
        r = -1;
        if (cmd_store_open(&cs, false, err) < 0)
                goto out;
        rec = cmd_container_running(&cs, argv[first], "top can only be used on running containers",
                                    err);
        if (!rec)
                goto out;
        pid = (long) json_integer_value(json_object_get(rec, "pid"));
        ns = ns_inode(pid);
        {
                char path[64];
                struct eng_error *e = NULL;

                snprintf(path, sizeof(path), "/proc/%ld/uid_map", pid);
                if (eng_read_file(path, 65536, &map, NULL, &e) < 0) {
                        eng_err_free(e);
                        map = eng_xstrdup("");
                }
        }
        cmd_table_init(&t, ELEMENTSOF(heads));
        for (size_t c = 0; c < ELEMENTSOF(heads); c++)
                cmd_table_cell(&t, "%s", heads[c]);
        d = opendir("/proc");
        while (d && (de = readdir(d))) {
                struct proc_info p, parent;
                long q = strtol(de->d_name, NULL, 10);
                long ppid_ns = 0;
                double elapsed;

                if (q <= 0 || ns_inode(q) != ns || !read_proc(q, &p))
                        continue;
                if (ns_inode(p.host_ppid) == ns && read_proc(p.host_ppid, &parent)) {
                        ppid_ns = parent.nspid;
                        free(parent.cmd);
                }
                elapsed = up - p.start_s;
                cmd_table_cell(&t, "%ld", container_uid(map, p.uid));
                cmd_table_cell(&t, "%ld", p.nspid);
                cmd_table_cell(&t, "%ld", ppid_ns);
                cmd_table_cell(&t, "%.3f", elapsed > 0 ? 100.0 * p.cpu_s / elapsed : 0.0);
                cmd_table_cell(&t, "%.6fs", elapsed);
                cmd_table_cell(&t, "%s", p.tty);
                cmd_table_cell(&t, "%.0fs", p.cpu_s);
                cmd_table_cell(&t, "%s", p.cmd);
                free(p.cmd);
        }
        cmd_table_print(&t);
        r = 0;
out:
        cmd_store_close(&cs);
        return r;
}
