/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libslirp's event loop on a tap device (slirp4netns' main loop, in our
 * words): frames from the tap go to slirp_input(), frames slirp sends go to
 * the tap; its sockets and timers are polled here.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <slirp/libslirp.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "network/forward.h"
#include "network/slirp.h"
#include "network/tap.h"

#include "common/banned.h"

#define SLIRP_TCP_MTU 21000 /* 3 segments in 65535 bytes */

struct timer {
        struct timer *next;
        SlirpTimerCb cb;
        void *cb_opaque;
        int64_t expire_ms; /* -1: not armed */
};

struct loop {
        Slirp *slirp;
        int tapfd;
        struct pollfd *fds;
        size_t nfds, cap;
        struct timer *timers;
};

static int64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static ssize_t send_packet(const void *buf, size_t len, void *opaque)
{
        struct loop *l = opaque;
        ssize_t n;

        do
                n = write(l->tapfd, buf, len);
        while (n < 0 && errno == EINTR);
        /* a full tap drops the frame: TCP sends it again */
        return n < 0 && errno == EAGAIN ? (ssize_t) len : n;
}

static void guest_error(const char *msg, _unused_ void *opaque)
{
        eng_log_debug("slirp: %s", msg);
}

static int64_t clock_get_ns(_unused_ void *opaque)
{
        return now_ns();
}

static void *timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
        struct loop *l = opaque;
        struct timer *t = eng_xcalloc(1, sizeof(*t));

        t->cb = cb;
        t->cb_opaque = cb_opaque;
        t->expire_ms = -1;
        t->next = l->timers;
        l->timers = t;
        return t;
}

static void timer_free(void *timer, void *opaque)
{
        struct loop *l = opaque;

        for (struct timer **p = &l->timers; *p; p = &(*p)->next)
                if (*p == timer) {
                        *p = (*p)->next;
                        free(timer);
                        return;
                }
}

static void timer_mod(void *timer, int64_t expire_ms, _unused_ void *opaque)
{
        ((struct timer *) timer)->expire_ms = expire_ms;
}

static void register_poll_fd(_unused_ int fd, _unused_ void *opaque)
{
}

static void unregister_poll_fd(_unused_ int fd, _unused_ void *opaque)
{
}

static void notify(_unused_ void *opaque)
{
}

static short to_poll(int events)
{
        short e = 0;

        if (events & SLIRP_POLL_IN)
                e |= POLLIN;
        if (events & SLIRP_POLL_OUT)
                e |= POLLOUT;
        if (events & SLIRP_POLL_PRI)
                e |= POLLPRI;
        return e;
}

static int add_poll(int fd, int events, void *opaque)
{
        struct loop *l = opaque;

        if (l->nfds == l->cap) {
                l->cap = l->cap ? 2 * l->cap : 32;
                l->fds = eng_xreallocarray(l->fds, l->cap, sizeof(*l->fds));
        }
        l->fds[l->nfds] = (struct pollfd){ .fd = fd, .events = to_poll(events) };
        return (int) l->nfds++;
}

static int get_revents(int idx, void *opaque)
{
        struct loop *l = opaque;
        short r = l->fds[idx].revents;
        int e = 0;

        if (r & POLLIN)
                e |= SLIRP_POLL_IN;
        if (r & POLLOUT)
                e |= SLIRP_POLL_OUT;
        if (r & POLLPRI)
                e |= SLIRP_POLL_PRI;
        if (r & POLLERR)
                e |= SLIRP_POLL_ERR;
        if (r & POLLHUP)
                e |= SLIRP_POLL_HUP;
        return e;
}

static void run_timers(struct loop *l)
{
        int64_t now = now_ns() / 1000000;

        for (struct timer *t = l->timers, *next; t; t = next) {
                next = t->next;
                if (t->expire_ms >= 0 && t->expire_ms <= now) {
                        t->expire_ms = -1;
                        t->cb(t->cb_opaque);
                }
        }
}

static uint32_t timer_timeout(struct loop *l, uint32_t timeout)
{
        int64_t now = now_ns() / 1000000;

        for (struct timer *t = l->timers; t; t = t->next)
                if (t->expire_ms >= 0) {
                        int64_t d = t->expire_ms - now;

                        if (d < 0)
                                d = 0;
                        if ((uint64_t) d < timeout)
                                timeout = (uint32_t) d;
                }
        return timeout;
}

static int add_raw(int fd, short events, void *opaque)
{
        struct loop *l = opaque;
        int idx = add_poll(fd, 0, opaque);

        l->fds[idx].events = events;
        return idx;
}

static short raw_revents(int idx, void *opaque)
{
        return ((struct loop *) opaque)->fds[idx].revents;
}

static int publish(struct loop *l, struct net_fwd *fwd, const struct net_slirp_opts *o,
                   struct eng_error **err)
{
        for (size_t i = 0; i < o->nports; i++) {
                const struct net_port *p = &o->ports[i];
                struct in_addr guest;
                char a[INET_ADDRSTRLEN];

                if (!o->slirp_ports) {
                        if (net_fwd_listen(fwd, p, err) < 0)
                                return -1;
                        continue;
                }
                inet_pton(AF_INET, NET_SLIRP_ADDR, &guest);
                if (slirp_add_hostfwd(l->slirp, p->udp, p->host_addr, p->host_port, guest,
                                      p->container_port) == 0)
                        continue;
                inet_ntop(AF_INET, &p->host_addr, a, sizeof(a));
                return eng_err(err, ENG_E_USAGE, 0,
                               "publishing port %s:%u/%s: the address is in use (or not ours)", a,
                               p->host_port, p->udp ? "udp" : "tcp");
        }
        return 0;
}

