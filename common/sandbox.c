/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Confining helpers: capabilities, no_new_privs, a seccomp filter. */
#include "config.h"

#include <errno.h>
#include <linux/capability.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <seccomp.h>

#include "common/cleanup.h"
#include "common/sandbox.h"

#include "common/banned.h"

int eng_sandbox_caps(uint64_t keep, struct eng_error **err)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = { { 0 } };

        for (int c = 0; c <= CAP_LAST_CAP; c++)
                if (!(keep & ENG_SANDBOX_CAP(c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 &&
                    errno != EINVAL)
                        return eng_err(err, ENG_E_SYS, errno, "dropping capability %d", c);
        (void) prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        d[0].effective = d[0].permitted = (uint32_t) keep;
        d[1].effective = d[1].permitted = (uint32_t) (keep >> 32);
        if (syscall(SYS_capset, &h, d) < 0)
                return eng_err(err, ENG_E_SYS, errno, "dropping the capabilities");
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return eng_err(err, ENG_E_SYS, errno, "setting no_new_privs");
        return 0;
}

/* What a helper never calls; the rest (files, sockets, poll, splice...) stays. */
static const char *const refused[] = {
        "acct",
        "add_key",
        "bpf",
        "chroot",
        "clock_adjtime",
        "clock_settime",
        "create_module",
        "delete_module",
        "execve",
        "execveat",
        "fanotify_init",
        "finit_module",
        "fsconfig",
        "fsmount",
        "fsopen",
        "fspick",
        "get_kernel_syms",
        "init_module",
        "ioperm",
        "iopl",
        "kcmp",
        "kexec_file_load",
        "kexec_load",
        "keyctl",
        "lookup_dcookie",
        "mount",
        "mount_setattr",
        "move_mount",
        "name_to_handle_at",
        "nfsservctl",
        "open_by_handle_at",
        "open_tree",
        "perf_event_open",
        "personality",
        "pivot_root",
        "process_vm_readv",
        "process_vm_writev",
        "ptrace",
        "query_module",
        "quotactl",
        "reboot",
        "request_key",
        "setns",
        "settimeofday",
        "swapoff",
        "swapon",
        "syslog",
        "umount",
        "umount2",
        "unshare",
        "uselib",
        "userfaultfd",
        "ustat",
        "vhangup",
        "vm86",
        "vm86old",
};

static const char *const network_calls[] = { "socket", "connect", "bind",
                                             "listen", "accept",  "accept4" };

static int refuse(scmp_filter_ctx ctx, const char *const *names, size_t n)
{
        int r = 0;

        for (size_t i = 0; i < n && r == 0; i++) {
                int nr = seccomp_syscall_resolve_name(names[i]);

                if (nr != __NR_SCMP_ERROR)
                        r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
        }
        return r;
}

int eng_sandbox_seccomp(unsigned int flags, struct eng_error **err)
{
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        int r;

        if (!ctx)
                return eng_err(err, ENG_E_SYS, ENOMEM, "seccomp");
        if (flags & ENG_SANDBOX_NO_SPEC_MITIGATION)
                (void) seccomp_attr_set(ctx, SCMP_FLTATR_CTL_SSB, 1);
        /* a binary tree keeps the filter short for the calls made all the time */
        (void) seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
        r = refuse(ctx, refused, ELEMENTSOF(refused));
        if (r == 0 && (flags & ENG_SANDBOX_NO_NETWORK))
                r = refuse(ctx, network_calls, ELEMENTSOF(network_calls));
        /* ENOSYS, so that a libc falls back to clone() */
        if (r == 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
        if (r == 0)
                r = seccomp_load(ctx);
        seccomp_release(ctx);
        return r < 0 ? eng_err(err, ENG_E_SYS, -r, "loading the seccomp filter") : 0;
}
