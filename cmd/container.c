/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Containers after run: ps, logs, stop, kill, rm, wait, and the monitor's cleanup. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/platform.h"
#include "common/strbuf.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "runtime/container.h"
#include "storage/container.h"

#include "common/banned.h"

enum {
        OPT_NO_TRUNC = 256,
        OPT_FILTER,
        OPT_NOHEADING,
        OPT_SORT,
        OPT_EXTERNAL,
        OPT_TAIL,
        OPT_SINCE,
        OPT_UNTIL,
};

static const char *short_id(const char *id)
{
        static char buf[13];

        snprintf(buf, sizeof(buf), "%.12s", id);
        return buf;
}

/* The record of @name as it is now, its JSON for printing. */
static json_t *lookup(struct cmd_store *cs, const char *name, struct eng_error **err)
{
        _cleanup_(storage_container_release) struct storage_container c = { 0 };

        if (runtime_container_get(&cs->store, name, &c, err) < 0)
                return NULL;
        return storage_container_encode(&c);
}

static bool is_running(json_t *r)
{
        return strcmp(json_string_value(json_object_get(r, "state")), "running") == 0;
}

json_t *cmd_container_running(struct cmd_store *cs, const char *name, const char *refusal,
                              struct eng_error **err)
{
        json_t *r = lookup(cs, name, err);

        if (r && !is_running(r)) {
                json_decref(r);
                eng_err(err, ENG_E_USAGE, 0, "%s: container state improper", refusal);
                return NULL;
        }
        return r;
}

/* A failure of one of several containers: said, and the command goes on. */
static int report(struct eng_error **err, int code)
{
        cmd_print_error(*err);
        *err = eng_err_free(*err);
        return code;
}

static void sleep_ms(long ms)
{
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

        nanosleep(&ts, NULL);
}

/* --- ps */

struct ps_args {
        bool all;
        bool quiet;
        bool latest;
        bool no_trunc;
        long last;
        enum cmd_format format;
        struct cmd_template *template;
        char **filters;
        bool noheading;
        const char *sort; /* a key of ps_sort_keys */
};

/* ps --sort: podman's keys; the times newest first, the rest in byte order */
static const struct {
        const char *name;
        const char *field; /* of the record; NULL: created, newest first */
} ps_sort_keys[] = {
        { "created", NULL },       { "runningfor", NULL }, { "id", "id" },
        { "image", "image_name" }, { "names", "name" },    { "status", "state" },
        { "command", "command" },
};

static int ps_opt(int val, const char *arg, void *data, struct eng_error **err)
{
        struct ps_args *a = data;

        switch (val) {
        case 'a':
                a->all = true;
                return 0;
        case 'q':
                a->quiet = true;
                return 0;
        case 'l':
                a->latest = true;
                a->all = true;
                return 0;
        case 'n': {
                char *end;

                a->last = strtol(arg, &end, 10);
                if (*end || a->last < 0)
                        return eng_err(err, ENG_E_USAGE, 0, "--last '%s' is not a number", arg);
                a->all = true;
                return 0;
        }
        case OPT_NO_TRUNC:
                a->no_trunc = true;
                return 0;
        case OPT_FILTER:
                if (!strchr(arg, '='))
                        return eng_err(err, ENG_E_USAGE, 0, "--filter '%s': use KEY=VALUE", arg);
                eng_strv_push(&a->filters, arg);
                return 0;
        case 'f':
                return cmd_format_parse_template(arg, &a->format, &a->template, err);
        case OPT_NOHEADING:
                a->noheading = true;
                return 0;
        case OPT_SORT:
                for (size_t i = 0; i < ELEMENTSOF(ps_sort_keys); i++)
                        if (strcmp(arg, ps_sort_keys[i].name) == 0) {
                                a->sort = ps_sort_keys[i].field;
                                return 0;
                        }
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "--sort '%s': use command, created, id, image, names, runningfor or status%s",
                        arg, strcmp(arg, "size") == 0 ? " (eng ps shows no sizes)" : "");
        case OPT_EXTERNAL:
                /* containers of other tools in our store: eng's store has none */
                return 0;
        }
        return 0;
}

static const char *ps_state(json_t *r)
{
        return json_string_value(json_object_get(r, "state"));
}

static int filter_match(json_t *r, char **filters, bool *ret, struct eng_error **err)
{
        *ret = true;
        ENG_STRV_FOREACH(f, filters) {
                const char *v = strchr(*f, '=') + 1;
                size_t klen = (size_t) (v - 1 - *f);
                const char *id = json_string_value(json_object_get(r, "id"));

                if (strncmp(*f, "status", klen) == 0 && klen == 6)
                        *ret = *ret && strcmp(ps_state(r), v) == 0;
                else if (strncmp(*f, "name", klen) == 0 && klen == 4)
                        *ret = *ret && strstr(json_string_value(json_object_get(r, "name")), v);
                else if (strncmp(*f, "id", klen) == 0 && klen == 2)
                        *ret = *ret && strncmp(id, v, strlen(v)) == 0;
                else if (strncmp(*f, "ancestor", klen) == 0 && klen == 8) {
                        const char *img = json_string_value(json_object_get(r, "image"));
                        const char *name = json_string_value(json_object_get(r, "image_name"));
                        const char *iid = json_string_value(json_object_get(r, "image_id"));

                        *ret = *ret &&
                               ((img && strcmp(img, v) == 0) || (name && strcmp(name, v) == 0) ||
                                (iid && strstr(iid, v) == iid + 7));
                } else if (strncmp(*f, "label", klen) == 0 && klen == 5) {
                        /* label=KEY or label=KEY=VALUE */
                        const char *eq = strchr(v, '=');
                        _cleanup_free_ char *key =
                                eq ? eng_xstrndup(v, (size_t) (eq - v)) : eng_xstrdup(v);
                        json_t *have = json_object_get(json_object_get(r, "labels"), key);

                        *ret = *ret && have &&
                               (!eq ||
                                strcmp(json_string_value(have) ? json_string_value(have) : "",
                                       eq + 1) == 0);
                } else
                        return eng_err(
                                err, ENG_E_USAGE, 0,
                                "--filter '%s': eng knows status, name, id, ancestor and label",
                                *f);
        }
        return 0;
}

