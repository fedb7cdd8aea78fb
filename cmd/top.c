/* SPDX-License-Identifier: GPL-2.0-or-later */
/* eng top: the processes of a running container, as podman top shows them. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
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
#include "common/strbuf.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "runtime/container.h"
#include "storage/container.h"

#include "common/banned.h"

#define CAP_KINDS 5 /* CapInh, CapPrm, CapEff, CapBnd, CapAmb */

struct proc_info {
        long pid; /* as the host sees it */
        long nspid;
        long host_ppid;
        long host_pgid;
        char state;
        long nice;
        unsigned long long vsize; /* bytes */
        long rss;                 /* pages */
        long uid[2], gid[2];      /* real and effective, as the host sees them */
        double start_s;
        double cpu_s;
        char *args;
        char comm[64];
        char tty[16];
        unsigned long long caps[CAP_KINDS];
        int seccomp;
};

static ino_t ns_inode(long pid)
{
        char path[64];
        struct stat st;

        snprintf(path, sizeof(path), "/proc/%ld/ns/pid", pid);
        return stat(path, &st) == 0 ? st.st_ino : 0;
}

/* the value after "\n@key:" in /proc's status text */
static const char *status_field(const char *status, const char *key)
{
        char k[32];
        const char *v;

        snprintf(k, sizeof(k), "\n%s:", key);
        v = strstr(status, k);
        return v ? v + strlen(k) : NULL;
}

/* the last of the status text's NSpid (the pid in the innermost namespace), else @pid */
static long status_nspid(const char *status, long pid)
{
        const char *v = status_field(status, "NSpid"), *end, *last;

        if (!v)
                return pid;
        end = strchr(v, '\n');
        last = v;
        for (const char *c = v; c < (end ? end : v + strlen(v)); c++)
                if (*c == '\t')
                        last = c + 1;
        return strtol(last, NULL, 10);
}

static bool read_proc(long pid, struct proc_info *p)
{
        char path[64], *stat = NULL, *status = NULL, *cmd = NULL, *rp;
        struct eng_error *e = NULL;
        size_t clen = 0;
        long tck = sysconf(_SC_CLK_TCK);
        unsigned long long ut = 0, st = 0, start = 0;
        static const char *const capkeys[CAP_KINDS] = { "CapInh", "CapPrm", "CapEff", "CapBnd",
                                                        "CapAmb" };
        const char *v;
        int tty_nr = 0;
        bool ok = false;

        memset(p, 0, sizeof(*p));
        p->pid = pid;
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
                          "%c %ld %ld %*d %d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %ld "
                          "%*d %*d %llu %llu %ld",
                          &p->state, &p->host_ppid, &p->host_pgid, &tty_nr, &ut, &st, &p->nice,
                          &start, &p->vsize, &p->rss) != 10)
                goto out;
        {
                char *lp = strchr(stat, '(');
                size_t n = lp ? (size_t) (rp - lp - 1) : 0;

                snprintf(p->comm, sizeof(p->comm), "%.*s", (int) n, lp ? lp + 1 : "");
        }
        p->cpu_s = (double) (ut + st) / (double) tck;
        p->start_s = (double) start / (double) tck;
        if (tty_nr)
                snprintf(p->tty, sizeof(p->tty), "pts/%d",
                         (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00));
        else
                snprintf(p->tty, sizeof(p->tty), "?");
        p->nspid = status_nspid(status, pid);
        if ((v = status_field(status, "Uid")))
                (void) !sscanf(v, "%ld %ld", &p->uid[0], &p->uid[1]);
        if ((v = status_field(status, "Gid")))
                (void) !sscanf(v, "%ld %ld", &p->gid[0], &p->gid[1]);
        for (size_t i = 0; i < CAP_KINDS; i++)
                if ((v = status_field(status, capkeys[i])))
                        p->caps[i] = strtoull(v, NULL, 16);
        if ((v = status_field(status, "Seccomp")))
                p->seccomp = (int) strtol(v, NULL, 10);
        for (size_t i = 0; i + 1 < clen; i++)
                if (cmd[i] == '\0')
                        cmd[i] = ' ';
        /* a kernel thread or a zombie has no command line: its name in brackets, as ps */
        p->args = clen ? TAKE_PTR(cmd) : eng_xasprintf("[%s]", p->comm);
        ok = true;
