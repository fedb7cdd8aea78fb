/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "network/forward.h"

#include "common/banned.h"

#define PIPE_SIZE    (256 * 1024) /* per direction of a connection */
#define ACCEPT_BURST 64
#define FLOW_IDLE    60 /* seconds a UDP client is remembered unheard */
#define FLOW_MAX     1024
#define DGRAM_MAX    65536
#define DGRAM_BURST  64

/* A UDP client of a published port, and its socket in the container. */
struct flow {
        struct flow *next;
        struct sockaddr_in peer;
        int fd;
        int idx;
        time_t last; /* when it last carried a datagram */
};

struct listener {
        struct listener *next;
        int fd;
        int idx;
        bool udp;
        unsigned short container_port;
        struct flow *flows;
        size_t nflows;
};

/* A connection: fd[0] the client on the host, fd[1] the socket in the
 * container's namespace; pipe[d] carries what fd[d] sends to fd[!d]. */
struct conn {
        struct conn *next;
        int fd[2];
        int pipe[2][2];
        size_t queued[2]; /* bytes in pipe[d] */
        bool eof[2];      /* fd[d] has sent all it will */
        bool shut[2];     /* ... and fd[!d] was told so */
        bool connecting;  /* fd[1] is still connecting */
        bool dead;
        int idx[2];
};

struct net_fwd {
        const struct net_tap *tap;
        struct listener *listeners;
        struct conn *conns;
        size_t pipe_size;
        char *dgram; /* a datagram in passing */
};

struct net_fwd *net_fwd_new(const struct net_tap *tap)
{
        struct net_fwd *f = eng_xcalloc(1, sizeof(*f));

        f->tap = tap;
        f->pipe_size = PIPE_SIZE;
        f->dgram = eng_xmalloc(DGRAM_MAX);
        return f;
}

int net_fwd_listen(struct net_fwd *f, const struct net_port *p, struct eng_error **err)
{
        struct sockaddr_in sa = { .sin_family = AF_INET,
                                  .sin_addr = p->host_addr,
                                  .sin_port = htons(p->host_port) };
        _cleanup_close_ int fd = socket(
                AF_INET, (p->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        struct listener *l;
        int one = 1;

        if (fd < 0)
                return eng_err(err, ENG_E_SYS, errno, "making a socket");
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            (!p->udp && listen(fd, SOMAXCONN) < 0)) {
                char a[INET_ADDRSTRLEN];

                inet_ntop(AF_INET, &p->host_addr, a, sizeof(a));
                return eng_err(err, ENG_E_USAGE, errno, "publishing port %s:%u/%s", a, p->host_port,
                               p->udp ? "udp" : "tcp");
        }
        l = eng_xcalloc(1, sizeof(*l));
        l->fd = fd;
        l->udp = p->udp;
        fd = -1;
        l->container_port = p->container_port;
        l->next = f->listeners;
        f->listeners = l;
        return 0;
}

static void conn_free(struct conn *c)
{
        for (int d = 0; d < 2; d++) {
                eng_close_safe(c->fd[d]);
                eng_close_safe(c->pipe[d][0]);
                eng_close_safe(c->pipe[d][1]);
        }
        free(c);
}

static void accept_one(struct net_fwd *f, struct listener *l, int client)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(l->container_port) };
        struct conn *c = eng_xcalloc(1, sizeof(*c));
        int s;

        c->fd[0] = client;
        c->fd[1] = -1;
        for (int d = 0; d < 2; d++)
                c->pipe[d][0] = c->pipe[d][1] = -1;
        s = net_tap_socket(f->tap, AF_INET, SOCK_STREAM);
        if (s < 0) {
                eng_log_debug("port %u: no socket in the container: %s", l->container_port,
                              strerror(-s));
                conn_free(c);
                return;
        }
        c->fd[1] = s;
        for (int d = 0; d < 2; d++) {
                if (pipe2(c->pipe[d], O_NONBLOCK | O_CLOEXEC) < 0) {
                        eng_log_debug("port %u: pipe: %s", l->container_port, strerror(errno));
                        conn_free(c);
                        return;
                }
                (void) fcntl(c->pipe[d][1], F_SETPIPE_SZ, (int) f->pipe_size);
        }
        (void) inet_pton(AF_INET, NET_SLIRP_ADDR, &sa.sin_addr);
        if (connect(s, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                if (errno != EINPROGRESS) {
                        conn_free(c);
                        return;
                }
                c->connecting = true;
        }
        c->next = f->conns;
        f->conns = c;
}

