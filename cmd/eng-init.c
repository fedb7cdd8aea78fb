/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * eng-init: the PID 1 of `eng run --init` (like tini and catatonit).  It
 * runs the command as its child, passes on every signal it gets, reaps
 * every orphan that the kernel hands to PID 1, and exits as the command
 * did (128 + N when a signal N ended it).  Static, bound in at
 * /run/eng-init: it depends on nothing in the image.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        sigset_t all, old;
        pid_t child;
        int first = 1;

        if (argc > 1 && strcmp(argv[1], "--") == 0)
                first = 2;
        if (first >= argc) {
                fprintf(stderr, "usage: eng-init [--] COMMAND [ARG...]\n");
                return 125;
        }
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, &old);
        /* Not PID 1 (a nested container, a test): still reap our orphans. */
        if (getpid() != 1)
                (void) prctl(PR_SET_CHILD_SUBREAPER, 1);
        child = fork();
        if (child < 0) {
                perror("eng-init: fork");
                return 125;
        }
        if (child == 0) {
                sigprocmask(SIG_SETMASK, &old, NULL);
                /* The command gets the terminal's foreground group, as a shell's job would. */
                (void) setpgid(0, 0);
                (void) tcsetpgrp(STDIN_FILENO, getpid());
                execvp(argv[first], argv + first);
                fprintf(stderr, "eng-init: executing '%s': %s\n", argv[first], strerror(errno));
                _exit(errno == ENOENT ? 127 : 126);
        }
        (void) setpgid(child, child);
        for (;;) {
                siginfo_t si;
                int sig, status;
                pid_t p;

                sig = sigwaitinfo(&all, &si);
                if (sig < 0)
                        continue;
                if (sig != SIGCHLD) {
                        /* A signal from inside the command's own group is not sent back. */
                        if (kill(child, sig) < 0 && errno == ESRCH)
                                continue;
                        continue;
                }
                while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
                        if (p != child)
                                continue;
                        if (WIFSIGNALED(status))
                                return 128 + WTERMSIG(status);
                        return WEXITSTATUS(status);
                }
        }
}
