/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <jansson.h>
#include <linux/fs.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "storage/container.h"

#include "common/banned.h"

#define RECORD_MAX (1u << 20)

static const char *hex_of(const char *id)
{
        const char *colon = strchr(id, ':');

        return colon ? colon + 1 : id;
}

char *storage_container_dir(struct storage_store *s, const char *id)
{
        return eng_xasprintf("%s/containers/%s", s->root, hex_of(id));
}

static json_t *read_record(const char *dir, struct eng_error **err)
{
        _cleanup_free_ char *path = eng_xasprintf("%s/container.json", dir);
        _cleanup_free_ char *data = NULL;
        json_error_t je;
        size_t len;
        json_t *j;

        if (eng_read_file(path, RECORD_MAX, &data, &len, err) < 0)
                return NULL;
        j = json_loadb(data, len, 0, &je);
        if (!json_is_object(j)) {
                json_decref(j);
                eng_err(err, ENG_E_INVALID, 0, "'%s' is damaged: %s", path, je.text);
                return NULL;
        }
        return j;
}

static int write_record(const char *dir, json_t *record, struct eng_error **err)
{
        _cleanup_free_ char *path = eng_xasprintf("%s/container.json", dir);
        _cleanup_free_ char *data = NULL;

        json_object_set_new(record, "version", json_integer(STORAGE_CONTAINER_VERSION));
        data = json_dumps(record, JSON_INDENT(1) | JSON_SORT_KEYS);
        return eng_write_file_replace(path, data, strlen(data), 0600, err);
}

/* --- the codec */

static const char *const state_names[] = {
        [STORAGE_CONTAINER_CREATED] = "created",
        [STORAGE_CONTAINER_RUNNING] = "running",
        [STORAGE_CONTAINER_EXITED] = "exited",
};

const char *storage_container_state_name(enum storage_container_state state)
{
        assert((size_t) state < ELEMENTSOF(state_names));
        return state_names[state];
}

static int bad_key(const char *key, const char *want, struct eng_error **err)
{
        return eng_err(err, ENG_E_INVALID, 0, "\"%s\" is %s", key, want);
}

static int get_string(json_t *j, const char *key, bool required, char **ret, struct eng_error **err)
{
        json_t *v = json_object_get(j, key);

        if (!v || json_is_null(v)) {
                if (required)
                        return bad_key(key, "missing", err);
                return 0;
        }
        if (!json_is_string(v))
                return bad_key(key, "not a string", err);
        *ret = eng_xstrdup(json_string_value(v));
        return 0;
}

static int check_string(json_t *j, const char *key, struct eng_error **err)
{
        json_t *v = json_object_get(j, key);

        return v && !json_is_null(v) && !json_is_string(v) ? bad_key(key, "not a string", err) : 0;
}

static int get_int(json_t *j, const char *key, int64_t min, int64_t max, int64_t *ret,
                   struct eng_error **err)
{
        json_t *v = json_object_get(j, key);

        if (!v || json_is_null(v))
                return 0;
        if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
                return bad_key(key, "not an integer in range", err);
        *ret = json_integer_value(v);
        return 0;
}

static int get_bool(json_t *j, const char *key, bool *ret, struct eng_error **err)
{
        json_t *v = json_object_get(j, key);

        if (!v || json_is_null(v))
                return 0;
        if (!json_is_boolean(v))
                return bad_key(key, "not a boolean", err);
        *ret = json_is_true(v);
        return 0;
}

static int check_strings(json_t *j, const char *key, bool required, struct eng_error **err)
{
        json_t *v = json_object_get(j, key), *e;
        size_t i;

        if (!v || json_is_null(v))
                return required ? bad_key(key, "missing", err) : 0;
        if (!json_is_array(v))
                return bad_key(key, "not an array", err);
        json_array_foreach(v, i, e)
                if (!json_is_string(e))
                        return bad_key(key, "not an array of strings", err);
        return 0;
}

