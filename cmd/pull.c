/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/userns.h"
#include "common/xalloc.h"
#include "image/auth.h"
#include "image/pull.h"
#include "storage/store.h"

#include "common/banned.h"

enum {
        OPT_PLATFORM = 256,
        OPT_ARCH,
        OPT_OS,
        OPT_VARIANT,
        OPT_TLS_VERIFY,
        OPT_CREDS,
        OPT_AUTHFILE,
};

struct pull_args {
        bool quiet;
        bool tls_verify;
        bool tls_verify_given;
        const char *platform;
        const char *arch;
        const char *os;
        const char *variant;
        const char *creds;
        const char *authfile;
};

static int on_opt(int val, const char *arg, void *data, struct eng_error **err)
{
        struct pull_args *a = data;

        switch (val) {
        case 'q':
                a->quiet = true;
                return 0;
        case OPT_PLATFORM:
                a->platform = arg;
                return 0;
        case OPT_ARCH:
                a->arch = arg;
                return 0;
        case OPT_OS:
                a->os = arg;
                return 0;
        case OPT_VARIANT:
                a->variant = arg;
                return 0;
        case OPT_TLS_VERIFY:
                a->tls_verify_given = true;
                return cmd_parse_bool("tls-verify", arg, &a->tls_verify, err);
        case OPT_CREDS:
                a->creds = arg;
                return 0;
        case OPT_AUTHFILE:
                a->authfile = arg;
                return 0;
        default:
                return 0;
        }
}

/* What a terminal shows of one blob. */
struct bar {
        char hex[13];
        uint64_t total;
        uint64_t done;
        enum { BAR_ACTIVE, BAR_DONE, BAR_EXISTS } state;
        struct timespec start;
};

#define MAX_BARS 64

struct view {
        const struct pull_args *a;
        bool tty;
        struct bar bars[MAX_BARS];
        size_t nbars;
        size_t drawn; /* lines of bars on the screen now */
};

static double seconds_since(const struct timespec *t)
{
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return (double) (now.tv_sec - t->tv_sec) + (double) (now.tv_nsec - t->tv_nsec) / 1e9;
}

static void mib(char *buf, size_t n, uint64_t bytes)
{
        snprintf(buf, n, "%.1fMiB", (double) bytes / (1024.0 * 1024.0));
}

static void draw(struct view *v)
{
        if (v->drawn)
                fprintf(stderr, "\033[%zuA", v->drawn);
        for (size_t i = 0; i < v->nbars; i++) {
                const struct bar *b = &v->bars[i];
                char done[32], total[32], rate[32], line[40];
                double t = seconds_since(&b->start);
                size_t fill = b->total ? (size_t) (30 * (double) b->done / (double) b->total) : 0;

                if (b->state == BAR_EXISTS) {
                        fprintf(stderr, "\033[KCopying blob %s skipped: already exists\n", b->hex);
                        continue;
                }
                if (b->state == BAR_DONE) {
                        fprintf(stderr, "\033[KCopying blob %s done\n", b->hex);
                        continue;
                }
                if (fill > 30)
                        fill = 30;
                memset(line, '=', fill);
                memset(line + fill, ' ', 30 - fill);
                if (fill < 30 && fill > 0)
                        line[fill - 1] = '>';
                line[30] = '\0';
                mib(done, sizeof(done), b->done);
                mib(total, sizeof(total), b->total);
                mib(rate, sizeof(rate), t > 0.05 ? (uint64_t) ((double) b->done / t) : 0);
                fprintf(stderr, "\033[KCopying blob %s [%s] %s / %s (%s/s)\n", b->hex, line, done,
                        total, rate);
        }
        v->drawn = v->nbars;
        fflush(stderr);
}

