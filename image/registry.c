/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "image/curl-dl.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "image/registry.h"

#include "common/banned.h"

#define ERROR_BODY_MAX         (64 * 1024)
#define TOKEN_MAX              (1024 * 1024)
#define HEADER_MAX             8192
#define MAX_ATTEMPTS           5
#define STALL_BYTES_PER_SECOND 1024
#define RESUME_MIN_PROGRESS    (64 * 1024)
#define USER_AGENT             "eng/" PACKAGE_VERSION

struct token {
        char *scope;
        char *value;
};

struct image_registry {
        char *domain;
        char *host;
        char *scheme;
        bool verify;
        bool fell_back;     /* https failed at first, so plain http */
        bool answered;      /* a request of it has had an answer */
        unsigned int stall; /* seconds below 1 KiB/s that make a stall */
        char *ca_dir;
        struct image_creds creds;
        char *basic; /* base64 of user:password, when the registry asked for Basic */
        struct token *tokens;
        size_t ntokens;
        CURL *curl;
        char errbuf[CURL_ERROR_SIZE];
};

/* One HTTP exchange. */
struct xfer {
        /* what the caller wants */
        const char *accept;
        bool head;            /* HEAD: no body */
        image_blob_sink sink; /* NULL: keep the body in memory */
        void *sink_arg;
        uint64_t max; /* most bytes of body accepted */
        /* resume state of a blob */
        uint64_t delivered;  /* bytes passed to the sink so far */
        uint64_t range_from; /* the Range asked for in this attempt, or 0 */
        uint64_t skip;       /* bytes to drop: the server ignored our Range */
        struct eng_digest *md;
        int journal_fd; /* -1, or where the blob's bytes are kept as they come */
        /* what came back */
        long status;
        char *content_type;
        char *www_auth;
        char *retry_after;
        char *content_digest; /* Docker-Content-Digest */
        char *body;
        size_t body_len;
        bool too_big;
        struct eng_error *sink_err;
};

static void xfer_reset_response(struct xfer *x)
{
        x->status = 0;
        free(x->content_type);
        free(x->www_auth);
        free(x->retry_after);
        free(x->content_digest);
        free(x->body);
        x->content_type = x->www_auth = x->retry_after = x->content_digest = x->body = NULL;
        x->body_len = 0;
        x->too_big = false;
}

static void xfer_release(struct xfer *x)
{
        xfer_reset_response(x);
        x->sink_err = eng_err_free(x->sink_err);
}

/* --- curl callbacks */

static char *header_value(const char *line, size_t len, const char *name)
{
        size_t n = strlen(name);
        const char *v;

        if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
                return NULL;
        v = line + n + 1;
        while (v < line + len && (*v == ' ' || *v == '\t'))
                v++;
        len -= (size_t) (v - line);
        while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
                len--;
        return eng_xstrndup(v, len);
}

static size_t on_header(char *line, size_t size, size_t n, void *arg)
{
        struct xfer *x = arg;
        size_t len = size * n;
        char *v;

        if (len > HEADER_MAX)
                return len;
        /* A new status line: a redirect or a 100 Continue came before. */
        if (len > 5 && strncmp(line, "HTTP/", 5) == 0) {
                const char *sp = memchr(line, ' ', len);

                xfer_reset_response(x);
                if (sp)
                        x->status = strtol(sp + 1, NULL, 10);
                /* Range ignored: the whole blob comes again; skip what we have. */
                x->skip = x->status == 200 ? x->range_from : 0;
                return len;
        }
        if ((v = header_value(line, len, "Content-Type"))) {
                free(x->content_type);
                x->content_type = v;
        } else if ((v = header_value(line, len, "WWW-Authenticate"))) {
                free(x->www_auth);
                x->www_auth = v;
        } else if ((v = header_value(line, len, "Retry-After"))) {
                free(x->retry_after);
                x->retry_after = v;
        } else if ((v = header_value(line, len, "Docker-Content-Digest"))) {
                free(x->content_digest);
                x->content_digest = v;
        }
        return len;
}