static int decode(json_t *j, struct storage_container *c, struct eng_error **err)
{
        _cleanup_free_ char *state = NULL, *driver = NULL;
        json_t *restart = json_object_get(j, "restart"), *labels = json_object_get(j, "labels");
        int64_t version = 0, pid = 0, start = 0, mon = 0, code = 0, rcount = 0, rmax = 0;
        size_t i;

        if (!json_is_object(j))
                return eng_err(err, ENG_E_INVALID, 0, "not a JSON object");
        if (get_int(j, "version", 0, INT64_MAX, &version, err) < 0)
                return -1;
        if (version > STORAGE_CONTAINER_VERSION)
                return eng_err(err, ENG_E_INVALID, 0,
                               "written by a newer eng (record version %" PRId64
                               ", this eng reads %d)",
                               version, STORAGE_CONTAINER_VERSION);
        if (get_string(j, "id", true, &c->id, err) < 0 ||
            get_string(j, "name", true, &c->name, err) < 0 ||
            get_string(j, "image", true, &c->image, err) < 0 ||
            get_string(j, "image_id", true, &c->image_id, err) < 0 ||
            get_string(j, "created", true, &c->created, err) < 0 ||
            get_string(j, "state", true, &state, err) < 0 ||
            get_string(j, "driver", true, &driver, err) < 0 ||
            check_strings(j, "layers", true, err) < 0 ||
            check_strings(j, "ports", false, err) < 0 ||
            check_strings(j, "command", false, err) < 0 ||
            get_string(j, "started", false, &c->started, err) < 0 ||
            get_string(j, "finished", false, &c->finished, err) < 0 ||
            get_string(j, "error", false, &c->error, err) < 0 ||
            get_string(j, "network", false, &c->network, err) < 0 ||
            get_string(j, "stop_signal", false, &c->stop_signal, err) < 0 ||
            check_string(j, "image_name", err) < 0 ||
            get_int(j, "pid", 0, INT32_MAX, &pid, err) < 0 ||
            get_int(j, "pid_start", 0, INT64_MAX, &start, err) < 0 ||
            get_int(j, "monitor", 0, INT32_MAX, &mon, err) < 0 ||
            get_int(j, "exit_code", -1, 255, &code, err) < 0 ||
            get_int(j, "restart_count", 0, LONG_MAX, &rcount, err) < 0 ||
            get_bool(j, "rm", &c->rm, err) < 0 || get_bool(j, "tty", &c->tty, err) < 0 ||
            get_bool(j, "stdin", &c->interactive, err) < 0 ||
            get_bool(j, "stopped_by_user", &c->stopped_by_user, err) < 0)
                return -1;
        if (strlen(c->id) != 64 || strspn(c->id, "0123456789abcdef") != 64)
                return bad_key("id", "not 64 hex digits", err);
        for (i = 0; i < ELEMENTSOF(state_names); i++)
                if (strcmp(state, state_names[i]) == 0)
                        break;
        if (i == ELEMENTSOF(state_names))
                return eng_err(err, ENG_E_INVALID, 0, "\"state\" '%s' is unknown", state);
        c->state = (enum storage_container_state) i;
        if (storage_driver_parse(driver, &(enum storage_driver){ 0 }, err) < 0)
                return -1;
        if (labels && !json_is_object(labels))
                return bad_key("labels", "not an object", err);
        if (restart && !json_is_null(restart)) {
                if (!json_is_object(restart) ||
                    get_string(restart, "policy", true, &c->restart_policy, err) < 0 ||
                    get_int(restart, "max", 0, LONG_MAX, &rmax, err) < 0)
                        return json_is_object(restart) ? -1
                                                       : bad_key("restart", "not an object", err);
                if (strcmp(c->restart_policy, "always") != 0 &&
                    strcmp(c->restart_policy, "on-failure") != 0 &&
                    strcmp(c->restart_policy, "unless-stopped") != 0)
                        return eng_err(err, ENG_E_INVALID, 0, "restart policy '%s' is unknown",
                                       c->restart_policy);
        }
        c->pid = pid;
        c->pid_start = (uint64_t) start;
        c->monitor = mon;
        c->has_exit_code = json_object_get(j, "exit_code") != NULL;
        c->exit_code = (int) code;
        c->restart_count = (long) rcount;
        c->restart_max = (long) rmax;
        c->json = json_incref(j);
        return 0;
}

