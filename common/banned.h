/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_COMMON_BANNED_H
#define ENG_COMMON_BANNED_H

/*
 * Functions that are too easy to misuse (git banned.h).  Include this last:
 * a use of one of them becomes a compile error naming it.
 */

#define ENG_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) ENG_BANNED(strcpy)
#undef strcat
#define strcat(x, y) ENG_BANNED(strcat)
#undef sprintf
#define sprintf(...) ENG_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) ENG_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) ENG_BANNED(strtok)
#undef gmtime
#define gmtime(x) ENG_BANNED(gmtime)
#undef localtime
#define localtime(x) ENG_BANNED(localtime)
#undef atoi
#define atoi(x) ENG_BANNED(atoi)
#undef mktemp
#define mktemp(x) ENG_BANNED(mktemp)

#endif