char **cmd_containers_matching(struct cmd_store *cs, char **filters, struct eng_error **err)
{
        _cleanup_json_ json_t *all = runtime_container_list(&cs->store, err);
        char **ids = eng_xcalloc(1, sizeof(char *));
        json_t *r;
        size_t i;

        if (!all) {
                free(ids);
                return NULL;
        }
        json_array_foreach(all, i, r) {
                bool ok;

                if (filter_match(r, filters, &ok, err) < 0) {
                        eng_strv_free(ids);
                        return NULL;
                }
                if (ok)
                        eng_strv_push(&ids, json_string_value(json_object_get(r, "id")));
        }
        return ids;
}

/* the command, cut to 20 characters as podman's ps shows it unless @whole */
static char *command_line(json_t *r, bool whole)
{
        _cleanup_strbuf_ struct eng_strbuf b = ENG_STRBUF_INIT;
        json_t *v;
        size_t i;
        char *s;

        json_array_foreach(json_object_get(r, "command"), i, v)
                eng_strbuf_addf(&b, "%s%s", i ? " " : "", json_string_value(v));
        s = eng_strbuf_steal(&b);
        if (!whole && strlen(s) > 20)
                memcpy(s + 17, "...", 4);
        return s;
}

json_t *cmd_container_ports(json_t *r, bool inspect)
{
        json_t *out = inspect ? json_object() : json_array(), *p;
        size_t i;

        json_array_foreach(json_object_get(r, "ports"), i, p) {
                struct runtime_port *ports = NULL;
                size_t n = 0;
                struct eng_error *e = NULL;

                if (runtime_ports_parse(json_string_value(p), &ports, &n, &e) < 0) {
                        eng_err_free(e);
                        continue;
                }
                for (size_t k = 0; k < n; k++) {
                        const char *a = ports[k].host_ip; /* podman: empty for all addresses */
                        char hport[8], key[32];
                        const char *proto = ports[k].udp ? "udp" : "tcp";
                        json_t *list;

                        if (!inspect) {
                                json_array_append_new(
                                        out,
                                        json_pack("{s:s, s:i, s:i, s:i, s:s}", "host_ip", a,
                                                  "container_port", (int) ports[k].container_port,
                                                  "host_port", (int) ports[k].host_port, "range", 1,
                                                  "protocol", proto));
                                continue;
                        }
                        snprintf(key, sizeof(key), "%u/%s", ports[k].container_port, proto);
                        snprintf(hport, sizeof(hport), "%u", ports[k].host_port);
                        list = json_object_get(out, key);
                        if (!list) {
                                list = json_array();
                                json_object_set_new(out, key, list);
                        }
                        json_array_append_new(
                                list, json_pack("{s:s, s:s}", "HostIp", a, "HostPort", hport));
                }
                free(ports);
        }
        return out;
}

/* "0.0.0.0:8080->80/tcp, ..." as podman shows published ports */
static char *ports_text(json_t *r)
{
        _cleanup_json_ json_t *list = cmd_container_ports(r, false);
        _cleanup_strbuf_ struct eng_strbuf out = ENG_STRBUF_INIT;
        json_t *p;
        size_t i;

        json_array_foreach(list, i, p) {
                const char *ip = json_string_value(json_object_get(p, "host_ip"));

                eng_strbuf_addf(&out, "%s%s:%" JSON_INTEGER_FORMAT "->%" JSON_INTEGER_FORMAT "/%s",
                                i ? ", " : "", ip && *ip ? ip : "0.0.0.0",
                                json_integer_value(json_object_get(p, "host_port")),
                                json_integer_value(json_object_get(p, "container_port")),
                                json_string_value(json_object_get(p, "protocol")));
        }
        return eng_strbuf_steal(&out);
}

static char *status_text(json_t *r, time_t now)
{
        const char *st = ps_state(r);

        if (strcmp(st, "running") == 0) {
                _cleanup_free_ char *ago = eng_xstrdup(cmd_time_ago(
                        eng_time_parse_rfc3339(json_string_value(json_object_get(r, "started"))),
                        now));
                char *sp = strstr(ago, " ago");

                if (sp)
                        *sp = '\0';
                return eng_xasprintf("Up %s", ago);
        }
        if (strcmp(st, "exited") == 0) {
                const char *fin = json_string_value(json_object_get(r, "finished"));

                return eng_xasprintf("Exited (%d) %s",
                                     (int) json_integer_value(json_object_get(r, "exit_code")),
                                     fin ? cmd_time_ago(eng_time_parse_rfc3339(fin), now) : "");
        }
        return eng_xstrdup("Created");
}

/* the text ps sorts @r by for @field: the value, or a command's words */
static char *sort_text(json_t *r, const char *field)
{
        json_t *v = json_object_get(r, field);
        _cleanup_strv_ char **words = NULL;
        json_t *w;
        size_t i;

        if (json_is_string(v))
                return eng_xstrdup(json_string_value(v));
        if (strcmp(field, "image_name") == 0) /* a record from before image names */
                v = json_object_get(r, "image");
        if (json_is_string(v))
                return eng_xstrdup(json_string_value(v));
        json_array_foreach(v, i, w)
                if (json_is_string(w))
                        eng_strv_push(&words, json_string_value(w));
        return eng_strv_join(words, " ");
}