static struct bar *find_bar(struct view *v, const char *hex)
{
        for (size_t i = 0; i < v->nbars; i++)
                if (strncmp(v->bars[i].hex, hex, 12) == 0)
                        return &v->bars[i];
        if (v->nbars == MAX_BARS)
                return NULL;
        struct bar *b = &v->bars[v->nbars++];
        *b = (struct bar){ 0 };
        snprintf(b->hex, sizeof(b->hex), "%.12s", hex);
        clock_gettime(CLOCK_MONOTONIC, &b->start);
        return b;
}

/*
 * On a terminal, a bar per blob with bytes and rate; otherwise one line per
 * blob as podman prints them then.  Diagnostics go to stderr, the ID to stdout.
 */
static void on_progress(void *arg, enum image_pull_event ev, const char *what, uint64_t size)
{
        struct view *v = arg;
        const char *hex = strchr(what, ':') ? strchr(what, ':') + 1 : what;
        struct bar *b;

        if (ev == IMAGE_PULL_WARNING) {
                if (v->tty && v->drawn) {
                        fprintf(stderr, "\033[%zuA\033[J", v->drawn);
                        v->drawn = 0;
                }
                eng_log_warn("%s", what);
                if (v->tty && !v->a->quiet)
                        draw(v);
                return;
        }
        if (v->a->quiet)
                return;
        switch (ev) {
        case IMAGE_PULL_RESOLVED:
                fprintf(stderr, "Trying to pull %s...\n", what);
                break;
        case IMAGE_PULL_CONFIG:
                fprintf(stderr, "Copying config %.10s done\n", hex);
                break;
        case IMAGE_PULL_LAYER_EXISTS:
        case IMAGE_PULL_LAYER_START:
        case IMAGE_PULL_LAYER_DONE:
        case IMAGE_PULL_LAYER_BYTES:
                if (!v->tty) {
                        if (ev == IMAGE_PULL_LAYER_EXISTS)
                                fprintf(stderr, "Copying blob %.12s skipped: already exists\n",
                                        hex);
                        else if (ev == IMAGE_PULL_LAYER_DONE)
                                fprintf(stderr, "Copying blob %.12s done\n", hex);
                        break;
                }
                b = find_bar(v, hex);
                if (!b)
                        break;
                if (ev == IMAGE_PULL_LAYER_EXISTS)
                        b->state = BAR_EXISTS;
                else if (ev == IMAGE_PULL_LAYER_START)
                        b->total = size;
                else if (ev == IMAGE_PULL_LAYER_DONE) {
                        b->state = BAR_DONE;
                        b->done = b->total;
                } else
                        b->done = size;
                draw(v);
                break;
        case IMAGE_PULL_WARNING:
                break;
        }
}

/* "os/arch[/variant]" */
static int parse_platform(struct pull_args *a, struct eng_error **err)
{
        static char buf[256];
        char *s1, *s2;

        if (!a->platform)
                return 0;
        if (strlen(a->platform) >= sizeof(buf))
                return eng_err(err, ENG_E_USAGE, 0, "--platform is too long");
        memcpy(buf, a->platform, strlen(a->platform) + 1);
        s1 = strchr(buf, '/');
        if (!s1 || s1 == buf || !s1[1])
                return eng_err(err, ENG_E_USAGE, 0,
                               "--platform '%s': use OS/ARCH[/VARIANT], e.g. linux/arm64",
                               a->platform);
        *s1++ = '\0';
        s2 = strchr(s1, '/');
        if (s2) {
                *s2++ = '\0';
                if (!*s2 || strchr(s2, '/'))
                        return eng_err(err, ENG_E_USAGE, 0,
                                       "--platform '%s': use OS/ARCH[/VARIANT]", a->platform);
        }
        a->os = buf;
        a->arch = s1;
        a->variant = s2;
        return 0;
}

