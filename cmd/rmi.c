/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/userns.h"
#include "image/image.h"
#include "storage/store.h"

#include "common/banned.h"

/* podman-rmi(1): 1 when an image named does not exist */
#define EXIT_NO_SUCH_IMAGE 1

struct rmi_args {
        bool force;
        bool all;
        bool ignore; /* -i: an image that is not there is no error */
};

static int on_opt(int val, _unused_ const char *arg, void *data, _unused_ struct eng_error **err)
{
        struct rmi_args *a = data;

        if (val == 'f')
                a->force = true;
        else if (val == 'a')
                a->all = true;
        else if (val == 'i')
                a->ignore = true;
        return 0;
}

static void print_report(json_t *report)
{
        size_t i;
        json_t *v;

        json_array_foreach(report, i, v)
                printf("%s\n", json_string_value(v));
        json_array_clear(report);
}

int cmd_rmi(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        static const struct cmd_option opts[] = {
                { "all", no_argument, 'a', NULL, "remove every image" },
                { "force", no_argument, 'f', NULL,
                  "remove an image by ID even when it has several names" },
                { "ignore", no_argument, 'i', NULL, "an image that does not exist is no error" },
                { 0 },
        };
        struct rmi_args a = { 0 };
        struct cmd_store cs = CMD_STORE_INIT;
        _cleanup_json_ json_t *report = json_array();
        _cleanup_json_ json_t *all = NULL;
        int first, r, status = 0;

        r = cmd_parse(cmd, argc, argv, opts, on_opt, &a, &first, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (!a.all && first >= argc)
                return eng_err(err, ENG_E_USAGE, 0,
                               "'eng rmi' needs an image (or --all); see 'eng rmi --help'");
        if (a.all && first < argc)
                return eng_err(err, ENG_E_USAGE, 0, "'eng rmi --all' takes no images");
        r = -1;
        if (cmd_store_open(&cs, true, err) < 0)
                goto out;
        if (a.all) {
                size_t i;
                json_t *img;

                all = storage_image_list(&cs.store, err);
                if (!all)
                        goto out;
                json_array_foreach(all, i, img) {
                        if (image_remove(&cs.store, json_string_value(json_object_get(img, "id")),
                                         true, report, err) < 0)
                                goto out;
                        print_report(report);
                }
        }
        for (int i = first; i < argc; i++) {
                struct eng_error *e = NULL;

                if (image_remove(&cs.store, argv[i], a.force, report, &e) < 0 && a.ignore &&
                    e->kind == ENG_E_NOTFOUND)
                        e = eng_err_free(e);
                if (e) {
                        /* Go on with the others, as podman does; report each failure. */
                        cmd_print_error(e);
                        if (e->kind == ENG_E_NOTFOUND && status == 0)
                                status = EXIT_NO_SUCH_IMAGE;
                        else if (e->kind != ENG_E_NOTFOUND)
                                status = 125;
                        eng_err_free(e);
                }
                print_report(report);
        }
        r = status;
out:
        cmd_store_close(&cs);
        return r;
}

int cmd_untag(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        struct cmd_store cs = CMD_STORE_INIT;
        int first, r;

        r = cmd_parse(cmd, argc, argv, NULL, NULL, NULL, &first, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (first >= argc)
                return eng_err(err, ENG_E_USAGE, 0,
                               "'eng untag' needs an image; see 'eng untag --help'");
        r = -1;
        if (cmd_store_open(&cs, false, err) == 0 &&
            image_untag(&cs.store, argv[first], argv + first + 1, err) == 0)
                r = 0;
        cmd_store_close(&cs);
        return r;
}

int cmd_tag(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        struct cmd_store cs = CMD_STORE_INIT;
        int first, r;

        r = cmd_parse(cmd, argc, argv, NULL, NULL, NULL, &first, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (argc - first < 2)
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "'eng tag' needs an image and at least one new name; see 'eng tag --help'");
        r = -1;
        if (cmd_store_open(&cs, false, err) < 0)
                goto out;
        for (int i = first + 1; i < argc; i++)
                if (image_tag(&cs.store, argv[first], argv[i], err) < 0)
                        goto out;
        r = 0;
out:
        cmd_store_close(&cs);
        return r;
}

int cmd_image_inspect(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        struct cmd_store cs = CMD_STORE_INIT;
        _cleanup_json_ json_t *out = json_array();
        struct cmd_format_arg f = { .format = CMD_FORMAT_JSON };
        int first, r, status = 0;
        static const struct cmd_option opts[] = {
                { "format", required_argument, 'f', "FORMAT",
                  "'json' (the default), or a Go template like '{{.Id}}'" },
                { 0 },
        };

        r = cmd_parse(cmd, argc, argv, opts, cmd_on_format_template, &f, &first, err);
        if (r == 0 && first >= argc)
                r = eng_err(err, ENG_E_USAGE, 0, "'eng image inspect' needs an image");
        if (r != 0) {
                cmd_template_free(f.template);
                return r < 0 ? r : 0;
        }
        r = -1;
        if (cmd_store_open(&cs, false, err) < 0)
                goto out;
        for (int i = first; i < argc; i++) {
                struct eng_error *e = NULL;
                json_t *j = image_inspect(&cs.store, argv[i], &e);

                if (!j) {
                        cmd_print_error(e);
                        status = 125;
                        eng_err_free(e);
                        continue;
                }
                json_array_append_new(out, j);
        }
        if (f.format == CMD_FORMAT_TEMPLATE ? cmd_template_print(f.template, out, NULL, err) < 0
                                            : cmd_print_json(out, err) < 0)
                goto out;
        r = status;
out:
        cmd_template_free(f.template);
        cmd_store_close(&cs);
        return r;
}

int cmd_image_prune(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        static const struct cmd_option opts[] = {
                { "all", no_argument, 'a', NULL, "remove every image that no container uses" },
                { "force", no_argument, 'f', NULL, "do not ask (eng never asks)" },
                { 0 },
        };
        struct rmi_args a = { 0 };
        struct cmd_store cs = CMD_STORE_INIT;
        _cleanup_json_ json_t *list = NULL;
        int first, r;
        size_t i;
        json_t *img;

        r = cmd_parse(cmd, argc, argv, opts, on_opt, &a, &first, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (cmd_no_operands(cmd, argc, argv, first, err) < 0)
                return -1;
        r = -1;
        if (cmd_store_open(&cs, true, err) < 0)
                goto out;
        list = json_array();
        /* what went is printed even when a later one fails */
        r = image_prune(&cs.store, a.all, list, err);
        json_array_foreach(list, i, img)
                printf("%s\n", json_string_value(img) + 7);
out:
        cmd_store_close(&cs);
        return r;
}
