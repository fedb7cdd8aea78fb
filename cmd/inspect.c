/* SPDX-License-Identifier: GPL-2.0-or-later */
/* eng inspect / eng container inspect: podman's JSON of containers (and images). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "image/image.h"
#include "runtime/container.h"
#include "storage/container.h"

#include "common/banned.h"

static json_t *env_or_empty(json_t *process)
{
        json_t *e = json_object_get(process, "env");

        return json_is_array(e) ? json_incref(e) : json_array();
}

struct inspect_args {
        const char *format;
        bool containers; /* --type: which kinds of objects to look for */
        bool images;
};

static int inspect_opt(int val, const char *arg, void *data, struct eng_error **err)
{
        struct inspect_args *a = data;

        if (val == 'f')
                a->format = arg;
        else if (val == 't') {
                a->containers = strcmp(arg, "container") == 0 || strcmp(arg, "all") == 0;
                a->images = strcmp(arg, "image") == 0 || strcmp(arg, "all") == 0;
                if (!a->containers && !a->images)
                        return eng_err(err, ENG_E_USAGE, 0,
                                       "--type '%s': use container, image or all", arg);
        }
        return 0;
}

/* The bind mounts the user asked for, as podman lists them. */
static json_t *user_mounts(json_t *spec)
{
        static const char *const own[] = { "/proc",
                                           "/dev",
                                           "/dev/pts",
                                           "/dev/mqueue",
                                           "/sys",
                                           "/sys/fs/cgroup",
                                           "/dev/shm",
                                           "/etc/hosts",
                                           "/etc/hostname",
                                           "/etc/resolv.conf",
                                           "/run/.containerenv",
                                           "/" };
        json_t *out = json_array(), *m;
        size_t i;

        json_array_foreach(json_object_get(spec, "mounts"), i, m) {
                const char *dest = json_string_value(json_object_get(m, "destination"));
                const char *type = json_string_value(json_object_get(m, "type"));
                bool skip = false, ro = false;
                json_t *o;
                size_t k;

                for (k = 0; dest && k < ELEMENTSOF(own); k++)
                        skip = skip || strcmp(dest, own[k]) == 0;
                if (!dest || skip || strcmp(dest, "/run/eng-init") == 0)
                        continue;
                json_array_foreach(json_object_get(m, "options"), k, o)
                        ro = ro ||
                             (json_string_value(o) && strcmp(json_string_value(o), "ro") == 0);
                json_array_append_new(
                        out, json_pack("{s:s,s:O,s:s,s:s,s:s,s:O,s:b,s:s}", "Type",
                                       strcmp(type ? type : "", "bind") == 0 ? "bind" : "tmpfs",
                                       "Source", json_object_get(m, "source"), "Destination", dest,
                                       "Driver", "", "Mode", "", "Options",
                                       json_object_get(m, "options"), "RW", !ro, "Propagation",
                                       "rprivate"));
        }
        return out;
}

static void set_str(json_t *o, const char *k, const char *v)
{
        json_object_set_new(o, k, json_string(v ? v : ""));
}

static void set_copy(json_t *o, const char *k, json_t *v)
{
        json_object_set(o, k, v ? v : json_null());
}