struct sort_row {
        json_t *r;
        char *key;
        size_t at; /* its place before: among equals, newest first stays */
};

static int cmp_sort_row(const void *a, const void *b)
{
        const struct sort_row *x = a, *y = b;
        int c = strcmp(x->key, y->key);

        return c ? c : x->at < y->at ? -1 : x->at > y->at;
}

/* @v (newest first) by @field */
static void sort_rows(json_t **v, size_t n, const char *field)
{
        _cleanup_free_ struct sort_row *rows = eng_xcalloc(n + 1, sizeof(*rows));

        for (size_t i = 0; i < n; i++)
                rows[i] = (struct sort_row){ .r = v[i], .key = sort_text(v[i], field), .at = i };
        qsort(rows, n, sizeof(*rows), cmp_sort_row);
        for (size_t i = 0; i < n; i++) {
                v[i] = rows[i].r;
                free(rows[i].key);
        }
}

static int cmp_created_desc(const void *a, const void *b)
{
        const char *ca = json_string_value(json_object_get(*(json_t *const *) a, "created"));
        const char *cb = json_string_value(json_object_get(*(json_t *const *) b, "created"));

        return strcmp(cb ? cb : "", ca ? ca : "");
}

static json_t *ps_json(json_t *r)
{
        json_t *names = json_pack("[s]", json_string_value(json_object_get(r, "name")));
        const char *img = json_string_value(json_object_get(r, "image_name"));

        return json_pack("{s:O,s:s,s:O,s:O,s:o,s:O,s:O?,s:O?,s:s,s:I,s:b,s:I,s:o}", "Id",
                         json_object_get(r, "id"), "Image",
                         img ? img : json_string_value(json_object_get(r, "image")), "ImageID",
                         json_object_get(r, "image_id"), "Command", json_object_get(r, "command"),
                         "Names", names, "CreatedAt", json_object_get(r, "created"), "StartedAt",
                         json_object_get(r, "started"), "FinishedAt",
                         json_object_get(r, "finished"), "State", ps_state(r), "ExitCode",
                         (json_int_t) json_integer_value(json_object_get(r, "exit_code")), "Exited",
                         strcmp(ps_state(r), "exited") == 0, "Pid",
                         (json_int_t) json_integer_value(json_object_get(r, "pid")), "Ports",
                         cmd_container_ports(r, false));
}

/* a container as podman's ps templates see it ({{.Names}}, {{.Status}}, ...) */
static json_t *ps_template_row(json_t *r, bool no_trunc, time_t now)
{
        const char *id = json_string_value(json_object_get(r, "id"));
        const char *img = json_string_value(json_object_get(r, "image_name"));
        const char *created = json_string_value(json_object_get(r, "created"));
        _cleanup_free_ char *command = command_line(r, no_trunc);
        _cleanup_free_ char *status = status_text(r, now);
        _cleanup_free_ char *ports = ports_text(r);
        const char *ago = cmd_time_ago(eng_time_parse_rfc3339(created), now);
        json_t *labels = json_object_get(r, "labels");
        const char *image_id = json_string_value(json_object_get(r, "image_id"));
        _cleanup_free_ char *at = cmd_go_time(created);

        if (image_id && strncmp(image_id, "sha256:", 7) == 0)
                image_id += 7; /* podman's ImageID: the hex alone */
        return json_pack(
                "{s:s, s:s, s:o?, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:I, s:b}",
                "ID", no_trunc ? id : short_id(id), "Image",
                img ? img : json_string_value(json_object_get(r, "image")), "ImageID",
                image_id ? json_string(image_id) : NULL, "Command", command, "CreatedHuman", ago,
                "RunningFor", ago, "CreatedAt", at, "Created", at, "Status", status, "State",
                ps_state(r), "Ports", ports, "Names", json_string_value(json_object_get(r, "name")),
                "Labels", json_is_object(labels) ? json_incref(labels) : json_object(), "Pid",
                (json_int_t) json_integer_value(json_object_get(r, "pid")), "ExitCode",
                (json_int_t) json_integer_value(json_object_get(r, "exit_code")), "Exited",
                strcmp(ps_state(r), "exited") == 0);
}

