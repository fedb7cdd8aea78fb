/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Container records and files in the store, without namespaces. */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
        return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "id", id, "name", name, "state", "created",
                         "image", "eng-test/busybox", "image_id", "sha256:" L1 + 7, "created",
                         "2026-12-07T10:00:00Z");
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
        _cleanup_free_ char *dir = NULL, *tmp = NULL;
        _cleanup_(storage_root_release) struct storage_root root = { 0 };
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

        storage_container_root(&store, rec, &root);
        dir = storage_container_dir(&store, json_string_value(json_object_get(rec, "id")));
        {
                _cleanup_free_ char *cfg = eng_xasprintf("%s/config.json", dir);

                ck_assert_int_eq(access(cfg, F_OK), 0); /* it came along */
        }
        ck_assert_int_eq(root.kind, STORAGE_ROOT_OVERLAY);
        ck_assert(strstr(root.path, "/rootfs"));
        ck_assert(strstr(root.options[0], "lowerdir="));
        /* the top layer first */
        ck_assert(strstr(root.options[0], "2222") < strstr(root.options[0], "1111"));
        ck_assert(strstr(root.options[1], "/diff"));
        {
                /* a copy is a directory: no mount options */
                _cleanup_(storage_root_release) struct storage_root vfs = { 0 };
                _cleanup_json_ json_t *copy = json_deep_copy(rec);

                json_object_set_new(copy, "driver", json_string("vfs"));
                storage_container_root(&store, copy, &vfs);
                ck_assert_int_eq(vfs.kind, STORAGE_ROOT_DIR);
                ck_assert_ptr_null(vfs.options);
        }

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
        {
                /* as the container's root writes it: its / (diff) is 0555, as podman's */
                _cleanup_free_ char *diff = eng_xasprintf("%s/diff", cdir);

                ck_assert_int_eq(chmod(diff, 0755), 0);
        }
        mkfile(upper, "mine\n");
        eng_assert_ok(storage_container_read_file(&store, rec, "/etc/passwd", 4096, &data, &err),
                      err);
        ck_assert_str_eq(data, "mine\n");
        ck_assert_int_eq(
                storage_container_read_file(&store, rec, "/etc/nothing", 4096, &data, &err),
                -ENOENT);
}
END_TEST

/* A whole record as run writes it, for the codec tests. */
static json_t *full_record(void)
{
        json_t *j = new_record("cccc000000000000000000000000000000000000000000000000000000000001",
                               "codec");

        json_object_set_new(j, "layers", json_pack("[s]", L1));
        json_object_set_new(j, "driver", json_string("vfs"));
        json_object_set_new(j, "labels", json_pack("{s:s}", "k", "v"));
        json_object_set_new(j, "command", json_pack("[ss]", "sh", "-c"));
        return j;
}

START_TEST(test_codec_round_trip)
{
        struct eng_error *err = NULL;
        _cleanup_json_ json_t *j = full_record(), *out = NULL;
        _cleanup_(storage_container_release) struct storage_container c = { 0 };
        _cleanup_(storage_container_release) struct storage_container again = { 0 };

        json_object_set_new(j, "state", json_string("exited"));
        json_object_set_new(j, "exit_code", json_integer(3));
        json_object_set_new(j, "restart", json_pack("{s:s,s:i}", "policy", "on-failure", "max", 2));
        json_object_set_new(j, "restart_count", json_integer(1));
        json_object_set_new(j, "stop_signal", json_string("SIGQUIT"));
        json_object_set_new(j, "stdin", json_true());
        eng_assert_ok(storage_container_decode(j, &c, &err), err);
        ck_assert_int_eq(c.state, STORAGE_CONTAINER_EXITED);
        ck_assert(c.has_exit_code);
        ck_assert_int_eq(c.exit_code, 3);
        ck_assert_str_eq(c.restart_policy, "on-failure");
        ck_assert_int_eq(c.restart_max, 2);
        ck_assert_int_eq(c.restart_count, 1);
        ck_assert(c.interactive);
        ck_assert(!c.tty);
        ck_assert_ptr_null(c.started);
        /* a change goes through encode; what it does not type comes along */
        c.state = STORAGE_CONTAINER_RUNNING;
        c.pid = 42;
        c.has_exit_code = false;
        out = storage_container_encode(&c);
        ck_assert_str_eq(json_string_value(json_object_get(out, "state")), "running");
        ck_assert_int_eq(json_integer_value(json_object_get(out, "pid")), 42);
        ck_assert_ptr_null(json_object_get(out, "exit_code"));
        ck_assert_int_eq(json_integer_value(json_object_get(out, "version")),
                         STORAGE_CONTAINER_VERSION);
        ck_assert_str_eq(json_string_value(json_object_get(json_object_get(out, "labels"), "k")),
                         "v");
        eng_assert_ok(storage_container_decode(out, &again, &err), err);
        ck_assert_str_eq(again.stop_signal, "SIGQUIT");
        ck_assert_int_eq(again.state, STORAGE_CONTAINER_RUNNING);
        /* the record read is not changed by encode */
        ck_assert_str_eq(json_string_value(json_object_get(j, "state")), "exited");
}
END_TEST