static int pull_with(struct cmd_store *cs, struct cmd_config *config, struct pull_args *a,
                     struct image_creds *creds, const char *name, char **ret_id,
                     struct eng_error **err)
{
        struct view view = { .a = a };
        struct image_pull_options po = {
                .os = a->os,
                .arch = a->arch,
                .variant = a->variant,
                .tls_verify = a->tls_verify,
                .creds = creds,
                .home = cs->paths.home,
                .search_registries = (const char *const *) config->search_registries,
                /* an explicit --tls-verify wins over the configuration */
                .insecure_registries = a->tls_verify_given
                                               ? NULL
                                               : (const char *const *) config->insecure_registries,
                .stall_seconds = config->registry_stall_timeout,
                .progress = on_progress,
                .progress_arg = &view,
        };

        view.tty = isatty(STDERR_FILENO) && getenv("TERM") && strcmp(getenv("TERM"), "dumb") != 0;
        if (eng_idmap_is_single(&cs->map) && geteuid() != 0)
                eng_log_warn(
                        "no subordinate ids for you in /etc/subuid and /etc/subgid: files of other owners keep their owner in an extended attribute only ('eng info' says how to add a range)");
        return image_pull(&cs->store, &cs->map, name, &po, ret_id, err);
}

int cmd_pull_image(struct cmd_store *cs, struct cmd_config *config, const char *name, bool quiet,
                   bool tls_verify, bool tls_verify_given, char **ret_id, struct eng_error **err)
{
        struct pull_args a = { .quiet = quiet,
                               .tls_verify = tls_verify,
                               .tls_verify_given = tls_verify_given };

        return pull_with(cs, config, &a, NULL, name, ret_id, err);
}

int cmd_pull(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        static const struct cmd_option opts[] = {
                { "arch", required_argument, OPT_ARCH, "ARCH",
                  "the architecture to pull from an index" },
                { "authfile", required_argument, OPT_AUTHFILE, "FILE",
                  "read credentials from FILE" },
                { "creds", required_argument, OPT_CREDS, "USER:PASS",
                  "credentials for the registry" },
                { "os", required_argument, OPT_OS, "OS",
                  "the OS to pull from an index (default linux)" },
                { "platform", required_argument, OPT_PLATFORM, "OS/ARCH[/VARIANT]",
                  "the platform to pull from an index" },
                { "quiet", no_argument, 'q', NULL, "print the image ID only" },
                { "tls-verify", optional_argument, OPT_TLS_VERIFY, "BOOL",
                  "verify TLS certificates; false also allows plain HTTP (default true)" },
                { "variant", required_argument, OPT_VARIANT, "VARIANT",
                  "the architecture variant to pull from an index" },
                { 0 },
        };
        struct pull_args a = { .tls_verify = true };
        struct image_creds creds = { 0 };
        struct cmd_store cs = CMD_STORE_INIT;
        struct cmd_config config = { 0 };
        _cleanup_free_ char *id = NULL;
        int first, r;

        r = cmd_parse(cmd, argc, argv, opts, on_opt, &a, &first, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (first >= argc)
                return eng_err(err, ENG_E_USAGE, 0,
                               "'eng pull' needs an image name; see 'eng pull --help'");
        if (first + 1 < argc)
                return eng_err(err, ENG_E_USAGE, 0, "'eng pull' takes one image, got '%s' too",
                               argv[first + 1]);
        if (parse_platform(&a, err) < 0)
                return -1;
        if (a.creds && image_creds_parse(a.creds, &creds, err) < 0)
                return -1;
        if (a.authfile)
                setenv("REGISTRY_AUTH_FILE", a.authfile, 1);
        r = -1;
        if (cmd_store_open(&cs, true, err) < 0 || cmd_config_load(&cs.paths, &config, err) < 0)
                goto out;
        if (pull_with(&cs, &config, &a, a.creds ? &creds : NULL, argv[first], &id, err) < 0)
                goto out;
        if (!a.quiet)
                fprintf(stderr, "Writing manifest to image destination\n");
        printf("%s\n", strchr(id, ':') ? strchr(id, ':') + 1 : id);
        r = 0;
out:
        cmd_store_close(&cs);
        cmd_config_release(&config);
        image_creds_release(&creds);
        return r;
}
