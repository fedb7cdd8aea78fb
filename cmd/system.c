/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/userns.h"
#include "storage/store.h"

#include "common/banned.h"

enum {
        OPT_REPAIR = 256,
        OPT_QUICK,
};

struct check_args {
        bool repair;
        bool quick;
};

static int on_check_opt(int val, _unused_ const char *arg, void *data,
                        _unused_ struct eng_error **err)
{
        struct check_args *a = data;

        if (val == OPT_REPAIR || val == 'r')
                a->repair = true;
        else if (val == OPT_QUICK || val == 'q')
                a->quick = true;
        return 0;
}

static int system_check(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        static const struct cmd_option opts[] = {
                { "repair", no_argument, 'r' },
                { "quick", no_argument, 'q' },
                { 0 },
        };
        struct check_args a = { 0 };
        struct cmd_store cs = CMD_STORE_INIT;
        _cleanup_json_ json_t *problems = NULL;
        int first, r;
        size_t i;
        json_t *v;

        r = cmd_parse(cmd, argc, argv, opts, on_check_opt, &a, &first, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (cmd_no_operands(cmd, argc, argv, first, err) < 0)
                return -1;
        r = -1;
        if (cmd_store_open(&cs, true, err) < 0)
                goto out;
        if (storage_check(&cs.store, !a.quick, a.repair, &problems, err) < 0)
                goto out;
        json_array_foreach(problems, i, v)
                printf("%s\n", json_string_value(v));
        if (json_array_size(problems) > 0 && !a.repair) {
                eng_err(err, ENG_E_INVALID, 0,
                        "the store has %zu problem(s); 'eng system check --repair' removes what is broken",
                        json_array_size(problems));
                goto out;
        }
        if (json_array_size(problems) == 0)
                printf("No problems found\n");
        r = 0;
out:
        cmd_store_close(&cs);
        return r;
}

static int system_df(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        enum cmd_format format = CMD_FORMAT_HUMAN;
        struct cmd_store cs = CMD_STORE_INIT;
        _cleanup_json_ json_t *u = NULL;
        char size[32];
        json_int_t total;
        int r = cmd_parse_format_only(cmd, argc, argv, &format, err);

        if (r != 0)
                return r < 0 ? r : 0;
        r = -1;
        if (cmd_store_open(&cs, false, err) < 0)
                goto out;
        u = storage_usage(&cs.store, err);
        if (!u)
                goto out;
        if (format == CMD_FORMAT_JSON) {
                r = cmd_print_json(u, err);
                goto out;
        }
        total = json_integer_value(json_object_get(u, "layers_size")) +
                json_integer_value(json_object_get(u, "blobs_size"));
        snprintf(size, sizeof(size), "%s", cmd_human_size((uint64_t) total));
        /* No container uses an image yet: all of it is reclaimable. */
        printf("%-15s %-11s %-11s %-11s %s\n", "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
        printf("%-15s %-11lld %-11d %-11s %s (100%%)\n", "Images",
               (long long) json_integer_value(json_object_get(u, "images")), 0, size, size);
        printf("%-15s %-11d %-11d %-11s %s (0%%)\n", "Containers", 0, 0, "0 B", "0 B");
        printf("%-15s %-11d %-11d %-11s %s (0%%)\n", "Local Volumes", 0, 0, "0 B", "0 B");
        r = 0;
out:
        cmd_store_close(&cs);
        return r;
}

static const struct cmd_desc system_subcommands[] = {
        {
                .name = "check",
                .fn = system_check,
                .summary = "Check the store",
                .usage = "eng system check [options]",
                .description =
                        "Check that every image's manifest, config and layers are in the store and\n"
                        "whole, that each stored blob has its digest (unless --quick), and report\n"
                        "leftovers of pulls that were killed.  Exits 125 when problems remain.\n",
                .options =
                        "  -q, --quick    skip the digests of stored blobs\n"
                        "  -r, --repair   remove broken images (the next pull fetches them again) and leftovers\n",
        },
        {
                .name = "df",
                .fn = system_df,
                .summary = "Show the space eng uses",
                .usage = "eng system df [options]",
                .description = "Show the space used by images, containers and volumes.\n",
                .options = "  -f, --format FORMAT   'json' for JSON\n",
        },
};

int cmd_system(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        static const struct cmd_alias aliases[] = { { "info", "info" } };

        return cmd_dispatch(cmd, argc, argv, system_subcommands,
                            sizeof(system_subcommands) / sizeof(system_subcommands[0]), aliases,
                            sizeof(aliases) / sizeof(aliases[0]), err);
}
