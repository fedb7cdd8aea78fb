/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The lifecycle without namespaces: state refreshes, stop, kill, remove,
 * the restart rule and the monitor's cleanup, over records in a store and
 * processes of the test's own. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/xalloc.h"
#include "runtime/lifecycle.h"
#include "runtime/oci/state.h"
#include "storage/container.h"
#include "tests/unit/harness.h"

#define L1  "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define ID1 "aaaa000000000000000000000000000000000000000000000000000000000001"

static struct storage_store store = STORAGE_STORE_INIT;
static struct eng_paths paths;
static struct runtime_ctx ctx = { .store = &store, .paths = &paths };

static void setup(void)
{
        struct eng_error *err = NULL;

        eng_test_dir_setup();
        eng_assert_ok(storage_store_open(&store, eng_test_path("store"), NULL, &err), err);
        paths.graph_root = eng_xstrdup(eng_test_path("store"));
        paths.run_root = eng_xstrdup(eng_test_path("run"));
        ck_assert_int_eq(mkdir(paths.run_root, 0700), 0);
}

static void teardown(void)
{
        free(paths.graph_root);
        free(paths.run_root);
        storage_store_close(&store);
        eng_test_dir_teardown();
}

/* A container in the store, its record in @ret. */
static void make(const char *name, struct storage_container *ret)
{
        struct eng_error *err = NULL;
        _cleanup_json_ json_t *layers = json_array();
        _cleanup_json_ json_t *rec =
                json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "id", ID1, "name", name, "state", "created",
                          "image", "busybox", "image_id", L1, "created", "2026-12-07T10:00:00Z");

        eng_assert_ok(storage_container_create(&store, rec, layers, STORAGE_DRIVER_VFS, NULL, NULL,
                                               NULL, &err),
                      err);
        eng_assert_ok(storage_container_load(&store, name, ret, &err), err);
}

/* A process of ours that sleeps until signalled. */
static pid_t sleeper(void)
{
        int ready[2];
        char c;
        pid_t pid;

        ck_assert_int_eq(pipe(ready), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                /* Check's handler, inherited, would answer TERM by killing the
                 * test's whole process group: ready only once TERM kills us */
                signal(SIGTERM, SIG_DFL);
                close(ready[0]);
                (void) !write(ready[1], "r", 1);
                for (;;)
                        pause();
        }
        close(ready[1]);
        ck_assert_int_eq(read(ready[0], &c, 1), 1);
        close(ready[0]);
        /* its start time is readable once it runs */
        for (int i = 0; i < 100 && !oci_proc_start_time(pid); i++)
                usleep(1000);
        return pid;
}

static void set_running(struct storage_container *c, pid_t pid)
{
        struct eng_error *err = NULL;

        c->state = STORAGE_CONTAINER_RUNNING;
        c->pid = pid;
        c->pid_start = oci_proc_start_time(pid);
        eng_assert_ok(storage_container_save(&store, c, &err), err);
}

static void write_exit(const char *text)
{
        _cleanup_free_ char *dir = storage_container_dir(&store, ID1);
        _cleanup_free_ char *p = eng_xasprintf("%s/userdata/exit", dir);

        eng_test_write_file(p, text);
}

START_TEST(test_refresh)
{
        _cleanup_(storage_container_release) struct storage_container c = { 0 };
        pid_t pid;

        make("r", &c);
        /* created, and no monitor's pid file: stays created */
        ck_assert(!runtime_container_refresh(&store, &c));
        ck_assert_int_eq(c.state, STORAGE_CONTAINER_CREATED);
        /* running, its process alive: stays */
        pid = sleeper();
        set_running(&c, pid);
        ck_assert(!runtime_container_refresh(&store, &c));
        ck_assert_int_eq(c.state, STORAGE_CONTAINER_RUNNING);
        /* another process under the same pid (the start time differs): gone */
        c.pid_start++;
        write_exit("7\n2026-12-07T10:00:05Z\n");
        ck_assert(runtime_container_refresh(&store, &c));
        ck_assert_int_eq(c.state, STORAGE_CONTAINER_EXITED);
        ck_assert_int_eq(c.exit_code, 7);
        ck_assert_str_eq(c.finished, "2026-12-07T10:00:05Z");
        ck_assert_int_eq(c.pid, 0);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
}
END_TEST

START_TEST(test_refresh_nobody_saw_it_end)
{
        _cleanup_(storage_container_release) struct storage_container c = { 0 };
        pid_t pid;

        make("lost", &c);
        pid = sleeper();
        set_running(&c, pid);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        /* no exit file, no monitor: exit code -1 and why */
        ck_assert(runtime_container_refresh(&store, &c));
        ck_assert_int_eq(c.state, STORAGE_CONTAINER_EXITED);
        ck_assert_int_eq(c.exit_code, -1);
        ck_assert(strstr(c.error, "nobody recorded how it ended"));
}
END_TEST

