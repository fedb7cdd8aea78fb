/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_COMMON_PLATFORM_H
#define ENG_COMMON_PLATFORM_H

/* This machine's platform in OCI terms (os "linux", arch "amd64", ...). */

#include <time.h>

/**
 * eng_platform_arch() - the OCI/Go architecture name of a uname machine
 * string ("x86_64" -> "amd64", "aarch64" -> "arm64"); unknown names are
 * returned as they are.  @machine NULL means this machine.
 */
const char *eng_platform_arch(const char *machine);

/** eng_platform_variant() - the arch variant of this machine ("v7" on armv7l), or NULL */
const char *eng_platform_variant(const char *machine);

/**
 * eng_time_now_rfc3339() - the current time as podman writes it in records,
 * "2026-11-29T15:50:08.899415497Z" (heap)
 */
char *eng_time_now_rfc3339(void);

/** eng_time_rfc3339() - @ts (CLOCK_REALTIME) in that form (heap) */
char *eng_time_rfc3339(const struct timespec *ts);

/** eng_time_parse_rfc3339() - seconds since the epoch of "2026-11-29T13:05:00.5Z"; -1 if malformed
 */
time_t eng_time_parse_rfc3339(const char *s);

#endif
