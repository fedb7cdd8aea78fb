/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/strv.h"
#include "common/xalloc.h"

#include "common/banned.h"

void eng_strv_free(char **v)
{
        if (!v)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

size_t eng_strv_length(char *const *v)
{
        size_t n = 0;

        while (v && v[n])
                n++;
        return n;
}

void eng_strv_consume(char ***v, char *s)
{
        size_t n = eng_strv_length(*v);

        *v = eng_xreallocarray(*v, n + 2, sizeof(char *));
        (*v)[n] = s;
        (*v)[n + 1] = NULL;
}

char *eng_strv_join(char *const *v, const char *sep)
{
        size_t len = 1, seplen = strlen(sep), at = 0;
        char *out;

        for (size_t i = 0; v && v[i]; i++)
                len += strlen(v[i]) + (i ? seplen : 0);
        out = eng_xmalloc(len);
        for (size_t i = 0; v && v[i]; i++) {
                size_t n = strlen(v[i]);

                if (i) {
                        memcpy(out + at, sep, seplen);
                        at += seplen;
                }
                memcpy(out + at, v[i], n);
                at += n;
        }
        out[at] = '\0';
        return out;
}

void eng_strv_push(char ***v, const char *s)
{
        eng_strv_consume(v, eng_xstrdup(s));
}

bool eng_strv_contains(char *const *v, const char *s)
{
        for (size_t i = 0; v && v[i]; i++)
                if (strcmp(v[i], s) == 0)
                        return true;
        return false;
}

char **eng_strv_split(const char *s, const char *sep)
{
        char **v = eng_xzalloc(sizeof(char *));

        while (*s) {
                size_t n = strcspn(s, sep);

                if (n > 0)
                        eng_strv_consume(&v, eng_xstrndup(s, n));
                s += n;
                if (*s)
                        s++;
        }
        return v;
}
