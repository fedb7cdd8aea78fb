/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <net/route.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
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

/* In the container's namespaces: tap0, its address and route, lo up. */
static int tap_child(pid_t pid, unsigned int mtu, int sock, struct eng_error **err)
{
        char path[64];
        struct ifreq ifr = { 0 };
        struct rtentry rt = { 0 };
        _cleanup_close_ int tun = -1, s = -1, ufd = -1, nfd = -1;

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
        ifr.ifr_mtu = (int) mtu;
        if (sock_ioctl(s, SIOCSIFMTU, &ifr) < 0)
                return eng_err(err, ENG_E_SYS, errno, "setting the MTU of tap0 to %u", mtu);
        set_addr(&ifr.ifr_addr, "10.0.2.100");
        if (sock_ioctl(s, SIOCSIFADDR, &ifr) < 0)
                return eng_err(err, ENG_E_SYS, errno, "setting the address of tap0");
        set_addr(&ifr.ifr_netmask, "255.255.255.0");
        if (sock_ioctl(s, SIOCSIFNETMASK, &ifr) < 0)
                return eng_err(err, ENG_E_SYS, errno, "setting the netmask of tap0");
        if (sock_ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
                return eng_err(err, ENG_E_SYS, errno, "reading the flags of tap0");
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (sock_ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
                return eng_err(err, ENG_E_SYS, errno, "bringing tap0 up");
        set_addr(&rt.rt_dst, "0.0.0.0");
        set_addr(&rt.rt_genmask, "0.0.0.0");
        set_addr(&rt.rt_gateway, "10.0.2.2");
        rt.rt_flags = RTF_UP | RTF_GATEWAY;
        rt.rt_dev = (char *) "tap0";
        if (sock_ioctl(s, SIOCADDRT, &rt) < 0)
                return eng_err(err, ENG_E_SYS, errno, "adding the default route through 10.0.2.2");
        {
                char tag = 't';
                struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
                union {
                        char buf[CMSG_SPACE(sizeof(int))];
                        struct cmsghdr align;
                } u;
                struct msghdr msg = { .msg_iov = &iov,
                                      .msg_iovlen = 1,
                                      .msg_control = u.buf,
                                      .msg_controllen = sizeof(u.buf) };
                struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

                memset(&u, 0, sizeof(u));
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &tun, sizeof(int));
                if (sendmsg(sock, &msg, 0) < 0)
                        return eng_err(err, ENG_E_SYS, errno, "passing the tap back");
        }
        return 0;
}

int net_tap_open(pid_t pid, unsigned int mtu, struct eng_error **err)
{
        int sv[2], fd = -1, status = 0;
        pid_t c;

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
                if (tap_child(pid, mtu, sv[1], &e) < 0) {
                        eng_err_send(sv[1], e);
                        _exit(1);
                }
                _exit(0);
        }
        close(sv[1]);
        {
                struct eng_err_wire w;
                char tag;
                struct iovec iov = { .iov_base = &w, .iov_len = sizeof(w) };
                union {
                        char buf[CMSG_SPACE(sizeof(int))];
                        struct cmsghdr align;
                } u;
                struct msghdr msg = { .msg_iov = &iov,
                                      .msg_iovlen = 1,
                                      .msg_control = u.buf,
                                      .msg_controllen = sizeof(u.buf) };
                ssize_t n = recvmsg(sv[0], &msg, MSG_CMSG_CLOEXEC);
                struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;

                (void) tag;
                if (cm && cm->cmsg_type == SCM_RIGHTS)
                        memcpy(&fd, CMSG_DATA(cm), sizeof(int));
                else if (n == (ssize_t) sizeof(w)) {
                        w.msg[sizeof(w.msg) - 1] = '\0';
                        eng_err_from_wire(&w, err);
                }
        }
        close(sv[0]);
        while (waitpid(c, &status, 0) < 0 && errno == EINTR)
                ;
        if (fd < 0 && !*err)
                eng_err(err, ENG_E_SYS, EIO, "making the tap device failed");
        return fd < 0 ? -1 : fd;
}
