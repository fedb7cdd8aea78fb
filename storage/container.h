/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_STORAGE_CONTAINER_H
#define ENG_STORAGE_CONTAINER_H

/*
 * Container records and their file systems in the store:
 *
 *	ROOT/containers/IDHEX/container.json  the record (id, name, image, layers, state)
 *	ROOT/containers/IDHEX/config.json     the OCI spec it runs with
 *	ROOT/containers/IDHEX/diff/           its upper directory (overlay)
 *	ROOT/containers/IDHEX/work/           overlay's work directory
 *	ROOT/containers/IDHEX/rootfs/         where its root is mounted (overlay),
 *	                                      or the copy itself (vfs)
 *	ROOT/containers/IDHEX/userdata/       hosts, hostname, resolv.conf
 *
 * A container is made under tmp/ and renamed into place, like images; the
 * layers it is made of stay while it exists (garbage collection reads the
 * records).
 */

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "common/error.h"
#include "storage/driver.h"
#include "storage/store.h"

/*
 * The record, ROOT/containers/IDHEX/container.json (schema version 1; a
 * record without "version" is one of eng's before it, read the same way):
 *
 *	version         1
 *	id              64 hex digits                          required
 *	name            unique, [a-zA-Z0-9][a-zA-Z0-9_.-]*     required
 *	image           the reference as given to run          required
 *	image_id        sha256:HEX of the image                required
 *	image_name      the image's first name, if it had one
 *	created         RFC 3339                               required
 *	state           "created", "running" or "exited"       required
 *	layers          chain IDs, lowest first                required
 *	driver          "overlay", "fuse-overlay" or "vfs"     required
 *	pid, pid_start  the process and its start time (clock ticks after
 *	                boot, /proc/PID/stat), while running
 *	monitor         eng-monitor's pid (detached containers)
 *	started, finished   RFC 3339, of the last run
 *	exit_code       of the last run; -1 when nobody saw it end
 *	error           why the last start failed, or how the last run was lost
 *	rm, tty, stdin  --rm, -t, -i
 *	stopped_by_user eng stop (or rm -f) ended the last run: no restart
 *	restart         {"policy": "always"|"on-failure"|"unless-stopped", "max": N}
 *	restart_count   restarts done by the policy
 *	network         "slirp4netns", "host", "none", "container:ID", "ns:PATH"
 *	ports           -p specs, as net_port_parse() reads them
 *	stop_signal     the image's StopSignal ("SIGQUIT")
 *	labels          {"key": "value"}
 *	command         the process's args, as the spec has them
 *	_building       the directory under tmp/ while the container is made
 *
 * storage_container_decode() checks it: a required key missing or a key of
 * the wrong type makes the record damaged, reported by its directory's name;
 * lists skip damaged records, and `eng system check --repair` sets them
 * aside.
 */
#define STORAGE_CONTAINER_VERSION 1

enum storage_container_state {
        STORAGE_CONTAINER_CREATED,
        STORAGE_CONTAINER_RUNNING,
        STORAGE_CONTAINER_EXITED,
};

/* The typed record.  Strings are heap, or NULL when the key is absent. */
struct storage_container {
        char *id;
        char *name;
        char *image;
        char *image_id;
        char *created;
        enum storage_container_state state;
        int64_t pid; /* 0 when not running */
        uint64_t pid_start;
        int64_t monitor;
        char *started;
        char *finished;
        bool has_exit_code;
        int exit_code;
        char *error;
        bool rm;
        bool tty;
        bool interactive; /* "stdin" */
        bool stopped_by_user;
        char *restart_policy; /* NULL: no restart */
        long restart_max;     /* on-failure:N; 0 for no limit */
        long restart_count;
        char *network;
        char *stop_signal;
        /* the record as read, for the keys above it does not type (labels,
         * command, ports, layers, driver, image_name); encode writes over it */
        json_t *json;
};

/** storage_container_state_name() - "created", "running", "exited" */
const char *storage_container_state_name(enum storage_container_state state);

/**
 * storage_container_decode() - @j (borrowed) checked and typed into @ret
 * Return: 0, or negative with ENG_E_INVALID naming the key at fault.
 */
int storage_container_decode(json_t *j, struct storage_container *ret, struct eng_error **err);

/** storage_container_encode() - the JSON of @c (a new object) */
json_t *storage_container_encode(const struct storage_container *c);

void storage_container_release(struct storage_container *c);

/**
 * storage_container_load() - the record of the container @name (as
 * storage_container_get() finds it), typed.  A damaged record that @name
 * names is ENG_E_INVALID.
 */
int storage_container_load(struct storage_store *s, const char *name, struct storage_container *ret,
                           struct eng_error **err);

