/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: WWW-Authenticate challenges from registries. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "common/xalloc.h"
#include "image/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = eng_xstrndup((const char *) data, size);
        struct eng_error *err = NULL;
        struct image_challenge c;

        if (image_challenge_parse(s, &c, &err) == 0)
                image_challenge_release(&c);
        eng_err_free(err);
        free(s);
        return 0;
}
