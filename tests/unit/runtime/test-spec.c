/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The runtime's readers: config.json, capabilities, mount options, seccomp profiles. */
#include "config.h"

#include <jansson.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/container.h"
#include "runtime/oci/oci-internal.h"
#include "runtime/oci/oci.h"
#include "tests/unit/harness.h"

static struct oci_spec *parse(const char *text, struct eng_error **err)
{
        json_error_t je;
        json_t *j = json_loads(text, 0, &je);
        struct oci_spec *s;

        ck_assert_msg(j != NULL, "bad test JSON: %s", je.text);
        s = oci_spec_parse(j, "/bundle", err);
        json_decref(j);
        return s;
}

START_TEST(test_spec_minimal)
{
        struct eng_error *err = NULL;
        struct oci_spec *s = parse(
                "{\"root\":{\"path\":\"rootfs\"},\"process\":{\"args\":[\"sh\"],\"user\":{\"uid\":5,\"gid\":6,\"additionalGids\":[7]},"
                "\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_NEW_IN_2030\"]},"
                "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":10,\"hard\":20}]},"
                "\"linux\":{\"namespaces\":[{\"type\":\"user\"},{\"type\":\"network\",\"path\":\"/proc/1/ns/net\"}]}}",
                &err);

        ck_assert_msg(s != NULL, "%s", err ? err->msg : "");
        ck_assert_str_eq(s->root_path, "/bundle/rootfs");
        ck_assert_str_eq(s->process.cwd, "/");
        ck_assert_uint_eq(s->process.uid, 5);
        ck_assert_uint_eq(s->process.gid, 6);
        ck_assert_uint_eq(s->process.nadditional_gids, 1);
        ck_assert(s->process.has_caps);
        ck_assert_uint_eq(s->process.cap_bounding, 1); /* CAP_CHOWN; the unknown one ignored */
        ck_assert_uint_eq(s->process.nrlimits, 1);
        ck_assert_uint_eq(s->process.rlimits[0].hard, 20);
        ck_assert(s->ns_new[OCI_NS_USER]);
        ck_assert(!s->ns_new[OCI_NS_NET]);
        ck_assert_str_eq(s->ns_path[OCI_NS_NET], "/proc/1/ns/net");
        /* no mappings with a new user namespace: the caller becomes 0 */
        ck_assert_uint_eq(s->idmap.nuid, 1);
        ck_assert_uint_eq(s->idmap.uid[0].host, geteuid());
        ck_assert_uint_eq(s->idmap.uid[0].size, 1);
        ck_assert(!s->has_resources);
        oci_spec_free(s);
}
END_TEST

START_TEST(test_spec_errors)
{
        static const struct {
                const char *doc;
                const char *says;
        } cases[] = {
                { "[]", "not a JSON object" },
                { "{\"process\":{\"args\":[\"sh\"]}}", "'root.path' is missing" },
                { "{\"root\":{\"path\":\"r\"}}", "'process' is missing" },
                { "{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[]}}", "no command to run" },
                { "{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"],\"cwd\":\"tmp\"}}",
                  "not an absolute path" },
                { "{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"]},\"linux\":{\"namespaces\":[{\"type\":\"time2\"}]}}",
                  "unknown namespace type 'time2'" },
                { "{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"],\"rlimits\":[{\"type\":\"RLIMIT_X\",\"soft\":1,\"hard\":1}]}}",
                  "unknown limit" },
                { "{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"],\"user\":{\"uid\":-1}}}",
                  "'process.user.uid'" },
                { "{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"]},\"mounts\":[{\"destination\":\"rel\"}]}",
                  "'mounts.destination'" },
                { "{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"],\"oomScoreAdj\":1001}}",
                  "'process.oomScoreAdj'" },
                { "{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"]},\"linux\":{\"devices\":[{\"path\":\"/dev/../x\",\"type\":\"c\",\"major\":1,\"minor\":3}]}}",
                  "not an absolute path in the container" },
                { "{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"]},\"domainname\":\"d\",\"linux\":{\"sysctl\":{\"kernel.domainname\":\"e\"}}}",
                  "another value than the domainname field" },
                { "{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"]},\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\"}]}}",
                  "without major and minor" },
                { "{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"]},\"hooks\":{\"poststop\":[{\"path\":\"rel\"}]}}",
                  "'hooks.path'" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct eng_error *err = NULL;
                struct oci_spec *s = parse(cases[i].doc, &err);

                ck_assert_msg(s == NULL, "case %zu parsed", i);
                ck_assert_int_eq(err->kind, ENG_E_INVALID);
                ck_assert_msg(strstr(err->msg, cases[i].says), "case %zu: '%s' lacks '%s'", i,
                              err->msg, cases[i].says);
                eng_err_free(err);
        }
}
END_TEST

