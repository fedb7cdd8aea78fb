/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OCI hooks: each a program run with the container's state on its stdin.
 * createRuntime (and the older prestart) and poststart and poststop run in
 * the runtime's namespaces; createContainer and startContainer in the
 * container's, from the container process itself.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "runtime/oci/oci-internal.h"

#include "common/banned.h"

static const char *const kind_names[OCI_HOOK_COUNT] = {
        [OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
        [OCI_HOOK_CREATE_CONTAINER] = "createContainer",
        [OCI_HOOK_START_CONTAINER] = "startContainer",
        [OCI_HOOK_POSTSTART] = "poststart",
        [OCI_HOOK_POSTSTOP] = "poststop",
};

/* one hook, to its end or its timeout; its stderr makes the error */
static int run_one(const struct oci_hook *h, const char *state, struct eng_error **err)
{
        _cleanup_close_ int in_r = -1, in_w = -1, out_r = -1, out_w = -1;
        _cleanup_kill_ pid_t c = -1;
        int p[2], status = 0;
        char said[1024] = "";

        if (pipe2(p, O_CLOEXEC) < 0)
                return eng_err(err, ENG_E_SYS, errno, "making a pipe for a hook");
        in_r = p[0];
        in_w = p[1];
        if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
                return eng_err(err, ENG_E_SYS, errno, "making a pipe for a hook");
        out_r = p[0];
        out_w = p[1];
        c = fork();
        if (c < 0)
                return eng_err(err, ENG_E_SYS, errno, "running the hook '%s'", h->path);
        if (c == 0) {
                if (dup2(in_r, STDIN_FILENO) < 0 || dup2(out_w, STDERR_FILENO) < 0)
                        _exit(126);
                execve(h->path, h->args, h->env ? h->env : environ);
                _exit(errno == ENOENT ? 127 : 126);
        }
        in_r = eng_close_safe(in_r);
        out_w = eng_close_safe(out_w);
        {
                /* a hook that exits without reading its stdin must not kill us */
                struct sigaction ign = { .sa_handler = SIG_IGN }, old;

                (void) sigaction(SIGPIPE, &ign, &old);
                (void) eng_write_all(in_w, state, strlen(state));
                (void) sigaction(SIGPIPE, &old, NULL);
        }
        in_w = eng_close_safe(in_w);
        for (int waited = 0;; waited++) {
                pid_t w = waitpid(c, &status, h->timeout ? WNOHANG : 0);

                if (w == c) {
                        c = -1; /* reaped */
                        break;
                }
                if (w < 0 && errno != EINTR) {
                        c = -1; /* not ours to wait for any more */
                        status = -1;
                        break;
                }
                /* past its timeout: killed and reaped as c goes */
                if (h->timeout && waited >= h->timeout * 100)
                        return eng_err(err, ENG_E_SYS, ETIMEDOUT, "the hook '%s'", h->path);
                if (h->timeout) {
                        struct timespec ts = { 0, 10 * 1000 * 1000 };

                        nanosleep(&ts, NULL);
                }
        }
        {
                /* what it said on stderr (a hook that daemonized closed it) */
                ssize_t n = read(out_r, said, sizeof(said) - 1);

                said[n > 0 ? n : 0] = '\0';
                if (n > 0 && said[n - 1] == '\n')
                        said[n - 1] = '\0';
        }
        if (status != 0 && said[0])
                return eng_err(err, ENG_E_SYS, 0, "%s", said);
        if (status != 0)
                return eng_err(err, ENG_E_SYS, 0, "the hook '%s' failed (status %d)", h->path,
                               WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return 0;
}

int oci_hooks_run(const struct oci_spec *spec, enum oci_hook_kind kind, const char *id,
                  const char *bundle, const char *status, pid_t pid, struct eng_error **err)
{
        const struct oci_hooks *hs = &spec->hooks[kind];
        _cleanup_free_ char *state = NULL;
        json_t *st;

        if (!hs->n)
                return 0;
        st = json_pack("{s:s,s:s,s:s,s:i,s:s}", "ociVersion", OCI_VERSION, "id", id ? id : "",
                       "status", status, "pid", (int) pid, "bundle", bundle ? bundle : "");
        if (pid <= 0)
                json_object_del(st, "pid");
        if (json_object_get(spec->json, "annotations"))
                json_object_set(st, "annotations", json_object_get(spec->json, "annotations"));
        state = json_dumps(st, JSON_COMPACT);
        json_decref(st);
        for (size_t i = 0; i < hs->n; i++) {
                struct eng_error *e = NULL;

                if (run_one(&hs->v[i], state, &e) == 0)
                        continue;
                /* after the start and the stop a failing hook is only a warning (OCI) */
                if (kind == OCI_HOOK_POSTSTART || kind == OCI_HOOK_POSTSTOP) {
                        eng_err_wrap(&e, "%s hook", kind_names[kind]);
                        eng_err_warn_and_free(&e);
                        continue;
                }
                *err = e;
                /* the network helper's own words say it all (a taken port) */
                if (kind == OCI_HOOK_CREATE_RUNTIME)
                        return -1;
                return eng_err_wrap(err, "%s hook", kind_names[kind]);
        }
        return 0;
}
