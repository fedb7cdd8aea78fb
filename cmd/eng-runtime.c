/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * eng-runtime: the OCI runtime command line runc and crun share, over
 * runtime/oci/.  It runs bundles made by any tool, so podman can use it
 * with --runtime.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/platform.h"
#include "common/process.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "runtime/oci/oci.h"
#include "runtime/oci/state.h"

#include "common/banned.h"

static const char *arg_root;
static const char *arg_log;
static bool arg_log_json;
static bool arg_no_cgroups; /* --cgroup-manager disabled (crun) */

static const char usage_text[] =
        "Usage: eng-runtime [global options] COMMAND [options] ID\n"
        "\n"
        "An OCI runtime for rootless containers (runc and crun command line).\n"
        "\n"
        "Commands:\n"
        "  create     create a container from a bundle, ready to start\n"
        "  start      start a created container\n"
        "  run        create and start a container, and wait for it unless -d\n"
        "  state      print the state of a container as JSON\n"
        "  kill       send a signal to a container's process (--all: to all of them)\n"
        "  delete     remove a stopped container (--force: any; --regex RE: all whose id matches)\n"
        "  exec       run a process in a running container\n"
        "  list       list containers (--format table|json, --quiet)\n"
        "  ps         list a container's processes (--format table|json; ps's arguments after the id)\n"
        "  pause      freeze a container's processes (needs its cgroup)\n"
        "  resume     thaw a paused container\n"
        "  update     change a container's resource limits (--resources FILE|-, --memory, ...)\n"
        "  events     print a container's resource usage (--stats once, else every --interval)\n"
        "  features   print what this runtime supports, as JSON\n"
        "  spec       write a config.json example (--rootless for a user)\n"
        "\n"
        "Global options:\n"
        "  --root DIR        state directory (default $XDG_RUNTIME_DIR/eng-runtime)\n"
        "  --log FILE        also write errors to FILE\n"
        "  --log-format F    text (default) or json, for --log\n"
        "  --debug           debug logging\n"
        "  --systemd-cgroup  accepted; a systemd slice:prefix:name cgroupsPath is refused\n"
        "  --cgroup-manager M  cgroupfs (default: the host's root's containers get /ID\n"
        "                    without a cgroupsPath, as with runc), or disabled\n"
        "  --version, --help\n";

static char *default_root(void)
{
        const char *x = getenv("XDG_RUNTIME_DIR");

        /* root of a user namespace (unshare -r) is a user of the host's: its own directory */
        if (geteuid() == 0 && eng_userns_is_initial())
                return eng_xstrdup("/run/eng-runtime");
        if (x && *x && access(x, W_OK) == 0)
                return eng_xasprintf("%s/eng-runtime", x);
        return eng_xasprintf("%s/eng-runtime-%u", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
                             (unsigned) geteuid());
}

static void log_to_file(const char *msg)
{
        _cleanup_free_ char *now = NULL;
        _cleanup_close_ int fd = -1;
        json_t *j;
        char *text;

        if (!arg_log)
                return;
        fd = open(arg_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return;
        now = eng_time_now_rfc3339();
        /* a line each, as runc and crun write their --log: text, or JSON objects
         * (containerd reads "msg" of the last one as the error) */
        if (arg_log_json) {
                j = json_pack("{s:s,s:s,s:s}", "level", "error", "msg", msg, "time", now);
                text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
                json_decref(j);
        } else {
                j = json_string(msg);
                text = json_dumps(j, JSON_ENCODE_ANY);
                json_decref(j);
                if (text) {
                        char *line = eng_xasprintf("time=\"%s\" level=error msg=%s", now, text);

                        free(text);
                        text = line;
                }
        }
        if (text)
                dprintf(fd, "%s\n", text);
        free(text);
}

static int need_id(int argc, char **argv, const char *cmd, const char **ret, struct eng_error **err)
{
        if (optind >= argc)
                return eng_err(err, ENG_E_USAGE, 0, "'%s' needs a container id", cmd);
        *ret = argv[optind++];
        if (!oci_id_valid(*ret))
                return eng_err(err, ENG_E_USAGE, 0, "'%s' is not a valid container id", *ret);
        return 0;
}

static json_t *live_state(const char *id, const char *cmd, pid_t **pids, size_t *n,
                          struct eng_error **err);

static int connect_console(const char *path, struct eng_error **err)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int dirfd = -1;
        const char *slash = strrchr(path, '/');
        int fd;

        if (strlen(path) < sizeof(sa.sun_path))
                memcpy(sa.sun_path, path, strlen(path) + 1);
        else {
                /* a deep path: through /proc/self/fd/N of its directory */
                _cleanup_free_ char *dir =
                        slash ? eng_xstrndup(path, (size_t) (slash - path)) : NULL;

                dirfd = dir ? open(*dir ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
                if (dirfd < 0 || snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s",
                                          dirfd, slash + 1) >= (int) sizeof(sa.sun_path))
                        return eng_err(err, ENG_E_USAGE, 0, "console socket path '%s' is too long",
                                       path);
        }
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int e = errno;

                if (fd >= 0)
                        close(fd);
                return eng_err(err, ENG_E_SYS, e, "connecting to the console socket '%s'", path);
        }
        return fd;
}

static int write_pid_file(const char *path, pid_t pid, struct eng_error **err)
{
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%d", (int) pid);

        if (!path)
                return 0;
        return eng_write_file_replace(path, buf, (size_t) n, 0644, err);
}

struct create_opts {
        const char *bundle;
        const char *config; /* crun's --config: the file, relative to the bundle */
        const char *pid_file;
        const char *console_socket;
        unsigned int preserve_fds;
        bool detach;
};

static int parse_create_opts(int argc, char **argv, struct create_opts *o, struct eng_error **err)
{
        static const struct option opts[] = {
                { "bundle", required_argument, NULL, 'b' },
                { "config", required_argument, NULL, 'C' },
                { "pid-file", required_argument, NULL, 'p' },
                { "console-socket", required_argument, NULL, 'c' },
                { "preserve-fds", required_argument, NULL, 'f' },
                { "detach", no_argument, NULL, 'd' },
                { "no-pivot", no_argument, NULL, 'n' },
                { "no-new-keyring", no_argument, NULL, 'k' },
                { "no-subreaper", no_argument, NULL, 's' },
                { NULL, 0, NULL, 0 },
        };
        int c;

        o->bundle = ".";
        o->config = "config.json";
        while ((c = getopt_long(argc, argv, "+b:d", opts, NULL)) != -1) {
                switch (c) {
                case 'b':
                        o->bundle = optarg;
                        break;
                case 'C':
                        o->config = optarg;
                        break;
                case 'p':
                        o->pid_file = optarg;
                        break;
                case 'c':
                        o->console_socket = optarg;
                        break;
                case 'f':
                        o->preserve_fds = (unsigned int) strtoul(optarg, NULL, 10);
                        break;
                case 'd':
                        o->detach = true;
                        break;
                case 'n':
                case 'k':
                case 's':
                        break;
                default:
                        return eng_err(err, ENG_E_USAGE, 0, "bad option (see eng-runtime --help)");
                }
        }
        return 0;
}

