/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "image/reference.h"

#include "common/banned.h"

#define DEFAULT_DOMAIN "docker.io"
#define TAG_MAX        128

static bool is_lower_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
        return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool is_hex(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

bool image_digest_valid(const char *s)
{
        if (strncmp(s, "sha256:", 7) == 0)
                return strlen(s + 7) == 64 && is_hex(s + 7, 64);
        if (strncmp(s, "sha512:", 7) == 0)
                return strlen(s + 7) == 128 && is_hex(s + 7, 128);
        return false;
}

/* path-component := [a-z0-9]+ (("." | "_" | "__" | "-"+) [a-z0-9]+)* */
static const char *check_component(const char *s, size_t n)
{
        size_t i = 0;

        if (n == 0)
                return "an empty path component";
        for (size_t k = 0; k < n; k++)
                if (s[k] >= 'A' && s[k] <= 'Z')
                        return "repository names must be lower case";
        while (i < n) {
                size_t start = i;

                while (i < n && is_lower_alnum(s[i]))
                        i++;
                if (i == start)
                        return "path components must start and end with a letter or digit";
                if (i == n)
                        return NULL;
                start = i;
                if (s[i] == '.' || s[i] == '_') {
                        i++;
                        if (s[start] == '_' && i < n && s[i] == '_')
                                i++;
                } else if (s[i] == '-') {
                        while (i < n && s[i] == '-')
                                i++;
                } else {
                        return "invalid character in the repository name (allowed: a-z 0-9 . _ -)";
                }
                if (i == n)
                        return "path components must start and end with a letter or digit";
        }
        return NULL;
}

/* domain := host [":" port], host = labels of [A-Za-z0-9-] joined by ".", or [IPv6] */
static const char *check_domain(const char *s, size_t n)
{
        size_t i = 0;

        if (n == 0)
                return "an empty registry name";
        if (s[0] == '[') {
                while (i < n && s[i] != ']') {
                        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
                              (s[i] >= 'A' && s[i] <= 'F') || s[i] == ':' || s[i] == '[' ||
                              s[i] == '.'))
                                return "invalid IPv6 address in the registry name";
                        i++;
                }
                if (i == n)
                        return "unterminated IPv6 address in the registry name";
                i++;
        } else {
                while (i < n && s[i] != ':') {
                        size_t start = i;

                        while (i < n && (is_alnum(s[i]) || s[i] == '-'))
                                i++;
                        if (i == start || s[start] == '-' || s[i - 1] == '-')
                                return "invalid registry host name";
                        if (i < n && s[i] == '.') {
                                i++;
                                if (i == n || s[i] == ':')
                                        return "invalid registry host name";
                        } else if (i < n && s[i] != ':') {
                                return "invalid character in the registry host name";
                        }
                }
        }
        if (i < n) {
                if (s[i] != ':' || i + 1 == n)
                        return "invalid registry port";
                for (size_t k = i + 1; k < n; k++)
                        if (s[k] < '0' || s[k] > '9')
                                return "invalid registry port";
                if (n - i - 1 > 5)
                        return "invalid registry port";
        }
        return NULL;
}

static const char *check_tag(const char *t)
{
        size_t n = strlen(t);

        if (n == 0)
                return "an empty tag";
        if (n > TAG_MAX)
                return "a tag is at most 128 characters";
        if (!(is_alnum(t[0]) || t[0] == '_'))
                return "a tag must start with a letter, digit or '_'";
        for (size_t i = 1; i < n; i++)
                if (!(is_alnum(t[i]) || t[i] == '_' || t[i] == '.' || t[i] == '-'))
                        return "invalid character in the tag (allowed: A-Z a-z 0-9 _ . -)";
        return NULL;
}

/*
 * Whether the first component of a name is a registry, as docker decides it:
 * it has a "." or a ":", is "localhost", or has upper case (which no
 * repository may have).
 */
static bool names_registry(const char *s, size_t n)
{
        if (memchr(s, '.', n) || memchr(s, ':', n) || (n == 9 && strncmp(s, "localhost", 9) == 0))
                return true;
        for (size_t i = 0; i < n; i++)
                if (s[i] >= 'A' && s[i] <= 'Z')
                        return true;
        return false;
}

void image_ref_release(struct image_ref *ref)
{
        free(ref->domain);
        free(ref->path);
        free(ref->tag);
        free(ref->digest);
        *ref = (struct image_ref){ 0 };
}

