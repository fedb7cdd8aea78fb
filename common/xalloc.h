/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_COMMON_XALLOC_H
#define ENG_COMMON_XALLOC_H

/*
 * Allocation that cannot fail: out of memory aborts with a message (crun,
 * git).  Sizes that come from outside are capped by their callers before
 * they get here.
 */

#include <stdarg.h>
#include <stddef.h>

void *eng_xmalloc(size_t size);
void *eng_xzalloc(size_t size);
void *eng_xcalloc(size_t n, size_t size);
void *eng_xrealloc(void *p, size_t size);
/** eng_xreallocarray() - realloc of n * size, aborting on overflow */
void *eng_xreallocarray(void *p, size_t n, size_t size);
char *eng_xstrdup(const char *s);
char *eng_xstrndup(const char *s, size_t n);
char *eng_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *eng_xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
