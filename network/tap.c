/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/ipv6.h>
#include <net/route.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fdpass.h"
#include "common/fs.h"
#include "common/sandbox.h"
#include "network/slirp.h"
#include "network/tap.h"

#include "common/banned.h"

static int tap_probe_child(_unused_ void *arg, struct eng_error **err)
{
        _cleanup_close_ int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
        struct ifreq ifr;

        if (fd < 0)
                return eng_err(err, ENG_E_SYS, errno, "opening /dev/net/tun");
        memset(&ifr, 0, sizeof(ifr));
        ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
        memcpy(ifr.ifr_name, "tap0", sizeof("tap0"));
        if (ioctl(fd, TUNSETIFF, &ifr) < 0)
                return eng_err(err, ENG_E_SYS, errno, "creating tap device 'tap0' (TUNSETIFF)");
        return 0;
}

int net_tap_probe(const struct eng_idmap *map, struct eng_error **err)
{
        _cleanup_close_ int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

        /* Checked here first: inside the namespace EACCES would hide the cause. */
        if (fd < 0)
                return eng_err(err, ENG_E_SYS, errno, "opening /dev/net/tun");
        return eng_userns_run(map, CLONE_NEWNET, tap_probe_child, NULL, err);
}

static int sock_ioctl(int s, unsigned long req, void *arg)
{
        return ioctl(s, req, arg) < 0 ? -errno : 0;
}

static void set_addr(struct sockaddr *sa, const char *ip)
{
        struct sockaddr_in *in = (struct sockaddr_in *) sa;

        memset(in, 0, sizeof(*in));
        in->sin_family = AF_INET;
        (void) inet_pton(AF_INET, ip, &in->sin_addr);
}

/* fd00::100/64 on tap0 at once (no duplicate detection, no autoconfiguration), default via fd00::2
 */
static int tap_ipv6(struct eng_error **err)
{
        _cleanup_close_ int s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct in6_ifreq ifr6 = { .ifr6_prefixlen = 64 };
        struct in6_rtmsg rt = { .rtmsg_flags = RTF_UP | RTF_GATEWAY, .rtmsg_metric = 1 };
        int r;

        if (s < 0)
                return eng_err(
                        err, ENG_E_SYS, errno,
                        "enable_ipv6: IPv6 is not available in the container's network namespace");
        if ((r = eng_write_string("/proc/sys/net/ipv6/conf/tap0/accept_dad", "0")) < 0 ||
            (r = eng_write_string("/proc/sys/net/ipv6/conf/tap0/accept_ra", "0")) < 0)
                return eng_err(err, ENG_E_SYS, -r, "enable_ipv6: configuring tap0");
        {
                struct ifreq ifr = { 0 };

                snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "tap0");
                if ((r = sock_ioctl(s, SIOCGIFINDEX, &ifr)) < 0)
                        return eng_err(err, ENG_E_SYS, -r, "finding tap0");
                ifr6.ifr6_ifindex = ifr.ifr_ifindex;
        }
        (void) inet_pton(AF_INET6, NET_SLIRP_ADDR6, &ifr6.ifr6_addr);
        if (sock_ioctl(s, SIOCSIFADDR, &ifr6) < 0)
                return eng_err(err, ENG_E_SYS, errno, "setting the IPv6 address of tap0");
        (void) inet_pton(AF_INET6, NET_SLIRP_GATEWAY6, &rt.rtmsg_gateway);
        rt.rtmsg_ifindex = ifr6.ifr6_ifindex;
        if ((r = sock_ioctl(s, SIOCADDRT, &rt)) < 0)
                return eng_err(err, ENG_E_SYS, -r, "adding the default route through %s",
                               NET_SLIRP_GATEWAY6);
        return 0;
}

