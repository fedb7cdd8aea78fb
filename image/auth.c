/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "image/auth.h"

#include "common/banned.h"

#define AUTH_FILE_MAX (1024 * 1024)
#define CHALLENGE_MAX 4096

void image_creds_release(struct image_creds *c)
{
        free(c->user);
        if (c->password) {
                OPENSSL_cleanse(c->password, strlen(c->password));
                free(c->password);
        }
        free(c->source);
        free(c->helper);
        *c = (struct image_creds){ 0 };
}

int image_creds_parse(const char *s, struct image_creds *ret, struct eng_error **err)
{
        const char *colon = strchr(s, ':');

        if (!colon || colon == s)
                return eng_err(err, ENG_E_USAGE, 0,
                               "--creds: give USERNAME:PASSWORD (eng does not prompt for it here)");
        *ret = (struct image_creds){ 0 };
        ret->user = eng_xstrndup(s, (size_t) (colon - s));
        ret->password = eng_xstrdup(colon + 1);
        ret->source = eng_xstrdup("--creds");
        return 0;
}

char *image_base64_encode(const void *data, size_t len)
{
        char *out = eng_xmalloc(4 * ((len + 2) / 3) + 1);

        EVP_EncodeBlock((unsigned char *) out, data, (int) len);
        return out;
}

/* Decode standard base64 into a NUL-terminated string; NULL if malformed. */
static char *base64_decode(const char *in)
{
        size_t len = strlen(in);
        _cleanup_free_ unsigned char *out = NULL;
        int n;

        if (len == 0 || len % 4 != 0 || len > AUTH_FILE_MAX)
                return NULL;
        out = eng_xmalloc(len / 4 * 3 + 1);
        n = EVP_DecodeBlock(out, (const unsigned char *) in, (int) len);
        if (n < 0)
                return NULL;
        /* EVP_DecodeBlock counts the padding as zero bytes. */
        if (len >= 1 && in[len - 1] == '=')
                n--;
        if (len >= 2 && in[len - 2] == '=')
                n--;
        out[n] = '\0';
        if (memchr(out, '\0', (size_t) n))
                return NULL;
        return (char *) TAKE_PTR(out);
}

/* The keys an auths entry for @domain may have. */
static bool key_matches(const char *key, const char *domain)
{
        size_t dl = strlen(domain);

        if (strncmp(key, "https://", 8) == 0)
                key += 8;
        else if (strncmp(key, "http://", 7) == 0)
                key += 7;
        if (strcmp(domain, "docker.io") == 0 && (strncmp(key, "index.docker.io", 15) == 0 ||
                                                 strncmp(key, "registry-1.docker.io", 20) == 0))
                return key[strcspn(key, "/")] == '\0' || key[strcspn(key, "/")] == '/';
        return strncmp(key, domain, dl) == 0 && (key[dl] == '\0' || key[dl] == '/');
}

/* 1: found (or a helper noted), 0: nothing for @domain in @file, <0: error */
static int lookup_file(const char *file, const char *domain, struct image_creds *ret,
                       struct eng_error **err)
{
        _cleanup_free_ char *data = NULL;
        _cleanup_json_ json_t *root = NULL;
        struct eng_error *rerr = NULL;
        json_error_t jerr;
        const char *key;
        json_t *entry, *helpers, *store;