void image_ref_set_domain(struct image_ref *ref, const char *domain)
{
        free(ref->domain);
        ref->domain = eng_xstrdup(domain);
        if (strcmp(domain, DEFAULT_DOMAIN) == 0 && !strchr(ref->path, '/')) {
                char *p = eng_xasprintf("library/%s", ref->path);
                free(ref->path);
                ref->path = p;
                ref->library_added = true;
        } else if (strcmp(domain, DEFAULT_DOMAIN) != 0 && ref->library_added) {
                char *p = eng_xstrdup(ref->path + strlen("library/"));
                free(ref->path);
                ref->path = p;
                ref->library_added = false;
        }
}

int image_ref_parse(const char *s, struct image_ref *ret, bool *ret_short, struct eng_error **err)
{
        _cleanup_free_ char *name = NULL;
        _cleanup_free_ char *tag = NULL;
        _cleanup_free_ char *digest = NULL;
        const char *at, *slash, *colon, *why;
        struct image_ref ref = { 0 };
        bool is_short;
        size_t len;

        /* podman takes the transport of containers/image in front */
        if (strncmp(s, "docker://", 9) == 0)
                s += 9;
        if (!*s)
                return eng_err(err, ENG_E_USAGE, 0, "an empty image reference");
        at = strchr(s, '@');
        if (at) {
                digest = eng_xstrdup(at + 1);
                if (!image_digest_valid(digest))
                        return eng_err(
                                err, ENG_E_USAGE, 0,
                                "invalid reference '%s': '%s' is not a digest (sha256: and 64 lower-case hex digits)",
                                s, digest);
                name = eng_xstrndup(s, (size_t) (at - s));
        } else {
                name = eng_xstrdup(s);
        }
        /* A ':' after the last '/' starts the tag (one before it is a port). */
        slash = strrchr(name, '/');
        colon = strrchr(slash ? slash : name, ':');
        if (colon) {
                tag = eng_xstrdup(colon + 1);
                name[colon - name] = '\0';
                why = check_tag(tag);
                if (why)
                        return eng_err(err, ENG_E_USAGE, 0, "invalid reference '%s': %s", s, why);
        }
        len = strlen(name);
        if (len == 0)
                return eng_err(err, ENG_E_USAGE, 0, "invalid reference '%s': no repository name",
                               s);

        slash = strchr(name, '/');
        is_short = !slash || !names_registry(name, (size_t) (slash - name));
        if (is_short) {
                ref.domain = eng_xstrdup(DEFAULT_DOMAIN);
                ref.path = eng_xstrdup(name);
        } else {
                ref.domain = eng_xstrndup(name, (size_t) (slash - name));
                ref.path = eng_xstrdup(slash + 1);
                why = check_domain(ref.domain, strlen(ref.domain));
                if (why) {
                        image_ref_release(&ref);
                        return eng_err(err, ENG_E_USAGE, 0, "invalid reference '%s': %s", s, why);
                }
        }
        if (!*ref.path) {
                image_ref_release(&ref);
                return eng_err(err, ENG_E_USAGE, 0, "invalid reference '%s': no repository name",
                               s);
        }
        for (const char *p = ref.path; *p;) {
                size_t n = strcspn(p, "/");

                why = check_component(p, n);
                if (why) {
                        image_ref_release(&ref);
                        return eng_err(err, ENG_E_USAGE, 0, "invalid reference '%s': %s", s, why);
                }
                p += n;
                if (*p == '/') {
                        p++;
                        if (!*p) {
                                image_ref_release(&ref);
                                return eng_err(err, ENG_E_USAGE, 0,
                                               "invalid reference '%s': an empty path component",
                                               s);
                        }
                }
        }
        if (strcmp(ref.domain, DEFAULT_DOMAIN) == 0 || strcmp(ref.domain, "index.docker.io") == 0)
                image_ref_set_domain(&ref, DEFAULT_DOMAIN);
        if (strlen(ref.domain) + 1 + strlen(ref.path) > IMAGE_REF_NAME_MAX) {
                image_ref_release(&ref);
                return eng_err(
                        err, ENG_E_USAGE, 0,
                        "invalid reference '%.40s...': the name is longer than %d characters", s,
                        IMAGE_REF_NAME_MAX);
        }
        ref.tag = TAKE_PTR(tag);
        ref.digest = TAKE_PTR(digest);
        if (!ref.tag && !ref.digest)
                ref.tag = eng_xstrdup("latest");
        *ret = ref;
        if (ret_short)
                *ret_short = is_short;
        return 0;
}

char *image_ref_name(const struct image_ref *ref)
{
        return eng_xasprintf("%s/%s", ref->domain, ref->path);
}

char *image_ref_string(const struct image_ref *ref)
{
        return eng_xasprintf("%s/%s%s%s%s%s", ref->domain, ref->path, ref->tag ? ":" : "",
                             ref->tag ? ref->tag : "", ref->digest ? "@" : "",
                             ref->digest ? ref->digest : "");
}
