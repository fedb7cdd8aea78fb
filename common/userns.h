/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_COMMON_USERNS_H
#define ENG_COMMON_USERNS_H

/*
 * User namespaces and id mappings.
 *
 * A rootless container maps its uid/gid 0 to the user and 1..N to the user's
 * subordinate ids (/etc/subuid, /etc/subgid), written by the setuid helpers
 * newuidmap/newgidmap.  Without subordinate ids only the single mapping
 * 0 -> the user is possible, and the process writes it itself.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

#define ENG_SUBUID_FILE "/etc/subuid"
#define ENG_SUBGID_FILE "/etc/subgid"

/* One line of /proc/PID/uid_map: ids container..container+size-1 are host..host+size-1 */
struct eng_idrange {
        uint32_t container;
        uint32_t host;
        uint32_t size;
};

struct eng_idmap {
        struct eng_idrange *uid;
        size_t nuid;
        struct eng_idrange *gid;
        size_t ngid;
};

/* A subordinate id range: host ids start..start+count-1 */
struct eng_subid_range {
        uint32_t start;
        uint32_t count;
};

/**
 * eng_subid_read() - the ranges @file grants to the user @name or to @id
 *
 * Lines are "NAME:START:COUNT" or "UID:START:COUNT" (as shadow's
 * newuidmap reads them); comments, blank and malformed lines are skipped.
 * A missing file is no ranges, not an error.
 * @ret_ranges: heap array the caller frees (NULL when none)
 */
int eng_subid_read(const char *file, const char *name, uint32_t id,
                   struct eng_subid_range **ret_ranges, size_t *ret_n, struct eng_error **err);

/* where useradd starts giving subordinate ids, and how many it gives */
#define ENG_SUBID_MIN   100000
#define ENG_SUBID_COUNT 65536

/**
 * eng_subid_free_start() - the lowest start at or above ENG_SUBID_MIN of
 * @count ids that no line of @file (whoever's) overlaps, for a hint that
 * proposes a range; ENG_E_NOTFOUND when there is none
 */
int64_t eng_subid_free_start(const char *file, uint32_t count, struct eng_error **err);

/**
 * eng_idmap_build() - the mapping for a user: 0 -> @id, then 1.. -> the
 * subordinate ranges in file order (at most 340 lines, the kernel's limit).
 * @ret: released with eng_idmap_release()
 */
void eng_idmap_build(uint32_t uid, const struct eng_subid_range *subuid, size_t nsubuid,
                     uint32_t gid, const struct eng_subid_range *subgid, size_t nsubgid,
                     struct eng_idmap *ret);

/**
 * eng_idmap_for_user() - eng_idmap_build() for the calling user from
 * /etc/subuid and /etc/subgid (ENG_SUBUID_FILE / ENG_SUBGID_FILE in the
 * environment override them, for tests).  For root, every id maps onto
 * itself (0:0:4294967295), as in the first user namespace.
 */
int eng_idmap_for_user(struct eng_idmap *ret, struct eng_error **err);

void eng_idmap_release(struct eng_idmap *map);

/**
 * eng_idmap_apply() - write @map for the process @pid, which has just made
 * its user namespace: directly when only the caller's own ids are mapped
 * (then setgroups is denied) or when we are root, else through the setuid
 * helpers newgidmap and newuidmap.
 */
int eng_idmap_apply(pid_t pid, const struct eng_idmap *map, struct eng_error **err);

/**
 * eng_userns_is_initial() - whether this process is in the first user
 * namespace (its uid_map is the identity 0 0 4294967295): euid 0 there is
 * the host's root, inside `unshare -r` it is not
 */
bool eng_userns_is_initial(void);

/** eng_idmap_is_single() - whether only 0 -> the user is mapped, for uids or gids */
bool eng_idmap_is_single(const struct eng_idmap *map);

/** eng_idmap_contains() - whether the container id @id is in the ranges @r */
bool eng_idmap_contains(const struct eng_idrange *r, size_t n, uint32_t id);

/** eng_idmap_count() - how many ids the uid (or gid) mapping covers */
uint64_t eng_idmap_count(const struct eng_idrange *r, size_t n);

/**
 * eng_idmap_format() - the ranges as "0:1000:1,1:100000:65536" (heap string)
 */
char *eng_idmap_format(const struct eng_idrange *r, size_t n);

/* What eng_idmap_helper_check() found about newuidmap or newgidmap. */
struct eng_idmap_helper {
        char *path;   /* NULL when not found on $PATH */
        bool usable;  /* setuid root, or with file capabilities */
        char *detail; /* why not usable, or how it is privileged */
};

/** eng_idmap_helper_check() - look for @name ("newuidmap") and its privilege */
void eng_idmap_helper_check(const char *name, struct eng_idmap_helper *ret);
void eng_idmap_helper_release(struct eng_idmap_helper *h);

/**
 * eng_userns_run() - run @fn in a child process inside a new user namespace
 * with @map applied, plus the namespaces in @extra_flags (CLONE_NEWNS, ...)
 *
 * The child becomes uid and gid 0 of the namespace.  @fn returns 0 or a
 * negative value with its error set; that error comes back to the caller
 * here (after crun's sync socket).  Mappings other than 0 -> self go through
 * newuidmap/newgidmap.
 *
 * Return: 0 when the child ran @fn successfully; negative with *err set when
 * the namespace could not be made or @fn failed.
 */
int eng_userns_run(const struct eng_idmap *map, int extra_flags,
                   int (*fn)(void *arg, struct eng_error **err), void *arg, struct eng_error **err);

/* A child started by eng_userns_spawn(). */
struct eng_userns_child {
        pid_t pid;
        int sync_fd;
};

/**
 * eng_userns_spawn() - eng_userns_run() without the wait: the child runs
 * @fn while the caller goes on (to feed it through a pipe, say).  Collect
 * it with eng_userns_wait(), always.
 * @keep_fds: when not NULL, the child closes every fd above 2 but these
 *            (and its sync socket), so it holds no pipe ends of its siblings
 */
int eng_userns_spawn(const struct eng_idmap *map, int extra_flags,
                     int (*fn)(void *arg, struct eng_error **err), void *arg, const int *keep_fds,
                     size_t nkeep, struct eng_userns_child *ret, struct eng_error **err);

/**
 * eng_userns_child_sync_fd() - in the function a spawned child runs: its
 * end of the sync socket, where an error record goes (for a helper it execs)
 */
int eng_userns_child_sync_fd(void);

/**
 * eng_userns_wait() - wait for a spawned child; its error, if @fn failed
 * (or it was killed), comes back here.
 */
int eng_userns_wait(struct eng_userns_child *child, struct eng_error **err);

/**
 * eng_userns_wait_status() - eng_userns_wait() for a child that exec()s:
 * its exit status (128 + signal when killed) is returned in *ret_status
 * rather than made an error; an error of @fn before the exec still is one.
 */
int eng_userns_wait_status(struct eng_userns_child *child, int *ret_status, struct eng_error **err);

#endif
