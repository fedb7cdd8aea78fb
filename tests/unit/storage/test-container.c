/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Container records and files in the store, without namespaces. */
#include "config.h"

#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "storage/container.h"
#include "storage/store.h"
#include "tests/unit/harness.h"

#define L1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define L2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static struct storage_store store = STORAGE_STORE_INIT;

static void mkfile(const char *path, const char *text)
{
        _cleanup_free_ char *dir = eng_xstrdup(path);
        struct eng_error *err = NULL;

        *strrchr(dir, '/') = '\0';
        eng_assert_ok(eng_mkdir_p(dir, 0755, &err), err);
        eng_test_write_file(path, text);
}

/* Two layers: /etc/passwd replaced by the upper one, /opt opaque in it. */
static void layer_file(const char *chain, const char *rel, const char *text)
{
        _cleanup_free_ char *l = storage_layer_dir(&store, chain);
        _cleanup_free_ char *p = eng_xasprintf("%s/diff%s", l, rel);

        mkfile(p, text);
}

static void setup(void)
{
        struct eng_error *err = NULL;
        _cleanup_free_ char *l2 = NULL, *opt = NULL;

        eng_test_dir_setup();
        eng_assert_ok(storage_store_open(&store, eng_test_path("store"), NULL, &err), err);
        layer_file(L1, "/etc/passwd", "old\n");
        layer_file(L1, "/opt/hidden", "hidden\n");
        layer_file(L2, "/etc/passwd", "new\n");
        layer_file(L2, "/opt/seen", "seen\n");
        l2 = storage_layer_dir(&store, L2);
        opt = eng_xasprintf("%s/diff/opt", l2);
        ck_assert_int_eq(setxattr(opt, "user.overlay.opaque", "y", 1, 0), 0);
}

static void teardown(void)
{
        storage_store_close(&store);
        eng_test_dir_teardown();
}

static json_t *new_record(const char *id, const char *name)
{
        return json_pack("{s:s,s:s,s:s}", "id", id, "name", name, "state", "created");
}

/* What storage_container_create() shows the fill callback. */
struct fill_seen {
        json_t *rec;
        bool in_tmp;
};

static int fill(void *arg, struct eng_error **err)
{
        struct fill_seen *f = arg;
        _cleanup_free_ char *dir = storage_container_files_dir(&store, f->rec);
        _cleanup_free_ char *cfg = eng_xasprintf("%s/config.json", dir);

        /* the files are still being built under tmp/, not in containers/ yet */
        f->in_tmp = strstr(dir, "/tmp/") != NULL;
        return eng_write_file_replace(cfg, "{}", 2, 0600, err);
}

