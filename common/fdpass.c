/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "common/fdpass.h"

#include "common/banned.h"

union fd_cmsg {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
};

int eng_fd_send(int sock, const void *data, size_t len, int fd)
{
        struct iovec iov = { .iov_base = (void *) data, .iov_len = len };
        union fd_cmsg u;
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = u.buf,
                .msg_controllen = sizeof(u.buf),
        };
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

        memset(&u, 0, sizeof(u));
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
        while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
                if (errno != EINTR)
                        return -errno;
        return 0;
}

int eng_fd_recv(int sock, void *buf, size_t len, ssize_t *ret_len)
{
        struct iovec iov = { .iov_base = buf, .iov_len = len };
        union fd_cmsg u;
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = u.buf,
                .msg_controllen = sizeof(u.buf),
        };
        struct cmsghdr *c;
        ssize_t n;
        int fd;

        do
                n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (ret_len)
                *ret_len = n < 0 ? 0 : n;
        if (n < 0)
                return -errno;
        c = CMSG_FIRSTHDR(&msg);
        if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                return -EBADMSG;
        memcpy(&fd, CMSG_DATA(c), sizeof(int));
        return fd;
}
