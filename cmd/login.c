/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "image/auth.h"
#include "image/reference.h"
#include "image/registry.h"

#include "common/banned.h"

#define SECRET_MAX 4096

enum {
        OPT_PASSWORD_STDIN = 256,
        OPT_AUTHFILE,
        OPT_TLS_VERIFY,
};

struct login_args {
        const char *user;
        const char *password;
        bool password_stdin;
        const char *authfile;
        bool tls_verify;
        bool tls_verify_given;
        bool all;
};

static int on_opt(int val, const char *arg, void *data, struct eng_error **err)
{
        struct login_args *a = data;

        switch (val) {
        case 'u':
                a->user = arg;
                return 0;
        case 'p':
                a->password = arg;
                return 0;
        case OPT_PASSWORD_STDIN:
                a->password_stdin = true;
                return 0;
        case OPT_AUTHFILE:
                a->authfile = arg;
                return 0;
        case OPT_TLS_VERIFY:
                a->tls_verify_given = true;
                return cmd_parse_bool("tls-verify", arg, &a->tls_verify, err);
        case 'a':
                a->all = true;
                return 0;
        default:
                return 0;
        }
}

/* One line from @fd, without its newline (heap). */
static char *read_line(int fd, struct eng_error **err)
{
        char *buf = eng_xmalloc(SECRET_MAX + 1);
        size_t n = 0;

        for (;;) {
                char c;
                ssize_t r = read(fd, &c, 1);

                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0) {
                        free(buf);
                        eng_err(err, ENG_E_SYS, errno, "reading the password");
                        return NULL;
                }
                if (r == 0 || c == '\n')
                        break;
                if (n == SECRET_MAX) {
                        free(buf);
                        eng_err(err, ENG_E_USAGE, 0, "the password is longer than %d bytes",
                                SECRET_MAX);
                        return NULL;
                }
                buf[n++] = c;
        }
        if (n > 0 && buf[n - 1] == '\r')
                n--;
        buf[n] = '\0';
        return buf;
}

/* Ask on the terminal; the password is not echoed. */
static char *prompt(const char *what, bool secret, struct eng_error **err)
{
        _cleanup_close_ int tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
        struct termios old, quiet;
        char *line;

        if (tty < 0) {
                eng_err(err, ENG_E_USAGE, 0,
                        "no terminal to ask for the %s: give --username and --password-stdin",
                        what);
                return NULL;
        }
        dprintf(tty, "%s: ", secret ? "Password" : "Username");
        if (secret && tcgetattr(tty, &old) == 0) {
                quiet = old;
                quiet.c_lflag &= ~(tcflag_t) ECHO;
                (void) tcsetattr(tty, TCSAFLUSH, &quiet);
                line = read_line(tty, err);
                (void) tcsetattr(tty, TCSAFLUSH, &old);
                dprintf(tty, "\n");
        } else {
                line = read_line(tty, err);
        }
        return line;
}

static int registry_arg(const struct cmd_desc *cmd, int argc, char **argv, int first, char **ret,
                        struct eng_error **err)
{
        const char *s;

        if (first >= argc)
                return eng_err(err, ENG_E_USAGE, 0,
                               "'eng %s' needs a registry; see 'eng %s --help'", cmd->name,
                               cmd->name);
        if (first + 1 < argc)
                return eng_err(err, ENG_E_USAGE, 0, "'eng %s' takes one registry, got '%s' too",
                               cmd->name, argv[first + 1]);
        s = argv[first];
        if (strncmp(s, "https://", 8) == 0)
                s += 8;
        else if (strncmp(s, "http://", 7) == 0)
                s += 7;
        /* "quay.io/org/repo" logs in to quay.io */
        *ret = eng_xstrndup(s, strcspn(s, "/"));
        if (strcmp(*ret, "index.docker.io") == 0 || strcmp(*ret, "registry-1.docker.io") == 0) {
                free(*ret);
                *ret = eng_xstrdup("docker.io");
        }
        return 0;
}

