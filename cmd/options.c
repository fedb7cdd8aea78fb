/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "storage/driver.h"

#include "common/banned.h"

struct cmd_global arg_global;

enum {
        OPT_ROOT = 1000,
        OPT_RUNROOT,
        OPT_LOG_LEVEL,
        OPT_STORAGE_DRIVER,
        OPT_NOOUT,
        OPT_EVENTS_BACKEND,
        OPT_HELP = CMD_OPT_HELP, /* --help; -h too unless the command has a -h of its own */
};

const struct cmd_option cmd_global_options[] = {
        { "log-level", required_argument, OPT_LOG_LEVEL, "LEVEL",
          "log messages at and above LEVEL: error, warn, info, debug (default warn);\n"
          "podman's trace, warning, fatal and panic are taken too" },
        { "events-backend", required_argument, OPT_EVENTS_BACKEND, "BACKEND",
          "file, journald or none, as podman takes it; eng records no events yet,\n"
          "so each means none" },
        { "root", required_argument, OPT_ROOT, "DIR",
          "the storage root (default $XDG_DATA_HOME/eng, ~/.local/share/eng)" },
        { "runroot", required_argument, OPT_RUNROOT, "DIR",
          "the run root (default $XDG_RUNTIME_DIR/eng, else /tmp/eng-run-UID)" },
        { "storage-driver", required_argument, OPT_STORAGE_DRIVER, "DRIVER",
          "overlay, fuse-overlay or vfs (default: the best that works here)" },
        { "noout", no_argument, OPT_NOOUT, NULL,
          "nothing on standard output (errors still go out)" },
        { "help", no_argument, OPT_HELP, NULL, "show help" },
        { 0 },
};

/* the left part of an option's help line: "  -t, --time SECONDS" (heap) */
static char *option_left(const struct cmd_option *o, bool own_h)
{
        int letter = o->val == OPT_HELP && !own_h ? 'h' : o->val;
        struct eng_strbuf b = ENG_STRBUF_INIT;

        if (letter > 0 && letter < 256)
                eng_strbuf_addf(&b, "  -%c, --%s", letter, o->name);
        else
                eng_strbuf_addf(&b, "      --%s", o->name);
        /* the names after it that mean the same ("--net" after "--network") */
        for (const struct cmd_option *a = o + 1; a->name && !a->help; a++) {
                assert(a->val == o->val); /* an alias is of the option before it */
                eng_strbuf_addf(&b, ", --%s", a->name);
        }
        if (o->arg)
                eng_strbuf_addf(&b, o->has_arg == optional_argument ? "[=%s]" : " %s", o->arg);
        return eng_strbuf_steal(&b);
}

void cmd_print_options_with(FILE *out, const struct cmd_option *opts, const struct cmd_option *more,
                            bool own_h)
{
        /* one column for the help of both, unless an option is too long for it */
        enum { MAX_COLUMN = 32 };
        const struct cmd_option *tables[] = { opts, more };
        size_t column = 0;

        for (size_t t = 0; t < ELEMENTSOF(tables); t++)
                for (const struct cmd_option *o = tables[t]; o && o->name; o++) {
                        _cleanup_free_ char *left = NULL;

                        if (!o->help)
                                continue;
                        left = option_left(o, own_h);
                        if (strlen(left) + 2 > column && strlen(left) + 2 <= MAX_COLUMN)
                                column = strlen(left) + 2;
                }
        for (size_t t = 0; t < ELEMENTSOF(tables); t++)
                for (const struct cmd_option *o = tables[t]; o && o->name; o++) {
                        _cleanup_free_ char *left = NULL;
                        const char *h = o->help;

                        if (!h)
                                continue;
                        left = option_left(o, own_h);
                        if (strlen(left) + 2 > column)
                                fprintf(out, "%s\n%*s", left, (int) column, "");
                        else
                                fprintf(out, "%-*s", (int) column, left);
                        for (;;) {
                                size_t n = strcspn(h, "\n");

                                fprintf(out, "%.*s\n", (int) n, h);
                                if (!h[n])
                                        break;
                                h += n + 1;
                                fprintf(out, "%*s", (int) column, "");
                        }
                }
}