int storage_container_decode(json_t *j, struct storage_container *ret, struct eng_error **err)
{
        struct storage_container c = { 0 };

        if (decode(j, &c, err) < 0) {
                storage_container_release(&c);
                return -1;
        }
        *ret = c;
        return 0;
}

static void set_string(json_t *j, const char *key, const char *v)
{
        if (v)
                json_object_set_new(j, key, json_string(v));
        else
                json_object_del(j, key);
}

json_t *storage_container_encode(const struct storage_container *c)
{
        json_t *j = c->json ? json_deep_copy(c->json) : json_object();

        json_object_set_new(j, "version", json_integer(STORAGE_CONTAINER_VERSION));
        set_string(j, "id", c->id);
        set_string(j, "name", c->name);
        set_string(j, "image", c->image);
        set_string(j, "image_id", c->image_id);
        set_string(j, "created", c->created);
        set_string(j, "state", storage_container_state_name(c->state));
        set_string(j, "started", c->started);
        set_string(j, "finished", c->finished);
        set_string(j, "error", c->error);
        set_string(j, "network", c->network);
        set_string(j, "stop_signal", c->stop_signal);
        json_object_set_new(j, "pid", json_integer(c->pid));
        if (c->pid_start)
                json_object_set_new(j, "pid_start", json_integer((json_int_t) c->pid_start));
        else
                json_object_del(j, "pid_start");
        if (c->monitor)
                json_object_set_new(j, "monitor", json_integer(c->monitor));
        else
                json_object_del(j, "monitor");
        if (c->has_exit_code)
                json_object_set_new(j, "exit_code", json_integer(c->exit_code));
        else
                json_object_del(j, "exit_code");
        json_object_set_new(j, "rm", json_boolean(c->rm));
        json_object_set_new(j, "tty", json_boolean(c->tty));
        json_object_set_new(j, "stdin", json_boolean(c->interactive));
        if (c->stopped_by_user)
                json_object_set_new(j, "stopped_by_user", json_true());
        else
                json_object_del(j, "stopped_by_user");
        if (c->restart_policy)
                json_object_set_new(j, "restart",
                                    json_pack("{s:s,s:I}", "policy", c->restart_policy, "max",
                                              (json_int_t) c->restart_max));
        else
                json_object_del(j, "restart");
        if (c->restart_count)
                json_object_set_new(j, "restart_count", json_integer(c->restart_count));
        else
                json_object_del(j, "restart_count");
        return j;
}

void storage_container_release(struct storage_container *c)
{
        free(c->id);
        free(c->name);
        free(c->image);
        free(c->image_id);
        free(c->created);
        free(c->started);
        free(c->finished);
        free(c->error);
        free(c->restart_policy);
        free(c->network);
        free(c->stop_signal);
        json_decref(c->json);
        *c = (struct storage_container){ 0 };
}

/* The records under containers/: the good ones in @ret_good, the damaged
 * ones' directory names and why in @ret_bad (either may be NULL). */
static int list_records(struct storage_store *s, json_t **ret_good, json_t **ret_bad,
                        struct eng_error **err)
{
        _cleanup_free_ char *dir = eng_xasprintf("%s/containers", s->root);
        _cleanup_closedir_ DIR *d = opendir(dir);
        json_t *good = json_array(), *bad = json_object();
        struct dirent *de;

        if (!d && errno != ENOENT) {
                json_decref(good);
                json_decref(bad);
                return eng_err(err, ENG_E_SYS, errno, "reading '%s'", dir);
        }
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *cdir = NULL;
                struct storage_container c = { 0 };
                struct eng_error *e = NULL;
                json_t *r;

