/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The builders of a container's OCI spec (runtime/spec.h), each on its own. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "runtime/oci/oci.h"
#include "runtime/spec.h"
#include "storage/store.h"
#include "tests/unit/harness.h"

#define ID "aaaa000000000000000000000000000000000000000000000000000000000001"

static json_t *cfg_of(const char *text)
{
        json_error_t je;
        json_t *j = json_loads(text, 0, &je);

        ck_assert_msg(j != NULL, "bad test JSON: %s", je.text);
        return j;
}

/* the strings of a JSON array, joined by spaces: easy to compare */
static char *words(json_t *a)
{
        struct eng_strbuf b = ENG_STRBUF_INIT;
        json_t *v;
        size_t i;

        json_array_foreach(a, i, v)
                eng_strbuf_addf(&b, "%s%s", i ? " " : "", json_string_value(v));
        return eng_strbuf_steal(&b);
}

static json_t *mount_at(json_t *mounts, const char *dest)
{
        json_t *m;
        size_t i;

        json_array_foreach(mounts, i, m)
                if (strcmp(json_string_value(json_object_get(m, "destination")), dest) == 0)
                        return m;
        return NULL;
}

START_TEST(test_args)
{
        _cleanup_json_ json_t *cfg = cfg_of("{\"Entrypoint\":[\"/ep\"],\"Cmd\":[\"a\",\"b\"]}");
        _cleanup_json_ json_t *empty = cfg_of("{}");
        char *cmd[] = { (char *) "x", NULL }, *none[] = { NULL };
        struct runtime_run_opts o = { 0 };
        struct eng_error *err = NULL;
        json_t *args;
        char *w;

        /* the image's entrypoint and command */
        eng_assert_ok(runtime_spec_args(cfg, &o, &args, &err), err);
        ck_assert_str_eq(w = words(args), "/ep a b");
        free(w);
        json_decref(args);
        /* a command replaces Cmd, not the entrypoint */
        o.command = cmd;
        eng_assert_ok(runtime_spec_args(cfg, &o, &args, &err), err);
        ck_assert_str_eq(w = words(args), "/ep x");
        free(w);
        json_decref(args);
        /* --entrypoint '' drops both of the image's */
        o.has_entrypoint = true;
        o.entrypoint = none;
        eng_assert_ok(runtime_spec_args(cfg, &o, &args, &err), err);
        ck_assert_str_eq(w = words(args), "x");
        free(w);
        json_decref(args);
        o.command = NULL;
        eng_assert_fails(runtime_spec_args(cfg, &o, &args, &err), err, ENG_E_USAGE);
        ck_assert(strstr(err->msg, "no command or entrypoint"));
        err = eng_err_free(err);
        o.has_entrypoint = false;
        eng_assert_fails(runtime_spec_args(empty, &o, &args, &err), err, ENG_E_USAGE);
        err = eng_err_free(err);
}
END_TEST

START_TEST(test_env)
{
        _cleanup_json_ json_t *cfg = cfg_of("{\"Env\":[\"A=1\",\"B=2\",7]}");
        _cleanup_json_ json_t *nopath = cfg_of("{}");
        char *env[] = { (char *) "B=3", (char *) "ENG_UNIT_OURS", (char *) "ENG_UNIT_UNSET", NULL };
        char *files[] = { NULL, NULL };
        struct runtime_run_opts o = { .env = env, .tty = true };
        struct eng_error *err = NULL;
        json_t *e;
        char *w;

        setenv("ENG_UNIT_OURS", "ours", 1);
        unsetenv("ENG_UNIT_UNSET");
        eng_assert_ok(runtime_spec_env(cfg, &o, "h1", &e, &err), err);
        /* the image's first, ours replace by name, a name alone takes our value
         * or goes, PATH and TERM when missing */
        ck_assert_str_eq(
                w = words(e),
                "A=1 B=3 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TERM=xterm container=eng HOSTNAME=h1 ENG_UNIT_OURS=ours");
        free(w);
        json_decref(e);

        /* --env-file: comments and blank lines skipped; a line "=x" refused */
        eng_test_write_file(eng_test_path("env"), "# comment\n\n  C=4\nPATH=/bin\n");
        files[0] = (char *) eng_test_path("env");
        o = (struct runtime_run_opts){ .env_files = files };
        eng_assert_ok(runtime_spec_env(nopath, &o, "h2", &e, &err), err);
        ck_assert_str_eq(w = words(e), "PATH=/bin container=eng HOSTNAME=h2 C=4");
        free(w);
        json_decref(e);
        eng_test_write_file(eng_test_path("env"), "=x\n");
        eng_assert_fails(runtime_spec_env(nopath, &o, "h2", &e, &err), err, ENG_E_USAGE);
        ck_assert(strstr(err->msg, "without a variable name"));
        err = eng_err_free(err);
}
END_TEST

