/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/strv.h"
#include "common/userns.h"
#include "common/xalloc.h"
#include "runtime/container.h"
#include "storage/container.h"
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
                { "quick", no_argument, 'q', NULL, "skip the digests of stored blobs" },
                { "repair", no_argument, 'r', NULL,
                  "remove broken images (the next pull fetches them again) and leftovers,\nand set damaged container records aside" },
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

/*
 * The bytes of the files under each of @dirs, counted in the user namespace
 * (where every file a container made is ours to look at), as
 * containers/storage counts a container's size: apparent sizes, directories
 * not counted, a hard-linked file once.
 */
struct tree_sizes {
        char **dirs;
        uint64_t *bytes; /* shared with the child */
};

static struct {
        uint64_t total;
        void *seen; /* tsearch() tree of the inode numbers of hard-linked files met */
} walk;

static int cmp_ino(const void *a, const void *b)
{
        ino_t x = *(const ino_t *) a, y = *(const ino_t *) b;

        return x < y ? -1 : x > y;
}

static int add_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void) path;
        (void) ftw;
        if (type != FTW_F && type != FTW_SL)
                return 0;
        if (st->st_nlink > 1) {
                ino_t *ino = eng_xmalloc(sizeof(*ino));
                ino_t **found;

                *ino = st->st_ino;
                found = tsearch(ino, &walk.seen, cmp_ino);
                if (!found)
                        abort(); /* only out of memory gets here */
                if (*found != ino) {
                        free(ino); /* another link of a file counted already */
                        return 0;
                }
        }
        walk.total += (uint64_t) st->st_size;
        return 0;
}

static int measure_trees(void *arg, _unused_ struct eng_error **err)
{
        struct tree_sizes *t = arg;

        for (size_t i = 0; t->dirs[i]; i++) {
                walk.total = 0;
                /* a tree that is gone (a container removed meanwhile) counts nothing */
                (void) nftw(t->dirs[i], add_entry, 16, FTW_PHYS | FTW_MOUNT);
                t->bytes[i] = walk.total;
                tdestroy(walk.seen, free);
                walk.seen = NULL;
        }
        return 0;
}

static char *reclaimable(uint64_t bytes, uint64_t of)
{
        return eng_xasprintf("%s (%.0f%%)", cmd_human_size(bytes),
                             of ? 100.0 * (double) bytes / (double) of : 0.0);
}

static uint64_t blob_size(struct storage_store *s, const char *digest)
{
        _cleanup_free_ char *p = NULL;
        struct stat st;

        if (!digest || strncmp(digest, "sha256:", 7) != 0)
                return 0;
        p = storage_blob_path(s, digest);
        return stat(p, &st) == 0 ? (uint64_t) st.st_size : 0;
}

