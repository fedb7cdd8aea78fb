/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

#include "common/banned.h"

int cmd_print_json(json_t *j, struct eng_error **err)
{
        if (json_dumpf(j, stdout, JSON_INDENT(4) | JSON_PRESERVE_ORDER) < 0 ||
            fputc('\n', stdout) == EOF)
                return eng_err(err, ENG_E_SYS, errno, "writing JSON to stdout");
        return 0;
}

/* A scalar as YAML would show it: strings that could be misread are quoted. */
static void print_scalar(json_t *v)
{
        switch (json_typeof(v)) {
        case JSON_STRING: {
                const char *s = json_string_value(v);
                bool plain = *s && !strpbrk(s, ":#{}[]&*!|>'\"%@`\n") && s[0] != ' ' &&
                             s[0] != '-' && s[strlen(s) - 1] != ' ' && strcmp(s, "true") != 0 &&
                             strcmp(s, "false") != 0 && strcmp(s, "null") != 0 &&
                             strspn(s, "0123456789.") != strlen(s);

                if (plain) {
                        fputs(s, stdout);
                } else {
                        _cleanup_free_ char *q = json_dumps(v, JSON_ENCODE_ANY);
                        fputs(q ? q : "\"\"", stdout);
                }
                break;
        }
        case JSON_INTEGER:
                printf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
                break;
        case JSON_REAL:
                printf("%g", json_real_value(v));
                break;
        case JSON_TRUE:
                fputs("true", stdout);
                break;
        case JSON_FALSE:
                fputs("false", stdout);
                break;
        case JSON_NULL:
                fputs("null", stdout);
                break;
        case JSON_OBJECT:
        case JSON_ARRAY:
                break;
        }
}

static bool is_empty_container(json_t *v)
{
        return (json_is_object(v) && json_object_size(v) == 0) ||
               (json_is_array(v) && json_array_size(v) == 0);
}

static void print_yaml(json_t *v, int indent);

static void print_value_after_key(json_t *v, int indent)
{
        if (is_empty_container(v)) {
                puts(json_is_object(v) ? " {}" : " []");
        } else if (json_is_object(v) || json_is_array(v)) {
                putchar('\n');
                print_yaml(v, indent + 2);
        } else {
                putchar(' ');
                print_scalar(v);
                putchar('\n');
        }
}

static void print_yaml(json_t *v, int indent)
{
        const char *key;
        json_t *item;
        size_t i;

        if (json_is_object(v)) {
                json_object_foreach(v, key, item) {
                        printf("%*s%s:", indent, "", key);
                        print_value_after_key(item, indent);
                }
        } else if (json_is_array(v)) {
                json_array_foreach(v, i, item) {
                        if (json_is_object(item) && json_object_size(item) > 0) {
                                /* "- key: value" then the other keys aligned under it */
                                bool first = true;
                                json_t *sub;
                                json_object_foreach(item, key, sub) {
                                        printf("%*s%s%s:", indent, "", first ? "- " : "  ", key);
                                        print_value_after_key(sub, indent + 2);
                                        first = false;
                                }
                        } else if (json_is_array(item) || json_is_object(item)) {
                                printf("%*s-", indent, "");
                                print_value_after_key(item, indent);
                        } else {
                                printf("%*s- ", indent, "");
                                print_scalar(item);
                                putchar('\n');
                        }
                }
        } else {
                printf("%*s", indent, "");
                print_scalar(v);
                putchar('\n');
        }
}

void cmd_print_yaml(json_t *j)
{
        print_yaml(j, 0);
}

const char *cmd_human_size(uint64_t bytes)
{
        static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
        static char buf[32];
        double v = (double) bytes;
        size_t u = 0;

        while (v >= 1000.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
                v /= 1000.0;
                u++;
        }
        /* three significant digits, as podman's units.HumanSizeWithPrecision(size, 3) */
        snprintf(buf, sizeof(buf), "%.3g %s", v, units[u]);
        return buf;
}

