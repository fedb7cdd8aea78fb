/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_COMMON_DIGEST_H
#define ENG_COMMON_DIGEST_H

/*
 * SHA-256 digests in the "sha256:HEX" form of OCI.  OpenSSL's SHA-256
 * underneath, called directly: its EVP layer brings the provider machinery
 * along, 1.3 MiB resident for one digest (a fifth of the unpacker's
 * resident set beside the zstd window), for the same assembly in the end.
 */

#include <stddef.h>

struct eng_digest;

/** eng_digest_new() - a SHA-256 in progress (free with eng_digest_free()) */
struct eng_digest *eng_digest_new(void);

/** eng_digest_update() - feed @len bytes at @data to @d */
void eng_digest_update(struct eng_digest *d, const void *data, size_t len);

/** eng_digest_finish() - "sha256:HEX" of what went into @d (heap string); @d is spent */
char *eng_digest_finish(struct eng_digest *d);

/** eng_digest_free() - free @d (NULL is fine) */
void eng_digest_free(struct eng_digest *d);

/** eng_digest_of() - "sha256:HEX" of @len bytes at @data (heap string) */
char *eng_digest_of(const void *data, size_t len);

#endif
