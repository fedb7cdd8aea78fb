/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_COMMON_FDPASS_H
#define ENG_COMMON_FDPASS_H

/* Passing a descriptor over a unix socket (SCM_RIGHTS), with a record around it. */

#include <stddef.h>
#include <sys/types.h>

/**
 * eng_fd_send() - send the @len bytes of @data (at least one) with @fd
 * Return: 0, or -errno.  MSG_NOSIGNAL: a peer gone is EPIPE, not a signal.
 */
int eng_fd_send(int sock, const void *data, size_t len, int fd);

/**
 * eng_fd_recv() - receive one record into @buf (@len bytes at most) and
 * the descriptor it carries, close-on-exec
 * @ret_len: the record's length (0 at end of file)
 * Return: the descriptor; -EBADMSG when the record carried none (an error
 *         record, say: see @buf), or another -errno.
 */
int eng_fd_recv(int sock, void *buf, size_t len, ssize_t *ret_len);

#endif
