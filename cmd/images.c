/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/platform.h"
#include "common/xalloc.h"
#include "storage/store.h"

#include "common/banned.h"

enum {
        OPT_DIGESTS = 256,
        OPT_NO_TRUNC,
};

struct images_args {
        bool quiet;
        bool digests;
        bool no_trunc;
        enum cmd_format format;
        struct cmd_template *template;
};

static int on_opt(int val, const char *arg, void *data, struct eng_error **err)
{
        struct images_args *a = data;

        switch (val) {
        case 'q':
                a->quiet = true;
                return 0;
        case 'a':
                return 0; /* eng keeps no intermediate images: every image is shown */
        case OPT_DIGESTS:
                a->digests = true;
                return 0;
        case OPT_NO_TRUNC:
                a->no_trunc = true;
                return 0;
        case 'f':
                return cmd_format_parse_template(arg, &a->format, &a->template, err);
        default:
                return 0;
        }
}

static int by_created_desc(const void *pa, const void *pb)
{
        json_t *a = *(json_t *const *) pa, *b = *(json_t *const *) pb;
        time_t ta = eng_time_parse_rfc3339(json_string_value(json_object_get(a, "created")));
        time_t tb = eng_time_parse_rfc3339(json_string_value(json_object_get(b, "created")));

        return ta < tb ? 1 : ta > tb ? -1 : 0;
}

/* "host/repo:tag" -> repository and tag (split at the last ':' after the last '/') */
static void split_name(const char *name, char **repo, char **tag)
{
        const char *slash = strrchr(name, '/');
        const char *colon = strrchr(slash ? slash : name, ':');

        *repo = colon ? eng_xstrndup(name, (size_t) (colon - name)) : eng_xstrdup(name);
        *tag = eng_xstrdup(colon ? colon + 1 : "<none>");
}

/* The podman-shaped JSON of one image. */
static json_t *image_json(json_t *img)
{
        const char *id = json_string_value(json_object_get(img, "id"));
        const char *created = json_string_value(json_object_get(img, "created"));
        time_t t = eng_time_parse_rfc3339(created);

        return json_pack("{s:s, s:O, s:O, s:s?, s:I, s:I, s:s?}", "Id", strchr(id, ':') + 1,
                         "Names", json_object_get(img, "names"), "RepoDigests",
                         json_object_get(img, "digests"), "Digest",
                         json_string_value(json_object_get(img, "manifest")), "Created",
                         (json_int_t) (t < 0 ? 0 : t), "Size",
                         json_integer_value(json_object_get(img, "size")), "CreatedAt", created);
}

/* an image under one of its names as podman's images templates see it ({{.Repository}}, ...) */
static json_t *template_row(json_t *img, const char *repo, const char *tag, int idlen, time_t now)
{
        const char *id = strchr(json_string_value(json_object_get(img, "id")), ':') + 1;
        const char *digest = json_string_value(json_object_get(img, "manifest"));
        const char *created = json_string_value(json_object_get(img, "created"));
        time_t t = eng_time_parse_rfc3339(created);
        _cleanup_free_ char *at = cmd_go_time(created);
        _cleanup_free_ char *ago = eng_xstrdup(t < 0 ? "unknown" : cmd_time_ago(t, now));

        return json_pack(
                "{s:s#, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b}", "ID", id,
                (size_t) idlen, "Repository", repo ? repo : "<none>", "Tag", tag ? tag : "<none>",
                "Digest", digest ? digest : "<none>", "Created", ago, "CreatedSince", ago,
                "CreatedAt", at, "CreatedTime", at, "Size",
                cmd_human_size((uint64_t) json_integer_value(json_object_get(img, "size"))),
                "Dangling", !repo, "ReadOnly", false);
}

