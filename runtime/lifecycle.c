/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A container's life: start, stop, kill, remove, and the monitor's cleanup. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/platform.h"
#include "common/process.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "runtime/container.h"
#include "runtime/lifecycle.h"
#include "runtime/monitor.h"
#include "runtime/oci/oci.h"
#include "runtime/oci/state.h"

#include "common/banned.h"

static const char *short_id(const char *id)
{
        static char buf[13];

        snprintf(buf, sizeof(buf), "%.12s", id);
        return buf;
}

static void sleep_ms(long ms)
{
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

        nanosleep(&ts, NULL);
}

static void set_str(char **field, const char *value)
{
        free(*field);
        *field = value ? eng_xstrdup(value) : NULL;
}

/* a change the record must keep, but whose failure to be written changes nothing now */
static void save_or_warn(struct storage_store *s, const struct storage_container *c)
{
        struct eng_error *e = NULL;

        if (storage_container_save(s, c, &e) < 0)
                eng_err_warn_and_free(&e);
}

/* --- the state as it is now */

/* the command line of process @pid, its NULs made spaces (heap), or NULL */
static char *cmdline_of(long pid)
{
        char path[64];
        char *cmd = NULL;
        struct eng_error *e = NULL;
        size_t len = 0;

        snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
        if (eng_read_file(path, 65536, &cmd, &len, &e) < 0) {
                eng_err_free(e);
                return NULL;
        }
        for (size_t i = 0; i < len; i++)
                if (cmd[i] == '\0')
                        cmd[i] = ' ';
        return cmd;
}

/* whether @pid is the monitor of container @id (its arguments name it) */
static bool is_monitor_of(long pid, const char *id)
{
        _cleanup_free_ char *cmd = pid > 1 ? cmdline_of(pid) : NULL;

        return cmd && strstr(cmd, "eng-monitor") && strstr(cmd, id);
}

/*
 * A created record whose monitor did start the process: eng was killed
 * between the two (run -d, start).  The monitor's pid file names it; that
 * it is this container's is checked through its parent's arguments.
 */
static bool adopt_orphan(struct storage_store *s, struct storage_container *c)
{
        _cleanup_free_ char *dir = storage_container_dir(s, c->id);
        _cleanup_free_ char *pidfile = eng_xasprintf("%s/userdata/pid", dir);
        _cleanup_free_ char *data = NULL;
        struct eng_error *e = NULL;
        char path[64];
        uint64_t start;
        long pid, ppid;
        char *rp;

        if (eng_read_file(pidfile, 64, &data, NULL, &e) < 0) {
                eng_err_free(e);
                return false;
        }
        pid = strtol(data, NULL, 10);
        start = pid > 0 && pid <= INT_MAX ? oci_proc_start_time((pid_t) pid) : 0;
        if (!start)
                return false;
        snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
        free(TAKE_PTR(data));
        if (eng_read_file(path, 4096, &data, NULL, &e) < 0) {
                eng_err_free(e);
                return false;
        }
        rp = strrchr(data, ')');
        ppid = rp ? strtol(rp + 4, NULL, 10) : 0;
        if (!is_monitor_of(ppid, c->id))
                return false;
        c->monitor = ppid;
        c->state = STORAGE_CONTAINER_RUNNING;
        c->pid = pid;
        c->pid_start = start;
        if (!c->started) {
                /* nobody wrote when it started: the process's own start time says */
                struct timespec now, boot;
                long hz = sysconf(_SC_CLK_TCK);
                double ago;

                clock_gettime(CLOCK_REALTIME, &now);
                clock_gettime(CLOCK_BOOTTIME, &boot);
                ago = (double) boot.tv_sec + boot.tv_nsec / 1e9 -
                      (double) start / (double) (hz > 0 ? hz : 100);
                if (ago < 0)
                        ago = 0;
                now.tv_sec -= (time_t) ago;
                c->started = eng_time_rfc3339(&now);
        }
        return true;
}

