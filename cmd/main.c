/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "image/image.h"

#include "common/banned.h"

/* Exit statuses of podman-run(1) and docker run (STYLE.md section 4). */
enum {
        EXIT_ENGINE = 125,
        EXIT_CANNOT_INVOKE = 126,
        EXIT_NOT_FOUND = 127,
};

static const struct cmd_desc commands[] = {
        {
                .name = "attach",
                .fn = cmd_attach,
                .summary = "Attach to a detached container",
                .usage = "eng attach [options] CONTAINER",
                .description =
                        "Show the output of CONTAINER (started with run -d) as it comes and, when it was started\n"
                        "with -i, pass it our input.  Ctrl-p ctrl-q detaches; when the container ends, its exit\n"
                        "status is ours.\n",
        },
        {
                .name = "container",
                .fn = cmd_container,
                .summary = "Manage containers: ls, rm, stop, kill, logs, wait, run",
                .usage = "eng container SUBCOMMAND [options]",
                .description =
                        "The container commands under one name, as podman has them.\n\n"
                        "Subcommands:\n"
                        "  exists CONTAINER   whether it exists (exit 0 or 1)\n"
                        "  ls, ps, list       eng ps\n"
                        "  prune              remove every container that is not running\n"
                        "  rm, remove         eng rm\n"
                        "  attach, create, exec, inspect, kill, logs, rename, restart, run,\n"
                        "  start, stop, top, wait   the commands of those names\n",
                .stop_at_operand = true,
        },
        {
                .name = "create",
                .fn = cmd_create,
                .summary = "Create a container without starting it",
                .usage = "eng create [options] IMAGE [COMMAND [ARG...]]",
                .description =
                        "Make a container as 'eng run' does, print its id, and leave it created for 'eng start'.\n"
                        "Takes the options of 'eng run' (see 'eng run --help').\n",
                .stop_at_operand = true,
        },
        {
                .name = "exec",
                .fn = cmd_exec,
                .summary = "Run a process in a running container",
                .usage = "eng exec [options] CONTAINER COMMAND [ARG...]",
                .description =
                        "Run COMMAND in the namespaces, root, capabilities and seccomp profile of the running\n"
                        "CONTAINER.  The exit status is the command's; 126 when it cannot be invoked, 127 when\n"
                        "it does not exist.\n",
                .stop_at_operand = true,
        },
        {
                .name = "help",
                .fn = cmd_help,
                .summary = "Show help for eng or one of its commands",
                .usage = "eng help [COMMAND]",
                .description =
                        "Without COMMAND, list the commands; with it, show that command's help.\n",
        },
        {
                .name = "info",
                .fn = cmd_info,
                .summary = "Show what eng finds on this machine, and what is missing",
                .usage = "eng info [options]",
                .description =
                        "Probe this machine for what rootless containers need and report it: the user's\n"
                        "ids and subordinate id ranges, newuidmap/newgidmap, user namespaces, native\n"
                        "overlayfs in a user namespace, /dev/fuse, /dev/net/tun, cgroups, and where eng\n"
                        "keeps its files.  For each missing piece it says what to do about it.\n",
        },
        {
                .name = "image",
                .fn = cmd_image,
                .summary = "Manage images: inspect, ls, prune, pull, rm, tag",
                .usage = "eng image SUBCOMMAND [options]",
                .description =
                        "Subcommands:\n"
                        "  inspect IMAGE...   show images as JSON, as podman image inspect\n"
                        "  ls                 list images (eng images)\n"
                        "  prune [-a]         remove images without a name (-a: every image)\n"
                        "  pull IMAGE         pull an image (eng pull)\n"
                        "  rm IMAGE...        remove images (eng rmi)\n"
                        "  tag IMAGE NAME...  add names to an image (eng tag)\n"
                        "  untag IMAGE [NAME...]  remove names from an image (eng untag)\n",
                .stop_at_operand = true,
        },
        {
                .name = "images",
                .fn = cmd_images,
                .summary = "List the images in the store",
                .usage = "eng images [options]",
                .description =
                        "List the images in the store: repository, tag, image ID, when it was created and its size.\n",
        },
        {
                .name = "login",
                .fn = cmd_login,
                .summary = "Log in to a registry",
                .usage = "eng login [options] REGISTRY",
                .description =
                        "Check the credentials with REGISTRY and keep them in the auth file\n"
                        "($XDG_RUNTIME_DIR/containers/auth.json, else ~/.config/containers/auth.json;\n"
                        "mode 0600), where podman keeps them too.  The password is asked on the\n"
                        "terminal without echo unless --password-stdin is given.\n",
        },
        {
                .name = "logout",
                .fn = cmd_logout,
                .summary = "Log out of a registry",
                .usage = "eng logout [options] REGISTRY",
                .description = "Remove the credentials for REGISTRY from the auth file.\n",
        },
        {
                .name = "pull",
                .fn = cmd_pull,
                .summary = "Pull an image from a registry",
                .usage = "eng pull [options] IMAGE",
                .description =
                        "Pull IMAGE (e.g. alpine, quay.io/podman/stable:latest, localhost:5000/app@sha256:...)\n"
                        "from its registry into the store, and print its image ID.  Short names are looked\n"
                        "up on docker.io.  Credentials come from --creds or the auth files podman and docker\n"
                        "write ($XDG_RUNTIME_DIR/containers/auth.json, ~/.config/containers/auth.json,\n"
                        "~/.docker/config.json); per-registry CAs from ~/.config/containers/certs.d/HOST:PORT/.\n",
        },
        {
                .name = "inspect",
                .fn = cmd_inspect,
                .summary = "Show containers or images as JSON",
                .usage = "eng inspect [options] NAME...",
                .description =
                        "Print what eng knows of each container (or, when no container has that name, image)\n"
                        "as podman's JSON.\n",
        },
        {
                .name = "kill",
                .fn = cmd_kill,
                .summary = "Send a signal to running containers",
                .usage = "eng kill [options] CONTAINER...",
                .description =
                        "Send SIGNAL (default KILL) to the main process of each running CONTAINER.\n",
        },
        {
                .name = "logs",
                .fn = cmd_logs,
                .summary = "Show the output of a container",
                .usage = "eng logs [options] CONTAINER",
                .description =
                        "Print what CONTAINER (started with run -d) wrote: its stdout to stdout, its stderr to\n"
                        "stderr.  Also for exited containers.\n",
        },
        {
                .name = "port",
                .fn = cmd_port,
                .summary = "List the published ports of a container",
                .usage = "eng port CONTAINER",
                .description =
                        "Print each published port of CONTAINER: CONTAINERPORT/PROTO -> HOSTIP:HOSTPORT.\n",
        },
        {
                .name = "ps",
                .fn = cmd_ps,
                .summary = "List containers",
                .usage = "eng ps [options]",
                .description = "List the running containers (all with -a), newest first.\n",
        },
        {
                .name = "rename",
                .fn = cmd_rename,
                .summary = "Rename a container",
                .usage = "eng rename CONTAINER NAME",
                .description = "Give CONTAINER the name NAME, which no other container may have.\n",
        },
        {
                .name = "restart",
                .fn = cmd_restart,
                .summary = "Stop and start containers again",
                .usage = "eng restart [options] CONTAINER...",
                .description =
                        "Stop each running CONTAINER (as 'eng stop') and start it again, detached.\n",
        },
        {
                .name = "rm",
                .fn = cmd_rm,
                .summary = "Remove containers",
                .usage = "eng rm [options] CONTAINER...",
                .description =
                        "Remove each CONTAINER and its files.  Exit status 1 when a container does not exist,\n"
                        "2 when it runs and -f is not given (as podman).  A container whose network others\n"
                        "share (--network container:NAME) goes only after them: with --depend, or --all.\n",
        },
        {
                .name = "rmi",
                .fn = cmd_rmi,
                .summary = "Remove images",
                .usage = "eng rmi [options] IMAGE...",
                .description =
                        "Remove each IMAGE.  A name of an image that has other names is only untagged;\n"
                        "otherwise the image goes, with the layers no other image uses.  Exit status 1\n"
                        "when an image does not exist (as podman).\n",
        },
        {
                .name = "run",
                .fn = cmd_run,
                .summary = "Run a command in a new container",
                .usage = "eng run [options] IMAGE [COMMAND [ARG...]]",
                .description =
                        "Make a container of IMAGE (pulled when missing) and run COMMAND in it, or the image's\n"
                        "entrypoint and command, in the foreground (in the background with -d).  The exit\n"
                        "status is the command's; 125 when eng failed, 126 when the command cannot be\n"
                        "invoked, 127 when it does not exist.  The container has its own user, mount, pid,\n"
                        "uts, ipc, cgroup and network namespaces; its network is user-mode (slirp: outbound\n"
                        "traffic, DNS, published ports with -p) unless --network says otherwise.\n",
                .stop_at_operand = true,
        },
        {
                .name = "start",
                .fn = cmd_start,
                .summary = "Start created or exited containers",
                .usage = "eng start [options] CONTAINER...",
                .description =
                        "Start each CONTAINER, detached, with the same upper directory and fresh namespaces.\n"
                        "With -a, one container in the foreground: its output here, its exit status eng's.\n",
        },
        {
                .name = "stop",
                .fn = cmd_stop,
                .summary = "Stop running containers",
                .usage = "eng stop [options] CONTAINER...",
                .description =
                        "Send each CONTAINER its stop signal (the image's StopSignal, else TERM), and KILL\n"
                        "after the timeout.\n",
        },
        {
                .name = "system",
                .fn = cmd_system,
                .summary = "Manage eng: check, df, info",
                .usage = "eng system SUBCOMMAND [options]",
                .description = "Subcommands:\n"
                               "  check [--repair] [--quick]   check the store, and repair it\n"
                               "  df                           show the space eng uses\n"
                               "  info                         eng info\n",
                .stop_at_operand = true,
        },
        {
                .name = "tag",
                .fn = cmd_tag,
                .summary = "Add names to an image",
                .usage = "eng tag IMAGE NAME...",
                .description =
                        "Give IMAGE each NAME as a further name.  A NAME without a registry is\n"
                        "put under localhost/, as podman does.\n",
        },
        {
                .name = "untag",
                .fn = cmd_untag,
                .summary = "Remove names from an image",
                .usage = "eng untag IMAGE [NAME...]",
                .description =
                        "Take each NAME from IMAGE, or every name when none is given; the image stays\n"
                        "(without a name it shows as <none>, and image prune removes it).\n",
        },
        {
                .name = "top",
                .fn = cmd_top,
                .summary = "Show the processes of a running container",
                .usage = "eng top CONTAINER [DESCRIPTOR...|PS-OPTION...]",
                .stop_at_operand = true,
                .description =
                        "List the processes of CONTAINER with their ids as the container sees them.\n"
                        "The DESCRIPTORs (words, or joined with commas) choose the columns, as\n"
                        "podman's: args, capamb, capbnd, capeff, capinh, capprm, comm, etime, group,\n"
                        "hgroup, hpid, huser, nice, pcpu, pgid, pid, ppid, rgroup, rss, ruser,\n"
                        "seccomp, state, stime, time, tty, user, vsz (and the AIX forms %a, %c, %t,\n"
                        "%G, %n, %C, %r, %p, %P, %g, %u, %x, %y, %U, %z).  The default is\n"
                        "user pid ppid pcpu etime tty time args.  Options for ps(1) instead\n"
                        "(-eo pid,comm) are handed to the ps of the container, as podman does.\n",
        },
        {
                .name = "unshare",
                .fn = cmd_unshare,
                .summary = "Run a command in eng's user namespace",
                .usage = "eng unshare [COMMAND [ARG...]]",
                .description =
                        "Run COMMAND (default $SHELL) as root of a new user and mount namespace with eng's\n"
                        "id mapping: the files of images and containers show their owners as the\n"
                        "containers see them.  The exit status is COMMAND's.\n",
                .stop_at_operand = true,
        },
        {
                .name = "version",
                .fn = cmd_version,
                .summary = "Show the eng version and the libraries it uses",
                .usage = "eng version [options]",
                .description =
                        "Show the version of eng, the platform, and the versions of its libraries.\n",
        },
        {
                .name = "wait",
                .fn = cmd_wait,
                .summary = "Wait for containers to exit and print their exit codes",
                .usage = "eng wait CONTAINER...",
                .description = "Block until each CONTAINER has exited; print its exit code.\n",
        },
};