START_TEST(test_create_get_rename_delete)
{
        struct eng_error *err = NULL;
        _cleanup_json_ json_t *layers = json_pack("[ss]", L1, L2);
        _cleanup_json_ json_t *rec = new_record(
                "aaaa000000000000000000000000000000000000000000000000000000000001", "web");
        _cleanup_json_ json_t *dup = new_record(
                "aaaa000000000000000000000000000000000000000000000000000000000002", "web");
        _cleanup_json_ json_t *got = NULL, *all = NULL;
        _cleanup_free_ char *root = NULL, *dir = NULL, *tmp = NULL;
        _cleanup_strv_ char **opts = NULL;
        struct fill_seen f = { .rec = rec };

        eng_assert_ok(storage_container_create(&store, rec, layers, STORAGE_DRIVER_OVERLAY, NULL,
                                               fill, &f, &err),
                      err);
        ck_assert(f.in_tmp);
        ck_assert_ptr_null(json_object_get(rec, "_building"));
        /* the same name again: EEXIST, and nothing left in tmp/ */
        ck_assert_int_lt(storage_container_create(&store, dup, layers, STORAGE_DRIVER_OVERLAY, NULL,
                                                  NULL, NULL, &err),
                         0);
        ck_assert_int_eq(err->errnum, EEXIST);
        err = eng_err_free(err);
        tmp = eng_xasprintf("%s/tmp", store.root);
        ck_assert_int_eq(rmdir(tmp), 0); /* empty */
        ck_assert_int_eq(mkdir(tmp, 0700), 0);

        got = storage_container_get(&store, "web", &err);
        ck_assert_ptr_nonnull(got);
        json_decref(got);
        got = storage_container_get(&store, "aaaa0", &err); /* an id prefix */
        ck_assert_ptr_nonnull(got);
        ck_assert_str_eq(json_string_value(json_object_get(got, "driver")), "overlay");
        json_decref(got);
        got = storage_container_get(&store, "nothere", &err);
        ck_assert_ptr_null(got);
        ck_assert_int_eq(err->kind, ENG_E_NOTFOUND);
        err = eng_err_free(err);

        storage_container_root(&store, rec, &root, &opts);
        dir = storage_container_dir(&store, json_string_value(json_object_get(rec, "id")));
        {
                _cleanup_free_ char *cfg = eng_xasprintf("%s/config.json", dir);

                ck_assert_int_eq(access(cfg, F_OK), 0); /* it came along */
        }
        ck_assert(strstr(opts[0], "lowerdir="));
        /* the top layer first */
        ck_assert(strstr(opts[0], "2222") < strstr(opts[0], "1111"));
        ck_assert(strstr(opts[1], "/diff"));

        eng_assert_ok(storage_container_rename(&store, rec, "front", &err), err);
        ck_assert_int_lt(storage_container_rename(&store, rec, "bad name", &err), 0);
        err = eng_err_free(err);
        json_decref(got);
        got = storage_container_get(&store, "front", &err);
        ck_assert_ptr_nonnull(got);

        {
                int fd = storage_container_lock(
                        &store, json_string_value(json_object_get(rec, "id")), &err);

                ck_assert_int_ge(fd, 0);
                close(fd);
        }
        eng_assert_ok(storage_container_delete(&store,
                                               json_string_value(json_object_get(rec, "id")), &err),
                      err);
        ck_assert_int_ne(access(dir, F_OK), 0);
        all = storage_container_list(&store, &err);
        ck_assert_uint_eq(json_array_size(all), 0);
}
END_TEST

START_TEST(test_read_file_through_layers)
{
        struct eng_error *err = NULL;
        _cleanup_json_ json_t *layers = json_pack("[ss]", L1, L2);
        _cleanup_json_ json_t *rec = new_record(
                "bbbb000000000000000000000000000000000000000000000000000000000001", "reader");
        _cleanup_free_ char *data = NULL, *upper = NULL, *cdir = NULL;

        eng_assert_ok(storage_container_create(&store, rec, layers, STORAGE_DRIVER_OVERLAY, NULL,
                                               NULL, NULL, &err),
                      err);
        /* the upper layer's copy wins */
        eng_assert_ok(storage_container_read_file(&store, rec, "/etc/passwd", 4096, &data, &err),
                      err);
        ck_assert_str_eq(data, "new\n");
        free(TAKE_PTR(data));
        /* an opaque directory hides what is below it */
        ck_assert_int_eq(storage_container_read_file(&store, rec, "/opt/hidden", 4096, &data, &err),
                         -ENOENT);
        eng_assert_ok(storage_container_read_file(&store, rec, "/opt/seen", 4096, &data, &err),
                      err);
        free(TAKE_PTR(data));
        /* the container's own upper directory comes first, whiteouts included */
        cdir = storage_container_dir(&store, json_string_value(json_object_get(rec, "id")));
        upper = eng_xasprintf("%s/diff/etc/passwd", cdir);
        mkfile(upper, "mine\n");
        eng_assert_ok(storage_container_read_file(&store, rec, "/etc/passwd", 4096, &data, &err),
                      err);
        ck_assert_str_eq(data, "mine\n");
        ck_assert_int_eq(
                storage_container_read_file(&store, rec, "/etc/nothing", 4096, &data, &err),
                -ENOENT);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("storage-container");
        TCase *tc = tcase_create("container");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_create_get_rename_delete);
        tcase_add_test(tc, test_read_file_through_layers);
        suite_add_tcase(s, tc);
        return eng_run_suite(s);
}
