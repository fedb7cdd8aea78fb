/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/process.h"
#include "common/strbuf.h"
#include "common/userns.h"
#include "common/xalloc.h"

#include "common/banned.h"

/* The kernel accepts at most this many lines in uid_map and gid_map. */
#define MAX_MAP_LINES  340
#define SUBID_FILE_MAX (4 * 1024 * 1024)

static int parse_u32(const char *s, uint32_t *ret)
{
        char *end;
        unsigned long long v;

        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || *end || v > UINT32_MAX)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

/* The ranges of @data's lines for @name or @idstr, or every line's with @all. */
static void subid_parse(char *data, const char *name, const char *idstr, bool all,
                        struct eng_subid_range **ret_ranges, size_t *ret_n)
{
        _cleanup_free_ struct eng_subid_range *ranges = NULL;
        size_t n = 0;

        for (char *line = data, *next; line && *line; line = next) {
                char *f1, *f2;
                struct eng_subid_range r;

                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                if (*line == '#')
                        continue;
                f1 = strchr(line, ':');
                if (!f1)
                        continue;
                *f1++ = '\0';
                f2 = strchr(f1, ':');
                if (!f2)
                        continue;
                *f2++ = '\0';
                if (!all && strcmp(line, idstr) != 0 && !(name && strcmp(line, name) == 0))
                        continue;
                if (parse_u32(f1, &r.start) < 0 || parse_u32(f2, &r.count) < 0 || r.count == 0 ||
                    (uint64_t) r.start + r.count > (uint64_t) UINT32_MAX + 1)
                        continue;
                ranges = eng_xreallocarray(ranges, n + 1, sizeof(*ranges));
                ranges[n++] = r;
        }
        *ret_ranges = TAKE_PTR(ranges);
        *ret_n = n;
}

/* @file's content, or NULL (with 0) when it is missing */
static int subid_file(const char *file, char **ret, struct eng_error **err)
{
        struct eng_error *rerr = NULL;

        *ret = NULL;
        if (eng_read_file(file, SUBID_FILE_MAX, ret, NULL, &rerr) < 0) {
                if (rerr->errnum == ENOENT) {
                        eng_err_free(rerr);
                        return 0;
                }
                *err = rerr;
                return eng_err_return(rerr);
        }
        return 0;
}

int eng_subid_read(const char *file, const char *name, uint32_t id,
                   struct eng_subid_range **ret_ranges, size_t *ret_n, struct eng_error **err)
{
        _cleanup_free_ char *data = NULL;
        char idstr[16];

        if (subid_file(file, &data, err) < 0)
                return -1;
        snprintf(idstr, sizeof(idstr), "%" PRIu32, id);
        subid_parse(data, name, idstr, false, ret_ranges, ret_n);
        return 0;
}

int64_t eng_subid_free_start(const char *file, uint32_t count, struct eng_error **err)
{
        _cleanup_free_ char *data = NULL;
        _cleanup_free_ struct eng_subid_range *r = NULL;
        uint64_t start = ENG_SUBID_MIN;
        size_t n = 0;
        bool moved;

        if (subid_file(file, &data, err) < 0)
                return -1;
        subid_parse(data, NULL, NULL, true, &r, &n);
        /* past every range it meets, until none does */
        do {
                moved = false;
                for (size_t i = 0; i < n; i++)
                        if (start < (uint64_t) r[i].start + r[i].count &&
                            r[i].start < start + count) {
                                start = (uint64_t) r[i].start + r[i].count;
                                moved = true;
                        }
        } while (moved && start + count <= (uint64_t) UINT32_MAX + 1);
        if (start + count > (uint64_t) UINT32_MAX + 1)
                return eng_err(err, ENG_E_NOTFOUND, 0, "%s has no free range of %" PRIu32 " ids",
                               file, count);
        return (int64_t) start;
}

static void build_one(uint32_t id, const struct eng_subid_range *sub, size_t nsub,
                      struct eng_idrange **ret, size_t *ret_n)
{
        struct eng_idrange *r = eng_xcalloc(nsub + 1, sizeof(*r));
        uint64_t next = 1;
        size_t n = 0;

