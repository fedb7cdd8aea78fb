/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * eng-slirp: the network helper of a container, run as its OCI
 * createRuntime hook (the container's state, with its pid, on stdin) once
 * its namespaces exist and before its command runs.  It makes tap0 in the
 * container's network namespace and leaves a process behind that runs
 * libslirp on it for as long as the container lives; the hook itself
 * returns when the network is ready (published ports bound), or fails
 * saying why, which fails the start.
 *
 *	eng-slirp [--mtu N] [--allow-host-loopback] [--enable-ipv6]
 *	          [--outbound-addr IP|IF] [--outbound-addr6 IP|IF]
 *	          [--port-handler rootlessport|slirp4netns] [--publish SPEC]...
 *	          [--disable-sandbox]
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/fs.h"
#include "network/slirp.h"
#include "network/tap.h"

#include "common/banned.h"

static int ready_fd = -1;
static struct net_slirp_opts o = { .mtu = 65520, .sandbox = true };

/* every way out of main frees what the options took (LeakSanitizer builds) */
static void free_opts(void)
{
        free(o.ports);
        o.ports = NULL;
}

static void on_ready(_unused_ void *arg)
{
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);

        (void) !write(ready_fd, "ok\n", 3);
        close(ready_fd);
        ready_fd = -1;
        /* nothing of the runtime's (or the monitor's log) is held any more */
        if (null >= 0) {
                (void) dup2(null, 0);
                (void) dup2(null, 1);
                (void) dup2(null, 2);
                close(null);
        }
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "mtu", required_argument, NULL, 'm' },
                { "allow-host-loopback", no_argument, NULL, 'l' },
                { "publish", required_argument, NULL, 'p' },
                { "enable-ipv6", no_argument, NULL, '6' },
                { "outbound-addr", required_argument, NULL, 'o' },
                { "outbound-addr6", required_argument, NULL, 'O' },
                { "port-handler", required_argument, NULL, 'H' },
                { "disable-sandbox", no_argument, NULL, 'S' },
                { NULL, 0, NULL, 0 },
        };
        struct net_tap tap = { .fd = -1, .agent = -1 };
        struct eng_error *err = NULL;
        _cleanup_free_ char *state = NULL;
        json_t *st;
        int c, p[2];
        pid_t pid, daemon;

        atexit(free_opts);
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 'm':
                        o.mtu = (unsigned int) strtoul(optarg, NULL, 10);
                        if (o.mtu < 576 || o.mtu > 65521) {
                                fprintf(stderr, "eng-slirp: --mtu %s: between 576 and 65521\n",
                                        optarg);
                                return 1;
                        }
                        break;
                case 'l':
                        o.allow_host_loopback = true;
                        break;
                case 'p':
                        if (net_port_parse(optarg, &o.ports, &o.nports, &err) < 0) {
                                fprintf(stderr, "eng-slirp: %s\n", err->msg);
                                eng_err_free(err);
                                return 1;
                        }
                        break;
                case '6':
                        o.ipv6 = true;
                        break;
                case 'o':
                case 'O':
                        if (net_parse_outbound(optarg, c == 'O', &o, &err) < 0) {
                                fprintf(stderr, "eng-slirp: %s\n", err->msg);
                                eng_err_free(err);
                                return 1;
                        }
                        break;
                case 'H':
                        if (strcmp(optarg, "rootlessport") != 0 &&
                            strcmp(optarg, "slirp4netns") != 0) {
                                fprintf(stderr,
                                        "eng-slirp: --port-handler %s: rootlessport or slirp4netns\n",
                                        optarg);
                                return 1;
                        }
                        o.slirp_ports = strcmp(optarg, "slirp4netns") == 0;
                        break;
                case 'S':
                        o.sandbox = false;
                        break;
                default:
                        return 1;
                }
        }
        if (eng_read_file_fd(STDIN_FILENO, "the container state", 1 << 20, &state, NULL, &err) <
            0) {
                fprintf(stderr, "eng-slirp: %s\n", err->msg);
                eng_err_free(err);
                return 1;
        }
        st = json_loads(state, 0, NULL);
        pid = (pid_t) json_integer_value(json_object_get(st, "pid"));
        json_decref(st);
        if (pid <= 0) {
                fprintf(stderr, "eng-slirp: no container pid in the state on stdin\n");
                return 1;
        }
        if (pipe2(p, O_CLOEXEC) < 0) {
                perror("eng-slirp: pipe");
                return 1;
        }
        daemon = fork();
        if (daemon < 0) {
                perror("eng-slirp: fork");
                return 1;
        }
        if (daemon == 0) {
                struct net_tap_opts to = { .mtu = o.mtu, .ipv6 = o.ipv6 };
                int r;

                close(p[0]);
                /* keep nothing of the runtime's or the monitor's but our pipe: a
                 * pipe someone reads to its end must not stay open in here */
                if (p[1] != 3) {
                        if (dup2(p[1], 3) < 0)
                                _exit(1);
                        close(p[1]);
                }
                (void) close_range(4, ~0U, 0);
                ready_fd = 3;
                /* a peer that hung up must give EPIPE to libslirp, not kill us */
                signal(SIGPIPE, SIG_IGN);
                (void) setsid();
                (void) prctl(PR_SET_NAME, "eng-slirp");
                r = net_tap_open(pid, &to, &tap, &err);
                if (r == 0 && fcntl(tap.fd, F_SETFL, O_NONBLOCK) < 0)
                        r = eng_err(&err, ENG_E_SYS, errno, "setting up the tap");
                if (r == 0)
                        r = net_slirp_run(&tap, pid, &o, on_ready, NULL, &err);
                net_tap_close(&tap);
                if (r < 0) {
                        _cleanup_free_ char *m = err ? eng_err_format(err) : NULL;

                        if (ready_fd >= 0)
                                dprintf(ready_fd, "%s\n", m ? m : "the network helper failed");
                        eng_err_free(err);
                        exit(1);
                }
                exit(0);
        }
        close(p[1]);
        {
                char answer[4096];
                ssize_t n = read(p[0], answer, sizeof(answer) - 1);

                if (n == 3 && memcmp(answer, "ok\n", 3) == 0)
                        return 0;
                answer[n > 0 ? n : 0] = '\0';
                fprintf(stderr, "%s", n > 0 ? answer : "the network helper died\n");
                return 1;
        }
}
