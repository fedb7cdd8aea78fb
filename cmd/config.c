/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/strv.h"
#include "common/xalloc.h"

#include "common/banned.h"

#define CONFIG_FILE_MAX (1024 * 1024)

void cmd_config_release(struct cmd_config *c)
{
        eng_strv_free(c->search_registries);
        eng_strv_free(c->insecure_registries);
        free(c->storage_driver);
        free(c->file);
        *c = (struct cmd_config){ 0 };
}

static int string_list(json_t *root, const char *key, const char *file, char ***ret,
                       struct eng_error **err)
{
        json_t *a = json_object_get(root, key), *v;
        size_t i;

        if (!a)
                return 0;
        if (!json_is_array(a))
                return eng_err(err, ENG_E_USAGE, 0, "%s: \"%s\" must be a list of strings", file,
                               key);
        json_array_foreach(a, i, v) {
                if (!json_is_string(v) || !*json_string_value(v))
                        return eng_err(err, ENG_E_USAGE, 0, "%s: \"%s\" must be a list of strings",
                                       file, key);
                eng_strv_push(ret, json_string_value(v));
        }
        return 0;
}

int cmd_config_load(const struct eng_paths *paths, struct cmd_config *ret, struct eng_error **err)
{
        _cleanup_free_ char *data = NULL;
        _cleanup_json_ json_t *root = NULL;
        struct cmd_config c = { 0 };
        struct eng_error *e = NULL;
        json_error_t jerr;
        const char *key;
        json_t *v;

        c.file = eng_xasprintf("%s/config.json", paths->config_dir);
        if (eng_read_file(c.file, CONFIG_FILE_MAX, &data, NULL, &e) < 0) {
                if (e->kind != ENG_E_NOTFOUND) {
                        *err = e;
                        cmd_config_release(&c);
                        return -1;
                }
                eng_err_free(e);
                *ret = c;
                return 0;
        }
        root = json_loads(data, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(root)) {
                eng_err(err, ENG_E_USAGE, 0, "%s: not a JSON object (%s, line %d)", c.file,
                        root ? "not an object" : jerr.text, jerr.line);
                cmd_config_release(&c);
                return -1;
        }
        if (string_list(root, "unqualified-search-registries", c.file, &c.search_registries, err) <
            0)
                goto fail;
        json_object_foreach(json_object_get(root, "registries"), key, v) {
                json_t *insecure = json_object_get(v, "insecure");

                if (insecure && !json_is_boolean(insecure)) {
                        eng_err(err, ENG_E_USAGE, 0,
                                "%s: registries.\"%s\".insecure must be true or false", c.file,
                                key);
                        goto fail;
                }
                if (json_is_true(insecure))
                        eng_strv_push(&c.insecure_registries, key);
        }
        v = json_object_get(root, "storage-driver");
        if (v && !json_is_string(v)) {
                eng_err(err, ENG_E_USAGE, 0, "%s: \"storage-driver\" must be a string", c.file);
                goto fail;
        }
        if (v)
                c.storage_driver = eng_xstrdup(json_string_value(v));
        v = json_object_get(root, "registry-stall-timeout");
        if (v &&
            (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 3600)) {
                eng_err(err, ENG_E_USAGE, 0,
                        "%s: \"registry-stall-timeout\" must be a number of seconds from 1 to 3600",
                        c.file);
                goto fail;
        }
        if (v)
                c.registry_stall_timeout = (unsigned int) json_integer_value(v);
        *ret = c;
        return 0;
fail:
        cmd_config_release(&c);
        return -1;
}