START_TEST(test_caps)
{
        char *all[] = { (char *) "ALL", NULL }, *raw[] = { (char *) "net_raw", NULL };
        char *bad[] = { (char *) "CAP_NOPE", NULL };
        struct runtime_run_opts o = { 0 };
        struct eng_error *err = NULL;
        uint64_t caps;

        eng_assert_ok(runtime_spec_caps(&o, &caps, &err), err);
        ck_assert(caps == oci_default_caps);
        o.cap_drop = all;
        o.cap_add = raw;
        eng_assert_ok(runtime_spec_caps(&o, &caps, &err), err);
        ck_assert(caps == UINT64_C(1) << oci_cap_parse("CAP_NET_RAW"));
        o.cap_add = bad;
        eng_assert_fails(runtime_spec_caps(&o, &caps, &err), err, ENG_E_USAGE);
        ck_assert(strstr(err->msg, "--cap-add: unknown capability 'CAP_NOPE'"));
        err = eng_err_free(err);
}
END_TEST

START_TEST(test_process)
{
        struct storage_store store = STORAGE_STORE_INIT;
        _cleanup_json_ json_t *cfg = cfg_of("{\"Cmd\":[\"sh\"],\"WorkingDir\":\"/w\"}");
        _cleanup_json_ json_t *rec = NULL;
        struct runtime_run_opts o = { .tty = true };
        struct eng_idmap map = { 0 };
        struct eng_error *err = NULL;
        json_t *p;

        eng_assert_ok(storage_store_open(&store, eng_test_path("store"), NULL, &err), err);
        rec = json_pack("{s:s,s:s,s:s,s:[]}", "id", ID, "name", "c", "driver", "overlay", "layers");
        eng_idmap_build(1000, NULL, 0, 1000, NULL, 0, &map);

        /* root, as the image has no User: the capabilities in effect */
        eng_assert_ok(
                runtime_spec_process(&store, rec, cfg, &o, &map, "h", oci_default_caps, &p, &err),
                err);
        ck_assert_str_eq(json_string_value(json_object_get(p, "cwd")), "/w");
        ck_assert(json_is_true(json_object_get(p, "terminal")));
        ck_assert_ptr_nonnull(json_object_get(p, "consoleSize"));
        ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(p, "user"), "uid")), 0);
        ck_assert_uint_eq(
                json_array_size(json_object_get(json_object_get(p, "capabilities"), "effective")),
                json_array_size(json_object_get(json_object_get(p, "capabilities"), "bounding")));
        ck_assert_ptr_nonnull(json_object_get(p, "rlimits"));
        json_decref(p);

        /* a user by number (no passwd in this container): nothing in effect, HOME=/ */
        o = (struct runtime_run_opts){ .user = "0:0" };
        eng_assert_ok(
                runtime_spec_process(&store, rec, cfg, &o, &map, "h", oci_default_caps, &p, &err),
                err);
        ck_assert_ptr_null(json_object_get(p, "consoleSize"));
        json_decref(p);
        o.user = "5:5";
        eng_assert_fails(
                runtime_spec_process(&store, rec, cfg, &o, &map, "h", oci_default_caps, &p, &err),
                err, ENG_E_USAGE);
        ck_assert(strstr(err->msg, "not mapped"));
        err = eng_err_free(err);
        o.user = "nobody";
        eng_assert_fails(
                runtime_spec_process(&store, rec, cfg, &o, &map, "h", oci_default_caps, &p, &err),
                err, ENG_E_USAGE);
        ck_assert(strstr(err->msg, "unable to find user nobody"));
        err = eng_err_free(err);

        /* with the container's own passwd and group files */
        {
                _cleanup_free_ char *dir = storage_container_dir(&store, ID);
                _cleanup_free_ char *etc = eng_xasprintf("%s/diff/etc", dir);
                _cleanup_free_ char *pw = eng_xasprintf("%s/passwd", etc);
                _cleanup_free_ char *gr = eng_xasprintf("%s/group", etc);
                struct eng_subid_range r = { .start = 100000, .count = 65536 };
                json_t *env, *v;
                size_t i;
                bool home = false;

                eng_assert_ok(eng_mkdir_p(etc, 0755, &err), err);
                eng_test_write_file(pw, "root:x:0:0::/root:/bin/sh\nweb:x:33:33::/srv:/bin/sh\n");
                eng_test_write_file(gr, "root:x:0:\nweb:x:33:\nextra:x:44:web\n");
                eng_idmap_release(&map);
                eng_idmap_build(1000, &r, 1, 1000, &r, 1, &map);
                o = (struct runtime_run_opts){ .user = "web" };
                eng_assert_ok(runtime_spec_process(&store, rec, cfg, &o, &map, "h",
                                                   oci_default_caps, &p, &err),
                              err);
                ck_assert_int_eq(
                        json_integer_value(json_object_get(json_object_get(p, "user"), "uid")), 33);
                ck_assert_int_eq(
                        json_integer_value(json_array_get(
                                json_object_get(json_object_get(p, "user"), "additionalGids"), 0)),
                        44);
                ck_assert_uint_eq(json_array_size(json_object_get(
                                          json_object_get(p, "capabilities"), "effective")),
                                  0);
                env = json_object_get(p, "env");
                json_array_foreach(env, i, v)
                        home = home || strcmp(json_string_value(v), "HOME=/srv") == 0;
                ck_assert(home);
                json_decref(p);
        }

        o = (struct runtime_run_opts){ .workdir = "rel" };
        eng_assert_fails(
                runtime_spec_process(&store, rec, cfg, &o, &map, "h", oci_default_caps, &p, &err),
                err, ENG_E_USAGE);
        ck_assert(strstr(err->msg, "'rel' is not absolute"));
        err = eng_err_free(err);
        eng_idmap_release(&map);
        storage_store_close(&store);
}
END_TEST

