/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "common/platform.h"
#include "common/xalloc.h"

#include "common/banned.h"

static const struct {
        const char *machine, *arch, *variant;
} arches[] = {
        { "x86_64", "amd64", NULL },  { "amd64", "amd64", NULL },
        { "aarch64", "arm64", "v8" }, { "arm64", "arm64", "v8" },
        { "armv7l", "arm", "v7" },    { "armv6l", "arm", "v6" },
        { "armv5tel", "arm", "v5" },  { "i386", "386", NULL },
        { "i686", "386", NULL },      { "ppc64le", "ppc64le", NULL },
        { "s390x", "s390x", NULL },   { "riscv64", "riscv64", NULL },
        { "mips64", "mips64", NULL }, { "loongarch64", "loong64", NULL },
};

static const char *this_machine(void)
{
        static struct utsname u;
        static int done;

        if (!done) {
                if (uname(&u) < 0)
                        return "unknown";
                done = 1;
        }
        return u.machine;
}

const char *eng_platform_arch(const char *machine)
{
        if (!machine)
                machine = this_machine();
        for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
                if (strcmp(machine, arches[i].machine) == 0)
                        return arches[i].arch;
        return machine;
}

const char *eng_platform_variant(const char *machine)
{
        if (!machine)
                machine = this_machine();
        for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
                if (strcmp(machine, arches[i].machine) == 0)
                        return arches[i].variant;
        return NULL;
}

char *eng_time_rfc3339(const struct timespec *ts)
{
        struct tm tm;
        char buf[64];

        gmtime_r(&ts->tv_sec, &tm);
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
        return eng_xasprintf("%s.%09ldZ", buf, ts->tv_nsec);
}

char *eng_time_now_rfc3339(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return eng_time_rfc3339(&ts);
}

time_t eng_time_parse_rfc3339(const char *s)
{
        struct tm tm = { 0 };
        const char *p;
        long off = 0;
        time_t t;

        if (!s)
                return -1;
        p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!p)
                return -1;
        if (*p == '.')
                for (p++; *p >= '0' && *p <= '9'; p++)
                        ;
        if (*p == '+' || *p == '-') {
                int hh, mm;
                if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
                        return -1;
                off = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
        } else if (*p != 'Z' && *p != 'z') {
                return -1;
        }
        t = timegm(&tm);
        return t - off;
}