        r[n++] = (struct eng_idrange){ .container = 0, .host = id, .size = 1 };
        for (size_t i = 0; i < nsub && n < MAX_MAP_LINES; i++) {
                uint64_t size = sub[i].count;

                if (next > UINT32_MAX)
                        break;
                if (next + size > (uint64_t) UINT32_MAX)
                        size = (uint64_t) UINT32_MAX - next;
                if (size == 0)
                        break;
                r[n++] = (struct eng_idrange){ .container = (uint32_t) next,
                                               .host = sub[i].start,
                                               .size = (uint32_t) size };
                next += size;
        }
        *ret = r;
        *ret_n = n;
}

void eng_idmap_build(uint32_t uid, const struct eng_subid_range *subuid, size_t nsubuid,
                     uint32_t gid, const struct eng_subid_range *subgid, size_t nsubgid,
                     struct eng_idmap *ret)
{
        build_one(uid, subuid, nsubuid, &ret->uid, &ret->nuid);
        build_one(gid, subgid, nsubgid, &ret->gid, &ret->ngid);
}

static char *user_name(uid_t uid)
{
        struct passwd *pw = getpwuid(uid);

        return pw ? eng_xstrdup(pw->pw_name) : NULL;
}

int eng_idmap_for_user(struct eng_idmap *ret, struct eng_error **err)
{
        _cleanup_free_ struct eng_subid_range *su = NULL, *sg = NULL;
        _cleanup_free_ char *name = user_name(geteuid());
        const char *uidfile = getenv("ENG_SUBUID_FILE");
        const char *gidfile = getenv("ENG_SUBGID_FILE");
        size_t nsu = 0, nsg = 0;

        if (geteuid() == 0) {
                /* root needs no subordinate ids: it maps every id onto itself, as the first
                 * namespace does */
                struct eng_idrange all = { .container = 0, .host = 0, .size = UINT32_MAX };

                ret->uid = eng_xmalloc(sizeof(all));
                ret->gid = eng_xmalloc(sizeof(all));
                ret->uid[0] = ret->gid[0] = all;
                ret->nuid = ret->ngid = 1;
                return 0;
        }
        if (eng_subid_read(uidfile ? uidfile : ENG_SUBUID_FILE, name, geteuid(), &su, &nsu, err) <
            0)
                return -1;
        if (eng_subid_read(gidfile ? gidfile : ENG_SUBGID_FILE, name, geteuid(), &sg, &nsg, err) <
            0)
                return -1;
        eng_idmap_build(geteuid(), su, nsu, getegid(), sg, nsg, ret);
        return 0;
}

void eng_idmap_release(struct eng_idmap *map)
{
        free(map->uid);
        free(map->gid);
        *map = (struct eng_idmap){ 0 };
}

bool eng_idmap_contains(const struct eng_idrange *r, size_t n, uint32_t id)
{
        for (size_t i = 0; i < n; i++)
                if (id >= r[i].container && id - r[i].container < r[i].size)
                        return true;
        return false;
}

bool eng_userns_is_initial(void)
{
        _cleanup_free_ char *map = NULL;
        struct eng_error *e = NULL;
        unsigned long a, b, n;
        char tail;

        if (eng_read_file("/proc/self/uid_map", 4096, &map, NULL, &e) < 0) {
                eng_err_free(e);
                return geteuid() == 0; /* no /proc: nothing better to go by */
        }
        return sscanf(map, " %lu %lu %lu %c", &a, &b, &n, &tail) == 3 && a == 0 && b == 0 &&
               n == 4294967295UL;
}

bool eng_idmap_is_single(const struct eng_idmap *map)
{
        return eng_idmap_count(map->uid, map->nuid) <= 1 ||
               eng_idmap_count(map->gid, map->ngid) <= 1;
}

uint64_t eng_idmap_count(const struct eng_idrange *r, size_t n)
{
        uint64_t total = 0;

        for (size_t i = 0; i < n; i++)
                total += r[i].size;
        return total;
}

char *eng_idmap_format(const struct eng_idrange *r, size_t n)
{
        struct eng_strbuf b = ENG_STRBUF_INIT;

        for (size_t i = 0; i < n; i++)
                eng_strbuf_addf(&b, "%s%" PRIu32 ":%" PRIu32 ":%" PRIu32, i ? "," : "",
                                r[i].container, r[i].host, r[i].size);
        return eng_strbuf_steal(&b);
}

