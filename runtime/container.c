/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Containers around their spec (runtime/spec.c): names and ids, sizes,
 * joining another container's network, removing a cgroup.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/nsfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/platform.h"
#include "common/strbuf.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "network/slirp.h"
#include "network/tap.h"
#include "runtime/container.h"
#include "runtime/lifecycle.h"
#include "runtime/oci/oci.h"
#include "runtime/oci/state.h"
#include "storage/container.h"

#include "common/banned.h"

#define ETC_MAX (4u << 20)

int64_t runtime_parse_size(const char *s)
{
        char *end;
        double v;
        int64_t mult = 1;

        errno = 0;
        v = strtod(s, &end);
        if (errno || end == s || v < 0)
                return -1;
        if (*end) {
                switch (*end | 0x20) {
                case 'b':
                        mult = 1;
                        break;
                case 'k':
                        mult = 1024;
                        break;
                case 'm':
                        mult = 1024 * 1024;
                        break;
                case 'g':
                        mult = 1024 * 1024 * 1024;
                        break;
                default:
                        return -1;
                }
                end++;
                if ((*end | 0x20) == 'b' && mult > 1)
                        end++;
                if (*end)
                        return -1;
        }
        /* past int64_t (9.2e18), and inf or nan: no size */
        if (!(v * (double) mult < 9.2e18))
                return -1;
        return (int64_t) (v * (double) mult);
}

char *runtime_id_generate(void)
{
        unsigned char b[32];
        char *hex = eng_xmalloc(65);

        if (getrandom(b, sizeof(b), 0) != (ssize_t) sizeof(b))
                abort();
        for (size_t i = 0; i < sizeof(b); i++)
                snprintf(hex + 2 * i, 3, "%02x", b[i]);
        return hex;
}

char *runtime_name_generate(void)
{
        static const char *const adj[] = {
                "admiring", "brave",      "clever",   "dazzling", "eager",    "fervent",
                "gallant",  "happy",      "jolly",    "keen",     "loving",   "modest",
                "nifty",    "optimistic", "peaceful", "quirky",   "relaxed",  "serene",
                "tender",   "upbeat",     "vibrant",  "wizardly", "youthful", "zealous",
        };
        static const char *const noun[] = {
                "babbage", "curie",   "darwin",   "euler",    "fermat",  "galois",  "hopper",
                "hypatia", "johnson", "kepler",   "lovelace", "meitner", "noether", "pascal",
                "ritchie", "shannon", "thompson", "turing",   "wozniak", "yonath",
        };
        uint32_t r[2];

        if (getrandom(r, sizeof(r), 0) != (ssize_t) sizeof(r))
                abort();
        return eng_xasprintf("%s_%s", adj[r[0] % ELEMENTSOF(adj)], noun[r[1] % ELEMENTSOF(noun)]);
}
/* --- joining another network namespace */

/* "inside outside count" lines of a spec's mappings, as /proc/PID/uid_map has them */
static char *mappings_text(json_t *maps)
{
        struct eng_strbuf text = ENG_STRBUF_INIT;
        size_t i;
        json_t *m;

        json_array_foreach(maps, i, m)
                eng_strbuf_addf(&text,
                                "%" JSON_INTEGER_FORMAT " %" JSON_INTEGER_FORMAT
                                " %" JSON_INTEGER_FORMAT "\n",
                                json_integer_value(json_object_get(m, "containerID")),
                                json_integer_value(json_object_get(m, "hostID")),
                                json_integer_value(json_object_get(m, "size")));
        return eng_strbuf_steal(&text);
}

/* the same mappings, whitespace aside */
static bool mappings_equal(const char *proc, const char *ours)
{
        for (;;) {
                unsigned long a[3], b[3];
                int n1, n2, k1 = 0, k2 = 0;

                n1 = sscanf(proc, "%lu %lu %lu%n", &a[0], &a[1], &a[2], &k1);
                n2 = sscanf(ours, "%lu %lu %lu%n", &b[0], &b[1], &b[2], &k2);
                if (n1 != 3 || n2 != 3)
                        return n1 != 3 && n2 != 3;
                if (a[0] != b[0] || a[1] != b[1] || a[2] != b[2])
                        return false;
                proc += k1;
                ours += k2;
        }
}

static bool same_file(const char *path, const struct stat *st)
{
        struct stat s2;

        return stat(path, &s2) == 0 && s2.st_ino == st->st_ino && s2.st_dev == st->st_dev;
}

/*
 * A process of ours in the user namespace that owns the network namespace
 * @path: the process @path names first (/proc/PID/ns/net), else any.
 */