/* In the container's namespaces: tap0, its address and route, lo up. */
static int tap_child(pid_t pid, const struct net_tap_opts *o, int sock, struct eng_error **err)
{
        char path[64];
        struct ifreq ifr = { 0 };
        struct rtentry rt = { 0 };
        _cleanup_close_ int tun = -1, s = -1, ufd = -1, nfd = -1;
        int r;

        snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) pid);
        ufd = open(path, O_RDONLY | O_CLOEXEC);
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) pid);
        nfd = open(path, O_RDONLY | O_CLOEXEC);
        if (ufd < 0 || nfd < 0)
                return eng_err(err, ENG_E_SYS, errno, "opening the namespaces of process %d",
                               (int) pid);
        if (setns(ufd, CLONE_NEWUSER) < 0 || setns(nfd, CLONE_NEWNET) < 0)
                return eng_err(err, ENG_E_SYS, errno, "joining the container's network namespace");
        tun = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
        if (tun < 0)
                return eng_err(err, ENG_E_SYS, errno,
                               "opening /dev/net/tun (it must be 0666, as distributions ship it)");
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "tap0");
        ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
        if (ioctl(tun, TUNSETIFF, &ifr) < 0)
                return eng_err(err, ENG_E_SYS, errno, "creating tap0");
        s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0)
                return eng_err(err, ENG_E_SYS, errno, "making a socket");
        memset(&ifr, 0, sizeof(ifr));
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
        if (sock_ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
                ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
                (void) sock_ioctl(s, SIOCSIFFLAGS, &ifr);
        }
        memset(&ifr, 0, sizeof(ifr));
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "tap0");
        ifr.ifr_mtu = (int) o->mtu;
        if ((r = sock_ioctl(s, SIOCSIFMTU, &ifr)) < 0)
                return eng_err(err, ENG_E_SYS, -r, "setting the MTU of tap0 to %u", o->mtu);
        set_addr(&ifr.ifr_addr, NET_SLIRP_ADDR);
        if ((r = sock_ioctl(s, SIOCSIFADDR, &ifr)) < 0)
                return eng_err(err, ENG_E_SYS, -r, "setting the address of tap0");
        set_addr(&ifr.ifr_netmask, "255.255.255.0");
        if ((r = sock_ioctl(s, SIOCSIFNETMASK, &ifr)) < 0)
                return eng_err(err, ENG_E_SYS, -r, "setting the netmask of tap0");
        if ((r = sock_ioctl(s, SIOCGIFFLAGS, &ifr)) < 0)
                return eng_err(err, ENG_E_SYS, -r, "reading the flags of tap0");
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if ((r = sock_ioctl(s, SIOCSIFFLAGS, &ifr)) < 0)
                return eng_err(err, ENG_E_SYS, -r, "bringing tap0 up");
        set_addr(&rt.rt_dst, "0.0.0.0");
        set_addr(&rt.rt_genmask, "0.0.0.0");
        set_addr(&rt.rt_gateway, NET_SLIRP_GATEWAY);
        rt.rt_flags = RTF_UP | RTF_GATEWAY;
        rt.rt_dev = (char *) "tap0";
        if ((r = sock_ioctl(s, SIOCADDRT, &rt)) < 0)
                return eng_err(err, ENG_E_SYS, -r, "adding the default route through %s",
                               NET_SLIRP_GATEWAY);
        if (o->ipv6 && tap_ipv6(err) < 0)
                return -1;
        if ((r = eng_fd_send(sock, "t", 1, tun)) < 0)
                return eng_err(err, ENG_E_SYS, -r, "passing the tap back");
        return 0;
}

/*
 * The agent: stays in the container's network namespace and makes sockets
 * there for the helper (a socket belongs to the namespace it was made in),
 * until the helper closes its end.  One byte asks for a non-blocking
 * socket: '4' or '6' TCP of that family, 'u' or 'U' UDP; the answer
 * carries it, or "e" and errno.
 */