/** storage_container_save() - write @c back (under the store lock); ENG_E_NOTFOUND if removed */
int storage_container_save(struct storage_store *s, const struct storage_container *c,
                           struct eng_error **err);

/**
 * storage_container_damaged() - the directory names (IDHEX) under
 * containers/ whose record cannot be read or decoded, each with why:
 * {"IDHEX": "reason"} (a new object)
 */
json_t *storage_container_damaged(struct storage_store *s, struct eng_error **err);

/**
 * storage_container_set_aside() - move the container directory @hex (a
 * damaged one) to ROOT/damaged/IDHEX, out of every list, its files kept;
 * @ret_path says where (heap)
 */
int storage_container_set_aside(struct storage_store *s, const char *hex, char **ret_path,
                                struct eng_error **err);

/**
 * storage_container_create() - make a container of the layers @layers
 * (chain IDs, lowest first) with the record @record (borrowed; "id" and
 * "name" must be set, and the name unique).  For the vfs driver the layers
 * are copied into rootfs/ inside the store's user namespace.
 * @keep_id: when not NULL, the copy (vfs, whatever @driver says) gets its
 *           owners shifted for a mapping with the user at @keep_id->uid
 * @fill:    when not NULL, called before the container is moved into place
 *           (to write its config.json); it may change @record
 * Return: 0, or negative with ENG_E_USAGE and errnum EEXIST when the name is
 * taken.
 */
int storage_container_create(struct storage_store *s, json_t *record, json_t *layers,
                             enum storage_driver driver, const struct storage_keep_id *keep_id,
                             int (*fill)(void *arg, struct eng_error **err), void *fill_arg,
                             struct eng_error **err);

/**
 * storage_container_files_dir() - where the files of the container of
 * @record are now (heap): its directory, or, while @fill of
 * storage_container_create() runs, the directory being built, so a
 * container appears whole (config.json and all) or not at all.
 */
char *storage_container_files_dir(struct storage_store *s, json_t *record);

/** storage_container_dir() - ROOT/containers/IDHEX (heap) */
char *storage_container_dir(struct storage_store *s, const char *id);

/**
 * storage_container_get() - the record of the container called @name, or
 * whose id is or starts with @name (caller decrefs); ENG_E_NOTFOUND if none,
 * ENG_E_USAGE if a prefix is ambiguous, ENG_E_INVALID if @name is the id
 * (or its prefix) of a damaged record
 */
json_t *storage_container_get(struct storage_store *s, const char *name, struct eng_error **err);

/**
 * storage_container_list() - every record that decodes (a new array);
 * damaged ones are skipped with a warning naming them
 */
json_t *storage_container_list(struct storage_store *s, struct eng_error **err);

/** storage_container_update() - write the record @record back (under the lock) */
int storage_container_update(struct storage_store *s, json_t *record, struct eng_error **err);

/**
 * storage_container_rename() - give the container of @record the name
 * @name (podman's rules: [a-zA-Z0-9][a-zA-Z0-9_.-]*), unless another has it
 */
int storage_container_rename(struct storage_store *s, json_t *record, const char *name,
                             struct eng_error **err);

/**
 * storage_container_lock() - the lock of container @id (an exclusive flock
 * of ROOT/containers/IDHEX/lock; blocks), held while it is started, stopped
 * by its monitor's cleanup or removed, so two of those never interleave.
 * The store lock stays for record changes only.
 * Return: the fd to close to unlock; negative with *err (ENG_E_NOTFOUND when
 * the container is gone).
 */
int storage_container_lock(struct storage_store *s, const char *id, struct eng_error **err);

/** storage_container_delete() - remove the container @id and all its files */
int storage_container_delete(struct storage_store *s, const char *id, struct eng_error **err);

/* A container's root, as its driver makes it. */
struct storage_root {
        enum storage_root_kind kind;
        char *path; /* rootfs/ */
        /* for the overlays, the mount options: lowerdir with the top layer
         * first, upperdir, workdir, userxattr; NULL for a directory */
        char **options;
};

/** storage_container_root() - how the root of the container of @record is made */
void storage_container_root(struct storage_store *s, json_t *record, struct storage_root *ret);

/** storage_root_release() - the heap parts of @r */
void storage_root_release(struct storage_root *r);

/**
 * storage_container_read_file() - read @path ("/etc/passwd") of the
 * container's file system without mounting it: its upper directory, then
 * each layer from the top, honouring whiteouts and opaque directories.
 * Return: 0 with *ret_data (heap, NUL-terminated), -ENOENT quietly when the
 * file is not there, other negative values with *err.
 */
int storage_container_read_file(struct storage_store *s, json_t *record, const char *path,
                                size_t max, char **ret_data, struct eng_error **err);

#endif
