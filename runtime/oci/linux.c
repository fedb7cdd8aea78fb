/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Making a container process (crun's linux.c): clone into the new
 * namespaces, map the ids from the parent, set up the root file system in
 * the child, drop to the process's user, capabilities and seccomp, execute.
 *
 * The child reports over a SOCK_SEQPACKET socket that is close-on-exec:
 * an error record if a step failed, a pty master if it made one, "ready"
 * when it waits for "start", and end of file once execve() succeeded.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fdpass.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "runtime/oci/oci-internal.h"

#include "common/banned.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* --- passing descriptors */

/* --- in the child */

static _Noreturn void child_fail(int sync_fd, struct eng_error *e)
{
        if (!e)
                eng_err(&e, ENG_E_SYS, EIO, "internal error: failure without an error");
        eng_err_send(sync_fd, e);
        _exit(1);
}

int oci_setup_terminal(const struct oci_process *p, int console_socket, int sync_fd,
                       struct eng_error **err)
{
        _cleanup_close_ int master = -1, slave = -1;
        char name[64];
        int unlock = 0;

        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return eng_err(err, ENG_E_SYS, errno, "opening /dev/ptmx in the container");
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ptsname_r(master, name, sizeof(name)) != 0)
                return eng_err(err, ENG_E_SYS, errno, "unlocking the pty");
        slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return eng_err(err, ENG_E_SYS, errno, "opening '%s'", name);
        /* the process's own terminal, as a login's is (crun, runc): mesg, chmod work */
        if (fchown(slave, p->uid, (gid_t) -1) < 0)
                return eng_err(err, ENG_E_SYS, errno, "giving '%s' to uid %u", name,
                               (unsigned) p->uid);
        if (p->console_width && p->console_height) {
                struct winsize ws = { .ws_row = p->console_height, .ws_col = p->console_width };

                (void) ioctl(slave, TIOCSWINSZ, &ws);
        }
        if (setsid() < 0 && errno != EPERM)
                return eng_err(err, ENG_E_SYS, errno, "making a session");
        if (ioctl(slave, TIOCSCTTY, 0) < 0)
                return eng_err(err, ENG_E_SYS, errno, "making '%s' the controlling terminal", name);
        for (int i = 0; i < 3; i++)
                if (dup2(slave, i) < 0)
                        return eng_err(err, ENG_E_SYS, errno, "using the pty as stdio");
        if (eng_fd_send(console_socket >= 0 ? console_socket : sync_fd, &(char){ OCI_SYNC_PTY }, 1,
                        master) < 0)
                return eng_err(err, ENG_E_SYS, errno, "sending the pty master");
        return 0;
}

static int cap_last(void)
{
        static int last = -1;
        _cleanup_free_ char *v = NULL;
        struct eng_error *e = NULL;

        if (last >= 0)
                return last;
        last = 40;
        if (eng_read_file("/proc/sys/kernel/cap_last_cap", 32, &v, NULL, &e) == 0)
                last = (int) strtol(v, NULL, 10);
        eng_err_free(e);
        return last;
}

static int set_caps(const struct oci_process *p, struct eng_error **err)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
        struct __user_cap_data_struct d[2];

        d[0].effective = (uint32_t) p->cap_effective;
        d[1].effective = (uint32_t) (p->cap_effective >> 32);
        d[0].permitted = (uint32_t) p->cap_permitted;
        d[1].permitted = (uint32_t) (p->cap_permitted >> 32);
        d[0].inheritable = (uint32_t) p->cap_inheritable;
        d[1].inheritable = (uint32_t) (p->cap_inheritable >> 32);
        if (syscall(SYS_capset, &h, d) < 0)
                return eng_err(err, ENG_E_SYS, errno, "setting the capabilities");
        for (int c = 0; c <= cap_last() && c < 64; c++)
                if ((p->cap_ambient >> c) & 1)
                        /* Only a capability both permitted and inheritable can be
                         * ambient; runc's example spec asks for others (crun too
                         * lets that pass). */
                        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0 &&
                            errno != EPERM && errno != EINVAL)
                                return eng_err(err, ENG_E_SYS, errno,
                                               "raising ambient capability %d", c);
        return 0;
}

static int drop_bounding(const struct oci_process *p, struct eng_error **err)
{
        for (int c = 0; c <= cap_last(); c++) {
                if (c < 64 && ((p->cap_bounding >> c) & 1))
                        continue;
                if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
                        return eng_err(err, ENG_E_SYS, errno, "dropping capability %d", c);
        }
        return 0;
}

static int set_user(const struct oci_process *p, struct eng_error **err)
{
        gid_t *gids = eng_xcalloc(p->nadditional_gids + 1, sizeof(gid_t));
        int r;

        for (size_t i = 0; i < p->nadditional_gids; i++)
                gids[i] = p->additional_gids[i];
        r = p->keep_groups ? 0 : setgroups(p->nadditional_gids, gids);
        free(gids);
        /* setgroups is denied in a single-id user namespace: fine with no groups */
        if (r < 0 && !(errno == EPERM && p->nadditional_gids == 0))
                return eng_err(err, ENG_E_SYS, errno, "setting the supplementary groups");
        if (setresgid(p->gid, p->gid, p->gid) < 0)
                return eng_err(err, ENG_E_SYS, errno,
                               "setting gid %" PRIu32 " (is it mapped in the user namespace?)",
                               p->gid);
        if (setresuid(p->uid, p->uid, p->uid) < 0)
                return eng_err(err, ENG_E_SYS, errno,
                               "setting uid %" PRIu32 " (is it mapped in the user namespace?)",
                               p->uid);
        return 0;
}