static size_t keep_body(struct xfer *x, const char *data, size_t len, size_t max)
{
        if (x->body_len + len > max) {
                x->too_big = true;
                return 0; /* stops the transfer */
        }
        x->body = eng_xrealloc(x->body, x->body_len + len + 1);
        memcpy(x->body + x->body_len, data, len);
        x->body_len += len;
        x->body[x->body_len] = '\0';
        return len;
}

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
        struct xfer *x = arg;
        size_t len = size * n;

        if (x->status >= 300 && x->status < 400)
                return len; /* the body of a redirect */
        if (x->status >= 400 || !x->sink)
                return keep_body(x, data, len, x->status >= 400 ? ERROR_BODY_MAX : x->max);
        if (x->skip > 0) {
                size_t drop = x->skip < len ? (size_t) x->skip : len;

                x->skip -= drop;
                data += drop;
                len -= drop;
                if (len == 0)
                        return size * n;
        }
        if (x->delivered + len > x->max) {
                x->too_big = true;
                return 0;
        }
        eng_digest_update(x->md, data, len);
        /* The journal first: the sink may read the bytes from it. */
        if (x->journal_fd >= 0) {
                int w = eng_write_all(x->journal_fd, data, len);

                if (w < 0) {
                        eng_err(&x->sink_err, ENG_E_SYS, -w, "keeping the downloaded bytes");
                        return 0;
                }
        }
        if (x->sink(x->sink_arg, data, len, &x->sink_err) < 0)
                return 0;
        x->delivered += len;
        return size * n;
}

/* --- TLS: per-registry CAs and client certificates from certs.d */

static CURLcode on_ssl_ctx(_unused_ CURL *curl, void *ssl_ctx, void *arg)
{
        struct image_registry *r = arg;
        X509_STORE *store = SSL_CTX_get_cert_store(ssl_ctx);
        _cleanup_closedir_ DIR *d = opendir(r->ca_dir);
        struct dirent *de;

        while (d && (de = readdir(d))) {
                size_t n = strlen(de->d_name);
                _cleanup_free_ char *path = NULL;

                if (n < 5 || strcmp(de->d_name + n - 4, ".crt") != 0)
                        continue;
                path = eng_xasprintf("%s/%s", r->ca_dir, de->d_name);
                if (X509_STORE_load_file(store, path) != 1)
                        eng_log_warn("cannot load the CA certificate '%s'", path);
        }
        return CURLE_OK;
}

static char *find_ca_dir(const char *domain, const char *home)
{
        _cleanup_free_ char *user = eng_xasprintf("%s/.config/containers/certs.d/%s", home, domain);
        const char *dirs[] = { user, "/etc/containers/certs.d", "/etc/docker/certs.d" };

        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
                char *d = i == 0 ? eng_xstrdup(dirs[0]) : eng_xasprintf("%s/%s", dirs[i], domain);

                if (access(d, R_OK | X_OK) == 0)
                        return d;
                free(d);
        }
        return NULL;
}

static void find_client_cert(struct image_registry *r)
{
        _cleanup_closedir_ DIR *d = r->ca_dir ? opendir(r->ca_dir) : NULL;
        struct dirent *de;

        while (d && (de = readdir(d))) {
                size_t n = strlen(de->d_name);
                _cleanup_free_ char *cert = NULL, *key = NULL;

                if (n < 6 || strcmp(de->d_name + n - 5, ".cert") != 0)
                        continue;
                cert = eng_xasprintf("%s/%s", r->ca_dir, de->d_name);
                key = eng_xasprintf("%s/%.*s.key", r->ca_dir, (int) (n - 5), de->d_name);
                if (access(key, R_OK) == 0) {
                        curl_easy_setopt(r->curl, CURLOPT_SSLCERT, cert);
                        curl_easy_setopt(r->curl, CURLOPT_SSLKEY, key);
                        return;
                }
        }
}

/* --- the client */

struct image_registry *image_registry_free(struct image_registry *r)
{
        if (!r)
                return NULL;
        if (r->curl)
                curl_easy_cleanup(r->curl);
        for (size_t i = 0; i < r->ntokens; i++) {
                free(r->tokens[i].scope);
                free(r->tokens[i].value);
        }
        free(r->tokens);
        free(r->domain);
        free(r->host);
        free(r->scheme);
        free(r->ca_dir);
        free(r->basic);
        image_creds_release(&r->creds);
        free(r);
        return NULL;
}

struct image_registry *image_registry_new(const char *domain,
                                          const struct image_registry_options *opts,
                                          struct eng_error **err)
{
        struct image_registry *r;

