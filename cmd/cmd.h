/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_CMD_CMD_H
#define ENG_CMD_CMD_H

/*
 * The eng command line: one cmd_<verb>() per file, found in the table of
 * cmd/main.c (git builtin/, crun).  Only cmd/ prints to stdout and decides
 * exit statuses.
 *
 * A command returns its exit status (0 or more), or a negative value with
 * *err set; cmd/main.c prints the error once and maps it to 125, 126 or 127.
 */

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "common/error.h"
#include "common/paths.h"
#include "common/userns.h"
#include "runtime/lifecycle.h"
#include "storage/store.h"

struct cmd_desc {
        const char *name;
        int (*fn)(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
        const char *summary;     /* one line, for "eng --help" */
        const char *usage;       /* "eng info [options]" */
        const char *description; /* paragraphs for "eng CMD --help" */
        bool stop_at_operand;    /* options end at the first operand (run, exec, unshare) */
};

/* Options every command takes, as podman names them. */
struct cmd_global {
        const char *root;
        const char *runroot;
        const char *storage_driver;
        const char *log_level;
        bool log_level_refused; /* --log-level named no level: podman exits 1 */
};
extern struct cmd_global arg_global;

/*
 * One option of a command, for cmd_parse(), which also prints the
 * "Options:" part of its --help from the same table: what is parsed is
 * what the help lists, so the two cannot drift apart (git's parse-options).
 */
struct cmd_option {
        const char *name; /* long name */
        int has_arg;      /* no_argument, required_argument, optional_argument */
        int val;          /* short letter, or a value >= 256 */
        const char *arg;  /* what the help calls its value ("SECONDS"), NULL for none */
        /* its line of help ('\n' starts another); NULL: another name of the
         * entry before, listed with it ("--network, --net") */
        const char *help;
};

/* The options every command takes (--root, --log-level, ...; -h, --help). */
extern const struct cmd_option cmd_global_options[];

/**
 * cmd_print_options() - @opts, ending with a zeroed entry, as the lines of
 * a help page: "  -t, --time SECONDS   HELP", one column for the help.
 * @own_h: the command has a -h of its own, so --help is shown without it.
 */
void cmd_print_options(FILE *out, const struct cmd_option *opts, bool own_h);

/** cmd_print_options_with() - @opts, then @more, in one column */
void cmd_print_options_with(FILE *out, const struct cmd_option *opts, const struct cmd_option *more,
                            bool own_h);

/** cmd_getopt_table() - @opts and the global options as getopt_long's table (heap) */
struct option *cmd_getopt_table(const struct cmd_option *opts);

/**
 * cmd_parse() - parse the options of @cmd with getopt_long
 * @opts:   the command's own options, ending with a zeroed entry; the global
 *          options and -h/--help are added
 * @on_opt: called for each of the command's options with its val and argument
 * @ret_optind: the index of the first operand
 *
 * Return: 0 to go on, 1 when help was printed (the command returns 0), or
 * negative with *err set (ENG_E_USAGE: unknown flag with a suggestion, a
 * missing argument, a bad global value).
 */
int cmd_parse(const struct cmd_desc *cmd, int argc, char **argv, const struct cmd_option *opts,
              int (*on_opt)(int val, const char *arg, void *data, struct eng_error **err),
              void *data, int *ret_optind, struct eng_error **err);

/** cmd_apply_global() - apply one global option; 1 if @val was one, 0 if not, <0 on error */
int cmd_apply_global(int val, const char *arg, struct eng_error **err);

/** cmd_full_name() - "system df" for df's descriptor: its name as typed (heap) */
char *cmd_full_name(const struct cmd_desc *cmd);

/* the value of --help among the global options (-h is 'h') */
#define CMD_OPT_HELP 1999

/** cmd_no_operands() - fail with ENG_E_USAGE when operands are left */
int cmd_no_operands(const struct cmd_desc *cmd, int argc, char **argv, int optind,
                    struct eng_error **err);

/** cmd_paths() - the paths of this user (after the options were parsed) */
int cmd_paths(struct eng_paths *ret, struct eng_error **err);

/*
 * eng's configuration, $XDG_CONFIG_HOME/eng/config.json:
 *	{ "unqualified-search-registries": ["docker.io", "quay.io"],
 *	  "registries": { "localhost:5000": { "insecure": true } },
 *	  "storage-driver": "overlay", "registry-stall-timeout": 30 }
 * A missing file is the defaults.
 */
struct cmd_config {
        char *file;
        char **search_registries;   /* NULL: docker.io */
        char **insecure_registries; /* plain HTTP or unverified TLS allowed */
        char *storage_driver;
        unsigned int registry_stall_timeout; /* seconds; 0: the default */
};

int cmd_config_load(const struct eng_paths *paths, struct cmd_config *ret, struct eng_error **err);
void cmd_config_release(struct cmd_config *c);

/**
 * cmd_print_error() - @err on stderr as podman prints errors ("Error: MESSAGE",
 * which scripts match on), after what stdout holds
 */
void cmd_print_error(const struct eng_error *err);

/* The user's store, as a command opens it. */
struct cmd_store {
        struct eng_paths paths;
        struct eng_idmap map;
        struct storage_store store;
        struct runtime_ctx rt; /* the two above, for runtime/lifecycle.h */
};

#define CMD_STORE_INIT                      \
        {                                   \
                .store = STORAGE_STORE_INIT \
        }

/**
 * cmd_store_open() - the paths and the store of this user; @with_map also
 * reads the id mapping, which commands that unpack or remove files need.
 * Close with cmd_store_close() (also after a failure).
 */
int cmd_store_open(struct cmd_store *cs, bool with_map, struct eng_error **err);
void cmd_store_close(struct cmd_store *cs);

/* "eng image ls" runs "eng images": a subcommand that is another command. */
struct cmd_alias {
        const char *name;
        const char *as;
};

/**
 * cmd_dispatch() - run the subcommand argv[1] of @cmd: one of @subs, or an
 * alias of a top-level command.  Unknown or missing ones are ENG_E_USAGE.
 */
int cmd_dispatch(const struct cmd_desc *cmd, int argc, char **argv, const struct cmd_desc *subs,
                 size_t nsubs, const struct cmd_alias *aliases, size_t naliases,
                 struct eng_error **err);

/** cmd_print_main_help() - "eng --help" */
void cmd_print_main_help(FILE *out);

/** cmd_find() - the command called @name, or NULL */
const struct cmd_desc *cmd_find(const char *name);

/**
 * cmd_suggest() - the closest of @candidates to @word, or NULL when none is
 * close (git's help.c: Damerau-Levenshtein distance).
 */
const char *cmd_suggest(const char *word, const char *const *candidates, size_t n);

struct cmd_template;

/* Output formats: "--format json", a Go template (cmd/template.c), or the human form. */
enum cmd_format {
        CMD_FORMAT_HUMAN,
        CMD_FORMAT_JSON,
        CMD_FORMAT_TEMPLATE,
};
int cmd_format_parse(const char *arg, enum cmd_format *ret, struct eng_error **err);

/**
 * cmd_format_parse_template() - cmd_format_parse() for a command that also
 * takes Go templates: "json", "table" (the human form), or a template
 * (*@ret_template, a new one)
 */
int cmd_format_parse_template(const char *arg, enum cmd_format *ret,
                              struct cmd_template **ret_template, struct eng_error **err);

/*
 * --format Go templates (cmd/template.c): text, '{{.Field.Sub}}', json,
 * upper, lower, title, join, range ... end; "table " first for a header
 * and aligned columns.
 */
int cmd_template_parse(const char *format, struct cmd_template **ret, struct eng_error **err);
void cmd_template_free(struct cmd_template *t);
bool cmd_template_is_table(const struct cmd_template *t);
/** cmd_template_render() - @t with @dot in hand (a new string in *@ret) */
int cmd_template_render(const struct cmd_template *t, json_t *dot, char **ret,
                        struct eng_error **err);
/**
 * cmd_template_print() - each of @rows through @t, a line each; for a table
 * template, first a header (each field's name in capitals, its words apart,
 * unless the object @headers names it: {"ID": "CONTAINER ID"}) and the
 * columns aligned as podman aligns them
 */
int cmd_template_print(const struct cmd_template *t, json_t *rows, json_t *headers,
                       struct eng_error **err);

/** cmd_template_print_rows() - cmd_template_print(), a table without its header unless @heading */
int cmd_template_print_rows(const struct cmd_template *t, json_t *rows, json_t *headers,
                            bool heading, struct eng_error **err);

/* -f/--format of a command that takes Go templates */
struct cmd_format_arg {
        enum cmd_format format;
        struct cmd_template *template; /* CMD_FORMAT_TEMPLATE; the caller frees it */
};

/** cmd_on_format_template() - a cmd_parse() handler for -f/--format alone (@data: struct
 * cmd_format_arg *) */
int cmd_on_format_template(int val, const char *arg, void *data, struct eng_error **err);

/**
 * cmd_parse_format_only() - cmd_parse() for a command whose only option is
 * -f/--format and that takes no operands.  Return: as cmd_parse().
 * @format_help: the help line of --format
 * @ret_template: NULL, or where a Go template goes (a new one; then
 *                *@ret_format is CMD_FORMAT_TEMPLATE)
 */
int cmd_parse_format_only(const struct cmd_desc *cmd, int argc, char **argv,
                          const char *format_help, enum cmd_format *ret_format,
                          struct cmd_template **ret_template, struct eng_error **err);

/** cmd_parse_bool() - an optional boolean flag value: none, true/1, false/0 */
int cmd_parse_bool(const char *flag, const char *arg, bool *ret, struct eng_error **err);

/** cmd_human_size() - a size as podman shows it: "7.79 MB" (SI units; static buffer) */
const char *cmd_human_size(uint64_t bytes);

/** cmd_time_ago() - "3 minutes ago", as podman and docker say it (static buffer) */
const char *cmd_time_ago(time_t t, time_t now);

/*
 * A table as podman prints one (Go's tabwriter with minimum width 12 and
 * padding 2): every column but the last as wide as its widest cell plus
 * two spaces, and at least 12.  Cells are added in order, row by row,
 * starting with the heads.
 */
struct cmd_table {
        size_t ncol;
        size_t ncells;
        char **cells;
};

/** cmd_table_init() - an empty table of @ncol columns */
void cmd_table_init(struct cmd_table *t, size_t ncol);

/** cmd_table_cell() - the next cell, formatted */
void cmd_table_cell(struct cmd_table *t, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/** cmd_table_print() - the table on stdout; then it is emptied */
void cmd_table_print(struct cmd_table *t);

/** cmd_table_drop_header() - the first row goes (--noheading): the columns fit the rest */
void cmd_table_drop_header(struct cmd_table *t);

/** cmd_table_release() - the table emptied without printing it (an error half way) */
void cmd_table_release(struct cmd_table *t);

/**
 * cmd_go_time() - a time as Go prints a time.Time ("2026-11-29 13:51:15.7
 * +0000 UTC", what podman's templates show), from RFC 3339 in UTC (heap)
 */
char *cmd_go_time(const char *rfc3339);

/** cmd_print_json() - @j pretty-printed on stdout, with a newline */
int cmd_print_json(json_t *j, struct eng_error **err);

/**
 * cmd_print_yaml() - @j as indented "key: value" lines (the form podman
 * prints info in) on stdout.
 */
void cmd_print_yaml(json_t *j);

/** cmd_version_json() - the version of eng and of its libraries (new reference) */
json_t *cmd_version_json(void);

/* The commands */
int cmd_help(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_version(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_info(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_pull(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_run(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_ps(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_logs(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_stop(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_kill(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_rm(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_wait(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_container(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);

/**
 * cmd_exists() - `eng container exists` and `eng image exists`: 0 when
 * @get finds the one name given, 1 when it says ENG_E_NOTFOUND (podman)
 */
int cmd_exists(const struct cmd_desc *cmd, int argc, char **argv, const char *what,
               json_t *(*get)(struct storage_store *s, const char *name, struct eng_error **err),
               struct eng_error **err);
int cmd_exec(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_create(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_start(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_restart(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_rename(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_top(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_attach(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_port(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);

/**
 * cmd_container_running() - the record of the running container @name (its
 * state brought up to date), or NULL with *err: ENG_E_NOTFOUND, or
 * ENG_E_USAGE "@refusal: container state improper" when it is not running
 */
json_t *cmd_container_running(struct cmd_store *cs, const char *name, const char *refusal,
                              struct eng_error **err);

int cmd_inspect(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);

/**
 * cmd_container_ports() - the published ports of the container @r as podman
 * shows them: ps's list ([{"host_ip", "container_port", "host_port",
 * "range", "protocol"}]) or, with @inspect, inspect's map
 * ({"80/tcp": [{"HostIp", "HostPort"}]})
 */
json_t *cmd_container_ports(json_t *r, bool inspect);

/** cmd_container_inspect_json() - podman's inspect object of the container @rec */
json_t *cmd_container_inspect_json(struct storage_store *s, json_t *rec, struct eng_error **err);

/**
 * cmd_pull_image() - pull @name as `eng pull` does (progress on stderr
 * unless @quiet), for commands that pull when the image is missing
 */
int cmd_pull_image(struct cmd_store *cs, struct cmd_config *config, const char *name, bool quiet,
                   bool tls_verify, bool tls_verify_given, char **ret_id, struct eng_error **err);
int cmd_images(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_rmi(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
/**
 * cmd_containers_matching() - the ids of the containers that every one of
 * @filters (ps --filter's K=V) matches, all of them for none; newest last
 */
char **cmd_containers_matching(struct cmd_store *cs, char **filters, struct eng_error **err);

int cmd_untag(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_tag(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_image(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_image_inspect(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_image_prune(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_login(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_logout(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_system(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);
int cmd_unshare(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err);

#endif