                if (de->d_name[0] == '.')
                        continue;
                cdir = eng_xasprintf("%s/%s", dir, de->d_name);
                r = read_record(cdir, &e);
                if (r && storage_container_decode(r, &c, &e) == 0 &&
                    strcmp(c.id, de->d_name) != 0) {
                        storage_container_release(&c);
                        eng_err(&e, ENG_E_INVALID, 0, "\"id\" is not its directory's name");
                }
                if (e) {
                        json_object_set_new(bad, de->d_name, json_string(e->msg));
                        eng_err_free(e);
                        json_decref(r);
                        continue;
                }
                storage_container_release(&c);
                json_array_append_new(good, r);
        }
        if (ret_good)
                *ret_good = good;
        else
                json_decref(good);
        if (ret_bad)
                *ret_bad = bad;
        else
                json_decref(bad);
        return 0;
}

json_t *storage_container_damaged(struct storage_store *s, struct eng_error **err)
{
        json_t *bad;

        return list_records(s, NULL, &bad, err) < 0 ? NULL : bad;
}

int storage_container_set_aside(struct storage_store *s, const char *hex, char **ret_path,
                                struct eng_error **err)
{
        _cleanup_free_ char *from = storage_container_dir(s, hex);
        _cleanup_free_ char *aside = eng_xasprintf("%s/damaged", s->root);
        _cleanup_free_ char *to = eng_xasprintf("%s/%s", aside, hex_of(hex));
        int r = -1;

        if (storage_store_lock(s, err) < 0)
                return -1;
        if (mkdir(aside, 0700) < 0 && errno != EEXIST)
                eng_err(err, ENG_E_SYS, errno, "creating '%s'", aside);
        else if (rename(from, to) < 0)
                eng_err(err, ENG_E_SYS, errno, "moving '%s' to '%s'", from, to);
        else
                r = 0;
        storage_store_unlock(s);
        if (r == 0 && ret_path)
                *ret_path = TAKE_PTR(to);
        return r;
}

json_t *storage_container_list(struct storage_store *s, struct eng_error **err)
{
        _cleanup_json_ json_t *bad = NULL;
        json_t *good;
        const char *k;
        json_t *v;

        if (list_records(s, &good, &bad, err) < 0)
                return NULL;
        json_object_foreach(bad, k, v)
                eng_log_warn("skipping container %.12s: its record is damaged: %s", k,
                             json_string_value(v));
        return good;
}

/* podman's rule for names, [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 253 long (a DNS
 * name: it goes into /etc/hosts) */
static bool name_valid(const char *n)
{
        if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') || (*n >= '0' && *n <= '9')))
                return false;
        for (const char *c = n + 1; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                      (*c >= '0' && *c <= '9') || *c == '_' || *c == '.' || *c == '-'))
                        return false;
        return strlen(n) <= 253;
}

/* a name of 64 hex digits would read as another container's full id */
static bool name_is_id(const char *n)
{
        return strlen(n) == 64 && strspn(n, "0123456789abcdef") == 64;
}

static int check_name(const char *name, struct eng_error **err)
{
        if (!name_valid(name))
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "'%s' is not a valid container name: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 253 characters",
                        name);
        if (name_is_id(name))
                return eng_err(err, ENG_E_USAGE, 0,
                               "'%s' is not a valid container name: it has the form of an ID",
                               name);
        return 0;
}

