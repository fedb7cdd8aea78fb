/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xalloc.h"

#include "common/banned.h"

static _Noreturn void oom(void)
{
        static const char msg[] = "eng: out of memory\n";

        (void) !write(STDERR_FILENO, msg, sizeof(msg) - 1);
        abort();
}

void *eng_xmalloc(size_t size)
{
        void *p = malloc(size ? size : 1);

        if (!p)
                oom();
        return p;
}

void *eng_xzalloc(size_t size)
{
        return eng_xcalloc(1, size);
}

void *eng_xcalloc(size_t n, size_t size)
{
        void *p = calloc(n ? n : 1, size ? size : 1);

        if (!p)
                oom();
        return p;
}

void *eng_xrealloc(void *p, size_t size)
{
        void *q = realloc(p, size ? size : 1);

        if (!q)
                oom();
        return q;
}

void *eng_xreallocarray(void *p, size_t n, size_t size)
{
        if (size && n > (size_t) -1 / size)
                oom();
        return eng_xrealloc(p, n * size);
}

char *eng_xstrdup(const char *s)
{
        char *p = strdup(s);

        if (!p)
                oom();
        return p;
}

char *eng_xstrndup(const char *s, size_t n)
{
        char *p = strndup(s, n);

        if (!p)
                oom();
        return p;
}

char *eng_xvasprintf(const char *fmt, va_list ap)
{
        char *p;

        if (vasprintf(&p, fmt, ap) < 0)
                oom();
        return p;
}

char *eng_xasprintf(const char *fmt, ...)
{
        va_list ap;
        char *p;

        va_start(ap, fmt);
        p = eng_xvasprintf(fmt, ap);
        va_end(ap);
        return p;
}
