/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_COMMON_SANDBOX_H
#define ENG_COMMON_SANDBOX_H

/*
 * Confining a helper that handles what comes from outside (eng-slirp's
 * packets, eng-unpack's layer tars): capabilities cut to what it needs,
 * no_new_privs, and a seccomp filter refusing the calls such a helper
 * never makes (mount, ptrace, bpf, keyctl, execve, ...).
 */

#include <stdint.h>

#include "common/error.h"

#define ENG_SANDBOX_CAP(c) (UINT64_C(1) << (c))

/**
 * eng_sandbox_caps() - keep only the capabilities of the mask @keep (in the
 * bounding, permitted and effective sets; none inheritable or ambient) and
 * set no_new_privs.
 */
int eng_sandbox_caps(uint64_t keep, struct eng_error **err);

enum eng_sandbox_flags {
        /* a helper that runs no untrusted code: the speculative store bypass
         * mitigation a filter turns on would cost every packet */
        ENG_SANDBOX_NO_SPEC_MITIGATION = 1 << 0,
        /* no sockets either (socket, connect, bind, listen, accept) */
        ENG_SANDBOX_NO_NETWORK = 1 << 1,
};

/** eng_sandbox_seccomp() - load the filter (EPERM for what it refuses) */
int eng_sandbox_seccomp(unsigned int flags, struct eng_error **err);

#endif
