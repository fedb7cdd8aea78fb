/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "storage/container.h"
#include "storage/store.h"

#include "common/banned.h"

#define RECORD_MAX (16 * 1024 * 1024)

static const char *const subdirs[] = { "tmp",    "blobs",  "blobs/sha256",
                                       "layers", "images", "containers" };

/* A partial download nobody resumed for this long is dropped. */
#define PARTIAL_MAX_AGE (7 * 24 * 3600)

/* Remove tmp/PARTIAL if it is old and no pull holds it. */
static void expire_partial(const char *dir, const char *name)
{
        _cleanup_free_ char *p = eng_xasprintf("%s/%s", dir, name);
        _cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0 || time(NULL) - st.st_mtime < PARTIAL_MAX_AGE)
                return;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0)
                return; /* a pull is writing it */
        eng_log_debug("removing '%s', a partial download older than a week", p);
        (void) unlink(p);
}

/*
 * The creator of the tmp/ entry @name (PREFIX-PID-XXXXXX, storage_tmpdir(),
 * where PREFIX may hold dashes itself: "rm-container"), when it is gone;
 * 0 when it lives or the name is of another form.
 */
static long tmp_entry_orphan(const char *name)
{
        const char *last = strrchr(name, '-'), *dash;
        char *end;
        long pid;

        if (!last || last == name || strncmp(name, "partial-", 8) == 0)
                return 0;
        for (dash = last - 1; dash > name && *dash != '-'; dash--)
                ;
        if (*dash != '-')
                return 0;
        pid = strtol(dash + 1, &end, 10);
        if (pid <= 0 || end != last)
                return 0;
        return kill((pid_t) pid, 0) < 0 && errno == ESRCH ? pid : 0;
}

/*
 * Remove tmp/ entries whose creator (the PID in their name) is gone, and
 * partial downloads left for more than a week.
 */
void storage_store_clean_tmp(struct storage_store *s)
{
        _cleanup_free_ char *tmp = eng_xasprintf("%s/tmp", s->root);
        _cleanup_closedir_ DIR *d = opendir(tmp);
        struct dirent *de;

        while (d && (de = readdir(d))) {
                long pid;

                if (de->d_name[0] == '.')
                        continue;
                if (strncmp(de->d_name, "partial-", 8) == 0) {
                        expire_partial(tmp, de->d_name);
                        continue;
                }
                pid = tmp_entry_orphan(de->d_name);
                if (pid > 0) {
                        struct eng_error *e = NULL;
                        _cleanup_free_ char *p = eng_xasprintf("%s/%s", tmp, de->d_name);

                        eng_log_debug("removing '%s', left by process %ld", p, pid);
                        if (storage_remove_tree(s, p, &e) < 0)
                                eng_err_warn_and_free(&e);
                }
        }
}

static int rm_child(void *arg, struct eng_error **err)
{
        return eng_rm_rf(arg, err);
}

int storage_remove_tree(struct storage_store *s, const char *path, struct eng_error **err)
{
        if (!s->map)
                return eng_rm_rf(path, err);
        /* The path is in our memory; the forked child reads its copy. */
        return eng_userns_run(s->map, 0, rm_child, (void *) path, err);
}

int storage_store_open(struct storage_store *s, const char *root, const struct eng_idmap *map,
                       struct eng_error **err)
{
        *s = (struct storage_store){ .root_fd = -1, .lock_fd = -1, .hold_fd = -1, .map = map };
        if (eng_mkdir_p(root, 0700, err) < 0)
                return eng_err_wrap(err, "opening the store '%s'", root);
        for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
                _cleanup_free_ char *d = eng_xasprintf("%s/%s", root, subdirs[i]);

                if (mkdir(d, 0700) < 0 && errno != EEXIST)
                        return eng_err(err, ENG_E_SYS, errno, "opening the store: creating '%s'",
                                       d);
        }
        s->root = eng_xstrdup(root);
        s->map = map;
        s->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->root_fd < 0) {
                int e = errno;
                storage_store_close(s);
                return eng_err(err, ENG_E_SYS, e, "opening the store '%s'", root);
        }
        /* Only a store that can remove subordinate-owned files cleans up. */
        if (map)
                storage_store_clean_tmp(s);
        return 0;
}

void storage_store_close(struct storage_store *s)
{
        storage_store_unlock(s);
        eng_close_safe(s->hold_fd);
        eng_close_safe(s->root_fd);
        free(s->root);
        *s = (struct storage_store){ .root_fd = -1, .lock_fd = -1, .hold_fd = -1 };
}

