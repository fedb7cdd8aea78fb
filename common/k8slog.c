/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/k8slog.h"

#include "common/banned.h"

void eng_k8slog_time(char *out, size_t n)
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
                        return;
                p += w;
                n -= (size_t) w;
        }
}

/* One record: "TIME STREAM F|P TEXT\n", in one write (O_APPEND keeps records whole). */
static void record(int log_fd, const char *stream, const char *text, size_t n, int partial)
{
        char head[96];
        char *rec;
        int h;

        if (log_fd < 0)
                return;
        eng_k8slog_time(head, sizeof(head));
        h = (int) strlen(head);
        h += snprintf(head + h, sizeof(head) - (size_t) h, " %s %c ", stream, partial ? 'P' : 'F');
        rec = malloc((size_t) h + n + 1);
        if (!rec)
                return;
        memcpy(rec, head, (size_t) h);
        memcpy(rec + h, text, n);
        rec[(size_t) h + n] = '\n';
        write_all(log_fd, rec, (size_t) h + n + 1);
        free(rec);
}

void eng_k8slog_feed(int log_fd, struct eng_k8slog_stream *s, const char *data, size_t n)
{
        while (n > 0) {
                size_t take = sizeof(s->buf) - s->len;
                char *nl;

                if (take > n)
                        take = n;
                memcpy(s->buf + s->len, data, take);
                s->len += take;
                data += take;
                n -= take;
                while ((nl = memchr(s->buf, '\n', s->len))) {
                        size_t l = (size_t) (nl - s->buf);

                        record(log_fd, s->name, s->buf, l, 0);
                        memmove(s->buf, nl + 1, s->len - l - 1);
                        s->len -= l + 1;
                }
                if (s->len == sizeof(s->buf)) {
                        record(log_fd, s->name, s->buf, s->len, 1);
                        s->len = 0;
                }
        }
}

void eng_k8slog_flush(int log_fd, struct eng_k8slog_stream *s)
{
        if (s->len)
                record(log_fd, s->name, s->buf, s->len, 0);
        s->len = 0;
}