START_TEST(test_mounts)
{
        char *opts[] = { (char *) "lowerdir=/l", (char *) "upperdir=/u", NULL };
        struct storage_root overlay = { .kind = STORAGE_ROOT_OVERLAY,
                                        .path = (char *) "/r",
                                        .options = opts };
        struct storage_root fuse = { .kind = STORAGE_ROOT_FUSE,
                                     .path = (char *) "/r",
                                     .options = opts };
        _cleanup_free_ char *vol = eng_xasprintf("%s:/dev/shm:ro", eng_test_dir);
        char *vols[] = { vol, NULL }, *tmpfs[] = { (char *) "/cache:size=1m", NULL };
        char *bad[] = { (char *) "/nonexistent-eng-unit:/x", NULL };
        char *onroot[] = { (char *) "/tmp:/", NULL };
        struct runtime_run_opts o = { .read_only = true, .read_only_tmpfs = true };
        struct eng_error *err = NULL;
        json_t *m, *x;
        char *w;

        eng_assert_ok(runtime_spec_mounts(&o, &overlay, "/ud", &m, &err), err);
        /* the overlay is the first mount, the kernel's file systems follow */
        x = json_array_get(m, 0);
        ck_assert_str_eq(json_string_value(json_object_get(x, "destination")), "/");
        ck_assert_str_eq(w = words(json_object_get(x, "options")), "lowerdir=/l upperdir=/u");
        free(w);
        ck_assert_ptr_nonnull(mount_at(m, "/proc"));
        ck_assert_str_eq(json_string_value(json_object_get(mount_at(m, "/etc/hosts"), "source")),
                         "/ud/hosts");
        /* --read-only: tmpfs where programs write */
        ck_assert_str_eq(json_string_value(json_object_get(mount_at(m, "/tmp"), "type")), "tmpfs");
        /* podman's /run/.containerenv, after the tmpfs on /run that would hide it */
        x = json_array_get(m, json_array_size(m) - 1);
        ck_assert_str_eq(json_string_value(json_object_get(x, "destination")),
                         "/run/.containerenv");
        ck_assert_str_eq(json_string_value(json_object_get(x, "source")), "/ud/containerenv");
        json_decref(m);

        /* a FUSE root is no mount of the spec (its hook mounts it) */
        o = (struct runtime_run_opts){ .volumes = vols, .tmpfs = tmpfs };
        eng_assert_ok(runtime_spec_mounts(&o, &fuse, "/ud", &m, &err), err);
        ck_assert_ptr_null(mount_at(m, "/"));
        ck_assert_ptr_null(mount_at(m, "/tmp"));
        /* -v replaces the default mount of the same place */
        x = mount_at(m, "/dev/shm");
        ck_assert_str_eq(json_string_value(json_object_get(x, "type")), "bind");
        ck_assert_str_eq(w = words(json_object_get(x, "options")), "rbind ro");
        free(w);
        ck_assert_str_eq(w = words(json_object_get(mount_at(m, "/cache"), "options")),
                         "rw noexec nosuid nodev size=1m");
        free(w);
        json_decref(m);

        o = (struct runtime_run_opts){ .volumes = bad };
        eng_assert_fails(runtime_spec_mounts(&o, &fuse, "/ud", &m, &err), err, ENG_E_USAGE);
        ck_assert(strstr(err->msg, "/nonexistent-eng-unit"));
        err = eng_err_free(err);
        o = (struct runtime_run_opts){ .volumes = onroot };
        eng_assert_fails(runtime_spec_mounts(&o, &fuse, "/ud", &m, &err), err, ENG_E_USAGE);
        ck_assert(strstr(err->msg, "cannot be '/'"));
        err = eng_err_free(err);
}
END_TEST