void cmd_print_options(FILE *out, const struct cmd_option *opts, bool own_h)
{
        cmd_print_options_with(out, opts, NULL, own_h);
}

static size_t count_options(const struct cmd_option *opts)
{
        size_t n = 0;

        while (opts && opts[n].name)
                n++;
        return n;
}

struct option *cmd_getopt_table(const struct cmd_option *opts)
{
        size_t n = count_options(opts), ng = count_options(cmd_global_options);
        struct option *t = eng_xcalloc(n + ng + 1, sizeof(struct option));

        for (size_t i = 0; i < n; i++)
                t[i] = (struct option){ opts[i].name, opts[i].has_arg, NULL, opts[i].val };
        for (size_t i = 0; i < ng; i++)
                t[n + i] =
                        (struct option){ cmd_global_options[i].name, cmd_global_options[i].has_arg,
                                         NULL, cmd_global_options[i].val };
        return t;
}

int cmd_apply_global(int val, const char *arg, struct eng_error **err)
{
        enum eng_log_level level;
        enum storage_driver driver;

        switch (val) {
        case OPT_ROOT:
        case OPT_RUNROOT:
                if (arg[0] != '/')
                        return eng_err(err, ENG_E_USAGE, 0, "--%s '%s': give an absolute path",
                                       val == OPT_ROOT ? "root" : "runroot", arg);
                if (val == OPT_ROOT)
                        arg_global.root = arg;
                else
                        arg_global.runroot = arg;
                return 1;
        case OPT_LOG_LEVEL:
                if (eng_log_level_parse(arg, &level) < 0) {
                        /* podman's words, and its status 1 (cmd/main.c): scripts match on both */
                        arg_global.log_level_refused = true;
                        return eng_err(
                                err, ENG_E_USAGE, 0,
                                "Log Level \"%s\" is not supported, choose from: trace, debug, info, warn, warning, error, fatal, panic",
                                arg);
                }
                eng_log_set_level(level);
                arg_global.log_level = arg;
                return 1;
        case OPT_EVENTS_BACKEND:
                if (strcmp(arg, "file") != 0 && strcmp(arg, "journald") != 0 &&
                    strcmp(arg, "none") != 0)
                        return eng_err(err, ENG_E_USAGE, 0,
                                       "--events-backend '%s': use file, journald or none", arg);
                return 1;
        case OPT_STORAGE_DRIVER:
                if (storage_driver_parse(arg, &driver, err) < 0)
                        return eng_err_wrap(err, "--storage-driver");
                arg_global.storage_driver = arg;
                return 1;
        case OPT_NOOUT: {
                /* podman's --noout: what we would print goes nowhere */
                _cleanup_close_ int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

                if (fd < 0 || fflush(stdout) == EOF || dup2(fd, STDOUT_FILENO) < 0)
                        return eng_err(err, ENG_E_SYS, errno, "--noout");
                return 1;
        }
        default:
                return 0;
        }
}

/* Optimal string alignment distance (Damerau-Levenshtein without repeats). */
static size_t edit_distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        _cleanup_free_ size_t *d = eng_xcalloc((la + 1) * (lb + 1), sizeof(size_t));
        size_t r;

#define D(i, j) d[(i) * (lb + 1) + (j)]
        for (size_t i = 0; i <= la; i++)
                D(i, 0) = i;
        for (size_t j = 0; j <= lb; j++)
                D(0, j) = j;
        for (size_t i = 1; i <= la; i++) {
                for (size_t j = 1; j <= lb; j++) {
                        size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
                        size_t v = D(i - 1, j) + 1;

                        if (D(i, j - 1) + 1 < v)
                                v = D(i, j - 1) + 1;
                        if (D(i - 1, j - 1) + cost < v)
                                v = D(i - 1, j - 1) + cost;
                        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                            D(i - 2, j - 2) + 1 < v)
                                v = D(i - 2, j - 2) + 1;
                        D(i, j) = v;
                }
        }
        r = D(la, lb);
