/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_COMMON_PROCESS_H
#define ENG_COMMON_PROCESS_H

/* Running helper programs and waiting for children. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

/**
 * eng_find_program() - the full path of @name on $PATH (or @name itself when
 * it holds a slash and is executable).  Return: a heap string the caller
 * frees, or NULL when not found.
 */
char *eng_find_program(const char *name);

/**
 * eng_find_helper() - the path of eng's helper program @name: beside the
 * running program (a build tree, or bin/ when helpers are installed there),
 * else in ENG_LIBEXECDIR.  Return: a heap string, or NULL when not found.
 */
char *eng_find_helper(const char *name);

/**
 * eng_run_program() - run @argv (argv[0] is searched on $PATH), stdin from
 * /dev/null, and wait for it
 * @ret_output: if not NULL, what it wrote to stdout and stderr, at most 64
 *              KiB, NUL-terminated (the caller frees it)
 *
 * Return: 0 when it exited 0; a failure to start, a non-zero status or a
 * signal is an error whose message names the program and, when there is
 * output, ends with its last line.
 */
int eng_run_program(char *const argv[], char **ret_output, struct eng_error **err);

/* A program started by eng_program_start() and not yet waited for. */
struct eng_program {
        pid_t pid;
        int out; /* its stdout and stderr */
        char *path;
};

/**
 * eng_program_start() - eng_run_program() in two halves, so that programs
 * can run side by side: start @argv; eng_program_finish() then reads its
 * output, waits for it and reports as eng_run_program() does.  A started
 * program must be finished.
 */
int eng_program_start(char *const argv[], struct eng_program *ret, struct eng_error **err);
int eng_program_finish(struct eng_program *p, char **ret_output, struct eng_error **err);

/**
 * eng_wait_child() - waitpid() for @pid, retrying on EINTR
 * Return: the exit status (0-255), 128 + the signal for a signal, or -errno.
 */
int eng_wait_child(pid_t pid);

#endif