/* flock @name under the root; returns the fd (-1 with *err on failure) */
static int flock_file(struct storage_store *s, const char *name, int how, struct eng_error **err)
{
        _cleanup_free_ char *p = eng_xasprintf("%s/%s", s->root, name);
        int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

        if (fd < 0) {
                eng_err(err, ENG_E_SYS, errno, "opening the lock '%s'", p);
                return -1;
        }
        while (flock(fd, how) < 0) {
                if (errno != EINTR) {
                        int e = errno;
                        eng_close_safe(fd);
                        eng_err(err, ENG_E_SYS, e, "locking '%s'", p);
                        return -1;
                }
        }
        return fd;
}

int storage_store_hold(struct storage_store *s, struct eng_error **err)
{
        if (s->hold_fd >= 0)
                return 0;
        s->hold_fd = flock_file(s, "gc.lock", LOCK_SH, err);
        return s->hold_fd < 0 ? -1 : 0;
}

int storage_store_lock(struct storage_store *s, struct eng_error **err)
{
        if (s->lock_fd >= 0)
                return 0;
        s->lock_fd = flock_file(s, "store.lock", LOCK_EX, err);
        return s->lock_fd < 0 ? -1 : 0;
}

void storage_store_unlock(struct storage_store *s)
{
        /* Closing the fd drops the flock. */
        s->lock_fd = eng_close_safe(s->lock_fd);
}

char *storage_tmpdir(struct storage_store *s, const char *prefix, struct eng_error **err)
{
        char *p = eng_xasprintf("%s/tmp/%s-%ld-XXXXXX", s->root, prefix, (long) getpid());

        if (!mkdtemp(p)) {
                eng_err(err, ENG_E_SYS, errno, "creating a directory in '%s/tmp'", s->root);
                free(p);
                return NULL;
        }
        return p;
}

static const char *hex_of(const char *digest)
{
        const char *colon = strchr(digest, ':');

        return colon ? colon + 1 : digest;
}

char *storage_blob_path(struct storage_store *s, const char *digest)
{
        return eng_xasprintf("%s/blobs/sha256/%s", s->root, hex_of(digest));
}

int storage_blob_put(struct storage_store *s, const char *digest, const void *data, size_t len,
                     struct eng_error **err)
{
        _cleanup_free_ char *p = storage_blob_path(s, digest);

        return eng_write_file_atomic(p, data, len, 0600, err);
}

int storage_blob_get(struct storage_store *s, const char *digest, size_t max, char **ret_data,
                     size_t *ret_len, struct eng_error **err)
{
        _cleanup_free_ char *p = storage_blob_path(s, digest);

        return eng_read_file(p, max, ret_data, ret_len, err);
}

char *storage_layer_dir(struct storage_store *s, const char *chain_id)
{
        return eng_xasprintf("%s/layers/%s", s->root, hex_of(chain_id));
}

bool storage_layer_exists(struct storage_store *s, const char *chain_id)
{
        _cleanup_free_ char *dir = storage_layer_dir(s, chain_id);
        _cleanup_free_ char *p = eng_xasprintf("%s/layer.json", dir);

        return access(p, F_OK) == 0;
}

json_t *storage_layer_info(struct storage_store *s, const char *chain_id, struct eng_error **err)
{
        _cleanup_free_ char *dir = storage_layer_dir(s, chain_id);
        _cleanup_free_ char *file = eng_xasprintf("%s/layer.json", dir);
        _cleanup_free_ char *data = NULL;
        json_t *j;

        if (eng_read_file(file, RECORD_MAX, &data, NULL, err) < 0)
                return NULL;
        j = json_loads(data, 0, NULL);
        if (!json_is_object(j)) {
                json_decref(j);
                eng_err(err, ENG_E_INVALID, 0, "the layer record '%s' is damaged", file);
                return NULL;
        }
        return j;
}

int storage_layer_commit(struct storage_store *s, const char *tmp, const char *chain_id,
                         json_t *info, struct eng_error **err)
{
        _cleanup_free_ char *dest = storage_layer_dir(s, chain_id);
        _cleanup_free_ char *json = json_dumps(info, JSON_COMPACT);
        _cleanup_free_ char *file = eng_xasprintf("%s/layer.json", tmp);

        if (eng_write_file_atomic(file, json, strlen(json), 0600, err) < 0)
                return -1;
        if (rename(tmp, dest) < 0) {
                if (errno == EEXIST || errno == ENOTEMPTY) {
                        struct eng_error *e = NULL;

                        /* Stored by a pull running beside us: keep that one. */
                        if (storage_remove_tree(s, tmp, &e) < 0)
                                eng_err_warn_and_free(&e);
                        return 0;
                }
                return eng_err(err, ENG_E_SYS, errno, "moving layer %s into place", chain_id);
        }
        return 0;
}