void eng_idmap_helper_check(const char *name, struct eng_idmap_helper *ret)
{
        struct stat st;

        *ret = (struct eng_idmap_helper){ 0 };
        ret->path = eng_find_program(name);
        if (!ret->path) {
                ret->detail = eng_xasprintf(
                        "'%s' is not installed: install the Debian package uidmap (Fedora: shadow-utils)",
                        name);
                return;
        }
        if (stat(ret->path, &st) < 0) {
                ret->detail = eng_xasprintf("cannot check '%s': %s", ret->path, strerror(errno));
                return;
        }
        if ((st.st_mode & S_ISUID) && st.st_uid == 0) {
                ret->usable = true;
                ret->detail = eng_xstrdup("setuid root");
                return;
        }
        if (getxattr(ret->path, "security.capability", NULL, 0) > 0) {
                ret->usable = true;
                ret->detail = eng_xstrdup("file capabilities");
                return;
        }
        ret->detail = eng_xasprintf(
                "'%s' is neither setuid root nor has file capabilities: as root, run 'chmod u+s %s' or reinstall the package uidmap",
                ret->path, ret->path);
}

void eng_idmap_helper_release(struct eng_idmap_helper *h)
{
        free(h->path);
        free(h->detail);
        *h = (struct eng_idmap_helper){ 0 };
}

/* --- running in a new user namespace */

static int write_proc_file(pid_t pid, const char *file, const char *data)
{
        char path[64];

        snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, file);
        return eng_write_string(path, data);
}

static int write_map_direct(pid_t pid, const char *file, const struct eng_idrange *r, size_t n,
                            struct eng_error **err)
{
        _cleanup_strbuf_ struct eng_strbuf buf = ENG_STRBUF_INIT;
        int ret;

        for (size_t i = 0; i < n; i++)
                eng_strbuf_addf(&buf, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n", r[i].container,
                                r[i].host, r[i].size);
        ret = write_proc_file(pid, file, eng_strbuf_str(&buf));
        if (ret < 0)
                return eng_err(err, ENG_E_SYS, -ret, "writing /proc/%d/%s", (int) pid, file);
        return 0;
}

static int start_map_helper(const char *helper, pid_t pid, const struct eng_idrange *r, size_t n,
                            struct eng_program *ret, struct eng_error **err)
{
        _cleanup_strv_ char **argv = eng_xcalloc(3 * n + 3, sizeof(char *));
        size_t a = 0;

        argv[a++] = eng_xstrdup(helper);
        argv[a++] = eng_xasprintf("%d", (int) pid);
        for (size_t i = 0; i < n; i++) {
                argv[a++] = eng_xasprintf("%" PRIu32, r[i].container);
                argv[a++] = eng_xasprintf("%" PRIu32, r[i].host);
                argv[a++] = eng_xasprintf("%" PRIu32, r[i].size);
        }
        if (eng_program_start(argv, ret, err) < 0)
                return eng_err_wrap(err, "mapping ids with '%s'", helper);
        return 0;
}

static int finish_map_helper(const char *helper, struct eng_program *p, struct eng_error **err)
{
        if (eng_program_finish(p, NULL, err) < 0)
                return eng_err_wrap(err, "mapping ids with '%s'", helper);
        return 0;
}

static bool is_self_only(const struct eng_idrange *r, size_t n, uint32_t self)
{
        return n == 1 && r[0].host == self && r[0].size == 1;
}