#undef D
        return r;
}

const char *cmd_suggest(const char *word, const char *const *candidates, size_t n)
{
        const char *best = NULL;
        size_t best_d = (size_t) -1, len = strlen(word);
        size_t limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;

        if (len == 0)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                size_t d = edit_distance(word, candidates[i]);

                /* A prefix of two or more letters counts as close ("ver" -> "version"). */
                if (len >= 2 && strncmp(candidates[i], word, len) == 0)
                        d = 1;
                if (d < best_d) {
                        best_d = d;
                        best = candidates[i];
                }
        }
        return best_d <= limit ? best : NULL;
}

char *cmd_full_name(const struct cmd_desc *cmd)
{
        /* from the usage line: "eng system df [options]" -> "system df" */
        const char *u = cmd->usage && strncmp(cmd->usage, "eng ", 4) == 0 ? cmd->usage + 4 : NULL;
        size_t n = 0;

        if (!u)
                return eng_xstrdup(cmd->name);
        while (u[n] && (u[n] == ' ' || u[n] == '-' || (u[n] >= 'a' && u[n] <= 'z')))
                n++;
        while (n > 0 && u[n - 1] == ' ')
                n--;
        return n ? eng_xstrndup(u, n) : eng_xstrdup(cmd->name);
}

static char *unknown_flag_message(const struct cmd_desc *cmd, const struct option *longopts,
                                  const char *bad)
{
        _cleanup_free_ char *full = cmd_full_name(cmd);
        _cleanup_free_ const char **names = NULL;
        _cleanup_free_ char *flag = NULL;
        const char *close = NULL;
        size_t n = 0;

        if (strncmp(bad, "--", 2) == 0) {
                flag = eng_xstrndup(bad + 2, strcspn(bad + 2, "="));
                for (const struct option *o = longopts; o->name; o++) {
                        names = eng_xreallocarray(names, n + 1, sizeof(char *));
                        names[n++] = o->name;
                }
                close = cmd_suggest(flag, names, n);
                if (close)
                        return eng_xasprintf(
                                "unknown flag '--%s' (did you mean '--%s'?); see 'eng %s --help'",
                                flag, close, full);
                return eng_xasprintf("unknown flag '--%s'; see 'eng %s --help'", flag, full);
        }
        return eng_xasprintf("unknown shorthand flag '%s'; see 'eng %s --help'", bad, full);
}

/* the --help page of @cmd, whose options are @opts */
static void print_help(const struct cmd_desc *cmd, const struct cmd_option *opts, bool own_h)
{
        printf("Usage: %s\n\n%s\n", cmd->usage, cmd->description);
        if (count_options(opts) > 0) {
                printf("Options:\n");
                cmd_print_options(stdout, opts, own_h);
                printf("\n");
        }
        printf("Global options:\n");
        cmd_print_options(stdout, cmd_global_options, own_h);
}

/*
 * getopt_long takes an abbreviation of a long option (--al for --all,
 * --pid=host for --pids-limit); podman takes exact names only.  The flags
 * are checked before getopt sees them: up to "--", or the first operand of
 * a command that stops there, skipping the values of options that take one.
 */
static int check_long_names(const struct cmd_desc *cmd, int argc, char **argv,
                            const struct option *longopts, const char *shortopts,
                            struct eng_error **err)
{
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                const struct option *o = NULL;
                size_t len;

