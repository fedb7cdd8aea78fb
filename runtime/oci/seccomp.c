/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Seccomp: the OCI linux.seccomp object compiled with libseccomp, and the
 * profile files of docker and podman (with "archMap", "includes" and
 * "excludes") turned into that object for a given capability set.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fdpass.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "runtime/oci/oci-internal.h"

#include "common/banned.h"

#define PROFILE_MAX (4u << 20)

/* whether @v is the string @s */
static bool str_is(json_t *v, const char *s)
{
        return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

/* the actions a rule may name; ERRNO and TRACE carry errnoRet in the low 16 bits */
static const struct {
        const char *name;
        uint32_t action;
        bool with_errno;
} actions[] = {
        { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false },
        { "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true },
        { "SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD, false },
        { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false },
        { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false },
        { "SCMP_ACT_LOG", SCMP_ACT_LOG, false },
        { "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false },
        { "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true },
        { "SCMP_ACT_TRAP", SCMP_ACT_TRAP, false },
};

static const struct {
        const char *name;
        enum scmp_compare op;
} ops[] = {
        { "SCMP_CMP_EQ", SCMP_CMP_EQ }, { "SCMP_CMP_GE", SCMP_CMP_GE },
        { "SCMP_CMP_GT", SCMP_CMP_GT }, { "SCMP_CMP_LE", SCMP_CMP_LE },
        { "SCMP_CMP_LT", SCMP_CMP_LT }, { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
        { "SCMP_CMP_NE", SCMP_CMP_NE },
};

static int parse_action(const char *name, json_t *rule, json_t *whole, uint32_t *ret,
                        struct eng_error **err)
{
        json_t *e = json_object_get(rule, rule == whole ? "defaultErrnoRet" : "errnoRet");
        int errnum = json_is_integer(e) ? (int) json_integer_value(e) : EPERM;

        if (!name)
                return eng_err(err, ENG_E_INVALID, 0, "seccomp: a rule has no action");
        for (size_t i = 0; i < ELEMENTSOF(actions); i++)
                if (strcmp(name, actions[i].name) == 0) {
                        *ret = actions[i].action;
                        if (actions[i].with_errno)
                                *ret |= (uint32_t) errnum & 0x0000ffffU;
                        return 0;
                }
        return eng_err(err, ENG_E_INVALID, 0, "seccomp: unsupported action '%s'", name);
}

static int parse_op(const char *op, enum scmp_compare *ret)
{
        for (size_t i = 0; op && i < ELEMENTSOF(ops); i++)
                if (strcmp(ops[i].name, op) == 0) {
                        *ret = ops[i].op;
                        return 0;
                }
        return -1;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token, or 0 when it knows no such arch */
static uint32_t arch_token(const char *name)
{
        char buf[64];
        size_t i;

        if (strncmp(name, "SCMP_ARCH_", 10) == 0)
                name += 10;
        for (i = 0; name[i] && i < sizeof(buf) - 1; i++)
                buf[i] = (char) (name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
        buf[i] = '\0';
        return seccomp_arch_resolve_name(buf);
}

static int add_rule(scmp_filter_ctx ctx, uint32_t action, uint32_t def, json_t *names, json_t *args,
                    struct eng_error **err)
{
        struct scmp_arg_cmp cmps[6];
        unsigned int ncmp = 0, seen = 0;
        bool split = false;
        json_t *n, *a;
        size_t i;

        if (action == def)
                return 0;
        json_array_foreach(args, i, a) {
                json_t *idx = json_object_get(a, "index");

                if (ncmp == ELEMENTSOF(cmps) || !json_is_integer(idx) ||
                    json_integer_value(idx) < 0 || json_integer_value(idx) > 5 ||
                    parse_op(json_string_value(json_object_get(a, "op")), &cmps[ncmp].op) < 0)
                        return eng_err(err, ENG_E_INVALID, 0, "seccomp: a bad argument condition");
                cmps[ncmp].arg = (unsigned int) json_integer_value(idx);
                if (seen & (1u << cmps[ncmp].arg))
                        split = true;
                seen |= 1u << cmps[ncmp].arg;
                cmps[ncmp].datum_a = (scmp_datum_t) json_integer_value(json_object_get(a, "value"));
                cmps[ncmp].datum_b =
                        (scmp_datum_t) json_integer_value(json_object_get(a, "valueTwo"));
                ncmp++;
        }
        json_array_foreach(names, i, n) {
                const char *name = json_string_value(n);
                int nr, r;

                if (!name)
                        return eng_err(err, ENG_E_INVALID, 0,
                                       "seccomp: a syscall name is not a string");
                nr = seccomp_syscall_resolve_name(name);
                if (nr == __NR_SCMP_ERROR)
                        continue; /* unknown here: skipped, as crun and runc do */
                /*
                 * libseccomp refuses two conditions on one argument in a rule
                 * (EINVAL): such a rule becomes one rule per condition, any of
                 * which matches, as crun and runc make it.
                 */
                for (unsigned int k = 0; k < (split ? ncmp : 1); k++) {
                        r = split ? seccomp_rule_add_array(ctx, action, nr, 1, &cmps[k])
                                  : seccomp_rule_add_array(ctx, action, nr, ncmp, cmps);
                        /* A syscall this architecture lacks, or a duplicate of the default. */
                        if (r < 0 && r != -EEXIST && r != -EDOM && r != -EACCES)
                                return eng_err(err, ENG_E_INVALID, -r,
                                               "seccomp: adding a rule for '%s'", name);
                }
        }
        return 0;
}

static scmp_filter_ctx build_filter(json_t *s, struct eng_error **err)
{
        scmp_filter_ctx ctx;
        uint32_t def;
        json_t *v, *rule;
        size_t i;
        int r;

        if (parse_action(json_string_value(json_object_get(s, "defaultAction")), s, s, &def, err) <
            0)
                return NULL;
        ctx = seccomp_init(def);
        if (!ctx) {
                eng_err(err, ENG_E_SYS, ENOMEM, "seccomp: initialising the filter");
                return NULL;
        }
        /* no_new_privs is the spec's business, not libseccomp's */
        (void) seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        json_array_foreach(json_object_get(s, "architectures"), i, v) {
                uint32_t t = json_is_string(v) ? arch_token(json_string_value(v)) : 0;

                if (t && (r = seccomp_arch_add(ctx, t)) < 0 && r != -EEXIST) {
                        seccomp_release(ctx);
                        eng_err(err, ENG_E_SYS, -r, "seccomp: adding architecture '%s'",
                                json_string_value(v));
                        return NULL;
                }
        }
        json_array_foreach(json_object_get(s, "flags"), i, v) {
                const char *f = json_string_value(v);

                if (f && strcmp(f, "SECCOMP_FILTER_FLAG_LOG") == 0)
                        (void) seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
                else if (f && strcmp(f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
                        (void) seccomp_attr_set(ctx, SCMP_FLTATR_CTL_SSB, 1);
        }
        json_array_foreach(json_object_get(s, "syscalls"), i, rule) {
                uint32_t action;
                json_t *names = json_object_get(rule, "names");

                if (!names && json_is_string(json_object_get(rule, "name"))) {
                        names = json_pack("[O]", json_object_get(rule, "name"));
                        json_object_set_new(rule, "names", names);
                }
                if (parse_action(json_string_value(json_object_get(rule, "action")), rule, s,
                                 &action, err) < 0 ||
                    add_rule(ctx, action, def, names, json_object_get(rule, "args"), err) < 0) {
                        seccomp_release(ctx);
                        return NULL;
                }
        }
        return ctx;
}

/* The filter flags of the seccomp(2) call that loads the program. */
static unsigned int filter_flags(json_t *s)
{
        unsigned int f = 0;
        json_t *v;
        size_t i;

        json_array_foreach(json_object_get(s, "flags"), i, v) {
                const char *n = json_string_value(v);

                if (n && strcmp(n, "SECCOMP_FILTER_FLAG_LOG") == 0)
                        f |= SECCOMP_FILTER_FLAG_LOG;
                else if (n && strcmp(n, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
                        f |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
        }
        /* a listener gets the notify fd the load returns (oci_seccomp_send_listener) */
        if (json_string_length(json_object_get(s, "listenerPath")))
                f |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        return f;
}

struct oci_seccomp_prog *oci_seccomp_prog_free(struct oci_seccomp_prog *p)
{
        if (p) {
                free(p->filter);
                free(p);
        }
        return NULL;
}

/* FNV-1a: the cache file's name.  The file holds the whole key too, and is
 * used only when that matches, so a collision costs a compile, nothing more
 * (and no digest library pages in the hot path of `eng run`). */
static uint64_t fnv1a(const char *s, size_t n)
{
        uint64_t h = UINT64_C(0xcbf29ce484222325);

        for (size_t i = 0; i < n; i++) {
                h ^= (unsigned char) s[i];
                h *= UINT64_C(0x100000001b3);
        }
        return h;
}

#define CACHE_MAGIC "eng-seccomp-bpf 1\n"

struct oci_seccomp_prog *oci_seccomp_compile(json_t *s, const char *cache_dir,
                                             struct eng_error **err)
{
        _cleanup_free_ char *doc = NULL, *key = NULL, *path = NULL, *data = NULL;
        const struct scmp_version *v = seccomp_version();
        struct oci_seccomp_prog *prog;
        scmp_filter_ctx ctx;
        size_t len = 0, klen;
        int fd, r;

        /* a notify rule without a listener would fail its calls with ENOSYS: runc refuses it */
        if (!json_string_length(json_object_get(s, "listenerPath"))) {
                json_t *rule;
                size_t i;
                bool notify = str_is(json_object_get(s, "defaultAction"), "SCMP_ACT_NOTIFY");

                json_array_foreach(json_object_get(s, "syscalls"), i, rule)
                        notify = notify ||
                                 str_is(json_object_get(rule, "action"), "SCMP_ACT_NOTIFY");
                if (notify) {
                        eng_err(err, ENG_E_INVALID, 0,
                                "seccomp: SCMP_ACT_NOTIFY needs a listenerPath to send the notifications to");
                        return NULL;
                }
        }
        /* The same object, libseccomp and kernel architecture make the same program. */
        doc = json_dumps(s, JSON_COMPACT | JSON_SORT_KEYS);
        key = eng_xasprintf("%s%u.%u.%u %u\n%s\n", CACHE_MAGIC, v->major, v->minor, v->micro,
                            seccomp_arch_native(), doc);
        klen = strlen(key);
        if (cache_dir) {
                struct eng_error *e = NULL;

                path = eng_xasprintf("%s/%016" PRIx64 ".bpf", cache_dir, fnv1a(key, klen));
                if (eng_read_file(path, 4u << 20, &data, &len, &e) == 0 && len > klen &&
                    memcmp(data, key, klen) == 0 &&
                    (len - klen) % sizeof(struct sock_filter) == 0) {
                        memmove(data, data + klen, len - klen);
                        len -= klen;
                        goto done;
                }
                eng_err_free(e);
                free(TAKE_PTR(data));
        }
        ctx = build_filter(s, err);
        if (!ctx)
                return NULL;
        fd = memfd_create("eng-seccomp", MFD_CLOEXEC);
        if (fd < 0) {
                seccomp_release(ctx);
                eng_err(err, ENG_E_SYS, errno, "seccomp: making a memfd");
                return NULL;
        }
        r = seccomp_export_bpf(ctx, fd);
        seccomp_release(ctx);
        if (r < 0 || lseek(fd, 0, SEEK_SET) < 0) {
                close(fd);
                eng_err(err, ENG_E_SYS, r < 0 ? -r : errno, "seccomp: compiling the filter");
                return NULL;
        }
        r = eng_read_file_fd(fd, "the seccomp program", 1 << 20, &data, &len, err);
        close(fd);
        if (r < 0)
                return NULL;
        if (cache_dir) {
                struct eng_error *e = NULL;
                char *file = eng_xmalloc(klen + len);

                memcpy(file, key, klen);
                memcpy(file + klen, data, len);
                if (eng_mkdir_p(cache_dir, 0700, &e) < 0 ||
                    eng_write_file_replace(path, file, klen + len, 0600, &e) < 0)
                        eng_log_debug("seccomp: not cached: %s", e->msg);
                eng_err_free(e);
                free(file);
        }
done:
        prog = eng_xcalloc(1, sizeof(*prog));
        prog->filter = TAKE_PTR(data);
        prog->len = len / sizeof(struct sock_filter);
        prog->flags = filter_flags(s);
        return prog;
}

int oci_seccomp_load(const struct oci_seccomp_prog *p, int *ret_listener, struct eng_error **err)
{
        struct sock_fprog fp = { .len = (unsigned short) p->len, .filter = p->filter };
        long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &fp);

        if (r < 0)
                return eng_err(err, ENG_E_SYS, errno, "loading the seccomp filter");
        *ret_listener = (p->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) ? (int) r : -1;
        return 0;
}

int oci_seccomp_send_listener(const struct oci_seccomp_listener *l, int fd, struct eng_error **err)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int s = -1;
        char *msg;
        json_t *j;
        int r;

        if (strlen(l->path) >= sizeof(sa.sun_path))
                return eng_err(err, ENG_E_USAGE, ENAMETOOLONG,
                               "linux.seccomp.listenerPath '%s' is too long", l->path);
        memcpy(sa.sun_path, l->path, strlen(l->path));
        s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0 || connect(s, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return eng_err(err, ENG_E_SYS, errno, "connecting to the seccomp listener '%s'",
                               l->path);
        /* the OCI runtime spec's containerProcessState, and the fd beside it */
        j = json_pack("{s:s,s:[s],s:i,s:s,s:{s:s,s:s,s:s,s:i,s:s}}", "ociVersion", "0.2.0", "fds",
                      "seccompFd", "pid", (int) l->pid, "metadata", l->metadata ? l->metadata : "",
                      "state", "ociVersion", OCI_VERSION, "id", l->id ? l->id : "", "status",
                      "creating", "pid", (int) l->pid, "bundle", l->bundle ? l->bundle : "");
        msg = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(j);
        r = eng_fd_send(s, msg, strlen(msg), fd);
        free(msg);
        if (r < 0)
                return eng_err(err, ENG_E_SYS, -r, "sending the seccomp fd to '%s'", l->path);
        return 0;
}

json_t *oci_seccomp_load_file(const char *path, struct eng_error **err)
{
        _cleanup_free_ char *data = NULL;
        json_error_t je;
        json_t *j;
        size_t len;

        if (eng_read_file(path, PROFILE_MAX, &data, &len, err) < 0)
                return NULL;
        j = json_loadb(data, len, 0, &je);
        if (!j || !json_is_object(j)) {
                json_decref(j);
                eng_err(err, ENG_E_INVALID, 0, "seccomp profile '%s' is not a JSON object: %s",
                        path, je.text);
                return NULL;
        }
        if (!json_is_string(json_object_get(j, "defaultAction"))) {
                json_decref(j);
                eng_err(err, ENG_E_INVALID, 0, "seccomp profile '%s' has no defaultAction", path);
                return NULL;
        }
        return j;
}

/* The machine as libseccomp names it, and as Go (docker's "arches") does. */
static void native_arch(const char **ret_scmp, const char **ret_go)
{
        struct utsname u;

        *ret_scmp = "SCMP_ARCH_X86_64";
        *ret_go = "amd64";
        if (uname(&u) < 0)
                return;
        if (strcmp(u.machine, "aarch64") == 0) {
                *ret_scmp = "SCMP_ARCH_AARCH64";
                *ret_go = "arm64";
        } else if (strcmp(u.machine, "s390x") == 0) {
                *ret_scmp = "SCMP_ARCH_S390X";
                *ret_go = "s390x";
        } else if (strcmp(u.machine, "ppc64le") == 0) {
                *ret_scmp = "SCMP_ARCH_PPC64LE";
                *ret_go = "ppc64le";
        } else if (strcmp(u.machine, "riscv64") == 0) {
                *ret_scmp = "SCMP_ARCH_RISCV64";
                *ret_go = "riscv64";
        }
}

static bool list_has(json_t *list, const char *s)
{
        json_t *v;
        size_t i;

        json_array_foreach(list, i, v)
                if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
                        return true;
        return false;
}

/* Whether a rule's "includes" (all must hold) and "excludes" (none may) fit. */
static bool rule_applies(json_t *rule, uint64_t caps, const char *go_arch)
{
        json_t *inc = json_object_get(rule, "includes"), *exc = json_object_get(rule, "excludes");
        json_t *v;
        size_t i;

        json_array_foreach(json_object_get(inc, "caps"), i, v) {
                int c = oci_cap_parse(json_string_value(v) ? json_string_value(v) : "");

                if (c < 0 || !((caps >> c) & 1))
                        return false;
        }
        if (json_array_size(json_object_get(inc, "arches")) &&
            !list_has(json_object_get(inc, "arches"), go_arch))
                return false;
        json_array_foreach(json_object_get(exc, "caps"), i, v) {
                int c = oci_cap_parse(json_string_value(v) ? json_string_value(v) : "");

                if (c >= 0 && ((caps >> c) & 1))
                        return false;
        }
        if (list_has(json_object_get(exc, "arches"), go_arch))
                return false;
        return true;
}

json_t *oci_seccomp_from_profile(json_t *profile, uint64_t caps)
{
        const char *scmp_arch, *go_arch;
        json_t *out = json_object(), *arches = json_array(), *rules = json_array(), *v, *m;
        size_t i, j;

        native_arch(&scmp_arch, &go_arch);
        json_object_set(out, "defaultAction", json_object_get(profile, "defaultAction"));
        if (json_object_get(profile, "defaultErrnoRet"))
                json_object_set(out, "defaultErrnoRet",
                                json_object_get(profile, "defaultErrnoRet"));
        if (json_object_get(profile, "architectures")) {
                json_object_set(out, "architectures", json_object_get(profile, "architectures"));
                json_decref(arches);
        } else {
                json_array_foreach(json_object_get(profile, "archMap"), i, m) {
                        const char *a = json_string_value(json_object_get(m, "architecture"));

                        if (!a || strcmp(a, scmp_arch) != 0)
                                continue;
                        json_array_append_new(arches, json_string(a));
                        json_array_foreach(json_object_get(m, "subArchitectures"), j, v)
                                json_array_append(arches, v);
                }
                json_object_set_new(out, "architectures", arches);
        }
        if (json_object_get(profile, "flags"))
                json_object_set(out, "flags", json_object_get(profile, "flags"));
        json_array_foreach(json_object_get(profile, "syscalls"), i, m) {
                json_t *r;

                if (!rule_applies(m, caps, go_arch))
                        continue;
                r = json_object();
                json_object_set(r, "names", json_object_get(m, "names"));
                if (json_object_get(m, "name"))
                        json_object_set_new(r, "names",
                                            json_pack("[O]", json_object_get(m, "name")));
                json_object_set(r, "action", json_object_get(m, "action"));
                if (json_object_get(m, "errnoRet"))
                        json_object_set(r, "errnoRet", json_object_get(m, "errnoRet"));
                if (json_array_size(json_object_get(m, "args")))
                        json_object_set(r, "args", json_object_get(m, "args"));
                json_array_append_new(rules, r);
        }
        json_object_set_new(out, "syscalls", rules);
        return out;
}

const char *oci_seccomp_version(void)
{
        static char buf[32];
        const struct scmp_version *v = seccomp_version();

        if (!buf[0])
                snprintf(buf, sizeof(buf), "%u.%u.%u", v->major, v->minor, v->micro);
        return buf;
}

json_t *oci_seccomp_features(void)
{
        /* the architectures OCI names; those this libseccomp knows are listed */
        static const char *const archs[] = {
                "SCMP_ARCH_AARCH64",  "SCMP_ARCH_ARM",         "SCMP_ARCH_MIPS",
                "SCMP_ARCH_MIPS64",   "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",
                "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PARISC",
                "SCMP_ARCH_PARISC64", "SCMP_ARCH_PPC",         "SCMP_ARCH_PPC64",
                "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_RISCV64",     "SCMP_ARCH_S390",
                "SCMP_ARCH_S390X",    "SCMP_ARCH_X32",         "SCMP_ARCH_X86",
                "SCMP_ARCH_X86_64",
        };
        json_t *a = json_array(), *o = json_array(), *r = json_array();

        for (size_t i = 0; i < ELEMENTSOF(actions); i++)
                json_array_append_new(a, json_string(actions[i].name));
        for (size_t i = 0; i < ELEMENTSOF(ops); i++)
                json_array_append_new(o, json_string(ops[i].name));
        for (size_t i = 0; i < ELEMENTSOF(archs); i++)
                if (arch_token(archs[i]))
                        json_array_append_new(r, json_string(archs[i]));
        return json_pack("{s:b,s:o,s:o,s:o}", "enabled", true, "actions", a, "operators", o,
                         "archs", r);
}
