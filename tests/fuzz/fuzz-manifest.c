/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: manifests and indexes as registries send them. */
#include "config.h"

#include <stdint.h>

#include "image/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct eng_error *err = NULL;
        struct image_manifest m;

        if (image_manifest_parse((const char *) data, size, NULL, &m, &err) == 0) {
                if (image_manifest_is_index(&m))
                        (void) image_index_select(&m, "linux", "amd64", NULL, &err);
                image_manifest_release(&m);
        }
        eng_err_free(err);
        return 0;
}