static pid_t netns_owner(const char *path, struct eng_error **err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC), ufd = -1;
        _cleanup_closedir_ DIR *d = NULL;
        struct stat owner;
        struct dirent *de;
        char p[64];
        int pid;

        if (fd < 0)
                return eng_err(err, ENG_E_USAGE, errno, "--network ns:%s", path);
        ufd = ioctl(fd, NS_GET_USERNS);
        if (ufd < 0)
                return eng_err(
                        err, ENG_E_USAGE, errno,
                        "--network ns:%s: not a network namespace whose owner this user can see",
                        path);
        if (fstat(ufd, &owner) < 0)
                return eng_err(err, ENG_E_SYS, errno, "--network ns:%s", path);
        if (same_file("/proc/self/ns/user", &owner))
                return eng_err(
                        err, ENG_E_USAGE, EPERM,
                        "--network ns:%s: the namespace belongs to the host's user namespace; a rootless container can only join one made in a user namespace of this user's",
                        path);
        if (sscanf(path, "/proc/%d/ns/net", &pid) == 1) {
                snprintf(p, sizeof(p), "/proc/%d/ns/user", pid);
                if (same_file(p, &owner))
                        return pid;
        }
        d = opendir("/proc");
        while (d && (de = readdir(d))) {
                if (sscanf(de->d_name, "%d", &pid) != 1)
                        continue;
                snprintf(p, sizeof(p), "/proc/%d/ns/user", pid);
                if (same_file(p, &owner))
                        return pid;
        }
        return eng_err(
                err, ENG_E_USAGE, ESRCH,
                "--network ns:%s: no process of this user is in the user namespace that owns it",
                path);
}

/* /proc/PID/{uid,gid}_map against the mappings of @spec */
static int check_owner_maps(pid_t pid, json_t *lx, const char *what, struct eng_error **err)
{
        static const char *const files[2] = { "uid_map", "gid_map" };
        static const char *const keys[2] = { "uidMappings", "gidMappings" };

        for (int i = 0; i < 2; i++) {
                _cleanup_free_ char *path = eng_xasprintf("/proc/%d/%s", (int) pid, files[i]);
                _cleanup_free_ char *have = NULL, *want = NULL;

                if (eng_read_file(path, 65536, &have, NULL, err) < 0)
                        return -1;
                want = mappings_text(json_object_get(lx, keys[i]));
                if (!mappings_equal(have, want))
                        return eng_err(
                                err, ENG_E_USAGE, 0,
                                "%s: its user namespace maps ids otherwise than this container (--userns=keep-id on one side?); their files would change owners",
                                what);
        }
        return 0;
}

static int copy_userdata(const char *from_dir, const char *to_dir, const char *name,
                         struct eng_error **err)
{
        _cleanup_free_ char *from = eng_xasprintf("%s/userdata/%s", from_dir, name);
        _cleanup_free_ char *to = eng_xasprintf("%s/userdata/%s", to_dir, name);
        _cleanup_free_ char *data = NULL;
        size_t len = 0;

        if (eng_read_file(from, ETC_MAX, &data, &len, err) < 0)
                return -1;
        return eng_write_file_replace(to, data, len, 0644, err);
}

int runtime_container_cgroup_remove(struct storage_store *s, const char *id, struct eng_error **err)
{
        _cleanup_free_ char *dir = storage_container_dir(s, id);
        struct eng_error *e = NULL;
        struct oci_spec *spec = oci_spec_load(dir, &e);
        int r;

        if (!spec) {
                eng_err_free(e); /* never made, or gone: no cgroup was made from it */
                return 0;
        }
        r = oci_cgroup_remove(spec->cgroups_path, err);
        oci_spec_free(spec);
        return r;
}

int runtime_network_join(struct storage_store *s, const struct storage_container *c,
                         struct eng_error **err)
{
        const char *net = c->network;
        _cleanup_free_ char *dir = storage_container_dir(s, c->id);
        _cleanup_free_ char *cfg = eng_xasprintf("%s/config.json", dir);
        _cleanup_free_ char *user_ns = NULL, *net_ns = NULL, *data = NULL, *what = NULL;
        _cleanup_json_ json_t *spec = NULL;
        json_t *lx, *ns, *keep, *entry;
        json_error_t je;
        size_t i;
        pid_t pid;

