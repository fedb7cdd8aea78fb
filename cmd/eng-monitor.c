/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * eng-monitor: the parent of a detached container, what conmon is for
 * podman.  eng starts it in a session of its own; it becomes a subreaper,
 * runs the runtime (`eng-runtime run -d`), so the container process is
 * handed to it, and then stays with the container: its stdout and stderr go
 * into the log in the k8s-file format (RFC 3339 time, stream, F or P, the
 * line), its exit status and time go into the exit file, and at the end it
 * runs the cleanup command (`eng container cleanup ID`).
 *
 * It is static and uses no library but libc, so it stays small: one runs
 * per container for as long as the container does.
 *
 *	eng-monitor SYNC_FD LOG EXIT_FILE PID_FILE N RUNTIME_ARGV[N] CLEANUP_ARGV...
 *
 * On SYNC_FD it writes "ok PID\n" once the container runs, or "error STATUS\n"
 * when the runtime failed (its message is in its --log file).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "common/k8slog.h"

struct stream {
        int fd;
        struct eng_k8slog_stream log;
};

static int log_fd = -1;

static void tee_clients(struct stream *s, const char *data, size_t n);

static void write_all(int fd, const char *p, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, p, n);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return; /* a full disk loses log lines, not the container */
                p += w;
                n -= (size_t) w;
        }
}

/* Read what is there, into the log and to the attached clients. 0 at EOF. */
static int pump(struct stream *s)
{
        char buf[ENG_K8SLOG_LINE_MAX];
        ssize_t n;

        do
                n = read(s->fd, buf, sizeof(buf));
        while (n < 0 && errno == EINTR);
        if (n < 0 && errno == EAGAIN)
                return 1;
        if (n <= 0) {
                eng_k8slog_flush(log_fd, &s->log);
                return 0;
        }
        tee_clients(s, buf, (size_t) n);
        eng_k8slog_feed(log_fd, &s->log, buf, (size_t) n);
        return 1;
}

static void write_exit_file(const char *path, int status)
{
        char tmp[4096], when[64], text[128];
        int fd, n;

        eng_k8slog_time(when, sizeof(when));
        n = snprintf(text, sizeof(text), "%d\n%s\n", status, when);
        if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int) sizeof(tmp))
                return;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return;
        write_all(fd, text, (size_t) n);
        close(fd);
        (void) rename(tmp, path);
}

static pid_t spawn(char **argv, int in, int out, int err)
{
        pid_t p = fork();

        if (p == 0) {
                sigset_t none;

                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
                        _exit(125);
                execv(argv[0], argv);
                _exit(errno == ENOENT ? 127 : 126);
        }
        return p;
}

/*
 * Attach clients (eng attach) on the socket of ENG_MONITOR_ATTACH.  Frames
 * both ways: 1 byte kind, 4 bytes length (big endian), the bytes.  To the
 * client: 1 stdout, 2 stderr.  From it: 0 input, 1 window size (two 16-bit
 * numbers, rows then columns), 2 end of input.
 */
#define MAX_CLIENTS 8

struct client {
        int fd;
        unsigned char hdr[5];
        size_t hlen;
        char *body;
        size_t blen, want;
};

static struct client clients[MAX_CLIENTS];

static void frame_to_clients(int kind, const char *data, size_t n)
{
        unsigned char hdr[5] = { (unsigned char) kind, (unsigned char) (n >> 24),
                                 (unsigned char) (n >> 16), (unsigned char) (n >> 8),
                                 (unsigned char) n };

        for (int i = 0; i < MAX_CLIENTS; i++) {
                if (clients[i].fd < 0)
                        continue;
                /* a client that cannot keep up is dropped, never waited for */
                if (write(clients[i].fd, hdr, 5) != 5 ||
                    write(clients[i].fd, data, n) != (ssize_t) n) {
                        close(clients[i].fd);
                        clients[i].fd = -1;
                }
        }
}