/*
 * Commands podman users type that eng does not have yet: they fail with a
 * clear message instead of "unknown command".
 */
static const char *const planned[] = {
        "build",   "commit", "cp",   "diff", "events", "export", "history", "import", "load",
        "network", "pause",  "push", "save", "search", "stats",  "unpause", "volume",
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

const struct cmd_desc *cmd_find(const char *name)
{
        for (size_t i = 0; i < N_ELEMS(commands); i++)
                if (strcmp(commands[i].name, name) == 0)
                        return &commands[i];
        return NULL;
}

static int cmp_cmd_name(const void *a, const void *b)
{
        return strcmp((*(const struct cmd_desc *const *) a)->name,
                      (*(const struct cmd_desc *const *) b)->name);
}

/* the options of eng before its command that no command has: -v */
static const struct cmd_option main_own_options[] = {
        { "version", no_argument, 'v', NULL, "show the version" },
        { 0 },
};

void cmd_print_main_help(FILE *out)
{
        fprintf(out,
                "Usage: eng [options] COMMAND [ARG...]\n\n"
                "eng is a rootless container engine: a normal user, with no root and no daemon,\n"
                "pulls images and runs containers.\n\n"
                "Commands:\n");
        {
                /* in alphabetical order, whatever the table's */
                const struct cmd_desc *sorted[N_ELEMS(commands)];

                for (size_t i = 0; i < N_ELEMS(commands); i++)
                        sorted[i] = &commands[i];
                qsort(sorted, N_ELEMS(commands), sizeof(sorted[0]), cmp_cmd_name);
                for (size_t i = 0; i < N_ELEMS(commands); i++)
                        fprintf(out, "  %-10s %s\n", sorted[i]->name, sorted[i]->summary);
        }
        fprintf(out, "\nNot implemented yet:");
        for (size_t i = 0; i < N_ELEMS(planned); i++)
                fprintf(out, "%s%s", i % 10 == 0 ? "\n  " : " ", planned[i]);
        fprintf(out, "\n\nGlobal options:\n");
        cmd_print_options_with(out, cmd_global_options, main_own_options, false);
        fprintf(out, "\nRun 'eng COMMAND --help' for more about a command.\n");
}

static int unknown_command(const char *name, struct eng_error **err)
{
        const char *names[N_ELEMS(commands) + N_ELEMS(planned)];
        const char *close;
        size_t n = 0;

        for (size_t i = 0; i < N_ELEMS(planned); i++) {
                if (strcmp(planned[i], name) == 0)
                        return eng_err(
                                err, ENG_E_USAGE, ENOSYS,
                                "'%s' is not implemented yet; see 'eng --help' for what works",
                                name);
        }
        for (size_t i = 0; i < N_ELEMS(commands); i++)
                names[n++] = commands[i].name;
        for (size_t i = 0; i < N_ELEMS(planned); i++)
                names[n++] = planned[i];
        close = cmd_suggest(name, names, n);
        if (close)
                return eng_err(err, ENG_E_USAGE, 0,
                               "unknown command '%s' (did you mean '%s'?); see 'eng --help'", name,
                               close);
        return eng_err(err, ENG_E_USAGE, 0, "unknown command '%s'; see 'eng --help'", name);
}

int cmd_help(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        const struct cmd_desc *target;
        int first;
        int r = cmd_parse(cmd, argc, argv, NULL, NULL, NULL, &first, err);

        if (r != 0)
                return r < 0 ? r : 0;
        if (first >= argc) {
                cmd_print_main_help(stdout);
                return 0;
        }
        if (first + 1 < argc)
                return eng_err(err, ENG_E_USAGE, 0, "'eng help' takes one command, got '%s' too",
                               argv[first + 1]);
        target = cmd_find(argv[first]);
        if (!target)
                return unknown_command(argv[first], err);
        {
                /* the command prints its own help, from the options it parses */
                char *help_argv[] = { argv[first], (char *) "--help", NULL };

                r = target->fn(target, 2, help_argv, err);
                return r < 0 ? r : 0;
        }
}

/* The one place that turns an error into an exit status. */
static int exit_status(const struct eng_error *err)
{
        if (arg_global.log_level_refused)
                return EXIT_FAILURE; /* podman's status, before any command runs */
        if (err->kind == ENG_E_EXEC)
                return err->errnum == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_INVOKE;
        return EXIT_ENGINE;
}

static int print_error(struct eng_error *err)
{
        int status = exit_status(err);

        /* ENOSYS on "not implemented yet" and EEXIST on "already in use" only
         * classify a usage error; their strerror() says nothing more. */
        if ((err->errnum == ENOSYS || err->errnum == EEXIST) && err->kind == ENG_E_USAGE)
                err->errnum = 0;
        if (arg_global.log_level_refused) {
                /* as podman prints it, without "Error: " */
                fflush(stdout);
                fprintf(stderr, "%s\n", err->msg);
                return status;
        }
        cmd_print_error(err);
        return status;
}

int main(int argc, char **argv)
{
        _cleanup_free_ struct option *longopts = NULL;
        struct eng_error *err = NULL;
        const struct cmd_desc *cmd;
        int c, r;

        setlocale(LC_CTYPE, "");
        eng_log_set_prog("eng");

        longopts = cmd_getopt_table(main_own_options);

        /* Options before the command; '+' stops at the command name. */
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+:hv", longopts, NULL)) != -1) {
                if (c == 'h' || c == CMD_OPT_HELP) {
                        cmd_print_main_help(stdout);
                        return 0;
                }
                if (c == 'v') {
                        printf("eng version %s\n", PACKAGE_VERSION);
                        return 0;
                }
                if (c == '?') {
                        if (optopt)
                                eng_err(&err, ENG_E_USAGE, 0,
                                        "unknown shorthand flag '-%c'; see 'eng --help'", optopt);
                        else
                                eng_err(&err, ENG_E_USAGE, 0, "unknown flag '%s'; see 'eng --help'",
                                        argv[optind - 1]);
                        return print_error(err);
                }
                if (c == ':') {
                        eng_err(&err, ENG_E_USAGE, 0, "flag '%s' needs an argument",
                                argv[optind - 1]);
                        return print_error(err);
                }
                if (cmd_apply_global(c, optarg, &err) < 0)
                        return print_error(err);
        }
        if (optind >= argc) {
                cmd_print_main_help(stderr);
                eng_err(&err, ENG_E_USAGE, 0, "missing command 'eng COMMAND'");
                return print_error(err);
        }

        cmd = cmd_find(argv[optind]);
        if (!cmd) {
                unknown_command(argv[optind], &err);
                return print_error(err);
        }
        r = cmd->fn(cmd, argc - optind, argv + optind, &err);
        if (r < 0)
                return print_error(err);
        if (fflush(stdout) == EOF) {
                eng_err(&err, ENG_E_SYS, errno, "writing to stdout");
                return print_error(err);
        }
        return r;
}