static int system_df(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        enum cmd_format format = CMD_FORMAT_HUMAN;
        struct cmd_store cs = CMD_STORE_INIT;
        _cleanup_json_ json_t *u = NULL, *images = NULL, *containers = NULL;
        _cleanup_json_ json_t *used_images = json_object(), *used_layers = json_object();
        struct tree_sizes trees = { 0 };
        uint64_t images_size, images_used = 0, ctr_size = 0, ctr_idle = 0;
        size_t nctr = 0, running = 0, active_images = 0, i;
        json_t *v;
        struct cmd_template *template = NULL;
        int r = cmd_parse_format_only(
                cmd, argc, argv, "'json' for JSON, or a Go template like '{{.Type}} {{.Size}}'",
                &format, &template, err);

        if (r != 0)
                return r < 0 ? r : 0;
        r = -1;
        if (cmd_store_open(&cs, true, err) < 0)
                goto out;
        u = storage_usage(&cs.store, err);
        images = u ? storage_image_list(&cs.store, err) : NULL;
        containers = images ? runtime_container_list(&cs.store, err) : NULL;
        if (!containers)
                goto out;

        /* containers: their own files (the upper directory, or the whole copy) */
        nctr = json_array_size(containers);
        trees.dirs = eng_xcalloc(nctr + 1, sizeof(char *));
        trees.bytes = mmap(NULL, (nctr + 1) * sizeof(uint64_t), PROT_READ | PROT_WRITE,
                           MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (trees.bytes == MAP_FAILED) {
                trees.bytes = NULL;
                eng_err(err, ENG_E_SYS, errno, "measuring the containers");
                goto out;
        }
        json_array_foreach(containers, i, v) {
                _cleanup_free_ char *dir = storage_container_dir(
                        &cs.store, json_string_value(json_object_get(v, "id")));
                struct stat st;
                const char *image = json_string_value(json_object_get(v, "image_id"));

                trees.dirs[i] = eng_xasprintf("%s/diff", dir);
                if (stat(trees.dirs[i], &st) < 0) {
                        free(trees.dirs[i]);
                        trees.dirs[i] = eng_xasprintf("%s/rootfs", dir);
                }
                if (image && !json_object_get(used_images, image))
                        json_object_set_new(used_images, image, json_true());
        }
        if (nctr > 0 && eng_userns_run(&cs.map, 0, measure_trees, &trees, err) < 0)
                goto out;
        json_array_foreach(containers, i, v) {
                const char *state = json_string_value(json_object_get(v, "state"));

                ctr_size += trees.bytes[i];
                if (state && strcmp(state, "running") == 0)
                        running++;
                else
                        ctr_idle += trees.bytes[i];
        }

        /* images: what the store holds; what no container's image needs can go */
        images_size = (uint64_t) (json_integer_value(json_object_get(u, "layers_size")) +
                                  json_integer_value(json_object_get(u, "blobs_size")));
        json_array_foreach(images, i, v) {
                size_t k;
                json_t *layer;

                if (!json_object_get(used_images, json_string_value(json_object_get(v, "id"))))
                        continue;
                active_images++;
                images_used +=
                        blob_size(&cs.store, json_string_value(json_object_get(v, "config")));
                images_used +=
                        blob_size(&cs.store, json_string_value(json_object_get(v, "manifest")));
                json_array_foreach(json_object_get(v, "layers"), k, layer) {
                        const char *chain = json_string_value(layer);
                        _cleanup_json_ json_t *info = NULL;
                        struct eng_error *e = NULL;

                        if (!chain || json_object_get(used_layers, chain))
                                continue;
                        json_object_set_new(used_layers, chain, json_true());
                        info = storage_layer_info(&cs.store, chain, &e);
                        eng_err_free(e);
                        if (info)
                                images_used += (uint64_t) json_integer_value(
                                        json_object_get(info, "size"));
                }
        }
        if (images_used > images_size)
                images_used = images_size;

        if (format == CMD_FORMAT_JSON) {
                json_object_set_new(u, "images_active", json_integer((json_int_t) active_images));
                json_object_set_new(u, "images_reclaimable",
                                    json_integer((json_int_t) (images_size - images_used)));
                json_object_set_new(u, "containers", json_integer((json_int_t) nctr));
                json_object_set_new(u, "containers_active", json_integer((json_int_t) running));
                json_object_set_new(u, "containers_size", json_integer((json_int_t) ctr_size));
                json_object_set_new(u, "containers_reclaimable",
                                    json_integer((json_int_t) ctr_idle));
                r = cmd_print_json(u, err);
                goto out;
        }
        {
                /* podman's rows ({{.Type}} {{.Total}} {{.Active}} {{.Size}} {{.Reclaimable}}) */
                _cleanup_free_ char *img_rec = reclaimable(images_size - images_used, images_size);
                _cleanup_free_ char *ctr_rec = reclaimable(ctr_idle, ctr_size);
                _cleanup_free_ char *img_size = eng_xstrdup(cmd_human_size(images_size));
                _cleanup_free_ char *ctr_size_s = eng_xstrdup(cmd_human_size(ctr_size));
                _cleanup_free_ char *none = eng_xasprintf("%s (0%%)", cmd_human_size(0));
                _cleanup_json_ json_t *rows = json_pack(
                        "[{s:s, s:I, s:I, s:s, s:s}, {s:s, s:I, s:I, s:s, s:s},"
                        " {s:s, s:I, s:I, s:s, s:s}]",
                        "Type", "Images", "Total", (json_int_t) json_array_size(images), "Active",
                        (json_int_t) active_images, "Size", img_size, "Reclaimable", img_rec,
                        "Type", "Containers", "Total", (json_int_t) nctr, "Active",
                        (json_int_t) running, "Size", ctr_size_s, "Reclaimable", ctr_rec,
                        /* eng keeps no named volumes: there are none to count */
                        "Type", "Local Volumes", "Total", (json_int_t) 0, "Active", (json_int_t) 0,
                        "Size", cmd_human_size(0), "Reclaimable", none);

                if (!template &&
                    cmd_template_parse(
                            "table {{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
                            &template, err) < 0)
                        goto out;
                if (cmd_template_print(template, rows, NULL, err) < 0)
                        goto out;
        }
        r = 0;
out:
        if (trees.dirs)
                eng_strv_free(trees.dirs);
        if (trees.bytes)
                munmap(trees.bytes, (nctr + 1) * sizeof(uint64_t));
        cmd_template_free(template);
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
        },
        {
                .name = "df",
                .fn = system_df,
                .summary = "Show the space eng uses",
                .usage = "eng system df [options]",
                .description = "Show the space used by images, containers and volumes.\n",
        },
};

int cmd_system(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        static const struct cmd_alias aliases[] = { { "info", "info" } };

        return cmd_dispatch(cmd, argc, argv, system_subcommands,
                            sizeof(system_subcommands) / sizeof(system_subcommands[0]), aliases,
                            sizeof(aliases) / sizeof(aliases[0]), err);
}
