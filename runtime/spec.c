/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * From image config and `eng run` options to an OCI runtime spec, by
 * podman's rules (pkg/specgen): entrypoint and command, environment, user
 * and groups from the container's own /etc/passwd and /etc/group, default
 * mounts, volumes, capabilities, seccomp, masked paths, hooks.  Each part
 * is a builder of runtime/spec.h; runtime_container_spec() joins them.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/strbuf.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "runtime/container.h"
#include "runtime/oci/oci.h"
#include "runtime/spec.h"
#include "storage/container.h"

#include "common/banned.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define ETC_MAX      (4u << 20)

static const char *const masked_paths[] = {
        "/proc/acpi",       "/proc/kcore",       "/proc/keys",        "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
        "/sys/firmware",    "/sys/fs/selinux",   "/sys/dev/block",
};

static const char *const readonly_paths[] = {
        "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

/* --- environment */

static void env_set(json_t *env, const char *kv)
{
        const char *eq = strchr(kv, '=');
        size_t klen = eq ? (size_t) (eq - kv) : strlen(kv);
        json_t *v;
        size_t i;

        json_array_foreach(env, i, v) {
                const char *s = json_string_value(v);

                if (s && strncmp(s, kv, klen) == 0 && (s[klen] == '=' || s[klen] == '\0')) {
                        json_array_set_new(env, i, json_string(kv));
                        return;
                }
        }
        json_array_append_new(env, json_string(kv));
}

static bool env_has(json_t *env, const char *key)
{
        size_t klen = strlen(key), i;
        json_t *v;

        json_array_foreach(env, i, v) {
                const char *s = json_string_value(v);

                if (s && strncmp(s, key, klen) == 0 && s[klen] == '=')
                        return true;
        }
        return false;
}

/* "K=V" as is; "K" takes our value, and is dropped when we have none (podman). */
static void env_add_option(json_t *env, const char *kv)
{
        if (strchr(kv, '=')) {
                env_set(env, kv);
                return;
        }
        if (getenv(kv)) {
                _cleanup_free_ char *full = eng_xasprintf("%s=%s", kv, getenv(kv));

                env_set(env, full);
        }
}

static int env_file_read(json_t *env, const char *path, struct eng_error **err)
{
        _cleanup_free_ char *data = NULL;
        _cleanup_strv_ char **lines = NULL;

        if (eng_read_file(path, ETC_MAX, &data, NULL, err) < 0)
                return eng_err_wrap(err, "--env-file");
        lines = eng_strv_split(data, "\n");
        ENG_STRV_FOREACH(l, lines) {
                char *s = *l;

                while (*s == ' ' || *s == '\t')
                        s++;
                if (*s == '#' || *s == '\0')
                        continue;
                if (s[0] == '=')
                        return eng_err(err, ENG_E_USAGE, 0,
                                       "--env-file '%s': a line without a variable name: '%s'",
                                       path, s);
                env_add_option(env, s);
        }
        return 0;
}

/* --- users and groups, from the container's own files */

struct passwd_entry {
        char *name;
        uint32_t uid;
        uint32_t gid;
        char *home;
};

static bool parse_u32(const char *s, uint32_t *ret)
{
        char *end;
        unsigned long v;

        if (!*s || *s == '-' || *s == '+')
                return false;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || v > UINT32_MAX)
                return false;
        *ret = (uint32_t) v;
        return true;
}

/* The passwd line matching @name (or, when numeric, the uid). */
static bool passwd_find(const char *data, const char *name, struct passwd_entry *ret)
{
        _cleanup_strv_ char **lines = eng_strv_split(data ? data : "", "\n");
        uint32_t want;
        bool numeric = parse_u32(name, &want);

        ENG_STRV_FOREACH(l, lines) {
                _cleanup_strv_ char **f = NULL;
                char *p = *l, *fields[7] = { 0 };
                int n = 0;
                uint32_t uid, gid;

                /* split on every ':' keeping empty fields */
                fields[n++] = p;
                for (; *p && n < 7; p++)
                        if (*p == ':') {
                                *p = '\0';
                                fields[n++] = p + 1;
                        }
                if (n < 4 || !parse_u32(fields[2], &uid) || !parse_u32(fields[3], &gid))
                        continue;
                if (numeric ? uid != want : strcmp(fields[0], name) != 0)
                        continue;
                ret->name = eng_xstrdup(fields[0]);
                ret->uid = uid;
                ret->gid = gid;
                ret->home = eng_xstrdup(n >= 6 && *fields[5] ? fields[5] : "/");
                return true;
        }
        return false;
}

/* Group @name's gid (or the number itself), and the gids whose member list has @user. */
static bool group_find(const char *data, const char *name, uint32_t *ret_gid)
{
        _cleanup_strv_ char **lines = eng_strv_split(data ? data : "", "\n");

        ENG_STRV_FOREACH(l, lines) {
                char *a = strchr(*l, ':'), *b, *c;
                uint32_t gid;

                if (!a || !(b = strchr(a + 1, ':')))
                        continue;
                *a = '\0';
                c = strchr(b + 1, ':');
                if (c)
                        *c = '\0';
                if (strcmp(*l, name) == 0 && parse_u32(b + 1, &gid)) {
                        *ret_gid = gid;
                        return true;
                }
        }
        return false;
}

static json_t *member_groups(const char *data, const char *user, uint32_t primary)
{
        _cleanup_strv_ char **lines = eng_strv_split(data ? data : "", "\n");
        json_t *gids = json_array();

        ENG_STRV_FOREACH(l, lines) {
                char *f[4] = { *l, NULL, NULL, NULL };
                int n = 1;
                uint32_t gid;

                for (char *p = *l; *p && n < 4; p++)
                        if (*p == ':') {
                                *p = '\0';
                                f[n++] = p + 1;
                        }
                if (n < 4 || !parse_u32(f[2], &gid) || gid == primary)
                        continue;
                _cleanup_strv_ char **members = eng_strv_split(f[3], ",");
                if (eng_strv_contains(members, user))
                        json_array_append_new(gids, json_integer(gid));
        }
        return gids;
}