int cmd_images(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        static const struct cmd_option opts[] = {
                { "all", no_argument, 'a', NULL,
                  "show every image (eng has no intermediate images)" },
                { "digests", no_argument, OPT_DIGESTS, NULL, "show the manifest digests" },
                { "format", required_argument, 'f', "FORMAT",
                  "'json' for JSON, or a Go template like\n'{{.Repository}}:{{.Tag}}' ('table ...' for columns)" },
                { "no-trunc", no_argument, OPT_NO_TRUNC, NULL, "do not shorten image IDs" },
                { "quiet", no_argument, 'q', NULL, "show image IDs only" },
                { 0 },
        };
        struct images_args a = { .format = CMD_FORMAT_HUMAN };
        struct cmd_store cs = CMD_STORE_INIT;
        struct cmd_table table;
        _cleanup_json_ json_t *list = NULL, *rows = NULL;
        _cleanup_free_ json_t **sorted = NULL;
        time_t now = time(NULL);
        size_t n;
        int first, r;

        r = cmd_parse(cmd, argc, argv, opts, on_opt, &a, &first, err);
        if (r == 0 && cmd_no_operands(cmd, argc, argv, first, err) < 0)
                r = -1;
        if (r != 0) {
                cmd_template_free(a.template);
                return r < 0 ? r : 0;
        }
        r = -1;
        if (cmd_store_open(&cs, false, err) < 0)
                goto out;
        list = storage_image_list(&cs.store, err);
        if (!list)
                goto out;
        n = json_array_size(list);
        sorted = eng_xcalloc(n + 1, sizeof(json_t *));
        for (size_t i = 0; i < n; i++)
                sorted[i] = json_array_get(list, i);
        qsort(sorted, n, sizeof(json_t *), by_created_desc);

        if (a.format == CMD_FORMAT_JSON) {
                _cleanup_json_ json_t *out = json_array();
                for (size_t i = 0; i < n; i++)
                        json_array_append_new(out, image_json(sorted[i]));
                r = cmd_print_json(out, err);
                goto out;
        }
        rows = json_array();
        cmd_table_init(&table, a.digests ? 6 : 5);
        if (!a.quiet && a.format == CMD_FORMAT_HUMAN) {
                cmd_table_cell(&table, "REPOSITORY");
                cmd_table_cell(&table, "TAG");
                if (a.digests)
                        cmd_table_cell(&table, "DIGEST");
                cmd_table_cell(&table, "IMAGE ID");
                cmd_table_cell(&table, "CREATED");
                cmd_table_cell(&table, "SIZE");
        }
        for (size_t i = 0; i < n; i++) {
                json_t *img = sorted[i], *names = json_object_get(img, "names");
                const char *id = strchr(json_string_value(json_object_get(img, "id")), ':') + 1;
                const char *digest = json_string_value(json_object_get(img, "manifest"));
                time_t t =
                        eng_time_parse_rfc3339(json_string_value(json_object_get(img, "created")));
                int idlen = a.no_trunc ? 64 : 12;
                size_t k, count = json_array_size(names);

                if (a.quiet) {
                        printf("%s%.*s\n", a.no_trunc ? "sha256:" : "", idlen, id);
                        continue;
                }
                for (k = 0; k < (count ? count : 1); k++) {
                        _cleanup_free_ char *repo = NULL, *tag = NULL;

                        if (count)
                                split_name(json_string_value(json_array_get(names, k)), &repo,
                                           &tag);
                        if (a.format == CMD_FORMAT_TEMPLATE) {
                                json_array_append_new(rows,
                                                      template_row(img, repo, tag, idlen, now));
                                continue;
                        }
                        cmd_table_cell(&table, "%s", repo ? repo : "<none>");
                        cmd_table_cell(&table, "%s", tag ? tag : "<none>");
                        if (a.digests)
                                cmd_table_cell(&table, "%s", digest ? digest : "<none>");
                        cmd_table_cell(&table, "%.*s", idlen, id);
                        cmd_table_cell(&table, "%s", t < 0 ? "unknown" : cmd_time_ago(t, now));
                        cmd_table_cell(&table, "%s",
                                       cmd_human_size((uint64_t) json_integer_value(
                                               json_object_get(img, "size"))));
                }
        }
        if (a.quiet) {
                r = 0;
        } else if (a.format == CMD_FORMAT_TEMPLATE) {
                _cleanup_json_ json_t *headers =
                        json_pack("{s:s, s:s}", "ID", "IMAGE ID", "ReadOnly", "R/O");

                r = cmd_template_print(a.template, rows, headers, err);
        } else {
                cmd_table_print(&table);
                r = 0;
        }
out:
        cmd_template_free(a.template);
        cmd_store_close(&cs);
        return r;
}