static const char *env_get(char *const *env, const char *name)
{
        size_t n = strlen(name);

        for (char *const *e = env; e && *e; e++)
                if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
                        return *e + n + 1;
        return NULL;
}

/*
 * The file execvpe() would run for @p, found with the PATH of the
 * container's environment, not ours: a missing or unusable command is an
 * error here, before the process executes (or waits for start: runc and
 * crun fail create for it too).
 */
static int find_executable(const struct oci_process *p, char **ret, struct eng_error **err)
{
        const char *file = p->args[0];
        const char *path;
        int saved = ENOENT;

        if (strchr(file, '/')) {
                if (access(file, X_OK) < 0)
                        return eng_err(err, ENG_E_EXEC, errno, "executing '%s'", file);
                *ret = eng_xstrdup(file);
                return 0;
        }
        path = env_get(p->env, "PATH");
        if (!path)
                path = DEFAULT_PATH;
        _cleanup_strv_ char **dirs = eng_strv_split(path, ":");
        ENG_STRV_FOREACH(d, dirs) {
                _cleanup_free_ char *full = eng_xasprintf("%s/%s", *d, file);
                struct stat st;

                if (stat(full, &st) < 0 || S_ISDIR(st.st_mode))
                        continue;
                if (access(full, X_OK) == 0) {
                        *ret = TAKE_PTR(full);
                        return 0;
                }
                saved = errno;
        }
        if (saved != ENOENT)
                return eng_err(err, ENG_E_EXEC, saved, "executing '%s'", file);
        return eng_err(err, ENG_E_EXEC, ENOENT, "executable file '%s' not found in $PATH", file);
}

static int exec_process(const struct oci_process *p, struct eng_error **err)
{
        _cleanup_free_ char *file = NULL;

        if (find_executable(p, &file, err) < 0)
                return -1;
        execve(file, p->args, p->env);
        return eng_err(err, ENG_E_EXEC, errno, "executing '%s'", file);
}