json_t *storage_container_get(struct storage_store *s, const char *name, struct eng_error **err)
{
        _cleanup_json_ json_t *all = NULL, *bad = NULL;
        json_t *r, *found = NULL;
        size_t i, nlen = strlen(name), matches = 0;
        const char *k, *bad_match = NULL;

        if (list_records(s, &all, &bad, err) < 0)
                return NULL;
        /* a full id first, then a name, then an id's prefix (podman) */
        json_array_foreach(all, i, r)
                if (strcmp(hex_of(json_string_value(json_object_get(r, "id"))), name) == 0)
                        return json_incref(r);
        json_array_foreach(all, i, r) {
                const char *n = json_string_value(json_object_get(r, "name"));

                if (n && strcmp(n, name) == 0)
                        return json_incref(r);
        }
        json_array_foreach(all, i, r) {
                const char *id = hex_of(json_string_value(json_object_get(r, "id")));

                if (strncmp(id, name, nlen) == 0) {
                        found = r;
                        matches++;
                }
        }
        json_object_foreach(bad, k, r)
                if (nlen > 0 && strncmp(k, name, nlen) == 0) {
                        bad_match = k;
                        matches++;
                }
        if (matches == 1 && bad_match)
                eng_err(err, ENG_E_INVALID, 0,
                        "container %.12s: its record is damaged: %s; 'eng rm -f %.12s' removes it, 'eng system check --repair' sets it aside",
                        bad_match, json_string_value(json_object_get(bad, bad_match)), bad_match);
        else if (matches == 1 && nlen > 0)
                return json_incref(found);
        else if (matches > 1)
                eng_err(err, ENG_E_USAGE, 0, "'%s' matches more than one container", name);
        else
                eng_err(err, ENG_E_NOTFOUND, 0,
                        "no container with name or ID '%s' found: no such container", name);
        return NULL;
}

int storage_container_load(struct storage_store *s, const char *name, struct storage_container *ret,
                           struct eng_error **err)
{
        _cleanup_json_ json_t *j = storage_container_get(s, name, err);

        return j ? storage_container_decode(j, ret, err) : -1;
}

int storage_container_save(struct storage_store *s, const struct storage_container *c,
                           struct eng_error **err)
{
        _cleanup_json_ json_t *j = storage_container_encode(c);

        return storage_container_update(s, j, err);
}

int storage_container_update(struct storage_store *s, json_t *record, struct eng_error **err)
{
        _cleanup_free_ char *dir =
                storage_container_dir(s, json_string_value(json_object_get(record, "id")));
        int r;

        if (storage_store_lock(s, err) < 0)
                return -1;
        r = access(dir, F_OK) == 0
                    ? write_record(dir, record, err)
                    : eng_err(err, ENG_E_NOTFOUND, 0, "the container was removed meanwhile");
        storage_store_unlock(s);
        return r;
}

char *storage_container_files_dir(struct storage_store *s, json_t *record)
{
        const char *building = json_string_value(json_object_get(record, "_building"));

        if (building)
                return eng_xstrdup(building);
        return storage_container_dir(s, json_string_value(json_object_get(record, "id")));
}

int storage_container_create(struct storage_store *s, json_t *record, json_t *layers,
                             enum storage_driver driver, const struct storage_keep_id *keep_id,
                             int (*fill)(void *arg, struct eng_error **err), void *fill_arg,
                             struct eng_error **err)
{
        const char *id = json_string_value(json_object_get(record, "id"));
        const char *name = json_string_value(json_object_get(record, "name"));
        _cleanup_free_ char *tmp = NULL, *dir = NULL;
        _cleanup_json_ json_t *all = NULL;
        const char *subs[] = { "diff", "work", "rootfs", "userdata" };
        json_t *r;
        size_t i;
        int ret = -1;