/* create and run: make ROOT/ID, start the process, record it. */
static int do_create(int argc, char **argv, bool run, struct eng_error **err)
{
        struct create_opts o = { 0 };
        _cleanup_free_ char *dir = NULL, *fifo = NULL, *bundle = NULL, *created = NULL;
        _cleanup_free_ char *cache = eng_xasprintf("%s/.seccomp", arg_root);
        _cleanup_close_ int console = -1;
        struct oci_spec *spec = NULL;
        struct oci_start_opts so = { .console_socket = -1 };
        const char *id;
        int master = -1, status = 0;
        pid_t pid;
        json_t *state;

        if (parse_create_opts(argc, argv, &o, err) < 0 ||
            need_id(argc, argv, argv[0], &id, err) < 0)
                return -1;
        bundle = realpath(o.bundle, NULL);
        if (!bundle)
                return eng_err(err, ENG_E_SYS, errno, "bundle '%s'", o.bundle);
        spec = oci_spec_load_file(bundle, o.config, err);
        if (!spec)
                return -1;
        /* a user that is not root can make no namespace without a user namespace:
         * one is added, mapping the user to 0, as crun does */
        if (geteuid() != 0 && !spec->ns_new[OCI_NS_USER] && !spec->ns_path[OCI_NS_USER] &&
            json_is_object(json_object_get(spec->json, "linux"))) {
                json_t *lx = json_object_get(spec->json, "linux"), *doc = spec->json;
                json_t *ns = json_object_get(lx, "namespaces");

                eng_log_debug(
                        "a user that is not root needs a user namespace: the container gets one");
                if (!json_is_array(ns)) {
                        ns = json_array();
                        json_object_set_new(lx, "namespaces", ns);
                }
                json_array_append_new(ns, json_pack("{s:s}", "type", "user"));
                json_incref(doc);
                oci_spec_free(spec);
                spec = oci_spec_parse(doc, bundle, err);
                json_decref(doc);
                if (!spec)
                        return -1;
        }
        /* runc and crun: the host's root's container without a cgroupsPath gets /ID */
        if (!spec->cgroups_path && !arg_no_cgroups && geteuid() == 0 && eng_userns_is_initial() &&
            json_is_object(json_object_get(spec->json, "linux"))) {
                spec->cgroups_path = eng_xasprintf("/%s", id);
                json_object_set_new(json_object_get(spec->json, "linux"), "cgroupsPath",
                                    json_string(spec->cgroups_path));
        }
        if (spec->process.terminal && !o.console_socket && (!run || o.detach)) {
                /* nobody would hold the pty master: runc refuses this too */
                eng_err(err, ENG_E_USAGE, 0,
                        "the bundle asks for a terminal: give --console-socket to receive it");
                goto fail_spec;
        }
        if (eng_mkdir_p(arg_root, 0700, err) < 0)
                goto fail_spec;
        dir = oci_state_dir(arg_root, id);
        if (mkdir(dir, 0700) < 0) {
                if (errno == EEXIST)
                        eng_err(err, ENG_E_USAGE, EEXIST, "container '%s' already exists", id);
                else
                        eng_err(err, ENG_E_SYS, errno, "creating '%s'", dir);
                goto fail_spec;
        }
        {
                _cleanup_free_ char *cfg = eng_xasprintf("%s/config.json", dir);
                _cleanup_free_ char *data = json_dumps(spec->json, JSON_COMPACT);

                if (eng_write_file_replace(cfg, data, strlen(data), 0600, err) < 0)
                        goto fail_dir;
        }
        if (o.console_socket) {
                console = connect_console(o.console_socket, err);
                if (console < 0)
                        goto fail_dir;
                so.console_socket = console;
        }
        /* create waits for start; run -d executes at once, so a missing
         * command is an error of this call (podman relies on that) */
        if (!run) {
                fifo = eng_xasprintf("%s/exec.fifo", dir);
                if (mkfifo(fifo, 0600) < 0) {
                        eng_err(err, ENG_E_SYS, errno, "creating '%s'", fifo);
                        goto fail_dir;
                }
                so.exec_fifo = fifo;
        }
        so.preserve_fds = o.preserve_fds;
        /* socket activation (systemd, podman): the runtime's LISTEN_FDS fds go on too */
        if (getenv("LISTEN_FDS")) {
                unsigned long n = strtoul(getenv("LISTEN_FDS"), NULL, 10);

                if (n > 0 && n < 1024) {
                        so.preserve_fds += (unsigned int) n;
                        so.listen_pid = true;
                }
        }
        so.id = id;
        so.bundle = bundle;
        so.seccomp_cache = cache;
        so.ret_pty_master = &master;
        so.die_with_parent = run && !o.detach;
        if (oci_container_start(spec, &so, &pid, err) < 0)
                goto fail_dir;
        created = eng_time_now_rfc3339();
        state = json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:I,s:O?}", "ociVersion", OCI_VERSION, "id", id,
                          "pid", (int) pid, "bundle", bundle, "rootfs", spec->root_path, "created",
                          created, "start_time", (json_int_t) oci_proc_start_time(pid),
                          "annotations", json_object_get(spec->json, "annotations"));
        if (spec->cgroups_path)
                json_object_set_new(state, "cgroupsPath", json_string(spec->cgroups_path));
        if (oci_state_write(arg_root, id, state, err) < 0 ||
            write_pid_file(o.pid_file, pid, err) < 0) {
                json_decref(state);
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                (void) oci_cgroup_remove(spec->cgroups_path, NULL);
                goto fail_dir;
        }
        json_decref(state);
        if (run)
                (void) oci_hooks_run(spec, OCI_HOOK_POSTSTART, id, bundle, "running", pid, NULL);
        if (!run || o.detach) {
                if (master >= 0)
                        close(master);
                oci_spec_free(spec);
                return 0;
        }
        if (oci_foreground(pid, master, true, &status, err) < 0) {
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                status = -1;
        }
        if (master >= 0)
                close(master);
        {
                struct eng_error *e = NULL;

                if (oci_cgroup_remove(spec->cgroups_path, &e) < 0)
                        eng_err_warn_and_free(&e);
                if (eng_rm_rf(dir, &e) < 0)
                        eng_err_warn_and_free(&e);
        }
        (void) oci_hooks_run(spec, OCI_HOOK_POSTSTOP, id, bundle, "stopped", 0, NULL);
        oci_spec_free(spec);
        return status;