out:
        eng_err_free(e);
        free(stat);
        free(status);
        free(cmd);
        return ok;
}

/* a host pid as the container's pid namespace numbers it; 0 when outside it */
static long ns_pid(long host_pid, ino_t ns)
{
        _cleanup_free_ char *status = NULL;
        struct eng_error *e = NULL;
        char path[64];

        if (host_pid <= 0 || ns_inode(host_pid) != ns)
                return 0;
        snprintf(path, sizeof(path), "/proc/%ld/status", host_pid);
        if (eng_read_file(path, 16384, &status, NULL, &e) < 0) {
                eng_err_free(e);
                return 0;
        }
        return status_nspid(status, host_pid);
}

/* Host id back to the container's, through the container's uid_map or gid_map. */
static long container_id(const char *map, long host)
{
        for (const char *l = map; l && *l;) {
                long c, h, n;

                if (sscanf(l, "%ld %ld %ld", &c, &h, &n) == 3 && host >= h && host < h + n)
                        return c + (host - h);
                l = strchr(l, '\n');
                l = l ? l + 1 : NULL;
        }
        return 65534;
}

/*
 * The name of @id in the container's passwd or group text, or the number.
 * The text is walked where it lies: this runs for each cell of the table.
 */
static void id_name(struct cmd_table *t, const char *db, long id)
{
        for (const char *l = db; l && *l;) {
                /* name:password:id:... (the password may be empty) */
                const char *nl = strchr(l, '\n');
                const char *eol = nl ? nl : l + strlen(l);
                const char *c1 = memchr(l, ':', (size_t) (eol - l));
                const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t) (eol - c1 - 1)) : NULL;

                if (c2 && c2 + 1 < eol && isdigit((unsigned char) c2[1])) {
                        char *end;
                        long v = strtol(c2 + 1, &end, 10);

                        if (v == id && (end == eol || *end == ':')) {
                                cmd_table_cell(t, "%.*s", (int) (c1 - l), l);
                                return;
                        }
                }
                l = nl ? nl + 1 : NULL;
        }
        cmd_table_cell(t, "%ld", id);
}

static double uptime_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_BOOTTIME, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* a duration as Go prints one: 1.5s, 2m3.25s, 1h0m5s */
static void go_duration(struct cmd_table *t, double secs)
{
        long h = (long) (secs / 3600), m = (long) (secs - (double) h * 3600) / 60;
        double s = secs - (double) h * 3600 - (double) m * 60;
        char sec[32];
        size_t n;

        snprintf(sec, sizeof(sec), "%.6f", s < 0 ? 0 : s);
        n = strlen(sec);
        while (n > 0 && sec[n - 1] == '0')
                sec[--n] = '\0';
        if (n > 0 && sec[n - 1] == '.')
                sec[--n] = '\0';
        if (h > 0)
                cmd_table_cell(t, "%ldh%ldm%ss", h, m, sec);
        else if (m > 0)
                cmd_table_cell(t, "%ldm%ss", m, sec);
        else
                cmd_table_cell(t, "%ss", sec);
}

/* capabilities as psgo shows them: full, none, or their names */
static void cap_list(struct cmd_table *t, unsigned long long set)
{
        unsigned long long all = 0;
        _cleanup_strbuf_ struct eng_strbuf names = ENG_STRBUF_INIT;
        int last = 0;

        while (runtime_cap_name(last + 1))
                last++;
        all = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
        if ((set & all) == all) {
                cmd_table_cell(t, "full");
                return;
        }
        for (int c = 0; c <= last; c++) {
                if (!(set & (1ULL << c)))
                        continue;
                eng_strbuf_addf(&names, "%s%s", names.len ? "," : "", runtime_cap_name(c) + 4);
        }
        cmd_table_cell(t, "%s", names.len ? eng_strbuf_str(&names) : "none");
}

