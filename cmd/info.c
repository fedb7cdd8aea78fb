/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/paths.h"
#include "common/platform.h"
#include "common/process.h"
#include "common/strv.h"
#include "common/userns.h"
#include "common/xalloc.h"
#include "runtime/cgroup.h"
#include "runtime/container.h"
#include "storage/driver.h"

#include "common/banned.h"

/* What the probes found, and what a user can do about each missing piece. */
struct info {
        json_t *host;
        json_t *store;
        json_t *hints;
        const char *user;
};

static void hint(struct info *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void hint(struct info *in, const char *fmt, ...)
{
        va_list ap;
        char *s;

        va_start(ap, fmt);
        s = eng_xvasprintf(fmt, ap);
        va_end(ap);
        json_array_append_new(in->hints, json_string(s));
        free(s);
}

/* {"usable": ok, "detail": the error text or @ok_detail}; consumes *perr */
static json_t *probe_result(bool ok, struct eng_error **perr, const char *ok_detail)
{
        _cleanup_free_ char *text = *perr ? eng_err_format(*perr) : NULL;

        *perr = eng_err_free(*perr);
        return json_pack("{s:b, s:s}", "usable", ok, "detail", ok ? ok_detail : text ? text : "");
}

static json_t *ranges_json(const struct eng_subid_range *r, size_t n)
{
        json_t *a = json_array();

        for (size_t i = 0; i < n; i++)
                json_array_append_new(a, json_pack("{s:I, s:I}", "start", (json_int_t) r[i].start,
                                                   "count", (json_int_t) r[i].count));
        return a;
}

static json_t *idmap_json(const struct eng_idrange *r, size_t n)
{
        json_t *a = json_array();

        for (size_t i = 0; i < n; i++)
                json_array_append_new(a, json_pack("{s:I, s:I, s:I}", "container_id",
                                                   (json_int_t) r[i].container, "host_id",
                                                   (json_int_t) r[i].host, "size",
                                                   (json_int_t) r[i].size));
        return a;
}

/* KEY's value in os-release(5) text @data, unquoted (heap), or NULL */
static char *os_release_value(const char *data, const char *key)
{
        size_t klen = strlen(key);

        for (const char *line = data; line && *line;) {
                const char *end = strchr(line, '\n');
                size_t len = end ? (size_t) (end - line) : strlen(line);

                if (len > klen && strncmp(line, key, klen) == 0 && line[klen] == '=') {
                        const char *v = line + klen + 1;
                        size_t n = len - klen - 1;

                        if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0])
                                return eng_xstrndup(v + 1, n - 2);
                        return eng_xstrndup(v, n);
                }
                line = end ? end + 1 : NULL;
        }
        return NULL;
}

/* the distribution as podman's info shows it: .Host.Distribution.Distribution, ... */
static json_t *distribution_json(void)
{
        _cleanup_free_ char *data = NULL, *id = NULL, *version = NULL, *codename = NULL;
        _cleanup_free_ char *variant = NULL, *pretty = NULL;
        struct eng_error *e = NULL;

        if (eng_read_file("/etc/os-release", 64 * 1024, &data, NULL, &e) < 0 &&
            eng_read_file("/usr/lib/os-release", 64 * 1024, &data, NULL, &e) < 0)
                data = eng_xstrdup("");
        e = eng_err_free(e);
        id = os_release_value(data, "ID");
        version = os_release_value(data, "VERSION_ID");
        codename = os_release_value(data, "VERSION_CODENAME");
        variant = os_release_value(data, "VARIANT_ID");
        pretty = os_release_value(data, "PRETTY_NAME");
        return json_pack("{s:s, s:s, s:s, s:s, s:s}", "distribution", id ? id : "unknown",
                         "version", version ? version : "unknown", "codename",
                         codename ? codename : "", "variant", variant ? variant : "", "prettyName",
                         pretty ? pretty : "unknown");
}

