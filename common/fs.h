/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_COMMON_FS_H
#define ENG_COMMON_FS_H

/*
 * File helpers: atomic writes, directory trees, and opening paths beneath a
 * root without escaping it.  Every fd returned is O_CLOEXEC.
 */

#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

/**
 * eng_write_file_atomic() - replace @path with @len bytes of @data
 * @mode: the permission bits of the new file
 *
 * Writes a temporary file beside @path, fsyncs it, renames it over @path and
 * fsyncs the directory: a reader sees the old content or the new, never a
 * mix, and a crash leaves one of the two.  On failure @path is untouched and
 * no temporary file is left.
 */
int eng_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                          struct eng_error **err);

/**
 * eng_write_file_replace() - eng_write_file_atomic() without the fsyncs:
 * readers still see the old content or the new, but a crash may lose the
 * write.  For state that lives as long as a process (container records,
 * config.json of a run, state files), where a sync per step costs more
 * than the step.
 */
int eng_write_file_replace(const char *path, const void *data, size_t len, mode_t mode,
                           struct eng_error **err);

/**
 * eng_read_file() - read a whole file, at most @max bytes
 * @ret_data: a NUL-terminated heap copy (the caller frees it)
 * @ret_len:  its length, without the NUL; may be NULL
 *
 * A file larger than @max fails with ENG_E_INVALID (sizes from outside are
 * capped).
 */
int eng_read_file(const char *path, size_t max, char **ret_data, size_t *ret_len,
                  struct eng_error **err);

/**
 * eng_read_file_fd() - eng_read_file() from an open fd (read from where it
 * stands); @name is used in messages only.
 */
int eng_read_file_fd(int fd, const char *name, size_t max, char **ret_data, size_t *ret_len,
                     struct eng_error **err);

/**
 * eng_write_all() - write all of @data to @fd, retrying on EINTR and short
 * writes.  Return: 0, or -errno (no message: static-helper style).
 */
int eng_write_all(int fd, const void *data, size_t len);

/**
 * eng_write_string() - write @s to the existing file @path in one go: the
 * way /proc, /sys and cgroup files take a value.  Return: 0, or -errno.
 */
int eng_write_string(const char *path, const char *s);

/**
 * eng_mkdir_p() - make @path and its missing parents with @mode; existing
 * directories are fine, an existing non-directory is ENOTDIR.
 */
int eng_mkdir_p(const char *path, mode_t mode, struct eng_error **err);

/**
 * eng_rm_rf() - remove @path and everything below it, as "rm -rf" does
 *
 * Never follows a symbolic link (a link is removed, not what it names) and
 * never crosses into another file system (a mount point below @path fails
 * with EXDEV, so a bind mount is not emptied through).  Directories without
 * write or search permission that we own are opened up first, as layers
 * have them.  A missing @path is success.
 */
int eng_rm_rf(const char *path, struct eng_error **err);

/** eng_rm_rf_at() - eng_rm_rf() of @name relative to @dirfd */
int eng_rm_rf_at(int dirfd, const char *name, struct eng_error **err);

/**
 * eng_open_beneath() - openat2() of @path beneath @rootfd
 *
 * The path is resolved as if @rootfd were the root directory
 * (RESOLVE_IN_ROOT): "..", absolute names and symbolic links that point
 * outside are clamped to the root, and magic links of /proc are refused
 * (RESOLVE_NO_MAGICLINKS).  O_CLOEXEC is added to @flags.  @mode is used with
 * O_CREAT or O_TMPFILE.
 *
 * Return: the fd, or negative with *err set (ENOSYS names the kernel needed).
 */
int eng_open_beneath(int rootfd, const char *path, int flags, mode_t mode, struct eng_error **err);

/**
 * eng_open_strictly_beneath() - eng_open_beneath() that refuses, rather than
 * clamps, a path leaving @rootfd: "..", and symbolic links that point
 * outside (absolute ones included), fail with EXDEV (RESOLVE_BENEATH).
 */
int eng_open_strictly_beneath(int rootfd, const char *path, int flags, mode_t mode,
                              struct eng_error **err);

/**
 * eng_is_mode_private() - whether @mode gives group and others no access
 */
static inline int eng_is_mode_private(mode_t mode)
{
        return (mode & 077) == 0;
}

#endif