fail_dir:
        if (master >= 0)
                close(master);
        {
                struct eng_error *e = NULL;

                (void) eng_rm_rf(dir, &e);
                eng_err_free(e);
        }
fail_spec:
        oci_spec_free(spec);
        return -1;
}

/* the poststart or poststop hooks of the container whose state is @state:
 * its spec is the copy in its state directory; failures only warn */
static void run_state_hooks(json_t *state, enum oci_hook_kind kind, const char *status)
{
        const char *id = json_string_value(json_object_get(state, "id"));
        _cleanup_free_ char *dir = oci_state_dir(arg_root, id);
        struct eng_error *e = NULL;
        struct oci_spec *spec = oci_spec_load(dir, &e);

        if (!spec) {
                eng_err_warn_and_free(&e);
                return;
        }
        (void) oci_hooks_run(spec, kind, id, json_string_value(json_object_get(state, "bundle")),
                             status,
                             kind == OCI_HOOK_POSTSTOP
                                     ? 0
                                     : (pid_t) json_integer_value(json_object_get(state, "pid")),
                             NULL);
        oci_spec_free(spec);
}

static int do_start(int argc, char **argv, struct eng_error **err)
{
        const char *id;
        enum oci_status st;
        json_t *state;
        _cleanup_free_ char *fifo = NULL;
        _cleanup_close_ int fd = -1;

        optind = 1;
        if (need_id(argc, argv, "start", &id, err) < 0)
                return -1;
        state = oci_state_read(arg_root, id, &st, err);
        if (!state)
                return -1;
        if (st != OCI_STATUS_CREATED) {
                json_decref(state);
                return eng_err(err, ENG_E_USAGE, 0, "container '%s' is %s, not created", id,
                               oci_status_name(st));
        }
        /* the container's process holds the read end and waits for a byte */
        fifo = eng_xasprintf("%s/%s/exec.fifo", arg_root, id);
        fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0 && errno == ENXIO) {
                json_decref(state);
                return eng_err(err, ENG_E_SYS, EIO, "the container '%s' died before it started",
                               id);
        }
        if (fd < 0 || write(fd, "0", 1) != 1) {
                json_decref(state);
                return eng_err(err, ENG_E_SYS, errno, "starting '%s' through '%s'", id, fifo);
        }
        (void) unlink(fifo);
        /* poststart hooks run after the process is executed (the spec), not
         * while it is still ours on its way there */
        oci_wait_exec((pid_t) json_integer_value(json_object_get(state, "pid")));
        run_state_hooks(state, OCI_HOOK_POSTSTART, "running");
        json_decref(state);
        return 0;
}

static int do_state(int argc, char **argv, struct eng_error **err)
{
        const char *id;
        enum oci_status st;
        json_t *state;
        char *out;

        optind = 1;
        if (need_id(argc, argv, "state", &id, err) < 0)
                return -1;
        state = oci_state_read(arg_root, id, &st, err);
        if (!state)
                return -1;
        json_object_del(state, "start_time");
        json_object_del(state, "rootfs");
        if (st == OCI_STATUS_STOPPED)
                json_object_set_new(state, "pid", json_integer(0));
        out = json_dumps(state, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("%s\n", out);
        free(out);
        json_decref(state);
        return 0;
}

static int do_kill(int argc, char **argv, struct eng_error **err)
{
        static const struct option opts[] = { { "all", no_argument, NULL, 'a' },
                                              { NULL, 0, NULL, 0 } };
        const char *id;
        enum oci_status st;
        json_t *state;
        int sig = SIGTERM, c;
        pid_t pid;

        bool all = false;

        optind = 1;
        while ((c = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
                if (c != 'a')
                        return eng_err(err, ENG_E_USAGE, 0, "bad option to 'kill'");
                all = true;
        }
        if (need_id(argc, argv, "kill", &id, err) < 0)
                return -1;
        if (optind < argc) {
                sig = oci_signal_parse(argv[optind]);
                if (sig < 0)
                        return eng_err(err, ENG_E_USAGE, 0, "unknown signal '%s'", argv[optind]);
        }
        if (all) {
                /* every process of the container (runc kill --all) */
                _cleanup_free_ pid_t *pids = NULL;
                size_t n = 0;

                state = live_state(id, "kill", &pids, &n, err);
                if (!state)
                        return -1;
                json_decref(state);
                for (size_t i = 0; i < n; i++)
                        if (kill(pids[i], sig) < 0 && errno != ESRCH)
                                return eng_err(err, ENG_E_SYS, errno,
                                               "signalling process %d of container '%s'",
                                               (int) pids[i], id);
                return 0;
        }
        state = oci_state_read(arg_root, id, &st, err);
        if (!state)
                return -1;
        pid = (pid_t) json_integer_value(json_object_get(state, "pid"));
        json_decref(state);
        if (st == OCI_STATUS_STOPPED)
                return eng_err(err, ENG_E_USAGE, 0, "container '%s' is not running", id);
        if (kill(pid, sig) < 0)
                return eng_err(err, ENG_E_SYS, errno, "signalling container '%s'", id);
        return 0;
}

static int delete_one(const char *id, bool force, struct eng_error **err);

static int do_delete(int argc, char **argv, struct eng_error **err)
{
        static const struct option opts[] = { { "force", no_argument, NULL, 'f' },
                                              { "regex", required_argument, NULL, 'r' },
                                              { NULL, 0, NULL, 0 } };
        const char *id, *regex = NULL;
        bool force = false;
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "+fr:", opts, NULL)) != -1) {
                if (c == 'f')
                        force = true;
                else if (c == 'r')
                        regex = optarg;
                else
                        return eng_err(err, ENG_E_USAGE, 0, "bad option to 'delete'");
        }
        if (regex) {
                /* crun's --regex: every container whose id matches */
                _cleanup_closedir_ DIR *d = NULL;
                struct dirent *de;
                regex_t re;
                int r = 0;

                if (regcomp(&re, regex, REG_EXTENDED | REG_NOSUB) != 0)
                        return eng_err(err, ENG_E_USAGE, 0,
                                       "--regex: '%s' is not a regular expression", regex);
                d = opendir(arg_root);
                while (r == 0 && d && (de = readdir(d)))
                        if (de->d_name[0] != '.' && oci_id_valid(de->d_name) &&
                            regexec(&re, de->d_name, 0, NULL, 0) == 0)
                                r = delete_one(de->d_name, force, err);
                regfree(&re);
                return r;
        }
        if (need_id(argc, argv, "delete", &id, err) < 0)
                return -1;
        return delete_one(id, force, err);
}