/*
 * An id the process can be given: never 4294967295, which set*id() and
 * chown() take as "leave it as it is" (the process would stay root), and,
 * where the container's mapping is known (@r), one that it maps.
 */
static int check_id(const char *what, uint32_t id, const struct eng_idrange *r, size_t n,
                    struct eng_error **err)
{
        if (id == UINT32_MAX)
                return eng_err(err, ENG_E_USAGE, 0, "%s %" PRIu32 " is not a valid id", what, id);
        if (r && !eng_idmap_contains(r, n, id))
                return eng_err(err, ENG_E_USAGE, 0,
                               "%s %" PRIu32
                               " is not mapped in the container's user namespace (it maps %" PRIu64
                               " ids from 0)",
                               what, id, eng_idmap_count(r, n));
        return 0;
}

static int resolve_user(struct storage_store *s, json_t *record, const char *spec, json_t *process,
                        json_t *env, const struct eng_idmap *map, struct eng_error **err)
{
        _cleanup_free_ char *user = eng_xstrdup(spec && *spec ? spec : "0");
        _cleanup_free_ char *passwd = NULL, *group = NULL;
        struct passwd_entry pw = { 0 };
        char *colon = strchr(user, ':');
        const char *gname = NULL;
        uint32_t uid = 0, gid = 0;
        bool found;
        int r;

        if (colon) {
                *colon = '\0';
                gname = colon + 1;
        }
        r = storage_container_read_file(s, record, "/etc/passwd", ETC_MAX, &passwd, err);
        if (r < 0 && r != -ENOENT)
                return -1;
        r = storage_container_read_file(s, record, "/etc/group", ETC_MAX, &group, err);
        if (r < 0 && r != -ENOENT)
                return -1;
        found = passwd_find(passwd, user, &pw);
        if (found) {
                uid = pw.uid;
                gid = pw.gid;
        } else if (!parse_u32(user, &uid)) {
                return eng_err(err, ENG_E_USAGE, 0,
                               "unable to find user %s: no matching entries in passwd file", user);
        }
        if (gname && *gname && !parse_u32(gname, &gid) && !group_find(group, gname, &gid)) {
                free(pw.name);
                free(pw.home);
                return eng_err(err, ENG_E_USAGE, 0,
                               "unable to find group %s: no matching entries in group file", gname);
        }
        if (check_id("uid", uid, map ? map->uid : NULL, map ? map->nuid : 0, err) < 0 ||
            check_id("gid", gid, map ? map->gid : NULL, map ? map->ngid : 0, err) < 0) {
                free(pw.name);
                free(pw.home);
                return eng_err_wrap(err, "user '%s'", spec);
        }
        json_object_set_new(process, "user",
                            json_pack("{s:I,s:I,s:o}", "uid", (json_int_t) uid, "gid",
                                      (json_int_t) gid, "additionalGids",
                                      found ? member_groups(group, pw.name, gid) : json_array()));
        if (!env_has(env, "HOME")) {
                _cleanup_free_ char *home = eng_xasprintf("HOME=%s", found ? pw.home : "/");

                env_set(env, home);
        }
        free(pw.name);
        free(pw.home);
        return 0;
}

/* --- mounts */

static json_t *mount_obj(const char *dest, const char *type, const char *source, json_t *options)
{
        return json_pack("{s:s,s:s,s:s,s:o}", "destination", dest, "type", type, "source", source,
                         "options", options);
}

static bool has_dest(json_t *mounts, const char *dest)
{
        json_t *m;
        size_t i;

        json_array_foreach(mounts, i, m)
                if (strcmp(json_string_value(json_object_get(m, "destination")), dest) == 0)
                        return true;
        return false;
}

/* A mount the user gave replaces a default one at the same place. */
static void mount_replace(json_t *mounts, json_t *m)
{
        const char *dest = json_string_value(json_object_get(m, "destination"));
        json_t *o;
        size_t i;

        json_array_foreach(mounts, i, o)
                if (strcmp(json_string_value(json_object_get(o, "destination")), dest) == 0) {
                        json_array_set_new(mounts, i, m);
                        return;
                }
        json_array_append_new(mounts, m);
}

/* whether @p names "/" ("/", "//", "/./", ...) */
static bool is_root_path(const char *p)
{
        for (; *p; p++)
                if (*p != '/' && !(*p == '.' && (p[1] == '/' || !p[1]) && p[-1] == '/'))
                        return false;
        return true;
}

static int clean_dest(const char *opt, const char *dest, struct eng_error **err)
{
        if (!dest || dest[0] != '/')
                return eng_err(err, ENG_E_USAGE, 0, "%s: the container path '%s' is not absolute",
                               opt, dest ? dest : "");
        /* the root is the image's: a mount there would fill the host directory
         * with the container's mount points (dev, proc, sys, etc) */
        if (is_root_path(dest))
                return eng_err(err, ENG_E_USAGE, 0, "%s: the container path cannot be '/'", opt);
        return 0;
}