        if (eng_read_file(file, AUTH_FILE_MAX, &data, NULL, &rerr) < 0) {
                if (rerr->kind == ENG_E_NOTFOUND || rerr->errnum == ENOTDIR) {
                        eng_err_free(rerr);
                        return 0;
                }
                *err = rerr;
                return eng_err_wrap(err, "reading credentials");
        }
        root = json_loads(data, 0, &jerr);
        if (!json_is_object(root))
                return eng_err(err, ENG_E_INVALID, 0, "credentials file '%s' is not valid JSON: %s",
                               file, root ? "not an object" : jerr.text);
        json_object_foreach(json_object_get(root, "auths"), key, entry) {
                const char *auth = json_string_value(json_object_get(entry, "auth"));
                _cleanup_free_ char *plain = NULL;
                char *colon;

                if (!key_matches(key, domain) || !auth || !*auth)
                        continue;
                plain = base64_decode(auth);
                colon = plain ? strchr(plain, ':') : NULL;
                if (!colon)
                        return eng_err(
                                err, ENG_E_INVALID, 0,
                                "credentials file '%s': the \"auth\" of '%s' is not base64 of user:password",
                                file, key);
                ret->user = eng_xstrndup(plain, (size_t) (colon - plain));
                ret->password = eng_xstrdup(colon + 1);
                ret->source = eng_xstrdup(file);
                OPENSSL_cleanse(plain, strlen(plain));
                return 1;
        }
        helpers = json_object_get(root, "credHelpers");
        json_object_foreach(helpers, key, entry) {
                if (key_matches(key, domain) && json_is_string(entry)) {
                        ret->helper =
                                eng_xasprintf("docker-credential-%s", json_string_value(entry));
                        ret->source = eng_xstrdup(file);
                        return 1;
                }
        }
        store = json_object_get(root, "credsStore");
        if (json_is_string(store) && *json_string_value(store) && !ret->helper) {
                ret->helper = eng_xasprintf("docker-credential-%s", json_string_value(store));
                ret->source = eng_xstrdup(file);
        }
        return 0;
}

char *image_auth_file_default(const char *home)
{
        const char *xrd = getenv("XDG_RUNTIME_DIR");

        if (xrd && xrd[0] == '/')
                return eng_xasprintf("%s/containers/auth.json", xrd);
        return eng_xasprintf("%s/.config/containers/auth.json", home);
}

int image_creds_lookup(const char *domain, const char *home, struct image_creds *ret,
                       struct eng_error **err)
{
        const char *env_file = getenv("REGISTRY_AUTH_FILE");
        const char *xrd = getenv("XDG_RUNTIME_DIR");
        _cleanup_free_ char *f1 =
                xrd && xrd[0] == '/' ? eng_xasprintf("%s/containers/auth.json", xrd) : NULL;
        _cleanup_free_ char *f2 = eng_xasprintf("%s/.config/containers/auth.json", home);
        _cleanup_free_ char *f3 = eng_xasprintf("%s/.docker/config.json", home);
        const char *files[] = { env_file, f1, f2, f3 };

        *ret = (struct image_creds){ 0 };
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                int r;

                if (!files[i] || !*files[i])
                        continue;
                r = lookup_file(files[i], domain, ret, err);
                if (r < 0) {
                        image_creds_release(ret);
                        return r;
                }
                if (r > 0 && ret->user)
                        return 0;
                if (r > 0)
                        break; /* a helper for this registry: it would be the source */
        }
        if (ret->helper)
                eng_log_debug("credentials for '%s' are kept by '%s' (%s), which eng cannot run",
                              domain, ret->helper, ret->source);
        return 0;
}

/* The auth file as JSON: {} when it does not exist yet. */
static json_t *load_auth_file(const char *file, struct eng_error **err)
{
        _cleanup_free_ char *data = NULL;
        struct eng_error *e = NULL;
        json_t *root;

        if (eng_read_file(file, AUTH_FILE_MAX, &data, NULL, &e) < 0) {
                if (e->kind == ENG_E_NOTFOUND) {
                        eng_err_free(e);
                        return json_object();
                }
                *err = e;
                return NULL;
        }
        root = json_loads(data, 0, NULL);
        if (!json_is_object(root)) {
                json_decref(root);
                eng_err(err, ENG_E_INVALID, 0,
                        "the auth file '%s' is not valid JSON; fix or remove it", file);
                return NULL;
        }
        return root;
}

static int save_auth_file(const char *file, json_t *root, struct eng_error **err)
{
        _cleanup_free_ char *dir = eng_xstrdup(file);
        _cleanup_free_ char *json = NULL;
        char *slash = strrchr(dir, '/');

        if (slash && slash != dir) {
                *slash = '\0';
                if (eng_mkdir_p(dir, 0700, err) < 0)
                        return -1;
        }
        json = json_dumps(root, JSON_INDENT(8));
        return eng_write_file_atomic(file, json, strlen(json), 0600, err);
}

int image_auth_store(const char *file, const char *domain, const char *user, const char *password,
                     struct eng_error **err)
{
        _cleanup_json_ json_t *root = load_auth_file(file, err);
        _cleanup_free_ char *plain = NULL, *b64 = NULL;
        json_t *auths;