json_t *cmd_container_inspect_json(struct storage_store *s, json_t *rec, struct eng_error **err)
{
        const char *id = json_string_value(json_object_get(rec, "id"));
        struct runtime_limits lim;
        _cleanup_json_ json_t *spec = runtime_container_config(s, id, &lim, err);
        const char *state = json_string_value(json_object_get(rec, "state"));
        bool running = state && strcmp(state, "running") == 0;
        json_t *p, *args, *user, *out, *st, *cfg, *host, *tail;
        char user_s[64];
        size_t i;

        if (!spec)
                return NULL;
        p = json_object_get(spec, "process");
        args = json_object_get(p, "args");
        user = json_object_get(p, "user");
        snprintf(user_s, sizeof(user_s), "%lld:%lld",
                 (long long) json_integer_value(json_object_get(user, "uid")),
                 (long long) json_integer_value(json_object_get(user, "gid")));
        tail = json_array();
        for (i = 1; i < json_array_size(args); i++)
                json_array_append(tail, json_array_get(args, i));

        out = json_object();
        set_str(out, "Id", id);
        set_copy(out, "Created", json_object_get(rec, "created"));
        set_copy(out, "Path", json_array_get(args, 0));
        json_object_set_new(out, "Args", tail);

        st = json_object();
        set_str(st, "Status", state);
        json_object_set_new(st, "Running", json_boolean(running));
        json_object_set_new(st, "Paused", json_false());
        json_object_set_new(st, "Restarting", json_false());
        json_object_set_new(st, "OOMKilled", json_false());
        json_object_set_new(st, "Dead", json_false());
        json_object_set_new(
                st, "Pid",
                json_integer(running ? json_integer_value(json_object_get(rec, "pid")) : 0));
        json_object_set_new(st, "ExitCode",
                            json_integer(json_integer_value(json_object_get(rec, "exit_code"))));
        set_str(st, "Error", json_string_value(json_object_get(rec, "error")));
        set_str(st, "StartedAt", json_string_value(json_object_get(rec, "started")));
        set_str(st, "FinishedAt", json_string_value(json_object_get(rec, "finished")));
        json_object_set_new(out, "State", st);

        {
                const char *iid = json_string_value(json_object_get(rec, "image_id"));

                set_str(out, "Image", iid && strchr(iid, ':') ? strchr(iid, ':') + 1 : iid);
        }
        set_copy(out, "ImageName", json_object_get(rec, "image_name"));
        set_str(out, "Rootfs", "");
        set_copy(out, "Name", json_object_get(rec, "name"));
        json_object_set_new(
                out, "RestartCount",
                json_integer(json_integer_value(json_object_get(rec, "restart_count"))));
        set_copy(out, "Driver", json_object_get(rec, "driver"));
        json_object_set_new(out, "Mounts", user_mounts(spec));

        cfg = json_object();
        set_copy(cfg, "Hostname", json_object_get(spec, "hostname"));
        set_str(cfg, "User", user_s);
        json_object_set_new(cfg, "Env", env_or_empty(p));
        set_copy(cfg, "Cmd", args);
        set_copy(cfg, "Image", json_object_get(rec, "image"));
        set_copy(cfg, "WorkingDir", json_object_get(p, "cwd"));
        set_str(cfg, "StopSignal",
                json_string_value(json_object_get(rec, "stop_signal"))
                        ? json_string_value(json_object_get(rec, "stop_signal"))
                        : "SIGTERM");
        json_object_set_new(cfg, "Tty", json_boolean(json_is_true(json_object_get(p, "terminal"))));
        json_object_set_new(cfg, "Labels",
                            json_object_get(rec, "labels")
                                    ? json_incref(json_object_get(rec, "labels"))
                                    : json_object());
        json_object_set_new(out, "Config", cfg);

        host = json_object();
        set_str(host, "NetworkMode",
                json_string_value(json_object_get(rec, "network"))
                        ? json_string_value(json_object_get(rec, "network"))
                        : "none");
        json_object_set_new(host, "AutoRemove",
                            json_boolean(json_is_true(json_object_get(rec, "rm"))));
        json_object_set_new(host, "ReadonlyRootfs",
                            json_boolean(json_is_true(
                                    json_object_get(json_object_get(spec, "root"), "readonly"))));
        {
                json_t *pol = json_object_get(rec, "restart");
                const char *name = json_string_value(json_object_get(pol, "policy"));

                json_object_set_new(host, "RestartPolicy",
                                    json_pack("{s:s,s:I}", "Name", name ? name : "no",
                                              "MaximumRetryCount",
                                              json_integer_value(json_object_get(pol, "max"))));
        }
        {
                /* resource limits as podman shows them: 0 where none */
                int64_t period = lim.cpu_period ? lim.cpu_period : 100000;

                json_object_set_new(host, "Memory", json_integer(lim.memory));
                json_object_set_new(host, "MemorySwap", json_integer(lim.memory_swap));
                json_object_set_new(host, "NanoCpus",
                                    json_integer(lim.cpu_quota * 1000000000 / period));
                json_object_set_new(host, "CpuQuota", json_integer(lim.cpu_quota));
                json_object_set_new(host, "CpuPeriod", json_integer(lim.cpu_quota ? period : 0));
                json_object_set_new(host, "PidsLimit", json_integer(lim.pids));
        }
        json_object_set_new(out, "HostConfig", host);
        /* rootless user-mode networking: no address of its own on a bridge, as podman shows it */
        json_object_set_new(
                out, "NetworkSettings",
                json_pack("{s:s,s:o}", "IPAddress", "", "Ports", cmd_container_ports(rec, true)));
        json_object_set_new(host, "PortBindings", cmd_container_ports(rec, true));
        return out;
}