char *storage_chain_id(const char *parent, const char *diff_id)
{
        _cleanup_free_ char *in = NULL;

        if (!parent)
                return eng_xstrdup(diff_id);
        in = eng_xasprintf("%s %s", parent, diff_id);
        return eng_digest_of(in, strlen(in));
}

/* --- image records */

static char *image_file(struct storage_store *s, const char *id)
{
        return eng_xasprintf("%s/images/%s/image.json", s->root, hex_of(id));
}

static int write_image(struct storage_store *s, json_t *image, struct eng_error **err)
{
        const char *id = json_string_value(json_object_get(image, "id"));
        _cleanup_free_ char *dir = eng_xasprintf("%s/images/%s", s->root, hex_of(id));
        _cleanup_free_ char *file = image_file(s, id);
        _cleanup_free_ char *json = json_dumps(image, JSON_INDENT(1));

        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return eng_err(err, ENG_E_SYS, errno, "creating '%s'", dir);
        return eng_write_file_atomic(file, json, strlen(json), 0600, err);
}

json_t *storage_image_list(struct storage_store *s, struct eng_error **err)
{
        _cleanup_free_ char *dir = eng_xasprintf("%s/images", s->root);
        _cleanup_closedir_ DIR *d = opendir(dir);
        json_t *list = json_array();
        struct dirent *de;

        if (!d) {
                json_decref(list);
                eng_err(err, ENG_E_SYS, errno, "reading '%s'", dir);
                return NULL;
        }
        while ((de = readdir(d))) {
                _cleanup_free_ char *file = NULL, *data = NULL;
                struct eng_error *e = NULL;
                json_t *img;

                if (de->d_name[0] == '.')
                        continue;
                file = eng_xasprintf("%s/%s/image.json", dir, de->d_name);
                if (eng_read_file(file, RECORD_MAX, &data, NULL, &e) < 0) {
                        /* a directory whose record is not written yet */
                        eng_err_free(e);
                        continue;
                }
                img = json_loads(data, 0, NULL);
                if (!json_is_object(img) || !json_is_string(json_object_get(img, "id"))) {
                        eng_log_warn(
                                "ignoring the damaged image record '%s' ('eng system check --repair' removes it)",
                                file);
                        json_decref(img);
                        continue;
                }
                json_array_append_new(list, img);
        }
        return list;
}

static bool array_has(json_t *a, const char *s)
{
        size_t i;
        json_t *v;

        json_array_foreach(a, i, v) {
                if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
                        return true;
        }
        return false;
}

int storage_image_put(struct storage_store *s, json_t *image, struct eng_error **err)
{
        _cleanup_store_unlock_ struct storage_store *locked = storage_store_lock_guard(s, err);
        _cleanup_json_ json_t *list = NULL;
        const char *id = json_string_value(json_object_get(image, "id"));
        json_t *names = json_object_get(image, "names");
        json_t *digests = json_object_get(image, "digests");
        json_t *other;
        size_t i;

        if (!locked)
                return -1;
        list = storage_image_list(s, err);
        if (!list)
                return -1;
        json_array_foreach(list, i, other) {
                const char *oid = json_string_value(json_object_get(other, "id"));
                json_t *onames = json_object_get(other, "names");

                if (strcmp(oid, id) == 0) {
                        /* The same image again: keep its names and digests too. */
                        size_t k;
                        json_t *v;
                        json_array_foreach(onames, k, v) {
                                if (json_is_string(v) && !array_has(names, json_string_value(v)))
                                        json_array_append(names, v);
                        }
                        json_array_foreach(json_object_get(other, "digests"), k, v) {
                                if (json_is_string(v) && !array_has(digests, json_string_value(v)))
                                        json_array_append(digests, v);
                        }
                        continue;
                }
                /* A name moves to the image pulled last, as tags do. */
                bool changed = false;
                for (size_t k = json_array_size(onames); k-- > 0;) {
                        json_t *v = json_array_get(onames, k);
                        if (json_is_string(v) && array_has(names, json_string_value(v))) {
                                json_array_remove(onames, k);
                                changed = true;
                        }
                }
                if (changed && write_image(s, other, err) < 0)
                        return -1;
        }
        return write_image(s, image, err);
}

