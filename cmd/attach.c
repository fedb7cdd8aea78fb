/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * eng attach: to a detached container through its monitor's socket
 * (userdata/attach; the frames are described in cmd/eng-monitor.c).
 * Ctrl-p ctrl-q detaches, as with podman and docker.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/xalloc.h"
#include "runtime/container.h"
#include "storage/container.h"

#include "common/banned.h"

enum { OPT_NO_STDIN = 256, OPT_DETACH_KEYS, OPT_SIG_PROXY };

struct attach_args {
        bool no_stdin;
        const char *keys;
};

static int attach_opt(int val, const char *arg, void *data, _unused_ struct eng_error **err)
{
        struct attach_args *a = data;

        if (val == OPT_NO_STDIN)
                a->no_stdin = true;
        else if (val == OPT_DETACH_KEYS)
                a->keys = arg;
        return 0;
}

/* "ctrl-p,ctrl-q" (podman's form) to the bytes; "" disables detaching. */
static int parse_keys(const char *spec, char *out, size_t *ret_n, struct eng_error **err)
{
        _cleanup_strv_ char **keys = eng_strv_split(spec, ",");
        size_t n = 0;

        ENG_STRV_FOREACH(k, keys) {
                const char *key = *k;

                if (n == 8)
                        return eng_err(err, ENG_E_USAGE, 0, "--detach-keys '%s' is too long", spec);
                if (strncmp(key, "ctrl-", 5) == 0 && strlen(key) == 6 && key[5] >= 'a' &&
                    key[5] <= 'z')
                        out[n++] = (char) (key[5] - 'a' + 1);
                else if (strlen(key) == 1)
                        out[n++] = key[0];
                else
                        return eng_err(err, ENG_E_USAGE, 0,
                                       "--detach-keys '%s': use keys like ctrl-p,ctrl-q", spec);
        }
        *ret_n = n;
        return 0;
}

static int connect_attach(const char *path, struct eng_error **err)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        const char *slash = strrchr(path, '/');
        _cleanup_free_ char *dir = eng_xstrndup(path, (size_t) (slash - path));
        _cleanup_close_ int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        int fd;

        if (dirfd < 0)
                return eng_err(err, ENG_E_SYS, errno, "opening '%s'", dir);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dirfd, slash + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int e = errno;

                if (fd >= 0)
                        close(fd);
                return eng_err(err, ENG_E_SYS, e, "connecting to the container's monitor");
        }
        return fd;
}

static int send_frame(int fd, int kind, const void *data, size_t n)
{
        unsigned char hdr[5] = { (unsigned char) kind, (unsigned char) (n >> 24),
                                 (unsigned char) (n >> 16), (unsigned char) (n >> 8),
                                 (unsigned char) n };

        if (eng_write_all(fd, hdr, 5) < 0 || eng_write_all(fd, data, n) < 0)
                return -1;
        return 0;
}

static void send_size(int sock)
{
        struct winsize ws;
        unsigned char b[4];

        if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 || !ws.ws_row)
                return;
        b[0] = (unsigned char) (ws.ws_row >> 8);
        b[1] = (unsigned char) ws.ws_row;
        b[2] = (unsigned char) (ws.ws_col >> 8);
        b[3] = (unsigned char) ws.ws_col;
        (void) send_frame(sock, 1, b, 4);
}

/*
 * Relay until the container ends (0) or the detach keys are typed (1).
 */
static int relay(int sock, bool forward_stdin, bool tty, pid_t pid, const char *keys, size_t nkeys,
                 struct eng_error **err)
{
        unsigned char hdr[5];
        size_t hlen = 0, want = 0, matched = 0;
        char buf[16384];
        sigset_t mask, old;
        _cleanup_close_ int sfd = -1;
        bool in_open = forward_stdin;
        int r = 0;