        if (!name || check_name(name, err) < 0)
                return name ? -1 : eng_err(err, ENG_E_USAGE, 0, "the container has no name");
        if (keep_id)
                driver = STORAGE_DRIVER_VFS; /* the copy is where owners are shifted */
        json_object_set(record, "layers", layers);
        json_object_set_new(record, "driver", json_string(storage_driver_name(driver)));
        tmp = storage_tmpdir(s, "container", err);
        if (!tmp)
                return -1;
        for (i = 0; i < ELEMENTSOF(subs); i++) {
                _cleanup_free_ char *d = eng_xasprintf("%s/%s", tmp, subs[i]);

                /* the upper directory's mode is the root's, seen by every user
                 * inside: 0555, as podman's (containers/storage never takes a
                 * layer's "./" entry for it); root inside writes there all the same */
                if (mkdir(d, i == 0 || i == 2 ? 0555 : 0700) < 0) {
                        eng_err(err, ENG_E_SYS, errno, "creating '%s'", d);
                        goto fail;
                }
        }
        if (storage_driver_ops(driver)->prepare) {
                _cleanup_strv_ char **layer_dirs = NULL;
                json_t *l;

                json_array_foreach(layers, i, l) {
                        _cleanup_free_ char *ld = storage_layer_dir(s, json_string_value(l));

                        eng_strv_consume(&layer_dirs, eng_xasprintf("%s/diff", ld));
                }
                if (storage_driver_ops(driver)->prepare(s, tmp, layer_dirs, keep_id, err) < 0)
                        goto fail;
        }
        {
                /* overlay needs a lower layer: an image of none gets an empty one */
                _cleanup_free_ char *empty = eng_xasprintf("%s/userdata/empty", tmp);

                if (json_array_size(layers) == 0 && mkdir(empty, 0755) < 0) {
                        eng_err(err, ENG_E_SYS, errno, "creating '%s'", empty);
                        goto fail;
                }
        }
        if (fill) {
                json_object_set_new(record, "_building", json_string(tmp));
                ret = fill(fill_arg, err);
                json_object_del(record, "_building");
                if (ret < 0)
                        goto fail;
                ret = -1;
        }
        {
                /* what goes into place reads back */
                struct storage_container c = { 0 };

                json_object_set_new(record, "version", json_integer(STORAGE_CONTAINER_VERSION));
                if (storage_container_decode(record, &c, err) < 0) {
                        eng_err_wrap(err, "the record of container %s", name);
                        goto fail;
                }
                storage_container_release(&c);
        }
        if (write_record(tmp, record, err) < 0)
                goto fail;
        dir = storage_container_dir(s, id);
        {
                /* the name is unique when the container goes into place */
                _cleanup_store_unlock_ struct storage_store *locked =
                        storage_store_lock_guard(s, err);

                if (!locked)
                        goto fail;
                all = storage_container_list(s, err);
                if (!all)
                        goto fail;
                json_array_foreach(all, i, r) {
                        const char *n = json_string_value(json_object_get(r, "name"));

                        if (name && n && strcmp(n, name) == 0) {
                                eng_err(err, ENG_E_USAGE, EEXIST,
                                        "the container name '%s' is already in use by %.12s: choose another name or remove that container",
                                        name, hex_of(json_string_value(json_object_get(r, "id"))));
                                goto fail;
                        }
                }
                if (rename(tmp, dir) < 0) {
                        eng_err(err, ENG_E_SYS, errno, "moving container %s into place", id);
                        goto fail;
                }
        }
        return 0;
fail : {
        struct eng_error *e = NULL;

        if (storage_remove_tree(s, tmp, &e) < 0)
                eng_err_warn_and_free(&e);
}
        return ret;
}

int storage_container_delete(struct storage_store *s, const char *id, struct eng_error **err)
{
        _cleanup_free_ char *dir = storage_container_dir(s, id);
        _cleanup_free_ char *tmp = NULL;
        int r;

        /* Renamed away first, under the lock: it is gone for everyone at once. */
        tmp = storage_tmpdir(s, "rm-container", err);
        if (!tmp)
                return -1;
        if (storage_store_lock(s, err) < 0)
                return -1;
        (void) rmdir(tmp);
        r = rename(dir, tmp);
        storage_store_unlock(s);
        if (r < 0)
                return eng_err(err, errno == ENOENT ? ENG_E_NOTFOUND : ENG_E_SYS, errno,
                               "removing container %.12s", hex_of(id));
        /* Most of a container is the user's own (its root is the user): a plain
         * removal, and the user namespace only for what subordinate ids own. */
        {
                struct eng_error *e = NULL;

                if (eng_rm_rf(tmp, &e) == 0)
                        return 0;
                eng_log_debug("removing container %.12s in the user namespace: %s", hex_of(id),
                              e->msg);
                eng_err_free(e);
        }
        return storage_remove_tree(s, tmp, err);
}