static int add_volume(json_t *mounts, const char *spec, struct eng_error **err)
{
        _cleanup_strv_ char **parts = NULL;
        _cleanup_free_ char *src = NULL;
        json_t *opts = json_array();
        size_t n;

        /* host:ctr[:opts]; a bare /path would be a named volume, which comes later */
        parts = eng_strv_split(spec, ":");
        n = eng_strv_length(parts);
        if (n < 2 || n > 3) {
                json_decref(opts);
                if (n == 1)
                        return eng_err(
                                err, ENG_E_USAGE, 0,
                                "-v '%s': anonymous and named volumes are not implemented yet; give HOST-DIR:CONTAINER-DIR",
                                spec);
                return eng_err(err, ENG_E_USAGE, 0, "-v '%s': expected HOST:CONTAINER[:OPTIONS]",
                               spec);
        }
        if (parts[0][0] != '/' && parts[0][0] != '.') {
                json_decref(opts);
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "-v '%s': named volumes are not implemented yet; give an absolute host path",
                        spec);
        }
        if (clean_dest("-v", parts[1], err) < 0) {
                json_decref(opts);
                return -1;
        }
        src = realpath(parts[0], NULL);
        if (!src) {
                json_decref(opts);
                return eng_err(err, ENG_E_USAGE, errno, "-v '%s': the host path '%s'", spec,
                               parts[0]);
        }
        json_array_append_new(opts, json_string("rbind"));
        if (n == 3) {
                _cleanup_strv_ char **o = eng_strv_split(parts[2], ",");
                bool ro_rw = false;

                ENG_STRV_FOREACH(x, o) {
                        /* ro,rw would leave it writable: one of them, once (podman) */
                        if (strcmp(*x, "ro") == 0 || strcmp(*x, "rw") == 0) {
                                if (ro_rw) {
                                        json_decref(opts);
                                        return eng_err(
                                                err, ENG_E_USAGE, 0,
                                                "-v '%s': invalid options: 'ro' or 'rw' can be given only once",
                                                spec);
                                }
                                ro_rw = true;
                        }
                        if (strcmp(*x, "ro") == 0 || strcmp(*x, "rw") == 0 ||
                            strcmp(*x, "z") == 0 || strcmp(*x, "Z") == 0 ||
                            strcmp(*x, "nosuid") == 0 || strcmp(*x, "nodev") == 0 ||
                            strcmp(*x, "noexec") == 0 || strcmp(*x, "suid") == 0 ||
                            strcmp(*x, "dev") == 0 || strcmp(*x, "exec") == 0 ||
                            strcmp(*x, "rprivate") == 0 || strcmp(*x, "private") == 0 ||
                            strcmp(*x, "rslave") == 0 || strcmp(*x, "slave") == 0 ||
                            strcmp(*x, "rshared") == 0 || strcmp(*x, "shared") == 0)
                                json_array_append_new(opts, json_string(*x));
                        else if (strcmp(*x, "bind") == 0 || strcmp(*x, "rbind") == 0)
                                continue;
                        else {
                                json_decref(opts);
                                return eng_err(err, ENG_E_USAGE, 0, "-v '%s': unknown option '%s'",
                                               spec, *x);
                        }
                }
        }
        mount_replace(mounts, mount_obj(parts[1], "bind", src, opts));
        return 0;
}

static json_t *tmpfs_options(const char *extra)
{
        json_t *o = json_pack("[sss]", "rw", "noexec", "nosuid");

        json_array_append_new(o, json_string("nodev"));
        if (extra && *extra) {
                _cleanup_strv_ char **x = eng_strv_split(extra, ",");

                ENG_STRV_FOREACH(e, x)
                        json_array_append_new(o, json_string(*e));
        }
        return o;
}

static int add_tmpfs(json_t *mounts, const char *spec, struct eng_error **err)
{
        _cleanup_free_ char *path = eng_xstrdup(spec);
        char *colon = strchr(path, ':');

        if (colon)
                *colon++ = '\0';
        if (clean_dest("--tmpfs", path, err) < 0)
                return -1;
        mount_replace(mounts, mount_obj(path, "tmpfs", "tmpfs", tmpfs_options(colon)));
        return 0;
}