static void tee_clients(struct stream *s, const char *data, size_t n)
{
        frame_to_clients(strcmp(s->log.name, "stderr") == 0 ? 2 : 1, data, n);
}

static int stdin_fd = -1; /* the container's input: pty master or pipe, -1 for none */
static int pty_fd = -1;

static void client_frame(struct client *c)
{
        int kind = c->hdr[0];

        if (kind == 0 && stdin_fd >= 0)
                write_all(stdin_fd, c->body, c->blen);
        else if (kind == 1 && pty_fd >= 0 && c->blen == 4) {
                struct winsize ws = { .ws_row =
                                              (unsigned short) (((unsigned char) c->body[0] << 8) |
                                                                (unsigned char) c->body[1]),
                                      .ws_col =
                                              (unsigned short) (((unsigned char) c->body[2] << 8) |
                                                                (unsigned char) c->body[3]) };

                (void) ioctl(pty_fd, TIOCSWINSZ, &ws);
        } else if (kind == 2 && stdin_fd >= 0) {
                if (pty_fd >= 0) {
                        char eof = 4;

                        write_all(pty_fd, &eof, 1);
                } else {
                        close(stdin_fd);
                        stdin_fd = -1;
                }
        }
}

static void client_read(struct client *c)
{
        for (;;) {
                ssize_t r;

                if (c->hlen < 5) {
                        r = read(c->fd, c->hdr + c->hlen, 5 - c->hlen);
                        if (r <= 0)
                                break;
                        c->hlen += (size_t) r;
                        if (c->hlen < 5)
                                continue;
                        c->want = ((size_t) c->hdr[1] << 24) | ((size_t) c->hdr[2] << 16) |
                                  ((size_t) c->hdr[3] << 8) | c->hdr[4];
                        if (c->want > (1u << 20))
                                goto drop;
                        free(c->body);
                        c->body = malloc(c->want + 1);
                        c->blen = 0;
                        if (!c->body)
                                goto drop;
                }
                if (c->blen < c->want) {
                        r = read(c->fd, c->body + c->blen, c->want - c->blen);
                        if (r <= 0)
                                break;
                        c->blen += (size_t) r;
                }
                if (c->blen == c->want) {
                        client_frame(c);
                        c->hlen = 0;
                }
        }
        if (errno == EAGAIN || errno == EINTR)
                return;
drop:
        close(c->fd);
        c->fd = -1;
        free(c->body);
        c->body = NULL;
}

/* Socket paths in deep directories pass the 108-byte limit of sun_path:
 * they are reached through /proc/self/fd/N of their directory (conmon). */
static int short_path(const char *path, char *out, size_t n, int *ret_dirfd)
{
        const char *slash = strrchr(path, '/');
        char dir[4096];

        *ret_dirfd = -1;
        if (!slash || (size_t) (slash - path) >= sizeof(dir))
                return -1;
        memcpy(dir, path, (size_t) (slash - path));
        dir[slash - path] = '\0';
        *ret_dirfd = open(*dir ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (*ret_dirfd < 0)
                return -1;
        return snprintf(out, n, "/proc/self/fd/%d/%s", *ret_dirfd, slash + 1) < (int) n ? 0 : -1;
}

static int listen_unix(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd, dirfd;

        if (short_path(path, sa.sun_path, sizeof(sa.sun_path), &dirfd) < 0) {
                if (dirfd >= 0)
                        close(dirfd);
                return -1;
        }
        (void) unlink(path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(fd, 8) < 0) {
                if (fd >= 0)
                        close(fd);
                fd = -1;
        }
        close(dirfd);
        return fd;
}

/* The pty master eng-runtime sent to the console socket (SCM_RIGHTS). */
static int receive_master(int listen_fd)
{
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        char tag;
        struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
        struct msghdr msg = { .msg_iov = &iov,
                              .msg_iovlen = 1,
                              .msg_control = u.buf,
                              .msg_controllen = sizeof(u.buf) };
        struct cmsghdr *c;
        int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC), fd = -1;

        if (conn < 0)
                return -1;
        if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) > 0 && (c = CMSG_FIRSTHDR(&msg)) &&
            c->cmsg_type == SCM_RIGHTS)
                memcpy(&fd, CMSG_DATA(c), sizeof(int));
        close(conn);
        return fd;
}