static json_t *read_image(struct storage_store *s, const char *id, struct eng_error **err)
{
        _cleanup_free_ char *file = image_file(s, id);
        _cleanup_free_ char *data = NULL;
        json_t *img;

        if (eng_read_file(file, RECORD_MAX, &data, NULL, err) < 0)
                return NULL;
        img = json_loads(data, 0, NULL);
        if (!json_is_object(img)) {
                json_decref(img);
                eng_err(err, ENG_E_INVALID, 0, "the image record '%s' is damaged", file);
                return NULL;
        }
        return img;
}

int storage_image_untag(struct storage_store *s, const char *id, const char *name,
                        struct eng_error **err)
{
        _cleanup_store_unlock_ struct storage_store *locked = storage_store_lock_guard(s, err);
        _cleanup_json_ json_t *img = NULL;
        json_t *names;

        if (!locked)
                return -1;
        img = read_image(s, id, err);
        if (!img)
                return -1;
        /* a tag is among the names, "repo@sha256:..." among the digests */
        names = json_object_get(img, strchr(name, '@') ? "digests" : "names");
        for (size_t k = json_array_size(names); k-- > 0;)
                if (strcmp(json_string_value(json_array_get(names, k)), name) == 0)
                        json_array_remove(names, k);
        return write_image(s, img, err);
}

/* Remove the layers and blobs no image record names. */
static int collect_garbage(struct storage_store *s, struct eng_error **err)
{
        _cleanup_json_ json_t *list = storage_image_list(s, err);
        _cleanup_json_ json_t *used = json_object();
        const char *kinds[] = { "layers", "blobs/sha256" };
        json_t *img;
        size_t i;

        if (!list)
                return -1;
        json_array_foreach(list, i, img) {
                size_t k;
                json_t *v;
                const char *m = json_string_value(json_object_get(img, "manifest"));
                const char *c = json_string_value(json_object_get(img, "config"));
                const char *x = json_string_value(json_object_get(img, "index"));

                json_array_foreach(json_object_get(img, "layers"), k, v)
                        json_object_set_new(used, hex_of(json_string_value(v)), json_true());
                if (m)
                        json_object_set_new(used, hex_of(m), json_true());
                if (c)
                        json_object_set_new(used, hex_of(c), json_true());
                if (x)
                        json_object_set_new(used, hex_of(x), json_true());
        }
        /* Containers keep the layers they are made of. */
        {
                _cleanup_free_ char *cdir = eng_xasprintf("%s/containers", s->root);
                _cleanup_closedir_ DIR *d = opendir(cdir);
                struct dirent *de;

                while (d && (de = readdir(d))) {
                        _cleanup_free_ char *rp = NULL, *data = NULL;
                        _cleanup_json_ json_t *rec = NULL;
                        struct eng_error *e = NULL;
                        json_t *v;
                        size_t k;

                        if (de->d_name[0] == '.')
                                continue;
                        rp = eng_xasprintf("%s/%s/container.json", cdir, de->d_name);
                        if (eng_read_file(rp, 1 << 20, &data, NULL, &e) == 0)
                                rec = json_loads(data, 0, NULL);
                        if (!json_is_array(json_object_get(rec, "layers"))) {
                                /* which layers it needs is unknown: none goes */
                                eng_log_warn(
                                        "container %.12s has a damaged record: no layer is removed until 'eng system check --repair' sets it aside",
                                        de->d_name);
                                eng_err_free(e);
                                return 0;
                        }
                        json_array_foreach(json_object_get(rec, "layers"), k, v)
                                json_object_set_new(used, hex_of(json_string_value(v)),
                                                    json_true());
                }
        }
        for (size_t k = 0; k < 2; k++) {
                _cleanup_free_ char *dir = eng_xasprintf("%s/%s", s->root, kinds[k]);
                _cleanup_closedir_ DIR *d = opendir(dir);
                struct dirent *de;

                if (!d)
                        return eng_err(err, ENG_E_SYS, errno, "reading '%s'", dir);
                while ((de = readdir(d))) {
                        _cleanup_free_ char *p = NULL;

                        if (de->d_name[0] == '.' || json_object_get(used, de->d_name))
                                continue;
                        p = eng_xasprintf("%s/%s", dir, de->d_name);
                        if (k == 0 ? storage_remove_tree(s, p, err) < 0
                                   : unlink(p) < 0 && errno != ENOENT)
                                return k == 0 ? -1
                                              : eng_err(err, ENG_E_SYS, errno, "removing '%s'", p);
                }
        }
        return 0;
}

