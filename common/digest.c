/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

/* SHA256_Init() and its kin are deprecated in favour of EVP (see digest.h) */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "common/digest.h"
#include "common/xalloc.h"

#include "common/banned.h"

struct eng_digest {
        SHA256_CTX ctx;
};

struct eng_digest *eng_digest_new(void)
{
        struct eng_digest *d = eng_xmalloc(sizeof(*d));

        SHA256_Init(&d->ctx);
        return d;
}

void eng_digest_update(struct eng_digest *d, const void *data, size_t len)
{
        SHA256_Update(&d->ctx, data, len);
}

char *eng_digest_finish(struct eng_digest *d)
{
        static const char digits[] = "0123456789abcdef";
        unsigned char sum[SHA256_DIGEST_LENGTH];
        char *hex;

        SHA256_Final(sum, &d->ctx);
        hex = eng_xmalloc(7 + 2 * SHA256_DIGEST_LENGTH + 1);
        memcpy(hex, "sha256:", 7);
        for (size_t i = 0; i < SHA256_DIGEST_LENGTH; i++) {
                hex[7 + 2 * i] = digits[sum[i] >> 4];
                hex[7 + 2 * i + 1] = digits[sum[i] & 15];
        }
        hex[7 + 2 * SHA256_DIGEST_LENGTH] = '\0';
        return hex;
}

void eng_digest_free(struct eng_digest *d)
{
        free(d);
}

char *eng_digest_of(const void *data, size_t len)
{
        struct eng_digest *d = eng_digest_new();
        char *hex;

        eng_digest_update(d, data, len);
        hex = eng_digest_finish(d);
        eng_digest_free(d);
        return hex;
}
