/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "common/xalloc.h"

#include "common/banned.h"

int eng_err_return(const struct eng_error *err)
{
        if (err && err->errnum > 0)
                return -err->errnum;
        return -EIO;
}

int eng_verr(struct eng_error **err, enum eng_errkind kind, int errnum, const char *fmt, va_list ap)
{
        struct eng_error *e;

        if (*err) {
                /* The first error is the one reported. */
                return eng_err_return(*err);
        }
        e = eng_xzalloc(sizeof(*e));
        e->kind = kind;
        e->errnum = errnum;
        e->msg = eng_xvasprintf(fmt, ap);
        *err = e;
        return eng_err_return(e);
}

int eng_err(struct eng_error **err, enum eng_errkind kind, int errnum, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = eng_verr(err, kind, errnum, fmt, ap);
        va_end(ap);
        return r;
}

int eng_err_wrap(struct eng_error **err, const char *fmt, ...)
{
        char *context, *msg;
        va_list ap;

        va_start(ap, fmt);
        context = eng_xvasprintf(fmt, ap);
        va_end(ap);

        if (!*err) {
                int r = eng_err(err, ENG_E_SYS, EIO, "%s: internal error: no error to wrap",
                                context);
                free(context);
                return r;
        }
        msg = eng_xasprintf("%s: %s", context, (*err)->msg);
        free(context);
        free((*err)->msg);
        (*err)->msg = msg;
        return eng_err_return(*err);
}

char *eng_err_format(const struct eng_error *err)
{
        if (!err)
                return eng_xstrdup("unknown error");
        if (err->errnum > 0)
                return eng_xasprintf("%s: %s", err->msg, strerror(err->errnum));
        return eng_xstrdup(err->msg);
}

struct eng_error *eng_err_free(struct eng_error *err)
{
        if (err) {
                free(err->msg);
                free(err);
        }
        return NULL;
}

void eng_err_warn_and_free(struct eng_error **err)
{
        char *text;

        if (!err || !*err)
                return;
        text = eng_err_format(*err);
        eng_log_warn("%s", text);
        free(text);
        *err = eng_err_free(*err);
}

void eng_err_send(int fd, const struct eng_error *e)
{
        struct eng_err_wire w = { .kind = (int) e->kind, .errnum = e->errnum };

        snprintf(w.msg, sizeof(w.msg), "%s", e->msg);
        (void) !write(fd, &w, sizeof(w));
}

int eng_err_from_wire(const struct eng_err_wire *w, struct eng_error **err)
{
        char msg[ENG_ERR_WIRE_MSG];

        memcpy(msg, w->msg, sizeof(msg));
        msg[sizeof(msg) - 1] = '\0';
        return eng_err(err, (enum eng_errkind) w->kind, w->errnum, "%s", msg);
}

int eng_err_recv(int fd, struct eng_error **err)
{
        struct eng_err_wire w;
        size_t got = 0;

        while (got < sizeof(w)) {
                ssize_t n = read(fd, (char *) &w + got, sizeof(w) - got);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return 0;
                got += (size_t) n;
        }
        eng_err_from_wire(&w, err);
        return 1;
}
