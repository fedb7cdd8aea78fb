/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_NETWORK_TAP_H
#define ENG_NETWORK_TAP_H

/*
 * The container's end of user-mode networking: a tap device created inside
 * the container's network namespace from /dev/net/tun.
 */

#include <sys/types.h>

#include "common/error.h"
#include "common/userns.h"

/**
 * net_tap_probe() - whether a tap device can be made in a new user and
 * network namespace with @map: opens /dev/net/tun there and creates "tap0".
 * Return: 0 when it works; negative with *err saying why not.
 */
int net_tap_probe(const struct eng_idmap *map, struct eng_error **err);

/**
 * net_tap_open() - in a child that joins the user and network namespaces of
 * @pid: create tap0 (10.0.2.100/24, @mtu, default route through 10.0.2.2),
 * bring it and lo up, and pass its fd back.  Return: the fd, or -1 with *err.
 */
int net_tap_open(pid_t pid, unsigned int mtu, struct eng_error **err);

#endif