static void probe_subids(struct info *in, const char *file, const char *kind, const char *name,
                         uint32_t id, json_t *out, bool needed)
{
        _cleanup_free_ struct eng_subid_range *r = NULL;
        struct eng_error *e = NULL;
        size_t n = 0;

        if (eng_subid_read(file, name, id, &r, &n, &e) < 0) {
                _cleanup_free_ char *text = eng_err_format(e);
                e = eng_err_free(e);
                json_object_set_new(
                        out, kind,
                        json_pack("{s:s, s:[], s:s}", "file", file, "ranges", "error", text));
                hint(in, "%s cannot be read (%s): eng maps only your own id", file, text);
                return;
        }
        json_object_set_new(out, kind,
                            json_pack("{s:s, s:o}", "file", file, "ranges", ranges_json(r, n)));
        if (n == 0 && needed) {
                /* a range nobody in the file has yet, as useradd would pick */
                int64_t start = eng_subid_free_start(file, ENG_SUBID_COUNT, &e);

                if (start < 0) {
                        e = eng_err_free(e);
                        start = ENG_SUBID_MIN;
                }
                hint(in,
                     "no subordinate %ss for '%s' in %s: only your own %s is mapped into containers, so files of other owners in images keep their owner in an extended attribute only; as root: usermod --add-sub%ss %" PRId64
                     "-%" PRId64 " %s",
                     kind, name, file, kind, kind, start, start + ENG_SUBID_COUNT - 1, name);
        }
}

static json_t *helper_json(struct info *in, const char *name, bool needed)
{
        struct eng_idmap_helper h;
        json_t *j;

        eng_idmap_helper_check(name, &h);
        j = json_pack("{s:s?, s:b, s:s}", "path", h.path, "usable", h.usable, "detail", h.detail);
        if (!h.usable && needed)
                hint(in, "%s", h.detail);
        eng_idmap_helper_release(&h);
        return j;
}

static int userns_probe_child(_unused_ void *arg, struct eng_error **err)
{
        if (getuid() != 0 || getgid() != 0)
                return eng_err(err, ENG_E_SYS, 0, "not uid/gid 0 inside the user namespace");
        return 0;
}

/* Probe user namespaces with the full mapping, falling back to the single one. */
static void probe_userns(struct info *in, struct eng_idmap *map)
{
        struct eng_error *e = NULL;
        json_t *j;

        if (eng_userns_run(map, 0, userns_probe_child, NULL, &e) == 0) {
                _cleanup_free_ char *d =
                        eng_xasprintf("a user namespace with %llu uids and %llu gids mapped works",
                                      (unsigned long long) eng_idmap_count(map->uid, map->nuid),
                                      (unsigned long long) eng_idmap_count(map->gid, map->ngid));
                json_object_set_new(in->host, "userNamespaces", probe_result(true, &e, d));
                return;
        }
        if (!eng_idmap_is_single(map)) {
                struct eng_idmap single;
                struct eng_error *e2 = NULL;
                _cleanup_free_ char *full = eng_err_format(e);

                eng_idmap_build(geteuid(), NULL, 0, getegid(), NULL, 0, &single);
                if (eng_userns_run(&single, 0, userns_probe_child, NULL, &e2) == 0) {
                        _cleanup_free_ char *d = eng_xasprintf(
                                "only a single-id user namespace works; mapping the subordinate ids failed: %s",
                                full);
                        hint(in,
                             "mapping your subordinate ids failed (%s): check /etc/subuid, /etc/subgid and newuidmap/newgidmap; eng falls back to mapping your own id only",
                             full);
                        e = eng_err_free(e);
                        json_object_set_new(in->host, "userNamespaces", probe_result(true, &e, d));
                        eng_idmap_release(map);
                        *map = single;
                        return;
                }
                e2 = eng_err_free(e2);
                eng_idmap_release(&single);
        }
        j = probe_result(false, &e, NULL);
        hint(in, "user namespaces do not work (%s): eng cannot run containers until they do",
             json_string_value(json_object_get(j, "detail")));
        json_object_set_new(in->host, "userNamespaces", j);
}

static void probe_device(struct info *in, const char *key, const char *dev, int r,
                         struct eng_error **e, const char *ok_detail, const char *needed_for)
{
        int errnum = *e ? (*e)->errnum : 0;
        json_t *j = probe_result(r == 0, e, ok_detail);