static int delete_one(const char *id, bool force, struct eng_error **err)
{
        _cleanup_free_ char *dir = NULL;
        enum oci_status st;
        json_t *state;

        state = oci_state_read(arg_root, id, &st, err);
        if (!state) {
                if (force && (*err)->kind == ENG_E_NOTFOUND) {
                        *err = eng_err_free(*err);
                        return 0;
                }
                return -1;
        }
        if (st != OCI_STATUS_STOPPED) {
                pid_t pid = (pid_t) json_integer_value(json_object_get(state, "pid"));

                if (!force && st != OCI_STATUS_CREATED) {
                        json_decref(state);
                        return eng_err(err, ENG_E_USAGE, 0,
                                       "container '%s' is %s: stop it first or use --force", id,
                                       oci_status_name(st));
                }
                (void) kill(pid, SIGKILL);
                if (st == OCI_STATUS_PAUSED) {
                        /* a frozen process dies of SIGKILL only once thawed */
                        struct eng_error *e = NULL;

                        if (oci_cgroup_freeze(
                                    json_string_value(json_object_get(state, "cgroupsPath")), false,
                                    &e) < 0)
                                eng_err_warn_and_free(&e);
                }
                /* Wait for it to go (it is not our child when another process created it). */
                for (int i = 0; i < 1000 && oci_proc_start_time(pid) != 0; i++) {
                        struct timespec ts = { 0, 5 * 1000 * 1000 };

                        (void) waitpid(pid, NULL, WNOHANG);
                        nanosleep(&ts, NULL);
                }
        }
        if (oci_cgroup_remove(json_string_value(json_object_get(state, "cgroupsPath")), err) < 0) {
                if (!force) {
                        json_decref(state);
                        return -1;
                }
                /* --force takes the container whatever its cgroup says (a process
                 * frozen elsewhere keeps it busy); crun does the same */
                eng_err_warn_and_free(err);
        }
        run_state_hooks(state, OCI_HOOK_POSTSTOP, "stopped");
        json_decref(state);
        dir = oci_state_dir(arg_root, id);
        return eng_rm_rf(dir, err);
}

/* the user name of @uid, or the number */
static char *owner_name(uid_t uid)
{
        struct passwd *pw = getpwuid(uid);

        return pw ? eng_xstrdup(pw->pw_name) : eng_xasprintf("#%u", (unsigned) uid);
}

/* a row of list's table: id, pid (written into @pid), status, bundle, created, owner */
static void list_row(json_t *s, char pid[32], const char *v[6])
{
        static const char *const keys[] = { "id", NULL, "status", "bundle", "created", "owner" };

        snprintf(pid, 32, "%" JSON_INTEGER_FORMAT, json_integer_value(json_object_get(s, "pid")));
        for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
                const char *x = keys[k] ? json_string_value(json_object_get(s, keys[k])) : pid;

                v[k] = x ? x : "";
        }
}

static void list_print(const char *const v[6], const size_t width[6])
{
        for (size_t k = 0; k < 5; k++)
                printf("%-*s", (int) (width[k] < 12 ? 12 : width[k]), v[k]);
        printf("%s\n", v[5]);
}

static int do_list(int argc, char **argv, struct eng_error **err)
{
        static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
                                              { "quiet", no_argument, NULL, 'q' },
                                              { NULL, 0, NULL, 0 } };
        static const char *const cols[] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
        _cleanup_closedir_ DIR *d = NULL;
        const char *format = "table";
        bool quiet = false;
        json_t *all = json_array(), *s;
        size_t width[ELEMENTSOF(cols)], i;
        struct dirent *de;
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "+f:q", opts, NULL)) != -1) {
                if (c == 'f')
                        format = optarg;
                else if (c == 'q')
                        quiet = true;
                else
                        return eng_err(err, ENG_E_USAGE, 0, "bad option to 'list'");
        }
        if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0) {
                json_decref(all);
                return eng_err(err, ENG_E_USAGE, 0, "'%s' is not a format of list (table, json)",
                               format);
        }
        d = opendir(arg_root);
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *dir = NULL, *owner = NULL;
                struct eng_error *e = NULL;
                enum oci_status st;
                struct stat sb;
                json_t *r;

                if (de->d_name[0] == '.')
                        continue;
                s = oci_state_read(arg_root, de->d_name, &st, &e);
                if (!s) {
                        eng_err_free(e);
                        continue;
                }
                /* runc's fields, in runc's order: the owner is the state directory's */
                dir = oci_state_dir(arg_root, de->d_name);
                owner = stat(dir, &sb) == 0 ? owner_name(sb.st_uid) : eng_xstrdup("");
                r = json_pack("{s:s,s:O,s:I,s:O,s:O,s:O,s:O,s:s}", "ociVersion", OCI_VERSION, "id",
                              json_object_get(s, "id"), "pid",
                              st == OCI_STATUS_STOPPED
                                      ? (json_int_t) 0
                                      : json_integer_value(json_object_get(s, "pid")),
                              "status", json_object_get(s, "status"), "bundle",
                              json_object_get(s, "bundle"), "rootfs", json_object_get(s, "rootfs"),
                              "created", json_object_get(s, "created"), "owner", owner);
                if (r && json_object_size(json_object_get(s, "annotations")))
                        json_object_set(r, "annotations", json_object_get(s, "annotations"));
                json_decref(s);
                if (r)
                        json_array_append_new(all, r);
        }
        if (strcmp(format, "json") == 0) {
                char *out = json_dumps(all, JSON_COMPACT | JSON_PRESERVE_ORDER);

                /* runc prints null for none */
                printf("%s\n", json_array_size(all) ? out : "null");
                free(out);
                json_decref(all);
                return 0;
        }
        if (quiet) {
                json_array_foreach(all, i, s)
                        printf("%s\n", json_string_value(json_object_get(s, "id")));
                json_decref(all);
                return 0;
        }
        /* runc's tabwriter: a column is its widest value and three spaces, at least 12 */
        for (size_t k = 0; k < ELEMENTSOF(cols); k++)
                width[k] = strlen(cols[k]) + 3;
        json_array_foreach(all, i, s) {
                const char *v[ELEMENTSOF(cols)];
                char pid[32];

                list_row(s, pid, v);
                for (size_t k = 0; k < ELEMENTSOF(cols); k++)
                        if (strlen(v[k]) + 3 > width[k])
                                width[k] = strlen(v[k]) + 3;
        }
        list_print(cols, width);
        json_array_foreach(all, i, s) {
                const char *v[ELEMENTSOF(cols)];
                char pid[32];

                list_row(s, pid, v);
                list_print(v, width);
        }
        json_decref(all);
        return 0;
}