        if (image_curl_open(err) < 0)
                return NULL;
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                eng_err(err, ENG_E_SYS, 0, "initialising libcurl");
                return NULL;
        }
        r = eng_xzalloc(sizeof(*r));
        r->domain = eng_xstrdup(domain);
        r->host = eng_xstrdup(strcmp(domain, "docker.io") == 0 ? "registry-1.docker.io" : domain);
        r->scheme = eng_xstrdup("https");
        r->verify = opts->tls_verify;
        r->stall = opts->stall_seconds ? opts->stall_seconds : IMAGE_REGISTRY_STALL_SECONDS;
        r->ca_dir = find_ca_dir(domain, opts->home);
        if (opts->creds) {
                r->creds.user = eng_xstrdup(opts->creds->user);
                r->creds.password = eng_xstrdup(opts->creds->password);
                r->creds.source = eng_xstrdup(opts->creds->source);
        } else if (image_creds_lookup(domain, opts->home, &r->creds, err) < 0) {
                image_registry_free(r);
                return NULL;
        }
        r->curl = curl_easy_init();
        if (!r->curl) {
                image_registry_free(r);
                eng_err(err, ENG_E_SYS, ENOMEM, "creating a libcurl handle");
                return NULL;
        }
        return r;
}

void image_registry_forked(struct image_registry *r)
{
        /* curl_easy_cleanup() would shut down the parent's TLS session: leave it. */
        r->curl = curl_easy_init();
        if (!r->curl)
                abort();
}

static void setup_handle(struct image_registry *r, CURL *c, struct xfer *x)
{
        curl_easy_reset(c);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->errbuf);
        curl_easy_setopt(c, CURLOPT_USERAGENT, USER_AGENT);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        /* Blobs are often redirected to storage on another host; curl sends
         * the Authorization header to the first host only. */
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
        /* a trickle is a stall too (a byte a second used to keep one alive);
         * a blob has no deadline of its own: its size sets how long it takes */
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, (long) STALL_BYTES_PER_SECOND);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long) r->stall);
        if (!x->sink)
                curl_easy_setopt(c, CURLOPT_TIMEOUT, 4L * r->stall);
        curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_2TLS);
        curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "identity");
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, r->verify ? 1L : 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, r->verify ? 2L : 0L);
        if (r->ca_dir) {
                curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
                curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, r);
        }
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
}

static const char *token_for(struct image_registry *r, const char *scope)
{
        for (size_t i = 0; i < r->ntokens; i++)
                if (strcmp(r->tokens[i].scope, scope) == 0)
                        return r->tokens[i].value;
        return NULL;
}

static void token_drop(struct image_registry *r, const char *scope)
{
        for (size_t i = 0; i < r->ntokens; i++) {
                if (strcmp(r->tokens[i].scope, scope) == 0) {
                        free(r->tokens[i].scope);
                        free(r->tokens[i].value);
                        r->tokens[i] = r->tokens[--r->ntokens];
                        return;
                }
        }
}

/* The message of a failed response: the registry's own error, or the status. */
static int http_error(struct image_registry *r, const struct xfer *x, const char *what,
                      struct eng_error **err)
{
        _cleanup_json_ json_t *root = x->body ? json_loadb(x->body, x->body_len, 0, NULL) : NULL;
        json_t *e0 = json_array_get(json_object_get(root, "errors"), 0);
        const char *msg = json_string_value(json_object_get(e0, "message"));
        const char *code = json_string_value(json_object_get(e0, "code"));
        enum eng_errkind kind = x->status == 404 ? ENG_E_NOTFOUND : ENG_E_REMOTE;
        _cleanup_free_ char *text = NULL;

        if (msg && *msg)
                text = eng_xstrdup(msg);
        else if (code && *code)
                text = eng_xstrdup(code);
        else if (x->status == 404)
                text = eng_xstrdup("not found");
        else if (x->status == 401 || x->status == 403)
                text = eng_xstrdup("access denied");
        else
                text = eng_xstrdup("the registry failed");
        if (x->status == 401 || x->status == 403) {
                if (r->creds.user)
                        return eng_err(err, ENG_E_REMOTE, 0,
                                       "%s: %s (HTTP %ld); the credentials from %s were refused",
                                       what, text, x->status, r->creds.source);
                if (r->creds.helper)
                        return eng_err(
                                err, ENG_E_REMOTE, 0,
                                "%s: %s (HTTP %ld); the credentials for '%s' are kept by '%s' (%s), which eng cannot run: use 'eng login %s' or --creds",
                                what, text, x->status, r->domain, r->creds.helper, r->creds.source,
                                r->domain);
                return eng_err(err, ENG_E_REMOTE, 0,
                               "%s: %s (HTTP %ld); log in with 'eng login %s' or pass --creds",
                               what, text, x->status, r->domain);
        }
        return eng_err(err, kind, 0, "%s: %s (HTTP %ld)", what, text, x->status);
}

