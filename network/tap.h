/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_NETWORK_TAP_H
#define ENG_NETWORK_TAP_H

/*
 * The container's end of user-mode networking: a tap device created inside
 * the container's network namespace from /dev/net/tun.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "common/userns.h"

/**
 * net_tap_probe() - whether a tap device can be made in a new user and
 * network namespace with @map: opens /dev/net/tun there and creates "tap0".
 * Return: 0 when it works; negative with *err saying why not.
 */
int net_tap_probe(const struct eng_idmap *map, struct eng_error **err);

struct net_tap_opts {
        unsigned int mtu;
        bool ipv6; /* fd00::100/64 too, default route through fd00::2 */
};

/* The tap device, and the agent that makes sockets in the container's netns. */
struct net_tap {
        int fd;
        int agent; /* our end of the socket pair to the agent */
        pid_t agent_pid;
};

/**
 * net_tap_open() - in a child that joins the user and network namespaces of
 * @pid: create tap0 (10.0.2.100/24, the MTU, default route through
 * 10.0.2.2), bring it and lo up, and pass its fd back.  The child stays
 * there as the agent of net_tap_socket().  Return: 0, or -1 with *err.
 */
int net_tap_open(pid_t pid, const struct net_tap_opts *o, struct net_tap *ret,
                 struct eng_error **err);

/**
 * net_tap_socket() - a non-blocking socket of @family (AF_INET or AF_INET6)
 * and @type (SOCK_STREAM or SOCK_DGRAM) in the container's network
 * namespace.  Return: it, or -errno.
 */
int net_tap_socket(const struct net_tap *t, int family, int type);

/** net_tap_close() - close the tap and the agent, and reap the agent */
void net_tap_close(struct net_tap *t);

#endif