bool runtime_container_refresh(struct storage_store *s, struct storage_container *c)
{
        _cleanup_free_ char *dir = NULL, *path = NULL, *data = NULL;
        struct eng_error *e = NULL;

        if (c->state == STORAGE_CONTAINER_CREATED)
                return adopt_orphan(s, c);
        if (c->state != STORAGE_CONTAINER_RUNNING)
                return false;
        if (c->pid > 0 && c->pid_start != 0 && oci_proc_start_time((pid_t) c->pid) == c->pid_start)
                return false;
        dir = storage_container_dir(s, c->id);
        path = eng_xasprintf("%s/userdata/exit", dir);
        /* the process is gone, its monitor not yet done: it will say how it ended */
        if (access(path, F_OK) < 0 && c->monitor > 0 && is_monitor_of(c->monitor, c->id))
                return false;
        c->state = STORAGE_CONTAINER_EXITED;
        c->pid = 0;
        if (eng_read_file(path, 4096, &data, NULL, &e) == 0) {
                char *nl = strchr(data, '\n');

                c->has_exit_code = true;
                c->exit_code = (int) strtol(data, NULL, 10);
                if (nl && nl[1]) {
                        char *end = strchr(nl + 1, '\n');

                        if (end)
                                *end = '\0';
                        set_str(&c->finished, nl + 1);
                }
        } else {
                eng_err_free(e);
                if (!c->has_exit_code) {
                        c->has_exit_code = true;
                        c->exit_code = -1;
                }
                set_str(&c->error, "the container's process is gone and nobody recorded how it "
                                   "ended (its monitor died, or the machine restarted)");
        }
        return true;
}

int runtime_container_get(struct storage_store *s, const char *name, struct storage_container *ret,
                          struct eng_error **err)
{
        if (storage_container_load(s, name, ret, err) < 0)
                return -1;
        runtime_container_refresh(s, ret);
        return 0;
}

json_t *runtime_container_list(struct storage_store *s, struct eng_error **err)
{
        _cleanup_json_ json_t *all = storage_container_list(s, err);
        json_t *out, *r;
        size_t i;

        if (!all)
                return NULL;
        out = json_array();
        json_array_foreach(all, i, r) {
                struct storage_container c = { 0 };
                struct eng_error *e = NULL;

                /* the list holds only records that decode */
                if (storage_container_decode(r, &c, &e) < 0) {
                        eng_err_warn_and_free(&e);
                        continue;
                }
                runtime_container_refresh(s, &c);
                json_array_append_new(out, storage_container_encode(&c));
                storage_container_release(&c);
        }
        return out;
}

int runtime_container_lock(const struct runtime_ctx *ctx, struct storage_container *c,
                           struct eng_error **err)
{
        _cleanup_free_ char *id = eng_xstrdup(c->id);
        struct storage_container now = { 0 };
        int fd = storage_container_lock(ctx->store, id, err);

        if (fd < 0)
                return -1;
        if (runtime_container_get(ctx->store, id, &now, err) < 0) {
                close(fd);
                return -1;
        }
        storage_container_release(c);
        *c = now;
        return fd;
}

/* --- start */

/* the runtime's state of @id, which a run left */
static void remove_runtime_state(const struct runtime_ctx *ctx, const char *id)
{
        _cleanup_free_ char *rt = eng_xasprintf("%s/runtime/%s", ctx->paths->run_root, id);
        struct eng_error *e = NULL;

        if (eng_rm_rf(rt, &e) < 0)
                eng_err_warn_and_free(&e);
}

static void record_running(struct storage_store *s, struct storage_container *c, pid_t pid)
{
        c->state = STORAGE_CONTAINER_RUNNING;
        c->pid = pid;
        c->pid_start = oci_proc_start_time(pid);
        free(c->started);
        c->started = eng_time_now_rfc3339();
        save_or_warn(s, c);
}

static void record_exited(struct storage_store *s, struct storage_container *c, int status)
{
        c->state = STORAGE_CONTAINER_EXITED;
        c->pid = 0;
        c->has_exit_code = true;
        c->exit_code = status;
        free(c->finished);
        c->finished = eng_time_now_rfc3339();
        save_or_warn(s, c);
}

static char *self_exe(void)
{
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

        if (n <= 0)
                return eng_xstrdup("eng");
        exe[n] = '\0';
        return eng_xstrdup(exe);
}

