/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_COMMON_LOG_H
#define ENG_COMMON_LOG_H

/*
 * Logging to stderr with levels (--log-level error|warn|info|debug, default
 * warn), coloured only when stderr is a terminal (crun).  Modules below cmd/
 * return errors instead of logging them; they may log debug, and warn for
 * what they survive.
 *
 * Tracing per component: ENG_TRACE=registry,fuse,slirp (or "all") turns on
 * eng_trace() lines of those components, whatever the level.
 */

#include <stdarg.h>
#include <stdbool.h>

enum eng_log_level {
        ENG_LOG_ERROR = 0,
        ENG_LOG_WARN,
        ENG_LOG_INFO,
        ENG_LOG_DEBUG,
};

/** eng_log_set_level() - messages above @level are dropped */
void eng_log_set_level(enum eng_log_level level);
enum eng_log_level eng_log_get_level(void);

/**
 * eng_log_level_parse() - "error", "warn" (or "warning"), "info", "debug";
 * also "fatal" and "panic" (as error) and "trace" (as debug), which podman
 * accepts, in any case as podman does.  Return: 0 and *ret_level set, or -EINVAL.
 */
int eng_log_level_parse(const char *name, enum eng_log_level *ret_level);

/**
 * eng_log_set_fd() - send log lines to @fd (default stderr) and decide
 * colour for it; the monitor and eng-overlayfs log to files.
 */
void eng_log_set_fd(int fd);

/** eng_log_set_prog() - the name in front of every line ("eng") */
void eng_log_set_prog(const char *prog);

void eng_log(enum eng_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void eng_vlog(enum eng_log_level level, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));

#define eng_log_error(...) eng_log(ENG_LOG_ERROR, __VA_ARGS__)
#define eng_log_warn(...)  eng_log(ENG_LOG_WARN, __VA_ARGS__)
#define eng_log_info(...)  eng_log(ENG_LOG_INFO, __VA_ARGS__)
#define eng_log_debug(...) eng_log(ENG_LOG_DEBUG, __VA_ARGS__)

/** eng_trace_enabled() - whether ENG_TRACE names @component (or "all") */
bool eng_trace_enabled(const char *component);

/** eng_trace() - a line tagged [component], when that component is traced */
void eng_trace(const char *component, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * eng_trace_mark() - "N ms: @what" for @component, N the milliseconds since
 * the process's first mark: where the time of a command goes
 */
void eng_trace_mark(const char *component, const char *what);

#endif
