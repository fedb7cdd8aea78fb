/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_RUNTIME_OCI_STATE_H
#define ENG_RUNTIME_OCI_STATE_H

/*
 * The state eng-runtime keeps per container under its --root, as runc and
 * crun do: ROOT/ID/state.json, ROOT/ID/config.json, ROOT/ID/exec.fifo.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "common/error.h"

enum oci_status {
        OCI_STATUS_CREATED,
        OCI_STATUS_RUNNING,
        OCI_STATUS_PAUSED, /* running, its cgroup frozen */
        OCI_STATUS_STOPPED,
};

const char *oci_status_name(enum oci_status s);

/** oci_id_valid() - letters, digits, "_-.+", not "." or ".." */
bool oci_id_valid(const char *id);

/** oci_state_dir() - ROOT/ID (heap) */
char *oci_state_dir(const char *root, const char *id);

/**
 * oci_wait_exec() - wait until process @pid, a child of this program that
 * has not executed yet, runs another program or is gone (or cannot be seen)
 */
void oci_wait_exec(pid_t pid);

/** oci_proc_start_time() - field 22 of /proc/PID/stat; 0 if gone or a zombie */
uint64_t oci_proc_start_time(pid_t pid);

/** oci_state_write() - write ROOT/ID/state.json atomically */
int oci_state_write(const char *root, const char *id, json_t *state, struct eng_error **err);

/**
 * oci_state_read() - ROOT/ID/state.json with "status" filled in from the
 * process and its cgroup (ENG_E_NOTFOUND when there is no such container)
 */
json_t *oci_state_read(const char *root, const char *id, enum oci_status *ret_status,
                       struct eng_error **err);

/**
 * oci_container_pids() - the processes of the container whose state is
 * @state: those of its cgroup; without one, those of its pid namespace when
 * it has one of its own, else its process and that one's descendants.
 * *@ret is freed by the caller.
 */
int oci_container_pids(json_t *state, pid_t **ret, size_t *ret_n, struct eng_error **err);

#endif
