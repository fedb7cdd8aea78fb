/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/process.h"
#include "common/xalloc.h"
#include "storage/layer.h"

#include "common/banned.h"

#define RESULT_MAX (64 * 1024)

void storage_unpack_result_release(struct storage_unpack_result *r)
{
        free(r->diff_id);
        free(r->first_overflow);
        *r = (struct storage_unpack_result){ 0 };
}

struct helper_args {
        const char *helper;
        const char *dir;
        int fd;
        int data_fd;
        const char *expected;
};

/*
 * In the user namespace: become the unpack helper.  Its errors come back
 * through a copy of the sync socket that survives the exec.
 */
static int exec_helper(void *arg, struct eng_error **err)
{
        const struct helper_args *a = arg;
        char fdstr[16], errstr[16], datastr[16];
        int errfd = fcntl(eng_userns_child_sync_fd(), F_DUPFD, 3);

        if (errfd < 0)
                return eng_err(err, ENG_E_SYS, errno, "passing the sync socket to '%s'", a->helper);
        snprintf(fdstr, sizeof(fdstr), "%d", a->fd);
        snprintf(errstr, sizeof(errstr), "%d", errfd);
        snprintf(datastr, sizeof(datastr), "%d", a->data_fd);
        /* the stream must survive the exec too */
        if (fcntl(a->fd, F_SETFD, 0) < 0 || (a->data_fd >= 0 && fcntl(a->data_fd, F_SETFD, 0) < 0))
                return eng_err(err, ENG_E_SYS, errno, "passing the layer stream to '%s'",
                               a->helper);
        execl(a->helper, "eng-unpack", a->dir, fdstr, errstr, a->expected ? a->expected : "",
              a->data_fd >= 0 ? datastr : (char *) NULL, (char *) NULL);
        return eng_err(err, ENG_E_SYS, errno, "running the unpack helper '%s'", a->helper);
}

int storage_layer_unpack_start(const char *dir, const struct eng_idmap *map, int fd, int data_fd,
                               const char *expected_diff_id, struct eng_userns_child *ret,
                               struct eng_error **err)
{
        _cleanup_free_ char *helper = eng_find_helper("eng-unpack");
        struct helper_args a = { .helper = helper,
                                 .dir = dir,
                                 .fd = fd,
                                 .data_fd = data_fd,
                                 .expected = expected_diff_id };
        int keep[2] = { fd, data_fd };

        if (!helper)
                return eng_err(
                        err, ENG_E_SYS, ENOENT,
                        "the helper 'eng-unpack' is neither next to this program nor in '%s'; reinstall eng",
                        ENG_LIBEXECDIR);

        /* The child keeps only its stream and stderr: no sibling's pipe end. */
        return eng_userns_spawn(map, 0, exec_helper, &a, keep, data_fd >= 0 ? 2 : 1, ret, err);
}

int storage_layer_unpack_finish(const char *dir, struct eng_userns_child *child,
                                struct storage_unpack_result *ret, struct eng_error **err)
{
        _cleanup_free_ char *result = eng_xasprintf("%s/unpack.json", dir);
        _cleanup_free_ char *data = NULL;
        _cleanup_json_ json_t *j = NULL;
        json_t *v;

        if (eng_userns_wait(child, err) < 0)
                return -1;
        if (eng_read_file(result, RESULT_MAX, &data, NULL, err) < 0)
                return eng_err_wrap(err, "reading the unpacker's result");
        (void) unlink(result);
        j = json_loads(data, 0, NULL);
        if (!json_is_string(json_object_get(j, "diff_id")))
                return eng_err(err, ENG_E_INVALID, 0, "the unpacker's result '%s' is damaged",
                               result);
        *ret = (struct storage_unpack_result){ 0 };
        ret->diff_id = eng_xstrdup(json_string_value(json_object_get(j, "diff_id")));
        ret->size = (uint64_t) json_integer_value(json_object_get(j, "size"));
        ret->entries = (uint64_t) json_integer_value(json_object_get(j, "entries"));
        ret->overflow = (uint64_t) json_integer_value(json_object_get(j, "overflow"));
        ret->devices = (uint64_t) json_integer_value(json_object_get(j, "devices"));
        v = json_object_get(j, "first_overflow");
        ret->first_overflow = json_is_string(v) ? eng_xstrdup(json_string_value(v)) : NULL;
        return 0;
}
