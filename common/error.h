/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_COMMON_ERROR_H
#define ENG_COMMON_ERROR_H

/*
 * The one error value of eng, after crun's libcrun_error_t.
 *
 * A function that can fail returns int (negative on failure) or a pointer
 * (NULL on failure) and takes "struct eng_error **err" as its last argument.
 * On success *err is untouched; on failure exactly one error exists, made
 * where the failure happened with eng_err() and given context on the way up
 * with eng_err_wrap():
 *
 *	if (fd < 0)
 *		return eng_err(err, ENG_E_SYS, errno, "open '%s'", path);
 *	...
 *	if (image_pull(ref, &err) < 0)
 *		return eng_err_wrap(err, "pulling '%s'", name);
 *
 * gives "pulling 'X': open 'Y'", and eng_err_format() appends ": No such file
 * or directory" from errnum.  Messages never carry strerror() text.
 */

#include <stdarg.h>

enum eng_errkind {
        ENG_E_SYS = 1,  /* a system call failed; errnum is its errno */
        ENG_E_USAGE,    /* bad flag, argument or configuration */
        ENG_E_NOTFOUND, /* no such image, tag, container */
        ENG_E_REMOTE,   /* a registry refused; the message says "(HTTP N)" */
        ENG_E_INVALID,  /* bad JSON, digest mismatch, tar escaping its root */
        ENG_E_EXEC,     /* the container command could not be executed */
};

struct eng_error {
        enum eng_errkind kind;
        int errnum; /* errno, or 0 */
        char *msg;
};

/**
 * eng_err() - make the error of a failure
 * @err:    where to store it; *err must be NULL (if it is not, the older error
 *          is kept and this one is dropped: the first error is the one reported)
 * @kind:   what kind of failure
 * @errnum: the errno behind it, or 0
 * @fmt:    printf-like message: lower case, no full stop, names in quotes
 *
 * Return: a negative value: -errnum when errnum > 0, else -EIO.
 */
int eng_err(struct eng_error **err, enum eng_errkind kind, int errnum, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/** eng_verr() - eng_err() with a va_list */
int eng_verr(struct eng_error **err, enum eng_errkind kind, int errnum, const char *fmt, va_list ap)
        __attribute__((format(printf, 4, 0)));

/**
 * eng_err_wrap() - put context in front of an existing error
 * @err: the error; *err must be set (a NULL *err becomes an internal error)
 * @fmt: printf-like context, e.g. "pulling '%s'"
 *
 * The message becomes "CONTEXT: OLD MESSAGE"; kind and errnum are kept.
 * Return: the same negative value eng_err() returned for this error.
 */
int eng_err_wrap(struct eng_error **err, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/** eng_err_return() - the negative value that stands for @err */
int eng_err_return(const struct eng_error *err);

/**
 * eng_err_format() - the full text of an error: the message, then
 * ": strerror(errnum)" when errnum is set.  The caller frees the result.
 */
char *eng_err_format(const struct eng_error *err);

/** eng_err_free() - free an error; NULL is fine.  Return: NULL */
struct eng_error *eng_err_free(struct eng_error *err);

/**
 * eng_err_warn_and_free() - log a failure we survive at warn level, then
 * free it and set *err to NULL.  NULL and *err == NULL are fine.
 */
void eng_err_warn_and_free(struct eng_error **err);

/*
 * Errors across a fork: a child sends its error as one fixed-size record
 * (kind, errno, message cut at ENG_ERR_WIRE_MSG bytes) over a pipe or a
 * SOCK_SEQPACKET socket, and the parent rebuilds it (crun's sync socket).
 */
#define ENG_ERR_WIRE_MSG 4000

struct eng_err_wire {
        int kind;
        int errnum;
        char msg[ENG_ERR_WIRE_MSG];
};

/** eng_err_send() - write @e to @fd as one record (best effort: the child is dying) */
void eng_err_send(int fd, const struct eng_error *e);

/**
 * eng_err_recv() - read one record from @fd into *err
 * Return: 1 when an error was read, 0 at end of file or on a short read.
 */
int eng_err_recv(int fd, struct eng_error **err);

/** eng_err_from_wire() - *err from a record already read */
int eng_err_from_wire(const struct eng_err_wire *w, struct eng_error **err);

#endif