static int do_pause_resume(int argc, char **argv, bool pause, struct eng_error **err)
{
        const char *id, *cmd = pause ? "pause" : "resume";
        enum oci_status st;
        json_t *state;
        int r;

        optind = 1;
        if (need_id(argc, argv, cmd, &id, err) < 0)
                return -1;
        state = oci_state_read(arg_root, id, &st, err);
        if (!state)
                return -1;
        if (pause ? st != OCI_STATUS_RUNNING && st != OCI_STATUS_CREATED
                  : st != OCI_STATUS_PAUSED) {
                json_decref(state);
                return eng_err(err, ENG_E_USAGE, 0, "container '%s' is %s, not %s", id,
                               oci_status_name(st), pause ? "running" : "paused");
        }
        r = oci_cgroup_freeze(json_string_value(json_object_get(state, "cgroupsPath")), pause, err);
        json_decref(state);
        return r < 0 ? eng_err_wrap(err, "%s of container '%s'", cmd, id) : 0;
}

static int do_pause(int argc, char **argv, struct eng_error **err)
{
        return do_pause_resume(argc, argv, true, err);
}

static int do_resume(int argc, char **argv, struct eng_error **err)
{
        return do_pause_resume(argc, argv, false, err);
}

/* the processes of a container that is not stopped */
static json_t *live_state(const char *id, const char *cmd, pid_t **pids, size_t *n,
                          struct eng_error **err)
{
        enum oci_status st;
        json_t *state = oci_state_read(arg_root, id, &st, err);

        if (!state)
                return NULL;
        if (st == OCI_STATUS_STOPPED) {
                json_decref(state);
                eng_err(err, ENG_E_USAGE, 0, "container '%s' is not running", id);
                return NULL;
        }
        if (pids && oci_container_pids(state, pids, n, err) < 0) {
                json_decref(state);
                eng_err_wrap(err, "%s: listing the processes of '%s'", cmd, id);
                return NULL;
        }
        return state;
}

static bool has_pid(const pid_t *pids, size_t n, long pid)
{
        for (size_t i = 0; i < n; i++)
                if (pids[i] == pid)
                        return true;
        return false;
}

/* ps [ARG...] (default -ef): its header, then the lines of @pids */
static int ps_table(char **args, const pid_t *pids, size_t n, struct eng_error **err)
{
        _cleanup_strv_ char **argvv = NULL, **lines = NULL, **head = NULL;
        _cleanup_free_ char *out = NULL;
        struct eng_program prog;
        ssize_t col = -1;
        int r;

        eng_strv_push(&argvv, "ps");
        if (!args || !*args)
                eng_strv_push(&argvv, "-ef");
        for (char **a = args; a && *a; a++)
                eng_strv_push(&argvv, *a);
        if (eng_program_start(argvv, &prog, err) < 0)
                return -1;
        /* all of it, however many processes the machine has */
        r = eng_read_file_fd(prog.out, "ps's output", 64u << 20, &out, NULL, err);
        if (eng_program_finish(&prog, NULL, err) < 0 || r < 0)
                return -1;
        lines = eng_strv_split(out, "\n");
        if (!lines || !lines[0])
                return eng_err(err, ENG_E_SYS, 0, "ps printed nothing");
        head = eng_strv_split(lines[0], " ");
        for (size_t i = 0; head && head[i]; i++)
                if (strcmp(head[i], "PID") == 0)
                        col = (ssize_t) i;
        if (col < 0)
                return eng_err(err, ENG_E_USAGE, 0, "ps's output has no PID column");
        printf("%s\n", lines[0]);
        for (size_t i = 1; lines[i]; i++) {
                _cleanup_strv_ char **f = eng_strv_split(lines[i], " ");

                if ((ssize_t) eng_strv_length(f) > col &&
                    has_pid(pids, n, strtol(f[col], NULL, 10)))
                        printf("%s\n", lines[i]);
        }
        return 0;
}

static int do_ps(int argc, char **argv, struct eng_error **err)
{
        static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
                                              { NULL, 0, NULL, 0 } };
        _cleanup_free_ pid_t *pids = NULL;
        const char *format = "table", *id;
        size_t n = 0;
        json_t *state;
        int c, r = 0;

        optind = 1;
        while ((c = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
                if (c != 'f')
                        return eng_err(err, ENG_E_USAGE, 0, "bad option to 'ps'");
                format = optarg;
        }
        if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
                return eng_err(err, ENG_E_USAGE, 0, "'%s' is not a format of ps (table, json)",
                               format);
        if (need_id(argc, argv, "ps", &id, err) < 0)
                return -1;
        /* "ps ID -- -o pid,comm": ps's own arguments follow */
        if (optind < argc && strcmp(argv[optind], "--") == 0)
                optind++;
        state = live_state(id, "ps", &pids, &n, err);
        if (!state)
                return -1;
        json_decref(state);
        if (strcmp(format, "json") == 0) {
                json_t *l = json_array();
                char *out;

                for (size_t i = 0; i < n; i++)
                        json_array_append_new(l, json_integer(pids[i]));
                out = json_dumps(l, JSON_COMPACT);
                printf("%s\n", out);
                free(out);
                json_decref(l);
        } else {
                r = ps_table(argv + optind, pids, n, err);
        }
        return r;
}

/* a byte count with an optional k, m, g suffix (runc takes "512m") */
static int parse_bytes(const char *opt, const char *s, json_int_t *ret, struct eng_error **err)
{
        char *end;
        double v;
        double mult = 1;

        errno = 0;
        v = strtod(s, &end);
        if (errno || end == s)
                return eng_err(err, ENG_E_USAGE, 0, "--%s: '%s' is not a number of bytes", opt, s);
        switch (*end | 0x20) {
        case 'k':
                mult = 1024.0;
                end++;
                break;
        case 'm':
                mult = 1024.0 * 1024;
                end++;
                break;
        case 'g':
                mult = 1024.0 * 1024 * 1024;
                end++;
                break;
        default:
                break;
        }
        if ((*end | 0x20) == 'b')
                end++;
        /* -1: no limit (memory-swap), as runc */
        if (*end || !(v * mult < 9.2e18) || (v < 0 && v != -1))
                return eng_err(err, ENG_E_USAGE, 0, "--%s: '%s' is not a number of bytes", opt, s);
        *ret = (json_int_t) (v * mult);
        return 0;
}

/* runc update's flags: the linux.resources field each one sets */
static const struct {
        const char *flag, *group, *field;
        bool bytes, string;
} update_flags[] = {
        { "cpu-period", "cpu", "period", false, false },
        { "cpu-quota", "cpu", "quota", false, false },
        { "cpu-share", "cpu", "shares", false, false },
        { "cpu-rt-period", "cpu", "realtimePeriod", false, false },
        { "cpu-rt-runtime", "cpu", "realtimeRuntime", false, false },
        { "cpuset-cpus", "cpu", "cpus", false, true },
        { "cpuset-mems", "cpu", "mems", false, true },
        { "memory", "memory", "limit", true, false },
        { "memory-swap", "memory", "swap", true, false },
        { "memory-reservation", "memory", "reservation", true, false },
        { "kernel-memory", "memory", "kernel", true, false },
        { "kernel-memory-tcp", "memory", "kernelTCP", true, false },
        { "blkio-weight", "blockIO", "weight", false, false },
        { "pids-limit", "pids", "limit", false, false },
};