int cmd_login(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        static const struct cmd_option opts[] = {
                { "authfile", required_argument, OPT_AUTHFILE, "FILE",
                  "keep the credentials in FILE" },
                { "password", required_argument, 'p', "PASSWORD",
                  "the password (visible to other users: prefer --password-stdin)" },
                { "password-stdin", no_argument, OPT_PASSWORD_STDIN, NULL,
                  "read the password from standard input" },
                { "tls-verify", optional_argument, OPT_TLS_VERIFY, "BOOL",
                  "verify TLS certificates (default true)" },
                { "username", required_argument, 'u', "USER", "the user name" },
                { 0 },
        };
        struct login_args a = { .tls_verify = true };
        struct eng_paths paths = { 0 };
        struct image_creds creds = { 0 };
        struct image_registry *reg = NULL;
        _cleanup_free_ char *domain = NULL, *file = NULL;
        int first, r;

        r = cmd_parse(cmd, argc, argv, opts, on_opt, &a, &first, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (registry_arg(cmd, argc, argv, first, &domain, err) < 0)
                return -1;
        if (a.password && a.password_stdin)
                return eng_err(err, ENG_E_USAGE, 0,
                               "--password and --password-stdin cannot both be given");
        r = -1;
        if (cmd_paths(&paths, err) < 0)
                goto out;
        creds.user = a.user ? eng_xstrdup(a.user) : prompt("username", false, err);
        if (!creds.user)
                goto out;
        if (a.password)
                creds.password = eng_xstrdup(a.password);
        else if (a.password_stdin)
                creds.password = read_line(STDIN_FILENO, err);
        else
                creds.password = prompt("password", true, err);
        if (!creds.password)
                goto out;
        creds.source = eng_xstrdup("the login");
        {
                struct cmd_config config = { 0 };
                struct image_registry_options ro = { .tls_verify = a.tls_verify,
                                                     .creds = &creds,
                                                     .home = paths.home };

                /* an insecure registry of the configuration, as pull takes it; an
                 * explicit --tls-verify wins */
                if (cmd_config_load(&paths, &config, err) < 0)
                        goto out;
                if (!a.tls_verify_given && eng_strv_contains(config.insecure_registries, domain))
                        ro.tls_verify = false;
                ro.stall_seconds = config.registry_stall_timeout;
                cmd_config_release(&config);
                reg = image_registry_new(domain, &ro, err);
                if (!reg || image_registry_ping(reg, err) < 0) {
                        eng_err_wrap(err, "logging in to '%s'", domain);
                        goto out;
                }
        }
        file = a.authfile ? eng_xstrdup(a.authfile) : image_auth_file_default(paths.home);
        if (image_auth_store(file, domain, creds.user, creds.password, err) < 0)
                goto out;
        printf("Login Succeeded!\n");
        r = 0;
out:
        image_registry_free(reg);
        image_creds_release(&creds);
        eng_paths_release(&paths);
        return r;
}

int cmd_logout(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        static const struct cmd_option opts[] = {
                { "all", no_argument, 'a', NULL, "remove the credentials of every registry" },
                { "authfile", required_argument, OPT_AUTHFILE, "FILE", "the auth file to change" },
                { 0 },
        };
        struct login_args a = { 0 };
        struct eng_paths paths = { 0 };
        _cleanup_free_ char *domain = NULL, *file = NULL;
        int first, r;

        r = cmd_parse(cmd, argc, argv, opts, on_opt, &a, &first, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (!a.all && registry_arg(cmd, argc, argv, first, &domain, err) < 0)
                return -1;
        if (cmd_paths(&paths, err) < 0)
                return -1;
        file = a.authfile ? eng_xstrdup(a.authfile) : image_auth_file_default(paths.home);
        eng_paths_release(&paths);
        r = image_auth_remove(file, domain, err);
        if (r < 0)
                return -1;
        if (a.all) {
                printf("Removed login credentials for all registries\n");
                return 0;
        }
        if (r == 0)
                return eng_err(err, ENG_E_USAGE, 0, "not logged into '%s' (in '%s')", domain, file);
        printf("Removed login credentials for %s\n", domain);
        return 0;
}