static int add_mount(json_t *mounts, const char *spec, struct eng_error **err)
{
        _cleanup_strv_ char **kv = eng_strv_split(spec, ",");
        const char *type = NULL, *src = NULL, *dst = NULL;
        json_t *opts = json_array();
        _cleanup_free_ char *real = NULL;
        bool bind_ro = false, ro_rw = false;

        ENG_STRV_FOREACH(p, kv) {
                char *eq = strchr(*p, '=');
                const char *v = eq ? eq + 1 : "";

                if (eq)
                        *eq = '\0';
                if (strcmp(*p, "ro") == 0 || strcmp(*p, "readonly") == 0 || strcmp(*p, "rw") == 0) {
                        /* ro, ro=true|false (any case) and rw likewise, once; nothing
                         * else: a value misread as false would make the mount writable */
                        bool yes = !eq || strcasecmp(v, "true") == 0;

                        if (ro_rw || (eq && !yes && strcasecmp(v, "false") != 0)) {
                                json_decref(opts);
                                if (ro_rw)
                                        return eng_err(
                                                err, ENG_E_USAGE, 0,
                                                "--mount '%s': 'readonly', 'ro' or 'rw' can be given only once",
                                                spec);
                                return eng_err(
                                        err, ENG_E_USAGE, 0,
                                        "--mount '%s': '%s' must be set to true or false, not '%s'",
                                        spec, *p, v);
                        }
                        ro_rw = true;
                        bind_ro = strcmp(*p, "rw") == 0 ? !yes : yes;
                        continue;
                }
                if (strcmp(*p, "type") == 0)
                        type = v;
                else if (strcmp(*p, "source") == 0 || strcmp(*p, "src") == 0)
                        src = v;
                else if (strcmp(*p, "target") == 0 || strcmp(*p, "destination") == 0 ||
                         strcmp(*p, "dst") == 0)
                        dst = v;
                else if (strcmp(*p, "tmpfs-size") == 0) {
                        int64_t size = runtime_parse_size(v);
                        char *o;

                        if (size <= 0) {
                                json_decref(opts);
                                return eng_err(err, ENG_E_USAGE, 0,
                                               "--mount '%s': tmpfs-size '%s' is not a size", spec,
                                               v);
                        }
                        o = eng_xasprintf("size=%" PRId64, size);
                        json_array_append_new(opts, json_string(o));
                        free(o);
                } else if (strcmp(*p, "tmpfs-mode") == 0) {
                        char *o = eng_xasprintf("mode=%s", v);

                        json_array_append_new(opts, json_string(o));
                        free(o);
                } else if (strcmp(*p, "bind-propagation") == 0 || strcmp(*p, "relabel") == 0 ||
                           strcmp(*p, "z") == 0 || strcmp(*p, "Z") == 0) {
                        if (strcmp(*p, "bind-propagation") == 0)
                                json_array_append_new(opts, json_string(v));
                } else {
                        json_decref(opts);
                        return eng_err(err, ENG_E_USAGE, 0, "--mount '%s': unknown option '%s'",
                                       spec, *p);
                }
        }
        if (!type || !dst || clean_dest("--mount", dst, err) < 0) {
                json_decref(opts);
                if (!*err)
                        eng_err(err, ENG_E_USAGE, 0, "--mount '%s': type= and target= are needed",
                                spec);
                return -1;
        }
        if (strcmp(type, "tmpfs") == 0) {
                json_t *o = tmpfs_options(NULL);

                json_array_extend(o, opts);
                json_decref(opts);
                mount_replace(mounts, mount_obj(dst, "tmpfs", "tmpfs", o));
                return 0;
        }
        if (strcmp(type, "bind") != 0) {
                json_decref(opts);
                return eng_err(err, ENG_E_USAGE, 0,
                               "--mount '%s': type '%s' is not supported (bind and tmpfs are)",
                               spec, type);
        }
        if (!src) {
                json_decref(opts);
                return eng_err(err, ENG_E_USAGE, 0,
                               "--mount '%s': a bind mount needs source=", spec);
        }
        real = realpath(src, NULL);
        if (!real) {
                json_decref(opts);
                return eng_err(err, ENG_E_USAGE, errno, "--mount '%s': the host path '%s'", spec,
                               src);
        }
        json_array_insert_new(opts, 0, json_string("rbind"));
        json_array_append_new(opts, json_string(bind_ro ? "ro" : "rw"));
        mount_replace(mounts, mount_obj(dst, "bind", real, opts));
        return 0;
}

/* --- per-container files */

static int write_userdata(const char *dir, const char *hostname, const char *name,
                          enum runtime_network net, struct eng_error **err)
{
        _cleanup_free_ char *hostname_path = eng_xasprintf("%s/userdata/hostname", dir);
        _cleanup_free_ char *hosts_path = eng_xasprintf("%s/userdata/hosts", dir);
        _cleanup_free_ char *resolv_path = eng_xasprintf("%s/userdata/resolv.conf", dir);
        _cleanup_free_ char *env_path = eng_xasprintf("%s/userdata/containerenv", dir);
        _cleanup_free_ char *line = eng_xasprintf("%s\n", hostname);
        _cleanup_free_ char *hosts = NULL, *host_hosts = NULL, *resolv = NULL;
        _cleanup_strv_ char **lines = NULL;
        _cleanup_strbuf_ struct eng_strbuf kept = ENG_STRBUF_INIT;
        struct eng_error *e = NULL;

        /* /run/.containerenv says "in a container" to programs that look (podman
         * writes it empty for containers that are not privileged) */
        if (eng_write_file_replace(env_path, "", 0, 0644, err) < 0 ||
            eng_write_file_replace(hostname_path, line, strlen(line), 0644, err) < 0)
                return -1;
        if (net == RUNTIME_NET_HOST &&
            eng_read_file("/etc/hosts", ETC_MAX, &host_hosts, NULL, &e) == 0)
                hosts = eng_xasprintf("%s127.0.1.1\t%s\n", host_hosts, hostname);
        else if (net == RUNTIME_NET_SLIRP)
                /* the container by its host name and its name, as podman writes it */
                hosts = eng_xasprintf("127.0.0.1\tlocalhost localhost.localdomain\n"
                                      "::1\tlocalhost localhost.localdomain\n"
                                      "10.0.2.100\t%s%s%s\n"
                                      "10.0.2.2\thost.containers.internal\n",
                                      hostname, name && strcmp(name, hostname) != 0 ? " " : "",
                                      name && strcmp(name, hostname) != 0 ? name : "");
        else
                hosts = eng_xasprintf("127.0.0.1\tlocalhost localhost.localdomain\n"
                                      "::1\tlocalhost localhost.localdomain\n"
                                      "127.0.1.1\t%s\n",
                                      hostname);
        e = eng_err_free(e);
        if (eng_write_file_replace(hosts_path, hosts, strlen(hosts), 0644, err) < 0)
                return -1;
        /* slirp answers DNS at 10.0.2.3 with the host's resolver behind it */
        if (net == RUNTIME_NET_SLIRP) {
                static const char slirp_resolv[] = "nameserver 10.0.2.3\n";

                return eng_write_file_replace(resolv_path, slirp_resolv, strlen(slirp_resolv), 0644,
                                              err);
        }
        /* The host's resolver, without loopback name servers a network
         * namespace of its own cannot reach (podman does the same). */
        if (eng_read_file("/etc/resolv.conf", ETC_MAX, &resolv, NULL, &e) < 0) {
                e = eng_err_free(e);
                resolv = eng_xstrdup("");
        }
        lines = eng_strv_split(resolv, "\n");
        ENG_STRV_FOREACH(l, lines) {
                if (net != RUNTIME_NET_HOST && strncmp(*l, "nameserver", 10) == 0 &&
                    (strstr(*l, " 127.") || strstr(*l, "\t127.") || strstr(*l, " ::1")))
                        continue;
                eng_strbuf_addf(&kept, "%s\n", *l);
        }
        return eng_write_file_replace(resolv_path, eng_strbuf_str(&kept), kept.len, 0644, err);
}

