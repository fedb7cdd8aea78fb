/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_COMMON_K8SLOG_H
#define ENG_COMMON_K8SLOG_H

/*
 * Container logs in podman's k8s-file format, one record a line:
 *
 *	2026-12-07T10:00:00.123456789Z stdout F hello
 *
 * F ends a line of the container's output; P is part of one longer than
 * ENG_K8SLOG_LINE_MAX, continued by the next record.  Written by the
 * monitor of a detached container and by a foreground `eng run`, read by
 * `eng logs`.  This file needs nothing but libc (eng-monitor is static).
 */

#include <stddef.h>

#define ENG_K8SLOG_LINE_MAX 16384

struct eng_k8slog_stream {
        const char *name; /* "stdout" or "stderr" */
        char buf[ENG_K8SLOG_LINE_MAX];
        size_t len;
};

/** eng_k8slog_time() - now, as the records have it ("...T10:00:00.123456789Z") */
void eng_k8slog_time(char *out, size_t n);

/**
 * eng_k8slog_feed() - @n bytes of @s's output: its whole lines go to @log_fd
 * as F records, a full buffer as a P record; the rest waits for more.
 * A write that fails (a full disk) loses log lines, never the output.
 */
void eng_k8slog_feed(int log_fd, struct eng_k8slog_stream *s, const char *data, size_t n);

/** eng_k8slog_flush() - what is left of @s (its output ended) as an F record */
void eng_k8slog_flush(int log_fd, struct eng_k8slog_stream *s);

#endif
