/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_COMMON_DIGEST_H
#define ENG_COMMON_DIGEST_H

/* SHA-256 digests in the "sha256:HEX" form of OCI (OpenSSL EVP underneath). */

#include <stddef.h>

#include <openssl/evp.h>

/** eng_digest_new() - a context for SHA-256 (free with EVP_MD_CTX_free) */
EVP_MD_CTX *eng_digest_new(void);

/** eng_digest_finish() - "sha256:HEX" of what went into @md (heap string); @md is spent */
char *eng_digest_finish(EVP_MD_CTX *md);

/** eng_digest_of() - "sha256:HEX" of @len bytes at @data (heap string) */
char *eng_digest_of(const void *data, size_t len);

#endif