        sigemptyset(&mask);
        sigaddset(&mask, SIGWINCH);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, &old);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (tty)
                send_size(sock);
        for (;;) {
                struct pollfd p[3] = {
                        { .fd = sock, .events = POLLIN },
                        { .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN },
                        { .fd = sfd, .events = POLLIN },
                };

                if (poll(p, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        r = eng_err(err, ENG_E_SYS, errno, "waiting on the container");
                        break;
                }
                if (p[2].revents & POLLIN) {
                        struct signalfd_siginfo si;

                        while (read(sfd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
                                if (si.ssi_signo == SIGWINCH) {
                                        if (tty)
                                                send_size(sock);
                                } else if (!tty)
                                        /* --sig-proxy, podman's default */
                                        (void) kill(pid, (int) si.ssi_signo);
                        }
                }
                if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
                        ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
                        char fwd[sizeof(buf) + 8];
                        size_t nf = 0;

                        if (n <= 0) {
                                (void) send_frame(sock, 2, "", 0);
                                in_open = false;
                        } else {
                                /* the detach keys: a started sequence is held back until it
                                 * is whole (detach) or broken (then it goes on, too) */
                                for (ssize_t i = 0; i < n; i++) {
                                        if (nkeys && buf[i] == keys[matched]) {
                                                if (++matched == nkeys) {
                                                        r = 1;
                                                        goto out;
                                                }
                                                continue;
                                        }
                                        memcpy(fwd + nf, keys, matched);
                                        nf += matched;
                                        matched = 0;
                                        if (nkeys && buf[i] == keys[0])
                                                matched = 1;
                                        else
                                                fwd[nf++] = buf[i];
                                }
                                if (nf && send_frame(sock, 0, fwd, nf) < 0)
                                        break;
                        }
                }
                if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                        ssize_t n;

                        if (hlen < 5) {
                                n = read(sock, hdr + hlen, 5 - hlen);
                                if (n <= 0)
                                        break; /* the container ended */
                                hlen += (size_t) n;
                                if (hlen == 5)
                                        want = ((size_t) hdr[1] << 24) | ((size_t) hdr[2] << 16) |
                                               ((size_t) hdr[3] << 8) | hdr[4];
                                if (hlen < 5 || want)
                                        continue;
                        }
                        n = read(sock, buf, want < sizeof(buf) ? want : sizeof(buf));
                        if (n <= 0)
                                break;
                        (void) eng_write_all(hdr[0] == 2 ? STDERR_FILENO : STDOUT_FILENO, buf,
                                             (size_t) n);
                        want -= (size_t) n;
                        if (!want)
                                hlen = 0;
                }
        }
out:
        sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}

int cmd_attach(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        static const struct cmd_option opts[] = {
                { "no-stdin", no_argument, OPT_NO_STDIN, NULL, "do not pass our input" },
                { "detach-keys", required_argument, OPT_DETACH_KEYS, "KEYS",
                  "instead of ctrl-p,ctrl-q ('' for none)" },
                { "sig-proxy", optional_argument, OPT_SIG_PROXY, "BOOL",
                  "taken for podman's scripts: signals to eng are not passed on" },
                { 0 },
        };
        struct attach_args a = { .keys = "ctrl-p,ctrl-q" };
        struct cmd_store cs = CMD_STORE_INIT;
        _cleanup_json_ json_t *rec = NULL;
        _cleanup_free_ char *dir = NULL, *path = NULL;
        _cleanup_close_ int sock = -1;
        struct termios saved;
        bool tty, raw = false;
        char keys[8];
        size_t nkeys = 0;
        int first, r;

        r = cmd_parse(cmd, argc, argv, opts, attach_opt, &a, &first, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (first + 1 != argc)
                return eng_err(err, ENG_E_USAGE, 0, "'eng attach' takes one container");
        if (parse_keys(a.keys, keys, &nkeys, err) < 0)
                return -1;
        r = -1;
        if (cmd_store_open(&cs, false, err) < 0)
                goto out;
        rec = cmd_container_running(&cs, argv[first], "you can only attach to running containers",
                                    err);
        if (!rec)
                goto out;
        if (!json_object_get(rec, "monitor")) {
                eng_err(err, ENG_E_USAGE, 0,
                        "container %.12s runs in the foreground of another eng: only containers started with -d can be attached",
                        json_string_value(json_object_get(rec, "id")));
                goto out;
        }
        dir = storage_container_dir(&cs.store, json_string_value(json_object_get(rec, "id")));
        path = eng_xasprintf("%s/userdata/attach", dir);
        sock = connect_attach(path, err);
        if (sock < 0)
                goto out;
        tty = json_is_true(json_object_get(rec, "tty"));
        if (tty && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
                struct termios t = saved;

                cfmakeraw(&t);
                t.c_oflag = saved.c_oflag;
                raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
        }
        r = relay(sock, json_is_true(json_object_get(rec, "stdin")) && !a.no_stdin, tty,
                  (pid_t) json_integer_value(json_object_get(rec, "pid")), keys, nkeys, err);
        if (raw)
                (void) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        if (r < 0)
                goto out;
        if (r == 1) {
                /* detached: the container goes on */
                if (tty)
                        fprintf(stderr, "\n");
                r = 0;
                goto out;
        }
        /* the container ended: its status is ours, once the monitor wrote it */
        {
                _cleanup_(storage_container_release) struct storage_container c = { 0 };

                if (storage_container_decode(rec, &c, err) < 0)
                        goto out;
                for (int i = 0; i < 200 && c.state == STORAGE_CONTAINER_RUNNING; i++) {
                        struct timespec ts = { 0, 20 * 1000 * 1000 };

                        nanosleep(&ts, NULL);
                        runtime_container_refresh(&cs.store, &c);
                }
                r = c.exit_code < 0 ? 125 : c.exit_code;
        }
out:
        cmd_store_close(&cs);
        return r;
}
