/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --format Go templates, the part of text/template that scripts written for
 * podman and docker use: text and actions, where an action is
 *
 *	.Field.Sub      a field of the value in hand (".": the value itself)
 *	json X          X as JSON
 *	upper X, lower X, title X
 *	join X "sep"    a list's items joined
 *	len X           how many items (or characters)
 *	index X K...    the item K of X (a key of a map, a number for a list),
 *	                and so on for each K
 *	(F ...).Field   a field of what a function gives
 *	range X ... end the part between, once per item of the list (or map)
 *	                X, with the item in hand
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
        NODE_VALUE, /* print a value */
        NODE_RANGE, /* body, once per item */
};

enum func {
        FUNC_NONE, /* (X).Field: a term in parentheses */
        FUNC_JSON,
        FUNC_UPPER,
        FUNC_LOWER,
        FUNC_TITLE,
        FUNC_JOIN,
        FUNC_LEN,
        FUNC_INDEX,
};

static const struct {
        const char *name;
        enum func f;
        size_t min, max; /* arguments */
} funcs[] = {
        { "json", FUNC_JSON, 1, 1 },    { "upper", FUNC_UPPER, 1, 1 },
        { "lower", FUNC_LOWER, 1, 1 },  { "title", FUNC_TITLE, 1, 1 },
        { "join", FUNC_JOIN, 2, 2 },    { "len", FUNC_LEN, 1, 1 },
        { "index", FUNC_INDEX, 2, 16 },
};

enum expr_kind {
        EXPR_PATH,
        EXPR_STRING,
        EXPR_NUMBER,
        EXPR_CALL,
};

struct expr {
        enum expr_kind kind;
        char *path; /* EXPR_PATH: ".A.B" or "."; EXPR_CALL: a path into its result, or NULL */
        char *str;  /* EXPR_STRING */
        long num;   /* EXPR_NUMBER */
        enum func func;
        struct expr *args;
        size_t nargs;
};

struct node {
        enum node_kind kind;
        char *text;    /* NODE_TEXT */
        struct expr e; /* NODE_VALUE, NODE_RANGE */
        struct node *body;
        size_t nbody;
};

struct cmd_template {
        bool table;
        struct node *nodes;
        size_t n;
};

static void expr_release(struct expr *e)
{
        free(e->path);
        free(e->str);
        for (size_t i = 0; i < e->nargs; i++)
                expr_release(&e->args[i]);
        free(e->args);
}