int storage_image_delete(struct storage_store *s, const char *id, struct eng_error **err)
{
        _cleanup_free_ char *dir = eng_xasprintf("%s/images/%s", s->root, hex_of(id));
        _cleanup_close_ int gc = -1;
        int ret;

        if (storage_store_lock(s, err) < 0)
                return -1;
        ret = eng_rm_rf(dir, err);
        storage_store_unlock(s);
        if (ret < 0)
                return -1;
        /* Pulls in progress hold gc.lock shared: their new layers have no record yet. */
        gc = flock_file(s, "gc.lock", LOCK_EX, err);
        if (gc < 0)
                return -1;
        if (storage_store_lock(s, err) < 0)
                return -1;
        ret = collect_garbage(s, err);
        storage_store_unlock(s);
        return ret;
}

/* "sha256:HEX" of a file's content (heap), or NULL with *err */
static char *file_digest(const char *path, struct eng_error **err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        char buf[64 * 1024];
        struct eng_digest *md;
        char *hex;

        if (fd < 0) {
                eng_err(err, ENG_E_SYS, errno, "opening '%s'", path);
                return NULL;
        }
        md = eng_digest_new();
        for (;;) {
                ssize_t r = read(fd, buf, sizeof(buf));
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0) {
                        eng_digest_free(md);
                        eng_err(err, ENG_E_SYS, errno, "reading '%s'", path);
                        return NULL;
                }
                if (r == 0)
                        break;
                eng_digest_update(md, buf, (size_t) r);
        }
        hex = eng_digest_finish(md);
        eng_digest_free(md);
        return hex;
}