/* the driver a record names; its own field is checked when records are decoded */
static const struct storage_driver_ops *record_driver(json_t *record)
{
        const char *name = json_string_value(json_object_get(record, "driver"));
        enum storage_driver d = STORAGE_DRIVER_OVERLAY;
        struct eng_error *e = NULL;

        if (name && storage_driver_parse(name, &d, &e) < 0)
                eng_err_free(e);
        return storage_driver_ops(d);
}

void storage_container_root(struct storage_store *s, json_t *record, struct storage_root *ret)
{
        const char *id = json_string_value(json_object_get(record, "id"));
        _cleanup_free_ char *dir = storage_container_dir(s, id);
        json_t *layers = json_object_get(record, "layers");
        _cleanup_strbuf_ struct eng_strbuf lower = ENG_STRBUF_INIT;
        char **opts = NULL;

        ret->kind = record_driver(record)->root;
        ret->path = eng_xasprintf("%s/rootfs", dir);
        ret->options = NULL;
        if (ret->kind == STORAGE_ROOT_DIR)
                return;
        for (size_t i = json_array_size(layers); i-- > 0;) {
                _cleanup_free_ char *ld =
                        storage_layer_dir(s, json_string_value(json_array_get(layers, i)));

                eng_strbuf_addf(&lower, "%s%s/diff", lower.len ? ":" : "", ld);
        }
        /* overlay needs a lower layer: an image of none gets an empty one of its own */
        if (json_array_size(layers) == 0)
                eng_strbuf_addf(&lower, "%s/userdata/empty", dir);
        eng_strv_consume(&opts, eng_xasprintf("lowerdir=%s", eng_strbuf_str(&lower)));
        eng_strv_consume(&opts, eng_xasprintf("upperdir=%s/diff", dir));
        eng_strv_consume(&opts, eng_xasprintf("workdir=%s/work", dir));
        eng_strv_push(&opts, "userxattr");
        ret->options = opts;
}

void storage_root_release(struct storage_root *r)
{
        free(r->path);
        eng_strv_free(r->options);
        r->path = NULL;
        r->options = NULL;
}

/* Whether @dir/@rel (or one of its parents) is hidden by this layer. */
static int lookup_in(const char *dir, const char *rel, size_t max, char **ret, bool *ret_stop,
                     struct eng_error **err)
{
        _cleanup_free_ char *p = eng_xstrdup(rel);
        struct stat st;
        char *slash;

        *ret_stop = false;
        /* A whiteout or opaque directory on the way down ends the search here. */
        for (slash = strchr(p + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
                _cleanup_free_ char *part = NULL;

                *slash = '\0';
                part = eng_xasprintf("%s%s", dir, p);
                *slash = '/';
                if (lstat(part, &st) < 0)
                        return -ENOENT;
                if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
                        *ret_stop = true;
                        return -ENOENT;
                }
                if (!S_ISDIR(st.st_mode)) {
                        *ret_stop = true;
                        return -ENOENT;
                }
        }
        {
                _cleanup_free_ char *full = eng_xasprintf("%s%s", dir, p);
                size_t len;

                if (lstat(full, &st) < 0)
                        return -ENOENT;
                *ret_stop = true;
                if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
                        return -ENOENT;
                if (!S_ISREG(st.st_mode))
                        return -ENOENT;
                {
                        /* the image's file: what it is when opened counts, not what
                         * it was at the lstat (a FIFO or device must not block us) */
                        _cleanup_close_ int fd = open(full, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
                                                                    O_NOCTTY | O_CLOEXEC);

                        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                                return -ENOENT;
                        return eng_read_file_fd(fd, full, max, ret, &len, err);
                }
        }
}