START_TEST(test_init)
{
        _cleanup_json_ json_t *process = json_pack("{s:[s]}", "args", "sh");
        _cleanup_json_ json_t *mounts = json_array();
        struct runtime_run_opts o = { 0 };
        struct eng_error *err = NULL;
        char *w;

        eng_assert_ok(runtime_spec_init(&o, process, mounts, &err), err);
        ck_assert_uint_eq(json_array_size(mounts), 0);
        o.init = true;
        eng_assert_fails(runtime_spec_init(&o, process, mounts, &err), err, ENG_E_USAGE);
        ck_assert(strstr(err->msg, "eng-init is not installed"));
        err = eng_err_free(err);
        o.init_path = "/usr/libexec/eng/eng-init";
        eng_assert_ok(runtime_spec_init(&o, process, mounts, &err), err);
        ck_assert_str_eq(w = words(json_object_get(process, "args")), "/run/eng-init -- sh");
        free(w);
        ck_assert_str_eq(
                json_string_value(json_object_get(mount_at(mounts, "/run/eng-init"), "source")),
                "/usr/libexec/eng/eng-init");
}
END_TEST

static bool has_ns(json_t *lx, const char *type)
{
        json_t *n;
        size_t i;

        json_array_foreach(json_object_get(lx, "namespaces"), i, n)
                if (strcmp(json_string_value(json_object_get(n, "type")), type) == 0)
                        return true;
        return false;
}