START_TEST(test_codec_refuses)
{
        static const char *const required[] = { "id",      "name",  "image",  "image_id",
                                                "created", "state", "layers", "driver" };
        struct {
                const char *key;
                json_t *value;
                const char *says;
        } bad[] = {
                { "state", json_string("paused"), "'paused' is unknown" },
                { "state", json_integer(1), "\"state\" is not a string" },
                { "pid", json_string("12"), "\"pid\" is not an integer" },
                { "exit_code", json_integer(300), "\"exit_code\" is not an integer in range" },
                { "tty", json_string("yes"), "\"tty\" is not a boolean" },
                { "layers", json_pack("[i]", 1), "\"layers\" is not an array of strings" },
                { "labels", json_string("x"), "\"labels\" is not an object" },
                { "restart", json_pack("{s:s}", "policy", "sometimes"), "'sometimes' is unknown" },
                { "id", json_string("../../etc"), "\"id\" is not 64 hex digits" },
                { "driver", json_string("zfs"), "zfs" },
                { "version", json_integer(STORAGE_CONTAINER_VERSION + 1), "newer eng" },
        };
        struct storage_container c = { 0 };

        for (size_t i = 0; i < ELEMENTSOF(required); i++) {
                _cleanup_json_ json_t *j = full_record();
                struct eng_error *err = NULL;

                json_object_del(j, required[i]);
                eng_assert_fails(storage_container_decode(j, &c, &err), err, ENG_E_INVALID);
                ck_assert_msg(strstr(err->msg, required[i]) && strstr(err->msg, "missing"),
                              "%s: %s", required[i], err->msg);
                ck_assert_ptr_null(c.id);
                eng_err_free(err);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_json_ json_t *j = full_record();
                struct eng_error *err = NULL;

                json_object_set_new(j, bad[i].key, bad[i].value);
                ck_assert_int_lt(storage_container_decode(j, &c, &err), 0);
                ck_assert_msg(strstr(err->msg, bad[i].says), "%s: %s", bad[i].key, err->msg);
                eng_err_free(err);
        }
}
END_TEST

START_TEST(test_damaged_record)
{
        struct eng_error *err = NULL;
        _cleanup_json_ json_t *layers = json_pack("[s]", L1);
        _cleanup_json_ json_t *rec = new_record(
                "dddd000000000000000000000000000000000000000000000000000000000001", "broken");
        _cleanup_json_ json_t *ok = new_record(
                "eeee000000000000000000000000000000000000000000000000000000000001", "fine");
        _cleanup_json_ json_t *all = NULL, *bad = NULL, *got = NULL;
        _cleanup_free_ char *dir = NULL, *path = NULL, *aside = NULL;

        eng_assert_ok(storage_container_create(&store, rec, layers, STORAGE_DRIVER_OVERLAY, NULL,
                                               NULL, NULL, &err),
                      err);
        eng_assert_ok(storage_container_create(&store, ok, layers, STORAGE_DRIVER_OVERLAY, NULL,
                                               NULL, NULL, &err),
                      err);
        /* a record without "state", as an old bug or a hand edit leaves it */
        dir = storage_container_dir(&store, json_string_value(json_object_get(rec, "id")));
        path = eng_xasprintf("%s/container.json", dir);
        json_object_del(rec, "state");
        {
                _cleanup_free_ char *data = json_dumps(rec, 0);

                eng_test_write_file(path, data);
        }
        all = storage_container_list(&store, &err);
        ck_assert_uint_eq(json_array_size(all), 1);
        ck_assert_str_eq(json_string_value(json_object_get(json_array_get(all, 0), "name")),
                         "fine");
        bad = storage_container_damaged(&store, &err);
        ck_assert_uint_eq(json_object_size(bad), 1);
        ck_assert(strstr(
                json_string_value(json_object_get(
                        bad, "dddd000000000000000000000000000000000000000000000000000000000001")),
                "\"state\" is missing"));
        /* named by its id: said to be damaged, with what to do */
        got = storage_container_get(&store, "dddd", &err);
        ck_assert_ptr_null(got);
        ck_assert_int_eq(err->kind, ENG_E_INVALID);
        ck_assert(strstr(err->msg, "damaged") && strstr(err->msg, "rm -f dddd00000000"));
        err = eng_err_free(err);
        /* not JSON at all: the same */
        eng_test_write_file(path, "{\"id\":");
        json_decref(bad);
        bad = storage_container_damaged(&store, &err);
        ck_assert_uint_eq(json_object_size(bad), 1);
        /* set aside: gone from the lists, its files kept */
        eng_assert_ok(storage_container_set_aside(
                              &store,
                              "dddd000000000000000000000000000000000000000000000000000000000001",
                              &aside, &err),
                      err);
        ck_assert(strstr(aside, "/damaged/dddd"));
        ck_assert_int_ne(access(dir, F_OK), 0);
        {
                _cleanup_free_ char *kept = eng_xasprintf("%s/container.json", aside);

                ck_assert_int_eq(access(kept, F_OK), 0);
        }
        json_decref(bad);
        bad = storage_container_damaged(&store, &err);
        ck_assert_uint_eq(json_object_size(bad), 0);
}
END_TEST