/* --- capabilities */

static int caps_adjust(uint64_t *caps, char **add, char **drop, struct eng_error **err)
{
        ENG_STRV_FOREACH(d, drop) {
                int c;

                if (strcasecmp(*d, "all") == 0) {
                        *caps = 0;
                        continue;
                }
                c = oci_cap_parse(*d);
                if (c < 0)
                        return eng_err(err, ENG_E_USAGE, 0, "--cap-drop: unknown capability '%s'",
                                       *d);
                *caps &= ~(UINT64_C(1) << c);
        }
        ENG_STRV_FOREACH(a, add) {
                int c;

                if (strcasecmp(*a, "all") == 0) {
                        for (c = 0; oci_cap_name(c); c++)
                                *caps |= UINT64_C(1) << c;
                        continue;
                }
                c = oci_cap_parse(*a);
                if (c < 0)
                        return eng_err(err, ENG_E_USAGE, 0, "--cap-add: unknown capability '%s'",
                                       *a);
                *caps |= UINT64_C(1) << c;
        }
        return 0;
}

static json_t *caps_json(uint64_t caps)
{
        json_t *a = json_array();

        for (int c = 0; oci_cap_name(c); c++)
                if ((caps >> c) & 1)
                        json_array_append_new(a, json_string(oci_cap_name(c)));
        return a;
}

static json_t *strv_json(char *const *v)
{
        json_t *a = json_array();

        for (; v && *v; v++)
                json_array_append_new(a, json_string(*v));
        return a;
}

static json_t *idmap_json(const struct eng_idrange *r, size_t n)
{
        json_t *a = json_array();

        for (size_t i = 0; i < n; i++)
                json_array_append_new(a, json_pack("{s:I,s:I,s:I}", "containerID",
                                                   (json_int_t) r[i].container, "hostID",
                                                   (json_int_t) r[i].host, "size",
                                                   (json_int_t) r[i].size));
        return a;
}

static json_t *json_strings(json_t *v)
{
        json_t *out = json_array(), *e;
        size_t i;

        json_array_foreach(v, i, e)
                if (json_is_string(e))
                        json_array_append(out, e);
        return out;
}

static void extend_new(json_t *a, json_t *b)
{
        json_array_extend(a, b);
        json_decref(b);
}

/* --- the builders: each owns what it makes, so a failure is one release */

int runtime_spec_args(json_t *cfg, const struct runtime_run_opts *o, json_t **ret,
                      struct eng_error **err)
{
        json_t *args = json_array();

        /* --entrypoint replaces the image's and drops its Cmd too (docker, podman) */
        if (o->has_entrypoint)
                extend_new(args, strv_json(o->entrypoint));
        else
                extend_new(args, json_strings(json_object_get(cfg, "Entrypoint")));
        if (o->command && *o->command)
                extend_new(args, strv_json(o->command));
        else if (!o->has_entrypoint)
                extend_new(args, json_strings(json_object_get(cfg, "Cmd")));
        if (json_array_size(args) == 0) {
                json_decref(args);
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "no command or entrypoint provided, and no CMD or ENTRYPOINT from image");
        }
        *ret = args;
        return 0;
}

/* a host name sethostname() takes and /etc/hosts can carry (no space, no newline) */
static bool hostname_valid(const char *h)
{
        size_t n = strlen(h);

        return n > 0 && n <= 64 && isalnum((unsigned char) h[0]) &&
               strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") == n;
}

int runtime_spec_env(json_t *cfg, const struct runtime_run_opts *o, const char *hostname,
                     json_t **ret, struct eng_error **err)
{
        _cleanup_json_ json_t *env = json_array();
        _cleanup_free_ char *h = eng_xasprintf("HOSTNAME=%s", hostname);
        json_t *v;
        size_t i;

        /* the image's, defaults, --env-file, -e */
        json_array_foreach(json_object_get(cfg, "Env"), i, v)
                if (json_is_string(v))
                        env_set(env, json_string_value(v));
        if (!env_has(env, "PATH"))
                env_set(env, DEFAULT_PATH);
        if (o->tty && !env_has(env, "TERM"))
                env_set(env, "TERM=xterm");
        env_set(env, "container=eng");
        env_set(env, h);
        ENG_STRV_FOREACH(f, o->env_files)
                if (env_file_read(env, *f, err) < 0)
                        return -1;
        ENG_STRV_FOREACH(e, o->env)
                env_add_option(env, *e);
        *ret = json_incref(env);
        return 0;
}

int runtime_spec_caps(const struct runtime_run_opts *o, uint64_t *ret, struct eng_error **err)
{
        uint64_t caps = oci_default_caps;

        if (caps_adjust(&caps, o->cap_add, o->cap_drop, err) < 0)
                return -1;
        *ret = caps;
        return 0;
}