START_TEST(test_spec_resources)
{
        struct eng_error *err = NULL;
        struct oci_spec *s = parse(
                "{\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"sh\"]},"
                "\"linux\":{\"resources\":{\"memory\":{\"limit\":1048576},\"pids\":{\"limit\":10},\"devices\":[]}}}",
                &err);

        ck_assert_ptr_nonnull(s);
        ck_assert(s->has_resources);
        ck_assert_str_eq(s->resources_summary, "memory pids");
        ck_assert_int_eq(s->memory_limit, 1048576);
        ck_assert_int_eq(s->pids_limit, 10);
        ck_assert_int_eq(s->cpu_quota, 0);
        ck_assert_ptr_null(s->cgroups_path);
        oci_spec_free(s);
}
END_TEST

START_TEST(test_spec_cgroups_path)
{
        struct eng_error *err = NULL;
        struct oci_spec *s = parse(
                "{\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"sh\"]},"
                "\"linux\":{\"cgroupsPath\":\"user/eng-1\",\"resources\":{\"cpu\":{\"quota\":50000,\"period\":100000}}}}",
                &err);

        ck_assert_ptr_nonnull(s);
        ck_assert_str_eq(s->cgroups_path, "/user/eng-1");
        ck_assert_int_eq(s->cpu_quota, 50000);
        ck_assert_int_eq(s->cpu_period, 100000);
        oci_spec_free(s);
        /* out of the mount, or a systemd slice: refused */
        s = parse("{\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"sh\"]},"
                  "\"linux\":{\"cgroupsPath\":\"/a/../../b\"}}",
                  &err);
        ck_assert_ptr_null(s);
        ck_assert(strstr(err->msg, "cgroupsPath"));
        err = eng_err_free(err);
        s = parse("{\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"sh\"]},"
                  "\"linux\":{\"cgroupsPath\":\"user.slice:eng:1\"}}",
                  &err);
        ck_assert_ptr_null(s);
        err = eng_err_free(err);
}
END_TEST

START_TEST(test_caps)
{
        ck_assert_int_eq(oci_cap_parse("CAP_CHOWN"), 0);
        ck_assert_int_eq(oci_cap_parse("chown"), 0);
        ck_assert_int_eq(oci_cap_parse("net_raw"), 13);
        ck_assert_int_eq(oci_cap_parse("Cap_Sys_Admin"), 21);
        ck_assert_int_eq(oci_cap_parse("CAP_NOPE"), -1);
        ck_assert_str_eq(oci_cap_name(31), "CAP_SETFCAP");
        ck_assert_ptr_null(oci_cap_name(64));
        /* podman's default set */
        ck_assert_uint_eq(oci_default_caps, 0x800405fbu);
}
END_TEST

START_TEST(test_mount_options)
{
        _cleanup_strv_ char **opts =
                TEST_ARGV("rbind", "ro", "nosuid", "rslave", "size=1m", "z", "mode=755");
        _cleanup_strv_ char **opts2 = TEST_ARGV("ro", "rw", "noexec", "exec");
        _cleanup_strv_ char **opts3 = TEST_ARGV("rbind", "rro", "rnosuid", "rsuid", "rnoexec");
        struct oci_mount_flags mf;

        oci_mount_options_parse(opts, &mf);
        ck_assert_uint_eq(mf.flags, MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID);
        ck_assert_uint_eq(mf.propagation, MS_REC | MS_SLAVE);
        ck_assert_str_eq(mf.data, "size=1m,mode=755");
        free(mf.data);
        oci_mount_options_parse(opts2, &mf);
        ck_assert_uint_eq(mf.flags, 0); /* later options undo earlier ones */
        ck_assert_str_eq(mf.data, "");
        free(mf.data);
        /* the recursive forms, for mount_setattr() */
        oci_mount_options_parse(opts3, &mf);
        ck_assert_uint_eq(mf.flags, MS_BIND | MS_REC);
        ck_assert_uint_eq(mf.attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOEXEC);
        ck_assert_uint_eq(mf.attr_clr, MOUNT_ATTR_NOSUID);
        ck_assert_str_eq(mf.data, "");
        free(mf.data);
}
END_TEST

