/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/process.h"
#include "common/xalloc.h"

#include "common/banned.h"

#define OUTPUT_MAX (64 * 1024)

char *eng_find_program(const char *name)
{
        const char *path = getenv("PATH");

        if (strchr(name, '/'))
                return access(name, X_OK) == 0 ? eng_xstrdup(name) : NULL;
        if (!path || !*path)
                path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        for (const char *p = path; *p;) {
                size_t n = strcspn(p, ":");
                char *full = eng_xasprintf("%.*s/%s", (int) n, n ? p : ".", name);

                if (access(full, X_OK) == 0)
                        return full;
                free(full);
                p += n;
                if (*p == ':')
                        p++;
        }
        return NULL;
}

char *eng_find_helper(const char *name)
{
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        char *p;

        if (n > 0) {
                char *slash;

                self[n] = '\0';
                slash = strrchr(self, '/');
                if (slash) {
                        p = eng_xasprintf("%.*s/%s", (int) (slash - self), self, name);
                        if (access(p, X_OK) == 0)
                                return p;
                        free(p);
                }
        }
        p = eng_xasprintf("%s/%s", ENG_LIBEXECDIR, name);
        if (access(p, X_OK) == 0)
                return p;
        free(p);
        return NULL;
}

int eng_wait_child(pid_t pid)
{
        int status;

        for (;;) {
                if (waitpid(pid, &status, 0) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (WIFEXITED(status))
                        return WEXITSTATUS(status);
                if (WIFSIGNALED(status))
                        return 128 + WTERMSIG(status);
        }
}

static const char *last_line(char *out)
{
        size_t len = strlen(out);

        while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
                out[--len] = '\0';
        char *nl = strrchr(out, '\n');
        return nl ? nl + 1 : out;
}

int eng_program_start(char *const argv[], struct eng_program *ret, struct eng_error **err)
{
        _cleanup_free_ char *path = eng_find_program(argv[0]);
        int pipefd[2];
        pid_t pid;

        *ret = (struct eng_program){ .out = -1 };
        if (!path)
                return eng_err(err, ENG_E_NOTFOUND, ENOENT, "running '%s': not found on $PATH",
                               argv[0]);
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return eng_err(err, ENG_E_SYS, errno, "running '%s'", argv[0]);
        pid = fork();
        if (pid < 0) {
                eng_close_safe(pipefd[0]);
                eng_close_safe(pipefd[1]);
                return eng_err(err, ENG_E_SYS, errno, "running '%s'", argv[0]);
        }
        if (pid == 0) {
                int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

                if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 ||
                    dup2(pipefd[1], STDOUT_FILENO) < 0 || dup2(pipefd[1], STDERR_FILENO) < 0)
                        _exit(127);
                execv(path, argv);
                _exit(127);
        }
        eng_close_safe(pipefd[1]);
        *ret = (struct eng_program){ .pid = pid, .out = pipefd[0], .path = TAKE_PTR(path) };
        return 0;
}

int eng_program_finish(struct eng_program *p, char **ret_output, struct eng_error **err)
{
        _cleanup_free_ char *out = NULL;
        _cleanup_free_ char *path = TAKE_PTR(p->path);
        struct eng_error *rerr = NULL;
        int status;

        if (eng_read_file_fd(p->out, path, OUTPUT_MAX, &out, NULL, &rerr) < 0) {
                /* Too much output: keep reading to let it finish, report the status. */
                char sink[4096];
                while (read(p->out, sink, sizeof(sink)) > 0)
                        ;
                rerr = eng_err_free(rerr);
        }
        p->out = eng_close_safe(p->out);

        status = eng_wait_child(p->pid);
        p->pid = 0;
        if (status < 0)
                return eng_err(err, ENG_E_SYS, -status, "waiting for '%s'", path);
        if (status != 0) {
                const char *line = out ? last_line(out) : "";

                if (status > 128)
                        return eng_err(err, ENG_E_SYS, 0, "'%s' was killed by signal %d%s%s", path,
                                       status - 128, *line ? ": " : "", line);
                return eng_err(err, ENG_E_SYS, 0, "'%s' exited with status %d%s%s", path, status,
                               *line ? ": " : "", line);
        }
        if (ret_output)
                *ret_output = out ? TAKE_PTR(out) : eng_xstrdup("");
        return 0;
}

int eng_run_program(char *const argv[], char **ret_output, struct eng_error **err)
{
        struct eng_program p;

        if (eng_program_start(argv, &p, err) < 0)
                return -1;
        return eng_program_finish(&p, ret_output, err);
}