int runtime_spec_process(struct storage_store *s, json_t *record, json_t *cfg,
                         const struct runtime_run_opts *o, const struct eng_idmap *map,
                         const char *hostname, uint64_t caps, json_t **ret, struct eng_error **err)
{
        _cleanup_json_ json_t *args = NULL, *env = NULL, *process = NULL;
        _cleanup_free_ char *keep_user = NULL;
        const char *cwd, *user;
        struct rlimit rl;
        bool is_root;
        uint64_t eff;

        if (runtime_spec_args(cfg, o, &args, err) < 0 ||
            runtime_spec_env(cfg, o, hostname, &env, err) < 0)
                return -1;
        cwd = o->workdir ? o->workdir : json_string_value(json_object_get(cfg, "WorkingDir"));
        if (!cwd || !*cwd)
                cwd = "/";
        if (cwd[0] != '/')
                return eng_err(err, ENG_E_USAGE, 0, "the working directory '%s' is not absolute",
                               cwd);
        process = json_pack("{s:b,s:O,s:O,s:s,s:b}", "terminal", o->tty, "args", args, "env", env,
                            "cwd", cwd, "noNewPrivileges", o->no_new_privileges);
        user = o->user ? o->user : json_string_value(json_object_get(cfg, "User"));
        /* keep-id runs as the user's own ids unless -u says otherwise (podman) */
        if (o->keep_id && !o->user) {
                keep_user = eng_xasprintf("%u:%u", (unsigned) getuid(), (unsigned) getgid());
                user = keep_user;
        }
        if (resolve_user(s, record, user, process, env, map, err) < 0)
                return -1;
        /* A process that is not root keeps no capability but its bounding set
         * (podman); root has the set in all of them. */
        is_root = json_integer_value(json_object_get(json_object_get(process, "user"), "uid")) == 0;
        eff = is_root ? caps : 0;
        json_object_set_new(process, "capabilities",
                            json_pack("{s:o,s:o,s:o,s:o,s:o}", "bounding", caps_json(caps),
                                      "effective", caps_json(eff), "permitted", caps_json(eff),
                                      "inheritable", json_array(), "ambient", json_array()));
        /* rootless podman: the limits of the user's session */
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
                json_object_set_new(process, "rlimits",
                                    json_pack("[{s:s,s:I,s:I}]", "type", "RLIMIT_NOFILE", "hard",
                                              (json_int_t) rl.rlim_max, "soft",
                                              (json_int_t) rl.rlim_max));
        if (o->tty)
                json_object_set_new(process, "consoleSize",
                                    json_pack("{s:i,s:i}", "height", 24, "width", 80));
        *ret = json_incref(process);
        return 0;
}

int runtime_spec_mounts(const struct runtime_run_opts *o, const struct storage_root *root,
                        const char *userdata, json_t **ret, struct eng_error **err)
{
        static const char *const files[] = { "hostname", "hosts", "resolv.conf" };
        _cleanup_json_ json_t *mounts = json_array();
        size_t i;

        /* as podman lays them out */
        if (root->kind == STORAGE_ROOT_OVERLAY)
                json_array_append_new(
                        mounts, mount_obj("/", "overlay", "overlay", strv_json(root->options)));
        json_array_append_new(mounts, mount_obj("/proc", "proc", "proc",
                                                json_pack("[sss]", "nosuid", "noexec", "nodev")));
        json_array_append_new(mounts, mount_obj("/dev", "tmpfs", "tmpfs",
                                                json_pack("[ssss]", "nosuid", "strictatime",
                                                          "mode=755", "size=65536k")));
        json_array_append_new(mounts,
                              mount_obj("/dev/pts", "devpts", "devpts",
                                        json_pack("[ssssss]", "nosuid", "noexec", "newinstance",
                                                  "ptmxmode=0666", "mode=0620", "gid=5")));
        json_array_append_new(mounts, mount_obj("/dev/mqueue", "mqueue", "mqueue",
                                                json_pack("[sss]", "nosuid", "noexec", "nodev")));
        json_array_append_new(mounts,
                              mount_obj("/sys", "sysfs", "sysfs",
                                        json_pack("[ssss]", "nosuid", "noexec", "nodev", "ro")));
        json_array_append_new(mounts, mount_obj("/sys/fs/cgroup", "cgroup", "cgroup",
                                                json_pack("[sssss]", "rprivate", "nosuid", "noexec",
                                                          "nodev", "ro")));
        json_array_append_new(mounts, mount_obj("/dev/shm", "tmpfs", "shm",
                                                json_pack("[sssss]", "nosuid", "noexec", "nodev",
                                                          "mode=1777", "size=65536k")));
        for (i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *src = eng_xasprintf("%s/%s", userdata, files[i]);
                _cleanup_free_ char *dst = eng_xasprintf("/etc/%s", files[i]);

                json_array_append_new(
                        mounts,
                        mount_obj(dst, "bind", src, json_pack("[sss]", "rbind", "rprivate", "rw")));
        }
        if (o->read_only && o->read_only_tmpfs) {
                static const char *const t[] = { "/run", "/tmp", "/var/tmp" };

                for (i = 0; i < ELEMENTSOF(t); i++)
                        json_array_append_new(
                                mounts, mount_obj(t[i], "tmpfs", "tmpfs",
                                                  json_pack("[sssss]", "rw", "nosuid", "nodev",
                                                            "mode=1777", "size=65536k")));
        }
        ENG_STRV_FOREACH(t, o->tmpfs)
                if (add_tmpfs(mounts, *t, err) < 0)
                        return -1;
        ENG_STRV_FOREACH(m, o->mounts)
                if (add_mount(mounts, *m, err) < 0)
                        return -1;
        ENG_STRV_FOREACH(m, o->volumes)
                if (add_volume(mounts, *m, err) < 0)
                        return -1;
        /* last: a tmpfs on /run must not hide it */
        if (!has_dest(mounts, "/run/.containerenv")) {
                _cleanup_free_ char *src = eng_xasprintf("%s/containerenv", userdata);

                json_array_append_new(mounts,
                                      mount_obj("/run/.containerenv", "bind", src,
                                                json_pack("[sss]", "bind", "rprivate", "ro")));
        }
        *ret = json_incref(mounts);
        return 0;
}

int runtime_spec_init(const struct runtime_run_opts *o, json_t *process, json_t *mounts,
                      struct eng_error **err)
{
        json_t *a = json_object_get(process, "args");