/* the home directory of @uid in the container's /etc/passwd, "/" when none */
static char *passwd_home(uint32_t uid)
{
        _cleanup_free_ char *data = NULL;
        _cleanup_close_ int fd = -1;
        struct eng_error *e = NULL;
        struct stat st;

        /* the image's file: a FIFO or a device there must not hang us */
        fd = open("/etc/passwd", O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return eng_xstrdup("/");
        if (eng_read_file_fd(fd, "/etc/passwd", 4u << 20, &data, NULL, &e) < 0) {
                eng_err_free(e);
                return eng_xstrdup("/");
        }
        for (char *line = data; line && *line;) {
                char *next = strchr(line, '\n'), *f[7] = { 0 };
                int n = 0;

                if (next)
                        *next++ = '\0';
                for (char *c = line; n < 7; n++) {
                        f[n] = c;
                        c = strchr(c, ':');
                        if (!c)
                                break;
                        *c++ = '\0';
                }
                if (n >= 5 && f[2][0] && strtoul(f[2], NULL, 10) == uid && f[5][0] == '/')
                        return eng_xstrdup(f[5]);
                line = next;
        }
        return eng_xstrdup("/");
}

/* The process's environment and what the runtime adds: HOME, LISTEN_PID. */
static char **process_env(const struct oci_process *p, const struct oci_finish *f)
{
        size_t n = eng_strv_length(p->env);
        char **env = eng_xcalloc(n + 3, sizeof(char *));

        for (size_t i = 0; i < n; i++)
                env[i] = eng_xstrdup(p->env[i]);
        if (!env_get(env, "HOME")) {
                _cleanup_free_ char *home = passwd_home(p->uid);

                env[n++] = eng_xasprintf("HOME=%s", home);
        }
        if ((f->listen_pid || env_get(env, "LISTEN_FDS")) && !env_get(env, "LISTEN_PID"))
                env[n++] = eng_xasprintf("LISTEN_PID=%d", (int) getpid());
        return env;
}

static void report_and_exit(struct eng_error *e, int status)
{
        _cleanup_free_ char *m = eng_err_format(e);

        dprintf(STDERR_FILENO, "eng-runtime: %s\n", m);
        _exit(status);
}

/* Wait on the exec fifo's read end until 'start' writes a byte to it. */
static int wait_for_start(int fd)
{
        for (;;) {
                struct pollfd pf = { .fd = fd, .events = POLLIN };
                ssize_t n;
                char c;

                if (poll(&pf, 1, -1) < 0 && errno != EINTR)
                        return -1;
                n = read(fd, &c, 1);
                if (n == 1)
                        return 0;
                if (n < 0 && errno != EAGAIN && errno != EINTR)
                        return -1;
                /* a 'start' that went away before it wrote: wait for the next
                 * (the hang-up stays, so do not spin on it) */
                if (n == 0)
                        (void) poll(NULL, 0, 100);
        }
}

/* the filter, its notify fd (a listenerPath) to the starting side */
static int load_seccomp(const struct oci_finish *f, struct eng_error **err)
{
        int fd = -1, r;

        if (oci_seccomp_load(f->seccomp, &fd, err) < 0)
                return -1;
        if (fd < 0)
                return 0;
        r = eng_fd_send(f->sync_fd, &(char){ OCI_SYNC_SECCOMP }, 1, fd);
        close(fd);
        return r < 0 ? eng_err(err, ENG_E_SYS, -r, "passing on the seccomp notify fd") : 0;
}

int oci_process_finish(const struct oci_process *p, const struct oci_finish *f,
                       struct eng_error **err)
{
        _cleanup_strv_ char **env = NULL;
        struct oci_process run;

        for (size_t i = 0; i < p->nrlimits; i++) {
                struct rlimit rl = { .rlim_cur = p->rlimits[i].soft,
                                     .rlim_max = p->rlimits[i].hard };

                if (setrlimit(p->rlimits[i].resource, &rl) < 0)
                        return eng_err(err, ENG_E_SYS, errno, "setting rlimit %d",
                                       p->rlimits[i].resource);
        }
        if (p->has_umask)
                umask(p->umask);
        if (p->has_oom_score_adj) {
                char v[16];
                int r;

                snprintf(v, sizeof(v), "%d", p->oom_score_adj);
                r = eng_write_string("/proc/self/oom_score_adj", v);
                if (r < 0)
                        return eng_err(err, ENG_E_SYS, -r, "setting oom_score_adj to %s", v);
        }
        /* read as root, before the user changes: HOME from the container's passwd */
        env = process_env(p, f);
        run = *p;
        run.env = env;
        if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return eng_err(err, ENG_E_SYS, errno, "setting no_new_privs");
        /* Without no_new_privs a filter needs CAP_SYS_ADMIN: load it while we
         * still have every capability of the namespace. */
        if (f->seccomp && !p->no_new_privileges && load_seccomp(f, err) < 0)
                return -1;
        if (drop_bounding(p, err) < 0)
                return -1;
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return eng_err(err, ENG_E_SYS, errno, "keeping capabilities");
        if (set_user(p, err) < 0)
                return -1;
        if (f->die_with_parent) {
                struct pollfd pf = { .fd = f->sync_fd, .events = POLLIN };

                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                /* a parent that died before that: its end of the socket hung up */
                if (poll(&pf, 1, 0) == 1 && (pf.revents & (POLLHUP | POLLERR)))
                        _exit(1);
        }
        (void) prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
        if (set_caps(p, err) < 0)
                return -1;
        if (chdir(p->cwd) < 0)
                return eng_err(err, ENG_E_SYS, errno, "entering the working directory '%s'",
                               p->cwd);
        if (f->seccomp && p->no_new_privileges && load_seccomp(f, err) < 0)
                return -1;
        if (f->exec_fifo_fd >= 0) {
                _cleanup_free_ char *file = NULL;
                char c = OCI_SYNC_READY;

                /* a command that is not there fails create, not start */
                if (find_executable(&run, &file, err) < 0)
                        return -1;
                if (write(f->sync_fd, &c, 1) != 1)
                        return eng_err(err, ENG_E_SYS, errno, "reporting ready");
                /* From here nobody reads the sync socket: failures go to stderr. */
                if (wait_for_start(f->exec_fifo_fd) < 0) {
                        eng_err(err, ENG_E_SYS, errno, "waiting for start");
                        report_and_exit(*err, 1);
                }
                close(f->exec_fifo_fd);
                if (f->spec && oci_hooks_run(f->spec, OCI_HOOK_START_CONTAINER, f->id, f->bundle,
                                             "created", getpid(), err) < 0)
                        report_and_exit(*err, 1);
                if (exec_process(&run, err) < 0)
                        report_and_exit(*err, (*err)->errnum == ENOENT ? 127 : 126);
        }
        if (f->spec && oci_hooks_run(f->spec, OCI_HOOK_START_CONTAINER, f->id, f->bundle, "created",
                                     getpid(), err) < 0)
                return -1;
        return exec_process(&run, err);
}

static int loopback_up(struct eng_error **err)
{
        struct ifreq ifr = { 0 };
        _cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        if (s < 0)
                return eng_err(err, ENG_E_SYS, errno, "opening a socket for the loopback");
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
        if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
                return eng_err(err, ENG_E_SYS, errno, "reading the flags of 'lo'");
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
                return eng_err(err, ENG_E_SYS, errno, "bringing 'lo' up");
        return 0;
}

static int write_sysctls(json_t *sysctl, struct eng_error **err)
{
        const char *key;
        json_t *v;

        json_object_foreach(sysctl, key, v) {
                _cleanup_free_ char *path = eng_xasprintf("/proc/sys/%s", key);
                const char *val = json_string_value(v);
                int r;

                if (!val || strstr(key, ".."))
                        return eng_err(err, ENG_E_INVALID, 0, "config.json: bad sysctl '%s'", key);
                for (char *c = path + 10; *c; c++)
                        if (*c == '.')
                                *c = '/';
                if ((r = eng_write_string(path, val)) < 0)
                        return eng_err(err, ENG_E_SYS, -r, "setting sysctl '%s'", key);
        }
        return 0;
}

/* whether the namespace at @path is another than ours of that kind (/proc/self/ns/@name) */
static bool ns_path_is_other(const char *path, const char *name)
{
        _cleanup_free_ char *self = eng_xasprintf("/proc/self/ns/%s", name);
        struct stat a, b;

        if (stat(path, &a) < 0 || stat(self, &b) < 0)
                return true; /* joining it fails later, with its own error */
        return a.st_dev != b.st_dev || a.st_ino != b.st_ino;
}

static bool has_own_ns(const struct oci_spec *spec, enum oci_ns k, const char *name)
{
        return spec->ns_new[k] || (spec->ns_path[k] && ns_path_is_other(spec->ns_path[k], name));
}

/*
 * A sysctl is written only where it belongs to a namespace of the
 * container's own; any other would change the host (fs.mqueue.* without an
 * IPC namespace, net.* without a network one, vm.*), so it is refused, as
 * runc and crun refuse it.
 */
static int check_sysctls(const struct oci_spec *spec, struct eng_error **err)
{
        static const char *const ipc_keys[] = { "kernel.msgmax", "kernel.msgmnb",
                                                "kernel.msgmni", "kernel.sem",
                                                "kernel.shmall", "kernel.shmmax",
                                                "kernel.shmmni", "kernel.shm_rmid_forced" };
        const char *key;
        json_t *v;

        json_object_foreach(spec->sysctl, key, v) {
                bool ipc = strncmp(key, "fs.mqueue.", 10) == 0;

                for (size_t i = 0; !ipc && i < ELEMENTSOF(ipc_keys); i++)
                        ipc = strcmp(key, ipc_keys[i]) == 0;
                if (!json_is_string(v) || strstr(key, "..") || strchr(key, '/'))
                        return eng_err(err, ENG_E_INVALID, 0, "config.json: bad sysctl '%s'", key);
                if (ipc && !has_own_ns(spec, OCI_NS_IPC, "ipc"))
                        return eng_err(
                                err, ENG_E_USAGE, 0,
                                "sysctl '%s' needs an IPC namespace of the container's own: it would change the host's",
                                key);
                if (ipc)
                        continue;
                if (strncmp(key, "net.", 4) == 0) {
                        if (!has_own_ns(spec, OCI_NS_NET, "net"))
                                return eng_err(
                                        err, ENG_E_USAGE, 0,
                                        "sysctl '%s' needs a network namespace of the container's own: it would change the host's",
                                        key);
                        continue;
                }
                if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0) {
                        if (!has_own_ns(spec, OCI_NS_UTS, "uts"))
                                return eng_err(
                                        err, ENG_E_USAGE, 0,
                                        "sysctl '%s' needs a UTS namespace of the container's own: it would change the host's",
                                        key);
                        continue;
                }
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "sysctl '%s' belongs to no namespace a container can have: it would change the host's",
                        key);
        }
        return 0;
}

