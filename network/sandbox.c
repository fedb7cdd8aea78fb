/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The network helper's confinement, and its outbound address option.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/capability.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/sandbox.h"
#include "common/xalloc.h"
#include "network/slirp.h"

#include "common/banned.h"

#define NEWROOT "/tmp"

/* a user namespace of our own with only our ids (for the right to mount) */
static int own_userns(struct eng_error **err)
{
        char map[64];
        uid_t uid = getuid();
        gid_t gid = getgid();
        int r;

        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
                return eng_err(err, ENG_E_SYS, errno,
                               "sandbox: making the helper's own user and mount namespaces");
        if ((r = eng_write_string("/proc/self/setgroups", "deny")) < 0)
                return eng_err(err, ENG_E_SYS, -r, "sandbox: /proc/self/setgroups");
        snprintf(map, sizeof(map), "%u %u 1\n", (unsigned) uid, (unsigned) uid);
        if ((r = eng_write_string("/proc/self/uid_map", map)) < 0)
                return eng_err(err, ENG_E_SYS, -r, "sandbox: /proc/self/uid_map");
        snprintf(map, sizeof(map), "%u %u 1\n", (unsigned) gid, (unsigned) gid);
        if ((r = eng_write_string("/proc/self/gid_map", map)) < 0)
                return eng_err(err, ENG_E_SYS, -r, "sandbox: /proc/self/gid_map");
        return 0;
}

/* @src bound read-only at NEWROOT@src (a directory, or a file) */
static int bind_ro(const char *src, struct eng_error **err)
{
        _cleanup_free_ char *dst = eng_xasprintf(NEWROOT "%s", src);
        unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV;
        struct statvfs sv;
        struct stat st;

        if (stat(src, &st) < 0)
                return 0; /* nothing to keep */
        if (S_ISDIR(st.st_mode)) {
                if (eng_mkdir_p(dst, 0755, err) < 0)
                        return -1;
        } else {
                _cleanup_free_ char *parent = eng_xstrdup(dst);
                int fd;

                *strrchr(parent, '/') = '\0';
                if (eng_mkdir_p(parent, 0755, err) < 0)
                        return -1;
                fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
                if (fd < 0)
                        return eng_err(err, ENG_E_SYS, errno, "sandbox: creating '%s'", dst);
                close(fd);
        }
        if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
                return eng_err(err, ENG_E_SYS, errno, "sandbox: binding '%s'", src);
        /* a remount keeps the flags the kernel locked (noexec, say) */
        if (statvfs(src, &sv) == 0 && (sv.f_flag & ST_NOEXEC))
                flags |= MS_NOEXEC;
        if (mount(NULL, dst, NULL, flags, NULL) < 0)
                return eng_err(err, ENG_E_SYS, errno, "sandbox: making '%s' read-only", src);
        return 0;
}

static int new_root(struct eng_error **err)
{
        _cleanup_free_ char *resolv = realpath("/etc/resolv.conf", NULL);

        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return eng_err(err, ENG_E_SYS, errno, "sandbox: making the mounts private");
        if (mount("tmpfs", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  "size=64k,mode=0755") < 0)
                return eng_err(err, ENG_E_SYS, errno, "sandbox: mounting an empty root");
        /* the resolver's files: /etc, and where /etc/resolv.conf leads */
        if (bind_ro("/etc", err) < 0)
                return -1;
        if (resolv && strncmp(resolv, "/etc/", 5) != 0 && bind_ro(resolv, err) < 0)
                return -1;
        if (chdir(NEWROOT) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
                return eng_err(err, ENG_E_SYS, errno, "sandbox: pivot_root");
        if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
                return eng_err(err, ENG_E_SYS, errno, "sandbox: leaving the old root");
        if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  NULL) < 0)
                return eng_err(err, ENG_E_SYS, errno, "sandbox: making the root read-only");
        return 0;
}

int net_slirp_sandbox(struct eng_error **err)
{
        if (own_userns(err) < 0 || new_root(err) < 0 || eng_sandbox_caps(0, err) < 0 ||
            eng_sandbox_seccomp(ENG_SANDBOX_NO_SPEC_MITIGATION, err) < 0)
                return eng_err_wrap(err, "sandbox");
        return 0;
}

int net_parse_outbound(const char *v, bool v6, struct net_slirp_opts *o, struct eng_error **err)
{
        struct ifaddrs *ifs = NULL;
        int family = v6 ? AF_INET6 : AF_INET;
        bool found = false;

        if (v6 ? inet_pton(AF_INET6, v, &o->outbound6) == 1
               : inet_pton(AF_INET, v, &o->outbound) == 1)
                found = true;
        else if (getifaddrs(&ifs) == 0) {
                for (struct ifaddrs *i = ifs; i && !found; i = i->ifa_next) {
                        if (!i->ifa_addr || i->ifa_addr->sa_family != family ||
                            strcmp(i->ifa_name, v) != 0)
                                continue;
                        if (v6)
                                o->outbound6 = ((struct sockaddr_in6 *) i->ifa_addr)->sin6_addr;
                        else
                                o->outbound = ((struct sockaddr_in *) i->ifa_addr)->sin_addr;
                        found = true;
                }
                freeifaddrs(ifs);
        }
        if (!found)
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "outbound_addr%s '%s': neither an IPv%c address nor an interface with one",
                        v6 ? "6" : "", v, v6 ? '6' : '4');
        if (v6)
                o->has_outbound6 = true;
        else
                o->has_outbound = true;
        return 0;
}