        if (!o->init)
                return 0;
        if (!o->init_path)
                return eng_err(err, ENG_E_USAGE, 0,
                               "--init: the init binary eng-init is not installed");
        if (!has_dest(mounts, "/run/eng-init"))
                json_array_append_new(mounts, mount_obj("/run/eng-init", "bind", o->init_path,
                                                        json_pack("[ss]", "bind", "ro")));
        json_array_insert_new(a, 0, json_string("--"));
        json_array_insert_new(a, 0, json_string("/run/eng-init"));
        return 0;
}

json_t *runtime_spec_linux(const struct runtime_run_opts *o, const struct eng_idmap *map,
                           const char *id)
{
        json_t *ns, *lx;
        size_t i;

        ns = json_pack("[{s:s},{s:s},{s:s},{s:s},{s:s},{s:s}]", "type", "user", "type", "mount",
                       "type", "pid", "type", "uts", "type", "ipc", "type", "cgroup");
        if (o->network != RUNTIME_NET_HOST)
                json_array_append_new(ns, json_pack("{s:s}", "type", "network"));
        lx = json_pack("{s:o,s:o,s:o,s:o,s:o}", "namespaces", ns, "uidMappings",
                       idmap_json(map->uid, map->nuid), "gidMappings",
                       idmap_json(map->gid, map->ngid), "maskedPaths", json_array(),
                       "readonlyPaths", json_array());
        /* podman's default: ping works without CAP_NET_RAW in a network of its own */
        if (o->network == RUNTIME_NET_SLIRP || o->network == RUNTIME_NET_NONE)
                json_object_set_new(lx, "sysctl",
                                    json_pack("{s:s}", "net.ipv4.ping_group_range", "0 0"));
        for (i = 0; i < ELEMENTSOF(masked_paths); i++)
                json_array_append_new(json_object_get(lx, "maskedPaths"),
                                      json_string(masked_paths[i]));
        for (i = 0; i < ELEMENTSOF(readonly_paths); i++)
                json_array_append_new(json_object_get(lx, "readonlyPaths"),
                                      json_string(readonly_paths[i]));
        if (o->memory || o->cpu_quota || o->pids_limit) {
                json_t *res = json_object();

                /* as podman: memory plus swap twice the memory (as much swap again) */
                if (o->memory)
                        json_object_set_new(res, "memory",
                                            json_pack("{s:I,s:I}", "limit", (json_int_t) o->memory,
                                                      "swap", (json_int_t) (2 * o->memory)));
                if (o->cpu_quota)
                        json_object_set_new(res, "cpu",
                                            json_pack("{s:I,s:I}", "quota",
                                                      (json_int_t) o->cpu_quota, "period",
                                                      (json_int_t) 100000));
                if (o->pids_limit)
                        json_object_set_new(
                                res, "pids",
                                json_pack("{s:I}", "limit", (json_int_t) o->pids_limit));
                json_object_set_new(lx, "resources", res);
                if (o->cgroup_parent)
                        json_object_set_new(lx, "cgroupsPath",
                                            json_sprintf("%s/eng-%s", o->cgroup_parent, id));
        }
        return lx;
}

int runtime_spec_seccomp(const struct runtime_run_opts *o, uint64_t caps, json_t *linux_obj,
                         struct eng_error **err)
{
        const char *file = o->seccomp ? o->seccomp : o->seccomp_default;
        _cleanup_json_ json_t *profile = NULL;

        if (o->seccomp && strcmp(o->seccomp, "unconfined") == 0)
                return 0;
        if (!file)
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "the default seccomp profile (seccomp.json) is not installed; reinstall eng, or run with --security-opt seccomp=unconfined");
        profile = oci_seccomp_load_file(file, err);
        if (!profile)
                return -1;
        json_object_set_new(linux_obj, "seccomp", oci_seccomp_from_profile(profile, caps));
        return 0;
}

/* the network comes up between the namespaces and the command: eng-slirp, an OCI hook */
static int slirp_hook(const struct runtime_run_opts *o, json_t **ret, struct eng_error **err)
{
        json_t *args;

        if (!o->slirp_helper)
                return eng_err(err, ENG_E_USAGE, 0,
                               "the network helper eng-slirp is not installed beside eng");
        args = json_pack("[s,s,o]", o->slirp_helper, "--mtu",
                         json_sprintf("%u", o->slirp_mtu ? o->slirp_mtu : 65520u));
        if (o->allow_host_loopback)
                json_array_append_new(args, json_string("--allow-host-loopback"));
        if (o->slirp_ipv6)
                json_array_append_new(args, json_string("--enable-ipv6"));
        if (o->slirp_outbound) {
                json_array_append_new(args, json_string("--outbound-addr"));
                json_array_append_new(args, json_string(o->slirp_outbound));
        }
        if (o->slirp_outbound6) {
                json_array_append_new(args, json_string("--outbound-addr6"));
                json_array_append_new(args, json_string(o->slirp_outbound6));
        }
        if (o->slirp_port_handler) {
                json_array_append_new(args, json_string("--port-handler"));
                json_array_append_new(args, json_string(o->slirp_port_handler));
        }
        ENG_STRV_FOREACH(p, o->publish) {
                json_array_append_new(args, json_string("--publish"));
                json_array_append_new(args, json_string(*p));
        }
        *ret = json_pack("{s:s,s:o,s:i}", "path", o->slirp_helper, "args", args, "timeout", 30);
        return 0;
}

/* the root is eng-overlayfs, mounted in the container's namespaces by a
 * hook of ours before the runtime sets up the root */