static void oci_seccomp_prog_freep(struct oci_seccomp_prog **p)
{
        oci_seccomp_prog_free(*p);
}

static const int ns_clone_flags[OCI_NS_COUNT] = {
        [OCI_NS_USER] = CLONE_NEWUSER,     [OCI_NS_MOUNT] = CLONE_NEWNS,
        [OCI_NS_PID] = CLONE_NEWPID,       [OCI_NS_UTS] = CLONE_NEWUTS,
        [OCI_NS_IPC] = CLONE_NEWIPC,       [OCI_NS_NET] = CLONE_NEWNET,
        [OCI_NS_CGROUP] = CLONE_NEWCGROUP,
};

struct child_args {
        const struct oci_spec *spec;
        const struct oci_seccomp_prog *seccomp;
        const struct oci_start_opts *opts;
        int sync_fd;
        int fifo_fd;
        int null_fd;
        int out_fd[2]; /* the write ends of the stdout and stderr pipes, or -1 */
        int ns_fds[OCI_NS_COUNT];
        int unshare_flags;  /* new namespaces made inside a joined user namespace */
        bool late_cgroupns; /* a new cgroup namespace, made once in the container's cgroup */
        int *dev_fds;       /* oci_devices_precreate()'s, or NULL */
};

/*
 * A pid namespace takes only children: the container process is forked
 * again, as the runtime's child (CLONE_PARENT); the first child sends its
 * pid and goes.  Returns in the new child.
 */