START_TEST(test_stop_kill)
{
        _cleanup_(storage_container_release) struct storage_container c = { 0 };
        _cleanup_(storage_container_release) struct storage_container again = { 0 };
        struct eng_error *err = NULL;
        int status;
        pid_t pid;

        make("s", &c);
        /* not running: stop is nothing, kill is refused */
        eng_assert_ok(runtime_container_stop(&ctx, &c, 1, &err), err);
        eng_assert_fails(runtime_container_kill(&ctx, &c, SIGTERM, &err), err, ENG_E_USAGE);
        ck_assert(strstr(err->msg, "can only kill running containers"));
        err = eng_err_free(err);
        pid = sleeper();
        set_running(&c, pid);
        eng_assert_ok(runtime_container_kill(&ctx, &c, SIGSTOP, &err), err);
        ck_assert_int_eq(waitpid(pid, &status, WUNTRACED), pid);
        ck_assert(WIFSTOPPED(status));
        kill(pid, SIGCONT);
        /* stop: the stop signal (the image's), marked so no policy restarts it */
        c.stop_signal = eng_xstrdup("SIGUSR1");
        write_exit("138\n2026-12-07T10:00:05Z\n");
        /* our child is a zombie once dead, which counts as gone */
        eng_assert_ok(runtime_container_stop(&ctx, &c, 5, &err), err);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1);
        ck_assert_int_eq(c.state, STORAGE_CONTAINER_EXITED);
        eng_assert_ok(storage_container_load(&store, ID1, &again, &err), err);
        ck_assert(again.stopped_by_user);

        /* a record that says it runs but names no process: kill(0) would
         * signal our own process group, kill(-1) every process of ours */
        c.state = STORAGE_CONTAINER_RUNNING;
        c.pid = 0;
        eng_assert_fails(runtime_container_kill(&ctx, &c, SIGTERM, &err), err, ENG_E_INVALID);
        ck_assert(strstr(err->msg, "names no process"));
        err = eng_err_free(err);
        free(c.stop_signal);
        c.stop_signal = NULL;
        eng_assert_fails(runtime_container_stop(&ctx, &c, 0, &err), err, ENG_E_INVALID);
        err = eng_err_free(err);
}
END_TEST

START_TEST(test_remove)
{
        _cleanup_(storage_container_release) struct storage_container c = { 0 };
        _cleanup_free_ char *dir = storage_container_dir(&store, ID1);
        _cleanup_free_ char *rt = NULL;
        struct eng_error *err = NULL;
        int fd;
        pid_t pid;

        make("rmme", &c);
        pid = sleeper();
        set_running(&c, pid);
        /* running and no force: EBUSY, the container stays */
        eng_assert_fails(runtime_container_remove(&ctx, &c, false, 0, &err), err, ENG_E_USAGE);
        ck_assert_int_eq(err->errnum, EBUSY);
        err = eng_err_free(err);
        ck_assert_int_eq(access(dir, F_OK), 0);
        /* under the lock, read again: the same record */
        fd = runtime_container_lock(&ctx, &c, &err);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(c.state, STORAGE_CONTAINER_RUNNING);
        /* with force: killed (TERM, then KILL after 0 s), its files and runtime state gone */
        rt = eng_xasprintf("%s/runtime/%s", paths.run_root, ID1);
        eng_assert_ok(eng_mkdir_p(rt, 0700, &err), err);
        write_exit("137\n");
        eng_assert_ok(runtime_container_remove(&ctx, &c, true, 0, &err), err);
        close(fd);
        ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
        ck_assert_int_ne(access(dir, F_OK), 0);
        ck_assert_int_ne(access(rt, F_OK), 0);
        /* gone: locking it says so */
        ck_assert_int_lt(runtime_container_lock(&ctx, &c, &err), 0);
        ck_assert_int_eq(err->kind, ENG_E_NOTFOUND);
        eng_err_free(err);
}
END_TEST

START_TEST(test_remove_damaged)
{
        _cleanup_(storage_container_release) struct storage_container c = { 0 };
        _cleanup_free_ char *dir = storage_container_dir(&store, ID1);
        _cleanup_free_ char *rec = eng_xasprintf("%s/container.json", dir);
        _cleanup_free_ char *id = NULL;
        struct eng_error *err = NULL;

        make("broken", &c);
        eng_test_write_file(rec, "{\"id\": \"" ID1 "\"}");
        eng_assert_fails(runtime_container_get(&store, "aaaa", &c, &err), err, ENG_E_INVALID);
        err = eng_err_free(err);
        eng_assert_fails(runtime_container_remove_damaged(&ctx, "bbbb", &id, &err), err,
                         ENG_E_NOTFOUND);
        err = eng_err_free(err);
        eng_assert_ok(runtime_container_remove_damaged(&ctx, "aaaa", &id, &err), err);
        ck_assert_str_eq(id, ID1);
        ck_assert_int_ne(access(dir, F_OK), 0);
}
END_TEST