int eng_idmap_apply(pid_t pid, const struct eng_idmap *map, struct eng_error **err)
{
        bool privileged = geteuid() == 0;
        struct eng_program gid_helper = { .pid = 0 }, uid_helper = { .pid = 0 };
        struct eng_error *uid_err = NULL;
        int r = 0;

        /*
         * gid_map first: newgidmap needs the process's setgroups still
         * allowed.  The two helpers run side by side (each is an exec of a
         * setuid program: 2 ms here, on every container and layer).
         */
        if (privileged || is_self_only(map->gid, map->ngid, getegid())) {
                if (!privileged) {
                        r = write_proc_file(pid, "setgroups", "deny");
                        if (r < 0)
                                return eng_err(err, ENG_E_SYS, -r, "writing /proc/%d/setgroups",
                                               (int) pid);
                }
                if (write_map_direct(pid, "gid_map", map->gid, map->ngid, err) < 0)
                        return -1;
        } else if (start_map_helper("newgidmap", pid, map->gid, map->ngid, &gid_helper, err) < 0)
                return -1;

        if (privileged || is_self_only(map->uid, map->nuid, geteuid()))
                r = write_map_direct(pid, "uid_map", map->uid, map->nuid, &uid_err);
        else if ((r = start_map_helper("newuidmap", pid, map->uid, map->nuid, &uid_helper,
                                       &uid_err)) == 0)
                r = finish_map_helper("newuidmap", &uid_helper, &uid_err);

        /* the gid helper's error first: it was asked first */
        if (gid_helper.pid > 0 && finish_map_helper("newgidmap", &gid_helper, err) < 0) {
                eng_err_free(uid_err);
                return -1;
        }
        if (r < 0) {
                *err = uid_err;
                return -1;
        }
        return 0;
}

static const char *userns_disabled_reason(void)
{
        _cleanup_free_ char *v = NULL;
        struct eng_error *e = NULL;

        if (eng_read_file("/proc/sys/kernel/unprivileged_userns_clone", 64, &v, NULL, &e) == 0 &&
            v[0] == '0')
                return "unprivileged user namespaces are disabled (sysctl kernel.unprivileged_userns_clone=0; as root: sysctl -w kernel.unprivileged_userns_clone=1)";
        e = eng_err_free(e);
        free(TAKE_PTR(v));
        if (eng_read_file("/proc/sys/user/max_user_namespaces", 64, &v, NULL, &e) == 0 &&
            v[0] == '0')
                return "user namespaces are disabled (sysctl user.max_user_namespaces=0; as root: sysctl -w user.max_user_namespaces=15000)";
        e = eng_err_free(e);
        free(TAKE_PTR(v));
        if (eng_read_file("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", 64, &v, NULL,
                          &e) == 0 &&
            v[0] == '1')
                return "AppArmor restricts unprivileged user namespaces (sysctl kernel.apparmor_restrict_unprivileged_userns=1); give eng an AppArmor profile that allows userns, or set that sysctl to 0";
        e = eng_err_free(e);
        return NULL;
}

static int cmp_int(const void *a, const void *b)
{
        return *(const int *) a - *(const int *) b;
}

/* Close every fd above 2 but @keep (@n of them) and @sync_fd. */
static void close_other_fds(const int *keep, size_t n, int sync_fd)
{
        int *k = eng_xcalloc(n + 1, sizeof(int));
        unsigned int from = 3;

        memcpy(k, keep, n * sizeof(int));
        k[n] = sync_fd;
        qsort(k, n + 1, sizeof(int), cmp_int);
        for (size_t i = 0; i <= n; i++) {
                if (k[i] < (int) from)
                        continue;
                if ((unsigned int) k[i] > from)
                        (void) close_range(from, (unsigned int) k[i] - 1, 0);
                from = (unsigned int) k[i] + 1;
        }
        (void) close_range(from, ~0U, 0);
        free(k);
}

/* The sync socket of this process when it is a spawned child, else -1. */
static int child_sync_fd = -1;

int eng_userns_child_sync_fd(void)
{
        return child_sync_fd;
}

static _Noreturn void child_main(int sync_fd, int flags, int (*fn)(void *, struct eng_error **),
                                 void *arg, const int *keep_fds, size_t nkeep)
{
        struct eng_error *e = NULL;
        char c = 'r';

        child_sync_fd = sync_fd;
        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (keep_fds)
                close_other_fds(keep_fds, nkeep, sync_fd);
        if (unshare(CLONE_NEWUSER | flags) < 0) {
                eng_err(&e, ENG_E_SYS, errno, "creating a user namespace");
                eng_err_send(sync_fd, e);
                _exit(1);
        }
        if (write(sync_fd, &c, 1) != 1)
                _exit(1);
        if (read(sync_fd, &c, 1) != 1 || c != 'g')
                _exit(1); /* the parent could not map us; it has the error */
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
                eng_err(&e, ENG_E_SYS, errno, "becoming root in the user namespace");
                eng_err_send(sync_fd, e);
                _exit(1);
        }
        /* Denied when setgroups is "deny" (single mapping): then there are none to drop. */
        (void) setgroups(0, NULL);
        if (fn(arg, &e) < 0) {
                if (!e)
                        eng_err(&e, ENG_E_SYS, EIO, "internal error: failure without an error");
                eng_err_send(sync_fd, e);
                _exit(1);
        }
        _exit(0);
}