/* runc's flags for Intel RDT, which eng-runtime does not set */
static const char *const update_refused[] = { "l3-cache-schema", "mem-bw-schema" };

static int update_set(json_t *res, size_t i, const char *arg, struct eng_error **err)
{
        json_t *group = json_object_get(res, update_flags[i].group), *v;
        json_int_t n = 0;
        char *end;

        if (update_flags[i].string) {
                v = json_string(arg);
        } else if (update_flags[i].bytes) {
                if (parse_bytes(update_flags[i].flag, arg, &n, err) < 0)
                        return -1;
                v = json_integer(n);
        } else {
                errno = 0;
                n = strtoll(arg, &end, 10);
                if (errno || end == arg || *end)
                        return eng_err(err, ENG_E_USAGE, 0, "--%s: '%s' is not a number",
                                       update_flags[i].flag, arg);
                v = json_integer(n);
        }
        if (!json_is_object(group)) {
                group = json_object();
                json_object_set_new(res, update_flags[i].group, group);
        }
        json_object_set_new(group, update_flags[i].field, v);
        return 0;
}

static int do_update(int argc, char **argv, struct eng_error **err)
{
        enum { FLAGS = ELEMENTSOF(update_flags), REFUSED = ELEMENTSOF(update_refused) };
        struct option opts[FLAGS + REFUSED + 2];
        _cleanup_free_ char *dir = NULL, *cfg = NULL, *data = NULL;
        _cleanup_strv_ char **values = NULL;
        const char *id, *resources = NULL;
        json_t *res = json_object(), *state = NULL, *linux_, *cur, *v;
        struct oci_spec *spec = NULL, *updated = NULL;
        const char *key;
        int c, idx, r = -1;

        memset(opts, 0, sizeof(opts));
        for (size_t i = 0; i < FLAGS; i++)
                opts[i] = (struct option){ update_flags[i].flag, required_argument, NULL,
                                           1000 + (int) i };
        for (size_t i = 0; i < REFUSED; i++)
                opts[FLAGS + i] =
                        (struct option){ update_refused[i], required_argument, NULL, 2000 };
        opts[FLAGS + REFUSED] = (struct option){ "resources", required_argument, NULL, 'r' };
        values = eng_xcalloc(FLAGS + 1, sizeof(char *));
        optind = 1;
        while ((c = getopt_long(argc, argv, "+r:", opts, &idx)) != -1) {
                if (c == 'r') {
                        resources = optarg;
                } else if (c >= 1000 && c < 1000 + (int) FLAGS) {
                        free(values[c - 1000]);
                        values[c - 1000] = eng_xstrdup(optarg);
                } else if (c == 2000) {
                        eng_err(err, ENG_E_USAGE, 0,
                                "--%s is not supported by eng-runtime: it has no Intel RDT (resctrl) support",
                                opts[idx].name);
                        goto out;
                } else {
                        eng_err(err, ENG_E_USAGE, 0, "bad option to 'update'");
                        goto out;
                }
        }
        if (need_id(argc, argv, "update", &id, err) < 0)
                goto out;
        /* --resources FILE (- for stdin): a linux.resources object, as containerd sends */
        if (resources) {
                json_error_t je;
                json_t *j;

                if (strcmp(resources, "-") == 0
                            ? eng_read_file_fd(STDIN_FILENO, "stdin", 1 << 20, &data, NULL, err) < 0
                            : eng_read_file(resources, 1 << 20, &data, NULL, err) < 0)
                        goto out;
                j = json_loads(data, 0, &je);
                if (!json_is_object(j)) {
                        json_decref(j);
                        eng_err(err, ENG_E_INVALID, 0,
                                "--resources: not a JSON object of resources: %s",
                                je.text[0] ? je.text : "another type");
                        goto out;
                }
                json_decref(res);
                res = j;
        }
        for (size_t i = 0; i < FLAGS; i++)
                if (values[i] && update_set(res, i, values[i], err) < 0)
                        goto out;
        state = live_state(id, "update", NULL, NULL, err);
        if (!state)
                goto out;
        dir = oci_state_dir(arg_root, id);
        spec = oci_spec_load(dir, err);
        if (!spec)
                goto out;
        /* each given field replaces the container's; the others stay */
        linux_ = json_object_get(spec->json, "linux");
        if (!json_is_object(linux_)) {
                linux_ = json_object();
                json_object_set_new(spec->json, "linux", linux_);
        }
        cur = json_object_get(linux_, "resources");
        if (!json_is_object(cur)) {
                cur = json_object();
                json_object_set_new(linux_, "resources", cur);
        }
        json_object_foreach(res, key, v) {
                json_t *mine = json_object_get(cur, key);

                if (json_is_object(v) && json_is_object(mine))
                        json_object_update(mine, v);
                else
                        json_object_set(cur, key, v);
        }
        updated = oci_spec_parse(spec->json, dir, err);
        if (!updated || oci_cgroup_update(updated, err) < 0)
                goto out;
        cfg = eng_xasprintf("%s/config.json", dir);
        free(data);
        data = json_dumps(spec->json, JSON_COMPACT);
        r = eng_write_file_replace(cfg, data, strlen(data), 0600, err);
out:
        oci_spec_free(updated);
        oci_spec_free(spec);
        json_decref(state);
        json_decref(res);
        return r;
}

/* a Go duration as runc takes it ("5s", "100ms", "1m") in milliseconds; -1 if bad */
static long parse_duration_ms(const char *s)
{
        char *end;
        double v;

        errno = 0;
        v = strtod(s, &end);
        if (errno || end == s || v <= 0)
                return -1;
        if (strcmp(end, "ms") == 0)
                ;
        else if (strcmp(end, "s") == 0)
                v *= 1000;
        else if (strcmp(end, "m") == 0)
                v *= 60000;
        else if (strcmp(end, "h") == 0)
                v *= 3600000;
        else
                return -1;
        return v < 1 || v > 86400000.0 ? -1 : (long) v;
}