/*
 * Detached: the monitor runs the container through eng-runtime and stays
 * with it; `eng container cleanup ID` is what it runs at the end.
 */
static int start_detached(const struct runtime_ctx *ctx, struct storage_container *c,
                          const char *dir, struct eng_error **err)
{
        _cleanup_free_ char *monitor = eng_find_helper("eng-monitor");
        _cleanup_free_ char *runtime = eng_find_helper("eng-runtime");
        _cleanup_free_ char *rroot = eng_xasprintf("%s/runtime", ctx->paths->run_root);
        _cleanup_free_ char *log = eng_xasprintf("%s/userdata/ctr.log", dir);
        _cleanup_free_ char *exit_file = eng_xasprintf("%s/userdata/exit", dir);
        _cleanup_free_ char *pid_file = eng_xasprintf("%s/userdata/pid", dir);
        _cleanup_free_ char *rlog = eng_xasprintf("%s/userdata/runtime.log", dir);
        _cleanup_free_ char *exe = self_exe();
        _cleanup_free_ char *attach = eng_xasprintf("%s/userdata/attach", dir);
        _cleanup_free_ char *console = eng_xasprintf("%s/userdata/console", dir);
        _cleanup_strv_ char **cleanup = NULL;
        struct runtime_monitor_opts mo = {
                .monitor = monitor,
                .runtime = runtime,
                .runtime_root = rroot,
                .bundle = dir,
                .id = c->id,
                .log = log,
                .exit_file = exit_file,
                .pid_file = pid_file,
                .runtime_log = rlog,
                .attach = attach,
                .console = c->tty ? console : NULL,
                .stdin = c->interactive,
        };
        pid_t mon, pid;

        if (!monitor || !runtime)
                return eng_err(err, ENG_E_USAGE, ENOENT,
                               "eng-monitor or eng-runtime is not installed beside eng (%s)",
                               ENG_LIBEXECDIR);
        eng_strv_push(&cleanup, exe);
        eng_strv_push(&cleanup, "--root");
        eng_strv_push(&cleanup, ctx->paths->graph_root);
        eng_strv_push(&cleanup, "--runroot");
        eng_strv_push(&cleanup, ctx->paths->run_root);
        eng_strv_push(&cleanup, "container");
        eng_strv_push(&cleanup, "cleanup");
        eng_strv_push(&cleanup, c->id);
        mo.cleanup = cleanup;
        /* the runtime's state of a run before (whose cleanup may wait for our lock) */
        remove_runtime_state(ctx, c->id);
        if (runtime_monitor_start(&mo, &mon, &pid, err) < 0)
                return -1;
        c->monitor = mon;
        record_running(ctx->store, c, pid);
        return 0;
}

/* The network helper a createRuntime hook leaves behind follows the
 * container out (its pidfd): we are its parent, so wait for it a little. */
static void reap_helpers(void)
{
        for (int i = 0; i < 100; i++) {
                pid_t w = waitpid(-1, NULL, WNOHANG);

                if (w < 0 && errno == ECHILD)
                        return;
                if (w == 0)
                        sleep_ms(20);
        }
}

/* In the foreground, eng the container's parent; its exit status. */
static int start_foreground(const struct runtime_ctx *ctx, struct storage_container *c,
                            const char *dir, bool interactive, bool *ret_started,
                            struct eng_error **err)
{
        _cleanup_free_ char *seccomp_cache = eng_xasprintf("%s/seccomp", ctx->paths->run_root);
        _cleanup_free_ char *log = eng_xasprintf("%s/userdata/ctr.log", dir);
        struct oci_start_opts so = { .console_socket = -1, .die_with_parent = true };
        struct oci_spec *spec = oci_spec_load(dir, err);
        struct oci_foreground_io io = { .master = -1, .out = { -1, -1 }, .log_fd = -1 };
        int r = -1, status = 0, master = -1;
        bool hooks;
        pid_t pid;