START_TEST(test_linux)
{
        struct eng_subid_range r = { .start = 100000, .count = 65536 };
        struct runtime_run_opts o = { .network = RUNTIME_NET_HOST };
        struct eng_idmap map = { 0 };
        json_t *lx, *res;

        eng_idmap_build(1000, &r, 1, 1000, &r, 1, &map);
        lx = runtime_spec_linux(&o, &map, ID);
        ck_assert(has_ns(lx, "user") && has_ns(lx, "pid") && has_ns(lx, "mount"));
        ck_assert(!has_ns(lx, "network"));
        ck_assert_ptr_null(json_object_get(lx, "sysctl"));
        ck_assert_ptr_null(json_object_get(lx, "resources"));
        ck_assert_uint_eq(json_array_size(json_object_get(lx, "uidMappings")), 2);
        json_decref(lx);

        o = (struct runtime_run_opts){ .network = RUNTIME_NET_SLIRP,
                                       .memory = 1 << 20,
                                       .pids_limit = 10,
                                       .cgroup_parent = "/sys/fs/cgroup/u" };
        lx = runtime_spec_linux(&o, &map, ID);
        ck_assert(has_ns(lx, "network"));
        ck_assert_str_eq(json_string_value(json_object_get(json_object_get(lx, "sysctl"),
                                                           "net.ipv4.ping_group_range")),
                         "0 0");
        res = json_object_get(lx, "resources");
        /* as podman: swap as much again as the memory */
        ck_assert_int_eq(
                json_integer_value(json_object_get(json_object_get(res, "memory"), "swap")),
                2 << 20);
        ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(res, "pids"), "limit")),
                         10);
        ck_assert_ptr_null(json_object_get(res, "cpu"));
        ck_assert_str_eq(json_string_value(json_object_get(lx, "cgroupsPath")),
                         "/sys/fs/cgroup/u/eng-" ID);
        json_decref(lx);
        eng_idmap_release(&map);
}
END_TEST