static int do_events(int argc, char **argv, struct eng_error **err)
{
        static const struct option opts[] = { { "stats", no_argument, NULL, 's' },
                                              { "interval", required_argument, NULL, 'i' },
                                              { NULL, 0, NULL, 0 } };
        const char *id;
        bool once = false;
        long interval = 5000;
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
                if (c == 's') {
                        once = true;
                } else if (c == 'i') {
                        interval = parse_duration_ms(optarg);
                        if (interval < 0)
                                return eng_err(err, ENG_E_USAGE, 0,
                                               "--interval: '%s' is not a duration (5s, 100ms)",
                                               optarg);
                } else {
                        return eng_err(err, ENG_E_USAGE, 0, "bad option to 'events'");
                }
        }
        if (need_id(argc, argv, "events", &id, err) < 0)
                return -1;
        /* a stats event now (--stats), or one every interval while it runs */
        for (;;) {
                struct timespec ts = { interval / 1000, (interval % 1000) * 1000000 };
                json_t *state = live_state(id, "events", NULL, NULL, err), *data, *ev;
                char *out;

                if (!state) {
                        if (!once && (*err)->kind == ENG_E_USAGE) {
                                *err = eng_err_free(*err);
                                return 0; /* it stopped: the stream ends */
                        }
                        return -1;
                }
                data = oci_cgroup_stats(json_string_value(json_object_get(state, "cgroupsPath")),
                                        err);
                json_decref(state);
                if (!data)
                        return -1;
                ev = json_pack("{s:s,s:s,s:o}", "type", "stats", "id", id, "data", data);
                out = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
                printf("%s\n", out);
                fflush(stdout);
                free(out);
                json_decref(ev);
                if (once)
                        return 0;
                nanosleep(&ts, NULL);
        }
}