        if (!spec)
                return -1;
        /* its output goes to ours and, as podman's conmon does, to its log;
         * with --rm nobody can read that log: the process gets our fds */
        if (!c->rm) {
                io.log_fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
                if (io.log_fd < 0) {
                        eng_err(err, ENG_E_SYS, errno, "opening '%s'", log);
                        oci_spec_free(spec);
                        return -1;
                }
                so.ret_output = io.out;
        }
        hooks = spec->hooks[OCI_HOOK_CREATE_RUNTIME].n > 0;
        /* the network helper the hook leaves behind is ours to reap when it ends */
        if (hooks)
                (void) prctl(PR_SET_CHILD_SUBREAPER, 1);
        so.null_stdin = !interactive;
        so.seccomp_cache = seccomp_cache;
        so.ret_pty_master = &master;
        if (oci_container_start(spec, &so, &pid, err) < 0)
                goto out;
        *ret_started = true;
        eng_trace_mark("run", "process executed");
        record_running(ctx->store, c, pid);
        eng_trace_mark("run", "record updated");
        io.master = master;
        io.forward_stdin = interactive;
        if (oci_foreground_io(pid, &io, &status, err) < 0) {
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                status = 125;
        } else
                r = status;
        eng_trace_mark("run", "process exited");
        {
                struct eng_error *e = NULL;

                if (oci_cgroup_remove(spec->cgroups_path, &e) < 0)
                        eng_err_warn_and_free(&e);
        }
        if (!c->rm)
                record_exited(ctx->store, c, status);
out:
        if (master >= 0)
                close(master);
        eng_close_safe(io.out[0]);
        eng_close_safe(io.out[1]);
        eng_close_safe(io.log_fd);
        if (hooks)
                reap_helpers();
        oci_spec_free(spec);
        return r;
}

int runtime_container_start(const struct runtime_ctx *ctx, struct storage_container *c,
                            const struct runtime_start_opts *o, struct eng_error **err)
{
        _cleanup_free_ char *dir = storage_container_dir(ctx->store, c->id);
        _cleanup_free_ char *exit_file = eng_xasprintf("%s/userdata/exit", dir);
        bool started = false;
        int r = -1;

        /* a container started again: what its last run left goes */
        (void) unlink(exit_file);
        set_str(&c->error, NULL);
        c->has_exit_code = false;
        set_str(&c->finished, NULL);
        c->stopped_by_user = false;
        c->monitor = 0;
        if (runtime_network_join(ctx->store, c, err) < 0)
                goto failed;
        if (o->detach) {
                if (start_detached(ctx, c, dir, err) < 0)
                        goto failed;
                return 0;
        }
        r = start_foreground(ctx, c, dir, o->interactive, &started, err);
        if (started && !c->rm)
                return r;
failed:
        if (c->rm) {
                struct eng_error *e = NULL;

                if (storage_container_delete(ctx->store, c->id, &e) < 0)
                        eng_err_warn_and_free(&e);
                return r;
        }
        set_str(&c->error, *err ? (*err)->msg : "not started");
        save_or_warn(ctx->store, c);
        return -1;
}

/* --- stop, kill */

/* Wait up to @ms for @c to stop running; true if it did. */
static bool wait_gone(struct storage_store *s, struct storage_container *c, long ms)
{
        for (long waited = 0;; waited += 20) {
                if (runtime_container_refresh(s, c) || c->state != STORAGE_CONTAINER_RUNNING)
                        return true;
                if (waited >= ms)
                        return false;
                sleep_ms(20);
        }
}

/*
 * @sig to the process of @c, never to pid 0 (our own process group) or -1
 * (every process we may signal); @gone_ok: a process that ended meanwhile
 * is no error
 */
static int signal_container(const struct storage_container *c, int sig, bool gone_ok,
                            struct eng_error **err)
{
        if (c->pid < 2)
                return eng_err(err, ENG_E_INVALID, 0,
                               "the record of container %s says it runs, but names no process",
                               short_id(c->id));
        if (kill((pid_t) c->pid, sig) < 0 && !(gone_ok && errno == ESRCH))
                return eng_err(err, ENG_E_SYS, errno, "signalling container %s", short_id(c->id));
        return 0;
}

int runtime_container_stop(const struct runtime_ctx *ctx, struct storage_container *c, long timeout,
                           struct eng_error **err)
{
        int sig = c->stop_signal ? oci_signal_parse(c->stop_signal) : SIGTERM;