static _Noreturn void agent_loop(int sock)
{
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);

        /* the helper's stdio may be a pipe someone reads to its end */
        if (null >= 0) {
                (void) dup2(null, 0);
                (void) dup2(null, 1);
                (void) dup2(null, 2);
                if (null > 2)
                        close(null);
        }
        /* setns() cleared it: the helper gone, we go */
        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() == 1)
                _exit(0);
        {
                /* it holds the container's user namespace: sockets need no
                 * capability, and nothing else is its to do */
                struct eng_error *e = NULL;

                /* gone: the helper's next request finds the socket closed */
                if (eng_sandbox_caps(0, &e) < 0 || eng_sandbox_seccomp(0, &e) < 0)
                        _exit(1);
        }
        for (;;) {
                char req, rec[1 + sizeof(int)];
                ssize_t n = read(sock, &req, 1);
                int fd, e;

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        _exit(0);
                fd = socket(req == '6' || req == 'U' ? AF_INET6 : AF_INET,
                            (req == 'u' || req == 'U' ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK |
                                    SOCK_CLOEXEC,
                            0);
                if (fd >= 0 && eng_fd_send(sock, "s", 1, fd) == 0) {
                        close(fd);
                        continue;
                }
                e = errno;
                if (fd >= 0)
                        close(fd);
                rec[0] = 'e';
                memcpy(rec + 1, &e, sizeof(int));
                if (write(sock, rec, sizeof(rec)) < 0)
                        _exit(1);
        }
}

int net_tap_open(pid_t pid, const struct net_tap_opts *o, struct net_tap *ret,
                 struct eng_error **err)
{
        int sv[2], fd = -1, status = 0;
        struct eng_err_wire w;
        ssize_t n = 0;
        pid_t c;

        ret->fd = ret->agent = -1;
        ret->agent_pid = 0;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return eng_err(err, ENG_E_SYS, errno, "making a socket pair");
        c = fork();
        if (c < 0) {
                close(sv[0]);
                close(sv[1]);
                return eng_err(err, ENG_E_SYS, errno, "forking");
        }
        if (c == 0) {
                struct eng_error *e = NULL;

                close(sv[0]);
                if (tap_child(pid, o, sv[1], &e) < 0) {
                        eng_err_send(sv[1], e);
                        _exit(1);
                }
                agent_loop(sv[1]);
        }
        close(sv[1]);
        fd = eng_fd_recv(sv[0], &w, sizeof(w), &n);
        if (fd >= 0) {
                ret->fd = fd;
                ret->agent = sv[0];
                ret->agent_pid = c;
                return 0;
        }
        close(sv[0]);
        while (waitpid(c, &status, 0) < 0 && errno == EINTR)
                ;
        if (n == (ssize_t) sizeof(w)) {
                w.msg[sizeof(w.msg) - 1] = '\0';
                return eng_err_from_wire(&w, err);
        }
        return eng_err(err, ENG_E_SYS, EIO, "making the tap device failed");
}

int net_tap_socket(const struct net_tap *t, int family, int type)
{
        char req = type == SOCK_DGRAM ? (family == AF_INET6 ? 'U' : 'u')
                                      : (family == AF_INET6 ? '6' : '4');
        char rec[1 + sizeof(int)];
        ssize_t n = 0;
        int fd, e;

        if (write(t->agent, &req, 1) != 1)
                return -errno;
        fd = eng_fd_recv(t->agent, rec, sizeof(rec), &n);
        if (fd >= 0)
                return fd;
        if (n == (ssize_t) sizeof(rec) && rec[0] == 'e') {
                memcpy(&e, rec + 1, sizeof(int));
                return -e;
        }
        return fd == -EBADMSG ? -EIO : fd;
}

void net_tap_close(struct net_tap *t)
{
        eng_close_safe(t->fd);
        eng_close_safe(t->agent);
        t->fd = t->agent = -1;
        if (t->agent_pid > 0)
                while (waitpid(t->agent_pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        t->agent_pid = 0;
}