START_TEST(test_seccomp)
{
        _cleanup_json_ json_t *lx = json_object();
        struct runtime_run_opts o = { .seccomp = "unconfined" };
        struct eng_error *err = NULL;

        eng_assert_ok(runtime_spec_seccomp(&o, 0, lx, &err), err);
        ck_assert_ptr_null(json_object_get(lx, "seccomp"));
        o.seccomp = NULL;
        eng_assert_fails(runtime_spec_seccomp(&o, 0, lx, &err), err, ENG_E_USAGE);
        ck_assert(strstr(err->msg, "seccomp.json) is not installed"));
        err = eng_err_free(err);
        eng_test_write_file(eng_test_path("profile.json"),
                            "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
                            "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
        o.seccomp_default = eng_test_path("profile.json");
        eng_assert_ok(runtime_spec_seccomp(&o, 0, lx, &err), err);
        ck_assert_str_eq(
                json_string_value(json_object_get(json_object_get(lx, "seccomp"), "defaultAction")),
                "SCMP_ACT_ERRNO");
        o.seccomp = eng_test_path("missing.json");
        eng_assert_fails(runtime_spec_seccomp(&o, 0, lx, &err), err, ENG_E_NOTFOUND);
        err = eng_err_free(err);
}
END_TEST

START_TEST(test_hooks)
{
        char *opts[] = { (char *) "lowerdir=/l", NULL };
        char *publish[] = { (char *) "8080:80", NULL };
        struct storage_root dir = { .kind = STORAGE_ROOT_DIR, .path = (char *) "/r" };
        struct storage_root fuse = { .kind = STORAGE_ROOT_FUSE,
                                     .path = (char *) "/r",
                                     .options = opts };
        struct runtime_run_opts o = { .network = RUNTIME_NET_NONE };
        struct eng_error *err = NULL;
        json_t *h, *create;
        char *w;

        eng_assert_ok(runtime_spec_hooks(&o, &dir, &h, &err), err);
        ck_assert_ptr_null(h);
        o = (struct runtime_run_opts){ .network = RUNTIME_NET_SLIRP };
        eng_assert_fails(runtime_spec_hooks(&o, &dir, &h, &err), err, ENG_E_USAGE);
        ck_assert(strstr(err->msg, "eng-slirp is not installed"));
        err = eng_err_free(err);
        eng_assert_fails(runtime_spec_hooks(&o, &fuse, &h, &err), err, ENG_E_USAGE);
        ck_assert(strstr(err->msg, "needs eng-overlayfs"));
        err = eng_err_free(err);

        o = (struct runtime_run_opts){ .network = RUNTIME_NET_SLIRP,
                                       .slirp_helper = "/x/eng-slirp",
                                       .overlayfs_helper = "/x/eng-overlayfs",
                                       .allow_host_loopback = true,
                                       .publish = publish };
        eng_assert_ok(runtime_spec_hooks(&o, &fuse, &h, &err), err);
        create = json_object_get(h, "createRuntime");
        /* the root first, then the network */
        ck_assert_uint_eq(json_array_size(create), 2);
        ck_assert_str_eq(w = words(json_object_get(json_array_get(create, 0), "args")),
                         "eng-overlayfs --hook -o allow_other,lowerdir=/l /r");
        free(w);
        ck_assert_str_eq(w = words(json_object_get(json_array_get(create, 1), "args")),
                         "/x/eng-slirp --mtu 65520 --allow-host-loopback --publish 8080:80");
        free(w);
        json_decref(h);
}
END_TEST

/* what ps, port and inspect show of -p, without network/ in cmd/ */
START_TEST(test_ports)
{
        struct runtime_port *p = NULL;
        struct eng_error *err = NULL;
        size_t n = 0;

        eng_assert_ok(runtime_ports_parse("8080:80", &p, &n, &err), err);
        eng_assert_ok(runtime_ports_parse("127.0.0.1:9000-9001:90-91/udp", &p, &n, &err), err);
        ck_assert_uint_eq(n, 3);
        ck_assert_str_eq(p[0].host_ip, "");
        ck_assert(!p[0].udp);
        ck_assert_uint_eq(p[0].host_port, 8080);
        ck_assert_uint_eq(p[0].container_port, 80);
        ck_assert_str_eq(p[2].host_ip, "127.0.0.1");
        ck_assert(p[2].udp);
        ck_assert_uint_eq(p[2].host_port, 9001);
        ck_assert_uint_eq(p[2].container_port, 91);
        eng_assert_fails(runtime_ports_parse("http", &p, &n, &err), err, ENG_E_USAGE);
        err = eng_err_free(err);
        ck_assert_uint_eq(n, 3);
        free(p);
        ck_assert_int_eq(runtime_signal_parse("SIGTERM"), 15);
        ck_assert_str_eq(runtime_cap_name(0), "CAP_CHOWN");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("builders");
        TCase *tc = tcase_create("spec");

        tcase_add_checked_fixture(tc, eng_test_dir_setup, eng_test_dir_teardown);
        tcase_add_test(tc, test_args);
        tcase_add_test(tc, test_env);
        tcase_add_test(tc, test_caps);
        tcase_add_test(tc, test_process);
        tcase_add_test(tc, test_mounts);
        tcase_add_test(tc, test_init);
        tcase_add_test(tc, test_linux);
        tcase_add_test(tc, test_seccomp);
        tcase_add_test(tc, test_hooks);
        tcase_add_test(tc, test_ports);
        suite_add_tcase(s, tc);
        return eng_run_suite(s);
}