        json_object_set_new(j, "device", json_string(dev));
        json_object_set_new(in->host, key, j);
        if (r == 0)
                return;
        if (errnum == EACCES || errnum == EPERM)
                hint(in,
                     "%s is not usable by you (%s), so %s is unavailable; as root: chmod 0666 %s (Debian and Fedora ship it so)",
                     dev, json_string_value(json_object_get(j, "detail")), needed_for, dev);
        else if (errnum == ENOENT || errnum == ENODEV || errnum == ENXIO)
                hint(in, "%s is missing (%s), so %s is unavailable; as root: modprobe %s", dev,
                     json_string_value(json_object_get(j, "detail")), needed_for,
                     strcmp(key, "fuse") == 0 ? "fuse" : "tun");
        else
                hint(in, "%s does not work (%s), so %s is unavailable", dev,
                     json_string_value(json_object_get(j, "detail")), needed_for);
}

static void probe_cgroups(struct info *in)
{
        struct runtime_cgroup_info cg;
        struct eng_error *e = NULL;
        json_t *ctrl;

        if (runtime_cgroup_probe(&cg, &e) < 0) {
                _cleanup_free_ char *text = eng_err_format(e);
                e = eng_err_free(e);
                json_object_set_new(in->host, "cgroups",
                                    json_pack("{s:s, s:b, s:s}", "version", "unknown", "delegated",
                                              false, "detail", text));
                hint(in,
                     "cgroups could not be inspected (%s): containers run without a cgroup of their own, and --memory, --cpus and --pids-limit are refused",
                     text);
                return;
        }
        ctrl = json_array();
        ENG_STRV_FOREACH(c, cg.controllers)
                json_array_append_new(ctrl, json_string(*c));
        json_object_set_new(in->host, "cgroups",
                            json_pack("{s:s, s:s?, s:s?, s:b, s:o, s:s}", "version",
                                      runtime_cgroup_version_name(cg.version), "v2Mount",
                                      cg.v2_mount, "path", cg.own_path, "delegated", cg.delegated,
                                      "controllers", ctrl, "detail", cg.detail));
        if (cg.delegated && !eng_strv_contains(cg.controllers, "memory") &&
            !eng_strv_contains(cg.controllers, "pids") && !eng_strv_contains(cg.controllers, "cpu"))
                hint(in,
                     "the cgroup v2 tree '%s' is ours but has none of the memory, pids and cpu controllers (they are on cgroup v1 hierarchies here): --memory, --cpus and --pids-limit are refused",
                     cg.own_path);
        if (!cg.delegated)
                hint(in,
                     "no delegated cgroup v2 tree: %s. Containers run without a cgroup of their own, and --memory, --cpus and --pids-limit are refused. With systemd, a user session delegates one (loginctl enable-linger %s); without it, an administrator can create a cgroup v2 directory, chown it and its cgroup.procs to you, and start eng from a shell inside it",
                     cg.detail, in->user ? in->user : "USER");
        runtime_cgroup_info_release(&cg);
}

/* the drivers' probes as collect() found them, for storage_driver_choose() */
static bool probed(enum storage_driver d, void *arg, char **ret_why)
{
        const bool *usable = arg;

        *ret_why = usable[d] ? NULL : eng_xstrdup("its probe failed");
        return usable[d];
}

