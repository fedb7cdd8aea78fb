/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: image references (untrusted: command lines, configs, registries). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "image/reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = eng_xstrndup((const char *) data, size);
        struct eng_error *err = NULL;
        struct image_ref ref;
        bool is_short;

        if (image_ref_parse(s, &ref, &is_short, &err) == 0) {
                char *full = image_ref_string(&ref);
                struct image_ref again;

                /* what we print must parse back to itself */
                if (image_ref_parse(full, &again, NULL, &err) != 0)
                        abort();
                char *full2 = image_ref_string(&again);
                if (strcmp(full, full2) != 0)
                        abort();
                free(full2);
                image_ref_release(&again);
                free(full);
                image_ref_release(&ref);
        }
        eng_err_free(err);
        free(s);
        return 0;
}
