/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/digest.h"
#include "common/xalloc.h"

#include "common/banned.h"

EVP_MD_CTX *eng_digest_new(void)
{
        EVP_MD_CTX *md = EVP_MD_CTX_new();

        if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
                abort(); /* only out of memory gets here */
        return md;
}

char *eng_digest_finish(EVP_MD_CTX *md)
{
        static const char digits[] = "0123456789abcdef";
        unsigned char sum[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        char *hex;

        EVP_DigestFinal_ex(md, sum, &n);
        hex = eng_xmalloc(7 + 2 * n + 1);
        memcpy(hex, "sha256:", 7);
        for (unsigned int i = 0; i < n; i++) {
                hex[7 + 2 * i] = digits[sum[i] >> 4];
                hex[7 + 2 * i + 1] = digits[sum[i] & 15];
        }
        hex[7 + 2 * n] = '\0';
        return hex;
}

char *eng_digest_of(const void *data, size_t len)
{
        EVP_MD_CTX *md = eng_digest_new();
        char *hex;

        EVP_DigestUpdate(md, data, len);
        hex = eng_digest_finish(md);
        EVP_MD_CTX_free(md);
        return hex;
}
