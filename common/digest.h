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

/*
 * A SHA-256 that a thread of its own computes, of the bytes handed to it
 * in order: the caller copies them into a ring (512 KiB) and goes on with
 * its work while they are hashed on another core.  Without a thread (one
 * could not be made) the bytes are hashed in the caller, at once.
 */
struct eng_digest_async;

/** eng_digest_async_new() - a digest and its thread */
struct eng_digest_async *eng_digest_async_new(void);

/** eng_digest_async_update() - @len more bytes at @data (copied: @data may be reused at once) */
void eng_digest_async_update(struct eng_digest_async *h, const void *data, size_t len);

/** eng_digest_async_finish() - "sha256:HEX" of all the bytes (heap string); @h is freed */
char *eng_digest_async_finish(struct eng_digest_async *h);

/** eng_digest_async_free() - the thread stopped and @h freed, the digest left; NULL-safe */
struct eng_digest_async *eng_digest_async_free(struct eng_digest_async *h);

#endif