                if (strcmp(a, "--") == 0)
                        return 0;
                if (a[0] != '-' || !a[1]) {
                        if (cmd->stop_at_operand)
                                return 0;
                        continue;
                }
                if (a[1] != '-') {
                        /* a cluster of short flags: the last may take the next word */
                        for (const char *c = a + 1; *c; c++) {
                                const char *sp = strchr(shortopts, *c);

                                if (sp && *c != ':' && sp[1] == ':') {
                                        if (!c[1] && sp[2] != ':')
                                                i++;
                                        break;
                                }
                        }
                        continue;
                }
                len = strcspn(a + 2, "=");
                for (const struct option *l = longopts; l->name; l++)
                        if (strlen(l->name) == len && strncmp(l->name, a + 2, len) == 0)
                                o = l;
                if (!o) {
                        _cleanup_free_ char *name = eng_xstrndup(a, len + 2);
                        _cleanup_free_ char *msg = unknown_flag_message(cmd, longopts, name);

                        return eng_err(err, ENG_E_USAGE, 0, "%s", msg);
                }
                if (o->has_arg == required_argument && !a[2 + len])
                        i++;
        }
        return 0;
}

int cmd_parse(const struct cmd_desc *cmd, int argc, char **argv, const struct cmd_option *opts,
              int (*on_opt)(int val, const char *arg, void *data, struct eng_error **err),
              void *data, int *ret_optind, struct eng_error **err)
{
        size_t nopts = count_options(opts);
        _cleanup_free_ struct option *longopts = cmd_getopt_table(opts);
        _cleanup_free_ char *shortopts = NULL;
        size_t s = 0;
        bool own_h;
        int c;

        shortopts = eng_xcalloc(3 * nopts + 9, 1);
        /* '+': stop at the first operand (its own flags follow); ':' first: a
         * missing argument is reported as ':' rather than '?'. */
        if (cmd->stop_at_operand)
                shortopts[s++] = '+';
        shortopts[s++] = ':';
        for (size_t i = 0; i < nopts; i++) {
                if (opts[i].val > 0 && opts[i].val < 256) {
                        shortopts[s++] = (char) opts[i].val;
                        if (opts[i].has_arg == required_argument)
                                shortopts[s++] = ':';
                        else if (opts[i].has_arg == optional_argument) {
                                shortopts[s++] = ':';
                                shortopts[s++] = ':';
                        }
                }
        }
        /* -h is --help, unless the command has a -h of its own (run's --hostname) */
        own_h = strchr(shortopts, 'h') != NULL;
        if (!own_h)
                shortopts[s++] = 'h';
        if (check_long_names(cmd, argc, argv, longopts, shortopts, err) < 0)
                return -1;

        optind = 0; /* 0, not 1: getopt reinitialises (GNU) */
        opterr = 0;
        while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
                const char *cur = argv[optind - 1];
                int r;

                if (c == '?') {
                        _cleanup_free_ char *msg = NULL;
                        char shortname[3] = { '-', (char) optopt, '\0' };

                        msg = unknown_flag_message(cmd, longopts, optopt ? shortname : cur);
                        return eng_err(err, ENG_E_USAGE, 0, "%s", msg);
                }
                if (c == ':') {
                        _cleanup_free_ char *full = cmd_full_name(cmd);

                        return eng_err(err, ENG_E_USAGE, 0,
                                       "flag '%s' needs an argument; see 'eng %s --help'",
                                       strncmp(cur, "--", 2) != 0 && optopt > 0 && optopt < 256
                                               ? (char[]){ '-', (char) optopt, 0 }
                                               : cur,
                                       full);
                }
                if (c == OPT_HELP || (c == 'h' && !own_h)) {
                        print_help(cmd, opts, own_h);
                        return 1;
                }
                r = cmd_apply_global(c, optarg, err);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                if (on_opt && on_opt(c, optarg, data, err) < 0)
                        return -1;
        }
        *ret_optind = optind;
        return 0;
}

int cmd_no_operands(const struct cmd_desc *cmd, int argc, char **argv, int first,
                    struct eng_error **err)
{
        _cleanup_free_ char *full = cmd_full_name(cmd);

        if (first < argc)
                return eng_err(err, ENG_E_USAGE, 0,
                               "'eng %s' takes no arguments, got '%s'; see 'eng %s --help'", full,
                               argv[first], full);
        return 0;
}