/* GET a Bearer token for @scope from the challenge's realm. */
static int fetch_token(struct image_registry *r, const struct image_challenge *ch, const char *key,
                       const char *scope, struct eng_error **err)
{
        _cleanup_free_ char *url = NULL;
        _cleanup_json_ json_t *root = NULL;
        struct xfer x = { .max = TOKEN_MAX, .journal_fd = -1 };
        CURL *c = curl_easy_init();
        const char *tok;
        char *esc_service, *esc_scope;
        CURLcode rc;

        if (!c)
                return eng_err(err, ENG_E_SYS, ENOMEM, "creating a libcurl handle");
        esc_service = curl_easy_escape(c, ch->service ? ch->service : "", 0);
        esc_scope = curl_easy_escape(c, scope, 0);
        url = eng_xasprintf("%s%sservice=%s%s%s", ch->realm, strchr(ch->realm, '?') ? "&" : "?",
                            esc_service, *scope ? "&scope=" : "", esc_scope);
        curl_free(esc_service);
        curl_free(esc_scope);
        setup_handle(r, c, &x);
        curl_easy_setopt(c, CURLOPT_URL, url);
        if (r->creds.user) {
                curl_easy_setopt(c, CURLOPT_USERNAME, r->creds.user);
                curl_easy_setopt(c, CURLOPT_PASSWORD, r->creds.password);
        }
        rc = curl_easy_perform(c);
        if (x.too_big) {
                curl_easy_cleanup(c);
                xfer_release(&x);
                return eng_err(err, ENG_E_INVALID, 0,
                               "getting a token from '%s': the answer is larger than %u bytes",
                               ch->realm, (unsigned) TOKEN_MAX);
        }
        if (rc != CURLE_OK) {
                int e = eng_err(err, ENG_E_REMOTE, 0, "getting a token from '%s': %s", ch->realm,
                                r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc));
                curl_easy_cleanup(c);
                xfer_release(&x);
                return e;
        }
        curl_easy_cleanup(c);
        if (x.status != 200) {
                int e = http_error(r, &x, "getting a token", err);
                xfer_release(&x);
                return e;
        }
        root = json_loadb(x.body ? x.body : "", x.body_len, 0, NULL);
        tok = json_string_value(json_object_get(root, "token"));
        if (!tok || !*tok)
                tok = json_string_value(json_object_get(root, "access_token"));
        xfer_release(&x);
        if (!tok || !*tok)
                return eng_err(err, ENG_E_REMOTE, 0, "the token server '%s' sent no token",
                               ch->realm);
        token_drop(r, key);
        r->tokens = eng_xreallocarray(r->tokens, r->ntokens + 1, sizeof(*r->tokens));
        r->tokens[r->ntokens].scope = eng_xstrdup(key);
        r->tokens[r->ntokens].value = eng_xstrdup(tok);
        r->ntokens++;
        return 0;
}

/* Answer a 401: get a token, or use Basic credentials.  0: try again. */
static int authenticate(struct image_registry *r, const struct xfer *x, const char *scope,
                        const char *what, struct eng_error **err)
{
        struct image_challenge ch;
        int ret;

        if (!x->www_auth)
                return http_error(r, x, what, err);
        if (image_challenge_parse(x->www_auth, &ch, err) < 0)
                return eng_err_wrap(err, "%s", what);
        if (ch.scheme == IMAGE_AUTH_BASIC) {
                if (!r->creds.user) {
                        image_challenge_release(&ch);
                        return http_error(r, x, what, err);
                }
                _cleanup_free_ char *plain =
                        eng_xasprintf("%s:%s", r->creds.user, r->creds.password);
                free(r->basic);
                r->basic = image_base64_encode(plain, strlen(plain));
                ret = 0;
        } else {
                /* The token is kept under the scope we asked for. */
                ret = fetch_token(r, &ch, scope, ch.scope && !*scope ? ch.scope : scope, err);
                if (ret < 0)
                        eng_err_wrap(err, "%s", what);
        }
        image_challenge_release(&ch);
        return ret;
}