static void fork_again(struct child_args *a)
{
        struct eng_error *e = NULL;
        char rec[1 + sizeof(pid_t)];
        pid_t c;

        c = (pid_t) syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
        if (c < 0) {
                eng_err(&e, ENG_E_SYS, errno, "forking into the pid namespace");
                child_fail(a->sync_fd, e);
        }
        if (c > 0) {
                rec[0] = OCI_SYNC_PID;
                memcpy(rec + 1, &c, sizeof(pid_t));
                _exit(write(a->sync_fd, rec, sizeof(rec)) == (ssize_t) sizeof(rec) ? 0 : 1);
        }
        if (a->opts->die_with_parent)
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/*
 * A user namespace joined by path: the namespaces to join go first (the
 * user one leads, for the rights in it), then the new ones are made inside
 * it.  A new pid namespace takes only children: the container process is
 * forked again, as the runtime's child (CLONE_PARENT), and its pid sent.
 */
static void join_user_namespace(struct child_args *a)
{
        struct eng_error *e = NULL;

        for (int k = 0; k < OCI_NS_COUNT; k++) {
                if (a->ns_fds[k] < 0)
                        continue;
                if (setns(a->ns_fds[k], ns_clone_flags[k]) < 0) {
                        eng_err(&e, ENG_E_SYS, errno, "joining the namespace '%s'",
                                a->spec->ns_path[k]);
                        child_fail(a->sync_fd, e);
                }
                close(a->ns_fds[k]);
                a->ns_fds[k] = -1;
        }
        if (a->unshare_flags && unshare(a->unshare_flags) < 0) {
                eng_err(&e, ENG_E_SYS, errno,
                        "creating the container's namespaces in the user namespace '%s'",
                        a->spec->ns_path[OCI_NS_USER]);
                child_fail(a->sync_fd, e);
        }
        fork_again(a);
}

static void join_pid_namespace(struct child_args *a)
{
        struct eng_error *e = NULL;

        if (setns(a->ns_fds[OCI_NS_PID], CLONE_NEWPID) < 0) {
                eng_err(&e, ENG_E_SYS, errno, "joining the namespace '%s'",
                        a->spec->ns_path[OCI_NS_PID]);
                child_fail(a->sync_fd, e);
        }
        close(a->ns_fds[OCI_NS_PID]);
        a->ns_fds[OCI_NS_PID] = -1;
        fork_again(a);
}

static _Noreturn void container_child(struct child_args *a)
{
        const struct oci_spec *spec = a->spec;
        struct eng_error *e = NULL;
        char c;

        if (a->opts->die_with_parent)
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (read(a->sync_fd, &c, 1) != 1 || c != 'g')
                _exit(1); /* the parent could not map our ids; it has the error */
        if (spec->ns_path[OCI_NS_USER])
                join_user_namespace(a);
        if (spec->ns_new[OCI_NS_USER] || spec->ns_path[OCI_NS_USER]) {
                if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
                        eng_err(&e, ENG_E_SYS, errno, "becoming root in the user namespace");
                        child_fail(a->sync_fd, e);
                }
                (void) setgroups(0, NULL);
                /* a uid change made us undumpable: the hooks (and exec) must be able
                 * to open our /proc/PID/ns files, as runc and crun allow */
                (void) prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
        }
        /* a pid namespace joined by path takes only children: fork into it,
         * as the runtime's child (CLONE_PARENT), and send the pid */
        if (spec->ns_path[OCI_NS_PID] && !spec->ns_path[OCI_NS_USER])
                join_pid_namespace(a);
        /* rooted at the container's cgroup, which the parent moved us into */
        if (a->late_cgroupns && unshare(CLONE_NEWCGROUP) < 0) {
                eng_err(&e, ENG_E_SYS, errno, "creating the cgroup namespace");
                child_fail(a->sync_fd, e);
        }
        /* createRuntime hooks (the network helper) run now, in the parent */
        if (spec->hooks[OCI_HOOK_CREATE_RUNTIME].n && (read(a->sync_fd, &c, 1) != 1 || c != 'h'))
                _exit(1);
        for (int k = 0; k < OCI_NS_COUNT; k++)
                if (a->ns_fds[k] >= 0 && setns(a->ns_fds[k], ns_clone_flags[k]) < 0) {
                        eng_err(&e, ENG_E_SYS, errno, "joining the namespace '%s'",
                                spec->ns_path[k]);
                        child_fail(a->sync_fd, e);
                }
        if (spec->ns_new[OCI_NS_UTS] && spec->hostname &&
            sethostname(spec->hostname, strlen(spec->hostname)) < 0) {
                eng_err(&e, ENG_E_SYS, errno, "setting the host name '%s'", spec->hostname);
                child_fail(a->sync_fd, e);
        }
        if (spec->domainname && spec->ns_new[OCI_NS_UTS] &&
            setdomainname(spec->domainname, strlen(spec->domainname)) < 0) {
                eng_err(&e, ENG_E_SYS, errno, "setting the domain name '%s'", spec->domainname);
                child_fail(a->sync_fd, e);
        }
        if (a->null_fd >= 0 && dup2(a->null_fd, STDIN_FILENO) < 0) {
                eng_err(&e, ENG_E_SYS, errno, "redirecting stdin");
                child_fail(a->sync_fd, e);
        }
        if (a->out_fd[0] >= 0 &&
            (dup2(a->out_fd[0], STDOUT_FILENO) < 0 || dup2(a->out_fd[1], STDERR_FILENO) < 0)) {
                eng_err(&e, ENG_E_SYS, errno, "redirecting stdout and stderr");
                child_fail(a->sync_fd, e);
        }
        /* through the /proc we came with: the container's is read-only there;
         * the namespaced ones (net, ipc, uts) are the new namespaces' already */
        if (spec->sysctl && write_sysctls(spec->sysctl, &e) < 0)
                child_fail(a->sync_fd, e);
        if (spec->ns_new[OCI_NS_MOUNT] || spec->ns_path[OCI_NS_MOUNT]) {
                if (oci_setup_rootfs(spec, a->opts, a->dev_fds, &e) < 0)
                        child_fail(a->sync_fd, e);
        } else if (chroot(spec->root_path) < 0 || chdir("/") < 0) {
                eng_err(&e, ENG_E_SYS, errno, "changing root to '%s'", spec->root_path);
                child_fail(a->sync_fd, e);
        }
        if (spec->ns_new[OCI_NS_NET] && loopback_up(&e) < 0)
                child_fail(a->sync_fd, e);
        if (spec->process.terminal) {
                if (oci_setup_terminal(&spec->process, a->opts->console_socket, a->sync_fd, &e) < 0)
                        child_fail(a->sync_fd, e);
        } else if (setsid() < 0) {
                eng_err(&e, ENG_E_SYS, errno, "making a session");
                child_fail(a->sync_fd, e);
        }
        /* Only stdio, the preserved fds and our own sync and fifo survive exec. */
        (void) close_range(3 + a->opts->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
        oci_process_finish(&spec->process,
                           &(struct oci_finish){ .seccomp = a->seccomp,
                                                 .sync_fd = a->sync_fd,
                                                 .exec_fifo_fd = a->fifo_fd,
                                                 .listen_pid = a->opts->listen_pid,
                                                 .die_with_parent = a->opts->die_with_parent,
                                                 .spec = spec,
                                                 .id = a->opts->id,
                                                 .bundle = a->opts->bundle },
                           &e);
        child_fail(a->sync_fd, e);
}

int oci_sync_wait(int sync_fd, int *ret_master, pid_t *ret_pid, bool *ret_ready,
                  const struct oci_seccomp_listener *listener, struct eng_error **err)
{
        for (;;) {
                struct eng_err_wire w;
                ssize_t n;

                n = recv(sync_fd, &w, sizeof(w), MSG_PEEK);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return 0; /* executed */
                if (n == 1 && ((char *) &w)[0] == OCI_SYNC_PTY) {
                        char tag;
                        int fd = eng_fd_recv(sync_fd, &tag, 1, NULL);

                        if (fd < 0)
                                return eng_err(err, ENG_E_SYS, -fd, "receiving the pty master");
                        if (ret_master)
                                *ret_master = fd;
                        else
                                close(fd);
                        continue;
                }
                if (n == 1 && ((char *) &w)[0] == OCI_SYNC_SECCOMP) {
                        char tag;
                        int fd = eng_fd_recv(sync_fd, &tag, 1, NULL), r = 0;

                        if (fd < 0)
                                return eng_err(err, ENG_E_SYS, -fd,
                                               "receiving the seccomp notify fd");
                        if (listener && listener->path)
                                r = oci_seccomp_send_listener(listener, fd, err);
                        close(fd);
                        if (r < 0)
                                return -1;
                        continue;
                }
                n = read(sync_fd, &w, sizeof(w));
                if (n == 1 && ((char *) &w)[0] == OCI_SYNC_READY) {
                        if (ret_ready)
                                *ret_ready = true;
                        return 0;
                }
                if (n == 1 + (ssize_t) sizeof(pid_t) && ((char *) &w)[0] == OCI_SYNC_PID) {
                        if (ret_pid)
                                memcpy(ret_pid, (char *) &w + 1, sizeof(pid_t));
                        continue;
                }
                if (n == (ssize_t) sizeof(w)) {
                        w.msg[sizeof(w.msg) - 1] = '\0';
                        return eng_err_from_wire(&w, err);
                }
                return eng_err(err, ENG_E_SYS, EIO, "unexpected message from the container");
        }
}

/* the pid record of a process forked again, or the error that stopped it */
static int read_child_pid(int sync_fd, pid_t *ret_pid, struct eng_error **err)
{
        struct eng_err_wire w;
        ssize_t n;

        do
                n = read(sync_fd, &w, sizeof(w));
        while (n < 0 && errno == EINTR);
        if (n == 1 + (ssize_t) sizeof(pid_t) && ((char *) &w)[0] == OCI_SYNC_PID) {
                memcpy(ret_pid, (char *) &w + 1, sizeof(pid_t));
                return 0;
        }
        if (n == (ssize_t) sizeof(w)) {
                w.msg[sizeof(w.msg) - 1] = '\0';
                return eng_err_from_wire(&w, err);
        }
        return eng_err(err, ENG_E_SYS, EIO, "the container process died before it started");
}

int oci_container_start(const struct oci_spec *spec, const struct oci_start_opts *opts,
                        pid_t *ret_pid, struct eng_error **err)
{
        struct child_args a = {
                .spec = spec, .opts = opts, .fifo_fd = -1, .null_fd = -1, .out_fd = { -1, -1 }
        };
        _cleanup_(oci_seccomp_prog_freep) struct oci_seccomp_prog *prog = NULL;
        _cleanup_close_ int fifo_fd = -1, null_fd = -1, parent_fd = -1;
        _cleanup_close_ int out_r = -1, out_w = -1, err_r = -1, err_w = -1;
        int sv[2], flags = 0, master = -1;
        pid_t pid;

        if (spec->sysctl && check_sysctls(spec, err) < 0)
                return -1;
        if (spec->domainname && !spec->ns_new[OCI_NS_UTS])
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "the domain name '%s' needs a new UTS namespace: it would change the host's",
                        spec->domainname);
        for (int k = 0; k < OCI_NS_COUNT; k++)
                a.ns_fds[k] = -1;
        a.late_cgroupns =
                spec->cgroups_path && spec->ns_new[OCI_NS_CGROUP] && !spec->ns_path[OCI_NS_USER];
        for (int k = 0; k < OCI_NS_COUNT; k++) {
                if (spec->ns_new[k] && spec->ns_path[OCI_NS_USER])
                        a.unshare_flags |= ns_clone_flags[k];
                else if (spec->ns_new[k] && !(k == OCI_NS_CGROUP && a.late_cgroupns))
                        flags |= ns_clone_flags[k];
                if (spec->ns_path[k]) {
                        a.ns_fds[k] = open(spec->ns_path[k], O_RDONLY | O_CLOEXEC);
                        if (a.ns_fds[k] < 0) {
                                int e = errno;

                                for (int j = 0; j < k; j++)
                                        eng_close_safe(a.ns_fds[j]);
                                return eng_err(err, ENG_E_SYS, e, "opening namespace '%s'",
                                               spec->ns_path[k]);
                        }
                }
        }
        if (spec->seccomp) {
                /* compiled here, not in the child: its errors are plain ones, and cached */
                prog = oci_seccomp_compile(spec->seccomp, opts->seccomp_cache, err);
                if (!prog) {
                        for (int k = 0; k < OCI_NS_COUNT; k++)
                                eng_close_safe(a.ns_fds[k]);
                        return -1;
                }
                a.seccomp = prog;
        }
        if (opts->exec_fifo) {
                /* its read end, as crun: an inherited descriptor needs no path
                 * in the container (no /proc there without a mount namespace)
                 * and no permission of its user */
                fifo_fd = open(opts->exec_fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
                if (fifo_fd < 0)
                        return eng_err(err, ENG_E_SYS, errno, "opening '%s'", opts->exec_fifo);
                a.fifo_fd = fifo_fd;
        }
        if (opts->null_stdin) {
                null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (null_fd < 0)
                        return eng_err(err, ENG_E_SYS, errno, "opening /dev/null");
                a.null_fd = null_fd;
        }
        if (opts->ret_output && !spec->process.terminal) {
                int p[2];

                if (pipe2(p, O_CLOEXEC) < 0)
                        return eng_err(err, ENG_E_SYS, errno, "creating the stdout pipe");
                out_r = p[0];
                out_w = p[1];
                if (pipe2(p, O_CLOEXEC) < 0)
                        return eng_err(err, ENG_E_SYS, errno, "creating the stderr pipe");
                err_r = p[0];
                err_w = p[1];
                a.out_fd[0] = out_w;
                a.out_fd[1] = err_w;
        }
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return eng_err(err, ENG_E_SYS, errno, "creating a sync socket");
        parent_fd = sv[0];
        a.sync_fd = sv[1];
        if (oci_cgroup_create(spec, err) < 0) {
                close(sv[1]);
                for (int k = 0; k < OCI_NS_COUNT; k++)
                        eng_close_safe(a.ns_fds[k]);
                return -1;
        }
        a.dev_fds = oci_devices_precreate(spec);
        /* A raw clone: like fork(), but the new namespaces come with it. */
        pid = (pid_t) syscall(SYS_clone, (unsigned long) flags | SIGCHLD, NULL, NULL, NULL, NULL);
        if (pid != 0)
                oci_devices_release(spec, a.dev_fds);
        if (pid < 0) {
                int e = errno;

                (void) oci_cgroup_remove(spec->cgroups_path, NULL);
                close(sv[1]);
                for (int k = 0; k < OCI_NS_COUNT; k++)
                        eng_close_safe(a.ns_fds[k]);
                return eng_err(err, ENG_E_SYS, e, "creating the container's namespaces");
        }
        if (pid == 0) {
                close(parent_fd);
                container_child(&a);
        }
        close(sv[1]);
        for (int k = 0; k < OCI_NS_COUNT; k++)
                eng_close_safe(a.ns_fds[k]);
        /* only the process writes into its pipes: their ends see it go */
        eng_close_safe(TAKE_FD(out_w));
        eng_close_safe(TAKE_FD(err_w));
        if (spec->ns_new[OCI_NS_USER] && eng_idmap_apply(pid, &spec->idmap, err) < 0)
                goto fail;
        if (oci_cgroup_enter(spec, pid, err) < 0)
                goto fail;
        if (write(parent_fd, "g", 1) != 1) {
                eng_err(err, ENG_E_SYS, errno, "starting the container process");
                goto fail;
        }
        if (spec->ns_path[OCI_NS_USER] || spec->ns_path[OCI_NS_PID]) {
                /* the first child forks the container process and goes */
                pid_t mid = pid;

                pid = 0;
                if (read_child_pid(parent_fd, &pid, err) < 0) {
                        (void) waitpid(mid, NULL, 0);
                        (void) oci_cgroup_remove(spec->cgroups_path, NULL);
                        return -1;
                }
                (void) waitpid(mid, NULL, 0);
        }
        if (spec->hooks[OCI_HOOK_CREATE_RUNTIME].n) {
                /* prestart hooks among them: their state says "created", as crun's
                 * (runtime-tools' hooks_stdin checks it) */
                if (oci_hooks_run(spec, OCI_HOOK_CREATE_RUNTIME, opts->id, opts->bundle, "created",
                                  pid, err) < 0)
                        goto fail;
                if (write(parent_fd, "h", 1) != 1) {
                        eng_err(err, ENG_E_SYS, errno, "starting the container process");
                        goto fail;
                }
        }
        if (oci_sync_wait(parent_fd, &master, NULL, NULL,
                          &(struct oci_seccomp_listener){
                                  .path = json_string_value(
                                          json_object_get(spec->seccomp, "listenerPath")),
                                  .metadata = json_string_value(
                                          json_object_get(spec->seccomp, "listenerMetadata")),
                                  .id = opts->id,
                                  .bundle = opts->bundle,
                                  .pid = pid },
                          err) < 0)
                goto fail;
        if (spec->process.terminal && opts->console_socket < 0) {
                if (master < 0) {
                        eng_err(err, ENG_E_SYS, EIO, "the container made no terminal");
                        goto fail;
                }
                if (opts->ret_pty_master)
                        *opts->ret_pty_master = master;
                else
                        close(master);
        }
        if (opts->ret_output) {
                opts->ret_output[0] = TAKE_FD(out_r);
                opts->ret_output[1] = TAKE_FD(err_r);
        }
        *ret_pid = pid;
        return 0;
fail:
        if (master >= 0)
                close(master);
        (void) kill(pid, SIGKILL);
        (void) waitpid(pid, NULL, 0);
        (void) oci_cgroup_remove(spec->cgroups_path, NULL);
        return -1;
}

/* --- exec into a running container */

static const char *const ns_proc_names[OCI_NS_COUNT] = {
        [OCI_NS_USER] = "user",     [OCI_NS_MOUNT] = "mnt", [OCI_NS_PID] = "pid",
        [OCI_NS_UTS] = "uts",       [OCI_NS_IPC] = "ipc",   [OCI_NS_NET] = "net",
        [OCI_NS_CGROUP] = "cgroup",
};

static bool same_ns(pid_t pid, const char *name)
{
        char a[64], b[64];
        struct stat s1, s2;

        snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int) pid, name);
        snprintf(b, sizeof(b), "/proc/self/ns/%s", name);
        return stat(a, &s1) == 0 && stat(b, &s2) == 0 && s1.st_ino == s2.st_ino &&
               s1.st_dev == s2.st_dev;
}