        if (c->state != STORAGE_CONTAINER_RUNNING)
                return 0;
        if (sig <= 0)
                sig = SIGTERM;
        /* the monitor's cleanup must not bring it back (--restart) */
        c->stopped_by_user = true;
        save_or_warn(ctx->store, c);
        if (signal_container(c, sig, true, err) < 0)
                return -1;
        if (!wait_gone(ctx->store, c, timeout * 1000)) {
                eng_log_info("container %s did not stop within %ld seconds: killing it",
                             short_id(c->id), timeout);
                (void) signal_container(c, SIGKILL, true, NULL);
                if (!wait_gone(ctx->store, c, 10000))
                        return eng_err(err, ENG_E_SYS, 0, "container %s does not die",
                                       short_id(c->id));
        }
        return 0;
}

int runtime_container_kill(_unused_ const struct runtime_ctx *ctx,
                           const struct storage_container *c, int sig, struct eng_error **err)
{
        if (c->state != STORAGE_CONTAINER_RUNNING)
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "can only kill running containers. %s is in state %s: container state improper",
                        short_id(c->id), storage_container_state_name(c->state));
        return signal_container(c, sig, false, err);
}

int runtime_container_restart(const struct runtime_ctx *ctx, struct storage_container *c,
                              long timeout, struct eng_error **err)
{
        const struct runtime_start_opts o = { .detach = true };

        if (runtime_container_stop(ctx, c, timeout, err) < 0)
                return -1;
        return runtime_container_start(ctx, c, &o, err);
}

/* --- remove */

static int remove_files(const struct runtime_ctx *ctx, const char *id, struct eng_error **err)
{
        struct eng_error *e = NULL;

        remove_runtime_state(ctx, id);
        if (runtime_container_cgroup_remove(ctx->store, id, &e) < 0)
                eng_err_warn_and_free(&e);
        return storage_container_delete(ctx->store, id, err);
}

int runtime_container_remove(const struct runtime_ctx *ctx, struct storage_container *c, bool force,
                             long timeout, struct eng_error **err)
{
        if (c->state == STORAGE_CONTAINER_RUNNING && !force)
                return eng_err(
                        err, ENG_E_USAGE, EBUSY,
                        "cannot remove container %s as it is running - running or paused containers cannot be removed without force: container state improper",
                        short_id(c->id));
        if (c->state == STORAGE_CONTAINER_RUNNING &&
            runtime_container_stop(ctx, c, timeout, err) < 0)
                return -1;
        return remove_files(ctx, c->id, err);
}

int runtime_container_remove_damaged(const struct runtime_ctx *ctx, const char *name, char **ret_id,
                                     struct eng_error **err)
{
        _cleanup_json_ json_t *bad = storage_container_damaged(ctx->store, err);
        const char *hex, *found = NULL;
        size_t n = strlen(name);
        json_t *why;

        if (!bad)
                return -1;
        json_object_foreach(bad, hex, why)
                if (n > 0 && strncmp(hex, name, n) == 0) {
                        if (found)
                                return eng_err(err, ENG_E_USAGE, 0,
                                               "'%s' matches more than one container", name);
                        found = hex;
                }
        if (!found)
                return eng_err(err, ENG_E_NOTFOUND, 0,
                               "no container with name or ID '%s' found: no such container", name);
        /* its processes, if any, are unknown: its monitor's cleanup finds it gone */
        if (remove_files(ctx, found, err) < 0)
                return -1;
        *ret_id = eng_xstrdup(found);
        return 0;
}

/* --- exec */

