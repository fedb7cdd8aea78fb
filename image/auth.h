/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_IMAGE_AUTH_H
#define ENG_IMAGE_AUTH_H

/*
 * Registry credentials and authentication challenges.
 *
 * Credentials come from the files users already have, first match wins:
 * $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json,
 * ~/.config/containers/auth.json, ~/.docker/config.json.  Each is
 * {"auths": {"HOST[:PORT]": {"auth": base64("user:password")}}}; docker.io
 * also matches "https://index.docker.io/v1/".
 */

#include <stdbool.h>

#include "common/error.h"

struct image_creds {
        char *user;
        char *password;
        char *source; /* the file they came from, or "--creds" */
        /* No credentials, but a credential helper was configured for the
         * registry: its name ("docker-credential-pass"), for messages. */
        char *helper;
};

void image_creds_release(struct image_creds *c);

/**
 * image_creds_parse() - "user:password" (as --creds takes it); a missing
 * password is an error (eng does not prompt here)
 */
int image_creds_parse(const char *s, struct image_creds *ret, struct eng_error **err);

/**
 * image_creds_lookup() - the credentials for @domain from the files above
 * @home: the home directory; the environment gives the rest
 *
 * No entry is not an error: ret->user stays NULL.  A file that is not
 * valid JSON, or an "auth" that does not decode, is ENG_E_INVALID naming
 * the file.
 */
int image_creds_lookup(const char *domain, const char *home, struct image_creds *ret,
                       struct eng_error **err);

/** image_auth_file_default() - where login writes: $XDG_RUNTIME_DIR/containers/auth.json,
 * else ~/.config/containers/auth.json (heap string) */
char *image_auth_file_default(const char *home);

/**
 * image_auth_store() - record @user/@password for @domain in the auth file
 * @file (created 0600, its other entries kept), as podman login does
 */
int image_auth_store(const char *file, const char *domain, const char *user, const char *password,
                     struct eng_error **err);

/**
 * image_auth_remove() - drop @domain (NULL: every registry) from @file
 * Return: 1 when an entry was removed, 0 when there was none, <0 on error.
 */
int image_auth_remove(const char *file, const char *domain, struct eng_error **err);

/* A WWW-Authenticate challenge. */
struct image_challenge {
        enum { IMAGE_AUTH_NONE, IMAGE_AUTH_BASIC, IMAGE_AUTH_BEARER } scheme;
        char *realm;
        char *service;
        char *scope;
};

/**
 * image_challenge_parse() - parse one WWW-Authenticate header value:
 * 'Bearer realm="...",service="...",scope="..."' or 'Basic realm="..."'.
 * Unknown schemes and malformed values are ENG_E_REMOTE.
 */
int image_challenge_parse(const char *value, struct image_challenge *ret, struct eng_error **err);

void image_challenge_release(struct image_challenge *c);

/** image_base64_encode() - base64 of @len bytes (heap string) */
char *image_base64_encode(const void *data, size_t len);

#endif