int cmd_dispatch(const struct cmd_desc *cmd, int argc, char **argv, const struct cmd_desc *subs,
                 size_t nsubs, const struct cmd_alias *aliases, size_t naliases,
                 struct eng_error **err)
{
        int first;
        int r = cmd_parse(cmd, argc, argv, NULL, NULL, NULL, &first, err);

        if (r != 0)
                return r < 0 ? r : 0;
        if (first >= argc)
                return eng_err(err, ENG_E_USAGE, 0,
                               "'eng %s' needs a subcommand; see 'eng %s --help'", cmd->name,
                               cmd->name);
        for (size_t i = 0; i < nsubs; i++)
                if (strcmp(argv[first], subs[i].name) == 0)
                        return subs[i].fn(&subs[i], argc - first, argv + first, err);
        for (size_t i = 0; i < naliases; i++) {
                if (strcmp(argv[first], aliases[i].name) == 0) {
                        const struct cmd_desc *target = cmd_find(aliases[i].as);
                        return target->fn(target, argc - first, argv + first, err);
                }
        }
        return eng_err(err, ENG_E_USAGE, 0, "unknown subcommand 'eng %s %s'; see 'eng %s --help'",
                       cmd->name, argv[first], cmd->name);
}

int cmd_exists(const struct cmd_desc *cmd, int argc, char **argv, const char *what,
               json_t *(*get)(struct storage_store *s, const char *name, struct eng_error **err),
               struct eng_error **err)
{
        struct cmd_store cs = CMD_STORE_INIT;
        _cleanup_json_ json_t *found = NULL;
        int first, r = cmd_parse(cmd, argc, argv, NULL, NULL, NULL, &first, err);