int main(int argc, char **argv)
{
        struct stream out = { .log.name = "stdout" }, err = { .log.name = "stderr" };
        int sync_fd, n, o[2], e[2] = { -1, -1 }, in[2] = { -1, -1 }, devnull, sfd, status = 0;
        int code = -1, attach_fd = -1, console_fd = -1, container_in;
        const char *attach_path = getenv("ENG_MONITOR_ATTACH");
        const char *console_path = getenv("ENG_MONITOR_CONSOLE");
        bool want_stdin = getenv("ENG_MONITOR_STDIN") != NULL;
        char **runtime, **cleanup, pidbuf[32];
        pid_t rt, container = 0;
        sigset_t mask;
        FILE *pf;

        for (int i = 0; i < MAX_CLIENTS; i++)
                clients[i].fd = -1;
        if (argc < 7) {
                fprintf(stderr, "eng-monitor: started by eng, not by hand\n");
                return 125;
        }
        sync_fd = atoi(argv[1]);
        /* eng reads the sync pipe to its end: no child of ours may hold it */
        (void) fcntl(sync_fd, F_SETFD, FD_CLOEXEC);
        n = atoi(argv[5]);
        if (n < 1 || 6 + n > argc) {
                fprintf(stderr, "eng-monitor: bad arguments\n");
                return 125;
        }
        runtime = calloc((size_t) n + 1, sizeof(char *));
        if (!runtime)
                return 125;
        memcpy(runtime, argv + 6, (size_t) n * sizeof(char *));
        cleanup = argc > 6 + n ? argv + 6 + n : NULL; /* argv[argc] ends it */

        (void) prctl(PR_SET_CHILD_SUBREAPER, 1);
        (void) prctl(PR_SET_NAME, "eng-monitor");
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGPIPE);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        log_fd = open(argv[2], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (sfd < 0 || log_fd < 0 || devnull < 0 || pipe2(o, O_CLOEXEC) < 0 ||
            pipe2(e, O_CLOEXEC) < 0 || (want_stdin && !console_path && pipe2(in, O_CLOEXEC) < 0) ||
            (attach_path && (attach_fd = listen_unix(attach_path)) < 0) ||
            (console_path && (console_fd = listen_unix(console_path)) < 0)) {
                dprintf(sync_fd, "error 125\n");
                return 125;
        }
        container_in = in[0] >= 0 ? in[0] : devnull;
        rt = spawn(runtime, container_in, o[1], e[1]);
        /* The write ends stay with the container alone: end of file is its end. */
        close(o[1]);
        close(e[1]);
        if (in[0] >= 0) {
                close(in[0]);
                stdin_fd = in[1];
        }
        out.fd = o[0];
        err.fd = e[0];
        fcntl(out.fd, F_SETFL, O_NONBLOCK);
        fcntl(err.fd, F_SETFL, O_NONBLOCK);
        while (rt > 0 && waitpid(rt, &status, 0) < 0 && errno == EINTR)
                ;
        if (rt < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                dprintf(sync_fd, "error %d\n",
                        rt < 0              ? 125
                        : WIFEXITED(status) ? WEXITSTATUS(status)
                                            : 125);
                return 1;
        }
        if (console_fd >= 0) {
                /* a terminal: its master is the container's output and input */
                pty_fd = receive_master(console_fd);
                close(console_fd);
                (void) unlink(console_path);
                if (pty_fd < 0) {
                        dprintf(sync_fd, "error 125\n");
                        return 1;
                }
                fcntl(pty_fd, F_SETFL, O_NONBLOCK);
                stdin_fd = pty_fd;
        }
        pf = fopen(argv[4], "re");
        if (!pf || !fgets(pidbuf, sizeof(pidbuf), pf) || (container = atoi(pidbuf)) <= 0) {
                dprintf(sync_fd, "error 125\n");
                return 1;
        }
        fclose(pf);
        dprintf(sync_fd, "ok %d\n", (int) container);
        close(sync_fd);
        /* Nothing of eng's terminal or fds is held any more. */
        if (chdir("/") < 0)
                return 1;

        {
                struct stream tty = { .log.name = "stdout", .fd = pty_fd };
                int open_streams = pty_fd >= 0 ? 3 : 2;

                while (open_streams > 0 || code < 0) {
                        struct pollfd p[5 + MAX_CLIENTS] = {
                                { .fd = sfd, .events = POLLIN },
                                { .fd = out.fd, .events = POLLIN },
                                { .fd = err.fd, .events = POLLIN },
                                { .fd = tty.fd, .events = POLLIN },
                                { .fd = attach_fd, .events = POLLIN },
                        };

                        for (int i = 0; i < MAX_CLIENTS; i++)
                                p[5 + i] = (struct pollfd){ .fd = clients[i].fd, .events = POLLIN };
                        /* once the container is gone, wait a little for its last output */
                        if (poll(p, 5 + MAX_CLIENTS, code >= 0 ? 200 : -1) == 0)
                                break;
                        if (p[0].revents & POLLIN) {
                                struct signalfd_siginfo si;

                                while (read(sfd, &si, sizeof(si)) == (ssize_t) sizeof(si))
                                        ;
                                for (pid_t w; (w = waitpid(-1, &status, WNOHANG)) > 0;)
                                        if (w == container)
                                                code = WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                                                           : WEXITSTATUS(status);
                        }
                        for (int i = 1; i < 4; i++) {
                                struct stream *st = i == 1 ? &out : i == 2 ? &err : &tty;

                                if (st->fd >= 0 && (p[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
                                    !pump(st)) {
                                        if (st != &tty)
                                                close(st->fd);
                                        st->fd = -1;
                                        open_streams--;
                                }
                        }
                        if (p[4].revents & POLLIN) {
                                int c = accept4(attach_fd, NULL, NULL,
                                                SOCK_CLOEXEC | SOCK_NONBLOCK);

                                for (int i = 0; c >= 0 && i < MAX_CLIENTS; i++)
                                        if (clients[i].fd < 0) {
                                                clients[i] = (struct client){ .fd = c };
                                                c = -1;
                                        }
                                if (c >= 0)
                                        close(c);
                        }
                        for (int i = 0; i < MAX_CLIENTS; i++)
                                if (clients[i].fd >= 0 &&
                                    (p[5 + i].revents & (POLLIN | POLLHUP | POLLERR)))
                                        client_read(&clients[i]);
                }
                if (tty.fd >= 0)
                        pump(&tty);
        }
        if (out.fd >= 0)
                pump(&out);
        if (err.fd >= 0)
                pump(&err);
        write_exit_file(argv[3], code);
        /* the network helper follows the container out: reap it, leave no zombie */
        for (int i = 0; i < 50; i++) {
                pid_t w = waitpid(-1, NULL, WNOHANG);
                struct timespec ts = { 0, 20 * 1000 * 1000 };

                if (w < 0)
                        break;
                if (w == 0)
                        nanosleep(&ts, NULL);
        }
        for (int i = 0; i < MAX_CLIENTS; i++)
                if (clients[i].fd >= 0)
                        close(clients[i].fd);
        if (attach_path)
                (void) unlink(attach_path);
        if (cleanup) {
                pid_t c = spawn(cleanup, devnull, devnull, devnull);

                while (c > 0 && waitpid(c, NULL, 0) < 0 && errno == EINTR)
                        ;
        }
        return 0;
}