static void accept_all(struct net_fwd *f, struct listener *l)
{
        for (int i = 0; i < ACCEPT_BURST; i++) {
                int c = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

                if (c < 0) {
                        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                                eng_log_debug("accepting on port %u: %s", l->container_port,
                                              strerror(errno));
                        return;
                }
                accept_one(f, l, c);
        }
}

/* --- UDP: a socket in the container per client, forgotten when idle */

static void flow_close(struct listener *l, struct flow **p)
{
        struct flow *fl = *p;

        *p = fl->next;
        close(fl->fd);
        free(fl);
        l->nflows--;
}

static struct flow *flow_get(struct net_fwd *f, struct listener *l, const struct sockaddr_in *peer,
                             time_t now)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(l->container_port) };
        struct flow *fl;
        int s;

        for (fl = l->flows; fl; fl = fl->next)
                if (fl->peer.sin_port == peer->sin_port &&
                    fl->peer.sin_addr.s_addr == peer->sin_addr.s_addr)
                        return fl;
        if (l->nflows >= FLOW_MAX) {
                /* the one idle longest goes */
                struct flow **oldest = &l->flows;

                for (struct flow **p = &l->flows; *p; p = &(*p)->next)
                        if ((*p)->last < (*oldest)->last)
                                oldest = p;
                flow_close(l, oldest);
        }
        s = net_tap_socket(f->tap, AF_INET, SOCK_DGRAM);
        if (s < 0)
                return NULL;
        (void) inet_pton(AF_INET, NET_SLIRP_ADDR, &sa.sin_addr);
        if (connect(s, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                close(s);
                return NULL;
        }
        fl = eng_xcalloc(1, sizeof(*fl));
        fl->peer = *peer;
        fl->fd = s;
        fl->idx = -1;
        fl->last = now;
        fl->next = l->flows;
        l->flows = fl;
        l->nflows++;
        return fl;
}

/* client -> container */
static void udp_in(struct net_fwd *f, struct listener *l, time_t now)
{
        for (int i = 0; i < DGRAM_BURST; i++) {
                struct sockaddr_in peer;
                socklen_t len = sizeof(peer);
                ssize_t n =
                        recvfrom(l->fd, f->dgram, DGRAM_MAX, 0, (struct sockaddr *) &peer, &len);
                struct flow *fl;

                if (n < 0)
                        return;
                fl = flow_get(f, l, &peer, now);
                if (!fl)
                        continue;
                fl->last = now;
                (void) send(fl->fd, f->dgram, (size_t) n,
                            MSG_DONTWAIT); /* full: dropped, as UDP may */
        }
}

/* container -> client */
static void udp_out(struct net_fwd *f, struct listener *l, struct flow *fl, time_t now)
{
        for (int i = 0; i < DGRAM_BURST; i++) {
                ssize_t n = recv(fl->fd, f->dgram, DGRAM_MAX, 0);

                if (n < 0)
                        return; /* EAGAIN, or ECONNREFUSED: nothing listens there yet */
                fl->last = now;
                (void) sendto(l->fd, f->dgram, (size_t) n, MSG_DONTWAIT,
                              (struct sockaddr *) &fl->peer, sizeof(fl->peer));
        }
}