static void nodes_free(struct node *nodes, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(nodes[i].text);
                expr_release(&nodes[i].e);
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

/* --- the words of an action */

enum tok_kind {
        TOK_END,
        TOK_LPAREN,
        TOK_RPAREN,
        TOK_STRING, /* its value, unquoted */
        TOK_WORD,   /* a path, a name, a number */
};

struct lexer {
        const char *p, *end;
        const char *format;
        enum tok_kind kind;
        char *text;
        bool attached; /* no space before it (".Field" right after ")") */
};

/* "sep" -> sep, with Go's \t \n \" \\ escapes */
static char *unquote(const char *s, size_t len)
{
        char *out = eng_xmalloc(len + 1), *o = out;

        for (size_t i = 0; i < len; i++) {
                if (s[i] == '\\' && i + 1 < len) {
                        char c = s[++i];

                        *o++ = c == 't' ? '\t' : c == 'n' ? '\n' : c;
                } else {
                        *o++ = s[i];
                }
        }
        *o = '\0';
        return out;
}

static int next(struct lexer *l, struct eng_error **err)
{
        const char *b = l->p;

        free(l->text);
        l->text = NULL;
        while (l->p < l->end && isspace((unsigned char) *l->p))
                l->p++;
        l->attached = l->p == b;
        b = l->p;
        if (l->p == l->end) {
                l->kind = TOK_END;
        } else if (*l->p == '(' || *l->p == ')') {
                l->kind = *l->p == '(' ? TOK_LPAREN : TOK_RPAREN;
                l->p++;
        } else if (*l->p == '"') {
                for (l->p++; l->p < l->end && *l->p != '"'; l->p++)
                        if (*l->p == '\\' && l->p + 1 < l->end)
                                l->p++;
                if (l->p == l->end)
                        return eng_err(err, ENG_E_USAGE, 0, "--format '%s': a string is not closed",
                                       l->format);
                l->kind = TOK_STRING;
                l->text = unquote(b + 1, (size_t) (l->p - b - 1));
                l->p++;
        } else {
                while (l->p < l->end && !isspace((unsigned char) *l->p) && *l->p != '(' &&
                       *l->p != ')')
                        l->p++;
                l->kind = TOK_WORD;
                l->text = eng_xstrndup(b, (size_t) (l->p - b));
        }
        return 0;
}

static int not_understood(struct lexer *l, const char *what, struct eng_error **err)
{
        return eng_err(
                err, ENG_E_USAGE, 0,
                "--format '%s': '%s' is not understood (eng takes field paths like '{{.Names}}', json, upper, lower, title, join, len, index, parentheses and range)",
                l->format, what);
}

static int parse_call(struct lexer *l, struct expr *e, struct eng_error **err);

/* one argument: a path, a string, a number, or a call in parentheses with a path after it */
static int parse_term(struct lexer *l, struct expr *e, struct eng_error **err)
{
        char *end;

        *e = (struct expr){ 0 };
        switch (l->kind) {
        case TOK_STRING:
                e->kind = EXPR_STRING;
                e->str = TAKE_PTR(l->text);
                return next(l, err);
        case TOK_WORD:
                if (l->text[0] == '.') {
                        e->kind = EXPR_PATH;
                        e->path = TAKE_PTR(l->text);
                        return next(l, err);
                }
                e->num = strtol(l->text, &end, 10);
                if (*end)
                        return not_understood(l, l->text, err);
                e->kind = EXPR_NUMBER;
                return next(l, err);
        case TOK_LPAREN:
                if (next(l, err) < 0 || parse_call(l, e, err) < 0)
                        return -1;
                if (l->kind != TOK_RPAREN)
                        return eng_err(err, ENG_E_USAGE, 0, "--format '%s': a '(' is not closed",
                                       l->format);
                if (next(l, err) < 0)
                        return -1;
                if (l->kind == TOK_WORD && l->attached && l->text[0] == '.') {
                        e->path = TAKE_PTR(l->text);
                        return next(l, err);
                }
                return 0;
        case TOK_RPAREN:
                return not_understood(l, ")", err);
        case TOK_END:
                break;
        }
        return eng_err(err, ENG_E_USAGE, 0, "--format '%s': an argument is missing", l->format);
}

/* a function and its arguments, or a lone term (as a call of nothing) */
static int parse_call(struct lexer *l, struct expr *e, struct eng_error **err)
{
        *e = (struct expr){ .kind = EXPR_CALL };
        if (l->kind == TOK_WORD && l->text[0] != '.' && !isdigit((unsigned char) l->text[0]) &&
            l->text[0] != '-') {
                size_t i;

                for (i = 0; i < ELEMENTSOF(funcs); i++)
                        if (strcmp(l->text, funcs[i].name) == 0)
                                break;
                if (i == ELEMENTSOF(funcs))
                        return not_understood(l, l->text, err);
                e->func = funcs[i].f;
                if (next(l, err) < 0)
                        return -1;
                while (l->kind != TOK_END && l->kind != TOK_RPAREN) {
                        e->args = eng_xreallocarray(e->args, e->nargs + 1, sizeof(*e->args));
                        if (parse_term(l, &e->args[e->nargs++], err) < 0)
                                return -1;
                }
                if (e->nargs < funcs[i].min || e->nargs > funcs[i].max)
                        return eng_err(err, ENG_E_USAGE, 0,
                                       "--format '%s': %s takes %zu argument%s, not %zu", l->format,
                                       funcs[i].name, funcs[i].min,
                                       funcs[i].min == 1 ? "" : "s or more", e->nargs);
                return 0;
        }
        e->func = FUNC_NONE;
        e->args = eng_xcalloc(1, sizeof(*e->args));
        e->nargs = 1;
        return parse_term(l, &e->args[0], err);
}

/* the action between {{ and }}: an expression for the value to print, or range's */
static int parse_action(const char *s, size_t len, const char *format, struct expr *e,
                        struct eng_error **err)
{
        struct lexer l = { .p = s, .end = s + len, .format = format };
        int r = next(&l, err);

        if (r == 0 && l.kind == TOK_END)
                r = eng_err(err, ENG_E_USAGE, 0, "--format '%s': an empty {{}}", format);
        if (r == 0)
                r = parse_call(&l, e, err);
        if (r == 0 && l.kind != TOK_END)
                r = not_understood(&l, l.kind == TOK_RPAREN ? ")" : l.text ? l.text : "?", err);
        free(l.text);
        return r;
}

/* the first word of an action, to tell range and end from the rest */
static bool first_word_is(const char *s, size_t len, const char *word)
{
        size_t n = strlen(word);

        while (len > 0 && isspace((unsigned char) *s))
                s++, len--;
        return len >= n && strncmp(s, word, n) == 0 && (len == n || isspace((unsigned char) s[n]));
}

/*
 * Parse from *@p up to the end, or up to an {{end}} when @in_range; the
 * nodes go to @nodes.
 */
static int parse_nodes(const char **p, bool in_range, struct node **nodes, size_t *n,
                       const char *format, struct eng_error **err)
{
        for (;;) {
                const char *a = strstr(*p, "{{"), *b, *s, *e, *text_end;
                bool trim_after = false;
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
                s = a + 2;
                e = b;
                text_end = a;
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
                        add(nodes, n, NODE_TEXT)->text = eng_xstrndup(*p, (size_t) (text_end - *p));
                *p = b + 2;
                while (trim_after && isspace((unsigned char) **p))
                        (*p)++;

                if (first_word_is(s, (size_t) (e - s), "end")) {
                        if (!in_range)
                                return eng_err(err, ENG_E_USAGE, 0,
                                               "--format '%s': an {{end}} without its {{range}}",
                                               format);
                        return 0;
                }
                if (first_word_is(s, (size_t) (e - s), "range")) {
                        const char *x = strstr(s, "range") + 5;

                        nd = add(nodes, n, NODE_RANGE);
                        if (parse_action(x, (size_t) (e - x), format, &nd->e, err) < 0)
                                return -1;
                        if (parse_nodes(p, true, &nd->body, &nd->nbody, format, err) < 0)
                                return -1;
                        continue;
                }
                nd = add(nodes, n, NODE_VALUE);
                if (parse_action(s, (size_t) (e - s), format, &nd->e, err) < 0)
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

/* the keys of the map @v in order, as Go ranges over and prints a map (free the array) */
static const char **sorted_keys(json_t *v, size_t *ret_n)
{
        size_t n = json_object_size(v), k = 0;
        const char **keys = eng_xcalloc(n + 1, sizeof(*keys));
        const char *key;
        json_t *e;

        json_object_foreach(v, key, e)
                keys[k++] = key;
        qsort(keys, n, sizeof(*keys), cmp_keys);
        *ret_n = n;
        return keys;
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
                size_t nkeys;
                const char **keys = sorted_keys(v, &nkeys);

                put(buf, len, "map[");
                for (size_t k = 0; k < nkeys; k++) {
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

/* the value of @e with @dot in hand (a new reference), or NULL with *err set */
static json_t *eval(const struct expr *e, json_t *dot, struct eng_error **err);

static json_t *eval_path(json_t *base, const char *path, struct eng_error **err)
{
        json_t *v = lookup(base, path);

        if (!v) {
                eng_err(err, ENG_E_USAGE, 0, "--format: can't evaluate field %s: no such field",
                        path);
                return NULL;
        }
        return json_incref(v);
}

/* a value as the text Go would print, in a new JSON string */
static json_t *as_text(json_t *v)
{
        char *buf = eng_xstrdup("");
        size_t len = 0;
        json_t *s;

        put_value(&buf, &len, v);
        s = json_string(buf);
        free(buf);
        return s;
}

static json_t *apply(const struct expr *e, json_t **args, struct eng_error **err)
{
        switch (e->func) {
        case FUNC_NONE:
                return json_incref(args[0]);
        case FUNC_JSON: {
                char *s = json_dumps(args[0], JSON_ENCODE_ANY | JSON_COMPACT);
                json_t *r = json_string(s ? s : "null");

                free(s);
                return r;
        }
        case FUNC_UPPER:
        case FUNC_LOWER:
        case FUNC_TITLE: {
                json_t *t = as_text(args[0]);
                _cleanup_free_ char *s = eng_xstrdup(json_string_value(t));
                bool word = true;

                json_decref(t);
                for (char *c = s; *c; c++) {
                        if (e->func == FUNC_UPPER || (e->func == FUNC_TITLE && word))
                                *c = (char) toupper((unsigned char) *c);
                        else if (e->func == FUNC_LOWER)
                                *c = (char) tolower((unsigned char) *c);
                        word = isspace((unsigned char) *c);
                }
                return json_string(s);
        }
        case FUNC_JOIN: {
                char *buf = eng_xstrdup("");
                size_t len = 0, i;
                json_t *item, *r;

                if (!json_is_array(args[0]) || !json_is_string(args[1])) {
                        free(buf);
                        eng_err(err, ENG_E_USAGE, 0,
                                "--format: join needs a list and a string, as in join .Cmd \" \"");
                        return NULL;
                }
                json_array_foreach(args[0], i, item) {
                        if (i)
                                put(&buf, &len, json_string_value(args[1]));
                        put_value(&buf, &len, item);
                }
                r = json_string(buf);
                free(buf);
                return r;
        }
        case FUNC_LEN:
                if (json_is_array(args[0]))
                        return json_integer((json_int_t) json_array_size(args[0]));
                if (json_is_object(args[0]))
                        return json_integer((json_int_t) json_object_size(args[0]));
                if (json_is_string(args[0]))
                        return json_integer((json_int_t) json_string_length(args[0]));
                eng_err(err, ENG_E_USAGE, 0, "--format: len of a value that has no length");
                return NULL;
        case FUNC_INDEX: {
                json_t *v = args[0];

                for (size_t i = 1; i < e->nargs; i++) {
                        json_t *k = args[i];

                        if (json_is_object(v) && json_is_string(k))
                                v = json_object_get(v, json_string_value(k));
                        else if (json_is_array(v) && json_is_integer(k) &&
                                 json_integer_value(k) >= 0)
                                v = json_array_get(v, (size_t) json_integer_value(k));
                        else
                                v = NULL;
                        if (!v) {
                                /* Go gives a map's zero value for a missing key; a list errs */
                                if (json_is_string(k)) {
                                        return json_string("<no value>");
                                }
                                eng_err(err, ENG_E_USAGE, 0,
                                        "--format: index out of range or of the wrong kind");
                                return NULL;
                        }
                }
                return json_incref(v);
        }
        }
        return NULL;
}

static json_t *eval(const struct expr *e, json_t *dot, struct eng_error **err)
{
        json_t *args[16] = { NULL }, *r = NULL;

        switch (e->kind) {
        case EXPR_PATH:
                return eval_path(dot, e->path, err);
        case EXPR_STRING:
                return json_string(e->str);
        case EXPR_NUMBER:
                return json_integer(e->num);
        case EXPR_CALL:
                break;
        }
        for (size_t i = 0; i < e->nargs && i < ELEMENTSOF(args); i++)
                if (!(args[i] = eval(&e->args[i], dot, err)))
                        goto out;
        r = apply(e, args, err);
        if (r && e->path) {
                json_t *v = eval_path(r, e->path, err);

                json_decref(r);
                r = v;
        }
out:
        for (size_t i = 0; i < ELEMENTSOF(args); i++)
                json_decref(args[i]);
        return r;
}

/* the path a header is named after: the expression's own, or its first argument's */
static const char *header_path(const struct expr *e)
{
        if (e->kind == EXPR_PATH)
                return e->path;
        if (e->kind == EXPR_CALL && e->path)
                return e->path;
        for (size_t i = 0; i < e->nargs; i++) {
                const char *p = header_path(&e->args[i]);

                if (p)
                        return p;
        }
        return NULL;
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
                        const char *path = header_path(&nd->e);

                        if (nd->kind == NODE_VALUE && path && strcmp(path, ".") != 0)
                                put_header(buf, len, path, dot);
                        continue;
                }
                v = eval(&nd->e, dot, err);
                if (!v)
                        return -1;
                if (nd->kind == NODE_RANGE) {
                        int r = 0;

                        if (json_is_array(v)) {
                                json_t *item;
                                size_t k;

                                json_array_foreach(v, k, item) {
                                        if ((r = render_nodes(nd->body, nd->nbody, item, false, buf,
                                                              len, err)) < 0)
                                                break;
                                }
                        } else if (json_is_object(v)) {
                                /* a map: its values, in the order of their keys, as Go */
                                size_t nkeys;
                                const char **keys = sorted_keys(v, &nkeys);

                                for (size_t k = 0; k < nkeys && r == 0; k++)
                                        r = render_nodes(nd->body, nd->nbody,
                                                         json_object_get(v, keys[k]), false, buf,
                                                         len, err);
                                free(keys);
                        } else if (!json_is_null(v)) {
                                r = eng_err(err, ENG_E_USAGE, 0,
                                            "--format: range can't iterate over that value");
                        }
                        json_decref(v);
                        if (r < 0)
                                return -1;
                        continue;
                }
                put_value(buf, len, v);
                json_decref(v);
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
        return cmd_template_print_rows(t, rows, headers, true, err);
}

int cmd_template_print_rows(const struct cmd_template *t, json_t *rows, json_t *headers,
                            bool heading, struct eng_error **err)
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
                        /* nothing of a table that cannot be made whole */
                        if (ncol)
                                cmd_table_release(&table);
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
        if (!heading)
                cmd_table_drop_header(&table);
        cmd_table_print(&table);
        return 0;
}
