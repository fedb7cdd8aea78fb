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

#define NET_SLIRP_ADDR     "10.0.2.100"
#define NET_SLIRP_GATEWAY  "10.0.2.2"
#define NET_SLIRP_DNS      "10.0.2.3"
/* with enable_ipv6: container fd00::100/64, gateway fd00::2, DNS fd00::3 */
#define NET_SLIRP_ADDR6    "fd00::100"
#define NET_SLIRP_GATEWAY6 "fd00::2"
#define NET_SLIRP_DNS6     "fd00::3"

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
        bool ipv6;                /* enable_ipv6 */
        bool has_outbound;        /* outbound_addr: connections leave the host from it */
        struct in_addr outbound;
        bool has_outbound6;
        struct in6_addr outbound6;
        bool slirp_ports; /* port_handler=slirp4netns: ports through libslirp */
        bool sandbox;     /* confine the helper once set up (net_slirp_sandbox) */
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
 * net_slirp_run() - libslirp on the tap of @tap until the process @pid has
 * exited (a pidfd says when).  Published ports are bound first: a port in
 * use is an error before anything runs.  They go through our forwarder
 * (network/forward.h), or through libslirp with o->slirp_ports.  Then the
 * helper confines itself (o->sandbox) and @ready is called.
 */
struct net_tap;
int net_slirp_run(struct net_tap *tap, pid_t pid, const struct net_slirp_opts *o,
                  void (*ready)(void *arg), void *ready_arg, struct eng_error **err);

/**
 * net_slirp_sandbox() - confine the helper as slirp4netns --enable-sandbox
 * does, in words of our own: a user and mount namespace of its own whose
 * root is an empty tmpfs holding only /etc (read-only, for the resolver's
 * files), every capability dropped, no new privileges, and a seccomp filter
 * refusing what a network helper never needs (mount, ptrace, module and
 * key calls, namespaces, reboot...).  The sockets already open stay.
 */
int net_slirp_sandbox(struct eng_error **err);

/**
 * net_parse_outbound() - outbound_addr=IP or an interface name (its first
 * address of that family) for @o; @v6 for outbound_addr6
 */
int net_parse_outbound(const char *v, bool v6, struct net_slirp_opts *o, struct eng_error **err);

#endif