int cmd_paths(struct eng_paths *ret, struct eng_error **err)
{
        return eng_paths_init(ret, arg_global.root, arg_global.runroot, err);
}

int cmd_store_open(struct cmd_store *cs, bool with_map, struct eng_error **err)
{
        cs->rt = (struct runtime_ctx){ .store = &cs->store, .paths = &cs->paths };
        if (cmd_paths(&cs->paths, err) < 0)
                return -1;
        if (with_map && eng_idmap_for_user(&cs->map, err) < 0)
                return -1;
        return storage_store_open(&cs->store, cs->paths.graph_root, with_map ? &cs->map : NULL,
                                  err);
}

void cmd_store_close(struct cmd_store *cs)
{
        storage_store_close(&cs->store);
        eng_idmap_release(&cs->map);
        eng_paths_release(&cs->paths);
}

int cmd_format_parse(const char *arg, enum cmd_format *ret, struct eng_error **err)
{
        if (strcmp(arg, "json") == 0 || strcmp(arg, "{{json .}}") == 0) {
                *ret = CMD_FORMAT_JSON;
                return 0;
        }
        return eng_err(err, ENG_E_USAGE, 0,
                       "--format '%s': only 'json' is supported (Go templates are not)", arg);
}

int cmd_format_parse_template(const char *arg, enum cmd_format *ret,
                              struct cmd_template **ret_template, struct eng_error **err)
{
        if (strcmp(arg, "json") == 0 || strcmp(arg, "{{json .}}") == 0) {
                *ret = CMD_FORMAT_JSON;
                return 0;
        }
        if (strcmp(arg, "table") == 0 || strcmp(arg, "{{table .}}") == 0) {
                *ret = CMD_FORMAT_HUMAN;
                return 0;
        }
        cmd_template_free(*ret_template);
        *ret_template = NULL;
        if (cmd_template_parse(arg, ret_template, err) < 0)
                return -1;
        *ret = CMD_FORMAT_TEMPLATE;
        return 0;
}

int cmd_on_format_template(int val, const char *arg, void *data, struct eng_error **err)
{
        struct cmd_format_arg *f = data;

        if (val == 'f')
                return cmd_format_parse_template(arg, &f->format, &f->template, err);
        return 0;
}

struct format_only {
        enum cmd_format *format;
        struct cmd_template **template;
};

static int on_format_only(int val, const char *arg, void *data, struct eng_error **err)
{
        struct format_only *f = data;

        if (val != 'f')
                return 0;
        return f->template ? cmd_format_parse_template(arg, f->format, f->template, err)
                           : cmd_format_parse(arg, f->format, err);
}

int cmd_parse_format_only(const struct cmd_desc *cmd, int argc, char **argv,
                          const char *format_help, enum cmd_format *ret_format,
                          struct cmd_template **ret_template, struct eng_error **err)
{
        const struct cmd_option opts[] = {
                { "format", required_argument, 'f', "FORMAT", format_help },
                { 0 },
        };
        struct format_only f = { .format = ret_format, .template = ret_template };
        int first;
        int r = cmd_parse(cmd, argc, argv, opts, on_format_only, &f, &first, err);

        if (r == 0)
                r = cmd_no_operands(cmd, argc, argv, first, err);
        if (r != 0 && ret_template) {
                cmd_template_free(*ret_template);
                *ret_template = NULL;
        }
        return r;
}

int cmd_parse_bool(const char *flag, const char *arg, bool *ret, struct eng_error **err)
{
        if (!arg || strcmp(arg, "true") == 0 || strcmp(arg, "1") == 0) {
                *ret = true;
                return 0;
        }
        if (strcmp(arg, "false") == 0 || strcmp(arg, "0") == 0) {
                *ret = false;
                return 0;
        }
        return eng_err(err, ENG_E_USAGE, 0, "--%s '%s': use true or false", flag, arg);
}