static void problem(json_t *list, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(json_t *list, const char *fmt, ...)
{
        va_list ap;
        char *msg;

        va_start(ap, fmt);
        msg = eng_xvasprintf(fmt, ap);
        va_end(ap);
        json_array_append_new(list, json_string(msg));
        free(msg);
}

/* What is wrong with one image record; NULL when nothing. */
static char *image_problem(struct storage_store *s, json_t *img, bool verify_blobs,
                           struct eng_error **err)
{
        const char *blobs[] = { json_string_value(json_object_get(img, "manifest")),
                                json_string_value(json_object_get(img, "config")) };
        const char *parent = NULL;
        size_t i;
        json_t *v;

        for (size_t k = 0; k < 2; k++) {
                _cleanup_free_ char *path = NULL, *hex = NULL;

                if (!blobs[k])
                        return eng_xstrdup("its record names no manifest or config");
                path = storage_blob_path(s, blobs[k]);
                if (access(path, R_OK) < 0)
                        return eng_xasprintf("blob %s is missing", blobs[k]);
                if (verify_blobs) {
                        hex = file_digest(path, err);
                        if (!hex)
                                return NULL;
                        if (strcmp(hex, blobs[k]) != 0)
                                return eng_xasprintf("blob %s is damaged (its content is %s)",
                                                     blobs[k], hex);
                }
        }
        json_array_foreach(json_object_get(img, "layers"), i, v) {
                const char *chain = json_string_value(v);
                struct eng_error *e = NULL;
                _cleanup_json_ json_t *info = NULL;
                _cleanup_free_ char *dir = NULL, *diff = NULL;
                const char *p;

                if (!chain)
                        return eng_xstrdup("its record has a damaged layer list");
                dir = storage_layer_dir(s, chain);
                diff = eng_xasprintf("%s/diff", dir);
                info = storage_layer_info(s, chain, &e);
                if (!info) {
                        char *msg = eng_xasprintf("layer %zu (%s) is missing or incomplete", i + 1,
                                                  chain);
                        eng_err_free(e);
                        return msg;
                }
                if (access(diff, F_OK) < 0)
                        return eng_xasprintf("layer %zu (%s) has no content", i + 1, chain);
                p = json_string_value(json_object_get(info, "parent"));
                if ((parent || p) && (!parent || !p || strcmp(parent, p) != 0))
                        return eng_xasprintf("layer %zu (%s) does not follow layer %zu", i + 1,
                                             chain, i);
                parent = chain;
        }
        return NULL;
}

int storage_check(struct storage_store *s, bool verify_blobs, bool repair, json_t **ret_problems,
                  struct eng_error **err)
{
        _cleanup_json_ json_t *list = storage_image_list(s, err);
        _cleanup_free_ char *tmp = eng_xasprintf("%s/tmp", s->root);
        _cleanup_closedir_ DIR *d = NULL;
        json_t *problems = json_array();
        struct dirent *de;
        long pid;
        json_t *img;
        size_t i;

        if (!list) {
                json_decref(problems);
                return -1;
        }
        json_array_foreach(list, i, img) {
                const char *id = json_string_value(json_object_get(img, "id"));
                struct eng_error *e = NULL;
                _cleanup_free_ char *why = image_problem(s, img, verify_blobs, &e);

                if (e) {
                        *err = e;
                        json_decref(problems);
                        return -1;
                }
                if (!why)
                        continue;
                problem(problems, "image %.12s: %s%s", hex_of(id), why,
                        repair ? "; removed (pull it again)" : "");
                if (repair && storage_image_delete(s, id, err) < 0) {
                        json_decref(problems);
                        return -1;
                }
        }
        d = opendir(tmp);
        while (d && (de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                if (strncmp(de->d_name, "partial-", 8) == 0) {
                        /* a blob a pull broke off; kept so the next pull resumes it */
                        _cleanup_free_ char *p = eng_xasprintf("%s/%s", tmp, de->d_name);
                        _cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);

                        if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0)
                                continue; /* a pull is writing it now */
                        problem(problems, "a partial download of sha256:%s is left in tmp/%s",
                                de->d_name + 8,
                                repair ? "; removed" : " (the next pull of it resumes there)");
                        if (repair)
                                (void) unlink(p);
                } else if ((pid = tmp_entry_orphan(de->d_name)) > 0) {
                        _cleanup_free_ char *p = eng_xasprintf("%s/%s", tmp, de->d_name);

                        problem(problems, "tmp/%s was left by process %ld, which is gone%s",
                                de->d_name, pid, repair ? "; removed" : "");
                        if (repair && storage_remove_tree(s, p, err) < 0) {
                                json_decref(problems);
                                return -1;
                        }
                }
        }
        {
                _cleanup_json_ json_t *bad = storage_container_damaged(s, err);
                const char *hex;
                json_t *why;

                if (!bad) {
                        json_decref(problems);
                        return -1;
                }
                json_object_foreach(bad, hex, why) {
                        _cleanup_free_ char *aside = NULL;

                        if (repair && storage_container_set_aside(s, hex, &aside, err) < 0) {
                                json_decref(problems);
                                return -1;
                        }
                        problem(problems, "container %.12s: its record is damaged: %s%s%s", hex,
                                json_string_value(why), aside ? "; set aside in " : "",
                                aside ? aside : "");
                }
        }
        if (repair) {
                /* layers and blobs no image names any more */
                _cleanup_close_ int gc = flock_file(s, "gc.lock", LOCK_EX, err);
                if (gc < 0 || storage_store_lock(s, err) < 0) {
                        json_decref(problems);
                        return -1;
                }
                int r = collect_garbage(s, err);
                storage_store_unlock(s);
                if (r < 0) {
                        json_decref(problems);
                        return -1;
                }
        }
        *ret_problems = problems;
        return 0;
}

json_t *storage_usage(struct storage_store *s, struct eng_error **err)
{
        _cleanup_json_ json_t *list = storage_image_list(s, err);
        _cleanup_free_ char *layers = eng_xasprintf("%s/layers", s->root);
        _cleanup_free_ char *blobs = eng_xasprintf("%s/blobs/sha256", s->root);
        _cleanup_closedir_ DIR *d = NULL;
        json_int_t nlayers = 0, lsize = 0, bsize = 0;
        struct dirent *de;
        struct stat st;

        if (!list)
                return NULL;
        d = opendir(layers);
        while (d && (de = readdir(d))) {
                _cleanup_json_ json_t *info = NULL;
                struct eng_error *e = NULL;

                if (de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *chain = eng_xasprintf("sha256:%s", de->d_name);
                info = storage_layer_info(s, chain, &e);
                eng_err_free(e);
                if (!info)
                        continue;
                nlayers++;
                lsize += json_integer_value(json_object_get(info, "size"));
        }
        closedir(TAKE_PTR(d));
        d = opendir(blobs);
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *p = eng_xasprintf("%s/%s", blobs, de->d_name);
                if (de->d_name[0] != '.' && stat(p, &st) == 0)
                        bsize += st.st_size;
        }
        return json_pack("{s:I, s:I, s:I, s:I}", "images", (json_int_t) json_array_size(list),
                         "layers", nlayers, "layers_size", lsize, "blobs_size", bsize);
}