int cmd_inspect(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        static const struct cmd_option opts[] = {
                { "format", required_argument, 'f', "FORMAT",
                  "'json' (the default), or a Go template like '{{.State.Pid}}'" },
                { "type", required_argument, 't', "TYPE",
                  "container, image, or all (the default: a container, else an image)" },
                { 0 },
        };
        struct cmd_store cs = CMD_STORE_INIT;
        _cleanup_json_ json_t *out = json_array();
        struct inspect_args a = { .containers = true, .images = true };
        int first, r, status = 0;

        r = cmd_parse(cmd, argc, argv, opts, inspect_opt, &a, &first, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (first >= argc)
                return eng_err(err, ENG_E_USAGE, 0, "'eng inspect' needs a container or image");
        r = -1;
        if (cmd_store_open(&cs, false, err) < 0)
                goto out;
        for (int i = first; i < argc; i++) {
                _cleanup_(storage_container_release) struct storage_container c = { 0 };
                struct eng_error *e = NULL;
                json_t *j = NULL;

                if (!a.containers)
                        eng_err(&e, ENG_E_NOTFOUND, 0, "no container asked for");
                else if (runtime_container_get(&cs.store, argv[i], &c, &e) == 0) {
                        _cleanup_json_ json_t *rec = storage_container_encode(&c);

                        j = cmd_container_inspect_json(&cs.store, rec, &e);
                }
                if (!j && e->kind == ENG_E_NOTFOUND && a.images) {
                        e = eng_err_free(e);
                        j = image_inspect(&cs.store, argv[i], &e);
                }
                if (!j && e->kind == ENG_E_NOTFOUND) {
                        e = eng_err_free(e);
                        eng_err(&e, ENG_E_NOTFOUND, 0, "no such %s: '%s'",
                                !a.images       ? "container"
                                : !a.containers ? "image"
                                                : "object",
                                argv[i]);
                }
                if (!j) {
                        cmd_print_error(e);
                        status = 125;
                        eng_err_free(e);
                        continue;
                }
                json_array_append_new(out, j);
        }
        if (a.format && strcmp(a.format, "json") != 0 && strcmp(a.format, "{{json .}}") != 0) {
                /* '{{.State.Pid}}' and the rest of the templates podman takes (cmd/template.c) */
                struct cmd_template *t = NULL;

                r = cmd_template_parse(a.format, &t, err);
                if (r == 0)
                        r = cmd_template_print(t, out, NULL, err);
                cmd_template_free(t);
                if (r < 0)
                        goto out;
        } else if (cmd_print_json(out, err) < 0) {
                r = -1;
                goto out;
        }
        r = status;
out:
        cmd_store_close(&cs);
        return r;
}