/* whether another process could take the store lock now */
static bool lock_free(void)
{
        _cleanup_free_ char *path = eng_xasprintf("%s/store.lock", store.root);
        pid_t pid = fork();
        int status;

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                int fd = open(path, O_RDWR | O_CLOEXEC);

                _exit(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : 1);
        }
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

START_TEST(test_lock_guard)
{
        struct eng_error *err = NULL;

        {
                _cleanup_store_unlock_ struct storage_store *locked =
                        storage_store_lock_guard(&store, &err);

                ck_assert_ptr_eq(locked, &store);
                ck_assert(!lock_free());
        }
        /* dropped as the block ended */
        ck_assert(lock_free());
}
END_TEST

/* a probe for storage_driver_choose() that says what the test wants */
static bool fake_probe(enum storage_driver d, void *arg, char **ret_why)
{
        const bool *ok = arg;

        *ret_why = ok[d] ? NULL : strdup("no");
        return ok[d];
}

START_TEST(test_driver_choose)
{
        bool ok[STORAGE_DRIVER_COUNT] = { true, true, true };
        enum storage_driver want = STORAGE_DRIVER_VFS;
        char *why = NULL;

        /* the first of the table that works: overlay, fuse-overlay, vfs */
        ck_assert_int_eq(storage_driver_choose(NULL, fake_probe, ok, &why), STORAGE_DRIVER_OVERLAY);
        ck_assert_str_eq(why, storage_driver_ops(STORAGE_DRIVER_OVERLAY)->chosen_because);
        free(why);
        ok[STORAGE_DRIVER_OVERLAY] = false;
        ck_assert_int_eq(storage_driver_choose(NULL, fake_probe, ok, &why),
                         STORAGE_DRIVER_FUSE_OVERLAY);
        free(why);
        ok[STORAGE_DRIVER_FUSE_OVERLAY] = false;
        ck_assert_int_eq(storage_driver_choose(NULL, fake_probe, ok, &why), STORAGE_DRIVER_VFS);
        ck_assert(strstr(why, "full copy"));
        free(why);
        /* what was asked for is taken, and a failing probe is said */
        want = STORAGE_DRIVER_OVERLAY;
        ck_assert_int_eq(storage_driver_choose(&want, fake_probe, ok, &why),
                         STORAGE_DRIVER_OVERLAY);
        ck_assert(strstr(why, "its probe failed"));
        free(why);
        want = STORAGE_DRIVER_VFS;
        ck_assert_int_eq(storage_driver_choose(&want, fake_probe, ok, &why), STORAGE_DRIVER_VFS);
        ck_assert(!strstr(why, "probe failed"));
        free(why);

        /* the table: names, how roots are mounted, who copies */
        ck_assert_str_eq(storage_driver_name(STORAGE_DRIVER_FUSE_OVERLAY), "fuse-overlay");
        ck_assert_int_eq(storage_driver_ops(STORAGE_DRIVER_OVERLAY)->root, STORAGE_ROOT_OVERLAY);
        ck_assert_int_eq(storage_driver_ops(STORAGE_DRIVER_FUSE_OVERLAY)->root, STORAGE_ROOT_FUSE);
        ck_assert_int_eq(storage_driver_ops(STORAGE_DRIVER_VFS)->root, STORAGE_ROOT_DIR);
        ck_assert_ptr_nonnull(storage_driver_ops(STORAGE_DRIVER_VFS)->prepare);
        ck_assert_ptr_null(storage_driver_ops(STORAGE_DRIVER_OVERLAY)->prepare);
        {
                struct eng_error *err = NULL;

                eng_assert_ok(storage_driver_parse("fuse-overlayfs", &want, &err), err);
        }
        ck_assert_int_eq(want, STORAGE_DRIVER_FUSE_OVERLAY);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("storage-container");
        TCase *tc = tcase_create("container");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_create_get_rename_delete);
        tcase_add_test(tc, test_read_file_through_layers);
        tcase_add_test(tc, test_codec_round_trip);
        tcase_add_test(tc, test_codec_refuses);
        tcase_add_test(tc, test_damaged_record);
        tcase_add_test(tc, test_driver_choose);
        tcase_add_test(tc, test_lock_guard);
        suite_add_tcase(s, tc);
        return eng_run_suite(s);
}
