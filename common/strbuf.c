/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/xalloc.h"

#include "common/banned.h"

/* room for @more bytes and the NUL */
static void grow(struct eng_strbuf *b, size_t more)
{
        size_t need = b->len + more + 1;

        if (need <= b->cap)
                return;
        if (need < b->len) /* overflow */
                abort();
        b->cap = b->cap * 2 > need ? b->cap * 2 : need;
        if (b->cap < 64)
                b->cap = 64;
        b->s = eng_xrealloc(b->s, b->cap);
        assert(b->len + more < b->cap);
}

void eng_strbuf_add(struct eng_strbuf *b, const char *s)
{
        size_t n = strlen(s);

        grow(b, n);
        memcpy(b->s + b->len, s, n + 1);
        b->len += n;
}

void eng_strbuf_addf(struct eng_strbuf *b, const char *fmt, ...)
{
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0)
                abort(); /* a bad format: a bug */
        grow(b, (size_t) n);
        va_start(ap, fmt);
        (void) vsnprintf(b->s + b->len, (size_t) n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t) n;
}

const char *eng_strbuf_str(const struct eng_strbuf *b)
{
        return b->s ? b->s : "";
}

char *eng_strbuf_steal(struct eng_strbuf *b)
{
        char *s = b->s ? b->s : eng_xstrdup("");

        *b = (struct eng_strbuf) ENG_STRBUF_INIT;
        return s;
}

void eng_strbuf_release(struct eng_strbuf *b)
{
        free(b->s);
        *b = (struct eng_strbuf) ENG_STRBUF_INIT;
}
