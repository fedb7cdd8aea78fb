/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * eng-unpack DIR FD ERRFD [DIFF_ID [DATAFD]]: the layer unpacker, run by eng
 * inside the user namespace (storage/layer.h).  Reads the layer stream from
 * FD (or from the file DATAFD as it grows, FD only signalling; see
 * storage/unpack.h), unpacks it into DIR/diff, writes DIR/unpack.json; on
 * failure sends the error record to ERRFD and exits 1.  Not meant to be run
 * by hand.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "storage/unpack.h"

#include "common/banned.h"

static int parse_fd(const char *s)
{
        char *end;
        long v = strtol(s, &end, 10);

        return *s && !*end && v >= 0 && v < 1 << 20 ? (int) v : -1;
}

int main(int argc, char **argv)
{
        struct eng_error *err = NULL;
        int fd, errfd, data_fd = -1;

        eng_log_set_prog("eng-unpack");
        if (argc < 4 || argc > 6 || (fd = parse_fd(argv[2])) < 0 ||
            (errfd = parse_fd(argv[3])) < 0 || (argc == 6 && (data_fd = parse_fd(argv[5])) < 0)) {
                fprintf(stderr, "usage: eng-unpack DIR FD ERRFD [DIFF_ID [DATAFD]] "
                                "(run by eng, not by hand)\n");
                return 2;
        }
        /* the tar is untrusted: confined first, DIR is "/" after */
        if (storage_unpack_confine(argv[1], &err) < 0 ||
            storage_unpack_run("/", fd, data_fd, argc >= 5 && *argv[4] ? argv[4] : NULL, &err) <
                    0) {
                eng_err_send(errfd, err);
                eng_err_free(err);
                return 1;
        }
        return 0;
}