START_TEST(test_should_restart)
{
        struct {
                const char *policy;
                long max, count;
                int code;
                bool by_user;
                enum storage_container_state state;
                bool want;
        } cases[] = {
                { NULL, 0, 0, 1, false, STORAGE_CONTAINER_EXITED, false },
                { "always", 0, 9, 0, false, STORAGE_CONTAINER_EXITED, true },
                { "always", 0, 0, 0, true, STORAGE_CONTAINER_EXITED, false },
                { "unless-stopped", 0, 0, 0, false, STORAGE_CONTAINER_EXITED, true },
                { "unless-stopped", 0, 0, 0, true, STORAGE_CONTAINER_EXITED, false },
                { "on-failure", 0, 0, 0, false, STORAGE_CONTAINER_EXITED, false },
                { "on-failure", 0, 50, 1, false, STORAGE_CONTAINER_EXITED, true },
                { "on-failure", 2, 1, 1, false, STORAGE_CONTAINER_EXITED, true },
                { "on-failure", 2, 2, 1, false, STORAGE_CONTAINER_EXITED, false },
                { "always", 0, 0, 0, false, STORAGE_CONTAINER_RUNNING, false },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct storage_container c = {
                        .restart_policy = (char *) cases[i].policy,
                        .restart_max = cases[i].max,
                        .restart_count = cases[i].count,
                        .exit_code = cases[i].code,
                        .has_exit_code = true,
                        .stopped_by_user = cases[i].by_user,
                        .state = cases[i].state,
                };

                ck_assert_msg(runtime_container_should_restart(&c) == cases[i].want, "case %zu", i);
        }
}
END_TEST

START_TEST(test_cleanup)
{
        _cleanup_(storage_container_release) struct storage_container c = { 0 };
        _cleanup_(storage_container_release) struct storage_container after = { 0 };
        _cleanup_free_ char *dir = storage_container_dir(&store, ID1);
        _cleanup_free_ char *rt = eng_xasprintf("%s/runtime/%s", paths.run_root, ID1);
        struct eng_error *err = NULL;
        pid_t pid;

        /* a container removed meanwhile: nothing to do */
        eng_assert_ok(runtime_container_cleanup(&ctx, ID1, &err), err);
        make("clean", &c);
        pid = sleeper();
        set_running(&c, pid);
        /* started again meanwhile (it runs): left to that run's monitor */
        eng_assert_ok(runtime_container_cleanup(&ctx, ID1, &err), err);
        eng_assert_ok(storage_container_load(&store, ID1, &after, &err), err);
        ck_assert_int_eq(after.state, STORAGE_CONTAINER_RUNNING);
        storage_container_release(&after);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        /* ended: the record says how, the runtime's state goes */
        write_exit("3\n2026-12-07T10:01:00Z\n");
        eng_assert_ok(eng_mkdir_p(rt, 0700, &err), err);
        eng_assert_ok(runtime_container_cleanup(&ctx, ID1, &err), err);
        eng_assert_ok(storage_container_load(&store, ID1, &after, &err), err);
        ck_assert_int_eq(after.state, STORAGE_CONTAINER_EXITED);
        ck_assert_int_eq(after.exit_code, 3);
        ck_assert_int_ne(access(rt, F_OK), 0);
        /* with --rm: removed */
        after.rm = true;
        eng_assert_ok(storage_container_save(&store, &after, &err), err);
        eng_assert_ok(runtime_container_cleanup(&ctx, ID1, &err), err);
        ck_assert_int_ne(access(dir, F_OK), 0);
}
END_TEST

START_TEST(test_wait)
{
        _cleanup_(storage_container_release) struct storage_container c = { 0 };
        pid_t pid;

        make("w", &c);
        pid = sleeper();
        set_running(&c, pid);
        write_exit("42\n");
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        ck_assert_int_eq(runtime_container_wait(&ctx, &c), 42);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("runtime-lifecycle");
        TCase *tc = eng_tcase("lifecycle");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_refresh);
        tcase_add_test(tc, test_refresh_nobody_saw_it_end);
        tcase_add_test(tc, test_stop_kill);
        tcase_add_test(tc, test_remove);
        tcase_add_test(tc, test_remove_damaged);
        tcase_add_test(tc, test_should_restart);
        tcase_add_test(tc, test_cleanup);
        tcase_add_test(tc, test_wait);
        suite_add_tcase(s, tc);
        return eng_run_suite(s);
}