        if (net && strncmp(net, "container:", 10) == 0) {
                _cleanup_(storage_container_release) struct storage_container other = { 0 };
                _cleanup_free_ char *odir = NULL;

                if (runtime_container_get(s, net + 10, &other, err) < 0)
                        return eng_err_wrap(err, "--network container:%s", net + 10);
                pid = (pid_t) other.pid;
                if (other.state != STORAGE_CONTAINER_RUNNING || pid <= 0)
                        return eng_err(
                                err, ENG_E_USAGE, 0,
                                "--network container:%s: that container is not running; start it first",
                                other.name);
                what = eng_xasprintf("--network container:%s", other.name);
                odir = storage_container_dir(s, other.id);
                if (copy_userdata(odir, dir, "hosts", err) < 0 ||
                    copy_userdata(odir, dir, "resolv.conf", err) < 0)
                        return -1;
                net_ns = eng_xasprintf("/proc/%d/ns/net", (int) pid);
        } else if (net && strncmp(net, "ns:", 3) == 0) {
                pid = netns_owner(net + 3, err);
                if (pid < 0)
                        return -1;
                what = eng_xasprintf("--network %s", net);
                net_ns = eng_xstrdup(net + 3);
        } else
                return 0;
        user_ns = eng_xasprintf("/proc/%d/ns/user", (int) pid);
        if (eng_read_file(cfg, 64u << 20, &data, NULL, err) < 0)
                return -1;
        spec = json_loads(data, 0, &je);
        lx = json_object_get(spec, "linux");
        ns = json_object_get(lx, "namespaces");
        if (!json_is_array(ns))
                return eng_err(err, ENG_E_INVALID, 0, "%s: damaged (%s)", cfg,
                               spec ? "no linux.namespaces" : je.text);
        if (check_owner_maps(pid, lx, what, err) < 0)
                return -1;
        keep = json_array();
        json_array_foreach(ns, i, entry) {
                const char *type = json_string_value(json_object_get(entry, "type"));

                if (!type || (strcmp(type, "user") != 0 && strcmp(type, "network") != 0))
                        json_array_append(keep, entry);
        }
        json_array_insert_new(keep, 0, json_pack("{s:s,s:s}", "type", "user", "path", user_ns));
        json_array_append_new(keep, json_pack("{s:s,s:s}", "type", "network", "path", net_ns));
        json_object_set_new(lx, "namespaces", keep);
        free(data);
        data = json_dumps(spec, JSON_INDENT(1));
        return eng_write_file_replace(cfg, data, strlen(data), 0600, err);
}

/* --- what cmd/ shows of the lower layers */

int runtime_ports_parse(const char *spec, struct runtime_port **ports, size_t *nports,
                        struct eng_error **err)
{
        _cleanup_free_ struct net_port *np = NULL;
        size_t n = 0;

        if (net_port_parse(spec, &np, &n, err) < 0)
                return -1;
        *ports = eng_xreallocarray(*ports, *nports + n, sizeof(**ports));
        for (size_t i = 0; i < n; i++) {
                struct runtime_port *p = &(*ports)[*nports + i];

                *p = (struct runtime_port){ .udp = np[i].udp,
                                            .host_port = np[i].host_port,
                                            .container_port = np[i].container_port };
                if (np[i].host_addr.s_addr != htonl(INADDR_ANY))
                        inet_ntop(AF_INET, &np[i].host_addr, p->host_ip, sizeof(p->host_ip));
        }
        *nports += n;
        return 0;
}

int runtime_outbound_check(const char *value, bool v6, struct eng_error **err)
{
        struct net_slirp_opts check = { 0 };

        return net_parse_outbound(value, v6, &check, err);
}

int runtime_network_probe(const struct eng_idmap *map, struct eng_error **err)
{
        return net_tap_probe(map, err);
}

int runtime_signal_parse(const char *name)
{
        return oci_signal_parse(name);
}

const char *runtime_cap_name(int cap)
{
        return oci_cap_name(cap);
}

json_t *runtime_container_config(struct storage_store *s, const char *id,
                                 struct runtime_limits *ret_limits, struct eng_error **err)
{
        _cleanup_free_ char *dir = storage_container_dir(s, id);
        struct oci_spec *spec = oci_spec_load(dir, err);
        json_t *j;

        if (!spec)
                return NULL;
        *ret_limits = (struct runtime_limits){ .memory = spec->memory_limit,
                                               .memory_swap = spec->memory_swap,
                                               .cpu_quota = spec->cpu_quota,
                                               .cpu_period = spec->cpu_period,
                                               .pids = spec->pids_limit };
        j = json_incref(spec->json);
        oci_spec_free(spec);
        return j;
}