static int collect(struct info *in, struct eng_error **err)
{
        struct passwd *pw = getpwuid(geteuid());
        struct eng_idmap map = { 0 };
        struct eng_paths paths;
        struct eng_error *e = NULL;
        struct utsname u;
        json_t *subids;
        bool usable[STORAGE_DRIVER_COUNT];
        int r;

        if (uname(&u) < 0)
                return eng_err(err, ENG_E_SYS, errno, "uname");
        in->user = pw ? pw->pw_name : NULL;
        if (cmd_paths(&paths, err) < 0)
                return -1;

        json_object_set_new(in->host, "arch", json_string(eng_platform_arch(NULL)));
        json_object_set_new(in->host, "os", json_string("linux"));
        json_object_set_new(in->host, "kernel", json_string(u.release));
        json_object_set_new(in->host, "distribution", distribution_json());
        json_object_set_new(in->host, "hostname", json_string(u.nodename));
        json_object_set_new(in->host, "user",
                            json_pack("{s:s?, s:I, s:I, s:b}", "name", in->user, "uid",
                                      (json_int_t) geteuid(), "gid", (json_int_t) getegid(),
                                      "rootless", geteuid() != 0));
        if (geteuid() == 0)
                hint(in,
                     "you are root: eng is made for normal users; as root it maps the full id range itself");

        subids = json_object();
        json_object_set_new(in->host, "subordinateIds", subids);
        const char *uidfile =
                getenv("ENG_SUBUID_FILE") ? getenv("ENG_SUBUID_FILE") : ENG_SUBUID_FILE;
        const char *gidfile =
                getenv("ENG_SUBGID_FILE") ? getenv("ENG_SUBGID_FILE") : ENG_SUBGID_FILE;
        probe_subids(in, uidfile, "uid", in->user, geteuid(), subids, geteuid() != 0);
        probe_subids(in, gidfile, "gid", in->user, getegid(), subids, geteuid() != 0);

        if (eng_idmap_for_user(&map, &e) < 0) {
                e = eng_err_free(e);
                eng_idmap_build(geteuid(), NULL, 0, getegid(), NULL, 0, &map);
        }
        bool need_helpers = geteuid() != 0 && !eng_idmap_is_single(&map);
        json_object_set_new(in->host, "newuidmap", helper_json(in, "newuidmap", need_helpers));
        json_object_set_new(in->host, "newgidmap", helper_json(in, "newgidmap", need_helpers));

        probe_userns(in, &map);
        json_object_set_new(in->host, "idMappings",
                            json_pack("{s:o, s:o}", "uidmap", idmap_json(map.uid, map.nuid),
                                      "gidmap", idmap_json(map.gid, map.ngid)));

        r = storage_driver_ops(STORAGE_DRIVER_OVERLAY)->probe(paths.graph_root, &map, &e);
        usable[STORAGE_DRIVER_OVERLAY] = r == 0;
        json_object_set_new(in->host, "nativeOverlay",
                            probe_result(usable[STORAGE_DRIVER_OVERLAY], &e,
                                         "overlayfs mounts in a user namespace (userxattr)"));
        if (!usable[STORAGE_DRIVER_OVERLAY])
                hint(in,
                     "native overlayfs does not mount in a user namespace on '%s' (%s); it needs Linux 5.11 or later and a graph root on a file system overlayfs accepts (not overlayfs itself, not NFS)",
                     paths.graph_root,
                     json_string_value(json_object_get(json_object_get(in->host, "nativeOverlay"),
                                                       "detail")));

        /* the device, and the driver (which needs eng-overlayfs beside eng too) */
        r = storage_fuse_probe(&e);
        probe_device(in, "fuse", "/dev/fuse", r, &e, "/dev/fuse opens for reading and writing",
                     "the FUSE overlay (fuse-overlay)");
        r = storage_driver_ops(STORAGE_DRIVER_FUSE_OVERLAY)->probe(paths.graph_root, &map, &e);
        usable[STORAGE_DRIVER_FUSE_OVERLAY] = r == 0;
        if (r < 0 && e->kind == ENG_E_NOTFOUND)
                hint(in, "%s: no fuse-overlay driver", e->msg);
        e = eng_err_free(e);
        usable[STORAGE_DRIVER_VFS] =
                storage_driver_ops(STORAGE_DRIVER_VFS)->probe(paths.graph_root, &map, &e) == 0;
        e = eng_err_free(e);

        r = runtime_network_probe(&map, &e);
        probe_device(in, "tun", "/dev/net/tun", r, &e,
                     "a tap device can be made in a new user and network namespace",
                     "user-mode networking (slirp)");
        {
                /* the default network of containers, and its helper (podman: host.slirp4netns) */
                _cleanup_free_ char *slirp = eng_find_helper("eng-slirp");

                json_object_set_new(in->host, "networkBackend", json_string("slirp"));
                json_object_set_new(
                        in->host, "slirp",
                        json_pack("{s:s?,s:s}", "executable", slirp, "defaultNetwork",
                                  "slirp (10.0.2.100/24, gateway 10.0.2.2, DNS 10.0.2.3)"));
                if (!slirp)
                        hint(in,
                             "the network helper eng-slirp is not installed beside eng: containers need --network none or host");
        }

        probe_cgroups(in);
        {
                /* the runtime detached containers run under (the foreground ones run
                 * the same code inside eng), and the format of their logs */
                _cleanup_free_ char *rt = eng_find_helper("eng-runtime");

                json_object_set_new(in->host, "ociRuntime",
                                    json_pack("{s:s, s:s?, s:s}", "name", "eng-runtime", "path", rt,
                                              "version", PACKAGE_VERSION));
                if (!rt)
                        hint(in,
                             "the runtime eng-runtime is not installed beside eng: run -d cannot start containers");
                json_object_set_new(in->host, "logDriver", json_string("k8s-file"));
        }

        enum storage_driver requested, driver;
        bool have_requested = false;
        _cleanup_free_ char *reason = NULL;
        struct cmd_config config = { 0 };
        const char *asked = arg_global.storage_driver;

        if (cmd_config_load(&paths, &config, err) < 0) {
                eng_idmap_release(&map);
                eng_paths_release(&paths);
                return -1;
        }
        if (!asked)
                asked = config.storage_driver;
        if (asked) {
                if (storage_driver_parse(asked, &requested, err) < 0) {
                        /* --storage-driver was checked when parsed: this is the file's */
                        eng_err_wrap(err, "%s", config.file);
                        cmd_config_release(&config);
                        eng_idmap_release(&map);
                        eng_paths_release(&paths);
                        return -1;
                }
                have_requested = true;
        }
        json_object_set_new(in->store, "configFile", json_string(config.file));
        cmd_config_release(&config);
        driver = storage_driver_choose(have_requested ? &requested : NULL, probed, usable, &reason);
        json_object_set_new(in->store, "graphRoot", json_string(paths.graph_root));
        json_object_set_new(in->store, "runRoot", json_string(paths.run_root));
        json_object_set_new(in->store, "runRootFallback", json_boolean(paths.run_root_fallback));
        if (paths.run_root_reason)
                json_object_set_new(in->store, "runRootReason", json_string(paths.run_root_reason));
        json_object_set_new(in->store, "configDir", json_string(paths.config_dir));
        json_object_set_new(in->store, "graphDriverName", json_string(storage_driver_name(driver)));
        json_object_set_new(in->store, "graphDriverReason", json_string(reason));
        {
                /* as podman shows its mount program for fuse-overlayfs */
                json_t *opts = json_object();

                if (driver == STORAGE_DRIVER_FUSE_OVERLAY) {
                        _cleanup_free_ char *ovl = eng_find_helper("eng-overlayfs");

                        json_object_set_new(opts, "overlay.mount_program",
                                            json_pack("{s:s?}", "Executable", ovl));
                }
                json_object_set_new(in->store, "graphOptions", opts);
        }
        if (driver == STORAGE_DRIVER_VFS && !have_requested)
                hint(in,
                     "no overlay is available, so the vfs driver copies every image for each container: slow and large");

        eng_idmap_release(&map);
        eng_paths_release(&paths);
        return 0;
}

int cmd_info(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        enum cmd_format format = CMD_FORMAT_HUMAN;
        struct cmd_template *template = NULL;
        _cleanup_json_ json_t *all = NULL;
        struct info in;
        int r = cmd_parse_format_only(cmd, argc, argv,
                                      "'json' for JSON, or a Go template like '{{.Host.Arch}}'",
                                      &format, &template, err);

        if (r != 0)
                return r < 0 ? r : 0;

        in = (struct info){ .host = json_object(), .store = json_object(), .hints = json_array() };
        all = json_pack("{s:o, s:o, s:o, s:o}", "host", in.host, "store", in.store, "version",
                        cmd_version_json(), "hints", in.hints);
        if (collect(&in, err) < 0) {
                cmd_template_free(template);
                return eng_err_wrap(err, "gathering information");
        }
        if (format == CMD_FORMAT_TEMPLATE) {
                _cleanup_json_ json_t *rows = json_pack("[O]", all);

                r = cmd_template_print(template, rows, NULL, err);
                cmd_template_free(template);
                return r;
        }
        if (format == CMD_FORMAT_JSON)
                return cmd_print_json(all, err);
        cmd_print_yaml(all);
        return 0;
}