int cmd_ps(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        static const struct cmd_option opts[] = {
                { "all", no_argument, 'a', NULL, "also containers that are not running" },
                { "quiet", no_argument, 'q', NULL, "only ids" },
                { "latest", no_argument, 'l', NULL, "the newest container" },
                { "last", required_argument, 'n', "N", "the N newest containers" },
                { "no-trunc", no_argument, OPT_NO_TRUNC, NULL, "whole ids and commands" },
                { "filter", required_argument, OPT_FILTER, "K=V",
                  "status=, name=, id=, ancestor=" },
                { "format", required_argument, 'f', "FORMAT",
                  "'json' for JSON, or a Go template like '{{.Names}}'\n('table ...' for columns)" },
                { "noheading", no_argument, OPT_NOHEADING, NULL, "no header line" },
                { "sort", required_argument, OPT_SORT, "KEY",
                  "command, created (the default), id, image, names, runningfor, status" },
                { "external", no_argument, OPT_EXTERNAL, NULL,
                  "also containers of other tools (eng's store has only its own)" },
                { 0 },
        };
        struct ps_args a = { .last = -1 };
        struct cmd_store cs = CMD_STORE_INIT;
        _cleanup_json_ json_t *all = NULL, *out = json_array();
        json_t **v = NULL;
        time_t now = time(NULL);
        size_t n = 0, i;
        int first, r;

        r = cmd_parse(cmd, argc, argv, opts, ps_opt, &a, &first, err);
        if (r != 0 || cmd_no_operands(cmd, argc, argv, first, err) < 0) {
                eng_strv_free(a.filters);
                cmd_template_free(a.template);
                return r > 0 ? 0 : -1;
        }
        r = -1;
        if (cmd_store_open(&cs, false, err) < 0)
                goto out;
        all = runtime_container_list(&cs.store, err);
        if (!all)
                goto out;
        v = eng_xcalloc(json_array_size(all) + 1, sizeof(*v));
        json_array_foreach(all, i, v[n]) {
                bool ok;

                if (filter_match(v[n], a.filters, &ok, err) < 0)
                        goto out;
                if (ok && (a.all || is_running(v[n])))
                        n++;
        }
        qsort(v, n, sizeof(*v), cmp_created_desc);
        if (a.sort)
                sort_rows(v, n, a.sort);
        if (a.latest)
                n = n > 1 ? 1 : n;
        if (a.last >= 0 && (size_t) a.last < n)
                n = (size_t) a.last;
        if (a.format == CMD_FORMAT_JSON) {
                for (i = 0; i < n; i++)
                        json_array_append_new(out, ps_json(v[i]));
                r = cmd_print_json(out, err) < 0 ? -1 : 0;
                goto out;
        }
        if (a.format == CMD_FORMAT_TEMPLATE && !a.quiet) {
                _cleanup_json_ json_t *headers =
                        json_pack("{s:s, s:s, s:s}", "ID", "CONTAINER ID", "CreatedHuman",
                                  "CREATED", "RunningFor", "CREATED");

                for (i = 0; i < n; i++)
                        json_array_append_new(out, ps_template_row(v[i], a.no_trunc, now));
                r = cmd_template_print_rows(a.template, out, headers, !a.noheading, err);
                goto out;
        }
        if (a.quiet) {
                for (i = 0; i < n; i++) {
                        const char *id = json_string_value(json_object_get(v[i], "id"));

                        printf("%s\n", a.no_trunc ? id : short_id(id));
                }
                r = 0;
                goto out;
        }
        {
                static const char *const heads[] = { "CONTAINER ID", "IMAGE", "COMMAND", "CREATED",
                                                     "STATUS",       "PORTS", "NAMES" };
                struct cmd_table t;

                cmd_table_init(&t, ELEMENTSOF(heads));
                for (size_t c = 0; c < ELEMENTSOF(heads); c++)
                        cmd_table_cell(&t, "%s", heads[c]);
                for (i = 0; i < n; i++) {
                        const char *id = json_string_value(json_object_get(v[i], "id"));
                        const char *img = json_string_value(json_object_get(v[i], "image_name"));
                        _cleanup_free_ char *command = command_line(v[i], a.no_trunc);
                        _cleanup_free_ char *status = status_text(v[i], now);
                        _cleanup_free_ char *ports = ports_text(v[i]);

                        cmd_table_cell(&t, "%s", a.no_trunc ? id : short_id(id));
                        cmd_table_cell(&t, "%s",
                                       img ? img
                                           : json_string_value(json_object_get(v[i], "image")));
                        cmd_table_cell(&t, "%s", command);
                        cmd_table_cell(&t, "%s",
                                       cmd_time_ago(eng_time_parse_rfc3339(json_string_value(
                                                            json_object_get(v[i], "created"))),
                                                    now));
                        cmd_table_cell(&t, "%s", status);
                        cmd_table_cell(&t, "%s", ports);
                        cmd_table_cell(&t, "%s", json_string_value(json_object_get(v[i], "name")));
                }
                if (a.noheading)
                        cmd_table_drop_header(&t);
                cmd_table_print(&t);
        }
        r = 0;
out:
        free(v);
        eng_strv_free(a.filters);
        cmd_template_free(a.template);
        cmd_store_close(&cs);
        return r;
}

/* --- logs */

struct logs_args {
        bool follow;
        bool timestamps;
        long tail;
        time_t since;
        time_t until;
};

/* --since/--until: RFC 3339, seconds since the epoch, or a duration back from now ("10m", "1h30m").
 */
static int time_arg(const char *arg, time_t *ret, struct eng_error **err)
{
        time_t now = time(NULL), t = eng_time_parse_rfc3339(arg);
        const char *p = arg;
        long total = 0;
        char *end;

        if (t >= 0) {
                *ret = t;
                return 0;
        }
        t = (time_t) strtoll(arg, &end, 10);
        if (*arg && !*end) {
                *ret = t;
                return 0;
        }
        while (*p) {
                long v = strtol(p, &end, 10);

                if (end == p)
                        break;
                if (*end == 'h')
                        total += v * 3600;
                else if (*end == 'm')
                        total += v * 60;
                else if (*end == 's')
                        total += v;
                else
                        break;
                p = end + 1;
        }
        if (*p || p == arg)
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "'%s' is not a time: use RFC 3339, seconds since 1970, or a duration like 10m",
                        arg);
        *ret = now - total;
        return 0;
}

