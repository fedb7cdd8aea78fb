/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_NETWORK_SLIRP_H
#define ENG_NETWORK_SLIRP_H

/*
 * User-mode networking on libslirp, as slirp4netns does it: a tap device
 * in the container's network namespace, and on the host side libslirp's
 * TCP/IP stack answering it: outbound TCP and UDP through the host's
 * sockets, DNS at 10.0.2.3, the host's loopback at 10.0.2.2 when allowed,
 * published ports listening on the host.
 *
 *	container 10.0.2.100/24, gateway 10.0.2.2, DNS 10.0.2.3
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"

#define NET_SLIRP_ADDR    "10.0.2.100"
#define NET_SLIRP_GATEWAY "10.0.2.2"
#define NET_SLIRP_DNS     "10.0.2.3"

/* One published port: host HOST_IP:HOST_PORT to the container's PORT. */
struct net_port {
        bool udp;
        struct in_addr host_addr; /* INADDR_ANY for all */
        unsigned short host_port;
        unsigned short container_port;
};

struct net_slirp_opts {
        unsigned int mtu;         /* 65520 by default, as slirp4netns */
        bool allow_host_loopback; /* 10.0.2.2 reaches the host's 127.0.0.1 */
        struct net_port *ports;
        size_t nports;
};

/**
 * net_port_parse() - "[hostip:]hostport:containerport[/tcp|/udp]", with
 * ranges "8000-8003:80-83"; appends to *@ports
 */
int net_port_parse(const char *spec, struct net_port **ports, size_t *nports,
                   struct eng_error **err);

/**
 * net_slirp_run() - libslirp on @tapfd until the process @pid has exited
 * (a pidfd says when).  Published ports are bound first: a port in use is
 * an error before anything runs.  @ready is called once they are bound.
 */
int net_slirp_run(int tapfd, pid_t pid, const struct net_slirp_opts *o, void (*ready)(void *arg),
                  void *ready_arg, struct eng_error **err);

#endif