START_TEST(test_spec_hooks_devices)
{
        struct eng_error *err = NULL;
        struct oci_spec *s = parse(
                "{\"root\":{\"path\":\"r\"},\"domainname\":\"d.example\",\"process\":{\"args\":[\"sh\"],\"oomScoreAdj\":-17},"
                "\"hooks\":{\"prestart\":[{\"path\":\"/a\"}],\"createRuntime\":[{\"path\":\"/b\",\"timeout\":3}],"
                "\"createContainer\":[{\"path\":\"/c\"}],\"startContainer\":[{\"path\":\"/d\",\"args\":[\"d\",\"x\"]}],"
                "\"poststart\":[{\"path\":\"/e\"}],\"poststop\":[{\"path\":\"/f\"},{\"path\":\"/g\"}]},"
                "\"linux\":{\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229,\"fileMode\":438,\"uid\":0,\"gid\":0},"
                "{\"path\":\"/dev/p\",\"type\":\"p\"}]}}",
                &err);

        ck_assert_msg(s != NULL, "%s", err ? err->msg : "");
        ck_assert_str_eq(s->domainname, "d.example");
        ck_assert(s->process.has_oom_score_adj);
        ck_assert_int_eq(s->process.oom_score_adj, -17);
        /* prestart and createRuntime run as one list, in that order */
        ck_assert_uint_eq(s->hooks[OCI_HOOK_CREATE_RUNTIME].n, 2);
        ck_assert_str_eq(s->hooks[OCI_HOOK_CREATE_RUNTIME].v[0].path, "/a");
        ck_assert_int_eq(s->hooks[OCI_HOOK_CREATE_RUNTIME].v[1].timeout, 3);
        ck_assert_uint_eq(s->hooks[OCI_HOOK_CREATE_CONTAINER].n, 1);
        ck_assert_str_eq(s->hooks[OCI_HOOK_START_CONTAINER].v[0].args[1], "x");
        ck_assert_uint_eq(s->hooks[OCI_HOOK_POSTSTART].n, 1);
        ck_assert_uint_eq(s->hooks[OCI_HOOK_POSTSTOP].n, 2);
        ck_assert_uint_eq(s->ndevices, 2);
        ck_assert_uint_eq(s->devices[0].type, S_IFCHR);
        ck_assert_uint_eq(s->devices[0].major, 10);
        ck_assert_uint_eq(s->devices[0].mode, 0666);
        ck_assert_uint_eq(s->devices[1].type, S_IFIFO);
        oci_spec_free(s);
}
END_TEST