static int logs_opt(int val, const char *arg, void *data, struct eng_error **err)
{
        struct logs_args *a = data;
        char *end;

        switch (val) {
        case 'f':
                a->follow = true;
                return 0;
        case 't':
                a->timestamps = true;
                return 0;
        case OPT_TAIL:
                a->tail = strtol(arg, &end, 10);
                if (*end || a->tail < -1)
                        return eng_err(err, ENG_E_USAGE, 0, "--tail '%s' is not a number", arg);
                return 0;
        case OPT_SINCE:
                return time_arg(arg, &a->since, err);
        case OPT_UNTIL:
                return time_arg(arg, &a->until, err);
        }
        return 0;
}

/* Print the records of @data from byte @from; returns where a partial record starts. */
static size_t print_log(const char *data, size_t len, size_t from, const struct logs_args *a)
{
        while (from < len) {
                const char *nl = memchr(data + from, '\n', len - from);
                const char *line = data + from, *sp1, *sp2, *text;
                bool err, partial;

                if (!nl)
                        break;
                sp1 = memchr(line, ' ', (size_t) (nl - line));
                sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t) (nl - sp1 - 1)) : NULL;
                if (sp1 && sp2 && sp2 + 2 < nl + 1 && (a->since || a->until)) {
                        char when[64];
                        time_t t;

                        snprintf(when, sizeof(when), "%.*s", (int) (sp1 - line), line);
                        t = eng_time_parse_rfc3339(when);
                        if ((a->since && t < a->since) || (a->until && t > a->until)) {
                                from = (size_t) (nl - data) + 1;
                                continue;
                        }
                }
                if (sp1 && sp2 && sp2 + 2 < nl + 1) {
                        err = strncmp(sp1 + 1, "stderr", 6) == 0;
                        partial = sp2[1] == 'P';
                        text = sp2 + 3 <= nl ? sp2 + 3 : nl;
                        if (a->timestamps)
                                fprintf(err ? stderr : stdout, "%.*s ", (int) (sp1 - line), line);
                        fprintf(err ? stderr : stdout, "%.*s%s", (int) (nl - text), text,
                                partial ? "" : "\n");
                }
                from = (size_t) (nl - data) + 1;
        }
        fflush(stdout);
        fflush(stderr);
        return from;
}

/* Where the last @n records of the log start (all of it for -1). */
static size_t tail_start(const char *data, size_t len, long n)
{
        size_t p = len;
        long seen = 0;

        if (n < 0)
                return 0;
        if (n == 0)
                return len;
        if (p > 0 && data[p - 1] == '\n')
                p--;
        for (; p > 0; p--)
                if (data[p - 1] == '\n' && ++seen == n)
                        return p;
        return 0;
}

