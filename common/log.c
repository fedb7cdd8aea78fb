/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xalloc.h"

#include "common/banned.h"

static enum eng_log_level log_level = ENG_LOG_WARN;
static int log_fd = STDERR_FILENO;
static int log_colour = -1; /* -1: not decided yet */
static const char *log_prog = "eng";

static const char *const level_names[] = {
        [ENG_LOG_ERROR] = "error",
        [ENG_LOG_WARN] = "warning",
        [ENG_LOG_INFO] = "info",
        [ENG_LOG_DEBUG] = "debug",
};

static const char *const level_colours[] = {
        [ENG_LOG_ERROR] = "\033[1;31m",
        [ENG_LOG_WARN] = "\033[1;33m",
        [ENG_LOG_INFO] = "\033[1;34m",
        [ENG_LOG_DEBUG] = "\033[2m",
};

void eng_log_set_level(enum eng_log_level level)
{
        log_level = level;
}

enum eng_log_level eng_log_get_level(void)
{
        return log_level;
}

int eng_log_level_parse(const char *name, enum eng_log_level *ret_level)
{
        static const struct {
                const char *name;
                enum eng_log_level level;
        } names[] = {
                { "error", ENG_LOG_ERROR }, { "fatal", ENG_LOG_ERROR },  { "panic", ENG_LOG_ERROR },
                { "warn", ENG_LOG_WARN },   { "warning", ENG_LOG_WARN }, { "info", ENG_LOG_INFO },
                { "debug", ENG_LOG_DEBUG }, { "trace", ENG_LOG_DEBUG },
        };

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                if (strcasecmp(name, names[i].name) == 0) { /* "DEBUG" too, as podman */
                        *ret_level = names[i].level;
                        return 0;
                }
        }
        return -EINVAL;
}

void eng_log_set_fd(int fd)
{
        log_fd = fd;
        log_colour = -1;
}

void eng_log_set_prog(const char *prog)
{
        log_prog = prog;
}

static bool use_colour(void)
{
        if (log_colour < 0) {
                const char *nc = getenv("NO_COLOR");

                log_colour = isatty(log_fd) && !(nc && *nc) ? 1 : 0;
        }
        return log_colour;
}

static void write_line(enum eng_log_level level, const char *tag, const char *fmt, va_list ap)
{
        char *body = eng_xvasprintf(fmt, ap);
        char *line;

        if (use_colour())
                line = eng_xasprintf("%s: %s%s\033[0m: %s\n", log_prog, level_colours[level], tag,
                                     body);
        else
                line = eng_xasprintf("%s: %s: %s\n", log_prog, tag, body);

        /* One write per line, so lines of concurrent processes do not mix. */
        size_t len = strlen(line), off = 0;
        while (off < len) {
                ssize_t n = write(log_fd, line + off, len - off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                off += (size_t) n;
        }
        free(line);
        free(body);
}

void eng_vlog(enum eng_log_level level, const char *fmt, va_list ap)
{
        if (level > log_level)
                return;
        write_line(level, level_names[level], fmt, ap);
}

void eng_log(enum eng_log_level level, const char *fmt, ...)
{
        va_list ap;

        if (level > log_level)
                return;
        va_start(ap, fmt);
        eng_vlog(level, fmt, ap);
        va_end(ap);
}

bool eng_trace_enabled(const char *component)
{
        const char *list = getenv("ENG_TRACE");
        size_t len = strlen(component);

        if (!list)
                return false;
        for (const char *p = list; *p;) {
                size_t n = strcspn(p, ",");

                if ((n == len && strncmp(p, component, len) == 0) ||
                    (n == 3 && strncmp(p, "all", 3) == 0))
                        return true;
                p += n;
                if (*p == ',')
                        p++;
        }
        return false;
}

void eng_trace(const char *component, const char *fmt, ...)
{
        va_list ap;
        char *tag;

        if (!eng_trace_enabled(component))
                return;
        tag = eng_xasprintf("[%s]", component);
        va_start(ap, fmt);
        write_line(ENG_LOG_DEBUG, tag, fmt, ap);
        va_end(ap);
        free(tag);
}

void eng_trace_mark(const char *component, const char *what)
{
        static struct timespec t0;
        struct timespec t;

        if (!eng_trace_enabled(component))
                return;
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (!t0.tv_sec && !t0.tv_nsec)
                t0 = t;
        eng_trace(component, "%.2f ms: %s",
                  (double) (t.tv_sec - t0.tv_sec) * 1e3 + (double) (t.tv_nsec - t0.tv_nsec) / 1e6,
                  what);
}