static bool retryable_curl(CURLcode rc)
{
        return rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT ||
               rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR ||
               rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE || rc == CURLE_HTTP2 ||
               rc == CURLE_HTTP2_STREAM;
}

static void back_off(int attempt, const char *retry_after)
{
        long ms = 250L << attempt;
        struct timespec ts;

        if (retry_after) {
                long s = strtol(retry_after, NULL, 10);
                if (s > 0 && s <= 30)
                        ms = s * 1000;
        }
        ts.tv_sec = ms / 1000;
        ts.tv_nsec = (ms % 1000) * 1000000L;
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/*
 * GET @path (under /v2/) with authentication, retries and, for a sink,
 * resumption.  On success x->status is 2xx.
 */
static int request(struct image_registry *r, const char *path, const char *scope, struct xfer *x,
                   const char *what, struct eng_error **err)
{
        bool authenticated = false;

        for (int attempt = 0;; attempt++) {
                _cleanup_free_ char *url = eng_xasprintf("%s://%s/v2/%s", r->scheme, r->host, path);
                _cleanup_free_ char *range = NULL, *auth = NULL, *accept = NULL;
                struct curl_slist *headers = NULL;
                const char *tok = token_for(r, scope ? scope : "");
                CURLcode rc;

                setup_handle(r, r->curl, x);
                find_client_cert(r);
                curl_easy_setopt(r->curl, CURLOPT_URL, url);
                if (x->head)
                        curl_easy_setopt(r->curl, CURLOPT_NOBODY, 1L);
                if (x->accept) {
                        accept = eng_xasprintf("Accept: %s", x->accept);
                        headers = curl_slist_append(headers, accept);
                }
                if (tok)
                        auth = eng_xasprintf("Authorization: Bearer %s", tok);
                else if (r->basic)
                        auth = eng_xasprintf("Authorization: Basic %s", r->basic);
                if (auth)
                        headers = curl_slist_append(headers, auth);
                x->range_from = x->sink ? x->delivered : 0;
                if (x->range_from > 0) {
                        range = eng_xasprintf("%llu-", (unsigned long long) x->range_from);
                        curl_easy_setopt(r->curl, CURLOPT_RANGE, range);
                }
                curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, headers);
                r->errbuf[0] = '\0';
                xfer_reset_response(x);
                eng_trace("registry", "GET %s%s%s", url, range ? " range " : "",
                          range ? range : "");
                rc = curl_easy_perform(r->curl);
                curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, NULL);
                curl_slist_free_all(headers);
                eng_trace("registry", "-> %ld (%s)", x->status, curl_easy_strerror(rc));

                if (x->sink_err) {
                        *err = TAKE_PTR(x->sink_err);
                        return eng_err_return(*err);
                }
                if (x->too_big)
                        return eng_err(err, ENG_E_INVALID, 0,
                                       "%s: the registry sent more than %llu bytes", what,
                                       (unsigned long long) x->max);
                if (rc == CURLE_OK)
                        r->answered = true;
                if (rc == CURLE_OK && x->status >= 200 && x->status < 300)
                        return 0;
                if (rc != CURLE_OK) {
                        /* --tls-verify=false or an insecure registry: one that
                         * answers TLS with garbage (plain HTTP), or refuses it
                         * (nothing on 443, HTTP on 80), is asked over HTTP, as
                         * podman does; once it has answered over TLS, never */
                        if (!r->verify && !r->fell_back && !r->answered &&
                            strcmp(r->scheme, "https") == 0 &&
                            (rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_RECV_ERROR ||
                             rc == CURLE_COULDNT_CONNECT || rc == CURLE_GOT_NOTHING)) {
                                r->fell_back = true;
                                free(r->scheme);
                                r->scheme = eng_xstrdup("http");
                                eng_log_debug("'%s' does not speak TLS (%s); trying plain HTTP",
                                              r->host,
                                              r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc));
                                attempt--;
                                continue;
                        }
                        /* a stall is tried once more, not five times: each costs r->stall */
                        if (retryable_curl(rc) &&
                            attempt + 1 < (rc == CURLE_OPERATION_TIMEDOUT ? 2 : MAX_ATTEMPTS)) {
                                eng_log_debug("%s: %s; trying again", what,
                                              r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc));
                                back_off(attempt, NULL);
                                continue;
                        }
                        if (rc == CURLE_OPERATION_TIMEDOUT)
                                return eng_err(
                                        err, ENG_E_REMOTE, ETIMEDOUT,
                                        "%s: the registry '%s' stalled (less than %d bytes a second for %u s, or no answer in %u s)",
                                        what, r->host, STALL_BYTES_PER_SECOND, r->stall,
                                        x->sink ? r->stall : 4 * r->stall);
                        return eng_err(err, ENG_E_REMOTE, 0, "%s: %s", what,
                                       r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc));
                }
                if (x->status == 206 && !range)
                        return eng_err(err, ENG_E_REMOTE, 0, "%s: unexpected partial content",
                                       what);
                if (x->status == 401 && !authenticated) {
                        authenticated = true;
                        token_drop(r, scope ? scope : "");
                        if (authenticate(r, x, scope ? scope : "", what, err) < 0)
                                return -1;
                        attempt--;
                        continue;
                }
                if ((x->status == 429 || x->status >= 500) && attempt + 1 < MAX_ATTEMPTS) {
                        eng_log_debug("%s: HTTP %ld; trying again", what, x->status);
                        back_off(attempt, x->retry_after);
                        continue;
                }
                return http_error(r, x, what, err);
        }
}