        if (!root)
                return -1;
        auths = json_object_get(root, "auths");
        if (!json_is_object(auths)) {
                auths = json_object();
                json_object_set_new(root, "auths", auths);
        }
        plain = eng_xasprintf("%s:%s", user, password);
        b64 = image_base64_encode(plain, strlen(plain));
        OPENSSL_cleanse(plain, strlen(plain));
        json_object_set_new(auths, domain, json_pack("{s:s}", "auth", b64));
        return save_auth_file(file, root, err);
}

int image_auth_remove(const char *file, const char *domain, struct eng_error **err)
{
        _cleanup_json_ json_t *root = load_auth_file(file, err);
        json_t *auths;
        const char *key;
        json_t *v;
        void *tmp;
        int removed = 0;

        if (!root)
                return -1;
        auths = json_object_get(root, "auths");
        json_object_foreach_safe(auths, tmp, key, v)
        {
                if (!domain || key_matches(key, domain)) {
                        json_object_del(auths, key);
                        removed = 1;
                }
        }
        if (!removed)
                return 0;
        return save_auth_file(file, root, err) < 0 ? -1 : 1;
}

void image_challenge_release(struct image_challenge *c)
{
        free(c->realm);
        free(c->service);
        free(c->scope);
        *c = (struct image_challenge){ 0 };
}

/* One auth-param value: a token or a quoted string with backslash escapes. */
static char *param_value(const char **pp)
{
        const char *p = *pp;
        char *out = eng_xmalloc(strlen(p) + 1), *o = out;

        if (*p == '"') {
                p++;
                while (*p && *p != '"') {
                        if (*p == '\\' && p[1])
                                p++;
                        *o++ = *p++;
                }
                if (*p != '"') {
                        free(out);
                        return NULL;
                }
                p++;
        } else {
                while (*p && *p != ',' && *p != ' ' && *p != '\t')
                        *o++ = *p++;
        }
        *o = '\0';
        *pp = p;
        return out;
}

int image_challenge_parse(const char *value, struct image_challenge *ret, struct eng_error **err)
{
        struct image_challenge c = { 0 };
        const char *p = value;
        size_t n;

        if (strlen(value) > CHALLENGE_MAX)
                return eng_err(err, ENG_E_REMOTE, 0,
                               "the registry's authentication challenge is too long");
        while (*p == ' ')
                p++;
        n = strcspn(p, " ");
        if (n == 6 && strncasecmp(p, "Bearer", 6) == 0)
                c.scheme = IMAGE_AUTH_BEARER;
        else if (n == 5 && strncasecmp(p, "Basic", 5) == 0)
                c.scheme = IMAGE_AUTH_BASIC;
        else
                return eng_err(
                        err, ENG_E_REMOTE, 0,
                        "the registry asks for an authentication scheme eng does not know: '%.*s'",
                        (int) n, p);
        p += n;
        for (;;) {
                const char *name;
                size_t nl;
                char *v;

                while (*p == ' ' || *p == '\t' || *p == ',')
                        p++;
                if (!*p)
                        break;
                name = p;
                nl = strcspn(p, "= \t,");
                p += nl;
                if (*p != '=') {
                        image_challenge_release(&c);
                        return eng_err(err, ENG_E_REMOTE, 0,
                                       "malformed authentication challenge from the registry: '%s'",
                                       value);
                }
                p++;
                v = param_value(&p);
                if (!v) {
                        image_challenge_release(&c);
                        return eng_err(err, ENG_E_REMOTE, 0,
                                       "malformed authentication challenge from the registry: '%s'",
                                       value);
                }
                if (nl == 5 && strncasecmp(name, "realm", 5) == 0 && !c.realm)
                        c.realm = v;
                else if (nl == 7 && strncasecmp(name, "service", 7) == 0 && !c.service)
                        c.service = v;
                else if (nl == 5 && strncasecmp(name, "scope", 5) == 0 && !c.scope)
                        c.scope = v;
                else
                        free(v);
        }
        if (c.scheme == IMAGE_AUTH_BEARER && (!c.realm || !*c.realm)) {
                image_challenge_release(&c);
                return eng_err(err, ENG_E_REMOTE, 0,
                               "the registry's Bearer challenge names no token realm: '%s'", value);
        }
        *ret = c;
        return 0;
}