const char *cmd_time_ago(time_t t, time_t now)
{
        static char buf[64];
        long s = (long) (now - t);
        long m = s / 60, h = s / 3600, d = s / 86400;

        if (s < 1)
                return "Less than a second ago";
        if (s == 1)
                snprintf(buf, sizeof(buf), "1 second ago");
        else if (s < 60)
                snprintf(buf, sizeof(buf), "%ld seconds ago", s);
        else if (m == 1)
                snprintf(buf, sizeof(buf), "About a minute ago");
        else if (m < 60)
                snprintf(buf, sizeof(buf), "%ld minutes ago", m);
        else if (h == 1)
                snprintf(buf, sizeof(buf), "About an hour ago");
        else if (h < 48)
                snprintf(buf, sizeof(buf), "%ld hours ago", h);
        else if (d < 14)
                snprintf(buf, sizeof(buf), "%ld days ago", d);
        else if (d < 90)
                snprintf(buf, sizeof(buf), "%ld weeks ago", d / 7);
        else if (d < 730)
                snprintf(buf, sizeof(buf), "%ld months ago", d / 30);
        else
                snprintf(buf, sizeof(buf), "%ld years ago", d / 365);
        return buf;
}

void cmd_print_error(const struct eng_error *err)
{
        _cleanup_free_ char *text = eng_err_format(err);

        fflush(stdout);
        fprintf(stderr, "Error: %s\n", text);
}

/* --- tables */

#define TABLE_MIN_WIDTH 12
#define TABLE_PADDING   2

void cmd_table_init(struct cmd_table *t, size_t ncol)
{
        *t = (struct cmd_table){ .ncol = ncol };
}

void cmd_table_cell(struct cmd_table *t, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        t->cells = eng_xreallocarray(t->cells, t->ncells + 1, sizeof(*t->cells));
        t->cells[t->ncells++] = eng_xvasprintf(fmt, ap);
        va_end(ap);
}

void cmd_table_release(struct cmd_table *t)
{
        for (size_t i = 0; i < t->ncells; i++)
                free(t->cells[i]);
        free(t->cells);
        *t = (struct cmd_table){ .ncol = t->ncol };
}

void cmd_table_drop_header(struct cmd_table *t)
{
        size_t n = t->ncells < t->ncol ? t->ncells : t->ncol;

        for (size_t i = 0; i < n; i++)
                free(t->cells[i]);
        memmove(t->cells, t->cells + n, (t->ncells - n) * sizeof(*t->cells));
        t->ncells -= n;
}

void cmd_table_print(struct cmd_table *t)
{
        _cleanup_free_ size_t *width = NULL;

        if (t->ncol == 0) {
                cmd_table_release(t);
                return;
        }
        width = eng_xcalloc(t->ncol, sizeof(*width));

        for (size_t i = 0; i < t->ncells; i++) {
                size_t c = i % t->ncol, w = strlen(t->cells[i]) + TABLE_PADDING;

                if (w > width[c])
                        width[c] = w < TABLE_MIN_WIDTH ? TABLE_MIN_WIDTH : w;
        }
        for (size_t i = 0; i < t->ncells; i++) {
                size_t c = i % t->ncol;

                if (c + 1 < t->ncol)
                        printf("%-*s", (int) width[c], t->cells[i]);
                else
                        printf("%s\n", t->cells[i]);
        }
        /* a row cut short still ends its line */
        if (t->ncells % t->ncol)
                putchar('\n');
        cmd_table_release(t);
}

char *cmd_go_time(const char *rfc3339)
{
        char *s = eng_xstrdup(rfc3339 ? rfc3339 : "");
        char *t = strchr(s, 'T'), *z = strrchr(s, 'Z');

        if (!t || !z || z[1] != '\0')
                return s;
        *t = ' ';
        *z = '\0';
        {
                char *out = eng_xasprintf("%s +0000 UTC", s);

                free(s);
                return out;
        }
}
