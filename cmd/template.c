/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --format Go templates, the part of text/template that scripts written for
 * podman and docker use: text and actions, where an action is
 *
 *	.Field.Sub      a field of the value in hand (".": the value itself)
 *	json X          X as JSON
 *	upper X, lower X, title X
 *	join X "sep"    a list's items joined
 *	range X ... end the part between, once per item of the list X, with
 *	                the item in hand
 *
 * and "table " before the template prints a header and aligns the columns
 * (podman's report package).  "\t" and "\n" in the format stand for a tab
 * and a newline, as podman reads them.  Anything else (if, with, pipes,
 * variables) is refused with a message that says so: a template half
 * understood would print something else than the user asked for.
 *
 * The values are JSON (the command's own objects), printed as Go prints
 * them: strings bare, lists as [a b c], numbers and booleans as they are.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/strv.h"
#include "common/xalloc.h"

#include "common/banned.h"

enum node_kind {
        NODE_TEXT,
        NODE_VALUE, /* print a value (with a function applied) */
        NODE_RANGE, /* body, once per item */
};

enum func {
        FUNC_NONE,
        FUNC_JSON,
        FUNC_UPPER,
        FUNC_LOWER,
        FUNC_TITLE,
        FUNC_JOIN,
};

struct node {
        enum node_kind kind;
        char *text; /* NODE_TEXT; for NODE_VALUE/RANGE: the field path ("." or ".A.B") */
        enum func func;
        char *arg;         /* join's separator */
        struct node *body; /* NODE_RANGE */
        size_t nbody;
};

struct cmd_template {
        bool table;
        struct node *nodes;
        size_t n;
};

static void nodes_free(struct node *nodes, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(nodes[i].text);
                free(nodes[i].arg);
                nodes_free(nodes[i].body, nodes[i].nbody);
        }
        free(nodes);
}

void cmd_template_free(struct cmd_template *t)
{
        if (!t)
                return;
        nodes_free(t->nodes, t->n);
        free(t);
}

static struct node *add(struct node **nodes, size_t *n, enum node_kind kind)
{
        *nodes = eng_xreallocarray(*nodes, *n + 1, sizeof(**nodes));
        (*nodes)[*n] = (struct node){ .kind = kind };
        return &(*nodes)[(*n)++];
}

/* the words of an action: a field path, a function name, a quoted string */
static char **split_words(const char *s, size_t len, const char *format, struct eng_error **err)
{
        char **w = NULL;
        size_t n = 0;
        const char *end = s + len;

        while (s < end) {
                const char *b;

                while (s < end && isspace((unsigned char) *s))
                        s++;
                if (s == end)
                        break;
                b = s;
                if (*s == '"') {
                        for (s++; s < end && *s != '"'; s++)
                                if (*s == '\\' && s + 1 < end)
                                        s++;
                        if (s == end) {
                                eng_strv_free(w);
                                eng_err(err, ENG_E_USAGE, 0,
                                        "--format '%s': a string is not closed", format);
                                return NULL;
                        }
                        s++;
                } else {
                        while (s < end && !isspace((unsigned char) *s))
                                s++;
                }
                w = eng_xreallocarray(w, n + 2, sizeof(*w));
                w[n++] = eng_xstrndup(b, (size_t) (s - b));
                w[n] = NULL;
        }
        if (!w) {
                eng_err(err, ENG_E_USAGE, 0, "--format '%s': an empty {{}}", format);
                return NULL;
        }
        return w;
}

static bool is_path(const char *w)
{
        return w[0] == '.';
}

/* "sep" -> sep, with Go's \t \n \" \\ escapes */
static char *unquote(const char *w)
{
        size_t len = strlen(w);
        char *out = eng_xmalloc(len), *o = out;

        for (size_t i = 1; i + 1 < len; i++) {
                if (w[i] == '\\' && i + 2 < len) {
                        char c = w[++i];

                        *o++ = c == 't' ? '\t' : c == 'n' ? '\n' : c;
                } else {
                        *o++ = w[i];
                }
        }
        *o = '\0';
        return out;
}

static int parse_action(char **w, struct node *nd, const char *format, struct eng_error **err)
{
        static const struct {
                const char *name;
                enum func f;
        } funcs[] = { { "json", FUNC_JSON },
                      { "upper", FUNC_UPPER },
                      { "lower", FUNC_LOWER },
                      { "title", FUNC_TITLE },
                      { "join", FUNC_JOIN } };
        size_t n = eng_strv_length(w);

        if (n == 1 && is_path(w[0])) {
                nd->text = eng_xstrdup(w[0]);
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(funcs); i++) {
                if (strcmp(w[0], funcs[i].name) != 0)
                        continue;
                if (funcs[i].f == FUNC_JOIN ? n != 3 || w[2][0] != '"' : n != 2)
                        break;
                if (!is_path(w[1]))
                        break;
                nd->func = funcs[i].f;
                nd->text = eng_xstrdup(w[1]);
                if (funcs[i].f == FUNC_JOIN)
                        nd->arg = unquote(w[2]);
                return 0;
        }
        return eng_err(
                err, ENG_E_USAGE, 0,
                "--format '%s': '{{%s}}' is not understood (eng takes field paths like '{{.Names}}', json, upper, lower, title, join and range)",
                format, w[0]);
}

/*
 * Parse from *@p up to the end, or up to an {{end}} when @in_range; the
 * nodes go to @nodes.
 */
static int parse_nodes(const char **p, bool in_range, struct node **nodes, size_t *n,
                       const char *format, struct eng_error **err)
{
        for (;;) {
                const char *a = strstr(*p, "{{"), *b;
                _cleanup_strv_ char **w = NULL;
                struct node *nd;

                if (!a) {
                        if (in_range)
                                return eng_err(err, ENG_E_USAGE, 0,
                                               "--format '%s': a {{range}} without its {{end}}",
                                               format);
                        if (**p)
                                add(nodes, n, NODE_TEXT)->text = eng_xstrdup(*p);
                        *p += strlen(*p);
                        return 0;
                }
                b = strstr(a + 2, "}}");
                if (!b)
                        return eng_err(err, ENG_E_USAGE, 0, "--format '%s': a '{{' is not closed",
                                       format);
                /* "{{- " and " -}}" trim the white space before and after, as in Go */
                {
                        const char *s = a + 2, *e = b, *text_end = a;
                        bool trim_after = false;

                        if (*s == '-' && isspace((unsigned char) s[1])) {
                                s++;
                                while (text_end > *p && isspace((unsigned char) text_end[-1]))
                                        text_end--;
                        }
                        if (e - 1 > s && e[-1] == '-' && isspace((unsigned char) e[-2])) {
                                e--;
                                trim_after = true;
                        }
                        if (text_end > *p)
                                add(nodes, n, NODE_TEXT)->text =
                                        eng_xstrndup(*p, (size_t) (text_end - *p));
                        w = split_words(s, (size_t) (e - s), format, err);
                        *p = b + 2;
                        while (trim_after && isspace((unsigned char) **p))
                                (*p)++;
                }
                if (!w)
                        return -1;
                if (strcmp(w[0], "end") == 0 && !w[1]) {
                        if (!in_range)
                                return eng_err(err, ENG_E_USAGE, 0,
                                               "--format '%s': an {{end}} without its {{range}}",
                                               format);
                        return 0;
                }
                if (strcmp(w[0], "range") == 0) {
                        struct node *body = NULL;
                        size_t nbody = 0;

                        if (!w[1] || w[2] || !is_path(w[1]))
                                return eng_err(err, ENG_E_USAGE, 0,
                                               "--format '%s': {{range}} takes a field path",
                                               format);
                        if (parse_nodes(p, true, &body, &nbody, format, err) < 0) {
                                nodes_free(body, nbody);
                                return -1;
                        }
                        nd = add(nodes, n, NODE_RANGE);
                        nd->text = eng_xstrdup(w[1]);
                        nd->body = body;
                        nd->nbody = nbody;
                        continue;
                }
                nd = add(nodes, n, NODE_VALUE);
                if (parse_action(w, nd, format, err) < 0)
                        return -1;
        }
}

int cmd_template_parse(const char *format, struct cmd_template **ret, struct eng_error **err)
{
        struct cmd_template *t = eng_xcalloc(1, sizeof(*t));
        _cleanup_free_ char *f = eng_xmalloc(strlen(format) + 1);
        const char *p;
        char *o = f;

        /* podman reads "\t" and "\n" in a format as a tab and a newline */
        for (const char *s = format; *s; s++) {
                if (s[0] == '\\' && (s[1] == 't' || s[1] == 'n')) {
                        *o++ = s[1] == 't' ? '\t' : '\n';
                        s++;
                } else {
                        *o++ = *s;
                }
        }
        *o = '\0';
        p = f;
        if (strncmp(p, "table", 5) == 0 && (p[5] == ' ' || p[5] == '\t' || p[5] == '\0')) {
                t->table = true;
                p += 5;
                while (*p == ' ')
                        p++;
        }
        if (parse_nodes(&p, false, &t->nodes, &t->n, format, err) < 0) {
                cmd_template_free(t);
                return -1;
        }
        *ret = t;
        return 0;
}

bool cmd_template_is_table(const struct cmd_template *t)
{
        return t->table;
}

/* the value at @path (".A.B") from @dot, or NULL */
static json_t *lookup(json_t *dot, const char *path)
{
        _cleanup_free_ char *copy = eng_xstrdup(path + 1);
        char *save = NULL;
        json_t *v = dot;

        for (char *tok = strtok_r(copy, ".", &save); tok && v; tok = strtok_r(NULL, ".", &save)) {
                json_t *parent = v;
                const char *key;
                json_t *e;

                v = json_is_object(parent) ? json_object_get(parent, tok) : NULL;
                if (v || !json_is_object(parent))
                        continue;
                /* podman's templates name Go fields (.Host.Arch) where its JSON has host.arch */
                json_object_foreach(parent, key, e) {
                        if (strcasecmp(key, tok) == 0) {
                                v = e;
                                break;
                        }
                }
        }
        return v;
}

static void put(char **buf, size_t *len, const char *s)
{
        size_t n = strlen(s);

        *buf = eng_xrealloc(*buf, *len + n + 1);
        memcpy(*buf + *len, s, n + 1);
        *len += n;
}

static int cmp_keys(const void *a, const void *b)
{
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* @v as Go's fmt prints it */
static void put_value(char **buf, size_t *len, json_t *v)
{
        char num[64];

        if (json_is_string(v)) {
                put(buf, len, json_string_value(v));
        } else if (json_is_integer(v)) {
                snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
                put(buf, len, num);
        } else if (json_is_real(v)) {
                snprintf(num, sizeof(num), "%g", json_real_value(v));
                put(buf, len, num);
        } else if (json_is_boolean(v)) {
                put(buf, len, json_is_true(v) ? "true" : "false");
        } else if (json_is_null(v)) {
                put(buf, len, "<nil>");
        } else if (json_is_array(v)) {
                json_t *e;
                size_t i;

                put(buf, len, "[");
                json_array_foreach(v, i, e) {
                        if (i)
                                put(buf, len, " ");
                        put_value(buf, len, e);
                }
                put(buf, len, "]");
        } else {
                /* a map: map[key:value ...], keys in order, as Go prints it */
                size_t nkeys = json_object_size(v), k = 0;
                const char **keys = eng_xcalloc(nkeys + 1, sizeof(*keys));
                const char *key;
                json_t *e;

                json_object_foreach(v, key, e)
                        keys[k++] = key;
                qsort(keys, nkeys, sizeof(*keys), cmp_keys);
                put(buf, len, "map[");
                for (k = 0; k < nkeys; k++) {
                        if (k)
                                put(buf, len, " ");
                        put(buf, len, keys[k]);
                        put(buf, len, ":");
                        put_value(buf, len, json_object_get(v, keys[k]));
                }
                put(buf, len, "]");
                free(keys);
        }
}

/*
 * A column's header as podman makes it (report.Headers): the field's name
 * split where its words meet and upper-cased ("RunningFor": "RUNNING FOR",
 * "ImageID": "IMAGE ID"), unless @overrides names it.
 */
static void put_header(char **buf, size_t *len, const char *path, json_t *overrides)
{
        const char *name = strrchr(path, '.') + 1;
        json_t *o = json_object_get(overrides, name);
        size_t n = strlen(name);
        _cleanup_free_ char *h = eng_xmalloc(2 * n + 1);
        char *p = h;

        if (json_is_string(o)) {
                put(buf, len, json_string_value(o));
                return;
        }
        for (size_t i = 0; i < n; i++) {
                bool up = isupper((unsigned char) name[i]);

                if (i > 0 && up &&
                    (islower((unsigned char) name[i - 1]) ||
                     (i + 1 < n && islower((unsigned char) name[i + 1]) &&
                      isupper((unsigned char) name[i - 1]))))
                        *p++ = ' ';
                *p++ = (char) toupper((unsigned char) name[i]);
        }
        *p = '\0';
        put(buf, len, h);
}

/* @header: print each field's header (@dot: the overrides) instead of its value */
static int render_nodes(const struct node *nodes, size_t n, json_t *dot, bool header, char **buf,
                        size_t *len, struct eng_error **err)
{
        for (size_t i = 0; i < n; i++) {
                const struct node *nd = &nodes[i];
                json_t *v;

                if (nd->kind == NODE_TEXT) {
                        put(buf, len, nd->text);
                        continue;
                }
                if (header) {
                        if (nd->kind == NODE_VALUE)
                                put_header(buf, len, nd->text, dot);
                        continue;
                }
                v = lookup(dot, nd->text);
                if (!v)
                        return eng_err(err, ENG_E_USAGE, 0,
                                       "--format: can't evaluate field %s: no such field",
                                       nd->text);
                if (nd->kind == NODE_RANGE) {
                        json_t *e;
                        size_t k;

                        if (!json_is_array(v) && !json_is_null(v))
                                return eng_err(err, ENG_E_USAGE, 0,
                                               "--format: range can't iterate over %s", nd->text);
                        json_array_foreach(v, k, e) {
                                if (render_nodes(nd->body, nd->nbody, e, false, buf, len, err) < 0)
                                        return -1;
                        }
                        continue;
                }
                switch (nd->func) {
                case FUNC_JSON: {
                        char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

                        put(buf, len, s ? s : "null");
                        free(s);
                        break;
                }
                case FUNC_JOIN: {
                        json_t *e;
                        size_t k;

                        if (!json_is_array(v))
                                return eng_err(err, ENG_E_USAGE, 0,
                                               "--format: join needs a list, and %s is not one",
                                               nd->text);
                        json_array_foreach(v, k, e) {
                                if (k)
                                        put(buf, len, nd->arg);
                                put_value(buf, len, e);
                        }
                        break;
                }
                case FUNC_UPPER:
                case FUNC_LOWER:
                case FUNC_TITLE: {
                        size_t from = *len;
                        bool word = true;

                        put_value(buf, len, v);
                        for (char *c = *buf + from; *c; c++) {
                                if (nd->func == FUNC_UPPER || (nd->func == FUNC_TITLE && word))
                                        *c = (char) toupper((unsigned char) *c);
                                else if (nd->func == FUNC_LOWER)
                                        *c = (char) tolower((unsigned char) *c);
                                word = isspace((unsigned char) *c);
                        }
                        break;
                }
                case FUNC_NONE:
                        put_value(buf, len, v);
                        break;
                }
        }
        return 0;
}

static int render(const struct cmd_template *t, json_t *dot, bool header, char **ret,
                  struct eng_error **err)
{
        char *buf = eng_xstrdup("");
        size_t len = 0;

        if (render_nodes(t->nodes, t->n, dot, header, &buf, &len, err) < 0) {
                free(buf);
                return -1;
        }
        *ret = buf;
        return 0;
}

int cmd_template_render(const struct cmd_template *t, json_t *dot, char **ret,
                        struct eng_error **err)
{
        return render(t, dot, false, ret, err);
}

int cmd_template_print(const struct cmd_template *t, json_t *rows, json_t *headers,
                       struct eng_error **err)
{
        struct cmd_table table;
        size_t ncol = 0, i;
        json_t *row;

        if (!t->table) {
                json_array_foreach(rows, i, row) {
                        _cleanup_free_ char *s = NULL;

                        if (cmd_template_render(t, row, &s, err) < 0)
                                return -1;
                        /* one line per row, as podman ends each */
                        printf("%s%s", s, *s && s[strlen(s) - 1] == '\n' ? "" : "\n");
                }
                return 0;
        }
        /* table: the header row, then the rows, split at their tabs into aligned columns */
        for (i = 0; i <= json_array_size(rows); i++) {
                _cleanup_free_ char *s = NULL;
                size_t cells = 1;
                char *line, *save = NULL;

                if (render(t, i == 0 ? headers : json_array_get(rows, i - 1), i == 0, &s, err) <
                    0) {
                        if (ncol)
                                cmd_table_print(&table);
                        return -1;
                }
                line = strtok_r(s, "\n", &save);
                for (const char *c = line ? line : ""; *c; c++)
                        cells += *c == '\t';
                if (i == 0) {
                        ncol = cells;
                        cmd_table_init(&table, ncol);
                }
                {
                        char *c = line ? line : s, *tab;
                        size_t k = 0;

                        for (; k + 1 < ncol && (tab = strchr(c, '\t')); k++, c = tab + 1) {
                                *tab = '\0';
                                cmd_table_cell(&table, "%s", c);
                        }
                        /* the rest of the line in the last column */
                        cmd_table_cell(&table, "%s", c);
                        for (k++; k < ncol; k++)
                                cmd_table_cell(&table, "%s", "");
                }
        }
        cmd_table_print(&table);
        return 0;
}