int net_slirp_run(struct net_tap *tap, pid_t pid, const struct net_slirp_opts *o,
                  void (*ready)(void *arg), void *ready_arg, struct eng_error **err)
{
        static const SlirpCb cb = {
                .send_packet = send_packet,
                .guest_error = guest_error,
                .clock_get_ns = clock_get_ns,
                .timer_new = timer_new,
                .timer_free = timer_free,
                .timer_mod = timer_mod,
                .register_poll_fd = register_poll_fd,
                .unregister_poll_fd = unregister_poll_fd,
                .notify = notify,
        };
        SlirpConfig cfg = { .version = 2 };
        struct loop l = { .tapfd = tap->fd };
        struct sockaddr_in out4 = { .sin_family = AF_INET };
        struct sockaddr_in6 out6 = { .sin6_family = AF_INET6 };
        struct net_fwd *fwd = NULL;
        int tapfd = tap->fd;
        _cleanup_close_ int pidfd = -1;
        uint8_t *buf;
        size_t bufsize = (size_t) o->mtu + 64;
        int r = 0;

        cfg.in_enabled = true;
        inet_pton(AF_INET, "10.0.2.0", &cfg.vnetwork);
        inet_pton(AF_INET, "255.255.255.0", &cfg.vnetmask);
        inet_pton(AF_INET, NET_SLIRP_GATEWAY, &cfg.vhost);
        inet_pton(AF_INET, "10.0.2.15", &cfg.vdhcp_start);
        inet_pton(AF_INET, NET_SLIRP_DNS, &cfg.vnameserver);
        /* libslirp's TCP has no window scaling: never more than 64 KiB in
         * flight.  With the tap's 65520-byte segments that is one segment a
         * round trip, and the container and the helper take turns; libslirp
         * advertises an MSS from its own MTU, so three segments fit in the
         * window and pipeline (container to host: 2 Gbit/s became 6 here). */
        cfg.if_mtu = o->mtu < SLIRP_TCP_MTU ? o->mtu : SLIRP_TCP_MTU;
        cfg.if_mru = o->mtu;
        cfg.disable_host_loopback = !o->allow_host_loopback;
        if (o->ipv6) {
                cfg.in6_enabled = true;
                inet_pton(AF_INET6, "fd00::", &cfg.vprefix_addr6);
                cfg.vprefix_len = 64;
                inet_pton(AF_INET6, NET_SLIRP_GATEWAY6, &cfg.vhost6);
                inet_pton(AF_INET6, NET_SLIRP_DNS6, &cfg.vnameserver6);
        }
        if (o->has_outbound) {
                out4.sin_addr = o->outbound;
                cfg.outbound_addr = &out4;
        }
        if (o->has_outbound6) {
                out6.sin6_addr = o->outbound6;
                cfg.outbound_addr6 = &out6;
        }
        pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0)
                return eng_err(err, ENG_E_SYS, errno, "watching process %d", (int) pid);
        l.slirp = slirp_new(&cfg, &cb, &l);
        if (!l.slirp)
                return eng_err(err, ENG_E_SYS, 0, "starting libslirp");
        fwd = net_fwd_new(tap);
        if (publish(&l, fwd, o, err) < 0 || (o->sandbox && net_slirp_sandbox(err) < 0)) {
                net_fwd_free(fwd);
                slirp_cleanup(l.slirp);
                free(l.fds);
                return -1;
        }
        if (ready)
                ready(ready_arg);
        buf = eng_xmalloc(bufsize);
        for (;;) {
                uint32_t timeout = UINT32_MAX;
                int n, tap_idx, pid_idx;

                l.nfds = 0;
                tap_idx = add_poll(tapfd, SLIRP_POLL_IN, &l);
                pid_idx = add_poll(pidfd, SLIRP_POLL_IN, &l);
                slirp_pollfds_fill(l.slirp, &timeout, add_poll, &l);
                net_fwd_poll_fill(fwd, add_raw, &l);
                timeout = timer_timeout(&l, timeout);
                n = poll(l.fds, l.nfds, timeout == UINT32_MAX ? -1 : (int) timeout);
                if (n < 0 && errno != EINTR) {
                        r = eng_err(err, ENG_E_SYS, errno, "polling");
                        break;
                }
                if (n > 0 && (l.fds[pid_idx].revents & POLLIN))
                        break; /* the container is gone: so are we */
                if (n > 0 && (l.fds[tap_idx].revents & POLLIN)) {
                        /* what the tap has (it is non-blocking), in one go */
                        for (int frames = 0; frames < 256; frames++) {
                                ssize_t len = read(tapfd, buf, bufsize);

                                if (len <= 0)
                                        break;
                                slirp_input(l.slirp, buf, (int) len);
                        }
                }
                slirp_pollfds_poll(l.slirp, n < 0, get_revents, &l);
                if (n > 0)
                        net_fwd_poll_done(fwd, raw_revents, &l);
                run_timers(&l);
        }
        free(buf);
        net_fwd_free(fwd);
        slirp_cleanup(l.slirp);
        while (l.timers) {
                struct timer *t = l.timers;

                l.timers = t->next;
                free(t);
        }
        free(l.fds);
        return r;
}