int eng_userns_spawn(const struct eng_idmap *map, int extra_flags,
                     int (*fn)(void *arg, struct eng_error **err), void *arg, const int *keep_fds,
                     size_t nkeep, struct eng_userns_child *ret, struct eng_error **err)
{
        int sv[2];
        pid_t pid;
        struct eng_err_wire w;
        ssize_t n;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return eng_err(err, ENG_E_SYS, errno, "creating a sync socket");
        pid = fork();
        if (pid < 0) {
                eng_close_safe(sv[0]);
                eng_close_safe(sv[1]);
                return eng_err(err, ENG_E_SYS, errno, "forking");
        }
        if (pid == 0) {
                eng_close_safe(sv[0]);
                child_main(sv[1], extra_flags, fn, arg, keep_fds, nkeep);
        }
        eng_close_safe(sv[1]);
        _cleanup_close_ int fd = sv[0];

        /* SOCK_SEQPACKET: one read is one record, the 1-byte "ready" or an error */
        do
                n = read(fd, &w, sizeof(w));
        while (n < 0 && errno == EINTR);
        if (n == (ssize_t) sizeof(w)) {
                const char *why = userns_disabled_reason();

                w.msg[sizeof(w.msg) - 1] = '\0';
                (void) eng_wait_child(pid);
                if (why)
                        return eng_err(err, ENG_E_SYS, w.errnum, "%s: %s", w.msg, why);
                return eng_err_from_wire(&w, err);
        }
        if (n != 1) {
                (void) eng_wait_child(pid);
                return eng_err(err, ENG_E_SYS, EIO,
                               "the user namespace child died before it was mapped");
        }
        if (eng_idmap_apply(pid, map, err) < 0) {
                (void) kill(pid, SIGKILL);
                (void) eng_wait_child(pid);
                return -1;
        }
        if (write(fd, "g", 1) != 1) {
                int e = errno;
                (void) kill(pid, SIGKILL);
                (void) eng_wait_child(pid);
                return eng_err(err, ENG_E_SYS, e, "starting the user namespace child");
        }
        ret->pid = pid;
        ret->sync_fd = TAKE_FD(fd);
        return 0;
}

int eng_userns_wait_status(struct eng_userns_child *child, int *ret_status, struct eng_error **err)
{
        bool have_err = eng_err_recv(child->sync_fd, err) > 0;
        int status = eng_wait_child(child->pid);

        child->sync_fd = eng_close_safe(child->sync_fd);
        child->pid = 0;
        if (have_err)
                return eng_err_return(*err);
        if (status < 0)
                return eng_err(err, ENG_E_SYS, -status, "waiting for the user namespace child");
        *ret_status = status;
        return 0;
}

int eng_userns_wait(struct eng_userns_child *child, struct eng_error **err)
{
        int status;

        if (eng_userns_wait_status(child, &status, err) < 0)
                return -1;
        if (status > 128)
                return eng_err(err, ENG_E_SYS, 0,
                               "the user namespace child was killed by signal %d", status - 128);
        if (status != 0)
                return eng_err(err, ENG_E_SYS, 0, "the user namespace child exited with status %d",
                               status);
        return 0;
}

int eng_userns_run(const struct eng_idmap *map, int extra_flags,
                   int (*fn)(void *arg, struct eng_error **err), void *arg, struct eng_error **err)
{
        struct eng_userns_child child;

        if (eng_userns_spawn(map, extra_flags, fn, arg, NULL, 0, &child, err) < 0)
                return -1;
        return eng_userns_wait(&child, err);
}
