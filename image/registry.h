/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_IMAGE_REGISTRY_H
#define ENG_IMAGE_REGISTRY_H

/*
 * A client of the distribution API v2 (libcurl): manifests and blobs, with
 * the WWW-Authenticate flow (Bearer tokens cached per scope and renewed on
 * 401, Basic), TLS verified by default with per-registry CAs from
 * certs.d, retries with back-off on 429, 5xx and dropped connections, and
 * blobs resumed with Range requests where they broke off.
 *
 * One struct image_registry talks to one registry host; it is not
 * thread-safe.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "image/auth.h"

struct image_registry;

struct image_registry_options {
        /* false: accept any certificate, and fall back to plain HTTP */
        bool tls_verify;
        /* credentials from --creds; NULL: look them up in the auth files */
        const struct image_creds *creds;
        /* the home directory, for certs.d and auth files */
        const char *home;
        /* a transfer slower than 1 KiB/s for this many seconds has stalled
         * (0: IMAGE_REGISTRY_STALL_SECONDS); a request with no body to
         * stream (a manifest, a token) gets four times that in all */
        unsigned int stall_seconds;
};

#define IMAGE_REGISTRY_STALL_SECONDS 30

/**
 * image_registry_new() - a client for @domain ("docker.io" is served by
 * registry-1.docker.io).  Makes no request yet.  Free with
 * image_registry_free().
 */
struct image_registry *image_registry_new(const char *domain,
                                          const struct image_registry_options *opts,
                                          struct eng_error **err);

struct image_registry *image_registry_free(struct image_registry *r);

/**
 * image_registry_get_manifest() - GET /v2/@repo/manifests/@reference
 * @ret_data, @ret_len:   the body (at most IMAGE_MANIFEST_MAX; caller frees)
 * @ret_content_type:     its Content-Type (caller frees; may be NULL)
 * @ret_digest:           sha256 of the body as "sha256:..." (caller frees)
 *
 * When @reference is a digest, the body's digest must equal it
 * (ENG_E_INVALID otherwise).  404 is ENG_E_NOTFOUND, 401/403 after
 * authenticating ENG_E_REMOTE "denied", other errors ENG_E_REMOTE with the
 * registry's error message and "(HTTP N)".
 */
int image_registry_get_manifest(struct image_registry *r, const char *repo, const char *reference,
                                char **ret_data, size_t *ret_len, char **ret_content_type,
                                char **ret_digest, struct eng_error **err);

/**
 * image_registry_head_manifest() - HEAD /v2/@repo/manifests/@reference: the
 * digest the registry gives in Docker-Content-Digest (*ret_digest, heap), or
 * NULL when it gives none.  Lets a pull skip the manifest it already has.
 */
int image_registry_head_manifest(struct image_registry *r, const char *repo, const char *reference,
                                 char **ret_digest, struct eng_error **err);

/*
 * Receives blob data in order.  @offset is where @data starts in the blob;
 * return 0 to go on, negative with *err set to stop the download.
 */
typedef int (*image_blob_sink)(void *arg, const void *data, size_t len, struct eng_error **err);

/**
 * image_registry_get_blob() - stream blob @digest of @repo into @sink
 * @size: the size the manifest gives (the download stops with an error if
 *        the registry sends more)
 * @journal_fd: -1, or a file that keeps what was received so far: its
 *        bytes are passed to @sink (and hashed) first, the download goes on
 *        from where they end (a Range request), and what arrives is
 *        appended, so a pull killed half way resumes at that byte; bytes
 *        reach the journal before @sink sees them (so the sink may read
 *        them from there), and a journal that cannot be written fails the
 *        download
 *
 * The data is hashed while it streams; a digest that does not match fails
 * with ENG_E_INVALID naming both digests (the sink has seen the data: it
 * must not commit it before this returns 0).  A connection that breaks is
 * resumed from the byte where it stopped.
 */
int image_registry_get_blob(struct image_registry *r, const char *repo, const char *digest,
                            uint64_t size, int journal_fd, image_blob_sink sink, void *arg,
                            struct eng_error **err);

/**
 * image_registry_forked() - in a child after fork(): give up the connection
 * shared with the parent (without closing it) and open new ones; the
 * tokens already fetched are kept.
 */
void image_registry_forked(struct image_registry *r);

/** image_registry_ping() - GET /v2/, authenticating if asked; checks the registry answers */
int image_registry_ping(struct image_registry *r, struct eng_error **err);

#endif