static char *repo_scope(const char *repo)
{
        return eng_xasprintf("repository:%s:pull", repo);
}

int image_registry_ping(struct image_registry *r, struct eng_error **err)
{
        struct xfer x = { .max = ERROR_BODY_MAX, .journal_fd = -1 };
        _cleanup_free_ char *what = eng_xasprintf("contacting '%s'", r->domain);
        int ret = request(r, "", NULL, &x, what, err);

        xfer_release(&x);
        return ret;
}

int image_registry_head_manifest(struct image_registry *r, const char *repo, const char *reference,
                                 char **ret_digest, struct eng_error **err)
{
        _cleanup_free_ char *path = eng_xasprintf("%s/manifests/%s", repo, reference);
        _cleanup_free_ char *scope = repo_scope(repo);
        _cleanup_free_ char *what = eng_xasprintf("checking the manifest '%s:%s'", repo, reference);
        struct xfer x = { .accept = IMAGE_MANIFEST_ACCEPT,
                          .head = true,
                          .max = ERROR_BODY_MAX,
                          .journal_fd = -1 };
        int r0 = request(r, path, scope, &x, what, err);

        if (r0 == 0)
                *ret_digest = x.content_digest && image_digest_valid(x.content_digest)
                                      ? TAKE_PTR(x.content_digest)
                                      : NULL;
        xfer_release(&x);
        return r0;
}

int image_registry_get_manifest(struct image_registry *r, const char *repo, const char *reference,
                                char **ret_data, size_t *ret_len, char **ret_content_type,
                                char **ret_digest, struct eng_error **err)
{
        _cleanup_free_ char *path = eng_xasprintf("%s/manifests/%s", repo, reference);
        _cleanup_free_ char *scope = repo_scope(repo);
        _cleanup_free_ char *what = eng_xasprintf("fetching the manifest '%s:%s'", repo, reference);
        _cleanup_free_ char *digest = NULL;
        struct xfer x = { .accept = IMAGE_MANIFEST_ACCEPT,
                          .max = IMAGE_MANIFEST_MAX,
                          .journal_fd = -1 };

        if (request(r, path, scope, &x, what, err) < 0) {
                xfer_release(&x);
                return -1;
        }
        digest = eng_digest_of(x.body ? x.body : "", x.body_len);
        if (image_digest_valid(reference) && strcmp(reference, digest) != 0) {
                xfer_release(&x);
                return eng_err(err, ENG_E_INVALID, 0,
                               "%s: the registry sent a manifest whose digest is %s, not %s", what,
                               digest, reference);
        }
        *ret_data = x.body ? TAKE_PTR(x.body) : eng_xstrdup("");
        *ret_len = x.body_len;
        if (ret_content_type)
                *ret_content_type = TAKE_PTR(x.content_type);
        *ret_digest = TAKE_PTR(digest);
        xfer_release(&x);
        return 0;
}

