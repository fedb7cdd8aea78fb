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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 16384

struct stream {
        const char *name;
        int fd;
        char buf[LINE_MAX_BYTES];
        size_t len;
};

static int log_fd = -1;

static void timestamp(char *out, size_t n)
{
        struct timespec ts;
        struct tm tm;
        char base[32];

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(out, n, "%s.%09ldZ", base, ts.tv_nsec);
}

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

/* One log record: "TIME STREAM F|P TEXT\n" (k8s-file, as podman writes it). */
static void log_line(const char *stream, const char *text, size_t n, int partial)
{
        char head[96];
        int h;

        timestamp(head, sizeof(head));
        h = (int) strlen(head);
        h += snprintf(head + h, sizeof(head) - (size_t) h, " %s %c ", stream, partial ? 'P' : 'F');
        {
                char *rec = malloc((size_t) h + n + 1);

                if (!rec)
                        return;
                memcpy(rec, head, (size_t) h);
                memcpy(rec + h, text, n);
                rec[(size_t) h + n] = '\n';
                write_all(log_fd, rec, (size_t) h + n + 1);
                free(rec);
        }
}

/* Read what is there; whole lines go out as F, a full buffer as P. 0 at EOF. */
static int pump(struct stream *s)
{
        ssize_t n;
        char *nl;

        do
                n = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);
        while (n < 0 && errno == EINTR);
        if (n < 0 && errno == EAGAIN)
                return 1;
        if (n <= 0) {
                if (s->len)
                        log_line(s->name, s->buf, s->len, 0);
                s->len = 0;
                return 0;
        }
        s->len += (size_t) n;
        while ((nl = memchr(s->buf, '\n', s->len))) {
                size_t l = (size_t) (nl - s->buf);

                log_line(s->name, s->buf, l, 0);
                memmove(s->buf, nl + 1, s->len - l - 1);
                s->len -= l + 1;
        }
        if (s->len == sizeof(s->buf)) {
                log_line(s->name, s->buf, s->len, 1);
                s->len = 0;
        }
        return 1;
}

static void write_exit_file(const char *path, int status)
{
        char tmp[4096], when[64], text[128];
        int fd, n;

        timestamp(when, sizeof(when));
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

int main(int argc, char **argv)
{
        struct stream out = { .name = "stdout" }, err = { .name = "stderr" };
        int sync_fd, n, o[2], e[2], devnull, sfd, status = 0, code = -1;
        char **runtime, **cleanup, pidbuf[32];
        pid_t rt, container = 0;
        sigset_t mask;
        FILE *pf;

        if (argc < 7) {
                fprintf(stderr, "eng-monitor: started by eng, not by hand\n");
                return 125;
        }
        sync_fd = atoi(argv[1]);
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
            pipe2(e, O_CLOEXEC) < 0) {
                dprintf(sync_fd, "error 125\n");
                return 125;
        }
        rt = spawn(runtime, devnull, o[1], e[1]);
        /* The write ends stay with the container alone: end of file is its end. */
        close(o[1]);
        close(e[1]);
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

        for (int open_streams = 2; open_streams > 0 || code < 0;) {
                struct pollfd p[3] = {
                        { .fd = sfd, .events = POLLIN },
                        { .fd = out.fd, .events = POLLIN },
                        { .fd = err.fd, .events = POLLIN },
                };

                /* once the container is gone, wait a little for its last output */
                if (poll(p, 3, code >= 0 ? 200 : -1) == 0)
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
                for (int i = 1; i < 3; i++) {
                        struct stream *s = i == 1 ? &out : &err;

                        if (s->fd >= 0 && (p[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
                            !pump(s)) {
                                close(s->fd);
                                s->fd = -1;
                                open_streams--;
                        }
                }
        }
        if (out.fd >= 0)
                pump(&out);
        if (err.fd >= 0)
                pump(&err);
        write_exit_file(argv[3], code);
        if (cleanup) {
                pid_t c = spawn(cleanup, devnull, devnull, devnull);

                while (c > 0 && waitpid(c, NULL, 0) < 0 && errno == EINTR)
                        ;
        }
        return 0;
}
