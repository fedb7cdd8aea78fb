/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_COMMON_STRV_H
#define ENG_COMMON_STRV_H

/* NULL-terminated vectors of heap strings (systemd strv). */

#include <stdbool.h>
#include <stddef.h>

#define ENG_STRV_FOREACH(s, v) for (char **s = (v); s && *s; s++)

/** eng_strv_free() - free every string and the vector; NULL is fine */
void eng_strv_free(char **v);
size_t eng_strv_length(char *const *v);
/** eng_strv_push() - append a copy of @s; *v may be NULL */
void eng_strv_push(char ***v, const char *s);
/** eng_strv_consume() - append @s itself, taking ownership */
void eng_strv_consume(char ***v, char *s);
bool eng_strv_contains(char *const *v, const char *s);
/** eng_strv_join() - the strings of @v with @sep between them (heap; "" for none) */
char *eng_strv_join(char *const *v, const char *sep);
/** eng_strv_split() - split @s at any of @sep, dropping empty fields */
char **eng_strv_split(const char *s, const char *sep);

#endif