/* Move what fd[d] sends on to fd[!d], as far as both let us now. */
static void pump(struct net_fwd *f, struct conn *c, int d)
{
        int src = c->fd[d], dst = c->fd[!d];

        for (int round = 0; round < 16 && !c->dead; round++) {
                bool moved = false;
                ssize_t n;

                if (c->queued[d] > 0) {
                        n = splice(c->pipe[d][0], NULL, dst, NULL, c->queued[d],
                                   SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
                        if (n > 0) {
                                c->queued[d] -= (size_t) n;
                                moved = true;
                        } else if (n < 0 && errno != EAGAIN && errno != EINTR)
                                c->dead = true;
                }
                if (!c->eof[d] && c->queued[d] < f->pipe_size && !c->dead) {
                        n = splice(src, NULL, c->pipe[d][1], NULL, f->pipe_size - c->queued[d],
                                   SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
                        if (n > 0) {
                                c->queued[d] += (size_t) n;
                                moved = true;
                        } else if (n == 0)
                                c->eof[d] = true;
                        else if (errno != EAGAIN && errno != EINTR)
                                c->dead = true;
                }
                if (!moved)
                        break;
        }
        if (c->eof[d] && c->queued[d] == 0 && !c->shut[d] && !c->dead) {
                (void) shutdown(dst, SHUT_WR);
                c->shut[d] = true;
        }
}

void net_fwd_poll_fill(struct net_fwd *f, net_fwd_add_fn add, void *opaque)
{
        for (struct listener *l = f->listeners; l; l = l->next) {
                l->idx = add(l->fd, POLLIN, opaque);
                for (struct flow *fl = l->flows; fl; fl = fl->next)
                        fl->idx = add(fl->fd, POLLIN, opaque);
        }
        for (struct conn *c = f->conns; c; c = c->next) {
                if (c->connecting) {
                        c->idx[0] = -1;
                        c->idx[1] = add(c->fd[1], POLLOUT, opaque);
                        continue;
                }
                for (int d = 0; d < 2; d++) {
                        short ev = 0;

                        if (!c->eof[d] && c->queued[d] < f->pipe_size)
                                ev |= POLLIN;
                        if (c->queued[!d] > 0)
                                ev |= POLLOUT;
                        c->idx[d] = ev ? add(c->fd[d], ev, opaque) : -1;
                }
        }
}

void net_fwd_poll_done(struct net_fwd *f, net_fwd_revents_fn revents, void *opaque)
{
        time_t now = time(NULL);

        for (struct listener *l = f->listeners; l; l = l->next) {
                for (struct flow **p = &l->flows, *fl; (fl = *p);) {
                        if (fl->idx >= 0 && revents(fl->idx, opaque))
                                udp_out(f, l, fl, now);
                        if (now - fl->last > FLOW_IDLE) {
                                flow_close(l, p);
                                continue;
                        }
                        p = &fl->next;
                }
                if (l->idx >= 0 && revents(l->idx, opaque)) {
                        if (!l->udp)
                                accept_all(f, l);
                        else
                                udp_in(f, l, now);
                }
        }
        for (struct conn **p = &f->conns, *c; (c = *p);) {
                short r0 = c->idx[0] >= 0 ? revents(c->idx[0], opaque) : 0;
                short r1 = c->idx[1] >= 0 ? revents(c->idx[1], opaque) : 0;

                if (c->connecting && r1) {
                        int e = 0;
                        socklen_t len = sizeof(e);

                        if (getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &e, &len) < 0 || e)
                                c->dead = true; /* nothing listens there: the client is closed */
                        c->connecting = false;
                        r0 = POLLIN;
                }
                if (!c->connecting && !c->dead && (r0 || r1)) {
                        pump(f, c, 0);
                        pump(f, c, 1);
                }
                if (c->dead || (c->shut[0] && c->shut[1])) {
                        *p = c->next;
                        conn_free(c);
                        continue;
                }
                p = &c->next;
        }
}

void net_fwd_free(struct net_fwd *f)
{
        if (!f)
                return;
        while (f->listeners) {
                struct listener *l = f->listeners;

                f->listeners = l->next;
                while (l->flows)
                        flow_close(l, &l->flows);
                close(l->fd);
                free(l);
        }
        while (f->conns) {
                struct conn *c = f->conns;

                f->conns = c->next;
                conn_free(c);
        }
        free(f->dgram);
        free(f);
}