enum field {
        F_ARGS,
        F_CAPAMB,
        F_CAPBND,
        F_CAPEFF,
        F_CAPINH,
        F_CAPPRM,
        F_COMM,
        F_ETIME,
        F_GROUP,
        F_HGROUP,
        F_HPID,
        F_HUSER,
        F_NICE,
        F_PCPU,
        F_PGID,
        F_PID,
        F_PPID,
        F_RGROUP,
        F_RSS,
        F_RUSER,
        F_SECCOMP,
        F_STATE,
        F_STIME,
        F_TIME,
        F_TTY,
        F_USER,
        F_VSZ,
};

/* podman's (psgo's) format descriptors, with their AIX forms and headers */
static const struct descriptor {
        const char *name;
        const char *aix;
        const char *header;
        enum field field;
} descriptors[] = {
        { "args", "%a", "COMMAND", F_ARGS },
        { "capamb", NULL, "AMBIENT CAPS", F_CAPAMB },
        { "capbnd", NULL, "BOUNDING CAPS", F_CAPBND },
        { "capeff", NULL, "EFFECTIVE CAPS", F_CAPEFF },
        { "capinh", NULL, "INHERITED CAPS", F_CAPINH },
        { "capprm", NULL, "PERMITTED CAPS", F_CAPPRM },
        { "comm", "%c", "COMMAND", F_COMM },
        { "etime", "%t", "ELAPSED", F_ETIME },
        { "group", "%G", "GROUP", F_GROUP },
        { "hgroup", NULL, "HGROUP", F_HGROUP },
        { "hpid", NULL, "HPID", F_HPID },
        { "huser", NULL, "HUSER", F_HUSER },
        { "nice", "%n", "NI", F_NICE },
        { "pcpu", "%C", "%CPU", F_PCPU },
        { "pgid", "%r", "PGID", F_PGID },
        { "pid", "%p", "PID", F_PID },
        { "ppid", "%P", "PPID", F_PPID },
        { "rgroup", "%g", "RGROUP", F_RGROUP },
        { "rss", NULL, "RSS", F_RSS },
        { "ruser", "%u", "RUSER", F_RUSER },
        { "seccomp", NULL, "SECCOMP", F_SECCOMP },
        { "state", NULL, "STATE", F_STATE },
        { "stime", NULL, "STIME", F_STIME },
        { "time", "%x", "TIME", F_TIME },
        { "tty", "%y", "TTY", F_TTY },
        { "user", "%U", "USER", F_USER },
        { "vsz", "%z", "VSZ", F_VSZ },
};

static const char *const default_descriptors[] = { "user",  "pid", "ppid", "pcpu",
                                                   "etime", "tty", "time", "args" };

static const struct descriptor *find_descriptor(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(descriptors); i++)
                if (strcmp(descriptors[i].name, name) == 0 ||
                    (descriptors[i].aix && strcmp(descriptors[i].aix, name) == 0))
                        return &descriptors[i];
        return NULL;
}

/* The descriptors of the operands after the container: words, or words joined with commas. */
static int parse_descriptors(char **words, size_t nwords, const struct descriptor ***ret, size_t *n,
                             struct eng_error **err)
{
        *ret = NULL;
        *n = 0;
        for (size_t i = 0; i < (nwords ? nwords : ELEMENTSOF(default_descriptors)); i++) {
                _cleanup_strv_ char **parts =
                        eng_strv_split(nwords ? words[i] : default_descriptors[i], ",");

                ENG_STRV_FOREACH(w, parts) {
                        const struct descriptor *d = find_descriptor(*w);

                        if (!d) {
                                _cleanup_strbuf_ struct eng_strbuf known = ENG_STRBUF_INIT;

                                for (size_t k = 0; k < ELEMENTSOF(descriptors); k++)
                                        eng_strbuf_addf(&known, "%s%s", k ? ", " : "",
                                                        descriptors[k].name);
                                free(*ret);
                                *ret = NULL;
                                return eng_err(err, ENG_E_USAGE, 0,
                                               "unknown descriptor '%s' (eng top takes: %s)", *w,
                                               eng_strbuf_str(&known));
                        }
                        *ret = eng_xreallocarray(*ret, *n + 1, sizeof(**ret));
                        (*ret)[(*n)++] = d;
                }
        }
        /* (only commas) */
        if (*n == 0)
                return eng_err(err, ENG_E_USAGE, 0, "no descriptors in '%s'", words[0]);
        return 0;
}

