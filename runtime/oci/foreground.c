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

/* Copy what is readable from @from to @to; false at end of file or error. */
static bool relay(int from, int to)
{
        char buf[16384];
        ssize_t n;

        do
                n = read(from, buf, sizeof(buf));
        while (n < 0 && errno == EINTR);
        if (n <= 0)
                return n < 0 && errno == EAGAIN;
        return eng_write_all(to, buf, (size_t) n) == 0;
}

int oci_foreground(pid_t pid, int master, bool forward_stdin, int *ret_status,
                   struct eng_error **err)
{
        struct termios saved;
        bool raw = false, in_open = forward_stdin && master >= 0, out_open = master >= 0;
        bool exited = false;
        int64_t kill_at = 0; /* when a stop signal was passed on: KILL then */
        sigset_t mask, old;
        _cleanup_close_ int sfd = -1;
        int status = 0, r = 0;

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
        if (master >= 0) {
                int fl = fcntl(master, F_GETFL);

                (void) fcntl(master, F_SETFL, fl | O_NONBLOCK);
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
        while (!exited || out_open) {
                struct pollfd p[3] = {
                        { .fd = sfd, .events = POLLIN },
                        { .fd = out_open ? master : -1, .events = POLLIN },
                        { .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN },
                };

                if (exited) {
                        /* Drain what the process wrote before it exited, then stop. */
                        if (!relay(master, STDOUT_FILENO))
                                out_open = false;
                        else if (poll(&p[1], 1, 0) <= 0)
                                out_open = false;
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
                if (poll(p, 3, timeout) < 0) {
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
                if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
                        if (!relay(master, STDOUT_FILENO))
                                out_open = false;
                if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
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
                if (!out_open && !exited) {
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