static int fuse_root_hook(const struct runtime_run_opts *o, const struct storage_root *root,
                          json_t **ret, struct eng_error **err)
{
        _cleanup_free_ char *opts = NULL;
        char **all = NULL;

        if (!o->overlayfs_helper)
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "the storage driver fuse-overlay needs eng-overlayfs, which is not installed beside eng");
        /* its processes run as other users of the namespace too */
        eng_strv_push(&all, "allow_other");
        ENG_STRV_FOREACH(opt, root->options)
                eng_strv_push(&all, *opt);
        opts = eng_strv_join(all, ",");
        eng_strv_free(all);
        *ret = json_pack("{s:s,s:[s,s,s,s,s],s:i}", "path", o->overlayfs_helper, "args",
                         "eng-overlayfs", "--hook", "-o", opts, root->path, "timeout", 30);
        return 0;
}

int runtime_spec_hooks(const struct runtime_run_opts *o, const struct storage_root *root,
                       json_t **ret, struct eng_error **err)
{
        _cleanup_json_ json_t *create = json_array();
        json_t *h = NULL;

        /* the root first: the network hook runs in a container whose root is there */
        if (root->kind == STORAGE_ROOT_FUSE) {
                if (fuse_root_hook(o, root, &h, err) < 0)
                        return -1;
                json_array_append_new(create, h);
        }
        if (o->network == RUNTIME_NET_SLIRP) {
                if (slirp_hook(o, &h, err) < 0)
                        return -1;
                json_array_append_new(create, h);
        }
        *ret = json_array_size(create) ? json_pack("{s:O}", "createRuntime", create) : NULL;
        return 0;
}

int runtime_container_spec(struct storage_store *s, json_t *record, json_t *image_config,
                           const struct runtime_run_opts *o, const struct eng_idmap *map,
                           json_t **ret_spec, struct eng_error **err)
{
        json_t *cfg = json_object_get(image_config, "config");
        const char *id = json_string_value(json_object_get(record, "id"));
        const char *name = json_string_value(json_object_get(record, "name"));
        _cleanup_free_ char *dir = storage_container_dir(s, id);
        _cleanup_free_ char *files = storage_container_files_dir(s, record);
        _cleanup_free_ char *hostname = NULL, *userdata = NULL;
        _cleanup_(storage_root_release) struct storage_root root = { 0 };
        _cleanup_json_ json_t *process = NULL, *mounts = NULL, *lx = NULL, *hooks = NULL;
        json_t *spec;
        uint64_t caps;

        if (o->hostname && !hostname_valid(o->hostname))
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "--hostname '%s': not a valid host name (letters, digits, '.', '-' and '_', at most 64)",
                        o->hostname);
        hostname = eng_xstrdup(o->hostname ? o->hostname : id);
        if (!o->hostname)
                hostname[12] = '\0';
        if (runtime_spec_caps(o, &caps, err) < 0 ||
            runtime_spec_process(s, record, cfg, o, map, hostname, caps, &process, err) < 0)
                return -1;
        /* the files the spec binds: /etc/hostname, /etc/hosts, /etc/resolv.conf */
        if (write_userdata(files, hostname, name, o->network, err) < 0)
                return -1;
        userdata = eng_xasprintf("%s/userdata", dir);
        storage_container_root(s, record, &root);
        if (runtime_spec_mounts(o, &root, userdata, &mounts, err) < 0 ||
            runtime_spec_init(o, process, mounts, err) < 0)
                return -1;
        lx = runtime_spec_linux(o, map, id);
        if (runtime_spec_seccomp(o, caps, lx, err) < 0 ||
            runtime_spec_hooks(o, &root, &hooks, err) < 0)
                return -1;
        spec = json_pack("{s:s,s:O,s:{s:s,s:b},s:s,s:O,s:O,s:{s:s?}}", "ociVersion", "1.0.2",
                         "process", process, "root", "path", root.path, "readonly", o->read_only,
                         "hostname", hostname, "mounts", mounts, "linux", lx, "annotations",
                         "io.eng.container.name", name);
        if (hooks)
                json_object_set(spec, "hooks", hooks);
        *ret_spec = spec;
        return 0;
}

json_t *runtime_exec_process(struct storage_store *s, json_t *record, json_t *spec, char **argv,
                             char **env, const char *workdir, const char *user, bool tty,
                             struct eng_error **err)
{
        json_t *p = json_deep_copy(json_object_get(spec, "process"));
        json_t *envj, *caps, *bounding;
        bool is_root;

        if (!json_is_object(p)) {
                json_decref(p);
                eng_err(err, ENG_E_INVALID, 0, "the container's config.json has no process");
                return NULL;
        }
        json_object_set_new(p, "args", strv_json(argv));
        json_object_set_new(p, "terminal", json_boolean(tty));
        json_object_del(p, "consoleSize");
        envj = json_object_get(p, "env");
        if (!json_is_array(envj)) {
                envj = json_array();
                json_object_set_new(p, "env", envj);
        }
        ENG_STRV_FOREACH(e, env)
                env_add_option(envj, *e);
        if (tty && !env_has(envj, "TERM"))
                env_set(envj, "TERM=xterm");
        if (workdir) {
                if (workdir[0] != '/') {
                        json_decref(p);
                        eng_err(err, ENG_E_USAGE, 0, "the working directory '%s' is not absolute",
                                workdir);
                        return NULL;
                }
                json_object_set_new(p, "cwd", json_string(workdir));
        }
        if (user && resolve_user(s, record, user, p, envj, NULL, err) < 0) {
                json_decref(p);
                return NULL;
        }
        /* the container's bounding set; in effect only for root, as run does */
        caps = json_object_get(p, "capabilities");
        bounding = json_object_get(caps, "bounding");
        is_root = json_integer_value(json_object_get(json_object_get(p, "user"), "uid")) == 0;
        if (json_is_object(caps) && json_is_array(bounding)) {
                json_object_set_new(caps, "effective",
                                    is_root ? json_deep_copy(bounding) : json_array());
                json_object_set_new(caps, "permitted",
                                    is_root ? json_deep_copy(bounding) : json_array());
        }
        return p;
}