/* Replay what the journal holds into the sink and the hash; leaves it positioned at its end. */
static int replay_journal(struct xfer *x, int fd, const char *what, struct eng_error **err)
{
        char buf[64 * 1024];
        struct stat st;

        if (fstat(fd, &st) < 0)
                return eng_err(err, ENG_E_SYS, errno, "%s: reading the partial download", what);
        /* Longer than the blob: not a prefix of it.  Decided before anything reaches the sink. */
        if ((uint64_t) st.st_size > x->max && ftruncate(fd, 0) < 0)
                return eng_err(err, ENG_E_SYS, errno, "%s: resetting the partial download", what);
        if (lseek(fd, 0, SEEK_SET) < 0)
                return eng_err(err, ENG_E_SYS, errno, "%s: reading the partial download", what);
        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return eng_err(err, ENG_E_SYS, errno, "%s: reading the partial download",
                                       what);
                if (n == 0)
                        return 0;
                eng_digest_update(x->md, buf, (size_t) n);
                if (x->sink(x->sink_arg, buf, (size_t) n, err) < 0)
                        return -1;
                x->delivered += (uint64_t) n;
        }
}

int image_registry_get_blob(struct image_registry *r, const char *repo, const char *digest,
                            uint64_t size, int journal_fd, image_blob_sink sink, void *arg,
                            struct eng_error **err)
{
        _cleanup_free_ char *path = eng_xasprintf("%s/blobs/%s", repo, digest);
        _cleanup_free_ char *scope = repo_scope(repo);
        _cleanup_free_ char *what = eng_xasprintf("fetching blob %s", digest);
        _cleanup_free_ char *got = NULL;
        struct xfer x = { .sink = sink, .sink_arg = arg, .max = size, .journal_fd = journal_fd };
        uint64_t kept = 0; /* bytes an earlier pull left in the journal */
        int ret = 0;

        if (strncmp(digest, "sha256:", 7) != 0)
                return eng_err(err, ENG_E_INVALID, 0, "%s: only sha256 digests are supported",
                               what);
        x.md = eng_digest_new();
        if (journal_fd >= 0) {
                if (replay_journal(&x, journal_fd, what, err) < 0) {
                        eng_digest_free(x.md);
                        return -1;
                }
                kept = x.delivered;
                if (x.delivered > 0)
                        eng_log_info("%s: resuming at byte %llu of %llu", what,
                                     (unsigned long long) x.delivered, (unsigned long long) size);
        }

        /* A connection that drops mid-blob is resumed from x.delivered. */
        for (int resumes = 0;; resumes++) {
                struct eng_error *e = NULL;
                uint64_t before = x.delivered;

                if (x.delivered == size && size > 0) {
                        ret = 0; /* the journal held all of it */
                        break;
                }
                ret = request(r, path, scope, &x, what, &e);
                /* resumed only while it gets somewhere: a stall or a break with
                 * little new since the last resume (a trickle) ends it */
                if (ret == 0 || x.delivered - before < RESUME_MIN_PROGRESS ||
                    resumes >= MAX_ATTEMPTS || x.too_big || e->kind != ENG_E_REMOTE) {
                        if (ret < 0)
                                *err = e;
                        break;
                }
                eng_log_debug("%s: broke off after %llu bytes (%s); resuming", what,
                              (unsigned long long) x.delivered, e->msg);
                eng_err_free(e);
        }
        if (ret == 0 && x.delivered != size)
                ret = eng_err(err, ENG_E_INVALID, 0, "%s: got %llu bytes, the manifest says %llu",
                              what, (unsigned long long) x.delivered, (unsigned long long) size);
        if (ret == 0) {
                got = eng_digest_finish(x.md);
                if (strcmp(got, digest) != 0 && kept > 0)
                        /* the bytes kept from before may be the bad ones, not the registry's */
                        ret = eng_err(
                                err, ENG_E_INVALID, 0,
                                "%s: the data's digest is %s, not %s: the first %llu bytes came from a partial download an earlier pull left, which may be damaged; it is dropped, pull again",
                                what, got, digest, (unsigned long long) kept);
                else if (strcmp(got, digest) != 0)
                        ret = eng_err(
                                err, ENG_E_INVALID, 0,
                                "%s: the data's digest is %s, not %s (the registry sent corrupt or different data)",
                                what, got, digest);
        }
        eng_digest_free(x.md);
        xfer_release(&x);
        return ret;
}