int runtime_container_exec(const struct runtime_ctx *ctx, const struct storage_container *c,
                           const struct runtime_exec_opts *o, struct eng_error **err)
{
        _cleanup_free_ char *dir = storage_container_dir(ctx->store, c->id);
        _cleanup_free_ char *cache = eng_xasprintf("%s/seccomp", ctx->paths->run_root);
        _cleanup_json_ json_t *rec = NULL, *pj = NULL;
        struct oci_exec_opts eo = { .console_socket = -1 };
        struct oci_process proc = { 0 };
        struct oci_spec *spec = NULL;
        int r = -1, master = -1, status = 0;
        pid_t pid;

        spec = oci_spec_load(dir, err);
        if (!spec)
                return -1;
        rec = storage_container_encode(c);
        pj = runtime_exec_process(ctx->store, rec, spec->json, o->argv, o->env, o->workdir, o->user,
                                  o->tty, err);
        if (!pj)
                goto out;
        if (o->tty) {
                struct winsize ws;

                if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
                        json_object_set_new(
                                pj, "consoleSize",
                                json_pack("{s:i,s:i}", "height", ws.ws_row, "width", ws.ws_col));
        }
        if (oci_process_parse(pj, &proc, err) < 0)
                goto out;
        eo.process = &proc;
        eo.seccomp = spec->seccomp;
        eo.cgroups_path = spec->cgroups_path;
        eo.seccomp_cache = cache;
        eo.null_stdin = !o->interactive || o->detach;
        eo.ret_pty_master = &master;
        if (oci_exec((pid_t) c->pid, NULL, &eo, &pid, err) < 0)
                goto out;
        if (o->detach) {
                /* -dt: a small holder of the pty master in a session of its own keeps
                 * the terminal alive, draining its output, until the process ends */
                if (master >= 0) {
                        pid_t h = fork();

                        if (h == 0) {
                                char buf[4096];

                                (void) setsid();
                                while (read(master, buf, sizeof(buf)) > 0)
                                        ;
                                _exit(0);
                        }
                }
                r = 0;
                goto out;
        }
        if (oci_foreground(pid, master, o->interactive, &status, err) < 0) {
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                goto out;
        }
        r = status;
out:
        if (master >= 0)
                close(master);
        oci_process_release(&proc);
        oci_spec_free(spec);
        return r;
}

/* --- the end of a run */

bool runtime_container_should_restart(const struct storage_container *c)
{
        if (!c->restart_policy || c->stopped_by_user || c->state != STORAGE_CONTAINER_EXITED)
                return false;
        if (strcmp(c->restart_policy, "always") == 0 ||
            strcmp(c->restart_policy, "unless-stopped") == 0)
                return true;
        return strcmp(c->restart_policy, "on-failure") == 0 && c->exit_code != 0 &&
               (c->restart_max == 0 || c->restart_count < c->restart_max);
}

int runtime_container_cleanup(const struct runtime_ctx *ctx, const char *id, struct eng_error **err)
{
        _cleanup_(storage_container_release) struct storage_container c = { 0 };
        _cleanup_close_ int lock = -1;
        struct eng_error *e = NULL;

        if (storage_container_load(ctx->store, id, &c, err) == 0)
                lock = runtime_container_lock(ctx, &c, err);
        if (lock < 0) {
                /* removed meanwhile (rm -f): nothing left to do */
                if ((*err)->kind == ENG_E_NOTFOUND) {
                        *err = eng_err_free(*err);
                        return 0;
                }
                return -1;
        }
        /* started again meanwhile (eng start): that run's monitor cleans up after it */
        if (c.state == STORAGE_CONTAINER_RUNNING)
                return 0;
        if (runtime_container_cgroup_remove(ctx->store, c.id, &e) < 0)
                eng_err_warn_and_free(&e);
        if (runtime_container_should_restart(&c)) {
                const struct runtime_start_opts o = { .detach = true };
                time_t started = eng_time_parse_rfc3339(c.started);

                remove_runtime_state(ctx, c.id);
                /* a command that dies at once is not restarted in a tight loop */
                if (started > 0 && time(NULL) - started < 2)
                        sleep_ms(1000);
                c.restart_count++;
                return runtime_container_start(ctx, &c, &o, err);
        }
        if (c.rm)
                return remove_files(ctx, c.id, err);
        remove_runtime_state(ctx, c.id);
        return storage_container_save(ctx->store, &c, err);
}

int runtime_container_wait(const struct runtime_ctx *ctx, struct storage_container *c)
{
        while (c->state == STORAGE_CONTAINER_RUNNING) {
                sleep_ms(50);
                runtime_container_refresh(ctx->store, c);
        }
        return c->has_exit_code ? c->exit_code : 0;
}