struct top_ctx {
        ino_t ns;
        const char *uid_map, *gid_map;
        const char *passwd, *group;
        double up, btime;
};

static void host_name(struct cmd_table *t, long id, bool group)
{
        if (!group) {
                struct passwd *pw = getpwuid((uid_t) id);

                if (pw) {
                        cmd_table_cell(t, "%s", pw->pw_name);
                        return;
                }
        } else {
                struct group *gr = getgrgid((gid_t) id);

                if (gr) {
                        cmd_table_cell(t, "%s", gr->gr_name);
                        return;
                }
        }
        cmd_table_cell(t, "%ld", id);
}

static void add_cell(struct cmd_table *t, const struct top_ctx *c, const struct proc_info *p,
                     enum field f)
{
        double elapsed = c->up - p->start_s;

        switch (f) {
        case F_ARGS:
                cmd_table_cell(t, "%s", p->args);
                break;
        case F_CAPAMB:
        case F_CAPBND:
        case F_CAPEFF:
        case F_CAPINH:
        case F_CAPPRM: {
                static const int kind[] = { [F_CAPINH] = 0,
                                            [F_CAPPRM] = 1,
                                            [F_CAPEFF] = 2,
                                            [F_CAPBND] = 3,
                                            [F_CAPAMB] = 4 };

                cap_list(t, p->caps[kind[f]]);
                break;
        }
        case F_COMM:
                cmd_table_cell(t, "%s", p->comm);
                break;
        case F_ETIME:
                go_duration(t, elapsed > 0 ? elapsed : 0);
                break;
        case F_GROUP:
        case F_RGROUP:
                id_name(t, c->group, container_id(c->gid_map, p->gid[f == F_GROUP ? 1 : 0]));
                break;
        case F_USER:
        case F_RUSER:
                id_name(t, c->passwd, container_id(c->uid_map, p->uid[f == F_USER ? 1 : 0]));
                break;
        case F_HGROUP:
                host_name(t, p->gid[1], true);
                break;
        case F_HUSER:
                host_name(t, p->uid[1], false);
                break;
        case F_HPID:
                cmd_table_cell(t, "%ld", p->pid);
                break;
        case F_NICE:
                cmd_table_cell(t, "%ld", p->nice);
                break;
        case F_PCPU:
                cmd_table_cell(t, "%.3f", elapsed > 0 ? 100.0 * p->cpu_s / elapsed : 0.0);
                break;
        case F_PGID:
                cmd_table_cell(t, "%ld", ns_pid(p->host_pgid, c->ns));
                break;
        case F_PID:
                cmd_table_cell(t, "%ld", p->nspid);
                break;
        case F_PPID:
                cmd_table_cell(t, "%ld", ns_pid(p->host_ppid, c->ns));
                break;
        case F_RSS:
                cmd_table_cell(t, "%ld", p->rss * (sysconf(_SC_PAGESIZE) / 1024));
                break;
        case F_SECCOMP:
                cmd_table_cell(t, "%s",
                               p->seccomp == 2   ? "filter"
                               : p->seccomp == 1 ? "strict"
                                                 : "disabled");
                break;
        case F_STATE:
                cmd_table_cell(t, "%c", p->state);
                break;
        case F_STIME: {
                time_t start = (time_t) (c->btime + p->start_s);
                struct tm tm;
                char buf[64];

                gmtime_r(&start, &tm);
                strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
                cmd_table_cell(t, "%s", buf);
                break;
        }
        case F_TIME:
                go_duration(t, (double) (long) p->cpu_s);
                break;
        case F_TTY:
                cmd_table_cell(t, "%s", p->tty);
                break;
        case F_VSZ:
                cmd_table_cell(t, "%llu", p->vsize / 1024);
                break;
        }
}

