/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"

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