        if (r != 0)
                return r < 0 ? r : 0;
        if (first + 1 != argc)
                return eng_err(err, ENG_E_USAGE, 0, "'eng %s exists' takes one %s", what, what);
        r = -1;
        if (cmd_store_open(&cs, false, err) == 0) {
                found = get(&cs.store, argv[first], err);
                if (found)
                        r = 0;
                else if ((*err)->kind == ENG_E_NOTFOUND) {
                        *err = eng_err_free(*err);
                        r = 1;
                }
        }
        cmd_store_close(&cs);
        return r;
}

/* `eng image exists NAME`: 0 when it is stored, 1 when not (podman) */
static int cmd_image_exists(const struct cmd_desc *cmd, int argc, char **argv,
                            struct eng_error **err)
{
        return cmd_exists(cmd, argc, argv, "image", image_lookup, err);
}

static const struct cmd_desc image_subcommands[] = {
        {
                .name = "exists",
                .fn = cmd_image_exists,
                .summary = "Whether an image is stored",
                .usage = "eng image exists IMAGE",
                .description =
                        "Exit 0 when IMAGE is stored, 1 when it is not (podman's image exists).\n",
        },
        {
                .name = "inspect",
                .fn = cmd_image_inspect,
                .summary = "Show images as JSON",
                .usage = "eng image inspect [options] IMAGE...",
                .description = "Show each IMAGE as JSON shaped like podman image inspect's.\n",
        },
        {
                .name = "prune",
                .fn = cmd_image_prune,
                .summary = "Remove images without a name",
                .usage = "eng image prune [options]",
                .description =
                        "Remove images that have no name left (dangling), and the layers they alone used.\n",
        },
};

int cmd_image(const struct cmd_desc *cmd, int argc, char **argv, struct eng_error **err)
{
        static const struct cmd_alias aliases[] = { { "ls", "images" },  { "list", "images" },
                                                    { "pull", "pull" },  { "rm", "rmi" },
                                                    { "remove", "rmi" }, { "tag", "tag" },
                                                    { "untag", "untag" } };

        return cmd_dispatch(cmd, argc, argv, image_subcommands, N_ELEMS(image_subcommands), aliases,
                            N_ELEMS(aliases), err);
}
