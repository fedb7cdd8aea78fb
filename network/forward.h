/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_NETWORK_FORWARD_H
#define ENG_NETWORK_FORWARD_H

/*
 * Published TCP ports at the speed of the host's loopback, as podman's
 * rootlessport does it: the helper listens on the host, and for each
 * connection it accepts it connects a socket made in the container's
 * network namespace (by the tap's agent) to the container's address, then
 * moves the bytes between the two with splice(2): they never enter user
 * space, and never pass through libslirp.  UDP ports get a socket in the
 * container per client (forgotten after a minute unheard).  The container
 * sees its peer as 10.0.2.100 (as with rootlessport), not the client;
 * port_handler=slirp4netns keeps the client's address, at libslirp's speed.
 */

#include <poll.h>

#include "common/error.h"
#include "network/slirp.h"
#include "network/tap.h"

struct net_fwd;

/** net_fwd_new() - a forwarder into the namespace of @tap (borrowed) */
struct net_fwd *net_fwd_new(const struct net_tap *tap);

/** net_fwd_listen() - bind and listen on the host side of the TCP port @p */
int net_fwd_listen(struct net_fwd *f, const struct net_port *p, struct eng_error **err);

/* The forwarder's part of a poll loop: what to poll, then what came. */
typedef int (*net_fwd_add_fn)(int fd, short events, void *opaque); /* returns an index */
typedef short (*net_fwd_revents_fn)(int idx, void *opaque);
void net_fwd_poll_fill(struct net_fwd *f, net_fwd_add_fn add, void *opaque);
void net_fwd_poll_done(struct net_fwd *f, net_fwd_revents_fn revents, void *opaque);

void net_fwd_free(struct net_fwd *f);

#endif
