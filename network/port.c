/* SPDX-License-Identifier: GPL-2.0-or-later */
/* -p as podman takes it: [hostip:]hostport:containerport[/tcp|/udp], with ranges. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "network/slirp.h"

#include "common/banned.h"

/* "80" or "8000-8003" */
static int parse_range(const char *s, unsigned long *lo, unsigned long *hi)
{
        char *end;

        *lo = strtoul(s, &end, 10);
        if (end == s || *lo == 0 || *lo > 65535)
                return -1;
        *hi = *lo;
        if (*end == '-') {
                const char *h = end + 1;

                *hi = strtoul(h, &end, 10);
                if (end == h || *hi < *lo || *hi > 65535)
                        return -1;
        }
        return *end ? -1 : 0;
}

int net_port_parse(const char *spec, struct net_port **ports, size_t *nports,
                   struct eng_error **err)
{
        _cleanup_free_ char *s = eng_xstrdup(spec);
        char *proto = strchr(s, '/'), *last, *hostport = NULL;
        struct in_addr addr = { .s_addr = htonl(INADDR_ANY) };
        unsigned long hlo, hhi, clo, chi;
        bool udp = false;

        if (proto) {
                *proto++ = '\0';
                if (strcmp(proto, "udp") == 0)
                        udp = true;
                else if (strcmp(proto, "tcp") != 0)
                        return eng_err(err, ENG_E_USAGE, 0, "-p '%s': the protocol is tcp or udp",
                                       spec);
        }
        last = strrchr(s, ':');
        if (!last)
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "-p '%s': give HOSTPORT:CONTAINERPORT (eng run picks a free host port for CONTAINERPORT alone)",
                        spec);
        *last++ = '\0';
        hostport = strrchr(s, ':');
        if (hostport) {
                *hostport++ = '\0';
                if (*s && inet_pton(AF_INET, s, &addr) != 1)
                        return eng_err(err, ENG_E_USAGE, 0, "-p '%s': '%s' is not an IPv4 address",
                                       spec, s);
        } else
                hostport = s;
        if (parse_range(hostport, &hlo, &hhi) < 0 || parse_range(last, &clo, &chi) < 0)
                return eng_err(err, ENG_E_USAGE, 0, "-p '%s': ports are numbers 1-65535", spec);
        if (hhi - hlo != chi - clo)
                return eng_err(err, ENG_E_USAGE, 0,
                               "-p '%s': the host and container ranges differ in length", spec);
        for (unsigned long i = 0; i <= hhi - hlo; i++) {
                *ports = eng_xreallocarray(*ports, *nports + 1, sizeof(**ports));
                (*ports)[(*nports)++] = (struct net_port){
                        .udp = udp,
                        .host_addr = addr,
                        .host_port = (unsigned short) (hlo + i),
                        .container_port = (unsigned short) (clo + i),
                };
        }
        return 0;
}