static int do_features(int argc, char **argv, struct eng_error **err)
{
        json_t *f;
        char *out;

        (void) argv;
        if (argc > 1)
                return eng_err(err, ENG_E_USAGE, 0, "'features' takes no arguments");
        f = oci_features();
        out = json_dumps(f, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
        printf("%s\n", out);
        free(out);
        json_decref(f);
        return 0;
}

static int do_spec(int argc, char **argv, struct eng_error **err)
{
        static const struct option opts[] = { { "rootless", no_argument, NULL, 'r' },
                                              { "bundle", required_argument, NULL, 'b' },
                                              { NULL, 0, NULL, 0 } };
        const char *bundle = ".";
        bool rootless = false;
        _cleanup_free_ char *path = NULL;
        char *data;
        json_t *j;
        int c, r;

        optind = 1;
        while ((c = getopt_long(argc, argv, "+b:", opts, NULL)) != -1) {
                if (c == 'r')
                        rootless = true;
                else if (c == 'b')
                        bundle = optarg;
                else
                        return eng_err(err, ENG_E_USAGE, 0, "bad option to 'spec'");
        }
        path = eng_xasprintf("%s/config.json", bundle);
        if (access(path, F_OK) == 0)
                return eng_err(err, ENG_E_USAGE, EEXIST, "'%s' exists already", path);
        j = oci_spec_example(rootless);
        data = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(j);
        r = eng_write_file_replace(path, data, strlen(data), 0644, err);
        free(data);
        return r;
}

static int do_exec(int argc, char **argv, struct eng_error **err)
{
        static const struct option opts[] = {
                { "process", required_argument, NULL, 'p' },
                { "tty", no_argument, NULL, 't' },
                { "console-socket", required_argument, NULL, 'c' },
                { "cwd", required_argument, NULL, 'w' },
                { "env", required_argument, NULL, 'e' },
                { "user", required_argument, NULL, 'u' },
                { "detach", no_argument, NULL, 'd' },
                { "pid-file", required_argument, NULL, 'P' },
                { "preserve-fds", required_argument, NULL, 'f' },
                { "no-new-privs", no_argument, NULL, 'n' },
                { "cap", required_argument, NULL, 'C' },
                { NULL, 0, NULL, 0 },
        };
        const char *process_file = NULL, *console_path = NULL, *pid_file = NULL, *cwd = NULL;
        const char *user = NULL;
        _cleanup_strv_ char **env = NULL, **caps = NULL;
        bool tty = false, detach = false, nnp = false;
        unsigned int preserve = 0;
        struct oci_process proc = { 0 };
        struct oci_spec *cspec = NULL;
        _cleanup_free_ char *dir = NULL;
        _cleanup_free_ char *cache = eng_xasprintf("%s/.seccomp", arg_root);
        _cleanup_close_ int console = -1;
        struct oci_exec_opts eo = { .console_socket = -1 };
        enum oci_status st;
        const char *id;
        json_t *state;
        pid_t cpid, pid;
        int c, master = -1, status = 0, r;

        optind = 1;
        while ((c = getopt_long(argc, argv, "+p:tw:e:u:d", opts, NULL)) != -1) {
                switch (c) {
                case 'p':
                        process_file = optarg;
                        break;
                case 't':
                        tty = true;
                        break;
                case 'c':
                        console_path = optarg;
                        break;
                case 'w':
                        cwd = optarg;
                        break;
                case 'e':
                        eng_strv_push(&env, optarg);
                        break;
                case 'u':
                        user = optarg;
                        break;
                case 'd':
                        detach = true;
                        break;
                case 'P':
                        pid_file = optarg;
                        break;
                case 'f':
                        preserve = (unsigned int) strtoul(optarg, NULL, 10);
                        break;
                case 'n':
                        nnp = true;
                        break;
                case 'C':
                        eng_strv_push(&caps, optarg);
                        break;
                default:
                        return eng_err(err, ENG_E_USAGE, 0, "bad option to 'exec'");
                }
        }
        if (need_id(argc, argv, "exec", &id, err) < 0)
                return -1;
        state = oci_state_read(arg_root, id, &st, err);
        if (!state)
                return -1;
        cpid = (pid_t) json_integer_value(json_object_get(state, "pid"));
        json_decref(state);
        if (st == OCI_STATUS_STOPPED || st == OCI_STATUS_PAUSED)
                return eng_err(err, ENG_E_USAGE, 0, "container '%s' is %s, not running", id,
                               oci_status_name(st));
        dir = oci_state_dir(arg_root, id);
        cspec = oci_spec_load(dir, err);
        if (!cspec)
                return -1;
        if (process_file) {
                _cleanup_free_ char *data = NULL;
                json_error_t je;
                json_t *pj;
                size_t len;

                if (eng_read_file(process_file, 1 << 20, &data, &len, err) < 0)
                        goto out;
                pj = json_loadb(data, len, 0, &je);
                if (!pj) {
                        eng_err(err, ENG_E_INVALID, 0, "'%s' is not valid JSON: %s", process_file,
                                je.text);
                        goto out;
                }
                r = oci_process_parse(pj, &proc, err);
                json_decref(pj);
                if (r < 0)
                        goto out;
        } else {
                json_t *pj = json_deep_copy(json_object_get(cspec->json, "process"));
                json_t *args = json_array();

                if (optind >= argc) {
                        json_decref(pj);
                        json_decref(args);
                        eng_err(err, ENG_E_USAGE, 0, "'exec' needs a command or --process");
                        goto out;
                }
                for (int i = optind; i < argc; i++)
                        json_array_append_new(args, json_string(argv[i]));
                json_object_set_new(pj, "args", args);
                json_object_set_new(pj, "terminal", json_boolean(tty));
                /* --env NAME=V replaces the container's NAME (runc, crun) */
                ENG_STRV_FOREACH(e, env) {
                        json_t *l = json_object_get(pj, "env"), *v;
                        size_t n = strcspn(*e, "="), i;

                        if (!json_is_array(l)) {
                                l = json_array();
                                json_object_set_new(pj, "env", l);
                        }
                        for (i = 0; i < json_array_size(l); i++) {
                                const char *old = json_string_value(v = json_array_get(l, i));

                                if (old && strncmp(old, *e, n) == 0 && old[n] == '=')
                                        break;
                        }
                        if (i < json_array_size(l))
                                json_array_set_new(l, i, json_string(*e));
                        else
                                json_array_append_new(l, json_string(*e));
                }
                if (cwd)
                        json_object_set_new(pj, "cwd", json_string(cwd));
                if (nnp)
                        json_object_set_new(pj, "noNewPrivileges", json_true());
                if (user) {
                        unsigned long u = strtoul(user, NULL, 10), g = u;
                        const char *colon = strchr(user, ':');

                        if (colon)
                                g = strtoul(colon + 1, NULL, 10);
                        json_object_set_new(pj, "user",
                                            json_pack("{s:I,s:I}", "uid", (json_int_t) u, "gid",
                                                      (json_int_t) g));
                }
                ENG_STRV_FOREACH(cp, caps) {
                        const char *sets[] = { "bounding", "effective", "permitted" };
                        json_t *cs = json_object_get(pj, "capabilities");

                        /* one this runtime does not know (a newer kernel's, a typo):
                         * left out with a warning, as crun does */
                        if (oci_cap_parse(*cp) < 0) {
                                eng_log(ENG_LOG_WARN, "unknown capability '%s': not added", *cp);
                                continue;
                        }
                        /* an empty capabilities object, or none: the sets are made */
                        if (!json_is_object(cs)) {
                                cs = json_object();
                                json_object_set_new(pj, "capabilities", cs);
                        }
                        for (size_t i = 0; i < ELEMENTSOF(sets); i++) {
                                json_t *set = json_object_get(cs, sets[i]);

                                if (!json_is_array(set)) {
                                        set = json_array();
                                        json_object_set_new(cs, sets[i], set);
                                }
                                json_array_append_new(set, json_string(*cp));
                        }
                }
                r = oci_process_parse(pj, &proc, err);
                json_decref(pj);
                if (r < 0)
                        goto out;
        }
        if (console_path) {
                console = connect_console(console_path, err);
                if (console < 0)
                        goto out;
                eo.console_socket = console;
        }
        eo.process = &proc;
        eo.ret_pty_master = &master;
        eo.seccomp = cspec->seccomp;
        eo.cgroups_path = cspec->cgroups_path;
        eo.seccomp_cache = cache;
        eo.preserve_fds = preserve;
        if (oci_exec(cpid, NULL, &eo, &pid, err) < 0)
                goto out;
        if (write_pid_file(pid_file, pid, err) < 0)
                goto out;
        if (detach) {
                status = 0;
        } else if (oci_foreground(pid, master, true, &status, err) < 0) {
                status = -1;
        }
        oci_process_release(&proc);
        oci_spec_free(cspec);
        if (master >= 0)
                close(master);
        return status;
out:
        oci_process_release(&proc);
        oci_spec_free(cspec);
        return -1;
}

int main(int argc, char **argv)
{
        static const struct option globals[] = {
                { "root", required_argument, NULL, 'r' },
                { "log", required_argument, NULL, 'l' },
                { "log-format", required_argument, NULL, 'F' },
                { "log-level", required_argument, NULL, 'L' },
                { "debug", no_argument, NULL, 'D' },
                { "systemd-cgroup", no_argument, NULL, 'S' },
                { "cgroup-manager", required_argument, NULL, 'M' },
                { "rootless", required_argument, NULL, 'R' },
                { "version", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        static const struct {
                const char *name;
                int (*fn)(int argc, char **argv, struct eng_error **err);
        } cmds[] = {
                { "start", do_start },   { "state", do_state },       { "kill", do_kill },
                { "delete", do_delete }, { "list", do_list },         { "spec", do_spec },
                { "exec", do_exec },     { "pause", do_pause },       { "resume", do_resume },
                { "ps", do_ps },         { "features", do_features }, { "update", do_update },
                { "events", do_events },
        };
        _cleanup_free_ char *root = NULL;
        struct eng_error *err = NULL;
        const char *cmd;
        int c, r = -1;

        eng_log_set_prog("eng-runtime");
        while ((c = getopt_long(argc, argv, "+hv", globals, NULL)) != -1) {
                switch (c) {
                case 'r':
                        arg_root = optarg;
                        break;
                case 'l':
                        arg_log = optarg;
                        break;
                case 'D':
                        eng_log_set_level(ENG_LOG_DEBUG);
                        break;
                case 'v':
                        printf("eng-runtime version %s\nspec: %s\nlibseccomp: %s\n",
                               PACKAGE_VERSION, OCI_VERSION, oci_seccomp_version());
                        return 0;
                case 'h':
                        fputs(usage_text, stdout);
                        return 0;
                case 'F':
                        if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
                                fprintf(stderr,
                                        "eng-runtime: --log-format: '%s' is neither text nor json\n",
                                        optarg);
                                return 1;
                        }
                        arg_log_json = strcmp(optarg, "json") == 0;
                        break;
                case 'M':
                        arg_no_cgroups = strcmp(optarg, "disabled") == 0;
                        break;
                case 'L':
                case 'S':
                case 'R':
                        break;
                default:
                        fputs(usage_text, stderr);
                        return 1;
                }
        }
        if (optind >= argc) {
                fputs(usage_text, stderr);
                return 1;
        }
        if (!arg_root)
                arg_root = root = default_root();
        cmd = argv[optind];
        argc -= optind;
        argv += optind;
        optind = 1;
        if (strcmp(cmd, "create") == 0)
                r = do_create(argc, argv, false, &err);
        else if (strcmp(cmd, "run") == 0)
                r = do_create(argc, argv, true, &err);
        else {
                size_t i;

                for (i = 0; i < ELEMENTSOF(cmds); i++)
                        if (strcmp(cmds[i].name, cmd) == 0)
                                break;
                if (i == ELEMENTSOF(cmds))
                        r = eng_err(&err, ENG_E_USAGE, 0, "unknown command '%s'", cmd);
                else
                        r = cmds[i].fn(argc, argv, &err);
        }
        if (r < 0) {
                _cleanup_free_ char *m = eng_err_format(err);

                fprintf(stderr, "eng-runtime: %s\n", m);
                log_to_file(m);
                if (err->kind == ENG_E_EXEC)
                        r = err->errnum == ENOENT ? 127 : 126;
                else
                        r = 1;
                eng_err_free(err);
        }
        return r;
}
