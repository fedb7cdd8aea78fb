/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENG_IMAGE_REFERENCE_H
#define ENG_IMAGE_REFERENCE_H

/*
 * Image references, by the grammar of the distribution project
 * (distribution/reference):
 *
 *	reference       := name [ ":" tag ] [ "@" digest ]
 *	name            := [domain "/"] path-component ["/" path-component]*
 *	domain          := host [":" port]
 *	path-component  := [a-z0-9]+ (separator [a-z0-9]+)*
 *	separator       := "." | "_" | "__" | "-"+
 *	tag             := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *	digest          := algorithm ":" hex    (sha256: 64 lower-case hex)
 *
 * and docker's normalisation: a first component that has no "." or ":"
 * and is not "localhost" is not a registry, so "alpine" is
 * "docker.io/library/alpine:latest".
 */

#include <stdbool.h>

#include "common/error.h"

#define IMAGE_REF_NAME_MAX 255

struct image_ref {
        char *domain; /* "docker.io", "localhost:5000", "[::1]:5000" */
        char *path;   /* "library/alpine" */
        char *tag;    /* "latest"; NULL when only a digest was given */
        char *digest; /* "sha256:..." or NULL */
        /* "library/" was put in front for docker.io (a one-word short name);
         * another registry gets the name as it was given, as podman asks */
        bool library_added;
};

/**
 * image_ref_parse() - parse and normalise @s
 * @ret_short: set to whether @s named no registry (a short name: the caller
 *             may resolve it against several registries); may be NULL
 *
 * A reference without tag or digest gets the tag "latest".  Errors are
 * ENG_E_USAGE and say what is wrong: upper case in the repository, a name
 * over 255 characters, a bad tag, a bad digest.  Release with
 * image_ref_release().
 */
int image_ref_parse(const char *s, struct image_ref *ret, bool *ret_short, struct eng_error **err);

void image_ref_release(struct image_ref *ref);

/**
 * image_ref_set_domain() - replace the domain of @ref (for short names
 * resolved against a registry); on docker.io a one-component path gets
 * "library/".
 */
void image_ref_set_domain(struct image_ref *ref, const char *domain);

/**
 * image_ref_string() - the full form: "docker.io/library/alpine:latest",
 * "localhost:5000/a@sha256:...", "host/a:1@sha256:...".  Caller frees.
 */
char *image_ref_string(const struct image_ref *ref);

/** image_ref_name() - "domain/path" without tag or digest.  Caller frees. */
char *image_ref_name(const struct image_ref *ref);

/** image_digest_valid() - whether @s is "sha256:" + 64 lower-case hex (or sha512 + 128) */
bool image_digest_valid(const char *s);

#endif
