/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_COMMON_STRBUF_H
#define ENG_COMMON_STRBUF_H

/*
 * A growing string (git's strbuf), for text built piece by piece: appends
 * are amortised O(1), where asprintf("%s%s", old, more) in a loop copies
 * everything each time.
 *
 *	_cleanup_strbuf_ struct eng_strbuf b = ENG_STRBUF_INIT;
 *
 *	ENG_STRV_FOREACH(o, opts)
 *		eng_strbuf_addf(&b, "%s%s", b.len ? "," : "", *o);
 *	return eng_strbuf_steal(&b);
 */

#include <stddef.h>

struct eng_strbuf {
        char *s;    /* NUL-terminated once anything was added; NULL before */
        size_t len; /* without the NUL */
        size_t cap;
};

#define ENG_STRBUF_INIT                       \
        {                                     \
                .s = NULL, .len = 0, .cap = 0 \
        }

/** eng_strbuf_add() - append @s */
void eng_strbuf_add(struct eng_strbuf *b, const char *s);

/** eng_strbuf_addf() - append printf(@fmt, ...) */
void eng_strbuf_addf(struct eng_strbuf *b, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/** eng_strbuf_str() - the text so far ("" when empty); valid until the next append */
const char *eng_strbuf_str(const struct eng_strbuf *b);

/** eng_strbuf_steal() - the text as a heap string ("" when empty); @b is empty again */
char *eng_strbuf_steal(struct eng_strbuf *b);

/** eng_strbuf_release() - free the text; @b is empty again */
void eng_strbuf_release(struct eng_strbuf *b);

#define _cleanup_strbuf_ __attribute__((cleanup(eng_strbuf_release)))

#endif