int oci_exec(pid_t pid, const bool ns_shared[OCI_NS_COUNT], const struct oci_exec_opts *opts,
             pid_t *ret_pid, struct eng_error **err)
{
        int fds[OCI_NS_COUNT], sv[2], master = -1;
        _cleanup_close_ int parent_fd = -1;
        _cleanup_(oci_seccomp_prog_freep) struct oci_seccomp_prog *prog = NULL;
        _cleanup_free_ char *cgroup = NULL;
        pid_t mid, child = 0;
        int status;

        for (int k = 0; k < OCI_NS_COUNT; k++) {
                char path[64];

                fds[k] = -1;
                if (ns_shared && !ns_shared[k])
                        continue;
                if (same_ns(pid, ns_proc_names[k]))
                        continue;
                snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int) pid, ns_proc_names[k]);
                fds[k] = open(path, O_RDONLY | O_CLOEXEC);
                if (fds[k] < 0 && errno != ENOENT) {
                        int e = errno;

                        for (int j = 0; j < k; j++)
                                eng_close_safe(fds[j]);
                        return eng_err(err, ENG_E_SYS, e, "opening '%s'", path);
                }
        }
        if (opts->seccomp) {
                prog = oci_seccomp_compile(opts->seccomp, opts->seccomp_cache, err);
                if (!prog) {
                        for (int k = 0; k < OCI_NS_COUNT; k++)
                                eng_close_safe(fds[k]);
                        return -1;
                }
        }
        if (opts->cgroups_path) {
                cgroup = oci_cgroup_dir(opts->cgroups_path, err);
                if (!cgroup) {
                        for (int k = 0; k < OCI_NS_COUNT; k++)
                                eng_close_safe(fds[k]);
                        return -1;
                }
        }
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return eng_err(err, ENG_E_SYS, errno, "creating a sync socket");
        parent_fd = sv[0];
        mid = fork();
        if (mid < 0) {
                close(sv[1]);
                return eng_err(err, ENG_E_SYS, errno, "forking");
        }
        if (mid == 0) {
                struct eng_error *e = NULL;
                char rec[1 + sizeof(pid_t)];
                int order[2];
                pid_t c;

                close(parent_fd);
                /* into the container's cgroup (its limits), before its cgroup namespace */
                if (cgroup) {
                        _cleanup_free_ char *procs = eng_xasprintf("%s/cgroup.procs", cgroup);
                        int r = eng_write_string(procs, "0");

                        if (r < 0) {
                                eng_err(&e, ENG_E_SYS, -r, "joining the container's cgroup '%s'",
                                        cgroup);
                                child_fail(sv[1], e);
                        }
                        /* and its v1 hierarchies, where its limits are on a hybrid machine */
                        _cleanup_strv_ char **v1 = oci_cgroup_v1_dirs(opts->cgroups_path);
                        ENG_STRV_FOREACH(d, v1) {
                                _cleanup_free_ char *p = eng_xasprintf("%s/cgroup.procs", *d);

                                if ((r = eng_write_string(p, "0")) < 0) {
                                        eng_err(&e, ENG_E_SYS, -r,
                                                "joining the container's cgroup '%s'", *d);
                                        child_fail(sv[1], e);
                                }
                        }
                }
                for (int k = 0; k < OCI_NS_COUNT; k++)
                        if (fds[k] >= 0 && setns(fds[k], ns_clone_flags[k]) < 0) {
                                eng_err(&e, ENG_E_SYS, errno,
                                        "joining the container's %s namespace", ns_proc_names[k]);
                                child_fail(sv[1], e);
                        }
                /* The pid namespace takes only new children; CLONE_PARENT makes
                 * the process the caller's child, for it to wait on. */
                if (pipe2(order, O_CLOEXEC) < 0) {
                        eng_err(&e, ENG_E_SYS, errno, "making a pipe");
                        child_fail(sv[1], e);
                }
                c = (pid_t) syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
                if (c < 0) {
                        eng_err(&e, ENG_E_SYS, errno, "forking into the container");
                        child_fail(sv[1], e);
                }
                if (c > 0) {
                        rec[0] = OCI_SYNC_PID;
                        memcpy(rec + 1, &c, sizeof(pid_t));
                        (void) !write(sv[1], rec, sizeof(rec));
                        _exit(0); /* closes the pipe: the process may go on */
                }
                /* The pid record goes first, so the caller can always reap us. */
                close(order[1]);
                (void) !read(order[0], &c, sizeof(c));
                close(order[0]);
                if (opts->null_stdin) {
                        int n = open("/dev/null", O_RDONLY | O_CLOEXEC);

                        if (n < 0 || dup2(n, STDIN_FILENO) < 0) {
                                eng_err(&e, ENG_E_SYS, errno, "redirecting stdin");
                                child_fail(sv[1], e);
                        }
                }
                if (opts->process->terminal) {
                        if (oci_setup_terminal(opts->process, opts->console_socket, sv[1], &e) < 0)
                                child_fail(sv[1], e);
                } else
                        (void) setsid();
                (void) close_range(3 + opts->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
                oci_process_finish(opts->process,
                                   &(struct oci_finish){
                                           .seccomp = prog, .sync_fd = sv[1], .exec_fifo_fd = -1 },
                                   &e);
                child_fail(sv[1], e);
        }
        close(sv[1]);
        for (int k = 0; k < OCI_NS_COUNT; k++)
                eng_close_safe(fds[k]);
        (void) waitpid(mid, &status, 0);
        if (oci_sync_wait(parent_fd, &master, &child, NULL, NULL, err) < 0) {
                if (master >= 0)
                        close(master);
                if (child > 0)
                        (void) waitpid(child, NULL, 0);
                return -1;
        }
        if (child <= 0)
                return eng_err(err, ENG_E_SYS, EIO, "the exec helper died (status %d)", status);
        if (opts->process->terminal && opts->console_socket < 0) {
                if (opts->ret_pty_master)
                        *opts->ret_pty_master = master;
                else if (master >= 0)
                        close(master);
        }
        *ret_pid = child;
        return 0;
}