/* the boot time, seconds since the epoch (/proc/stat's btime) */
static double boot_time(void)
{
        _cleanup_free_ char *stat = NULL;
        struct eng_error *e = NULL;
        const char *b;

        if (eng_read_file("/proc/stat", 1 << 20, &stat, NULL, &e) < 0) {
                eng_err_free(e);
                return 0;
        }
        b = strstr(stat, "\nbtime ");
        return b ? strtod(b + 7, NULL) : 0;
}

static char *read_map(long pid, const char *which)
{
        char path[64], *map = NULL;
        struct eng_error *e = NULL;

        snprintf(path, sizeof(path), "/proc/%ld/%s", pid, which);
        if (eng_read_file(path, 65536, &map, NULL, &e) < 0) {
                eng_err_free(e);
                map = eng_xstrdup("");
        }
        return map;
}

int cmd_top(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        struct cmd_store cs = CMD_STORE_INIT;
        _cleanup_json_ json_t *rec = NULL;
        _cleanup_free_ char *uid_map = NULL, *gid_map = NULL, *passwd = NULL, *group = NULL;
        _cleanup_free_ const struct descriptor **descs = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        struct cmd_table t;
        struct top_ctx c = { .up = uptime_s() };
        size_t ndescs = 0;
        long pid;
        int first, r;

        r = cmd_parse(cmd, argc, argv, NULL, NULL, NULL, &first, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (first >= argc)
                return eng_err(err, ENG_E_USAGE, 0, "'eng top' needs a container");
        /* ps options, not descriptors: the container's own ps(1) runs them, as podman does */
        for (int i = first + 1; i < argc; i++) {
                if (argv[i][0] == '-') {
                        _cleanup_free_ char **ps =
                                eng_xcalloc((size_t) (argc - first) + 3, sizeof(char *));
                        int n = 0;

                        ps[n++] = (char *) "exec";
                        ps[n++] = argv[first];
                        ps[n++] = (char *) "ps";
                        for (int k = first + 1; k < argc; k++)
                                ps[n++] = argv[k];
                        return cmd_exec(cmd_find("exec"), n, ps, err);
                }
        }
        if (parse_descriptors(argv + first + 1, (size_t) (argc - first - 1), &descs, &ndescs, err) <
            0)
                return -1;
        r = -1;
        if (cmd_store_open(&cs, false, err) < 0)
                goto out;
        rec = cmd_container_running(&cs, argv[first], "top can only be used on running containers",
                                    err);
        if (!rec)
                goto out;
        pid = (long) json_integer_value(json_object_get(rec, "pid"));
        c.ns = ns_inode(pid);
        c.uid_map = uid_map = read_map(pid, "uid_map");
        c.gid_map = gid_map = read_map(pid, "gid_map");
        c.btime = boot_time();
        /* names as the container knows them; numbers when it has no such files */
        {
                struct eng_error *e = NULL;

                if (storage_container_read_file(&cs.store, rec, "/etc/passwd", 1 << 20, &passwd,
                                                &e) < 0)
                        e = eng_err_free(e);
                if (storage_container_read_file(&cs.store, rec, "/etc/group", 1 << 20, &group, &e) <
                    0)
                        e = eng_err_free(e);
                c.passwd = passwd;
                c.group = group;
        }
        cmd_table_init(&t, ndescs);
        for (size_t i = 0; i < ndescs; i++)
                cmd_table_cell(&t, "%s", descs[i]->header);
        d = opendir("/proc");
        while (d && (de = readdir(d))) {
                struct proc_info p;
                long q = strtol(de->d_name, NULL, 10);

                if (q <= 0 || ns_inode(q) != c.ns || !read_proc(q, &p))
                        continue;
                for (size_t i = 0; i < ndescs; i++)
                        add_cell(&t, &c, &p, descs[i]->field);
                free(p.args);
        }
        cmd_table_print(&t);
        r = 0;
out:
        cmd_store_close(&cs);
        return r;
}