START_TEST(test_seccomp_profile)
{
        json_t *profile = json_loads(
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
                "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":[\"SCMP_ARCH_X86\"]},"
                "{\"architecture\":\"SCMP_ARCH_AARCH64\",\"subArchitectures\":[\"SCMP_ARCH_ARM\"]}],"
                "\"syscalls\":["
                "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"},"
                "{\"names\":[\"chroot\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":[\"CAP_SYS_CHROOT\"]}},"
                "{\"names\":[\"chroot\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,\"excludes\":{\"caps\":[\"CAP_SYS_CHROOT\"]}},"
                "{\"names\":[\"s390_runtime_instr\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"arches\":[\"s390x\"]}}]}",
                0, NULL);
        json_t *with = oci_seccomp_from_profile(profile, UINT64_C(1) << 18);
        json_t *without = oci_seccomp_from_profile(profile, 0);

        ck_assert_ptr_nonnull(profile);
        ck_assert_uint_eq(json_array_size(json_object_get(with, "syscalls")), 2);
        ck_assert_str_eq(json_string_value(json_object_get(
                                 json_array_get(json_object_get(with, "syscalls"), 1), "action")),
                         "SCMP_ACT_ALLOW");
        ck_assert_str_eq(
                json_string_value(json_object_get(
                        json_array_get(json_object_get(without, "syscalls"), 1), "action")),
                "SCMP_ACT_ERRNO");
        ck_assert_int_eq(json_integer_value(json_object_get(without, "defaultErrnoRet")), 38);
#if defined(__x86_64__)
        ck_assert_uint_eq(json_array_size(json_object_get(with, "architectures")), 2);
        ck_assert_str_eq(
                json_string_value(json_array_get(json_object_get(with, "architectures"), 0)),
                "SCMP_ARCH_X86_64");
#endif
        json_decref(with);
        json_decref(without);
        json_decref(profile);
}
END_TEST

START_TEST(test_seccomp_compile_and_cache)
{
        json_t *s = json_loads("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
                               "\"syscalls\":[{\"names\":[\"read\",\"no_such_call\"],\"action\":"
                               "\"SCMP_ACT_ALLOW\"}]}",
                               0, NULL);
        json_t *bad = json_loads("{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}", 0, NULL);
        json_t *unknown = json_loads("{\"defaultAction\":\"SCMP_ACT_NOPE\"}", 0, NULL);
        json_t *two = json_loads(
                "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"personality\"],"
                "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":8,\"op\":\"SCMP_CMP_EQ\"},"
                "{\"index\":0,\"value\":16,\"op\":\"SCMP_CMP_EQ\"}]}]}",
                0, NULL);
        struct eng_error *err = NULL;
        struct oci_seccomp_prog *a, *b;
        const char *cache = eng_test_path("cache");

        a = oci_seccomp_compile(s, cache, &err);
        ck_assert_msg(a != NULL, "%s", err ? err->msg : "");
        ck_assert_uint_gt(a->len, 2);
        /* the second time it comes from the cache, the same program */
        ck_assert_int_eq(access(cache, F_OK), 0);
        b = oci_seccomp_compile(s, cache, &err);
        ck_assert_ptr_nonnull(b);
        ck_assert_uint_eq(a->len, b->len);
        ck_assert_int_eq(memcmp(a->filter, b->filter, a->len * 8), 0);
        oci_seccomp_prog_free(a);
        oci_seccomp_prog_free(b);
        /* two conditions on one argument: libseccomp takes them as a rule each */
        a = oci_seccomp_compile(two, NULL, &err);
        ck_assert_msg(a != NULL, "%s", err ? err->msg : "");
        oci_seccomp_prog_free(a);
        json_decref(two);
        /* notifications need a listener to go to */
        ck_assert_ptr_null(oci_seccomp_compile(bad, NULL, &err));
        ck_assert(strstr(err->msg, "SCMP_ACT_NOTIFY needs a listenerPath"));
        err = eng_err_free(err);
        ck_assert_ptr_null(oci_seccomp_compile(unknown, NULL, &err));
        ck_assert(strstr(err->msg, "unsupported action 'SCMP_ACT_NOPE'"));
        eng_err_free(err);
        json_decref(unknown);
        json_decref(s);
        json_decref(bad);
}
END_TEST

START_TEST(test_parse_size)
{
        ck_assert_int_eq(runtime_parse_size("1024"), 1024);
        ck_assert_int_eq(runtime_parse_size("64m"), 64 << 20);
        ck_assert_int_eq(runtime_parse_size("1g"), 1 << 30);
        ck_assert_int_eq(runtime_parse_size("2KB"), 2048);
        ck_assert_int_eq(runtime_parse_size("1.5k"), 1536);
        ck_assert_int_eq(runtime_parse_size("12x"), -1);
        ck_assert_int_eq(runtime_parse_size(""), -1);
        ck_assert_int_eq(runtime_parse_size("-5"), -1);
        ck_assert_int_eq(runtime_parse_size("99999999999999999999"), -1);
        ck_assert_int_eq(runtime_parse_size("9999999999g"), -1);
        ck_assert_int_eq(runtime_parse_size("inf"), -1);
        ck_assert_int_eq(runtime_parse_size("nan"), -1);
}
END_TEST

START_TEST(test_ids)
{
        _cleanup_free_ char *a = runtime_id_generate(), *b = runtime_id_generate();
        _cleanup_free_ char *n = runtime_name_generate();

        ck_assert_uint_eq(strlen(a), 64);
        ck_assert_str_ne(a, b);
        ck_assert_ptr_nonnull(strchr(n, '_'));
}
END_TEST

int main(void)
{
        Suite *s = suite_create("runtime-spec");
        TCase *tc = tcase_create("spec");

        tcase_add_checked_fixture(tc, eng_test_dir_setup, eng_test_dir_teardown);
        tcase_add_test(tc, test_spec_minimal);
        tcase_add_test(tc, test_spec_errors);
        tcase_add_test(tc, test_spec_resources);
        tcase_add_test(tc, test_spec_cgroups_path);
        tcase_add_test(tc, test_caps);
        tcase_add_test(tc, test_mount_options);
        tcase_add_test(tc, test_spec_hooks_devices);
        tcase_add_test(tc, test_seccomp_profile);
        tcase_add_test(tc, test_seccomp_compile_and_cache);
        tcase_add_test(tc, test_parse_size);
        tcase_add_test(tc, test_ids);
        suite_add_tcase(s, tc);
        return eng_run_suite(s);
}