int cmd_logs(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        static const struct cmd_option opts[] = {
                { "follow", no_argument, 'f', NULL, "keep printing until the container exits" },
                { "timestamps", no_argument, 't', NULL, "show the time of each line" },
                { "tail", required_argument, OPT_TAIL, "N", "only the last N lines" },
                { "since", required_argument, OPT_SINCE, "TIME",
                  "only lines from TIME on (RFC 3339, or a duration like 10m)" },
                { "until", required_argument, OPT_UNTIL, "TIME", "only lines before TIME" },
                { 0 },
        };
        struct logs_args a = { .tail = -1 };
        struct cmd_store cs = CMD_STORE_INIT;
        _cleanup_(storage_container_release) struct storage_container c = { 0 };
        _cleanup_free_ char *path = NULL, *dir = NULL;
        size_t pos = 0;
        int first, r;

        r = cmd_parse(cmd, argc, argv, opts, logs_opt, &a, &first, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (first + 1 != argc)
                return eng_err(err, ENG_E_USAGE, 0, "'eng logs' takes one container");
        r = -1;
        if (cmd_store_open(&cs, false, err) < 0)
                goto out;
        if (runtime_container_get(&cs.store, argv[first], &c, err) < 0)
                goto out;
        dir = storage_container_dir(&cs.store, c.id);
        path = eng_xasprintf("%s/userdata/ctr.log", dir);
        for (bool first_pass = true;; first_pass = false) {
                _cleanup_free_ char *data = NULL;
                struct eng_error *e = NULL;
                size_t len = 0;
                bool running;

                if (eng_read_file(path, 1u << 30, &data, &len, &e) < 0) {
                        eng_err_free(e);
                        data = eng_xstrdup("");
                        len = 0;
                }
                if (first_pass)
                        pos = tail_start(data, len, a.tail);
                running = c.state == STORAGE_CONTAINER_RUNNING;
                pos = print_log(data, len, pos, &a);
                if (!a.follow || !running)
                        break;
                sleep_ms(100);
                runtime_container_refresh(&cs.store, &c);
        }
        r = 0;
out:
        cmd_store_close(&cs);
        return r;
}

/* --- stop, kill */

struct stop_args {
        long timeout;
        bool all;
        bool ignore; /* a container that is not there is no error (podman's -i) */
        const char *signal;
};

static int stop_opt(int val, const char *arg, void *data, struct eng_error **err)
{
        struct stop_args *a = data;
        char *end;

        switch (val) {
        case 't':
                a->timeout = strtol(arg, &end, 10);
                if (*end || a->timeout < 0)
                        return eng_err(err, ENG_E_USAGE, 0, "--time '%s' is not a number", arg);
                return 0;
        case 'a':
                a->all = true;
                return 0;
        case 's':
                a->signal = arg;
                return 0;
        case 'i':
                a->ignore = true;
                return 0;
        }
        return 0;
}

/* The names given, or every container with -a. */
static char **targets(struct cmd_store *cs, bool all, int argc, char **argv, int first,
                      struct eng_error **err)
{
        char **names = NULL;

        if (all) {
                _cleanup_json_ json_t *l = storage_container_list(&cs->store, err);
                json_t *r;
                size_t i;

                if (!l)
                        return NULL;
                json_array_foreach(l, i, r)
                        eng_strv_push(&names, json_string_value(json_object_get(r, "id")));
                if (!names)
                        names = eng_xcalloc(1, sizeof(char *));
                return names;
        }
        for (int i = first; i < argc; i++)
                eng_strv_push(&names, argv[i]);
        if (!names)
                eng_err(err, ENG_E_USAGE, 0, "name a container (or use --all)");
        return names;
}

int cmd_stop(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        static const struct cmd_option opts[] = {
                { "time", required_argument, 't', "SECONDS",
                  "how long to wait before KILL (default 10)" },
                { "all", no_argument, 'a', NULL, "every running container" },
                { "ignore", no_argument, 'i', NULL, "a container that does not exist is no error" },
                { 0 },
        };
        struct stop_args a = { .timeout = 10 };
        struct cmd_store cs = CMD_STORE_INIT;
        _cleanup_strv_ char **names = NULL;
        int first, r, ret = 0;

        r = cmd_parse(cmd, argc, argv, opts, stop_opt, &a, &first, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (cmd_store_open(&cs, false, err) < 0)
                goto fail;
        names = targets(&cs, a.all, argc, argv, first, err);
        if (!names)
                goto fail;
        ENG_STRV_FOREACH(n, names) {
                _cleanup_(storage_container_release) struct storage_container c = { 0 };

                if (runtime_container_get(&cs.store, *n, &c, err) < 0 && a.ignore &&
                    (*err)->kind == ENG_E_NOTFOUND) {
                        *err = eng_err_free(*err);
                        continue;
                }
                if (*err || runtime_container_stop(&cs.rt, &c, a.timeout, err) < 0) {
                        ret = report(err, 125);
                        continue;
                }
                printf("%s\n", *n);
        }
        cmd_store_close(&cs);
        return ret;
fail:
        cmd_store_close(&cs);
        return -1;
}

int cmd_kill(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        static const struct cmd_option opts[] = {
                { "signal", required_argument, 's', "SIGNAL",
                  "the signal, by name or number (default KILL)" },
                { "all", no_argument, 'a', NULL, "every running container" },
                { 0 },
        };
        struct stop_args a = { .signal = "KILL" };
        struct cmd_store cs = CMD_STORE_INIT;
        _cleanup_strv_ char **names = NULL;
        int first, r, sig, ret = 0;

        r = cmd_parse(cmd, argc, argv, opts, stop_opt, &a, &first, err);
        if (r != 0)
                return r < 0 ? r : 0;
        sig = runtime_signal_parse(a.signal);
        if (sig < 0)
                return eng_err(err, ENG_E_USAGE, 0, "unknown signal '%s'", a.signal);
        if (cmd_store_open(&cs, false, err) < 0)
                goto fail;
        names = targets(&cs, a.all, argc, argv, first, err);
        if (!names)
                goto fail;
        ENG_STRV_FOREACH(n, names) {
                _cleanup_(storage_container_release) struct storage_container c = { 0 };

                if (runtime_container_get(&cs.store, *n, &c, err) < 0 ||
                    runtime_container_kill(&cs.rt, &c, sig, err) < 0) {
                        ret = report(err, 125);
                        continue;
                }
                printf("%s\n", *n);
        }
        cmd_store_close(&cs);
        return ret;
fail:
        cmd_store_close(&cs);
        return -1;
}

/* --- rm */

struct rm_args {
        bool force;
        bool all;
        bool depend;
        bool ignore;    /* -i: a container that is not there is no error */
        long timeout;   /* -t: how long a running one has (with -f) before KILL */
        char **removed; /* ids removed so far */
};

static int rm_opt(int val, const char *arg, void *data, struct eng_error **err)
{
        struct rm_args *a = data;
        char *end;

        if (val == 't') {
                a->timeout = strtol(arg, &end, 10);
                if (*end || !*arg || a->timeout < 0)
                        return eng_err(err, ENG_E_USAGE, 0, "--time '%s' is not a number", arg);
        } else if (val == 'i')
                a->ignore = true;
        else if (val == 'f')
                a->force = true;
        else if (val == 'a')
                a->all = true;
        else if (val == 256)
                a->depend = true;
        return 0;
}

/* the ids of the containers that share @id's network (--network container:ID) */
static char **dependents(struct cmd_store *cs, const char *id, struct eng_error **err)
{
        _cleanup_json_ json_t *l = storage_container_list(&cs->store, err);
        char **deps = eng_xcalloc(1, sizeof(char *));
        json_t *r;
        size_t i;

        if (!l) {
                free(deps);
                return NULL;
        }
        json_array_foreach(l, i, r) {
                const char *net = json_string_value(json_object_get(r, "network"));

                if (net && strncmp(net, "container:", 10) == 0 && strcmp(net + 10, id) == 0)
                        eng_strv_push(&deps, json_string_value(json_object_get(r, "id")));
        }
        return deps;
}

/* rm -f of a container whose record is damaged: its directory goes */
static int rm_damaged(struct cmd_store *cs, const char *name, bool print_id, struct eng_error **err)
{
        _cleanup_free_ char *id = NULL;

        *err = eng_err_free(*err);
        if (runtime_container_remove_damaged(&cs->rt, name, &id, err) < 0)
                return report(err, (*err)->kind == ENG_E_NOTFOUND ? 1 : 125);
        printf("%s\n", print_id ? id : name);
        return 0;
}

/*
 * Remove the container @name: the exit status of its part (0, 1 for an
 * unknown one, 2 for a running one without -f, 125), its error reported.
 * Containers that share its network go first with --depend (or --all, which
 * names them too); else they keep it, as podman does.
 */
static int rm_one(struct cmd_store *cs, struct rm_args *a, const char *name, bool print_id,
                  struct eng_error **err)
{
        _cleanup_(storage_container_release) struct storage_container c = { 0 };
        _cleanup_close_ int lock = -1;
        _cleanup_strv_ char **deps = NULL;
        int ret = 0;

        if (runtime_container_get(&cs->store, name, &c, err) < 0) {
                if ((*err)->kind == ENG_E_INVALID && a->force)
                        return rm_damaged(cs, name, print_id, err);
                if ((*err)->kind == ENG_E_NOTFOUND && a->ignore) {
                        *err = eng_err_free(*err);
                        return 0;
                }
                return report(err, (*err)->kind == ENG_E_NOTFOUND ? 1 : 125);
        }
        deps = dependents(cs, c.id, err);
        if (!deps)
                return report(err, 125);
        if (deps[0] && !a->depend && !a->all) {
                _cleanup_free_ char *list = eng_strv_join(deps, ", ");

                eng_err(err, ENG_E_USAGE, 0,
                        "container %s has dependent containers which must be removed before it: %s: container already exists",
                        c.id, list);
                return report(err, 125);
        }
        ENG_STRV_FOREACH(d, deps) {
                int code = rm_one(cs, a, *d, true, err);

                if (code != 0 && (ret == 0 || code == 125))
                        ret = code;
        }
        if (ret != 0)
                return ret;
        lock = runtime_container_lock(&cs->rt, &c, err);
        if (lock < 0)
                return report(err, (*err)->kind == ENG_E_NOTFOUND ? 1 : 125);
        if (runtime_container_remove(&cs->rt, &c, a->force, a->timeout, err) < 0)
                return report(err, (*err)->errnum == EBUSY ? 2 : 125);
        eng_strv_push(&a->removed, c.id);
        printf("%s\n", print_id ? c.id : name);
        return 0;
}

int cmd_rm(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        static const struct cmd_option opts[] = {
                { "force", no_argument, 'f', NULL, "stop running containers first" },
                { "time", required_argument, 't', "SECONDS",
                  "with -f: how long to wait before KILL (default 0)" },
                { "ignore", no_argument, 'i', NULL, "a container that does not exist is no error" },
                { "all", no_argument, 'a', NULL, "every container" },
                /* no short form, as podman */
                { "depend", no_argument, 256, NULL,
                  "first remove the containers that depend on it" },
                { "volumes", no_argument, 'v', NULL,
                  "taken for podman's scripts: eng has no anonymous volumes to remove" },
                { 0 },
        };
        struct rm_args a = { 0 };
        struct cmd_store cs = CMD_STORE_INIT;
        _cleanup_strv_ char **names = NULL;
        int first, r, ret = 0;

        r = cmd_parse(cmd, argc, argv, opts, rm_opt, &a, &first, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (cmd_store_open(&cs, true, err) < 0)
                goto fail;
        names = targets(&cs, a.all, argc, argv, first, err);
        if (!names)
                goto fail;
        ENG_STRV_FOREACH(n, names) {
                int code;

                /* --all: a container that went first, as another's dependent */
                if (a.all && eng_strv_contains(a.removed, *n))
                        continue;
                code = rm_one(&cs, &a, *n, a.all, err);
                if (code != 0 && (ret == 0 || code == 125))
                        ret = code;
        }
        eng_strv_free(a.removed);
        cmd_store_close(&cs);
        return ret;
fail:
        eng_strv_free(a.removed);
        cmd_store_close(&cs);
        return -1;
}

int cmd_wait(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        struct cmd_store cs = CMD_STORE_INIT;
        int first, r;

        r = cmd_parse(cmd, argc, argv, NULL, NULL, NULL, &first, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (first >= argc)
                return eng_err(err, ENG_E_USAGE, 0, "'eng wait' needs a container");
        if (cmd_store_open(&cs, false, err) < 0)
                goto fail;
        for (int i = first; i < argc; i++) {
                _cleanup_(storage_container_release) struct storage_container c = { 0 };

                if (runtime_container_get(&cs.store, argv[i], &c, err) < 0)
                        goto fail;
                printf("%d\n", runtime_container_wait(&cs.rt, &c));
        }
        cmd_store_close(&cs);
        return 0;
fail:
        cmd_store_close(&cs);
        return -1;
}

/* `eng container cleanup ID`: what the monitor runs when the container ended. */
static int cmd_container_cleanup(const struct cmd_desc *cmd, int argc, char **argv,
                                 struct eng_error **err)
{
        struct cmd_store cs = CMD_STORE_INIT;
        int first, r;

        r = cmd_parse(cmd, argc, argv, NULL, NULL, NULL, &first, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (first + 1 != argc)
                return eng_err(err, ENG_E_USAGE, 0, "'cleanup' takes one container id");
        r = cmd_store_open(&cs, true, err) < 0
                    ? -1
                    : runtime_container_cleanup(&cs.rt, argv[first], err);
        cmd_store_close(&cs);
        return r;
}

int cmd_port(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        struct cmd_store cs = CMD_STORE_INIT;
        _cleanup_json_ json_t *rec = NULL;
        json_t *p;
        size_t i;
        int first, r;

        r = cmd_parse(cmd, argc, argv, NULL, NULL, NULL, &first, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (first + 1 != argc)
                return eng_err(err, ENG_E_USAGE, 0, "'eng port' takes one container");
        r = -1;
        if (cmd_store_open(&cs, false, err) < 0)
                goto out;
        rec = lookup(&cs, argv[first], err);
        if (!rec)
                goto out;
        /* "80/tcp -> 0.0.0.0:8080", one a line, as podman port prints them */
        json_array_foreach(json_object_get(rec, "ports"), i, p) {
                struct runtime_port *ports = NULL;
                size_t n = 0;

                if (runtime_ports_parse(json_string_value(p), &ports, &n, err) < 0)
                        goto out;
                for (size_t k = 0; k < n; k++)
                        printf("%u/%s -> %s:%u\n", ports[k].container_port,
                               ports[k].udp ? "udp" : "tcp",
                               *ports[k].host_ip ? ports[k].host_ip : "0.0.0.0",
                               ports[k].host_port);
                free(ports);
        }
        r = 0;
out:
        cmd_store_close(&cs);
        return r;
}

int cmd_rename(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        struct cmd_store cs = CMD_STORE_INIT;
        _cleanup_json_ json_t *rec = NULL;
        int first, r;

        r = cmd_parse(cmd, argc, argv, NULL, NULL, NULL, &first, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (first + 2 != argc)
                return eng_err(err, ENG_E_USAGE, 0,
                               "'eng rename' takes a container and a new name");
        r = -1;
        if (cmd_store_open(&cs, false, err) < 0)
                goto out;
        rec = storage_container_get(&cs.store, argv[first], err);
        if (rec)
                r = storage_container_rename(&cs.store, rec, argv[first + 1], err);
out:
        cmd_store_close(&cs);
        return r;
}

static int prune_opt(int val, _unused_ const char *arg, void *data, _unused_ struct eng_error **err)
{
        if (val == 'f')
                *(bool *) data = true;
        return 0;
}

static int cmd_container_prune(const struct cmd_desc *cmd, int argc, char **argv,
                               struct eng_error **err)
{
        static const struct cmd_option opts[] = {
                { "force", no_argument, 'f', NULL, "do not ask" },
                { 0 },
        };
        struct cmd_store cs = CMD_STORE_INIT;
        _cleanup_json_ json_t *all = NULL;
        bool force = false;
        json_t *rec;
        size_t i;
        int first, r;

        r = cmd_parse(cmd, argc, argv, opts, prune_opt, &force, &first, err);
        if (r != 0 || cmd_no_operands(cmd, argc, argv, first, err) < 0)
                return r > 0 ? 0 : -1;
        if (!force) {
                char answer[16] = "";

                fprintf(stderr, "WARNING! This will remove all non running containers.\n"
                                "Are you sure you want to continue? [y/N] ");
                if (!fgets(answer, sizeof(answer), stdin) || (answer[0] != 'y' && answer[0] != 'Y'))
                        return 0;
        }
        r = -1;
        if (cmd_store_open(&cs, true, err) < 0)
                goto out;
        all = storage_container_list(&cs.store, err);
        if (!all)
                goto out;
        json_array_foreach(all, i, rec) {
                _cleanup_(storage_container_release) struct storage_container c = { 0 };
                _cleanup_close_ int lock = -1;

                /* under its lock, as it is now: one started meanwhile stays */
                if (storage_container_decode(rec, &c, err) < 0)
                        goto out;
                lock = runtime_container_lock(&cs.rt, &c, err);
                if (lock < 0 && (*err)->kind == ENG_E_NOTFOUND) {
                        *err = eng_err_free(*err);
                        continue;
                }
                if (lock < 0)
                        goto out;
                if (c.state == STORAGE_CONTAINER_RUNNING)
                        continue;
                if (runtime_container_remove(&cs.rt, &c, false, 0, err) < 0)
                        goto out;
                printf("%s\n", c.id);
        }
        r = 0;
out:
        cmd_store_close(&cs);
        return r;
}

/* `eng container exists NAME`: 0 when there is one, 1 when not (podman) */
static int cmd_container_exists(const struct cmd_desc *cmd, int argc, char **argv,
                                struct eng_error **err)
{
        return cmd_exists(cmd, argc, argv, "container", storage_container_get, err);
}

int cmd_container(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        static const struct cmd_desc subs[] = {
                {
                        .name = "exists",
                        .fn = cmd_container_exists,
                        .summary = "Whether a container exists",
                        .usage = "eng container exists CONTAINER",
                        .description =
                                "Exit 0 when CONTAINER (a name or an id) exists, 1 when it does not (podman's container exists).\n",
                },
                {
                        .name = "prune",
                        .fn = cmd_container_prune,
                        .summary = "Remove every container that is not running",
                        .usage = "eng container prune [-f]",
                        .description =
                                "Remove all containers that are not running, after asking (-f: without).\n",
                },
                {
                        .name = "cleanup",
                        .fn = cmd_container_cleanup,
                        .summary =
                                "Record how a container ended and remove it if --rm (run by its monitor)",
                        .usage = "eng container cleanup ID",
                        .description =
                                "What a container's monitor runs when the container has ended.\n",
                },
        };
        static const struct cmd_alias aliases[] = {
                { "ls", "ps" },         { "list", "ps" },     { "ps", "ps" },
                { "run", "run" },       { "rm", "rm" },       { "remove", "rm" },
                { "stop", "stop" },     { "kill", "kill" },   { "logs", "logs" },
                { "wait", "wait" },     { "exec", "exec" },   { "inspect", "inspect" },
                { "create", "create" }, { "start", "start" }, { "restart", "restart" },
                { "rename", "rename" }, { "top", "top" },     { "attach", "attach" },
        };

        return cmd_dispatch(cmd, argc, argv, subs, ELEMENTSOF(subs), aliases, ELEMENTSOF(aliases),
                            err);
}