static bool parent_opaque(const char *dir, const char *rel)
{
        _cleanup_free_ char *p = eng_xstrdup(rel);
        char v[4];

        for (char *slash = strrchr(p, '/'); slash && slash != p; slash = strrchr(p, '/')) {
                _cleanup_free_ char *part = NULL;

                *slash = '\0';
                part = eng_xasprintf("%s%s", dir, p);
                if (lgetxattr(part, "user.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y')
                        return true;
        }
        return false;
}

int storage_container_read_file(struct storage_store *s, json_t *record, const char *path,
                                size_t max, char **ret_data, struct eng_error **err)
{
        _cleanup_free_ char *cdir = storage_container_files_dir(s, record);
        json_t *layers = json_object_get(record, "layers");
        _cleanup_strv_ char **dirs = NULL;
        bool stop;
        int r;

        if (record_driver(record)->root == STORAGE_ROOT_DIR)
                eng_strv_consume(&dirs, eng_xasprintf("%s/rootfs", cdir));
        else {
                eng_strv_consume(&dirs, eng_xasprintf("%s/diff", cdir));
                for (size_t i = json_array_size(layers); i-- > 0;) {
                        _cleanup_free_ char *ld =
                                storage_layer_dir(s, json_string_value(json_array_get(layers, i)));

                        eng_strv_consume(&dirs, eng_xasprintf("%s/diff", ld));
                }
        }
        ENG_STRV_FOREACH(d, dirs) {
                r = lookup_in(*d, path, max, ret_data, &stop, err);
                if (r == 0)
                        return 0;
                if (r != -ENOENT)
                        return r;
                if (stop || parent_opaque(*d, path))
                        break;
        }
        return -ENOENT;
}

int storage_container_rename(struct storage_store *s, json_t *record, const char *name,
                             struct eng_error **err)
{
        const char *id = json_string_value(json_object_get(record, "id"));
        _cleanup_free_ char *dir = storage_container_dir(s, id);
        _cleanup_json_ json_t *all = NULL, *fresh = NULL;
        _cleanup_store_unlock_ struct storage_store *locked = NULL;
        json_t *r;
        size_t i;

        if (check_name(name, err) < 0)
                return -1;
        locked = storage_store_lock_guard(s, err);
        if (!locked)
                return -1;
        all = storage_container_list(s, err);
        if (!all)
                return -1;
        json_array_foreach(all, i, r) {
                const char *n = json_string_value(json_object_get(r, "name"));

                if (n && strcmp(n, name) == 0 &&
                    strcmp(json_string_value(json_object_get(r, "id")), id) != 0)
                        return eng_err(err, ENG_E_USAGE, EEXIST,
                                       "the container name '%s' is already in use by %.12s", name,
                                       hex_of(json_string_value(json_object_get(r, "id"))));
        }
        /* the record as it is on disk now, with only the name changed */
        fresh = read_record(dir, err);
        if (!fresh)
                return -1;
        json_object_set_new(fresh, "name", json_string(name));
        if (write_record(dir, fresh, err) < 0)
                return -1;
        json_object_set_new(record, "name", json_string(name));
        return 0;
}

int storage_container_lock(struct storage_store *s, const char *id, struct eng_error **err)
{
        _cleanup_free_ char *dir = storage_container_dir(s, id);
        _cleanup_free_ char *path = eng_xasprintf("%s/lock", dir);
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

        if (fd < 0)
                return eng_err(err, errno == ENOENT ? ENG_E_NOTFOUND : ENG_E_SYS, errno,
                               "locking container %.12s", hex_of(id));
        while (flock(fd, LOCK_EX) < 0) {
                if (errno != EINTR) {
                        int e = errno;

                        close(fd);
                        return eng_err(err, ENG_E_SYS, e, "locking container %.12s", hex_of(id));
                }
        }
        return fd;
}
