/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_NETWORK_TAP_H
#define ENG_NETWORK_TAP_H

/*
 * The container's end of user-mode networking: a tap device created inside
 * the container's network namespace from /dev/net/tun.
 */

#include "common/error.h"
#include "common/userns.h"

/**
 * net_tap_probe() - whether a tap device can be made in a new user and
 * network namespace with @map: opens /dev/net/tun there and creates "tap0".
 * Return: 0 when it works; negative with *err saying why not.
 */
int net_tap_probe(const struct eng_idmap *map, struct eng_error **err);

#endif
