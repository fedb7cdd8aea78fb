/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Staying with a foreground container: signals forwarded, the terminal
 * relayed through the container's pty, the exit status collected.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/k8slog.h"
#include "runtime/oci/oci.h"

#include "common/banned.h"

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

static int64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void copy_winsize(int from, int to)
{
        struct winsize ws;

        /* a terminal of no size (a pipe's pty, script(1) without one) says nothing */
        if (ioctl(from, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
                (void) ioctl(to, TIOCSWINSZ, &ws);
}

/* What the process writes, to copy to one of ours (and to the log). */
struct source {
        int fd; /* -1 once it ended */
        int to;
        struct eng_k8slog_stream log;
};

/* Copy what is readable from @s; false at end of file or error. */
static bool relay(struct source *s, int log_fd)
{
        char buf[16384];
        ssize_t n;

        do
                n = read(s->fd, buf, sizeof(buf));
        while (n < 0 && errno == EINTR);
        if (n <= 0)
                return n < 0 && errno == EAGAIN;
        eng_k8slog_feed(log_fd, &s->log, buf, (size_t) n);
        /* our own output gone (a closed pipe) does not stop the log */
        (void) eng_write_all(s->to, buf, (size_t) n);
        return true;
}

static void source_end(struct source *s, int log_fd)
{
        eng_k8slog_flush(log_fd, &s->log);
        s->fd = -1;
}

int oci_foreground(pid_t pid, int master, bool forward_stdin, int *ret_status,
                   struct eng_error **err)
{
        const struct oci_foreground_io io = {
                .master = master,
                .out = { -1, -1 },
                .log_fd = -1,
                .forward_stdin = forward_stdin,
        };

        return oci_foreground_io(pid, &io, ret_status, err);
}

int oci_foreground_io(pid_t pid, const struct oci_foreground_io *io, int *ret_status,
                      struct eng_error **err)
{
        struct termios saved;
        int master = io->master;
        bool forward_stdin = io->forward_stdin;
        bool raw = false, in_open = forward_stdin && master >= 0;
        bool exited = false;
        int64_t kill_at = 0; /* when a stop signal was passed on: KILL then */
        sigset_t mask, old;
        _cleanup_close_ int sfd = -1;
        int status = 0, r = 0;
        struct source src[3] = {
                { .fd = master, .to = STDOUT_FILENO, .log.name = "stdout" },
                { .fd = io->out[0], .to = STDOUT_FILENO, .log.name = "stdout" },
                { .fd = io->out[1], .to = STDERR_FILENO, .log.name = "stderr" },
        };

        sigemptyset(&mask);
        for (size_t i = 0; i < ELEMENTSOF(forwarded); i++)
                sigaddset(&mask, forwarded[i]);
        sigaddset(&mask, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &mask, &old) < 0)
                return eng_err(err, ENG_E_SYS, errno, "blocking signals");
        sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0) {
                r = eng_err(err, ENG_E_SYS, errno, "making a signalfd");
                goto out;
        }
        for (size_t i = 0; i < ELEMENTSOF(src); i++)
                if (src[i].fd >= 0) {
                        int fl = fcntl(src[i].fd, F_GETFL);

                        (void) fcntl(src[i].fd, F_SETFL, fl | O_NONBLOCK);
                }
        if (master >= 0) {
                if (isatty(STDIN_FILENO)) {
                        copy_winsize(STDIN_FILENO, master);
                        if (forward_stdin && tcgetattr(STDIN_FILENO, &saved) == 0) {
                                struct termios t = saved;

                                cfmakeraw(&t);
                                t.c_oflag = saved.c_oflag; /* keep output processing */
                                raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
                        }
                }
        }
        /* It may have exited before SIGCHLD was blocked: that signal is gone. */
        if (waitpid(pid, &status, WNOHANG) == pid)
                exited = true;
        for (;;) {
                bool open = src[0].fd >= 0 || src[1].fd >= 0 || src[2].fd >= 0;
                struct pollfd p[5] = {
                        { .fd = sfd, .events = POLLIN },
                        { .fd = src[0].fd, .events = POLLIN },
                        { .fd = src[1].fd, .events = POLLIN },
                        { .fd = src[2].fd, .events = POLLIN },
                        { .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN },
                };

                if (exited && !open)
                        break;
                if (exited) {
                        /* Drain what the process wrote before it exited, then stop
                         * (a process it left behind may hold its end open). */
                        for (size_t i = 0; i < ELEMENTSOF(src); i++) {
                                if (src[i].fd < 0)
                                        continue;
                                if (!relay(&src[i], io->log_fd) || poll(&p[1 + i], 1, 0) <= 0)
                                        source_end(&src[i], io->log_fd);
                        }
                        continue;
                }
                int timeout = -1;

                if (kill_at) {
                        int64_t left = kill_at - now_ms();

                        if (left <= 0) {
                                (void) kill(pid, SIGKILL);
                                kill_at = 0;
                                continue;
                        }
                        timeout = (int) left;
                }
                if (poll(p, 5, timeout) < 0) {
                        if (errno == EINTR)
                                continue;
                        r = eng_err(err, ENG_E_SYS, errno, "waiting for the container");
                        break;
                }
                if (p[0].revents & POLLIN) {
                        struct signalfd_siginfo si;

                        while (read(sfd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
                                if (si.ssi_signo == SIGCHLD)
                                        continue;
                                if (si.ssi_signo == SIGWINCH && master >= 0)
                                        copy_winsize(STDIN_FILENO, master);
                                else if ((si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM) &&
                                         kill_at) {
                                        /* asked twice: the container goes now */
                                        (void) kill(pid, SIGKILL);
                                } else {
                                        (void) kill(pid, (int) si.ssi_signo);
                                        /*
                                         * A process 1 without a handler never sees INT
                                         * or TERM (the kernel drops them): as podman
                                         * stop, it is killed after a grace period.
                                         */
                                        if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM)
                                                kill_at = now_ms() + OCI_FOREGROUND_GRACE_MS;
                                }
                        }
                        if (waitpid(pid, &status, WNOHANG) == pid)
                                exited = true;
                }
                for (size_t i = 0; i < ELEMENTSOF(src); i++)
                        if ((p[1 + i].revents & (POLLIN | POLLHUP | POLLERR)) &&
                            !relay(&src[i], io->log_fd))
                                source_end(&src[i], io->log_fd);
                if (p[4].revents & (POLLIN | POLLHUP | POLLERR)) {
                        char buf[16384];
                        ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

                        if (n > 0)
                                (void) eng_write_all(master, buf, (size_t) n);
                        else if (n == 0 || errno != EINTR) {
                                /* End of our input: the pty's end-of-file character. */
                                struct termios t;
                                char eof = 4;

                                if (tcgetattr(master, &t) == 0 && t.c_cc[VEOF])
                                        eof = (char) t.c_cc[VEOF];
                                (void) !write(master, &eof, 1);
                                in_open = false;
                        }
                }
                if (!exited && src[0].fd < 0 && src[1].fd < 0 && src[2].fd < 0) {
                        /* No output left to relay: just wait. */
                        if (waitpid(pid, &status, WNOHANG) == pid)
                                exited = true;
                }
        }
        if (r == 0 && !exited) {
                while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                        ;
        }
        if (WIFSIGNALED(status))
                *ret_status = 128 + WTERMSIG(status);
        else
                *ret_status = WEXITSTATUS(status);
out:
        if (raw)
                (void) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        (void) sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}
